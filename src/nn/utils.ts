/** `nn.utils`: gradient clipping. */
import { ChainruleError, describe } from "../errors";
import { Value } from "../scalar/value";
import { Tensor } from "../tensor/tensor";
import type { Parameter } from "./module";

/**
 * Rescales the gradients of `params` in place so their global L2 norm is at most `maxNorm`
 * (PyTorch's `clip_grad_norm_`: scale by maxNorm/(norm + 1e-6) when that is below 1).
 * Returns the norm before clipping.
 */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number): number {
  if (typeof maxNorm !== "number" || !(maxNorm > 0))
    throw new ChainruleError(`clipGradNorm: maxNorm must be > 0, got ${describe(maxNorm)}`);
  let sq = 0;
  for (const p of params) {
    if (p instanceof Value) sq += p.grad * p.grad;
    else if (p instanceof Tensor) {
      if (p.grad) for (const g of p.grad._s.data) sq += g * g;
    } else throw new ChainruleError(`clipGradNorm: parameters must be Tensors or Values, got ${describe(p)}`);
  }
  const norm = Math.sqrt(sq);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const p of params) {
      if (p instanceof Value) p.grad *= coef;
      else if (p.grad) {
        const g = p.grad._s.data;
        for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) * coef;
        p.grad._bump();
      }
    }
  }
  return norm;
}
