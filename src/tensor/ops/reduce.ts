/**
 * Reductions and the softmax family, running sums and products, norms, all/any, and sorting
 * (sort, argsort, topk). Axes may be negative; `keepDims` keeps reduced axes as size 1; a full
 * reduction gives shape []. Sums and products accumulate in double precision for both float dtypes.
 */
import { isGradEnabled } from "../../autograd/grad-mode";
import { ChainruleError, describe, fmtShape } from "../../errors";
import { checkBoolean, checkInteger, checkOptions } from "../../validate";
import { normalizeAxes, normalizeAxis, reducedShape, sizeOf } from "../broadcast";
import { allocate, type DType, isFloat } from "../dtype";
import { zip } from "../kernels/elementwise";
import {
  argExtreme,
  argsortAxis,
  cumprodGrad,
  cumprod as cumprodKernel,
  cumsum as cumsumKernel,
  logSoftmaxAxis,
  reduce,
} from "../kernels/reduce";
import { type OpDef, type RawResult, Tensor } from "../tensor";
import { apply } from "./apply";
import { abs, div, eq, exp, logicalOr, mul, ne, pow, sign, sqrt, sub, where } from "./elementwise";
import { gatherOp, slice } from "./indexing";
import { permute } from "./linalg";
import { astype, clone, concat, expand, flip, reshape, triu, unsqueeze } from "./shape";
import { alloc, around, checkTensor, floatData } from "./util";

/** Attributes of a reduction: the sorted axes and whether to keep them. */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

