/**
 * Lecture 001's 2×3×1 sigmoid network: years of study and years of experience → salary.
 *
 * The lecture trains it in numpy with hand-coded deltas (no biases):
 *
 *     Z2 = X·W1    a2 = σ(Z2)    Z3 = a2·W2    ŷ = σ(Z3)
 *     yHat_delta = (y − ŷ) ⊙ σ′(Z3)
 *     a2_delta   = (yHat_delta · W2ᵀ) ⊙ σ′(Z2)
 *     W2 += a2ᵀ · yHat_delta
 *     W1 += Xᵀ · a2_delta
 *
 * These updates are plain gradient descent, W ← W − η·∂C/∂W with η = 1, on the quadratic cost
 * C = ½·Σ (y − ŷ)² (the lecture's 1/(2n)·Σ‖y − a‖² with the 1/n folded into the step size).
 * So we train two copies of the network from the same initial weights, one with the lecture's
 * delta rule and one with autodiff on C, and check that every update is the same, step after step.
 *
 * A note on σ′. Since σ′(z) = σ(z)(1 − σ(z)), the derivative can be computed from the activation:
 * σ′(Z3) = ŷ(1 − ŷ), which is the lecture's `x * (1 - x)` line called with x = ŷ (exact, not an
 * approximation). The lecture's other branch, `np.exp(-x)/((1 + np.exp(-x))**2)`, is σ′ of its
 * argument, so calling it with ŷ gives σ′(ŷ) = σ′(σ(Z3)), a different number; we show how far
 * that update is from the gradient.
 *
 * Run it: npx tsx docs/examples/salary-network.ts
 */
import { pathToFileURL } from "node:url";
import { manualSeed, noGrad, optim, randn, sub, type Tensor, tensor } from "chainrule";

export interface SalaryNetworkOptions {
  /** Training steps, full batch (default 2000; the lecture's 500 leave the fit rough). */
  steps?: number;
  /** Step size η (default 1: the lecture's `W += …` has none). */
  lr?: number;
  /** Seed of the initial weights (default 1, as the lecture's np.random.seed(1)). */
  seed?: number;
  /** Where the output goes (default console.log). */
  log?: (line: string) => void;
}

export interface SalaryNetworkResult {
  /** Largest |hand update − autodiff update| over every step and weight. */
  updateMaxDiff: number;
  /** Largest |W_hand − W_autodiff| after the last step. */
  weightMaxDiff: number;
  /** C = ½·Σ(y − ŷ)² before the first and after the last step. */
  initialCost: number;
  finalCost: number;
  /** Largest |update − autodiff update| of the first step when σ′ is evaluated at ŷ instead of Z3. */
  sigmoidAtActivationDiff: number;
  /** Predicted salaries (thousands) after training, one per person. */
  predictions: number[];
}

// Ten people: [years of study, years of experience] and salary in thousands.
const people = [
  [12, 2],
  [12, 10],
  [14, 20],
  [16, 1],
  [16, 6],
  [16, 15],
  [18, 3],
  [18, 10],
  [20, 5],
  [21, 12],
];
const salaries = [42, 58, 70, 55, 70, 88, 72, 90, 85, 97];

/** σ′ from the activation a = σ(z): σ′(z) = a(1 − a) (the lecture's `x * (1 - x)`). */
const sigmoidPrimeFromActivation = (a: Tensor) => a.mul(sub(1, a));
const maxAbs = (t: Tensor) => t.abs().max().item();

