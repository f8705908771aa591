/**
 * Reproducibility (SPEC §6): mulberry32 uniforms, Box–Muller normals, seeded global and
 * independent streams.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChainruleError, manualSeed, Rng, rand, randn } from "../src/index";

const TWO_32 = 2 ** 32;
const MASK = (1n << 32n) - 1n;

/**
 * An independent mulberry32, transcribed from Tommy Ettinger's published C version in unsigned
 * 32-bit arithmetic (BigInt masked to 32 bits, no Math.imul):
 *
 *   uint32_t z = (state += 0x6D2B79F5);
 *   z = (z ^ (z >> 15)) * (z | 1);
 *   z ^= z + (z ^ (z >> 7)) * (z | 61);
 *   return z ^ (z >> 14);
 *
 * returned as u32 / 2³².
 */
function mulberry32Reference(seed: number, count: number): number[] {
  let state = BigInt(seed) & MASK;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5n) & MASK;
    let z = state;
    z = ((z ^ (z >> 15n)) * (z | 1n)) & MASK;
    z = (z ^ ((z + (((z ^ (z >> 7n)) * (z | 61n)) & MASK)) & MASK)) & MASK;
    out.push(Number(z ^ (z >> 14n)) / TWO_32);
  }
  return out;
}

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.next());

describe("Rng", () => {
  it.each([0, 1, 42])("matches the published mulberry32 for seed %i (first 5 outputs)", (seed) => {
    expect(draw(new Rng(seed), 5)).toEqual(mulberry32Reference(seed, 5));
  });

  it("matches the reference over a longer stream and at the top of the 32-bit range", () => {
    expect(draw(new Rng(123456789), 1000)).toEqual(mulberry32Reference(123456789, 1000));
    expect(draw(new Rng(TWO_32 - 1), 20)).toEqual(mulberry32Reference(TWO_32 - 1, 20));
  });

  it("has the value its doc comment shows for new Rng(42).next()", () => {
    const source = readFileSync(new URL("../src/random.ts", import.meta.url), "utf8");
    const shown = /new Rng\(42\);\s*\*\s*rng\.next\(\);\s*\/\/\s*([0-9.]+)/.exec(source)?.[1];
    expect(shown).toBeDefined();
    expect(new Rng(42).next()).toBe(Number(shown));
    expect(new Rng(42).next()).toBe(0.6011037519201636); // Python: the C algorithm above, seed 42
  });

  it("gives the same sequence for the same seed", () => {
    expect(draw(new Rng(2024), 50)).toEqual(draw(new Rng(2024), 50));
    expect(draw(new Rng(2024), 50)).not.toEqual(draw(new Rng(2025), 50));
  });

  it("re-seeding with seed() restarts the stream", () => {
    const rng = new Rng(9);
    const first = draw(rng, 10);
    rng.seed(9);
    expect(draw(rng, 10)).toEqual(first);
  });

  it("draws uniforms in [0, 1) that are 32-bit integers divided by 2³²", () => {
    const rng = new Rng(31337);
    let min = 1;
    let max = 0;
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      const scaled = u * TWO_32;
      if (!(u >= 0 && u < 1 && Number.isInteger(scaled))) expect.fail(`draw ${i}: ${u}`);
      min = Math.min(min, u);
      max = Math.max(max, u);
      sum += u;
    }
    expect(min).toBeLessThan(1e-3);
    expect(max).toBeGreaterThan(1 - 1e-3);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01); // standard error ≈ 0.0009
  });

  it("computes normal() by Box–Muller from two consecutive uniforms: √(−2 ln(1 − u₁))·cos(2π u₂)", () => {
    const a = new Rng(77);
    const b = new Rng(77);
    for (let i = 0; i < 100; i++) {
      const u1 = b.next();
      const u2 = b.next();
      expect(a.normal()).toBe(Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
    }
    // exactly two uniforms per normal: the streams are still aligned
    expect(a.next()).toBe(b.next());
  });

  it("scales normal(mean, std) as mean + std·z", () => {
    const a = new Rng(5);
    const b = new Rng(5);
    for (let i = 0; i < 20; i++) expect(a.normal(3, 0.5)).toBe(3 + 0.5 * b.normal());
  });

  it("draws normals with roughly zero mean, unit variance, no skew and kurtosis 3 (10,000 samples)", () => {
    const rng = new Rng(12345);
    const n = 10_000;
    const z = Array.from({ length: n }, () => rng.normal());
    const mean = z.reduce((s, v) => s + v, 0) / n;
    const moment = (k: number) => z.reduce((s, v) => s + (v - mean) ** k, 0) / n;
    const variance = moment(2);
    // standard errors: mean 0.01, variance 0.014, skewness 0.024, kurtosis 0.05
    expect(Math.abs(mean)).toBeLessThan(0.04);
    expect(Math.abs(variance - 1)).toBeLessThan(0.06);
    expect(Math.abs(moment(3) / variance ** 1.5)).toBeLessThan(0.1);
    expect(Math.abs(moment(4) / variance ** 2 - 3)).toBeLessThan(0.2);
  });

  it("rejects a seed that is not a safe integer with ChainruleError", () => {
    const bad = [
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 53,
      -(2 ** 53),
      1e300,
      "3",
      null,
      undefined,
      3n,
    ];
    for (const seed of bad as number[]) {
      expect(() => new Rng(seed)).toThrow(ChainruleError);
      expect(() => manualSeed(seed)).toThrow(ChainruleError);
      expect(() => new Rng(0).seed(seed)).toThrow(ChainruleError);
    }
    expect(() => new Rng(1.5)).toThrow(
      "Rng: seed must be an integer in [-(2⁵³ − 1), 2⁵³ − 1], got number 1.5",
    );
    expect(() => manualSeed(2 ** 53)).toThrow(/^manualSeed: seed must be an integer/);
    expect(() => new Rng(0).seed(Number.NaN)).toThrow(/^Rng.seed: seed must be an integer/);
  });
});

