/**
 * Indexing ops: slice, gather and indexSelect, each beside its adjoint (the data movement back,
 * which is its backward): slice ↔ sliceBackward (zero padding), gather ↔ scatterAdd,
 * indexSelect ↔ indexAdd, maskedSelect ↔ maskedSelectBackward; and the writes maskedFill and
 * scatter, whose backwards are the same write of zeros into ḡ. All copy.
 */
import { ChainruleError, describe, fmtShape } from "../../errors";
import { broadcastShapes, checkResultShape, normalizeAxis, sameShape, sizeOf, stridesOf } from "../broadcast";
import { allocate, convert, type DType, type TypedArray } from "../dtype";
import { broadcastTo } from "../kernels/elementwise";
import {
  copyBlock,
  fillAt,
  gather as gatherKernel,
  indexSelect as indexSelectKernel,
  scatter as scatterKernel,
} from "../kernels/layout";
import { type IndexLike, type OpDef, Tensor } from "../tensor";
import { apply, promote } from "./apply";
import { astype, pad } from "./shape";
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
  dtypes: "any",
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
  dtypes: "any",
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
  dtypes: "any",
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
  dtypes: "any",
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
  dtypes: "any",
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
  dtypes: "any",
  forward: ([g], { axis, indices, full }) => {
    const t = g;
    const [outer, n, inner] = around(full, axis);
    const out = alloc(t, sizeOf(full));
    indexSelectKernel(out, outer, n, inner, indices, t._s.data, true);
    return { shape: full, data: out };
  },
  backward: (g, { attrs }) => [apply(indexSelectOp, [g], attrs)],
};

/** Attributes of maskedFill, maskedSelect and its adjoint: the true positions of the mask (flat, in the full shape). */
export interface MaskAttrs {
  readonly positions: Int32Array;
  /** The full (broadcast) shape, for maskedSelectBackward. */
  readonly full: readonly number[];
}

/** A copy of x broadcast to `full`. */
function spread(x: Tensor, full: readonly number[]): TypedArray {
  const out = alloc(x, sizeOf(full));
  broadcastTo(x._s.data, x.shape, out, full);
  return out;
}

/** A 0-d constant of `dtype` holding `value` (converted as astype converts). */
const scalar = (value: number, dtype: DType): Tensor => new Tensor(convert([value], dtype), []);

/**
 * x (broadcast to the mask's shape `full`) with the value (a 0-d input) written at the mask's
 * positions. ∂/∂x = ḡ with those positions zeroed (the same write of 0); ∂/∂value = the ḡ
 * entries there (the engine sums them to the 0-d value, as it sums ḡ back to x's shape).
 */
export const maskedFillOp: OpDef<MaskAttrs, readonly [Tensor, Tensor]> = {
  name: "maskedFill",
  saves: "none",
  dtypes: "any",
  forward: ([x, value], { positions, full }) => {
    const out = spread(x, full);
    fillAt(out, positions, value._s.data[0] as number);
    return { shape: full, data: out };
  },
  backward: (g, { attrs, needs }) => [
    needs[0] ? apply(maskedFillOp, [g, scalar(0, g.dtype)], attrs) : null,
    needs[1] ? apply(maskedSelectOp, [g], attrs) : null,
  ],
};

/**
 * The entries of x (broadcast to `full`) at the mask's positions, as a 1-D tensor
 * (torch.masked_select). ∂ = maskedSelectBackward(ḡ), summed back to x's shape by the engine.
 */
export const maskedSelectOp: OpDef<MaskAttrs, readonly [Tensor]> = {
  name: "maskedSelect",
  saves: "none",
  dtypes: "any",
  forward: ([x], { positions, full }) => {
    const out = alloc(x, positions.length);
    const data = sameShape(x.shape, full) ? x._s.data : spread(x, full);
    indexSelectKernel(data, 1, data.length, 1, positions, out);
    return { shape: [positions.length], data: out };
  },
  backward: (g, { attrs }) => [apply(maskedSelectBackwardOp, [g], attrs)],
};

