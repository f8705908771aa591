/**
 * Learning-rate schedulers: call `step()` once per epoch after `optimizer.step()` (OneCycleLR once
 * per batch; ReduceLROnPlateau's `step(metric)` with the epoch's validation metric).
 */
import { ChainruleError, describe } from "../errors";
import { Value } from "../scalar/value";
import { Tensor } from "../tensor/tensor";
import { Optimizer } from "./optimizer";

function checkOptimizer(optimizer: unknown, name: string): void {
  if (!(optimizer instanceof Optimizer))
    throw new ChainruleError(`${name}: expected an optimizer, got ${describe(optimizer)}`);
}

/** Multiplies the learning rate by `gamma` every `stepSize` epochs: lr = lr₀·γ^⌊epoch/stepSize⌋. */
export class StepLR {
  private epoch = 0;
  private readonly baseLr: number;

  constructor(
    readonly optimizer: Optimizer,
    readonly stepSize: number,
    readonly gamma = 0.1,
  ) {
    if (!Number.isInteger(stepSize) || stepSize <= 0)
      throw new ChainruleError(`StepLR: stepSize must be a positive integer, got ${describe(stepSize)}`);
    checkOptimizer(optimizer, "StepLR");
    if (typeof gamma !== "number" || !(gamma >= 0))
      throw new ChainruleError(`StepLR: gamma must be a number ≥ 0, got ${describe(gamma)}`);
    this.baseLr = optimizer.lr;
  }

  /** Ends an epoch: sets the optimizer's learning rate for the next one. */
  step(): void {
    this.epoch++;
    this.optimizer.lr = this.baseLr * this.gamma ** Math.floor(this.epoch / this.stepSize);
  }
}

/**
 * Cosine annealing from lr₀ to `etaMin` over `tMax` epochs:
 * lr = η_min + (lr₀ − η_min)(1 + cos(π·epoch/tMax))/2. As PyTorch's closed form, the curve
 * continues past tMax (the rate rises again); restart or stop stepping to hold it.
 */
export class CosineAnnealingLR {
  private epoch = 0;
  private readonly baseLr: number;

  constructor(
    readonly optimizer: Optimizer,
    readonly tMax: number,
    readonly etaMin = 0,
  ) {
    checkOptimizer(optimizer, "CosineAnnealingLR");
    if (typeof tMax !== "number" || !(tMax > 0))
      throw new ChainruleError(`CosineAnnealingLR: tMax must be > 0, got ${describe(tMax)}`);
    if (typeof etaMin !== "number" || !(etaMin >= 0))
      throw new ChainruleError(`CosineAnnealingLR: etaMin must be ≥ 0, got ${describe(etaMin)}`);
    this.baseLr = optimizer.lr;
  }

  /**
   * Ends an epoch: lr = η_min + (lr₀ − η_min)(1 + cos(π·epoch/tMax))/2 for the next one. Not
   * clamped at tMax: past it the cosine goes on (period 2·tMax, back at lr₀ at epoch 2·tMax), the
   * values PyTorch's recursive form gives when nothing else changes the rate.
   */
  step(): void {
    this.epoch++;
    this.optimizer.lr =
      this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.epoch) / this.tMax))) / 2;
  }
}

/** Checks a scheduler option. */
function option(name: string, key: string, v: unknown, ok: (x: number) => boolean, range: string): number {
  if (typeof v !== "number" || !ok(v))
    throw new ChainruleError(`${name}: ${key} must be ${range}, got ${describe(v)}`);
  return v;
}

const isCount = (x: number) => Number.isInteger(x) && x >= 0;
const isPositiveCount = (x: number) => Number.isInteger(x) && x > 0;

/** Options of `LinearLR` (PyTorch's names in camelCase, PyTorch's defaults). */
export interface LinearLROptions {
  /** Factor on lr₀ for the first epoch, in (0, 1]; default 1/3. */
  startFactor?: number;
  /** Factor on lr₀ from epoch `totalIters` on, in [0, 1]; default 1. */
  endFactor?: number;
  /** Epochs over which the factor moves from startFactor to endFactor (integer ≥ 0); default 5. */
  totalIters?: number;
}

