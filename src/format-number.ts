/**
 * The library's one number formatter, with no imports: diagrams, explanations, reports, the
 * HTML viewer's script (bundled into the page by `npm run build:viewer`) print numbers
 * through it.
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