function fold(x: Tensor, axes: readonly number[], kind: "sum" | "max" | "min"): Float64Array {
  const acc = new Float64Array(sizeOf(reducedShape(x.shape, axes, true)));
  if (kind !== "sum") acc.fill(kind === "max" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  reduce(x._s.data, x.shape, axes, acc, kind);
  return acc;
}

function result(x: Tensor, attrs: ReduceAttrs, acc: Float64Array, scale = 1, dtype = x.dtype): RawResult {
  const out = allocate(dtype, acc.length);
  if (scale === 1) out.set(acc);
  else for (let i = 0; i < acc.length; i++) out[i] = (acc[i] as number) * scale;
  return { shape: reducedShape(x.shape, attrs.axes, attrs.keepDims), data: out };
}

/** ḡ (reduced shape) reshaped with the reduced axes kept as 1 and broadcast back to x's shape. */
function spread(g: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return expand(reshape(g, reducedShape(x.shape, axes, true)), x.shape);
}

/** The number of elements each output of the reduction folds. */
const countOf = (x: Tensor, axes: readonly number[]) => axes.reduce((n, a) => n * (x.shape[a] as number), 1);

/** Σ over the axes; int32 and bool tensors sum to int32 (wrapping modulo 2³², as PyTorch's int sums). */
export const sumOp: OpDef<ReduceAttrs, readonly [Tensor]> = {
  name: "sum",
  saves: "none",
  dtypes: "any",
  forward: ([x], attrs) =>
    result(x, attrs, fold(x, attrs.axes, "sum"), 1, x.dtype === "bool" ? "int32" : x.dtype),
  backward: (g, { inputs: [x], attrs }) => [spread(g, x, attrs.axes)],
};

export const meanOp: OpDef<ReduceAttrs, readonly [Tensor]> = {
  name: "mean",
  saves: "none",
  forward: ([x], attrs) => {
    const t = x;
    return result(t, attrs, fold(t, attrs.axes, "sum"), 1 / countOf(t, attrs.axes));
  },
  backward: (g, { inputs: [x], attrs }) => [div(spread(g, x, attrs.axes), countOf(x, attrs.axes))],
};

/** max/min (any dtype, kept): ḡ goes to the extreme elements, split evenly among ties. */
function extremeOp(kind: "max" | "min"): OpDef<ReduceAttrs, readonly [Tensor]> {
  return {
    name: kind,
    dtypes: "any",
    forward: ([x], attrs) => {
      const t = x;
      // As PyTorch: only reducing over a dimension of size 0 is an error (max over axis 1 of a
      // [0,3] tensor is fine and gives shape [0]); the message names the shape and the axes.
      if (countOf(t, attrs.axes) === 0) {
        throw new ChainruleError(
          `${kind}: cannot reduce over an empty dimension (axes ${JSON.stringify(attrs.axes)} of shape ${fmtShape(t.shape)})`,
        );
      }
      return result(t, attrs, fold(t, attrs.axes, kind));
    },
    backward: (g, { inputs: [x], result: y, attrs }) => {
      const t = x;
      const mask = astype(eq(t, reshape(y, reducedShape(t.shape, attrs.axes, true))), t.dtype);
      const count = apply(sumOp, [mask], { axes: attrs.axes, keepDims: true });
      return [mul(spread(g, t, attrs.axes), div(mask, count))];
    },
  };
}
export const maxOp = extremeOp("max");
export const minOp = extremeOp("min");

/**
 * ln Σ exp(x) over the axes, as m + ln Σ exp(x − m) with m the maximum (so nothing overflows).
 * ∂ = ḡ ⊙ exp(x − y) = ḡ ⊙ softmax(x).
 */
export const logSumExpOp: OpDef<ReduceAttrs, readonly [Tensor]> = {
  name: "logSumExp",
  forward: ([x], attrs) => {
    const t = x;
    const keptShape = reducedShape(t.shape, attrs.axes, true);
    const m = fold(t, attrs.axes, "max");
    for (let i = 0; i < m.length; i++) if (!Number.isFinite(m[i] as number)) m[i] = 0;
    const shifted = new Float64Array(t.size);
    zip(t._s.data, t.shape, m, keptShape, shifted, t.shape, (v, mi) => Math.exp(v - mi));
    const s = new Float64Array(m.length);
    reduce(shifted, t.shape, attrs.axes, s, "sum");
    for (let i = 0; i < s.length; i++) s[i] = (m[i] as number) + Math.log(s[i] as number);
    return result(t, attrs, s);
  },
  backward: (g, { inputs: [x], result: y, attrs }) => {
    const t = x;
    const softmax = exp(sub(t, reshape(y, reducedShape(t.shape, attrs.axes, true))));
    return [mul(spread(g, t, attrs.axes), softmax)];
  },
};

/** Attributes of softmax/logSoftmax: the one axis. */
export interface AxisAttrs {
  readonly axis: number;
}

function softmaxForward(x: Tensor, axis: number, softmax: boolean): RawResult {
  const [outer, n, inner] = x.ndim === 0 ? [1, 1, 1] : around(x.shape, axis);
  const out = alloc(x, x.size);
  logSoftmaxAxis(x._s.data, outer, n, inner, out, softmax);
  return { shape: x.shape, data: out };
}

/** softmax along one axis. ∂ = y ⊙ (ḡ − Σ ḡ ⊙ y). */
export const softmaxOp: OpDef<AxisAttrs, readonly [Tensor]> = {
  name: "softmax",
  saves: "result",
  forward: ([x], { axis }) => softmaxForward(x, axis, true),
  backward: (g, { result: y, attrs: { axis } }) => [mul(y, sub(g, sum(mul(g, y), axis, true)))],
};

/** log-softmax along one axis. ∂ = ḡ − exp(y) ⊙ Σ ḡ. */
export const logSoftmaxOp: OpDef<AxisAttrs, readonly [Tensor]> = {
  name: "logSoftmax",
  saves: "result",
  forward: ([x], { axis }) => softmaxForward(x, axis, false),
  backward: (g, { result: y, attrs: { axis } }) => [sub(g, mul(exp(y), sum(g, axis, true)))],
};

/** argmax/argmin: int32 indices; not differentiable. */
function argOp(
  kind: "argmax" | "argmin",
): OpDef<{ axis: number | null; keepDims: boolean }, readonly [Tensor]> {
  return {
    name: kind,
    dtypes: "any",
    forward: ([x], { axis, keepDims }) => {
      const t = x;
      // only an empty reduced extent is an error (as for max/min)
      if (axis === null ? t.size === 0 : t.shape[axis] === 0) {
        const axes = axis === null ? "all axes" : `axis ${axis}`;
        throw new ChainruleError(
          `${kind}: cannot reduce over an empty dimension (${axes} of shape ${fmtShape(t.shape)})`,
        );
      }
      const sign = kind === "argmax" ? 1 : -1;
      if (axis === null) {
        const out = new Int32Array(1);
        argExtreme(t._s.data, 1, t.size, 1, out, sign);
        return { shape: keepDims ? t.shape.map(() => 1) : [], data: out };
      }
      const [outer, n, inner] = around(t.shape, axis);
      const out = new Int32Array(outer * inner);
      argExtreme(t._s.data, outer, n, inner, out, sign);
      return { shape: reducedShape(t.shape, [axis], keepDims), data: out };
    },
  };
}
export const argmaxOp = argOp("argmax");
export const argminOp = argOp("argmin");

// ---- public functions ----

function reduction(
  def: OpDef<ReduceAttrs, readonly [Tensor]>,
  x: Tensor,
  axis: number | readonly number[] | undefined,
  keepDims: boolean,
): Tensor {
  checkTensor(x, def.name);
  if (typeof keepDims !== "boolean")
    throw new ChainruleError(`${def.name}: keepDims must be a boolean, got ${describe(keepDims)}`);
  return apply(def, [x], { axes: normalizeAxes(axis, x.shape, def.name), keepDims });
}

export const sum = (x: Tensor, axis?: number | readonly number[], keepDims = false) =>
  reduction(sumOp, x, axis, keepDims);
export const mean = (x: Tensor, axis?: number | readonly number[], keepDims = false) =>
  reduction(meanOp, x, axis, keepDims);
export const max = (x: Tensor, axis?: number | readonly number[], keepDims = false) =>
  reduction(maxOp, x, axis, keepDims);
export const min = (x: Tensor, axis?: number | readonly number[], keepDims = false) =>
  reduction(minOp, x, axis, keepDims);
export const logSumExp = (x: Tensor, axis?: number | readonly number[], keepDims = false) =>
  reduction(logSumExpOp, x, axis, keepDims);

/**
 * Running sums along `axis` (`torch.cumsum`). ∂ = the running sums of ḡ taken from the other
 * end: flip(cumsum(flip(ḡ))).
 */
export const cumsumOp: OpDef<AxisAttrs, readonly [Tensor]> = {
  name: "cumsum",
  saves: "none",
  dtypes: "any",
  forward: ([x], { axis }) => {
    const out = allocate(x.dtype === "bool" ? "int32" : x.dtype, x.size);
    const [outer, len, inner] = x.ndim === 0 ? [1, 1, 1] : around(x.shape, axis);
    cumsumKernel(x._s.data, outer, len, inner, out);
    return { shape: x.shape, data: out };
  },
  backward: (g, { attrs: { axis } }) => {
    if (g.ndim === 0) return [g];
    return [flip(apply(cumsumOp, [flip(g, [axis])], { axis }), [axis])];
  },
};

function oneAxis(def: OpDef<AxisAttrs, readonly [Tensor]>, x: Tensor, axis: number): Tensor {
  checkTensor(x, def.name);
  // a 0-d tensor takes axis 0 or -1 (as in PyTorch), like the reductions
  if (x.ndim === 0) {
    normalizeAxes(axis, x.shape, def.name);
    return apply(def, [x], { axis: 0 });
  }
  return apply(def, [x], { axis: normalizeAxis(axis, x.ndim, def.name, x.shape) });
}

export const softmax = (x: Tensor, axis = -1): Tensor => oneAxis(softmaxOp, x, axis);
export const logSoftmax = (x: Tensor, axis = -1): Tensor => oneAxis(logSoftmaxOp, x, axis);

/** Running sums along `axis` (a 0-d tensor takes axis 0 or −1 and is unchanged). */
export const cumsum = (x: Tensor, axis: number): Tensor => oneAxis(cumsumOp, x, axis);

/** Options of `variance` and `std`: Bessel's correction (default 1) and whether to keep the reduced axes. */
export interface VarianceOptions {
  /** Divide by n − correction: 1 (default) for the sample variance, 0 for the population's. */
  readonly correction?: number;
  readonly keepDims?: boolean;
}

/**
 * Variance over `axis` (all axes by default): Σ(x − mean)²/(n − correction) (`torch.var`).
 * Composed of differentiable ops, so ∂ = 2(x − mean)·ḡ/(n − correction) comes from theirs.
 */
export function variance(
  x: Tensor,
  axis?: number | readonly number[],
  options: VarianceOptions = {},
): Tensor {
  checkTensor(x, "var");
  const correction = options.correction ?? 1;
  if (typeof correction !== "number" || !Number.isFinite(correction) || correction < 0) {
    throw new ChainruleError(`var: correction must be a finite number ≥ 0, got ${describe(correction)}`);
  }
  const keepDims = checkBoolean(options.keepDims, "var", "keepDims", false);
  const axes = normalizeAxes(axis, x.shape, "var");
  const d = sub(x, mean(x, axes, true));
  return div(sum(mul(d, d), axes, keepDims), countOf(x, axes) - correction);
}

/** Standard deviation over `axis`: √variance (`torch.std`, same options). */
export function std(x: Tensor, axis?: number | readonly number[], options: VarianceOptions = {}): Tensor {
  return sqrt(variance(x, axis, options));
}

function arg(def: typeof argmaxOp, x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  checkTensor(x, def.name);
  checkBoolean(keepDims, def.name, "keepDims");
  if (axis === undefined || axis === null || x.ndim === 0) {
    if (x.ndim === 0 && axis !== undefined && axis !== null) normalizeAxes(axis, x.shape, def.name);
    return apply(def, [x], { axis: null, keepDims });
  }
  return apply(def, [x], { axis: normalizeAxis(axis, x.ndim, def.name, x.shape), keepDims });
}

export const argmax = (x: Tensor, axis?: number, keepDims = false): Tensor =>
  arg(argmaxOp, x, axis, keepDims);
export const argmin = (x: Tensor, axis?: number, keepDims = false): Tensor =>
  arg(argminOp, x, axis, keepDims);

// ---- products, norms, all/any, sorting (SPEC §8) ----

/** Whether some element of `x` is exactly 0 (where x/x-style gradient formulas break down). */
function hasZero(x: Tensor): boolean {
  const d = x._s.data;
  for (let i = 0; i < d.length; i++) if (d[i] === 0) return true;
  return false;
}

/** A constant tensor of ones (a leaf that never requires grad). */
function onesOf(dtype: DType, shape: readonly number[]): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)).fill(1), shape);
}

