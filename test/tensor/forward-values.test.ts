/**
 * Hand-checked values: small inputs whose results are written out by hand (or, for erf and
 * GELU, pasted from Python's math module with the expression that produced them), and the
 * gradients at the edge cases the op docs promise: ties, clamp bounds, kinks, extreme inputs.
 */
import { describe, expect, it } from "vitest";
import {
  concat,
  gradients,
  onesLike,
  pow,
  Rng,
  stack,
  sub,
  type Tensor,
  tensor,
  where,
  zeros,
} from "../../src/index";
import { gemmNaive } from "../../src/tensor/kernels/matmul";
import { expectAllClose } from "../helpers/close";
import { sampled, uniform } from "./fixtures";

/** d(Σ f(x) ⊙ w)/dx for a fresh leaf x: the gradient of `f` at `values` with output weights `w`. */
function gradOf(f: (x: Tensor) => Tensor, values: number[] | number[][], w?: number[] | number[][]): unknown {
  const x = tensor(values, { requiresGrad: true });
  const y = f(x);
  y.backward(w === undefined ? onesLike(y) : tensor(w));
  return x.grad?.toArray();
}

const M = [
  [1, 2, 3],
  [4, 5, 6],
];

describe("binary arithmetic with broadcasting", () => {
  it("adds a row to every row and a column to every column", () => {
    expect(
      tensor(M)
        .add(tensor([10, 20, 30]))
        .toArray(),
    ).toEqual([
      [11, 22, 33],
      [14, 25, 36],
    ]);
    expect(
      tensor(M)
        .add(tensor([[100], [200]]))
        .toArray(),
    ).toEqual([
      [101, 102, 103],
      [204, 205, 206],
    ]);
  });

  it("multiplies a column by a row into an outer product", () => {
    expect(
      tensor([[1], [2]])
        .mul(tensor([[1, 2, 3]]))
        .toArray(),
    ).toEqual([
      [1, 2, 3],
      [2, 4, 6],
    ]);
  });

  it("subtracts and divides with a number on either side", () => {
    expect(tensor([1, 2, 4]).sub(1).toArray()).toEqual([0, 1, 3]);
    expect(sub(1, tensor([1, 2, 4])).toArray()).toEqual([0, -1, -3]);
    expect(tensor([1, 2, 4]).div(4).toArray()).toEqual([0.25, 0.5, 1]);
    expect(tensor([1, 2, 4]).div(tensor(2)).toArray()).toEqual([0.5, 1, 2]);
  });

  it("sums a broadcast operand's gradient back to its shape", () => {
    const a = tensor(M, { requiresGrad: true });
    const b = tensor([10, 20, 30], { requiresGrad: true });
    const c = tensor([[1], [2]], { requiresGrad: true });
    a.mul(b).add(c).sum().backward();
    expect(a.grad?.toArray()).toEqual([
      [10, 20, 30],
      [10, 20, 30],
    ]);
    expect(b.grad?.toArray()).toEqual([5, 7, 9]); // column sums of M
    expect(c.grad?.toArray()).toEqual([[3], [3]]);
  });

  it("raises to powers, with ∂/∂a = b·aᵇ⁻¹ and ∂/∂b = aᵇ·ln a", () => {
    expect(
      tensor([2, 3, 4])
        .pow(tensor([3, 2, 0.5]))
        .toArray(),
    ).toEqual([8, 9, 2]);
    expect(pow(2, tensor([0, 1, 10])).toArray()).toEqual([1, 2, 1024]);
    const a = tensor([2, 3], { requiresGrad: true });
    const b = tensor([3, 2], { requiresGrad: true });
    a.pow(b).sum().backward();
    expect(a.grad?.toArray()).toEqual([12, 6]); // 3·2², 2·3
    expectAllClose(b.grad, [8 * Math.LN2, 9 * Math.log(3)]);
  });

  it("gives pow zero gradients at a = 0 (b ≥ 0) and where b = 0, as PyTorch", () => {
    const a = tensor([0, 0, 2], { requiresGrad: true });
    const b = tensor([0, 2, 0], { requiresGrad: true });
    const y = a.pow(b);
    expect(y.toArray()).toEqual([1, 0, 1]); // 0⁰ = 1
    y.sum().backward();
    expect(a.grad?.toArray()).toEqual([0, 0, 0]);
    expect(b.grad?.toArray()).toEqual([0, 0, Math.LN2]); // 2⁰·ln 2
  });

  it("takes maximum/minimum elementwise and splits the gradient ½/½ on ties", () => {
    const a = tensor([1, 5, 3], { requiresGrad: true });
    const b = tensor([2, 4, 3], { requiresGrad: true });
    expect(a.maximum(b).toArray()).toEqual([2, 5, 3]);
    expect(a.minimum(b).toArray()).toEqual([1, 4, 3]);
    a.maximum(b).sum().backward();
    expect(a.grad?.toArray()).toEqual([0, 1, 0.5]);
    expect(b.grad?.toArray()).toEqual([1, 0, 0.5]);
    const [ga, gb] = gradients(a.minimum(b).sum(), [a, b]);
    expect(ga?.toArray()).toEqual([1, 0, 0.5]);
    expect(gb?.toArray()).toEqual([0, 1, 0.5]);
  });

  it("compares elementwise into bool tensors with broadcasting", () => {
    const x = tensor([1, 2, 3]);
    expect(x.eq(2).dtype).toBe("bool");
    expect(x.eq(2).toArray()).toEqual([false, true, false]);
    expect(x.ne(2).toArray()).toEqual([true, false, true]);
    expect(x.gt(2).toArray()).toEqual([false, false, true]);
    expect(x.lt(2).toArray()).toEqual([true, false, false]);
    expect(x.ge(2).toArray()).toEqual([false, true, true]);
    expect(x.le(2).toArray()).toEqual([true, true, false]);
    expect(x.gt(tensor([[0], [2]])).toArray()).toEqual([
      [true, true, true],
      [false, false, true],
    ]);
    expect(tensor([Number.NaN]).ne(Number.NaN).toArray()).toEqual([true]);
  });
});

describe("flip, roll, triu and tril", () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it("flip reverses the given axes, each once; no axes is a copy", () => {
    expect(x.flip(0).toArray()).toEqual([
      [4, 5, 6],
      [1, 2, 3],
    ]);
    expect(x.flip(-1, 0).toArray()).toEqual([
      [6, 5, 4],
      [3, 2, 1],
    ]);
    expect(x.flip().toArray()).toEqual(x.toArray());
  });

  it("roll wraps entries around along an axis, either way, or along the flattened tensor", () => {
    expect(x.roll(1, 1).toArray()).toEqual([
      [3, 1, 2],
      [6, 4, 5],
    ]);
    expect(x.roll(-4, 1).toArray()).toEqual(x.roll(2, 1).toArray());
    expect(x.roll(2).toArray()).toEqual([
      [5, 6, 1],
      [2, 3, 4],
    ]);
    expect(tensor([]).roll(3).shape).toEqual([0]);
  });

  it("triu and tril keep one side of diagonal k of the last two dimensions, batched", () => {
    expect(x.triu().toArray()).toEqual([
      [1, 2, 3],
      [0, 5, 6],
    ]);
    expect(x.triu(1).toArray()).toEqual([
      [0, 2, 3],
      [0, 0, 6],
    ]);
    expect(x.tril(-1).toArray()).toEqual([
      [0, 0, 0],
      [4, 0, 0],
    ]);
    expect(x.tril(5).toArray()).toEqual(x.toArray());
    const batch = x.unsqueeze(0).expand([2, 2, 3]).tril();
    expect(batch.toArray()).toEqual([x.tril().toArray(), x.tril().toArray()]);
  });

  it("send the gradient back through the same movement or mask", () => {
    const w = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const a = tensor(x.toArray() as number[][], { requiresGrad: true });
    a.flip(1).mul(w).sum().backward();
    expect(a.grad?.toArray()).toEqual(w.flip(1).toArray());
    const b = tensor(x.toArray() as number[][], { requiresGrad: true });
    b.roll(1).mul(w).sum().backward();
    expect(b.grad?.toArray()).toEqual(w.roll(-1).toArray());
    const c = tensor(x.toArray() as number[][], { requiresGrad: true });
    c.triu(1).mul(w).sum().backward();
    expect(c.grad?.toArray()).toEqual(w.triu(1).toArray());
  });
});

