/** Deep graphs: tracing, DOT and explanations walk iteratively, so 10⁵ nodes cannot overflow the stack. */
import { describe, expect, it } from "vitest";
import { backwardSteps, toDot, traceGraph, type Value, value } from "../../src/index";

describe("a chain of 10⁵ Value nodes", () => {
  const chain = (): { x: Value; y: Value } => {
    const x = value(0.5, "x");
    let y = x;
    for (let i = 0; i < 50_000; i++) y = y.mul(1.00001).tanh(); // 10⁵ ops, 5·10⁴ constants
    return { x, y };
  };

  it("traces with ids in topological order", () => {
    const { y } = chain();
    const { nodes, edges } = traceGraph(y);
    expect(nodes).toHaveLength(150_001 + 100_000);
    expect(edges).toHaveLength(3 * 100_000 - 50_000);
    expect(nodes[nodes.length - 1]?.id).toBe(`n${nodes.length - 1}`);
  });

  it("converts to DOT, numbered, clustered and collapsed", () => {
    const { x, y } = chain();
    const dot = toDot(y, { numbering: true, clusters: { input: [x] } });
    expect(dot.startsWith("digraph chainrule {")).toBe(true);
    expect(dot.match(/->/g)).toHaveLength(250_000);
    expect(dot).toContain('label="{ #100001 x |');
    expect(toDot(y, { collapse: true })).toContain("n250000");
  });

  it("explains the backward pass row by row", () => {
    const { y } = chain();
    const steps = backwardSteps(y);
    expect(steps).toHaveLength(100_000);
    expect(steps[steps.length - 1]?.input.name).toBe("x");
  });
});
