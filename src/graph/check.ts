/**
 * `checkDerivative`: puts a hand-derived derivative next to autodiff and central finite
 * differences, entry by entry, and says where they disagree.
 *
 * For each input xᵢ and each of its elements j the three numbers are
 *
 *     hand      the user's formula ∂f/∂xᵢ[j]
 *     autodiff  chainrule's reverse-mode gradient (Value.backward or gradients(), float64)
 *     numeric   (f(x + ε·eⱼ) − f(x − ε·eⱼ)) / 2ε  in float64
 *
 * An entry passes when |hand − autodiff| ≤ atol + rtol·|autodiff| (autodiff is exact up to
 * rounding, so these tolerances are tight) and |hand − numeric| ≤ numericAtol +
 * numericRtol·|numeric| (finite differences carry an O(ε²) truncation and O(1e-16/ε) rounding
 * error, so these are loose). Where autodiff and finite differences disagree with each other,
 * f is not differentiable there (a kink, a jump) or ε is too large, and no hand value can pass.
 *
 * check-sides.ts computes the three sides; this file compares them and writes the summary.
 */
import { ChainruleError, describe } from "../errors";
import type { NestedNumbers, Tensor } from "../tensor/tensor";
import { checkOptions } from "../validate";
import { type ScalarFn, scalarSides, type TensorFn, tensorSides } from "./check-sides";
import { formatNumber } from "./format";

export type { ScalarFn, TensorFn } from "./check-sides";

/** A hand-derived gradient for one input: a number, a tensor, nested arrays or a typed array. */
export type HandGradient = number | Tensor | NestedNumbers | ArrayLike<number>;

/** Options of {@link checkDerivative}. */
export interface CheckDerivativeOptions {
  /** Finite-difference step ε; default 1e-6. */
  eps?: number;
  /** hand vs autodiff: absolute tolerance, default 1e-8. */
  atol?: number;
  /** hand vs autodiff: relative tolerance, default 1e-6. */
  rtol?: number;
  /** hand vs finite differences: absolute tolerance, default 1e-5. */
  numericAtol?: number;
  /** hand vs finite differences: relative tolerance, default 1e-3. */
  numericRtol?: number;
  /** Names of the inputs for the table; default "x" for one input, else "x0", "x1", …. */
  names?: readonly string[];
  /** How many table rows the summary prints at most (failures first); default 20. */
  maxRows?: number;
}

/** One compared entry: element `index` of input `input`. */
export interface DerivativeEntry {
  /** Which input (position in `inputs`). */
  input: number;
  /** The input's name ("x", "x1", or from `names`). */
  name: string;
  /** Flat (row-major) index of the element within the input; 0 for a number. */
  index: number;
  /** The element's multi-index ([] for a number or a 0-d tensor). */
  position: number[];
  /** "x[1,2]" or "x". */
  label: string;
  hand: number;
  autodiff: number;
  numeric: number;
  /** |hand − autodiff| (Infinity when exactly one of them is NaN). */
  error: number;
  /** |hand − numeric|. */
  numericError: number;
  /** |autodiff − numeric|: large values flag a point where f is not differentiable. */
  autodiffNumericError: number;
  ok: boolean;
}

/** The result of {@link checkDerivative}. */
export interface CheckDerivativeResult {
  /** Whether every entry agrees with both autodiff and finite differences. */
  ok: boolean;
  /** max |hand − autodiff| over every entry. */
  maxError: number;
  /** max |hand − numeric| over every entry. */
  maxNumericError: number;
  /** The entry that disagrees most (relative to its tolerance); null when there are no entries. */
  worst: DerivativeEntry | null;
  /** Every entry, input by input, in row-major order. */
  table: DerivativeEntry[];
  /** The entries that fail. */
  failures: DerivativeEntry[];
  /** A readable summary: verdict, the worst entry, and a table. */
  summary: string;
}

