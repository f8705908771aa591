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

/**
 * One full-batch training step of micrograd's demo: forward of every point, max-margin loss
 * mean(relu(1 − yᵢ·scoreᵢ)) + 1e-4·Σ p², zeroGrad, backward, SGD with learning rate `lr`.
 * Returns the loss and the accuracy of this step's forward pass.
 */
export function moonsStep(
  model: MLP,
  params: readonly Value[],
  xs: readonly number[][],
  ys: readonly number[],
  lr: number,
): { loss: number; accuracy: number } {
  const scores = xs.map((x) => model.forward(x)[0] as Value);
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
  const accuracy = scores.filter((s, i) => s.data > 0 === (ys[i] as number) > 0).length / scores.length;
  model.zeroGrad();
  loss.backward();
  for (const p of params) p.data -= lr * p.grad;
  return { loss: loss.data, accuracy };
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
    const r = moonsStep(model, params, xs, ys, 1 - (0.9 * step) / steps);
    accuracy = r.accuracy;
    losses.push(r.loss);
    onStep?.(step, r.loss, accuracy);
  }
  return { model, losses, accuracy };
}
