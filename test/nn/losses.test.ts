/**
 * Losses (SPEC §3): each against its formula written out by hand on small inputs, for every
 * reduction; numerical stability at extreme logits; gradients gradchecked (also with respect to
 * targets where the loss is differentiable in them); errors naming the op and the shapes.
 */
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  gradcheck,
  gradgradcheck,
  losses,
  Rng,
  randn,
  type Tensor,
  tensor,
} from "../../src/index";
import { expectAllClose, expectClose } from "../helpers/close";

type Reduction = "mean" | "sum" | "none";
const reductions: Reduction[] = ["mean", "sum", "none"];

/** Applies a reduction to hand-computed per-element losses. */
function reduce(l: number[], reduction: Reduction): number | number[] {
  const s = l.reduce((a, b) => a + b, 0);
  return reduction === "none" ? l : reduction === "sum" ? s : s / l.length;
}

const lse = (xs: number[]): number => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
};
const sigma = (x: number): number => 1 / (1 + Math.exp(-x));
const normal = (shape: number[], seed: number): Tensor => randn(shape, { generator: new Rng(seed) });
const uniform = (n: number, lo: number, hi: number, seed: number): number[] => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.uniform(lo, hi));
};

/**
 * Nested label arrays for [N, C, d…] inputs. SPEC §2 allows nested `number[]` labels and they
 * work at runtime, but crossEntropy/nll declare `labels: Tensor | readonly number[] |
 * ArrayLike<number>` (src/nn/losses.ts), so TypeScript rejects them without this cast.
 * TODO: drop once the signatures take `IndexLike`.
 */
const nested = (labels: number[][] | number[][][]): number[] => labels as unknown as number[];

function expectGradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const r = gradcheck(f, inputs);
  expect(r.failures).toEqual([]);
  expect(r.ok).toBe(true);
}

describe("mse", () => {
  const pred = [1, 2, 3, -1];
  const target = [1.5, 1, 3, 1];
  // (pred − target)² = [0.25, 1, 0, 4]
  const perElement = pred.map((p, i) => (p - (target[i] as number)) ** 2);

  it.each(reductions)("reduction %s matches (pred − target)²", (reduction) => {
    expect(perElement).toEqual([0.25, 1, 0, 4]);
    const l = losses.mse(tensor(pred), tensor(target), { reduction });
    expectAllClose(l, reduce(perElement, reduction), 1e-15);
    expect(l.shape).toEqual(reduction === "none" ? [4] : []);
    expect(l.op).toBe("mse");
  });

  it("defaults to the mean: 5.25 / 4", () => {
    expect(losses.mse(tensor(pred), tensor(target)).item()).toBe(5.25 / 4);
  });

  it("keeps a 2-D shape with reduction none", () => {
    const l = losses.mse(tensor([[1, 2]]), tensor([[0, 0]]), { reduction: "none" });
    expect(l.shape).toEqual([1, 2]);
    expectAllClose(l, [[1, 4]], 0);
  });

  it("gradient 2(pred − target)/n with respect to pred, its negative for the target", () => {
    const p = tensor(pred, { requiresGrad: true });
    const t = tensor(target, { requiresGrad: true });
    losses.mse(p, t).backward();
    const expected = pred.map((x, i) => (2 * (x - (target[i] as number))) / 4);
    expectAllClose(p.grad, expected, 1e-15);
    expectAllClose(
      t.grad,
      expected.map((g) => -g),
      1e-15,
    );
  });

  it.each(reductions)("gradchecks in pred and target (%s)", (reduction) => {
    expectGradcheck((p, t) => losses.mse(p, t, { reduction }), [normal([2, 3], 1), normal([2, 3], 2)]);
  });
});

