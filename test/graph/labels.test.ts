/**
 * Labels that are not strings. `Value` and `Tensor` accept only string labels, but one assigned
 * through a cast (or by JavaScript code) can be anything; every graph view reads it as text
 * (`String()`, Symbols as `Symbol(desc)`, unconvertible objects by their description) instead of
 * crashing later.
 */
import { describe, expect, it } from "vitest";
import {
  backwardSteps,
  explainBackward,
  tensor,
  toDot,
  toHtml,
  traceGraph,
  type Value,
  value,
} from "../../src/index";

/** Sets a label the type system would refuse, bypassing any setter. */
function forceLabel(node: object, label: unknown): void {
  Object.defineProperty(node, "label", {
    value: label,
    writable: true,
    configurable: true,
    enumerable: true,
  });
}

const cases: [string, unknown, string][] = [
  ["a number", 42, "42"],
  ["an object", {}, "[object Object]"],
  ["a Symbol", Symbol("s"), "Symbol(s)"],
  ["a null-prototype object", Object.create(null), "object"],
  [
    "an object whose toString throws",
    {
      toString: () => {
        throw new Error("no");
      },
    },
    "Object",
  ],
];

describe("non-string labels", () => {
  for (const [what, label, text] of cases) {
    it(`reads ${what} as the text ${JSON.stringify(text)} in every view`, async () => {
      const x = value(2);
      forceLabel(x, label);
      const y = x.mul(x).tanh() as Value;
      y.backward();
      expect(toDot(y)).toContain(`label="{ ${text.replace(/[{}]/g, "\\$&")} | data 2 |`);
      for (const format of ["text", "markdown", "latex"] as const) {
        expect(explainBackward(y, { format })).toContain(
          format === "latex" ? text.replace(/[{}]/g, "\\$&") : text,
        );
      }
      expect(traceGraph(y).nodes[0]?.label).toBe(text);
      expect(backwardSteps(y).at(-1)?.input.name).toBe(text);
      expect(await toHtml(y)).toMatch(/^<!doctype html>/);
    });
  }

  it("reads null as no label, and tensors' labels the same way", () => {
    const x = value(1);
    forceLabel(x, null);
    expect(traceGraph(x.exp()).nodes[0]?.label).toBeNull();
    const t = tensor([1, 2], { requiresGrad: true });
    forceLabel(t, 7);
    expect(toDot(t.sum())).toContain('label="{ 7 | [2] float64 |');
    expect(traceGraph(t.sum()).nodes[0]?.label).toBe("7");
  });
});
