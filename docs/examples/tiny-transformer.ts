/**
 * A tiny GPT-style character model trained on chainrule's own documentation.
 *
 * The text is the repository's docs/*.md, concatenated (at most `maxChars` characters), cut into
 * blocks of 2,000 characters of which every tenth is held out. Each character is a token. The
 * model reads a window of `context` characters and predicts, at every position, the next one:
 *
 *     token embedding + learned position embedding               [N, T, d]
 *     → 2 × nn.TransformerEncoderLayer(d, 4 heads, normFirst, causal mask)
 *     → final nn.LayerNorm → nn.Linear(d, vocabulary)             logits [N, T, V]
 *
 * The causal mask (`isCausal: true`) lets position i attend to positions ≤ i only, so the
 * prediction of character i + 1 never sees it. The loss is losses.crossEntropy of the logits
 * against the next characters, minimised by optim.AdamW on random windows of the training text.
 *
 * The baseline is a count-based bigram model of the same training text, P(b | a) = (count(a b) +
 * 1)/(count(a) + V) (add-one smoothing): the best a model can do that sees one character back.
 * Both are scored by their cross-entropy (nats per character) on the held-out text, on the same
 * predictions; a transformer that uses the context must beat the bigram. At the end the model
 * writes a seeded sample.
 *
 * Measured at full size (float32, 2 cores shared with other work): see docs/examples/README.md.
 *
 * Run it: npx tsx docs/examples/tiny-transformer.ts
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { init, losses, manualSeed, nn, noGrad, optim, Rng, type Tensor, tensor } from "chainrule";

export interface TinyTransformerOptions {
  /** Characters read from docs/*.md (default 60,000). */
  maxChars?: number;
  /** The text to learn instead of docs/*.md (cut at `maxChars` too). */
  text?: string;
  /** Window length T (default 64). */
  context?: number;
  /** Model width d (default 64); 4 heads of d/4. */
  dModel?: number;
  /** Encoder layers (default 2). */
  layers?: number;
  /** Windows per step (default 16). */
  batchSize?: number;
  /** Training steps (default 600). */
  steps?: number;
  /** AdamW's peak learning rate (default 3e-3), warmed up linearly, then decayed linearly. */
  lr?: number;
  /** Dropout in the encoder layers (default 0.1). */
  dropout?: number;
  /** The feed-forward activation (default "relu"; "gelu" is slower here: erf in JavaScript). */
  activation?: "relu" | "gelu";
  /** Characters sampled at the end (default 300). */
  sampleLength?: number;
  /** Seed of the weights, the batches and the sample (default 0). */
  seed?: number;
  /** Where the output goes (default console.log). */
  log?: (line: string) => void;
}

export interface TinyTransformerResult {
  /** Number of distinct characters V. */
  vocabSize: number;
  trainChars: number;
  heldOutChars: number;
  /** Held-out cross-entropy (nats per character) of the uniform model, ln V. */
  uniformLoss: number;
  /** Held-out cross-entropy of the add-one unigram model of the training text. */
  unigramLoss: number;
  /** Held-out cross-entropy of the add-one bigram model of the training text. */
  bigramLoss: number;
  /** The transformer's held-out cross-entropy before training. */
  initialLoss: number;
  /** The transformer's held-out cross-entropy after training. */
  modelLoss: number;
  /** Mean training loss over the first and the last tenth of the steps. */
  firstTrainLoss: number;
  lastTrainLoss: number;
  parameters: number;
  /** A seeded sample from the trained model. */
  sample: string;
  seconds: number;
}

