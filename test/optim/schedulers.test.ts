/**
 * Learning-rate schedulers: `step()` once per epoch sets `optimizer.lr` (PyTorch's StepLR,
 * CosineAnnealingLR, LinearLR and OneCycleLR schedules and ReduceLROnPlateau's rule, written out
 * here by hand; test/optim/torch-reference.test.ts compares them with PyTorch itself).
 */
import { describe, expect, it } from "vitest";
import { ChainruleError, optim, tensor, Value } from "../../src/index";
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

describe("LinearLR", () => {
  it("sets lr₀·startFactor at once, then moves linearly to lr₀·endFactor over totalIters epochs", () => {
    const opt = sgd(0.2);
    const sched = new optim.LinearLR(opt, { startFactor: 0.5, endFactor: 1, totalIters: 4 });
    expect(opt.lr).toBe(0.1);
    expectAllClose(lrsOver(6, opt, sched), [0.125, 0.15, 0.175, 0.2, 0.2, 0.2], 1e-15);
    expect(sched.lastEpoch).toBe(6);
  });

  it("defaults to startFactor 1/3, endFactor 1, totalIters 5", () => {
    const opt = sgd(0.3);
    const sched = new optim.LinearLR(opt);
    expect([sched.startFactor, sched.endFactor, sched.totalIters]).toEqual([1 / 3, 1, 5]);
    expectAllClose(opt.lr, 0.1, 1e-15);
    const expected = [1, 2, 3, 4, 5, 6].map((e) => 0.3 * (1 / 3 + ((2 / 3) * Math.min(e, 5)) / 5));
    expectAllClose(lrsOver(6, opt, sched), expected, 1e-15);
  });

  it("decays when endFactor < startFactor", () => {
    const opt = sgd(1);
    const sched = new optim.LinearLR(opt, { startFactor: 1, endFactor: 0, totalIters: 4 });
    expectAllClose(lrsOver(5, opt, sched), [0.75, 0.5, 0.25, 0, 0], 1e-15);
  });

  it("rejects factors outside their ranges and a totalIters that is not an integer ≥ 0", () => {
    const bad: [object, RegExp][] = [
      [{ startFactor: 0 }, /LinearLR: startFactor/],
      [{ startFactor: 1.5 }, /LinearLR: startFactor/],
      [{ endFactor: -0.1 }, /LinearLR: endFactor/],
      [{ endFactor: 2 }, /LinearLR: endFactor/],
      [{ totalIters: 2.5 }, /LinearLR: totalIters/],
      [{ totalIters: -1 }, /LinearLR: totalIters/],
    ];
    for (const [options, message] of bad) {
      expect(() => new optim.LinearLR(sgd(0.1), options)).toThrow(ChainruleError);
      expect(() => new optim.LinearLR(sgd(0.1), options)).toThrow(message);
    }
    expect(() => new optim.LinearLR({} as never)).toThrow(/LinearLR: expected an optimizer/);
  });
});