/**
 * Linear warm-up (or decay) of the learning rate (PyTorch's `LinearLR`): the constructor sets
 * lr = lr₀·startFactor, and after `epoch` calls of `step()`
 * lr = lr₀·(startFactor + (endFactor − startFactor)·min(epoch, totalIters)/totalIters),
 * constant from epoch totalIters on. As PyTorch's, each step multiplies the current rate by the
 * ratio of consecutive factors, 1 + (end − start)/(totalIters·start + (epoch − 1)(end − start)),
 * so it composes with other changes to `optimizer.lr`.
 *
 * @example
 * const opt = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
 * const sched = new LinearLR(opt, { startFactor: 0.5, totalIters: 4 });
 * opt.lr; // 0.05
 * const lrs: number[] = [];
 * for (let epoch = 0; epoch < 5; epoch++) {
 *   sched.step();
 *   lrs.push(opt.lr);
 * }
 * lrs; // [0.0625, 0.075, 0.0875, 0.1, 0.1]
 */
export class LinearLR {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  /** Number of `step()` calls so far. */
  lastEpoch = 0;

  constructor(
    readonly optimizer: Optimizer,
    options: LinearLROptions = {},
  ) {
    checkOptimizer(optimizer, "LinearLR");
    options ??= {};
    this.startFactor = option(
      "LinearLR",
      "startFactor",
      options.startFactor ?? 1 / 3,
      (x) => x > 0 && x <= 1,
      "in (0, 1]",
    );
    this.endFactor = option(
      "LinearLR",
      "endFactor",
      options.endFactor ?? 1,
      (x) => x >= 0 && x <= 1,
      "in [0, 1]",
    );
    this.totalIters = option("LinearLR", "totalIters", options.totalIters ?? 5, isCount, "an integer ≥ 0");
    optimizer.lr *= this.startFactor;
  }

  /** Ends an epoch: sets the optimizer's learning rate for the next one. */
  step(): void {
    this.lastEpoch++;
    if (this.lastEpoch > this.totalIters) return;
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    this.optimizer.lr *= 1 + (e - s) / (n * s + (this.lastEpoch - 1) * (e - s));
  }
}

/** Options of `OneCycleLR` (PyTorch's names in camelCase, PyTorch's defaults). */
export interface OneCycleLROptions {
  /** The peak learning rate (> 0). */
  maxLr: number;
  /** Number of `step()` calls in the cycle (integer > 0); or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the rate, in [0, 1]; default 0.3. */
  pctStart?: number;
  /** "cos" (default) or "linear" interpolation within a phase. */
  annealStrategy?: "cos" | "linear";
  /** Cycle the momentum (SGD, RMSProp) or β₁ (Adam, AdamW) inversely to the rate; default true. */
  cycleMomentum?: boolean;
  /** Momentum at the peak rate, in [0, 1); default 0.85. */
  baseMomentum?: number;
  /** Momentum at the start and end, in [0, 1); default 0.95. */
  maxMomentum?: number;
  /** The initial rate is maxLr/divFactor (> 0); default 25. */
  divFactor?: number;
  /** The final rate is maxLr/(divFactor·finalDivFactor) (> 0); default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, back down to the initial rate, then to the final one) instead of two. */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  startLr: number;
  endLr: number;
  startMomentum: number;
  endMomentum: number;
}