describe("cumsum, var and std", () => {
  it("cumsum runs along the axis; its gradient sums ḡ from the other end", () => {
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    expect(x.cumsum(1).toArray()).toEqual([
      [1, 3, 6],
      [4, 9, 15],
    ]);
    expect(x.cumsum(0).toArray()).toEqual([
      [1, 2, 3],
      [5, 7, 9],
    ]);
    x.cumsum(1)
      .mul(tensor([1, 10, 100]))
      .sum()
      .backward();
    expect(x.grad?.toArray()).toEqual([
      [111, 110, 100],
      [111, 110, 100],
    ]);
  });

  it("var divides by n − 1 unless told otherwise; std is its root", () => {
    const x = tensor([
      [1, 2, 3, 4],
      [2, 2, 2, 2],
    ]);
    expect(x.var(1).toArray()).toEqual([5 / 3, 0]);
    expect(x.var(1, { correction: 0 }).toArray()).toEqual([1.25, 0]);
    expect(x.var(0, { keepDims: true }).shape).toEqual([1, 4]);
    expect(tensor([2, 4, 4, 4, 5, 5, 7, 9]).std(undefined, { correction: 0 }).item()).toBe(2);
    // one element: 0/0 with the default correction, as in PyTorch
    expect(tensor([3]).var().item()).toBeNaN();
    expect(() => x.var(0, { correction: -1 })).toThrow(
      "var: correction must be a finite number ≥ 0, got number -1",
    );
  });
});

describe("prod, cumprod, norm, all/any, sort, argsort and topk", () => {
  it("prod multiplies over the axes; its gradient is the product of the others, zeros included", () => {
    expect(tensor(M).prod(1).toArray()).toEqual([6, 120]);
    expect(tensor(M).prod(0, true).toArray()).toEqual([[4, 10, 18]]);
    expect(tensor(M).prod().item()).toBe(720);
    expect(zeros([2, 0]).prod(1).toArray()).toEqual([1, 1]);
    // no zero: ḡ·y/x; one zero: the product of the rest there, 0 elsewhere; two zeros: all 0
    expect(gradOf((x) => x.prod(1), [[2, 3, 4]])).toEqual([[12, 8, 6]]);
    expect(gradOf((x) => x.prod(1), [[2, 0, 4]])).toEqual([[0, 8, 0]]);
    expect(gradOf((x) => x.prod(1), [[0, 3, 0]])).toEqual([[0, 0, 0]]);
    expect(
      gradOf(
        (x) => x.prod([0, 1]),
        [
          [2, 0],
          [3, 5],
        ],
      ),
    ).toEqual([
      [0, 30],
      [0, 0],
    ]);
  });

  it("prod's second derivative at a zero is the product of the remaining others", () => {
    // ∂²(abc)/∂a∂b = c; with a = 0 too
    const x = tensor([0, 2, 5], { requiresGrad: true });
    const [g] = gradients([x.prod()], [x], { createGraph: true });
    const [h0] = gradients([(g as Tensor).slice(0, 0, 1).sum()], [x]);
    expect(h0?.toArray()).toEqual([0, 5, 2]);
  });

  it("cumprod runs products along the axis; its gradient is exact with zeros", () => {
    expect(tensor(M).cumprod(1).toArray()).toEqual([
      [1, 2, 6],
      [4, 20, 120],
    ]);
    expect(tensor(M).cumprod(-2).toArray()).toEqual([
      [1, 2, 3],
      [4, 10, 18],
    ]);
    // ∂/∂x_k Σ_j cumprod_j: [1 + b + bc, a + ac, ab] at (a, b, c)
    expect(gradOf((x) => x.cumprod(0), [2, 3, 4])).toEqual([1 + 3 + 12, 2 + 8, 6]);
    expect(gradOf((x) => x.cumprod(0), [2, 0, 4])).toEqual([1, 2 + 8, 0]);
    expect(gradOf((x) => x.cumprod(0), [0, 0, 4])).toEqual([1, 0, 0]);
  });

  it("norm follows torch.linalg.vector_norm for every p", () => {
    const x = tensor([3, -4, 0]);
    expect(x.norm().item()).toBe(5);
    expect(x.norm(1).item()).toBe(7);
    expect(x.norm(Number.POSITIVE_INFINITY).item()).toBe(4);
    expect(x.norm(Number.NEGATIVE_INFINITY).item()).toBe(0);
    expect(x.norm(0).item()).toBe(2);
    expect(x.norm(3).item()).toBeCloseTo(91 ** (1 / 3), 14);
    expect(tensor([1, 2]).norm(-1).item()).toBeCloseTo(2 / 3, 15);
    expect(
      tensor([
        [3, 4],
        [6, 8],
      ])
        .norm(2, 1, true)
        .toArray(),
    ).toEqual([[5], [10]]);
    expect(tensor([Number.NaN, 0]).norm(0).item()).toBe(1);
  });

  it("norm's gradient: x/‖x‖ (0 at a zero vector), sign(x), split among the extremes", () => {
    expect(gradOf((x) => x.norm(), [3, -4])).toEqual([0.6, -0.8]);
    expect(
      gradOf(
        (x) => x.norm(2, 1),
        [
          [0, 0],
          [3, 4],
        ],
      ),
    ).toEqual([
      [0, 0],
      [0.6, 0.8],
    ]);
    expect(gradOf((x) => x.norm(1), [3, -4, 0])).toEqual([1, -1, 0]);
    expect(gradOf((x) => x.norm(Number.POSITIVE_INFINITY), [4, -4, 1])).toEqual([0.5, -0.5, 0]);
    expect(gradOf((x) => x.norm(0), [4, -4, 1])).toEqual([0, 0, 0]);
    // p = 3: x·|x|/‖x‖²
    expect(gradOf((x) => x.norm(3), [0, 2])).toEqual([0, 1]);
  });

  it("all and any test for nonzero elements (NaN counts) and return bool", () => {
    const x = tensor([
      [1, 0, Number.NaN],
      [2, 3, -1],
    ]);
    expect(x.all(1).toArray()).toEqual([false, true]);
    expect(x.any(0).toArray()).toEqual([true, true, true]);
    expect(x.all().toArray()).toBe(false);
    expect(zeros([2, 2]).any(-1, true).toArray()).toEqual([[false], [false]]);
    expect(zeros([0]).all().item()).toBe(1);
    expect(zeros([0]).any().item()).toBe(0);
  });

  it("sort is stable and puts NaN last (first when descending), like torch.sort(stable=True)", () => {
    const x = tensor([2, Number.NaN, 1, 2, -0, 0, 1]);
    const up = x.sort();
    expect(up.values.toArray()).toEqual([-0, 0, 1, 1, 2, 2, Number.NaN]);
    expect(up.indices.toArray()).toEqual([4, 5, 2, 6, 0, 3, 1]);
    const down = x.sort(0, { descending: true });
    expect(down.values.toArray()).toEqual([Number.NaN, 2, 2, 1, 1, -0, 0]);
    expect(down.indices.toArray()).toEqual([1, 0, 3, 2, 6, 4, 5]);
    expect(x.argsort().toArray()).toEqual(up.indices.toArray());
    expect(tensor(M).argsort(0, { descending: true }).toArray()).toEqual([
      [1, 1, 1],
      [0, 0, 0],
    ]);
    expect(tensor(7).sort().values.item()).toBe(7);
  });

  it("sends the gradient of sorted values back to where they came from (differentiable twice)", () => {
    const x = tensor([[3, 1, 2]], { requiresGrad: true });
    const { values } = x.sort(-1, { descending: true });
    expect(values.op).toBe("gather");
    values
      .mul(tensor([1, 10, 100]))
      .sum()
      .backward();
    expect(x.grad?.toArray()).toEqual([[1, 100, 10]]);
    const y = tensor([3, 1, 2], { requiresGrad: true });
    const [g] = gradients(
      [
        y
          .sort()
          .values.pow(2)
          .mul(tensor([1, 2, 3]))
          .sum(),
      ],
      [y],
      { createGraph: true },
    );
    const [h] = gradients([(g as Tensor).sum()], [y]);
    expect(h?.toArray()).toEqual([6, 2, 4]);
  });

  it("topk picks the k largest (or smallest), sorted or in their order along the axis", () => {
    const x = tensor([
      [1, 5, 3, 4],
      [8, 6, 7, 6],
    ]);
    expect(x.topk(2).values.toArray()).toEqual([
      [5, 4],
      [8, 7],
    ]);
    expect(x.topk(2).indices.toArray()).toEqual([
      [1, 3],
      [0, 2],
    ]);
    expect(x.topk(2, -1, { largest: false }).indices.toArray()).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(x.topk(3, 1, { sorted: false }).indices.toArray()).toEqual([
      [1, 2, 3],
      [0, 1, 2],
    ]);
    expect(x.topk(1, 0).values.toArray()).toEqual([[8, 6, 7, 6]]);
    expect(x.topk(0).values.shape).toEqual([2, 0]);
    expect(gradOf((t) => t.topk(2).values, [[1, 5, 3, 4]])).toEqual([[0, 1, 0, 1]]);
  });
});

