/**
 * Layers (SPEC §3): Linear (shapes, dtype, zero bias, init schemes), Sequential and MLP naming,
 * the activation modules, and Dropout (inverted, active only in training mode).
 */
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  init,
  manualSeed,
  nn,
  ones,
  optim,
  Rng,
  type Tensor,
  tensor,
  zeros,
} from "../../src/index";
import { expectAllClose, expectClose } from "../helpers/close";

/** Mean and (population) standard deviation of the elements. */
function stats(t: Tensor): { mean: number; std: number; maxAbs: number } {
  const d = Array.from(t.data);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { mean, std, maxAbs: d.reduce((m, v) => Math.max(m, Math.abs(v)), 0) };
}

/** x·Wᵀ + b in plain JS, row by row. */
function affine(x: number[][], w: number[][], b: number[] | null): number[][] {
  return x.map((row) =>
    w.map((wr, j) => wr.reduce((a, wij, i) => a + wij * (row[i] as number), b ? (b[j] as number) : 0)),
  );
}

describe("Linear", () => {
  it("has weight [out, in] and bias [out], float64 by default, the bias zero, both trainable", () => {
    manualSeed(0);
    const layer = new nn.Linear(3, 2);
    expect(layer.weight.shape).toEqual([2, 3]);
    expect(layer.bias?.shape).toEqual([2]);
    expect(layer.weight.dtype).toBe("float64");
    expect(layer.bias?.dtype).toBe("float64");
    expect(Array.from(layer.bias?.data ?? [])).toEqual([0, 0]);
    expect(layer.weight.requiresGrad && layer.bias?.requiresGrad).toBe(true);
    expect(layer.namedParameters().map(([n]) => n)).toEqual(["weight", "bias"]);
    expect([layer.inFeatures, layer.outFeatures]).toEqual([3, 2]);
  });

  it("computes x·Wᵀ + b as one graph node named linear", () => {
    manualSeed(1);
    const layer = new nn.Linear(3, 2);
    (layer.bias as Tensor).data.set([0.5, -1]);
    const x = [
      [1, 2, 3],
      [-1, 0, 4],
      [0.5, 0.5, 0.5],
      [0, 0, 0],
    ];
    const y = layer.forward(tensor(x));
    expect(y.shape).toEqual([4, 2]);
    expect(y.op).toBe("linear");
    expect(y.parents).toEqual([expect.anything(), layer.weight, layer.bias]);
    expectAllClose(y, affine(x, layer.weight.toArray() as number[][], [0.5, -1]), 1e-15);
  });

  it("maps [..., in] to [..., out] for 1-D and 3-D inputs", () => {
    manualSeed(2);
    const layer = new nn.Linear(3, 4);
    expect(layer.forward(tensor([1, 2, 3])).shape).toEqual([4]);
    const x3 = zeros([2, 5, 3]);
    expect(layer.forward(x3).shape).toEqual([2, 5, 4]);
    // each row of a 3-D input is transformed like a 2-D batch
    const rows = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    expectAllClose(
      layer.forward(tensor([rows, rows])),
      [layer.forward(tensor(rows)).toArray(), layer.forward(tensor(rows)).toArray()],
      1e-15,
    );
  });

  it("without bias has one parameter and computes x·Wᵀ", () => {
    const layer = new nn.Linear(2, 2, { bias: false });
    expect(layer.bias).toBeNull();
    expect(layer.parameters()).toEqual([layer.weight]);
    const x = [[1, -2]];
    expectAllClose(layer.forward(tensor(x)), affine(x, layer.weight.toArray() as number[][], null), 1e-15);
  });

  it("can be float32; float64 input promotes the output to float64, and the gradients keep their dtypes", () => {
    const layer = new nn.Linear(2, 3, { dtype: "float32" });
    expect(layer.weight.dtype).toBe("float32");
    expect(layer.bias?.dtype).toBe("float32");
    expect(layer.forward(tensor([[1, 2]], { dtype: "float32" })).dtype).toBe("float32");
    const y = layer.forward(tensor([[1, 2]]));
    expect(y.dtype).toBe("float64");
    y.sum().backward();
    expect(layer.weight.grad?.dtype).toBe("float32");
    expect(layer.weight.grad?.toArray()).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    // int32 input computes in the layer's dtype
    expect(layer.forward(tensor([[1, 2]], { dtype: "int32" })).dtype).toBe("float32");
  });

  it("names the shapes when the input has the wrong number of features", () => {
    const layer = new nn.Linear(3, 2);
    expect(() => layer.forward(tensor([[1, 2, 3, 4]]))).toThrow(ChainruleError);
    expect(() => layer.forward(tensor([[1, 2, 3, 4]]))).toThrow(
      "linear: input [1,4] has 4 features, the weight [2,3] expects 3",
    );
    expect(() => layer.forward(tensor(1))).toThrow(/linear: input \[\]/);
  });

  it("rejects bad sizes, init schemes and dtypes", () => {
    for (const [i, o] of [
      [0, 2],
      [2, -1],
      [1.5, 2],
      [Number.NaN, 1],
    ]) {
      expect(() => new nn.Linear(i as number, o as number)).toThrow(ChainruleError);
    }
    expect(() => new nn.Linear(2, 2, { init: "kaiming" as never })).toThrow(/Linear: init must be/);
    expect(() => new nn.Linear(2, 2, { dtype: "int32" as never })).toThrow(
      'Linear: dtype must be "float64" or "float32", got string "int32"',
    );
    expect(() => new nn.Linear(2, 2, { dtype: "int8" as never })).toThrow(/Linear: dtype must be/);
  });

  describe("weight initialisation", () => {
    const [fanIn, fanOut] = [400, 300];

    it("xavier (default): uniform on ±√(6/(in + out))", () => {
      manualSeed(3);
      const w = new nn.Linear(fanIn, fanOut).weight;
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      const { mean, std, maxAbs } = stats(w);
      expect(maxAbs).toBeLessThanOrEqual(bound);
      expect(maxAbs).toBeGreaterThan(0.999 * bound);
      expect(Math.abs(mean)).toBeLessThan(0.01 * bound);
      expectClose(std, bound / Math.sqrt(3), 0.01 * (bound / Math.sqrt(3)));
    });

    it("he: uniform on ±√(6/in)", () => {
      manualSeed(4);
      const w = new nn.Linear(fanIn, fanOut, { init: "he" }).weight;
      const bound = Math.sqrt(6 / fanIn);
      const { std, maxAbs } = stats(w);
      expect(maxAbs).toBeLessThanOrEqual(bound);
      expect(maxAbs).toBeGreaterThan(0.999 * bound);
      expectClose(std, bound / Math.sqrt(3), 0.01 * (bound / Math.sqrt(3)));
    });

    it("normal: N(0, 0.1²)", () => {
      manualSeed(5);
      const w = new nn.Linear(fanIn, fanOut, { init: "normal" }).weight;
      const { mean, std } = stats(w);
      expect(Math.abs(mean)).toBeLessThan(0.002);
      expectClose(std, 0.1, 0.002);
    });

    it("is seeded: the same seed gives the same weights, filled in row-major order from the generator", () => {
      manualSeed(6);
      const a = new nn.Linear(5, 4);
      const between = new nn.Linear(5, 4);
      manualSeed(6);
      const b = new nn.Linear(5, 4);
      expect(Array.from(b.weight.data)).toEqual(Array.from(a.weight.data));
      expect(Array.from(between.weight.data)).not.toEqual(Array.from(a.weight.data));
      const rng = new Rng(6);
      const bound = Math.sqrt(6 / 9);
      expect(Array.from(a.weight.data)).toEqual(Array.from({ length: 20 }, () => rng.uniform(-bound, bound)));
    });

    it("xavier is what init.xavierUniform gives", () => {
      manualSeed(7);
      const layer = new nn.Linear(3, 2);
      manualSeed(7);
      const w = init.xavierUniform(zeros([2, 3]));
      expect(Array.from(layer.weight.data)).toEqual(Array.from(w.data));
    });
  });
});

