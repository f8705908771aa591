/**
 * Data-movement kernels: permute, flip, roll, triangles, slice, pad (remap), concat pieces,
 * gather/scatter along an axis, writes at positions.
 * A tensor is often read as [outer, n, inner] around one axis: `outer` is the product of the
 * dimensions before it, `inner` of those after.
 */
import type { Shape } from "../broadcast";
import { stridesOf } from "../broadcast";
import type { TypedArray } from "../dtype";

/** Any storage array: these loops only move, compare and add numbers. */
type Arr = TypedArray;

/** out = x with its dimensions reordered: out's dimension d is x's dimension perm[d]. */
export function permute(x: Arr, shape: Shape, perm: readonly number[], out: Arr): void {
  const n = out.length;
  if (n === 0) return;
  const nd = shape.length;
  if (nd === 0) {
    // a 0-d tensor has one element and no dimensions to reorder (the loop below needs one)
    out[0] = x[0] as number;
    return;
  }
  const xs = stridesOf(shape);
  const outShape = perm.map((p) => shape[p] as number);
  const src = perm.map((p) => xs[p] as number); // x stride along each out dimension
  const inner = outShape[nd - 1] as number;
  const si = src[nd - 1] as number;
  const counter = new Array<number>(nd).fill(0);
  let ix = 0;
  for (let o = 0; o < n; o += inner) {
    if (si === 1 && inner >= 32) out.set(x.subarray(ix, ix + inner), o);
    else for (let j = 0; j < inner; j++) out[o + j] = x[ix + j * si] as number;
    for (let d = nd - 2; d >= 0; d--) {
      ix += src[d] as number;
      if (++(counter[d] as number) < (outShape[d] as number)) break;
      counter[d] = 0;
      ix -= (src[d] as number) * (outShape[d] as number);
    }
  }
}

/**
 * Copies the block [start, start + len) along the middle axis of x, read as [outer, n, inner],
 * into out, read as [outer, len, inner] (slice). With `reverse`, copies out's block back into
 * x's position instead (the adjoint: pad with zeros, or write one piece of a concat).
 */
export function copyBlock(
  x: Arr,
  outer: number,
  n: number,
  inner: number,
  start: number,
  len: number,
  out: Arr,
  reverse = false,
): void {
  const rowLen = len * inner;
  for (let o = 0; o < outer; o++) {
    const xi = (o * n + start) * inner;
    const oi = o * rowLen;
    if (reverse) x.set(out.subarray(oi, oi + rowLen), xi);
    else out.set(x.subarray(xi, xi + rowLen), oi);
  }
}

/**
 * torch.gather along the middle axis: x read as [outer, n, inner] and index/out as
 * [outer, m, inner'] — in general index may be smaller than x in every dimension, so this
 * works on full shapes: out[…, j, …] = x[…, index[…, j, …], …].
 */
export function gather(
  x: Arr,
  xShape: Shape,
  axis: number,
  index: ArrayLike<number>,
  iShape: Shape,
  out: Arr,
  scatter = false,
): void {
  const n = index.length;
  if (n === 0) return;
  const nd = iShape.length;
  const xs = stridesOf(xShape);
  const counter = new Array<number>(nd).fill(0);
  let base = 0; // x offset of the current index position, excluding the gathered axis
  const axisStride = xs[axis] as number;
  for (let i = 0; i < n; i++) {
    const src = base + (index[i] as number) * axisStride;
    if (scatter) x[src] = (x[src] as number) + (out[i] as number);
    else out[i] = x[src] as number;
    for (let d = nd - 1; d >= 0; d--) {
      if (d !== axis) base += xs[d] as number;
      if (++(counter[d] as number) < (iShape[d] as number)) break;
      counter[d] = 0;
      if (d !== axis) base -= (xs[d] as number) * (iShape[d] as number);
    }
  }
}

/**
 * index_select along the middle axis: x read as [outer, n, inner], out as [outer, m, inner]
 * with out[o, j, i] = x[o, idx[j], i]. With `accumulate`, the adjoint instead:
 * x[o, idx[j], i] += out[o, j, i] (index_add).
 */
export function indexSelect(
  x: Arr,
  outer: number,
  n: number,
  inner: number,
  idx: ArrayLike<number>,
  out: Arr,
  accumulate = false,
): void {
  const m = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const xi = (o * n + (idx[j] as number)) * inner;
      const oi = (o * m + j) * inner;
      if (accumulate)
        for (let i = 0; i < inner; i++) x[xi + i] = (x[xi + i] as number) + (out[oi + i] as number);
      else for (let i = 0; i < inner; i++) out[oi + i] = x[xi + i] as number;
    }
  }
}

