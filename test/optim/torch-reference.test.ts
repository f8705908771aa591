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
  schedulers: { scheduler: string; lr: number; options: Record<string, number>; lrs: number[] }[];
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
    case "RMSProp":
      return new optim.RMSProp(params, options as optim.RMSPropOptions);
    case "Adagrad":
      return new optim.Adagrad(params, options as optim.AdagradOptions);
    default:
      throw new Error(`unknown optimizer ${name}`);
  }
}

describe(`optimizers match PyTorch ${ref.torch} for ${ref.problem.steps} steps`, () => {
  const { p0, c, d, e } = ref.problem;
  it.each(ref.optimizers.map((o) => [`${o.optimizer} ${JSON.stringify(o.options)}`, o] as const))(
    "%s",
    (_, o) => {
      const p = tensor(p0, { requiresGrad: true });
      const opt = makeOptimizer(o.optimizer, [p], camel(o.options));
      const [ct, dt, et] = [tensor(c), tensor(d), tensor(e)];
      o.trajectory.forEach((expected, step) => {
        opt.zeroGrad();
        // L = Σ c·p² + d·p + e·p⁴/4
        ct.mul(p)
          .mul(p)
          .add(dt.mul(p))
          .add(et.mul(p.pow(4)).div(4))
          .sum()
          .backward();
        opt.step();
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
      new Set(["SGD", "Adam", "RMSProp", "Adagrad"]),
    );
  });
});

describe(`schedulers match PyTorch ${ref.torch}`, () => {
  it.each(ref.schedulers.map((s) => [`${s.scheduler} ${JSON.stringify(s.options)}`, s] as const))(
    "%s",
    (_, s) => {
      const opt = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: s.lr });
      const sched =
        s.scheduler === "StepLR"
          ? new optim.StepLR(opt, s.options.step_size as number, s.options.gamma ?? 0.1)
          : new optim.CosineAnnealingLR(opt, s.options.T_max as number, s.options.eta_min ?? 0);
      const lrs = s.lrs.map(() => {
        sched.step();
        return opt.lr;
      });
      expectAllClose(lrs, s.lrs, 1e-12);
    },
  );
});
