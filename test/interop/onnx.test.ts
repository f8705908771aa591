/**
 * `exportOnnx`: the exported ModelProto is loaded by ONNX Runtime (onnxruntime-node, CPU) and
 * its outputs are compared with chainrule's own forward pass on the same inputs.
 */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { mnistCnn } from "../../src/cli/mnist-demo";
import { ChainruleError, concat, exportOnnx, manualSeed, nn, randn, type Tensor } from "../../src/index";

async function runOrt(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<ort.Tensor[]> {
  const session = await ort.InferenceSession.create(bytes);
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(feeds)) {
    ortFeeds[k] = new ort.Tensor(t.dtype === "float32" ? "float32" : "float64", t.data as Float32Array, [
      ...t.shape,
    ]);
  }
  const res = await session.run(ortFeeds);
  return session.outputNames.map((n) => res[n] as ort.Tensor);
}

function expectClose(got: ort.Tensor, want: Tensor, rel: number): void {
  expect([...got.dims]).toEqual([...want.shape]);
  const g = got.data as Float32Array | Float64Array;
  const w = want.data as Float32Array | Float64Array;
  let scale = 0;
  for (let i = 0; i < w.length; i++) scale = Math.max(scale, Math.abs(w[i] as number));
  for (let i = 0; i < w.length; i++) {
    expect(Math.abs((g[i] as number) - (w[i] as number))).toBeLessThanOrEqual(rel * Math.max(scale, 1));
  }
}

function mlp(dtype: "float32" | "float64"): nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(4, 8, { dtype }),
    new nn.Tanh(),
    new nn.Linear(8, 8, { dtype }),
    new nn.ReLU(),
    new nn.Linear(8, 3, { dtype }),
    new nn.Softmax(-1),
  );
}

