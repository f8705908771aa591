/**
 * Pooling (SPEC §9): `maxPool2d` as one recorded op whose backward sends ḡ to each window's
 * maximum (through the adjoint pair `poolScatter` ↔ `poolSelect`, so second derivatives work),
 * and the average pools `avgPool2d` and `adaptiveAvgPool2d` as one recorded op each (window sums
 * divided by the window sizes) whose adjoint `avgPoolSpread` spreads ḡ back over the windows
 * (each is the other's backward). Inputs are [N, C, H, W] or unbatched [C, H, W].
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { checkResultShape } from "../tensor/broadcast";
import { allocate } from "../tensor/dtype";
import { apply } from "../tensor/ops/apply";
import { allocFloat, floatData } from "../tensor/ops/util";
import { readData } from "../tensor/storage";
import { type OpDef, Tensor } from "../tensor/tensor";
import { checkOptions } from "../validate";
import { type Pair, pair } from "./convolution";
import { Layer } from "./layer";

/** Options of `maxPool2d`. */
export interface MaxPool2dOptions {
  /** Step of the window; default the kernel size. */
  stride?: Pair;
  /** −∞ added on every side (at most half the kernel, as PyTorch); default 0. */
  padding?: Pair;
  /** Spacing between window taps; default 1. */
  dilation?: Pair;
}

/** Options of `avgPool2d`. */
export interface AvgPool2dOptions {
  /** Step of the window; default the kernel size. */
  stride?: Pair;
  /** Zeros added on every side, counted in each mean (PyTorch's count_include_pad); default 0. */
  padding?: Pair;
}

/** Where each output of a max pool reads from: flat indices into x, one per output element. */
export interface PoolIndexAttrs {
  readonly indices: Int32Array;
  /** The input's shape (poolScatter's result). */
  readonly inShape: readonly number[];
  /** The pooled shape (poolSelect's result). */
  readonly outShape: readonly number[];
}

/** A max pool's geometry. */
export interface MaxPoolGeometry {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly outShape: readonly number[];
}

/** A max pool: its geometry and where each window's maximum is (found once, when it is called). */
export interface MaxPoolAttrs extends MaxPoolGeometry, PoolIndexAttrs {}

/** Taps t in [lo, hi) of a window starting at `start` (spacing d, k taps) that fall inside [0, n). */
function tapRange(start: number, d: number, k: number, n: number): [number, number] {
  const lo = start >= 0 ? 0 : Math.ceil(-start / d);
  const hi = Math.min(k, Math.floor((n - 1 - start) / d) + 1);
  return [lo, Math.max(lo, hi)];
}

/** For each output of the max pool, the flat index of its window's maximum in x (NaN counts as the maximum). */
function argmaxWindows(x: Tensor, a: MaxPoolGeometry): Int32Array {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [oh, ow] = a.outShape.slice(2) as [number, number];
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [ph, pw] = a.padding;
  const [dh, dw] = a.dilation;
  const data = floatData(x);
  const out = new Int32Array(n * c * oh * ow);
  // the taps inside the image, per output row and per output column (the same for every plane)
  const rows = new Int32Array(2 * oh);
  const cols = new Int32Array(2 * ow);
  for (let i = 0; i < oh; i++) rows.set(tapRange(i * sh - ph, dh, kh, h), 2 * i);
  for (let j = 0; j < ow; j++) cols.set(tapRange(j * sw - pw, dw, kw, w), 2 * j);
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let i = 0; i < oh; i++) {
      const u0 = rows[2 * i] as number;
      const u1 = rows[2 * i + 1] as number;
      const r0 = i * sh - ph;
      for (let j = 0; j < ow; j++) {
        const v0 = cols[2 * j] as number;
        const v1 = cols[2 * j + 1] as number;
        const c0 = j * sw - pw;
        let best = -1;
        let bestValue = Number.NEGATIVE_INFINITY;
        for (let u = u0; u < u1; u++) {
          const line = base + (r0 + u * dh) * w + c0;
          for (let v = v0; v < v1; v++) {
            const at = line + v * dw;
            const value = data[at] as number;
            // value > best, or the first tap, or a NaN (which wins and stays)
            if (value > bestValue || best < 0 || (Number.isNaN(value) && !Number.isNaN(bestValue))) {
              best = at;
              bestValue = value;
            }
          }
        }
        out[o++] = best;
      }
    }
  }
  return out;
}

