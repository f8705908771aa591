/**
 * `splitIndices` and `trainTestSplit`: seeded train/test splits, stratified by default with
 * largest-remainder quotas so the test set has exactly the requested size.
 */
import { describe, expect, it } from "vitest";
import { ChainruleError, data, manualSeed, Rng, type Tensor, tensor } from "../../src/index";

const { splitIndices, trainTestSplit } = data;

/** Labels with `counts[c]` examples of class c, interleaved (0, 1, 2, 0, 1, 2, …). */
function labelsWith(counts: number[]): number[] {
  const left = [...counts];
  const out: number[] = [];
  while (left.some((c) => c > 0)) {
    left.forEach((c, k) => {
      if (c > 0) {
        out.push(k);
        left[k] = c - 1;
      }
    });
  }
  return out;
}

const countBy = (idx: number[], labels: number[]): number[] => {
  const out: number[] = [];
  for (const i of idx) out[labels[i] as number] = (out[labels[i] as number] ?? 0) + 1;
  return Array.from(out, (c) => c ?? 0);
};

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe("splitIndices", () => {
  it("is disjoint and complete: train ∪ test = 0…n−1, each index once", () => {
    const labels = labelsWith([50, 30, 20]);
    const { train, test } = splitIndices(labels, { testSize: 0.25, generator: new Rng(1) });
    expect(sorted([...train, ...test])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(new Set(train).size).toBe(train.length);
    expect(train.filter((i) => test.includes(i))).toEqual([]);
  });

  it("stratifies with largest remainders: 50/30/20 at 0.25 → quotas 12.5/7.5/5 → 13/7/5 (ties to the lower class)", () => {
    const labels = labelsWith([50, 30, 20]);
    const { train, test } = splitIndices(labels, { testSize: 0.25, generator: new Rng(2) });
    expect(test).toHaveLength(25);
    expect(countBy(test, labels)).toEqual([13, 7, 5]);
    expect(countBy(train, labels)).toEqual([37, 23, 15]);
  });

  it("5/3/2 at 0.3 → quotas 1.5/0.9/0.6 → floors 1/0/0, the two largest remainders (0.9, 0.6) get one more", () => {
    const labels = labelsWith([5, 3, 2]);
    const { test } = splitIndices(labels, { testSize: 0.3, generator: new Rng(3) });
    expect(countBy(test, labels)).toEqual([1, 1, 1]);
  });

  it("exact proportions when they divide: 40/40/40 at 0.25 → 10 each", () => {
    const labels = labelsWith([40, 40, 40]);
    const { train, test } = splitIndices(labels, { testSize: 0.25, generator: new Rng(4) });
    expect(countBy(test, labels)).toEqual([10, 10, 10]);
    expect(countBy(train, labels)).toEqual([30, 30, 30]);
  });

  it("takes a count as testSize", () => {
    const labels = labelsWith([6, 4]);
    const { train, test } = splitIndices(labels, { testSize: 5, generator: new Rng(5) });
    expect(test).toHaveLength(5);
    expect(train).toHaveLength(5);
    expect(countBy(test, labels)).toEqual([3, 2]);
  });

  it("handles labels that are not 0…C−1 (e.g. −1/+1)", () => {
    const labels = [-1, 1, 1, -1, 1, 1, 1, 1];
    const { test } = splitIndices(labels, { testSize: 0.5, generator: new Rng(6) });
    expect(test.filter((i) => labels[i] === -1)).toHaveLength(1);
    expect(test.filter((i) => labels[i] === 1)).toHaveLength(3);
  });

  it("is reproducible with a seed and differs between seeds", () => {
    const labels = labelsWith([20, 20]);
    const a = splitIndices(labels, { testSize: 0.3, generator: new Rng(7) });
    const b = splitIndices(labels, { testSize: 0.3, generator: new Rng(7) });
    const c = splitIndices(labels, { testSize: 0.3, generator: new Rng(8) });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    manualSeed(9);
    const d = splitIndices(labels, { testSize: 0.3 });
    manualSeed(9);
    expect(splitIndices(labels, { testSize: 0.3 })).toEqual(d);
  });

  it("mixes classes within each part (not grouped by class)", () => {
    const labels = labelsWith([30, 30]);
    const { train } = splitIndices(labels, { testSize: 0.2, generator: new Rng(10) });
    const firstHalf = train.slice(0, 24).map((i) => labels[i]);
    expect(new Set(firstHalf)).toEqual(new Set([0, 1]));
  });

  it("without stratify just cuts a permutation", () => {
    const labels = labelsWith([90, 10]);
    const { train, test } = splitIndices(labels, { testSize: 0.2, stratify: false, generator: new Rng(11) });
    expect(test).toHaveLength(20);
    expect([...test, ...train]).toEqual(new Rng(11).permutation(100));
  });

  it("accepts a typed array of labels", () => {
    const { test } = splitIndices(Float64Array.from(labelsWith([4, 4])), {
      testSize: 0.5,
      generator: new Rng(12),
    });
    expect(test).toHaveLength(4);
  });

  it("rejects a test size of 0, n or more, or a non-integer count (1 is a count: one example)", () => {
    const labels = labelsWith([5, 5]);
    expect(splitIndices(labels, { testSize: 1, generator: new Rng(14) }).test).toHaveLength(1);
    for (const testSize of [0, 10, 11, -0.2, 2.5, Number.NaN]) {
      expect(() => splitIndices(labels, { testSize })).toThrow(ChainruleError);
    }
    expect(() => splitIndices(labels, { testSize: 10 })).toThrow(
      /testSize must be a fraction in \(0, 1\) or an integer in \[1, 9\]/,
    );
  });
});

describe("trainTestSplit", () => {
  it("splits x and y by the same rows, stratified and seeded", () => {
    const labels = labelsWith([12, 8]);
    // row i of x is [i, label]: each row stays with its label
    const x = tensor(labels.map((c, i) => [i, c]));
    const y = tensor(labels);
    const { train, test } = trainTestSplit({ x, y }, { testSize: 0.25, generator: new Rng(13) });
    expect(train.x.shape).toEqual([15, 2]);
    expect(test.x.shape).toEqual([5, 2]);
    expect(test.y.shape).toEqual([5]);
    for (const part of [train, test]) {
      const rows = part.x.toArray() as number[][];
      expect(rows.map((r) => r[1])).toEqual(Array.from(part.y.data));
    }
    const ids = [...(train.x.toArray() as number[][]), ...(test.x.toArray() as number[][])].map(
      (r) => r[0] as number,
    );
    expect(sorted(ids)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Array.from(test.y.data).filter((c) => c === 0)).toHaveLength(3);
    const again = trainTestSplit({ x, y }, { testSize: 0.25, generator: new Rng(13) });
    expect(again.test.x.toArray()).toEqual(test.x.toArray());
  });

  it("returns tensors outside any graph", () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ],
      { requiresGrad: true },
    );
    const { train } = trainTestSplit({ x, y: tensor([0, 1, 0, 1]) }, { testSize: 2, generator: new Rng(1) });
    expect((train.x as Tensor).requiresGrad).toBe(false);
  });
});