/**
 * The documented folding of seeds outside [0, 2³²) into mulberry32's 32-bit state, transcribed
 * independently in BigInt: state = (seed mod 2³²) XOR fmix32(⌊seed / 2³²⌋ mod 2³²), with
 * MurmurHash3's finaliser fmix32(h) = h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13;
 * h *= 0xc2b2ae35; h ^= h >> 16 (all mod 2³²).
 */
function foldedState(seed: number): number {
  const s = BigInt(seed);
  const lo = ((s % 2n ** 32n) + 2n ** 32n) % 2n ** 32n;
  let h = ((((s - lo) / 2n ** 32n) % 2n ** 32n) + 2n ** 32n) % 2n ** 32n;
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & MASK;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & MASK;
  h ^= h >> 16n;
  return Number(lo ^ h);
}

describe("seeds beyond 32 bits", () => {
  it("seeds that share their low 32 bits give different streams (1, 2³² + 1, 2⁴⁰ + 1, −2³² + 1)", () => {
    const seeds = [1, TWO_32 + 1, 2 ** 40 + 1, -TWO_32 + 1, 2 ** 53 - TWO_32 + 1];
    const firsts = seeds.map((s) => new Rng(s).next());
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it("a negative seed is not the positive seed 2³² below it: −5 and 2³² − 5 differ", () => {
    expect(draw(new Rng(-5), 5)).not.toEqual(draw(new Rng(TWO_32 - 5), 5));
  });

  it("seeds in [0, 2³²) are mulberry32's state itself; others are folded as documented", () => {
    for (const seed of [0, 7, TWO_32 - 1]) expect(foldedState(seed)).toBe(seed);
    for (const seed of [
      TWO_32,
      TWO_32 + 1,
      -1,
      -5,
      2 ** 40 + 12345,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
    ]) {
      expect(draw(new Rng(seed), 5), `seed ${seed}`).toEqual(mulberry32Reference(foldedState(seed), 5));
    }
  });

  it("manualSeed and Rng.seed fold large seeds the same way as new Rng", () => {
    const seed = 2 ** 45 + 99;
    manualSeed(seed);
    const global = rand([4]).toArray();
    const rng = new Rng(0);
    rng.seed(seed);
    expect(global).toEqual(draw(rng, 4));
    expect(global).toEqual(draw(new Rng(seed), 4));
  });
});

describe("Rng arguments", () => {
  const rng = () => new Rng(1);
  it.each([
    [
      "uniform",
      () => rng().uniform("a" as unknown as number, 1),
      /^Rng.uniform: low must be a finite number, got string "a"/,
    ],
    [
      "uniform",
      () => rng().uniform(0, Number.NaN),
      /^Rng.uniform: high must be a finite number, got number NaN/,
    ],
    [
      "normal",
      () => rng().normal(0, "x" as unknown as number),
      /^Rng.normal: std must be a finite number ≥ 0, got string "x"/,
    ],
    ["normal", () => rng().normal(0, -1), /^Rng.normal: std must be a finite number ≥ 0, got number -1/],
    ["normal", () => rng().normal(Number.POSITIVE_INFINITY), /^Rng.normal: mean must be a finite number/],
    ["int", () => rng().int(0), /^Rng.int: n must be an integer in \[1, /],
    ["int", () => rng().int(2.5), /^Rng.int: n must be an integer in \[1, /],
    ["permutation", () => rng().permutation(-1), /^Rng.permutation: n must be an integer in \[0, /],
    ["permutation", () => rng().permutation(1e12), /^Rng.permutation: n must be an integer in \[0, /],
    [
      "shuffle",
      () => rng().shuffle("abc" as unknown as string[]),
      /^Rng.shuffle: array must be an array, got string/,
    ],
  ])("%s rejects bad arguments with ChainruleError", (_name, call, message) => {
    expect(call).toThrow(ChainruleError);
    expect(call).toThrow(message);
  });

  it("a rejected call draws nothing: the stream continues where it was", () => {
    const a = new Rng(3);
    const b = new Rng(3);
    expect(() => a.normal(0, -1)).toThrow(ChainruleError);
    expect(a.next()).toBe(b.next());
  });
});

describe("the global generator", () => {
  it("manualSeed(n) makes rand reproducible", () => {
    manualSeed(5);
    const a = rand([2, 3]).toArray();
    manualSeed(5);
    const b = rand([2, 3]).toArray();
    expect(b).toEqual(a);
  });

  it("fills rand and randn in row-major order from the seeded stream", () => {
    manualSeed(11);
    const u = rand([2, 3]).toArray();
    const ref = new Rng(11);
    expect(u).toEqual([draw(ref, 3), draw(ref, 3)]);
    manualSeed(11);
    const z = randn([4]).toArray();
    const ref2 = new Rng(11);
    expect(z).toEqual(Array.from({ length: 4 }, () => ref2.normal()));
  });

  it("continues the stream across calls: two draws of 3 equal one draw of 6", () => {
    manualSeed(8);
    const split = [...(rand([3]).toArray() as number[]), ...(rand([3]).toArray() as number[])];
    manualSeed(8);
    expect(rand([6]).toArray()).toEqual(split);
  });

  it("is independent of Rng streams, and they of it and of each other", () => {
    manualSeed(7);
    const globalAlone = rand([6]).toArray();
    const aAlone = draw(new Rng(7), 6);
    const bAlone = draw(new Rng(8), 12);

    manualSeed(7);
    const a = new Rng(7);
    const b = new Rng(8);
    const globalMixed: number[] = [];
    const aMixed: number[] = [];
    const bMixed: number[] = [];
    for (let i = 0; i < 6; i++) {
      aMixed.push(a.next());
      globalMixed.push(rand([1]).item());
      bMixed.push(b.next());
      b.next(); // b draws extra numbers without disturbing the others
    }
    expect(globalMixed).toEqual(globalAlone);
    expect(aMixed).toEqual(aAlone);
    expect(bMixed).toEqual(bAlone.filter((_, i) => i % 2 === 0));
  });
});
