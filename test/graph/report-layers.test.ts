/**
 * backpropReport on models with other layers than Linear + activation (conv, pooling, norms,
 * flatten, dropout): every child of the Sequential is a stage with its shapes, δ = ∂C/∂(output)
 * from autodiff and its parameters' gradients; Conv2d and Linear stages recompute ∂C/∂b (BP3),
 * ∂C/∂W (BP4) and ∂C/∂(input) (BP2's first half) from δ independently of the graph. These tests
 * compare every δ with `gradients` on a forward pass run child by child, and the recomputations
 * with autodiff to 1e-12 (float64).
 */
import { describe, expect, it } from "vitest";
import { backpropReport, formatBackpropReport } from "../../src/graph/report";
import { type ConvGeometry, convEquations } from "../../src/graph/report-equations";
import { ChainruleError, gradients, losses, manualSeed, nn, type Tensor, tensor } from "../../src/index";
import { expectAllClose } from "../helpers/close";

const TOL = 1e-12;

/** Deterministic inputs: sin of the flat index, shaped. */
const wave = (shape: number[], phase = 0): Tensor =>
  tensor(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(0.7 * i + phase)),
  ).reshape(shape);

/** The MNIST-style CNN of the issue, on 6×6 images. */
function smallCnn(): nn.Sequential {
  manualSeed(3);
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4 * 3 * 3, 3),
  );
}

/**
 * The forward pass child by child and autodiff's ∂C/∂(each output), ∂C/∂x and ∂C/∂(each
 * parameter), for C = the mean cross-entropy: what the report's stages must hold.
 */
function byGradients(model: nn.Sequential, x: Tensor, y: number[]) {
  const x0 = x.detach();
  x0.requiresGrad = true;
  const outs: Tensor[] = [];
  let h = x0;
  for (const layer of model.layers()) {
    h = layer.forward(h);
    outs.push(h);
  }
  const logits = h;
  const c = logits
    .logSoftmax(-1)
    .mul(oneHot(y, logits.shape[1] as number))
    .sum()
    .neg()
    .div(y.length);
  const params = tensorsOf(model);
  const g = gradients([c], [x0, ...outs, ...params]);
  return {
    c: c.item(),
    gradX: g[0] as Tensor,
    deltas: g.slice(1, 1 + outs.length),
    params: g.slice(1 + outs.length),
  };
}

/** The model's parameters (all tensors here). */
const tensorsOf = (model: nn.Sequential): Tensor[] => model.parameters() as Tensor[];

function oneHot(y: number[], k: number): Tensor {
  return tensor(y.map((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0))));
}