/** Running products along `axis` taken from the other end: flip(cumprod(flip(x))). */
const reverseCumprod = (x: Tensor, axis: number): Tensor =>
  flip(apply(cumprodOp, [flip(x, [axis])], { axis }), [axis]);

/**
 * For each element, the product of the OTHER elements of its reduced block (∂prod/∂x without
 * dividing by x, so exact with zeros), as PyTorch's prod_safe_zeros_backward: the block is moved
 * to a last axis of length n, and the exclusive running products from the front and from the
 * back are multiplied. Composed of differentiable ops (cumprod, slice, concat, permute).
 */
function othersProduct(x: Tensor, axes: readonly number[]): Tensor {
  const keptAxes = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keptAxes, ...axes];
  const moved = perm.every((p, i) => p === i) ? x : permute(x, perm);
  const n = countOf(x, axes);
  const lineShape = [...keptAxes.map((a) => x.shape[a] as number), n];
  const last = lineShape.length - 1;
  const line = reshape(moved, lineShape);
  const ones = onesOf(x.dtype, [...lineShape.slice(0, last), 1]);
  const before = concat([ones, slice(apply(cumprodOp, [line], { axis: last }), last, 0, n - 1)], last);
  const after = concat([slice(reverseCumprod(line, last), last, 1, n), ones], last);
  const others = reshape(mul(before, after), moved.shape);
  if (moved === x) return others;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return permute(others, inverse);
}

