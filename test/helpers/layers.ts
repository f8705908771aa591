/** Helpers of the layer tests (test/nn): deterministic inputs and error messages. */
import { expect } from "vitest";
import { ChainruleError, type Tensor, tensor } from "../../src/index";

/** A float64 tensor of shape `shape` with deterministic, non-degenerate values (no ties, no zeros in a row). */
export function filled(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 2 + (i % 3) * 0.3),
    { shape },
  );
}

/** The message of the ChainruleError that `f` throws (fails the test if it throws anything else or nothing). */
export function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ChainruleError);
    return (e as Error).message;
  }
  throw new Error("did not throw");
}