describe("Sequential", () => {
  it("names its children 0, 1, … and applies them in order", () => {
    manualSeed(8);
    const a = new nn.Linear(2, 3);
    const b = new nn.Linear(3, 1);
    const seq = new nn.Sequential(a, new nn.Tanh(), b);
    expect(seq.length).toBe(3);
    expect(seq[0]).toBe(a);
    expect(seq.layers()).toEqual([a, seq[1], b]);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    const x = tensor([
      [1, 2],
      [-3, 0.5],
    ]);
    expectAllClose(seq.forward(x), b.forward(a.forward(x).tanh()), 0);
  });

  it("with no children is the identity", () => {
    const x = tensor([1, 2]);
    expect(new nn.Sequential().forward(x)).toBe(x);
  });

  it("rejects children that are not modules with forward", () => {
    expect(() => new nn.Sequential(new nn.ReLU(), ((x: Tensor) => x) as never)).toThrow(
      /Sequential: child 1 must be a module/,
    );
  });
});

describe("MLP", () => {
  it("is a Sequential of Linear and activation layers named 0.weight, 0.bias, 2.weight, …", () => {
    manualSeed(9);
    const mlp = new nn.MLP(4, [16, 8, 3]);
    expect(mlp).toBeInstanceOf(nn.Sequential);
    expect(mlp.layers().map((l) => l.constructor.name)).toEqual([
      "Linear",
      "ReLU",
      "Linear",
      "ReLU",
      "Linear",
    ]);
    expect(mlp.namedParameters().map(([n]) => n)).toEqual([
      "0.weight",
      "0.bias",
      "2.weight",
      "2.bias",
      "4.weight",
      "4.bias",
    ]);
    expect((mlp[4] as nn.Linear).weight.shape).toEqual([3, 8]);
    expect(mlp.forward(zeros([5, 4])).shape).toEqual([5, 3]);
  });

  it("new nn.MLP(784, [256, 10]) has 0.weight [256, 784] and 2.weight [10, 256]", () => {
    const mlp = new nn.MLP(784, [256, 10]);
    const sd = mlp.stateDict();
    expect(Object.keys(sd)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(sd["0.weight"]?.shape).toEqual([256, 784]);
    expect(sd["2.weight"]?.shape).toEqual([10, 256]);
  });

  it("takes the hidden activation and an output activation", () => {
    const mlp = new nn.MLP(2, [8, 8, 1], { activation: "tanh", outputActivation: "sigmoid" });
    expect(mlp.layers().map((l) => l.constructor.name)).toEqual([
      "Linear",
      "Tanh",
      "Linear",
      "Tanh",
      "Linear",
      "Sigmoid",
    ]);
    const y = mlp.forward(tensor([[3, -4]]));
    expect(y.data[0]).toBeGreaterThan(0);
    expect(y.data[0]).toBeLessThan(1);
  });

  it("initialises He-uniform for relu and Xavier-uniform for tanh", () => {
    manualSeed(10);
    const relu = new nn.MLP(300, [200, 10]);
    const tanh = new nn.MLP(300, [200, 10], { activation: "tanh" });
    const reluW = (relu[0] as nn.Linear).weight;
    const tanhW = (tanh[0] as nn.Linear).weight;
    expect(stats(reluW).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 300));
    expect(stats(reluW).maxAbs).toBeGreaterThan(Math.sqrt(6 / 500));
    expect(stats(tanhW).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 500));
  });

  it("forwards like the composition of its layers", () => {
    manualSeed(11);
    const mlp = new nn.MLP(3, [4, 2], { activation: "gelu" });
    const [l0, , l2] = mlp.layers() as [nn.Linear, nn.Layer, nn.Linear];
    const x = tensor([
      [1, 0, -1],
      [0.3, 2, 0.1],
    ]);
    expectAllClose(mlp.forward(x), l2.forward(l0.forward(x).gelu()), 0);
  });

  it("can be float32", () => {
    const mlp = new nn.MLP(2, [3, 1], { dtype: "float32" });
    expect(mlp.parameters().every((p) => (p as Tensor).dtype === "float32")).toBe(true);
  });

  it("rejects empty or bad sizes", () => {
    expect(() => new nn.MLP(2, [])).toThrow(/MLP: sizes must be a non-empty array/);
    expect(() => new nn.MLP(2, 3 as never)).toThrow(ChainruleError);
    expect(() => new nn.MLP(2, [3, 0])).toThrow(ChainruleError);
    expect(() => new nn.MLP(2, [3, 1], { activation: "swish" as never })).toThrow(
      /MLP: activation must be one of/,
    );
  });
});

