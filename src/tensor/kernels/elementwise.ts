/**
 * Elementwise kernels over typed arrays. No tensors, no autograd: plain loops that allocate
 * nothing, each benchmarkable on its own.
 */
import type { Shape } from "../broadcast";
import { broadcastStrides } from "../broadcast";
import type { TypedArray } from "../dtype";
import { sigmoid } from "./scalar";

type Arr = Float64Array | Float32Array;
/** Any storage array (the generic loops below also run on int32 and bool storage). */
type Any = TypedArray;
export type Unary = (x: number) => number;
export type Binary = (x: number, y: number) => number;

/** out[i] = f(x[i]). */
export function map(x: Any, out: Any, f: Unary): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = f(x[i] as number);
}

/**
 * out = f(a, b) with NumPy broadcasting: `a` of shape `aShape` and `b` of shape `bShape` are
 * read as `outShape`. Same-shape operands and a scalar operand take loops without index
 * arithmetic; otherwise the innermost dimension is a strided loop and an odometer over the
 * outer dimensions moves the two read offsets.
 */
export function zip(
  a: Any,
  aShape: Shape,
  b: Any,
  bShape: Shape,
  out: Any,
  outShape: Shape,
  f: Binary,
): void {
  const n = out.length;
  if (n === 0) return;
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i] as number, b[i] as number);
    return;
  }
  if (b.length === 1 && a.length === n) {
    const y = b[0] as number;
    for (let i = 0; i < n; i++) out[i] = f(a[i] as number, y);
    return;
  }
  if (a.length === 1 && b.length === n) {
    const x = a[0] as number;
    for (let i = 0; i < n; i++) out[i] = f(x, b[i] as number);
    return;
  }
  const nd = outShape.length;
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const inner = outShape[nd - 1] as number;
  const sa = as[nd - 1] as number;
  const sb = bs[nd - 1] as number;
  const counter = new Array<number>(nd).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = f(a[ia + j * sa] as number, b[ib + j * sb] as number);
    for (let d = nd - 2; d >= 0; d--) {
      ia += as[d] as number;
      ib += bs[d] as number;
      if (++(counter[d] as number) < (outShape[d] as number)) break;
      counter[d] = 0;
      ia -= (as[d] as number) * (outShape[d] as number);
      ib -= (bs[d] as number) * (outShape[d] as number);
    }
  }
}

/** The four arithmetic ops and the comparisons (1 or 0), which get call-free loops. */
export type Arith = "add" | "sub" | "mul" | "div" | "eq" | "gt" | "lt" | "ge" | "le";

/**
 * out[o + j] = a[ai + j·sa] ∘ b[bi + j·sb] for j < len, with strides 0 (a broadcast element) or
 * 1: one call-free loop per op.
 */
function arithRun(
  op: Arith,
  a: Any,
  ai: number,
  sa: number,
  b: Any,
  bi: number,
  sb: number,
  out: Any,
  o: number,
  len: number,
): void {
  switch (op) {
    case "add":
      for (let j = 0; j < len; j++) out[o + j] = (a[ai + j * sa] as number) + (b[bi + j * sb] as number);
      return;
    case "sub":
      for (let j = 0; j < len; j++) out[o + j] = (a[ai + j * sa] as number) - (b[bi + j * sb] as number);
      return;
    case "mul":
      for (let j = 0; j < len; j++) out[o + j] = (a[ai + j * sa] as number) * (b[bi + j * sb] as number);
      return;
    case "div":
      for (let j = 0; j < len; j++) out[o + j] = (a[ai + j * sa] as number) / (b[bi + j * sb] as number);
      return;
    case "eq":
      for (let j = 0; j < len; j++)
        out[o + j] = (a[ai + j * sa] as number) === (b[bi + j * sb] as number) ? 1 : 0;
      return;
    case "gt":
      for (let j = 0; j < len; j++)
        out[o + j] = (a[ai + j * sa] as number) > (b[bi + j * sb] as number) ? 1 : 0;
      return;
    case "lt":
      for (let j = 0; j < len; j++)
        out[o + j] = (a[ai + j * sa] as number) < (b[bi + j * sb] as number) ? 1 : 0;
      return;
    case "ge":
      for (let j = 0; j < len; j++)
        out[o + j] = (a[ai + j * sa] as number) >= (b[bi + j * sb] as number) ? 1 : 0;
      return;
    case "le":
      for (let j = 0; j < len; j++)
        out[o + j] = (a[ai + j * sa] as number) <= (b[bi + j * sb] as number) ? 1 : 0;
      return;
  }
}

