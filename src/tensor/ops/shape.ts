/**
 * Shape and indexing ops. Reshape-like ops (reshape, flatten, squeeze, unsqueeze) share the
 * input's memory; everything else copies. Each op's backward is the adjoint data movement:
 * reshape ↔ reshape, expand ↔ sumTo, slice ↔ sliceBackward (zero padding), gather ↔ scatterAdd,
 * indexSelect ↔ indexAdd, concat ↔ slices.
 */
import { ChainruleError, describe, fmtShape } from "../../errors";
import { broadcastsTo, checkDims, checkResultShape, normalizeAxis, sameShape, sizeOf } from "../broadcast";
import { allocate, type DType } from "../dtype";
import { broadcastTo } from "../kernels/elementwise";
import { copyBlock, gather as gatherKernel, indexSelect as indexSelectKernel } from "../kernels/layout";
import { reduce } from "../kernels/reduce";
import type { IndexLike, OpDef, RawResult, Tensor } from "../tensor";
import { apply } from "./apply";
import { alloc, around, checkSameDType, checkTensor, type IndexArg, toIndex } from "./util";

/** Attributes of the reshape family: the target shape. */
export interface ShapeAttrs {
  readonly shape: readonly number[];
}

/** A reshape-like op: same memory, new shape. ∂ = ḡ reshaped back. */
function viewOp(name: string): OpDef<ShapeAttrs, readonly [Tensor]> {
  return {
    name,
    saves: "none",
    forward: ([x], { shape }) => ({ shape, data: x._s.data, storage: x._s }),
    backward: (g, { inputs: [x] }) => [reshape(g, x.shape)],
  };
}

export const reshapeOp = viewOp("reshape");
export const flattenOp = viewOp("flatten");
export const squeezeOp = viewOp("squeeze");
export const unsqueezeOp = viewOp("unsqueeze");

/** Broadcasts to a bigger shape (a copy). ∂ = sumTo(ḡ, x.shape). */
export const expandOp: OpDef<ShapeAttrs, readonly [Tensor]> = {
  name: "expand",
  saves: "none",
  forward: ([x], { shape }) => {
    const t = x;
    const out = alloc(t, sizeOf(shape));
    broadcastTo(t._s.data, t.shape, out, shape);
    return { shape, data: out };
  },
  backward: (g, { inputs: [x] }) => [sumTo(g, x.shape)],
};

/**
 * Sums a tensor down to a shape it broadcasts from: over leading dimensions and over
 * dimensions where the target has 1. The engine's one broadcasting rule. ∂ = expand(ḡ).
 */
export const sumToOp: OpDef<ShapeAttrs, readonly [Tensor]> = {
  name: "sumTo",
  saves: "none",
  forward: ([x], { shape }) => {
    const t = x;
    const lead = t.ndim - shape.length;
    const axes: number[] = [];
    for (let i = 0; i < t.ndim; i++)
      if (i < lead || (shape[i - lead] === 1 && t.shape[i] !== 1)) axes.push(i);
    const acc = new Float64Array(sizeOf(shape));
    reduce(t._s.data, t.shape, axes, acc, "sum");
    const out = alloc(t, acc.length);
    out.set(acc);
    return { shape, data: out };
  },
  backward: (g, { inputs: [x] }) => [expand(g, x.shape)],
};

/** Attributes of slice and its adjoint: the axis, the start and the length of the block. */
export interface SliceAttrs {
  readonly axis: number;
  readonly start: number;
  readonly length: number;
  /** The full shape (for sliceBackward, which pads back to it). */
  readonly full: readonly number[];
}

/** Elements [start, start + length) along one axis. ∂ = ḡ padded with zeros back to x's shape. */
export const sliceOp: OpDef<SliceAttrs, readonly [Tensor]> = {
  name: "slice",
  saves: "none",
  forward: ([x], { axis, start, length }) => {
    const t = x;
    const [outer, n, inner] = around(t.shape, axis);
    const shape = t.shape.map((d, i) => (i === axis ? length : d));
    const out = alloc(t, outer * length * inner);
    copyBlock(t._s.data, outer, n, inner, start, length, out);
    return { shape, data: out };
  },
  backward: (g, { attrs }) => [apply(sliceBackwardOp, [g], attrs)],
};

/** The adjoint of slice: zeros of the full shape with ḡ written into the block. ∂ = slice(ḡ). */
export const sliceBackwardOp: OpDef<SliceAttrs, readonly [Tensor]> = {
  name: "sliceBackward",
  saves: "none",
  forward: ([g], { axis, start, length, full }) => {
    const t = g;
    const [outer, n, inner] = around(full, axis);
    const out = alloc(t, sizeOf(full));
    copyBlock(out, outer, n, inner, start, length, t._s.data, true);
    return { shape: full, data: out };
  },
  backward: (g, { attrs }) => [apply(sliceOp, [g], attrs)],
};

