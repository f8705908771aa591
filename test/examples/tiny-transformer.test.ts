import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../../docs/examples/tiny-transformer";

/**
 * The first 20,000 characters of docs/*.md when this test was written, kept as a fixture so that
 * editing the docs does not move the numbers below.
 */
const TEXT = readFileSync(new URL("../fixtures/tiny-transformer-text.txt", import.meta.url), "utf8");

describe("docs/examples/tiny-transformer", () => {
  const lines: string[] = [];
  // a small run: a narrower model, shorter windows, fewer steps (the full size is in the README)
  const result = main({
    text: TEXT,
    maxChars: 20_000,
    context: 32,
    dModel: 32,
    batchSize: 8,
    steps: 450,
    lr: 1.5e-2,
    dropout: 0,
    sampleLength: 40,
    seed: 0,
    log: (l) => lines.push(l),
  });

  it("scores the count-based baselines: uniform > unigram > bigram on held-out text", () => {
    expect(result.uniformLoss).toBeCloseTo(Math.log(result.vocabSize), 12);
    expect(result.unigramLoss).toBeLessThan(result.uniformLoss);
    expect(result.bigramLoss).toBeLessThan(result.unigramLoss);
    expect(result.heldOutChars).toBeGreaterThan(1000);
    expect(result.trainChars).toBeGreaterThan(8 * result.heldOutChars);
  });

  it("learns: the training loss falls and the held-out loss ends below the unigram's", () => {
    expect(result.initialLoss).toBeGreaterThan(result.unigramLoss);
    expect(result.lastTrainLoss).toBeLessThan(result.firstTrainLoss - 0.5);
    expect(result.modelLoss).toBeLessThan(result.unigramLoss);
  });

  it("beats the bigram model on held-out text even at this size (2.89 vs 3.02 nats/char measured)", () => {
    expect(result.modelLoss).toBeLessThan(result.bigramLoss);
  });

  it("prints the losses and a seeded sample of the requested length, the same for the same seed", () => {
    expect(lines.some((l) => l.includes("bigram"))).toBe(true);
    expect(lines.some((l) => l.startsWith("held-out cross-entropy: transformer"))).toBe(true);
    expect([...result.sample]).toHaveLength(41); // the first training character, then 40 sampled
  });
});
