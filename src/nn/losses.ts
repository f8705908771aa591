/**
 * Loss functions, each one fused graph node (its name is the loss's) with a numerically stable
 * forward and a backward written with differentiable tensor ops. `reduction` is `"mean"`
 * (default), `"sum"` or `"none"` (per-element losses).
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { sameShape } from "../tensor/broadcast";
import { logSoftmaxAxis } from "../tensor/kernels/reduce";
import {
  add,
  div,
  exp,
  gt,
  log,
  lt,
  mean,
  mul,
  neg,
  sigmoid,
  sign,
  softmax,
  sqrt,
  sub,
  sum,
  where,
} from "../tensor/ops/all";
import { apply } from "../tensor/ops/apply";
import { alloc, checkTensor, toIndex } from "../tensor/ops/util";
import { readData } from "../tensor/storage";
import { type IndexLike, type OpDef, type RawResult, Tensor } from "../tensor/tensor";
import { checkBoolean, checkOptions } from "../validate";

/** How per-element losses are combined: their mean (default), their sum, or not at all. */
export type Reduction = "mean" | "sum" | "none";

/** Options of every loss. */
export interface LossOptions {
  reduction?: Reduction;
}

/** Attributes of a loss node: its reduction and how many terms "mean" divides by. */
export interface LossAttrs {
  readonly reduction: Reduction;
  /** How many per-element losses "mean" divides by. */
  readonly count: number;
}

function reductionOf(options: LossOptions | undefined, op: string): Reduction {
  const r = checkOptions(options, op).reduction ?? "mean";
  if (r !== "mean" && r !== "sum" && r !== "none") {
    throw new ChainruleError(`${op}: reduction must be "mean", "sum" or "none", got ${describe(r)}`);
  }
  return r;
}

/** Reduces per-element losses `l` (shape `shape`) into the op's result. */
function reduced(like: Tensor, l: Float64Array, shape: readonly number[], attrs: LossAttrs): RawResult {
  if (attrs.reduction === "none") {
    const out = alloc(like, l.length);
    out.set(l);
    return { shape, data: out };
  }
  let s = 0;
  for (let i = 0; i < l.length; i++) s += l[i] as number;
  const out = alloc(like, 1);
  out[0] = attrs.reduction === "mean" ? s / attrs.count : s;
  return { shape: [], data: out };
}

/** ∂L/∂lᵢ for every per-element loss: ḡ itself ("none"), or ḡ spread (and divided for "mean"). */
function upstream(g: Tensor, attrs: LossAttrs): Tensor {
  return attrs.reduction === "mean" ? div(g, attrs.count) : g;
}

function checkPair(a: Tensor, b: Tensor, op: string, names: [string, string]): void {
  checkTensor(a, op, names[0]);
  checkTensor(b, op, names[1]);
  if (!sameShape(a.shape, b.shape)) {
    throw new ChainruleError(
      `${op}: ${names[0]} ${fmtShape(a.shape)} and ${names[1]} ${fmtShape(b.shape)} must have the same shape`,
    );
  }
}

function elementwiseLoss<A extends LossAttrs = LossAttrs>(
  name: string,
  f: (x: number, t: number, attrs: A) => number,
  backward: (g: Tensor, x: Tensor, t: Tensor, needs: readonly boolean[], attrs: A) => (Tensor | null)[],
): OpDef<A, readonly [Tensor, Tensor]> {
  return {
    name,
    saves: "inputs",
    forward: ([x, t], attrs) => {
      const a = readData(x);
      const b = readData(t);
      const l = new Float64Array(a.length);
      for (let i = 0; i < l.length; i++) l[i] = f(a[i] as number, b[i] as number, attrs);
      return reduced(x, l, x.shape, attrs);
    },
    backward: (g, { inputs: [x, t], attrs, needs }) => backward(upstream(g, attrs), x, t, needs, attrs),
  };
}

/** ∂/∂pred = d, ∂/∂target = −d: the two gradients of a loss of (pred − target). */
const ofDifference = (d: Tensor, needs: readonly boolean[]): (Tensor | null)[] => [
  d,
  needs[1] ? neg(d) : null,
];

/** Mean squared error: lᵢ = (predᵢ − targetᵢ)². ∂/∂pred = 2(pred − target)·ḡ. */
export const mseOp = elementwiseLoss(
  "mse",
  (x, t) => (x - t) * (x - t),
  (g, x, t, needs) => {
    return ofDifference(mul(mul(sub(x, t), 2), g), needs);
  },
);

