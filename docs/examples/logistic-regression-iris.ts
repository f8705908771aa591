/**
 * Logistic regression on two Iris classes, built from tensor primitives.
 *
 * Lecture 002 draws logistic regression as a computation graph,
 *
 *     z = w·x + b      a = σ(z)      L(a, y) = −y·log(a) − (1 − y)·log(1 − a),
 *
 * and derives its gradients by hand with the chain rule:
 *
 *     dz = ∂L/∂z = a − y      dw = ∂L/∂w = (a − y)·x      db = ∂L/∂b = a − y.
 *
 * Here we build that graph with chainrule's tensor ops, let autodiff compute the gradients, and
 * check them against the hand formulas: for a few single flowers, and for the whole batch at every
 * training step (where the mean over n flowers gives dw = Xᵀ(a − y)/n and db = mean(a − y)).
 * The task: tell Iris versicolor from Iris virginica from the four measurements.
 *
 * Run it: npx tsx docs/examples/logistic-regression-iris.ts
 */
import { pathToFileURL } from "node:url";
import { type data, gradients, optim, sub, type Tensor, zeros } from "chainrule";
import { loadIris } from "chainrule/node";

export interface LogisticRegressionOptions {
  /** Full-batch gradient-descent steps (default 300). */
  epochs?: number;
  /** Learning rate (default 0.5). */
  lr?: number;
  /** Seed of the train/test split (default 0). */
  seed?: number;
  /** How many single flowers to check by hand (default 4). */
  examples?: number;
  /** Where the output goes (default console.log). */
  log?: (line: string) => void;
}

export interface LogisticRegressionResult {
  /** Largest |hand − autodiff| over the single-flower checks (dz, dw and db). */
  exampleMaxDiff: number;
  /** Largest |hand − autodiff| of the batch gradients dw and db, over every training step. */
  batchMaxDiff: number;
  /** Mean cross-entropy on the training set after training. */
  finalLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
}

/** Keeps the flowers of classes `neg` and `pos`, relabelled 0 and 1. */
function twoClasses(set: data.Dataset, neg: number, pos: number): data.Dataset {
  const rows = [...set.y.data].flatMap((c, i) => (c === neg || c === pos ? [i] : []));
  // eq gives a bool tensor; the cross-entropy below needs y as numbers (y and 1 − y)
  return { x: set.x.indexSelect(0, rows), y: set.y.indexSelect(0, rows).eq(pos).astype(set.x.dtype) };
}

/** The binary cross-entropy of lecture 002, written with primitives and averaged over the batch. */
function crossEntropy(a: Tensor, y: Tensor): Tensor {
  // −[y·log(a) + (1 − y)·log(1 − a)]; losses.bce(a, y) computes the same in one fused node
  return y
    .mul(a.log())
    .add(sub(1, y).mul(sub(1, a).log()))
    .neg()
    .mean();
}

const maxAbs = (t: Tensor) => t.abs().max().item();
const fmt = (v: number) => (v >= 0 ? " " : "") + v.toFixed(6);
const vec = (t: Tensor) => (t.size === 1 ? fmt(t.item()) : `[${[...t.data].map(fmt).join(",")}]`);

