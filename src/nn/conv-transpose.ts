/**
 * Transposed convolution: `convTranspose2d`, the adjoint of conv2d in its input, as one graph
 * node (the "convTranspose2d" op of convolution.ts, which is also conv2d's gradient in x), and
 * the layer `ConvTranspose2d` with PyTorch's parameter names, shapes and initialisation.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import type { FloatDType } from "../tensor/dtype";
import { squeeze, unsqueeze } from "../tensor/ops/all";
import { apply } from "../tensor/ops/apply";
import { checkTensor } from "../tensor/ops/util";
import type { Tensor } from "../tensor/tensor";
import { checkOptions } from "../validate";
import { convParams, kernelPair } from "./conv";
import { type Conv2dAttrs, convTranspose2dOp, type Pair, pair } from "./convolution";
import { floatDTypeOption, Layer } from "./layer";

/** Options of `convTranspose2d` (torch.nn.functional.conv_transpose2d). */
export interface ConvTranspose2dOptions {
  /** Step of the matching conv2d's window: the input's pixels land `stride` apart; default 1. */
  stride?: Pair;
  /** The matching conv2d's zero padding: `padding` rows/columns are cropped from each side; default 0. */
  padding?: Pair;
  /**
   * Rows/columns added at the bottom/right of the output (default 0), to pick one of the input
   * sizes that a strided conv2d maps to the same output size; each must be smaller than its
   * stride or its dilation.
   */
  outputPadding?: Pair;
  /** Channel groups: input and output channels are split into `groups` independent blocks; default 1. */
  groups?: number;
  /** Spacing between kernel taps; default 1. */
  dilation?: Pair;
}

/** The checked stride, padding, output padding and dilation of a transposed convolution. */
function transposeWindow(
  op: string,
  o: ConvTranspose2dOptions,
): {
  stride: [number, number];
  padding: [number, number];
  outputPadding: [number, number];
  dilation: [number, number];
} {
  const stride = pair(o.stride, 1, op, "stride", 1);
  const dilation = pair(o.dilation, 1, op, "dilation", 1);
  if (typeof o.padding === "string")
    throw new ChainruleError(
      `${op}: padding must be a non-negative integer or a pair of them (a transposed convolution has no ` +
        `"same" or "valid" padding, as in PyTorch), got ${describe(o.padding)}`,
    );
  const padding = pair(o.padding, 0, op, "padding", 0);
  const outputPadding = pair(o.outputPadding, 0, op, "outputPadding", 0);
  if (!outputPadding.every((p, i) => p < (stride[i] as number) || p < (dilation[i] as number)))
    throw new ChainruleError(
      `${op}: outputPadding must be smaller than either stride or dilation (per axis), got outputPadding ` +
        `${fmtShape(outputPadding)} with stride ${fmtShape(stride)} and dilation ${fmtShape(dilation)}`,
    );
  return { stride, padding, outputPadding, dilation };
}

/**
 * Checks convTranspose2d's stride, padding, output padding and dilation (what the module checks
 * once, at construction), throwing `ChainruleError` naming `op`.
 */
export function checkConvTranspose2dOptions(op: string, o: ConvTranspose2dOptions): void {
  transposeWindow(op, o);
}