describe("backpropReport on a small CNN (Conv2d, ReLU, MaxPool2d, Flatten, Linear)", () => {
  const x = wave([2, 1, 6, 6]);
  const y = [0, 2];

  it("makes every layer a named stage with its input and output shapes", () => {
    const r = backpropReport(smallCnn(), x, y, "crossEntropy");
    expect(r.linearOnly).toBe(false);
    expect(r.stages.map((s) => s.label)).toEqual([
      "0: Conv2d(1 → 4, 3×3, padding 1)",
      "1: ReLU",
      "2: MaxPool2d(2)",
      "3: Flatten()",
      "4: Linear(36 → 3)",
    ]);
    expect(r.stages.map((s) => s.kind)).toEqual(["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"]);
    expect(r.stages.map((s) => [s.inputShape, s.outputShape])).toEqual([
      [
        [2, 1, 6, 6],
        [2, 4, 6, 6],
      ],
      [
        [2, 4, 6, 6],
        [2, 4, 6, 6],
      ],
      [
        [2, 4, 6, 6],
        [2, 4, 3, 3],
      ],
      [
        [2, 4, 3, 3],
        [2, 36],
      ],
      [
        [2, 36],
        [2, 3],
      ],
    ]);
    expect(r.stages[0]?.parameters.map((p) => [p.name, p.value.shape, p.grad.shape])).toEqual([
      ["0.weight", [4, 1, 3, 3], [4, 1, 3, 3]],
      ["0.bias", [4], [4]],
    ]);
    expect(r.stages[2]?.parameters).toEqual([]);
    expect(r.batched).toBe(true);
    expect(r.examples).toBe(2);
  });

  it("holds at each stage δ = ∂C/∂(output) and ∂C/∂(input) as autodiff gives them (gradients on a child-by-child forward pass)", () => {
    const model = smallCnn();
    const r = backpropReport(model, x, y, "crossEntropy");
    const ref = byGradients(model, x, y);
    expect(r.loss).toBeCloseTo(ref.c, 12);
    r.stages.forEach((s, i) => {
      expectAllClose(s.delta, ref.deltas[i], TOL);
      expectAllClose(s.gradInput, i === 0 ? ref.gradX : ref.deltas[i - 1], TOL);
    });
    const grads = r.stages.flatMap((s) => s.parameters.map((p) => p.grad));
    grads.forEach((g, i) => {
      expectAllClose(g, ref.params[i], TOL);
    });
  });

  it("recomputes the conv BP3 (Σ δ), BP4 (Σₙ δₙ ⋆ aₙ) and BP2 (convTranspose2d(δ, W)) and they agree with autodiff to 1e-12", () => {
    const r = backpropReport(smallCnn(), x, y, "crossEntropy");
    const conv = r.stages[0]!;
    expect(conv.checks.map((c) => [c.quantity, c.equation])).toEqual([
      ["∂C/∂b", "BP3: Σₙ,ᵧ,ₓ δ (per channel)"],
      ["∂C/∂W", "BP4: Σₙ δₙ ⋆ aₙ (conv2dWeight)"],
      ["∂C/∂a", "BP2, first half: convTranspose2d(δ, W)"],
    ]);
    for (const c of conv.checks) {
      expect(c.maxError).toBeLessThan(TOL);
      expectAllClose(c.value, c.autodiff, TOL);
    }
    // the autodiff side of each check is the stage's own gradient
    expect(conv.checks[0]?.autodiff).toBe(conv.parameters[1]?.grad);
    expect(conv.checks[1]?.autodiff).toBe(conv.parameters[0]?.grad);
    expect(conv.checks[2]?.autodiff).toBe(conv.gradInput);
    // BP3 by hand: the sum of δ over n, y, x for each channel
    const d = conv.delta.toArray() as number[][][][];
    const sums = [0, 1, 2, 3].map((o) =>
      d.reduce((s, dn) => s + dn[o]!.flat().reduce((a, b) => a + b, 0), 0),
    );
    expectAllClose(conv.checks[0]?.value, sums, TOL);
    // the Linear and ReLU stages check theirs too; pooling and flatten describe theirs in words
    expect(r.stages[4]?.checks.map((c) => c.quantity)).toEqual(["∂C/∂b", "∂C/∂W", "∂C/∂a"]);
    expect(r.stages[1]?.checks.map((c) => c.equation)).toEqual(["δ ⊙ σ′(z), σ′ = [z > 0]"]);
    for (const s of r.stages) for (const c of s.checks) expect(c.maxError).toBeLessThan(TOL);
    expect(r.stages[2]?.checks).toEqual([]);
    expect(r.stages[2]?.local).toBe("max pool: δ goes to each window's maximum (0 to the other entries)");
    expect(r.stages[3]?.local).toBe("flatten: δ reshaped back to the input's shape");
  });

  it("keeps BP1–BP4 for its Linear layer in `layers`", () => {
    const r = backpropReport(smallCnn(), x, y, "crossEntropy");
    expect(r.layers.length).toBe(1);
    const [layer] = r.layers;
    expect(layer?.linearName).toBe("4");
    expect(layer?.nextStage).toBeNull();
    expectAllClose(layer?.input, r.stages[3]?.output, 0);
    expectAllClose(layer?.delta, r.stages[4]?.delta, 0);
    expect(layer?.equations.maxError.delta).toBeLessThan(TOL);
    expect(layer?.equations.maxError.gradWeight).toBeLessThan(TOL);
  });

  it("leaves the parameters and their .grad alone", () => {
    const model = smallCnn();
    const before = tensorsOf(model).map((p) => p.toArray());
    backpropReport(model, x, y, "crossEntropy");
    expect(tensorsOf(model).map((p) => p.toArray())).toEqual(before);
    expect(tensorsOf(model).map((p) => p.grad)).toEqual([null, null, null, null]);
  });
});

