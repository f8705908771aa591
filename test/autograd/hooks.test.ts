import { describe, expect, it } from "vitest";
import { ChainruleError, gradients, type Tensor, tensor } from "../../src/index";

describe("Tensor.registerHook", () => {
  it("sees a leaf's complete gradient and its replacement is what .grad accumulates", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(Array.from(g.data));
      return g.mul(10);
    });
    // x is used twice: the hook runs once, with the sum of both contributions
    x.mul(x).add(x).sum().backward();
    expect(seen).toEqual([[3, 5]]); // 2x + 1
    expect(x.grad?.toArray()).toEqual([30, 50]);
  });

  it("on an intermediate tensor replaces the gradient that flows on to its inputs", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    h.registerHook((g) => g.mul(0.5));
    h.sum().backward();
    expect(x.grad?.toArray()).toEqual([1.5, 1.5]);
  });

  it("keeps the gradient when the hook returns undefined, and retained grads see replacements", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2).retainGrad();
    let calls = 0;
    h.registerHook(() => {
      calls++;
    });
    h.registerHook((g) => g.add(1));
    h.sum().backward();
    expect(calls).toBe(1);
    expect(h.grad?.toArray()).toEqual([2, 2]);
    expect(x.grad?.toArray()).toEqual([4, 4]);
  });

  it("runs several hooks on one tensor in registration order, each on the previous result", () => {
    const x = tensor([1], { requiresGrad: true });
    const order: string[] = [];
    x.registerHook((g) => {
      order.push("first");
      return g.add(1);
    });
    x.registerHook((g) => {
      order.push(`second saw ${g.item()}`);
      return g.mul(2);
    });
    x.mul(5).sum().backward();
    expect(order).toEqual(["first", "second saw 6"]);
    expect(x.grad?.item()).toBe(12);
  });

  it("runs hooks in backward order: the output's first, the leaf's last", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const a = x.exp();
    const b = a.mul(2);
    const loss = b.sum();
    const order: string[] = [];
    for (const [name, t] of [
      ["x", x],
      ["b", b],
      ["loss", loss],
      ["a", a],
    ] as [string, Tensor][]) {
      t.registerHook(() => {
        order.push(name);
      });
    }
    loss.backward();
    expect(order).toEqual(["loss", "b", "a", "x"]);
  });

  it("stops after remove(); removing twice is harmless", () => {
    const x = tensor([1], { requiresGrad: true });
    let calls = 0;
    const handle = x.registerHook(() => {
      calls++;
    });
    x.mul(2).sum().backward();
    handle.remove();
    handle.remove();
    x.mul(2).sum().backward();
    expect(calls).toBe(1);
    expect(x.grad?.item()).toBe(4);
  });

  it("runs inside gradients() too, without touching .grad", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.registerHook((g) => g.neg());
    const [g] = gradients(x.mul(x).sum(), [x]);
    expect(g?.toArray()).toEqual([-2, -4]);
    expect(x.grad).toBeNull();
  });

  it("gets a differentiable gradient under createGraph", () => {
    const x = tensor(3, { requiresGrad: true });
    let recorded = false;
    x.registerHook((g) => {
      recorded = g.requiresGrad;
    });
    x.pow(3).backward(undefined, { createGraph: true });
    expect(recorded).toBe(true);
    const [g2] = gradients(x.grad as Tensor, [x]);
    expect(g2?.item()).toBe(18); // d(3x²)/dx = 6x
  });

  it("refuses tensors that do not require grad and hooks that are not functions", () => {
    expect(() => tensor([1]).registerHook(() => undefined)).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: registerHook: this [1] tensor does not require grad, so no gradient reaches it]`,
    );
    expect(() => tensor([1], { requiresGrad: true }).registerHook(5 as never)).toThrow(ChainruleError);
  });

  it("refuses a replacement of another shape or dtype, and the failed pass writes no .grad", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([3, 4], { requiresGrad: true });
    const h = x.mul(w);
    const handle = h.registerHook(() => tensor([1, 2, 3]));
    expect(() => h.sum().backward()).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: registerHook: a hook must return undefined or a float64 Tensor of shape [2] (the gradient's), got float64 Tensor [3]]`,
    );
    handle.remove();
    h.registerHook(() => tensor([1, 2], { dtype: "float32" }));
    expect(() => h.sum().backward()).toThrow(ChainruleError);
    h.registerHook(() => 7 as never);
    expect(() => h.sum().backward()).toThrow(ChainruleError);
    expect(x.grad).toBeNull();
    expect(w.grad).toBeNull();
  });
});
