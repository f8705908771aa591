/**
 * How the library prints numbers, in one place and with no imports: `formatNumber` (significant
 * digits) for diagrams, explanations, reports and the HTML viewer's script (bundled into the
 * page by `npm run build:viewer`), and `formatDecimals` for `Tensor#toString` (PyTorch-like).
 *
 * It is written without a less-than sign (`1e-4 > abs`), because the viewer's script is inlined
 * in an HTML page that must contain no `<` inside its scripts.
 */

/**
 * Formats `x` with at most `precision` significant digits, without trailing zeros; NaN as "NaN",
 * ±Infinity as "∞" / "-∞", −0 as "0", and scientific notation below 1e-4 or from 10^precision up.
 *
 * @example
 * formatNumber(0.41997434161402614, 4); // "0.42"
 * formatNumber(-3, 4);                  // "-3"
 * formatNumber(123456789, 4);           // "1.235e+8"
 */
export function formatNumber(x: number, precision = 4): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  if (x === 0) return "0";
  const rounded = Number(x.toPrecision(precision));
  const abs = Math.abs(rounded);
  if (abs >= 10 ** precision || 1e-4 > abs)
    return rounded.toExponential(Math.max(0, precision - 1)).replace(/\.?0+e/, "e");
  return String(rounded);
}

/**
 * @internal `Tensor#toString`'s style, like PyTorch's print: integers below 1e15 in full, other
 * numbers rounded to `decimals` places without trailing zeros, and scientific notation (with
 * `decimals` places) below 1e-4 and from 1e6 on; NaN as "NaN", ±Infinity as "Infinity" /
 * "-Infinity".
 *
 * @example
 * formatDecimals(10000000);   // "10000000"
 * formatDecimals(0.123456);   // "0.1235"
 * formatDecimals(1e-7);       // "1.0000e-7"
 */
export function formatDecimals(x: number, decimals = 4): string {
  if (Number.isInteger(x) && 1e15 > Math.abs(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (1e-4 > a || a >= 1e6)) return x.toExponential(decimals);
  return Number(x.toFixed(decimals)).toString();
}