/**
 * Binary cross-entropy on probabilities: lᵢ = −(tᵢ ln pᵢ + (1 − tᵢ) ln(1 − pᵢ)), each log clamped
 * at −100 as in PyTorch. ∂/∂p = ḡ·(p − t)/max(p(1 − p), 1e-12).
 */
export const bceOp = elementwiseLoss(
  "bce",
  (p, t) => -(t * Math.max(Math.log(p), -100) + (1 - t) * Math.max(Math.log(1 - p), -100)),
  (g, p, t, needs) => {
    const denom = mul(p, sub(1, p)).clamp(1e-12);
    const logRatio = sub(p.log().clamp(-100), sub(1, p).log().clamp(-100));
    return [mul(g, div(sub(p, t), denom)), needs[1] ? neg(mul(g, logRatio)) : null];
  },
);

/**
 * Binary cross-entropy on logits, stable for any x: lᵢ = max(x, 0) − x·t + ln(1 + e^(−|x|)).
 * ∂/∂x = ḡ·(σ(x) − t), ∂/∂t = −ḡ·x.
 */
export const bceWithLogitsOp = elementwiseLoss(
  "bceWithLogits",
  (x, t) => Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x))),
  (g, x, t, needs) => [mul(g, sub(sigmoid(x), t)), needs[1] ? neg(mul(g, x)) : null],
);

/** Mean absolute error: lᵢ = |predᵢ − targetᵢ|. ∂/∂pred = ḡ·sign(pred − target) (0 where equal). */
export const l1Op = elementwiseLoss(
  "l1",
  (x, t) => Math.abs(x - t),
  (g, x, t, needs) => ofDifference(mul(g, sign(sub(x, t))), needs),
);

/** Attributes of `huber` (δ) and `smoothL1` (β) besides the reduction. */
export interface ThresholdLossAttrs extends LossAttrs {
  readonly threshold: number;
}

/**
 * Huber loss with threshold δ > 0 (`torch.nn.functional.huber_loss`): with d = pred − target,
 * lᵢ = d²/2 where |d| < δ, else δ(|d| − δ/2). ∂/∂pred = ḡ·clamp(d, −δ, δ).
 */
export const huberOp = elementwiseLoss<ThresholdLossAttrs>(
  "huber",
  (x, t, { threshold: delta }) => {
    const d = Math.abs(x - t);
    return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
  },
  (g, x, t, needs, { threshold: delta }) => ofDifference(mul(g, sub(x, t).clamp(-delta, delta)), needs),
);

/**
 * Smooth L1 loss with threshold β ≥ 0 (`torch.nn.functional.smooth_l1_loss`): with d = pred −
 * target, lᵢ = d²/(2β) where |d| < β, else |d| − β/2 (β = 0: |d|, the L1 loss).
 * ∂/∂pred = ḡ·clamp(d/β, −1, 1) (ḡ·sign(d) for β = 0). Huber with δ = β, divided by β.
 */
export const smoothL1Op = elementwiseLoss<ThresholdLossAttrs>(
  "smoothL1",
  (x, t, { threshold: beta }) => {
    const d = Math.abs(x - t);
    return d < beta ? (0.5 * d * d) / beta : d - 0.5 * beta;
  },
  (g, x, t, needs, { threshold: beta }) => {
    const d = sub(x, t);
    return ofDifference(mul(g, beta === 0 ? sign(d) : div(d, beta).clamp(-1, 1)), needs);
  },
);

/** Attributes of `klDiv` besides the reduction: whether the target is given as log-probabilities. */
export interface KlDivAttrs extends LossAttrs {
  readonly logTarget: boolean;
}

/**
 * Kullback–Leibler divergence from log-probabilities x to a target t (`torch.nn.functional.kl_div`):
 * lᵢ = t(ln t − x), 0 where t = 0; with logTarget, lᵢ = eᵗ(t − x). ∂/∂x = −ḡ·t (−ḡ·eᵗ);
 * ∂/∂t = ḡ·(ln t + 1 − x) where t > 0, else 0 (ḡ·eᵗ(t − x + 1)).
 */
