/**
 * chainrule side by side with TensorFlow.js (pure-JS `cpu` backend and `wasm`) and js-pytorch on
 * the same workloads, in one process, printing markdown tables with ratios from the same run:
 *
 * - f32 matmul, n = 128, 256, 512, 1024 (js-pytorch has no float32: it multiplies nested arrays
 *   of JS numbers, float64);
 * - micrograd's MLP training step (see mlp.ts), per scalar and batched;
 * - W3, the MNIST demo's 784-256-10 training step on a batch of 128 (see mnist.ts).
 *
 * chainrule runs on its default WebAssembly kernels and, as a second row, on the TypeScript
 * reference kernels (`setBackend("js")`). A full run (no workload named, no --quick) also writes
 * its tables to bench/RESULTS.md.
 *
 * `npx tsx bench/compare/index.ts [matmul|mlp|mnist] [--quick]` (installs bench/compare's own
 * dependencies on first run). Contestants are interleaved round by round, so background load
 * on a shared machine hits all of them alike; each cell is the median over rounds.
 */
import { writeFileSync } from "node:fs";
import { arch, cpus, platform } from "node:os";
import { getBackend, rand, setBackend, version } from "../../src/index";
import { fmtTime } from "../harness";
import { scalarMoonsStep } from "../workloads";
import { ensureInstalled, loadJsPytorch, loadTfjs, type Tfjs, versionOf } from "./libs";
import { chainruleTensorStep, jsPytorchBatchedStep, jsPytorchScalarStep, type Step, tfjsStep } from "./mlp";
import { chainruleW3Step, tfjsW3Step, W3, w3Data } from "./mnist";

/** One library (and backend) on one workload. */
interface Contestant {
  name: string;
  dtype: string;
  /** Builds the timed function (setup is not timed). */
  setup: () => () => unknown;
  /** Runs before each timed batch (not timed): e.g. switching the tfjs backend. */
  before?: () => Promise<void>;
  /** Runs after each timed batch (not timed). */
  after?: () => Promise<void>;
}

interface Timing {
  /** Median time per call over the rounds, ms. */
  ms: number;
  rounds: number;
  calls: number;
}

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));
const wants = (w: string) => only.length === 0 || only.includes(w);

/** Everything printed, for bench/RESULTS.md. */
const report: string[] = [];
const out = (text: string): void => {
  console.log(text);
  report.push(text);
};

/** Runs the timed calls of a chainrule contestant on the TypeScript kernels, then restores the default. */
const onJsKernels = (): Pick<Contestant, "before" | "after"> => ({
  before: async () => setBackend("js"),
  after: async () => setBackend(DEFAULT_BACKEND),
});
const DEFAULT_BACKEND = getBackend();

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * Times every contestant on one workload: a warm-up (≥ 3 calls or 300 ms), then rounds in which
 * each contestant, in rotating order, runs a batch of calls lasting ~40 ms; each contestant's
 * result is the median over rounds. Contestants slower than `SLOW_MS` per call do not count
 * towards the round budget: they run in the first rounds until they have used the budget
 * themselves (at least `slowRounds` rounds).
 */
const SLOW_MS = 1000;
async function race(
  contestants: Contestant[],
  budgetMs = QUICK ? 3000 : 10_000,
): Promise<Map<string, Timing>> {
  const live = contestants.map((c) => ({ c, fn: c.setup(), batch: 1, est: 0, samples: [] as number[] }));
  for (const x of live) {
    await x.c.before?.();
    let calls = 0;
    const t0 = performance.now();
    let last = t0;
    let lastCall = 0;
    while (calls < 3 || last - t0 < 300) {
      x.fn();
      const now = performance.now();
      lastCall = now - last;
      last = now;
      calls++;
      if (lastCall > SLOW_MS) break;
    }
    await x.c.after?.();
    x.est = Math.min(lastCall, (last - t0) / calls);
    x.batch = Math.max(1, Math.round(40 / Math.max(x.est, 1e-3)));
  }
  const slow = (x: (typeof live)[number]) => x.est > SLOW_MS;
  const roundCost = live.reduce((s, x) => s + (slow(x) ? 0 : x.batch * x.est), 0);
  const rounds = Math.min(QUICK ? 5 : 15, Math.max(3, Math.round(budgetMs / Math.max(roundCost, 1))));
  const slowRounds = QUICK ? 1 : 2;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < live.length; i++) {
      const x = live[(i + r) % live.length] as (typeof live)[number];
      const spent = x.samples.reduce((a, b) => a + b, 0);
      if (slow(x) && r >= slowRounds && spent >= budgetMs) continue;
      await x.c.before?.();
      const t = performance.now();
      for (let j = 0; j < x.batch; j++) x.fn();
      x.samples.push((performance.now() - t) / x.batch);
      await x.c.after?.();
    }
  }
  return new Map(
    live.map((x) => [
      x.c.name,
      { ms: median(x.samples), rounds: x.samples.length, calls: x.samples.length * x.batch },
    ]),
  );
}

