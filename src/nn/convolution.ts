/**
 * Convolution as recorded ops: `unfold` (im2col) and its adjoint `fold` (col2im), each the
 * other's backward, and `conv2d` as one graph node (im2col + `gemm` + bias) whose backward is
 * written with unfold, fold, matmul and sum, so second derivatives work. `conv1d` is conv2d with
 * a height of 1 (reshapes around one "conv2d" node).
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { checkResultShape } from "../tensor/broadcast";
import type { FloatArray } from "../tensor/dtype";
import { gemm } from "../tensor/kernels/backend";
import {
  addChannelBias,
  col2im,
  gatherChannels,
  im2col,
  scatterChannels,
  scratch,
  type Window,
} from "../tensor/kernels/conv";
import { squeeze, sum, unsqueeze } from "../tensor/ops/all";
import { apply } from "../tensor/ops/apply";
import { allocFloat, checkTensor, floatData } from "../tensor/ops/util";
import type { OpDef, Tensor } from "../tensor/tensor";
import { checkOptions } from "../validate";

/** A size per spatial axis: one number for both, or [height, width]. */
export type Pair = number | readonly [number, number];

/** Options of `unfold` and `fold` (torch.nn.functional.unfold/fold). */
export interface UnfoldOptions {
  /** Spacing between kernel taps; default 1. */
  dilation?: Pair;
  /** Zeros added on every side; default 0. */
  padding?: Pair;
  /** Step of the window; default 1. */
  stride?: Pair;
}

/** Options of `conv2d`. */
export interface Conv2dOptions {
  /** Step of the window; default 1. */
  stride?: Pair;
  /**
   * Zeros added on both sides of each spatial axis (default 0), `"valid"` (0) or `"same"` (the
   * output has the input's size; stride 1 only; an odd total puts the extra zero at the
   * bottom/right, as PyTorch does).
   */
  padding?: Pair | "same" | "valid";
  /** Spacing between kernel taps; default 1. */
  dilation?: Pair;
  /** Channel groups: input and output channels are split into `groups` independent blocks; default 1. */
  groups?: number;
}

/** Options of `conv1d`: as conv2d's, with single numbers. */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | "same" | "valid";
  dilation?: number;
  groups?: number;
}

/** The window of unfold/fold/conv2d: kernel, stride, dilation, padding [top, bottom, left, right], image [H, W]. */
export interface UnfoldAttrs {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: readonly [number, number, number, number];
  readonly size: readonly [number, number];
}

/**
 * The attributes of conv2d, convTranspose2d and conv2dWeight: the window over the image (size =
 * conv2d's input H, W), the number of groups and, for a transposed convolution whose output
 * padding reaches the stride, the block grid [oh, ow] when it is smaller than the one the window
 * makes (the positions past it read nothing and are left out).
 */
export interface Conv2dAttrs extends UnfoldAttrs {
  readonly groups: number;
  readonly grid?: readonly [number, number];
  /**
   * A 1-D convolution (conv1d): the tensors have no height axis ([N, C, L], weights [Cout, Cg, k])
   * and the window's height is 1. The data are laid out as the 2-D case with H = 1.
   */
  readonly oneD?: boolean;
}

/** A result shape of the conv family, without the height axis (index 2) for a 1-D convolution. */
const convShape = (attrs: Conv2dAttrs, shape: number[]): number[] =>
  attrs.oneD ? [...shape.slice(0, 2), ...shape.slice(3)] : shape;

/** Output grid size along one axis, ⌊(n + padding − d·(k − 1) − 1)/s⌋ + 1 (≤ 0: kernel too large). */
const outSize = (n: number, pad: number, k: number, s: number, d: number) =>
  Math.floor((n + pad - d * (k - 1) - 1) / s) + 1;

/** The kernel geometry for `c` channels. */
function windowOf(a: UnfoldAttrs & { grid?: readonly [number, number] }, c: number): Window {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [dh, dw] = a.dilation;
  const [pt, pb, pl, pr] = a.padding;
  const [h, w] = a.size;
  return {
    c,
    h,
    w,
    kh,
    kw,
    sh,
    sw,
    pt,
    pl,
    dh,
    dw,
    oh: a.grid?.[0] ?? outSize(h, pt + pb, kh, sh, dh),
    ow: a.grid?.[1] ?? outSize(w, pl + pr, kw, sw, dw),
  };
}