describe("exportOnnx", () => {
  it("writes a float64 MLP that ONNX Runtime runs like chainrule, on another batch size (dynamic axis)", async () => {
    manualSeed(1);
    const model = mlp("float64");
    const bytes = exportOnnx(model, [randn([2, 4])], {
      dynamicAxes: { input: { 0: "batch" }, output: { 0: "batch" } },
    });
    const x = randn([5, 4]);
    const [out] = await runOrt(bytes, { input: x });
    expectClose(out as ort.Tensor, model.forward(x), 1e-9);
  });

  it("writes a float32 MLP with named inputs and outputs", async () => {
    manualSeed(2);
    const model = mlp("float32");
    const bytes = exportOnnx(model, [randn([3, 4], { dtype: "float32" })], {
      inputNames: ["features"],
      outputNames: ["probs"],
      dynamicAxes: { features: { 0: "n" }, probs: { 0: "n" } },
    });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(["features"]);
    expect(session.outputNames).toEqual(["probs"]);
    const x = randn([7, 4], { dtype: "float32" });
    const [out] = await runOrt(bytes, { features: x });
    expectClose(out as ort.Tensor, model.forward(x), 1e-5);
  });

  it("writes the MNIST demo's CNN (conv, relu, max pool, flatten, linear) in float32", async () => {
    manualSeed(3);
    const model = mnistCnn();
    model.eval();
    const bytes = exportOnnx(model, [randn([2, 1, 28, 28], { dtype: "float32" })], {
      dynamicAxes: { input: { 0: "batch" }, output: { 0: "batch" } },
    });
    const x = randn([3, 1, 28, 28], { dtype: "float32" });
    const [out] = await runOrt(bytes, { input: x });
    expectClose(out as ort.Tensor, model.forward(x), 1e-5);
  });

  it("writes a function, its captured tensors as initializers", async () => {
    manualSeed(4);
    const w = randn([4, 6]);
    const b = randn([6]);
    const f = (x: Tensor) => x.matmul(w).add(b).relu().softmax(-1).log().neg().exp().sqrt().abs();
    const x = randn([3, 4]);
    const bytes = exportOnnx(f, [x]);
    const [out] = await runOrt(bytes, { input: x });
    expectClose(out as ort.Tensor, f(x), 1e-9);
  });

  it("writes gelu in its erf form (ONNX Runtime's CPU Erf is float32 only)", async () => {
    manualSeed(6);
    const f = (x: Tensor) => x.mul(2).gelu();
    const x = randn([3, 5], { dtype: "float32" });
    const [out] = await runOrt(exportOnnx(f, [x]), { input: x });
    expectClose(out as ort.Tensor, f(x), 1e-5);
  });

  it("writes elementwise ops, leaky relu, reductions, transpose and log-softmax", async () => {
    manualSeed(5);
    const f = (x: Tensor, y: Tensor) => [
      x.leakyRelu(0.1).sub(y).mul(y).div(y.abs().add(1)).pow(2).sigmoid().transpose(0, 1).logSoftmax(0),
      x.sum([1]).add(y.mean([0, 1])),
    ];
    const x = randn([3, 4]);
    const y = randn([3, 4]);
    const bytes = exportOnnx(f as (...xs: Tensor[]) => Tensor[], [x, y], { inputNames: ["x", "y"] });
    const outs = await runOrt(bytes, { x, y });
    const want = f(x, y);
    expectClose(outs[0] as ort.Tensor, want[0] as Tensor, 1e-9);
    expectClose(outs[1] as ort.Tensor, want[1] as Tensor, 1e-9);
  });

  it("writes conv-transpose, average pools, concat, slice and casts; eval-mode dropout leaves no node", async () => {
    manualSeed(7);
    const up = new nn.ConvTranspose2d(3, 4, 3, { stride: 2, padding: 1, outputPadding: 1, dtype: "float32" });
    const pool = new nn.AvgPool2d(2);
    const gap = new nn.AdaptiveAvgPool2d(1);
    const drop = new nn.Dropout(0.5);
    drop.eval();
    const f = (x: Tensor) => {
      const y = drop.forward(pool.forward(up.forward(x)));
      return concat([gap.forward(y), y.slice(2, 1, 2).slice(3, 0, 1)], 1).astype("float64");
    };
    // float32: ONNX Runtime's CPU ConvTranspose has no float64 kernel
    const x = randn([2, 3, 5, 5], { dtype: "float32" });
    const bytes = exportOnnx(f, [x]);
    const [out] = await runOrt(bytes, { input: x });
    expectClose(out as ort.Tensor, f(x), 1e-5);
  });

  it("writes a transformer encoder block (attention, layer norm, feed-forward) in float64, for any batch size", async () => {
    manualSeed(8);
    const block = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, dtype: "float64" });
    block.eval();
    const bytes = exportOnnx(block, [randn([2, 5, 8])], {
      dynamicAxes: { input: { 0: "batch" }, output: { 0: "batch" } },
    });
    const x = randn([3, 5, 8]);
    const [out] = await runOrt(bytes, { input: x });
    expectClose(out as ort.Tensor, block.forward(x), 1e-9);
  });

  it("writes a pre-norm gelu transformer block with a causal mask in float32", async () => {
    manualSeed(9);
    const block = new nn.TransformerEncoderLayer(8, 2, {
      dimFeedforward: 16,
      dropout: 0,
      normFirst: true,
      activation: "gelu",
      dtype: "float32",
    });
    block.eval();
    const causal = (x: Tensor) => block.forward(x, { isCausal: true });
    const bytes = exportOnnx(causal, [randn([1, 4, 8], { dtype: "float32" })]);
    const x = randn([1, 4, 8], { dtype: "float32" });
    const [out] = await runOrt(bytes, { input: x });
    expectClose(out as ort.Tensor, causal(x), 1e-5);
  });

  it("writes an LSTM unrolled over its time steps, with its final states as extra outputs", async () => {
    manualSeed(10);
    const lstm = new nn.LSTM(3, 4, { batchFirst: true, dtype: "float64" });
    const f = (x: Tensor) => {
      const [output, [h, c]] = lstm.forward(x);
      return [output, h, c];
    };
    const bytes = exportOnnx(f, [randn([2, 5, 3])]);
    const x = randn([2, 5, 3]);
    const outs = await runOrt(bytes, { input: x });
    for (const [i, want] of f(x).entries()) expectClose(outs[i] as ort.Tensor, want, 1e-9);
  });

  it("stamps IR version 8, opset 17 and the producer", () => {
    const bytes = exportOnnx(new nn.Linear(2, 2), [randn([1, 2])]);
    const text = new TextDecoder().decode(bytes);
    expect(bytes[0]).toBe(0x08); // field 1 (ir_version), varint
    expect(bytes[1]).toBe(8);
    expect(text).toContain("chainrule");
  });

  it("throws, naming the op, for an op with no ONNX form", () => {
    const f = (x: Tensor) => x.cumprod(0);
    expect(() => exportOnnx(f, [randn([3])])).toThrow(ChainruleError);
    expect(() => exportOnnx(f, [randn([3])])).toThrow(/op "cumprod" has no ONNX form/);
  });

  it("rejects bad arguments", () => {
    const m = new nn.Linear(2, 2);
    expect(() => exportOnnx(42 as never, [randn([1, 2])])).toThrow(/expected a Module or a function/);
    expect(() => exportOnnx(m, [])).toThrow(/exampleInputs must be/);
    expect(() => exportOnnx(m, [randn([1, 2])], { opsetVersion: 13 })).toThrow(/opsetVersion must be 17/);
    expect(() => exportOnnx(m, [randn([1, 2])], { inputNames: ["a", "b"] })).toThrow(/inputNames must be 1/);
    expect(() => exportOnnx(m, [randn([1, 2])], { dynamicAxes: { nope: { 0: "b" } } })).toThrow(
      /not an input or output/,
    );
    expect(() => exportOnnx(m, [randn([1, 2])], { bogus: 1 } as never)).toThrow(/unknown option "bogus"/);
  });
});
