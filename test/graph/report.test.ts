/**
 * backpropReport reads δˡ, ∂C/∂Wˡ and ∂C/∂bˡ off the autodiff graph. These tests redo the
 * lecture's backpropagation algorithm by hand, in plain JavaScript arrays (lecture 000, "The
 * backpropagation algorithm": feedforward, output error BP1, backpropagate BP2, gradients BP3/BP4),
 * and require the report to agree with it to 1e-12, for one example and for a mini-batch.
 */
import { describe, expect, it } from "vitest";
import { backpropReport, formatBackpropReport } from "../../src/graph/report";
import { ChainruleError, losses, manualSeed, nn, type Tensor, tensor } from "../../src/index";
import { expectAllClose, expectClose } from "../helpers/close";

const TOL = 1e-12;

type Vec = number[];
type Mat = number[][];
type Act = "sigmoid" | "tanh" | "relu" | "identity";

// ---- the hand derivation, on plain arrays ----

const sigma = (z: number) => 1 / (1 + Math.exp(-z));
/** σ and σ′ of each activation, in closed form. */
const ACT: Record<Act, [(z: number) => number, (z: number) => number]> = {
  sigmoid: [sigma, (z) => sigma(z) * (1 - sigma(z))],
  tanh: [Math.tanh, (z) => 1 - Math.tanh(z) ** 2],
  relu: [(z) => Math.max(0, z), (z) => (z > 0 ? 1 : 0)],
  identity: [(z) => z, () => 1],
};

interface HandLayer {
  W: Mat; // wˡ[j][k]: from neuron k of layer l − 1 to neuron j of layer l
  b: Vec;
  act: Act;
}

interface HandResult {
  C: number;
  /** [layer][example][neuron] */
  z: Mat[];
  a: Mat[];
  /** ∂C/∂zˡ for each example, for the total cost C */
  delta: Mat[];
  gradW: Mat[];
  gradb: Vec[];
}

/**
 * Lecture 000's algorithm for each example x, then the gradient of the total cost:
 * - "quadratic": C = (1/n) Σₓ Cₓ with Cₓ = ½‖y − aᴸ‖², so ∇ₐCₓ = aᴸ − y and every per-example
 *   quantity is scaled by 1/n;
 * - "sse": C = Σₓ Σⱼ (aⱼᴸ − yⱼ)² (lecture 004's L = l₀ + l₁), so ∇ₐCₓ = 2(aᴸ − y).
 */
function handBackprop(layers: HandLayer[], X: Mat, Y: Mat, cost: "quadratic" | "sse"): HandResult {
  const n = X.length;
  const scale = cost === "quadratic" ? 1 / n : 1;
  const L = layers.length;
  const res: HandResult = {
    C: 0,
    z: layers.map(() => []),
    a: layers.map(() => []),
    delta: layers.map(() => []),
    gradW: layers.map((l) => l.W.map((row) => row.map(() => 0))),
    gradb: layers.map((l) => l.b.map(() => 0)),
  };
  X.forEach((x, e) => {
    // 1–2. input and feedforward: zˡ = wˡaˡ⁻¹ + bˡ, aˡ = σ(zˡ)
    const as: Vec[] = [x];
    const zs: Vec[] = [];
    layers.forEach((layer) => {
      const prev = as[as.length - 1]!;
      const z = layer.W.map((row, j) => row.reduce((s, w, k) => s + w * prev[k]!, 0) + layer.b[j]!);
      zs.push(z);
      as.push(z.map(ACT[layer.act][0]));
    });
    const aL = as[L]!;
    const y = Y[e]!;
    res.C +=
      cost === "quadratic"
        ? (0.5 * aL.reduce((s, a, j) => s + (y[j]! - a) ** 2, 0)) / n
        : aL.reduce((s, a, j) => s + (a - y[j]!) ** 2, 0);
    // 3. output error, BP1: δᴸ = ∇ₐCₓ ⊙ σ′(zᴸ)
    const gradA = aL.map((a, j) => (cost === "quadratic" ? a - y[j]! : 2 * (a - y[j]!)));
    const deltas: Vec[] = new Array(L);
    deltas[L - 1] = gradA.map((g, j) => g * ACT[layers[L - 1]!.act][1](zs[L - 1]![j]!));
    // 4. backpropagate, BP2: δˡ = ((wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ′(zˡ)
    for (let l = L - 2; l >= 0; l--) {
      const next = layers[l + 1]!;
      deltas[l] = zs[l]!.map(
        (z, j) =>
          next.W.reduce((s, row, k) => s + row[j]! * deltas[l + 1]![k]!, 0) * ACT[layers[l]!.act][1](z),
      );
    }
    // 5. output, BP3 and BP4: ∂C/∂bⱼˡ = δⱼˡ, ∂C/∂wⱼₖˡ = aₖˡ⁻¹δⱼˡ (summed over the examples)
    layers.forEach((_, l) => {
      const d = deltas[l]!.map((v) => v * scale);
      res.z[l]!.push(zs[l]!);
      res.a[l]!.push(as[l + 1]!);
      res.delta[l]!.push(d);
      d.forEach((dj, j) => {
        res.gradb[l]![j]! += dj;
        as[l]!.forEach((ak, k) => {
          res.gradW[l]![j]![k]! += dj * ak;
        });
      });
    });
  });
  return res;
}

