/**
 * Fused ops used by the layers: `linear` (x·Wᵀ + b as one graph node, read straight from W's
 * storage without a transpose) and `dropout`. Both are OpDefs like the tensor ops: forward
 * kernel beside a backward written with differentiable tensor ops. `layerNorm` and `embedding`
 * are composed of differentiable tensor ops (so their second derivatives come for free).
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { generatorOf, type Rng } from "../random";
import { checkResultShape } from "../tensor/broadcast";
import { addRow, gemm } from "../tensor/kernels/backend";
import {
  add,
  indexSelect,
  matmul,
  mean,
  mm,
  mul,
  reshape,
  rsqrt,
  sub,
  sum,
  variance,
  where,
} from "../tensor/ops/all";
import { apply } from "../tensor/ops/apply";
import { alloc, allocFloat, checkTensor, floatData, toIndex } from "../tensor/ops/util";
import { readData } from "../tensor/storage";
import { type IndexLike, type OpDef, Tensor } from "../tensor/tensor";
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

/**
 * `normalizedShape` as an array of positive integers (a number is `[n]`), for `op`'s message.
 */
export function checkNormalizedShape(shape: number | readonly number[], op: string): number[] {
  const dims = typeof shape === "number" ? [shape] : shape;
  if (
    !Array.isArray(dims) ||
    dims.length === 0 ||
    !dims.every((d: unknown) => Number.isInteger(d) && (d as number) > 0)
  ) {
    throw new ChainruleError(
      `${op}: normalizedShape must be a positive integer or a non-empty array of them, got ${describe(shape)}`,
    );
  }
  return Array.from(dims);
}

/**
 * Layer normalisation over the last `normalizedShape.length` axes (`F.layer_norm`):
 * (x − mean)/√(var + eps)·weight + bias, with the biased variance (correction 0); `weight` and
 * `bias` (optional) have shape `normalizedShape`. Composed of differentiable ops (mean, var,
 * rsqrt), so it can be differentiated twice.
 *
 * @example
 * layerNorm(tensor([[1, 2, 3]]), [3]).toArray().map((r) => r.map((v) => +v.toFixed(4))); // [[-1.2247, 0, 1.2247]]
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  checkTensor(x, "layerNorm", "input");
  const shape = checkNormalizedShape(normalizedShape, "layerNorm");
  const k = shape.length;
  if (x.ndim < k || shape.some((d, i) => x.shape[x.ndim - k + i] !== d)) {
    throw new ChainruleError(
      `layerNorm: input ${fmtShape(x.shape)} does not end with normalizedShape ${fmtShape(shape)}`,
    );
  }
  for (const [name, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t === undefined || t === null) continue;
    checkTensor(t, "layerNorm", name);
    if (t.ndim !== k || shape.some((d, i) => t.shape[i] !== d))
      throw new ChainruleError(
        `layerNorm: ${name} ${fmtShape(t.shape)} must have normalizedShape ${fmtShape(shape)}`,
      );
  }
  if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0)
    throw new ChainruleError(`layerNorm: eps must be a finite number ≥ 0, got ${describe(eps)}`);
  const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const centred = sub(x, mean(x, axes, true));
  const v = variance(x, axes, { correction: 0, keepDims: true });
  let y = mul(centred, rsqrt(add(v, eps)));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/**
 * Looks rows of `weight` ([num, dim]) up by index (`F.embedding`): the result has shape
 * [...indices.shape, dim]. `indices` is an int32 tensor, a float tensor holding integers, an
 * integer typed array or a (nested) array, each in [0, num). Rows are gathered with `indexSelect`,
 * so the gradient of `weight` sums the upstream gradient of every use of a row; the row
 * `paddingIdx` (negative counts from the end) receives no gradient, as in PyTorch.
 *
 * @example
 * const w = tensor([[0, 0], [1, 2], [3, 4]]);
 * embedding(tensor([[2, 1]], { dtype: "int32" }), w).toArray(); // [[[3, 4], [1, 2]]]
 */
export function embedding(indices: IndexLike, weight: Tensor, paddingIdx?: number | null): Tensor {
  checkTensor(weight, "embedding", "weight");
  if (weight.ndim !== 2)
    throw new ChainruleError(`embedding: weight must be 2-D [num, dim], got ${fmtShape(weight.shape)}`);
  const [num, dim] = weight.shape as [number, number];
  let pad: number | null = null;
  if (paddingIdx !== undefined && paddingIdx !== null) {
    if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num)
      throw new ChainruleError(
        `embedding: paddingIdx must be an integer in [${-num}, ${num}), got ${describe(paddingIdx)}`,
      );
    pad = paddingIdx < 0 ? paddingIdx + num : paddingIdx;
  }
  const idx = toIndex(indices, "embedding", num, "indices", ` for ${num} embeddings`);
  let rows = indexSelect(weight, 0, idx.values);
  if (pad !== null && idx.values.includes(pad)) {
    const isPad = new Uint8Array(idx.values.length);
    for (let i = 0; i < isPad.length; i++) isPad[i] = idx.values[i] === pad ? 1 : 0;
    const cond = new Tensor(isPad, [isPad.length, 1]);
    rows = where(cond, indexSelect(weight.detach(), 0, idx.values), rows);
  }
  return reshape(rows, [...idx.shape, dim]);
}
