/** Normalisation layers: `LayerNorm`, `BatchNorm1d`/`BatchNorm2d` (running statistics as buffers), `GroupNorm`. */
import { ChainruleError, describe, fmtShape } from "../errors";
import { checkResultShape } from "../tensor/broadcast";
import { allocate, type FloatDType } from "../tensor/dtype";
import { readData, writeData } from "../tensor/storage";
import { Tensor } from "../tensor/tensor";
import { checkBoolean, checkOptions } from "../validate";
import { checkNormalizedShape, layerNorm } from "./functional";
import { floatDTypeOption, Layer } from "./layer";

/** Options of `nn.LayerNorm`. */
export interface LayerNormOptions {
  /** Added to the variance before the square root; default 1e-5 (a finite number ≥ 0). */
  eps?: number;
  /** Learn `weight` (ones) and `bias` (zeros) of shape `normalizedShape`; default true. */
  elementwiseAffine?: boolean;
  /** Also learn `bias` when `elementwiseAffine` (default true; PyTorch's `bias`). */
  bias?: boolean;
  /** The parameters' dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/**
 * Layer normalisation (`torch.nn.LayerNorm`): each input is normalised over its last
 * `normalizedShape.length` axes to mean 0 and variance 1 (biased, eps added), then scaled by
 * `weight` and shifted by `bias` (parameters of shape `normalizedShape`, ones and zeros). Same
 * statistics in training and evaluation. Composed of differentiable ops: second derivatives work.
 *
 * @example
 * const ln = new nn.LayerNorm(2);
 * ln.forward(tensor([[1, 3], [2, 2]])).toArray().map((r) => r.map((v) => +v.toFixed(4))); // [[-1, 1], [0, 0]]
 * ln.namedParameters().map(([name]) => name); // ["weight", "bias"]
 */
export class LayerNorm extends Layer {
  /** The scale, shape `normalizedShape`, or null without `elementwiseAffine`. */
  readonly weight: Tensor | null;
  /** The shift, shape `normalizedShape`, or null. */
  readonly bias: Tensor | null;
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options?: LayerNormOptions) {
    super();
    this.normalizedShape = Object.freeze(checkNormalizedShape(normalizedShape, "LayerNorm"));
    const o = checkOptions(options, "LayerNorm");
    const eps = o.eps ?? 1e-5;
    if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0)
      throw new ChainruleError(`LayerNorm: eps must be a finite number ≥ 0, got ${describe(eps)}`);
    this.eps = eps;
    this.elementwiseAffine = checkBoolean(o.elementwiseAffine, "LayerNorm", "elementwiseAffine", true);
    const withBias = checkBoolean(o.bias, "LayerNorm", "bias", true);
    const dtype = floatDTypeOption(o.dtype, "LayerNorm");
    const shape = [...this.normalizedShape];
    const size = checkResultShape(shape, "LayerNorm");
    const param = (fill: number) =>
      new Tensor(allocate(dtype, size).fill(fill), shape, { requiresGrad: true });
    this.weight = this.elementwiseAffine ? param(1) : null;
    this.bias = this.elementwiseAffine && withBias ? param(0) : null;
  }

  /** layerNorm(x, normalizedShape, weight, bias, eps); x must end with `normalizedShape`. */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}