// ---- building the same networks in chainrule ----

function setLinear(layer: unknown, W: Mat, b: Vec): void {
  const lin = layer as nn.Linear;
  lin.weight.data.set(W.flat());
  lin.bias!.data.set(b);
}

/** Lecture 004's 2-3-2 network: sigmoid hidden and output layers. */
const LECTURE_004: HandLayer[] = [
  {
    W: [
      [0.15, -0.25],
      [0.4, 0.1],
      [-0.3, 0.55],
    ],
    b: [0.35, -0.1, 0.2],
    act: "sigmoid",
  },
  {
    W: [
      [0.45, -0.6, 0.25],
      [-0.2, 0.5, 0.7],
    ],
    b: [0.6, -0.05],
    act: "sigmoid",
  },
];

function net232(): nn.MLP {
  const net = new nn.MLP(2, [3, 2], { activation: "sigmoid", outputActivation: "sigmoid" });
  setLinear(net[0], LECTURE_004[0]!.W, LECTURE_004[0]!.b);
  setLinear(net[2], LECTURE_004[1]!.W, LECTURE_004[1]!.b);
  return net;
}

/** A 4-5-3-2 network with tanh, relu and sigmoid layers, seeded weights and nonzero biases. */
function net4532(): { net: nn.Sequential; hand: HandLayer[] } {
  manualSeed(4532);
  const net = new nn.Sequential(
    new nn.Linear(4, 5),
    new nn.Tanh(),
    new nn.Linear(5, 3),
    new nn.ReLU(),
    new nn.Linear(3, 2),
    new nn.Sigmoid(),
  );
  const acts: Act[] = ["tanh", "relu", "sigmoid"];
  const hand = [0, 2, 4].map((i, l) => {
    const lin = net[i] as nn.Linear;
    const b = Array.from({ length: lin.outFeatures }, (_, j) => 0.1 * (j + 1) * (l % 2 === 0 ? 1 : -1));
    lin.bias!.data.set(b);
    return { W: lin.weight.toArray() as Mat, b, act: acts[l]! };
  });
  return { net, hand };
}

const X1: Mat = [[0.05, 0.1]];
const Y1: Mat = [[0.01, 0.99]];
const XB: Mat = [
  [0.05, 0.1],
  [0.9, -0.4],
  [-1.2, 0.3],
  [0.5, 0.5],
];
const YB: Mat = [
  [0.01, 0.99],
  [1, 0],
  [0, 1],
  [0.5, 0.25],
];

/** The report's per-layer tensors against the hand derivation (a single example is one row). */
function expectReportMatches(
  report: ReturnType<typeof backpropReport>,
  hand: HandResult,
  single: boolean,
): void {
  const rows = (m: Mat) => (single ? m[0] : m);
  expectClose(report.loss, hand.C, TOL);
  report.layers.forEach((layer, l) => {
    expectAllClose(layer.z, rows(hand.z[l]!), TOL);
    expectAllClose(layer.a, rows(hand.a[l]!), TOL);
    expectAllClose(layer.delta, rows(hand.delta[l]!), TOL);
    expectAllClose(layer.gradBias, hand.gradb[l], TOL);
    expectAllClose(layer.gradWeight, hand.gradW[l], TOL);
  });
}

