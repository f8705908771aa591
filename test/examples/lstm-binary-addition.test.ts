import { describe, expect, it } from "vitest";
import { main } from "../../docs/examples/lstm-binary-addition";

describe("docs/examples/lstm-binary-addition", () => {
  it("learns to add: every held-out 16-bit sum right after 150 steps on 8-bit numbers", () => {
    const lines: string[] = [];
    const result = main({ steps: 150, seed: 0, log: (l) => lines.push(l) });
    expect(result.testAccuracy).toBe(1);
    expect(result.bitAccuracy).toBe(1);
    expect(result.finalLoss).toBeLessThan(0.05);
    // the worked sums are printed, each checked against a + b
    expect(result.examples).toHaveLength(4);
    for (const { a, b, sum, predicted } of result.examples) {
      expect(sum).toBe(a + b);
      expect(predicted).toBe(sum);
      expect(Math.max(a, b)).toBeGreaterThanOrEqual(0);
      expect(Math.max(a, b)).toBeLessThan(2 ** 16);
      expect(lines).toContain(`  ${a} + ${b} = ${sum}   network: ${predicted} ✓`);
    }
    expect(lines.at(-1)).toBe("whole sums right 100.0%, bits right 100.00%");
  });

  it("succeeds for other seeds too, on 16-bit and on 32-bit numbers", () => {
    expect(main({ steps: 150, seed: 1, testPairs: 50, log: () => {} }).testAccuracy).toBe(1);
    expect(main({ steps: 150, seed: 2, testBits: 32, testPairs: 50, log: () => {} }).testAccuracy).toBe(1);
  });

  it("with 8 hidden units, seed 1 gets only about half of the long sums right, as the example says", () => {
    const result = main({ hidden: 8, steps: 150, seed: 1, log: () => {} });
    expect(result.testAccuracy).toBeLessThan(0.75);
    expect(result.bitAccuracy).toBeGreaterThan(0.9);
    expect(result.bitAccuracy).toBeLessThan(0.99);
  });
});
