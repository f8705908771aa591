/**
 * Scalar math shared by the `Value` op table and the tensor kernels: the numerically careful
 * formulations live here once.
 */

/**
 * aᵇ as C's `pow` (and so PyTorch) defines it. JavaScript's `**` differs in two corners, where it
 * gives NaN: 1ᵇ is 1 for every b, NaN included, and (−1)^±∞ is 1.
 */
export function pow(a: number, b: number): number {
  const r = a ** b;
  if (!Number.isNaN(r)) return r;
  if (a === 1 || (a === -1 && (b === Number.POSITIVE_INFINITY || b === Number.NEGATIVE_INFINITY))) return 1;
  return r;
}

/**
 * max(a, b) as PyTorch's `maximum`: NaN if either operand is NaN, and `a` on ties (so
 * maximum(−0, +0) is −0; `Math.max` would give +0).
 */
export function maximum(a: number, b: number): number {
  return b > a || Number.isNaN(b) ? b : a;
}

/** min(a, b) as PyTorch's `minimum`: NaN if either operand is NaN, and `a` on ties. */
export function minimum(a: number, b: number): number {
  return b < a || Number.isNaN(b) ? b : a;
}

/** sign(x) as PyTorch's: 1, −1, ±0 for ±0, and 0 for NaN (so abs′(NaN) = 0). */
export function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? x : 0;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π
const INV_SQRT_PI = 0.5641895835477563; // 1/√π
const INV_SQRT2 = Math.SQRT1_2; // 1/√2
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, to about 1e-15 relative in float64.
 *
 * For |x| < 2 the all-positive series erf(x) = 2/√π · e^(−x²) · Σₙ (2x²)ⁿ x / (1·3·5⋯(2n+1))
 * (no cancellation); beyond, 1 − erfc(x) with erfc from its continued fraction.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < 2) {
    const x2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
  }
  const r = 1 - erfcPositive(ax);
  return x < 0 ? -r : r;
}

/** The complementary error function erfc(x) = 1 − erf(x), accurate in both tails. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 1) return erfcPositive(x);
  if (x <= -1) return 2 - erfcPositive(-x);
  return 1 - erf(x);
}

/**
 * erfc(x) for x ≥ 1 by the continued fraction
 * erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))),
 * evaluated with the modified Lentz algorithm.
 */
function erfcPositive(x: number): number {
  if (x > 27.3) return 0; // e^(−x²) underflows
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (INV_SQRT_PI * Math.exp(-x * x)) / f;
}

/** The standard normal CDF Φ(x) = ½ erfc(−x/√2), accurate in the lower tail too. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * INV_SQRT2);
}

/** The standard normal density φ(x) = e^(−x²/2)/√(2π). */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** σ(x) = 1/(1 + e^(−x)), without overflow: for x < 0 it is computed as e^x/(1 + e^x). */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** softplus(x) = ln(1 + e^x), as PyTorch (β = 1, threshold 20): exactly x above 20. */
export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/** softplus′(x): σ(x), and exactly 1 above the threshold 20 (PyTorch's convention). */
export function softplusGrad(x: number): number {
  return x > 20 ? 1 : sigmoid(x);
}

/** GELU, exact erf form: x·Φ(x). */
export function gelu(x: number): number {
  return x * normalCdf(x);
}

/** GELU′(x) = Φ(x) + x·φ(x). */
export function geluGrad(x: number): number {
  return normalCdf(x) + x * normalPdf(x);
}

/** SiLU (swish): x·σ(x), with the overflow-safe σ (so −0 far left, x far right). */
export function silu(x: number): number {
  return x * sigmoid(x);
}

/** SiLU′(x) = σ(x)(1 + x(1 − σ(x))) (PyTorch's silu_backward; finite for every finite x). */
export function siluGrad(x: number): number {
  const s = sigmoid(x);
  return s * (1 + x * (1 - s));
}

/** Mish: x·tanh(softplus(x)), with the stable softplus (never overflows). */
export function mish(x: number): number {
  return x * Math.tanh(softplus(x));
}

/** Mish′(x) = tanh(sp) + x·σ(x)(1 − tanh²(sp)), sp = softplus(x) (PyTorch's mish_backward). */
export function mishGrad(x: number): number {
  const t = Math.tanh(softplus(x));
  return t + x * sigmoid(x) * (1 - t * t);
}

/**
 * x rounded to the nearest integer, ties to even, as `torch.round` (C's nearbyint): 2.5 → 2,
 * −0.5 → −0. `Math.round` rounds ties up (2.5 → 3). The sign of zero is kept.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // only an exact tie leaves r − x = ½ (exact: both are doubles ½ apart); move odd r down to even
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * a mod b with the divisor's sign, as `torch.remainder` (and Python's %): fmod (`%`, exact)
 * moved by b when its sign differs from b's. NaN for b = 0.
 */
export function remainder(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && b < 0 !== r < 0 ? r + b : r;
}

/**
 * ⌊a/b⌋ as PyTorch's `div(a, b, rounding_mode="floor")` (and Python's //): from fmod, so it agrees
 * with `remainder` (a = b·⌊a/b⌋ + remainder(a, b)) even where a/b rounds up to an integer
 * (1 // 0.1 is 9, not 10); a/b for b = 0.
 */
export function floorDivide(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return a / b < 0 || Object.is(a / b, -0) ? -0 : 0; // copysign(0, a/b)
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}