describe("backpropReport against BP1–BP4 by hand (lecture 000's algorithm)", () => {
  it("2-3-2 sigmoid network of lecture 004, quadratic cost, one example: zˡ, aˡ, δˡ, ∂C/∂Wˡ, ∂C/∂bˡ, C", () => {
    const report = backpropReport(net232(), X1[0]!, Y1[0]!, "quadratic");
    expect(report.batched).toBe(false);
    expect(report.examples).toBe(1);
    expect(report.layers.map((l) => l.delta.shape)).toEqual([[3], [2]]);
    expectReportMatches(report, handBackprop(LECTURE_004, X1, Y1, "quadratic"), true);
  });

  it("2-3-2 sigmoid network, quadratic cost C = (1/2n) Σₓ ‖y − aᴸ‖², a mini-batch of 4: row n of δˡ is ∂C/∂zˡ for example n", () => {
    const report = backpropReport(net232(), XB, YB, "quadratic");
    expect(report.batched).toBe(true);
    expect(report.examples).toBe(4);
    expect(report.layers.map((l) => l.delta.shape)).toEqual([
      [4, 3],
      [4, 2],
    ]);
    expectReportMatches(report, handBackprop(LECTURE_004, XB, YB, "quadratic"), false);
  });

  it("2-3-2 sigmoid network with lecture 004's L = l₀ + l₁ (sum of squared errors), one example and a batch", () => {
    expectReportMatches(
      backpropReport(net232(), X1[0]!, Y1[0]!, "sse"),
      handBackprop(LECTURE_004, X1, Y1, "sse"),
      true,
    );
    expectReportMatches(
      backpropReport(net232(), XB, YB, "sse"),
      handBackprop(LECTURE_004, XB, YB, "sse"),
      false,
    );
  });

  it("4-5-3-2 tanh/relu/sigmoid network, one example", () => {
    const { net, hand } = net4532();
    const x = [0.3, -0.7, 1.1, 0.05];
    const y = [0.2, 0.8];
    expectReportMatches(backpropReport(net, x, y), handBackprop(hand, [x], [y], "quadratic"), true);
  });

  it("4-5-3-2 tanh/relu/sigmoid network, a mini-batch of 3", () => {
    const { net, hand } = net4532();
    const X = [
      [0.3, -0.7, 1.1, 0.05],
      [-1.5, 0.2, 0.4, 0.9],
      [0.8, 0.8, -0.3, -1.2],
    ];
    const Y = [
      [0.2, 0.8],
      [1, 0],
      [0.5, 0.5],
    ];
    expectReportMatches(
      backpropReport(net, tensor(X), tensor(Y)),
      handBackprop(hand, X, Y, "quadratic"),
      false,
    );
  });

  it("reproduces Matt Mazur's step-by-step example (cited in lecture 004): E = 0.298371109 and the weights after one step", () => {
    // i = [0.05, 0.10], w₁…w₄ into h₁, h₂, w₅…w₈ into o₁, o₂, biases 0.35 and 0.60,
    // E = Σ ½(target − out)², one gradient-descent step w⁺ = w − 0.5·∂E/∂w
    const net = new nn.MLP(2, [2, 2], { activation: "sigmoid", outputActivation: "sigmoid" });
    const W1 = [
      [0.15, 0.2],
      [0.25, 0.3],
    ];
    const W2 = [
      [0.4, 0.45],
      [0.5, 0.55],
    ];
    setLinear(net[0], W1, [0.35, 0.35]);
    setLinear(net[2], W2, [0.6, 0.6]);
    const r = backpropReport(net, [0.05, 0.1], [0.01, 0.99]);
    expect(r.loss).toBeCloseTo(0.298371109, 9);
    expect(r.output.toArray()).toEqual([expect.closeTo(0.75136507, 8), expect.closeTo(0.772928465, 8)]);
    const step = (W: Mat, g: Tensor) =>
      W.map((row, j) => row.map((w, k) => w - 0.5 * (g.toArray() as Mat)[j]![k]!));
    const [w5, w6, w7, w8] = step(W2, r.layers[1]!.gradWeight).flat();
    const [w1, w2, w3, w4] = step(W1, r.layers[0]!.gradWeight).flat();
    expect([w1, w2, w3, w4, w5, w6, w7, w8]).toEqual(
      [0.149780716, 0.19956143, 0.24975114, 0.29950229, 0.35891648, 0.408666186, 0.51130127, 0.561370121].map(
        (v) => expect.closeTo(v, 8),
      ),
    );
  });
});

