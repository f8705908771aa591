/**
 * Attention: `scaledDotProductAttention` (`F.scaled_dot_product_attention`) and
 * `MultiheadAttention` (`torch.nn.MultiheadAttention`, its parameters named as PyTorch's:
 * `in_proj_weight in_proj_bias out_proj.weight out_proj.bias`). Both are composed of
 * differentiable tensor ops (matmul, softmax, where, dropout), so second derivatives work; the
 * heads are one batched matmul ([N, H, L, Dh]), never a loop.
 *
 * Fully masked rows (a query that may attend to no key) give zero weights and a zero output, with
 * zero gradients, as PyTorch 2.13's `scaled_dot_product_attention` ("safe softmax"). PyTorch's
 * `MultiheadAttention` with `need_weights=True` gives NaN there instead; chainrule gives zeros in
 * both.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
// "../nn/module", not "./module": dependency-cruiser (npm run depcheck) compiles each file alone
// under the name "module.ts", and TypeScript 6 then crashes on a class extending an import from
// "./module" with a constructor
import { Module } from "../nn/module";
import type { Rng } from "../random";
import { broadcastShapes, checkResultShape } from "../tensor/broadcast";
import { allocate, type FloatDType } from "../tensor/dtype";
import { where } from "../tensor/ops/all";
import { readData } from "../tensor/storage";
import { Tensor } from "../tensor/tensor";
import { checkBoolean, checkOptions } from "../validate";
import { dropout as dropoutFn, linear } from "./functional";
import * as init from "./init";
import { floatDTypeOption } from "./layer";
import { Linear } from "./layers";

/** Options of `nn.scaledDotProductAttention`. */
export interface ScaledDotProductAttentionOptions {
  /**
   * A bool mask (true where a query–key pair takes part, PyTorch's `attn_mask` bool convention) or
   * a float mask added to the scores (−∞ excludes a pair), broadcastable to [..., L, S].
   */
  mask?: Tensor | null;
  /** Let query i attend to keys j ≤ i only (lower-triangular, top-left aligned); not with `mask`. */
  causal?: boolean;
  /** Dropout probability on the attention weights, in [0, 1); default 0. Applied whenever > 0. */
  dropout?: number;
  /** Multiplies q·kᵀ; default 1/√E. */
  scale?: number | null;
  /** The generator of the dropout masks (default: the global one, see `manualSeed`). */
  generator?: Rng;
}

const isFloat = (t: Tensor): boolean => t.dtype === "float64" || t.dtype === "float32";

function checkFloatTensor(t: unknown, op: string, what: string, minDims: number): Tensor {
  if (!(t instanceof Tensor)) throw new ChainruleError(`${op}: ${what} must be a Tensor, got ${describe(t)}`);
  if (!isFloat(t))
    throw new ChainruleError(
      `${op}: ${what} must be float64 or float32, got ${t.dtype} ${fmtShape(t.shape)}`,
    );
  if (t.ndim < minDims)
    throw new ChainruleError(`${op}: ${what} needs at least ${minDims} dimensions, got ${fmtShape(t.shape)}`);
  return t;
}

/** A constant float tensor of `dtype`: 0 where `keep(i)`, −∞ elsewhere. */
function additive(shape: readonly number[], dtype: FloatDType, keep: (i: number) => boolean): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = allocate(dtype, size);
  for (let i = 0; i < size; i++) data[i] = keep(i) ? 0 : Number.NEGATIVE_INFINITY;
  return new Tensor(data, shape);
}

/** The causal bias [L, S]: 0 where key j ≤ query i, −∞ above the diagonal. */
function causalBias(l: number, s: number, dtype: FloatDType): Tensor {
  return additive([l, s], dtype, (i) => i % s <= Math.floor(i / s));
}

/**
 * A mask as an additive bias of `dtype`: a bool mask becomes 0 / −∞ (`keepWhere` says which bool
 * value keeps a pair), a float mask is used as it is (converted to `dtype`).
 */
function maskBias(mask: Tensor, dtype: FloatDType, keepWhere: boolean): Tensor {
  if (mask.dtype === "bool") {
    const m = readData(mask);
    return additive(mask.shape, dtype, (i) => (m[i] === 1) === keepWhere);
  }
  return mask.dtype === dtype ? mask : mask.astype(dtype);
}

