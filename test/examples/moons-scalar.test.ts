import { describe, expect, it } from "vitest";
import { main } from "../../docs/examples/moons-scalar";
import { trainMoons } from "../../src/cli/moons-demo";

describe("docs/examples/moons-scalar", () => {
  const options = { points: 60, steps: 50, seed: 1337 };
  const result = main({ ...options, plot: false, log: () => {} });

  it("has micrograd's 337 parameters and learns the moons: ≥ 90% after 50 steps on 60 points", () => {
    expect(result.parameters).toBe(337);
    expect(result.losses).toHaveLength(50);
    expect(result.losses.at(-1) as number).toBeLessThan((result.losses[0] as number) / 4);
    expect(result.finalAccuracy).toBeGreaterThanOrEqual(0.9);
  });

  it("computes exactly what the CLI's moons demo computes", () => {
    const reference = trainMoons(options);
    expect(result.losses).toEqual(reference.losses);
    expect(result.accuracies.at(-1)).toBe(reference.accuracy);
  });

  it("draws the decision boundary", () => {
    const lines: string[] = [];
    main({ points: 20, steps: 2, log: (l) => lines.push(l) });
    const plot = lines.filter((l) => l.startsWith("|"));
    expect(plot).toHaveLength(24);
    expect(plot.join("")).toMatch(/[+o]/);
  });
});
