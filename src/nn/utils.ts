/** `nn.utils`: gradient clipping. */
import { ChainruleError, describe } from "../errors";
import { Value } from "../scalar/value";
import { readData, writeData } from "../tensor/storage";
import { Tensor } from "../tensor/tensor";
import type { Parameter } from "./module";

/**
 * Rescales the gradients of `params` in place so their global L2 norm is at most `maxNorm`
 * (PyTorch's `clip_grad_norm_`): with norm = √(Σ g²) over every gradient, each gradient is
 * multiplied by maxNorm/(norm + 1e-6) when that is below 1. Tensors without a gradient are
 * skipped; a parameter listed twice counts once. Everything is checked before any gradient
 * changes. Returns the norm before clipping.
 *
 * @example
 * const w = tensor([3, 4], { requiresGrad: true });
 * w.mul(w).sum().backward(); // ∂/∂w = 2w = [6, 8]
 * clipGradNorm([w], 5);      // 10
 * w.grad?.toArray();         // [2.9999997000000302, 3.99999960000004]
 */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number): number {
  if (!Array.isArray(params)) {
    throw new ChainruleError(
      `clipGradNorm: params must be an array of Tensors or Values (e.g. model.parameters()), got ${describe(params)}`,
    );
  }
  if (typeof maxNorm !== "number" || !(maxNorm > 0))
    throw new ChainruleError(`clipGradNorm: maxNorm must be > 0, got ${describe(maxNorm)}`);
  const unique = Array.from(new Set<unknown>(params));
  let sq = 0;
  for (const p of unique) {
    if (p instanceof Value) sq += p.grad * p.grad;
    else if (p instanceof Tensor) {
      if (p.grad) for (const g of readData(p.grad)) sq += g * g;
    } else throw new ChainruleError(`clipGradNorm: parameters must be Tensors or Values, got ${describe(p)}`);
  }
  const norm = Math.sqrt(sq);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const p of unique as Parameter[]) {
      if (p instanceof Value) p.grad *= coef;
      else if (p.grad) {
        writeData(p.grad, (g) => {
          for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) * coef;
        });
      }
    }
  }
  return norm;
}
