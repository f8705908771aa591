import { ChainruleError } from "./errors";

/**
 * A seeded pseudo-random number generator: mulberry32 for uniforms, Box–Muller for normals.
 *
 * - `next()` returns `u32 / 2³²`, a uniform in [0, 1), where `u32` is mulberry32's output.
 * - `normal()` draws two uniforms u₁, u₂ and returns `√(−2 ln(1 − u₁)) · cos(2π u₂)`
 *   (no second value is cached, so every normal consumes exactly two uniforms).
 *
 * Only integer arithmetic and IEEE-754 doubles are involved, so the same seed gives the same
 * numbers on every machine and in both builds.
 *
 * @example
 * const rng = new Rng(42);
 * rng.next();      // 0.6011037519201636
 * rng.normal();    // a standard normal sample
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = toSeed(seed, "Rng");
  }

  /** Re-seeds this stream. */
  seed(seed: number): void {
    this.state = toSeed(seed, "Rng.seed");
  }

  /** A uniform sample in [0, 1): mulberry32's next 32-bit output divided by 2³². */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform sample in [low, high): `low + (high − low) · u`. */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** A normal sample by Box–Muller: `mean + std · √(−2 ln(1 − u₁)) · cos(2π u₂)`. */
  normal(mean = 0, std = 1): number {
    const u1 = this.next();
    const u2 = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [0, n): `⌊n · u⌋`. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new ChainruleError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(n * this.next());
  }

  /** A random permutation of 0…n−1 (Fisher–Yates, from the last position down). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    this.shuffle(p);
    return p;
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor((i + 1) * this.next());
      const tmp = array[i] as T;
      array[i] = array[j] as T;
      array[j] = tmp;
    }
    return array;
  }
}

function toSeed(seed: number, where: string): number {
  if (typeof seed !== "number" || !Number.isInteger(seed)) {
    throw new ChainruleError(`${where}: the seed must be an integer, got ${String(seed)}`);
  }
  return seed | 0;
}

let globalRng = new Rng((Math.random() * 4294967296) | 0);

/**
 * Seeds the global generator used by `rand`, `randn`, the initialisers, `nn.scalar` weights,
 * dropout and data shuffles. Without a call, the global generator starts from a random seed.
 */
export function manualSeed(seed: number): void {
  globalRng = new Rng(seed);
}

/** The global generator (see {@link manualSeed}). */
export function globalGenerator(): Rng {
  return globalRng;
}