describe("OneCycleLR", () => {
  /** The two-phase schedule written out (PyTorch's phases: up to step pct·n − 1, down to n − 1). */
  function twoPhase(
    maxLr: number,
    n: number,
    pct: number,
    anneal: (a: number, b: number, f: number) => number,
  ) {
    const lr0 = maxLr / 25;
    const lrMin = lr0 / 1e4;
    const up = pct * n - 1;
    return Array.from({ length: n + 1 }, (_, t) =>
      t <= up
        ? [anneal(lr0, maxLr, t / up), anneal(0.95, 0.85, t / up)]
        : [anneal(maxLr, lrMin, (t - up) / (n - 1 - up)), anneal(0.85, 0.95, (t - up) / (n - 1 - up))],
    );
  }
  const cos = (a: number, b: number, f: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * f) + 1);
  const linear = (a: number, b: number, f: number) => a + (b - a) * f;

  it("cos: up from maxLr/25 to maxLr, down to maxLr/25e4 at step totalSteps − 1; SGD momentum cycles 0.95 → 0.85 → 0.95", () => {
    const opt = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
    const sched = new optim.OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
    const seen = [[opt.lr, opt.momentum]];
    for (let t = 1; t <= 10; t++) {
      sched.step();
      seen.push([opt.lr, opt.momentum]);
    }
    expectAllClose(seen, twoPhase(1, 10, 0.3, cos), 1e-14);
    expectAllClose(seen[2] as number[], [1, 0.85], 1e-15); // the peak, at step 0.3·10 − 1
    expectAllClose(seen[9] as number[], [1 / 25e4, 0.95], 1e-15);
  });

  it("linear annealing, totalSteps from epochs × stepsPerEpoch, and Adam's β₁ cycled (β₂ kept)", () => {
    const opt = new optim.Adam([tensor([0], { requiresGrad: true })], { betas: [0.9, 0.99] });
    const sched = new optim.OneCycleLR(opt, {
      maxLr: 0.5,
      epochs: 2,
      stepsPerEpoch: 5,
      pctStart: 0.5,
      annealStrategy: "linear",
    });
    expect(sched.totalSteps).toBe(10);
    const seen = [[opt.lr, opt.betas[0]]];
    for (let t = 1; t <= 10; t++) {
      sched.step();
      seen.push([opt.lr, opt.betas[0]]);
      expect(opt.betas[1]).toBe(0.99);
    }
    expectAllClose(seen, twoPhase(0.5, 10, 0.5, linear), 1e-14);
  });

  it("three phases: up to maxLr, back to maxLr/divFactor, then down to the final rate", () => {
    const opt = sgd(0.1);
    const sched = new optim.OneCycleLR(opt, {
      maxLr: 1,
      totalSteps: 12,
      pctStart: 0.25,
      threePhase: true,
      annealStrategy: "linear",
      divFactor: 10,
      finalDivFactor: 100,
      cycleMomentum: false,
    });
    const lrs = [opt.lr, ...lrsOver(11, opt, sched)];
    // phase ends: 0.25·12 − 1 = 2, 2·0.25·12 − 2 = 4, 11
    expectAllClose(
      lrs,
      [0.1, 0.55, 1, 0.55, 0.1, ...[1, 2, 3, 4, 5, 6, 7].map((k) => 0.1 + ((0.001 - 0.1) * k) / 7)],
      1e-14,
    );
    expect(opt.momentum).toBe(0); // not cycled
  });

  it("throws past totalSteps, as PyTorch's, and leaves the rate alone", () => {
    const opt = sgd(0.1);
    const sched = new optim.OneCycleLR(opt, { maxLr: 1, totalSteps: 3, cycleMomentum: false });
    lrsOver(3, opt, sched);
    const lr = opt.lr;
    expect(() => sched.step()).toThrow(ChainruleError);
    expect(() => sched.step()).toThrow(/OneCycleLR.step: tried to step 4 times/);
    expect(opt.lr).toBe(lr);
    expect(sched.lastEpoch).toBe(3);
  });

  it("throws on reaching a phase of length 0, where PyTorch divides by zero", () => {
    // pctStart·totalSteps = 1: the first phase ends at step 0, where it starts
    expect(() => new optim.OneCycleLR(sgd(0.1), { maxLr: 1, totalSteps: 10, pctStart: 0.1 })).toThrow(
      /OneCycleLR: step 0 falls in phase 1, which has length 0/,
    );
    // pctStart 1: the second phase is empty, reached only at step totalSteps
    const opt = sgd(0.1);
    const sched = new optim.OneCycleLR(opt, {
      maxLr: 1,
      totalSteps: 4,
      pctStart: 1,
      annealStrategy: "linear",
    });
    expectAllClose(lrsOver(3, opt, sched), [0.36, 0.68, 1], 1e-15); // 0.04 + 0.96·t/3
    expect(() => sched.step()).toThrow(/OneCycleLR: step 4 falls in phase 2/);
    expect([opt.lr, sched.lastEpoch]).toEqual([1, 3]);
  });

  it("needs momentum or betas to cycle (Adagrad has neither), unless cycleMomentum is false", () => {
    const adagrad = () => new optim.Adagrad([tensor([0], { requiresGrad: true })]);
    expect(() => new optim.OneCycleLR(adagrad(), { maxLr: 1, totalSteps: 5 })).toThrow(
      /OneCycleLR: cycleMomentum needs an optimizer with momentum or betas/,
    );
    expect(
      () => new optim.OneCycleLR(adagrad(), { maxLr: 1, totalSteps: 5, cycleMomentum: false }),
    ).not.toThrow();
  });

  it("rejects bad options, naming them", () => {
    const bad: [unknown, RegExp][] = [
      [undefined, /OneCycleLR: options/],
      [{ totalSteps: 5 }, /OneCycleLR: maxLr/],
      [{ maxLr: 0, totalSteps: 5 }, /OneCycleLR: maxLr/],
      [{ maxLr: 1 }, /OneCycleLR: give totalSteps, or both epochs and stepsPerEpoch/],
      [{ maxLr: 1, epochs: 2 }, /OneCycleLR: give totalSteps/],
      [{ maxLr: 1, totalSteps: 0 }, /OneCycleLR: totalSteps/],
      [{ maxLr: 1, totalSteps: 2.5 }, /OneCycleLR: totalSteps/],
      [{ maxLr: 1, epochs: -1, stepsPerEpoch: 3 }, /OneCycleLR: epochs/],
      [{ maxLr: 1, epochs: 2, stepsPerEpoch: 0 }, /OneCycleLR: stepsPerEpoch/],
      [{ maxLr: 1, totalSteps: 5, pctStart: 1.5 }, /OneCycleLR: pctStart/],
      [{ maxLr: 1, totalSteps: 5, annealStrategy: "exp" }, /OneCycleLR: annealStrategy/],
      [{ maxLr: 1, totalSteps: 5, divFactor: 0 }, /OneCycleLR: divFactor/],
      [{ maxLr: 1, totalSteps: 5, finalDivFactor: -1 }, /OneCycleLR: finalDivFactor/],
      [{ maxLr: 1, totalSteps: 5, threePhase: 1 }, /OneCycleLR: threePhase/],
      [{ maxLr: 1, totalSteps: 5, cycleMomentum: "yes" }, /OneCycleLR: cycleMomentum/],
      [{ maxLr: 1, totalSteps: 5, baseMomentum: 1 }, /OneCycleLR: baseMomentum/],
      [{ maxLr: 1, totalSteps: 5, maxMomentum: -0.1 }, /OneCycleLR: maxMomentum/],
    ];
    for (const [options, message] of bad) {
      const make = () => new optim.OneCycleLR(sgd(0.1), options as optim.OneCycleLROptions);
      expect(make).toThrow(ChainruleError);
      expect(make).toThrow(message);
    }
  });
});

