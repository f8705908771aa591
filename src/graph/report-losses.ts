/**
 * The named costs of `backpropReport`, each built from `losses` (nn/losses.ts), with its
 * formula in words for the report's header.
 */
import { ChainruleError, describe } from "../errors";
import * as losses from "../nn/losses";
import type { Tensor } from "../tensor/tensor";

/**
 * Named costs (the lecture notes are cited by file name, as in docs/backprop-by-hand.md). n is the number of examples (rows of x; 1 for a single example x of shape [in]),
 * aᴸ the network's output:
 * - `"quadratic"`: C = (1/2n) Σₓ ‖y(x) − aᴸ(x)‖² (`000_1780807650e7f6e9.txt`), ∇ₐC = (aᴸ − y)/n;
 * - `"sse"`: C = Σ (aᴸ − y)², summed over outputs and examples (`004_810f82919249e872.txt`: L = l₀ + l₁), ∇ₐC = 2(aᴸ − y);
 * - `"mse"`: `losses.mse(aᴸ, y)`, the mean over every entry;
 * - `"crossEntropy"`: `losses.crossEntropy(aᴸ, y)` on logits (no output activation), y class indices or
 *   probabilities, mean over examples; δᴸ = (softmax(zᴸ) − onehot(y))/n;
 * - `"bce"`: `losses.bce(aᴸ, y)` on probabilities (a sigmoid output), mean over entries.
 */
export type NamedLoss = "quadratic" | "sse" | "mse" | "crossEntropy" | "bce";

/** A cost as a function of the network's output and the target: must return a one-element tensor. */
export type LossFunction = (output: Tensor, target: Tensor) => Tensor;

const LOSS_FORMULAS: Record<NamedLoss, string> = {
  quadratic: "C = (1/2n) Σₓ ‖y(x) − aᴸ(x)‖²",
  sse: "C = Σ (aᴸ − y)²  (sum over outputs and examples)",
  mse: "C = mean over all entries of (aᴸ − y)²",
  crossEntropy: "C = −(1/n) Σₓ log softmax(aᴸ)_y  (aᴸ are logits)",
  bce: "C = −mean(y·log aᴸ + (1 − y)·log(1 − aᴸ))",
};

function namedLoss(name: NamedLoss, examples: number): LossFunction {
  switch (name) {
    case "quadratic":
      return (a, y) => losses.mse(a, y, { reduction: "sum" }).div(2 * examples);
    case "sse":
      return (a, y) => losses.mse(a, y, { reduction: "sum" });
    case "mse":
      return (a, y) => losses.mse(a, y);
    case "crossEntropy":
      return (a, y) => losses.crossEntropy(a, y);
    case "bce":
      return (a, y) => losses.bce(a, y);
  }
}

/** A loss ready to run: the function, its name ("custom" for a function) and its formula in words. */
export interface ResolvedLoss {
  fn: LossFunction;
  name: string;
  formula: string;
}

/**
 * @internal The `loss` argument of `backpropReport` as a function with its name and formula;
 * throws a `ChainruleError` for anything but a {@link NamedLoss} or a function.
 */
export function resolveLoss(loss: unknown, examples: number, op: string): ResolvedLoss {
  if (typeof loss === "function") {
    return { fn: loss as LossFunction, name: "custom", formula: "custom loss function" };
  }
  if (typeof loss === "string" && Object.hasOwn(LOSS_FORMULAS, loss)) {
    const name = loss as NamedLoss;
    return { fn: namedLoss(name, examples), name, formula: LOSS_FORMULAS[name] };
  }
  throw new ChainruleError(
    `${op}: loss must be "quadratic", "sse", "mse", "crossEntropy", "bce" or a function (output, y) => Tensor, got ${describe(loss)}`,
  );
}
