/**
 * `nn.utils.clipGradNorm`: PyTorch's `clip_grad_norm_` — the global L2 norm over every gradient,
 * scaled by maxNorm/(norm + 1e-6) when that is below 1; returns the norm before clipping.
 */
import { describe, expect, it } from "vitest";
import { ChainruleError, nn, type Tensor, tensor, Value } from "../../src/index";
import { expectAllClose, expectClose } from "../helpers/close";

const withGrad = (data: number[], grad: number[]): Tensor => {
  const t = tensor(data, { requiresGrad: true });
  t.grad = tensor(grad);
  return t;
};

describe("nn.utils.clipGradNorm", () => {
  it("returns the global norm √(3² + 4² + 12²) = 13 and scales every gradient by maxNorm/(13 + 1e-6)", () => {
    const a = withGrad([0, 0], [3, 4]);
    const b = withGrad([0], [12]);
    const norm = nn.utils.clipGradNorm([a, b], 1);
    expect(norm).toBe(13);
    const coef = 1 / (13 + 1e-6);
    expectAllClose(a.grad, [3 * coef, 4 * coef], 1e-15);
    expectAllClose(b.grad, [12 * coef], 1e-15);
    // the clipped norm is just below maxNorm
    expectClose(Math.hypot(3 * coef, 4 * coef, 12 * coef), 1, 1e-6);
  });

  it("leaves gradients alone when the norm is already within maxNorm (and returns it)", () => {
    const a = withGrad([0, 0], [3, 4]);
    expect(nn.utils.clipGradNorm([a], 5.5)).toBe(5);
    expect(Array.from((a.grad as Tensor).data)).toEqual([3, 4]);
    // at exactly maxNorm = norm the factor 5/(5 + 1e-6) < 1 still applies, as in PyTorch
    nn.utils.clipGradNorm([a], 5);
    expectAllClose(a.grad, [3 * (5 / (5 + 1e-6)), 4 * (5 / (5 + 1e-6))], 1e-15);
  });

  it("counts Value gradients and skips tensors without a gradient", () => {
    const v = new Value(1);
    v.grad = 5;
    const t = withGrad([0], [12]);
    const none = tensor([1, 2], { requiresGrad: true });
    expect(nn.utils.clipGradNorm([v, t, none], 6.5)).toBe(13);
    expectClose(v.grad, (5 * 6.5) / (13 + 1e-6), 1e-15);
    expectAllClose(t.grad, [(12 * 6.5) / (13 + 1e-6)], 1e-15);
    expect(none.grad).toBeNull();
  });

  it("clips a model's real gradients", () => {
    const layer = new nn.Linear(3, 2);
    layer
      .forward(tensor([[10, 20, 30]]))
      .sum()
      .mul(100)
      .backward();
    const before = nn.utils.clipGradNorm(layer.parameters(), 1e9);
    expect(before).toBeGreaterThan(1);
    const after = nn.utils.clipGradNorm(layer.parameters(), 1);
    expect(after).toBe(before);
    const sq = layer
      .parameters()
      .flatMap((p) => Array.from(((p as Tensor).grad as Tensor).data))
      .reduce((s, g) => s + g * g, 0);
    expectClose(Math.sqrt(sq), 1, 1e-6);
  });

  it("returns 0 and changes nothing when there are no gradients", () => {
    expect(nn.utils.clipGradNorm([tensor([1], { requiresGrad: true })], 1)).toBe(0);
    expect(nn.utils.clipGradNorm([], 1)).toBe(0);
  });

  it("rejects maxNorm ≤ 0 and non-parameters", () => {
    expect(() => nn.utils.clipGradNorm([], 0)).toThrow(ChainruleError);
    expect(() => nn.utils.clipGradNorm([], -1)).toThrow("clipGradNorm: maxNorm must be > 0, got number -1");
    expect(() => nn.utils.clipGradNorm([3] as never, 1)).toThrow(/clipGradNorm: parameters must be/);
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a module (not its parameters)", new nn.Linear(1, 1)],
    ["a single tensor", tensor([1], { requiresGrad: true })],
  ])("rejects params that are %s with a ChainruleError", (_, params) => {
    expect(() => nn.utils.clipGradNorm(params as never, 1)).toThrow(
      /^clipGradNorm: params must be an array of Tensors or Values \(e\.g\. model\.parameters\(\)\), got /,
    );
  });

  it("counts and scales a parameter listed twice once", () => {
    const a = withGrad([0, 0], [3, 4]);
    expect(nn.utils.clipGradNorm([a, a], 1)).toBe(5);
    expectAllClose(a.grad, [3 / (5 + 1e-6), 4 / (5 + 1e-6)], 1e-15);
  });

  it("changes no gradient when a later entry is not a parameter", () => {
    const a = withGrad([0, 0], [3, 4]);
    expect(() => nn.utils.clipGradNorm([a, "w"] as never, 1)).toThrow(ChainruleError);
    expect(Array.from((a.grad as Tensor).data)).toEqual([3, 4]);
  });
});
