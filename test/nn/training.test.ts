/**
 * End to end: seeded models learn the Iris flowers (loaded by `chainrule/node`'s `loadIris`,
 * stratified 120/30 split, seed 0). Features are standardised with the training set's mean and
 * standard deviation. Thresholds are stated in the test names.
 */
import { describe, expect, it } from "vitest";
import { DataLoader, losses, manualSeed, nn, noGrad, optim, Rng, type Tensor } from "../../src/index";
import { loadIris } from "../../src/node/index";

const iris = loadIris();

/** (x − mean)/std with the training set's statistics. */
function standardise(train: Tensor, ...others: Tensor[]): Tensor[] {
  const mean = train.mean(0, true);
  const std = train.sub(mean).pow(2).mean(0, true).sqrt();
  return [train, ...others].map((x) => x.sub(mean).div(std));
}

const [xTrain, xTest] = standardise(iris.train.x, iris.test.x) as [Tensor, Tensor];

const accuracy = (model: nn.Layer, x: Tensor, y: Tensor): number =>
  noGrad(() => model.forward(x).argmax(1).eq(y).mean().item());

describe("Iris", () => {
  it("an MLP(4, [16, 3]) with Adam and cross-entropy reaches ≥ 0.95 train and ≥ 0.9 test accuracy in 60 epochs", () => {
    manualSeed(0);
    const model = new nn.MLP(4, [16, 3]);
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const loader = new DataLoader([xTrain, iris.train.y], {
      batchSize: 16,
      shuffle: true,
      generator: new Rng(0),
    });
    const epochLoss: number[] = [];
    for (let epoch = 0; epoch < 60; epoch++) {
      let total = 0;
      for (const [xb, yb] of loader) {
        opt.zeroGrad();
        const loss = losses.crossEntropy(model.forward(xb as Tensor), yb as Tensor);
        loss.backward();
        opt.step();
        total += loss.item() * (xb as Tensor).shape[0]!;
      }
      epochLoss.push(total / loader.size);
    }
    expect(epochLoss[59]).toBeLessThan(epochLoss[0]! / 4);
    expect(accuracy(model, xTrain, iris.train.y)).toBeGreaterThanOrEqual(0.95);
    expect(accuracy(model, xTest, iris.test.y)).toBeGreaterThanOrEqual(0.9);
  });

  it("the same seed trains the same model: identical weights after two runs", () => {
    const run = (): number[] => {
      manualSeed(3);
      const model = new nn.MLP(4, [8, 3]);
      const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      for (const [xb, yb] of new DataLoader([xTrain, iris.train.y], { batchSize: 32, shuffle: true })) {
        opt.zeroGrad();
        losses.crossEntropy(model.forward(xb as Tensor), yb as Tensor).backward();
        opt.step();
      }
      return model.parameters().flatMap((p) => Array.from((p as Tensor).data));
    };
    expect(run()).toEqual(run());
  });

  it("logistic regression separates setosa from versicolor: 100% train and test accuracy", () => {
    // classes 0 (setosa) and 1 (versicolor) are linearly separable
    const pick = (x: Tensor, y: Tensor): [Tensor, Tensor] => {
      const rows = Array.from(y.data)
        .map((c, i) => [c, i] as const)
        .filter(([c]) => c !== 2)
        .map(([, i]) => i);
      return [x.indexSelect(0, rows), y.indexSelect(0, rows).reshape(-1, 1)];
    };
    const [xa, ya] = pick(xTrain, iris.train.y);
    const [xb, yb] = pick(xTest, iris.test.y);
    expect([xa.shape[0], xb.shape[0]]).toEqual([80, 20]);
    manualSeed(1);
    const model = new nn.Linear(4, 1);
    const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
    for (let epoch = 0; epoch < 50; epoch++) {
      opt.zeroGrad();
      losses.bceWithLogits(model.forward(xa), ya).backward();
      opt.step();
    }
    const acc = (x: Tensor, y: Tensor) => noGrad(() => model.forward(x).gt(0).eq(y).mean().item());
    expect(acc(xa, ya)).toBe(1);
    expect(acc(xb, yb)).toBe(1);
    expect(noGrad(() => losses.bceWithLogits(model.forward(xa), ya).item())).toBeLessThan(0.05);
  });

  it("the standardised training features have mean 0 and std 1", () => {
    const m = xTrain.mean(0);
    const s = xTrain.pow(2).mean(0).sqrt();
    for (const v of m.data) expect(Math.abs(v)).toBeLessThan(1e-12);
    for (const v of s.data) expect(Math.abs(v - 1)).toBeLessThan(1e-12);
  });
});
