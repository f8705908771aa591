import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  customOp,
  grad,
  gradcheck,
  gradgradcheck,
  Rng,
  randn,
  type Tensor,
  tensor,
  where,
} from "../../src/index";
import { expectClose } from "../helpers/close";

const normal = (shape: number[], seed: number): Tensor => randn(shape, { generator: new Rng(seed) });

/** x ↦ x² with a backward that forgets the factor 2: ∂ = ḡ·x instead of 2ḡ·x. */
const badSquare = customOp({
  name: "badSquare",
  forward: (x) => x.mul(x),
  backward: (g, { inputs: [x] }) => [g.mul(x!)],
});

/** x ↦ x² with a backward that is right up to a relative error of 1e-4. */
const slightlyOffSquare = customOp({
  name: "slightlyOffSquare",
  forward: (x) => x.mul(x),
  backward: (g, { inputs: [x] }) => [g.mul(x!).mul(2 * (1 + 1e-4))],
});

describe("gradcheck", () => {
  it("reports ok for correct built-in ops, with tiny errors", () => {
    const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
      ["tanh", (x) => x.tanh(), [normal([2, 3], 1)]],
      ["broadcast mul + exp", (a, b) => a.mul(b).exp(), [normal([2, 3], 2), normal([3], 3)]],
      ["matmul", (a, b) => a.matmul(b), [normal([2, 3], 4), normal([3, 2], 5)]],
      ["softmax", (x) => x.softmax(0), [normal([4, 2], 6)]],
      ["logSumExp keepDims", (x) => x.logSumExp(1, true), [normal([3, 4], 7)]],
      ["div and sqrt", (a, b) => a.div(b.mul(b).add(1).sqrt()), [normal([3], 8), normal([3], 9)]],
    ];
    for (const [name, f, inputs] of cases) {
      const res = gradcheck(f, inputs);
      expect(res.failures, name).toEqual([]);
      expect(res.ok, name).toBe(true);
      expect(res.maxAbsError, name).toBeLessThan(1e-7);
    }
  });

  it("reports every wrong entry as { input, index, analytic, numeric } for a wrong backward", () => {
    const x = tensor([1, -2, 3]);
    const res = gradcheck((t) => badSquare(t).sum(), [x]);
    expect(res.ok).toBe(false);
    expect(res.failures).toHaveLength(3);
    [1, -2, 3].forEach((xi, j) => {
      const failure = res.failures[j]!;
      expect(failure).toMatchObject({ input: 0, index: j, output: 0 });
      expectClose(failure.analytic, xi); // what the wrong backward says
      expectClose(failure.numeric, 2 * xi, 1e-8); // the true derivative
    });
    expectClose(res.maxAbsError, 3, 1e-8);
    expectClose(res.maxRelError, 0.5, 1e-8);
  });

  it("names the input and the output element of each failure", () => {
    // only the second input goes through the wrong op; the output is a vector
    const res = gradcheck((a, b) => a.mul(2).add(badSquare(b)), [tensor([0.5, 0.5]), tensor([0, 4])]);
    expect(res.ok).toBe(false);
    // b = [0, 4]: entry 0 is right (0 = 0), entry 1 is wrong (4 vs 8), on the diagonal only
    expect(res.failures).toHaveLength(1);
    expect(res.failures[0]).toMatchObject({ input: 1, index: 1, output: 1 });
    expectClose(res.failures[0]!.analytic, 4);
    expectClose(res.failures[0]!.numeric, 8, 1e-8);
  });

  it("applies |analytic − numeric| ≤ atol + rtol·|numeric| with the given tolerances", () => {
    const f = (t: Tensor) => slightlyOffSquare(t).sum();
    const x = tensor([1, -2, 3]);
    // a relative error of 1e-4 passes the default rtol = 1e-3 …
    expect(gradcheck(f, [x]).ok).toBe(true);
    // … and fails rtol = 1e-5 without absolute slack
    const strict = gradcheck(f, [x], { rtol: 1e-5, atol: 0 });
    expect(strict.ok).toBe(false);
    expect(strict.failures).toHaveLength(3);
    expectClose(strict.maxRelError, 1e-4, 1e-8);
    // a large atol hides even a wrong factor of 2
    expect(gradcheck((t) => badSquare(t).sum(), [x], { atol: 10 }).ok).toBe(true);
  });

  it("uses eps as the finite-difference step", () => {
    // for x³ the central difference has error ε²·(x³)‴/6 = ε²: 1e-2 at ε = 0.1
    const f = (t: Tensor) => t.pow(3).sum();
    const x = tensor([0.5]);
    const coarse = gradcheck(f, [x], { eps: 0.1, atol: 0, rtol: 1e-6 });
    expect(coarse.ok).toBe(false);
    expectClose(coarse.failures[0]!.numeric, 3 * 0.25 + 0.01, 1e-9);
    expect(gradcheck(f, [x], { eps: 1e-6, atol: 0, rtol: 1e-6 }).ok).toBe(true);
  });

  it("checks float32 inputs in float64 and leaves the caller's tensors untouched", () => {
    const data = new Float32Array([0.25, -1.5, 2]);
    const x = tensor(data);
    const seen: string[] = [];
    const f = (t: Tensor) => {
      seen.push(t.dtype);
      return t.exp().mul(t).sum();
    };
    // eps = 1e-6 would be far below float32 resolution (≈ 1.2e-7 relative, and the differences
    // of exp(x) would be all rounding): this only passes because the check runs in float64.
    const res = gradcheck(f, [x], { eps: 1e-6, atol: 1e-9, rtol: 1e-7 });
    expect(res.failures).toEqual([]);
    expect(res.ok).toBe(true);
    expect(new Set(seen)).toEqual(new Set(["float64"]));
    expect(x.dtype).toBe("float32");
    expect(Array.from(x.data)).toEqual(Array.from(data));
    expect(x.requiresGrad).toBe(false);
    expect(x.grad).toBeNull();
  });

  it("does not touch .grad of inputs that require grad", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(gradcheck((t) => t.sin().sum(), [x]).ok).toBe(true);
    expect(x.grad).toBeNull();
  });

  it("reports a NaN gradient against a finite difference as a failure", () => {
    const nanGrad = customOp({
      name: "nanGrad",
      forward: (x) => x.mul(2),
      backward: (g) => [g.mul(Number.NaN)],
    });
    const res = gradcheck((t) => nanGrad(t).sum(), [tensor([1, 2])]);
    expect(res.ok).toBe(false);
    expect(res.failures).toHaveLength(2);
    expect(Number.isNaN(res.failures[0]!.analytic)).toBe(true);
    expectClose(res.failures[0]!.numeric, 2, 1e-8);
  });

  it("checks a function whose output does not depend on its input", () => {
    expect(gradcheck(() => tensor([1, 2]), [tensor([3])]).ok).toBe(true);
  });

  it("rejects a non-function, non-tensor inputs and a non-tensor result", () => {
    const x = tensor([1]);
    expect(() => gradcheck(42 as unknown as (t: Tensor) => Tensor, [x])).toThrow(ChainruleError);
    expect(() => gradcheck((t) => t, [[1, 2] as unknown as Tensor])).toThrow(ChainruleError);
    expect(() => gradcheck(() => 3 as unknown as Tensor, [x])).toThrow(ChainruleError);
  });
});