export function main(options: LogisticRegressionOptions = {}): LogisticRegressionResult {
  const { epochs = 300, lr = 0.5, seed = 0, examples = 4, log = console.log } = options;

  // 1. Data: Iris classes are 0 setosa, 1 versicolor, 2 virginica. Keep 1 and 2 (y = 1 for
  //    virginica) and standardise every feature with the training set's mean and deviation.
  const iris = loadIris({ seed });
  const train = twoClasses(iris.train, 1, 2);
  const test = twoClasses(iris.test, 1, 2);
  const mean = train.x.mean(0);
  const std = train.x.sub(mean).pow(2).mean(0).sqrt();
  const xTrain = train.x.sub(mean).div(std);
  const xTest = test.x.sub(mean).div(std);
  const yTrain = train.y;
  const n = xTrain.shape[0] as number;
  log(`${n} training and ${xTest.shape[0]} test flowers: versicolor (y = 0) vs virginica (y = 1)`);

  // 2. Parameters: w [4] and a scalar b, both starting at zero.
  const w = zeros([4], { requiresGrad: true, label: "w" });
  const b = zeros([], { requiresGrad: true, label: "b" });
  const forward = (x: Tensor) => {
    const z = x.matmul(w).add(b); // z = X·w + b, one logit per flower
    return { z, a: z.sigmoid() }; // a = σ(z), the probability of virginica
  };

  // 3. Train by full-batch gradient descent. Before each step, compare autodiff's gradients with
  //    the lecture's: dw = Xᵀ(a − y)/n and db = mean(a − y).
  const optimizer = new optim.SGD([w, b], { lr });
  let batchMaxDiff = 0;
  let finalLoss = Number.NaN;
  for (let epoch = 0; epoch <= epochs; epoch++) {
    const { a } = forward(xTrain);
    const loss = crossEntropy(a, yTrain);
    finalLoss = loss.item();
    if (epoch === epochs) break; // the last pass only measures the loss
    optimizer.zeroGrad();
    loss.backward();
    const dz = a.sub(yTrain).detach(); // a − y for every flower
    const dwHand = xTrain.transpose(0, 1).matmul(dz).div(n);
    const dbHand = dz.mean();
    batchMaxDiff = Math.max(
      batchMaxDiff,
      maxAbs(dwHand.sub(w.grad as Tensor)),
      maxAbs(dbHand.sub(b.grad as Tensor)),
    );
    optimizer.step();
    if (epoch % Math.max(1, Math.floor(epochs / 5)) === 0)
      log(`epoch ${String(epoch).padStart(4)}  loss ${finalLoss.toFixed(4)}`);
  }
  log(`epoch ${String(epochs).padStart(4)}  loss ${finalLoss.toFixed(4)}`);
  log(
    `batch gradients, hand vs autodiff, largest difference over all steps: ${batchMaxDiff.toExponential(2)}`,
  );

  // 4. One flower at a time: the graph of a single example, and gradients() to read ∂L/∂z,
  //    ∂L/∂w and ∂L/∂b off it (an intermediate like z can be asked for too).
  log("\none flower at a time, with the trained weights (hand formula | autodiff):");
  let exampleMaxDiff = 0;
  for (let i = 0; i < Math.min(examples, n); i++) {
    const xi = xTrain.slice(0, i, i + 1); // shape [1, 4]
    const yi = yTrain.slice(0, i, i + 1);
    const { z, a } = forward(xi);
    const [dz, dw, db] = gradients(crossEntropy(a, yi), [z, w, b]) as Tensor[];
    const dzHand = a.sub(yi).detach().reshape([]); // a − y
    const dwHand = xi.reshape(4).mul(dzHand); // (a − y)·x
    const dbHand = dzHand; // a − y
    exampleMaxDiff = Math.max(
      exampleMaxDiff,
      maxAbs(dzHand.sub(dz as Tensor)),
      maxAbs(dwHand.sub(dw as Tensor)),
      maxAbs(dbHand.sub(db as Tensor)),
    );
    log(`flower ${i}: y = ${yi.item()}, a = σ(z) = ${a.item().toFixed(6)}`);
    log(`  dz = a − y      ${vec(dzHand)}  |  ∂L/∂z ${vec(dz as Tensor)}`);
    log(`  dw = (a − y)·x  ${vec(dwHand)}  |  ∂L/∂w ${vec(dw as Tensor)}`);
    log(`  db = a − y      ${vec(dbHand)}  |  ∂L/∂b ${vec(db as Tensor)}`);
  }
  log(`largest hand − autodiff difference: ${exampleMaxDiff.toExponential(2)}`);

  // 5. Accuracy: predict virginica where a > ½.
  const accuracy = (x: Tensor, y: Tensor) => forward(x).a.gt(0.5).eq(y).mean().item();
  const trainAccuracy = accuracy(xTrain, yTrain);
  const testAccuracy = accuracy(xTest, test.y);
  log(`\naccuracy: train ${(100 * trainAccuracy).toFixed(1)}%, test ${(100 * testAccuracy).toFixed(1)}%`);
  log(`w = [${[...w.data].map((v) => v.toFixed(3)).join(", ")}], b = ${b.item().toFixed(3)}`);
  return { exampleMaxDiff, batchMaxDiff, finalLoss, trainAccuracy, testAccuracy };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
