/**
 * float32 next to float64 (SPEC §2, §8): mixing dtypes in one op promotes to float64, a plain number takes the
 * tensor's dtype, values are rounded to float32 once per op, sums accumulate in double
 * precision, and gradients keep the dtype. (The op-table suite runs every op in float32.)
 */
import { describe, expect, it } from "vitest";
import {
  add,
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

  it.each(BINARY)("%s promotes float32 with float64 to float64, either way round (SPEC §8)", (op, f) => {
    for (const [a, b] of [
      [f64([1, 2], true), f32([3, 4], true)],
      [f32([1, 2], true), f64([3, 4], true)],
    ] as const) {
      const y = f(a, b);
      const comparison = ["eq", "gt", "lt", "ge", "le"].includes(op);
      expect(y.dtype, op).toBe(comparison ? "bool" : "float64");
      // the float32 operand went through a recorded astype, so its gradient comes back float32
      if (y.requiresGrad) {
        y.sum().backward();
        expect(a.grad?.dtype).toBe(a.dtype);
        expect(b.grad?.dtype).toBe(b.dtype);
      }
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

describe("prod, cumprod, all/any and the sorting ops across dtypes", () => {
  const i32 = (v: number[]) => tensor(v, { dtype: "int32" });
  const bool = (v: number[]) => tensor(v, { dtype: "bool" });

  it("prod and cumprod of int32 stay int32, wrapping modulo 2³² as Math.imul; bool gives int32", () => {
    const p = i32([46341, 46341]).prod();
    expect([p.dtype, p.item()]).toEqual(["int32", Math.imul(46341, 46341)]);
    expect(i32([65536, 65536, 3]).cumprod(0).toArray()).toEqual([65536, 0, 0]);
    const b = bool([1, 0, 1]);
    expect([b.prod().dtype, b.prod().item()]).toEqual(["int32", 0]);
    expect([b.cumprod(0).dtype, b.cumprod(0).toArray()]).toEqual(["int32", [1, 0, 0]]);
    expect(f32([1.5, 2]).prod().dtype).toBe("float32");
    expect(f32([1.5, 2]).cumprod(0).dtype).toBe("float32");
  });

  it("all and any accept every dtype and return bool", () => {
    for (const dtype of ["float64", "float32", "int32", "bool"] as const) {
      const x = tensor(
        [
          [1, 0],
          [2, 3],
        ],
        { dtype },
      );
      expect([x.all(1).dtype, x.all(1).toArray()], dtype).toEqual(["bool", [false, true]]);
      expect([x.any(0).dtype, x.any(0).toArray()], dtype).toEqual(["bool", [true, true]]);
    }
  });

  it("norm is floating point: float32 stays float32, int32 computes in float64", () => {
    expect(f32([3, 4]).norm().dtype).toBe("float32");
    const n = i32([3, 4]).norm();
    expect([n.dtype, n.item()]).toEqual(["float64", 5]);
  });

  it("sort, argsort and topk give int32 indices and values of the input's dtype", () => {
    for (const dtype of ["float64", "float32", "int32", "bool"] as const) {
      const x = tensor([1, 0, 1, 0], { dtype });
      const s = x.sort(0, { descending: true });
      expect([s.values.dtype, s.indices.dtype, x.argsort().dtype], dtype).toEqual([dtype, "int32", "int32"]);
      expect(s.indices.toArray(), dtype).toEqual([0, 2, 1, 3]);
      const t = x.topk(1);
      expect([t.values.dtype, t.indices.dtype, t.indices.toArray()], dtype).toEqual([dtype, "int32", [0]]);
    }
  });
});

describe("pad, maskedFill, maskedSelect and scatter across dtypes", () => {
  const DTYPES = ["float64", "float32", "int32", "bool"] as const;

  it("keep the input's dtype, the fill value converted as astype converts", () => {
    for (const dtype of DTYPES) {
      const x = tensor([1, 0, 1], { dtype });
      const mask = tensor([true, false, false]);
      const outs = [
        x.pad([1, 1]),
        x.pad([1, 0], { mode: "reflect" }),
        x.pad([0, 2], { mode: "replicate" }),
        x.maskedFill(mask, 0),
        x.maskedSelect(mask),
        x.scatter(0, [2], 0),
        x.scatter(0, [0], tensor([0], { dtype })),
      ];
      expect(
        outs.map((t) => t.dtype),
        dtype,
      ).toEqual(outs.map(() => dtype));
    }
    expect(tensor([1, 2], { dtype: "int32" }).pad([1, 0], { value: 2.7 }).toArray()).toEqual([2, 1, 2]);
    expect(tensor([false], { dtype: "bool" }).pad([0, 1], { value: 5 }).toArray()).toEqual([false, true]);
    // torch: masked_fill and scatter with a number keep an integer tensor's dtype, truncating
    expect(
      tensor([1, 2, 3], { dtype: "int32" })
        .maskedFill(tensor([true, false, true]), 1.5)
        .toArray(),
    ).toEqual([1, 2, 1]);
    const s = tensor([0, 0], { dtype: "int32" }).scatter(0, [1], 1.7);
    expect([s.dtype, s.toArray()]).toEqual(["int32", [0, 1]]);
  });

  it("the mask may have any dtype and index arguments may be int32 tensors", () => {
    const x = tensor([1, 2, 3, 4]);
    for (const dtype of DTYPES) {
      expect(x.maskedSelect(tensor([0, 1, 1, 0], { dtype })).toArray(), dtype).toEqual([2, 3]);
      expect(x.maskedFill(tensor([0, 1, 1, 0], { dtype }), 9).toArray(), dtype).toEqual([1, 9, 9, 4]);
    }
    expect(x.maskedSelect(x.gt(2)).toArray()).toEqual([3, 4]);
    expect(x.scatter(0, tensor([3, 0], { dtype: "int32" }), tensor([7, 8])).toArray()).toEqual([8, 2, 3, 7]);
  });

  it("scatter promotes x and a src tensor; a 0-d value tensor takes x's dtype, differentiably", () => {
    const s = tensor([1, 2], { dtype: "int32" }).scatter(0, [0], tensor([0.5]));
    expect([s.dtype, s.toArray()]).toEqual(["float64", [0.5, 2]]);
    const x = f32([1, 2, 3], true);
    const v = f64(0.25, true);
    const y = x.maskedFill(tensor([true, false, true]), v);
    expect(y.dtype).toBe("float32");
    y.sum().backward();
    expect([x.grad?.dtype, x.grad?.toArray(), v.grad?.dtype, v.grad?.item()]).toEqual([
      "float32",
      [0, 1, 0],
      "float64",
      2,
    ]);
    // integer results never require grad
    expect(
      tensor([1, 2], { dtype: "int32" }).scatter(0, [0], f64([1.5], true).astype("int32")).requiresGrad,
    ).toBe(false);
  });
});
