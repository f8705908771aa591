/**
 * Optimizer trajectories and scheduler learning rates against PyTorch 2.13 (float64), from the
 * checked-in fixture test/fixtures/optim-reference.json. Regenerate it with
 * `python3 test/fixtures/optim_reference.py`; these tests only read the JSON.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { optim, type Tensor, tensor } from "../../src/index";
import { expectAllClose } from "../helpers/close";

interface Reference {
  torch: string;
  problem: { p0: number[]; c: number[]; d: number[]; e: number[]; steps: number };
  optimizers: {
    optimizer: string;
    torch: string;
    options: Record<string, unknown>;
    trajectory: number[][];
  }[];
  schedulers: {
    scheduler: string;
    lr: number;
    options: Record<string, number>;
    lrs: number[];
    /** The cases of the newer schedulers also record the optimizer and the momentum / β₁. */
    optimizer?: string;
    optimizerOptions?: Record<string, unknown>;
    initialLr?: number;
    initialMomentum?: number | null;
    momenta?: (number | null)[];
    metrics?: number[];
  }[];
  /** An optimizer driven by a scheduler: parameter values after each step. */
  combined: {
    optimizer: string;
    optimizerOptions: Record<string, unknown>;
    scheduler: string;
    options: Record<string, unknown>;
    trajectory: number[][];
  }[];
}

const ref = JSON.parse(
  readFileSync(new URL("../fixtures/optim-reference.json", import.meta.url), "utf8"),
) as Reference;

/** PyTorch's snake_case keyword arguments in chainrule's camelCase. */
const camel = (options: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(options).map(([k, v]) => [k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()), v]),
  );

function makeOptimizer(name: string, params: Tensor[], options: Record<string, unknown>): optim.Optimizer {
  switch (name) {
    case "SGD":
      return new optim.SGD(params, options as unknown as optim.SGDOptions);
    case "Adam":
      return new optim.Adam(params, options as optim.AdamOptions);
    case "AdamW":
      return new optim.AdamW(params, options as optim.AdamWOptions);
    case "RMSProp":
    case "RMSprop":
      return new optim.RMSProp(params, options as optim.RMSPropOptions);
    case "Adagrad":
      return new optim.Adagrad(params, options as optim.AdagradOptions);
    default:
      throw new Error(`unknown optimizer ${name}`);
  }
}

/** One step of the fixture's problem: L = Σ c·p² + d·p + e·p⁴/4, backward, optimizer step. */
function problemStep(p: Tensor, opt: optim.Optimizer): void {
  const { c, d, e } = ref.problem;
  const [ct, dt, et] = [tensor(c), tensor(d), tensor(e)];
  opt.zeroGrad();
  ct.mul(p)
    .mul(p)
    .add(dt.mul(p))
    .add(et.mul(p.pow(4)).div(4))
    .sum()
    .backward();
  opt.step();
}

describe(`optimizers match PyTorch ${ref.torch} for ${ref.problem.steps} steps`, () => {
  const { p0 } = ref.problem;
  it.each(ref.optimizers.map((o) => [`${o.optimizer} ${JSON.stringify(o.options)}`, o] as const))(
    "%s",
    (_, o) => {
      const p = tensor(p0, { requiresGrad: true });
      const opt = makeOptimizer(o.optimizer, [p], camel(o.options));
      o.trajectory.forEach((expected, step) => {
        problemStep(p, opt);
        try {
          expectAllClose(p, expected, 1e-12);
        } catch (err) {
          throw new Error(`step ${step + 1}: ${(err as Error).message}`);
        }
      });
    },
  );

  it("covers every optimizer", () => {
    expect(new Set(ref.optimizers.map((o) => o.optimizer))).toEqual(
      new Set(["SGD", "Adam", "AdamW", "RMSProp", "Adagrad"]),
    );
  });
});

