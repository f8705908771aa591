/** Learning-rate schedulers: call `step()` once per epoch after `optimizer.step()`. */
import { ChainruleError, describe } from "../errors";
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