/** out[o] = x[indices[o]]: reads a max pool's chosen elements. ∂ = poolScatter(ḡ). */
export const poolSelectOp: OpDef<PoolIndexAttrs, readonly [Tensor]> = {
  name: "poolSelect",
  saves: "none",
  forward: ([x], { indices, outShape }) => {
    const out = allocate(x.dtype, indices.length);
    const data = readData(x);
    for (let o = 0; o < indices.length; o++) out[o] = data[indices[o] as number] as number;
    return { shape: outShape, data: out };
  },
  backward: (g, { attrs }) => [apply(poolScatterOp, [g], attrs)],
};

/** The adjoint of poolSelect: zeros of the input's shape with ḡ added at the chosen elements. ∂ = poolSelect(ḡ). */
export const poolScatterOp: OpDef<PoolIndexAttrs, readonly [Tensor]> = {
  name: "poolScatter",
  saves: "none",
  forward: ([g], { indices, inShape }) => {
    const out = allocate(g.dtype, checkResultShape(inShape, "poolScatter"));
    const data = floatData(g);
    for (let o = 0; o < indices.length; o++) {
      const at = indices[o] as number;
      out[at] = (out[at] as number) + (data[o] as number);
    }
    return { shape: inShape, data: out };
  },
  backward: (g, { attrs }) => [apply(poolSelectOp, [g], attrs)],
};

/**
 * 2-D max pooling (`torch.nn.functional.max_pool2d`): each output is the maximum of its window
 * (NaN wins, as in PyTorch), read at the indices `maxPool2d` found when it was called; so the
 * forward is poolSelect's, and ∂ = ḡ added at each window's maximum (the first one on ties).
 */
export const maxPool2dOp: OpDef<MaxPoolAttrs, readonly [Tensor]> = {
  name: "maxPool2d",
  saves: "none",
  forward: poolSelectOp.forward,
  backward: (g, { attrs }) => [apply(poolScatterOp, [g], attrs)],
};