/** Attributes of gather/scatterAdd: the axis, the index, and the full (input) shape. */
export interface GatherAttrs {
  readonly axis: number;
  readonly index: IndexArg;
  readonly full: readonly number[];
}

/** torch.gather: out[…i…] = x[… index[…i…] …] along `axis`. ∂ = scatterAdd(ḡ). */
export const gatherOp: OpDef<GatherAttrs, readonly [Tensor]> = {
  name: "gather",
  saves: "none",
  forward: ([x], { axis, index }) => {
    const t = x;
    const out = alloc(t, index.values.length);
    gatherKernel(t._s.data, t.shape, axis, index.values, index.shape, out);
    return { shape: index.shape, data: out };
  },
  backward: (g, { attrs }) => [apply(scatterAddOp, [g], attrs)],
};

/** The adjoint of gather: zeros of the full shape, ḡ added at the gathered positions. ∂ = gather(ḡ). */
export const scatterAddOp: OpDef<GatherAttrs, readonly [Tensor]> = {
  name: "scatterAdd",
  saves: "none",
  forward: ([g], { axis, index, full }) => {
    const t = g;
    const out = alloc(t, sizeOf(full));
    gatherKernel(out, full, axis, index.values, index.shape, t._s.data, true);
    return { shape: full, data: out };
  },
  backward: (g, { attrs }) => [apply(gatherOp, [g], attrs)],
};

/** Attributes of indexSelect/indexAdd. */
export interface SelectAttrs {
  readonly axis: number;
  readonly indices: Int32Array;
  readonly full: readonly number[];
}

/** torch.index_select along `axis`. ∂ = indexAdd(ḡ). */
export const indexSelectOp: OpDef<SelectAttrs, readonly [Tensor]> = {
  name: "indexSelect",
  saves: "none",
  forward: ([x], { axis, indices }) => {
    const t = x;
    const [outer, n, inner] = around(t.shape, axis);
    const shape = t.shape.map((d, i) => (i === axis ? indices.length : d));
    const out = alloc(t, checkResultShape(shape, "indexSelect"));
    indexSelectKernel(t._s.data, outer, n, inner, indices, out);
    return { shape, data: out };
  },
  backward: (g, { attrs }) => [apply(indexAddOp, [g], attrs)],
};

/** The adjoint of indexSelect: zeros of the full shape, ḡ added at the selected rows. */
export const indexAddOp: OpDef<SelectAttrs, readonly [Tensor]> = {
  name: "indexAdd",
  saves: "none",
  forward: ([g], { axis, indices, full }) => {
    const t = g;
    const [outer, n, inner] = around(full, axis);
    const out = alloc(t, sizeOf(full));
    indexSelectKernel(out, outer, n, inner, indices, t._s.data, true);
    return { shape: full, data: out };
  },
  backward: (g, { attrs }) => [apply(indexSelectOp, [g], attrs)],
};

/** Joins tensors along an existing axis. ∂ᵢ = the matching slice of ḡ. */
export const concatOp: OpDef<{ axis: number }> = {
  name: "concat",
  saves: "none",
  forward: (ts, { axis }) => concatForward(ts, axis, false),
  backward: (g, { inputs, attrs: { axis } }) => {
    let start = 0;
    return inputs.map((t) => {
      const len = t.shape[axis] as number;
      start += len;
      return slice(g, axis, start - len, start);
    });
  },
};

/** Joins same-shape tensors along a new axis. ∂ᵢ = ḡ at index i of that axis. */
export const stackOp: OpDef<{ axis: number }> = {
  name: "stack",
  saves: "none",
  forward: (ts, { axis }) => concatForward(ts, axis, true),
  backward: (g, { inputs, attrs: { axis } }) => inputs.map((_, i) => squeeze(slice(g, axis, i, i + 1), axis)),
};

function concatForward(ts: readonly Tensor[], axis: number, stacked: boolean): RawResult {
  const first = ts[0] as Tensor;
  const pieces = stacked
    ? ts.map((t) => [...t.shape.slice(0, axis), 1, ...t.shape.slice(axis)])
    : ts.map((t) => t.shape);
  const total = pieces.reduce((n, s) => n + (s[axis] as number), 0);
  const shape = (pieces[0] as readonly number[]).map((d, i) => (i === axis ? total : d));
  const out = alloc(first, checkResultShape(shape, stacked ? "stack" : "concat"));
  const [outer, , inner] = around(shape, axis);
  let start = 0;
  ts.forEach((t, i) => {
    const len = (pieces[i] as readonly number[])[axis] as number;
    copyBlock(out, outer, total, inner, start, len, t._s.data, true);
    start += len;
  });
  return { shape, data: out };
}

