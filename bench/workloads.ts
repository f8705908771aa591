/**
 * The workloads shared by the benny suites and the side-by-side comparison. Each factory does its
 * setup once and returns a function that runs one unit of work (one training step, one chain),
 * so a harness times only that function.
 */
import { mnistCnn } from "../src/cli/mnist-demo";
import { moonsStep } from "../src/cli/moons-demo";
import { datasets, losses, manualSeed, nn, optim, randn, type Tensor, type Value, value } from "../src/index";

/** micrograd's demo: 100 two-moons points, noise 0.1, a 2-16-16-1 MLP, 100 steps per run. */
export const MOONS = { points: 100, noise: 0.1, seed: 1337, sizes: [16, 16, 1], steps: 100 } as const;

/** Number of layers of the MLP (3: two ReLU layers and a linear output). */
export const MLP_LAYERS = MOONS.sizes.length;

/** The data points as plain arrays: `xs[i]` = [x₁, x₂], `ys[i]` = ±1. */
export interface MoonsData {
  xs: number[][];
  ys: number[];
}

/** The initial weights of the MLP, per layer: `w[l][i][j]` (input i → unit j) and `b[l][j]`. */
export interface MlpWeights {
  w: number[][][];
  b: number[][];
}

/** Learning rate of step `k` of micrograd's demo loop (decays linearly over the 100 steps). */
export const learningRate = (k: number): number => 1 - (0.9 * (k % MOONS.steps)) / MOONS.steps;

/**
 * micrograd's training step on chainrule's scalar engine, exactly the loop of
 * `src/cli/moons-demo.ts`: full-batch forward of the 100 points through `nn.scalar.MLP(2, [16, 16, 1])`,
 * max-margin loss mean(relu(1 − yᵢ·scoreᵢ)) + 1e-4·Σ p², `zeroGrad`, `backward`, SGD update.
 *
 * The returned `step()` trains one step and returns the loss; every 100 steps it restores the
 * initial weights, so a benchmark that runs it forever keeps repeating the demo's 100 steps.
 * `data` and `weights` let other libraries start from the same points and the same weights.
 */
export function scalarMoonsStep(seed: number = MOONS.seed): {
  step: () => number;
  data: MoonsData;
  weights: MlpWeights;
} {
  manualSeed(seed);
  const set = datasets.moons(MOONS.points, { noise: MOONS.noise });
  const xs = set.x.toArray() as number[][];
  const ys = (set.y.toArray() as number[]).map((c) => 2 * c - 1);
  const model = new nn.scalar.MLP(2, MOONS.sizes);
  const params = model.parameters() as Value[];
  const initial = params.map((p) => p.data);
  let k = 0;
  const step = (): number => {
    if (k % MOONS.steps === 0)
      for (let i = 0; i < params.length; i++) (params[i] as Value).data = initial[i] as number;
    const { loss } = moonsStep(model, params, xs, ys, learningRate(k));
    k++;
    return loss;
  };
  const weights: MlpWeights = {
    w: model.layers.map((layer) =>
      Array.from({ length: layer.neurons[0]?.w.length ?? 0 }, (_, i) =>
        layer.neurons.map((n) => (n.w[i] as Value).data),
      ),
    ),
    b: model.layers.map((layer) => layer.neurons.map((n) => n.b.data)),
  };
  return { step, data: { xs, ys }, weights };
}

/** Iterations of the chain benchmark (each is a mul and an add: 2·10⁶ op nodes). */
export const CHAIN_LENGTH = 1_000_000;

/**
 * The deep-graph stress test: x ← x·1.0001 + 0.0001, `length` times, from one leaf, then
 * `backward()`. The numbers become constant leaves, so the graph holds 2·length op nodes plus
 * 2·length constants. Returns ∂x_final/∂x₀ = 1.0001^length (≈ e¹⁰⁰ ≈ 2.7e43 for 10⁶).
 */
export function chain(length: number = CHAIN_LENGTH): number {
  const x0 = value(1);
  let x = x0;
  for (let i = 0; i < length; i++) x = x.mul(1.0001).add(0.0001);
  x.backward();
  return x0.grad;
}

/**
 * W6: the CNN demo's training step (`chainrule demo --model cnn`): batch 64 of [1, 28, 28]
 * float32 images, Adam lr 1e-3. The network is `mnistCnn()` of src/cli/mnist-demo.ts:
 * Conv2d(1, 16, 5, padding 2) → ReLU → MaxPool2d(2) → Conv2d(16, 32, 5, padding 2) → ReLU →
 * MaxPool2d(2) → Flatten → Linear(1568, 10). The demo runs 8 epochs of 125 such steps.
 */
export const W6 = { batch: 64, lr: 1e-3, image: [1, 28, 28], classes: 10, replay: 50 } as const;

/** The start W6 replays: the CNN's initial state dict (PyTorch's keys), the inputs and labels. */
export interface W6Data {
  readonly weights: Record<string, { shape: number[]; data: Float32Array }>;
  readonly x: Float32Array;
  readonly labels: number[];
}

/**
 * The CNN step as the demo trains it: forward, `losses.crossEntropy` from the logits,
 * `zeroGrad`, `backward`, `Adam.step`, on a fixed batch of normal noise (the kernels' time does
 * not depend on the pixels). Every `W6.replay` steps the initial weights are restored (Adam's
 * moments carry on), so a benchmark that runs it forever repeats the same stretch of training.
 * `data` lets other libraries start from the same weights, inputs and labels.
 */
export function cnnStep(seed = 6): { step: () => number; data: W6Data } {
  manualSeed(seed);
  const model = mnistCnn();
  const named = model.namedParameters() as [string, Tensor][];
  const weights = Object.fromEntries(
    named.map(([name, p]) => [name, { shape: [...p.shape], data: Float32Array.from(p.data) }]),
  );
  const x = randn([W6.batch, ...W6.image], { dtype: "float32" });
  const labels = Array.from({ length: W6.batch }, (_, i) => (i * 7) % W6.classes);
  const optimizer = new optim.Adam(model.parameters(), { lr: W6.lr });
  let k = 0;
  const step = (): number => {
    if (k++ % W6.replay === 0)
      for (const [name, p] of named) p.set((weights[name] as { data: Float32Array }).data);
    model.train();
    optimizer.zeroGrad();
    const loss = losses.crossEntropy(model.forward(x), labels);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  return { step, data: { weights, x: Float32Array.from(x.data), labels } };
}
