/**
 * What anomaly mode costs (`npx tsx bench/anomaly.ts`): the same training steps with the mode
 * off and on. Off must cost nothing measurable (one boolean test per op and per backward node);
 * on, every op scans its inputs and result for NaN/±Infinity, captures a stack and copies the
 * data its backward reads, and every backward step scans its gradients.
 *
 * - tensor MLP: `nn.MLP(2, [16, 16, 1])` on 100 points (small matrices: the per-op bookkeeping
 *   dominates, the worst case for a per-op cost), forward + MSE + zeroGrad + backward;
 * - tensor MLP: `nn.MLP(64, [256, 256, 10])` on a batch of 128 (matmul dominates);
 * - scalar: micrograd's demo step (`nn.scalar.MLP(2, [16, 16, 1])`, ~71 000 `Value` nodes), whose
 *   backward runs through the same engine.
 *
 * Pass `off` or `on` to run only one mode.
 */
import { losses, manualSeed, nn, randn, setDetectAnomaly, type Tensor } from "../src/index";
import { type Case, isMain, runSuite } from "./harness";
import { scalarMoonsStep } from "./workloads";

function tensorMlpStep(inFeatures: number, sizes: number[], batch: number): () => Tensor {
  manualSeed(7);
  const model = new nn.MLP(inFeatures, sizes);
  const x = randn([batch, inFeatures]);
  const y = randn([batch, sizes[sizes.length - 1] as number]);
  return () => {
    const loss = losses.mse(model.forward(x), y);
    model.zeroGrad();
    loss.backward();
    return loss;
  };
}

/** One mode's cases: the mode is switched on in setup and off again after each call. */
function cases(mode: "off" | "on"): Case[] {
  const timed = <T>(step: () => T) => {
    if (mode === "off") return step;
    return () => {
      setDetectAnomaly(true);
      try {
        return step();
      } finally {
        setDetectAnomaly(false);
      }
    };
  };
  return [
    {
      name: `tensor MLP 2-16-16-1, 100 points, fwd+bwd (anomaly ${mode})`,
      setup: () => timed(tensorMlpStep(2, [16, 16, 1], 100)),
    },
    {
      name: `tensor MLP 64-256-256-10, batch 128, fwd+bwd (anomaly ${mode})`,
      setup: () => timed(tensorMlpStep(64, [256, 256, 10], 128)),
    },
    {
      name: `scalar moons MLP step (anomaly ${mode})`,
      setup: () => timed(scalarMoonsStep().step),
    },
  ];
}

/** Runs the anomaly suite (`modes`: which of off/on). */
export async function runAnomaly(modes: readonly ("off" | "on")[] = ["off", "on"]): Promise<void> {
  await runSuite(
    "anomaly",
    modes.flatMap((m) => cases(m)),
  );
}

if (isMain(import.meta.url)) {
  const arg = process.argv[2];
  await runAnomaly(arg === "off" || arg === "on" ? [arg] : ["off", "on"]);
}
