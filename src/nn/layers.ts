/**
 * Layers: `Linear`, `Sequential`, the activation modules, `Dropout`, `Flatten`, `Unflatten` and
 * `MLP` (`LayerNorm` is in norm.ts, `Embedding` in embedding.ts).
 * Every layer is a `Module` with `forward(x)`.
 */

import { withScope } from "../autograd/scope";
import { ChainruleError, describe, fmtShape } from "../errors";
import { checkResultShape, MAX_DIMS, normalizeAxis } from "../tensor/broadcast";
import { allocate, type DType, type FloatDType } from "../tensor/dtype";
import { reshape } from "../tensor/ops/all";
import { prelu } from "../tensor/ops/prelu";
import { Tensor } from "../tensor/tensor";
import { checkBoolean, checkFinite, checkInt, checkOneOf, checkOptions } from "../validate";
import { dropout, linear } from "./functional";
import * as init from "./init";
import { floatDTypeOption, Layer } from "./layer";
import { Module } from "./module";
import { registerActivation, unaryModule } from "./unary-module";

export { Layer } from "./layer";

/** Weight initialisation schemes of `Linear`. */
export type InitScheme = "xavier" | "he" | "normal";

const INIT_SCHEMES: readonly InitScheme[] = ["xavier", "he", "normal"];

/** Options of `nn.Linear`. */
export interface LinearOptions {
  /** Add a bias (zero-initialised); default true. */
  bias?: boolean;
  /** "xavier" (default, uniform Glorot), "he" (uniform Kaiming) or "normal" (N(0, 0.01) as in the lecture notes). */
  init?: InitScheme;
  dtype?: DType;
}

/**
 * y = x·Wᵀ + b, with `weight` of shape [out, in] and `bias` [out]; x is [..., in].
 *
 * @example
 * const layer = new nn.Linear(3, 2);
 * layer.forward(tensor([[1, 2, 3]])).shape; // [1, 2]
 */
export class Linear extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options?: LinearOptions) {
    super();
    const o = checkOptions(options, "Linear");
    for (const [name, v] of [
      ["inFeatures", inFeatures],
      ["outFeatures", outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new ChainruleError(`Linear: ${name} must be a positive integer, got ${describe(v)}`);
    }
    const dtype = floatDTypeOption(o.dtype, "Linear");
    const scheme = checkOneOf(o.init ?? "xavier", INIT_SCHEMES, "Linear", "init");
    const bias = checkBoolean(o.bias, "Linear", "bias", true);
    checkResultShape([outFeatures, inFeatures], "Linear");
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Tensor(allocate(dtype, outFeatures * inFeatures), [outFeatures, inFeatures], {
      requiresGrad: true,
    });
    if (scheme === "xavier") init.xavierUniform(this.weight);
    else if (scheme === "he") init.heUniform(this.weight);
    else if (scheme === "normal") init.normal(this.weight, 0.1);
    else throw new ChainruleError(`Linear: init must be "xavier", "he" or "normal", got ${describe(scheme)}`);
    this.bias = !bias
      ? null
      : new Tensor(allocate(dtype, outFeatures), [outFeatures], { requiresGrad: true });
  }

  /** x·Wᵀ + b, one "linear" node. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** Applies its children in order; they are named "0", "1", …. */
export class Sequential extends Layer {
  [index: number]: Layer;
  /** Number of children. */
  declare readonly length: number;

  constructor(...modules: Layer[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module) || typeof (m as Layer).forward !== "function") {
        throw new ChainruleError(
          `Sequential: child ${i} must be a module with forward(x), got ${describe(m)}`,
        );
      }
      this[i] = m;
    });
    Object.defineProperty(this, "length", { value: modules.length, enumerable: false });
  }

  /** The children, in order. */
  layers(): Layer[] {
    return Array.from({ length: this.length }, (_, i) => this[i] as Layer);
  }

  /** Applies each child to the previous one's output, each inside its scope ("0", "1", …). */
  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.length; i++) {
      const layer = this[i] as Layer;
      h = withScope(String(i), () => layer.forward(h));
    }
    return h;
  }
}