describe("activation modules", () => {
  const x = [-2, -0.5, 0, 0.5, 3];
  const cases: [string, nn.Layer, (v: number) => number][] = [
    ["ReLU", new nn.ReLU(), (v) => Math.max(0, v)],
    ["Tanh", new nn.Tanh(), Math.tanh],
    ["Sigmoid", new nn.Sigmoid(), (v) => 1 / (1 + Math.exp(-v))],
    ["LeakyReLU (slope 0.01)", new nn.LeakyReLU(), (v) => (v > 0 ? v : 0.01 * v)],
    ["LeakyReLU (slope 0.2)", new nn.LeakyReLU(0.2), (v) => (v > 0 ? v : 0.2 * v)],
  ];

  it.each(cases)("%s applies its function elementwise and has no parameters", (_, layer, f) => {
    expectAllClose(layer.forward(tensor(x)), x.map(f), 1e-15);
    expect(layer.parameters()).toEqual([]);
  });

  it("GELU is the exact erf form: gelu(1) = Φ(1) = 0.8413447460685429, gelu(−1) = −0.15865525393145707", () => {
    expectAllClose(
      new nn.GELU().forward(tensor([1, -1, 0])),
      [0.8413447460685429, -0.15865525393145707, 0],
      1e-15,
    );
  });

  it("Softmax normalises along the last axis by default, or the given one", () => {
    const m = tensor([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expectAllClose(
      new nn.Softmax().forward(m),
      [
        [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z],
        [1 / 3, 1 / 3, 1 / 3],
      ],
      1e-15,
    );
    const cols = new nn.Softmax(0).forward(m).sum(0);
    expectAllClose(cols, [1, 1, 1], 1e-15);
  });

  it("nn.activation builds each by name", () => {
    for (const name of ["relu", "tanh", "sigmoid", "leakyRelu", "gelu", "softmax"] as const) {
      expect(nn.activation(name)).toBeInstanceOf(nn.Layer);
    }
    expect(() => nn.activation("swish" as never)).toThrow(ChainruleError);
  });
});

describe("Dropout", () => {
  const ones100 = () => ones([100, 100]);

  it("is the identity in eval mode", () => {
    const d = new nn.Dropout(0.5).eval();
    const x = tensor([1, 2, 3]);
    const y = d.forward(x);
    expect(Array.from(y.data)).toEqual([1, 2, 3]);
  });

  it("in training zeroes about p of the elements and scales the rest by 1/(1 − p)", () => {
    manualSeed(12);
    const p = 0.25;
    const y = new nn.Dropout(p).forward(ones100());
    const values = Array.from(y.data);
    expect(values.every((v) => v === 0 || v === 1 / (1 - p))).toBe(true);
    const dropped = values.filter((v) => v === 0).length / values.length;
    expect(Math.abs(dropped - p)).toBeLessThan(0.02); // ≈ 4.6σ for 10,000 draws
    expectClose(values.reduce((a, b) => a + b, 0) / values.length, 1, 0.03); // expectation kept
  });

  it("defaults to p = 0.5 and is active after construction (modules start in training mode)", () => {
    manualSeed(13);
    const d = new nn.Dropout();
    expect(d.p).toBe(0.5);
    expect(d.training).toBe(true);
    const values = Array.from(d.forward(ones100()).data);
    expect(new Set(values)).toEqual(new Set([0, 2]));
  });

  it("is reproducible under manualSeed and draws a new mask each call", () => {
    const d = new nn.Dropout(0.5);
    manualSeed(14);
    const a = Array.from(d.forward(ones100()).data);
    const b = Array.from(d.forward(ones100()).data);
    manualSeed(14);
    const c = Array.from(d.forward(ones100()).data);
    expect(c).toEqual(a);
    expect(b).not.toEqual(a);
  });

  it("passes the gradient through the same mask", () => {
    manualSeed(15);
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], { requiresGrad: true });
    const y = new nn.Dropout(0.5).forward(x);
    expect(y.op).toBe("dropout");
    y.sum().backward();
    const mask = Array.from(y.data).map((v, i) => v / (i + 1));
    expect(Array.from((x.grad as Tensor).data)).toEqual(mask);
  });

  it("is only active in training: switching the mode of a containing model switches it", () => {
    manualSeed(16);
    const model = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.9));
    const x = tensor([[1, 2, 3, 4]]);
    model.eval();
    const a = model.forward(x).toArray();
    expect(model.forward(x).toArray()).toEqual(a);
    model.train();
    const zeroCount = (t: Tensor) => Array.from(t.data).filter((v) => v === 0).length;
    let dropped = 0;
    for (let i = 0; i < 10; i++) dropped += zeroCount(model.forward(x));
    expect(dropped).toBeGreaterThan(20);
  });

  it("rejects p outside [0, 1)", () => {
    for (const p of [-0.1, 1, 1.5, Number.NaN, "0.5"]) {
      expect(() => new nn.Dropout(p as number)).toThrow(ChainruleError);
    }
    expect(() => new nn.Dropout(1)).toThrow("Dropout: p must be in [0, 1), got number 1");
  });
});