export const klDivOp = elementwiseLoss<KlDivAttrs>(
  "klDiv",
  (x, t, { logTarget }) => (logTarget ? Math.exp(t) * (t - x) : t === 0 ? 0 : t * (Math.log(t) - x)),
  (g, x, t, needs, { logTarget }) => {
    if (logTarget) {
      const p = exp(t);
      return [neg(mul(g, p)), needs[1] ? mul(g, mul(p, add(sub(t, x), 1))) : null];
    }
    return [neg(mul(g, t)), needs[1] ? mul(g, where(gt(t, 0), sub(add(log(t), 1), x), 0)) : null];
  },
);

/** Hinge loss for labels ±1: lᵢ = max(0, 1 − yᵢsᵢ). ∂/∂s = −ḡ·y where 1 − ys > 0 (0 at the kink). */
export const hingeOp = elementwiseLoss(
  "hinge",
  (s, y) => Math.max(0, 1 - y * s),
  (g, s, y, needs) => {
    const active = lt(mul(s, y), 1);
    return [neg(mul(mul(g, y), active)), needs[1] ? neg(mul(mul(g, s), active)) : null];
  },
);

/** Attributes of the index-label losses: the class indices, flattened. */
export interface IndexLossAttrs extends LossAttrs {
  readonly labels: Int32Array;
}

/** Moves the class axis (1) last: for each position (n, d…) the C class entries, as offsets. */
function classLayout(shape: readonly number[]): {
  classes: number;
  outer: number;
  inner: number;
  labelShape: number[];
} {
  const classes = shape.length === 1 ? (shape[0] as number) : (shape[1] as number);
  const outer = shape.length === 1 ? 1 : (shape[0] as number);
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  const labelShape = shape.length === 1 ? [] : [shape[0] as number, ...shape.slice(2)];
  return { classes, outer, inner, labelShape };
}

/** A one-hot tensor (constant) of `like`'s shape with 1 at the labelled class. */
function oneHot(like: Tensor, labels: Int32Array): Tensor {
  const { classes, outer, inner } = classLayout(like.shape);
  const d = alloc(like, like.size);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) d[(o * classes + (labels[o * inner + i] as number)) * inner + i] = 1;
  return new Tensor(d, like.shape);
}

/** ḡ per position with the class axis restored (size 1) so it broadcasts over classes. */
function perPosition(g: Tensor, like: Tensor, attrs: LossAttrs): Tensor {
  const up = upstream(g, attrs);
  if (attrs.reduction !== "none" || like.ndim === 1) return up;
  return up.unsqueeze(1);
}

/**
 * Cross-entropy from logits with integer class labels, fused with log-softmax and stable for any
 * finite logits: lₙ = logSumExp(xₙ) − xₙ,yₙ. ∂/∂x = ḡ·(softmax(x) − onehot(y)).
 */
export const crossEntropyOp: OpDef<IndexLossAttrs, readonly [Tensor]> = {
  name: "crossEntropy",
  saves: "inputs",
  forward: ([x], attrs) => {
    const t = x;
    const { classes, outer, inner, labelShape } = classLayout(t.shape);
    const logp = new Float64Array(t.size);
    logSoftmaxAxis(readData(t), outer, classes, inner, logp, false);
    const l = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++)
        l[o * inner + i] = -(logp[
          (o * classes + (attrs.labels[o * inner + i] as number)) * inner + i
        ] as number);
    }
    return reduced(t, l, labelShape, attrs);
  },
  backward: (g, { inputs: [x], attrs }) => {
    const t = x;
    const axis = t.ndim === 1 ? 0 : 1;
    return [mul(perPosition(g, t, attrs), sub(softmax(t, axis), oneHot(t, attrs.labels)))];
  },
};

/**
 * Cross-entropy from logits with class-probability targets p (same shape as the logits):
 * lₙ = −Σ_c p_c·logSoftmax(x)_c. ∂/∂x = ḡ·(softmax(x)·Σ_c p_c − p), ∂/∂p = −ḡ·logSoftmax(x).
 */
export const crossEntropySoftOp: OpDef<LossAttrs, readonly [Tensor, Tensor]> = {
  name: "crossEntropy",
  saves: "inputs",
  forward: ([x, p], attrs) => {
    const t = x;
    const { classes, outer, inner, labelShape } = classLayout(t.shape);
    const logp = new Float64Array(t.size);
    logSoftmaxAxis(readData(t), outer, classes, inner, logp, false);
    const pd = readData(p);
    const l = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < classes; c++) {
        for (let i = 0; i < inner; i++) {
          const k = (o * classes + c) * inner + i;
          const pk = pd[k] as number;
          if (pk !== 0) l[o * inner + i] = (l[o * inner + i] as number) - pk * (logp[k] as number);
        }
      }
    }
    return reduced(t, l, labelShape, attrs);
  },
  backward: (g, { inputs: [x, p], attrs, needs }) => {
    const t = x;
    const q = p;
    const axis = t.ndim === 1 ? 0 : 1;
    const up = perPosition(g, t, attrs);
    const gx = mul(up, sub(mul(softmax(t, axis), sum(q, axis, true)), q));
    const gp = needs[1] ? neg(mul(up, t.logSoftmax(axis))) : null;
    return [gx, gp];
  },
};

