/**
 * Indexing ops: slice, gather and indexSelect, each beside its adjoint (the data movement back,
 * which is its backward): slice ↔ sliceBackward (zero padding), gather ↔ scatterAdd,
 * indexSelect ↔ indexAdd. All copy.
 */
import { ChainruleError, describe, fmtShape } from "../../errors";
import { checkResultShape, normalizeAxis, sizeOf } from "../broadcast";
import { copyBlock, gather as gatherKernel, indexSelect as indexSelectKernel } from "../kernels/layout";
import type { IndexLike, OpDef, Tensor } from "../tensor";
import { apply } from "./apply";
import { alloc, around, checkTensor, type IndexArg, toIndex } from "./util";

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