/** out = x (shape `shape`) with the order of the entries along each axis in `axes` reversed. */
export function flip(x: Arr, shape: Shape, axes: readonly number[], out: Arr): void {
  const n = out.length;
  if (n === 0) return;
  const r = shape.length;
  const strides = stridesOf(shape);
  // x's step along each dimension of out: negative where the axis is reversed
  const step = strides.map((st, a) => (axes.includes(a) ? -st : st));
  let src = axes.reduce((o, a) => o + ((shape[a] as number) - 1) * (strides[a] as number), 0);
  const coord = new Array<number>(r).fill(0);
  for (let i = 0; i < n; i++) {
    out[i] = x[src] as number;
    for (let a = r - 1; a >= 0; a--) {
      src += step[a] as number;
      if (++(coord[a] as number) < (shape[a] as number)) break;
      coord[a] = 0;
      src -= (step[a] as number) * (shape[a] as number);
    }
  }
}

/**
 * out = x rolled by `shift` along the middle axis of x read as [outer, len, inner]: the entry at
 * position j moves to (j + shift) mod len.
 */
export function roll(x: Arr, outer: number, len: number, inner: number, shift: number, out: Arr): void {
  if (len === 0) return;
  const s = ((shift % len) + len) % len;
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    // entries [0, len − s) move up by s, the last s wrap around to the front
    out.set(x.subarray(base, base + (len - s) * inner), base + s * inner);
    out.set(x.subarray(base + (len - s) * inner, base + len * inner), base);
  }
}

/**
 * out = x (a stack of rows×cols matrices) with the entries off one side of diagonal k zeroed:
 * keeps j − i ≥ k (`upper`, triu) or j − i ≤ k (tril).
 */
export function triangle(x: Arr, rows: number, cols: number, k: number, upper: boolean, out: Arr): void {
  const m = rows * cols;
  for (let b = 0; b < out.length; b += m) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const at = b + i * cols + j;
        out[at] = (upper ? j - i >= k : j - i <= k) ? (x[at] as number) : 0;
      }
    }
  }
}

/**
 * out = x read through one source map per dimension (pad): out[o₀, …] = x[maps[0][o₀], …], or
 * `fill` where any map entry is −1 (out's shape is the maps' lengths). With `accumulate`, the
 * adjoint instead: x[maps[0][o₀], …] += out[o₀, …], skipping the −1 entries (x starts as zeros).
 */
export function remap(
  x: Arr,
  xShape: Shape,
  maps: readonly Int32Array[],
  out: Arr,
  fill: number,
  accumulate = false,
): void {
  const r = maps.length;
  const total = maps.reduce((t, m) => t * m.length, 1);
  if (total === 0) return;
  if (r === 0) {
    if (accumulate) x[0] = (x[0] as number) + (out[0] as number);
    else out[0] = x[0] as number;
    return;
  }
  const xs = stridesOf(xShape);
  const last = maps[r - 1] as Int32Array;
  const m = last.length;
  const counter = new Array<number>(r - 1).fill(0);
  for (let o = 0; o < total; o += m) {
    // x's offset of this row (−1: the row lies in the padding)
    let base = 0;
    for (let d = 0; d < r - 1; d++) {
      const s = (maps[d] as Int32Array)[counter[d] as number] as number;
      if (s < 0) {
        base = -1;
        break;
      }
      base += s * (xs[d] as number);
    }
    for (let j = 0; j < m; j++) {
      const s = last[j] as number;
      if (accumulate) {
        if (base >= 0 && s >= 0) x[base + s] = (x[base + s] as number) + (out[o + j] as number);
      } else out[o + j] = base >= 0 && s >= 0 ? (x[base + s] as number) : fill;
    }
    for (let d = r - 2; d >= 0; d--) {
      if (++(counter[d] as number) < (maps[d] as Int32Array).length) break;
      counter[d] = 0;
    }
  }
}

/**
 * torch.scatter along `axis`: out[…, index[…, j, …], …] = src[…, j, …] for every position of
 * the index (shape `iShape`), src read with `srcStrides` (all 0 for one value). Positions are
 * visited in row-major order, so with a repeated index the last write wins.
 */
export function scatter(
  out: Arr,
  shape: Shape,
  axis: number,
  index: ArrayLike<number>,
  iShape: Shape,
  src: Arr,
  srcStrides: readonly number[],
): void {
  const n = index.length;
  if (n === 0) return;
  const nd = iShape.length;
  const os = stridesOf(shape);
  const counter = new Array<number>(nd).fill(0);
  const axisStride = os[axis] as number;
  let base = 0; // out offset of the current index position, excluding the scattered axis
  let si = 0; // src offset
  for (let i = 0; i < n; i++) {
    out[base + (index[i] as number) * axisStride] = src[si] as number;
    for (let d = nd - 1; d >= 0; d--) {
      if (d !== axis) base += os[d] as number;
      si += srcStrides[d] as number;
      if (++(counter[d] as number) < (iShape[d] as number)) break;
      counter[d] = 0;
      if (d !== axis) base -= (os[d] as number) * (iShape[d] as number);
      si -= (srcStrides[d] as number) * (iShape[d] as number);
    }
  }
}

/** out[positions[i]] = value for every i (masked fill). */
export function fillAt(out: Arr, positions: ArrayLike<number>, value: number): void {
  for (let i = 0; i < positions.length; i++) out[positions[i] as number] = value;
}
