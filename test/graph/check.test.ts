/**
 * checkDerivative puts a hand-derived derivative next to autodiff and central finite differences.
 * It must confirm the textbook derivatives (lecture 004: σ′ = σ(1 − σ); lecture 000: tanh′ = 1 − tanh²),
 * and when a derivation is wrong, say so and point at the entry that disagrees most.
 */
import { describe, expect, it } from "vitest";
import { checkDerivative } from "../../src/graph/check";
import { ChainruleError, sub, type Tensor, tensor, type Value } from "../../src/index";

const sigma = (x: number) => 1 / (1 + Math.exp(-x));
const POINTS = [-4, -1.5, -0.2, 0, 0.3, 1, 2.5, 6];

describe("checkDerivative on functions of numbers (Value inside)", () => {
  it.each(POINTS)("confirms σ′(x) = σ(x)(1 − σ(x)) at x = %d", (x) => {
    const r = checkDerivative(
      (v) => v.sigmoid(),
      (u) => sigma(u) * (1 - sigma(u)),
      [x],
    );
    expect(r.ok).toBe(true);
    expect(r.maxError).toBeLessThan(1e-15);
    expect(r.maxNumericError).toBeLessThan(1e-8);
    expect(r.table).toHaveLength(1);
    expect(r.summary).toMatch(/^checkDerivative: OK: the hand-derived derivative matches autodiff/);
  });

  it.each(POINTS)("confirms tanh′(x) = 1 − tanh²(x) at x = %d", (x) => {
    const r = checkDerivative(
      (v) => v.tanh(),
      (u) => 1 - Math.tanh(u) ** 2,
      [x],
    );
    expect(r.ok).toBe(true);
    expect(r.maxError).toBeLessThan(1e-15);
  });

  it("confirms σ′ built from primitives: σ(x) = 1/(1 + e⁻ˣ) written with exp, add and pow", () => {
    const r = checkDerivative(
      (v) => v.neg().exp().add(1).pow(-1),
      (u) => sigma(u) * (1 - sigma(u)),
      [0.7],
    );
    expect(r.ok).toBe(true);
  });

  it("catches a wrong derivative, tanh′ = 1 − tanh, and reports hand, autodiff and numeric values", () => {
    const r = checkDerivative(
      (v) => v.tanh(),
      (u) => 1 - Math.tanh(u),
      [0.5],
    );
    expect(r.ok).toBe(false);
    expect(r.failures).toHaveLength(1);
    const w = r.worst!;
    expect(w.label).toBe("x");
    expect(w.hand).toBeCloseTo(1 - Math.tanh(0.5), 15);
    expect(w.autodiff).toBeCloseTo(1 - Math.tanh(0.5) ** 2, 15);
    expect(w.numeric).toBeCloseTo(1 - Math.tanh(0.5) ** 2, 9);
    expect(r.maxError).toBeCloseTo(Math.tanh(0.5) - Math.tanh(0.5) ** 2, 15);
    expect(r.summary).toContain(
      "checkDerivative: MISMATCH: 1 of 1 entry disagrees; worst at x: hand 0.537883, autodiff 0.786448, numeric 0.786448",
    );
  });

  it("checks several inputs at once and names the one whose partial derivative is wrong", () => {
    // f(x, y) = x·y + sin x: ∂f/∂x = y + cos x, ∂f/∂y = x
    const f = (x: Value, y: Value) => x.mul(y).add(x.sin());
    const good = checkDerivative(f, (x, y) => [y + Math.cos(x), x], [0.4, -1.3]);
    expect(good.ok).toBe(true);
    expect(good.table.map((e) => e.label)).toEqual(["x0", "x1"]);

    const bad = checkDerivative(f, (x, y) => [y + Math.cos(x), y], [0.4, -1.3], { names: ["x", "y"] });
    expect(bad.ok).toBe(false);
    expect(bad.failures.map((e) => e.label)).toEqual(["y"]);
    expect(bad.worst).toMatchObject({ input: 1, name: "y", index: 0, hand: -1.3 });
    expect(bad.worst!.autodiff).toBeCloseTo(0.4, 15);
  });

  it("flags a point where f is not differentiable: relu at 0, where autodiff says 0 and finite differences ½", () => {
    const r = checkDerivative(
      (v) => v.relu(),
      (u) => (u > 0 ? 1 : 0),
      [0],
    );
    expect(r.ok).toBe(false);
    expect(r.worst).toMatchObject({ hand: 0, autodiff: 0 });
    expect(r.worst!.numeric).toBeCloseTo(0.5, 12);
    expect(r.summary).toContain("autodiff and finite differences disagree with each other");
  });
});