/** Negative log-likelihood of log-probabilities: lₙ = −logp_{n,yₙ}. ∂/∂logp = −ḡ·onehot(y). */
export const nllOp: OpDef<IndexLossAttrs, readonly [Tensor]> = {
  name: "nll",
  saves: "none",
  forward: ([x], attrs) => {
    const t = x;
    const { classes, outer, inner, labelShape } = classLayout(t.shape);
    const d = readData(t);
    const l = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++)
        l[o * inner + i] = -(d[
          (o * classes + (attrs.labels[o * inner + i] as number)) * inner + i
        ] as number);
    }
    return reduced(t, l, labelShape, attrs);
  },
  backward: (g, { inputs: [x], attrs }) => [neg(mul(perPosition(g, x, attrs), oneHot(x, attrs.labels)))],
};

function indexLabels(x: Tensor, labels: unknown, op: string): Int32Array {
  checkTensor(x, op, "input");
  if (x.ndim === 0) throw new ChainruleError(`${op}: input must have a class dimension, got shape []`);
  const { classes, labelShape } = classLayout(x.shape);
  const idx = toIndex((typeof labels === "number" ? [labels] : labels) as number[], op, classes, "labels");
  const expected = labelShape.reduce((a, b) => a * b, 1);
  const shapeOk = sameShape(idx.shape, labelShape) || (labelShape.length === 0 && idx.values.length === 1);
  if (idx.values.length !== expected || !shapeOk) {
    throw new ChainruleError(
      `${op}: labels ${fmtShape(idx.shape)} must have shape ${fmtShape(labelShape)} for input ${fmtShape(x.shape)} (class axis ${x.ndim === 1 ? 0 : 1})`,
    );
  }
  return idx.values;
}

// ---- public functions ----

/** Mean squared error between same-shape tensors. */
export function mse(pred: Tensor, target: Tensor, options?: LossOptions): Tensor {
  checkPair(pred, target, "mse", ["pred", "target"]);
  return apply(mseOp, [pred, target], { reduction: reductionOf(options, "mse"), count: pred.size });
}

/**
 * Mean absolute error (L1 loss) between same-shape tensors: mean of |pred − target|.
 *
 * @example
 * losses.l1(tensor([1, 2, 3]), tensor([2, 2, 5])).item(); // 1
 */
export function l1(pred: Tensor, target: Tensor, options?: LossOptions): Tensor {
  checkPair(pred, target, "l1", ["pred", "target"]);
  return apply(l1Op, [pred, target], { reduction: reductionOf(options, "l1"), count: pred.size });
}

/** Options of `huber`: the reduction and δ (> 0, default 1). */
export interface HuberOptions extends LossOptions {
  delta?: number;
}

/**
 * Huber loss: quadratic (d²/2) for |d| < δ, linear (δ(|d| − δ/2)) beyond, d = pred − target.
 *
 * @example
 * losses.huber(tensor([0.5, 3]), tensor([0, 0]), { reduction: "sum" }).item(); // 2.625  (0.125 + 2.5)
 */
export function huber(pred: Tensor, target: Tensor, options?: HuberOptions): Tensor {
  return thresholdLoss(huberOp, pred, target, options, "delta", false);
}

/**
 * huber's and smoothL1's call: checks the pair and the threshold option `key` (finite, > 0, or
 * ≥ 0 with `zeroOk`; default 1), then records `def`.
 */
function thresholdLoss(
  def: OpDef<ThresholdLossAttrs, readonly [Tensor, Tensor]>,
  pred: Tensor,
  target: Tensor,
  options: LossOptions | undefined,
  key: "delta" | "beta",
  zeroOk: boolean,
): Tensor {
  const op = def.name;
  checkPair(pred, target, op, ["pred", "target"]);
  const threshold = (checkOptions(options, op) as Record<string, unknown>)[key] ?? 1;
  if (typeof threshold !== "number" || !(zeroOk ? threshold >= 0 : threshold > 0) || threshold === Infinity) {
    throw new ChainruleError(
      `${op}: ${key} must be a finite number ${zeroOk ? "≥" : ">"} 0, got ${describe(threshold)}`,
    );
  }
  return apply(def, [pred, target], { reduction: reductionOf(options, op), count: pred.size, threshold });
}