/** A copy with its own memory. ∂ = ḡ. */
export const cloneOp: OpDef<undefined, readonly [Tensor]> = {
  name: "clone",
  saves: "none",
  forward: ([x]) => {
    const t = x;
    const out = alloc(t, t.size);
    out.set(t._s.data);
    return { shape: t.shape, data: out };
  },
  backward: (g) => [g],
};

/** A copy converted to another dtype. ∂ = ḡ converted back. */
export const astypeOp: OpDef<{ dtype: DType }, readonly [Tensor]> = {
  name: "astype",
  saves: "none",
  forward: ([x], { dtype }) => {
    const t = x;
    const out = allocate(dtype, t.size);
    out.set(t._s.data);
    return { shape: t.shape, data: out };
  },
  backward: (g, { inputs: [x] }) => [astype(g, x.dtype)],
};

// ---- public functions ----

/** Reshape with one optional −1 (inferred). Shares memory. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "reshape");
  return apply(reshapeOp, [x], { shape: resolveShape(x, shape, "reshape") });
}

function resolveShape(x: Tensor, shape: readonly number[], op: string): number[] {
  if (!Array.isArray(shape)) throw new ChainruleError(`${op}: shape must be numbers, got ${describe(shape)}`);
  checkDims(shape.length, op);
  let infer = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new ChainruleError(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ChainruleError(`${op}: invalid dimension ${d} in ${fmtShape(shape)}`);
    } else known *= d;
  });
  const out = Array.from(shape);
  if (infer >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new ChainruleError(
        `${op}: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`,
      );
    }
    out[infer] = x.size / known;
  } else if (known !== x.size) {
    throw new ChainruleError(
      `${op}: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`,
    );
  }
  return out;
}

export function flatten(x: Tensor): Tensor {
  checkTensor(x, "flatten");
  return apply(flattenOp, [x], { shape: [x.size] });
}

/** Removes size-1 dimensions (all of them, or `axis` if it has size 1, as PyTorch). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  checkTensor(x, "squeeze");
  let shape: number[];
  if (axis === undefined || axis === null) shape = x.shape.filter((d) => d !== 1);
  else if (x.ndim === 0) {
    normalizeAxis(axis, 1, "squeeze", x.shape);
    shape = [];
  } else {
    const a = normalizeAxis(axis, x.ndim, "squeeze", x.shape);
    shape = x.shape[a] === 1 ? x.shape.filter((_, i) => i !== a) : Array.from(x.shape);
  }
  return apply(squeezeOp, [x], { shape });
}

/** Inserts a size-1 dimension at `axis` (−1 appends). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  checkTensor(x, "unsqueeze");
  const a = normalizeAxis(axis, x.ndim + 1, "unsqueeze", x.shape);
  const shape = [...x.shape.slice(0, a), 1, ...x.shape.slice(a)];
  checkDims(shape.length, "unsqueeze", "the result");
  return apply(unsqueezeOp, [x], { shape });
}

/** Broadcasts to `shape`; −1 keeps the existing size; new dimensions are added in front. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "expand");
  if (!Array.isArray(shape))
    throw new ChainruleError(`expand: shape must be numbers, got ${describe(shape)}`);
  checkDims(shape.length, "expand");
  const lead = shape.length - x.ndim;
  if (lead < 0)
    throw new ChainruleError(
      `expand: cannot expand ${fmtShape(x.shape)} to fewer dimensions ${fmtShape(shape)}`,
    );
  const target = shape.map((d, i) => (d === -1 && i >= lead ? (x.shape[i - lead] as number) : d));
  if (target.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ChainruleError(
      `expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} (sizes must be non-negative integers; -1 only keeps an existing dimension)`,
    );
  }
  if (!broadcastsTo(x.shape, target))
    throw new ChainruleError(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  checkResultShape(target, "expand");
  return apply(expandOp, [x], { shape: target });
}

/** Sums `x` down to `shape` (which must broadcast to x's shape). */
export function sumTo(x: Tensor, shape: readonly number[], op = "sumTo"): Tensor {
  checkTensor(x, op);
  if (sameShape(x.shape, shape)) return x;
  if (!broadcastsTo(shape, x.shape)) {
    throw new ChainruleError(
      `${op}: a gradient of shape ${fmtShape(x.shape)} cannot be summed to ${fmtShape(shape)}`,
    );
  }
  return apply(sumToOp, [x], { shape: Array.from(shape) });
}

