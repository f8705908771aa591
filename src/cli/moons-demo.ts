/**
 * micrograd's demo on chainrule's scalar engine: a 2-16-16-1 `nn.scalar.MLP` learns the two
 * moons with a max-margin (SVM) loss and L2 regularisation, full batch, decaying learning rate.
 */
import { moons } from "../data/datasets";
import { MLP } from "../nn/scalar/index";
import { manualSeed } from "../random";
import { type Value, value } from "../scalar/value";

export interface MoonsDemoOptions {
  /** Number of points (default 100). */
  points?: number;
  /** Number of full-batch steps (default 100). */
  steps?: number;
  /** Seed for data and weights (default 1337). */
  seed?: number;
  /** Called after every step. */
  onStep?: (step: number, loss: number, accuracy: number) => void;
}

export interface MoonsDemoResult {
  model: MLP;
  losses: number[];
  accuracy: number;
}

/** Trains the scalar MLP on two moons and returns the loss curve and the final accuracy. */
export function trainMoons(options: MoonsDemoOptions = {}): MoonsDemoResult {
  const { points = 100, steps = 100, seed = 1337, onStep } = options;
  manualSeed(seed);
  const data = moons(points, { noise: 0.1 });
  const xs = data.x.toArray() as number[][];
  const ys = (data.y.toArray() as number[]).map((c) => 2 * c - 1); // labels ±1
  const model = new MLP(2, [16, 16, 1]);
  const params = model.parameters() as Value[];
  const losses: number[] = [];
  let accuracy = 0;
  for (let step = 0; step < steps; step++) {
    const scores = xs.map((x) => model.forward(x)[0] as Value);
    // max-margin loss: mean of relu(1 − yᵢ·scoreᵢ), plus α·Σ p²
    let dataLoss = value(0);
    scores.forEach((s, i) => {
      dataLoss = dataLoss.add(
        s
          .mul(-(ys[i] as number))
          .add(1)
          .relu(),
      );
    });
    dataLoss = dataLoss.div(scores.length);
    let reg = value(0);
    for (const p of params) reg = reg.add(p.mul(p));
    const loss = dataLoss.add(reg.mul(1e-4));
    accuracy = scores.filter((s, i) => s.data > 0 === (ys[i] as number) > 0).length / scores.length;
    model.zeroGrad();
    loss.backward();
    const lr = 1 - (0.9 * step) / steps;
    for (const p of params) p.data -= lr * p.grad;
    losses.push(loss.data);
    onStep?.(step, loss.data, accuracy);
  }
  return { model, losses, accuracy };
}