/** A markdown table: one row per contestant, time, optional throughput, ratio to the first row. */
function table(
  title: string,
  contestants: Contestant[],
  timings: Map<string, Timing>,
  throughput?: (ms: number) => string,
): string {
  const base = timings.get(contestants[0]?.name ?? "")?.ms ?? Number.NaN;
  const rows = contestants.map((c) => {
    const t = timings.get(c.name) as Timing;
    const ratio = t.ms / base;
    const rel =
      c === contestants[0]
        ? "1 (baseline)"
        : ratio >= 1
          ? `${ratio.toFixed(ratio >= 10 ? 0 : 2)}× slower`
          : `${(1 / ratio).toFixed(1 / ratio >= 10 ? 0 : 2)}× faster`;
    const cells = [c.name, c.dtype, fmtTime(t.ms)];
    if (throughput) cells.push(throughput(t.ms));
    cells.push(rel, String(t.rounds));
    return `| ${cells.join(" | ")} |`;
  });
  const head = ["library", "dtype", "time per call"];
  if (throughput) head.push("throughput");
  head.push(`vs ${contestants[0]?.name ?? ""}`, "rounds");
  return [
    `### ${title}`,
    "",
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows,
    "",
  ].join("\n");
}

// ---- libraries ----

if (!ensureInstalled()) console.warn("npm install in bench/compare failed: comparing with what loads");
const tfLoaded = await loadTfjs();
const jptLoaded = await loadJsPytorch();
const tf = tfLoaded.lib;
const torch = jptLoaded.lib;
const notes: string[] = [];
if (!tf) notes.push(`TensorFlow.js skipped: ${tfLoaded.error}`);
if (!torch) notes.push(`js-pytorch skipped: ${jptLoaded.error}`);