describe("backpropReport: what each layer holds", () => {
  it("∂C/∂aᴸ is ∇ₐC = (aᴸ − y)/n for the quadratic cost, and σ′(zˡ) = σ(zˡ)(1 − σ(zˡ)) in closed form", () => {
    const r = backpropReport(net232(), XB, YB);
    const last = r.layers[1]!;
    const a = last.a.toArray() as Mat;
    expectAllClose(
      last.gradA,
      a.map((row, n) => row.map((v, j) => (v - YB[n]![j]!) / 4)),
      TOL,
    );
    expectAllClose(
      last.sigmaPrime,
      a.map((row) => row.map((v) => v * (1 - v))),
      TOL,
    );
    expect(last.sigmaPrimeFormula).toBe("σ(z)(1 − σ(z))");
  });

  it("recomputes BP1–BP4 from autodiff's neighbouring quantities; they agree to rounding in every layer", () => {
    const { net } = net4532();
    const r = backpropReport(net, [[0.3, -0.7, 1.1, 0.05]], [[0.2, 0.8]]);
    for (const layer of r.layers) {
      expect(layer.equations.maxError.delta).toBeLessThan(1e-15);
      expect(layer.equations.maxError.gradBias).toBeLessThan(1e-15);
      expect(layer.equations.maxError.gradWeight).toBeLessThan(1e-15);
      expectAllClose(layer.equations.delta, layer.delta, TOL);
      expectAllClose(layer.equations.gradWeight, layer.gradWeight, TOL);
    }
  });

  // every elementwise activation module (a new one is covered with no edit here), and a non-default slope
  it.each([
    ...nn
      .activationNames()
      .filter((name) => name !== "softmax")
      .map((name) => [name, () => nn.activation(name)] as const),
    ["leakyRelu", () => new nn.LeakyReLU(0.1)] as const,
  ])("σ′ of %s in closed form reproduces autodiff's δ through BP1 and BP2", (name, make) => {
    manualSeed(5);
    const net = new nn.Sequential(new nn.Linear(3, 4), make(), new nn.Linear(4, 2), make());
    const r = backpropReport(
      net,
      [
        [0.5, -1, 2],
        [-0.3, 0.8, 0.1],
      ],
      [
        [0, 1],
        [1, 0],
      ],
    );
    expect(r.layers.map((l) => l.activation)).toEqual([name, name]);
    for (const layer of r.layers) expect(layer.equations.maxError.delta).toBeLessThan(1e-15);
  });

  it("prints σ′ from the activation's row of the unary table, in z and a = σ(z) (ELU: no report code of its own)", () => {
    manualSeed(6);
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.ELU(0.5), new nn.Linear(2, 1), new nn.ReLU());
    const r = backpropReport(net, [[0.4, -1.2]], [[0.3]]);
    expect(r.layers.map((l) => [l.activation, l.sigmaPrimeFormula])).toEqual([
      ["elu", "1 if z > 0 else a + alpha"],
      ["relu", "[z > 0]"],
    ]);
  });

  it("names layers by their children, as in the parameter names: Linear 0 with sigmoid 1, Linear 2 with sigmoid 3", () => {
    const r = backpropReport(net232(), X1[0]!, Y1[0]!);
    expect(
      r.layers.map((l) => [
        l.index,
        l.linearName,
        l.activation,
        l.activationName,
        l.inFeatures,
        l.outFeatures,
      ]),
    ).toEqual([
      [1, "0", "sigmoid", "1", 2, 3],
      [2, "2", "sigmoid", "3", 3, 2],
    ]);
    expectAllClose(r.layers[1]!.input, r.layers[0]!.a, 0);
    expectAllClose(r.layers[0]!.input, X1[0], 0);
    expectAllClose(r.output, r.layers[1]!.a, 0);
  });

  it("takes a loss function (output, y) => Tensor: C = ½ Σ (a − y)² as losses.mse with reduction sum, halved", () => {
    const byName = backpropReport(net232(), X1[0]!, Y1[0]!, "quadratic");
    const byFn = backpropReport(net232(), X1[0]!, Y1[0]!, (a, y) =>
      losses.mse(a, y, { reduction: "sum" }).div(2),
    );
    expect(byFn.lossName).toBe("custom");
    expectClose(byFn.loss, byName.loss, TOL);
    byFn.layers.forEach((layer, l) => {
      expectAllClose(layer.delta, byName.layers[l]!.delta, TOL);
      expectAllClose(layer.gradWeight, byName.layers[l]!.gradWeight, TOL);
    });
  });

  it('"mse" is losses.mse (the mean over every entry): ∇ₐC = 2(aᴸ − y)/(n·k)', () => {
    const r = backpropReport(net232(), XB, YB, "mse");
    const a = r.output.toArray() as Mat;
    expectAllClose(
      r.layers[1]!.gradA,
      a.map((row, n) => row.map((v, j) => (2 * (v - YB[n]![j]!)) / 8)),
      TOL,
    );
  });

  it("cross-entropy on logits (no output activation): δᴸ = (softmax(zᴸ) − onehot(y))/n, as lecture 002's dz = a − y", () => {
    manualSeed(7);
    const net = new nn.MLP(3, [4, 3], { activation: "tanh" });
    const X = [
      [0.2, -0.1, 0.5],
      [1.0, 0.3, -0.8],
    ];
    const labels = [2, 0];
    const r = backpropReport(net, X, labels, "crossEntropy");
    const last = r.layers[1]!;
    expect(last.activation).toBe("identity");
    const z = last.z.toArray() as Mat;
    const expected = z.map((row, n) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((p, q) => p + q, 0);
      return e.map((v, j) => (v / s - (j === labels[n] ? 1 : 0)) / 2);
    });
    expectAllClose(last.delta, expected, TOL);
    expect(last.equations.maxError.delta).toBeLessThan(1e-15);
  });

  it("a softmax output layer: BP1 uses the softmax Jacobian, δ = a ⊙ (∇ₐC − ⟨∇ₐC, a⟩), and σ′ is not elementwise", () => {
    manualSeed(11);
    const net = new nn.MLP(2, [3, 3], { activation: "sigmoid", outputActivation: "softmax" });
    const r = backpropReport(net, XB.slice(0, 2), [
      [1, 0, 0],
      [0, 0.5, 0.5],
    ]);
    const last = r.layers[1]!;
    expect(last.sigmaPrime).toBeNull();
    expect(last.equations.maxError.delta).toBeLessThan(1e-15);
    expect(r.layers[0]!.equations.maxError.delta).toBeLessThan(1e-15);
  });

  it("accepts a bare nn.Linear (one layer, no activation) and a Linear without bias", () => {
    manualSeed(3);
    const lin = new nn.Linear(3, 2, { bias: false });
    const r = backpropReport(lin, [1, 2, 3], [0, 1], "sse");
    expect(r.layers).toHaveLength(1);
    expect(r.layers[0]!.gradBias).toBeNull();
    const W = lin.weight.toArray() as Mat;
    const z = W.map((row) => row[0]! + 2 * row[1]! + 3 * row[2]!);
    const delta = z.map((v, j) => 2 * (v - [0, 1][j]!));
    expectAllClose(r.layers[0]!.delta, delta, TOL);
    expectAllClose(
      r.layers[0]!.gradWeight,
      delta.map((d) => [d, 2 * d, 3 * d]),
      TOL,
    );
  });
});

