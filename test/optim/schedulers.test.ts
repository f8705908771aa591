/**
 * Learning-rate schedulers: `step()` once per epoch sets `optimizer.lr` (PyTorch's StepLR and
 * CosineAnnealingLR closed forms, written out here by hand).
 */
import { describe, expect, it } from "vitest";
import { ChainruleError, optim, tensor } from "../../src/index";
import { expectAllClose } from "../helpers/close";

const sgd = (lr: number) => new optim.SGD([tensor([0], { requiresGrad: true })], { lr });

function lrsOver(epochs: number, opt: optim.Optimizer, scheduler: { step(): void }): number[] {
  const out: number[] = [];
  for (let e = 0; e < epochs; e++) {
    scheduler.step();
    out.push(opt.lr);
  }
  return out;
}

describe("StepLR", () => {
  it("multiplies the learning rate by gamma every stepSize epochs: lr₀·γ^⌊epoch/stepSize⌋", () => {
    const opt = sgd(0.1);
    const lrs = lrsOver(7, opt, new optim.StepLR(opt, 2, 0.5));
    expectAllClose(lrs, [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125], 1e-15);
  });

  it("defaults to gamma 0.1 and leaves lr alone until the first step", () => {
    const opt = sgd(1);
    const sched = new optim.StepLR(opt, 3);
    expect(opt.lr).toBe(1);
    expectAllClose(lrsOver(6, opt, sched), [1, 1, 0.1, 0.1, 0.1, 0.01], 1e-15);
  });

  it("rejects a step size that is not a positive integer", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new optim.StepLR(sgd(0.1), bad)).toThrow(ChainruleError);
    }
    expect(() => new optim.StepLR(sgd(0.1), 0)).toThrow(/StepLR: stepSize/);
  });
});

describe("CosineAnnealingLR", () => {
  it("follows η_min + (lr₀ − η_min)(1 + cos(π·epoch/tMax))/2 down to η_min at tMax", () => {
    const [lr0, etaMin, tMax] = [0.1, 0.01, 4];
    const opt = sgd(lr0);
    const lrs = lrsOver(tMax, opt, new optim.CosineAnnealingLR(opt, tMax, etaMin));
    const expected = [1, 2, 3, 4].map(
      (e) => etaMin + ((lr0 - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2,
    );
    expectAllClose(lrs, expected, 1e-15);
    // halfway it is the midpoint, at the end η_min
    expectAllClose(lrs[1] as number, (lr0 + etaMin) / 2, 1e-15);
    expectAllClose(lrs[3] as number, etaMin, 1e-15);
  });

  it("anneals to 0 by default", () => {
    const opt = sgd(0.5);
    const lrs = lrsOver(2, opt, new optim.CosineAnnealingLR(opt, 2));
    expectAllClose(lrs, [0.25, 0], 1e-15);
  });

  /**
   * PyTorch's recursive form (`CosineAnnealingLR.get_lr`), written out independently of the
   * closed form: from lr_{t−1} it steps to
   *   lr_t = lr_{t−1} + (lr₀ − η_min)(1 − cos(π/T))/2           when (t − 1 − T) mod 2T = 0,
   *   lr_t = η_min + (lr_{t−1} − η_min)(1 + cos(πt/T))/(1 + cos(π(t−1)/T))   otherwise.
   */
  function pytorchRecursive(lr0: number, etaMin: number, tMax: number, epochs: number): number[] {
    const out: number[] = [];
    let lr = lr0;
    for (let t = 1; t <= epochs; t++) {
      if ((t - 1 - tMax) % (2 * tMax) === 0) lr += ((lr0 - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
      else
        lr =
          etaMin +
          ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (lr - etaMin);
      out.push(lr);
    }
    return out;
  }

  it("continues past tMax as PyTorch's does: the rate rises back to lr₀ at 2·tMax (period 2·tMax)", () => {
    const [lr0, etaMin, tMax] = [0.1, 0.01, 5];
    const opt = sgd(lr0);
    const lrs = lrsOver(4 * tMax, opt, new optim.CosineAnnealingLR(opt, tMax, etaMin));
    expectAllClose(lrs, pytorchRecursive(lr0, etaMin, tMax, 4 * tMax), 1e-12);
    expect(lrs[tMax]).toBeGreaterThan(etaMin); // epoch tMax + 1 is already on the way up
    expectAllClose(lrs[2 * tMax - 1] as number, lr0, 1e-15);
    expectAllClose(lrs.slice(2 * tMax), lrs.slice(0, 2 * tMax), 1e-15);
  });

  it("rejects tMax ≤ 0", () => {
    expect(() => new optim.CosineAnnealingLR(sgd(0.1), 0)).toThrow(ChainruleError);
    expect(() => new optim.CosineAnnealingLR(sgd(0.1), -3)).toThrow(/CosineAnnealingLR: tMax/);
  });
});

describe("schedulers drive the optimizer's steps", () => {
  it("the step taken uses the scheduled learning rate", () => {
    const p = tensor([0], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 1 });
    const sched = new optim.StepLR(opt, 1, 0.5);
    const seen: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      p.grad = tensor([-1]); // each step moves p by +lr
      const before = p.data[0] as number;
      opt.step();
      seen.push((p.data[0] as number) - before);
      sched.step();
    }
    expect(seen).toEqual([1, 0.5, 0.25]);
  });
});
