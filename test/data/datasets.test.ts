/**
 * Generated datasets: `moons`, `xor`, `spirals` — shapes, labels, geometry without noise, and
 * reproducibility (manualSeed or a generator).
 */
import { describe, expect, it } from "vitest";
import { ChainruleError, data, datasets, manualSeed, Rng, type Tensor } from "../../src/index";
import { expectClose } from "../helpers/close";

const rows = (t: Tensor) => t.toArray() as number[][];
const labelCounts = (y: Tensor): Record<number, number> => {
  const out: Record<number, number> = {};
  for (const c of y.data) out[c] = (out[c] ?? 0) + 1;
  return out;
};

describe("moons", () => {
  it("gives x [n, 2] and y [n] with n/2 examples per class (the extra one in class 1)", () => {
    const a = datasets.moons(100, { generator: new Rng(1) });
    expect(a.x.shape).toEqual([100, 2]);
    expect(a.y.shape).toEqual([100]);
    expect(labelCounts(a.y)).toEqual({ 0: 50, 1: 50 });
    expect(labelCounts(datasets.moons(7, { generator: new Rng(1) }).y)).toEqual({ 0: 3, 1: 4 });
    expect(a.x.dtype).toBe("float64");
  });

  it("without noise puts class 0 on the upper unit half circle and class 1 on the shifted lower one", () => {
    const { x, y } = datasets.moons(40, { noise: 0, generator: new Rng(2) });
    rows(x).forEach(([a, b], i) => {
      if (y.data[i] === 0) {
        expectClose(a! ** 2 + b! ** 2, 1, 1e-12);
        expect(b).toBeGreaterThanOrEqual(-1e-12);
      } else {
        expectClose((1 - a!) ** 2 + (0.5 - b!) ** 2, 1, 1e-12);
        expect(b).toBeLessThanOrEqual(0.5 + 1e-12);
      }
    });
  });

  it("is shuffled: the classes are interleaved", () => {
    const { y } = datasets.moons(100, { generator: new Rng(3) });
    expect(new Set(Array.from(y.data).slice(0, 20))).toEqual(new Set([0, 1]));
  });

  it("is reproducible with manualSeed or a generator, and noise changes with the seed", () => {
    manualSeed(4);
    const a = datasets.moons(30);
    manualSeed(4);
    const b = datasets.moons(30);
    expect(rows(b.x)).toEqual(rows(a.x));
    expect(Array.from(b.y.data)).toEqual(Array.from(a.y.data));
    const c = datasets.moons(30, { generator: new Rng(4) });
    const d = datasets.moons(30, { generator: new Rng(4) });
    const e = datasets.moons(30, { generator: new Rng(5) });
    expect(rows(d.x)).toEqual(rows(c.x));
    expect(rows(e.x)).not.toEqual(rows(c.x));
  });

  it("is also in the data namespace, and rejects n < 2", () => {
    expect(data.moons).toBe(datasets.moons);
    expect(() => datasets.moons(1)).toThrow(ChainruleError);
    expect(() => datasets.moons(2.5)).toThrow(/moons: n must be an integer/);
  });
});

describe("xor", () => {
  it("with n = 4 is the truth table of XOR on the unit square corners", () => {
    const { x, y } = datasets.xor();
    expect(rows(x)).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(Array.from(y.data)).toEqual([0, 1, 1, 0]);
  });

  it("with n points in [−1, 1]² labels 1 where the coordinates' signs differ", () => {
    const { x, y } = datasets.xor(200, { generator: new Rng(6) });
    expect(x.shape).toEqual([200, 2]);
    rows(x).forEach(([a, b], i) => {
      expect(Math.abs(a!)).toBeLessThanOrEqual(1);
      expect(Math.abs(b!)).toBeLessThanOrEqual(1);
      expect(y.data[i]).toBe(a! > 0 !== b! > 0 ? 1 : 0);
    });
    const counts = labelCounts(y);
    expect(counts[0]! + counts[1]!).toBe(200);
    expect(counts[0]).toBeGreaterThan(60);
    expect(counts[1]).toBeGreaterThan(60);
  });

  it("is reproducible", () => {
    const a = datasets.xor(50, { generator: new Rng(7), noise: 0.1 });
    const b = datasets.xor(50, { generator: new Rng(7), noise: 0.1 });
    expect(rows(b.x)).toEqual(rows(a.x));
    expect(() => datasets.xor(0)).toThrow(ChainruleError);
  });
});