/**
 * Π over the axes (`torch.prod`); int32 and bool tensors multiply to int32 (wrapping modulo 2³²).
 * ∂ = ḡ ⊙ y/x without zeros; with zeros, ḡ ⊙ (product of the other elements of the block), as
 * PyTorch's prod_backward, so one zero gets the product of the rest and two or more give 0.
 */
export const prodOp: OpDef<ReduceAttrs, readonly [Tensor]> = {
  name: "prod",
  dtypes: "any",
  forward: ([x], attrs) => {
    const acc = new Float64Array(sizeOf(reducedShape(x.shape, attrs.axes, true))).fill(1);
    const int = !isFloat(x.dtype);
    reduce(x._s.data, x.shape, attrs.axes, acc, int ? "prodInt" : "prod");
    return result(x, attrs, acc, 1, int ? "int32" : x.dtype);
  },
  backward: (g, { inputs: [x], result: y, attrs: { axes } }) => {
    const gs = spread(g, x, axes);
    if (countOf(x, axes) <= 1) return [gs];
    if (!hasZero(x)) return [mul(gs, div(reshape(y, reducedShape(x.shape, axes, true)), x))];
    return [mul(gs, othersProduct(x, axes))];
  },
};

/**
 * ∂cumprod with zeros in x, composed of differentiable ops for a second derivative (O(n²), as
 * PyTorch's): with the axis moved last, row k of X = x with x_k replaced by 1, so
 * triu(cumprod(X))[k, j] = Π_{i ≤ j, i ≠ k} x_i for j ≥ k, and ∂L/∂x_k = Σ_j that ⊙ ḡ_j.
 */
