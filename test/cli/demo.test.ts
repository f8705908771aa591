import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { MNIST_PACKAGE_SIZE, runDemo } from "../../src/cli/demo";
import { mnistCnn, trainMnist } from "../../src/cli/mnist-demo";
import { fromSafetensors, nn, rand, type Tensor } from "../../src/index";

describe("the main demo", () => {
  it("trains, reports its accuracy and writes the curve, the graphs and the weights", async () => {
    // a directory that does not exist yet: the demo creates it
    const outDir = join(mkdtempSync(join(tmpdir(), "chainrule-demo-")), "new", "out");
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
      "mnist-mlp.safetensors",
      "mnist-mlp.onnx",
    ]);
    for (const f of files) expect(existsSync(f)).toBe(true);
    // the trained weights, under PyTorch's names for nn.Sequential(Linear, ReLU, Linear)
    const weights = fromSafetensors(readFileSync(join(outDir, "mnist-mlp.safetensors")));
    expect(Object.entries(weights).map(([name, t]) => [name, t.dtype, t.shape])).toEqual([
      ["0.bias", "float64", [32]],
      ["0.weight", "float64", [32, 784]],
      ["2.bias", "float64", [10]],
      ["2.weight", "float64", [10, 32]],
    ]);
    // the trained model as ONNX: ONNX Runtime gives the logits chainrule gives, for any batch size
    const session = await ort.InferenceSession.create(readFileSync(join(outDir, "mnist-mlp.onnx")));
    expect([session.inputNames, session.outputNames]).toEqual([["images"], ["logits"]]);
    const model = new nn.Sequential(new nn.Linear(784, 32), new nn.ReLU(), new nn.Linear(32, 10));
    model.loadStateDict(weights);
    const images = rand([5, 784]);
    const { logits } = await session.run({
      images: new ort.Tensor("float64", images.data as Float64Array, [5, 784]),
    });
    const want = model.forward(images).data;
    const got = (logits as ort.Tensor).data as Float64Array;
    expect(got.length).toBe(50);
    for (let i = 0; i < 50; i++)
      expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-9);
    const dot = readFileSync(join(outDir, "forward-graph.dot"), "utf8");
    expect(dot).toContain('label="layer 1: Linear(784 → 32)"');
    expect(dot).toContain('label="layer 2: Linear(32 → 10)"');
    expect(readFileSync(join(outDir, "forward-graph.svg"), "utf8")).toContain("crossEntropy");
    expect(readFileSync(join(outDir, "scalar-graph.svg"), "utf8")).toContain("hidden layer");
    const text = lines.join("\n");
    expect(text).toMatch(/epoch {2}2\/2 {2}train loss \d\.\d{4} {2}test accuracy \d+\.\d{2}%/);
    expect(text).toMatch(/test accuracy after 2 epochs/);
    // one line per file written, with its size
    const wrote = lines.filter((l) => l.startsWith("wrote "));
    expect(wrote.map((l) => l.replace(/ \(\d+(\.\d)? (B|kB|MB)\)$/, ""))).toEqual(
      files.map((f) => `wrote ${f}`),
    );
    const svgLine = wrote[0] as string;
    const kB = statSync(join(outDir, "training-curve.svg")).size / 1000;
    expect(svgLine).toContain(`(${kB >= 99.95 ? kB.toFixed(0) : kB.toFixed(1)} kB)`);
  });

  it("states the mnist package's installed size as it is (the size it gives when the package is missing)", () => {
    const root = dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
    let bytes = 0;
    const stack = [root];
    while (stack.length > 0) {
      const dir = stack.pop() as string;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) stack.push(path);
        else bytes += statSync(path).size;
      }
    }
    // du -sh counts MiB (and whole disk blocks): within 10% of the files' own total
    expect(MNIST_PACKAGE_SIZE).toMatch(/^\d+ MB$/);
    const stated = Number.parseFloat(MNIST_PACKAGE_SIZE) * 2 ** 20;
    expect(Math.abs(stated - bytes) / bytes).toBeLessThan(0.1);
  });

  it("is reproducible: the same seed gives the same losses", () => {
    const a = trainMnist({ train: 300, test: 100, hidden: 16, epochs: 1, seed: 3 });
    const b = trainMnist({ train: 300, test: 100, hidden: 16, epochs: 1, seed: 3 });
    expect(a.stepLosses).toEqual(b.stepLosses);
    expect(a.testAccuracies).toEqual(b.testAccuracies);
  });
});