describe("constructor and option checks", () => {
  it.each([
    [
      "Linear bias 'no'",
      () => new nn.Linear(2, 3, { bias: "no" as never }),
      'Linear: bias must be true or false, got string "no"',
    ],
    [
      "Linear options null",
      () => new nn.Linear(2, 3, null as never),
      "Linear: options must be an object, got null",
    ],
    [
      "Linear init 'zeros'",
      () => new nn.Linear(2, 3, { init: "zeros" as never }),
      'Linear: init must be one of "xavier", "he", "normal", got string "zeros"',
    ],
    ["Linear 1e6 × 1e6", () => new nn.Linear(1e6, 1e6), /^Linear: .*more than one tensor can hold/],
    [
      "LeakyReLU('x')",
      () => new nn.LeakyReLU("x" as unknown as number),
      'LeakyReLU: slope must be a finite number, got string "x"',
    ],
    [
      "Softmax(1.5)",
      () => new nn.Softmax(1.5),
      "Softmax: axis must be an integer in [-64, 63], got number 1.5",
    ],
    [
      "Dropout('0.5')",
      () => new nn.Dropout("0.5" as unknown as number),
      'Dropout: p must be in [0, 1), got string "0.5"',
    ],
    [
      "MLP sizes [4, 0]",
      () => new nn.MLP(2, [4, 0]),
      "Linear: outFeatures must be a positive integer, got number 0",
    ],
    [
      "MLP activation 'swish'",
      () => new nn.MLP(2, [4, 1], { activation: "swish" as never }),
      /^MLP: activation must be one of "relu", /,
    ],
    ["MLP options 1", () => new nn.MLP(2, [1], 1 as never), "MLP: options must be an object, got number 1"],
    [
      "activation(3)",
      () => nn.activation(3 as never),
      /^activation: name must be one of "relu", .*got number 3/,
    ],
  ])("%s", (_name, make, message) => {
    expect(make).toThrow(ChainruleError);
    expect(make).toThrow(message);
  });

  it("dropout checks training and generator", () => {
    const x = ones([2, 2]);
    expect(() => nn.dropout(x, 0.5, "yes" as never)).toThrow(
      'dropout: training must be true or false, got string "yes"',
    );
    expect(() => nn.dropout(x, 0.5, true, {} as never)).toThrow(
      "dropout: generator must be an Rng, got Object",
    );
  });
});