/** Options of `smoothL1`: the reduction and β (≥ 0, default 1). */
export interface SmoothL1Options extends LossOptions {
  beta?: number;
}

/**
 * Smooth L1 loss: d²/(2β) for |d| < β, |d| − β/2 beyond, d = pred − target (β = 0 is the L1 loss).
 *
 * @example
 * losses.smoothL1(tensor([0.5, 3]), tensor([0, 0]), { reduction: "none" }).toArray(); // [0.125, 2.5]
 */
export function smoothL1(pred: Tensor, target: Tensor, options?: SmoothL1Options): Tensor {
  return thresholdLoss(smoothL1Op, pred, target, options, "beta", true);
}

/** Options of `klDiv`: the reduction and whether the target holds log-probabilities. */
export interface KlDivOptions extends LossOptions {
  logTarget?: boolean;
}

/**
 * KL divergence KL(target ‖ input) summed elementwise, with `input` holding log-probabilities and
 * `target` probabilities (or log-probabilities with `logTarget`), as `torch.nn.functional.kl_div`.
 * "mean" averages over every element (PyTorch's default); divide a "sum" by the batch size for
 * the per-sample divergence (PyTorch's "batchmean").
 *
 * @example
 * losses.klDiv(tensor([Math.log(0.5), Math.log(0.5)]), tensor([0.5, 0.5]), { reduction: "sum" }).item(); // 0
 */
export function klDiv(input: Tensor, target: Tensor, options?: KlDivOptions): Tensor {
  checkPair(input, target, "klDiv", ["input", "target"]);
  const logTarget = checkBoolean(checkOptions(options, "klDiv").logTarget, "klDiv", "logTarget", false);
  const reduction = reductionOf(options, "klDiv");
  return apply(klDivOp, [input, target], { reduction, count: input.size, logTarget });
}

/**
 * Cosine similarity along `axis` (default the last): a·b / (max(‖a‖, ε)·max(‖b‖, ε)), as
 * `torch.nn.functional.cosine_similarity`; a and b broadcast. Composed of differentiable ops. A
 * zero vector a gets similarity 0 and PyTorch's finite gradient b/(ε‖b‖).
 *
 * @example
 * cosineSimilarity(tensor([[1, 0], [1, 1]]), tensor([[0, 1], [2, 2]])).toArray(); // [0, 1]
 */
export function cosineSimilarity(a: Tensor, b: Tensor, axis = -1, eps = 1e-8): Tensor {
  checkTensor(a, "cosineSimilarity", "a");
  checkTensor(b, "cosineSimilarity", "b");
  if (typeof eps !== "number" || !(eps > 0)) {
    throw new ChainruleError(`cosineSimilarity: eps must be a number > 0, got ${describe(eps)}`);
  }
  // ‖x‖ clamped at ε as √max(Σx², ε²): the clamp stops the gradient of a zero vector's norm
  // before the root, whose derivative there is infinite
  const norm = (x: Tensor) => sqrt(sum(mul(x, x), axis).clamp(eps * eps));
  return div(sum(mul(a, b), axis), mul(norm(a), norm(b)));
}

/** Options of `cosineEmbedding`: the reduction and the margin for dissimilar pairs (default 0). */
export interface CosineEmbeddingOptions extends LossOptions {
  margin?: number;
}

/**
 * Cosine embedding loss for pairs of rows x1, x2 ([N, D], or [D] for one pair) with labels y = ±1
 * (`torch.nn.functional.cosine_embedding_loss`): lᵢ = 1 − cos(x1ᵢ, x2ᵢ) for similar pairs
 * (y = 1), max(0, cos(x1ᵢ, x2ᵢ) − margin) for dissimilar ones (y = −1), where cos is
 * x1·x2/√((‖x1‖² + 10⁻¹²)(‖x2‖² + 10⁻¹²)) as in PyTorch. Composed of differentiable ops.
 *
 * @example
 * // an orthogonal pair: cost 1 if labelled similar, 0 if dissimilar; the mean is 0.5
 * losses.cosineEmbedding(tensor([[1, 0], [1, 0]]), tensor([[0, 1], [0, 2]]), tensor([1, -1])).item(); // 0.5
 */
