/**
 * SPEC §9 batch and group normalisation: `nn.BatchNorm1d`, `nn.BatchNorm2d` (running statistics as
 * buffers, train and eval), `nn.GroupNorm`, and the functions `nn.batchNorm`, `nn.groupNorm`.
 * Values and gradients against PyTorch: test/autograd/torch-reference.test.ts (nn_batch_norm_train,
 * nn_batch_norm_eval, nn_group_norm). Here: the running statistics by hand, buffers, state dicts,
 * gradcheck/gradgradcheck, dtypes and errors.
 */
import { describe, expect, it } from "vitest";
import { ChainruleError, gradcheck, gradgradcheck, nn, type Tensor, tensor } from "../../src/index";
import { expectAllClose } from "../helpers/close";

/** A float64 tensor of `shape` with distinct, deterministic values. */
const filled = (shape: number[], requiresGrad = false): Tensor => {
  const n = shape.reduce((p, d) => p * d, 1);
  return tensor(
    Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + 0.4) * 2 + 0.1 * i),
    { shape, requiresGrad },
  );
};

describe("nn.BatchNorm2d", () => {
  it("normalises each channel over N, H, W in training and moves the running statistics", () => {
    const bn = new nn.BatchNorm2d(2, { momentum: 0.25, eps: 0 });
    const x = filled([3, 2, 2, 2]);
    const y = bn.forward(x);
    // per channel: mean 0 and biased variance 1
    for (const c of [0, 1]) {
      const ch = y.slice(1, c, c + 1);
      expect(Math.abs(ch.mean().item())).toBeLessThan(1e-12);
      expect(ch.var(undefined, { correction: 0 }).item()).toBeCloseTo(1, 12);
    }
    const xs = [0, 1].map((c) => x.slice(1, c, c + 1));
    const batchMean = xs.map((t) => t.mean().item());
    const unbiased = xs.map((t) => t.var().item());
    expectAllClose(
      bn.running_mean as Tensor,
      batchMean.map((m) => 0.25 * m),
    );
    expectAllClose(
      bn.running_var as Tensor,
      unbiased.map((v) => 0.75 + 0.25 * v),
    );
    expect(bn.num_batches_tracked?.item()).toBe(1);
    expect(bn.num_batches_tracked?.dtype).toBe("int32");
  });

  it("uses the running statistics in eval, and does not change them", () => {
    const bn = new nn.BatchNorm2d(2);
    bn.forward(filled([2, 2, 3, 1]));
    const rm = (bn.running_mean as Tensor).toArray();
    const rv = (bn.running_var as Tensor).toArray() as number[];
    const x = filled([1, 2, 1, 1]);
    const y = bn.eval().forward(x);
    const xs = x.toArray() as number[][][][];
    [0, 1].forEach((c) => {
      const expected = ((xs[0]?.[c]?.[0]?.[0] as number) - (rm as number[])[c]!) / Math.sqrt(rv[c]! + 1e-5);
      expect((y.toArray() as number[][][][])[0]?.[c]?.[0]?.[0]).toBeCloseTo(expected, 12);
    });
    expect((bn.running_mean as Tensor).toArray()).toEqual(rm);
    expect(bn.num_batches_tracked?.item()).toBe(1);
  });

  it("with momentum null keeps the cumulative average of the batch statistics", () => {
    const bn = new nn.BatchNorm1d(1, { momentum: null });
    bn.forward(tensor([[1], [3]])); // mean 2
    bn.forward(tensor([[5], [9]])); // mean 7
    bn.forward(tensor([[0], [0]])); // mean 0
    expectAllClose(bn.running_mean as Tensor, [3]);
    expect(bn.num_batches_tracked?.item()).toBe(3);
  });

  it("keeps its running statistics as buffers: in stateDict (PyTorch's keys and order), not in parameters", () => {
    const bn = new nn.BatchNorm2d(3);
    expect(bn.namedParameters().map(([n]) => n)).toEqual(["weight", "bias"]);
    expect(bn.namedBuffers().map(([n]) => n)).toEqual(["running_mean", "running_var", "num_batches_tracked"]);
    const state = bn.stateDict();
    expect(Object.keys(state)).toEqual([
      "weight",
      "bias",
      "running_mean",
      "running_var",
      "num_batches_tracked",
    ]);
    expect(state.num_batches_tracked).toEqual({ shape: [], dtype: "int32", data: [0] });
    bn.forward(filled([2, 3, 2, 2]));
    const other = new nn.BatchNorm2d(3);
    other.loadStateDict(JSON.parse(JSON.stringify(bn.stateDict())));
    expect((other.running_var as Tensor).toArray()).toEqual((bn.running_var as Tensor).toArray());
    expect(other.num_batches_tracked?.item()).toBe(1);
    const net = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
    expect(Object.keys(net.stateDict())).toEqual([
      "0.weight",
      "0.bias",
      "1.weight",
      "1.bias",
      "1.running_mean",
      "1.running_var",
      "1.num_batches_tracked",
    ]);
  });

  it("without affine or running statistics: no parameters, no buffers, batch statistics in eval too", () => {
    const bn = new nn.BatchNorm1d(2, { affine: false, trackRunningStats: false });
    expect(bn.parameters()).toEqual([]);
    expect(bn.buffers()).toEqual([]);
    const x = filled([4, 2]);
    expectAllClose(bn.eval().forward(x), bn.train().forward(x));
  });

  it("passes gradcheck and gradgradcheck in training (through the batch statistics) and in eval", () => {
    const x = filled([3, 2, 2], true);
    const w = tensor([0.7, -1.2], { requiresGrad: true });
    const b = tensor([0.1, 0.3], { requiresGrad: true });
    const c = filled([3, 2, 2]);
    const train = (xx: Tensor, ww: Tensor, bb: Tensor) =>
      nn.batchNorm(xx, null, null, ww, bb, { training: true }).mul(c).sum();
    expect(gradcheck(train, [x, w, b]).ok).toBe(true);
    expect(gradgradcheck(train, [x, w, b]).ok).toBe(true);
    const rm = tensor([0.2, -0.4]);
    const rv = tensor([1.5, 0.7]);
    const evalMode = (xx: Tensor, ww: Tensor) => nn.batchNorm(xx, rm, rv, ww, null).mul(c).sum();
    expect(gradcheck(evalMode, [x, w]).ok).toBe(true);
  });

  it("keeps float32", () => {
    const bn = new nn.BatchNorm2d(2, { dtype: "float32" });
    const y = bn.forward(filled([2, 2, 2, 2]).astype("float32"));
    expect(y.dtype).toBe("float32");
    expect(bn.running_mean?.dtype).toBe("float32");
    y.sum().backward();
    expect(bn.weight?.grad?.dtype).toBe("float32");
  });

  it("refuses bad arguments and inputs, naming the layer and the shapes", () => {
    expect(() => new nn.BatchNorm2d(0)).toThrow(
      "BatchNorm2d: numFeatures must be a positive integer, got number 0",
    );
    expect(() => new nn.BatchNorm1d(2, { momentum: 2 })).toThrow(
      /BatchNorm1d: momentum must be a number in \[0, 1\]/,
    );
    expect(() => new nn.BatchNorm1d(2, { eps: -1 })).toThrow(ChainruleError);
    expect(() => new nn.BatchNorm2d(3).forward(filled([2, 2, 2, 2]))).toThrow(
      "BatchNorm2d: expected input of 4 dimensions with 3 channels on axis 1, got [2,2,2,2]",
    );
    expect(() => new nn.BatchNorm1d(2).forward(filled([1, 2]))).toThrow(
      "BatchNorm1d: expected more than 1 value per channel when training, got input [1,2]",
    );
    // a failed call changes nothing: no batch counted, running statistics untouched
    const bn = new nn.BatchNorm1d(2);
    expect(() => bn.forward(filled([1, 2]))).toThrow(ChainruleError);
    expect(bn.num_batches_tracked?.item()).toBe(0);
    expect((bn.running_mean as Tensor).toArray()).toEqual([0, 0]);
  });
});

