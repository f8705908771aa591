/**
 * Executed documentation: every code sample of README.md and docs/*.md (not docs/examples/ or
 * docs/api/) runs, and the output it prints is the output the page shows.
 *
 * The convention, for anyone writing docs:
 *
 * - A ```ts block is a sample. It is written to test/docs/.tmp/samples/ as its own ES module and
 *   imported, exactly as a reader would run it with tsx: it imports "chainrule" (and
 *   "chainrule/node") by name, may use top-level await, and shares nothing with the other blocks
 *   on the page (each block is complete and copy-pasteable). It runs in a fresh temporary working
 *   directory, so relative paths it writes ("model.json") land there. The global random generator
 *   is re-seeded at random before each sample, as in a new process: a sample whose output depends
 *   on random numbers must call `manualSeed` itself.
 * - What the sample prints with console.log is captured. If a ```text block follows it
 *   immediately (only blank lines between), the captured output must equal that block exactly,
 *   after removing trailing whitespace from each line and trailing blank lines. Without a text
 *   block the sample must still run without throwing.
 * - ```ts no-run: typechecked, never run (for code that needs a dataset, the network or minutes).
 *   A text block may not follow it: output that nobody checks is not shown.
 * - Every ts block, run or not, is typechecked with the repository's tsconfig (typecheck.test.ts).
 * - A ```sh block whose every command is `npx chainrule grad …` runs the command line, bundled
 *   from the sources (src/cli/main.ts) as tsup bundles it, in a temporary directory; it must
 *   exit with 0, and its standard output is compared with a following text block as above.
 *   Other shell blocks (`npm install`, …) are prose, and may not be followed by a text block.
 * - Any other block (text, json, dot, …) is prose.
 *
 * After a change that alters what samples print, review the new output and update the pages with
 * `UPDATE_DOC_SAMPLES=1 npx vitest run test/docs/samples.test.ts`: every text block that follows a
 * sample is rewritten with what the sample prints now (nothing is asserted in that mode).
 *
 * The generated modules are deleted after the run; test/docs/.tmp/ is git-ignored.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { formatWithOptions, promisify } from "node:util";
import { manualSeed } from "chainrule";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allSamples,
  cliCommands,
  normaliseOutput,
  ROOT,
  type Sample,
  sampleFileName,
  withOutputs,
} from "./markdown";

// a folder of its own: doc-examples.test.ts writes its modules beside it, at the same time
const TMP = join(ROOT, "test/docs/.tmp/samples");
const samples = allSamples();
const files = [...new Set(samples.map((s) => s.file))];
const UPDATE = Boolean(process.env.UPDATE_DOC_SAMPLES);
const updates = new Map<Sample, string>();

beforeAll(() => {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
});

afterAll(async () => {
  for (const file of new Set([...updates.keys()].map((s) => s.file))) {
    const path = join(ROOT, file);
    const mine = new Map([...updates].filter(([s]) => s.file === file));
    writeFileSync(path, withOutputs(readFileSync(path, "utf8"), mine));
  }
  if (!process.env.KEEP_DOC_SAMPLES) rmSync(TMP, { recursive: true, force: true });
  if (cliBundle) rmSync(dirname(await cliBundle), { recursive: true, force: true });
});

/** Runs `fn` with console.log captured and the working directory set to a fresh temporary one. */
async function captured(fn: () => Promise<unknown>): Promise<string> {
  const cwd = process.cwd();
  const scratch = mkdtempSync(join(tmpdir(), "chainrule-docs-"));
  try {
    process.chdir(scratch);
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(
      `the docs harness runs each sample in its own directory: it needs vitest's "forks" pool (${err})`,
    );
  }
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(formatWithOptions({ colors: false }, ...args));
  };
  try {
    await fn();
  } finally {
    console.log = log;
    process.chdir(cwd);
    rmSync(scratch, { recursive: true, force: true });
  }
  return lines.join("\n");
}

async function runModule(sample: Sample): Promise<string> {
  const path = join(TMP, sampleFileName(sample));
  writeFileSync(path, `${sample.code}\n`);
  // a new process would start from a random seed: so does every sample
  manualSeed((Math.random() * 2 ** 32) | 0);
  return captured(() => import(/* @vite-ignore */ pathToFileURL(path).href));
}

/** Splits a command line into words: "double" and 'single' quotes, no other shell syntax. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2] ?? (m[3] as string));
  return words;
}

const run = promisify(execFile);
let cliBundle: Promise<string> | undefined;

/**
 * The command line built from the sources, the way tsup builds dist/cli.js: one ESM bundle with
 * its libraries inlined (much faster to start than src/cli/main.ts under tsx).
 */
function buildCli(): Promise<string> {
  cliBundle ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), "chainrule-cli-bundle-")), "cli.mjs");
    await build({
      entryPoints: [join(ROOT, "src/cli/main.ts")],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "error",
      // bundled CommonJS libraries call require() for Node builtins
      banner: {
        js: 'import { createRequire as __docsCreateRequire } from "node:module"; const require = __docsCreateRequire(import.meta.url);',
      },
    });
    return outfile;
  })();
  return cliBundle;
}

async function runCli(sample: Sample): Promise<string> {
  const cli = await buildCli();
  const scratch = mkdtempSync(join(tmpdir(), "chainrule-cli-"));
  try {
    const outputs: string[] = [];
    for (const command of cliCommands(sample.code)) {
      const args = shellWords(command).slice(2); // drop "npx chainrule"
      const { stdout } = await run(process.execPath, [cli, ...args], { cwd: scratch });
      outputs.push(stdout);
    }
    return outputs.join("");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe("documentation samples", () => {
  it("finds samples in README.md and the guides", () => {
    expect(files).toContain("README.md");
    expect(samples.filter((s) => s.kind === "run").length).toBeGreaterThan(10);
  });

  for (const file of files) {
    describe(file, () => {
      for (const sample of samples.filter((s) => s.file === file && s.kind !== "typecheck")) {
        const title = `${sample.kind === "cli" ? "command" : "sample"} at line ${sample.line}${sample.expected ? ` prints the text at line ${sample.expected.line}` : " runs"}`;
        it(title, async () => {
          const output = sample.kind === "cli" ? await runCli(sample) : await runModule(sample);
          if (sample.expected && UPDATE) updates.set(sample, output);
          else if (sample.expected) {
            expect(normaliseOutput(output), `output of ${sample.id}`).toBe(
              normaliseOutput(sample.expected.text),
            );
          }
        });
      }
    });
  }
});