/**
 * The 1cycle policy (PyTorch's `OneCycleLR`), stepped once per batch, `totalSteps` times. With
 * lr₀ = maxLr/divFactor and lr_min = lr₀/finalDivFactor, the rate goes from lr₀ up to maxLr over
 * the first pctStart·totalSteps − 1 steps, then down to lr_min at step totalSteps − 1 (three
 * phases: up to maxLr, back to lr₀ at 2·pctStart·totalSteps − 2, then to lr_min). Within a phase
 * from a to b at fraction f of it, the value is b + (a − b)(1 + cos πf)/2 ("cos") or
 * a + (b − a)f ("linear"). With cycleMomentum the momentum (SGD, RMSProp) or β₁ (Adam, AdamW)
 * moves the other way, between maxMomentum and baseMomentum. The constructor sets step 0's
 * values; calling `step()` more than totalSteps times throws, as PyTorch's does, and so does
 * reaching a phase of length 0 (e.g. pctStart·totalSteps = 1, where PyTorch divides by zero).
 *
 * @example
 * const opt = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new OneCycleLR(opt, { maxLr: 1, totalSteps: 10, annealStrategy: "linear" });
 * [opt.lr, opt.momentum]; // [0.04, 0.95]: maxLr/divFactor, maxMomentum
 * sched.step();
 * sched.step();
 * [opt.lr, opt.momentum]; // [1, 0.85]: the peak, at step pctStart·totalSteps − 1 = 2
 */
export class OneCycleLR {
  readonly totalSteps: number;
  readonly maxLr: number;
  readonly initialLr: number;
  readonly minLr: number;
  readonly pctStart: number;
  readonly annealStrategy: "cos" | "linear";
  readonly cycleMomentum: boolean;
  /** Number of `step()` calls so far. */
  lastEpoch = -1;
  private readonly phases: Phase[];
  /** Which hyper-parameter is cycled: Adam's β₁ or SGD's / RMSProp's momentum. */
  private readonly momentumKey: "betas" | "momentum" | null;

  constructor(
    readonly optimizer: Optimizer,
    options: OneCycleLROptions,
  ) {
    const name = "OneCycleLR";
    checkOptimizer(optimizer, name);
    if (options === null || typeof options !== "object")
      throw new ChainruleError(`${name}: options must be an object with maxLr, got ${describe(options)}`);
    this.maxLr = option(
      name,
      "maxLr",
      options.maxLr,
      (x) => x > 0 && Number.isFinite(x),
      "a finite number > 0",
    );
    if (options.totalSteps !== undefined) {
      this.totalSteps = option(name, "totalSteps", options.totalSteps, isPositiveCount, "an integer > 0");
    } else if (options.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      const epochs = option(name, "epochs", options.epochs, isPositiveCount, "an integer > 0");
      const perEpoch = option(
        name,
        "stepsPerEpoch",
        options.stepsPerEpoch,
        isPositiveCount,
        "an integer > 0",
      );
      this.totalSteps = epochs * perEpoch;
    } else {
      throw new ChainruleError(`${name}: give totalSteps, or both epochs and stepsPerEpoch`);
    }
    this.pctStart = option(name, "pctStart", options.pctStart ?? 0.3, (x) => x >= 0 && x <= 1, "in [0, 1]");
    const strategy = options.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear")
      throw new ChainruleError(
        `${name}: annealStrategy must be "cos" or "linear", got ${describe(strategy)}`,
      );
    this.annealStrategy = strategy;
    const divFactor = option(name, "divFactor", options.divFactor ?? 25, (x) => x > 0, "> 0");
    const finalDivFactor = option(name, "finalDivFactor", options.finalDivFactor ?? 1e4, (x) => x > 0, "> 0");
    const threePhase = options.threePhase ?? false;
    if (typeof threePhase !== "boolean")
      throw new ChainruleError(`${name}: threePhase must be a boolean, got ${describe(threePhase)}`);
    const cycle = options.cycleMomentum ?? true;
    if (typeof cycle !== "boolean")
      throw new ChainruleError(`${name}: cycleMomentum must be a boolean, got ${describe(cycle)}`);
    this.cycleMomentum = cycle;
    const unit = (x: number) => x >= 0 && x < 1;
    const baseMomentum = option(name, "baseMomentum", options.baseMomentum ?? 0.85, unit, "in [0, 1)");
    const maxMomentum = option(name, "maxMomentum", options.maxMomentum ?? 0.95, unit, "in [0, 1)");
    this.momentumKey = !cycle
      ? null
      : "betas" in optimizer
        ? "betas"
        : "momentum" in optimizer
          ? "momentum"
          : null;
    if (cycle && this.momentumKey === null)
      throw new ChainruleError(
        `${name}: cycleMomentum needs an optimizer with momentum or betas (SGD, RMSProp, Adam, AdamW), got ${optimizer.constructor.name}; pass cycleMomentum: false`,
      );

    this.initialLr = this.maxLr / divFactor;
    this.minLr = this.initialLr / finalDivFactor;
    const [n, p, lr0, top, low] = [this.totalSteps, this.pctStart, this.initialLr, this.maxLr, this.minLr];
    this.phases = threePhase
      ? [
          {
            endStep: p * n - 1,
            startLr: lr0,
            endLr: top,
            startMomentum: maxMomentum,
            endMomentum: baseMomentum,
          },
          {
            endStep: 2 * p * n - 2,
            startLr: top,
            endLr: lr0,
            startMomentum: baseMomentum,
            endMomentum: maxMomentum,
          },
          { endStep: n - 1, startLr: lr0, endLr: low, startMomentum: maxMomentum, endMomentum: maxMomentum },
        ]
      : [
          {
            endStep: p * n - 1,
            startLr: lr0,
            endLr: top,
            startMomentum: maxMomentum,
            endMomentum: baseMomentum,
          },
          { endStep: n - 1, startLr: top, endLr: low, startMomentum: baseMomentum, endMomentum: maxMomentum },
        ];
    this.setMomentum(maxMomentum);
    this.step(); // step 0
  }

