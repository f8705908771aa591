import { describe, expect, it } from "vitest";
import { main } from "../../docs/examples/salary-network";

describe("docs/examples/salary-network", () => {
  const result = main({ steps: 300, log: () => {} });

  it("the lecture's delta rule and autodiff make the same updates, step after step (to 1e-12)", () => {
    expect(result.updateMaxDiff).toBeLessThanOrEqual(1e-12);
    expect(result.weightMaxDiff).toBeLessThanOrEqual(1e-12);
  });

  it("σ′ taken at ŷ instead of Z3 gives a visibly different update", () => {
    expect(result.sigmoidAtActivationDiff).toBeGreaterThan(1e-3);
  });

  it("training lowers the quadratic cost", () => {
    expect(result.finalCost).toBeLessThan(result.initialCost / 3);
    expect(result.predictions).toHaveLength(10);
    for (const p of result.predictions) expect(p).toBeGreaterThan(0);
  });

  it("agrees for any step size and seed", () => {
    const other = main({ steps: 50, lr: 0.3, seed: 7, log: () => {} });
    expect(other.updateMaxDiff).toBeLessThanOrEqual(1e-12);
    expect(other.weightMaxDiff).toBeLessThanOrEqual(1e-12);
  });
});
