/** Convolution layers: `Conv2d` and `Conv1d` (PyTorch's parameter names, shapes and initialisation). */
import { ChainruleError, describe } from "../errors";
import { checkResultShape } from "../tensor/broadcast";
import { allocate, type FloatDType } from "../tensor/dtype";
import { Tensor } from "../tensor/tensor";
import { checkBoolean, checkOptions } from "../validate";
import {
  type Conv2dOptions,
  checkConv1dOptions,
  checkConv2dOptions,
  conv1d,
  conv2d,
  type Pair,
} from "./convolution";
import * as init from "./init";
import { Layer } from "./layer";

/** Options of `nn.Conv2d`. */
export interface Conv2dModuleOptions extends Conv2dOptions {
  /** Learn a bias of shape [outChannels]; default true. */
  bias?: boolean;
  /** The parameters' dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/** Options of `nn.Conv1d`. */
export interface Conv1dModuleOptions {
  stride?: number;
  padding?: number | "same" | "valid";
  dilation?: number;
  groups?: number;
  /** Learn a bias of shape [outChannels]; default true. */
  bias?: boolean;
  /** The parameters' dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/**
 * The checked channel counts, kernel and dtype; the weight and bias, initialised as PyTorch does:
 * weight [outChannels, inChannels/groups, …kernel] (`transposed`: [inChannels, outChannels/groups,
 * …kernel]), bias [outChannels], both U(−1/√fanIn, 1/√fanIn) with fanIn = weight.shape[1]·Πkernel.
 */
export function convParams(
  op: string,
  inChannels: number,
  outChannels: number,
  kernel: readonly number[],
  groups: unknown,
  options: { bias?: boolean; dtype?: FloatDType },
  transposed = false,
): { weight: Tensor; bias: Tensor | null; groups: number } {
  for (const [name, v] of [
    ["inChannels", inChannels],
    ["outChannels", outChannels],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0)
      throw new ChainruleError(`${op}: ${name} must be a positive integer, got ${describe(v)}`);
  }
  const g = groups ?? 1;
  if (!Number.isInteger(g) || (g as number) < 1)
    throw new ChainruleError(`${op}: groups must be a positive integer, got ${describe(groups)}`);
  const G = g as number;
  if (inChannels % G !== 0 || outChannels % G !== 0)
    throw new ChainruleError(
      `${op}: inChannels ${inChannels} and outChannels ${outChannels} must both be divisible by groups ${G}`,
    );
  const withBias = checkBoolean(options.bias, op, "bias", true);
  const dtype = options.dtype ?? "float64";
  if (dtype !== "float64" && dtype !== "float32")
    throw new ChainruleError(`${op}: dtype must be "float64" or "float32", got ${describe(dtype)}`);
  const shape = transposed
    ? [inChannels, outChannels / G, ...kernel]
    : [outChannels, inChannels / G, ...kernel];
  const size = checkResultShape(shape, op);
  // kaiming_uniform(a = √5) and PyTorch's bias rule: both U(−1/√fanIn, 1/√fanIn)
  const bound = 1 / Math.sqrt(size / (shape[0] as number));
  const weight = new Tensor(allocate(dtype, size), shape, { requiresGrad: true });
  init.uniform(weight, -bound, bound);
  let bias: Tensor | null = null;
  if (withBias) {
    bias = new Tensor(allocate(dtype, outChannels), [outChannels], { requiresGrad: true });
    init.uniform(bias, -bound, bound);
  }
  return { weight, bias, groups: G };
}

/** A kernel size as a positive integer pair. */
export function kernelPair(k: unknown, op: string): [number, number] {
  const p = typeof k === "number" ? [k, k] : k;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= 1))
    throw new ChainruleError(
      `${op}: kernelSize must be a positive integer or a pair of them, got ${describe(k)}`,
    );
  return [p[0] as number, p[1] as number];
}

/**
 * 2-D convolution layer (`torch.nn.Conv2d`): `weight` [outChannels, inChannels/groups, kh, kw] and
 * `bias` [outChannels], both drawn from U(−1/√fanIn, 1/√fanIn), fanIn = inChannels/groups·kh·kw
 * (PyTorch's kaiming_uniform with a = √5), from the seeded global generator. forward(x) is
 * `conv2d(x, weight, bias, options)` on x [N, inChannels, H, W].
 *
 * @example
 * const conv = new nn.Conv2d(3, 8, 3, { padding: 1 });
 * conv.forward(zeros([2, 3, 5, 5])).shape; // [2, 8, 5, 5]
 * conv.namedParameters().map(([name, p]) => [name, p.shape]); // [["weight", [8, 3, 3, 3]], ["bias", [8]]]
 */
export class Conv2d extends Layer {
  /** [outChannels, inChannels/groups, kh, kw]. */
  readonly weight: Tensor;
  /** [outChannels], or null with `bias: false`. */
  readonly bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly stride: Pair;
  readonly padding: Pair | "same" | "valid";
  readonly dilation: Pair;
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options?: Conv2dModuleOptions) {
    super();
    const o = checkOptions(options, "Conv2d");
    this.kernelSize = kernelPair(kernelSize, "Conv2d");
    checkConv2dOptions("Conv2d", o, this.kernelSize);
    const p = convParams("Conv2d", inChannels, outChannels, this.kernelSize, o.groups, o);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.groups = p.groups;
    this.weight = p.weight;
    this.bias = p.bias;
  }

  /** conv2d(x, weight, bias, { stride, padding, dilation, groups }): one "conv2d" node. */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * 1-D convolution layer (`torch.nn.Conv1d`): `weight` [outChannels, inChannels/groups, k] and
 * `bias` [outChannels], both U(−1/√fanIn, 1/√fanIn) with fanIn = inChannels/groups·k.
 * forward(x) is `conv1d(x, weight, bias, options)` on x [N, inChannels, L].
 *
 * @example
 * const conv = new nn.Conv1d(2, 4, 3, { padding: "same" });
 * conv.forward(zeros([1, 2, 7])).shape; // [1, 4, 7]
 * conv.weight.shape; // [4, 2, 3]
 */
export class Conv1d extends Layer {
  /** [outChannels, inChannels/groups, kernelSize]. */
  readonly weight: Tensor;
  /** [outChannels], or null with `bias: false`. */
  readonly bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | "same" | "valid";
  readonly dilation: number;
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options?: Conv1dModuleOptions) {
    super();
    const o = checkOptions(options, "Conv1d");
    if (!Number.isInteger(kernelSize) || kernelSize < 1)
      throw new ChainruleError(`Conv1d: kernelSize must be a positive integer, got ${describe(kernelSize)}`);
    checkConv1dOptions("Conv1d", o);
    const p = convParams("Conv1d", inChannels, outChannels, [kernelSize], o.groups, o);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.groups = p.groups;
    this.weight = p.weight;
    this.bias = p.bias;
  }

  /** conv1d(x, weight, bias, { stride, padding, dilation, groups }). */
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}
