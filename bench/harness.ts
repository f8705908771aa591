/**
 * A thin layer over benny: a suite is a list of cases, each with a setup that returns the
 * function to time and, optionally, the amount of work one call does (FLOPs, elements), so the
 * report can print GFLOP/s or elements/s next to the time per call. Results are saved as JSON
 * under bench/results/ (git-ignored).
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import b from "benny";
import type { CaseResult, Options, Summary } from "benny/lib/internal/common-types";

/** One benchmark case. */
export interface Case {
  name: string;
  /** Runs once per case before timing (benny calls it a few times); returns the timed function. */
  setup: () => () => unknown;
  /** Work done by one call, for the throughput column. */
  work?: { amount: number; unit: "FLOP" | "elements" };
  /** benchmark.js options for this case (e.g. fewer samples for slow cases). */
  options?: Options;
}

/** Where the JSON results go: bench/results/ next to this file, whatever the working directory. */
export const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));

/** Mean time per call in milliseconds (benny rounds `ops`; the mean is exact). */
export const msPerCall = (r: CaseResult): number => r.details.mean * 1000;

/** Median time per call in milliseconds. */
export const medianMs = (r: CaseResult): number => r.details.median * 1000;

/** "12.3 ms", "456 µs", "1.23 s", with three significant digits. */
export function fmtTime(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  if (ms >= 1) return `${ms.toPrecision(3)} ms`;
  return `${(ms * 1000).toPrecision(3)} µs`;
}

/** "12.3 GFLOP/s" or "456 M elements/s" from a case's work and its mean time. */
export function fmtThroughput(c: Case, r: CaseResult): string {
  if (c.work === undefined) return "";
  const perSecond = c.work.amount / r.details.mean;
  return c.work.unit === "FLOP"
    ? `${(perSecond / 1e9).toFixed(2)} GFLOP/s`
    : `${(perSecond / 1e6).toFixed(0)} M elements/s`;
}

/** One line per completed case: time per call (mean, median), margin, samples, throughput. */
function line(c: Case | undefined, r: CaseResult, width: number): string {
  const tput = c ? fmtThroughput(c, r) : "";
  return [
    r.name.padEnd(width),
    `${fmtTime(msPerCall(r))}/call`.padStart(16),
    `(median ${fmtTime(medianMs(r))})`.padStart(20),
    `±${r.margin.toFixed(1)}%`.padStart(8),
    `${r.samples} samples`.padStart(12),
    tput.padStart(22),
  ].join(" ");
}

/**
 * Runs `cases` as one benny suite named `name`, prints a line per case as it completes, saves
 * `bench/results/<name>-<date>.json` and resolves with benny's summary.
 */
export async function runSuite(
  name: string,
  cases: readonly Case[],
  defaults: Options = {},
): Promise<Summary> {
  const byName = new Map(cases.map((c) => [c.name, c]));
  const width = Math.max(...cases.map((c) => c.name.length));
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return b.suite(
    name,
    ...cases.map((c) => b.add(c.name, c.setup, c.options ?? {})),
    b.configure({ cases: { minSamples: 5, maxTime: 3, ...defaults }, minDisplayPrecision: 6 }),
    // print each case once, as it completes (returning nothing keeps benny's log-update quiet,
    // whose redrawing garbles piped output)
    b.cycle((r) => {
      console.log(line(byName.get(r.name), r, width));
    }),
    b.complete(() => {}),
    b.save({ file: `${name}-${stamp}`, folder: RESULTS_DIR, format: "json", details: true }),
  );
}

/** The result of the case named `name` in a summary (throws if it is missing). */
export function resultOf(summary: Summary, name: string): CaseResult {
  const r = summary.results.find((x) => x.name === name);
  if (r === undefined) throw new Error(`no result for ${name}`);
  return r;
}

/** True when `metaUrl` is the module Node was started with (`tsx bench/scalar.ts`). */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(entry).href === metaUrl;
}
