/**
 * Checks autodiff against central finite differences in float64:
 * numeric ∂yₖ/∂xᵢ ≈ (yₖ(x + ε eᵢ) − yₖ(x − ε eᵢ)) / 2ε, compared with the analytic Jacobian
 * row by row (one backward pass per output element).
 */
import { ChainruleError, describe } from "../errors";
import { Rng } from "../random";
import { zeros } from "../tensor/creation";
import { readData, writeData } from "../tensor/storage";
import { Tensor } from "../tensor/tensor";
import { checkInt, checkOptions, checkPositive } from "../validate";
import { gradients } from "./functional";
import { noGrad } from "./grad-mode";

/**
 * The checked options of `gradcheck`: `eps` a finite number > 0 (the step; 0 would divide by
 * zero, a negative one flips nothing but is surely a mistake), `atol` and `rtol` finite ≥ 0.
 */
function checkTolerances(options: GradcheckOptions | undefined, op: string): Required<GradcheckOptions> {
  const o = checkOptions(options, op);
  return {
    eps: o.eps === undefined ? 1e-6 : checkPositive(o.eps, op, "eps"),
    atol: o.atol === undefined ? 1e-5 : checkPositive(o.atol, op, "atol", { allowZero: true }),
    rtol: o.rtol === undefined ? 1e-3 : checkPositive(o.rtol, op, "rtol", { allowZero: true }),
  };
}

/** Tolerances of {@link gradcheck}: an entry passes when |analytic − numeric| ≤ atol + rtol·|numeric|. */
export interface GradcheckOptions {
  /** The finite-difference step ε, a finite number > 0 (default 1e-6). */
  eps?: number;
  /** Absolute tolerance, finite ≥ 0 (default 1e-5). */
  atol?: number;
  /** Relative tolerance, finite ≥ 0 (default 1e-3). */
  rtol?: number;
}

/** One disagreeing Jacobian entry. */
export interface GradcheckFailure {
  /** Which input (position in `inputs`). */
  input: number;
  /** Flat index of the element within that input. */
  index: number;
  /** Flat index of the output element (0 for a scalar output). */
  output: number;
  analytic: number;
  numeric: number;
}

/** What `gradcheck` reports: whether every entry passed, the largest errors, and each failure. */
export interface GradcheckResult {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  failures: GradcheckFailure[];
}

/** A point whose entries {@link centralDifferences} can move one at a time. */
export interface MutablePoint {
  [index: number]: number;
  readonly length: number;
}

/**
 * @internal Central finite differences, the one helper behind `gradcheck` and `checkDerivative`:
 * for each entry j of `x`, (f(x + ε eⱼ) − f(x − ε eⱼ)) / 2ε for every output of f.
 *
 * `x` is moved in place (xⱼ + ε, then xⱼ − ε) and restored before the next entry, so `evaluate`
 * reads the current point from wherever `x` lives (a tensor's storage, an array of arguments).
 * Each output is copied before the next evaluation, so `evaluate` may return a live buffer.
 *
 * @param x the point, float64 (changed during the call, restored on return)
 * @param eps the step ε > 0
 * @param evaluate f at the current x, its outputs flat (one number for a scalar function)
 * @returns `columns[j][k]` ≈ ∂fₖ/∂xⱼ
 *
 * @example
 * const x = [1, 2];
 * centralDifferences(x, 1e-6, () => [x[0] * x[1]]); // [Float64Array [≈2], Float64Array [≈1]]
 */
export function centralDifferences(
  x: MutablePoint,
  eps: number,
  evaluate: () => ArrayLike<number>,
): Float64Array[] {
  const columns: Float64Array[] = [];
  for (let j = 0; j < x.length; j++) {
    const orig = x[j] as number;
    x[j] = orig + eps;
    const plus = Float64Array.from(evaluate());
    x[j] = orig - eps;
    const minus = Float64Array.from(evaluate());
    x[j] = orig;
    const column = new Float64Array(plus.length);
    for (let k = 0; k < plus.length; k++)
      column[k] = ((plus[k] as number) - (minus[k] as number)) / (2 * eps);
    columns.push(column);
  }
  return columns;
}

/**
 * Compares the gradients autodiff gives for `f(...inputs)` with central finite differences.
 * Inputs are copied to float64 leaves (the caller's tensors are not touched); `f` may return a
 * tensor of any shape (every output element is checked).
 *
 * @example
 * gradcheck((x) => x.tanh().sum(), [tensor([0.1, -0.4])]).ok; // true
 */