describe("repeat, tile, split and chunk", () => {
  const x = tensor([
    [1, 2],
    [3, 4],
  ]);

  it("repeat tiles along each dimension, extra counts adding leading dimensions", () => {
    expect(x.repeat(1, 2).toArray()).toEqual([
      [1, 2, 1, 2],
      [3, 4, 3, 4],
    ]);
    expect(x.repeat(2, 1, 1).shape).toEqual([2, 2, 2]);
    expect(x.repeat(0, 1).shape).toEqual([0, 2]);
    expect(tensor(5).repeat(3).toArray()).toEqual([5, 5, 5]);
  });

  it("tile pads missing leading counts with 1", () => {
    expect(x.tile(2).toArray()).toEqual(x.repeat(1, 2).toArray());
    expect(x.tile(2, 1).toArray()).toEqual(x.repeat(2, 1).toArray());
  });

  it("repeat's gradient sums ḡ over the copies", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    a.repeat(3)
      .mul(tensor([1, 10, 100, 1000, 1e4, 1e5]))
      .sum()
      .backward();
    expect(a.grad?.toArray()).toEqual([10101, 101010]);
  });

  it("split cuts by size (the last piece shorter) or by listed sizes; chunk by count", () => {
    const v = tensor([1, 2, 3, 4, 5]);
    expect(v.split(2).map((t) => t.toArray())).toEqual([[1, 2], [3, 4], [5]]);
    expect(v.split([1, 4]).map((t) => t.toArray())).toEqual([[1], [2, 3, 4, 5]]);
    expect(x.split(1, 1).map((t) => t.toArray())).toEqual([
      [[1], [3]],
      [[2], [4]],
    ]);
    expect(v.chunk(2).map((t) => t.toArray())).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    // torch.chunk: fewer pieces when the length runs out first (6 in 4 chunks of 2)
    expect(tensor([1, 2, 3, 4, 5, 6]).chunk(4).length).toBe(3);
  });

  it("the pieces' gradients flow back into place", () => {
    const v = tensor([1, 2, 3, 4, 5], { requiresGrad: true });
    const [a, b] = v.split([2, 3]) as [Tensor, Tensor];
    a.sum().add(b.mul(2).sum()).backward();
    expect(v.grad?.toArray()).toEqual([1, 1, 2, 2, 2]);
  });

  it("refuse bad counts and sizes", () => {
    expect(() => x.repeat(2)).toThrow("repeat: needs a count for each of the 2 dimensions of [2,2], got [2]");
    expect(() => x.repeat(1, -1)).toThrow("repeat: repeat counts must be integers ≥ 0, got number -1");
    expect(() => tensor([1, 2, 3]).split([1, 1])).toThrow(
      "split: sizes [1,1] add up to 2, axis 0 of [3] has 3",
    );
    expect(() => tensor([1, 2, 3]).split(0)).toThrow("split: size must be an integer ≥ 1, got number 0");
    expect(() => tensor([1, 2, 3]).chunk(0)).toThrow("chunk: chunks must be an integer ≥ 1, got number 0");
  });
});