/** The tfjs backends that initialise here, with what `wasm` reports about SIMD and threads. */
async function tfBackends(t: Tfjs): Promise<string[]> {
  const out: string[] = [];
  for (const name of ["cpu", "wasm"]) {
    try {
      if (await t.setBackend(name)) {
        await t.ready();
        out.push(name);
        if (name === "wasm") {
          const simd = await t.env().getAsync("WASM_HAS_SIMD_SUPPORT");
          const threads = await t.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
          notes.push(`tfjs wasm backend: SIMD ${simd ? "on" : "off"}, threads ${threads ? "on" : "off"}.`);
        }
      } else notes.push(`tfjs backend ${name} did not initialise.`);
    } catch (e) {
      notes.push(`tfjs backend ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}
const backends = tf ? await tfBackends(tf) : [];
const useBackend = (t: Tfjs, name: string) => async () => {
  if (t.getBackend() !== name) await t.setBackend(name);
};

out(`# chainrule vs TensorFlow.js and js-pytorch

Written by \`npm run bench:compare\` (bench/compare/index.ts); medians over interleaved rounds, one
process, one machine, ratios from the same run. chainrule ${version}, kernel backend ${DEFAULT_BACKEND}.

Node ${process.version}, ${platform()} ${arch()}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}; ${new Date().toISOString()}
${tf ? `TensorFlow.js ${tf.version["tfjs-core"]} (backends: ${backends.join(", ")}, PROD mode); ` : ""}${torch ? `js-pytorch ${versionOf("js-pytorch")} (CPU)` : ""}
${notes.map((n) => `\n- ${n}`).join("")}
`);

// ---- matmul ----

/** chainrule's n×n float32 product on random inputs. */
function chainruleMatmul(n: number): () => unknown {
  const a = rand([n, n], { dtype: "float32" });
  const b = rand([n, n], { dtype: "float32" });
  return () => a.matmul(b);
}

/**
 * A TensorFlow.js step on one backend, built on its first call (under the right backend: race()
 * runs every setup before any `before`).
 */
function tfjsStepContestant(t: Tfjs, backend: string, name: string, make: () => Step): Contestant {
  return {
    name,
    dtype: "float32",
    before: useBackend(t, backend),
    setup: () => {
      let step: Step | undefined;
      return () => {
        step ??= make();
        return step();
      };
    },
  };
}

const randomRows = (n: number): number[][] =>
  Array.from({ length: n }, () => Array.from({ length: n }, () => Math.random()));

if (wants("matmul")) {
  for (const n of QUICK ? [128, 256] : [128, 256, 512, 1024]) {
    const cs: Contestant[] = [
      { name: "chainrule", dtype: "float32", setup: () => chainruleMatmul(n) },
      { name: "chainrule, js kernels", dtype: "float32", ...onJsKernels(), setup: () => chainruleMatmul(n) },
    ];
    for (const backend of backends) {
      const t = tf as Tfjs;
      cs.push({
        name: `tfjs ${backend}`,
        dtype: "float32",
        before: useBackend(t, backend),
        setup: () => {
          // created on the first call, under the right backend (race() runs every setup before any `before`)
          let a: ReturnType<Tfjs["randomUniform"]> | undefined;
          let b: typeof a;
          return () => {
            a ??= t.randomUniform([n, n]);
            b ??= t.randomUniform([n, n]);
            const c = t.matMul(a, b);
            c.dataSync();
            c.dispose();
          };
        },
      });
    }
    if (torch) {
      const t = torch;
      cs.push({
        name: "js-pytorch",
        dtype: "float64 (JS arrays)",
        setup: () => {
          const a = t.tensor(randomRows(n));
          const b = t.tensor(randomRows(n));
          return () => t.matmul(a, b);
        },
      });
    }
    const timings = await race(cs);
    out(
      table(
        `matmul ${n}×${n} · ${n}×${n}`,
        cs,
        timings,
        (ms) => `${((2 * n ** 3) / ms / 1e6).toFixed(2)} GFLOP/s`,
      ),
    );
  }
}

// ---- micrograd MLP step ----

/** Runs each implementation for `steps` steps from the same start and prints the losses side by side. */
function checkLosses(impls: [string, Step][], steps = 5): string {
  const lines = impls.map(([name, step]) => {
    const losses = Array.from({ length: steps }, () => step());
    return `| ${name} | ${losses.map((l) => l.toFixed(6)).join(" | ")} |`;
  });
  const head = Array.from({ length: steps }, (_, i) => `step ${i + 1}`);
  return [
    "Same data, same initial weights: the losses of the first steps agree (float32 ones to ~1e-6).",
    "",
    `| implementation | ${head.join(" | ")} |`,
    `|---|${head.map(() => "---").join("|")}|`,
    ...lines,
    "",
  ].join("\n");
}

if (wants("mlp")) {
  const ref = scalarMoonsStep();
  const { data, weights } = ref;
  const cs: Contestant[] = [
    { name: "chainrule scalar (Value)", dtype: "float64", setup: () => scalarMoonsStep().step },
    { name: "chainrule tensor, batched", dtype: "float64", setup: () => chainruleTensorStep(data, weights) },
  ];
  for (const backend of backends) {
    const t = tf as Tfjs;
    cs.push(tfjsStepContestant(t, backend, `tfjs ${backend}, batched`, () => tfjsStep(t, data, weights)));
  }
  if (torch) {
    cs.push(
      {
        name: "js-pytorch per scalar (1-element tensors)",
        dtype: "float64",
        setup: () => jsPytorchScalarStep(torch, data, weights),
      },
      {
        name: "js-pytorch, batched",
        dtype: "float64",
        setup: () => jsPytorchBatchedStep(torch, data, weights),
      },
    );
  }
  // correctness first: every implementation from a fresh start
  const impls: [string, Step][] = [
    ["chainrule scalar (Value)", scalarMoonsStep().step],
    ["chainrule tensor, batched", chainruleTensorStep(data, weights)],
  ];
  for (const backend of backends) {
    // tfjs steps must run under their backend: run them now, replay the losses in the table
    const t = tf as Tfjs;
    await t.setBackend(backend);
    const step = tfjsStep(t, data, weights);
    const losses = Array.from({ length: 5 }, () => step());
    let i = 0;
    impls.push([`tfjs ${backend}, batched`, () => losses[i++] as number]);
  }
  if (torch) {
    impls.push(["js-pytorch per scalar", jsPytorchScalarStep(torch, data, weights)]);
    impls.push(["js-pytorch, batched", jsPytorchBatchedStep(torch, data, weights)]);
  }
  out("### micrograd MLP step (2-16-16-1, 100 two-moons points, SVM loss + L2, backward, SGD)\n");
  out(checkLosses(impls));
  const timings = await race(cs);
  out(table("MLP training step", cs, timings).replace(/^### .*\n\n/, ""));
}

// ---- W3: the MNIST demo's training step ----

if (wants("mnist")) {
  const d = w3Data();
  const cs: Contestant[] = [
    { name: "chainrule", dtype: "float32", setup: () => chainruleW3Step(d) },
    { name: "chainrule, js kernels", dtype: "float32", ...onJsKernels(), setup: () => chainruleW3Step(d) },
  ];
  const impls: [string, Step][] = [["chainrule", chainruleW3Step(d)]];
  for (const backend of backends) {
    const t = tf as Tfjs;
    cs.push(tfjsStepContestant(t, backend, `tfjs ${backend}`, () => tfjsW3Step(t, d)));
    await t.setBackend(backend);
    const step = tfjsW3Step(t, d);
    const losses = Array.from({ length: 5 }, () => step());
    let i = 0;
    impls.push([`tfjs ${backend}`, () => losses[i++] as number]);
  }
  out(`### W3: MNIST MLP step (784-256-10, batch ${W3.batch}, softmax cross-entropy, backward, SGD)\n`);
  out(checkLosses(impls));
  out("js-pytorch is left out here: its nested-array matmul takes seconds per step at this size.\n");
  const timings = await race(cs);
  out(table("W3", cs, timings).replace(/^### .*\n\n/, ""));
}

if (only.length === 0 && !QUICK) {
  const file = new URL("../RESULTS.md", import.meta.url);
  writeFileSync(file, `${report.join("\n")}\n`);
  console.log(`wrote ${file.pathname}`);
}