/**
 * im2col: x [N, C, H, W] → columns [N, C·kh·kw, L], L = oh·ow blocks, row (c·kh + i)·kw + j
 * holding x[c, oy·sh − pt + i·dh, ox·sw − pl + j·dw] (0 in the padding). Linear, so
 * ∂x = fold(ḡ) (its adjoint, summing the copies of each pixel).
 */
export const unfoldOp: OpDef<UnfoldAttrs, readonly [Tensor]> = {
  name: "unfold",
  saves: "none",
  forward: ([x], attrs) => {
    const [n, c] = x.shape as [number, number];
    const win = windowOf(attrs, c);
    const rows = c * win.kh * win.kw;
    const l = win.oh * win.ow;
    const shape = [n, rows, l];
    const out = allocFloat(x, checkResultShape(shape, "unfold"));
    const xd = floatData(x);
    const img = c * win.h * win.w;
    for (let i = 0; i < n; i++) im2col(xd, i * img, win, out, i * rows * l);
    return { shape, data: out };
  },
  backward: (g, { attrs }) => [apply(foldOp, [g], attrs)],
};

/**
 * col2im, the adjoint of unfold: columns [N, C·kh·kw, L] → [N, C, H, W], each entry added to the
 * pixel unfold read it from (overlapping blocks sum; padding is dropped). ∂ = unfold(ḡ).
 */
export const foldOp: OpDef<UnfoldAttrs, readonly [Tensor]> = {
  name: "fold",
  saves: "none",
  forward: ([cols], attrs) => {
    const [n, rows] = cols.shape as [number, number];
    const [kh, kw] = attrs.kernel;
    const c = rows / (kh * kw);
    const win = windowOf(attrs, c);
    const [h, w] = attrs.size;
    const shape = [n, c, h, w];
    const out = allocFloat(cols, checkResultShape(shape, "fold"));
    out.fill(0);
    const cd = floatData(cols);
    const l = win.oh * win.ow;
    for (let i = 0; i < n; i++) col2im(cd, i * rows * l, win, out, i * c * h * w);
    return { shape, data: out };
  },
  backward: (g, { attrs }) => [apply(unfoldOp, [g], attrs)],
};

/** Most entries one columns buffer holds: a bigger batch is processed in chunks of images. */
const CONV_CHUNK = 1 << 21;

/** The sizes of a convolution: x [n, c, h, w] ⋆ W [cout, c/groups, kh, kw] → [n, cout, oh, ow]. */
interface ConvSizes {
  readonly n: number;
  readonly cout: number;
  readonly groups: number;
  readonly win: Window;
  /** oh·ow. */
  readonly l: number;
  /** c/groups·kh·kw: the rows of one group's columns. */
  readonly kg: number;
  /** cout/groups. */
  readonly cog: number;
  /** Images per chunk. */
  readonly chunk: number;
}

function convSizes(attrs: Conv2dAttrs, n: number, c: number, cout: number): ConvSizes {
  const win = windowOf(attrs, c);
  const l = win.oh * win.ow;
  const k = c * win.kh * win.kw;
  const chunk = Math.max(1, Math.min(n, Math.floor(CONV_CHUNK / Math.max(1, k * l))));
  const { groups } = attrs;
  return { n, cout, groups, win, l, kg: k / groups, cog: cout / groups, chunk };
}

/**
 * Runs `body(start, m, cols, ld)` over the batch in chunks of m images, with `cols` a reused
 * scratch buffer for their columns [c·kh·kw, m·l] (ld = m·l) and `prod` one for [cout, m·l].
 */
function chunks(
  like: Tensor,
  s: ConvSizes,
  body: (start: number, m: number, cols: FloatArray, prod: FloatArray, ld: number) => void,
): void {
  const cols = scratch(floatData(like), 0, s.kg * s.groups * s.chunk * s.l);
  const prod = scratch(floatData(like), 1, s.cout * s.chunk * s.l);
  for (let start = 0; start < s.n; start += s.chunk) {
    const m = Math.min(s.chunk, s.n - start);
    body(start, m, cols, prod, m * s.l);
  }
}