/** max(0, x) elementwise. */
export const ReLU = unaryModule("relu", "ReLU");
export type ReLU = InstanceType<typeof ReLU>;
/** tanh x elementwise. */
export const Tanh = unaryModule("tanh", "Tanh");
export type Tanh = InstanceType<typeof Tanh>;
/** σ(x) elementwise. */
export const Sigmoid = unaryModule("sigmoid", "Sigmoid");
export type Sigmoid = InstanceType<typeof Sigmoid>;
/** x if x > 0 else slope·x elementwise (a finite slope, default 0.01). */
export const LeakyReLU = unaryModule("leakyRelu", "LeakyReLU");
export type LeakyReLU = InstanceType<typeof LeakyReLU>;
/** GELU, exact erf form: x·Φ(x) elementwise. */
export const GELU = unaryModule("gelu", "GELU");
export type GELU = InstanceType<typeof GELU>;
/** ELU: x if x > 0 else α(eˣ − 1) elementwise (a finite α, default 1). */
export const ELU = unaryModule("elu", "ELU");
export type ELU = InstanceType<typeof ELU>;
/** SELU: scale·(x if x > 0 else α(eˣ − 1)) elementwise, PyTorch's α ≈ 1.6733 and scale ≈ 1.0507. */
export const SELU = unaryModule("selu", "SELU");
export type SELU = InstanceType<typeof SELU>;
/** SiLU (swish): x·σ(x) elementwise. */
export const SiLU = unaryModule("silu", "SiLU");
export type SiLU = InstanceType<typeof SiLU>;
/** Mish: x·tanh(softplus(x)) elementwise. */
export const Mish = unaryModule("mish", "Mish");
export type Mish = InstanceType<typeof Mish>;
/** HardTanh: x clamped into [minVal, maxVal] elementwise (numbers, default −1 and 1, minVal ≤ maxVal). */
export const Hardtanh = unaryModule("hardtanh", "Hardtanh");
export type Hardtanh = InstanceType<typeof Hardtanh>;

/** Options of `nn.PReLU`. */
export interface PReLUOptions {
  /** How many slopes: 1 (default, shared by every channel) or C, the input's x.shape[1]. */
  numParameters?: number;
  /** Every slope's initial value; default 0.25 (PyTorch's). */
  init?: number;
  /** The weight's dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/**
 * PReLU: x where x > 0, else a·x elementwise, with the slope `a` learned (`torch.nn.PReLU`):
 * `weight` holds one slope shared by all channels (`numParameters` 1, the default) or one per
 * channel (axis 1 of the input), all starting at `init` (default 0.25). One "prelu" node.
 *
 * @example
 * const act = new nn.PReLU({ numParameters: 2 });
 * act.forward(tensor([[-4, 1], [2, -8]])).toArray(); // [[-1, 1], [2, -2]]
 * act.parameters().length;                           // 1
 */
export class PReLU extends Layer {
  /** The slopes, shape [numParameters], trainable. */
  readonly weight: Tensor;
  readonly numParameters: number;

  constructor(options?: PReLUOptions) {
    super();
    const o = checkOptions(options, "PReLU");
    this.numParameters = checkInt(o.numParameters ?? 1, "PReLU", "numParameters", 1);
    const init = checkFinite(o.init ?? 0.25, "PReLU", "init");
    const dtype = floatDTypeOption(o.dtype, "PReLU");
    checkResultShape([this.numParameters], "PReLU");
    const data = allocate(dtype, this.numParameters).fill(init);
    this.weight = new Tensor(data, [this.numParameters], { requiresGrad: true });
  }

