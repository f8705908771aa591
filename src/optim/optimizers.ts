/**
 * SGD, Adam, AdamW, RMSProp and Adagrad with PyTorch's update rules and defaults (single parameter
 * group). g is the gradient, p the parameter, λ the weight decay (L2: g ← g + λp, except AdamW's
 * decoupled p ← p·(1 − lr·λ)), t the step.
 */

import { ChainruleError, describe } from "../errors";
import type { Parameter } from "../nn/module";
import { adam, sgd, sgdMomentum } from "../tensor/kernels/backend";
import { hyper, Optimizer, type Slot } from "./optimizer";

const nonNeg = (x: number) => x >= 0;
const unit = (x: number) => x >= 0 && x < 1;

/** Options of `SGD` (PyTorch's names in camelCase, PyTorch's defaults). */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  dampening?: number;
}

/**
 * Stochastic gradient descent: g ← g + λp; with momentum μ, b ← μb + (1 − dampening)g (b = g on
 * the first step) and g ← b, or g ← g + μb with Nesterov; then p ← p − lr·g.
 */
export class SGD extends Optimizer {
  /** The momentum μ (`OneCycleLR` cycles it between steps). */
  momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly dampening: number;

  constructor(params: readonly Parameter[], options: SGDOptions) {
    super(params, (options ?? ({} as SGDOptions)).lr, "SGD");
    options ??= {} as SGDOptions;
    this.momentum = hyper("SGD", "momentum", options.momentum ?? 0, nonNeg, "≥ 0");
    this.nesterov = options.nesterov ?? false;
    if (typeof this.nesterov !== "boolean")
      throw new ChainruleError(`SGD: nesterov must be a boolean, got ${describe(this.nesterov)}`);
    this.weightDecay = hyper("SGD", "weightDecay", options.weightDecay ?? 0, nonNeg, "≥ 0");
    this.dampening = hyper("SGD", "dampening", options.dampening ?? 0, nonNeg, "≥ 0");
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ChainruleError("SGD: Nesterov momentum requires momentum > 0 and dampening 0");
    }
  }

  protected update(slot: Slot): void {
    const { data: p, grad } = slot;
    const { lr, momentum: mu, weightDecay: wd, dampening, nesterov } = this;
    const n = p.length;
    if (mu === 0) {
      // p ← p − lr·(g + wd·p)
      if (wd === 0) sgd(p, grad, lr);
      else
        for (let i = 0; i < n; i++)
          p[i] = (p[i] as number) - lr * ((grad[i] as number) + wd * (p[i] as number));
      return;
    }
    // b ← g on the first step, else μ·b + (1 − dampening)·g; p ← p − lr·(nesterov ? g + μ·b : b).
    // One loop per case, so the per-element work has no branches (this is the training loop's
    // inner loop: ~5× faster than one loop testing the options per element, measured).
    const first = slot.state.momentum === undefined;
    const buf = this.buffer(slot, "momentum");
    const damp = first ? 1 : 1 - dampening;
    const keep = first ? 0 : mu;
    if (wd === 0 && !nesterov) {
      sgdMomentum(p, grad, buf, lr, keep, damp);
      return;
    }
    for (let i = 0; i < n; i++) {
      const g = (grad[i] as number) + wd * (p[i] as number);
      const b = keep * (buf[i] as number) + damp * g;
      buf[i] = b;
      p[i] = (p[i] as number) - lr * (nesterov ? g + mu * b : b);
    }
  }
}

/** Options of `Adam` and `AdamW` (PyTorch's names in camelCase, PyTorch's defaults). */
export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  /** λ: Adam's L2 term (default 0), AdamW's decoupled decay (default 0.01). */
  weightDecay?: number;
}

/** Options of `AdamW`: Adam's, with weightDecay the decoupled decay (default 0.01). */
export type AdamWOptions = AdamOptions;

/**
 * Adam with bias correction and L2 weight decay (PyTorch's `Adam`, not AdamW):
 * g ← g + λp; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
 * p ← p − (lr/(1 − β₁ᵗ)) · m / (√v/√(1 − β₂ᵗ) + ε).
 */
export class Adam extends Optimizer {
  /** [β₁, β₂] (`OneCycleLR` cycles β₁ between steps; the bias correction uses the current β₁). */
  betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: readonly Parameter[], options: AdamOptions = {}) {
    // AdamW shares the constructor: its errors name it, and its weight decay defaults to 0.01
    const decoupled = new.target === AdamW || new.target.prototype instanceof AdamW;
    const name = decoupled ? "AdamW" : "Adam";
    super(params, options?.lr ?? 1e-3, name);
    options ??= {};
    const betas = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new ChainruleError(`${name}: betas must be a pair [β₁, β₂], got ${describe(betas)}`);
    }
    const [b1, b2] = betas;
    this.betas = [
      hyper(name, "betas[0]", b1, unit, "in [0, 1)"),
      hyper(name, "betas[1]", b2, unit, "in [0, 1)"),
    ];
    this.eps = hyper(name, "eps", options.eps ?? 1e-8, nonNeg, "≥ 0");
    this.weightDecay = hyper(
      name,
      "weightDecay",
      options.weightDecay ?? (decoupled ? 0.01 : 0),
      nonNeg,
      "≥ 0",
    );
  }

  protected update(slot: Slot): void {
    this.adamStep(slot, this.weightDecay);
  }

  /** The Adam step with L2 weight decay `l2` (0 for AdamW, which decays p before it). */
  protected adamStep(slot: Slot, l2: number): void {
    const { data: p, grad } = slot;
    const [b1, b2] = this.betas;
    const m = this.buffer(slot, "expAvg");
    const v = this.buffer(slot, "expAvgSq");
    const t = this.tick(slot);
    const bc1 = 1 - b1 ** t;
    const bc2Sqrt = Math.sqrt(1 - b2 ** t);
    adam(p, grad, m, v, {
      weightDecay: l2,
      b1,
      b2,
      bc2Sqrt,
      eps: this.eps,
      stepSize: this.lr / bc1,
    });
  }
}