/** x as [N, C, H, W] (an unbatched [C, H, W] gets N = 1), checked; `undo` restores the batch form. */
function batched(x: Tensor, op: string): { x4: Tensor; undo: (y: Tensor) => Tensor } {
  if (!(x instanceof Tensor)) throw new ChainruleError(`${op}: input must be a Tensor, got ${describe(x)}`);
  if (x.ndim === 4) return { x4: x, undo: (y) => y };
  if (x.ndim === 3) return { x4: x.unsqueeze(0), undo: (y) => y.squeeze(0) };
  throw new ChainruleError(`${op}: expected input [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
}

/** Output length of a pooled axis: ⌊(size + 2·pad − dilation·(k − 1) − 1)/stride⌋ + 1. */
const pooled = (size: number, pad: number, k: number, s: number, d: number): number =>
  Math.floor((size + 2 * pad - d * (k - 1) - 1) / s) + 1;

/** Kernel, stride and padding of a pool, checked: padding at most half the kernel, a non-empty output. */
function geometry(
  op: string,
  x4: Tensor,
  kernelSize: Pair,
  options: { stride?: Pair; padding?: Pair; dilation?: Pair },
) {
  const kernel = pair(kernelSize, 1, op, "kernelSize", 1);
  const stride2 = options.stride === undefined ? kernel : pair(options.stride, 1, op, "stride", 1);
  const padding = pair(options.padding, 0, op, "padding", 0);
  const dilation = pair(options.dilation, 1, op, "dilation", 1);
  if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
    throw new ChainruleError(
      `${op}: padding ${JSON.stringify(padding)} must be at most half the kernel ${JSON.stringify(kernel)}`,
    );
  }
  const [h, w] = x4.shape.slice(2) as [number, number];
  const oh = pooled(h, padding[0], kernel[0], stride2[0], dilation[0]);
  const ow = pooled(w, padding[1], kernel[1], stride2[1], dilation[1]);
  if (oh < 1 || ow < 1) {
    throw new ChainruleError(
      `${op}: the window ${JSON.stringify(kernel)} does not fit the input ${fmtShape(x4.shape)} (padding ${JSON.stringify(padding)})`,
    );
  }
  return { kernel, stride: stride2, padding, dilation, oh, ow };
}

/**
 * 2-D max pooling (`torch.nn.functional.max_pool2d`, no ceil mode): the maximum of each
 * kernel window, stepping by `stride` (default the kernel), with −∞ padding. One "maxPool2d" node;
 * the gradient goes to each window's maximum.
 *
 * @example
 * const x = tensor([[[[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 9, 8], [2, 1, 7, 6]]]]);
 * nn.maxPool2d(x, 2).toArray(); // [[[[4, 5], [2, 9]]]]
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, options?: MaxPool2dOptions): Tensor {
  const op = "maxPool2d";
  const o = checkOptions(options, op);
  const { x4, undo } = batched(x, op);
  const g = geometry(op, x4, kernelSize, o);
  const outShape = [x4.shape[0] as number, x4.shape[1] as number, g.oh, g.ow];
  const windows: MaxPoolGeometry = { ...g, outShape };
  const indices = argmaxWindows(x4, windows);
  return undo(apply(maxPool2dOp, [x4], { ...windows, indices, inShape: x4.shape }));
}

/**
 * The windows of an average pool: output row i sums input rows [rows[2i], rows[2i + 1]) and
 * output column j columns [cols[2j], cols[2j + 1]) (clipped to the image), then divides by
 * divisor[i·ow + j] (the window's full size, padding included, as PyTorch's count_include_pad).
 */
export interface AvgPoolAttrs {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  readonly divisor: Float64Array;
  /** [N, C, H, W] and [N, C, oh, ow]. */
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  /** Which public function made it: the name its forward node shows. */
  readonly adaptive: boolean;
}

/**
 * Calls `visit(o, first, height, width, divisor)` for every output o of an average pool, in
 * order: its window is `height` rows of `width` entries of the input, the first at flat index
 * `first`, rows W apart (W the input's width).
 */
function eachWindow(
  a: AvgPoolAttrs,
  visit: (o: number, first: number, height: number, width: number, divisor: number) => void,
): void {
  const [n, c, h, w] = a.inShape as [number, number, number, number];
  const [oh, ow] = a.outShape.slice(2) as [number, number];
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    for (let i = 0; i < oh; i++) {
      const r0 = a.rows[2 * i] as number;
      const height = (a.rows[2 * i + 1] as number) - r0;
      for (let j = 0; j < ow; j++) {
        const c0 = a.cols[2 * j] as number;
        const width = (a.cols[2 * j + 1] as number) - c0;
        visit(o++, plane * h * w + r0 * w + c0, height, width, a.divisor[i * ow + j] as number);
      }
    }
  }
}

/**
 * y[n, c, i, j] = (Σ_{r ∈ rows_i, s ∈ cols_j} x[n, c, r, s]) / divisor[i, j]: a sum per window,
 * then one division (PyTorch's order). Linear; ∂x = avgPoolSpread(ḡ), its adjoint.
 */
function windowMeans(x: Tensor, a: AvgPoolAttrs) {
  const w = a.inShape[3] as number;
  const xd = floatData(x);
  const out = allocFloat(x, checkResultShape(a.outShape, "avgPool2d"));
  eachWindow(a, (o, first, height, width, divisor) => {
    let total = 0;
    for (let r = 0; r < height; r++)
      for (let q = first + r * w, e = q + width; q < e; q++) total += xd[q] as number;
    out[o] = total / divisor;
  });
  return { shape: a.outShape, data: out };
}

const avgPoolBackward: OpDef<AvgPoolAttrs, readonly [Tensor]>["backward"] = (g, { attrs }) => [
  apply(avgPoolSpreadOp, [g], attrs),
];

/** 2-D average pooling (`avgPool2d`): the mean of each window, padding counted. ∂ = avgPoolSpread(ḡ). */
export const avgPool2dOp: OpDef<AvgPoolAttrs, readonly [Tensor]> = {
  name: "avgPool2d",
  saves: "none",
  forward: ([x], attrs) => windowMeans(x, attrs),
  backward: avgPoolBackward,
};

/** Adaptive average pooling (`adaptiveAvgPool2d`): as avgPool2d, with windows of varying size. */
export const adaptiveAvgPool2dOp: OpDef<AvgPoolAttrs, readonly [Tensor]> = {
  name: "adaptiveAvgPool2d",
  saves: "none",
  forward: ([x], attrs) => windowMeans(x, attrs),
  backward: avgPoolBackward,
};

/**
 * The adjoint of the average pools: x̄[n, c, r, s] = Σ over the windows (i, j) holding (r, s) of
 * ḡ[n, c, i, j]/divisor[i, j] — each output's gradient spread evenly over its window.
 * ∂ = the average pool itself.
 */
export const avgPoolSpreadOp: OpDef<AvgPoolAttrs, readonly [Tensor]> = {
  name: "avgPoolSpread",
  saves: "none",
  forward: ([g], a) => {
    const w = a.inShape[3] as number;
    const gd = floatData(g);
    const out = allocFloat(g, checkResultShape(a.inShape, "avgPoolSpread"));
    out.fill(0);
    eachWindow(a, (o, first, height, width, divisor) => {
      const share = (gd[o] as number) / divisor;
      for (let r = 0; r < height; r++)
        for (let q = first + r * w, e = q + width; q < e; q++) out[q] = (out[q] as number) + share;
    });
    return { shape: a.inShape, data: out };
  },
  backward: (h, { attrs }) => [apply(attrs.adaptive ? adaptiveAvgPool2dOp : avgPool2dOp, [h], attrs)],
};

/**
 * An average pool's attributes over x4 [N, C, H, W] from the window of each output row and column
 * ([start, end) before clipping to the image: `end − start` is the size the mean divides by).
 */
function avgPoolAttrs(
  x4: Tensor,
  out: readonly [number, number],
  span: (axis: 0 | 1, i: number) => [number, number],
  adaptive: boolean,
): AvgPoolAttrs {
  const [n, c, h, w] = x4.shape as [number, number, number, number];
  const sizes: number[][] = [[], []];
  const ranges = ([0, 1] as const).map((axis) => {
    const len = [h, w][axis] as number;
    const r = new Int32Array(2 * (out[axis] as number));
    for (let i = 0; i < (out[axis] as number); i++) {
      const [start, end] = span(axis, i);
      r[2 * i] = Math.max(0, start);
      r[2 * i + 1] = Math.min(len, end);
      (sizes[axis] as number[]).push(end - start);
    }
    return r;
  }) as [Int32Array, Int32Array];
  const [oh, ow] = out;
  const divisor = new Float64Array(oh * ow);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++) divisor[i * ow + j] = (sizes[0]?.[i] as number) * (sizes[1]?.[j] as number);
  return {
    rows: ranges[0],
    cols: ranges[1],
    divisor,
    inShape: [n, c, h, w],
    outShape: [n, c, oh, ow],
    adaptive,
  };
}

/**
 * 2-D average pooling (`torch.nn.functional.avg_pool2d`, count_include_pad, no ceil mode): the
 * mean of each kernel window, zero padding counted. One "avgPool2d" node; linear, so
 * ∂x = ḡ/(kh·kw) spread over each window (avgPoolSpread, whose own derivative is the pool again).
 *
 * @example
 * const x = tensor([[[[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 9, 8], [2, 1, 7, 6]]]]);
 * nn.avgPool2d(x, 2).toArray(); // [[[[2.5, 1.75], [0.75, 7.5]]]]
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, options?: AvgPool2dOptions): Tensor {
  const op = "avgPool2d";
  const o = checkOptions(options, op);
  const { x4, undo } = batched(x, op);
  const g = geometry(op, x4, kernelSize, { stride: o.stride, padding: o.padding });
  const attrs = avgPoolAttrs(
    x4,
    [g.oh, g.ow],
    (axis, i) => {
      const start = i * g.stride[axis] - g.padding[axis];
      return [start, start + g.kernel[axis]];
    },
    false,
  );
  return undo(apply(avgPool2dOp, [x4], attrs));
}

/**
 * Adaptive average pooling (`torch.nn.functional.adaptive_avg_pool2d`): an output of `outputSize`
 * [oh, ow] whose element (i, j) averages rows [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉) and the columns likewise;
 * `outputSize` 1 is global average pooling. One "adaptiveAvgPool2d" node, linear like `avgPool2d`.
 *
 * @example
 * nn.adaptiveAvgPool2d(tensor([[[[1, 2, 3], [4, 5, 6]]]]), 1).toArray(); // [[[[3.5]]]]
 * nn.adaptiveAvgPool2d(tensor([[[[1, 2, 3], [4, 5, 6]]]]), [1, 2]).toArray(); // [[[[3, 4]]]]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  const op = "adaptiveAvgPool2d";
  const { x4, undo } = batched(x, op);
  const out = pair(outputSize, 1, op, "outputSize", 1);
  const size = x4.shape.slice(2) as [number, number];
  // window i of an axis of `len` into `n`: [⌊i·len/n⌋, ⌈(i+1)·len/n⌉)
  const attrs = avgPoolAttrs(
    x4,
    out,
    (axis, i) => {
      const len = size[axis];
      const n = out[axis];
      return [Math.floor((i * len) / n), Math.ceil(((i + 1) * len) / n)];
    },
    true,
  );
  return undo(apply(adaptiveAvgPool2dOp, [x4], attrs));
}

/**
 * Max pooling layer (`torch.nn.MaxPool2d`): `maxPool2d(x, kernelSize, options)`.
 *
 * @example
 * new nn.MaxPool2d(2).forward(zeros([1, 3, 28, 28])).shape; // [1, 3, 14, 14]
 */
export class MaxPool2d extends Layer {
  constructor(
    readonly kernelSize: Pair,
    readonly options: MaxPool2dOptions = {},
  ) {
    super();
    pair(kernelSize, 1, "MaxPool2d", "kernelSize", 1);
    checkOptions(options, "MaxPool2d");
  }
  /** maxPool2d(x, kernelSize, options). */
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
}

/**
 * Average pooling layer (`torch.nn.AvgPool2d`): `avgPool2d(x, kernelSize, options)`.
 *
 * @example
 * new nn.AvgPool2d(2).forward(zeros([1, 3, 28, 28])).shape; // [1, 3, 14, 14]
 */
export class AvgPool2d extends Layer {
  constructor(
    readonly kernelSize: Pair,
    readonly options: AvgPool2dOptions = {},
  ) {
    super();
    pair(kernelSize, 1, "AvgPool2d", "kernelSize", 1);
    checkOptions(options, "AvgPool2d");
  }
  /** avgPool2d(x, kernelSize, options). */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}

/**
 * Adaptive average pooling layer (`torch.nn.AdaptiveAvgPool2d`): `adaptiveAvgPool2d(x, outputSize)`.
 *
 * @example
 * new nn.AdaptiveAvgPool2d(1).forward(zeros([2, 8, 7, 7])).shape; // [2, 8, 1, 1]
 */
export class AdaptiveAvgPool2d extends Layer {
  constructor(readonly outputSize: Pair) {
    super();
    pair(outputSize, 1, "AdaptiveAvgPool2d", "outputSize", 1);
  }
  /** adaptiveAvgPool2d(x, outputSize). */
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