describe("backpropReport leaves the model alone", () => {
  it("does not touch the parameters' .grad (existing gradients keep their values, null stays null)", () => {
    const net = net232();
    const params = net.parameters() as Tensor[];
    // a previous backward left gradients everywhere; then the second layer's were reset to null
    net.forward(tensor(X1[0]!)).sum().backward();
    (net[2] as nn.Linear).zeroGrad();
    expect(params.map((p) => p.grad === null)).toEqual([false, false, true, true]);
    const before = params.map((p) => p.grad);
    const beforeValues = params.map((p) => p.grad?.toArray() ?? null);
    backpropReport(net, XB, YB);
    params.forEach((p, i) => {
      expect(p.grad).toBe(before[i]);
      expect(p.grad?.toArray() ?? null).toEqual(beforeValues[i]);
    });
    // a fresh model stays without gradients
    const fresh = net232();
    backpropReport(fresh, XB, YB);
    expect((fresh.parameters() as Tensor[]).every((p) => p.grad === null)).toBe(true);
  });

  it("does not change the parameters or the inputs, and the model still trains afterwards", () => {
    const net = net232();
    const x = tensor(XB, { requiresGrad: true });
    const weights = (net.parameters() as Tensor[]).map((p) => p.toArray());
    const r = backpropReport(net, x, YB);
    expect((net.parameters() as Tensor[]).map((p) => p.toArray())).toEqual(weights);
    expect(x.grad).toBeNull();
    // the report's W is a copy, not the parameter
    expect(r.layers[0]!.weight).not.toBe(net[0]);
    losses.mse(net.forward(x), tensor(YB)).backward();
    expect((net[0] as nn.Linear).weight.grad).not.toBeNull();
  });

  it("works with frozen parameters (requiresGrad false)", () => {
    const net = net232();
    const expected = backpropReport(net, XB, YB);
    for (const i of [0, 2]) {
      const lin = net[i] as nn.Linear;
      lin.weight.requiresGrad = false;
      lin.bias!.requiresGrad = false;
    }
    const r = backpropReport(net, XB, YB);
    r.layers.forEach((layer, l) => {
      expectAllClose(layer.gradWeight, expected.layers[l]!.gradWeight, 0);
    });
  });
});

