/**
 * chainrule side by side with TensorFlow.js (pure-JS `cpu` backend and `wasm`), js-pytorch and,
 * when a Python with torch is here, PyTorch (CPU, one thread), on the issue's workloads, in one
 * run, printing markdown tables with ratios from the same run:
 *
 * - W1, micrograd's MLP training step (see mlp.ts), per scalar and batched;
 * - W2, matmul: float32 at n = 128, 256, 512, 1024; float64 at n = 512; and the transposed
 *   forms aᵀ·b and a·bᵀ against a·b at n = 512, float32, one thread (js-pytorch has no float32:
 *   it multiplies nested arrays of JS numbers, float64);
 * - W3, the MNIST demo's 784-256-10 training step on a batch of 128 (see mnist.ts);
 * - W4, memory over 10,000 such steps (bench/memory.ts in a child process, see memory-run.ts);
 * - W5, the 10⁶-iteration scalar chain (`chain` in bench/workloads.ts), chainrule only;
 * - W6, the CNN demo's training step on a batch of 64 (`cnnStep` in bench/workloads.ts), chainrule
 *   and PyTorch.
 *
 * chainrule's rows: "chainrule" is the defaults (WebAssembly SIMD kernels, as many threads as
 * `getNumThreads()` reports: all cores); "chainrule, 1 thread" / "2 threads" the same kernels
 * after `setNumThreads(n)`; "chainrule, js kernels" the TypeScript reference kernels
 * (`setBackend("js")`). Every setting is restored after each timed batch. PyTorch rows come from
 * torch_bench.py (see pytorch.ts), run right after each section's JS race. A full run (no
 * workload named, no --quick) also writes its tables to bench/RESULTS.md.
 *
 * `npx tsx bench/compare/index.ts [matmul|mlp|mnist|memory|chain|cnn …] [--quick]` (installs
 * bench/compare's own dependencies on first run). Contestants are interleaved round by round,
 * so background load on a shared machine hits all of them alike; each cell is the median over
 * rounds.
 */
import { writeFileSync } from "node:fs";
import { arch, cpus, platform } from "node:os";
import {
  getBackend,
  getMaxThreads,
  getNumThreads,
  rand,
  setBackend,
  setNumThreads,
  type Tensor,
  version,
} from "../../src/index";
import { mm } from "../../src/tensor/ops/linalg";
import { fmtTime } from "../harness";
import { CHAIN_LENGTH, chain, cnnStep, scalarMoonsStep, W6 } from "../workloads";
import { ensureInstalled, loadJsPytorch, loadTfjs, type Tfjs, type Torch, versionOf } from "./libs";
import { FLAT, type MemoryReading, runMemory } from "./memory-run";
import { chainruleTensorStep, jsPytorchBatchedStep, jsPytorchScalarStep, type Step, tfjsStep } from "./mlp";
import { chainruleW3Step, tfjsW3Step, W3, w3Data } from "./mnist";
import { findTorch, MATMUL_FORMS, type MatmulForm, runTorch, type Timing, type TorchJob } from "./pytorch";

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

/** A table row: who ran, in which dtype, how fast. */
interface Row extends Timing {
  name: string;
  dtype: string;
  /** The first losses of a training step (PyTorch's W3 row: the JS ones come from checkLosses). */
  losses?: number[];
}

/** A PyTorch row of a section: its name and dtype in the table, and what torch_bench.py times. */
interface TorchRow {
  name: string;
  dtype: string;
  job: TorchJob;
}

const WORKLOADS = ["matmul", "mlp", "mnist", "memory", "chain", "cnn"];
const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));
const unknown = only.filter((w) => !WORKLOADS.includes(w));
if (unknown.length > 0)
  throw new Error(`unknown workload ${unknown.join(", ")}: expected ${WORKLOADS.join("|")}`);
const wants = (w: string) => only.length === 0 || only.includes(w);

/** Timed rounds per contestant (at most, in race()) and the length of one round's batch, ms. */
const ROUNDS = QUICK ? 5 : 15;
const BATCH_MS = 40;

/** Everything printed, for bench/RESULTS.md. */
const report: string[] = [];
const out = (text: string): void => {
  console.log(text);
  report.push(text);
};

const DEFAULT_BACKEND = getBackend();
const DEFAULT_THREADS = getNumThreads();
/** The thread counts chainrule's W2 rows pin (only on the WebAssembly kernels, which use threads). */
const THREAD_ROWS = DEFAULT_BACKEND === "wasm" ? [1, 2].filter((n) => n <= getMaxThreads()) : [];