/** The adjoint of maskedSelect: zeros of the full shape with ḡ's entries put back at the mask's positions. ∂ = maskedSelect(ḡ). */
export const maskedSelectBackwardOp: OpDef<MaskAttrs, readonly [Tensor]> = {
  name: "maskedSelectBackward",
  saves: "none",
  dtypes: "any",
  forward: ([g], { positions, full }) => {
    const out = alloc(g, sizeOf(full));
    indexSelectKernel(out, 1, out.length, 1, positions, g._s.data, true);
    return { shape: full, data: out };
  },
  backward: (g, { attrs }) => [apply(maskedSelectOp, [g], attrs)],
};

/** Attributes of scatter: gather's, plus the index positions whose write a later one overwrote. */
export interface ScatterAttrs extends GatherAttrs {
  readonly overwritten: Int32Array;
}

/**
 * torch.scatter: a copy of x with out[…, index[…, j, …], …] = src[…, j, …] along `axis` (src a
 * tensor at least as large as the index, or a 0-d value); a repeated index: the last write in
 * row-major order wins. ∂/∂x = ḡ with the written positions zeroed (a scatter of 0);
 * ∂/∂src = gather(ḡ, index), 0 where a write was overwritten and outside the index's extent.
 */
export const scatterOp: OpDef<ScatterAttrs, readonly [Tensor, Tensor]> = {
  name: "scatter",
  saves: "none",
  dtypes: "any",
  forward: ([x, src], { axis, index }) => {
    const out = alloc(x, x.size);
    out.set(x._s.data);
    const strides = src.ndim === 0 ? index.shape.map(() => 0) : stridesOf(src.shape);
    scatterKernel(out, x.shape, axis, index.values, index.shape, src._s.data, strides);
    return { shape: x.shape, data: out };
  },
  backward: (g, { attrs, inputs: [, src], needs }) => {
    const { axis, index, overwritten } = attrs;
    let gs: Tensor | null = null;
    if (needs[1]) {
      gs = apply(gatherOp, [g], { axis, index, full: g.shape });
      if (overwritten.length > 0) {
        gs = apply(maskedFillOp, [gs, scalar(0, g.dtype)], { positions: overwritten, full: index.shape });
      }
      // a src larger than the index: zeros after the used block (a 0-d src: the engine sums)
      if (src.ndim > 0 && !sameShape(src.shape, index.shape)) {
        gs = pad(
          gs,
          src.shape.flatMap((_, k) => {
            const d = src.ndim - 1 - k;
            return [0, (src.shape[d] as number) - (index.shape[d] as number)];
          }),
        );
      }
    }
    return [needs[0] ? apply(scatterOp, [g, scalar(0, g.dtype)], attrs) : null, gs];
  },
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
  const { a, idx } = alongAxis(x, axis, index, "gather");
  return apply(gatherOp, [x], { axis: a, index: idx, full: x.shape });
}

/**
 * gather's and scatter's axis and index, checked: the axis normalised, the index's values in
 * range for it, its number of dimensions x's, and no larger than x outside the axis.
 */
