import { checkFinite, checkInt, checkPositive, fail, MAX_ELEMENTS } from "./validate";

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
 * Seeds are integers with |seed| ≤ 2⁵³ − 1 (every integer a number holds exactly). A seed in
 * [0, 2³²) is mulberry32's 32-bit state itself. Any other seed is folded into the state as
 * `(seed mod 2³²) XOR fmix32(⌊seed / 2³²⌋ mod 2³²)`, with MurmurHash3's finaliser `fmix32` (a
 * bijection of 32-bit words that maps only 0 to 0): seeds that share their low 32 bits — 1 and
 * 2³² + 1, or −5 and 2³² − 5 — give different streams. (With 2³² states, some seeds beyond
 * 32 bits must share a stream; none that differ only in their high bits do.)
 *
 * @example
 * const rng = new Rng(42);
 * rng.next();      // 0.6011037519201636
 * rng.normal();    // a standard normal sample
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = toState(seed, "Rng");
  }

  /** Re-seeds this stream (the same stream as `new Rng(seed)`). */
  seed(seed: number): void {
    this.state = toState(seed, "Rng.seed");
  }

  /** A uniform sample in [0, 1): mulberry32's next 32-bit output divided by 2³². */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform sample in [low, high): `low + (high − low) · u` (finite bounds). */
  uniform(low = 0, high = 1): number {
    if (typeof low !== "number" || typeof high !== "number" || !Number.isFinite(low - high)) {
      checkFinite(low, "Rng.uniform", "low");
      checkFinite(high, "Rng.uniform", "high");
    }
    return low + (high - low) * this.next();
  }

  /**
   * A normal sample by Box–Muller: `mean + std · √(−2 ln(1 − u₁)) · cos(2π u₂)` (finite mean,
   * finite std ≥ 0).
   */
  normal(mean = 0, std = 1): number {
    if (typeof mean !== "number" || typeof std !== "number" || !(std >= 0) || !Number.isFinite(mean + std)) {
      checkFinite(mean, "Rng.normal", "mean");
      checkPositive(std, "Rng.normal", "std", { allowZero: true });
    }
    const u1 = this.next();
    const u2 = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [0, n): `⌊n · u⌋`, for an integer n in [1, 2³²]. */
  int(n: number): number {
    checkInt(n, "Rng.int", "n", 1, 2 ** 32);
    return Math.floor(n * this.next());
  }

  /**
   * A random permutation of 0…n−1 (Fisher–Yates, from the last position down); n is an integer
   * in [0, MAX_ELEMENTS].
   */
  permutation(n: number): number[] {
    checkInt(n, "Rng.permutation", "n", 0, MAX_ELEMENTS);
    const p = new Array<number>(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[]): T[] {
    if (!Array.isArray(array)) fail("Rng.shuffle", "array", "an array", array);
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor((i + 1) * this.next());
      const tmp = array[i] as T;
      array[i] = array[j] as T;
      array[j] = tmp;
    }
    return array;
  }
}

const TWO_32 = 4294967296;

/**
 * mulberry32's 32-bit state for a seed (see the class comment): the seed itself in [0, 2³²),
 * else `(seed mod 2³²) XOR fmix32(⌊seed / 2³²⌋ mod 2³²)`. Returned as a signed 32-bit integer.
 */
function toState(seed: number, op: string): number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    fail(op, "seed", "an integer in [-(2⁵³ − 1), 2⁵³ − 1]", seed);
  }
  const lo = seed >>> 0; // seed mod 2³² (exact for every safe integer, negatives included)
  const hi = (seed - lo) / TWO_32; // ⌊seed / 2³²⌋, exact
  if (hi === 0) return lo | 0;
  return (lo ^ fmix32(hi >>> 0)) | 0;
}

/** MurmurHash3's 32-bit finaliser: a bijection on 32-bit words with fmix32(0) = 0. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * @internal The generator an op draws from: `generator` when given (it must be an `Rng`), else
 * the global one.
 */
export function generatorOf(generator: unknown, op: string, what = "generator"): Rng {
  if (generator === undefined) return globalRng;
  if (!(generator instanceof Rng)) fail(op, what, "an Rng", generator);
  return generator;
}

let globalRng = new Rng((Math.random() * 4294967296) | 0);

/**
 * Seeds the global generator used by `rand`, `randn`, the initialisers, `nn.scalar` weights,
 * dropout and data shuffles: afterwards it draws exactly what `new Rng(seed)` draws. Seeds are
 * integers with |seed| ≤ 2⁵³ − 1 (see `Rng` for how seeds beyond 32 bits are folded). Without
 * a call, the global generator starts from a random seed.
 */
export function manualSeed(seed: number): void {
  globalRng = new Rng(toState(seed, "manualSeed") >>> 0);
}

/** The global generator (see {@link manualSeed}). */
export function globalGenerator(): Rng {
  return globalRng;
}