/** convTranspose2d on a batched input, naming the shapes the caller passed. */
function convTransposeBatched(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  o: ConvTranspose2dOptions,
  shown: readonly number[],
): Tensor {
  const op = "convTranspose2d";
  const [, c, h, w] = x.shape as [number, number, number, number];
  const [cin, cog, kh, kw] = weight.shape as [number, number, number, number];
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1)
    throw new ChainruleError(`${op}: groups must be a positive integer, got ${describe(o.groups)}`);
  if (cin % groups !== 0)
    throw new ChainruleError(
      `${op}: the weight ${fmtShape(weight.shape)} has ${cin} input channels, not divisible by groups ${groups}`,
    );
  if (c !== cin)
    throw new ChainruleError(
      `${op}: input ${fmtShape(shown)} has ${c} channels, the weight ${fmtShape(weight.shape)} expects ${cin} ` +
        `(its first dimension: [Cin, Cout/groups, kh, kw])`,
    );
  const cout = cog * groups;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== cout))
    throw new ChainruleError(
      `${op}: bias ${fmtShape(bias.shape)} must have shape [${cout}] (Cout = ${cog} per group × groups ${groups}) ` +
        `for the weight ${fmtShape(weight.shape)}`,
    );
  const win = transposeWindow(op, o);
  const kernel = [kh, kw] as const;
  const size = [0, 1].map(
    (i) =>
      (([h, w][i] as number) - 1) * (win.stride[i] as number) -
      2 * (win.padding[i] as number) +
      (win.dilation[i] as number) * ((kernel[i] as number) - 1) +
      (win.outputPadding[i] as number) +
      1,
  ) as [number, number];
  if (size[0] < 1 || size[1] < 1)
    throw new ChainruleError(
      `${op}: the output size would be ${size[0]}×${size[1]} for input ${fmtShape(shown)} with kernel ${kh}×${kw}, ` +
        `stride ${fmtShape(win.stride)}, padding ${fmtShape(win.padding)}, dilation ${fmtShape(win.dilation)} ` +
        `and outputPadding ${fmtShape(win.outputPadding)} (H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1)`,
    );
  // the window of the conv2d this is the adjoint of, over the output; its block grid is x's size
  const [ph, pw] = win.padding;
  const attrs: Conv2dAttrs = {
    kernel,
    stride: win.stride,
    dilation: win.dilation,
    padding: [ph, ph, pw, pw],
    size,
    groups,
    grid: [h, w],
  };
  return apply(convTranspose2dOp, bias ? [x, weight, bias] : [x, weight], attrs);
}

/**
 * 2-D transposed convolution (`torch.nn.functional.conv_transpose2d`, the adjoint of conv2d in
 * its input, also called fractionally strided convolution) of x [N, Cin, H, W] (or unbatched
 * [Cin, H, W]) with weight [Cin, Cout/groups, kh, kw] and optional bias [Cout]:
 * y[n, o, s_h·iy − p_h + i·d_h, s_w·ix − p_w + j·d_w] += W[c, o − g(c)·Cout/groups, i, j]·x[n, c, iy, ix]
 * (plus b[o]), summed over c in o's group, iy, ix, i, j, of size
 * H_out = (H − 1)·s_h − 2·p_h + d_h·(kh − 1) + outputPadding_h + 1 (likewise the width). One
 * "convTranspose2d" node: forward fold(Wᵀ·x) per group; ∂x = conv2d(ḡ, W), ∂W = Σ_n x·unfold(ḡ)ᵀ,
 * ∂b = Σ_{n, y, x} ḡ.
 *
 * @example
 * const x = tensor([[[[1, 2], [3, 4]]]], { requiresGrad: true });
 * const w = tensor([[[[1, 1], [1, 1]]]]);
 * nn.convTranspose2d(x, w).toArray(); // [[[[1, 3, 2], [4, 10, 6], [3, 7, 4]]]]
 * const y = nn.convTranspose2d(x, w, tensor([10]), { stride: 2 });
 * y.toArray(); // [[[[11, 11, 12, 12], [11, 11, 12, 12], [13, 13, 14, 14], [13, 13, 14, 14]]]]
 * nn.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 }).shape; // [1, 1, 3, 3]
 * y.sum().backward();
 * x.grad?.toArray(); // [[[[4, 4], [4, 4]]]]
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options?: ConvTranspose2dOptions,
): Tensor {
  checkTensor(x, "convTranspose2d", "input");
  checkTensor(weight, "convTranspose2d", "weight");
  if (bias !== undefined && bias !== null) checkTensor(bias, "convTranspose2d", "bias");
  const o = checkOptions(options, "convTranspose2d");
  if (weight.ndim !== 4)
    throw new ChainruleError(
      `convTranspose2d: weight must be 4-D [Cin, Cout/groups, kh, kw], got ${fmtShape(weight.shape)}`,
    );
  if (x.ndim !== 4 && x.ndim !== 3)
    throw new ChainruleError(
      `convTranspose2d: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got ${fmtShape(x.shape)}`,
    );
  if (x.ndim === 3) return squeeze(convTransposeBatched(unsqueeze(x, 0), weight, bias, o, x.shape), 0);
  return convTransposeBatched(x, weight, bias, o, x.shape);
}

/** Options of `nn.ConvTranspose2d`. */
export interface ConvTranspose2dModuleOptions extends ConvTranspose2dOptions {
  /** Learn a bias of shape [outChannels]; default true. */
  bias?: boolean;
  /** The parameters' dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/**
 * 2-D transposed convolution layer (`torch.nn.ConvTranspose2d`): `weight` [inChannels,
 * outChannels/groups, kh, kw] and `bias` [outChannels], both drawn from U(−1/√fanIn, 1/√fanIn)
 * with PyTorch's fanIn of the transposed weight, weight.shape[1]·kh·kw = outChannels/groups·kh·kw
 * (kaiming_uniform with a = √5), from the seeded global generator. forward(x) is
 * `convTranspose2d(x, weight, bias, options)` on x [N, inChannels, H, W]; forward(x, outputSize)
 * picks the output padding that gives the output size [H_out, W_out] instead, as PyTorch does.
 *
 * @example
 * const up = new nn.ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1 });
 * up.forward(zeros([2, 8, 5, 5])).shape; // [2, 4, 10, 10]
 * up.forward(zeros([2, 8, 5, 5]), [9, 10]).shape; // [2, 4, 9, 10]
 * up.namedParameters().map(([name, p]) => [name, p.shape]); // [["weight", [8, 4, 3, 3]], ["bias", [4]]]
 */
export class ConvTranspose2d extends Layer {
  /** [inChannels, outChannels/groups, kh, kw]. */
  readonly weight: Tensor;
  /** [outChannels], or null with `bias: false`. */
  readonly bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly outputPadding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Pair,
    options?: ConvTranspose2dModuleOptions,
  ) {
    super();
    const op = "ConvTranspose2d";
    const o = checkOptions(options, op);
    for (const [name, v] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new ChainruleError(`${op}: ${name} must be a positive integer, got ${describe(v)}`);
    }
    const kernel = kernelPair(kernelSize, op);
    const win = transposeWindow(op, o);
    const dtype = floatDTypeOption(o.dtype, op);
    const { weight, bias, groups } = convParams(
      op,
      inChannels,
      outChannels,
      kernel,
      o.groups,
      { ...o, dtype },
      true,
    );
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernel;
    this.stride = win.stride;
    this.padding = win.padding;
    this.outputPadding = win.outputPadding;
    this.dilation = win.dilation;
    this.groups = groups;
    this.weight = weight;
    this.bias = bias;
  }