function alongAxis(x: Tensor, axis: number, index: IndexLike, op: string): { a: number; idx: IndexArg } {
  const a = normalizeAxis(axis, x.ndim, op, x.shape);
  const idx = toIndex(index, op, x.shape[a] as number, "index", ` for axis ${a} of ${fmtShape(x.shape)}`);
  if (idx.shape.length !== x.ndim) {
    throw new ChainruleError(
      `${op}: index ${fmtShape(idx.shape)} must have as many dimensions as the input ${fmtShape(x.shape)}`,
    );
  }
  idx.shape.forEach((d, i) => {
    if (i !== a && d > (x.shape[i] as number)) {
      throw new ChainruleError(
        `${op}: index ${fmtShape(idx.shape)} is larger than the input ${fmtShape(x.shape)} in dimension ${i}`,
      );
    }
  });
  return { a, idx };
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

/** The flat positions where `mask` (broadcast to `shape`) is nonzero. */
function truePositions(mask: Tensor, shape: readonly number[]): Int32Array {
  let data: ArrayLike<number> = mask._s.data;
  if (!sameShape(mask.shape, shape)) {
    const full = allocate(mask.dtype, sizeOf(shape));
    broadcastTo(mask._s.data, mask.shape, full, shape);
    data = full;
  }
  let count = 0;
  for (let i = 0; i < data.length; i++) if ((data[i] as number) !== 0) count++;
  const positions = new Int32Array(count);
  for (let i = 0, k = 0; i < data.length; i++) if ((data[i] as number) !== 0) positions[k++] = i;
  return positions;
}

/** The shape x and mask broadcast to, and the mask's true positions in it. */
function masked(x: Tensor, mask: Tensor, op: string): MaskAttrs {
  checkTensor(x, op);
  checkTensor(mask, op, "mask");
  const full = broadcastShapes(x.shape, mask.shape, op);
  checkResultShape(full, op);
  return { positions: truePositions(mask, full), full };
}

/**
 * `value` where `mask` is true (nonzero), x elsewhere (`torch.Tensor.masked_fill`; x and mask
 * broadcast together). The value, a number or a 0-d tensor, takes x's dtype; a 0-d tensor
 * value receives the gradient of the entries it filled.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: Tensor | number): Tensor {
  const attrs = masked(x, mask, "maskedFill");
  let v: Tensor;
  if (typeof value === "number") v = scalar(value, x.dtype);
  else if (value instanceof Tensor) {
    if (value.ndim !== 0) {
      throw new ChainruleError(
        `maskedFill: value must be a number or a 0-d tensor, got a tensor of shape ${fmtShape(value.shape)}`,
      );
    }
    v = value.dtype === x.dtype ? value : astype(value, x.dtype);
  } else {
    throw new ChainruleError(`maskedFill: value must be a number or a 0-d tensor, got ${describe(value)}`);
  }
  return apply(maskedFillOp, [x, v], attrs);
}

/** The entries of x where `mask` is true (nonzero), as a 1-D tensor, x and mask broadcast together (`torch.masked_select`). */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  return apply(maskedSelectOp, [x], masked(x, mask, "maskedSelect"));
}

/**
 * torch.scatter: a copy of x with out[…, index[…, j, …], …] = src[…, j, …] along `axis`. The
 * index has x's number of dimensions, is no larger than x outside `axis` and no larger than src
 * anywhere; src is a tensor (promoted with x to their common dtype) or a number (taking x's
 * dtype). With a repeated index the last write in row-major order wins (PyTorch leaves it
 * undefined), and only that write's src entry receives a gradient.
 */
export function scatter(x: Tensor, axis: number, index: IndexLike, src: Tensor | number): Tensor {
  checkTensor(x, "scatter");
  const { a, idx } = alongAxis(x, axis, index, "scatter");
  let xs = x;
  let s: Tensor;
  if (typeof src === "number") s = scalar(src, x.dtype);
  else if (src instanceof Tensor) {
    if (src.ndim !== idx.shape.length || idx.shape.some((d, i) => d > (src.shape[i] as number))) {
      throw new ChainruleError(
        `scatter: src ${fmtShape(src.shape)} must have the index's dimensions and be at least as large as the index ${fmtShape(idx.shape)} in each`,
      );
    }
    [xs, s] = promote([x, src] as const);
  } else {
    throw new ChainruleError(`scatter: src must be a Tensor or a number, got ${describe(src)}`);
  }
  return apply(scatterOp, [xs, s], {
    axis: a,
    index: idx,
    full: x.shape,
    overwritten: overwritten(idx, x.shape, a),
  });
}

/** The index positions (flat, row-major) whose scatter target a later position writes again. */
function overwritten(idx: IndexArg, shape: readonly number[], axis: number): Int32Array {
  const n = idx.values.length;
  const targets = new Float64Array(n);
  const counter = new Array<number>(idx.shape.length).fill(0);
  const strides = stridesOf(shape);
  for (let i = 0; i < n; i++) {
    let t = 0;
    counter.forEach((c, d) => {
      t += (d === axis ? (idx.values[i] as number) : c) * (strides[d] as number);
    });
    targets[i] = t;
    for (let d = counter.length - 1; d >= 0; d--) {
      if (++(counter[d] as number) < (idx.shape[d] as number)) break;
      counter[d] = 0;
    }
  }
  const last = new Map<number, number>();
  targets.forEach((t, i) => {
    last.set(t, i);
  });
  return Int32Array.from(Array.from(targets.keys()).filter((i) => last.get(targets[i] as number) !== i));
}