describe("gradgradcheck", () => {
  it("reports ok for built-in ops, whose backwards are differentiable", () => {
    const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
      ["tanh", (x) => x.tanh(), [normal([2, 3], 11)]],
      ["sigmoid · x", (x) => x.sigmoid().mul(x), [normal([4], 12)]],
      ["matmul", (a, b) => a.matmul(b).pow(2), [normal([2, 3], 13), normal([3, 2], 14)]],
      ["logSoftmax", (x) => x.logSoftmax(), [normal([2, 4], 15)]],
      ["div", (a, b) => a.div(b.exp()), [normal([3], 16), normal([3], 17)]],
      ["where", (a, b) => where(a.gt(0), a.mul(b), b.pow(3)), [normal([5], 18), normal([5], 19)]],
    ];
    for (const [name, f, inputs] of cases) {
      const res = gradgradcheck(f, inputs);
      expect(res.failures, name).toEqual([]);
      expect(res.ok, name).toBe(true);
    }
  });

  it("reports ok for a custom op whose backward is written with tensor ops", () => {
    const cube = customOp({
      name: "cube",
      forward: (x) => x.mul(x).mul(x),
      backward: (g, { inputs: [x] }) => [g.mul(x!.mul(x!)).mul(3)],
    });
    const x = normal([4], 20);
    expect(gradcheck(cube, [x]).ok).toBe(true);
    expect(gradgradcheck(cube, [x]).ok).toBe(true);
  });

  it("catches a custom op whose backward returns a detached constant", () => {
    // the first derivative is right, but 3x² is computed off the graph, so ∂(3x²)/∂x is lost
    const cubeDetached = customOp({
      name: "cubeDetached",
      forward: (x) => x.mul(x).mul(x),
      backward: (g, { inputs: [x] }) => [g.mul(x!.detach().pow(2).mul(3))],
    });
    const x = normal([4], 21);
    expect(gradcheck(cubeDetached, [x]).ok).toBe(true);
    const res = gradgradcheck(cubeDetached, [x]);
    expect(res.ok).toBe(false);
    expect(res.failures.length).toBeGreaterThan(0);
    // the analytic second-order terms are missing entirely
    for (const failure of res.failures) expect(failure.analytic).toBe(0);
  });

  it("catches a custom op whose backward is a constant tensor with no graph at all", () => {
    const sinConst = customOp({
      name: "sinConst",
      forward: (x) => x.sin(),
      backward: (g, { inputs: [x] }) => [tensor(Array.from(x!.data, Math.cos)).mul(g.detach())],
    });
    const x = normal([3], 22);
    expect(gradcheck(sinConst, [x]).ok).toBe(true);
    expect(gradgradcheck(sinConst, [x]).ok).toBe(false);
  });

  it("catches a custom op whose backward detaches the incoming gradient ḡ", () => {
    // right first derivative 2x, but ḡ is taken off the graph: composed after another op
    // (sin(x²)) the second derivative loses the term that flows through ḡ = cos(x²)
    const squareDetachedGrad = customOp({
      name: "squareDetachedGrad",
      forward: (x) => x.mul(x),
      backward: (g, { inputs: [x] }) => [g.detach().mul(x!).mul(2)],
    });
    const x = normal([3], 24);
    expect(gradcheck(squareDetachedGrad, [x]).ok).toBe(true);
    const res = gradgradcheck(squareDetachedGrad, [x]);
    expect(res.ok).toBe(false);
    // the failures concern the gradient output v, reported as the input after the last one
    expect(new Set(res.failures.map((f) => f.input))).toEqual(new Set([1]));

    const x0 = 0.8;
    const d2 = grad((t: Tensor) => grad((s: Tensor) => squareDetachedGrad(s).sin())(t) as Tensor);
    const wrong = (d2(tensor(x0)) as Tensor).item();
    const exact = 2 * Math.cos(x0 * x0) - 4 * x0 * x0 * Math.sin(x0 * x0);
    expect(Math.abs(wrong - exact)).toBeGreaterThan(0.1);
  });

  it("handles a function that does not depend on its inputs", () => {
    expect(gradgradcheck(() => tensor([1, 2]), [tensor([3])]).ok).toBe(true);
  });

  it("is deterministic for a given seed", () => {
    const f = (x: Tensor) => x.tanh().mul(x);
    const x = normal([3], 23);
    const a = gradgradcheck(f, [x], { seed: 5 });
    const b = gradgradcheck(f, [x], { seed: 5 });
    expect(a).toEqual(b);
    expect(a.ok).toBe(true);
  });
});

describe("gradcheck options", () => {
  const f = (x: Tensor) => x.mul(x).sum();
  it("refuses a step eps that is not a positive finite number", () => {
    for (const eps of [0, -1e-6, Number.NaN, Number.POSITIVE_INFINITY, "1e-6"]) {
      expect(() => gradcheck(f, [tensor([1, 2])], { eps: eps as number })).toThrow(ChainruleError);
    }
    expect(() => gradcheck(f, [tensor([1, 2])], { eps: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: gradcheck: eps must be a finite number > 0, got number 0]`,
    );
  });

  it("refuses tolerances that are not finite numbers ≥ 0, and non-object options", () => {
    for (const bad of [{ atol: "x" }, { rtol: null }, { atol: -1 }, { rtol: Number.NaN }]) {
      expect(() => gradcheck(f, [tensor([1, 2])], bad as never)).toThrow(ChainruleError);
    }
    expect(() => gradcheck(f, [tensor([1, 2])], null as never)).toThrow(ChainruleError);
    expect(gradcheck(f, [tensor([1, 2])], { atol: 0, rtol: 1e-3 }).ok).toBe(true);
  });
});