/** Options of `nn.BatchNorm1d` and `nn.BatchNorm2d`. */
export interface BatchNormOptions {
  /** Added to the variance before the square root; default 1e-5 (a finite number ≥ 0). */
  eps?: number;
  /**
   * Weight of the newest batch in the running statistics, default 0.1 (a number in [0, 1]); `null`
   * for their cumulative average over all batches so far (PyTorch's `momentum=None`).
   */
  momentum?: number | null;
  /** Learn `weight` (ones) and `bias` (zeros) of shape [C]; default true. */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them, eval uses batch statistics too. */
  trackRunningStats?: boolean;
  /** The parameters' and running statistics' dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/**
 * Batch normalisation over the channel axis 1 (`torch.nn.BatchNorm1d/2d`), shared by both:
 * y = (x − μ)/√(σ² + ε)·weight + bias per channel, with μ and the biased σ² over every axis but 1.
 * In training the statistics are the batch's, and the running ones move toward them:
 * running ← (1 − momentum)·running + momentum·batch (the variance unbiased, n/(n − 1)), counted in
 * `num_batches_tracked`; in evaluation the running statistics are used. Composed of
 * differentiable ops, so second derivatives work. The running statistics are buffers
 * (`running_mean`, `running_var`, `num_batches_tracked`): saved by `stateDict`, not parameters.
 */
abstract class BatchNorm extends Layer {
  /** The per-channel scale [C] (ones), or null without `affine`. */
  readonly weight: Tensor | null;
  /** The per-channel shift [C] (zeros), or null without `affine`. */
  readonly bias: Tensor | null;
  /** Running mean [C] (zeros at first), or null without `trackRunningStats`. */
  running_mean: Tensor | null;
  /** Running unbiased variance [C] (ones at first), or null without `trackRunningStats`. */
  running_var: Tensor | null;
  /** How many training batches updated the running statistics (int32 0-d), or null. */
  num_batches_tracked: Tensor | null;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(
    private readonly kind: "BatchNorm1d" | "BatchNorm2d",
    numFeatures: number,
    options: BatchNormOptions | undefined,
  ) {
    super();
    const op = kind;
    if (!Number.isInteger(numFeatures) || numFeatures < 1)
      throw new ChainruleError(`${op}: numFeatures must be a positive integer, got ${describe(numFeatures)}`);
    this.numFeatures = numFeatures;
    const o = checkOptions(options, op);
    const eps = o.eps ?? 1e-5;
    if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0)
      throw new ChainruleError(`${op}: eps must be a finite number ≥ 0, got ${describe(eps)}`);
    this.eps = eps;
    const momentum = o.momentum === undefined ? 0.1 : o.momentum;
    if (momentum !== null && (typeof momentum !== "number" || !(momentum >= 0 && momentum <= 1)))
      throw new ChainruleError(
        `${op}: momentum must be a number in [0, 1] or null, got ${describe(momentum)}`,
      );
    this.momentum = momentum;
    const affine = checkBoolean(o.affine, op, "affine", true);
    const track = checkBoolean(o.trackRunningStats, op, "trackRunningStats", true);
    const dtype = floatDTypeOption(o.dtype, op);
    const filled = (fill: number, requiresGrad: boolean) =>
      new Tensor(allocate(dtype, numFeatures).fill(fill), [numFeatures], { requiresGrad });
    // parameters first, then the buffers: PyTorch's stateDict key order
    this.weight = affine ? filled(1, true) : null;
    this.bias = affine ? filled(0, true) : null;
    this.running_mean = this.registerBuffer("running_mean", track ? filled(0, false) : null);
    this.running_var = this.registerBuffer("running_var", track ? filled(1, false) : null);
    this.num_batches_tracked = this.registerBuffer(
      "num_batches_tracked",
      track ? new Tensor(new Int32Array(1), []) : null,
    );
  }

  /** The input ranks this layer takes (BatchNorm1d: 2 or 3, BatchNorm2d: 4). */
  protected abstract readonly ranks: readonly number[];

  forward(x: Tensor): Tensor {
    const op = this.kind;
    if (!(x instanceof Tensor)) throw new ChainruleError(`${op}: input must be a Tensor, got ${describe(x)}`);
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new ChainruleError(
        `${op}: expected input of ${this.ranks.join(" or ")} dimensions with ${this.numFeatures} channels on axis 1, got ${fmtShape(x.shape)}`,
      );
    }
    const training = this.training || this.running_mean === null;
    // checked before the batch is counted: a failed call changes nothing
    if (this.training) checkTrainingBatch(op, x, this.numFeatures);
    if (this.training && this.num_batches_tracked !== null) {
      writeData(this.num_batches_tracked, (d) => {
        d[0] = (d[0] as number) + 1;
      });
    }
    // momentum null: the cumulative average, 1/(batches so far)
    const momentum =
      this.momentum ?? 1 / (this.num_batches_tracked ? (readData(this.num_batches_tracked)[0] as number) : 1);
    return batchNorm(x, this.running_mean, this.running_var, this.weight, this.bias, {
      training,
      momentum,
      eps: this.eps,
      op,
    });
  }
}

/** Training statistics need more than one value per channel (PyTorch's rule). */
function checkTrainingBatch(op: string, x: Tensor, channels: number): void {
  if (x.size / channels <= 1) {
    throw new ChainruleError(
      `${op}: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`,
    );
  }
}

/** Options of `batchNorm`. */
export interface BatchNormFunctionOptions {
  /** Batch statistics (and update the running ones) if true, else the running ones; default false. */
  training?: boolean;
  /** Weight of this batch in the running statistics; default 0.1. */
  momentum?: number;
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /** @internal the caller's name in errors */
  op?: string;
}

