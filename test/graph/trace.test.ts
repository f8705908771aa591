/** traceGraph (SPEC §4): ids in topological order, op nodes between operands and results, JSON. */
import { describe, expect, it } from "vitest";
import { ChainruleError, noGrad, tensor, traceGraph, value } from "../../src/index";
import { linearSigmoidGraph, tanhGraph } from "./fixtures";

describe("traceGraph on Values", () => {
  it("gives ids n0, n1, … in topological order with an op node before each result", () => {
    const { L } = tanhGraph();
    L.backward();
    const { nodes, edges } = traceGraph(L);
    expect(nodes.map((n) => [n.id, n.kind, n.op, n.label])).toEqual([
      ["n0", "value", "", "a"],
      ["n1", "value", "", "b"],
      ["n2", "op", "mul", null],
      ["n3", "value", "mul", "e"],
      ["n4", "value", "", "c"],
      ["n5", "op", "add", null],
      ["n6", "value", "add", "d"],
      ["n7", "op", "tanh", null],
      ["n8", "value", "tanh", "L"],
    ]);
    expect(edges).toEqual([
      { from: "n0", to: "n2" },
      { from: "n1", to: "n2" },
      { from: "n2", to: "n3" },
      { from: "n3", to: "n5" },
      { from: "n4", to: "n5" },
      { from: "n5", to: "n6" },
      { from: "n6", to: "n7" },
      { from: "n7", to: "n8" },
    ]);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    expect(byId.get("n0")).toMatchObject({ data: 2, shape: [], requiresGrad: true });
    expect(byId.get("n8")?.grad).toBe(1);
    expect(byId.get("n0")?.grad).toBeCloseTo(-3 * (1 - Math.tanh(4) ** 2), 15);
    expect(byId.get("n2")).toMatchObject({ data: null, grad: null, shape: [] });
  });

  it("includes constant leaves made from plain numbers, and every operand use as an edge", () => {
    const x = value(3, "x");
    const y = x.mul(x).add(1);
    const { nodes, edges } = traceGraph(y);
    expect(nodes.map((n) => `${n.id}:${n.kind}:${n.op}:${n.requiresGrad}`)).toEqual([
      "n0:value::true",
      "n1:op:mul:true",
      "n2:value:mul:true",
      "n3:value::false",
      "n4:op:add:true",
      "n5:value:add:true",
    ]);
    expect(nodes[3]?.data).toBe(1);
    expect(edges.filter((e) => e.to === "n1")).toEqual([
      { from: "n0", to: "n1" },
      { from: "n0", to: "n1" },
    ]);
  });

  it("traces several roots together, each node once", () => {
    const a = value(1, "a");
    const p = a.exp();
    const q = a.sin();
    const { nodes } = traceGraph([p, q, p]);
    expect(nodes.map((n) => n.op)).toEqual(["", "exp", "exp", "sin", "sin"]);
  });

  it("is JSON-serialisable and survives a round trip", () => {
    const { L } = tanhGraph();
    const trace = traceGraph(L);
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });

  it("rejects anything but Values and Tensors", () => {
    expect(() => traceGraph(3 as never)).toThrow(ChainruleError);
    expect(() => traceGraph([value(1), {}] as never)).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: traceGraph: root must be a Value, a Tensor or an array of them, got Object (root 1)]`,
    );
  });
});

describe("traceGraph on Tensors", () => {
  it("gives shapes, dtypes, nested data, stored grads and module scopes", () => {
    const { y } = linearSigmoidGraph();
    y.backward();
    const { nodes, edges } = traceGraph(y);
    expect(nodes.map((n) => [n.id, n.kind, n.op, n.label, n.shape, n.scope])).toEqual([
      ["n0", "tensor", "", "x", [1, 3], undefined],
      ["n1", "tensor", "", null, [2, 3], undefined],
      ["n2", "tensor", "", null, [2], undefined],
      ["n3", "op", "linear", null, [1, 2], "0"],
      ["n4", "tensor", "linear", null, [1, 2], "0"],
      ["n5", "op", "sigmoid", null, [1, 2], "1"],
      ["n6", "tensor", "sigmoid", null, [1, 2], "1"],
      ["n7", "op", "sum", null, [], undefined],
      ["n8", "tensor", "sum", "y", [], undefined],
    ]);
    expect(edges.map((e) => `${e.from}->${e.to}`)).toEqual([
      "n0->n3",
      "n1->n3",
      "n2->n3",
      "n3->n4",
      "n4->n5",
      "n5->n6",
      "n6->n7",
      "n7->n8",
    ]);
    const w = nodes[1];
    expect(w).toMatchObject({
      dtype: "float64",
      requiresGrad: true,
      data: [
        [0.1, -0.2, 0.3],
        [0.4, 0.5, -0.6],
      ],
    });
    // ∂y/∂W = σ′(z)ᵀ·x with z = [0.6, −0.4]
    const s = [0.6, -0.4].map((z) => 1 / (1 + Math.exp(-z)));
    const g = s.map((v) => v * (1 - v));
    const grad = w?.grad as number[][];
    for (const [i, row] of grad.entries()) {
      for (const [j, v] of row.entries()) expect(v).toBeCloseTo((g[i] as number) * (j + 1), 12);
    }
    expect(nodes[0]?.grad).toBeNull(); // x does not require grad
    expect(nodes[4]?.grad).toBeNull(); // an intermediate keeps no grad
    expect(nodes[8]?.data).toBeCloseTo(s[0]! + s[1]!, 12);
  });

  it("cuts big tensors to maxElements, flat, with a flag", () => {
    const t = tensor(
      Array.from({ length: 12 }, (_, i) => i),
      { requiresGrad: true },
    ).reshape(3, 4);
    const { nodes } = traceGraph(t, { maxElements: 5 });
    expect(nodes[0]).toMatchObject({ data: [0, 1, 2, 3, 4], truncated: true });
    expect(nodes[2]).toMatchObject({ shape: [3, 4], data: [0, 1, 2, 3, 4], truncated: true });
    expect(traceGraph(t).nodes[2]?.truncated).toBeUndefined();
  });

  it("shows tensors made under noGrad as leaves", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(traceGraph(y).nodes).toHaveLength(1);
  });
});