describe("l1, huber and smoothL1 (losses of d = pred − target)", () => {
  const pred = [1, 2, 3, -1, 0.25, 4];
  const target = [1.5, 1, 3, 1, 0, -2];
  const d = pred.map((p, i) => p - (target[i] as number)); // [−0.5, 1, 0, −2, 0.25, 6]
  const huberOf = (delta: number) =>
    d.map((x) => (Math.abs(x) < delta ? (x * x) / 2 : delta * (Math.abs(x) - delta / 2)));
  const smoothOf = (beta: number) =>
    d.map((x) => (Math.abs(x) < beta ? (x * x) / (2 * beta) : Math.abs(x) - beta / 2));
  const cases: [string, (p: Tensor, t: Tensor, r: Reduction) => Tensor, number[]][] = [
    ["l1", (p, t, reduction) => losses.l1(p, t, { reduction }), d.map(Math.abs)],
    ["huber", (p, t, reduction) => losses.huber(p, t, { reduction }), huberOf(1)],
    ["huber δ = 2", (p, t, reduction) => losses.huber(p, t, { reduction, delta: 2 }), huberOf(2)],
    ["smoothL1", (p, t, reduction) => losses.smoothL1(p, t, { reduction }), smoothOf(1)],
    ["smoothL1 β = 0.5", (p, t, reduction) => losses.smoothL1(p, t, { reduction, beta: 0.5 }), smoothOf(0.5)],
    [
      "smoothL1 β = 0 (L1)",
      (p, t, reduction) => losses.smoothL1(p, t, { reduction, beta: 0 }),
      d.map(Math.abs),
    ],
  ];

  it("per element, by hand: |d|, Huber's and smooth L1's two pieces", () => {
    expect(d).toEqual([-0.5, 1, 0, -2, 0.25, 6]);
    expect(cases[0]?.[2]).toEqual([0.5, 1, 0, 2, 0.25, 6]);
    expect(cases[1]?.[2]).toEqual([0.125, 0.5, 0, 1.5, 0.03125, 5.5]);
    expect(cases[4]?.[2]).toEqual([0.25, 0.75, 0, 1.75, 0.0625, 5.75]);
  });

  it.each(cases)("%s matches its formula under every reduction", (_name, loss, perElement) => {
    for (const reduction of reductions) {
      expectAllClose(loss(tensor(pred), tensor(target), reduction), reduce(perElement, reduction), 1e-15);
    }
  });

  it("gradients: sign(d), clamp(d, −δ, δ) and clamp(d/β, −1, 1), over n, negated for the target", () => {
    const expected: [(p: Tensor, t: Tensor) => Tensor, number[]][] = [
      [(p, t) => losses.l1(p, t), d.map(Math.sign)],
      [(p, t) => losses.huber(p, t, { delta: 2 }), d.map((x) => Math.min(2, Math.max(-2, x)))],
      [(p, t) => losses.smoothL1(p, t, { beta: 0.5 }), d.map((x) => Math.min(1, Math.max(-1, x / 0.5)))],
    ];
    for (const [loss, slope] of expected) {
      const p = tensor(pred, { requiresGrad: true });
      const t = tensor(target, { requiresGrad: true });
      loss(p, t).backward();
      expectAllClose(
        p.grad,
        slope.map((x) => x / 6),
        1e-15,
      );
      expectAllClose(
        t.grad,
        slope.map((x) => -x / 6),
        1e-15,
      );
    }
  });

  it.each(cases)("%s gradchecks away from the kinks, in pred and target", (_name, loss) => {
    const p = tensor([0.3, -1.7, 2.4, 0.1]);
    const t = tensor([-0.2, 0.4, -0.4, 1.6]);
    for (const reduction of reductions) expectGradcheck((a, b) => loss(a, b, reduction), [p, t]);
  });

  it("refuse a bad threshold", () => {
    const [a, b] = [tensor([1]), tensor([2])];
    for (const delta of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "1" as unknown as number]) {
      expect(() => losses.huber(a, b, { delta })).toThrow(/^huber: delta must be a finite number > 0/);
    }
    for (const beta of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => losses.smoothL1(a, b, { beta })).toThrow(/^smoothL1: beta must be a finite number ≥ 0/);
    }
    expect(() => losses.l1(a, tensor([1, 2]))).toThrow(
      "l1: pred [1] and target [2] must have the same shape",
    );
  });
});

