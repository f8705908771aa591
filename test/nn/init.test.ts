/**
 * `init` (SPEC §3, §6): initialisers fill a tensor in place, row-major, from the global generator
 * (or a given one), bump its version, and have the documented bounds and spreads.
 */
import { describe, expect, it } from "vitest";
import { ChainruleError, init, manualSeed, Rng, rand, type Tensor, tensor, zeros } from "../../src/index";
import { expectClose } from "../helpers/close";

function stats(t: Tensor): { mean: number; std: number; maxAbs: number } {
  const d = Array.from(t.data);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { mean, std, maxAbs: d.reduce((m, v) => Math.max(m, Math.abs(v)), 0) };
}

type Initialiser = (t: Tensor) => Tensor;
const initialisers: [string, Initialiser][] = [
  ["xavierUniform", (t) => init.xavierUniform(t)],
  ["xavierNormal", (t) => init.xavierNormal(t)],
  ["heUniform", (t) => init.heUniform(t)],
  ["heNormal", (t) => init.heNormal(t)],
  ["normal", (t) => init.normal(t, 0.1)],
  ["zeros", (t) => init.zeros(t)],
];

describe.each(initialisers)("init.%s", (_, fill) => {
  it("works in place: returns the same tensor over the same storage", () => {
    manualSeed(0);
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const data = t.data;
    expect(fill(t)).toBe(t);
    expect(t.data).toBe(data);
    expect(Array.from(t.data)).not.toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("bumps the version: a graph recorded before refuses backward", () => {
    const w = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const stale = w.mul(w).sum();
    fill(w);
    expect(() => stale.backward()).toThrow(ChainruleError);
    expect(() => stale.backward()).toThrow(/modified in place/);
  });

  it("is seeded: the same seed gives the same weights", () => {
    manualSeed(42);
    const a = fill(zeros([3, 4]));
    manualSeed(42);
    const b = fill(zeros([3, 4]));
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });
});

describe("distributions", () => {
  const [fanOut, fanIn] = [300, 500];
  const big = () => zeros([fanOut, fanIn]);

  it("xavierUniform: U(±gain·√(6/(in + out)))", () => {
    manualSeed(1);
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    const s = stats(init.xavierUniform(big()));
    expect(s.maxAbs).toBeLessThanOrEqual(bound);
    expect(s.maxAbs).toBeGreaterThan(0.999 * bound);
    expectClose(s.std, bound / Math.sqrt(3), 0.01 * bound);
    const g = stats(init.xavierUniform(big(), 2));
    expect(g.maxAbs).toBeLessThanOrEqual(2 * bound);
    expect(g.maxAbs).toBeGreaterThan(1.99 * bound);
  });

  it("xavierNormal: std √(2/(in + out))", () => {
    manualSeed(2);
    const s = stats(init.xavierNormal(big()));
    expect(Math.abs(s.mean)).toBeLessThan(0.01 * Math.sqrt(2 / (fanIn + fanOut)));
    expectClose(s.std, Math.sqrt(2 / (fanIn + fanOut)), 0.01 * Math.sqrt(2 / (fanIn + fanOut)));
  });

  it("heUniform: U(±√(6/in))", () => {
    manualSeed(3);
    const bound = Math.sqrt(6 / fanIn);
    const s = stats(init.heUniform(big()));
    expect(s.maxAbs).toBeLessThanOrEqual(bound);
    expect(s.maxAbs).toBeGreaterThan(0.999 * bound);
  });

  it("heNormal: std √(2/in)", () => {
    manualSeed(4);
    expectClose(stats(init.heNormal(big())).std, Math.sqrt(2 / fanIn), 0.01 * Math.sqrt(2 / fanIn));
  });

  it("normal(t, 0.1): std 0.1, mean 0; normal with a mean", () => {
    manualSeed(5);
    const s = stats(init.normal(big(), 0.1));
    expectClose(s.std, 0.1, 0.001);
    expect(Math.abs(s.mean)).toBeLessThan(0.001);
    const shifted = stats(init.normal(big(), 0.5, 3));
    expectClose(shifted.mean, 3, 0.01);
    expectClose(shifted.std, 0.5, 0.005);
  });

  it("zeros fills zeros", () => {
    manualSeed(6);
    expect(Array.from(init.zeros(rand([2, 3])).data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("fans of a [out, in, k] weight are in·k and out·k", () => {
    manualSeed(7);
    const s = stats(init.heUniform(zeros([8, 4, 5])));
    expect(s.maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 20));
    expect(s.maxAbs).toBeGreaterThan(Math.sqrt(6 / 40));
    const x = stats(init.xavierUniform(zeros([8, 4, 5])));
    expect(x.maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / (20 + 40)));
  });
});

describe("generators", () => {
  it("fill row-major from the global generator: U(−a, a) = −a + 2a·u", () => {
    manualSeed(8);
    const t = init.xavierUniform(zeros([2, 3]));
    const a = Math.sqrt(6 / 5);
    const rng = new Rng(8);
    expect(Array.from(t.data)).toEqual(Array.from({ length: 6 }, () => rng.uniform(-a, a)));
  });

  it("a given generator is used instead of the global one, which is left untouched", () => {
    manualSeed(9);
    const expectedNext = rand([3]);
    manualSeed(9);
    const a = init.heNormal(zeros([2, 2]), new Rng(3));
    const b = init.heNormal(zeros([2, 2]), new Rng(3));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(rand([3]).data)).toEqual(Array.from(expectedNext.data));
    for (const fill of [
      (t: Tensor) => init.xavierUniform(t, 1, new Rng(4)),
      (t: Tensor) => init.xavierNormal(t, 1, new Rng(4)),
      (t: Tensor) => init.heUniform(t, new Rng(4)),
      (t: Tensor) => init.normal(t, 0.1, 0, new Rng(4)),
    ]) {
      expect(Array.from(fill(zeros([2, 2])).data)).toEqual(Array.from(fill(zeros([2, 2])).data));
    }
  });
});

describe("errors", () => {
  it("fan-based initialisers need ≥ 2 dimensions and name themselves and the shape", () => {
    expect(() => init.xavierUniform(zeros([5]))).toThrow(ChainruleError);
    expect(() => init.xavierUniform(zeros([5]))).toThrow(/xavierUniform: .*\[5\]/);
    expect(() => init.heNormal(zeros([]))).toThrow(/heNormal: .*\[\]/);
    expect(() => init.xavierNormal([[1, 2]] as never)).toThrow(/xavierNormal: expected a Tensor/);
  });

  it("normal needs std ≥ 0 and a tensor", () => {
    expect(() => init.normal(zeros([2, 2]), -1)).toThrow(/normal: std must be a finite number ≥ 0/);
    expect(() => init.normal([1] as never, 0.1)).toThrow(ChainruleError);
  });

  it("normal and zeros accept 1-D tensors (biases)", () => {
    manualSeed(10);
    expect(init.normal(zeros([4]), 0.1).shape).toEqual([4]);
    expect(Array.from(init.zeros(tensor([1, 2])).data)).toEqual([0, 0]);
  });
});

describe("argument checks (ChainruleError naming the initialiser; the tensor is left unchanged)", () => {
  it.each([
    [
      "constant 'x'",
      (t: Tensor) => init.constant(t, "x" as unknown as number),
      'constant: value must be a number, got string "x"',
    ],
    [
      "uniform 'a', 'b'",
      (t: Tensor) => init.uniform(t, "a" as unknown as number, "b" as unknown as number),
      'uniform: low must be a finite number, got string "a"',
    ],
    ["uniform low > high", (t: Tensor) => init.uniform(t, 2, 1), "uniform: low 2 must be ≤ high 1"],
    [
      "normal mean NaN",
      (t: Tensor) => init.normal(t, 0.1, Number.NaN),
      "normal: mean must be a finite number, got number NaN",
    ],
    [
      "normal std -1",
      (t: Tensor) => init.normal(t, -1),
      "normal: std must be a finite number ≥ 0, got number -1",
    ],
    [
      "xavierUniform gain 'g'",
      (t: Tensor) => init.xavierUniform(t, "g" as unknown as number),
      'xavierUniform: gain must be a finite number, got string "g"',
    ],
    [
      "xavierNormal generator {}",
      (t: Tensor) => init.xavierNormal(t, 1, {} as never),
      "xavierNormal: generator must be an Rng, got Object",
    ],
    [
      "heUniform generator 5",
      (t: Tensor) => init.heUniform(t, 5 as never),
      "heUniform: generator must be an Rng, got number 5",
    ],
    [
      "uniform generator {}",
      (t: Tensor) => init.uniform(t, 0, 1, {} as never),
      "uniform: generator must be an Rng, got Object",
    ],
  ])("%s", (_name, call, message) => {
    const t = zeros([2, 3]);
    expect(() => call(t)).toThrow(ChainruleError);
    expect(() => call(t)).toThrow(message);
    expect(Array.from(t.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("zeros and constant refuse a non-tensor", () => {
    expect(() => init.zeros(null as never)).toThrow("zeros: expected a Tensor, got null");
    expect(() => init.constant([1] as never, 1)).toThrow(
      "constant: expected a Tensor, got array of length 1",
    );
  });
});