/**
 * The three products of a convolution, each one recorded op whose backward is written with the
 * other two, so gradients of any order work (PyTorch's convolution_backward does the same):
 *
 *   conv2d:           y = W ⋆ x              (Y_g = W_g·X_g,   X = unfold(x) [c·kh·kw, N·L])
 *   convTranspose2d:  x̄ = fold(W_gᵀ·Ḡ_g)      (∂⟨ḡ, W ⋆ x⟩/∂x, conv2d's adjoint in x)
 *   conv2dWeight:     W̄_g = Ḡ_g·X_gᵀ          (∂⟨ḡ, W ⋆ x⟩/∂W)
 *
 * Ḡ is ḡ [N, cout, oh, ow] read as [cout, N·L]. Each is bilinear, so its backward is the other
 * two: for convTranspose2d(ḡ, W), ∂ḡ = conv2d(h̄, W) and ∂W = conv2dWeight(h̄, ḡ); for
 * conv2dWeight(x, ḡ), ∂x = convTranspose2d(ḡ, h̄) and ∂ḡ = conv2d(x, h̄). The whole batch is one
 * matrix product per group (in chunks of images, through reused scratch buffers), not one per image.
 */
export const conv2dOp: OpDef<Conv2dAttrs> = {
  name: "conv2d",
  saves: "inputs",
  forward: (inputs, attrs) => {
    const [x, wt, b] = inputs as [Tensor, Tensor, Tensor | undefined];
    const s = convSizes(attrs, x.shape[0] as number, x.shape[1] as number, wt.shape[0] as number);
    const { win, l, kg, cog } = s;
    const shape = convShape(attrs, [s.n, s.cout, win.oh, win.ow]);
    const y = allocFloat(x, checkResultShape(shape, "conv2d"));
    const xd = floatData(x);
    const wd = floatData(wt);
    const bd = b ? floatData(b) : null;
    const img = win.c * win.h * win.w;
    chunks(x, s, (start, m, cols, prod, ld) => {
      for (let i = 0; i < m; i++) im2col(xd, (start + i) * img, win, cols, i * l, ld);
      for (let gi = 0; gi < s.groups; gi++)
        gemm(wd, gi * cog * kg, cols, gi * kg * ld, prod, gi * cog * ld, cog, kg, ld);
      scatterChannels(prod, m, s.cout, l, y, start * s.cout * l, bd);
    });
    return { shape, data: y };
  },
  backward: (g, { inputs, attrs, needs }) => {
    const [x, wt] = inputs as [Tensor, Tensor];
    return [
      needs[0] ? apply(convTranspose2dOp, [g, wt], attrs) : null,
      needs[1] ? apply(conv2dWeightOp, [x, g], attrs) : null,
      needs[2] ? sum(g, attrs.oneD ? [0, 2] : [0, 2, 3]) : null,
    ];
  },
};

/**
 * conv1d (`attrs.oneD`): conv2d with a height of 1, on tensors without the height axis; one
 * "conv1d" node with conv2d's forward and backward (its gradients come out 1-D too).
 */
export const conv1dOp: OpDef<Conv2dAttrs> = { ...conv2dOp, name: "conv1d" };

/**
 * The transposed convolution, conv2d's adjoint in its input (and so its gradient in x): x
 * [N, cin, gh, gw] (conv2d's output grid), W [cin, cout/G, kh, kw] (a conv2d weight from cout to
 * cin channels), optional b [cout] → y [N, cout, H, W] = fold(W_gᵀ·X_g) + b for the image size
 * `attrs.size` (see conv2dOp). ∂x = conv2d(ḡ, W), ∂W = conv2dWeight(ḡ, x), ∂b = Σ_{n, y, x} ḡ.
 */
