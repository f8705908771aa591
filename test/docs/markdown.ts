/**
 * Code samples of the documentation, as the docs harness sees them (the convention is described
 * at the top of samples.test.ts). Pure parsing: no file is written and nothing is run here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A fenced code block. */
export interface Fence {
  /** 1-based line of the opening fence. */
  line: number;
  /** The first word of the info string ("ts", "text", "sh", …), lower-cased; "" when none. */
  lang: string;
  /** The other words of the info string ("no-run"). */
  flags: string[];
  /** The block's content, without the fences (and without the fence's indentation). */
  code: string;
}

/** What the harness does with a block. */
export type SampleKind = "run" | "typecheck" | "cli";

/** A block the harness checks, with the output block that follows it, if any. */
export interface Sample {
  /** Repository-relative path of the Markdown file ("docs/autograd.md"). */
  file: string;
  line: number;
  kind: SampleKind;
  code: string;
  /**
   * The ```text block immediately after the sample (only blank lines between), if any: its
   * opening and closing fence lines (1-based) and its content.
   */
  expected: { line: number; endLine: number; text: string } | null;
  /** "docs/autograd.md:42": how tests and messages name the sample. */
  id: string;
}

const TS_LANGS = new Set(["ts", "typescript"]);
const SHELL_LANGS = new Set(["sh", "shell", "bash", "console"]);
const TS_FLAGS = new Set(["no-run"]);

/** README.md and every docs/*.md (not docs/examples/ or docs/api/), sorted. */
export function documentationFiles(): string[] {
  const docs = readdirSync(join(ROOT, "docs"), { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`)
    .sort();
  return ["README.md", ...docs];
}

/** Every fenced block of a Markdown text, with the blank-line gaps needed to pair outputs. */
export function parseFences(markdown: string): { fence: Fence; endLine: number }[] {
  const lines = markdown.split("\n");
  const out: { fence: Fence; endLine: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i] as string);
    if (!open) continue;
    const indent = (open[1] as string).length;
    const marker = open[2] as string;
    const info = (open[3] as string).trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^\\s*${marker[0] === "`" ? "`" : "~"}{${marker.length},}\\s*$`);
    while (j < lines.length && !close.test(lines[j] as string)) {
      const text = lines[j] as string;
      body.push(text.slice(Math.min(indent, text.length - text.trimStart().length)));
      j++;
    }
    if (j >= lines.length) throw new Error(`unclosed code fence opened at line ${i + 1}`);
    out.push({
      fence: {
        line: i + 1,
        lang: (info[0] ?? "").toLowerCase(),
        flags: info.slice(1),
        code: body.join("\n"),
      },
      endLine: j + 1,
    });
    i = j;
  }
  return out;
}

/** Whether a shell block is a run of the `chainrule grad` command (and only that). */
function isCliBlock(code: string): boolean {
  const commands = cliCommands(code);
  return commands.length > 0 && commands.every((c) => c.startsWith("npx chainrule grad "));
}

/** The command lines of a shell block (comments, blank lines and a `$ ` prompt removed). */
export function cliCommands(code: string): string[] {
  return code
    .split("\n")
    .map((l) => l.trim().replace(/^\$\s+/, ""))
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * The samples of one Markdown file. Throws (naming the line) on a misuse of the convention:
 * an unknown flag on a ts block, or an output block after a block that is not run.
 */
export function extractSamples(file: string, markdown: string): Sample[] {
  const fences = parseFences(markdown);
  const lines = markdown.split("\n");
  const samples: Sample[] = [];
  fences.forEach(({ fence, endLine }, k) => {
    const next = fences[k + 1];
    const between = next ? lines.slice(endLine, next.fence.line - 1) : [];
    const follows = next !== undefined && next.fence.lang === "text" && between.every((l) => l.trim() === "");
    const expected = follows ? { line: next.fence.line, endLine: next.endLine, text: next.fence.code } : null;
    const id = `${file}:${fence.line}`;
    let kind: SampleKind | null = null;
    if (TS_LANGS.has(fence.lang)) {
      const unknown = fence.flags.filter((f) => !TS_FLAGS.has(f));
      if (unknown.length > 0) throw new Error(`${id}: unknown flag ${unknown.join(" ")} (known: no-run)`);
      kind = fence.flags.includes("no-run") ? "typecheck" : "run";
    } else if (SHELL_LANGS.has(fence.lang) && isCliBlock(fence.code)) {
      kind = "cli";
    }
    if (expected && kind !== "run" && kind !== "cli") {
      throw new Error(
        `${id}: a \`\`\`text block (line ${expected.line}) right after a block that is not run would show ` +
          "output nobody checks; run the block, or put some prose between them",
      );
    }
    if (kind !== null) samples.push({ file, line: fence.line, kind, code: fence.code, expected, id });
  });
  return samples;
}

/** Every sample of README.md and docs/*.md. */
export function allSamples(): Sample[] {
  return documentationFiles().flatMap((file) => extractSamples(file, readFileSync(join(ROOT, file), "utf8")));
}

/** Normalises printed output for comparison: trailing whitespace of each line and trailing blank lines go. */
export function normaliseOutput(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .replace(/\n+$/, "");
}

/**
 * `markdown` with the content of each sample's output block replaced by `outputs.get(sample)`
 * (the harness's update mode).
 */
export function withOutputs(markdown: string, outputs: ReadonlyMap<Sample, string>): string {
  const lines = markdown.split("\n");
  const bottomUp = [...outputs].sort(([a], [b]) => (b.expected?.line ?? 0) - (a.expected?.line ?? 0));
  for (const [sample, output] of bottomUp) {
    if (!sample.expected) continue;
    const { line, endLine } = sample.expected;
    lines.splice(line, endLine - line - 1, ...normaliseOutput(output).split("\n"));
  }
  return lines.join("\n");
}

/** A file name for a sample's module: "docs_autograd.md.42.ts". */
export function sampleFileName(sample: Sample): string {
  return `${sample.file.replace(/[\\/]/g, "_")}.${sample.line}.ts`;
}

/** Repository-relative path, with forward slashes. */
export function fromRoot(path: string): string {
  return relative(ROOT, path).split("\\").join("/");
}