export function cosineEmbedding(x1: Tensor, x2: Tensor, y: Tensor, options?: CosineEmbeddingOptions): Tensor {
  const op = "cosineEmbedding";
  checkPair(x1, x2, op, ["x1", "x2"]);
  checkTensor(y, op, "labels");
  if (x1.ndim < 1 || x1.ndim > 2 || !sameShape(y.shape, x1.shape.slice(0, -1))) {
    throw new ChainruleError(
      `${op}: inputs ${fmtShape(x1.shape)} need 1 or 2 dimensions and labels of shape ${fmtShape(x1.shape.slice(0, -1))}, got labels ${fmtShape(y.shape)}`,
    );
  }
  for (const v of readData(y)) {
    if (v !== 1 && v !== -1) throw new ChainruleError(`${op}: labels must be 1 or -1, got ${v}`);
  }
  const margin = checkOptions(options, op).margin ?? 0;
  if (typeof margin !== "number" || !Number.isFinite(margin)) {
    throw new ChainruleError(`${op}: margin must be a finite number, got ${describe(margin)}`);
  }
  const reduction = reductionOf(options, op);
  const squares = (x: Tensor) => add(sum(mul(x, x), -1), 1e-12);
  const cos = div(sum(mul(x1, x2), -1), sqrt(mul(squares(x1), squares(x2))));
  const l = where(gt(y, 0), sub(1, cos), sub(cos, margin).clamp(0));
  return reduction === "none" ? l : reduction === "sum" ? sum(l) : mean(l);
}

/** Binary cross-entropy on probabilities in [0, 1]. Prefer `bceWithLogits` for stability. */
export function bce(prob: Tensor, target: Tensor, options?: LossOptions): Tensor {
  checkPair(prob, target, "bce", ["prob", "target"]);
  for (const p of readData(prob)) {
    if (!(p >= 0 && p <= 1))
      throw new ChainruleError(
        `bce: probabilities must be in [0, 1], got ${p} (use bceWithLogits for logits)`,
      );
  }
  return apply(bceOp, [prob, target], { reduction: reductionOf(options, "bce"), count: prob.size });
}

/** Binary cross-entropy on logits (σ fused in, stable for any finite logits). */
export function bceWithLogits(logits: Tensor, target: Tensor, options?: LossOptions): Tensor {
  checkPair(logits, target, "bceWithLogits", ["logits", "target"]);
  return apply(bceWithLogitsOp, [logits, target], {
    reduction: reductionOf(options, "bceWithLogits"),
    count: logits.size,
  });
}

/** Hinge loss max(0, 1 − y·s) for labels ±1. */
export function hinge(scores: Tensor, labels: Tensor, options?: LossOptions): Tensor {
  checkPair(scores, labels, "hinge", ["scores", "labels"]);
  return apply(hingeOp, [scores, labels], { reduction: reductionOf(options, "hinge"), count: scores.size });
}

/**
 * Cross-entropy from logits [N, C] (or [C], or [N, C, d…]). Labels of the logits' shape are class
 * probabilities; otherwise they are integer class indices of shape [N] (or [N, d…]).
 *
 * @example
 * losses.crossEntropy(tensor([[0, 0, 0, 0]]), [2]).item(); // 1.3862943611198906  (ln 4)
 */
export function crossEntropy(logits: Tensor, labels: IndexLike | number, options?: LossOptions): Tensor {
  checkTensor(logits, "crossEntropy", "logits");
  const reduction = reductionOf(options, "crossEntropy");
  if (labels instanceof Tensor && sameShape(labels.shape, logits.shape) && logits.ndim >= 1) {
    const count = logits.ndim === 1 ? 1 : logits.size / (logits.shape[1] as number);
    return apply(crossEntropySoftOp, [logits, labels], { reduction, count });
  }
  const values = indexLabels(logits, labels, "crossEntropy");
  return apply(crossEntropyOp, [logits], { reduction, count: values.length, labels: values });
}

/** Negative log-likelihood of log-probabilities [N, C] with integer labels [N]. */
export function nll(logProbs: Tensor, labels: IndexLike | number, options?: LossOptions): Tensor {
  const values = indexLabels(logProbs, labels, "nll");
  return apply(nllOp, [logProbs], {
    reduction: reductionOf(options, "nll"),
    count: values.length,
    labels: values,
  });
}
