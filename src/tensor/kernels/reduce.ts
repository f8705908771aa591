/**
 * Reduction kernels. A reduction over any set of axes is the reverse of broadcasting: walk the
 * input in row-major order and fold each element into the output slot it maps to (output
 * strides are 0 along reduced axes).
 */
import type { Shape } from "../broadcast";
import { reducedShape, stridesOf } from "../broadcast";
import type { TypedArray } from "../dtype";

/** Any storage array: these loops only move, compare and add numbers. */
type Arr = TypedArray;

/** Output offsets per input dimension: the output's stride, or 0 along a reduced axis. */
function foldStrides(shape: Shape, axes: readonly number[]): number[] {
  const kept = stridesOf(reducedShape(shape, axes, true));
  return shape.map((_, i) => (axes.includes(i) ? 0 : (kept[i] as number)));
}

/**
 * How `reduce` folds: sum, max/min (propagating NaN), the product (`prodInt`: wrapping modulo
 * 2³² with Math.imul, for int32 and bool), and all/any of "x ≠ 0" (NaN counts as nonzero) as 0/1.
 */
export type Fold = "sum" | "max" | "min" | "prod" | "prodInt" | "all" | "any";

/** The step of each fold other than sum/max/min (those have their own loops below). */
const STEPS: Record<"prod" | "prodInt" | "all" | "any", (acc: number, v: number) => number> = {
  prod: (acc, v) => acc * v,
  prodInt: (acc, v) => Math.imul(acc, v),
  all: (acc, v) => (acc !== 0 && v !== 0 ? 1 : 0),
  any: (acc, v) => (acc !== 0 || v !== 0 ? 1 : 0),
};

/**
 * Folds `x` (shape `shape`) over `axes` into `out` (pre-filled with the identity):
 * out[o] = fold(out[o], x[i]) (see `Fold`).
 */
export function reduce(x: Arr, shape: Shape, axes: readonly number[], out: Arr, fold: Fold): void {
  const n = x.length;
  if (n === 0) return;
  const step = fold === "sum" || fold === "max" || fold === "min" ? undefined : STEPS[fold];
  if (out.length === 1) {
    // full reduction: one accumulator, in double precision
    let acc = out[0] as number;
    if (step !== undefined) for (let i = 0; i < n; i++) acc = step(acc, x[i] as number);
    else if (fold === "sum") for (let i = 0; i < n; i++) acc += x[i] as number;
    else if (fold === "max") for (let i = 0; i < n; i++) acc = maxNaN(acc, x[i] as number);
    else for (let i = 0; i < n; i++) acc = minNaN(acc, x[i] as number);
    out[0] = acc;
    return;
  }
  const nd = shape.length;
  const os = foldStrides(shape, axes);
  const inner = shape[nd - 1] as number;
  const so = os[nd - 1] as number;
  const counter = new Array<number>(nd).fill(0);
  let io = 0;
  for (let i = 0; i < n; i += inner) {
    if (step !== undefined) {
      for (let j = 0; j < inner; j++) out[io + j * so] = step(out[io + j * so] as number, x[i + j] as number);
    } else if (fold === "sum") {
      if (so === 0) {
        let acc = 0;
        for (let j = 0; j < inner; j++) acc += x[i + j] as number;
        out[io] = (out[io] as number) + acc;
      } else for (let j = 0; j < inner; j++) out[io + j] = (out[io + j] as number) + (x[i + j] as number);
    } else if (fold === "max") {
      for (let j = 0; j < inner; j++)
        out[io + j * so] = maxNaN(out[io + j * so] as number, x[i + j] as number);
    } else {
      for (let j = 0; j < inner; j++)
        out[io + j * so] = minNaN(out[io + j * so] as number, x[i + j] as number);
    }
    for (let d = nd - 2; d >= 0; d--) {
      io += os[d] as number;
      if (++(counter[d] as number) < (shape[d] as number)) break;
      counter[d] = 0;
      io -= (os[d] as number) * (shape[d] as number);
    }
  }
}

function maxNaN(a: number, b: number): number {
  return b > a || Number.isNaN(b) ? b : a;
}

function minNaN(a: number, b: number): number {
  return b < a || Number.isNaN(b) ? b : a;
}

/**
 * Index of the largest (`sign` = 1) or smallest (`sign` = −1) element along `axis`, first one
 * on ties (NaN counts as the extreme, as in PyTorch). `x` is read as [outer, n, inner].
 */
export function argExtreme(x: Arr, outer: number, n: number, inner: number, out: Arr, sign: 1 | -1): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = 0;
      let bestValue = x[base] as number;
      for (let k = 1; k < n && !Number.isNaN(bestValue); k++) {
        const v = x[base + k * inner] as number;
        if (Number.isNaN(v) || sign * (v - bestValue) > 0) {
          best = k;
          bestValue = v;
        }
      }
      out[o * inner + i] = best;
    }
  }
}

/**
 * Numerically stable log-softmax along one axis of `x`, read as [outer, n, inner]:
 * out = x − m − ln Σ exp(x − m) with m the maximum, so no exponential overflows.
 * With `softmax` true, writes exp of that instead (the softmax itself).
 */