describe("ReduceLROnPlateau", () => {
  /** The learning rate after each epoch's `step(metric)`. */
  function lrsFor(metrics: number[], opt: optim.Optimizer, sched: optim.ReduceLROnPlateau): number[] {
    return metrics.map((m) => {
      sched.step(m);
      return opt.lr;
    });
  }

  it("multiplies lr by factor after more than patience epochs without improvement", () => {
    const opt = sgd(1);
    const sched = new optim.ReduceLROnPlateau(opt, { patience: 2 });
    const lrs = lrsFor([5, 4, 4, 4, 4, 3, 3, 3, 3], opt, sched);
    expectAllClose(lrs, [1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1, 0.01], 1e-15);
    expect(sched.best).toBe(3);
  });

  it("defaults: min mode, factor 0.1, patience 10, threshold 1e-4 rel, no cooldown, minLr 0, eps 1e-8", () => {
    const s = new optim.ReduceLROnPlateau(sgd(1));
    expect([s.mode, s.factor, s.patience, s.threshold, s.thresholdMode, s.cooldown, s.minLr, s.eps]).toEqual([
      "min",
      0.1,
      10,
      1e-4,
      "rel",
      0,
      0,
      1e-8,
    ]);
    expect(s.best).toBe(Number.POSITIVE_INFINITY);
  });

  it("an improvement must beat best·(1 − threshold) in rel mode, best − threshold in abs mode", () => {
    const rel = new optim.ReduceLROnPlateau(sgd(1), { threshold: 0.1 });
    rel.step(10);
    rel.step(9.5); // not below 9
    expect([rel.best, rel.numBadEpochs]).toEqual([10, 1]);
    rel.step(8.9);
    expect([rel.best, rel.numBadEpochs]).toEqual([8.9, 0]);
    const abs = new optim.ReduceLROnPlateau(sgd(1), { mode: "max", threshold: 0.5, thresholdMode: "abs" });
    abs.step(1);
    abs.step(1.4); // not above 1.5
    expect([abs.best, abs.numBadEpochs]).toEqual([1, 1]);
    abs.step(1.6);
    expect([abs.best, abs.numBadEpochs]).toEqual([1.6, 0]);
  });

  it("waits cooldown epochs after a reduction, stops at minLr, skips reductions of eps or less", () => {
    const opt = sgd(0.4);
    const sched = new optim.ReduceLROnPlateau(opt, { factor: 0.5, patience: 0, cooldown: 1, minLr: 0.15 });
    const lrs = lrsFor([1, 1, 1, 1, 1, 1], opt, sched);
    // epoch 2 reduces; 3 is in the cooldown; 4 reduces to max(0.1, 0.15); 6 would go below minLr
    expectAllClose(lrs, [0.4, 0.2, 0.2, 0.15, 0.15, 0.15], 1e-15);
    const opt2 = sgd(0.1);
    const skip = new optim.ReduceLROnPlateau(opt2, { factor: 0.9, patience: 0, eps: 0.05 });
    skip.step(1);
    skip.step(1);
    expect(opt2.lr).toBe(0.1); // 0.1 − 0.09 ≤ eps
  });

  it("takes a one-element tensor or a Value as the metric", () => {
    const opt = sgd(1);
    const sched = new optim.ReduceLROnPlateau(opt, { patience: 0 });
    sched.step(tensor([2]));
    sched.step(new Value(3));
    expect(opt.lr).toBe(0.1);
    expect(sched.best).toBe(2);
    expect(() => sched.step(tensor([1, 2]))).toThrow(/ReduceLROnPlateau.step: metric/);
    expect(() => sched.step("1" as never)).toThrow(ChainruleError);
    expect(sched.lastEpoch).toBe(2);
  });

  it("rejects bad options, naming them", () => {
    const bad: [object, RegExp][] = [
      [{ mode: "minimum" }, /ReduceLROnPlateau: mode/],
      [{ thresholdMode: "relative" }, /ReduceLROnPlateau: thresholdMode/],
      [{ factor: 1 }, /ReduceLROnPlateau: factor/],
      [{ factor: -0.5 }, /ReduceLROnPlateau: factor/],
      [{ patience: 1.5 }, /ReduceLROnPlateau: patience/],
      [{ threshold: -1 }, /ReduceLROnPlateau: threshold/],
      [{ cooldown: -1 }, /ReduceLROnPlateau: cooldown/],
      [{ minLr: -0.1 }, /ReduceLROnPlateau: minLr/],
      [{ eps: Number.NaN }, /ReduceLROnPlateau: eps/],
    ];
    for (const [options, message] of bad) {
      const make = () => new optim.ReduceLROnPlateau(sgd(0.1), options);
      expect(make).toThrow(ChainruleError);
      expect(make).toThrow(message);
    }
    expect(() => new optim.ReduceLROnPlateau(null as never)).toThrow(
      /ReduceLROnPlateau: expected an optimizer/,
    );
  });
});
