/**
 * float32 next to float64 (SPEC §2): mixing dtypes in one op throws, a plain number takes the
 * tensor's dtype, values are rounded to float32 once per op, sums accumulate in double
 * precision, and gradients keep the dtype. (The op-table suite runs every op in float32.)
 */
import { describe, expect, it } from "vitest";
import {
  add,
  ChainruleError,
  concat,
  div,
  gradcheck,
  maximum,
  minimum,
  mul,
  pow,
  stack,
  sub,
  type Tensor,
  tensor,
  where,
} from "../../src/index";

const f32 = (v: number[] | number, requiresGrad = false) => tensor(v, { dtype: "float32", requiresGrad });
const f64 = (v: number[] | number, requiresGrad = false) => tensor(v, { dtype: "float64", requiresGrad });

describe("mixing dtypes", () => {
  const BINARY: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ["add", (a, b) => a.add(b)],
    ["sub", (a, b) => a.sub(b)],
    ["mul", (a, b) => a.mul(b)],
    ["div", (a, b) => a.div(b)],
    ["pow", (a, b) => a.pow(b)],
    ["maximum", (a, b) => a.maximum(b)],
    ["minimum", (a, b) => a.minimum(b)],
    ["eq", (a, b) => a.eq(b)],
    ["gt", (a, b) => a.gt(b)],
    ["lt", (a, b) => a.lt(b)],
    ["ge", (a, b) => a.ge(b)],
    ["le", (a, b) => a.le(b)],
    ["matmul", (a, b) => a.matmul(b)],
    ["where", (a, b) => where(f64(1), a, b)],
    ["concat", (a, b) => concat([a, b])],
    ["stack", (a, b) => stack([a, b])],
  ];

  it.each(BINARY)("%s throws a ChainruleError naming both dtypes, either way round", (op, f) => {
    for (const [a, b] of [
      [f64([1, 2]), f32([3, 4])],
      [f32([1, 2]), f64([3, 4])],
    ] as const) {
      expect(() => f(a, b)).toThrow(ChainruleError);
      expect(() => f(a, b)).toThrow(
        new RegExp(`^${op}: dtype mismatch: float(64|32) \\[2\\] and float(32|64) \\[2\\]`),
      );
    }
  });

  it("the where condition may have any dtype", () => {
    expect(where(f32([1, 0]), f64([1, 2]), f64([3, 4])).toArray()).toEqual([1, 4]);
  });
});

describe("number operands take the tensor's dtype", () => {
  it("a float32 tensor with a number gives float32, rounding the constant to float32", () => {
    const x = f32([1, 2]);
    const y = x.add(1 / 3);
    expect(y.dtype).toBe("float32");
    expect(y.parents[1]?.dtype).toBe("float32");
    expect(y.parents[1]?.item()).toBe(Math.fround(1 / 3));
    expect(Array.from(y.data)).toEqual([
      Math.fround(1 + Math.fround(1 / 3)),
      Math.fround(2 + Math.fround(1 / 3)),
    ]);
  });

  it("on either side, through the root functions", () => {
    const x = f32([2]);
    for (const y of [
      add(0.1, x),
      sub(0.1, x),
      mul(0.1, x),
      div(0.1, x),
      pow(0.1, x),
      maximum(0.1, x),
      minimum(0.1, x),
    ]) {
      expect(y.dtype).toBe("float32");
      expect(y.parents[0]?.dtype).toBe("float32");
    }
    expect(where(f32([1, 0]), 0.5, 2).dtype).toBe("float32"); // two numbers: the condition's dtype
    expect(where(f64([1, 0]), f32([1, 2]), 0.5).dtype).toBe("float32");
  });
});

describe("float32 arithmetic", () => {
  it("rounds each result to float32 once", () => {
    expect(f32([1]).div(3).item()).toBe(Math.fround(1 / 3));
    expect(
      f32([0.1])
        .mul(f32([0.2]))
        .item(),
    ).toBe(Math.fround(Math.fround(0.1) * Math.fround(0.2)));
    expect(f32([2]).sqrt().item()).toBe(Math.fround(Math.SQRT2));
  });

  it("sums and matmul accumulate in double precision", () => {
    // in float32 arithmetic 1e8 + 1 rounds back to 1e8 (the spacing there is 8)
    expect(f32([1e8, 1, -1e8]).sum().item()).toBe(1);
    expect(f32([1e8, 1, -1e8]).mean().item()).toBe(Math.fround(1 / 3));
    expect(
      f32([1e8, 1, -1e8])
        .matmul(f32([1, 1, 1]))
        .item(),
    ).toBe(1);
  });

  it("gradients keep float32, and gradOutput must be float32 too", () => {
    const x = f32([0.5, -1.5], true);
    const w = f32([2, 3], true);
    const y = x.mul(w).tanh();
    y.backward(f32([1, 1]));
    expect([x.grad?.dtype, w.grad?.dtype]).toEqual(["float32", "float32"]);
    expect(() => y.backward(f64([1, 1]))).toThrow(/gradOutput is float64, the tensor is float32/);
  });

  it("astype moves between dtypes in both directions, differentiably", () => {
    const x = f32([1.5, 2.5], true);
    const y = x
      .astype("float64")
      .mul(f64([2, 4]))
      .sum();
    y.backward();
    expect(x.grad?.dtype).toBe("float32");
    expect(x.grad?.toArray()).toEqual([2, 4]);
  });

  it("gradcheck runs float32 functions in float64", () => {
    // gradcheck copies the inputs to float64 leaves, so f sees float64 tensors
    const r = gradcheck((a) => a.mul(a).sum(), [f32([0.5, 1.5])]);
    expect(r.ok).toBe(true);
  });
});