/** True if `shape`, without leading 1s, is the trailing part of `outShape` (a row block). */
function isTrailing(shape: Shape, outShape: Shape): boolean {
  let k = 0;
  while (k < shape.length && shape[k] === 1) k++;
  const rest = shape.length - k;
  for (let i = 0; i < rest; i++) if (shape[k + i] !== outShape[outShape.length - rest + i]) return false;
  return true;
}

/** True if `shape` is `outShape` with its last dimension 1 (a column: [m, 1] against [m, n]). */
function isColumn(shape: Shape, outShape: Shape): boolean {
  const last = outShape.length - 1;
  if (shape.length !== outShape.length || shape[last] !== 1 || outShape[last] === 1) return false;
  for (let i = 0; i < last; i++) if (shape[i] !== outShape[i]) return false;
  return true;
}

/**
 * a ∘ b for ∘ ∈ {+, −, ·, /, =, >, <, ≥, ≤} with call-free loops on the layouts that matter: same shape, a
 * scalar operand, a row block broadcast over leading dimensions ([m, n] ∘ [n]) and a column
 * ([m, n] ∘ [m, 1]), either side. Returns false, doing nothing, for other layouts (then `zip`).
 */
export function arith(
  op: Arith,
  a: Any,
  aShape: Shape,
  b: Any,
  bShape: Shape,
  out: Any,
  outShape: Shape,
): boolean {
  const n = out.length;
  if (n === 0) return true;
  const aFull = a.length === n;
  const bFull = b.length === n;
  if (aFull && (bFull || b.length === 1)) {
    arithRun(op, a, 0, 1, b, 0, bFull ? 1 : 0, out, 0, n);
    return true;
  }
  if (bFull && a.length === 1) {
    arithRun(op, a, 0, 0, b, 0, 1, out, 0, n);
    return true;
  }
  const inner = outShape[outShape.length - 1] as number;
  if (aFull && isTrailing(bShape, outShape)) {
    for (let o = 0; o < n; o += b.length) arithRun(op, a, o, 1, b, 0, 1, out, o, b.length);
    return true;
  }
  if (bFull && isTrailing(aShape, outShape)) {
    for (let o = 0; o < n; o += a.length) arithRun(op, a, 0, 1, b, o, 1, out, o, a.length);
    return true;
  }
  if (aFull && isColumn(bShape, outShape)) {
    for (let r = 0, o = 0; o < n; r++, o += inner) arithRun(op, a, o, 1, b, r, 0, out, o, inner);
    return true;
  }
  if (bFull && isColumn(aShape, outShape)) {
    for (let r = 0, o = 0; o < n; r++, o += inner) arithRun(op, a, r, 0, b, o, 1, out, o, inner);
    return true;
  }
  return false;
}

/**
 * out[i] = a[i] where c[i] ≠ 0 (NaN counts as nonzero), else b[i]; each of c, a, b has out's
 * length or a single element, read for every i.
 */
export function select(c: Any, a: Any, b: Any, out: Any): void {
  const n = out.length;
  const [sc, sa, sb] = [c, a, b].map((x) => (x.length === 1 && n !== 1 ? 0 : 1)) as [number, number, number];
  if (sc === 1 && sa === 1 && sb === 0) {
    const b0 = b[0] as number;
    for (let i = 0; i < n; i++) out[i] = c[i] !== 0 ? (a[i] as number) : b0;
  } else if (sc === 1 && sa === 0 && sb === 1) {
    const a0 = a[0] as number;
    for (let i = 0; i < n; i++) out[i] = c[i] !== 0 ? a0 : (b[i] as number);
  } else {
    for (let i = 0; i < n; i++)
      out[i] = (c[i * sc] as number) !== 0 ? (a[i * sa] as number) : (b[i * sb] as number);
  }
}

/**
 * out[i] = g[i] where x[i] > 0, else 0 (also where x[i] is NaN): ReLU's backward, ḡ ⊙ [x > 0],
 * in one pass. All three have the same length. (backend.ts's `reluBackward` picks this or the
 * SIMD loop; so for `addRowJs` and `sgdJs` below.)
 */
export function reluBackwardJs(x: Arr, g: Arr, out: Arr): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = (x[i] as number) > 0 ? (g[i] as number) : 0;
}

/** c[i, j] += bias[j] for the m×n row-major c, in place. */
export function addRowJs(c: Arr, bias: Arr, m: number, n: number): void {
  for (let r = 0; r < m; r++) {
    const row = r * n;
    for (let j = 0; j < n; j++) c[row + j] = (c[row + j] as number) + (bias[j] as number);
  }
}

