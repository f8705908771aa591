/**
 * The fused ops behind the layers: `nn.linear` (x·Wᵀ + b as one node) and `nn.dropout`.
 */
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  gradcheck,
  gradgradcheck,
  nn,
  Rng,
  randn,
  type Tensor,
  tensor,
} from "../../src/index";
import { expectAllClose } from "../helpers/close";

const normal = (shape: number[], seed: number): Tensor => randn(shape, { generator: new Rng(seed) });

describe("nn.linear", () => {
  it("equals x @ Wᵀ + b, with or without bias", () => {
    const x = normal([4, 3], 1);
    const w = normal([2, 3], 2);
    const b = normal([2], 3);
    expectAllClose(nn.linear(x, w, b), x.matmul(w.transpose()).add(b), 1e-14);
    expectAllClose(nn.linear(x, w), x.matmul(w.transpose()), 1e-14);
    expectAllClose(nn.linear(x, w, null), x.matmul(w.transpose()), 1e-14);
  });

  it("is one node whose parents are x, W (and b)", () => {
    const x = normal([2, 3], 4);
    const w = normal([5, 3], 5);
    const b = normal([5], 6);
    const y = nn.linear(x, w, b);
    expect(y.op).toBe("linear");
    expect(y.parents).toEqual([x, w, b]);
    expect(nn.linear(x, w).parents).toEqual([x, w]);
  });

  const shapes: [string, number[]][] = [
    ["1-D input", [3]],
    ["2-D input", [4, 3]],
    ["3-D input", [2, 3, 3]],
  ];
  describe.each(shapes)("%s", (_, xShape) => {
    it("gradchecks in x, W and b", () => {
      const r = gradcheck(
        (x, w, b) => nn.linear(x, w, b),
        [normal(xShape, 7), normal([2, 3], 8), normal([2], 9)],
      );
      expect(r.failures).toEqual([]);
      expect(r.ok).toBe(true);
    });

    it("gradchecks in x and W without bias", () => {
      const r = gradcheck((x, w) => nn.linear(x, w), [normal(xShape, 10), normal([2, 3], 11)]);
      expect(r.failures).toEqual([]);
      expect(r.ok).toBe(true);
    });

    it("gradgradchecks (its backward is differentiable)", () => {
      const r = gradgradcheck(
        (x, w, b) => nn.linear(x, w, b),
        [normal(xShape, 12), normal([2, 3], 13), normal([2], 14)],
      );
      expect(r.failures).toEqual([]);
    });
  });

  it("gives ∂/∂b = Σ_batch ḡ and ∂/∂W = ḡᵀx for a 3-D input", () => {
    const x = tensor([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]);
    const w = tensor([[1, -1]], { requiresGrad: true });
    const b = tensor([0.5], { requiresGrad: true });
    nn.linear(x, w, b).sum().backward();
    expectAllClose(b.grad, [4], 0);
    expectAllClose(w.grad, [[1 + 3 + 5 + 7, 2 + 4 + 6 + 8]], 0);
  });

  it("errors name the op and the shapes", () => {
    expect(() => nn.linear(normal([2, 4], 15), normal([3, 3], 16))).toThrow(
      "linear: input [2,4] has 4 features, the weight [3,3] expects 3",
    );
    expect(() => nn.linear(normal([2, 3], 15), normal([3], 16))).toThrow(/linear: .*weight \[3\]/);
    expect(() => nn.linear(normal([2, 3], 15), normal([4, 3], 16), normal([3], 17))).toThrow(
      "linear: bias [3] must have shape [4] for weight [4,3]",
    );
    expect(() => nn.linear([[1, 2]] as never, normal([1, 2], 18))).toThrow(ChainruleError);
  });
});

describe("nn.dropout", () => {
  it("with training false or p = 0 returns the input itself", () => {
    const x = tensor([1, 2, 3]);
    expect(nn.dropout(x, 0.5, false)).toBe(x);
    expect(nn.dropout(x, 0)).toBe(x);
  });

  it("draws from the given generator: the same seed gives the same mask", () => {
    const x = tensor(new Array(64).fill(1));
    const a = nn.dropout(x, 0.3, true, new Rng(5));
    const b = nn.dropout(x, 0.3, true, new Rng(5));
    const c = nn.dropout(x, 0.3, true, new Rng(6));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    // the mask is "u < p → 0, else 1/(1 − p)", element by element from the generator
    const rng = new Rng(5);
    expect(Array.from(a.data)).toEqual(Array.from(x.data, () => (rng.next() < 0.3 ? 0 : 1 / 0.7)));
  });

  it("keeps the dtype", () => {
    expect(nn.dropout(tensor([1, 2], { dtype: "float32" }), 0.5, true, new Rng(1)).dtype).toBe("float32");
  });

  it("rejects p outside [0, 1) and non-tensors", () => {
    expect(() => nn.dropout(tensor([1]), 1)).toThrow("dropout: p must be in [0, 1), got number 1");
    expect(() => nn.dropout(tensor([1]), -0.5)).toThrow(ChainruleError);
    expect(() => nn.dropout([1] as never, 0.5)).toThrow(ChainruleError);
  });
});