/**
 * Checks a hand-derived derivative against autodiff and central finite differences, element by
 * element, and reports the largest disagreement and where it is.
 *
 * Two forms:
 * - **numbers**: every input is a number. `f` receives one `Value` per input and returns a `Value`
 *   (write it with Value methods or the root functions `add`, `mul`, …); `derivative` receives
 *   the same numbers as plain numbers and returns ∂f/∂x (one input) or `[∂f/∂x₀, ∂f/∂x₁, …]`.
 * - **tensors**: some input is a `Tensor` or an array. Every input becomes a float64 tensor
 *   (a number becomes a 0-d tensor); `f` receives them and returns a one-element tensor;
 *   `derivative` receives detached float64 copies and returns the gradient of each input (for one
 *   input, just that gradient; for several, an array with one gradient per input), each a
 *   tensor, nested arrays, a typed array or (for a one-element input) a number, with the input's
 *   shape or at least its number of elements.
 *
 * The caller's inputs are never modified and no `.grad` is touched.
 *
 * @throws ChainruleError when `f` does not return a Value / one-element tensor, or a hand
 *   gradient has the wrong size.
 *
 * @example
 * const s = (x: number) => 1 / (1 + Math.exp(-x));
 * checkDerivative((x) => x.sigmoid(), (x) => s(x) * (1 - s(x)), [0.3]).ok;   // true
 * const r = checkDerivative((x) => x.tanh(), (x) => 1 - Math.tanh(x), [0.5]); // a wrong derivative
 * r.ok;                  // false
 * r.worst?.label;        // "x"
 * r.worst?.hand;         // 0.5378828427399902
 * r.worst?.autodiff;     // 0.7864477329659274
 * console.log(r.summary);
 * // checkDerivative: MISMATCH: 1 of 1 entry disagrees; worst at x: hand 0.537883, autodiff 0.786448,
 * //   numeric 0.786448 (|hand − autodiff| = 0.25). … then the tolerances and a table of entries
 *
 * @example
 * // tensors: f(W) = Σ σ(W·x), ∂f/∂W = (σ′(W·x)) xᵀ
 * const x = tensor([[1], [2]]);
 * checkDerivative(
 *   (W) => W.matmul(x).sigmoid().sum(),
 *   (W) => { const a = W.matmul(x).sigmoid(); return a.mul(sub(1, a)).matmul(x.transpose()); },
 *   [tensor([[0.1, -0.2], [0.3, 0.4]])],
 * ).ok; // true
 */
export function checkDerivative(
  f: ScalarFn,
  derivative: (...args: number[]) => number | readonly number[],
  inputs: readonly number[],
  options?: CheckDerivativeOptions,
): CheckDerivativeResult;
export function checkDerivative(
  f: TensorFn,
  derivative: (...args: Tensor[]) => HandGradient | readonly HandGradient[],
  inputs: readonly (Tensor | number | NestedNumbers)[],
  options?: CheckDerivativeOptions,
): CheckDerivativeResult;
export function checkDerivative(
  f: ScalarFn | TensorFn,
  derivative: (...args: never[]) => unknown,
  inputs: readonly unknown[],
  options?: CheckDerivativeOptions,
): CheckDerivativeResult {
  const op = "checkDerivative";
  if (typeof f !== "function") throw new ChainruleError(`${op}: f must be a function, got ${describe(f)}`);
  if (typeof derivative !== "function")
    throw new ChainruleError(`${op}: derivative must be a function, got ${describe(derivative)}`);
  if (!Array.isArray(inputs) || inputs.length === 0)
    throw new ChainruleError(`${op}: inputs must be a non-empty array, got ${describe(inputs)}`);
  const opts = resolveOptions(options, inputs.length);

  const scalar = inputs.every((x) => typeof x === "number");
  const sides = scalar
    ? scalarSides(f as ScalarFn, derivative as (...a: number[]) => unknown, inputs as number[], opts.eps)
    : tensorSides(f as TensorFn, derivative as (...a: Tensor[]) => unknown, inputs, opts.eps);

  const table: DerivativeEntry[] = [];
  sides.forEach((s, i) => {
    const name = opts.names[i] as string;
    for (let j = 0; j < s.hand.length; j++) {
      const hand = s.hand[j] as number;
      const autodiff = s.autodiff[j] as number;
      const numeric = s.numeric[j] as number;
      const error = absDiff(hand, autodiff);
      const numericError = absDiff(hand, numeric);
      const ok =
        error <= opts.atol + opts.rtol * Math.abs(autodiff) &&
        numericError <= opts.numericAtol + opts.numericRtol * Math.abs(numeric);
      const position = unravel(j, s.shape);
      table.push({
        input: i,
        name,
        index: j,
        position,
        label: position.length === 0 ? name : `${name}[${position.join(",")}]`,
        hand,
        autodiff,
        numeric,
        error,
        numericError,
        autodiffNumericError: absDiff(autodiff, numeric),
        ok,
      });
    }
  });

  let worst: DerivativeEntry | null = null;
  let worstScore = -1;
  let maxError = 0;
  let maxNumericError = 0;
  for (const e of table) {
    maxError = Math.max(maxError, e.error);
    maxNumericError = Math.max(maxNumericError, e.numericError);
    const score = Math.max(
      e.error / (opts.atol + opts.rtol * Math.abs(e.autodiff)),
      e.numericError / (opts.numericAtol + opts.numericRtol * Math.abs(e.numeric)),
    );
    const s = Number.isNaN(score) ? Number.POSITIVE_INFINITY : score;
    if (s > worstScore) {
      worstScore = s;
      worst = e;
    }
  }
  const failures = table.filter((e) => !e.ok);
  const result: CheckDerivativeResult = {
    ok: failures.length === 0,
    maxError,
    maxNumericError,
    worst,
    table,
    failures,
    summary: "",
  };
  result.summary = summarize(result, opts);
  return result;
}

interface Resolved {
  eps: number;
  atol: number;
  rtol: number;
  numericAtol: number;
  numericRtol: number;
  names: string[];
  maxRows: number;
}