/**
 * Batch normalisation over axis 1 (`torch.nn.functional.batch_norm`): y = (x − μ)/√(σ² + ε)·weight
 * + bias per channel. With `training`, μ and the biased σ² are the batch's (over every axis but 1)
 * and the running statistics, if given, move toward them in place (running ← (1 − momentum)·
 * running + momentum·batch, the variance unbiased n/(n − 1)); otherwise the running statistics are
 * used. Composed of differentiable ops.
 *
 * @example
 * const rm = tensor([0, 0]);
 * const rv = tensor([1, 1]);
 * nn.batchNorm(tensor([[1, 10], [3, 30]]), rm, rv, null, null, { training: true, eps: 0 }).toArray(); // [[-1, -1], [1, 1]]
 * rv.toArray(); // [1.1, 20.9]
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  options: BatchNormFunctionOptions = {},
): Tensor {
  const o = checkOptions(options, "batchNorm");
  const op = o.op ?? "batchNorm";
  if (!(x instanceof Tensor) || x.ndim < 2)
    throw new ChainruleError(
      `${op}: input must be a Tensor [N, C, …], got ${x instanceof Tensor ? fmtShape(x.shape) : describe(x)}`,
    );
  const channels = x.shape[1] as number;
  for (const [name, t] of [
    ["runningMean", runningMean],
    ["runningVar", runningVar],
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t !== null && !(t instanceof Tensor && t.ndim === 1 && t.shape[0] === channels)) {
      throw new ChainruleError(
        `${op}: ${name} must be null or a Tensor [${channels}] (the input ${fmtShape(x.shape)} has ${channels} channels), got ${t instanceof Tensor ? fmtShape(t.shape) : describe(t)}`,
      );
    }
  }
  const training = checkBoolean(o.training, op, "training", false);
  const eps = o.eps ?? 1e-5;
  const momentum = o.momentum ?? 0.1;
  const perChannel = [1, channels, ...x.shape.slice(2).map(() => 1)];
  let mean: Tensor;
  let variance: Tensor;
  if (training || runningMean === null || runningVar === null) {
    const count = x.size / channels;
    if (training) checkTrainingBatch(op, x, channels);
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    mean = x.mean(axes, true);
    variance = x.var(axes, { correction: 0, keepDims: true });
    if (training && runningMean !== null && runningVar !== null) {
      const batchMean = readData(mean);
      const batchVar = readData(variance);
      const unbiased = count / (count - 1);
      writeData(runningMean, (d) => {
        for (let c = 0; c < d.length; c++)
          d[c] = (1 - momentum) * (d[c] as number) + momentum * (batchMean[c] as number);
      });
      writeData(runningVar, (d) => {
        for (let c = 0; c < d.length; c++)
          d[c] = (1 - momentum) * (d[c] as number) + momentum * (batchVar[c] as number) * unbiased;
      });
    }
  } else {
    mean = runningMean.reshape(...perChannel);
    variance = runningVar.reshape(...perChannel);
  }
  let y = x.sub(mean).mul(variance.add(eps).rsqrt());
  if (weight !== null) y = y.mul(weight.reshape(...perChannel));
  if (bias !== null) y = y.add(bias.reshape(...perChannel));
  return y;
}

/**
 * Batch normalisation of [N, C] or [N, C, L] inputs over N (and L), per channel
 * (`torch.nn.BatchNorm1d`; see `BatchNorm2d` for the rule and the buffers).
 *
 * @example
 * const bn = new nn.BatchNorm1d(2);
 * bn.forward(tensor([[1, 10], [3, 30]])).toArray().map((r) => r.map((v) => +v.toFixed(3))); // [[-1, -1], [1, 1]]
 * bn.running_mean?.toArray(); // [0.2, 2]
 * Object.keys(bn.stateDict()); // ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
 */
export class BatchNorm1d extends BatchNorm {
  protected readonly ranks = [2, 3] as const;
  constructor(numFeatures: number, options?: BatchNormOptions) {
    super("BatchNorm1d", numFeatures, options);
  }
}

/**
 * Batch normalisation of [N, C, H, W] inputs over N, H and W, per channel (`torch.nn.BatchNorm2d`):
 * y = (x − μ)/√(σ² + ε)·weight + bias. Training uses the batch's mean and biased variance and moves
 * the running statistics (running ← (1 − momentum)·running + momentum·batch, the variance
 * unbiased); `eval()` uses the running ones.
 *
 * @example
 * const bn = new nn.BatchNorm2d(1, { momentum: 0.5 });
 * bn.forward(tensor([[[[0, 2]]], [[[4, 6]]]])).shape; // [2, 1, 1, 2]
 * bn.running_mean?.toArray(); // [1.5]
 * bn.running_var?.toArray();  // [3.833333333333333]
 * bn.eval().forward(tensor([[[[1.5]]]])).item(); // 0
 */