function checkMaskDType(mask: unknown, op: string, what: string): Tensor {
  if (!(mask instanceof Tensor))
    throw new ChainruleError(`${op}: ${what} must be a Tensor, got ${describe(mask)}`);
  if (mask.dtype !== "bool" && !isFloat(mask))
    throw new ChainruleError(
      `${op}: ${what} must be a bool or float tensor, got ${mask.dtype} ${fmtShape(mask.shape)}`,
    );
  return mask;
}

/**
 * The attention core shared by `scaledDotProductAttention` and `MultiheadAttention`: weights =
 * softmax(q·kᵀ·scale + bias) along the last axis, zeroed on rows whose bias is −∞ everywhere
 * (and those rows' scores replaced by 0 first, so no NaN reaches the gradients), dropout, then
 * weights·v. Returns [output, weights].
 */
function attend(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  bias: Tensor | null,
  scale: number,
  dropoutP: number,
  generator: Rng | undefined,
): [Tensor, Tensor] {
  let scores = q.mul(scale).matmul(k.transpose(-2, -1));
  let dead: Tensor | null = null;
  if (bias !== null) {
    scores = scores.add(bias);
    const rows = bias.detach().eq(Number.NEGATIVE_INFINITY).all(-1, true);
    if (rows.any().item()) dead = rows;
  }
  if (dead !== null) scores = where(dead, 0, scores);
  let weights = scores.softmax(-1);
  if (dead !== null) weights = where(dead, 0, weights);
  if (dropoutP > 0) weights = dropoutFn(weights, dropoutP, true, generator);
  return [weights.matmul(v), weights];
}

function checkDropout(p: unknown, op: string, what = "dropout"): number {
  if (typeof p !== "number" || !(p >= 0 && p < 1))
    throw new ChainruleError(`${op}: ${what} must be a number in [0, 1), got ${describe(p)}`);
  return p;
}