export const convTranspose2dOp: OpDef<Conv2dAttrs> = {
  name: "convTranspose2d",
  saves: "inputs",
  forward: (inputs, attrs) => {
    const [g, wt, b] = inputs as [Tensor, Tensor, Tensor | undefined];
    const groups = attrs.groups;
    const c = (wt.shape[1] as number) * groups;
    const s = convSizes(attrs, g.shape[0] as number, c, wt.shape[0] as number);
    const { win, l, kg, cog } = s;
    const [h, w] = attrs.size;
    const shape = convShape(attrs, [s.n, c, h, w]);
    const x = allocFloat(g, checkResultShape(shape, "convTranspose2d"));
    x.fill(0);
    const gd = floatData(g);
    const wd = floatData(wt);
    const img = c * h * w;
    chunks(g, s, (start, m, cols, prod, ld) => {
      gatherChannels(gd, start * s.cout * l, m, s.cout, l, prod);
      for (let gi = 0; gi < groups; gi++)
        gemm(wd, gi * cog * kg, prod, gi * cog * ld, cols, gi * kg * ld, kg, cog, ld, false, true);
      for (let i = 0; i < m; i++) col2im(cols, i * l, win, x, (start + i) * img, ld);
    });
    if (b) {
      const bd = floatData(b);
      for (let i = 0; i < s.n; i++) addChannelBias(x, i * img, bd, 0, c, h * w);
    }
    return { shape, data: x };
  },
  backward: (h, { inputs, attrs, needs }) => {
    const [g, wt] = inputs as [Tensor, Tensor];
    return [
      needs[0] ? apply(conv2dOp, [h, wt], attrs) : null,
      needs[1] ? apply(conv2dWeightOp, [h, g], attrs) : null,
      needs[2] ? sum(h, attrs.oneD ? [0, 2] : [0, 2, 3]) : null,
    ];
  },
};

/**
 * conv2d's gradient in W: x [N, c, H, W], ḡ [N, cout, oh, ow] → W̄ [cout, c/G, kh, kw] with
 * W̄_g = Ḡ_g·X_gᵀ = Σ_n ḡ_n,g·unfold(x_n)_gᵀ (see conv2dOp).
 */
export const conv2dWeightOp: OpDef<Conv2dAttrs, readonly [Tensor, Tensor]> = {
  name: "conv2dWeight",
  saves: "inputs",
  forward: ([x, g], attrs) => {
    const s = convSizes(attrs, x.shape[0] as number, x.shape[1] as number, g.shape[1] as number);
    const { win, l, kg, cog } = s;
    const shape = convShape(attrs, [s.cout, kg / (win.kh * win.kw), win.kh, win.kw]);
    const dw = allocFloat(x, checkResultShape(shape, "conv2dWeight"));
    const part = s.chunk < s.n ? allocFloat(x, dw.length) : dw;
    const xd = floatData(x);
    const gd = floatData(g);
    const img = win.c * win.h * win.w;
    chunks(x, s, (start, m, cols, prod, ld) => {
      for (let i = 0; i < m; i++) im2col(xd, (start + i) * img, win, cols, i * l, ld);
      gatherChannels(gd, start * s.cout * l, m, s.cout, l, prod);
      for (let gi = 0; gi < s.groups; gi++)
        gemm(prod, gi * cog * ld, cols, gi * kg * ld, part, gi * cog * kg, cog, ld, kg, true);
      if (part !== dw) for (let j = 0; j < dw.length; j++) dw[j] = (dw[j] as number) + (part[j] as number);
    });
    return { shape, data: dw };
  },
  backward: (h, { inputs: [x, g], attrs, needs }) => [
    needs[0] ? apply(convTranspose2dOp, [g, h], attrs) : null,
    needs[1] ? apply(conv2dOp, [x, h], attrs) : null,
  ],
};

/** A positive (or, with `min` 0, non-negative) integer pair from a number or a 2-array. */
export function pair(v: unknown, fallback: number, op: string, what: string, min: number): [number, number] {
  const p = v === undefined ? [fallback, fallback] : typeof v === "number" ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    const kind = min === 0 ? "a non-negative integer" : "a positive integer";
    throw new ChainruleError(`${op}: ${what} must be ${kind} or a pair of them, got ${describe(v)}`);
  }
  return [p[0] as number, p[1] as number];
}