export function logSoftmaxAxis(
  x: Arr,
  outer: number,
  n: number,
  inner: number,
  out: Arr,
  softmax: boolean,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) m = maxNaN(m, x[base + k * inner] as number);
      if (m === Number.NEGATIVE_INFINITY || m === Number.POSITIVE_INFINITY) m = 0;
      let s = 0;
      // Subtract m and ln s separately: folding them into lse = m + ln s first would round lse at
      // the magnitude of m (softmax([1000, 1000]) came out as 0.5000000000000275, not 0.5).
      if (softmax) {
        // keep each exp(x − m) in out, so exp runs once per element
        for (let k = 0; k < n; k++) {
          const e = Math.exp((x[base + k * inner] as number) - m);
          out[base + k * inner] = e;
          s += e;
        }
        for (let k = 0; k < n; k++) out[base + k * inner] = (out[base + k * inner] as number) / s;
      } else {
        for (let k = 0; k < n; k++) s += Math.exp((x[base + k * inner] as number) - m);
        const logS = Math.log(s);
        for (let k = 0; k < n; k++) out[base + k * inner] = (x[base + k * inner] as number) - m - logS;
      }
    }
  }
}

/**
 * Running sums along the middle axis of x read as [outer, len, inner]: out[o, j, i] =
 * Σ_{j' ≤ j} x[o, j', i], accumulated in double precision (rounded once per entry in float32).
 */
export function cumsum(x: Arr, outer: number, len: number, inner: number, out: Arr): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    const base = o * len * inner;
    for (let j = 0; j < len; j++) {
      const row = base + j * inner;
      for (let i = 0; i < inner; i++) {
        const s = (acc[i] as number) + (x[row + i] as number);
        acc[i] = s;
        out[row + i] = s;
      }
    }
  }
}

/**
 * Running products along the middle axis of x read as [outer, len, inner]: out[o, j, i] =
 * Π_{j' ≤ j} x[o, j', i], in double precision, or wrapping modulo 2³² (Math.imul) with `int`.
 */
export function cumprod(x: Arr, outer: number, len: number, inner: number, out: Arr, int: boolean): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(1);
    const base = o * len * inner;
    for (let j = 0; j < len; j++) {
      const row = base + j * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[row + i] as number;
        const p = int ? Math.imul(acc[i] as number, v) : (acc[i] as number) * v;
        acc[i] = p;
        out[row + i] = p;
      }
    }
  }
}

/**
 * The gradient of cumprod without dividing by x, exact when x holds zeros, in O(len):
 * ∂L/∂x_k = Σ_{j ≥ k} g_j Π_{i ≤ j, i ≠ k} x_i = E_k·S_k with E_k = Π_{i < k} x_i and
 * S_k = g_k + x_{k+1}·S_{k+1} (S_{len−1} = g_{len−1}). x, g and out are read as [outer, len, inner].
 */
export function cumprodGrad(x: Arr, g: Arr, outer: number, len: number, inner: number, out: Arr): void {
  const s = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let acc = 0;
      for (let k = len - 1; k >= 0; k--) {
        acc =
          (g[base + k * inner] as number) + (k === len - 1 ? 0 : (x[base + (k + 1) * inner] as number) * acc);
        s[k] = acc;
      }
      let e = 1;
      for (let k = 0; k < len; k++) {
        out[base + k * inner] = e * (s[k] as number);
        e *= x[base + k * inner] as number;
      }
    }
  }
}

/**
 * Stable argsort along the middle axis of x read as [outer, n, inner], keeping the first `k`
 * positions of each sorted line: out[o, r, i] (out read as [outer, k, inner]) is the index along
 * the axis of the r-th smallest (`descending`: largest) element. Equal elements keep their order;
 * NaN is larger than every number (as PyTorch). With `byIndex`, the k chosen indices are then
 * put back in increasing order (topk's `sorted: false`).
 */
export function argsortAxis(
  x: Arr,
  outer: number,
  n: number,
  inner: number,
  out: Int32Array,
  descending: boolean,
  k = n,
  byIndex = false,
): void {
  const keys = new Float64Array(n);
  const idx = new Array<number>(n);
  const sign = descending ? -1 : 1;
  const compare = (a: number, b: number): number => {
    const va = keys[a] as number;
    const vb = keys[b] as number;
    // NaN compares as the largest value (two NaN are equal)
    const c = va < vb ? -1 : va > vb ? 1 : va === vb ? 0 : Number.isNaN(va) ? (Number.isNaN(vb) ? 0 : 1) : -1;
    return sign * c || a - b;
  };
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) {
        keys[j] = x[base + j * inner] as number;
        idx[j] = j;
      }
      idx.sort(compare);
      const chosen = byIndex ? idx.slice(0, k).sort((a, b) => a - b) : idx;
      const ob = o * k * inner + i;
      for (let r = 0; r < k; r++) out[ob + r * inner] = chosen[r] as number;
    }
  }
}