describe("klDiv", () => {
  const logInput = [Math.log(0.2), Math.log(0.5), Math.log(0.3), -1];
  const target = [0.1, 0.6, 0.3, 0];

  it.each(reductions)(
    "matches t(ln t − x), 0 where t = 0, and eᵗ(t − x) with logTarget (%s)",
    (reduction) => {
      const perElement = target.map((t, i) => (t === 0 ? 0 : t * (Math.log(t) - (logInput[i] as number))));
      expectAllClose(
        losses.klDiv(tensor(logInput), tensor(target), { reduction }),
        reduce(perElement, reduction),
        1e-15,
      );
      const logT = [-2, -0.5, -1.2, -3];
      const viaLog = logT.map((t, i) => Math.exp(t) * (t - (logInput[i] as number)));
      expectAllClose(
        losses.klDiv(tensor(logInput), tensor(logT), { reduction, logTarget: true }),
        reduce(viaLog, reduction),
        1e-15,
      );
    },
  );

  it("of two distributions, summed, is KL(target ‖ input) ≥ 0, and 0 between equal ones", () => {
    const p = [0.1, 0.6, 0.3];
    const q = [0.2, 0.5, 0.3];
    const kl = p.reduce((acc, pi, i) => acc + pi * Math.log(pi / (q[i] as number)), 0);
    const l = losses.klDiv(tensor(q.map(Math.log)), tensor(p), { reduction: "sum" }).item();
    expectClose(l, kl, 1e-15);
    expect(l).toBeGreaterThan(0);
    expectClose(losses.klDiv(tensor(p.map(Math.log)), tensor(p), { reduction: "sum" }).item(), 0, 1e-16);
  });

  it("gradchecks in input and target, both forms, every reduction", () => {
    for (const reduction of reductions) {
      expectGradcheck(
        (x, t) => losses.klDiv(x, t, { reduction }),
        [tensor(logInput.slice(0, 3)), tensor(target.slice(0, 3))],
      );
      expectGradcheck(
        (x, t) => losses.klDiv(x, t, { reduction, logTarget: true }),
        [tensor(logInput), tensor([-2, -0.5, -1.2, -3])],
      );
    }
  });

  it("sends no gradient to a zero target", () => {
    const t = tensor(target, { requiresGrad: true });
    losses.klDiv(tensor(logInput), t, { reduction: "sum" }).backward();
    expect(t.grad?.data[3]).toBe(0);
  });
});

describe("cosineSimilarity", () => {
  it("is a·b/(‖a‖‖b‖) along the last axis by default, or the one given", () => {
    const a = [
      [1, 2, 3],
      [-1, 0.5, 2],
    ];
    const b = [
      [2, 0, 1],
      [3, 1, -1],
    ];
    const cos = (x: number[], y: number[]) =>
      x.reduce((s, xi, i) => s + xi * (y[i] as number), 0) / (Math.hypot(...x) * Math.hypot(...y));
    expectAllClose(
      losses.cosineSimilarity(tensor(a), tensor(b)),
      a.map((row, i) => cos(row, b[i] as number[])),
      1e-15,
    );
    const columns = (m: number[][], j: number) => m.map((row) => row[j] as number);
    expectAllClose(
      losses.cosineSimilarity(tensor(a), tensor(b), 0),
      [0, 1, 2].map((j) => cos(columns(a, j), columns(b, j))),
      1e-15,
    );
  });

  it("is 0 for a zero vector, with PyTorch's finite gradient b/(ε‖b‖) (the norm is clamped at ε)", () => {
    const a = tensor([0, 0, 0], { requiresGrad: true });
    const c = losses.cosineSimilarity(a, tensor([1, 2, 3]));
    expect(c.item()).toBe(0);
    c.backward();
    expectAllClose(
      a.grad,
      [1, 2, 3].map((bi) => bi / (1e-8 * Math.sqrt(14))),
      1e-15,
    );
  });

  it("gradchecks and gradgradchecks in both inputs", () => {
    const inputs = [normal([2, 3], 5), normal([2, 3], 6)];
    expectGradcheck((x, y) => losses.cosineSimilarity(x, y), inputs);
    expect(gradgradcheck((x, y) => losses.cosineSimilarity(x, y), inputs).ok).toBe(true);
  });

  it("refuses a bad eps", () => {
    expect(() => losses.cosineSimilarity(tensor([1]), tensor([1]), -1, 0)).toThrow(
      "cosineSimilarity: eps must be a number > 0, got number 0",
    );
  });
});