export class BatchNorm2d extends BatchNorm {
  protected readonly ranks = [4] as const;
  constructor(numFeatures: number, options?: BatchNormOptions) {
    super("BatchNorm2d", numFeatures, options);
  }
}

/** Options of `nn.GroupNorm`. */
export interface GroupNormOptions {
  /** Added to the variance before the square root; default 1e-5. */
  eps?: number;
  /** Learn per-channel `weight` (ones) and `bias` (zeros); default true. */
  affine?: boolean;
  /** The parameters' dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/**
 * Group normalisation (`torch.nn.GroupNorm`): the C channels of an [N, C, …] input are split into
 * `numGroups` groups, each normalised (per example) over its channels and the remaining axes to
 * mean 0 and biased variance 1, then scaled and shifted per channel. Same in training and
 * evaluation; composed of differentiable ops.
 *
 * @example
 * const gn = new nn.GroupNorm(1, 2);
 * gn.forward(tensor([[1, 3]])).toArray().map((r) => r.map((v) => +v.toFixed(4))); // [[-1, 1]]
 */
export class GroupNorm extends Layer {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;

  constructor(numGroups: number, numChannels: number, options?: GroupNormOptions) {
    super();
    const op = "GroupNorm";
    for (const [name, v] of [
      ["numGroups", numGroups],
      ["numChannels", numChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new ChainruleError(`${op}: ${name} must be a positive integer, got ${describe(v)}`);
    }
    if (numChannels % numGroups !== 0)
      throw new ChainruleError(
        `${op}: numChannels ${numChannels} is not divisible by numGroups ${numGroups}`,
      );
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    const o = checkOptions(options, op);
    const eps = o.eps ?? 1e-5;
    if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0)
      throw new ChainruleError(`${op}: eps must be a finite number ≥ 0, got ${describe(eps)}`);
    this.eps = eps;
    const affine = checkBoolean(o.affine, op, "affine", true);
    const dtype = floatDTypeOption(o.dtype, op);
    const filled = (fill: number) =>
      new Tensor(allocate(dtype, numChannels).fill(fill), [numChannels], { requiresGrad: true });
    this.weight = affine ? filled(1) : null;
    this.bias = affine ? filled(0) : null;
  }

  forward(x: Tensor): Tensor {
    if (x instanceof Tensor && (x.ndim < 2 || x.shape[1] !== this.numChannels)) {
      throw new ChainruleError(
        `GroupNorm: expected input [N, ${this.numChannels}, …] (at least 2 dimensions), got ${fmtShape(x.shape)}`,
      );
    }
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
}

/**
 * Group normalisation (`torch.nn.functional.group_norm`): the channels (axis 1) of x [N, C, …] in
 * `numGroups` groups, each normalised per example over its channels and the remaining axes (mean
 * 0, biased variance 1, eps added), then y·weight + bias per channel ([C] each, or null).
 *
 * @example
 * nn.groupNorm(tensor([[1, 3, 5, 9]]), 2, null, null, 0).toArray(); // [[-1, 1, -1, 1]]
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  const op = "groupNorm";
  if (!(x instanceof Tensor) || x.ndim < 2)
    throw new ChainruleError(
      `${op}: input must be a Tensor [N, C, …], got ${x instanceof Tensor ? fmtShape(x.shape) : describe(x)}`,
    );
  const channels = x.shape[1] as number;
  if (!Number.isInteger(numGroups) || numGroups < 1 || channels % numGroups !== 0) {
    throw new ChainruleError(
      `${op}: numGroups must be a positive integer dividing the ${channels} channels of ${fmtShape(x.shape)}, got ${describe(numGroups)}`,
    );
  }
  for (const [name, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t !== null && !(t instanceof Tensor && t.ndim === 1 && t.shape[0] === channels))
      throw new ChainruleError(`${op}: ${name} must be null or a Tensor [${channels}]`);
  }
  const grouped = x.reshape(x.shape[0] as number, numGroups, -1);
  const mean = grouped.mean(2, true);
  const variance = grouped.var(2, { correction: 0, keepDims: true });
  let y = grouped
    .sub(mean)
    .mul(variance.add(eps).rsqrt())
    .reshape(...x.shape);
  const perChannel = [1, channels, ...x.shape.slice(2).map(() => 1)];
  if (weight !== null) y = y.mul(weight.reshape(...perChannel));
  if (bias !== null) y = y.add(bias.reshape(...perChannel));
  return y;
}
