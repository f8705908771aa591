/**
 * Argument validation, one layer for every public entry. Each checker either returns the value
 * (narrowed to its type) or throws a `ChainruleError` in one message style:
 *
 *     <op>: <what> must be <expectation>, got <description>
 *
 * e.g. `linspace: start must be a finite number, got string "a"`. Checkers never modify anything,
 * so a call that fails validation changes nothing. This file imports only `errors.ts`: every
 * layer above can use it.
 */
import { ChainruleError, describe, fmtShape } from "./errors";

/**
 * The most elements one tensor may hold: the largest typed-array length every engine allows
 * (2³¹ − 1; V8's own limit for a `Float64Array` is of that order). Sizes are checked against it
 * before anything is allocated, so `zeros([1e10, 1e10])` throws a `ChainruleError` rather than a
 * `RangeError` from the engine (or running out of memory).
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** Throws `<op>: <what> must be <expected>, got <describe(value)>`. */
export function fail(op: string, what: string, expected: string, value: unknown): never {
  throw new ChainruleError(`${op}: ${what} must be ${expected}, got ${describe(value)}`);
}

/** A number that is not NaN (±Infinity allowed). */
export function checkNumber(value: unknown, op: string, what: string): number {
  if (typeof value !== "number" || Number.isNaN(value)) fail(op, what, "a number", value);
  return value;
}

/** A finite number. */
export function checkFinite(value: unknown, op: string, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) fail(op, what, "a finite number", value);
  return value;
}

/** A finite number > 0 (or ≥ 0 with `{ allowZero: true }`). */
export function checkPositive(
  value: unknown,
  op: string,
  what: string,
  opts: { allowZero?: boolean } = {},
): number {
  const ok = typeof value === "number" && Number.isFinite(value) && (opts.allowZero ? value >= 0 : value > 0);
  if (!ok) fail(op, what, opts.allowZero ? "a finite number ≥ 0" : "a finite number > 0", value);
  return value as number;
}

/** An integer of either sign (a shift, a diagonal offset). */
export function checkInteger(value: unknown, op: string, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) fail(op, what, "an integer", value);
  return value as number;
}

/** An integer in `[min, max]` (defaults: 0 and `Number.MAX_SAFE_INTEGER`). */
export function checkInt(
  value: unknown,
  op: string,
  what: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
    fail(op, what, range, value);
  }
  return value;
}

/** A boolean; `undefined` gives `fallback` when one is given. */
export function checkBoolean(value: unknown, op: string, what: string, fallback?: boolean): boolean {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "boolean") fail(op, what, "true or false", value);
  return value;
}

/** A string (names, keys). */
export function checkString(value: unknown, op: string, what: string): string {
  if (typeof value !== "string") fail(op, what, "a string", value);
  return value;
}

/** An optional label: a string or `undefined`. */
export function checkLabel(value: unknown, op: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") fail(op, "label", "a string", value);
  return value;
}

/** A function. */
export function checkFunction<F extends (...args: never[]) => unknown>(
  value: unknown,
  op: string,
  what: string,
): F {
  if (typeof value !== "function") fail(op, what, "a function", value);
  return value as F;
}

/** A plain options object, or `undefined` (then `{}`). `null`, arrays and numbers are refused. */
export function checkOptions<T extends object>(value: T | undefined, op: string, what = "options"): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(op, what, "an object", value);
  return value;
}

/** One of a fixed set of strings (e.g. a reduction or a format). */
export function checkOneOf<T extends string>(
  value: unknown,
  choices: readonly T[],
  op: string,
  what: string,
): T {
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    fail(op, what, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, value);
  }
  return value as T;
}

/**
 * A tensor shape: an array of integers ≥ 0 whose product is at most `MAX_ELEMENTS`. Returns the
 * element count.
 */
export function checkShapeArg(shape: unknown, op: string, what = "shape"): number {
  if (!Array.isArray(shape)) fail(op, what, "an array of integers ≥ 0", shape);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new ChainruleError(
        `${op}: ${what} must be an array of integers ≥ 0, got ${describe(d)} at index ${i}`,
      );
    }
    size *= d;
  }
  checkSize(size, op, `${what} ${fmtShape(shape as number[])}`);
  return size;
}

/** An element count that one typed array can hold (see `MAX_ELEMENTS`). */
export function checkSize(size: number, op: string, what = "size"): number {
  if (!(size <= MAX_ELEMENTS)) {
    throw new ChainruleError(
      `${op}: ${what} has ${size} elements, more than one tensor can hold (${MAX_ELEMENTS})`,
    );
  }
  return size;
}
