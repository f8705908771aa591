import { describe, expect, it } from "vitest";
import { main } from "../../docs/examples/softmax-regression-iris";

describe("docs/examples/softmax-regression-iris", () => {
  const result = main({ epochs: 30, seed: 0, log: () => {} });

  it("δ = a − y at the logits is autodiff's ∂L/∂z (to 1e-12)", () => {
    expect(result.deltaMaxDiff).toBeLessThanOrEqual(1e-12);
  });

  it("classifies the three species: ≥ 90% train, ≥ 85% test after 30 epochs", () => {
    expect(result.finalLoss).toBeLessThan(0.3); // ln 3 ≈ 1.1 for a uniform guess
    expect(result.trainAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.85);
  });

  it("is reproducible from its seed", () => {
    expect(main({ epochs: 3, seed: 5, log: () => {} })).toEqual(main({ epochs: 3, seed: 5, log: () => {} }));
  });
});
