// Runs documentation samples (written beside this file by the consumer suite) against the
// installed package, one after another in this process, each in a fresh working directory with
// its console.log captured and the global generator seeded at random, as in a new process.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { formatWithOptions } from "node:util";
import { manualSeed } from "chainrule";

const files: string[] = JSON.parse(readFileSync(process.argv[2] as string, "utf8"));
const results: Record<string, { output?: string; error?: string }> = {};
const log = console.log;
const home = process.cwd();
for (const file of files) {
  const scratch = mkdtempSync(join(tmpdir(), "chainrule-consumer-sample-"));
  const lines: string[] = [];
  console.log = (...args: unknown[]) => {
    lines.push(formatWithOptions({ colors: false }, ...args));
  };
  try {
    process.chdir(scratch);
    manualSeed((Math.random() * 2 ** 32) >>> 0);
    await import(pathToFileURL(resolve(home, file)).href);
    results[file] = { output: lines.join("\n") };
  } catch (err) {
    results[file] = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  } finally {
    console.log = log;
    process.chdir(home);
    rmSync(scratch, { recursive: true, force: true });
  }
}
process.stdout.write(JSON.stringify(results));