  /** Moves to the next step (one per batch): sets the optimizer's rate (and momentum) for it. */
  step(): void {
    const t = this.lastEpoch + 1;
    if (t > this.totalSteps)
      throw new ChainruleError(
        `OneCycleLR.step: tried to step ${t} times; the cycle has totalSteps = ${this.totalSteps}`,
      );
    let start = 0;
    const last = this.phases.length - 1;
    for (let i = 0; i <= last; i++) {
      const phase = this.phases[i] as Phase;
      if (t <= phase.endStep || i === last) {
        if (phase.endStep === start)
          throw new ChainruleError(
            `OneCycleLR: step ${t} falls in phase ${i + 1}, which has length 0 (pctStart·totalSteps = ${this.pctStart * this.totalSteps}); PyTorch divides by zero here too`,
          );
        this.lastEpoch = t;
        const pct = (t - start) / (phase.endStep - start);
        this.optimizer.lr = this.anneal(phase.startLr, phase.endLr, pct);
        if (this.cycleMomentum) this.setMomentum(this.anneal(phase.startMomentum, phase.endMomentum, pct));
        return;
      }
      start = phase.endStep;
    }
  }

  private anneal(start: number, end: number, pct: number): number {
    return this.annealStrategy === "cos"
      ? end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (end - start) * pct + start;
  }

  private setMomentum(m: number): void {
    if (this.momentumKey === "betas") {
      const opt = this.optimizer as unknown as { betas: [number, number] };
      opt.betas = [m, opt.betas[1]];
    } else if (this.momentumKey === "momentum") {
      (this.optimizer as unknown as { momentum: number }).momentum = m;
    }
  }
}

/** Options of `ReduceLROnPlateau` (PyTorch's names in camelCase, PyTorch's defaults). */
export interface ReduceLROnPlateauOptions {
  /** "min": a lower metric is better (a loss); "max": higher is better (an accuracy). */
  mode?: "min" | "max";
  /** Multiplies the rate on a plateau, in [0, 1); default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (integer ≥ 0); default 10. */
  patience?: number;
  /** Minimum improvement that counts (≥ 0); default 1e-4. */
  threshold?: number;
  /** "rel": better than best·(1 ∓ threshold); "abs": better than best ∓ threshold. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting bad epochs again (integer ≥ 0); default 0. */
  cooldown?: number;
  /** Lower bound of the rate (≥ 0); default 0. */
  minLr?: number;
  /** A reduction smaller than eps is skipped (≥ 0); default 1e-8. */
  eps?: number;
}