describe("backpropReport input validation", () => {
  const fails = (fn: () => unknown, message: RegExp) => {
    expect(fn).toThrow(ChainruleError);
    expect(fn).toThrow(message);
  };

  it("names the offending layer when the model has a layer it cannot report", () => {
    fails(
      () =>
        backpropReport(
          new nn.Sequential(new nn.Linear(2, 3), new nn.Embedding(3, 2), new nn.Linear(3, 1)),
          [1, 2],
          [1],
        ),
      /backpropReport: layer 1 is a Embedding; supported layers are Linear, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Unflatten, BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, Dropout, TransformerEncoderLayer and the activations ReLU, Tanh, Sigmoid, LeakyReLU, GELU, ELU, SELU, SiLU, Mish, Hardtanh or Softmax/,
    );
    fails(
      () => backpropReport(new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(4, 1)), [1, 2], [1]),
      /layer 1 \(Linear 4→1\) expects 4 inputs, but layer 0 \(Linear 2→3\) gives 3/,
    );
    fails(
      () =>
        backpropReport(new nn.Sequential(new nn.Linear(2, 1), new nn.Sequential(new nn.Tanh())), [1, 2], [1]),
      /layer 1 is a Sequential/,
    );
    fails(() => backpropReport({} as nn.Sequential, [1, 2], [1]), /model must be an nn.Sequential/);
  });

  it("reports an activation first or two activations in a row stage by stage (each is a stage; only a Linear's own activation joins its BP1–BP4 layer)", () => {
    const first = backpropReport(new nn.Sequential(new nn.Tanh(), new nn.Linear(2, 1)), [1, 2], [1]);
    expect(first.stages.map((s) => s.label)).toEqual(["0: Tanh", "1: Linear(2 → 1)"]);
    expect(first.layers.map((l) => l.activation)).toEqual(["identity"]);
    const twice = backpropReport(
      new nn.Sequential(new nn.Linear(2, 1), new nn.Tanh(), new nn.Sigmoid()),
      [1, 2],
      [1],
    );
    expect(twice.linearOnly).toBe(false);
    expect(twice.layers.map((l) => [l.activation, l.nextStage])).toEqual([["tanh", "2: Sigmoid"]]);
    expect(twice.layers[0]?.equations.maxError.delta).toBeLessThan(1e-12);
  });

  it("rejects an x of the wrong shape, an unknown loss, and a loss that is not one number", () => {
    fails(
      () => backpropReport(net232(), [1, 2, 3], [0, 1]),
      /x \[3\] must be one example \[2\] or a batch \[n, 2\] for the first layer \(Linear 2→3\)/,
    );
    fails(
      () => backpropReport(net232(), [1, 2], [0, 1], "hinge" as "mse"),
      /loss must be "quadratic", "sse"/,
    );
    fails(
      () => backpropReport(net232(), XB, YB, (a, y) => a.sub(y)),
      /the loss must return a one-element tensor, got shape \[4,2\]/,
    );
    fails(() => backpropReport(net232(), [1, 2], [0, 1, 2]), /mse/);
  });
});

