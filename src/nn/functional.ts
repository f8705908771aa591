/**
 * Fused ops used by the layers: `linear` (x·Wᵀ + b as one graph node, read straight from W's
 * storage without a transpose) and `dropout`. Both are OpDefs like the tensor ops: forward
 * kernel beside a backward written with differentiable tensor ops.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { generatorOf, type Rng } from "../random";
import { checkResultShape } from "../tensor/broadcast";
import { addRow, gemm } from "../tensor/kernels/backend";
import { matmul, mm, mul, reshape, sum } from "../tensor/ops/all";
import { apply } from "../tensor/ops/apply";
import { alloc, allocFloat, checkTensor, floatData } from "../tensor/ops/util";
import { readData } from "../tensor/storage";
import { type OpDef, Tensor } from "../tensor/tensor";
import { checkBoolean } from "../validate";

/**
 * y = x·Wᵀ + b for x of shape [..., in], W [out, in], b [out] (optional).
 * ∂/∂x = ḡ·W, ∂/∂W = Σ_batch ḡᵀ·x, ∂/∂b = Σ_batch ḡ.
 */
export const linearOp: OpDef = {
  name: "linear",
  saves: "inputs",
  forward: (inputs) => {
    const [x, w, b] = inputs as [Tensor, Tensor, Tensor | undefined];
    if (x.ndim === 0 || w.ndim !== 2) {
      throw new ChainruleError(
        `linear: input ${fmtShape(x.shape)} needs ≥ 1 dimension and weight ${fmtShape(w.shape)} 2`,
      );
    }
    const [out, inF] = w.shape as [number, number];
    if (x.shape[x.ndim - 1] !== inF) {
      throw new ChainruleError(
        `linear: input ${fmtShape(x.shape)} has ${x.shape[x.ndim - 1]} features, the weight ${fmtShape(w.shape)} expects ${inF}`,
      );
    }
    if (b && (b.ndim !== 1 || b.shape[0] !== out)) {
      throw new ChainruleError(
        `linear: bias ${fmtShape(b.shape)} must have shape [${out}] for weight ${fmtShape(w.shape)}`,
      );
    }
    const rows = x.size / inF;
    const shape = [...x.shape.slice(0, -1), out];
    const y = allocFloat(x, checkResultShape(shape, "linear"));
    gemm(floatData(x), 0, floatData(w), 0, y, 0, rows, inF, out, true);
    if (b) addRow(y, floatData(b), rows, out);
    return { shape, data: y };
  },
  backward: (g, { inputs, needs }) => {
    const [x, w] = inputs as [Tensor, Tensor];
    const inF = w.shape[1] as number;
    const out = w.shape[0] as number;
    const g2 = reshape(g, [-1, out]);
    return [
      needs[0] ? matmul(g, w) : null,
      needs[1] ? mm(g2, reshape(x, [-1, inF]), true) : null,
      needs[2] ? sum(g2, 0) : null,
    ];
  },
};

/** x·Wᵀ + b (bias optional), one graph node named "linear". */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(x, "linear", "input");
  checkTensor(weight, "linear", "weight");
  if (bias !== undefined && bias !== null) checkTensor(bias, "linear", "bias");
  return apply(linearOp, bias ? [x, weight, bias] : [x, weight], undefined);
}

/**
 * Inverted dropout: each element is zeroed with probability p and the survivors are scaled by
 * 1/(1 − p), so the expectation is unchanged. ∂ = ḡ ⊙ mask (the same mask).
 */
export const dropoutOp: OpDef<{ mask: Tensor }, readonly [Tensor]> = {
  name: "dropout",
  saves: "none",
  forward: ([x], { mask }) => {
    const t = x;
    const out = alloc(t, t.size);
    const m = readData(mask);
    const d = readData(t);
    for (let i = 0; i < out.length; i++) out[i] = (d[i] as number) * (m[i] as number);
    return { shape: t.shape, data: out };
  },
  backward: (g, { attrs: { mask } }) => [mul(g, mask)],
};

/** Applies dropout with probability `p` (identity when `training` is false or p = 0). */
export function dropout(x: Tensor, p: number, training = true, generator?: Rng): Tensor {
  checkTensor(x, "dropout");
  if (typeof p !== "number" || !(p >= 0 && p < 1))
    throw new ChainruleError(`dropout: p must be in [0, 1), got ${describe(p)}`);
  checkBoolean(training, "dropout", "training");
  const rng = generatorOf(generator, "dropout");
  if (!training || p === 0) return x;
  const keep = 1 / (1 - p);
  const m = alloc(x, x.size);
  for (let i = 0; i < m.length; i++) m[i] = rng.next() < p ? 0 : keep;
  const mask = new Tensor(m, x.shape);
  return apply(dropoutOp, [x], { mask });
}