/** Elements [start, end) along `axis`; negative indices count from the end; clamped as Python slices. */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  checkTensor(x, "slice");
  const a = normalizeAxis(axis, x.ndim, "slice", x.shape);
  const n = x.shape[a] as number;
  for (const [name, v] of [
    ["start", start],
    ["end", end],
  ] as const) {
    if (v !== undefined && v !== null && !Number.isInteger(v))
      throw new ChainruleError(`slice: ${name} must be an integer, got ${describe(v)}`);
  }
  const clampIndex = (i: number) => Math.min(n, Math.max(0, i < 0 ? i + n : i));
  const s = clampIndex(start ?? 0);
  const e = Math.max(s, clampIndex(end ?? n));
  return apply(sliceOp, [x], { axis: a, start: s, length: e - s, full: x.shape });
}

/** torch.gather along `axis`: index has x's number of dimensions and is no larger elsewhere. */
export function gather(x: Tensor, axis: number, index: IndexLike): Tensor {
  checkTensor(x, "gather");
  const a = normalizeAxis(axis, x.ndim, "gather", x.shape);
  const idx = toIndex(
    index,
    "gather",
    x.shape[a] as number,
    "index",
    ` for axis ${a} of ${fmtShape(x.shape)}`,
  );
  if (idx.shape.length !== x.ndim) {
    throw new ChainruleError(
      `gather: index ${fmtShape(idx.shape)} must have as many dimensions as the input ${fmtShape(x.shape)}`,
    );
  }
  idx.shape.forEach((d, i) => {
    if (i !== a && d > (x.shape[i] as number)) {
      throw new ChainruleError(
        `gather: index ${fmtShape(idx.shape)} is larger than the input ${fmtShape(x.shape)} in dimension ${i}`,
      );
    }
  });
  return apply(gatherOp, [x], { axis: a, index: idx, full: x.shape });
}

/** torch.index_select: the entries `indices` (1-D) along `axis`. */
export function indexSelect(x: Tensor, axis: number, indices: IndexLike): Tensor {
  checkTensor(x, "indexSelect");
  const a = normalizeAxis(axis, x.ndim, "indexSelect", x.shape);
  const idx = toIndex(
    indices,
    "indexSelect",
    x.shape[a] as number,
    "indices",
    ` for axis ${a} of ${fmtShape(x.shape)}`,
  );
  if (idx.shape.length !== 1)
    throw new ChainruleError(`indexSelect: indices must be 1-D, got shape ${fmtShape(idx.shape)}`);
  return apply(indexSelectOp, [x], { axis: a, indices: idx.values, full: x.shape });
}

function checkList(ts: readonly Tensor[], op: string): void {
  if (!Array.isArray(ts) || ts.length === 0)
    throw new ChainruleError(`${op}: expected a non-empty array of tensors, got ${describe(ts)}`);
  ts.forEach((t, i) => {
    checkTensor(t, op, `element ${i}`);
  });
  checkSameDType(op, ...ts);
}

/** Joins tensors along an existing `axis`; all other dimensions must agree. */
export function concat(ts: readonly Tensor[], axis = 0): Tensor {
  checkList(ts, "concat");
  const first = ts[0] as Tensor;
  if (first.ndim === 0) throw new ChainruleError("concat: 0-d tensors cannot be concatenated (use stack)");
  const a = normalizeAxis(axis, first.ndim, "concat", first.shape);
  for (const t of ts) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ChainruleError(
        `concat: shapes ${ts.map((x) => fmtShape(x.shape)).join(", ")} differ outside axis ${a}`,
      );
    }
  }
  return apply(concatOp, ts, { axis: a });
}

/** Stacks same-shape tensors along a new `axis`. */
export function stack(ts: readonly Tensor[], axis = 0): Tensor {
  checkList(ts, "stack");
  const first = ts[0] as Tensor;
  const a = normalizeAxis(axis, first.ndim + 1, "stack", first.shape);
  for (const t of ts) {
    if (!sameShape(t.shape, first.shape)) {
      throw new ChainruleError(
        `stack: all tensors need the same shape, got ${ts.map((x) => fmtShape(x.shape)).join(", ")}`,
      );
    }
  }
  return apply(stackOp, ts, { axis: a });
}

export function clone(x: Tensor): Tensor {
  return apply(cloneOp, [checkTensor(x, "clone")], undefined);
}

export function astype(x: Tensor, dtype: DType): Tensor {
  return apply(astypeOp, [checkTensor(x, "astype")], { dtype });
}