export function main(options: SalaryNetworkOptions = {}): SalaryNetworkResult {
  const { steps = 2000, lr = 1, seed = 1, log = console.log } = options;

  // 1. Data, normalised as in the lecture: X / amax(X, axis=0) and y / 100.
  const rawX = tensor(people);
  const X = rawX.div(rawX.max(0)); // every column divided by its maximum
  const y = tensor(salaries.map((s) => [s])).div(100); // shape [10, 1]

  // 2. Initial weights: W1 [2, 3] and W2 [3, 1], standard normal, as np.random.randn(2, 3).
  manualSeed(seed);
  const W1init = randn([2, 3]);
  const W2init = randn([3, 1]);

  // The hand-coded network holds plain tensors, like numpy arrays; the autodiff network holds
  // copies of the same numbers as leaves with requiresGrad.
  let W1 = tensor(W1init);
  let W2 = tensor(W2init);
  const V1 = tensor(W1init, { requiresGrad: true, label: "W1" });
  const V2 = tensor(W2init, { requiresGrad: true, label: "W2" });
  const optimizer = new optim.SGD([V1, V2], { lr });

  const forward = (x: Tensor, w1: Tensor, w2: Tensor) => {
    const Z2 = x.matmul(w1); // equation 1
    const a2 = Z2.sigmoid(); // equation 2
    const Z3 = a2.matmul(w2); // equation 3
    const yHat = Z3.sigmoid(); // equation 4
    return { a2, yHat };
  };
  const cost = (yHat: Tensor) => y.sub(yHat).pow(2).sum().mul(0.5); // C = ½·Σ(y − ŷ)²

  let updateMaxDiff = 0;
  let sigmoidAtActivationDiff = Number.NaN;
  let initialCost = Number.NaN;
  for (let step = 0; step < steps; step++) {
    // 3a. The lecture's backprop, line by line (under noGrad: nothing recorded, as in numpy).
    const hand = noGrad(() => {
      const { a2, yHat } = forward(X, W1, W2);
      const yHatError = y.sub(yHat);
      const yHatDelta = yHatError.mul(sigmoidPrimeFromActivation(yHat));
      const a2Error = yHatDelta.matmul(W2.transpose());
      const a2Delta = a2Error.mul(sigmoidPrimeFromActivation(a2));
      const dW2 = a2.transpose().matmul(yHatDelta).mul(lr); // W2 += a2ᵀ·yHat_delta
      const dW1 = X.transpose().matmul(a2Delta).mul(lr); // W1 += Xᵀ·a2_delta
      // the aside: σ′ evaluated at ŷ (the lecture's exp branch called with yHat) instead of at Z3
      const sigmoidPrimeOf = (x: Tensor) => x.sigmoid().mul(sub(1, x.sigmoid()));
      const dW2atActivation = a2
        .transpose()
        .matmul(yHatError.mul(sigmoidPrimeOf(yHat)))
        .mul(lr);
      return { dW1, dW2, dW2atActivation };
    });
    W1 = noGrad(() => W1.add(hand.dW1));
    W2 = noGrad(() => W2.add(hand.dW2));

    // 3b. Autodiff: the same forward pass on V1, V2, backward from C, one SGD step
    //     (V ← V − η·∂C/∂V, so the update is −η times the gradient).
    const C = cost(forward(X, V1, V2).yHat);
    optimizer.zeroGrad();
    C.backward();
    optimizer.step();
    const dW1auto = (V1.grad as Tensor).mul(-lr);
    const dW2auto = (V2.grad as Tensor).mul(-lr);

    // 3c. The same update?
    updateMaxDiff = Math.max(updateMaxDiff, maxAbs(hand.dW1.sub(dW1auto)), maxAbs(hand.dW2.sub(dW2auto)));
    if (step === 0) {
      initialCost = C.item();
      sigmoidAtActivationDiff = maxAbs(hand.dW2atActivation.sub(dW2auto));
    }
    if (step % Math.max(1, Math.floor(steps / 5)) === 0)
      log(`after ${String(step).padStart(4)} steps  cost ${C.item().toFixed(6)}`);
  }
  const weightMaxDiff = Math.max(maxAbs(W1.sub(V1)), maxAbs(W2.sub(V2)));

  const { yHat } = noGrad(() => forward(X, V1, V2));
  const finalCost = cost(yHat).item();
  const predictions = [...yHat.data].map((v) => 100 * v);
  log(`after ${String(steps).padStart(4)} steps  cost ${finalCost.toFixed(6)}`);
  log(`\nhand-coded deltas vs autodiff, largest difference of an update: ${updateMaxDiff.toExponential(2)}`);
  log(`weights after ${steps} steps differ by at most ${weightMaxDiff.toExponential(2)}`);
  log(
    `(σ′ evaluated at ŷ instead of Z3 would change the first W2 update by ${sigmoidAtActivationDiff.toExponential(2)})`,
  );
  log("\nstudy  experience  salary  predicted");
  people.forEach(([study, experience], i) => {
    log(
      `${String(study).padStart(5)}  ${String(experience).padStart(10)}  ${String(salaries[i]).padStart(6)}  ${(predictions[i] as number).toFixed(1).padStart(9)}`,
    );
  });
  return { updateMaxDiff, weightMaxDiff, initialCost, finalCost, sigmoidAtActivationDiff, predictions };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