describe("the CNN demo (--model cnn)", () => {
  it("is PyTorch's Sequential of conv, ReLU, pool, conv, ReLU, pool, flatten, linear in float32", () => {
    const model = mnistCnn();
    const params = model.namedParameters() as [string, Tensor][];
    expect(params.map(([name, p]) => [name, p.shape, p.dtype])).toEqual([
      ["0.weight", [16, 1, 5, 5], "float32"],
      ["0.bias", [16], "float32"],
      ["3.weight", [32, 16, 5, 5], "float32"],
      ["3.bias", [32], "float32"],
      ["7.weight", [10, 1568], "float32"],
      ["7.bias", [10], "float32"],
    ]);
    // PyTorch's default draws: U(−1/√fanIn, 1/√fanIn), fanIn 25, 400 and 1568
    for (const [name, fanIn] of [
      ["0.weight", 25],
      ["3.bias", 400],
      ["7.weight", 1568],
      ["7.bias", 1568],
    ] as const) {
      const p = params.find(([n]) => n === name)?.[1] as Tensor;
      const bound = 1 / Math.sqrt(fanIn);
      expect(Math.max(...p.data.map(Math.abs))).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(Math.max(...p.data.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    }
  });

  it("learns on a small subset, shows its progress and writes its curve and its boxed graph", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "chainrule-cnn-demo-"));
    const lines: string[] = [];
    const losses: number[] = [];
    const { accuracy, files } = await runDemo({
      model: "cnn",
      train: 640,
      test: 200,
      epochs: 1,
      outDir,
      log: (line) => lines.push(line),
      progress: false,
      onStep: ({ loss }) => losses.push(loss),
    });
    expect(losses).toHaveLength(10);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-3))).toBeLessThan(mean(losses.slice(0, 3)) - 0.05);
    expect(accuracy).toBeGreaterThan(0.25); // chance is 0.1
    const names = files.map((f) => f.slice(outDir.length + 1));
    expect(names).toEqual([
      "cnn-training-curve.svg",
      "cnn-forward-graph.dot",
      "cnn-forward-graph.svg",
      "mnist-cnn.safetensors",
      "mnist-cnn.onnx",
    ]);
    for (const f of files) expect(existsSync(f)).toBe(true);
    // the trained CNN as ONNX (float32): ONNX Runtime's logits are chainrule's
    const cnn = mnistCnn();
    cnn.loadStateDict(fromSafetensors(readFileSync(join(outDir, "mnist-cnn.safetensors"))));
    cnn.eval();
    const session = await ort.InferenceSession.create(readFileSync(join(outDir, "mnist-cnn.onnx")));
    const images = rand([3, 1, 28, 28], { dtype: "float32" });
    const { logits } = await session.run({
      images: new ort.Tensor("float32", images.data as Float32Array, [3, 1, 28, 28]),
    });
    const want = cnn.forward(images).data;
    const scale = Math.max(1, ...Array.from(want, Math.abs));
    const got = (logits as ort.Tensor).data as Float32Array;
    for (let i = 0; i < 30; i++)
      expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-5 * scale);
    const dot = readFileSync(join(outDir, "cnn-forward-graph.dot"), "utf8");
    expect(dot).toContain('label="conv block 1: Conv2d(1 → 16, 5×5, padding 2) → ReLU → MaxPool2d(2)"');
    expect(dot).toContain('label="conv block 2: Conv2d(16 → 32, 5×5, padding 2) → ReLU → MaxPool2d(2)"');
    expect(dot).toContain('label="classifier: Flatten → Linear(1568 → 10)"');
    // each box holds its stage: the conv's parameters (under their state-dict names) and three ops
    const boxes = dot
      .split("subgraph ")
      .slice(1)
      .map((box) => box.slice(0, box.indexOf("\n  }\n")));
    expect(boxes).toHaveLength(3);
    for (const [k, params] of [
      [0, "0."],
      [1, "3."],
    ] as const) {
      for (const op of ["conv2d", "relu", "maxPool2d"]) expect(boxes[k]).toContain(`label=${op}`);
      expect(boxes[k]).toContain(`{ ${params}weight | `);
      expect(boxes[k]).toContain(`{ ${params}bias | `);
    }
    expect(boxes[2]).toContain("label=linear");
    expect(boxes[2]).toContain("{ 7.weight | [10,1568] float32");
    const svg = readFileSync(join(outDir, "cnn-forward-graph.svg"), "utf8");
    expect(svg).toContain("conv block 2");
    expect(readFileSync(join(outDir, "cnn-training-curve.svg"), "utf8")).toContain("CNN on MNIST");
    const text = lines.join("\n");
    expect(text).toContain("a CNN (5×5 conv 16 → pool → 5×5 conv 32 → pool → linear 1568-10)");
    expect(text).toContain("Adam lr 0.001, batch 64, 1 epochs, float32, seed 0");
    expect(text).toMatch(/epoch {2}1\/1 {2}train loss \d\.\d{4} {2}test accuracy \d+\.\d{2}%/);
    expect(text).toMatch(/test accuracy after 1 epochs/);
  });

  it("rejects an unknown model, naming the choices", async () => {
    const lines: string[] = [];
    await expect(runDemo({ model: "rnn" as never, log: (l) => lines.push(l) })).rejects.toThrow(
      'runDemo: model must be one of "mlp", "cnn", got string "rnn"',
    );
    expect(() => trainMnist({ model: "rnn" as never })).toThrow(
      'trainMnist: model must be one of "mlp", "cnn"',
    );
    expect(lines).toEqual([]);
  });
});