  /** prelu(x, weight): the weight's slopes along axis 1 of x (one slope: everywhere). */
  forward(x: Tensor): Tensor {
    return prelu(x, this.weight);
  }
}

/** softmax along `axis` (default −1; an integer, checked against the input's rank in forward). */
export class Softmax extends Layer {
  constructor(readonly axis = -1) {
    super();
    checkInt(axis, "Softmax", "axis", -MAX_DIMS, MAX_DIMS - 1);
  }
  /** softmax(x) along the module's axis. */
  forward(x: Tensor): Tensor {
    return x.softmax(this.axis);
  }
}

registerActivation(Softmax, "softmax", () => []);

/** Inverted dropout with probability `p`, active only in training mode. */
export class Dropout extends Layer {
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p < 1))
      throw new ChainruleError(`Dropout: p must be in [0, 1), got ${describe(p)}`);
  }
  /** In training mode, zeroes each element with probability p and scales the rest by 1/(1 − p); the identity in eval mode. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

/** Options of `nn.Flatten`. */
export interface FlattenOptions {
  /** First axis merged; default 1 (keeps the batch axis). Negative counts from the end. */
  startDim?: number;
  /** Last axis merged; default −1. */
  endDim?: number;
}

/**
 * Merges axes `startDim` … `endDim` into one (`torch.nn.Flatten`; defaults 1 and −1, so
 * [N, C, H, W] becomes [N, C·H·W]). A 0-d input is treated as 1-d. Axes out of range, or
 * `startDim` after `endDim`, throw `ChainruleError` in forward.
 *
 * @example
 * new nn.Flatten().forward(tensor([[[1, 2], [3, 4]]])).shape;                   // [1, 4]
 * new nn.Flatten({ startDim: 0, endDim: 1 }).forward(tensor([[[1, 2], [3, 4]]])).shape; // [2, 2]
 */
export class Flatten extends Layer {
  readonly startDim: number;
  readonly endDim: number;

  constructor(options?: FlattenOptions) {
    super();
    const o = checkOptions(options, "Flatten");
    this.startDim = checkInt(o.startDim ?? 1, "Flatten", "startDim", -MAX_DIMS, MAX_DIMS - 1);
    this.endDim = checkInt(o.endDim ?? -1, "Flatten", "endDim", -MAX_DIMS, MAX_DIMS - 1);
  }

  /** x reshaped with axes startDim … endDim merged (a view-like reshape, one node). */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new ChainruleError(`Flatten: expected a Tensor, got ${describe(x)}`);
    const shape = x.ndim === 0 ? [1] : Array.from(x.shape);
    const s = normalizeAxis(this.startDim, shape.length, "Flatten", x.shape);
    const e = normalizeAxis(this.endDim, shape.length, "Flatten", x.shape);
    if (s > e) {
      throw new ChainruleError(
        `Flatten: startDim ${this.startDim} comes after endDim ${this.endDim} for input ${fmtShape(x.shape)}`,
      );
    }
    const merged = shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
    return reshape(x, [...shape.slice(0, s), merged, ...shape.slice(e + 1)]);
  }
}

/**
 * Splits axis `dim` into `sizes` (`torch.nn.Unflatten`): their product must be that axis's
 * length; one size may be −1 (inferred). Checked in forward, with `ChainruleError` naming the shapes.
 *
 * @example
 * new nn.Unflatten(1, [2, 3]).forward(tensor([[1, 2, 3, 4, 5, 6]])).shape; // [1, 2, 3]
 * new nn.Unflatten(-1, [-1, 2]).forward(tensor([1, 2, 3, 4])).shape;       // [2, 2]
 */
export class Unflatten extends Layer {
  readonly sizes: readonly number[];

  constructor(
    readonly dim: number,
    sizes: readonly number[],
  ) {
    super();
    checkInt(dim, "Unflatten", "dim", -MAX_DIMS, MAX_DIMS - 1);
    if (
      !Array.isArray(sizes) ||
      sizes.length === 0 ||
      !sizes.every((d: unknown) => Number.isInteger(d) && ((d as number) >= 0 || d === -1)) ||
      sizes.filter((d) => d === -1).length > 1
    ) {
      throw new ChainruleError(
        `Unflatten: sizes must be a non-empty array of integers ≥ 0 with at most one −1, got ${describe(sizes)}`,
      );
    }
    this.sizes = Object.freeze(Array.from(sizes));
  }