/** Hooks that apply a setting for a contestant's timed calls and restore the default after. */
const setting = (apply: () => void, restore: () => void): Pick<Contestant, "before" | "after"> => ({
  before: async () => apply(),
  after: async () => restore(),
});
/** Runs the timed calls of a chainrule contestant on the TypeScript kernels. */
const onJsKernels = () =>
  setting(
    () => setBackend("js"),
    () => setBackend(DEFAULT_BACKEND),
  );
/** Runs the timed calls of a chainrule contestant on `n` threads. */
const onThreads = (n: number) =>
  setting(
    () => setNumThreads(n),
    () => setNumThreads(DEFAULT_THREADS),
  );

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * Times every contestant on one workload: a warm-up (≥ 3 calls or 300 ms), then rounds in which
 * each contestant, in rotating order, runs a batch of calls lasting ~`BATCH_MS`; each
 * contestant's result is the median over rounds (at most `ROUNDS`, as many as fit in
 * `budgetMs`, at least 3). Contestants slower than `SLOW_MS` per call do not count towards the
 * round budget: they run in the first rounds until they have used the budget themselves (at
 * least `slowRounds` rounds). Rows in the contestants' order.
 */
const SLOW_MS = 1000;
async function race(
  contestants: Contestant[],
  { budgetMs = QUICK ? 3000 : 10_000, slowRounds = QUICK ? 1 : 2 } = {},
): Promise<Row[]> {
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
    x.batch = Math.max(1, Math.round(BATCH_MS / Math.max(x.est, 1e-3)));
  }
  const slow = (x: (typeof live)[number]) => x.est > SLOW_MS;
  const roundCost = live.reduce((s, x) => s + (slow(x) ? 0 : x.batch * x.est), 0);
  const rounds = Math.min(ROUNDS, Math.max(3, Math.round(budgetMs / Math.max(roundCost, 1))));
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
  return live.map((x) => ({
    name: x.c.name,
    dtype: x.c.dtype,
    ms: median(x.samples),
    rounds: x.samples.length,
    calls: x.samples.length * x.batch,
  }));
}

/**
 * Times one section: its JS contestants interleaved by race(), then, if PyTorch is here, its
 * PyTorch rows in one child process right after (Python cannot join the interleaving).
 */
async function measure(contestants: Contestant[], torchRows: TorchRow[] = []): Promise<Row[]> {
  const rows = await race(contestants);
  if (!("python" in pytorch) || torchRows.length === 0) return rows;
  const results = runTorch(
    torchRows.map((r) => r.job),
    { rounds: ROUNDS, batchMs: BATCH_MS },
  );
  if (results instanceof Error) {
    out(`PyTorch failed: ${results.message}\n`);
    return rows;
  }
  return [...rows, ...torchRows.map(({ name, dtype }, i) => ({ name, dtype, ...results[i] }) as Row)];
}

/** A markdown table. */
const markdown = (head: string[], rows: string[][]): string =>
  [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
    "",
  ].join("\n");

/** A section's heading. */
const heading = (title: string): string => `### ${title}\n`;

/** A timing table: one row per contestant, time, optional throughput, ratio to the first row. */
function table(rows: Row[], throughput?: (ms: number) => string): string {
  const base = rows[0]?.ms ?? Number.NaN;
  const head = ["library", "dtype", "time per call"];
  if (throughput) head.push("throughput");
  head.push(`vs ${rows[0]?.name ?? ""}`, "rounds");
  return markdown(
    head,
    rows.map((t, i) => {
      const ratio = t.ms / base;
      const rel =
        i === 0
          ? "1 (baseline)"
          : ratio >= 1
            ? `${ratio.toFixed(ratio >= 10 ? 0 : 2)}× slower`
            : `${(1 / ratio).toFixed(1 / ratio >= 10 ? 0 : 2)}× faster`;
      const cells = [t.name, t.dtype, fmtTime(t.ms)];
      if (throughput) cells.push(throughput(t.ms));
      cells.push(rel, String(t.rounds));
      return cells;
    }),
  );
}

// ---- libraries ----