describe("the convolution equations, by hand", () => {
  it("3×3 image, 2×2 kernel [[1, 0], [0, −1]], δ all ones: Σ δ = 4, ∂C/∂W = window sums, ∂C/∂a = W spread over the windows", () => {
    const a = tensor([
      [
        [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
      ],
    ]);
    const w = tensor([
      [
        [
          [1, 0],
          [0, -1],
        ],
      ],
    ]);
    const delta = tensor([
      [
        [
          [1, 1],
          [1, 1],
        ],
      ],
    ]);
    const geo: ConvGeometry = { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 };
    const eq = convEquations(a, w, delta, geo, "float64");
    expect(eq.gradBias.toArray()).toEqual([4]);
    expect(eq.gradWeight.toArray()).toEqual([
      [
        [
          [12, 16],
          [24, 28],
        ],
      ],
    ]);
    expect(eq.gradInput.toArray()).toEqual([
      [
        [
          [1, 1, 0],
          [1, 0, -1],
          [0, -1, -1],
        ],
      ],
    ]);
  });
});

describe("backpropReport on the other supported layers", () => {
  it("convolutions with stride, asymmetric padding, dilation, groups, no bias and 'same' padding: the recomputations agree", () => {
    manualSeed(5);
    const model = new nn.Sequential(
      new nn.Conv2d(2, 4, [3, 2], { stride: 2, padding: [1, 0], dilation: [1, 2], groups: 2 }),
      new nn.Tanh(),
      new nn.Conv2d(4, 3, 2, { padding: "same", bias: false }),
      new nn.Flatten(),
    );
    const x = wave([2, 2, 7, 6], 0.3);
    const r = backpropReport(model, x, wave([2, 3 * 4 * 2], 1.1));
    expect(r.stages.map((s) => s.label)).toEqual([
      "0: Conv2d(2 → 4, 3×2, stride 2, padding 1×0, dilation 1×2, groups 2)",
      "1: Tanh",
      "2: Conv2d(4 → 3, 2×2, padding same, no bias)",
      "3: Flatten()",
    ]);
    expect(r.stages[2]?.checks.map((c) => c.quantity)).toEqual(["∂C/∂W", "∂C/∂a"]);
    for (const s of r.stages) for (const c of s.checks) expect(c.maxError).toBeLessThan(TOL);
    expect(r.layers).toEqual([]);
  });

  it("one unbatched image [C, H, W] and a float32 model", () => {
    manualSeed(4);
    const model = new nn.Sequential(
      new nn.Conv2d(2, 3, 2, { stride: 2 }),
      new nn.ReLU(),
      new nn.Flatten({ startDim: 0 }),
      new nn.Linear(12, 2),
    );
    const r = backpropReport(model, wave([2, 4, 4]), [0.5, -0.5]);
    expect(r.stages.map((s) => s.outputShape)).toEqual([[3, 2, 2], [3, 2, 2], [12], [2]]);
    expect(r.batched).toBe(false);
    for (const s of r.stages) for (const c of s.checks) expect(c.maxError).toBeLessThan(TOL);

    manualSeed(4);
    const f32 = new nn.Sequential(new nn.Conv2d(1, 2, 3, { dtype: "float32" }), new nn.Flatten());
    const r32 = backpropReport(f32, wave([2, 1, 4, 4]), wave([2, 8]));
    expect(r32.dtype).toBe("float32");
    expect(r32.stages[0]?.delta.dtype).toBe("float32");
    for (const c of r32.stages[0]?.checks ?? []) expect(c.maxError).toBeLessThan(1e-6);
    expect(formatBackpropReport(r32)).not.toContain("✗");
  });

  it("pooling, norms, unflatten and dropout: δ at every stage is autodiff's, and batch norm moves no running statistic", () => {
    manualSeed(7);
    const bn = new nn.BatchNorm2d(3);
    const drop = new nn.Dropout(0.5);
    drop.eval();
    const model = new nn.Sequential(
      new nn.Conv2d(2, 3, 3),
      bn,
      new nn.GroupNorm(1, 3),
      new nn.Sigmoid(),
      new nn.AvgPool2d(2),
      new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(),
      new nn.LayerNorm(3),
      drop,
      new nn.Unflatten(1, [3, 1]),
      new nn.Flatten(),
      new nn.BatchNorm1d(3),
      new nn.Linear(3, 2),
      new nn.Softmax(),
    );
    const x = wave([4, 2, 6, 6], 0.5);
    const y = wave([4, 2], 2);
    const r = backpropReport(model, x, y);
    expect(r.stages.map((s) => s.label)).toEqual([
      "0: Conv2d(2 → 3, 3×3)",
      "1: BatchNorm2d(3)",
      "2: GroupNorm(1, 3)",
      "3: Sigmoid",
      "4: AvgPool2d(2)",
      "5: AdaptiveAvgPool2d(1)",
      "6: Flatten()",
      "7: LayerNorm([3])",
      "8: Dropout(0.5)",
      "9: Unflatten(1, [3, 1])",
      "10: Flatten()",
      "11: BatchNorm1d(3)",
      "12: Linear(3 → 2)",
      "13: Softmax",
    ]);
    expect(r.stages[1]?.local).toMatch(/^batch norm \(batch statistics\)/);
    expect(r.stages[8]?.local).toBe("dropout (eval): the identity, δ passes unchanged");
    expect(r.stages[1]?.parameters.map((p) => p.name)).toEqual(["1.weight", "1.bias"]);
    expect(r.stages[13]?.checks.map((c) => c.equation)).toEqual(["a ⊙ (δ − ⟨δ, a⟩)"]);
    for (const s of r.stages) for (const c of s.checks) expect(c.maxError).toBeLessThan(TOL);
    // no running statistic moved, no batch counted
    expect(bn.running_mean?.toArray()).toEqual([0, 0, 0]);
    expect(bn.running_var?.toArray()).toEqual([1, 1, 1]);
    expect(bn.num_batches_tracked?.item()).toBe(0);
    // δ and the parameters' gradients against a child-by-child pass (quadratic cost)
    const x0 = x.detach();
    x0.requiresGrad = true;
    const outs: Tensor[] = [];
    let h = x0;
    for (const layer of model.layers()) {
      h = layer.forward(h);
      outs.push(h);
    }
    const c = h
      .sub(y)
      .square()
      .sum()
      .div(2 * 4);
    expect(r.loss).toBeCloseTo(c.item(), 12);
    const g = gradients([c], [...outs, ...tensorsOf(model)]);
    r.stages.forEach((s, i) => {
      expectAllClose(s.delta, g[i], TOL);
    });
    const pg = r.stages.flatMap((s) => s.parameters.map((p) => p.grad));
    pg.forEach((p, i) => {
      expectAllClose(p, g[outs.length + i], TOL);
    });
    // the Linear before the softmax: BP1 with the softmax Jacobian; it reads a BatchNorm1d's output
    expect(r.layers.map((l) => [l.linearName, l.activation, l.activationName])).toEqual([
      ["12", "softmax", "13"],
    ]);
    expect(r.layers[0]?.equations.maxError.delta).toBeLessThan(TOL);
  });

  it("a Linear followed by another kind of layer: ∂C/∂aˡ comes from autodiff (no BP2 across it) and names that layer", () => {
    manualSeed(2);
    const drop = new nn.Dropout(0.2);
    drop.eval();
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), drop, new nn.Linear(4, 2));
    const r = backpropReport(model, wave([5, 3]), wave([5, 2], 1));
    expect(r.linearOnly).toBe(false);
    expect(r.layers.map((l) => l.nextStage)).toEqual(["2: Dropout(0.2)", null]);
    for (const l of r.layers) {
      expect(l.equations.maxError.delta).toBeLessThan(TOL);
      expect(l.equations.maxError.gradWeight).toBeLessThan(TOL);
    }
    expect(r.stages.map((s) => s.label)).toEqual([
      "0: Linear(3 → 4)",
      "1: Tanh",
      "2: Dropout(0.2)",
      "3: Linear(4 → 2)",
    ]);
  });
});

