/**
 * Argument validation of every public graph function: options that are not a plain object
 * (null, an array, a number, a string) are refused with a ChainruleError in the one message
 * style `<fn>: options must be an object, got …`, never a raw TypeError.
 */
import { describe, expect, it } from "vitest";
import {
  backwardSteps,
  ChainruleError,
  type CheckDerivativeOptions,
  checkDerivative,
  expandToScalars,
  explainBackward,
  formatBackpropReport,
  manualSeed,
  nn,
  renderSvg,
  toDot,
  toHtml,
  traceGraph,
  type Value,
} from "../../src/index";
import { tanhGraph } from "./fixtures";

const BAD = [null, [], 5, "text"] as const;
const got = (v: unknown) =>
  v === null
    ? "null"
    : Array.isArray(v)
      ? "array of length 0"
      : typeof v === "number"
        ? "number 5"
        : 'string "text"';

describe("graph functions refuse options that are not an object", () => {
  const { L } = tanhGraph();
  manualSeed(0);
  const layer = new nn.Linear(2, 2);
  const synchronous: [string, (o: unknown) => unknown][] = [
    ["traceGraph", (o) => traceGraph(L, o as never)],
    ["toDot", (o) => toDot(L, o as never)],
    ["explainBackward", (o) => explainBackward(L, o as never)],
    ["backwardSteps", (o) => backwardSteps(L, o as never)],
    [
      "checkDerivative",
      (o) =>
        checkDerivative(
          (x: Value) => x.mul(x),
          (x: number) => 2 * x,
          [3],
          o as CheckDerivativeOptions,
        ),
    ],
    ["expandToScalars", (o) => expandToScalars(layer, [1, 2], o as never)],
    ["formatBackpropReport", (o) => formatBackpropReport({ layers: [] } as never, "text", o as never)],
  ];

  for (const [name, call] of synchronous) {
    it(`${name}`, () => {
      for (const bad of BAD) {
        expect(() => call(bad)).toThrow(ChainruleError);
        expect(() => call(bad)).toThrow(`${name}: options must be an object, got ${got(bad)}`);
      }
      expect(() => call(undefined)).not.toThrow();
    });
  }

  it("renderSvg and toHtml (rejected promises)", async () => {
    for (const bad of BAD) {
      await expect(renderSvg(L, bad as never)).rejects.toThrow(
        `renderSvg: options must be an object, got ${got(bad)}`,
      );
      await expect(toHtml(L, bad as never)).rejects.toThrow(
        `toHtml: options must be an object, got ${got(bad)}`,
      );
    }
  });

  it("checks option values in the same style", () => {
    expect(() => explainBackward(L, { maxValues: -1 })).toThrow(
      "explainBackward: maxValues must be an integer ≥ 0, got number -1",
    );
    expect(() => backwardSteps(L, { maxValues: "3" as never })).toThrow(
      'backwardSteps: maxValues must be an integer ≥ 0 or Infinity, got string "3"',
    );
    expect(() => traceGraph(L, { maxElements: Number.NaN })).toThrow(
      "traceGraph: maxElements must be an integer ≥ 0, got number NaN",
    );
    expect(() => toDot(L, { aliases: 1 as never })).toThrow(
      "toDot: aliases must be true or false, got number 1",
    );
    expect(() => explainBackward(L, { format: "html" as never })).toThrow(
      'explainBackward: format must be one of "text", "markdown", "latex", got string "html"',
    );
  });
});