export function gradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options?: GradcheckOptions,
): GradcheckResult {
  const { eps, atol, rtol } = checkTolerances(options, "gradcheck");
  if (typeof f !== "function") throw new ChainruleError(`gradcheck: expected a function, got ${describe(f)}`);
  if (!Array.isArray(inputs) || inputs.some((x) => !(x instanceof Tensor))) {
    throw new ChainruleError("gradcheck: inputs must be an array of Tensors");
  }
  const xs = inputs.map((x) => {
    const c = new Tensor(Float64Array.from(readData(x)), x.shape);
    c.requiresGrad = true;
    return c;
  });
  const y0 = f(...xs);
  if (!(y0 instanceof Tensor))
    throw new ChainruleError(`gradcheck: the function must return a Tensor, got ${describe(y0)}`);
  const outSize = y0.size;

  // analytic Jacobian rows: analytic[k][i] = ∂y_k/∂x_i (flattened per input)
  const analytic: Float64Array[][] = [];
  for (let k = 0; k < outSize; k++) {
    if (!y0.requiresGrad) {
      analytic.push(xs.map((x) => new Float64Array(x.size)));
      continue;
    }
    const seed = zeros(y0.shape, { dtype: y0.dtype });
    readData(seed)[k] = 1; // a fresh tensor no op has seen: not an in-place write
    const gs = gradients([y0], xs, { gradOutputs: [seed], allowUnused: true });
    analytic.push(
      gs.map((g, i) => (g ? Float64Array.from(readData(g)) : new Float64Array((xs[i] as Tensor).size))),
    );
  }

  const result: GradcheckResult = { ok: true, maxAbsError: 0, maxRelError: 0, failures: [] };
  xs.forEach((x, i) => {
    // x is gradcheck's own copy; its numbers move and come back (one in-place write)
    const columns = writeData(x, (d) => centralDifferences(d, eps, () => readData(f(...xs))));
    for (let j = 0; j < x.size; j++) {
      const column = columns[j] as Float64Array;
      for (let k = 0; k < outSize; k++) {
        const numeric = column[k] as number;
        const a = (analytic[k] as Float64Array[])[i]?.[j] as number;
        const abs = Math.abs(a - numeric);
        const scale = Math.max(Math.abs(numeric), Math.abs(a));
        if (Number.isNaN(abs)) {
          if (!(Number.isNaN(a) && Number.isNaN(numeric))) {
            result.ok = false;
            result.failures.push({ input: i, index: j, output: k, analytic: a, numeric });
          }
          continue;
        }
        result.maxAbsError = Math.max(result.maxAbsError, abs);
        if (scale > atol) result.maxRelError = Math.max(result.maxRelError, abs / scale);
        if (abs > atol + rtol * Math.abs(numeric)) {
          result.ok = false;
          result.failures.push({ input: i, index: j, output: k, analytic: a, numeric });
        }
      }
    }
  });
  return result;
}

/**
 * Second-order check: gradchecks the function (x, v) ↦ Σᵢ ⟨∂⟨f(x), v⟩/∂xᵢ, uᵢ⟩ for a fixed
 * random u, starting from a random v (the gradient output), as PyTorch does. Its gradient needs
 * the derivative of every backward formula (createGraph) with respect to the inputs and to the
 * incoming gradient ḡ. A failure with `input === inputs.length` concerns v, i.e. a backward that
 * is wrong (or not differentiable) in ḡ.
 */
export function gradgradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options?: GradcheckOptions & { seed?: number },
): GradcheckResult {
  const tolerances = checkTolerances(options, "gradgradcheck");
  const seed = options?.seed === undefined ? 1234 : checkInt(options.seed, "gradgradcheck", "seed");
  const rng = new Rng(seed);
  const probe = (shape: readonly number[]) => {
    const t = zeros(shape);
    const d = readData(t); // a fresh tensor no op has seen: not an in-place write
    for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-1, 1);
    return t;
  };
  const us = inputs.map((x) => probe(x.shape));
  const y0 = noGrad(() => f(...inputs));
  if (!(y0 instanceof Tensor))
    throw new ChainruleError(`gradgradcheck: the function must return a Tensor, got ${describe(y0)}`);
  const v0 = probe(y0.shape);
  const n = inputs.length;
  const g = (...args: Tensor[]): Tensor => {
    const xs = args.slice(0, n);
    const v = args[n] as Tensor;
    const y = f(...xs);
    let total: Tensor = zeros([]);
    if (!y.requiresGrad) return total;
    // v is checked in float64; a function with a float32 result gets it converted (differentiably)
    const vy = v.dtype === y.dtype ? v : v.astype(y.dtype);
    const gs = gradients([y], xs, { gradOutputs: [vy], createGraph: true, allowUnused: true });
    gs.forEach((gi, i) => {
      if (gi) total = total.add(gi.mul(us[i] as Tensor).sum());
    });
    return total;
  };
  return gradcheck(g, [...inputs, v0], tolerances);
}
