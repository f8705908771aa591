/**
 * W4 for the comparison: runs bench/memory.ts (`steps` MNIST MLP training steps, a memory reading
 * every tenth of the run) in a child process, `node --import tsx --expose-gc`, and reads the
 * markdown table it prints. memory.ts's readings are taken after two forced collections, so they
 * hold what is live, not garbage waiting for the collector.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../memory.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** One row of memory.ts's table: memory after `step` steps (MB) and the time per step since the previous row. */
export interface MemoryReading {
  step: number;
  rss: number;
  heap: number;
  arrays: number;
  msPerStep: number;
}

/** What counts as flat, first reading to last: the live heap and typed arrays within 5 %, RSS (noisier: wasm memory, workers, allocator) within 15 %. */
export const FLAT = { heap: 0.05, arrays: 0.05, rss: 0.15 } as const;

export interface MemoryRun {
  readings: MemoryReading[];
  /** The first reading (after a tenth of the run: past the warm-up) and the last. */
  first: MemoryReading;
  last: MemoryReading;
  /** Relative change from the first reading to the last, per measure (0.05 = +5 %). */
  change: Record<keyof typeof FLAT, number>;
  /** Which measures grew past `FLAT` (empty: flat). */
  grew: (keyof typeof FLAT)[];
  /** memory.ts ran with `gc` exposed (false: its readings include uncollected garbage). */
  gcExposed: boolean;
}

// | step | RSS MB | JS heap MB | typed arrays MB | ms/step |
const ROW = /^\| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$/;

/** Runs bench/memory.ts for `steps` steps; an Error if it failed or printed no readings. */
export function runMemory(steps: number): MemoryRun | Error {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", SCRIPT, String(steps)], {
    cwd: REPO,
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.error) return r.error;
  const readings = r.stdout.split("\n").flatMap((line) => {
    const m = ROW.exec(line.trim());
    if (!m) return [];
    const [step, rss, heap, arrays, msPerStep] = m.slice(1).map(Number) as number[];
    return [{ step, rss, heap, arrays, msPerStep } as MemoryReading];
  });
  const first = readings[0];
  const last = readings[readings.length - 1];
  if (r.status !== 0 || !first || !last) {
    const why = r.stderr.trim().split("\n").pop() ?? "";
    return new Error(`bench/memory.ts exited with ${r.status} and ${readings.length} readings: ${why}`);
  }
  const keys = Object.keys(FLAT) as (keyof typeof FLAT)[];
  const change = Object.fromEntries(keys.map((k) => [k, last[k] / first[k] - 1])) as MemoryRun["change"];
  const grew = keys.filter((k) => change[k] > FLAT[k]);
  return { readings, first, last, change, grew, gcExposed: !r.stdout.includes("no --expose-gc") };
}