/** p ← p − lr·g in place, elementwise (the plain SGD update), in float64 arithmetic. */
export function sgdJs(p: Arr, g: Arr, lr: number): void {
  const n = p.length;
  for (let i = 0; i < n; i++) p[i] = (p[i] as number) - lr * (g[i] as number);
}

/** The constants of one Adam step (see `adamJs`). */
export interface AdamStep {
  readonly weightDecay: number;
  readonly b1: number;
  readonly b2: number;
  /** √(1 − β₂ᵗ). */
  readonly bc2Sqrt: number;
  readonly eps: number;
  /** lr/(1 − β₁ᵗ). */
  readonly stepSize: number;
}

/**
 * One Adam step in place, elementwise, in float64 (PyTorch's Adam with L2 weight decay):
 * g ← g + λp; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − stepSize·m/(√v/bc2Sqrt + ε),
 * with m and v the float64 moment buffers.
 */
export function adamJs(p: Arr, grad: Arr, m: Float64Array, v: Float64Array, s: AdamStep): void {
  const { weightDecay, b1, b2, bc2Sqrt, eps, stepSize } = s;
  for (let i = 0; i < p.length; i++) {
    const g = (grad[i] as number) + weightDecay * (p[i] as number);
    m[i] = b1 * (m[i] as number) + (1 - b1) * g;
    v[i] = b2 * (v[i] as number) + (1 - b2) * g * g;
    const denom = Math.sqrt(v[i] as number) / bc2Sqrt + eps;
    p[i] = (p[i] as number) - stepSize * ((m[i] as number) / denom);
  }
}

/**
 * SGD with momentum in place (no weight decay, not Nesterov), in float64 arithmetic:
 * b ← keep·b + damp·g, then p ← p − lr·b, elementwise, with b the float64 momentum buffer.
 */
export function sgdMomentumJs(p: Arr, g: Arr, b: Float64Array, lr: number, keep: number, damp: number): void {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const bi = keep * (b[i] as number) + damp * (g[i] as number);
    b[i] = bi;
    p[i] = (p[i] as number) - lr * bi;
  }
}

/**
 * Copies `x` (shape `shape`) into `out` read as the broadcast shape `target` (expand).
 */
export function broadcastTo(x: Any, shape: Shape, out: Any, target: Shape): void {
  const n = out.length;
  if (n === 0) return;
  if (x.length === n) {
    out.set(x);
    return;
  }
  if (x.length === 1) {
    out.fill(x[0] as number);
    return;
  }
  const nd = target.length;
  const xs = broadcastStrides(shape, target);
  const inner = target[nd - 1] as number;
  const sx = xs[nd - 1] as number;
  const counter = new Array<number>(nd).fill(0);
  let ix = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = x[ix + j * sx] as number;
    for (let d = nd - 2; d >= 0; d--) {
      ix += xs[d] as number;
      if (++(counter[d] as number) < (target[d] as number)) break;
      counter[d] = 0;
      ix -= (xs[d] as number) * (target[d] as number);
    }
  }
}

/** out[i] = f(x[i]) for one fixed f, written out (see `unaryLoops`). */
export type UnaryLoop = (x: Arr, out: Arr) => void;

/**
 * Call-free loops for the most used unary ops. `map(x, out, f)` calls `f` once per element
 * from a call site every op shares, so V8 can never inline it; a loop of its own lets the math
 * be inlined (about twice as fast). An op's row in ops/elementwise.ts refers to its loop
 * (`loop: unaryLoops.exp`); ops without one use `map`.
 */
export const unaryLoops = {
  neg(x, out) {
    for (let i = 0; i < out.length; i++) out[i] = -(x[i] as number);
  },
  exp(x, out) {
    for (let i = 0; i < out.length; i++) out[i] = Math.exp(x[i] as number);
  },
  log(x, out) {
    for (let i = 0; i < out.length; i++) out[i] = Math.log(x[i] as number);
  },
  sqrt(x, out) {
    for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(x[i] as number);
  },
  abs(x, out) {
    for (let i = 0; i < out.length; i++) out[i] = Math.abs(x[i] as number);
  },
  tanh(x, out) {
    for (let i = 0; i < out.length; i++) out[i] = Math.tanh(x[i] as number);
  },
  sigmoid(x, out) {
    for (let i = 0; i < out.length; i++) out[i] = sigmoid(x[i] as number);
  },
  relu(x, out) {
    for (let i = 0; i < out.length; i++) out[i] = Math.max(x[i] as number, 0);
  },
  square(x, out) {
    for (let i = 0; i < out.length; i++) out[i] = (x[i] as number) * (x[i] as number);
  },
} as const satisfies Record<string, UnaryLoop>;
