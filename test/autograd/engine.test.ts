import { describe, expect, it } from "vitest";
import { backprop, topoSort } from "../../src/autograd/engine";
import { customOp, enableGrad, gradients, type Tensor, tensor, Value } from "../../src/index";
import { expectAllClose } from "../helpers/close";

describe("topoSort", () => {
  it("puts every parent before its children", () => {
    const a = new Value(1);
    const b = a.mul(2);
    const c = a.add(b);
    const d = c.mul(b);
    const order = topoSort([d]);
    const pos = new Map(order.map((n, i) => [n, i]));
    for (const n of order)
      for (const p of n.parents) if (p.requiresGrad) expect(pos.get(p)!).toBeLessThan(pos.get(n)!);
    expect(order.at(-1)).toBe(d);
    expect(new Set(order).size).toBe(order.length);
  });

  it("skips constant leaves made from numbers", () => {
    const a = new Value(1);
    const y = a.mul(3).add(4);
    expect(topoSort([y])).toEqual([a, y.parents[0], y]);
  });

  it("sorts a chain of 1,000,000 ops without overflowing the stack", () => {
    let x = new Value(0.5);
    const x0 = x;
    for (let i = 0; i < 1_000_000; i++) x = x.add(x0);
    expect(topoSort([x]).length).toBe(1_000_001);
  });
});

describe("backprop", () => {
  it("returns this pass's gradients without reading .grad", () => {
    const a = new Value(3);
    a.grad = 100;
    const y = a.mul(a);
    const { nodes, grads } = backprop<Value, number>([y], [1], (p, q) => p + q, 0);
    expect(grads[nodes.indexOf(a)]).toBe(6);
    expect(a.grad).toBe(100);
  });

  it("sums contributions of several roots with their seeds", () => {
    const a = new Value(2);
    const y1 = a.mul(3);
    const y2 = a.mul(a);
    const { nodes, grads } = backprop<Value, number>([y1, y2], [1, 10], (p, q) => p + q, 0);
    expect(grads[nodes.indexOf(a)]).toBe(3 + 10 * 4);
  });
});

describe("backprop on tensors", () => {
  it("sums the contributions of every path into a node used several times", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(x); // x used twice by one op
    const y = h.add(x).mul(h).sum(); // h used twice, x reached by two routes
    y.backward();
    // y = Σ (x² + x)·x² = Σ x⁴ + x³  →  4x³ + 3x²
    expectAllClose(x.grad!, [4 + 3, 32 + 12]);
  });

  it("keeps the outer pass's partial gradients when a custom op's backward runs its own pass", () => {
    // the op's backward differentiates sin(x)² again with gradients() on the very same input x,
    // which the outer pass is also accumulating into (through x·3)
    const recompute = customOp({
      name: "recompute",
      forward: (x) => x.sin().pow(2),
      backward: (g, { inputs: [x] }) => {
        const [gx] = enableGrad(() =>
          gradients(x!.sin().pow(2), [x!], { gradOutputs: [g], allowUnused: true }),
        );
        return [gx!];
      },
    });
    const x = tensor([0.3, -1.1], { requiresGrad: true });
    recompute(x).add(x.mul(3)).sum().backward();
    // ∂/∂x (sin²x + 3x) = 2 sin x cos x + 3
    expectAllClose(
      x.grad!,
      [0.3, -1.1].map((v) => 2 * Math.sin(v) * Math.cos(v) + 3),
    );
  });

  it("seeds several tensor roots with their own gradients", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y1 = x.mul(3);
    const y2 = x.mul(x);
    const { nodes, grads } = backprop<Tensor, Tensor>([y1, y2], [tensor([1, 1]), tensor([10, 100])], (a, b) =>
      a.add(b),
    );
    expectAllClose(grads[nodes.indexOf(x)]!, [3 + 10 * 2, 3 + 100 * 4]);
    expect(x.grad).toBeNull();
  });
});