function cumprodGradWithZeros(x: Tensor, g: Tensor, axis: number): Tensor {
  const perm = x.shape.map((_, i) => i).filter((i) => i !== axis);
  perm.push(axis);
  const last = x.ndim - 1;
  const moved = axis === last ? x : permute(x, perm);
  const gm = axis === last ? g : permute(g, perm);
  const n = x.shape[axis] as number;
  const eye = new Tensor(new Uint8Array(n * n), [n, n]);
  for (let k = 0; k < n; k++) eye._s.data[k * n + k] = 1;
  const rows = where(eye, 1, unsqueeze(moved, -2));
  const products = triu(apply(cumprodOp, [rows], { axis: last + 1 }));
  const grad = sum(mul(products, unsqueeze(gm, -2)), -1);
  return axis === last
    ? grad
    : permute(
        grad,
        perm.map((_, i) => perm.indexOf(i)),
      );
}

/**
 * Running products along `axis` (`torch.cumprod`; int32 and bool give int32, wrapping).
 * ∂L/∂x_k = Σ_{j ≥ k} ḡ_j Π_{i ≤ j, i ≠ k} x_i: without zeros, the running sums of ḡ ⊙ y from
 * the other end divided by x; with zeros, a division-free form (PyTorch's cumprod_backward).
 */
export const cumprodOp: OpDef<AxisAttrs, readonly [Tensor]> = {
  name: "cumprod",
  dtypes: "any",
  forward: ([x], { axis }) => {
    const int = !isFloat(x.dtype);
    const out = allocate(int ? "int32" : x.dtype, x.size);
    const [outer, len, inner] = x.ndim === 0 ? [1, 1, 1] : around(x.shape, axis);
    cumprodKernel(x._s.data, outer, len, inner, out, int);
    return { shape: x.shape, data: out };
  },
  backward: (g, { inputs: [x], result: y, attrs: { axis } }) => {
    if (x.ndim === 0 || (x.shape[axis] as number) <= 1) return [g];
    if (!hasZero(x)) {
      const w = flip(mul(y, g), [axis]);
      return [div(flip(apply(cumsumOp, [w], { axis }), [axis]), x)];
    }
    if (isGradEnabled()) return [cumprodGradWithZeros(x, g, axis)];
    // not recorded (no second derivative wanted): the exact O(n) recurrence of the kernel
    const out = allocate(x.dtype, x.size);
    const [outer, len, inner] = around(x.shape, axis);
    cumprodGrad(x._s.data, g._s.data, outer, len, inner, out);
    return [new Tensor(out, x.shape)];
  },
};