if (!ensureInstalled()) console.warn("npm install in bench/compare failed: comparing with what loads");
const tfLoaded = await loadTfjs();
const jptLoaded = await loadJsPytorch();
const tf = tfLoaded.lib;
const torch = jptLoaded.lib;
const pytorch = findTorch();
const notes: string[] = [];
if (!tf) notes.push(`TensorFlow.js skipped: ${tfLoaded.error}`);
if (!torch) notes.push(`js-pytorch skipped: ${jptLoaded.error}`);
if ("error" in pytorch) notes.push(`PyTorch skipped: ${pytorch.error}`);
else
  notes.push(
    "PyTorch runs on one thread (`torch.set_num_threads(1)`, as in the issue), in a child process " +
      "(bench/compare/torch_bench.py) right after each section's JS race, since Python cannot join the " +
      "interleaving: its warm-up and rounds are the same, but background load may differ between the two.",
  );

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

const threadsWord = (n: number) => `${n} thread${n === 1 ? "" : "s"}`;
const libraries = [
  tf ? `TensorFlow.js ${tf.version["tfjs-core"]} (backends: ${backends.join(", ")}, PROD mode)` : "",
  torch ? `js-pytorch ${versionOf("js-pytorch")} (CPU)` : "",
  "version" in pytorch ? `PyTorch ${pytorch.version} (CPU, 1 thread, ${pytorch.python})` : "",
].filter(Boolean);

out(`# chainrule vs TensorFlow.js, js-pytorch and PyTorch

Written by \`npm run bench:compare\` (bench/compare/index.ts); medians over interleaved rounds, one
process, one machine, ratios from the same run. chainrule ${version}, kernel backend
${DEFAULT_BACKEND}, ${threadsWord(DEFAULT_THREADS)} by default (at most ${getMaxThreads()}).

Node ${process.version}, ${platform()} ${arch()}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}; ${new Date().toISOString()}
${libraries.join("; ")}
${notes.map((n) => `\n- ${n}`).join("")}
`);

// ---- W2: matmul ----

/**
 * The product in each form, on chainrule tensors: a·b is `matmul`; the transposed forms are the
 * products the backward passes run (matmul's ∂A = ḡ·Bᵀ, ∂B = Aᵀ·ḡ; linear's ∂W = ḡᵀ·x), the
 * internal `mm` op, whose kernel reads the transposed operand in place.
 */
const FORMS: Record<MatmulForm, (a: Tensor, b: Tensor) => Tensor> = {
  a·b: (a, b) => a.matmul(b),
  aᵀ·b: (a, b) => mm(a, b, true, false),
  a·bᵀ: (a, b) => mm(a, b, false, true),
};

/** chainrule's n×n product on random inputs, in one of the forms. */
function chainruleMatmul(n: number, dtype: "float32" | "float64", form: MatmulForm = "a·b"): () => unknown {
  const a = rand([n, n], { dtype });
  const b = rand([n, n], { dtype });
  const f = FORMS[form];
  return () => f(a, b);
}