describe("formatBackpropReport", () => {
  const report = () => backpropReport(net232(), X1[0]!, Y1[0]!);

  it("states the convention and the four equations, then every layer with autodiff and BP rows side by side", () => {
    const text = formatBackpropReport(report());
    expect(text).toContain("zˡ = aˡ⁻¹·(Wˡ)ᵀ + bˡ");
    for (const eq of [
      "BP1  δᴸ = ∇ₐC ⊙ σ′(zᴸ)",
      "BP2  δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)",
      "BP3  ∂C/∂bˡ = δˡ",
      "BP4  ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ",
    ])
      expect(text).toContain(eq);
    expect(text).toContain('Layer 1: Linear "0" 2 → 3, sigmoid "1"');
    expect(text).toContain('Layer 2 (output layer): Linear "2" 3 → 2, sigmoid "3"');
    expect(text).toMatch(/δ² = ∂C\/∂z² +\[.*\] +autodiff/);
    expect(text).toMatch(/δ² +\[.*\] +BP1: ∇ₐC ⊙ σ′\(z²\) +max \|diff\| 0 ✓/);
    expect(text).toMatch(/δ¹ +\[.*\] +BP2: \(\(W²\)ᵀδ²\) ⊙ σ′\(z¹\) +max \|diff\| \S+ ✓/);
    expect(text).toMatch(/∂C\/∂W¹ +\[\[.*\],? +BP4: δ¹\(a⁰\)ᵀ/);
    expect(text).not.toContain("✗");
  });

  it("uses the batch forms for a mini-batch: (δˡ⁺¹·Wˡ⁺¹) ⊙ σ′(zˡ), Σₙ δˡ and (δˡ)ᵀ·aˡ⁻¹", () => {
    const text = formatBackpropReport(backpropReport(net232(), XB, YB));
    expect(text).toContain("a batch of n = 4 examples");
    expect(text).toContain("BP2: (δ²·W²) ⊙ σ′(z¹)");
    expect(text).toContain("BP3: Σₙ δ¹ (sum of the rows)");
    expect(text).toContain("BP4: (δ²)ᵀ·a¹");
  });

  it("renders Markdown: one table per layer, matrices inline", () => {
    const md = formatBackpropReport(report(), "markdown", { precision: 4 });
    expect(md).toMatch(/^# Backpropagation report: 2-3-2 network, one example, loss quadratic, C = /);
    expect(md).toContain("## Layer 1: Linear `0` 2 → 3, sigmoid `1`");
    expect(md).toContain("| quantity | value | from | max abs diff |");
    expect(md).toContain("| W¹ | `[[0.15, -0.25], [0.4, 0.1], [-0.3, 0.55]]` | weight [3, 2] |  |");
    expect(md).toMatch(/\| δ² \| `\[[^`]+\]` \| BP1: ∇ₐC ⊙ σ′\(z²\) \| 0 ✓ \|/);
  });

  it("rejects an unknown format or precision", () => {
    expect(() => formatBackpropReport(report(), "latex" as "text")).toThrow(
      /format must be "text" or "markdown"/,
    );
    expect(() => formatBackpropReport(report(), "text", { precision: 0 })).toThrow(
      /precision must be an integer/,
    );
  });
});