describe("spirals", () => {
  it("gives classes × n points with n per class, radius at most 1", () => {
    const { x, y } = datasets.spirals(50, 3, { generator: new Rng(8) });
    expect(x.shape).toEqual([150, 2]);
    expect(y.shape).toEqual([150]);
    expect(labelCounts(y)).toEqual({ 0: 50, 1: 50, 2: 50 });
    for (const [a, b] of rows(x)) expect(Math.hypot(a!, b!)).toBeLessThanOrEqual(1 + 1e-12);
  });

  it("without noise, arm k at radius r has angle 4r + 2πk/classes", () => {
    const n = 11;
    const { x, y } = datasets.spirals(n, 2, { noise: 0, generator: new Rng(9) });
    rows(x).forEach(([a, b], i) => {
      const r = Math.hypot(a!, b!);
      if (r < 1e-9) return;
      const k = y.data[i] as number;
      const t = 4 * r + Math.PI * k;
      expectClose(a!, r * Math.sin(t), 1e-12);
      expectClose(b!, r * Math.cos(t), 1e-12);
      // radii are i/(n − 1)
      expectClose(Math.round(r * (n - 1)), r * (n - 1), 1e-9);
    });
  });

  it("defaults to 3 classes and is reproducible", () => {
    const a = datasets.spirals(10, undefined, { generator: new Rng(10) });
    const b = datasets.spirals(10, 3, { generator: new Rng(10) });
    expect(labelCounts(a.y)).toEqual({ 0: 10, 1: 10, 2: 10 });
    expect(rows(a.x)).toEqual(rows(b.x));
    expect(() => datasets.spirals(0)).toThrow(ChainruleError);
    expect(() => datasets.spirals(10, 0)).toThrow(ChainruleError);
  });
});

describe("generator arguments", () => {
  it("sample counts above the documented cap (10,000,000) throw before anything is generated", () => {
    expect(datasets.MAX_SAMPLES).toBe(10_000_000);
    for (const make of [
      () => datasets.moons(1e9),
      () => datasets.xor(1e9),
      () => datasets.spirals(5e6, 3),
      () => datasets.spirals(1e9),
    ]) {
      expect(make).toThrow(ChainruleError);
      expect(make).toThrow(/must be an integer in \[[12], 10000000\]/);
    }
  });

  it.each([
    [
      "moons noise 'a'",
      () => datasets.moons(10, { noise: "a" as unknown as number }),
      'moons: noise must be a finite number ≥ 0, got string "a"',
    ],
    [
      "moons noise -1",
      () => datasets.moons(10, { noise: -1 }),
      "moons: noise must be a finite number ≥ 0, got number -1",
    ],
    [
      "xor noise NaN",
      () => datasets.xor(8, { noise: Number.NaN }),
      "xor: noise must be a finite number ≥ 0, got number NaN",
    ],
    [
      "spirals generator {}",
      () => datasets.spirals(5, 2, { generator: {} as never }),
      "spirals: generator must be an Rng, got Object",
    ],
    [
      "moons options null",
      () => datasets.moons(10, null as never),
      "moons: options must be an object, got null",
    ],
    [
      "moons n '10'",
      () => datasets.moons("10" as unknown as number),
      'moons: n must be an integer in [2, 10000000], got string "10"',
    ],
    [
      "spirals classes 0",
      () => datasets.spirals(5, 0),
      "spirals: classes must be an integer in [1, 10000000], got number 0",
    ],
  ])("%s", (_name, make, message) => {
    expect(make).toThrow(ChainruleError);
    expect(make).toThrow(message);
  });
});