/** chainrule on one workload: the defaults, then pinned to each of `threads`, then the js kernels. */
function chainruleVariants(
  dtype: string,
  setup: () => () => unknown,
  threads: readonly number[] = THREAD_ROWS,
): Contestant[] {
  return [
    { name: "chainrule", dtype, setup },
    ...threads.map((n) => ({ name: `chainrule, ${threadsWord(n)}`, dtype, ...onThreads(n), setup })),
    { name: "chainrule, js kernels", dtype, ...onJsKernels(), setup },
  ];
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

/** js-pytorch's n×n product (nested arrays of JS numbers: float64 in every section). */
const jsPytorchMatmul = (t: Torch, n: number): Contestant => ({
  name: "js-pytorch",
  dtype: "float64 (JS arrays)",
  setup: () => {
    const a = t.tensor(randomRows(n));
    const b = t.tensor(randomRows(n));
    return () => t.matmul(a, b);
  },
});

/** PyTorch's n×n product, one thread. */
const torchMatmul = (
  n: number,
  dtype: "float32" | "float64",
  form: MatmulForm = "a·b",
  name = "pytorch, 1 thread",
): TorchRow => ({ name, dtype, job: { kind: "matmul", n, dtype, form } });

const gflops = (n: number) => (ms: number) => `${((2 * n ** 3) / ms / 1e6).toFixed(2)} GFLOP/s`;

if (wants("matmul")) {
  for (const n of QUICK ? [128, 256] : [128, 256, 512, 1024]) {
    const cs = chainruleVariants("float32", () => chainruleMatmul(n, "float32"));
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
    if (torch) cs.push(jsPytorchMatmul(torch, n));
    out(heading(`matmul ${n}×${n} · ${n}×${n}`));
    out(table(await measure(cs, [torchMatmul(n, "float32")]), gflops(n)));
  }

  const n = 512;
  const f64 = chainruleVariants("float64", () => chainruleMatmul(n, "float64"));
  if (torch) f64.push(jsPytorchMatmul(torch, n));
  out(heading(`matmul ${n}×${n} · ${n}×${n}, float64`));
  out("TensorFlow.js has no float64.\n");
  out(table(await measure(f64, [torchMatmul(n, "float64")]), gflops(n)));

  const forms = Object.keys(MATMUL_FORMS) as MatmulForm[];
  const transposed = forms.map((form) => ({
    name: `chainrule, ${form}`,
    dtype: "float32",
    ...onThreads(1),
    setup: () => chainruleMatmul(n, "float32", form),
  }));
  out(heading(`matmul ${n}×${n}, float32, transposed forms, 1 thread`));
  out(
    "The backward pass's products Aᵀ·ḡ and ḡ·Bᵀ (the internal `mm` op, reading the transposed " +
      "operand in place) against `a.matmul(b)`, all on one thread; the target is within 10 % of a·b. " +
      "PyTorch multiplies `a.t() @ b` and `a @ b.t()`, transposed views.\n",
  );
  const torchForms = forms.map((form) => torchMatmul(n, "float32", form, `pytorch, ${form}`));
  out(table(await measure(transposed, torchForms), gflops(n)));
}

// ---- W1: micrograd MLP step ----

/** Runs each implementation for `steps` steps from the same start and prints the losses side by side. */
function checkLosses(impls: [string, Step][], steps = 5): string {
  const head = Array.from({ length: steps }, (_, i) => `step ${i + 1}`);
  return [
    "Same data, same initial weights: the losses of the first steps agree (float32 ones to ~1e-6).",
    "",
    markdown(
      ["implementation", ...head],
      impls.map(([name, step]) => [name, ...Array.from({ length: steps }, () => step().toFixed(6))]),
    ),
  ].join("\n");
}

/** A step that replays losses computed earlier (tfjs's, which must run under their backend; PyTorch's). */
const replay = (losses: readonly number[]): Step => {
  let i = 0;
  return () => losses[i++] as number;
};

/** The first five losses of a TensorFlow.js step on each backend, for checkLosses. */
async function tfjsLosses(
  name: (backend: string) => string,
  make: (t: Tfjs) => Step,
): Promise<[string, Step][]> {
  const impls: [string, Step][] = [];
  for (const backend of backends) {
    const t = tf as Tfjs;
    await t.setBackend(backend);
    const step = make(t);
    impls.push([name(backend), replay(Array.from({ length: 5 }, () => step()))]);
  }
  return impls;
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
    ...(await tfjsLosses(
      (b) => `tfjs ${b}, batched`,
      (t) => tfjsStep(t, data, weights),
    )),
  ];
  if (torch) {
    impls.push(["js-pytorch per scalar", jsPytorchScalarStep(torch, data, weights)]);
    impls.push(["js-pytorch, batched", jsPytorchBatchedStep(torch, data, weights)]);
  }
  out(heading("W1: micrograd MLP step (2-16-16-1, 100 two-moons points, SVM loss + L2, backward, SGD)"));
  out(checkLosses(impls));
  out(table(await race(cs)));
}

// ---- W3: the MNIST demo's training step ----

if (wants("mnist")) {
  const d = w3Data();
  const cs = chainruleVariants(
    "float32",
    () => chainruleW3Step(d),
    THREAD_ROWS.filter((n) => n === 1),
  );
  for (const backend of backends) {
    const t = tf as Tfjs;
    cs.push(tfjsStepContestant(t, backend, `tfjs ${backend}`, () => tfjsW3Step(t, d)));
  }
  const impls: [string, Step][] = [
    ["chainrule", chainruleW3Step(d)],
    ...(await tfjsLosses(
      (b) => `tfjs ${b}`,
      (t) => tfjsW3Step(t, d),
    )),
  ];
  out(heading(`W3: MNIST MLP step (784-256-10, batch ${W3.batch}, softmax cross-entropy, backward, SGD)`));
  const rows = await measure(cs, [
    { name: "pytorch, 1 thread", dtype: "float32", job: { kind: "w3", data: d } },
  ]);
  const torchLosses = rows.find((r) => r.losses)?.losses;
  if (torchLosses) impls.push(["pytorch", replay(torchLosses)]);
  out(checkLosses(impls));
  out("js-pytorch is left out here: its nested-array matmul takes seconds per step at this size.\n");
  out(table(rows));
}