describe("cosineEmbedding", () => {
  const x1 = [
    [1, 2, 0.5],
    [-1, 0.3, 2],
    [0.2, 0.2, -1],
  ];
  const x2 = [
    [0.5, 1, 1],
    [2, -1, 1],
    [0.1, 0.4, -0.5],
  ];
  const y = [1, -1, -1];
  const cos = (a: number[], b: number[]) => {
    const dot = a.reduce((s, ai, i) => s + ai * (b[i] as number), 0);
    const sq = (v: number[]) => v.reduce((s, vi) => s + vi * vi, 0) + 1e-12;
    return dot / Math.sqrt(sq(a) * sq(b));
  };

  it.each(reductions)("is 1 − cos for y = 1 and max(0, cos − margin) for y = −1 (%s)", (reduction) => {
    const perElement = x1.map((row, i) => {
      const c = cos(row, x2[i] as number[]);
      return y[i] === 1 ? 1 - c : Math.max(0, c - 0.2);
    });
    expect(perElement[1]).toBe(0); // a dissimilar pair already below the margin costs nothing
    const l = losses.cosineEmbedding(tensor(x1), tensor(x2), tensor(y), { reduction, margin: 0.2 });
    expectAllClose(l, reduce(perElement, reduction), 1e-15);
  });

  it("takes one pair as 1-D rows with a 0-d label", () => {
    expectClose(
      losses.cosineEmbedding(tensor([1, 2, 0.5]), tensor([0.5, 1, 1]), tensor(1)).item(),
      1 - cos([1, 2, 0.5], [0.5, 1, 1]),
      1e-15,
    );
  });

  it("gradchecks in both inputs", () => {
    expectGradcheck(
      (a, b) => losses.cosineEmbedding(a, b, tensor(y), { margin: -0.5 }),
      [normal([3, 4], 7), normal([3, 4], 8)],
    );
  });

  it("refuses labels other than ±1, labels of the wrong shape, and a bad margin", () => {
    const [a, b] = [tensor(x1), tensor(x2)];
    expect(() => losses.cosineEmbedding(a, b, tensor([1, 0, -1]))).toThrow(
      "cosineEmbedding: labels must be 1 or -1, got 0",
    );
    expect(() => losses.cosineEmbedding(a, b, tensor([1, -1]))).toThrow(
      "cosineEmbedding: inputs [3,3] need 1 or 2 dimensions and labels of shape [3], got labels [2]",
    );
    expect(() => losses.cosineEmbedding(a, b, tensor(y), { margin: Number.NaN })).toThrow(
      "cosineEmbedding: margin must be a finite number, got number NaN",
    );
  });
});

describe("bce", () => {
  const prob = [0.2, 0.9, 0.5, 0.7];
  const target = [0, 1, 1, 0.3];
  const perElement = prob.map((p, i) => {
    const t = target[i] as number;
    return -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
  });

  it.each(reductions)("reduction %s matches −(t ln p + (1 − t) ln(1 − p))", (reduction) => {
    expectAllClose(
      losses.bce(tensor(prob), tensor(target), { reduction }),
      reduce(perElement, reduction),
      1e-15,
    );
  });

  it("first elements: −ln 0.8 and −ln 0.9", () => {
    const l = losses.bce(tensor(prob), tensor(target), { reduction: "none" });
    expectClose(l.data[0] as number, -Math.log(0.8), 1e-15);
    expectClose(l.data[1] as number, -Math.log(0.9), 1e-15);
  });

  it("clamps each log at −100 as PyTorch does: p = 0 or 1 with the wrong target costs exactly 100", () => {
    const l = losses.bce(tensor([0, 1, 0, 1]), tensor([1, 0, 0, 1]), { reduction: "none" });
    expectAllClose(l, [100, 100, 0, 0], 0);
    // a soft target at p = 0: −(0.25·(−100) + 0.75·ln 1) = 25
    expectClose(losses.bce(tensor([0]), tensor([0.25])).item(), 25, 1e-15);
  });

  it("gives finite gradients at p = 0 and p = 1 ((p − t)/max(p(1 − p), 1e-12))", () => {
    const p = tensor([0, 1, 0.5], { requiresGrad: true });
    const t = tensor([1, 0, 1], { requiresGrad: true });
    losses.bce(p, t, { reduction: "sum" }).backward();
    expectAllClose(p.grad, [-1e12, 1e12, -0.5 / 0.25], 1e-12);
    expect(Array.from((t.grad as Tensor).data).every(Number.isFinite)).toBe(true);
    // ∂/∂t = −(ln p − ln(1 − p)), clamped logs: at p = 0 it is −(−100 − 0) = 100
    expectAllClose(t.grad, [100, -100, 0], 1e-12);
  });

  it.each(reductions)("gradchecks in prob and target (%s)", (reduction) => {
    expectGradcheck(
      (a, b) => losses.bce(a, b, { reduction }),
      [tensor(uniform(6, 0.1, 0.9, 3)).reshape(2, 3), tensor(uniform(6, 0, 1, 4)).reshape(2, 3)],
    );
  });
});