/**
 * Scaled dot-product attention (`torch.nn.functional.scaled_dot_product_attention`):
 *
 *     A = softmax(q·kᵀ·scale + B)  along the keys,   out = A·v
 *
 * for q [..., L, E], k [..., S, E], v [..., S, Ev] (leading axes broadcast) → [..., L, Ev], with
 * scale = 1/√E by default. B comes from `mask`: a bool mask (true = the pair takes part) gives 0
 * or −∞, a float mask is added as it is; `causal: true` masks keys j > i. A query row that takes
 * part with no key gives zero weights and a zero output (PyTorch 2.13's behaviour), with zero
 * gradients. `dropout` drops attention weights (scaling the rest by 1/(1 − p)) whenever it is
 * > 0: pass 0 in evaluation, as PyTorch's modules do. Composed of matmul, softmax, where and
 * dropout, so it can be differentiated twice.
 *
 * @example
 * const q = tensor([[1, 0], [0, 1]]);
 * const k = tensor([[1, 0], [0, 1]]);
 * const v = tensor([[10, 0], [0, 10]]);
 * nn.scaledDotProductAttention(q, k, v, { scale: 1000 }).toArray(); // [[10, 0], [0, 10]]: one key each
 * nn.scaledDotProductAttention(q, k, v, { causal: true }).toArray()[0]; // [10, 0]
 * const mask = tensor([[false, true], [true, true]], { dtype: "bool" });
 * nn.scaledDotProductAttention(q, k, v, { mask }).toArray()[0]; // [0, 10]
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options?: ScaledDotProductAttentionOptions,
): Tensor {
  const op = "scaledDotProductAttention";
  const o = checkOptions(options, op);
  checkFloatTensor(q, op, "query", 2);
  checkFloatTensor(k, op, "key", 2);
  checkFloatTensor(v, op, "value", 2);
  const e = q.shape[q.ndim - 1] as number;
  const l = q.shape[q.ndim - 2] as number;
  const s = k.shape[k.ndim - 2] as number;
  if (k.shape[k.ndim - 1] !== e)
    throw new ChainruleError(
      `${op}: query ${fmtShape(q.shape)} and key ${fmtShape(k.shape)} must have the same last dimension E`,
    );
  if (v.shape[v.ndim - 2] !== s)
    throw new ChainruleError(
      `${op}: key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} must have the same length S (their axis −2)`,
    );
  const batch = broadcastShapes(
    broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), op),
    v.shape.slice(0, -2),
    op,
  );
  const scoresShape = [...batch, l, s];
  const causal = checkBoolean(o.causal, op, "causal", false);
  const p = checkDropout(o.dropout ?? 0, op);
  const scale = o.scale ?? 1 / Math.sqrt(e);
  if (typeof scale !== "number" || !Number.isFinite(scale))
    throw new ChainruleError(`${op}: scale must be a finite number, got ${describe(scale)}`);
  const dtype = q.dtype as FloatDType;
  let bias: Tensor | null = null;
  if (o.mask !== undefined && o.mask !== null) {
    const mask = checkMaskDType(o.mask, op, "mask");
    if (causal) throw new ChainruleError(`${op}: give either mask or causal: true, not both`);
    let fits = mask.ndim <= scoresShape.length;
    if (fits) {
      try {
        const b = broadcastShapes(mask.shape, scoresShape, op);
        fits = b.every((d, i) => d === scoresShape[i]);
      } catch {
        fits = false;
      }
    }
    if (!fits)
      throw new ChainruleError(
        `${op}: mask ${fmtShape(mask.shape)} does not broadcast to the attention weights ${fmtShape(scoresShape)} ([..., L, S])`,
      );
    bias = maskBias(mask, dtype, true);
  } else if (causal) {
    bias = causalBias(l, s, dtype);
  }
  return attend(q, k, v, bias, scale, p, o.generator)[0];
}

/** Options of `nn.MultiheadAttention`. */
export interface MultiheadAttentionOptions {
  /** Inputs are [N, L, E] (default true, unlike PyTorch's default); false: [L, N, E]. */
  batchFirst?: boolean;
  /** Learn `in_proj_bias` and `out_proj.bias` (zeros at first); default true. */
  bias?: boolean;
  /** Dropout probability on the attention weights in training mode; default 0. */
  dropout?: number;
  /** Key features; only `embedDim` (the default) is supported. */
  kdim?: number;
  /** Value features; only `embedDim` (the default) is supported. */
  vdim?: number;
  /** The parameters' dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/** Arguments of `MultiheadAttention.forward` after the three tensors. */
export interface MultiheadAttentionForwardOptions {
  /**
   * [L, S] or [N·H, L, S]: a bool mask is true where a pair is NOT allowed (PyTorch's
   * MultiheadAttention convention, the opposite of `scaledDotProductAttention`'s); a float mask is
   * added to the scores.
   */
  attnMask?: Tensor | null;
  /** [N, S] ([S] unbatched): a bool mask is true at padding keys, which are ignored; float: added. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** Average the returned weights over the heads (default true): [N, L, S], else [N, H, L, S]. */
  averageAttnWeights?: boolean;
  /**
   * Apply the causal mask (keys j ≤ i), combined with `attnMask` if one is given. (PyTorch reads
   * `is_causal` as a hint that `attn_mask` is causal and requires the mask; here the flag alone suffices.)
   */
  isCausal?: boolean;
  /** The generator of the dropout masks (default: the global one). */
  generator?: Rng;
}

/**
 * Multi-head attention (`torch.nn.MultiheadAttention`). With E = `embedDim`, H = `numHeads` and
 * Dh = E/H, the query, key and value are projected by the rows of `in_proj_weight` [3E, E]
 * (q, k, v in that order) plus `in_proj_bias` [3E], split into H heads, attended per head,
 *
 *     headₕ = softmax(qₕ·kₕᵀ/√Dh + B)·vₕ,
 *
 * concatenated and projected by `out_proj` (an `nn.Linear(E, E)`). `forward` returns
 * `[output, weights]`: output [N, L, E] (`batchFirst`, the default here; [L, N, E] otherwise;
 * [L, E] for an unbatched [L, E] query) and the attention weights averaged over heads, [N, L, S]
 * (or per head [N, H, L, S]), or null when `needWeights` is false. Initialisation as PyTorch's:
 * `in_proj_weight` Xavier-uniform, biases zero, `out_proj.weight` U(−1/√E, 1/√E). Dropout
 * (on the weights) only in training mode. Rows where every key is masked give zeros.
 *
 * @example
 * const mha = new nn.MultiheadAttention(8, 2);
 * mha.namedParameters().map(([name, p]) => [name, (p as Tensor).shape]);
 * // [["in_proj_weight", [24, 8]], ["in_proj_bias", [24]], ["out_proj.weight", [8, 8]], ["out_proj.bias", [8]]]
 * const x = randn([3, 5, 8]);
 * const [out, weights] = mha.forward(x, x, x);
 * out.shape; // [3, 5, 8]
 * weights?.shape; // [3, 5, 5]
 * weights?.sum(-1).toArray()[0]?.map((w) => +w.toFixed(12)); // [1, 1, 1, 1, 1]
 */
export class MultiheadAttention extends Module {
  /** The stacked q, k, v projections [3E, E]. */
  readonly in_proj_weight: Tensor;
  /** Their biases [3E], or null without `bias`. */
  readonly in_proj_bias: Tensor | null;
  /** The output projection, E → E. */
  readonly out_proj: Linear;
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly batchFirst: boolean;
  /** Dropout probability on the attention weights in training mode. */
  readonly dropout: number;