describe("pad, maskedFill, maskedSelect and scatter", () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const row = (values: number[]) => tensor(values, { requiresGrad: true });

  it("pad takes (before, after) pairs from the last dimension backwards; negative amounts crop", () => {
    expect(x.pad([1, 2], { value: 9 }).toArray()).toEqual([
      [9, 1, 2, 3, 9, 9],
      [9, 4, 5, 6, 9, 9],
    ]);
    expect(x.pad([1, 0, 0, 1]).toArray()).toEqual([
      [0, 1, 2, 3],
      [0, 4, 5, 6],
      [0, 0, 0, 0],
    ]);
    expect(x.pad([-1, 1]).toArray()).toEqual([
      [2, 3, 0],
      [5, 6, 0],
    ]);
    expect(x.pad([-3, 0]).shape).toEqual([2, 0]);
    expect(x.pad([]).toArray()).toEqual(x.toArray());
  });

  it("reflect mirrors without the edge, replicate repeats the edge, on any dimension", () => {
    expect(x.pad([2, 1], { mode: "reflect" }).toArray()).toEqual([
      [3, 2, 1, 2, 3, 2],
      [6, 5, 4, 5, 6, 5],
    ]);
    expect(x.pad([0, 0, 1, 1], { mode: "reflect" }).toArray()).toEqual([
      [4, 5, 6],
      [1, 2, 3],
      [4, 5, 6],
      [1, 2, 3],
    ]);
    // as F.pad(x, (-1, 2), mode="reflect"): the crop first, the mirror from the original edge
    expect(tensor([0, 1, 2]).pad([-1, 2], { mode: "reflect" }).toArray()).toEqual([1, 2, 1, 0]);
    expect(x.pad([2, 1, 1, 0], { mode: "replicate" }).toArray()).toEqual([
      [1, 1, 1, 2, 3, 3],
      [1, 1, 1, 2, 3, 3],
      [4, 4, 4, 5, 6, 6],
    ]);
    expect(tensor([1, 2]).pad([1, 2], { mode: "replicate" }).toArray()).toEqual([1, 1, 2, 2, 2]);
  });

  it("pad's gradient crops ḡ back (constant) or adds it where each entry was read", () => {
    const a = row([1, 2, 3]);
    a.pad([2, 1], { mode: "reflect" }).sum().backward();
    expect(a.grad?.toArray()).toEqual([1, 3, 2]);
    const b = row([1, 2, 3]);
    b.pad([2, 1], { mode: "replicate" })
      .mul(tensor([1, 10, 100, 1000, 1e4, 1e5]))
      .sum()
      .backward();
    expect(b.grad?.toArray()).toEqual([111, 1000, 110000]);
    const c = row([1, 2, 3]);
    c.pad([-1, 1], { value: 7 })
      .mul(tensor([1, 10, 100]))
      .sum()
      .backward();
    expect(c.grad?.toArray()).toEqual([0, 1, 10]);
  });

  it("maskedFill writes the value where the mask is nonzero, x and mask broadcast together", () => {
    expect(x.maskedFill(tensor([true, false, true]), -1).toArray()).toEqual([
      [-1, 2, -1],
      [-1, 5, -1],
    ]);
    expect(x.maskedFill(tensor([[0], [2]]), tensor(0.5)).toArray()).toEqual([
      [1, 2, 3],
      [0.5, 0.5, 0.5],
    ]);
    expect(
      tensor([1, 2])
        .maskedFill(
          tensor([
            [true, false],
            [false, false],
          ]),
          0,
        )
        .toArray(),
    ).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(x.maskedFill(tensor(Number.NaN), 0).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it("maskedFill's gradient: 0 where filled for x, the sum there for a 0-d value", () => {
    const a = row([1, 2, 3]);
    const v = tensor(5, { requiresGrad: true });
    a.maskedFill(tensor([true, false, true]), v)
      .mul(tensor([1, 10, 100]))
      .sum()
      .backward();
    expect(a.grad?.toArray()).toEqual([0, 10, 0]);
    expect(v.grad?.item()).toBe(101);
  });

  it("maskedSelect returns the selected entries as a 1-D tensor, row-major, broadcasting", () => {
    expect(x.maskedSelect(x.gt(2)).toArray()).toEqual([3, 4, 5, 6]);
    expect(
      tensor([0, 1, 2])
        .maskedSelect(
          tensor([
            [true, false, true],
            [false, true, true],
          ]),
        )
        .toArray(),
    ).toEqual([0, 2, 1, 2]);
    expect(x.maskedSelect(tensor(false)).shape).toEqual([0]);
    const a = row([1, 2, 3]);
    a.maskedSelect(
      tensor([
        [1, 0, 1],
        [1, 1, 0],
      ]),
    )
      .mul(tensor([1, 10, 100, 1000]))
      .sum()
      .backward();
    expect(a.grad?.toArray()).toEqual([101, 1000, 10]);
  });

  it("scatter writes src along an axis at the index (torch.scatter's examples)", () => {
    const src = tensor([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
    ]);
    expect(
      zeros([3, 5])
        .scatter(0, [[0, 1, 2, 0]], src)
        .toArray(),
    ).toEqual([
      [1, 0, 0, 4, 0],
      [0, 2, 0, 0, 0],
      [0, 0, 3, 0, 0],
    ]);
    expect(
      zeros([3, 5])
        .scatter(
          1,
          [
            [0, 1, 2],
            [0, 1, 4],
          ],
          src,
        )
        .toArray(),
    ).toEqual([
      [1, 2, 3, 0, 0],
      [6, 7, 0, 0, 8],
      [0, 0, 0, 0, 0],
    ]);
    expect(
      zeros([2, 4])
        .scatter(1, [[2], [3]], 1.25)
        .toArray(),
    ).toEqual([
      [0, 0, 1.25, 0],
      [0, 0, 0, 1.25],
    ]);
  });

  it("scatter: the last of repeated writes wins and alone gets the gradient; x's is 0 where written", () => {
    const a = row([1, 2, 3, 4]);
    const s = row([5, 6, 7]);
    const out = a.scatter(0, [1, 1, 3], s);
    expect(out.toArray()).toEqual([1, 6, 3, 7]);
    out
      .mul(tensor([1, 10, 100, 1000]))
      .sum()
      .backward();
    expect(a.grad?.toArray()).toEqual([1, 0, 100, 0]);
    expect(s.grad?.toArray()).toEqual([0, 10, 1000]);
    // a src larger than the index: the unused entries get 0
    const b = row([1, 2]);
    const big = row([5, 6, 7]);
    b.scatter(0, [1], big)
      .mul(tensor([1, 10]))
      .sum()
      .backward();
    expect(b.grad?.toArray()).toEqual([1, 0]);
    expect(big.grad?.toArray()).toEqual([10, 0, 0]);
  });
});

describe("where", () => {
  it("picks a where cond is nonzero and b elsewhere, broadcasting all three", () => {
    const cond = tensor([[1], [0]]);
    expect(where(cond, tensor([1, 2, 3]), 0).toArray()).toEqual([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    // any nonzero value (here -2 and 0.5) counts as true
    expect(where(tensor([-2, 0, 0.5]), tensor(1), tensor([7, 8, 9])).toArray()).toEqual([1, 8, 1]);
  });

  it("gives the same values whichever operands are whole and which single elements (every direct path)", () => {
    // every combination of cond, a and b being the whole [2, 3] or one element (0-d or [1, 1]),
    // against the element-by-element rule
    const c = [1, 0, Number.NaN, 0, -1, 0];
    const av = [1, 2, 3, 4, 5, 6];
    const bv = [-1, -2, -3, -4, -5, -6];
    const forms = (values: number[], one: number) => [
      { t: tensor(values, { shape: [2, 3] }), at: (i: number) => values[i] as number },
      { t: tensor(one), at: () => one },
      { t: tensor([[one]]), at: () => one },
    ];
    for (const cf of forms(c, 0)) {
      for (const af of forms(av, 7)) {
        for (const bf of forms(bv, -7)) {
          const out = where(cf.t, af.t, bf.t);
          const size = out.size;
          // NaN counts as true (nonzero), as in the broadcast path
          const expected = Array.from({ length: size }, (_, i) => (cf.at(i) !== 0 ? af.at(i) : bf.at(i)));
          expect(Array.from(out.data)).toEqual(expected);
        }
      }
    }
  });

  it("sends the gradient to the chosen operand, summed over broadcast dims", () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor(0, { requiresGrad: true });
    where(tensor([[1], [0]]), a, b)
      .sum()
      .backward();
    expect(a.grad?.toArray()).toEqual([1, 1, 1]);
    expect(b.grad?.toArray()).toBe(3);
  });
});

describe("unary functions", () => {
  it("computes closed-form values", () => {
    expect(tensor([1, -2]).neg().toArray()).toEqual([-1, 2]);
    expect(tensor([0, 1]).exp().toArray()).toEqual([1, Math.E]);
    expect(tensor([1, Math.E]).log().toArray()).toEqual([0, 1]);
    expect(tensor([4, 2.25]).sqrt().toArray()).toEqual([2, 1.5]);
    expect(tensor([-3, 0, 2]).abs().toArray()).toEqual([3, 0, 2]);
    expect(tensor([-3, 0.5]).square().toArray()).toEqual([9, 0.25]);
    expectAllClose(tensor([0, Math.PI / 2, Math.PI / 6]).sin(), [0, 1, 0.5], 1e-15);
    expectAllClose(tensor([0, Math.PI, Math.PI / 3]).cos(), [1, -1, 0.5], 1e-15);
    // tanh(ln 2) = (4 − 1)/(4 + 1)
    expectAllClose(tensor([0, Math.LN2]).tanh(), [0, 0.6], 1e-15);
    // σ(ln 3) = 3/4, σ(−ln 3) = 1/4
    expectAllClose(tensor([0, Math.log(3), -Math.log(3)]).sigmoid(), [0.5, 0.75, 0.25], 1e-15);
  });

  it("relu and abs have derivative 0 at the kink", () => {
    expect(tensor([-1, 0, 2]).relu().toArray()).toEqual([0, 0, 2]);
    expect(gradOf((x) => x.relu(), [-1, 0, 2])).toEqual([0, 0, 1]);
    expect(gradOf((x) => x.abs(), [-1, 0, 2])).toEqual([-1, 0, 1]);
  });

  it("leakyRelu scales negatives by the slope (0.01 by default)", () => {
    expect(tensor([-2, 0, 3]).leakyRelu().toArray()).toEqual([-0.02, 0, 3]);
    expect(tensor([-2, 0, 3]).leakyRelu(0.25).toArray()).toEqual([-0.5, 0, 3]);
    expect(gradOf((x) => x.leakyRelu(0.25), [-2, 0, 3])).toEqual([0.25, 0.25, 1]);
  });

  it("erf matches Python's math.erf", () => {
    // [math.erf(x) for x in [-2.0, -0.5, 0.5, 1.0, 2.0]]
    const expected = [
      -0.9953222650189527, -0.5204998778130465, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527,
    ];
    expectAllClose(tensor([-2, -0.5, 0.5, 1, 2]).erf(), expected, 1e-15);
    expect(tensor(0).erf().item()).toBe(0);
  });

  it("gelu is the exact erf form x·Φ(x), with GELU′ = Φ + x·φ", () => {
    const xs = [-5, -3, -1, -0.5, 0, 0.5, 1, 3, 5];
    // [0.5*x*math.erfc(-x/math.sqrt(2)) for x in xs]
    const values = [
      -1.4332578593959731e-6, -0.004049694094890287, -0.15865525393145707, -0.15426876936299344, 0,
      0.34573123063700656, 0.8413447460685429, 2.99595030590511, 4.99999856674214,
    ];
    // [0.5*math.erfc(-x/math.sqrt(2)) + x*math.exp(-x*x/2)/math.sqrt(2*math.pi) for x in xs]
    const slopes = [
      -7.146946001792295e-6, -0.011945647204183927, -0.08331547058768629, 0.13250487534383712, 0.5,
      0.8674951246561629, 1.0833154705876864, 1.011945647204184, 1.0000071469460017,
    ];
    const y = tensor(xs).gelu();
    y.data.forEach((v, i) => {
      expect(Math.abs(v - (values[i] as number))).toBeLessThanOrEqual(1e-14 * Math.abs(values[i] as number));
    });
    // the backward composes Φ = ½(1 + erf(x/√2)) from tensor ops, so in the negative tail its
    // error is absolute (≈1e-16), not relative
    expectAllClose(
      gradOf((x) => x.gelu(), xs),
      slopes,
      1e-15,
    );
  });

  it("softplus is ln(1 + eˣ), exactly x above 20 with slope exactly 1 (PyTorch)", () => {
    const y = tensor([0, Math.log(3), 20, 20.5, 25, 1000, -1000]).softplus();
    // ln 2, ln 4, math.log1p(math.exp(20)), then x itself above the threshold, 0 far below
    expectAllClose(y, [Math.LN2, 2 * Math.LN2, 20.000000002061153, 20.5, 25, 1000, 0], 1e-15);
    expect(y.data[3]).toBe(20.5);
    expect(y.data[4]).toBe(25);
    // slopes: σ(0) = ½, σ(ln 3) = ¾, 1/(1+math.exp(-20)), then exactly 1
    const g = gradOf((x) => x.softplus(), [0, Math.log(3), 20, 20.5, 25]);
    expectAllClose(g, [0.5, 0.75, 0.9999999979388463, 1, 1], 1e-15);
    expect((g as number[])[3]).toBe(1);
  });

  it("sigmoid is finite at ±1e3, with gradient 0 there", () => {
    const y = tensor([-1000, 1000]).sigmoid();
    expect(y.toArray()).toEqual([0, 1]);
    expect(gradOf((x) => x.sigmoid(), [-1000, 1000])).toEqual([0, 0]);
  });

  it("clamp passes the gradient where min ≤ x ≤ max, bounds included", () => {
    expect(tensor([-1, 0, 0.5, 1, 2]).clamp(0, 1).toArray()).toEqual([0, 0, 0.5, 1, 1]);
    expect(gradOf((x) => x.clamp(0, 1), [-1, 0, 0.5, 1, 2])).toEqual([0, 1, 1, 1, 0]);
    expect(tensor([-1, 2]).clamp(0).toArray()).toEqual([0, 2]);
    expect(tensor([-1, 2]).clamp(null, 0).toArray()).toEqual([-1, 0]);
    expect(gradOf((x) => x.clamp(0), [-1, 0, 3])).toEqual([0, 1, 1]);
  });
});

describe("reductions", () => {
  it("sums and averages over all, one, negative and several axes", () => {
    const x = tensor(M);
    expect(x.sum().toArray()).toBe(21);
    expect(x.sum().shape).toEqual([]);
    expect(x.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(x.sum(-1).toArray()).toEqual([6, 15]);
    expect(x.sum(-1, true).toArray()).toEqual([[6], [15]]);
    expect(x.sum([0, 1], true).toArray()).toEqual([[21]]);
    expect(x.mean(0).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(x.mean().toArray()).toBe(3.5);
    // x[i,j,k] = 12i + 4j + k; Σ over i ∈ {0,1}, k ∈ {0..3} = 48 + 32j + 12
    const t = tensor(
      Float64Array.from({ length: 24 }, (_, i) => i),
      { shape: [2, 3, 4] },
    );
    expect(t.sum([0, 2]).toArray()).toEqual([60, 92, 124]);
    expect(t.sum([-1, -3], true).shape).toEqual([1, 3, 1]);
    expect(tensor(5).sum().toArray()).toBe(5);
  });

  it("sends mean's gradient 1/count to every element", () => {
    expect(gradOf((x) => x.mean(1), M)).toEqual([
      [1 / 3, 1 / 3, 1 / 3],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
  });

  it("max/min return values only and split the gradient evenly among ties", () => {
    const x = [
      [1, 3, 3],
      [2, 2, 2],
    ];
    expect(tensor(x).max(1).toArray()).toEqual([3, 2]);
    expect(tensor(x).min(-1, true).toArray()).toEqual([[1], [2]]);
    expect(tensor(x).max().toArray()).toBe(3);
    expect(gradOf((t) => t.max(1), x)).toEqual([
      [0, 0.5, 0.5],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
    expect(gradOf((t) => t.min(1), x)).toEqual([
      [1, 0, 0],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
    // a global maximum shared by two elements
    expect(gradOf((t) => t.max(), x)).toEqual([
      [0, 0.5, 0.5],
      [0, 0, 0],
    ]);
    expect(gradOf((t) => t.max(0), x, [10, 20, 30])).toEqual([
      [0, 20, 30],
      [10, 0, 0],
    ]);
  });

  it("logSumExp is stable at ±1e3 and its gradient is softmax", () => {
    expectAllClose(tensor([0, 0]).logSumExp(), Math.LN2, 1e-15);
    expectAllClose(tensor([1000, 1000]).logSumExp(), 1000 + Math.LN2, 1e-15);
    expectAllClose(tensor([-1000, -1000]).logSumExp(), -1000 + Math.LN2, 1e-15);
    expect(tensor([1000, -1000]).logSumExp().item()).toBe(1000);
    expectAllClose(tensor([[0, Math.log(3)]]).logSumExp(-1, true), [[Math.log(4)]], 1e-15);
    expectAllClose(
      gradOf((x) => x.logSumExp(), [0, Math.log(3)]),
      [0.25, 0.75],
      1e-15,
    );
    expect(gradOf((x) => x.logSumExp(), [1000, -1000])).toEqual([1, 0]);
  });

  it("softmax and logSoftmax are exact at ±1e3 (no NaN or Inf)", () => {
    // e^(ln k) = k: the softmax of [ln 1, ln 2, ln 3] is [1, 2, 3]/6
    expectAllClose(tensor([0, Math.LN2, Math.log(3)]).softmax(), [1 / 6, 2 / 6, 3 / 6], 1e-15);
    expect(tensor([1000, 0, -1000]).softmax().toArray()).toEqual([1, 0, 0]);
    expect(tensor([1000, 1000]).softmax().toArray()).toEqual([0.5, 0.5]);
    expect(tensor([1000, 0, -1000]).logSoftmax().toArray()).toEqual([0, -1000, -2000]);
    expectAllClose(tensor([-1000, -1000]).logSoftmax(), [-Math.LN2, -Math.LN2], 1e-15);
    // along axis 0: each column is normalised
    expectAllClose(
      tensor([
        [0, 1000],
        [Math.log(3), 1000],
      ]).softmax(0),
      [
        [0.25, 0.5],
        [0.75, 0.5],
      ],
      1e-15,
    );
    const g = gradOf((x) => x.logSoftmax(), [1000, 0, -1000], [1, 0, 0]) as number[];
    expect(g).toEqual([0, 0, 0]); // ∂/∂x of (x₀ − lse(x)) = e₀ − softmax = 0 here
    const s = gradOf((x) => x.softmax(), [1000, 0, -1000], [1, 2, 3]) as number[];
    expect(s.every(Number.isFinite)).toBe(true);
  });

  it("reduces empty tensors over non-empty axes (PyTorch), sum and mean over nothing", () => {
    expect(zeros([0, 3]).max(1).shape).toEqual([0]);
    expect(zeros([0, 3]).min(-1, true).shape).toEqual([0, 1]);
    expect(zeros([2, 0]).argmax(0).shape).toEqual([0]);
    expect(zeros([2, 0]).sum(1).toArray()).toEqual([0, 0]);
    expect(zeros([0]).sum().item()).toBe(0);
    expect(zeros([0]).mean().item()).toBeNaN(); // 0/0, as PyTorch
  });

  it("handles infinities and NaN like PyTorch", () => {
    expect(tensor([Number.NEGATIVE_INFINITY, 0]).softmax().toArray()).toEqual([0, 1]);
    expect(tensor([Number.NEGATIVE_INFINITY, 0]).logSoftmax().toArray()).toEqual([
      Number.NEGATIVE_INFINITY,
      0,
    ]);
    expect(tensor([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]).logSumExp().item()).toBe(
      Number.NEGATIVE_INFINITY,
    );
    expect(tensor([Number.POSITIVE_INFINITY, 0]).logSumExp().item()).toBe(Number.POSITIVE_INFINITY);
    expect(tensor([1, Number.NaN, 3]).max().item()).toBeNaN();
    expect(tensor([1, Number.NaN, 3]).argmax().item()).toBe(1);
    expect(
      tensor([1, Number.NaN])
        .maximum(tensor([Number.NaN, 2]))
        .data.every(Number.isNaN),
    ).toBe(true);
    expect(
      tensor([1, Number.NaN])
        .minimum(tensor([Number.NaN, 2]))
        .data.every(Number.isNaN),
    ).toBe(true);
  });

  it("argmax/argmin return the first index on ties, optionally keeping dims", () => {
    const x = tensor([
      [1, 3, 3],
      [2, 2, 1],
    ]);
    expect(x.argmax().toArray()).toBe(1); // flattened: the first 3
    expect(x.argmax(1).toArray()).toEqual([1, 0]);
    expect(x.argmin(1).toArray()).toEqual([0, 2]);
    expect(x.argmax(-2).toArray()).toEqual([1, 0, 0]);
    expect(x.argmin(0, true).toArray()).toEqual([[0, 1, 1]]);
    expect(x.argmax(undefined, true).shape).toEqual([1, 1]);
    expect(x.argmax().dtype).toBe("int32");
    expect(tensor([1, 2], { dtype: "float32" }).argmax().dtype).toBe("int32");
  });
});

describe("shape ops", () => {
  const t = tensor(
    Float64Array.from({ length: 6 }, (_, i) => i + 1),
    { shape: [2, 3] },
  );

  it("reshape infers one -1 dimension", () => {
    expect(t.reshape(3, -1).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(t.reshape([-1]).shape).toEqual([6]);
    expect(t.reshape(1, -1, 1).shape).toEqual([1, 6, 1]);
    expect(tensor([7]).reshape([]).toArray()).toBe(7);
  });

  it("flatten, squeeze and unsqueeze move size-1 dimensions", () => {
    expect(t.flatten().toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensor(7).flatten().toArray()).toEqual([7]);
    const u = tensor([[[1], [2]]]); // [1,2,1]
    expect(u.squeeze().toArray()).toEqual([1, 2]);
    expect(u.squeeze(0).shape).toEqual([2, 1]);
    expect(u.squeeze(-1).shape).toEqual([1, 2]);
    expect(u.squeeze(1).shape).toEqual([1, 2, 1]); // not size 1: unchanged
    expect(t.unsqueeze(0).shape).toEqual([1, 2, 3]);
    expect(t.unsqueeze(-1).shape).toEqual([2, 3, 1]);
    expect(t.unsqueeze(1).toArray()).toEqual([[[1, 2, 3]], [[4, 5, 6]]]);
    expect(tensor(7).unsqueeze(0).toArray()).toEqual([7]);
  });

  it("expand broadcasts, with -1 keeping a size and new dims in front", () => {
    expect(tensor([1, 2, 3]).expand(2, 3).toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(
      tensor([[1], [2]])
        .expand(-1, 3)
        .toArray(),
    ).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(tensor([[1, 2]]).expand(2, 3, -1).shape).toEqual([2, 3, 2]);
    expect(tensor(4).expand([2]).toArray()).toEqual([4, 4]);
    expect(gradOf((x) => x.expand(2, 2, -1), [[1, 2]])).toEqual([[4, 4]]);
  });

  it("slice takes [start, end) with negative and clamped bounds, and pads the gradient", () => {
    const x = tensor([10, 11, 12, 13, 14]);
    expect(x.slice(0, 1, 3).toArray()).toEqual([11, 12]);
    expect(x.slice(0, -2).toArray()).toEqual([13, 14]);
    expect(x.slice(0, -4, -1).toArray()).toEqual([11, 12, 13]);
    expect(x.slice(0, -100, 100).toArray()).toEqual([10, 11, 12, 13, 14]);
    expect(x.slice(0, 3, 1).toArray()).toEqual([]);
    expect(t.slice(-1, 1).toArray()).toEqual([
      [2, 3],
      [5, 6],
    ]);
    expect(t.slice(0, 1, 2).toArray()).toEqual([[4, 5, 6]]);
    expect(
      gradOf((v) => v.slice(1, 1, 3), M, [
        [1, 2],
        [3, 4],
      ]),
    ).toEqual([
      [0, 1, 2],
      [0, 3, 4],
    ]);
  });

  it("gather reads along an axis with index arrays, Int32Arrays or float tensors", () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    const index = [
      [0, 0],
      [1, 0],
    ];
    const expected = [
      [1, 1],
      [4, 3],
    ];
    expect(x.gather(1, index).toArray()).toEqual(expected);
    expect(x.gather(-1, tensor(index)).toArray()).toEqual(expected);
    expect(x.gather(0, [[1, 0]]).toArray()).toEqual([[3, 2]]);
    expect(
      tensor([5, 6, 7])
        .gather(0, Int32Array.from([2, 2, 0]))
        .toArray(),
    ).toEqual([7, 7, 5]);
    // repeated positions accumulate their gradients
    expect(
      gradOf(
        (v) => v.gather(1, index),
        [
          [1, 2],
          [3, 4],
        ],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    ).toEqual([
      [3, 0],
      [4, 3],
    ]);
  });

  it("indexSelect picks rows or columns with every index form", () => {
    expect(t.indexSelect(0, [1, 1, 0]).toArray()).toEqual([
      [4, 5, 6],
      [4, 5, 6],
      [1, 2, 3],
    ]);
    expect(t.indexSelect(-1, Int32Array.from([2, 0])).toArray()).toEqual([
      [3, 1],
      [6, 4],
    ]);
    expect(t.indexSelect(1, tensor([1])).toArray()).toEqual([[2], [5]]);
    expect(t.indexSelect(1, new Float32Array([0])).toArray()).toEqual([[1], [4]]);
    expect(
      gradOf((v) => v.indexSelect(1, [2, 2]), M, [
        [1, 2],
        [3, 4],
      ]),
    ).toEqual([
      [0, 0, 3],
      [0, 0, 7],
    ]);
  });

  it("concat joins along several axes and splits the gradient back", () => {
    const a = tensor([[1, 2]]);
    const b = tensor([[3, 4]]);
    expect(concat([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(concat([a, b], 1).toArray()).toEqual([[1, 2, 3, 4]]);
    expect(concat([a, tensor([[5]]), b], -1).toArray()).toEqual([[1, 2, 5, 3, 4]]);
    const p = tensor([[1], [2]], { requiresGrad: true });
    const q = tensor(
      [
        [3, 4],
        [5, 6],
      ],
      { requiresGrad: true },
    );
    concat([p, q], 1).backward(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    );
    expect(p.grad?.toArray()).toEqual([[1], [4]]);
    expect(q.grad?.toArray()).toEqual([
      [2, 3],
      [5, 6],
    ]);
  });

  it("stack joins along a new axis at any position", () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    expect(stack([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(stack([a, b], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(stack([a, b], -1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(stack([tensor(1), tensor(2)]).toArray()).toEqual([1, 2]);
    const x = tensor([1, 2], { requiresGrad: true });
    const y = tensor([3, 4], { requiresGrad: true });
    stack([x, y], 1).backward(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(x.grad?.toArray()).toEqual([1, 3]);
    expect(y.grad?.toArray()).toEqual([2, 4]);
  });

  it("transpose and permute reorder dimensions", () => {
    expect(t.transpose().toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const c = tensor(
      Float64Array.from({ length: 24 }, (_, i) => i),
      { shape: [2, 3, 4] },
    );
    const p = c.permute(2, 0, 1);
    expect(p.shape).toEqual([4, 2, 3]);
    // p[k, i, j] = c[i, j, k] = 12i + 4j + k
    expect(p.toArray()).toEqual(
      [0, 1, 2, 3].map((k) => [0, 1].map((i) => [0, 1, 2].map((j) => 12 * i + 4 * j + k))),
    );
    expect(c.transpose(0, -1).shape).toEqual([4, 3, 2]);
    expect(c.permute(-1, 0, 1).toArray()).toEqual(p.toArray());
    expect(tensor(7).permute().toArray()).toBe(7);
    expect(
      gradOf((v) => v.permute(1, 0), M, [
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    ).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
  });
});

describe("matmul", () => {
  /** A random [rows, cols] float64 tensor. */
  const rand2 = (rng: Rng, shape: number[]) => sampled(rng, shape, uniform(-1, 1));

  /** The product of one [m,k] and [k,n] block by the naive kernel. */
  const naive = (a: Float64Array, b: Float64Array, m: number, k: number, n: number) => {
    const c = new Float64Array(m * n);
    gemmNaive(a, b, c, m, k, n);
    return c;
  };

  it("1-D · 1-D is a dot product of shape []", () => {
    const y = tensor([1, 2, 3]).matmul(tensor([4, 5, 6]));
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(32);
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([4, 5, 6], { requiresGrad: true });
    a.matmul(b).backward();
    expect(a.grad?.toArray()).toEqual([4, 5, 6]);
    expect(b.grad?.toArray()).toEqual([1, 2, 3]);
  });

  it("1-D · 2-D is a row times a matrix; 2-D · 1-D a matrix times a column", () => {
    expect(tensor([1, 2]).matmul(tensor(M)).toArray()).toEqual([9, 12, 15]);
    expect(
      tensor(M)
        .matmul(tensor([1, 0, -1]))
        .toArray(),
    ).toEqual([-2, -2]);
    expect(
      tensor(M)
        .matmul(
          tensor([
            [1, 0],
            [0, 1],
            [1, 1],
          ]),
        )
        .toArray(),
    ).toEqual([
      [4, 5],
      [10, 11],
    ]);
  });

  it("matches the naive kernel for 5×7 @ 7×3 and other sizes that are not multiples of 4", () => {
    const rng = new Rng(7);
    for (const [m, k, n] of [
      [5, 7, 3],
      [1, 1, 1],
      [4, 4, 4],
      [9, 6, 13],
      [3, 1, 5],
    ] as const) {
      const a = rand2(rng, [m, k]);
      const b = rand2(rng, [k, n]);
      expectAllClose(a.matmul(b), naive(a.data as Float64Array, b.data as Float64Array, m, k, n), 1e-14);
    }
  });

  it("k = 0 gives zeros, and zero-size gradients", () => {
    const a = zeros([2, 0], { requiresGrad: true });
    const b = zeros([0, 3], { requiresGrad: true });
    const y = a.matmul(b);
    expect(y.toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    y.sum().backward();
    expect(a.grad?.shape).toEqual([2, 0]);
    expect(b.grad?.shape).toEqual([0, 3]);
  });

  it("batches 3-D operands with broadcast batch dims, block by block", () => {
    const rng = new Rng(11);
    const a = rand2(rng, [2, 1, 5, 7]);
    const b = rand2(rng, [3, 7, 3]);
    const y = a.matmul(b);
    expect(y.shape).toEqual([2, 3, 5, 3]);
    const ad = a.data as Float64Array;
    const bd = b.data as Float64Array;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const block = naive(ad.subarray(i * 35, (i + 1) * 35), bd.subarray(j * 21, (j + 1) * 21), 5, 7, 3);
        expectAllClose(Array.from(y.data).slice((i * 3 + j) * 15, (i * 3 + j + 1) * 15), block, 1e-14);
      }
    }
    // 1-D against a batch: the vector multiplies every matrix of the batch
    const v = rand2(rng, [7]);
    const yv = v.matmul(b);
    expect(yv.shape).toEqual([3, 3]);
    for (let j = 0; j < 3; j++) {
      const row = naive(v.data as Float64Array, bd.subarray(j * 21, (j + 1) * 21), 1, 7, 3);
      expectAllClose(Array.from(yv.data).slice(j * 3, j * 3 + 3), row, 1e-14);
    }
  });
});

describe("conversions", () => {
  it("toArray gives nested arrays, and a number for a 0-d tensor", () => {
    expect(tensor(M).toArray()).toEqual(M);
    expect(tensor(2.5).toArray()).toBe(2.5);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
  });

  it("item returns the only element of any one-element tensor", () => {
    expect(tensor(3).item()).toBe(3);
    expect(tensor([[4]]).item()).toBe(4);
    expect(tensor([0.1], { dtype: "float32" }).item()).toBe(Math.fround(0.1));
  });

  it("toString prints values, dtype and op like PyTorch", () => {
    expect(tensor(M).toString()).toBe("tensor([[1, 2, 3],\n        [4, 5, 6]], dtype=float64)");
    expect(String(tensor(Math.PI))).toBe("tensor(3.1416, dtype=float64)");
    expect(String(tensor([1e-7, 1e7, 0.5]))).toBe("tensor([1.0000e-7, 10000000, 0.5], dtype=float64)");
    expect(String(tensor([1, 2], { requiresGrad: true }))).toBe(
      "tensor([1, 2], dtype=float64, requiresGrad=true)",
    );
    expect(String(tensor([1, 2], { dtype: "float32" }).mul(2))).toBe("tensor([2, 4], dtype=float32, op=mul)");
    expect(String(tensor(Float64Array.from({ length: 10 }, (_, i) => i)))).toBe(
      "tensor([0, 1, 2, …, 7, 8, 9], dtype=float64)",
    );
  });

  it("astype converts (rounding to float32) and converts the gradient back", () => {
    const x = tensor([0.1, 1 / 3], { requiresGrad: true });
    const y = x.astype("float32");
    expect(y.dtype).toBe("float32");
    expect(y.op).toBe("astype");
    expect(y.toArray()).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    y.backward(tensor([1, 2], { dtype: "float32" }));
    expect(x.grad?.dtype).toBe("float64");
    expect(x.grad?.toArray()).toEqual([1, 2]);
    expect(tensor([1.5], { dtype: "float32" }).astype("float64").toArray()).toEqual([1.5]);
  });

  it("clone copies into new memory and stays differentiable", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = x.clone();
    expect(c.op).toBe("clone");
    c.data[0] = 9;
    expect(x.data[0]).toBe(1);
    const d = x.clone();
    d.mul(tensor([3, 4]))
      .sum()
      .backward();
    expect(x.grad?.toArray()).toEqual([3, 4]);
  });

  it("detach shares memory but has no history", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    const d = y.detach();
    expect([d.op, d.requiresGrad, d.isLeaf, d.parents.length]).toEqual(["", false, true, 0]);
    d.data[1] = 7;
    expect(y.toArray()).toEqual([2, 7]);
  });
});

describe("0-d tensors and size-1 dims through the unary family", () => {
  it("maps a 0-d tensor to a 0-d tensor", () => {
    for (const f of [(x: Tensor) => x.exp(), (x: Tensor) => x.gelu(), (x: Tensor) => x.softmax()]) {
      const y = f(tensor(0));
      expect(y.shape).toEqual([]);
    }
    expect(tensor(0).softmax().item()).toBe(1);
    expect(tensor(0).logSoftmax().item()).toBe(0);
  });
});

describe("elu, prelu, sign and outer by hand", () => {
  it("elu: x above 0, alpha·(eˣ − 1) at and below 0; ∂ = 1 above 0, y + alpha (= alpha·eˣ) elsewhere", () => {
    const y = tensor([-2, 0, 1.5]).elu(0.5);
    expectAllClose(y, [0.5 * Math.expm1(-2), 0, 1.5], 1e-15);
    expectAllClose(gradOf((x) => x.elu(0.5), [-2, 0, 1.5]) as number[], [0.5 * Math.exp(-2), 0.5, 1], 1e-15);
    // far left the result is −alpha and the gradient vanishes; no NaN from exp overflow far right
    expect(tensor([-800, 800]).elu().toArray()).toEqual([-1, 800]);
    expect(gradOf((x) => x.elu(), [-800, 800])).toEqual([0, 1]);
  });

  it("prelu: one slope per channel along axis 1, or one shared slope; ∂x = slope at and below 0", () => {
    const x = tensor([
      [
        [-2, 1],
        [3, -4],
      ],
      [
        [0, -1],
        [-0.5, 2],
      ],
    ]);
    const w = tensor([0.1, 0.5], { requiresGrad: true });
    const xl = x.clone().detach();
    xl.requiresGrad = true;
    const y = xl.prelu(w);
    expect(y.op).toBe("prelu");
    expectAllClose(
      y,
      [
        [
          [-0.2, 1],
          [3, -2],
        ],
        [
          [0, -0.1],
          [-0.25, 2],
        ],
      ],
      1e-15,
    );
    y.backward(onesLike(y));
    // ∂w_c = Σ x over channel c where x ≤ 0: channel 0 has −2, 0, −1; channel 1 has −4, −0.5
    expectAllClose(w.grad as Tensor, [-3, -4.5], 1e-15);
    expectAllClose(
      xl.grad as Tensor,
      [
        [
          [0.1, 1],
          [1, 0.5],
        ],
        [
          [0.1, 0.1],
          [0.5, 1],
        ],
      ],
      1e-15,
    );
    // a single slope (shape [1] or a number) applies everywhere; 1-D and 0-d inputs have one channel
    expect(
      tensor([-2, 4])
        .prelu(tensor([0.25]))
        .toArray(),
    ).toEqual([-0.5, 4]);
    expect(
      tensor([[-2, 4]])
        .prelu(0.5)
        .toArray(),
    ).toEqual([[-1, 4]]);
    const s = tensor(-3).prelu(tensor([0.5]));
    expect([s.shape, s.item()]).toEqual([[], -1.5]);
  });

  it("sign: −1, 0, 1, with 0 for NaN and ±0 kept; int32 stays int32; gradient exactly 0", () => {
    const y = tensor([-2.5, -0, 0, 3, Number.NaN]).sign();
    expect(Array.from(y.data)).toEqual([-1, -0, 0, 1, 0]);
    const i = tensor([-7, 0, 9], { dtype: "int32" }).sign();
    expect([i.dtype, i.toArray()]).toEqual(["int32", [-1, 0, 1]]);
    // zeros, even for an infinite upstream gradient (PyTorch's zeros_like)
    expect(gradOf((x) => x.sign().mul(Number.POSITIVE_INFINITY), [-1, 0, 2])).toEqual([0, 0, 0]);
  });

  it("outer: a[i]·b[j]; ∂a = ḡ·b, ∂b = ḡᵀ·a", () => {
    const a = tensor([1, -2], { requiresGrad: true });
    const b = tensor([3, 0.5, 4], { requiresGrad: true });
    const y = a.outer(b);
    expect(y.toArray()).toEqual([
      [3, 0.5, 4],
      [-6, -1, -8],
    ]);
    y.backward(onesLike(y));
    expect([a.grad?.toArray(), b.grad?.toArray()]).toEqual([
      [7.5, 7.5],
      [-1, -1, -1],
    ]);
  });
});