  /**
   * convTranspose2d(x, weight, bias, options): one "convTranspose2d" node. With `outputSize`
   * [H_out, W_out], the output padding is H_out − ((H − 1)·stride − 2·padding + dilation·(kh − 1) + 1)
   * per axis (PyTorch's output_size argument), which must lie in [0, stride).
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    const options = {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      outputPadding: this.outputPadding,
    };
    if (outputSize !== undefined) options.outputPadding = this.outputPaddingFor(x, outputSize);
    return convTranspose2d(x, this.weight, this.bias, options);
  }

  /** PyTorch's `_output_padding`: the output padding that makes the output `outputSize`. */
  private outputPaddingFor(x: Tensor, outputSize: readonly number[]): [number, number] {
    checkTensor(x, "ConvTranspose2d", "input");
    if (
      !Array.isArray(outputSize) ||
      outputSize.length !== 2 ||
      !outputSize.every((d) => Number.isInteger(d) && d >= 1)
    )
      throw new ChainruleError(
        `ConvTranspose2d: outputSize must be [H_out, W_out], two positive integers, got ${describe(outputSize)}`,
      );
    if (x.ndim !== 4 && x.ndim !== 3)
      throw new ChainruleError(
        `ConvTranspose2d: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got ${fmtShape(x.shape)}`,
      );
    const hw = x.shape.slice(-2);
    const min = [0, 1].map(
      (i) =>
        ((hw[i] as number) - 1) * (this.stride[i] as number) -
        2 * (this.padding[i] as number) +
        (this.dilation[i] as number) * ((this.kernelSize[i] as number) - 1) +
        1,
    );
    const max = min.map((m, i) => m + (this.stride[i] as number) - 1);
    if (!outputSize.every((s, i) => s >= (min[i] as number) && s <= (max[i] as number)))
      throw new ChainruleError(
        `ConvTranspose2d: requested an output size of ${fmtShape(outputSize)}, but valid sizes range from ` +
          `${fmtShape(min)} to ${fmtShape(max)} (for an input of ${fmtShape(hw)})`,
      );
    return [(outputSize[0] as number) - (min[0] as number), (outputSize[1] as number) - (min[1] as number)];
  }
}
