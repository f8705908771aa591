/**
 * Files the command line writes (`grad --dot/--svg/--html`, the demo's pictures and weights): the
 * parent directory is created when missing, as `saveModel` does, and each write is reported as
 * one line naming the file and its size, so a user sees exactly what was written.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ChainruleError } from "../errors";

/**
 * A size in bytes as people read it, in SI units (1 kB = 1000 B), three significant figures at
 * most: 512 → "512 B", 12345 → "12.3 kB", 41_807_000 → "41.8 MB".
 *
 * @example
 * formatSize(12345); // "12.3 kB"
 */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB"] as const;
  let x = bytes / 1000;
  let unit = 0;
  while (x >= 999.5 && unit < units.length - 1) {
    x /= 1000;
    unit++;
  }
  return `${x >= 99.95 ? x.toFixed(0) : x.toFixed(1)} ${units[unit]}`;
}

/**
 * Writes `content` to `path`, creating its parent directories, and returns the line that reports
 * it: `wrote out/graph.svg (12.3 kB)` (the path as given).
 *
 * @example
 * writeOutputFile("out/graphs/f.dot", "digraph {}"); // "wrote out/graphs/f.dot (10 B)"
 */
export function writeOutputFile(path: string, content: string | Uint8Array): string {
  makeDirectory(dirname(path), path);
  try {
    writeFileSync(path, content);
  } catch (err) {
    throw new ChainruleError(`cannot write ${path}: ${(err as Error).message}`);
  }
  const bytes = typeof content === "string" ? Buffer.byteLength(content, "utf8") : content.byteLength;
  return `wrote ${path} (${formatSize(bytes)})`;
}

/**
 * Creates the directory `dir` (and its parents) unless it exists; a path in the way that is a file
 * is reported as such, naming `target` (what was to be written there).
 *
 * @example
 * makeDirectory("out/pictures", "out/pictures"); // out/ and out/pictures/ now exist
 */
export function makeDirectory(dir: string, target = dir): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason =
      code === "EEXIST" || code === "ENOTDIR"
        ? `${dir} is not a directory (a file is in the way)`
        : (err as Error).message;
    throw new ChainruleError(`cannot write ${target}: ${reason}`);
  }
}
