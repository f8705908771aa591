/**
 * SPEC §9 layers: `nn.Flatten`, `nn.Unflatten`, `nn.LayerNorm` and `nn.Embedding` (values and
 * gradients against PyTorch are in test/autograd/torch-reference.test.ts: nn_layer_norm,
 * nn_embedding_padding, second_layer_norm). Here: shapes, parameters and their names, init,
 * gradcheck/gradgradcheck, padding rows, dtypes and errors.
 */
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  gradcheck,
  gradgradcheck,
  manualSeed,
  nn,
  type Tensor,
  tensor,
} from "../../src/index";
import { filled } from "../helpers/layers";

const names = (m: nn.Module): string[] => m.namedParameters().map(([n]) => n);

describe("nn.Flatten and nn.Unflatten", () => {
  it("Flatten merges startDim … endDim (defaults 1 and −1), negative axes too", () => {
    const x = filled([2, 3, 4, 5]);
    expect(new nn.Flatten().forward(x).shape).toEqual([2, 60]);
    expect(new nn.Flatten({ startDim: 0 }).forward(x).shape).toEqual([120]);
    expect(new nn.Flatten({ startDim: 1, endDim: 2 }).forward(x).shape).toEqual([2, 12, 5]);
    expect(new nn.Flatten({ startDim: -2 }).forward(x).shape).toEqual([2, 3, 20]);
    expect(new nn.Flatten({ startDim: 2, endDim: 2 }).forward(x).shape).toEqual([2, 3, 4, 5]);
    expect(new nn.Flatten({ startDim: 0 }).forward(tensor(3)).shape).toEqual([1]);
    expect(Array.from(new nn.Flatten().forward(x).data)).toEqual(Array.from(x.data));
    expect(new nn.Flatten().parameters()).toEqual([]);
  });

  it("Unflatten splits an axis, inferring one −1; Flatten undoes it; gradients pass through", () => {
    const x = filled([2, 6]).detach();
    x.requiresGrad = true;
    const u = new nn.Unflatten(1, [2, -1]).forward(x);
    expect(u.shape).toEqual([2, 2, 3]);
    expect(new nn.Unflatten(-1, [3, 2]).forward(x).shape).toEqual([2, 3, 2]);
    expect(new nn.Flatten().forward(u).toArray()).toEqual(x.toArray());
    u.mul(filled([2, 2, 3], 2))
      .sum()
      .backward();
    expect(Array.from(x.grad?.data ?? [])).toEqual(Array.from(filled([2, 6], 2).data));
    expect(gradcheck((t) => new nn.Unflatten(0, [3, 2]).forward(t).pow(2).sum(), [filled([6])]).ok).toBe(
      true,
    );
  });

  it("bad arguments throw ChainruleError naming the class", () => {
    expect(() => new nn.Flatten({ startDim: 1.5 })).toThrow(/Flatten.*startDim/);
    expect(() => new nn.Flatten({ startDim: 2, endDim: 1 }).forward(filled([2, 3, 4]))).toThrow(
      /Flatten: startDim 2 comes after endDim 1 for input \[2,3,4\]/,
    );
    expect(() => new nn.Flatten({ startDim: 3 }).forward(filled([2, 3]))).toThrow(ChainruleError);
    expect(() => new nn.Unflatten(1, [4, 2]).forward(filled([2, 6]))).toThrow(
      /Unflatten: sizes \[4,2\] do not fit axis 1 of length 6 of input \[2,6\]/,
    );
    expect(() => new nn.Unflatten(1, [-1, -1])).toThrow(/Unflatten: sizes/);
    expect(() => new nn.Unflatten(1, [])).toThrow(ChainruleError);
    expect(() => new nn.Unflatten(0.5, [2])).toThrow(/Unflatten.*dim/);
    expect(() => new nn.Unflatten(2, [2]).forward(filled([2, 6]))).toThrow(ChainruleError);
  });
});

