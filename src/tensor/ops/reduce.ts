/**
 * Reductions and the softmax family. Axes may be negative; `keepDims` keeps reduced axes as
 * size 1; a full reduction gives shape []. Sums accumulate in double precision for both dtypes.
 */
import { ChainruleError, describe, fmtShape } from "../../errors";
import { checkBoolean } from "../../validate";
import { normalizeAxes, normalizeAxis, reducedShape, sizeOf } from "../broadcast";
import { zip } from "../kernels/elementwise";
import { argExtreme, cumsum as cumsumKernel, logSoftmaxAxis, reduce } from "../kernels/reduce";
import type { OpDef, RawResult, Tensor } from "../tensor";
import { apply } from "./apply";
import { div, eq, exp, mul, sqrt, sub } from "./elementwise";
import { expand, flip, reshape } from "./shape";
import { alloc, around, checkTensor } from "./util";

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

function result(x: Tensor, attrs: ReduceAttrs, acc: Float64Array, scale = 1): RawResult {
  const out = alloc(x, acc.length);
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

export const sumOp: OpDef<ReduceAttrs, readonly [Tensor]> = {
  name: "sum",
  saves: "none",
  forward: ([x], attrs) => result(x, attrs, fold(x, attrs.axes, "sum")),
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

/** max/min: ḡ goes to the extreme elements, split evenly among ties. */
function extremeOp(kind: "max" | "min"): OpDef<ReduceAttrs, readonly [Tensor]> {
  return {
    name: kind,
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
      const mask = eq(t, reshape(y, reducedShape(t.shape, attrs.axes, true)));
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

/** argmax/argmin: indices in the tensor's dtype; not differentiable. */
function argOp(
  kind: "argmax" | "argmin",
): OpDef<{ axis: number | null; keepDims: boolean }, readonly [Tensor]> {
  return {
    name: kind,
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
        const out = alloc(t, 1);
        argExtreme(t._s.data, 1, t.size, 1, out, sign);
        return { shape: keepDims ? t.shape.map(() => 1) : [], data: out };
      }
      const [outer, n, inner] = around(t.shape, axis);
      const out = alloc(t, outer * inner);
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
  forward: ([x], { axis }) => {
    const out = alloc(x, x.size);
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
