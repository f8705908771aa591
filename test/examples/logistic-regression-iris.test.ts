import { describe, expect, it } from "vitest";
import { main } from "../../docs/examples/logistic-regression-iris";

describe("docs/examples/logistic-regression-iris", () => {
  const result = main({ epochs: 50, seed: 0, log: () => {} });

  it("gives the lecture's hand gradients dz = a − y, dw = (a − y)·x, db = a − y (to 1e-12)", () => {
    expect(result.exampleMaxDiff).toBeLessThanOrEqual(1e-12);
    expect(result.batchMaxDiff).toBeLessThanOrEqual(1e-12);
  });

  it("learns versicolor vs virginica: ≥ 90% on train and test", () => {
    expect(result.finalLoss).toBeLessThan(0.2); // ln 2 ≈ 0.693 at w = 0
    expect(result.trainAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.9);
  });

  it("prints the per-flower table and the accuracy", () => {
    const lines: string[] = [];
    main({ epochs: 5, examples: 3, log: (l) => lines.push(l) });
    expect(lines.some((l) => l.includes("dz = a − y"))).toBe(true);
    expect(lines.some((l) => l.includes("accuracy: train"))).toBe(true);
  });
});