/** Running products along `axis` (a 0-d tensor takes axis 0 or −1 and is unchanged). */
export const cumprod = (x: Tensor, axis: number): Tensor => oneAxis(cumprodOp, x, axis);

/** Π over `axis` (all axes by default), `keepDims` as for `sum`. */
export const prod = (x: Tensor, axis?: number | readonly number[], keepDims = false) =>
  reduction(prodOp, x, axis, keepDims);

/** Attributes of `norm`: the reduction's, and the order p. */
export interface NormAttrs extends ReduceAttrs {
  readonly p: number;
}

/**
 * The vector p-norm over the axes (`torch.linalg.vector_norm`): (Σ|x|ᵖ)^(1/p); p = ∞ / −∞ the
 * largest / smallest |x|; p = 0 the number of nonzero elements (zero gradient). ∂ as PyTorch's
 * norm_backward: p = 2: ḡ·x/‖x‖ (0 where ‖x‖ = 0), p = 1: ḡ·sign(x), p = ±∞: ḡ·sign(x) split
 * among the elements of extreme |x|, other p: ḡ·sign(x)·|x|ᵖ⁻¹/‖x‖ᵖ⁻¹ (0 at x = 0 or ‖x‖ = 0).
 */
export const normOp: OpDef<NormAttrs, readonly [Tensor]> = {
  name: "norm",
  forward: ([x], attrs) => {
    const { axes, p } = attrs;
    const data = floatData(x);
    const mapped = new Float64Array(data.length);
    const f =
      p === 2
        ? (v: number) => v * v
        : p === 0
          ? (v: number) => (v !== 0 ? 1 : 0)
          : p === 1 || !Number.isFinite(p)
            ? Math.abs
            : (v: number) => Math.abs(v) ** p;
    for (let i = 0; i < data.length; i++) mapped[i] = f(data[i] as number);
    const kind = p === Number.POSITIVE_INFINITY ? "max" : p === Number.NEGATIVE_INFINITY ? "min" : "sum";
    const acc = new Float64Array(sizeOf(reducedShape(x.shape, axes, true)));
    if (kind !== "sum") acc.fill(kind === "max" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
    reduce(mapped, x.shape, axes, acc, kind);
    if (p === 2) for (let i = 0; i < acc.length; i++) acc[i] = Math.sqrt(acc[i] as number);
    else if (p !== 0 && p !== 1 && Number.isFinite(p))
      for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) ** (1 / p);
    return result(x, attrs, acc);
  },
  backward: (g, { inputs: [x], result: y, attrs: { axes, p } }) => {
    // piecewise constant: exactly 0, even for an infinite ḡ (PyTorch leaves no gradient at all)
    if (p === 0) return [new Tensor(allocate(x.dtype, x.size), x.shape)];
    const kept = reducedShape(x.shape, axes, true);
    const gs = reshape(g, kept);
    const ys = reshape(y, kept);
    if (p === 1) return [mul(sign(x), gs)];
    if (!Number.isFinite(p)) {
      const ax = abs(x);
      const mask = astype(logicalOr(eq(ax, ys), ne(ax, ax)), x.dtype);
      const count = apply(sumOp, [mask], { axes, keepDims: true });
      return [mul(sign(x), mul(div(gs, count), mask))];
    }
    // ḡ/‖x‖ᵖ⁻¹, 0 where ‖x‖ = 0 (the divisor replaced by 1 there, so no ∞ reaches a second derivative)
    const zero = eq(ys, 0);
    const scale = (power: Tensor) => where(zero, 0, div(gs, where(zero, 1, power)));
    // ḡ ⊙ (x/‖x‖), in PyTorch's order of operations
    if (p === 2) return [mul(where(zero, 0, gs), div(x, where(zero, 1, ys)))];
    if (p < 1) {
      // |x|ᵖ⁻¹ is ∞ at x = 0 when p < 1: 0 there (PyTorch's masked_fill), the base replaced by 1
      const isZero = eq(x, 0);
      const scaled = mul(sign(x), where(isZero, 0, pow(where(isZero, 1, abs(x)), p - 1)));
      return [mul(mul(scaled, gs), pow(ys, 1 - p))];
    }
    const scaled = p < 2 ? mul(sign(x), pow(abs(x), p - 1)) : mul(x, pow(abs(x), p - 2));
    return [mul(scaled, scale(pow(ys, p - 1)))];
  },
};