/** The window attributes from public options, checking that the kernel fits the padded image. */
function windowAttrs(
  op: string,
  input: readonly number[],
  size: readonly [number, number],
  kernel: readonly [number, number],
  o: UnfoldOptions,
  pad?: readonly [number, number, number, number],
): UnfoldAttrs {
  const stride = pair(o.stride, 1, op, "stride", 1);
  const dilation = pair(o.dilation, 1, op, "dilation", 1);
  let padding = pad;
  if (padding === undefined) {
    const [ph, pw] = pair(o.padding, 0, op, "padding", 0);
    padding = [ph, ph, pw, pw];
  }
  const a: UnfoldAttrs = { kernel, stride, dilation, padding, size };
  const win = windowOf(a, 1);
  if (win.oh < 1 || win.ow < 1) {
    const [h, w] = size;
    throw new ChainruleError(
      `${op}: the kernel ${kernel[0]}×${kernel[1]} (dilation ${dilation[0]}×${dilation[1]}, spanning ` +
        `${dilation[0] * (kernel[0] - 1) + 1}×${dilation[1] * (kernel[1] - 1) + 1}) is larger than the padded input ` +
        `${h + padding[0] + padding[1]}×${w + padding[2] + padding[3]} (input ${fmtShape(input)}, padding top, bottom, left, right ${fmtShape(padding)})`,
    );
  }
  return a;
}

/**
 * Extracts sliding blocks (`torch.nn.functional.unfold`, im2col): x [N, C, H, W] → [N, C·kh·kw, L],
 * where L = oh·ow is the number of block positions, oh = ⌊(H + 2·ph − dh·(kh − 1) − 1)/sh⌋ + 1
 * (likewise ow). Column l holds block l flattened channel-major. Linear: ∂x = fold(ḡ).
 *
 * @example
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
 * nn.unfold(x, 2).toArray(); // [[[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]]
 */
export function unfold(x: Tensor, kernel: Pair, options?: UnfoldOptions): Tensor {
  checkTensor(x, "unfold", "input");
  const o = checkOptions(options, "unfold");
  if (x.ndim !== 4)
    throw new ChainruleError(`unfold: input must be 4-D [N, C, H, W], got ${fmtShape(x.shape)}`);
  const k = pair(kernel, 1, "unfold", "kernel", 1);
  const size = [x.shape[2], x.shape[3]] as [number, number];
  return apply(unfoldOp, [x], windowAttrs("unfold", x.shape, size, k, o));
}

/**
 * Sums sliding blocks back into an image (`torch.nn.functional.fold`, col2im), the adjoint of
 * unfold: cols [N, C·kh·kw, L] → [N, C, H, W] for `outputSize` [H, W]; overlapping entries add
 * up and padding is dropped. L must be the number of blocks unfold makes. ∂ = unfold(ḡ).
 *
 * @example
 * const cols = nn.unfold(tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]), 2);
 * nn.fold(cols, [3, 3], 2).toArray(); // [[[[1, 4, 3], [8, 20, 12], [7, 16, 9]]]]
 */
export function fold(cols: Tensor, outputSize: Pair, kernel: Pair, options?: UnfoldOptions): Tensor {
  checkTensor(cols, "fold", "input");
  const o = checkOptions(options, "fold");
  if (cols.ndim !== 3)
    throw new ChainruleError(`fold: input must be 3-D [N, C·kh·kw, L], got ${fmtShape(cols.shape)}`);
  const size = pair(outputSize, 1, "fold", "outputSize", 1);
  const k = pair(kernel, 1, "fold", "kernel", 1);
  const rows = cols.shape[1] as number;
  if (rows % (k[0] * k[1]) !== 0)
    throw new ChainruleError(
      `fold: input ${fmtShape(cols.shape)} has ${rows} rows, not a multiple of the kernel size ${k[0]}×${k[1]}`,
    );
  const a = windowAttrs("fold", cols.shape, size, k, o);
  const win = windowOf(a, 1);
  if (cols.shape[2] !== win.oh * win.ow)
    throw new ChainruleError(
      `fold: input ${fmtShape(cols.shape)} has ${cols.shape[2]} blocks, but outputSize ${fmtShape(size)} with ` +
        `kernel ${fmtShape(k)} makes ${win.oh}×${win.ow} = ${win.oh * win.ow}`,
    );
  return apply(foldOp, [cols], a);
}