describe("checkDerivative on functions of tensors", () => {
  const x = tensor([-2, -0.5, 0, 0.25, 1.5, 3]);

  it("confirms σ′ = σ(1 − σ) elementwise: f(x) = Σ σ(xᵢ), ∂f/∂xᵢ = σ(xᵢ)(1 − σ(xᵢ))", () => {
    const r = checkDerivative(
      (t: Tensor) => t.sigmoid().sum(),
      (t: Tensor) => t.sigmoid().mul(sub(1, t.sigmoid())),
      [x],
    );
    expect(r.ok).toBe(true);
    expect(r.table).toHaveLength(6);
    expect(r.maxError).toBeLessThan(1e-15);
  });

  it("confirms tanh′ = 1 − tanh² elementwise, with the hand derivative as plain arrays", () => {
    const r = checkDerivative(
      (t: Tensor) => t.tanh().sum(),
      () => (x.toArray() as number[]).map((v) => 1 - Math.tanh(v) ** 2),
      [x],
    );
    expect(r.ok).toBe(true);
  });

  it("points at the one wrong entry of a matrix gradient: f(W) = Σ σ(W·x), ∂f/∂W = σ′(W·x)·xᵀ", () => {
    const v = tensor([[1], [2]]);
    const W = tensor([
      [0.1, -0.2],
      [0.3, 0.4],
    ]);
    const f = (w: Tensor) => w.matmul(v).sigmoid().sum();
    const right = (w: Tensor) => {
      const a = w.matmul(v).sigmoid();
      return a.mul(sub(1, a)).matmul(v.transpose());
    };
    expect(checkDerivative(f, right, [W]).ok).toBe(true);

    // a slip in entry [1,0]: the student wrote x₀ = 2 instead of 1 there
    const wrong = (w: Tensor) => {
      const g = right(w).toArray() as number[][];
      g[1]![0]! *= 2;
      return g;
    };
    const r = checkDerivative(f, wrong, [W], { names: ["W"] });
    expect(r.ok).toBe(false);
    expect(r.failures).toHaveLength(1);
    expect(r.worst).toMatchObject({ input: 0, index: 2, position: [1, 0], label: "W[1,0]" });
    expect(r.worst!.hand).toBeCloseTo(2 * r.worst!.autodiff, 15);
    expect(r.summary).toContain("worst at W[1,0]");
    expect(r.summary).toMatch(/W\[1,0\] .* ✗/);
    expect(r.summary).toMatch(/W\[0,0\] .* ✓/);
  });

  it("takes several tensor and number inputs: f(w, b) = σ(w·x + b), with one gradient per input", () => {
    const xv = tensor([0.5, -1, 2]);
    const w = tensor([0.2, 0.1, -0.3]);
    const f = (wt: Tensor, bt: Tensor) => wt.mul(xv).sum().add(bt).sigmoid();
    const d = (wt: Tensor, bt: Tensor) => {
      const a = wt.mul(xv).sum().add(bt).sigmoid().item();
      const s = a * (1 - a);
      return [xv.mul(s), s];
    };
    const r = checkDerivative(f, d, [w, 0.4], { names: ["w", "b"] });
    expect(r.ok).toBe(true);
    expect(r.table.map((e) => e.label)).toEqual(["w[0]", "w[1]", "w[2]", "b"]);
  });

  it("leaves the inputs and their .grad untouched", () => {
    const w = tensor([0.5, -0.5], { requiresGrad: true });
    checkDerivative(
      (t: Tensor) => t.mul(t).sum(),
      (t: Tensor) => t.mul(2),
      [w],
    );
    expect(w.toArray()).toEqual([0.5, -0.5]);
    expect(w.grad).toBeNull();
  });
});

describe("checkDerivative input validation", () => {
  it("says which input's hand gradient has the wrong size", () => {
    const fn = () =>
      checkDerivative(
        (t: Tensor) => t.sum(),
        () => [1, 1, 1],
        [
          tensor([
            [1, 2],
            [3, 4],
          ]),
        ],
      );
    expect(fn).toThrow(ChainruleError);
    expect(fn).toThrow(
      "checkDerivative: the derivative for input 0 [2,2] has 3 elements (shape [3]), expected 4",
    );
  });

  it("needs one gradient per input when there are several", () => {
    expect(() =>
      checkDerivative(
        (x: Value, y: Value) => x.mul(y),
        (x) => x,
        [1, 2],
      ),
    ).toThrow(/with 2 inputs the derivative must return an array of 2 gradients/);
  });

  it("needs f to return a Value for numbers and a one-element tensor for tensors", () => {
    expect(() => checkDerivative((() => "x") as unknown as (v: Value) => Value, () => 1, [1])).toThrow(
      /for number inputs f receives Values and must return a Value/,
    );
    expect(() =>
      checkDerivative(
        (t: Tensor) => t.mul(2),
        () => [2, 2],
        [tensor([1, 2])],
      ),
    ).toThrow(/f must return a one-element tensor, got shape \[2\]/);
  });

  it("rejects empty inputs and bad tolerances", () => {
    expect(() =>
      checkDerivative(
        (v) => v,
        () => 1,
        [],
      ),
    ).toThrow(/inputs must be a non-empty array/);
    expect(() =>
      checkDerivative(
        (v) => v,
        () => 1,
        [1],
        { eps: 0 },
      ),
    ).toThrow(/eps must be a positive number/);
  });
});