/** The vector p-norm over `axis` (all axes by default); see `normOp`. */
export function norm(x: Tensor, p = 2, axis?: number | readonly number[], keepDims = false): Tensor {
  checkTensor(x, "norm");
  if (typeof p !== "number" || Number.isNaN(p)) {
    throw new ChainruleError(`norm: p must be a number (±Infinity allowed), got ${describe(p)}`);
  }
  const keep = checkBoolean(keepDims, "norm", "keepDims");
  const axes = normalizeAxes(axis, x.shape, "norm");
  if ((p < 0 || p === Number.POSITIVE_INFINITY) && countOf(x, axes) === 0) {
    throw new ChainruleError(
      `norm: cannot compute the ${p} norm over an empty dimension (axes ${JSON.stringify(axes)} of shape ${fmtShape(x.shape)}): it has no identity`,
    );
  }
  return apply(normOp, [x], { axes, keepDims: keep, p });
}

/** all/any: whether every / some element is nonzero (NaN counts as nonzero), any dtype → bool. */
function logicalFold(kind: "all" | "any"): OpDef<ReduceAttrs, readonly [Tensor]> {
  return {
    name: kind,
    dtypes: "any",
    forward: ([x], attrs) => {
      const acc = new Float64Array(sizeOf(reducedShape(x.shape, attrs.axes, true))).fill(
        kind === "all" ? 1 : 0,
      );
      reduce(x._s.data, x.shape, attrs.axes, acc, kind);
      return result(x, attrs, acc, 1, "bool");
    },
  };
}
export const allOp = logicalFold("all");
export const anyOp = logicalFold("any");

/** Whether every element over `axis` is nonzero (true over an empty axis); a bool tensor. */
export const all = (x: Tensor, axis?: number | readonly number[], keepDims = false) =>
  reduction(allOp, x, axis, keepDims);
/** Whether some element over `axis` is nonzero (false over an empty axis); a bool tensor. */
export const any = (x: Tensor, axis?: number | readonly number[], keepDims = false) =>
  reduction(anyOp, x, axis, keepDims);

/** Attributes of argsort: the axis (0 for a 0-d tensor) and the order. */
export interface ArgsortAttrs {
  readonly axis: number;
  readonly descending: boolean;
}

/** The int32 indices that sort x along the axis, stably (NaN last ascending, first descending). */
export const argsortOp: OpDef<ArgsortAttrs, readonly [Tensor]> = {
  name: "argsort",
  dtypes: "any",
  forward: ([x], { axis, descending }) => {
    const out = new Int32Array(x.size);
    const [outer, n, inner] = x.ndim === 0 ? [1, 1, 1] : around(x.shape, axis);
    argsortAxis(x._s.data, outer, n, inner, out, descending);
    return { shape: x.shape, data: out };
  },
};

