/**
 * micrograd's moons demo, on chainrule's scalar engine.
 *
 * Every weight is its own `Value`, and every multiply, add and ReLU of every neuron is a node of
 * the graph, exactly as in Andrej Karpathy's micrograd: a 2 → 16 → 16 → 1 MLP (337 parameters)
 * learns to separate two interleaving half moons. As in micrograd's demo notebook:
 *
 * - labels are ±1 and the loss is the max-margin (SVM) loss, mean of relu(1 − yᵢ·scoreᵢ),
 * - plus L2 regularisation α·Σ p² with α = 10⁻⁴,
 * - full-batch gradient descent with a learning rate decaying linearly from 1.0 to 0.1.
 *
 * At the end the decision boundary is drawn in the terminal (micrograd draws it with matplotlib).
 *
 * Run it: npx tsx docs/examples/moons-scalar.ts
 */
import { pathToFileURL } from "node:url";
import { datasets, manualSeed, nn, type Value } from "chainrule";

export interface MoonsOptions {
  /** Number of points (default 100). */
  points?: number;
  /** Gradient-descent steps (default 100). */
  steps?: number;
  /** Seed of the data and the initial weights (default 1337, as micrograd's notebook). */
  seed?: number;
  /** Draw the decision boundary (default true). */
  plot?: boolean;
  /** Where the output goes (default console.log). */
  log?: (line: string) => void;
}

export interface MoonsResult {
  /** Total loss (data + regularisation) at every step, before the step's update. */
  losses: number[];
  /** Accuracy at every step, before the step's update. */
  accuracies: number[];
  /** Accuracy of the trained model. */
  finalAccuracy: number;
  /** Number of parameters (337 for 2-16-16-1). */
  parameters: number;
}

export function main(options: MoonsOptions = {}): MoonsResult {
  const { points = 100, steps = 100, seed = 1337, plot = true, log = console.log } = options;
  manualSeed(seed); // the moons' noise and the weights −1 + 2u, drawn in parameter order

  // 1. The data: scikit-learn's make_moons(n, noise=0.1), as plain arrays of numbers; labels ±1.
  const moons = datasets.moons(points, { noise: 0.1 });
  const xs = moons.x.toArray() as number[][];
  const ys = (moons.y.toArray() as number[]).map((c) => 2 * c - 1);

  // 2. The model: ReLU neurons in two hidden layers of 16, a linear output neuron.
  const model = new nn.scalar.MLP(2, [16, 16, 1]);
  const params = model.parameters() as Value[];
  log(`${points} points, ${params.length} parameters`);

  // 3. The loss of micrograd's demo: one graph over the whole batch.
  const lossAndAccuracy = () => {
    const scores = xs.map((x) => model.forward(x)[0] as Value); // one Value per point
    // max-margin loss: relu(1 − yᵢ·scoreᵢ) is zero once a point is on the right side by a margin
    const margins = scores.map((s, i) =>
      s
        .mul(-(ys[i] as number))
        .add(1)
        .relu(),
    );
    const dataLoss = margins.reduce((sum, m) => sum.add(m)).div(margins.length);
    const regLoss = params
      .map((p) => p.mul(p))
      .reduce((sum, p2) => sum.add(p2))
      .mul(1e-4); // α·Σ p²
    const accuracy = scores.filter((s, i) => s.data > 0 === (ys[i] as number) > 0).length / scores.length;
    return { loss: dataLoss.add(regLoss), accuracy };
  };

  // 4. Gradient descent: zero the grads, backward, step against the gradient.
  const losses: number[] = [];
  const accuracies: number[] = [];
  for (let k = 0; k < steps; k++) {
    const { loss, accuracy } = lossAndAccuracy();
    model.zeroGrad();
    loss.backward();
    const learningRate = 1 - (0.9 * k) / steps;
    for (const p of params) p.data -= learningRate * p.grad;
    losses.push(loss.data);
    accuracies.push(accuracy);
    if (k % Math.max(1, Math.floor(steps / 10)) === 0 || k === steps - 1)
      log(
        `step ${String(k).padStart(3)}  loss ${loss.data.toFixed(4)}  accuracy ${(100 * accuracy).toFixed(0)}%`,
      );
  }
  const finalAccuracy = lossAndAccuracy().accuracy;
  log(`trained: accuracy ${(100 * finalAccuracy).toFixed(0)}%`);

  // 5. The decision boundary: the sign of the score on a grid, with the data points on top.
  if (plot) {
    const [cols, rows] = [60, 24];
    const [xMin, xMax, yMin, yMax] = [-1.5, 2.5, -1, 1.5];
    const grid: string[][] = Array.from({ length: rows }, (_, r) =>
      Array.from({ length: cols }, (_, c) => {
        const px = xMin + ((c + 0.5) * (xMax - xMin)) / cols;
        const py = yMax - ((r + 0.5) * (yMax - yMin)) / rows;
        return (model.forward([px, py])[0] as Value).data > 0 ? "·" : " ";
      }),
    );
    xs.forEach(([px, py], i) => {
      const c = Math.floor((((px as number) - xMin) / (xMax - xMin)) * cols);
      const r = Math.floor(((yMax - (py as number)) / (yMax - yMin)) * rows);
      const row = grid[r];
      if (row && c >= 0 && c < cols) row[c] = (ys[i] as number) > 0 ? "+" : "o";
    });
    log("\ndecision boundary (· where the score is > 0; + and o the two moons):");
    for (const row of grid) log(`|${row.join("")}|`);
  }
  return { losses, accuracies, finalAccuracy, parameters: params.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