/** The docs' Markdown files in name order, concatenated and cut at `maxChars`. */
function readDocs(maxChars: number): string {
  const dir = fileURLToPath(new URL("..", import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort();
  return files
    .map((f) => readFileSync(`${dir}/${f}`, "utf8"))
    .join("\n")
    .slice(0, maxChars);
}

/** The model: embeddings, encoder layers with a causal mask, final norm, vocabulary projection. */
class TinyGPT extends nn.Module {
  readonly tokens: nn.Embedding;
  readonly positions: nn.Embedding;
  readonly blocks: nn.TransformerEncoderLayer[];
  readonly norm: nn.LayerNorm;
  readonly head: nn.Linear;

  constructor(
    vocab: number,
    context: number,
    d: number,
    layers: number,
    dropout: number,
    activation: "relu" | "gelu",
  ) {
    super();
    const dtype = "float32";
    this.tokens = new nn.Embedding(vocab, d, { dtype });
    this.positions = new nn.Embedding(context, d, { dtype });
    // GPT-2's embedding scale: N(0, 0.02²) rather than Embedding's N(0, 1)
    for (const t of [this.tokens.weight, this.positions.weight]) init.normal(t, 0.02);
    this.blocks = Array.from(
      { length: layers },
      () =>
        new nn.TransformerEncoderLayer(d, 4, {
          dimFeedforward: 4 * d,
          dropout,
          activation,
          normFirst: true,
          dtype,
        }),
    );
    this.norm = new nn.LayerNorm(d, { dtype });
    this.head = new nn.Linear(d, vocab, { dtype });
  }

  /** Logits [N, T, V] for token ids [N, T] (int32). */
  forward(ids: Tensor): Tensor {
    const t = ids.shape[1] as number;
    const pos = tensor(
      Int32Array.from({ length: t }, (_, i) => i),
      { dtype: "int32" },
    );
    let h = this.tokens.forward(ids).add(this.positions.forward(pos));
    for (const block of this.blocks) h = block.forward(h, { isCausal: true });
    return this.head.forward(this.norm.forward(h));
  }
}

export function main(options: TinyTransformerOptions = {}): TinyTransformerResult {
  const {
    maxChars = 60_000,
    context = 64,
    dModel = 64,
    layers = 2,
    batchSize = 16,
    steps = 600,
    lr = 3e-3,
    dropout = 0.1,
    activation = "relu",
    sampleLength = 300,
    seed = 0,
    log = console.log,
  } = options;
  const started = performance.now();
  manualSeed(seed);
  const rng = new Rng(seed);

  // The text as token ids; blocks of 2,000 characters, every tenth held out.
  const text = options.text === undefined ? readDocs(maxChars) : options.text.slice(0, maxChars);
  const chars = [...new Set(text)].sort();
  const V = chars.length;
  const id = new Map(chars.map((c, i) => [c, i]));
  const train: number[] = [];
  const heldOut: number[] = [];
  for (let b = 0; b * 2000 < text.length; b++) {
    const ids = [...text.slice(b * 2000, (b + 1) * 2000)].map((c) => id.get(c) as number);
    (b % 10 === 9 ? heldOut : train).push(...ids);
  }
  log(
    `text: ${text.length} characters${options.text === undefined ? " of docs/*.md" : ""}, ${V} distinct; ${train.length} train, ${heldOut.length} held out`,
  );

  // Held-out windows of T inputs and the T characters that follow them: every model is scored on
  // these same predictions (a character predicted from at most T − 1 before it).
  const evalInputs: number[][] = [];
  const evalTargets: number[][] = [];
  for (let s = 0; s + context + 1 <= heldOut.length; s += context) {
    evalInputs.push(heldOut.slice(s, s + context));
    evalTargets.push(heldOut.slice(s + 1, s + context + 1));
  }
  const pairs = evalInputs.flatMap((xs, w) =>
    xs.map((a, i) => [a, (evalTargets[w] as number[])[i] as number]),
  );

  // Count-based baselines of the training text, add-one smoothed.
  const unigram = new Float64Array(V).fill(1);
  const bigram = Array.from({ length: V }, () => new Float64Array(V).fill(1));
  train.forEach((b, i) => {
    unigram[b] = (unigram[b] as number) + 1;
    const row = bigram[train[i - 1] as number];
    if (i > 0 && row) row[b] = (row[b] as number) + 1;
  });
  const total = unigram.reduce((a, b) => a + b, 0);
  const rowSums = bigram.map((r) => r.reduce((a, b) => a + b, 0));
  const meanNll = (p: (a: number, b: number) => number) =>
    pairs.reduce((s, [a, b]) => s - Math.log(p(a as number, b as number)), 0) / pairs.length;
  const uniformLoss = Math.log(V);
  const unigramLoss = meanNll((_a, b) => (unigram[b] as number) / total);
  const bigramLoss = meanNll((a, b) => ((bigram[a] as Float64Array)[b] as number) / (rowSums[a] as number));
  log(
    `held-out cross-entropy (nats/char): uniform ${uniformLoss.toFixed(3)}, unigram ${unigramLoss.toFixed(3)}, bigram ${bigramLoss.toFixed(3)}`,
  );

  const model = new TinyGPT(V, context, dModel, layers, dropout, activation);
  const parameters = model.parameters().reduce((n, p) => n + (p as Tensor).size, 0);
  log(`model: ${layers} layers, d = ${dModel}, 4 heads, T = ${context}: ${parameters} parameters`);

  const idsTensor = (rows: number[][]) =>
    tensor(Int32Array.from(rows.flat()), { shape: [rows.length, rows[0]?.length ?? 0], dtype: "int32" });
  const heldOutLoss = (): number => {
    model.eval();
    let sum = 0;
    noGrad(() => {
      for (let w = 0; w < evalInputs.length; w += 32) {
        const xs = evalInputs.slice(w, w + 32);
        const logits = model.forward(idsTensor(xs));
        const ys = Int32Array.from(evalTargets.slice(w, w + 32).flat());
        sum += losses.crossEntropy(logits.reshape(-1, V), ys, { reduction: "sum" }).item();
      }
    });
    model.train();
    return sum / pairs.length;
  };
  const initialLoss = heldOutLoss();

  const optimizer = new optim.AdamW(model.parameters(), { lr, weightDecay: 0.01 });
  const warmup = Math.max(1, Math.floor(steps / 20));
  const trainLosses: number[] = [];
  for (let step = 1; step <= steps; step++) {
    optimizer.lr = lr * Math.min(step / warmup, (steps - step + 1) / (steps - warmup + 1));
    const xs: number[][] = [];
    const ys: number[][] = [];
    for (let b = 0; b < batchSize; b++) {
      const s = Math.floor(rng.next() * (train.length - context - 1));
      xs.push(train.slice(s, s + context));
      ys.push(train.slice(s + 1, s + context + 1));
    }
    const logits = model.forward(idsTensor(xs));
    const loss = losses.crossEntropy(logits.reshape(-1, V), Int32Array.from(ys.flat()));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    trainLosses.push(loss.item());
    if (step % Math.max(1, Math.floor(steps / 10)) === 0 || step === 1)
      log(`step ${String(step).padStart(5)}  train loss ${(loss.item() as number).toFixed(3)}`);
  }
  const tenth = Math.max(1, Math.floor(steps / 10));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const firstTrainLoss = mean(trainLosses.slice(0, tenth));
  const lastTrainLoss = mean(trainLosses.slice(-tenth));
  const modelLoss = heldOutLoss();
  log(
    `held-out cross-entropy: transformer ${modelLoss.toFixed(3)} (before training ${initialLoss.toFixed(3)}), bigram ${bigramLoss.toFixed(3)}`,
  );

  // A sample: characters drawn one at a time from softmax(logits) at the last position.
  model.eval();
  const out = [...(train.slice(0, 1) as number[])];
  noGrad(() => {
    for (let i = 0; i < sampleLength; i++) {
      const window = out.slice(-context);
      const logits = model.forward(idsTensor([window]));
      const probs = logits
        .slice(1, window.length - 1, window.length)
        .reshape(V)
        .softmax(-1).data;
      let u = rng.next();
      let next = V - 1;
      for (let c = 0; c < V; c++) {
        u -= probs[c] as number;
        if (u < 0) {
          next = c;
          break;
        }
      }
      out.push(next);
    }
  });
  const sample = out.map((i) => chars[i]).join("");
  log(`\nsample:\n${sample}\n`);
  const seconds = (performance.now() - started) / 1000;
  log(`${seconds.toFixed(1)} s`);
  return {
    vocabSize: V,
    trainChars: train.length,
    heldOutChars: heldOut.length,
    uniformLoss,
    unigramLoss,
    bigramLoss,
    initialLoss,
    modelLoss,
    firstTrainLoss,
    lastTrainLoss,
    parameters,
    sample,
    seconds,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