describe("bceWithLogits", () => {
  const logits = [0, 2, -3, 0.5];
  const target = [1, 0, 0.5, 1];
  const perElement = logits.map((x, i) => {
    const t = target[i] as number;
    return -(t * Math.log(sigma(x)) + (1 - t) * Math.log(1 - sigma(x)));
  });

  it.each(reductions)("reduction %s equals bce(σ(x), t)", (reduction) => {
    expectAllClose(
      losses.bceWithLogits(tensor(logits), tensor(target), { reduction }),
      reduce(perElement, reduction),
      1e-14,
    );
    expectClose(perElement[0] as number, Math.LN2, 1e-15);
  });

  it("stays finite and exact at logits ±1e3 and ±1e4", () => {
    const x = tensor([1e3, -1e3, 1e4, -1e4, 1e4], { requiresGrad: true });
    const t = tensor([1, 1, 0, 0.5, 1]);
    // max(x, 0) − x·t + ln(1 + e^(−|x|)) = [0, 1e3, 1e4, 5e3, 0]
    const l = losses.bceWithLogits(x, t, { reduction: "none" });
    expectAllClose(l, [0, 1e3, 1e4, 5e3, 0], 1e-15);
    losses.bceWithLogits(x, t, { reduction: "sum" }).backward();
    // σ(x) − t
    expectAllClose(x.grad, [0, -1, 1, -0.5, 0], 1e-15);
  });

  it("gradient (σ(x) − t)/n in x and −x/n in t", () => {
    const x = tensor(logits, { requiresGrad: true });
    const t = tensor(target, { requiresGrad: true });
    losses.bceWithLogits(x, t).backward();
    expectAllClose(
      x.grad,
      logits.map((v, i) => (sigma(v) - (target[i] as number)) / 4),
      1e-15,
    );
    expectAllClose(
      t.grad,
      logits.map((v) => -v / 4),
      1e-15,
    );
  });

  it.each(reductions)("gradchecks in logits and target (%s)", (reduction) => {
    expectGradcheck(
      (a, b) => losses.bceWithLogits(a, b, { reduction }),
      [normal([3, 2], 5).mul(3), tensor(uniform(6, 0, 1, 6)).reshape(3, 2)],
    );
  });
});

describe("hinge", () => {
  const scores = [0.5, -2, 1, 0.3, 3];
  const labels = [1, 1, 1, -1, -1];
  // max(0, 1 − y·s) = [0.5, 3, 0, 1.3, 4]
  const perElement = scores.map((s, i) => Math.max(0, 1 - (labels[i] as number) * s));

  it.each(reductions)("reduction %s matches max(0, 1 − y·s)", (reduction) => {
    expectAllClose(perElement, [0.5, 3, 0, 1.3, 4], 1e-15);
    expectAllClose(
      losses.hinge(tensor(scores), tensor(labels), { reduction }),
      reduce(perElement, reduction),
      1e-15,
    );
  });

  it("gradient −y/n where the margin is violated, 0 at and beyond the margin", () => {
    const s = tensor(scores, { requiresGrad: true });
    losses.hinge(s, tensor(labels)).backward();
    expectAllClose(s.grad, [-1 / 5, -1 / 5, 0, 1 / 5, 1 / 5], 1e-15);
  });

  it.each(reductions)("gradchecks away from the kink in scores and labels (%s)", (reduction) => {
    expectGradcheck(
      (s, y) => losses.hinge(s, y, { reduction }),
      [tensor([0.2, -1.5, 2.5, 0.7]), tensor([1, -1, 1, -1])],
    );
  });
});