/**
 * AdamW (PyTorch's `AdamW`): Adam with decoupled weight decay. Each step first shrinks the
 * parameter, p ← p·(1 − lr·λ), then takes the Adam step on the unchanged gradient:
 * m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − (lr/(1 − β₁ᵗ)) · m / (√v/√(1 − β₂ᵗ) + ε).
 * Defaults as PyTorch's: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0.01. Unlike Adam's
 * L2 term the decay does not pass through m and v, so it is not rescaled by √v.
 *
 * @example
 * const p = tensor([1, -2], { requiresGrad: true });
 * const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.5 });
 * p.grad = tensor([3, 0]); // a zero gradient on the second element: only the decay moves it
 * opt.step();
 * p.toArray(); // [0.8500000003333332, -1.9]: 1·(1 − 0.05) − 0.1·3/(3 + ε) (a first step moves by ≈ lr), −2·(1 − 0.05)
 */
export class AdamW extends Adam {
  protected override update(slot: Slot): void {
    const p = slot.data;
    const keep = 1 - this.lr * this.weightDecay;
    if (keep !== 1) for (let i = 0; i < p.length; i++) p[i] = (p[i] as number) * keep;
    this.adamStep(slot, 0);
  }
}

/** Options of `RMSProp` (PyTorch's names in camelCase, PyTorch's defaults). */
export interface RMSPropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  momentum?: number;
  weightDecay?: number;
}

/**
 * RMSProp (PyTorch's, not centered): g ← g + λp; s ← αs + (1 − α)g²; with momentum μ,
 * b ← μb + g/(√s + ε) and p ← p − lr·b, otherwise p ← p − lr·g/(√s + ε).
 */
export class RMSProp extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  /** The momentum μ (`OneCycleLR` cycles it between steps). */
  momentum: number;
  readonly weightDecay: number;

  constructor(params: readonly Parameter[], options: RMSPropOptions = {}) {
    super(params, options?.lr ?? 1e-2, "RMSProp");
    options ??= {};
    this.alpha = hyper("RMSProp", "alpha", options.alpha ?? 0.99, nonNeg, "≥ 0");
    this.eps = hyper("RMSProp", "eps", options.eps ?? 1e-8, nonNeg, "≥ 0");
    this.momentum = hyper("RMSProp", "momentum", options.momentum ?? 0, nonNeg, "≥ 0");
    this.weightDecay = hyper("RMSProp", "weightDecay", options.weightDecay ?? 0, nonNeg, "≥ 0");
  }

  protected update(slot: Slot): void {
    const { data: p, grad } = slot;
    const { alpha, eps, momentum: mu, lr } = this;
    const s = this.buffer(slot, "squareAvg");
    const buf = mu > 0 ? this.buffer(slot, "momentum") : null;
    for (let i = 0; i < p.length; i++) {
      const g = (grad[i] as number) + this.weightDecay * (p[i] as number);
      s[i] = alpha * (s[i] as number) + (1 - alpha) * g * g;
      const avg = Math.sqrt(s[i] as number) + eps;
      if (buf) {
        buf[i] = mu * (buf[i] as number) + g / avg;
        p[i] = (p[i] as number) - lr * (buf[i] as number);
      } else p[i] = (p[i] as number) - (lr * g) / avg;
    }
  }
}

/** Options of `Adagrad` (PyTorch's names in camelCase, PyTorch's defaults). */
export interface AdagradOptions {
  lr?: number;
  eps?: number;
  weightDecay?: number;
  lrDecay?: number;
  initialAccumulatorValue?: number;
}

/**
 * Adagrad: g ← g + λp; Σ ← Σ + g²; p ← p − lr′·g/(√Σ + ε) with lr′ = lr/(1 + (t − 1)·lrDecay).
 */
export class Adagrad extends Optimizer {
  readonly eps: number;
  readonly weightDecay: number;
  readonly lrDecay: number;
  readonly initialAccumulatorValue: number;

  constructor(params: readonly Parameter[], options: AdagradOptions = {}) {
    super(params, options?.lr ?? 1e-2, "Adagrad");
    options ??= {};
    this.eps = hyper("Adagrad", "eps", options.eps ?? 1e-10, nonNeg, "≥ 0");
    this.weightDecay = hyper("Adagrad", "weightDecay", options.weightDecay ?? 0, nonNeg, "≥ 0");
    this.lrDecay = hyper("Adagrad", "lrDecay", options.lrDecay ?? 0, nonNeg, "≥ 0");
    this.initialAccumulatorValue = hyper(
      "Adagrad",
      "initialAccumulatorValue",
      options.initialAccumulatorValue ?? 0,
      nonNeg,
      "≥ 0",
    );
  }

  protected update(slot: Slot): void {
    const { data: p, grad } = slot;
    const fresh = slot.state.sum === undefined;
    const sum = this.buffer(slot, "sum");
    if (fresh && this.initialAccumulatorValue !== 0) sum.fill(this.initialAccumulatorValue);
    const t = this.tick(slot);
    const clr = this.lr / (1 + (t - 1) * this.lrDecay);
    for (let i = 0; i < p.length; i++) {
      const g = (grad[i] as number) + this.weightDecay * (p[i] as number);
      sum[i] = (sum[i] as number) + g * g;
      p[i] = (p[i] as number) - (clr * g) / (Math.sqrt(sum[i] as number) + this.eps);
    }
  }
}

/** Alias with PyTorch's spelling. */
export const RMSprop = RMSProp;