describe("nn.LayerNorm", () => {
  it("has PyTorch's parameter names, ones and zeros, of the normalised shape", () => {
    const ln = new nn.LayerNorm([3, 4]);
    expect(names(ln)).toEqual(["weight", "bias"]);
    expect(ln.weight?.shape).toEqual([3, 4]);
    expect(Array.from(ln.weight?.data ?? [])).toEqual(Array(12).fill(1));
    expect(Array.from(ln.bias?.data ?? [])).toEqual(Array(12).fill(0));
    expect(Object.keys(ln.stateDict())).toEqual(["weight", "bias"]);
    expect(names(new nn.LayerNorm(4, { elementwiseAffine: false }))).toEqual([]);
    expect(names(new nn.LayerNorm(4, { bias: false }))).toEqual(["weight"]);
    expect(new nn.LayerNorm(5).normalizedShape).toEqual([5]);
  });

  it("normalises over the trailing axes: mean 0, biased variance 1/(1 + eps/var)", () => {
    const x = filled([2, 3, 4]);
    const y = new nn.LayerNorm([3, 4]).forward(x);
    expect(y.shape).toEqual([2, 3, 4]);
    for (let b = 0; b < 2; b++) {
      const row = Array.from(y.data.slice(b * 12, (b + 1) * 12));
      const m = row.reduce((a, v) => a + v, 0) / 12;
      const v = row.reduce((a, t) => a + (t - m) ** 2, 0) / 12;
      expect(Math.abs(m)).toBeLessThan(1e-14);
      const xs = Array.from(x.data.slice(b * 12, (b + 1) * 12));
      const xm = xs.reduce((a, t) => a + t, 0) / 12;
      const xv = xs.reduce((a, t) => a + (t - xm) ** 2, 0) / 12;
      expect(v).toBeCloseTo(xv / (xv + 1e-5), 13);
    }
  });

  it("passes gradcheck and gradgradcheck for the input, weight and bias", () => {
    const f = (x: Tensor, w: Tensor, b: Tensor) =>
      nn
        .layerNorm(x, [4], w, b)
        .pow(3)
        .mul(filled([2, 3, 4], 5))
        .sum();
    const inputs = [filled([2, 3, 4], 1), filled([4], 2), filled([4], 3)];
    expect(gradcheck(f, inputs).ok).toBe(true);
    expect(gradgradcheck(f, inputs).ok).toBe(true);
    const g = (x: Tensor) => nn.layerNorm(x, [2, 3], null, null, 0.1).sin().sum();
    expect(gradgradcheck(g, [filled([2, 2, 3], 4)]).ok).toBe(true);
  });

  it("a float32 LayerNorm keeps float32", () => {
    const ln = new nn.LayerNorm(3, { dtype: "float32" });
    expect(ln.weight?.dtype).toBe("float32");
    expect(ln.bias?.dtype).toBe("float32");
    const y = ln.forward(tensor([[1, 2, 4]], { dtype: "float32" }));
    expect(y.dtype).toBe("float32");
    y.sum().backward();
    expect(ln.weight?.grad?.dtype).toBe("float32");
  });

  it("bad arguments throw ChainruleError naming the class and the argument or shape", () => {
    expect(() => new nn.LayerNorm(0)).toThrow(/LayerNorm: normalizedShape/);
    expect(() => new nn.LayerNorm([])).toThrow(/LayerNorm: normalizedShape/);
    expect(() => new nn.LayerNorm(3, { eps: -1 })).toThrow(/LayerNorm: eps/);
    expect(() => new nn.LayerNorm(3, { dtype: "int32" as "float64" })).toThrow(/LayerNorm: dtype/);
    expect(() => new nn.LayerNorm(3, { elementwiseAffine: 1 as unknown as boolean })).toThrow(
      /LayerNorm.*elementwiseAffine/,
    );
    expect(() => new nn.LayerNorm([3, 4]).forward(filled([2, 4, 3]))).toThrow(
      /layerNorm: input \[2,4,3\] does not end with normalizedShape \[3,4\]/,
    );
    expect(() => nn.layerNorm(filled([2, 3]), 3, filled([2]))).toThrow(/layerNorm: weight \[2\]/);
  });
});