// ---- W4: memory over a long run ----

if (wants("memory")) {
  const steps = QUICK ? 1000 : 10_000;
  out(heading(`W4: memory over ${steps.toLocaleString("en")} MNIST MLP steps (bench/memory.ts)`));
  const run = runMemory(steps);
  if (run instanceof Error) out(`W4 failed: ${run.message}\n`);
  else {
    const { first, last, gcExposed, grew } = run;
    const mb = (r: MemoryReading) => [r.rss, r.heap, r.arrays].map((v) => v.toFixed(1));
    const change = (k: keyof typeof FLAT) =>
      `${run.change[k] > 0 ? "+" : ""}${(run.change[k] * 100).toFixed(1)} %`;
    const limits = `heap and typed arrays within ${FLAT.heap * 100} %, RSS within ${FLAT.rss * 100} %`;
    const gc = gcExposed ? "after two forced collections" : "with garbage included (gc was NOT exposed)";
    out(
      `chainrule only, defaults (${threadsWord(DEFAULT_THREADS)}); bench/memory.ts's own step (SGD with ` +
        `momentum) in a child process, \`node --import tsx --expose-gc\`. Memory ${gc}; the first ` +
        "reading comes after a tenth of the run.\n",
    );
    out(
      markdown(
        ["reading", "step", "RSS MB", "JS heap MB", "typed arrays MB", "ms/step"],
        [
          ["first", String(first.step), ...mb(first), first.msPerStep.toFixed(2)],
          ["last", String(last.step), ...mb(last), last.msPerStep.toFixed(2)],
          ["change", "", change("rss"), change("heap"), change("arrays"), ""],
        ],
      ),
    );
    out(
      grew.length === 0
        ? `Flat: yes (${limits}).\n`
        : `Flat: **no**: ${grew.join(", ")} grew past ${limits}.\n`,
    );
  }
}

// ---- W5: the 10⁶-iteration chain ----

if (wants("chain")) {
  out(
    heading(
      `W5: ${CHAIN_LENGTH.toLocaleString("en")}-iteration chain (x ← x·1.0001 + 0.0001, then backward)`,
    ),
  );
  out(
    "chainrule only: 2·10⁶ op nodes plus 2·10⁶ constant leaves, forward and backward in each call. " +
      "The peers cannot build and differentiate a scalar graph this deep in reasonable time: micrograd's " +
      "and js-pytorch's recursive backward overflow the stack at this depth, and PyTorch's (or tfjs's) " +
      "0-dim tensors cost over 10 µs per op, tens of seconds per call.\n",
  );
  const ops = (ms: number) => `${((2 * CHAIN_LENGTH) / ms / 1e3).toFixed(2)} M ops/s`;
  out(
    table(
      await race([{ name: "chainrule scalar (Value)", dtype: "float64", setup: () => () => chain() }], {
        slowRounds: QUICK ? 3 : 5,
      }),
      ops,
    ),
  );
}

// ---- W6: the CNN demo's training step ----

if (wants("cnn")) {
  const { data } = cnnStep();
  const cs = chainruleVariants(
    "float32",
    () => cnnStep().step,
    THREAD_ROWS.filter((n) => n === 1),
  );
  out(
    heading(
      `W6: MNIST CNN step (conv 5×5 16, pool, conv 5×5 32, pool, linear 1568-10; batch ${W6.batch}, float32, Adam)`,
    ),
  );
  const rows = await measure(cs, [
    { name: "pytorch, 1 thread", dtype: "float32", job: { kind: "w6", data } },
  ]);
  const impls: [string, Step][] = [["chainrule", cnnStep().step]];
  const torchLosses = rows.find((r) => r.losses)?.losses;
  if (torchLosses) impls.push(["pytorch", replay(torchLosses)]);
  out(checkLosses(impls));
  out("TensorFlow.js and js-pytorch are left out here (no conv2d step written for them yet).\n");
  out(table(rows));
}

if (only.length === 0 && !QUICK) {
  const file = new URL("../RESULTS.md", import.meta.url);
  writeFileSync(file, `${report.join("\n")}\n`);
  console.log(`wrote ${file.pathname}`);
}