function resolveOptions(options: CheckDerivativeOptions | undefined, n: number): Resolved {
  const o = checkOptions(options, "checkDerivative");
  const num = (key: keyof CheckDerivativeOptions, fallback: number, positive: boolean): number => {
    const v = o[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (positive && v === 0))
      throw new ChainruleError(
        `checkDerivative: ${key} must be a ${positive ? "positive" : "non-negative"} number, got ${describe(v)}`,
      );
    return v;
  };
  const names = o.names
    ? Array.from(o.names)
    : n === 1
      ? ["x"]
      : Array.from({ length: n }, (_, i) => `x${i}`);
  if (names.length !== n || names.some((s) => typeof s !== "string"))
    throw new ChainruleError(`checkDerivative: names must be ${n} strings, one per input`);
  const maxRows = o.maxRows ?? 20;
  if (!Number.isInteger(maxRows) || maxRows < 0)
    throw new ChainruleError(
      `checkDerivative: maxRows must be a non-negative integer, got ${describe(maxRows)}`,
    );
  return {
    eps: num("eps", 1e-6, true),
    atol: num("atol", 1e-8, false),
    rtol: num("rtol", 1e-6, false),
    numericAtol: num("numericAtol", 1e-5, false),
    numericRtol: num("numericRtol", 1e-3, false),
    names,
    maxRows,
  };
}

/** |a − b|, 0 when both are NaN (or the same infinity), Infinity when exactly one is NaN. */
function absDiff(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b))
    return Number.isNaN(a) && Number.isNaN(b) ? 0 : Number.POSITIVE_INFINITY;
  if (a === b) return 0;
  return Math.abs(a - b);
}

function unravel(index: number, shape: readonly number[]): number[] {
  const pos = new Array<number>(shape.length);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] as number;
    pos[d] = rest % n;
    rest = Math.floor(rest / n);
  }
  return pos;
}

// ---- the summary ----

/** A tolerance as 1e-8, 1e-3, 0. */
function sci(v: number): string {
  return v === 0 ? "0" : v.toExponential().replace("e+", "e");
}

function summarize(r: CheckDerivativeResult, o: Resolved): string {
  const p = (v: number) => formatNumber(v, 6);
  const e = (v: number) => formatNumber(v, 2);
  const n = r.table.length;
  const lines: string[] = [];
  if (r.ok) {
    lines.push(
      `checkDerivative: OK: the hand-derived derivative matches autodiff (max |hand − autodiff| = ${e(r.maxError)}) ` +
        `and central finite differences (max |hand − numeric| = ${e(r.maxNumericError)}) in ${n === 1 ? "its one entry" : `all ${n} entries`}.`,
    );
  } else {
    const w = r.worst as DerivativeEntry;
    lines.push(
      `checkDerivative: MISMATCH: ${r.failures.length} of ${n} ${n === 1 ? "entry disagrees" : "entries disagree"}; ` +
        `worst at ${w.label}: hand ${p(w.hand)}, autodiff ${p(w.autodiff)}, numeric ${p(w.numeric)} ` +
        `(|hand − autodiff| = ${e(w.error)}).`,
    );
    const kinks = r.failures.filter(
      (x) => x.autodiffNumericError > o.numericAtol + o.numericRtol * Math.abs(x.numeric),
    );
    if (kinks.length > 0) {
      lines.push(
        `  At ${kinks
          .slice(0, 5)
          .map((x) => x.label)
          .join(
            ", ",
          )}${kinks.length > 5 ? ", …" : ""} autodiff and finite differences disagree with each other: ` +
          "f is not differentiable there (a kink or a jump), or eps is too large.",
      );
    }
  }
  lines.push(
    `  tolerances: |hand − autodiff| ≤ ${sci(o.atol)} + ${sci(o.rtol)}·|autodiff|, ` +
      `|hand − numeric| ≤ ${sci(o.numericAtol)} + ${sci(o.numericRtol)}·|numeric| (eps ${sci(o.eps)})`,
  );
  // failures first, then the rest, in table order within each group
  const shown = [...r.failures, ...r.table.filter((x) => x.ok)].slice(0, o.maxRows);
  shown.sort((a, b) => r.table.indexOf(a) - r.table.indexOf(b));
  if (shown.length > 0) {
    const head = ["entry", "hand", "autodiff", "numeric", "|hand − autodiff|", ""];
    const rows = shown.map((x) => [
      x.label,
      p(x.hand),
      p(x.autodiff),
      p(x.numeric),
      e(x.error),
      x.ok ? "✓" : "✗",
    ]);
    const widths = head.map((h, c) =>
      rows.reduce((w, row) => Math.max(w, (row[c] as string).length), h.length),
    );
    const fmt = (row: string[]) =>
      `  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join("  ")}`.trimEnd();
    lines.push("", fmt(head), ...rows.map(fmt));
    if (shown.length < n)
      lines.push(`  … ${n - shown.length} more ${n - shown.length === 1 ? "entry" : "entries"}`);
  }
  return lines.join("\n");
}
