/**
 * The scalar engine's benchmarks (`npx tsx bench/scalar.ts`):
 *
 * - micrograd's demo step: `nn.scalar.MLP(2, [16, 16, 1])` on 100 two-moons points, full-batch
 *   forward, max-margin loss + L2, backward, SGD (the loop of src/cli/moons-demo.ts);
 * - a chain of 10⁶ iterations x ← x·1.0001 + 0.0001 (2·10⁶ op nodes and 2·10⁶ constant leaves),
 *   forward + backward.
 *
 * The goals come from the issue; the reference times were measured on the bench machine
 * (micrograd under CPython, js-pytorch 0.7.2 per-scalar).
 */
import { type Case, fmtTime, isMain, msPerCall, resultOf, runSuite } from "./harness";
import { CHAIN_LENGTH, chain, scalarMoonsStep } from "./workloads";

const STEP = "moons MLP step (2-16-16-1, 100 points)";
const CHAIN = `chain x·1.0001 + 0.0001, ${CHAIN_LENGTH.toExponential(0)} iterations, fwd + bwd`;

/** The targets and the reference points the numbers are quoted against. */
export const SCALAR_GOALS = {
  stepMs: 15,
  chainMs: 3000,
  microgradStepMs: 1800,
  microgradNoGcStepMs: 180,
  jsPytorchStepMs: 885,
} as const;

export const scalarCases: Case[] = [
  { name: STEP, setup: () => scalarMoonsStep().step },
  {
    name: CHAIN,
    setup: () => () => chain(),
    // a call takes seconds: a few samples are enough, and each holds ~4·10⁶ nodes in memory
    options: { minSamples: 3, maxTime: 10 },
  },
];

/** Runs the scalar suite and prints the times against the goals and the references. */
export async function runScalar(): Promise<void> {
  const summary = await runSuite("scalar", scalarCases);
  const step = msPerCall(resultOf(summary, STEP));
  const chainMs = msPerCall(resultOf(summary, CHAIN));
  const g = SCALAR_GOALS;
  const verdict = (ms: number, goal: number) => (ms <= goal ? "meets" : "misses");
  console.log(
    [
      "",
      "| workload | chainrule | goal | micrograd (CPython) | js-pytorch 0.7.2 |",
      "|---|---|---|---|---|",
      `| MLP step | ${fmtTime(step)} | ≤ ${g.stepMs} ms (${verdict(step, g.stepMs)}) | ` +
        `${g.microgradStepMs} ms (${(g.microgradStepMs / step).toFixed(0)}× slower; gc off ` +
        `${g.microgradNoGcStepMs} ms, ${(g.microgradNoGcStepMs / step).toFixed(1)}×) | ` +
        `${g.jsPytorchStepMs} ms (${(g.jsPytorchStepMs / step).toFixed(0)}× slower) |`,
      `| 10⁶-iteration chain | ${fmtTime(chainMs)} | ≤ ${fmtTime(g.chainMs)} (${verdict(chainMs, g.chainMs)}) | | |`,
      "",
      "References are fixed numbers measured once on this machine; run `npm run bench:compare` for",
      "ratios against js-pytorch and TensorFlow.js measured in the same process.",
    ].join("\n"),
  );
}

if (isMain(import.meta.url)) await runScalar();
