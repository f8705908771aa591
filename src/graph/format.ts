/**
 * Number and tensor formatting shared by diagrams and explanations: a fixed number of
 * significant digits, `-0` shown as `0`, and short tensor previews.
 */
import { ChainruleError, describe } from "../errors";
import { formatNumber } from "../format-number";
import type { NestedNumbers } from "../tensor/tensor";

export { formatNumber };

/** @internal Checks a `precision` option (significant digits, 1–17). */
export function checkPrecision(precision: unknown, fn: string): number {
  if (precision === undefined) return 4;
  if (typeof precision !== "number" || !Number.isInteger(precision) || precision < 1 || precision > 17) {
    throw new ChainruleError(`${fn}: precision must be an integer from 1 to 17, got ${describe(precision)}`);
  }
  return precision;
}

/**
 * Formats a flat row-major array as nested brackets when it has at most `maxItems` elements,
 * else as its first few elements and a count: `[0.1, 0.2, 0.3, … 97 more]`. With `booleans`
 * (a bool tensor's 0/1 storage), the elements are written `true` and `false`.
 *
 * @example
 * previewData([1, 2, 3, 4], [2, 2], 4, 6); // "[[1, 2], [3, 4]]"
 * previewData([1, 2, 3, 4, 5, 6, 7, 8], [8], 4, 6); // "[1, 2, 3, … 5 more]"
 */
export function previewData(
  data: ArrayLike<number>,
  shape: readonly number[],
  precision = 4,
  maxItems = 6,
  booleans = false,
): string {
  const fmt = (x: number) => (booleans ? String(x !== 0) : formatNumber(x, precision));
  if (shape.length === 0) return fmt(data[0] as number);
  if (data.length > maxItems) {
    const head = Math.min(3, maxItems);
    const items = Array.from({ length: head }, (_, i) => fmt(data[i] as number));
    return `[${items.join(", ")}, … ${data.length - head} more]`;
  }
  let offset = 0;
  const build = (dim: number): string => {
    const n = shape[dim] as number;
    const parts: string[] = [];
    for (let i = 0; i < n; i++)
      parts.push(dim === shape.length - 1 ? fmt(data[offset++] as number) : build(dim + 1));
    return `[${parts.join(", ")}]`;
  };
  return build(0);
}

/** @internal Nested arrays from flat row-major data (a number for shape `[]`). */
export function nested(data: ArrayLike<number>, shape: readonly number[]): NestedNumbers {
  if (shape.length === 0) return data[0] as number;
  let offset = 0;
  const build = (dim: number): NestedNumbers[] => {
    const n = shape[dim] as number;
    const out: NestedNumbers[] = new Array(n);
    for (let i = 0; i < n; i++)
      out[i] = dim === shape.length - 1 ? (data[offset++] as number) : build(dim + 1);
    return out;
  };
  return build(0);
}

/** @internal The Euclidean norm of flat data. */
export function norm(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += (data[i] as number) ** 2;
  return Math.sqrt(s);
}