/** [top, bottom, left, right] padding from conv2d's option, for the kernel span. */
function convPadding(
  p: Conv2dOptions["padding"],
  op: string,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  dilation: readonly [number, number],
): [number, number, number, number] {
  if (p === "valid") return [0, 0, 0, 0];
  if (p === "same") {
    if (stride[0] !== 1 || stride[1] !== 1)
      throw new ChainruleError(`${op}: padding "same" needs stride 1, got stride ${fmtShape(stride)}`);
    const t = dilation[0] * (kernel[0] - 1);
    const s = dilation[1] * (kernel[1] - 1);
    return [t >> 1, t - (t >> 1), s >> 1, s - (s >> 1)];
  }
  if (typeof p === "string")
    throw new ChainruleError(
      `${op}: padding must be a non-negative integer, a pair of them, "same" or "valid", got ${describe(p)}`,
    );
  const [ph, pw] = pair(p, 0, op, "padding", 0);
  return [ph, ph, pw, pw];
}

/**
 * Checks conv2d's stride, dilation and padding for a kernel (what modules check once, at
 * construction), throwing `ChainruleError` naming `op`.
 */
export function checkConv2dOptions(op: string, o: Conv2dOptions, kernel: readonly [number, number]): void {
  const stride = pair(o.stride, 1, op, "stride", 1);
  const dilation = pair(o.dilation, 1, op, "dilation", 1);
  convPadding(o.padding, op, kernel, stride, dilation);
}

/** Checks conv1d's single-number options (throwing `ChainruleError` naming `op`). */
export function checkConv1dOptions(op: string, o: Conv1dOptions): void {
  for (const key of ["stride", "dilation"] as const) {
    const v = o[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new ChainruleError(`${op}: ${key} must be a positive integer, got ${describe(v)}`);
  }
  const p = o.padding;
  if (p !== undefined && p !== "same" && p !== "valid" && (!Number.isInteger(p) || (p as number) < 0))
    throw new ChainruleError(
      `${op}: padding must be a non-negative integer, "same" or "valid", got ${describe(p)}`,
    );
  if (p === "same" && (o.stride ?? 1) !== 1)
    throw new ChainruleError(`${op}: padding "same" needs stride 1, got stride ${o.stride}`);
}

/** conv2d on a batched input, naming `op` in messages (conv1d reuses it). */
function conv2dBatched(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  o: Conv2dOptions,
  shown: { input: readonly number[]; weight: readonly number[] },
): Tensor {
  // conv1d passes [N, C, L] and [Cout, Cg, k]: read as H = kh = 1
  const oneD = x.ndim === 3;
  const [, c, h, w] = (oneD ? [x.shape[0], x.shape[1], 1, x.shape[2]] : x.shape) as [
    number,
    number,
    number,
    number,
  ];
  const [cout, cg, kh, kw] = (
    oneD ? [weight.shape[0], weight.shape[1], 1, weight.shape[2]] : weight.shape
  ) as [number, number, number, number];
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1)
    throw new ChainruleError(`${op}: groups must be a positive integer, got ${describe(o.groups)}`);
  if (cout % groups !== 0)
    throw new ChainruleError(
      `${op}: the weight ${fmtShape(shown.weight)} has ${cout} output channels, not divisible by groups ${groups}`,
    );
  if (cg * groups !== c)
    throw new ChainruleError(
      `${op}: input ${fmtShape(shown.input)} has ${c} channels, the weight ${fmtShape(shown.weight)} expects ` +
        `${cg * groups} (${cg} per group × groups ${groups})`,
    );
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== cout))
    throw new ChainruleError(
      `${op}: bias ${fmtShape(bias.shape)} must have shape [${cout}] for the weight ${fmtShape(shown.weight)}`,
    );
  const kernel = [kh, kw] as const;
  const stride = pair(o.stride, 1, op, "stride", 1);
  const dilation = pair(o.dilation, 1, op, "dilation", 1);
  const padding = convPadding(o.padding, op, kernel, stride, dilation);
  const a = windowAttrs(op, shown.input, [h, w], kernel, { stride, dilation }, padding);
  const attrs: Conv2dAttrs = oneD ? { ...a, groups, oneD } : { ...a, groups };
  return apply(oneD ? conv1dOp : conv2dOp, bias ? [x, weight, bias] : [x, weight], attrs);
}