describe("PReLU", () => {
  it("starts every slope at 0.25 (one shared by default) and applies it below 0", () => {
    const act = new nn.PReLU();
    expect([act.numParameters, act.weight.shape, act.weight.toArray()]).toEqual([1, [1], [0.25]]);
    expect(act.parameters()).toEqual([act.weight]);
    expect(act.namedParameters().map(([n]) => n)).toEqual(["weight"]);
    expectAllClose(act.forward(tensor([-2, 0, 3])), [-0.5, 0, 3], 1e-15);
    expect(act.forward(tensor([-2])).op).toBe("prelu");
  });

  it("learns one slope per channel (axis 1) with numParameters = C", () => {
    const act = new nn.PReLU({ numParameters: 3, init: 0.1 });
    const x = tensor([
      [-1, -2, 4],
      [-3, 5, -6],
    ]);
    const y = act.forward(x);
    expectAllClose(
      y,
      [
        [-0.1, -0.2, 4],
        [-0.3, 5, -0.6],
      ],
      1e-15,
    );
    y.sum().backward();
    // Σ x over each column's non-positive entries
    expectAllClose(act.weight.grad as Tensor, [-4, -2, -6], 1e-15);
    const opt = new optim.SGD(act.parameters(), { lr: 0.1 });
    opt.step();
    expectAllClose(act.weight, [0.5, 0.30000000000000004, 0.7], 1e-15);
  });

  it("keeps float32 when asked, and checks its options", () => {
    expect(new nn.PReLU({ dtype: "float32" }).weight.dtype).toBe("float32");
    expect(() => new nn.PReLU({ numParameters: 0 })).toThrow(ChainruleError);
    expect(() => new nn.PReLU({ numParameters: 1.5 })).toThrow("PReLU: numParameters must be an integer ≥ 1");
    expect(() => new nn.PReLU({ init: Number.NaN })).toThrow("PReLU: init must be a finite number");
    expect(() => new nn.PReLU({ dtype: "int32" as never })).toThrow(
      'PReLU: dtype must be "float64" or "float32", got string "int32"',
    );
    expect(() => new nn.PReLU({ numParameters: 2 }).forward(tensor([[1, 2, 3]]))).toThrow(
      "prelu: weight [2] has 2 slopes, but the input [1,3] has 3 channels (axis 1): give 1 or 3",
    );
  });
});