/** The scheduler of a fixture case (chainrule's options are PyTorch's in camelCase). */
function makeScheduler(
  name: string,
  opt: optim.Optimizer,
  options: Record<string, unknown>,
): { step(metric?: number): void } {
  const o = camel(options);
  switch (name) {
    case "StepLR":
      return new optim.StepLR(opt, o.stepSize as number, (o.gamma as number | undefined) ?? 0.1);
    case "CosineAnnealingLR":
      return new optim.CosineAnnealingLR(opt, options.T_max as number, (o.etaMin as number | undefined) ?? 0);
    case "LinearLR":
      return new optim.LinearLR(opt, o as optim.LinearLROptions);
    case "OneCycleLR":
      return new optim.OneCycleLR(opt, o as unknown as optim.OneCycleLROptions);
    case "ReduceLROnPlateau": {
      const sched = new optim.ReduceLROnPlateau(opt, o as optim.ReduceLROnPlateauOptions);
      return { step: (metric?: number) => sched.step(metric as number) };
    }
    default:
      throw new Error(`unknown scheduler ${name}`);
  }
}

/** The momentum OneCycleLR cycles: β₁ of the Adam family, else `momentum`, else null (PyTorch's). */
function momentumOf(opt: optim.Optimizer): number | null {
  if (opt instanceof optim.Adam) return opt.betas[0];
  if (opt instanceof optim.SGD || opt instanceof optim.RMSProp) return opt.momentum;
  return null;
}

describe(`schedulers match PyTorch ${ref.torch}`, () => {
  it.each(ref.schedulers.map((s) => [`${s.scheduler} ${JSON.stringify(s.options)}`, s] as const))(
    "%s",
    (_, s) => {
      const opt = makeOptimizer(
        s.optimizer ?? "SGD",
        [tensor([0], { requiresGrad: true })],
        camel(s.optimizerOptions ?? { lr: s.lr }),
      );
      const sched = makeScheduler(s.scheduler, opt, s.options);
      if (s.initialLr !== undefined) expectAllClose(opt.lr, s.initialLr, 1e-12);
      if (s.initialMomentum === null) expect(momentumOf(opt)).toBeNull();
      else if (s.initialMomentum !== undefined) expectAllClose(momentumOf(opt), s.initialMomentum, 1e-12);
      const momenta: (number | null)[] = [];
      const lrs = s.lrs.map((_, i) => {
        opt.step(); // no gradient: changes nothing, as in the fixture
        sched.step(s.metrics?.[i]);
        momenta.push(momentumOf(opt));
        return opt.lr;
      });
      expectAllClose(lrs, s.lrs, 1e-12);
      if (s.momenta !== undefined) {
        if (s.momenta.every((m) => m === null)) expect(momenta).toEqual(s.momenta);
        else expectAllClose(momenta, s.momenta, 1e-12);
      }
    },
  );

  it("covers every scheduler and every OneCycleLR phase layout", () => {
    expect(new Set(ref.schedulers.map((s) => s.scheduler))).toEqual(
      new Set(["StepLR", "CosineAnnealingLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau"]),
    );
    const oneCycle = ref.schedulers.filter((s) => s.scheduler === "OneCycleLR").map((s) => s.options);
    expect(oneCycle.some((o) => o.three_phase)).toBe(true);
    expect(oneCycle.some((o) => !o.three_phase)).toBe(true);
  });
});

describe(`optimizers driven by schedulers match PyTorch ${ref.torch}`, () => {
  it.each(
    ref.combined.map((c) => [`${c.optimizer} + ${c.scheduler} ${JSON.stringify(c.options)}`, c] as const),
  )("%s", (_, c) => {
    const p = tensor(ref.problem.p0, { requiresGrad: true });
    const opt = makeOptimizer(c.optimizer, [p], camel(c.optimizerOptions));
    const sched = makeScheduler(c.scheduler, opt, c.options);
    c.trajectory.forEach((expected, step) => {
      problemStep(p, opt);
      sched.step();
      try {
        expectAllClose(p, expected, 1e-12);
      } catch (err) {
        throw new Error(`step ${step + 1}: ${(err as Error).message}`);
      }
    });
  });
});