describe("nn.Embedding", () => {
  it("weight [num, dim] from N(0, 1) drawn from the seeded generator; paddingIdx row zeroed", () => {
    manualSeed(3);
    const a = new nn.Embedding(50, 20);
    manualSeed(3);
    const b = new nn.Embedding(50, 20);
    expect(names(a)).toEqual(["weight"]);
    expect(a.weight.shape).toEqual([50, 20]);
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    const d = Array.from(a.weight.data);
    const m = d.reduce((s, v) => s + v, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, v) => s + (v - m) ** 2, 0) / d.length);
    expect(Math.abs(m)).toBeLessThan(0.15);
    expect(sd).toBeGreaterThan(0.9);
    expect(sd).toBeLessThan(1.1);
    const p = new nn.Embedding(4, 3, { paddingIdx: -1 });
    expect(p.paddingIdx).toBe(3);
    expect((p.weight.toArray() as number[][])[3]).toEqual([0, 0, 0]);
  });

  it("looks rows up for int32 tensors, float tensors, typed arrays and nested arrays", () => {
    const e = new nn.Embedding(5, 2);
    const w = e.weight.toArray() as number[][];
    const want = [
      [w[4], w[0]],
      [w[2], w[4]],
    ];
    expect(
      e
        .forward(
          tensor(
            [
              [4, 0],
              [2, 4],
            ],
            { dtype: "int32" },
          ),
        )
        .toArray(),
    ).toEqual(want);
    expect(
      e
        .forward(
          tensor([
            [4, 0],
            [2, 4],
          ]),
        )
        .toArray(),
    ).toEqual(want);
    expect(
      e
        .forward([
          [4, 0],
          [2, 4],
        ])
        .toArray(),
    ).toEqual(want);
    expect(e.forward(Int32Array.from([4, 0])).toArray()).toEqual(want[0]);
    expect(e.forward(tensor(3, { dtype: "int32" })).toArray()).toEqual(w[3]);
    expect(e.forward([]).shape).toEqual([0, 2]);
  });

  it("sums the gradient over repeated indices; the padding row gets none but is still read", () => {
    const e = new nn.Embedding(4, 2, { paddingIdx: 1 });
    const out = e.forward([1, 2, 2, 1, 0]);
    expect((out.toArray() as number[][])[0]).toEqual([0, 0]);
    out
      .mul(
        tensor([
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
          [9, 10],
        ]),
      )
      .sum()
      .backward();
    expect(e.weight.grad?.toArray()).toEqual([
      [9, 10],
      [0, 0],
      [8, 10],
      [0, 0],
    ]);
    // (numerically the padding row does move the output: its zero gradient is a convention, so
    // gradcheck runs without one)
    const f = (w: Tensor) =>
      nn
        .embedding(
          [
            [0, 2],
            [2, 3],
          ],
          w,
        )
        .pow(2)
        .sum();
    expect(gradcheck(f, [filled([4, 3])]).ok).toBe(true);
    expect(gradgradcheck(f, [filled([4, 3])]).ok).toBe(true);
  });

  it("a float32 Embedding keeps float32", () => {
    const e = new nn.Embedding(3, 2, { dtype: "float32" });
    expect(e.weight.dtype).toBe("float32");
    const y = e.forward(tensor([0, 2], { dtype: "int32" }));
    expect(y.dtype).toBe("float32");
    y.sum().backward();
    expect(e.weight.grad?.dtype).toBe("float32");
  });

  it("works inside a Sequential with Flatten and Linear", () => {
    manualSeed(0);
    const net = new nn.Sequential(new nn.Embedding(10, 4), new nn.Flatten(), new nn.Linear(12, 2));
    expect(names(net)).toEqual(["0.weight", "2.weight", "2.bias"]);
    expect(net.forward(tensor([[1, 2, 3]], { dtype: "int32" })).shape).toEqual([1, 2]);
  });

  it("bad arguments throw ChainruleError naming the class, argument or shape", () => {
    expect(() => new nn.Embedding(0, 2)).toThrow(/Embedding: numEmbeddings/);
    expect(() => new nn.Embedding(3, 1.5)).toThrow(/Embedding: embeddingDim/);
    expect(() => new nn.Embedding(3, 2, { paddingIdx: 3 })).toThrow(
      /Embedding: paddingIdx must be an integer in \[-3, 3\)/,
    );
    expect(() => new nn.Embedding(3, 2, { dtype: "int32" as "float64" })).toThrow(/Embedding: dtype/);
    const e = new nn.Embedding(3, 2);
    expect(() => e.forward([0, 3])).toThrow(ChainruleError);
    expect(() => e.forward([-1])).toThrow(ChainruleError);
    expect(() => e.forward(tensor([0.5]))).toThrow(ChainruleError);
    expect(() => e.forward("a" as unknown as number[])).toThrow(/embedding: indices/);
    expect(() => nn.embedding([0], filled([3]))).toThrow(/embedding: weight must be 2-D/);
  });
});