describe("nn.GroupNorm", () => {
  it("normalises each group of channels per example", () => {
    const gn = new nn.GroupNorm(2, 4, { eps: 0 });
    const x = filled([2, 4, 3]);
    const y = gn.forward(x).reshape(2, 2, 6);
    const mean = y.mean(2).toArray() as number[][];
    for (const row of mean) for (const v of row) expect(Math.abs(v)).toBeLessThan(1e-12);
    expect(gn.namedParameters().map(([n]) => n)).toEqual(["weight", "bias"]);
  });

  it("passes gradcheck and gradgradcheck", () => {
    const x = filled([2, 4, 2], true);
    const w = filled([4], true);
    const b = filled([4], true);
    const c = filled([2, 4, 2]);
    const f = (xx: Tensor, ww: Tensor, bb: Tensor) => nn.groupNorm(xx, 2, ww, bb).mul(c).sum();
    expect(gradcheck(f, [x, w, b]).ok).toBe(true);
    expect(gradgradcheck(f, [x, w, b]).ok).toBe(true);
  });

  it("refuses channels not divisible by the groups and wrong inputs", () => {
    expect(() => new nn.GroupNorm(3, 4)).toThrow("GroupNorm: numChannels 4 is not divisible by numGroups 3");
    expect(() => new nn.GroupNorm(2, 4).forward(filled([2, 3]))).toThrow(
      "GroupNorm: expected input [N, 4, …] (at least 2 dimensions), got [2,3]",
    );
  });
});