/**
 * 2-D convolution (`torch.nn.functional.conv2d`, a cross-correlation) of x [N, Cin, H, W] (or
 * unbatched [Cin, H, W]) with weight [Cout, Cin/groups, kh, kw] and optional bias [Cout]:
 * y[n, o, oy, ox] = b[o] + Σ_{c, i, j} W[o, c, i, j]·x[n, g(o)·Cin/groups + c, oy·sh − ph + i·dh, ox·sw − pw + j·dw],
 * with output size ⌊(H + 2·ph − dh·(kh − 1) − 1)/sh⌋ + 1 (likewise the width). One "conv2d" node;
 * ∂x = fold(Wᵀ·ḡ), ∂W = Σ_n ḡ·unfold(x)ᵀ, ∂b = Σ_{n, oy, ox} ḡ (per group).
 *
 * @example
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
 * const w = tensor([[[[1, 0], [0, -1]]]]);
 * nn.conv2d(x, w, tensor([10])).toArray(); // [[[[6, 6], [6, 6]]]]
 * nn.conv2d(x, w, null, { padding: "same" }).toArray(); // [[[[-4, -4, 3], [-4, -4, 6], [7, 8, 9]]]]
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor {
  checkTensor(x, "conv2d", "input");
  checkTensor(weight, "conv2d", "weight");
  if (bias !== undefined && bias !== null) checkTensor(bias, "conv2d", "bias");
  const o = checkOptions(options, "conv2d");
  if (weight.ndim !== 4)
    throw new ChainruleError(
      `conv2d: weight must be 4-D [Cout, Cin/groups, kh, kw], got ${fmtShape(weight.shape)}`,
    );
  if (x.ndim !== 4 && x.ndim !== 3)
    throw new ChainruleError(
      `conv2d: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got ${fmtShape(x.shape)}`,
    );
  const shown = { input: x.shape, weight: weight.shape };
  if (x.ndim === 3) return squeeze(conv2dBatched("conv2d", unsqueeze(x, 0), weight, bias, o, shown), 0);
  return conv2dBatched("conv2d", x, weight, bias, o, shown);
}

/**
 * 1-D convolution (`torch.nn.functional.conv1d`) of x [N, Cin, L] (or unbatched [Cin, L]) with
 * weight [Cout, Cin/groups, k] and optional bias [Cout]: conv2d with a height of 1, as one
 * "conv1d" node. Output length ⌊(L + 2p − d·(k − 1) − 1)/s⌋ + 1.
 *
 * @example
 * nn.conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, -1]]])).toArray(); // [[[-1, -1, -1]]]
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv1dOptions): Tensor {
  checkTensor(x, "conv1d", "input");
  checkTensor(weight, "conv1d", "weight");
  if (bias !== undefined && bias !== null) checkTensor(bias, "conv1d", "bias");
  const o = checkOptions(options, "conv1d");
  if (weight.ndim !== 3)
    throw new ChainruleError(
      `conv1d: weight must be 3-D [Cout, Cin/groups, k], got ${fmtShape(weight.shape)}`,
    );
  if (x.ndim !== 3 && x.ndim !== 2)
    throw new ChainruleError(`conv1d: input must be 3-D [N, C, L] or 2-D [C, L], got ${fmtShape(x.shape)}`);
  checkConv1dOptions("conv1d", o);
  const p = o.padding;
  const batched = x.ndim === 3 ? x : unsqueeze(x, 0);
  const opts: Conv2dOptions = {
    stride: [1, o.stride ?? 1],
    dilation: [1, o.dilation ?? 1],
    padding: typeof p === "number" ? [0, p] : p,
    groups: o.groups,
  };
  const out = conv2dBatched("conv1d", batched, weight, bias, opts, { input: x.shape, weight: weight.shape });
  return x.ndim === 3 ? out : squeeze(out, 0);
}
