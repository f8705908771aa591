import { describe, expect, it } from "vitest";
import { ChainruleError, tensor } from "../../src/index";

describe("Tensor.grad assignment", () => {
  it("accepts null and a tensor of the same shape and dtype", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.grad = tensor([3, 4]);
    expect(x.grad?.toArray()).toEqual([3, 4]);
    x.grad = null;
    expect(x.grad).toBeNull();
  });

  it("refuses a gradient of another dtype, shape or type, and keeps the old one", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const old = tensor([5, 6]);
    x.grad = old;
    const bad: unknown[] = [
      tensor([1, 2], { dtype: "float32" }),
      tensor([1, 2, 3]),
      tensor([[1, 2]]),
      [1, 2],
      undefined,
      0,
    ];
    for (const g of bad) {
      expect(() => {
        (x as { grad: unknown }).grad = g;
      }).toThrow(ChainruleError);
    }
    expect(x.grad).toBe(old);
    expect(() => {
      (x as { grad: unknown }).grad = tensor([1, 2], { dtype: "float32" });
    }).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: grad: must be null or a float64 Tensor of shape [2], got float32 Tensor [2]]`,
    );
  });
});

describe("a failed backward pass", () => {
  it("cannot start from a mistyped .grad (the issue's repro): both leaves get their gradients", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    // before: the float32 .grad was accepted, and the next backward wrote b.grad, then threw on a
    expect(() => {
      a.grad = tensor([0, 0], { dtype: "float32" });
    }).toThrow(ChainruleError);
    b.mul(a).sum().backward();
    expect(a.grad?.toArray()).toEqual([3, 4]);
    expect(b.grad?.toArray()).toEqual([1, 2]);
  });

  it("writes no .grad when a pass fails on a modified input", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    a.mul(b).sum().backward();
    const before = [a.grad?.toArray(), b.grad?.toArray()];
    const z = a.add(1).mul(b.mul(2)).sum();
    b.set(7); // mul saved b: the pass must fail
    expect(() => z.backward()).toThrow(ChainruleError);
    expect([a.grad?.toArray(), b.grad?.toArray()]).toEqual(before);
  });

  it("writes no .grad when a hook throws after other leaves' gradients are known", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    const c = a.mul(3);
    c.registerHook(() => {
      throw new ChainruleError("stop");
    });
    // b's gradient is complete before c's hook runs (b is used only at the end)
    expect(() => c.sum().add(b.sum()).backward()).toThrow("stop");
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
  });
});

describe("backward argument validation", () => {
  it("throws ChainruleError, not TypeError, for bad options", () => {
    const x = tensor(2, { requiresGrad: true });
    const y = x.mul(x);
    expect(() => y.backward(undefined, null as never)).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: backward: options must be an object, got null]`,
    );
    expect(() => y.backward(undefined, { createGraph: "yes" as never })).toThrow(ChainruleError);
    expect(x.grad).toBeNull();
    y.backward(undefined, {});
    expect(x.grad?.item()).toBe(4);
  });
});
