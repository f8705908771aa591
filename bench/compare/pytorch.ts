/**
 * PyTorch (CPU), when a Python with torch is on the machine: bench/compare/torch_bench.py runs in a
 * child process, on one thread (`torch.set_num_threads(1)`, what the issue compares against),
 * times the jobs it is given in Python and returns JSON. It cannot join race()'s interleaving, so
 * index.ts runs it once per section, right after that section's JS race.
 *
 * The interpreter is `$PYTHON` if set, else `python3`. PyTorch is not a dependency of anything
 * here: without it the comparison only notes that it skipped it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { W6, type W6Data } from "../workloads";
import { COMPARE_DIR } from "./libs";
import { W3, type W3Data } from "./mnist";

const PYTHON = process.env.PYTHON ?? "python3";
const SCRIPT = join(COMPARE_DIR, "torch_bench.py");

/** The three ways of writing a product with a transposed operand that W2 compares. */
export const MATMUL_FORMS = { a·b: "ab", aᵀ·b: "atb", a·bᵀ: "abt" } as const;
export type MatmulForm = keyof typeof MATMUL_FORMS;

/** One measurement for torch_bench.py: an n×n matmul, or W3's or W6's training step on chainrule's start. */
export type TorchJob =
  | { kind: "matmul"; n: number; dtype: "float32" | "float64"; form?: MatmulForm }
  | { kind: "w3"; data: W3Data }
  | { kind: "w6"; data: W6Data };

/** A measurement, in JS (race() in index.ts) or in Python (torch_bench.py). */
export interface Timing {
  /** Median time per call over the rounds, ms. */
  ms: number;
  rounds: number;
  calls: number;
}

/** What torch_bench.py measured for one job, with W3's or W6's first losses. */
export interface TorchResult extends Timing {
  losses?: number[];
}

/** The Python with torch that was found, or why there is none. */
export type TorchFound = { python: string; version: string } | { error: string };

/** The last non-empty line of a child's stderr: where Python puts the error of a traceback. */
const lastLine = (text: string): string =>
  text
    .trim()
    .split("\n")
    .filter((l) => l.trim())
    .pop() ?? "";

/** Looks for torch with `$PYTHON -c "import torch"` (one process start, ~1–2 s). */
export function findTorch(): TorchFound {
  const r = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  if (r.error) return { error: `${PYTHON} not found (${r.error.message})` };
  if (r.status !== 0) return { error: `${PYTHON} cannot import torch (${lastLine(r.stderr)})` };
  return { python: PYTHON, version: r.stdout.trim() };
}

/** Writes W3's start for torch_bench.py (float32: each layer's weight then bias, then the inputs). */
function w3File(file: string, d: W3Data): object {
  const parts = [...d.weights.flatMap(({ w, b }) => [w, b]), d.x];
  writeFileSync(file, Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
  return {
    kind: "w3",
    file,
    layers: d.weights.map((l) => l.shape),
    batch: W3.batch,
    labels: d.labels,
    lr: W3.lr,
    replay: W3.replay,
    losses: 5,
  };
}

/** Writes W6's start for torch_bench.py (float32: the parameters in state-dict order, then the inputs). */
function w6File(file: string, d: W6Data): object {
  const params = Object.entries(d.weights);
  const parts = [...params.map(([, p]) => p.data), d.x];
  writeFileSync(file, Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
  return {
    kind: "w6",
    file,
    params: params.map(([name, p]) => [name, p.shape]),
    image: W6.image,
    batch: W6.batch,
    labels: d.labels,
    lr: W6.lr,
    replay: W6.replay,
    losses: 5,
  };
}

/**
 * Runs the jobs in one torch_bench.py process: `rounds` batches of ~`batchMs` each after a
 * warm-up, as race() does. Returns the results in job order, or the error if the child failed.
 */
export function runTorch(
  jobs: TorchJob[],
  { rounds, batchMs }: { rounds: number; batchMs: number },
): TorchResult[] | Error {
  const dir = mkdtempSync(join(tmpdir(), "chainrule-torch-"));
  try {
    const wire = jobs.map((j, i) =>
      j.kind === "w3"
        ? w3File(join(dir, `w3-${i}.f32`), j.data)
        : j.kind === "w6"
          ? w6File(join(dir, `w6-${i}.f32`), j.data)
          : { ...j, form: MATMUL_FORMS[j.form ?? "a·b"] },
    );
    const r = spawnSync(PYTHON, [SCRIPT], {
      input: JSON.stringify({ rounds, batch_ms: batchMs, jobs: wire }),
      encoding: "utf8",
      maxBuffer: 1 << 24,
    });
    if (r.error) return r.error;
    if (r.status !== 0) return new Error(`torch_bench.py exited with ${r.status}: ${lastLine(r.stderr)}`);
    return (JSON.parse(r.stdout) as { results: TorchResult[] }).results;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
