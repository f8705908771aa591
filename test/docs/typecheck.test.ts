/**
 * Every ```ts block of README.md and docs/*.md (run or `no-run`, see samples.test.ts) typechecks
 * with the repository's tsconfig, as its own module importing "chainrule" by name; so does
 * scripts/docs-images.ts, which the tsconfig does not include. The samples are checked in memory:
 * nothing is written to disk.
 */
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { allSamples, fromRoot, ROOT, sampleFileName } from "./markdown";

const VIRTUAL = join(ROOT, "test/docs/.tmp/typecheck");

describe("documentation samples typecheck", () => {
  it("with the repository's tsconfig", () => {
    const config = ts.readConfigFile(join(ROOT, "tsconfig.json"), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const sources = new Map<string, string>();
    const ids = new Map<string, string>();
    for (const s of allSamples()) {
      if (s.kind === "cli") continue;
      const path = join(VIRTUAL, sampleFileName(s));
      // `export {}` makes a sample without imports a module too, as it is when run
      sources.set(path, `${s.code}\nexport {};\n`);
      ids.set(path, s.id);
    }
    const host = ts.createCompilerHost({ ...options, noEmit: true });
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => sources.has(f) || fileExists.call(host, f);
    host.readFile = (f) => sources.get(f) ?? readFile.call(host, f);
    host.getSourceFile = (f, lang, ...rest) => {
      const text = sources.get(f);
      return text === undefined
        ? getSourceFile.call(host, f, lang, ...rest)
        : ts.createSourceFile(f, text, lang);
    };
    const script = join(ROOT, "scripts/docs-images.ts");
    const roots = [...sources.keys(), script];
    const program = ts.createProgram({ rootNames: roots, options: { ...options, noEmit: true }, host });
    const problems: string[] = [];
    for (const root of roots) {
      const sf = program.getSourceFile(root);
      if (!sf) {
        problems.push(`${root}: not found`);
        continue;
      }
      for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
        const where =
          d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
        const name = ids.get(root) ?? fromRoot(root);
        const line = where ? `, line ${where.line + 1} of the sample` : "";
        problems.push(`${name}${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
