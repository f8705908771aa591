/**
 * Softmax regression on all three Iris classes: one nn.Linear layer and losses.crossEntropy.
 *
 * Lecture 002 generalises logistic regression to K classes: logits z = W·x + b, probabilities
 * a = softmax(z), loss L = −log a_c for the true class c. The hand derivation gives the same
 * error signal as in the two-class case, now one number per class:
 *
 *     δ = ∂L/∂z = a − y        (y the one-hot vector of the true class)
 *
 * We check that δ against autodiff's ∂L/∂z for one flower, then train the layer with mini-batch
 * SGD (a DataLoader reshuffling every epoch) and measure the accuracy on held-out flowers.
 *
 * Run it: npx tsx docs/examples/softmax-regression-iris.ts
 */
import { pathToFileURL } from "node:url";
import { DataLoader, eye, gradients, losses, manualSeed, nn, optim, type Tensor } from "chainrule";
import { loadIris } from "chainrule/node";

export interface SoftmaxRegressionOptions {
  /** Passes over the training set (default 100). */
  epochs?: number;
  /** Flowers per mini-batch (default 16). */
  batchSize?: number;
  /** Learning rate (default 0.1). */
  lr?: number;
  /** Seed of the split, the initial weights and the shuffles (default 0). */
  seed?: number;
  /** Where the output goes (default console.log). */
  log?: (line: string) => void;
}

export interface SoftmaxRegressionResult {
  /** max |(a − y) − autodiff ∂L/∂z| for the example flower. */
  deltaMaxDiff: number;
  /** Mean cross-entropy on the training set after training. */
  finalLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
}

const vec = (t: Tensor) => `[${[...t.data].map((v) => (v >= 0 ? " " : "") + v.toFixed(4)).join(", ")}]`;

export function main(options: SoftmaxRegressionOptions = {}): SoftmaxRegressionResult {
  const { epochs = 100, batchSize = 16, lr = 0.1, seed = 0, log = console.log } = options;
  manualSeed(seed); // the layer's initial weights and the DataLoader's shuffles

  // 1. Data: 120 training and 30 test flowers, features standardised with the training statistics.
  const iris = loadIris({ seed });
  const mean = iris.train.x.mean(0);
  const std = iris.train.x.sub(mean).pow(2).mean(0).sqrt();
  const xTrain = iris.train.x.sub(mean).div(std);
  const xTest = iris.test.x.sub(mean).div(std);
  const yTrain = iris.train.y; // class indices 0, 1, 2 (held as float64 integers)
  const yTest = iris.test.y;
  log(`classes: ${iris.classes.join(", ")}; ${xTrain.shape[0]} train, ${xTest.shape[0]} test flowers`);

  // 2. The model: z = x·Wᵀ + b with W [3, 4] and b [3]; softmax lives inside the loss.
  const model = new nn.Linear(4, 3);

  // 3. δ = a − y for one flower, before training. crossEntropy takes the logits and the class
  //    index; gradients() returns ∂L/∂z without touching any .grad.
  const x0 = xTrain.slice(0, 0, 1); // shape [1, 4]
  const c0 = yTrain.data[0] as number;
  const z0 = model.forward(x0); // logits, shape [1, 3]
  const [dz0] = gradients(losses.crossEntropy(z0, [c0]), [z0]) as Tensor[];
  const a0 = z0.softmax().detach(); // the predicted probabilities
  const y0 = eye(3).slice(0, c0, c0 + 1); // one-hot row of the true class
  const delta = a0.sub(y0); // the hand formula
  const deltaMaxDiff = delta
    .sub(dz0 as Tensor)
    .abs()
    .max()
    .item();
  log(`\none flower, true class ${c0} (${iris.classes[c0]}):`);
  log(`  a = softmax(z)  ${vec(a0)}`);
  log(`  y (one-hot)     ${vec(y0)}`);
  log(`  δ = a − y       ${vec(delta)}`);
  log(`  autodiff ∂L/∂z  ${vec(dz0 as Tensor)}   (largest difference ${deltaMaxDiff.toExponential(2)})`);

  // 4. Mini-batch SGD: each batch's mean loss, backward, step.
  const optimizer = new optim.SGD(model.parameters(), { lr });
  const loader = new DataLoader([xTrain, yTrain], { batchSize, shuffle: true });
  log("");
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const [xb, yb] of loader) {
      const loss = losses.crossEntropy(model.forward(xb as Tensor), yb as Tensor);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    }
    if (epoch % Math.max(1, Math.floor(epochs / 5)) === 0 || epoch === 1) {
      const loss = losses.crossEntropy(model.forward(xTrain), yTrain).item();
      log(`epoch ${String(epoch).padStart(4)}  training loss ${loss.toFixed(4)}`);
    }
  }

  // 5. Accuracy: the predicted class is the largest logit.
  const accuracy = (x: Tensor, y: Tensor) => model.forward(x).argmax(1).eq(y).mean().item();
  const finalLoss = losses.crossEntropy(model.forward(xTrain), yTrain).item();
  const trainAccuracy = accuracy(xTrain, yTrain);
  const testAccuracy = accuracy(xTest, yTest);
  log(`\naccuracy: train ${(100 * trainAccuracy).toFixed(1)}%, test ${(100 * testAccuracy).toFixed(1)}%`);
  return { deltaMaxDiff, finalLoss, trainAccuracy, testAccuracy };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