describe("crossEntropy with class indices", () => {
  const logits = [
    [1, 2, 3],
    [1, 0, -1],
    [0.5, 0.5, -2],
  ];
  const labels = [2, 1, 0];
  const perRow = logits.map((row, n) => lse(row) - (row[labels[n] as number] as number));

  it("of four equal logits is ln 4", () => {
    expectClose(losses.crossEntropy(tensor([[0, 0, 0, 0]]), [2]).item(), Math.log(4), 1e-15);
  });

  it.each(reductions)("reduction %s matches logSumExp(xₙ) − xₙ,yₙ", (reduction) => {
    const l = losses.crossEntropy(tensor(logits), labels, { reduction });
    expectAllClose(l, reduce(perRow, reduction), 1e-15);
    expect(l.shape).toEqual(reduction === "none" ? [3] : []);
    expect(l.op).toBe("crossEntropy");
  });

  it("accepts labels as a typed array or a float tensor of integers, and a 1-D input [C] with one label", () => {
    const expected = reduce(perRow, "mean");
    expectAllClose(losses.crossEntropy(tensor(logits), Int32Array.from(labels)), expected, 1e-15);
    expectAllClose(losses.crossEntropy(tensor(logits), tensor(labels)), expected, 1e-15);
    expectAllClose(losses.crossEntropy(tensor([1, 2, 3]), [2]), perRow[0] as number, 1e-15);
    expectAllClose(losses.crossEntropy(tensor([1, 2, 3]), 2 as never), perRow[0] as number, 1e-15);
  });

  it("gradient (softmax(x) − onehot(y))/N", () => {
    const x = tensor(logits, { requiresGrad: true });
    losses.crossEntropy(x, labels).backward();
    const expected = logits.map((row, n) => {
      const z = lse(row);
      return row.map((v, c) => (Math.exp(v - z) - (c === labels[n] ? 1 : 0)) / 3);
    });
    expectAllClose(x.grad, expected, 1e-15);
  });

  it("is finite and exact at logits ±1e3 and ±1e4, with exact gradients", () => {
    const x = tensor(
      [
        [1e4, 0, -1e4],
        [-1e3, 1e3, 0],
        [-1e4, -1e4, -1e4],
        [1e3, 1e3, -1e3],
      ],
      { requiresGrad: true },
    );
    const l = losses.crossEntropy(x, [1, 1, 2, 0], { reduction: "none" });
    // [1e4 − 0, 0, ln 3, ln 2]
    expectAllClose(l, [1e4, 0, Math.log(3), Math.LN2], 1e-15);
    losses.crossEntropy(x, [1, 1, 2, 0], { reduction: "sum" }).backward();
    expectAllClose(
      x.grad,
      [
        [1, -1, 0],
        [0, 0, 0],
        [1 / 3, 1 / 3, -2 / 3],
        [-0.5, 0.5, 0],
      ],
      1e-15,
    );
  });

  it("takes [N, C, d…] inputs with labels [N, d…] (class axis 1)", () => {
    // x[n][c][k], N = 2, C = 3, d = 2
    const x = [
      [
        [1, -1],
        [2, 0],
        [0.5, 3],
      ],
      [
        [0, 0],
        [-1, 4],
        [2, 1],
      ],
    ];
    const y = [
      [0, 2],
      [1, 1],
    ];
    const perPosition = x.map((plane, n) =>
      [0, 1].map((k) => {
        const column = plane.map((row) => row[k] as number);
        return lse(column) - (column[(y[n] as number[])[k] as number] as number);
      }),
    );
    const none = losses.crossEntropy(tensor(x), nested(y), { reduction: "none" });
    expect(none.shape).toEqual([2, 2]);
    expectAllClose(none, perPosition, 1e-15);
    expectAllClose(losses.crossEntropy(tensor(x), nested(y)), reduce(perPosition.flat(), "mean"), 1e-15);
    expectAllClose(
      losses.crossEntropy(tensor(x), nested(y), { reduction: "sum" }),
      reduce(perPosition.flat(), "sum"),
      1e-15,
    );
  });

  it.each(reductions)("gradchecks for [N, C] and [N, C, d, e] inputs (%s)", (reduction) => {
    expectGradcheck((x) => losses.crossEntropy(x, [0, 3, 1], { reduction }), [normal([3, 4], 7)]);
    expectGradcheck(
      (x) =>
        losses.crossEntropy(
          x,
          nested([
            [
              [0, 2],
              [1, 1],
            ],
            [
              [2, 0],
              [1, 0],
            ],
          ]),
          { reduction },
        ),
      [normal([2, 3, 2, 2], 8)],
    );
  });
});

