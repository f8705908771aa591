/** Assertions shared by the test suites. */
import { expect } from "vitest";
import type { Tensor } from "../../src/index";

/** |actual − expected| ≤ tol · max(1, |expected|) (mixed absolute/relative tolerance). */
export function expectClose(actual: number, expected: number, tol = 1e-12): void {
  const err = Math.abs(actual - expected);
  const bound = tol * Math.max(1, Math.abs(expected));
  if (!(err <= bound) && !(Number.isNaN(actual) && Number.isNaN(expected)) && actual !== expected) {
    expect.fail(`expected ${actual} to be within ${tol} of ${expected} (error ${err})`);
  }
}

/** Elementwise {@link expectClose} over numbers (booleans as 0/1), arrays, nested arrays or tensors. */
export function expectAllClose(actual: unknown, expected: unknown, tol = 1e-12): void {
  const flat = (x: unknown): number[] => {
    if (typeof x === "number") return [x];
    if (typeof x === "boolean") return [x ? 1 : 0]; // a bool tensor's elements
    if (x && typeof x === "object" && "toArray" in x) return flat((x as Tensor).toArray());
    if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
    if (Array.isArray(x)) return x.flatMap(flat);
    throw new Error(`expectAllClose: cannot read ${String(x)}`);
  };
  const a = flat(actual);
  const e = flat(expected);
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => {
    try {
      expectClose(v, e[i] as number, tol);
    } catch (err) {
      expect.fail(`element ${i}: ${(err as Error).message}`);
    }
  });
}

/** Central finite difference of a scalar function of one number: (f(x+h) − f(x−h)) / 2h. */
export function centralDiff(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}