describe("argument checks", () => {
  it.each([
    [
      "trainTestSplit(null)",
      () => trainTestSplit(null as never, { testSize: 0.2 }),
      "trainTestSplit: data must be a dataset { x, y } of tensors, got null",
    ],
    [
      "trainTestSplit({ x: 1, y: 2 })",
      () => trainTestSplit({ x: 1, y: 2 } as never, { testSize: 0.2 }),
      "trainTestSplit: data must be a dataset { x, y } of tensors, got Object",
    ],
    [
      "splitIndices(-1)",
      () => splitIndices(-1 as never, { testSize: 0.2 }),
      "splitIndices: labels must be an array or a typed array of numbers, got number -1",
    ],
    [
      "splitIndices(labels)",
      () => splitIndices([0, 1, 0, 1], undefined as never),
      "splitIndices: options must be an object, got undefined",
    ],
    [
      "testSize 'x'",
      () => splitIndices([0, 1, 0, 1], { testSize: "x" as unknown as number }),
      /^splitIndices: testSize must be a fraction in \(0, 1\) or an integer in \[1, 3\], got string "x"/,
    ],
    [
      "stratify 'no'",
      () => splitIndices([0, 1, 0, 1], { testSize: 2, stratify: "no" as never }),
      'splitIndices: stratify must be true or false, got string "no"',
    ],
    [
      "generator {}",
      () => splitIndices([0, 1, 0, 1], { testSize: 2, generator: {} as never }),
      "splitIndices: generator must be an Rng, got Object",
    ],
  ])("%s", (_name, call, message) => {
    expect(call).toThrow(ChainruleError);
    expect(call).toThrow(message);
  });

  it("x and y must have the same number of rows", () => {
    const x = tensor([[1], [2], [3], [4]]);
    const y = tensor([0, 1, 0]);
    expect(() => trainTestSplit({ x, y }, { testSize: 1 })).toThrow(
      "trainTestSplit: x [4,1] and y [3] must have the same number of rows",
    );
  });
});