describe("crossEntropy with class probabilities", () => {
  const logits = [
    [1, 2, 3],
    [1, 0, -1],
  ];
  const probs = [
    [0.2, 0.3, 0.5],
    [0, 1, 0],
  ];
  const perRow = logits.map((row, n) => {
    const z = lse(row);
    return -(probs[n] as number[]).reduce((a, p, c) => a + p * ((row[c] as number) - z), 0);
  });

  it.each(reductions)("reduction %s equals −Σ p·log softmax(x)", (reduction) => {
    expectAllClose(
      losses.crossEntropy(tensor(logits), tensor(probs), { reduction }),
      reduce(perRow, reduction),
      1e-15,
    );
  });

  it("with one-hot probabilities equals the index form", () => {
    const onehot = tensor([
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expectAllClose(
      losses.crossEntropy(tensor(logits), onehot),
      losses.crossEntropy(tensor(logits), [2, 1]),
      1e-15,
    );
  });

  it("is finite at extreme logits", () => {
    const x = tensor([[1e4, -1e4, 0]], { requiresGrad: true });
    const l = losses.crossEntropy(x, tensor([[0.5, 0.5, 0]]));
    // −(0.5·0 + 0.5·(−2e4)) = 1e4
    expectClose(l.item(), 1e4, 1e-15);
    l.backward();
    expectAllClose(x.grad, [[0.5, -0.5, 0]], 1e-15);
  });

  it("takes [N, C, d] inputs with probabilities of the same shape", () => {
    const x = normal([2, 3, 2], 9);
    const p = normal([2, 3, 2], 10).softmax(1);
    const xs = x.toArray() as number[][][];
    const ps = p.toArray() as number[][][];
    const expected = xs.map((plane, n) =>
      [0, 1].map((k) => {
        const column = plane.map((row) => row[k] as number);
        const z = lse(column);
        return -column.reduce((a, v, c) => a + ((ps[n] as number[][])[c] as number[])[k]! * (v - z), 0);
      }),
    );
    expectAllClose(losses.crossEntropy(x, p, { reduction: "none" }), expected, 1e-14);
  });

  it.each(reductions)("gradchecks in the logits and the probabilities (%s)", (reduction) => {
    expectGradcheck(
      (x, p) => losses.crossEntropy(x, p, { reduction }),
      [normal([3, 4], 11), normal([3, 4], 12).softmax(1)],
    );
    expectGradcheck(
      (x, p) => losses.crossEntropy(x, p, { reduction }),
      [normal([2, 3, 2], 13), normal([2, 3, 2], 14).softmax(1)],
    );
  });
});

describe("nll", () => {
  const logProbs = [
    [-1, -2, -0.5],
    [-0.1, -3, -4],
  ];
  const labels = [2, 0];
  // −logp[n, yₙ] = [0.5, 0.1]
  it.each(reductions)("reduction %s picks −logp[n, yₙ]", (reduction) => {
    expectAllClose(losses.nll(tensor(logProbs), labels, { reduction }), reduce([0.5, 0.1], reduction), 1e-15);
  });

  it("composed with logSoftmax equals crossEntropy, for [N, C] and [N, C, d]", () => {
    const x = normal([4, 5], 15);
    const y = [4, 0, 2, 2];
    expectAllClose(losses.nll(x.logSoftmax(1), y), losses.crossEntropy(x, y), 1e-14);
    const x3 = normal([2, 5, 3], 16);
    const y3 = [
      [0, 4, 1],
      [3, 3, 2],
    ];
    expectAllClose(
      losses.nll(x3.logSoftmax(1), nested(y3), { reduction: "none" }),
      losses.crossEntropy(x3, nested(y3), { reduction: "none" }),
      1e-14,
    );
  });

  it("gradient −onehot(y)/N", () => {
    const x = tensor(logProbs, { requiresGrad: true });
    losses.nll(x, labels).backward();
    expectAllClose(
      x.grad,
      [
        [0, 0, -0.5],
        [-0.5, 0, 0],
      ],
      0,
    );
  });

  it.each(reductions)("gradchecks, also with a [N, C, d] input (%s)", (reduction) => {
    expectGradcheck((x) => losses.nll(x, [1, 0], { reduction }), [normal([2, 3], 17)]);
    expectGradcheck(
      (x) =>
        losses.nll(
          x,
          nested([
            [1, 0],
            [2, 2],
          ]),
          { reduction },
        ),
      [normal([2, 3, 2], 18)],
    );
  });
});

describe("errors name the op and the shapes", () => {
  it.each([
    ["mse", () => losses.mse(tensor([[1, 2, 3]]), tensor([1, 2])), /mse: .*\[1,3\].*\[2\]/],
    ["bce", () => losses.bce(tensor([0.5, 0.5]), tensor([[1], [0]])), /bce: .*\[2\].*\[2,1\]/],
    [
      "bceWithLogits",
      () => losses.bceWithLogits(tensor([1, 2, 3]), tensor([1])),
      /bceWithLogits: .*\[3\].*\[1\]/,
    ],
    ["hinge", () => losses.hinge(tensor([1, 2]), tensor([1, -1, 1])), /hinge: .*\[2\].*\[3\]/],
    [
      "crossEntropy, too few labels",
      () => losses.crossEntropy(tensor([[1, 2, 3]]), [0, 1]),
      /crossEntropy: .*\[2\].*\[1\].*\[1,3\]/,
    ],
    [
      "crossEntropy, labels shaped like neither",
      () => losses.crossEntropy(tensor([[1, 2, 3]]), tensor([[1, 0]])),
      /crossEntropy: .*\[1,2\].*\[1,3\]/,
    ],
    ["nll, wrong label count", () => losses.nll(tensor([[-1, -2]]), [0, 1, 1]), /nll: .*\[3\].*\[1,2\]/],
  ] as const)("%s", (_, f, message) => {
    expect(f).toThrow(ChainruleError);
    expect(f).toThrow(message);
  });

  it("labels out of range, negative, or not integers", () => {
    const x = tensor([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    for (const bad of [
      [0, 3],
      [-1, 0],
      [0.5, 1],
    ]) {
      expect(() => losses.crossEntropy(x, bad)).toThrow(ChainruleError);
      expect(() => losses.crossEntropy(x, bad)).toThrow(/crossEntropy/);
      expect(() => losses.nll(x, bad)).toThrow(/nll/);
    }
  });

  it("a 0-d input has no class axis", () => {
    expect(() => losses.crossEntropy(tensor(1), [0])).toThrow(/crossEntropy: .*\[\]/);
  });

  it("an unknown reduction", () => {
    expect(() => losses.mse(tensor([1]), tensor([1]), { reduction: "avg" as never })).toThrow(
      /mse: reduction must be/,
    );
    expect(() => losses.crossEntropy(tensor([[1, 2]]), [0], { reduction: "max" as never })).toThrow(
      ChainruleError,
    );
  });

  it("options that are not an object", () => {
    for (const bad of [null, "sum", 3]) {
      expect(() => losses.mse(tensor([1]), tensor([1]), bad as never)).toThrow(
        /^mse: options must be an object, got /,
      );
      expect(() => losses.nll(tensor([[1, 2]]), [0], bad as never)).toThrow(
        /^nll: options must be an object/,
      );
    }
  });

  it("mixed dtypes promote (SPEC §8): float32 with float64 computes in float64, int32 targets in float", () => {
    const p = tensor([1, 2.5], { dtype: "float32", requiresGrad: true });
    const loss = losses.mse(p, tensor([1, 2]));
    expect(loss.dtype).toBe("float64");
    loss.backward();
    expect(p.grad?.dtype).toBe("float32");
    expect(p.grad?.toArray()).toEqual([0, 0.5]);
    expect(losses.mse(p, tensor([1, 2], { dtype: "int32" })).dtype).toBe("float32");
    expect(losses.crossEntropy(tensor([[1, 2]]), tensor([[0.5, 0.5]], { dtype: "float32" })).dtype).toBe(
      "float64",
    );
  });

  it("non-tensor inputs", () => {
    expect(() => losses.mse([1, 2] as never, tensor([1, 2]))).toThrow(ChainruleError);
    expect(() => losses.crossEntropy([[1, 2]] as never, [0])).toThrow(ChainruleError);
  });
});

describe("float32 inputs", () => {
  it("losses keep the input's dtype and agree with float64 to float32 precision", () => {
    const x = normal([3, 4], 19);
    const l64 = losses.crossEntropy(x, [1, 2, 3]);
    const l32 = losses.crossEntropy(x.astype("float32"), [1, 2, 3]);
    expect(l32.dtype).toBe("float32");
    expectClose(l32.item(), l64.item(), 1e-6);
  });
});

describe("second derivatives (backwards written with differentiable ops)", () => {
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ["mse", (a, b) => losses.mse(a as Tensor, b as Tensor), [normal([2, 3], 20), normal([2, 3], 21)]],
    [
      "bce",
      (a, b) => losses.bce(a as Tensor, b as Tensor),
      [tensor([0.2, 0.7, 0.4]), tensor([0.1, 0.9, 0.5])],
    ],
    [
      "bceWithLogits",
      (a, b) => losses.bceWithLogits(a as Tensor, b as Tensor, { reduction: "sum" }),
      [normal([3], 22), tensor([0.1, 0.9, 0.5])],
    ],
    [
      "hinge",
      (a, b) => losses.hinge(a as Tensor, b as Tensor),
      [tensor([0.2, -1.5, 2.5]), tensor([1, -1, 1])],
    ],
    ["crossEntropy (indices)", (a) => losses.crossEntropy(a as Tensor, [0, 2]), [normal([2, 3], 23)]],
    [
      "crossEntropy (probabilities, none)",
      (a, p) => losses.crossEntropy(a as Tensor, p as Tensor, { reduction: "none" }),
      [normal([2, 3], 24), normal([2, 3], 25).softmax(1)],
    ],
    ["nll", (a) => losses.nll(a as Tensor, [0, 2]), [normal([2, 3], 26)]],
  ];
  it.each(cases)("%s gradgradchecks", (_, f, inputs) => {
    const r = gradgradcheck(f, inputs);
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
