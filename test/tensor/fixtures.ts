/**
 * Deterministic inputs for the tensor suites: every random tensor comes from an explicit
 * `Rng` stream, and the samplers keep values away from the points where an op is not smooth
 * (kinks, ties, clamp bounds), so finite differences are meaningful.
 */
import { expect } from "vitest";
import { ChainruleError, type DType, Rng, type Tensor, tensor } from "../../src/index";

/** Draws one number. */
export type Sampler = (rng: Rng) => number;

/** Uniform on [lo, hi). */
export const uniform =
  (lo = -1, hi = 1): Sampler =>
  (rng) =>
    rng.uniform(lo, hi);

/** Uniform on [lo, hi) with a random sign: |x| ≥ lo, so x stays away from 0. */
export const awayFromZero =
  (lo = 0.2, hi = 1.5): Sampler =>
  (rng) =>
    (rng.next() < 0.5 ? -1 : 1) * rng.uniform(lo, hi);

/** Uniform on [lo, hi) but at least `margin` from every point in `avoid` (rejection sampling). */
export const avoiding =
  (lo: number, hi: number, avoid: readonly number[], margin = 0.1): Sampler =>
  (rng) => {
    for (;;) {
      const x = rng.uniform(lo, hi);
      if (avoid.every((p) => Math.abs(x - p) >= margin)) return x;
    }
  };

/** One of `centers` (chosen at random) plus uniform noise in [−noise, noise). */
export const near =
  (centers: readonly number[], noise = 0.1): Sampler =>
  (rng) =>
    (centers[rng.int(centers.length)] as number) + rng.uniform(-noise, noise);

/** A tensor of `shape` filled in row-major order from `sample`. */
export function sampled(
  rng: Rng,
  shape: readonly number[],
  sample: Sampler,
  dtype: DType = "float64",
): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = sample(rng);
  return tensor(data, { shape, dtype });
}

/**
 * A tensor of `shape` whose values are all distinct, at least `gap` apart (a shuffled ramp
 * plus small jitter): no ties for max/min/argmax.
 */
export function distinct(rng: Rng, shape: readonly number[], dtype: DType = "float64", gap = 0.25): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const order = rng.permutation(n);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = ((order[i] as number) - n / 2) * gap + rng.uniform(0, gap / 4);
  return tensor(data, { shape, dtype });
}

/** A stable 32-bit seed from a string (FNV-1a), so each case draws its own stream. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** A generator seeded from a name. */
export const rngFor = (name: string): Rng => new Rng(seedOf(name));

/**
 * Runs `fn`, asserts it throws a `ChainruleError`, and returns the message (for inline
 * snapshots and regexes).
 */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ChainruleError);
    return (e as Error).message;
  }
  return expect.fail("expected a ChainruleError, but nothing was thrown");
}