describe("backpropReport keeps Linear + activation models as they were", () => {
  it("adds one stage per child next to the unchanged layers, and formats BP1–BP4 layer by layer", () => {
    manualSeed(0);
    const net = new nn.MLP(2, [3, 2], { activation: "sigmoid", outputActivation: "sigmoid" });
    const r = backpropReport(net, [0.05, 0.1], [0.01, 0.99]);
    expect(r.linearOnly).toBe(true);
    expect(r.layers.map((l) => [l.linearName, l.activationName, l.nextStage])).toEqual([
      ["0", "1", null],
      ["2", "3", null],
    ]);
    expect(r.stages.map((s) => s.label)).toEqual([
      "0: Linear(2 → 3)",
      "1: Sigmoid",
      "2: Linear(3 → 2)",
      "3: Sigmoid",
    ]);
    expectAllClose(r.stages[0]?.delta, r.layers[0]?.delta, 0);
    expectAllClose(r.stages[3]?.delta, r.layers[1]?.gradA, 0);
    const text = formatBackpropReport(r);
    expect(text).toMatch(/^Backpropagation report: 2-3-2 network, one example/);
    expect(text).not.toContain("0: Linear(2 → 3)");
  });
});

describe("formatBackpropReport on stages", () => {
  const report = () => backpropReport(smallCnn(), wave([2, 1, 6, 6]), [0, 2], "crossEntropy");

  it("prints one block per stage: its name and shapes, its local derivative, autodiff's rows and the checks", () => {
    const text = formatBackpropReport(report());
    expect(text).toMatch(
      /^Backpropagation report: 5 layers \(Conv2d → ReLU → MaxPool2d → Flatten → Linear\), a batch of n = 2 examples, loss crossEntropy, C = /,
    );
    for (const head of [
      "0: Conv2d(1 → 4, 3×3, padding 1)   [2,1,6,6] → [2,4,6,6]",
      "1: ReLU   [2,4,6,6] → [2,4,6,6]",
      "2: MaxPool2d(2)   [2,4,6,6] → [2,4,3,3]",
      "3: Flatten()   [2,4,3,3] → [2,36]",
      "4: Linear(36 → 3)   [2,36] → [2,3]",
    ])
      expect(text).toContain(`\n${head}\n`);
    expect(text).toContain("  max pool: δ goes to each window's maximum (0 to the other entries)");
    expect(text).toMatch(/δ = ∂C\/∂\(output\) +\[2,4,6,6\]: max \|·\| \S+ +autodiff/);
    expect(text).toMatch(
      /∂C\/∂W +\[4,1,3,3\]: max \|·\| \S+ +BP4: Σₙ δₙ ⋆ aₙ \(conv2dWeight\) +max \|diff\| \S+ ✓/,
    );
    expect(text).toMatch(
      /∂C\/∂a +\[2,1,6,6\]: max \|·\| \S+ +BP2, first half: convTranspose2d\(δ, W\) +max \|diff\| \S+ ✓/,
    );
    expect(text).toMatch(/∂C\/∂b +\[[^\]]+\] +BP3: Σₙ,ᵧ,ₓ δ \(per channel\) +max \|diff\| \S+ ✓/);
    expect(text).not.toContain("✗");
  });

  it("renders Markdown: a heading and a table per stage", () => {
    const md = formatBackpropReport(report(), "markdown", { precision: 4 });
    expect(md).toMatch(/^# Backpropagation report: 5 layers/);
    expect(md).toContain("## 0: Conv2d(1 → 4, 3×3, padding 1)   [2,1,6,6] → [2,4,6,6]");
    expect(md).toContain("## 2: MaxPool2d(2)   [2,4,6,6] → [2,4,3,3]");
    expect(md).toMatch(
      /\| ∂C\/∂W \| `\[4,1,3,3\]: max \|·\| [^`]+` \| BP4: Σₙ δₙ ⋆ aₙ \(conv2dWeight\) \| \S+ ✓ \|/,
    );
  });
});

describe("backpropReport: models it cannot report", () => {
  const fails = (fn: () => unknown, message: RegExp) => {
    expect(fn).toThrow(ChainruleError);
    expect(fn).toThrow(message);
  };
  const supported =
    /supported layers are Linear, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Unflatten, BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, Dropout, TransformerEncoderLayer and the activations ReLU, Tanh, .* or Softmax/;

  it("names the layer and what is supported: attention, recurrent, nested Sequentials, other convolutions", () => {
    const cases: [nn.Sequential, RegExp][] = [
      [
        new nn.Sequential(new nn.Linear(4, 4), new nn.MultiheadAttention(4, 2) as unknown as nn.Layer),
        /layer 1 is a MultiheadAttention; /,
      ],
      [new nn.Sequential(new nn.RNN(3, 4) as unknown as nn.Layer), /layer 0 is a RNN; /],
      [new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.Tanh())), /layer 1 is a Sequential; /],
      [new nn.Sequential(new nn.Conv1d(1, 2, 3)), /layer 0 is a Conv1d; /],
    ];
    for (const [model, message] of cases) {
      fails(() => backpropReport(model, [1, 2], [1]), message);
      fails(() => backpropReport(model, [1, 2], [1]), supported);
    }
  });

  it("reports a TransformerEncoderLayer as one named stage, its parameters' gradients included", () => {
    manualSeed(0);
    const model = new nn.Sequential(
      new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0 }),
      new nn.Flatten(),
      new nn.Linear(12, 2),
    );
    const x = wave([2, 3, 4]);
    const report = backpropReport(model, x, [0, 1], "crossEntropy");
    const [encoder] = report.stages;
    expect(encoder?.label).toBe("0: TransformerEncoderLayer(d 4, 2 heads, feed-forward 8, post-norm)");
    expect(encoder?.local).toMatch(/^transformer encoder layer: /);
    expect(encoder?.parameters.map((p) => p.name)).toEqual(
      model[0]?.namedParameters().map(([n]) => `0.${n}`),
    );
    // the same gradients as autodiff gives through the model itself
    const loss = losses.crossEntropy(model.forward(x), [0, 1]);
    const params = model[0]?.parameters() as Tensor[];
    const expected = gradients(loss, params);
    encoder?.parameters.forEach((p, i) => {
      expectAllClose(p.grad, expected[i] as Tensor, 1e-12);
    });
    // the model's own .grad is left alone
    expect(params.every((p) => p.grad === null)).toBe(true);
  });

  it("rejects a custom module that is not a Sequential", () => {
    class Net extends nn.Module {
      readonly fc = new nn.Linear(2, 1);
      forward(x: Tensor): Tensor {
        return this.fc.forward(x);
      }
    }
    fails(
      () => backpropReport(new Net() as unknown as nn.Sequential, [1, 2], [1]),
      /backpropReport: model must be an nn.Sequential \(or nn.MLP\) of supported layers \(Linear, Conv2d, .*\), or an nn.Linear; got/,
    );
  });

  it("names the layer whose forward pass fails on its input", () => {
    fails(
      () => backpropReport(smallCnn(), wave([2, 6, 6]).reshape([2, 36]), [0, 1], "crossEntropy"),
      /backpropReport: layer 0: Conv2d\(1 → 4, 3×3, padding 1\) failed on its input \[2,36\]: conv2d: /,
    );
  });
});