/**
 * Reduces the learning rate when a metric stops improving (PyTorch's `ReduceLROnPlateau`).
 * `step(metric)` once per epoch: the metric improves on the best so far when it is below
 * best·(1 − threshold) (mode "min", thresholdMode "rel"; best − threshold for "abs"; above
 * best·(1 + threshold) or best + threshold for mode "max"). Otherwise the epoch is bad; during
 * a cooldown bad epochs are not counted. When more than `patience` bad epochs have accumulated,
 * lr ← max(lr·factor, minLr) (skipped if that changes it by eps or less), the count restarts and
 * a cooldown of `cooldown` epochs begins.
 *
 * @example
 * const opt = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 1 });
 * const sched = new ReduceLROnPlateau(opt, { patience: 1, factor: 0.5 });
 * const lrs: number[] = [];
 * for (const loss of [3, 2, 2, 2, 1, 1, 1]) {
 *   sched.step(loss);
 *   lrs.push(opt.lr);
 * }
 * lrs; // [1, 1, 1, 0.5, 0.5, 0.5, 0.25]: halved after the 2nd epoch without improvement
 */
export class ReduceLROnPlateau {
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  /** The best metric so far (±∞ before the first step). */
  best: number;
  /** Bad epochs since the last improvement or reduction. */
  numBadEpochs = 0;
  /** Epochs left in the current cooldown. */
  cooldownCounter = 0;
  /** Number of `step()` calls so far. */
  lastEpoch = 0;

  constructor(
    readonly optimizer: Optimizer,
    options: ReduceLROnPlateauOptions = {},
  ) {
    const name = "ReduceLROnPlateau";
    checkOptimizer(optimizer, name);
    options ??= {};
    const mode = options.mode ?? "min";
    if (mode !== "min" && mode !== "max")
      throw new ChainruleError(`${name}: mode must be "min" or "max", got ${describe(mode)}`);
    this.mode = mode;
    const thresholdMode = options.thresholdMode ?? "rel";
    if (thresholdMode !== "rel" && thresholdMode !== "abs")
      throw new ChainruleError(
        `${name}: thresholdMode must be "rel" or "abs", got ${describe(thresholdMode)}`,
      );
    this.thresholdMode = thresholdMode;
    this.factor = option(name, "factor", options.factor ?? 0.1, (x) => x >= 0 && x < 1, "in [0, 1)");
    this.patience = option(name, "patience", options.patience ?? 10, isCount, "an integer ≥ 0");
    this.threshold = option(name, "threshold", options.threshold ?? 1e-4, (x) => x >= 0, "≥ 0");
    this.cooldown = option(name, "cooldown", options.cooldown ?? 0, isCount, "an integer ≥ 0");
    this.minLr = option(name, "minLr", options.minLr ?? 0, (x) => x >= 0, "≥ 0");
    this.eps = option(name, "eps", options.eps ?? 1e-8, (x) => x >= 0, "≥ 0");
    this.best = mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Ends an epoch with its metric (a number, a one-element tensor or a `Value`). */
  step(metric: number | Tensor | Value): void {
    let current: number;
    if (typeof metric === "number") current = metric;
    else if (metric instanceof Value) current = metric.data;
    else if (metric instanceof Tensor && metric.size === 1) current = metric.item();
    else
      throw new ChainruleError(
        `ReduceLROnPlateau.step: metric must be a number, a one-element tensor or a Value, got ${describe(metric)}`,
      );
    this.lastEpoch++;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0; // bad epochs in a cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      const old = this.optimizer.lr;
      const lr = Math.max(old * this.factor, this.minLr);
      if (old - lr > this.eps) this.optimizer.lr = lr;
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === "min")
      return this.thresholdMode === "rel" ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === "rel" ? a > best * (threshold + 1) : a > best + threshold;
  }
}