/** Attributes of topk: the axis, how many, which end and whether the k come sorted. */
export interface TopkAttrs {
  readonly axis: number;
  readonly k: number;
  readonly largest: boolean;
  readonly sorted: boolean;
}

/** The int32 indices of the k largest (or smallest) elements along the axis. */
export const topkOp: OpDef<TopkAttrs, readonly [Tensor]> = {
  name: "topk",
  dtypes: "any",
  forward: ([x], { axis, k, largest, sorted }) => {
    // a 0-d tensor gives itself, index 0, for k = 0 as for k = 1 (as torch.topk does)
    if (x.ndim === 0) return { shape: [], data: new Int32Array(1) };
    const [outer, n, inner] = around(x.shape, axis);
    const out = new Int32Array(outer * k * inner);
    argsortAxis(x._s.data, outer, n, inner, out, largest, k, !sorted);
    return { shape: x.shape.map((d, i) => (i === axis ? k : d)), data: out };
  },
};

/** Options of `sort` and `argsort`. */
export interface SortOptions {
  /** Largest first (default false). Equal elements keep their order either way. */
  readonly descending?: boolean;
}

/** Options of `topk`. */
export interface TopkOptions {
  /** The k largest (default) or, with false, the k smallest. */
  readonly largest?: boolean;
  /** In sorted order (default), or with false in their order along the axis. */
  readonly sorted?: boolean;
}

/** What `sort` and `topk` return: the values (differentiable) and their int32 indices. */
export interface SortResult {
  readonly values: Tensor;
  readonly indices: Tensor;
}

/** The axis of a sort-like op: a 0-d tensor takes 0 or −1. */
function sortAxis(x: Tensor, axis: number, op: string): number {
  checkTensor(x, op);
  if (x.ndim === 0) {
    normalizeAxes(axis, x.shape, op);
    return 0;
  }
  return normalizeAxis(axis, x.ndim, op, x.shape);
}

/** x's entries at `indices` along `axis`: one gather node, so ∂ = ḡ scattered back to them. */
function take(x: Tensor, axis: number, indices: Tensor): Tensor {
  if (x.ndim === 0) return clone(x);
  const index = { values: Int32Array.from(indices._s.data), shape: indices.shape };
  return apply(gatherOp, [x], { axis, index, full: x.shape });
}

/** The int32 indices that sort `x` along `axis` (`torch.argsort(stable=True)`). */
export function argsort(x: Tensor, axis = -1, options?: SortOptions): Tensor {
  const a = sortAxis(x, axis, "argsort");
  const descending = checkBoolean(
    checkOptions(options, "argsort").descending,
    "argsort",
    "descending",
    false,
  );
  return apply(argsortOp, [x], { axis: a, descending });
}

/** `x` sorted along `axis`, stably, and the indices (`torch.sort(stable=True)`). */
export function sort(x: Tensor, axis = -1, options?: SortOptions): SortResult {
  const a = sortAxis(x, axis, "sort");
  const descending = checkBoolean(checkOptions(options, "sort").descending, "sort", "descending", false);
  const indices = apply(argsortOp, [x], { axis: a, descending });
  return { values: take(x, a, indices), indices };
}

/** The `k` largest (or smallest) entries along `axis` and their indices (`torch.topk`). */
export function topk(x: Tensor, k: number, axis = -1, options?: TopkOptions): SortResult {
  const a = sortAxis(x, axis, "topk");
  checkInteger(k, "topk", "k");
  const n = x.ndim === 0 ? 1 : (x.shape[a] as number);
  if (k < 0 || k > n) {
    throw new ChainruleError(
      `topk: k = ${k} is out of range for axis ${a} of ${fmtShape(x.shape)} (size ${n}); it must be in [0, ${n}]`,
    );
  }
  const o = checkOptions(options, "topk");
  const largest = checkBoolean(o.largest, "topk", "largest", true);
  const sorted = checkBoolean(o.sorted, "topk", "sorted", true);
  const indices = apply(topkOp, [x], { axis: a, k, largest, sorted });
  return { values: take(x, a, indices), indices };
}