  /** x with axis `dim` replaced by `sizes`. */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new ChainruleError(`Unflatten: expected a Tensor, got ${describe(x)}`);
    const a = normalizeAxis(this.dim, x.ndim, "Unflatten", x.shape);
    const n = x.shape[a] as number;
    const known = this.sizes.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    const infer = this.sizes.includes(-1);
    const fits = infer ? known > 0 && n % known === 0 : known === n;
    if (!fits) {
      throw new ChainruleError(
        `Unflatten: sizes ${fmtShape(this.sizes)} do not fit axis ${a} of length ${n} of input ${fmtShape(x.shape)}`,
      );
    }
    const sizes = this.sizes.map((d) => (d === -1 ? n / known : d));
    return reshape(x, [...x.shape.slice(0, a), ...sizes, ...x.shape.slice(a + 1)]);
  }
}

/** The activation modules by name, for `activation(name)` and `MLP`'s options. */
const ACTIVATIONS = {
  relu: ReLU,
  tanh: Tanh,
  sigmoid: Sigmoid,
  leakyRelu: LeakyReLU,
  gelu: GELU,
  elu: ELU,
  selu: SELU,
  silu: SiLU,
  mish: Mish,
  hardtanh: Hardtanh,
  softmax: Softmax,
} as const;

/** Activation names accepted by `MLP`. */
export type ActivationName = keyof typeof ACTIVATIONS;

const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];

/** The names `activation(name)` and `MLP` accept ("relu", "tanh", …), in a fixed order. */
export function activationNames(): ActivationName[] {
  return [...ACTIVATION_NAMES];
}

/** A new activation module by name (one of `activationNames()`: "relu", "tanh", …), with default arguments. */
export function activation(name: ActivationName): Layer {
  return new ACTIVATIONS[checkOneOf(name, ACTIVATION_NAMES, "activation", "name")]();
}

/** Options of `nn.MLP`. */
export interface MLPOptions {
  /** Activation after every hidden layer; default "relu". */
  activation?: ActivationName;
  /** Activation after the last layer; none by default (logits). */
  outputActivation?: ActivationName;
  /** Weight init; default "he" for relu-like activations, "xavier" for tanh/sigmoid. */
  init?: InitScheme;
  dtype?: DType;
}

/**
 * A multi-layer perceptron as a `Sequential`: Linear, activation, …, Linear [, output activation].
 * `new nn.MLP(784, [256, 10])` has parameters "0.weight", "0.bias", "2.weight", "2.bias".
 */
export class MLP extends Sequential {
  constructor(inFeatures: number, sizes: readonly number[], options?: MLPOptions) {
    if (!Array.isArray(sizes) || sizes.length === 0)
      throw new ChainruleError(`MLP: sizes must be a non-empty array, got ${describe(sizes)}`);
    const o = checkOptions(options, "MLP");
    const act = checkOneOf(o.activation ?? "relu", ACTIVATION_NAMES, "MLP", "activation");
    if (o.outputActivation !== undefined)
      checkOneOf(o.outputActivation, ACTIVATION_NAMES, "MLP", "outputActivation");
    const scheme = checkOneOf(
      o.init ?? (act === "tanh" || act === "sigmoid" ? "xavier" : "he"),
      INIT_SCHEMES,
      "MLP",
      "init",
    );
    const options_ = o;
    const dims = [inFeatures, ...sizes];
    const layers: Layer[] = [];
    sizes.forEach((out, i) => {
      layers.push(new Linear(dims[i] as number, out, { init: scheme, dtype: options_.dtype ?? "float64" }));
      if (i < sizes.length - 1) layers.push(activation(act));
      else if (options_.outputActivation) layers.push(activation(options_.outputActivation));
    });
    super(...layers);
  }
}