  constructor(embedDim: number, numHeads: number, options?: MultiheadAttentionOptions) {
    super();
    const op = "MultiheadAttention";
    for (const [name, v] of [
      ["embedDim", embedDim],
      ["numHeads", numHeads],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new ChainruleError(`${op}: ${name} must be a positive integer, got ${describe(v)}`);
    }
    if (embedDim % numHeads !== 0)
      throw new ChainruleError(`${op}: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    const o = checkOptions(options, op);
    for (const name of ["kdim", "vdim"] as const) {
      const d = o[name];
      if (d !== undefined && d !== null && d !== embedDim)
        throw new ChainruleError(
          `${op}: ${name} different from embedDim is not supported (got ${describe(d)}, embedDim ${embedDim})`,
        );
    }
    const dtype = floatDTypeOption(o.dtype, op);
    const bias = checkBoolean(o.bias, op, "bias", true);
    this.dropout = checkDropout(o.dropout ?? 0, op);
    this.batchFirst = checkBoolean(o.batchFirst, op, "batchFirst", true);
    checkResultShape([3 * embedDim, embedDim], op);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    // PyTorch's order: out_proj is built (and drawn) first, then _reset_parameters
    const outProj = new Linear(embedDim, embedDim, { bias, dtype });
    const bound = 1 / Math.sqrt(embedDim); // Linear's kaiming_uniform(a=√5)
    init.uniform(outProj.weight, -bound, bound);
    this.in_proj_weight = new Tensor(allocate(dtype, 3 * embedDim * embedDim), [3 * embedDim, embedDim], {
      requiresGrad: true,
    });
    init.xavierUniform(this.in_proj_weight);
    this.in_proj_bias = bias
      ? new Tensor(allocate(dtype, 3 * embedDim), [3 * embedDim], { requiresGrad: true })
      : null;
    this.out_proj = outProj;
  }

  /**
   * Attends `query` [N, L, E] to `key` [N, S, E] and `value` [N, S, E] ([L, N, E] … without
   * `batchFirst`; [L, E], [S, E] unbatched); returns `[output, weights | null]`.
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options?: MultiheadAttentionForwardOptions,
  ): [Tensor, Tensor | null] {
    const op = "MultiheadAttention";
    const o = checkOptions(options, `${op}.forward`);
    const E = this.embedDim;
    const H = this.numHeads;
    const layout = this.batchFirst ? "[N, L, E]" : "[L, N, E]";
    checkFloatTensor(query, op, "query", 0);
    checkFloatTensor(key, op, "key", 0);
    checkFloatTensor(value, op, "value", 0);
    if ((query.ndim !== 3 && query.ndim !== 2) || query.shape[query.ndim - 1] !== E)
      throw new ChainruleError(
        `${op}: query must be ${this.batchFirst ? `[N, L, ${E}]` : `[L, N, ${E}]`} or [L, ${E}] (layout ${layout}), got ${fmtShape(query.shape)}`,
      );
    const batched = query.ndim === 3;
    for (const [name, t] of [
      ["key", key],
      ["value", value],
    ] as const) {
      if (t.ndim !== query.ndim || t.shape[t.ndim - 1] !== E) {
        const want = batched ? (this.batchFirst ? `[N, S, ${E}]` : `[S, N, ${E}]`) : `[S, ${E}]`;
        throw new ChainruleError(
          `${op}: ${name} must be ${want} like the query ${fmtShape(query.shape)}, got ${fmtShape(t.shape)}`,
        );
      }
    }
    // to [N, L, E]
    const toBatchFirst = (t: Tensor) => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const selfAttention = query === key && key === value;
    const q3 = toBatchFirst(query);
    const k3 = key === query ? q3 : toBatchFirst(key);
    const v3 = value === key ? k3 : value === query ? q3 : toBatchFirst(value);
    const [n, l] = q3.shape as [number, number, number];
    const s = k3.shape[1] as number;
    if (k3.shape[0] !== n || v3.shape[0] !== n || v3.shape[1] !== s)
      throw new ChainruleError(
        `${op}: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same batch size N, and key and value the same length S`,
      );
    const needWeights = checkBoolean(o.needWeights, op, "needWeights", true);
    const average = checkBoolean(o.averageAttnWeights, op, "averageAttnWeights", true);
    const isCausal = checkBoolean(o.isCausal, op, "isCausal", false);
    const dtype = q3.dtype as FloatDType;

    // masks, as one additive bias broadcastable to [N, H, L, S]
    let bias: Tensor | null = null;
    const addBias = (b: Tensor) => {
      bias = bias === null ? b : bias.add(b);
    };
    if (o.attnMask !== undefined && o.attnMask !== null) {
      const m = checkMaskDType(o.attnMask, op, "attnMask");
      const ok2 = m.ndim === 2 && m.shape[0] === l && m.shape[1] === s;
      const ok3 = m.ndim === 3 && m.shape[0] === n * H && m.shape[1] === l && m.shape[2] === s;
      if (!ok2 && !ok3)
        throw new ChainruleError(
          `${op}: attnMask must be [L, S] = [${l}, ${s}] or [N·H, L, S] = [${n * H}, ${l}, ${s}], got ${fmtShape(m.shape)}`,
        );
      const b = maskBias(m, dtype, false);
      addBias(ok3 ? b.reshape(n, H, l, s) : b);
    }
    if (o.keyPaddingMask !== undefined && o.keyPaddingMask !== null) {
      const m = checkMaskDType(o.keyPaddingMask, op, "keyPaddingMask");
      const ok = batched
        ? m.ndim === 2 && m.shape[0] === n && m.shape[1] === s
        : m.ndim === 1 && m.shape[0] === s;
      if (!ok)
        throw new ChainruleError(
          `${op}: keyPaddingMask must be ${batched ? `[N, S] = [${n}, ${s}]` : `[S] = [${s}]`}, got ${fmtShape(m.shape)}`,
        );
      addBias(maskBias(m, dtype, false).reshape(n, 1, 1, s));
    }
    if (isCausal) addBias(causalBias(l, s, dtype));

    // projections: one linear for self-attention, else the row blocks of in_proj_weight
    const W = this.in_proj_weight;
    const b = this.in_proj_bias;
    let qp: Tensor;
    let kp: Tensor;
    let vp: Tensor;
    if (selfAttention) {
      const qkv = linear(q3, W, b);
      [qp, kp, vp] = [qkv.slice(-1, 0, E), qkv.slice(-1, E, 2 * E), qkv.slice(-1, 2 * E, 3 * E)];
    } else {
      const part = (x: Tensor, i: number) =>
        linear(x, W.slice(0, i * E, (i + 1) * E), b === null ? null : b.slice(0, i * E, (i + 1) * E));
      qp = part(q3, 0);
      kp = part(k3, 1);
      vp = part(v3, 2);
    }
    // [N, L, E] → [N, H, L, Dh]: every head in one batched matmul
    const heads = (t: Tensor, len: number) => t.reshape(n, len, H, this.headDim).permute(0, 2, 1, 3);
    const p = this.training ? this.dropout : 0;
    const [att, weights] = attend(
      heads(qp, l),
      heads(kp, s),
      heads(vp, s),
      bias,
      1 / Math.sqrt(this.headDim),
      p,
      o.generator,
    );
    let out = this.out_proj.forward(att.permute(0, 2, 1, 3).reshape(n, l, E));
    out = !batched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
    if (!needWeights) return [out, null];
    let w = average ? weights.mean(1) : weights;
    if (!batched) w = w.squeeze(0);
    return [out, w];
  }
}
