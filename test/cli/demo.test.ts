import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDemo } from "../../src/cli/demo";
import { trainMnist } from "../../src/cli/mnist-demo";

describe("the main demo", () => {
  it("trains, reports its accuracy and writes the curve and the graphs", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "chainrule-demo-"));
    const lines: string[] = [];
    const { accuracy, files } = await runDemo({
      train: 600,
      test: 200,
      hidden: 32,
      epochs: 2,
      outDir,
      log: (line) => lines.push(line),
      progress: false,
    });
    expect(accuracy).toBeGreaterThan(0.7);
    const names = files.map((f) => f.slice(outDir.length + 1));
    expect(names).toEqual([
      "training-curve.svg",
      "forward-graph.dot",
      "forward-graph.svg",
      "scalar-graph.dot",
      "scalar-graph.svg",
      "scalar-graph-explained.md",
    ]);
    for (const f of files) expect(existsSync(f)).toBe(true);
    const dot = readFileSync(join(outDir, "forward-graph.dot"), "utf8");
    expect(dot).toContain('label="layer 1: Linear(784 → 32)"');
    expect(dot).toContain('label="layer 2: Linear(32 → 10)"');
    expect(readFileSync(join(outDir, "forward-graph.svg"), "utf8")).toContain("crossEntropy");
    expect(readFileSync(join(outDir, "scalar-graph.svg"), "utf8")).toContain("hidden layer");
    const text = lines.join("\n");
    expect(text).toMatch(/epoch {2}2\/2 {2}train loss \d\.\d{4} {2}test accuracy \d+\.\d{2}%/);
    expect(text).toMatch(/test accuracy after 2 epochs/);
    expect(text).toContain("wrote:");
  });

  it("is reproducible: the same seed gives the same losses", () => {
    const a = trainMnist({ train: 300, test: 100, hidden: 16, epochs: 1, seed: 3 });
    const b = trainMnist({ train: 300, test: 100, hidden: 16, epochs: 1, seed: 3 });
    expect(a.stepLosses).toEqual(b.stepLosses);
    expect(a.testAccuracies).toEqual(b.testAccuracies);
  });
});
