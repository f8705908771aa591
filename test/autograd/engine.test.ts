import { describe, expect, it } from "vitest";
import { backprop, topoSort, Value } from "../../src/index";

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
