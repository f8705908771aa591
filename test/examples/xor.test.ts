import { describe, expect, it } from "vitest";
import { main } from "../../docs/examples/xor";

describe("docs/examples/xor", () => {
  it("learns XOR: every corner within 0.1 of its label after 100 steps", () => {
    const lines: string[] = [];
    const result = main({ steps: 100, seed: 0, log: (l) => lines.push(l) });
    expect(result.targets).toEqual([0, 1, 1, 0]);
    expect(result.accuracy).toBe(1);
    result.predictions.forEach((p, i) => {
      expect(Math.abs(p - (result.targets[i] as number))).toBeLessThan(0.1);
    });
    // the four predictions are printed, one line per corner
    expect(lines.filter((l) => /^ {2}[01] {3}[01] {4}[01] {4}0\.\d{4}$/.test(l))).toHaveLength(4);
  });

  it("succeeds for several seeds with the default 8 hidden units", () => {
    for (const seed of [1, 2, 3, 27]) {
      expect(main({ steps: 100, seed, log: () => {} }).accuracy).toBe(1);
    }
  });

  it("with 4 hidden units, seed 27 ends in the local minimum the example mentions", () => {
    const result = main({ hidden: 4, seed: 27, steps: 100, log: () => {} });
    expect(result.accuracy).toBeLessThan(1);
    expect(result.predictions.filter((p) => Math.abs(p - 0.5) < 0.05).length).toBeGreaterThanOrEqual(1);
  });
});
