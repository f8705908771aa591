/**
 * `nn.scalar` (SPEC §3): micrograd's Neuron / Layer / MLP on scalar `Value`s — parameter order
 * and initialisation, gradients, state dicts, and two small learning problems.
 */
import { describe, expect, it } from "vitest";
import { trainMoons } from "../../src/cli/moons-demo";
import { ChainruleError, datasets, manualSeed, nn, Rng, Value, value } from "../../src/index";
import { expectClose } from "../helpers/close";

const { Neuron, Layer, MLP } = nn.scalar;

const asValues = (ps: readonly unknown[]): Value[] =>
  ps.map((p) => {
    if (!(p instanceof Value)) throw new Error("expected a Value parameter");
    return p;
  });

describe("Neuron", () => {
  it("has nin weights then one bias as parameters", () => {
    manualSeed(0);
    const n = new Neuron(3);
    const ps = n.parameters();
    expect(ps).toHaveLength(4);
    expect(ps.slice(0, 3).every((p, i) => p === n.w[i])).toBe(true);
    expect(ps[3]).toBe(n.b);
    expect(ps.every((p) => p instanceof Value)).toBe(true);
  });

  it("names its parameters w.0, w.1, …, b", () => {
    manualSeed(0);
    expect(new Neuron(3).namedParameters().map(([name]) => name)).toEqual(["w.0", "w.1", "w.2", "b"]);
  });

  it("computes relu(b + Σ wᵢxᵢ), or the affine sum alone with nonlin: false", () => {
    manualSeed(0);
    const n = new Neuron(2);
    const lin = new Neuron(2, { nonlin: false });
    for (const m of [n, lin]) {
      (m.w[0] as Value).data = 0.5;
      (m.w[1] as Value).data = -1.5;
      m.b.data = 0.25;
    }
    // 0.25 + 0.5·1 − 1.5·2 = −2.25
    expect(n.forward([1, 2]).data).toBe(0);
    expect(n.forward([1, 2]).op).toBe("relu");
    expect(lin.forward([1, 2]).data).toBe(-2.25);
    expect(lin.forward([1, 2]).op).toBe("add");
    // inputs may be Values too, and receive gradients
    const x = [value(3), value(1)];
    const out = n.forward(x);
    out.backward();
    expect(out.data).toBe(0.25 + 1.5 - 1.5);
    expect(x.map((xi) => xi.grad)).toEqual([0.5, -1.5]);
  });
});

describe("Layer", () => {
  it("has nout neurons and their parameters neuron by neuron, w before b", () => {
    manualSeed(0);
    const layer = new Layer(3, 2);
    const expected = layer.neurons.flatMap((n) => [...n.w, n.b]);
    const ps = layer.parameters();
    expect(ps).toHaveLength(8);
    expect(ps.every((p, i) => p === expected[i])).toBe(true);
    expect(layer.namedParameters().map(([name]) => name)).toEqual([
      "neurons.0.w.0",
      "neurons.0.w.1",
      "neurons.0.w.2",
      "neurons.0.b",
      "neurons.1.w.0",
      "neurons.1.w.1",
      "neurons.1.w.2",
      "neurons.1.b",
    ]);
  });

  it("returns one output per neuron", () => {
    manualSeed(0);
    const layer = new Layer(3, 4, { nonlin: false });
    const out = layer.forward([1, -1, 0.5]);
    expect(out).toHaveLength(4);
    out.forEach((o, j) => {
      expect(o.data).toBe((layer.neurons[j] as InstanceType<typeof Neuron>).forward([1, -1, 0.5]).data);
    });
  });
});

describe("MLP", () => {
  it("has (nin + 1)·nout parameters per layer, layers in order", () => {
    manualSeed(0);
    expect(new MLP(2, [16, 16, 1]).parameters()).toHaveLength(3 * 16 + 17 * 16 + 17);
    const m = new MLP(3, [4, 2]);
    const expected = m.layers.flatMap((l) => l.neurons.flatMap((n) => [...n.w, n.b]));
    const ps = m.parameters();
    expect(ps).toHaveLength(4 * 4 + 5 * 2);
    expect(ps.every((p, i) => p === expected[i])).toBe(true);
  });

  it("names parameters layers.<l>.neurons.<n>.w.<i> and layers.<l>.neurons.<n>.b", () => {
    manualSeed(0);
    const names = new MLP(2, [2, 1]).namedParameters().map(([name]) => name);
    expect(names).toEqual([
      "layers.0.neurons.0.w.0",
      "layers.0.neurons.0.w.1",
      "layers.0.neurons.0.b",
      "layers.0.neurons.1.w.0",
      "layers.0.neurons.1.w.1",
      "layers.0.neurons.1.b",
      "layers.1.neurons.0.w.0",
      "layers.1.neurons.0.w.1",
      "layers.1.neurons.0.b",
    ]);
  });

  it.each([0, 7, 1337])(
    "draws weights −1 + 2u from the global generator in parameter order and zero biases (seed %i)",
    (seed) => {
      manualSeed(seed);
      const m = new MLP(3, [4, 4, 1]);
      const rng = new Rng(seed);
      for (const [name, p] of m.namedParameters()) {
        if (name.endsWith(".b")) expect(p.data, name).toBe(0);
        else expect(p.data, name).toBe(-1 + 2 * rng.next());
      }
    },
  );

  it("makes ReLU hidden layers and a linear last layer", () => {
    manualSeed(3);
    const m = new MLP(2, [3, 3, 2]);
    expect(m.layers.map((l) => l.neurons.every((n) => n.nonlin))).toEqual([true, true, false]);
    const last = m.layers[2] as InstanceType<typeof Layer>;
    for (const n of last.neurons) n.b.data = -10; // a ReLU output could not be negative
    const out = m.forward([0.3, -0.8]);
    expect(out).toHaveLength(2);
    expect(out.every((o) => o.op === "add" && o.data < 0)).toBe(true);
  });

  it("zeroGrad() resets every parameter's gradient to 0", () => {
    manualSeed(1);
    const m = new MLP(2, [4, 1]);
    const ps = asValues(m.parameters());
    const out = m.forward([0.5, -0.25])[0] as Value;
    out.mul(out).backward();
    expect(ps.some((p) => p.grad !== 0)).toBe(true);
    m.zeroGrad();
    expect(ps.every((p) => p.grad === 0)).toBe(true);
  });

  it("round-trips stateDict() through JSON into another MLP", () => {
    manualSeed(1);
    const a = new MLP(2, [4, 3, 1]);
    manualSeed(2);
    const b = new MLP(2, [4, 3, 1]);
    const x = [0.7, -1.1];
    expect((b.forward(x)[0] as Value).data).not.toBe((a.forward(x)[0] as Value).data);

    const state = a.stateDict();
    expect(Object.keys(state)).toEqual(a.namedParameters().map(([name]) => name));
    expect(state["layers.0.neurons.0.w.0"]).toEqual({
      shape: [],
      dtype: "float64",
      data: [a.layers[0]!.neurons[0]!.w[0]!.data],
    });
    b.loadStateDict(JSON.parse(JSON.stringify(state)));
    expect(asValues(b.parameters()).map((p) => p.data)).toEqual(asValues(a.parameters()).map((p) => p.data));
    expect((b.forward(x)[0] as Value).data).toBe((a.forward(x)[0] as Value).data);
  });

  it("copies values into stateDict(), so later training does not change it", () => {
    manualSeed(1);
    const m = new MLP(2, [2, 1]);
    const state = m.stateDict();
    const before = state["layers.1.neurons.0.b"]?.data[0];
    m.layers[1]!.neurons[0]!.b.data = 42;
    expect(state["layers.1.neurons.0.b"]?.data[0]).toBe(before);
  });

  it("rejects a state dict with a missing name or a non-finite value and changes nothing", () => {
    manualSeed(1);
    const m = new MLP(2, [2, 1]);
    const original = asValues(m.parameters()).map((p) => p.data);
    const missing = m.stateDict();
    delete missing["layers.1.neurons.0.b"];
    expect(() => m.loadStateDict(missing)).toThrow(ChainruleError);
    expect(() => m.loadStateDict(missing)).toThrow(/missing layers\.1\.neurons\.0\.b/);
    const bad = m.stateDict();
    for (const entry of Object.values(bad)) entry.data = [0.5];
    (bad["layers.1.neurons.0.w.1"] as { data: number[] }).data = [Number.NaN];
    expect(() => m.loadStateDict(bad)).toThrow(ChainruleError);
    expect(asValues(m.parameters()).map((p) => p.data)).toEqual(original);
  });
});

describe("training", () => {
  // XOR's four corners, a 2-8-1 ReLU MLP, mean squared error, plain SGD (lr 0.1, 500 full-batch
  // steps): the loss falls below 1e-3 and every prediction is within 0.1 of its label.
  it.each([0, 1, 42])("a scalar MLP learns XOR to a mean squared error below 1e-3 (seed %i)", (seed) => {
    manualSeed(seed);
    const data = datasets.xor();
    const xs = data.x.toArray() as number[][];
    const ys = data.y.toArray() as number[];
    expect(xs).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(ys).toEqual([0, 1, 1, 0]);
    const model = new MLP(2, [8, 1]);
    const params = asValues(model.parameters());
    const lossOf = () =>
      xs
        .map((x, i) => (model.forward(x)[0] as Value).sub(ys[i] as number).pow(2))
        .reduce((s, l) => s.add(l))
        .div(xs.length);
    const initial = lossOf().data;
    let loss = lossOf();
    for (let step = 0; step < 500; step++) {
      loss = lossOf();
      model.zeroGrad();
      loss.backward();
      for (const p of params) p.data -= 0.1 * p.grad;
    }
    expect(loss.data).toBeLessThan(initial);
    expect(lossOf().data).toBeLessThan(1e-3);
    xs.forEach((x, i) => {
      expectClose((model.forward(x)[0] as Value).data, ys[i] as number, 0.1);
    });
  });

  it("trainMoons({ steps: 100 }) reaches at least 95% accuracy with its default seed", () => {
    const { accuracy, losses, model } = trainMoons({ steps: 100 });
    expect(losses).toHaveLength(100);
    expect(losses.at(-1) as number).toBeLessThan(losses[0] as number);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(model.parameters()).toHaveLength(337);
  });

  it("trainMoons is reproducible: the same seed gives the same loss curve", () => {
    const a = trainMoons({ points: 20, steps: 5, seed: 3 });
    const b = trainMoons({ points: 20, steps: 5, seed: 3 });
    expect(b.losses).toEqual(a.losses);
  });
});

describe("constructor arguments", () => {
  it.each([
    ["Neuron(-1)", () => new Neuron(-1), "Neuron: nin must be an integer ≥ 0, got number -1"],
    ["Neuron(1.5)", () => new Neuron(1.5), "Neuron: nin must be an integer ≥ 0, got number 1.5"],
    [
      "Neuron nonlin 'yes'",
      () => new Neuron(2, { nonlin: "yes" as never }),
      'Neuron: nonlin must be true or false, got string "yes"',
    ],
    ["Neuron options 3", () => new Neuron(2, 3 as never), "Neuron: options must be an object, got number 3"],
    ["Layer(2, -1)", () => new Layer(2, -1), "Layer: nout must be an integer ≥ 0, got number -1"],
    [
      "Layer('2', 1)",
      () => new Layer("2" as unknown as number, 1),
      'Layer: nin must be an integer ≥ 0, got string "2"',
    ],
    ["MLP(2, 3)", () => new MLP(2, 3 as never), "MLP: nouts must be an array of integers ≥ 0, got number 3"],
    ["MLP(2, [4, -1])", () => new MLP(2, [4, -1]), "MLP: nouts[1] must be an integer ≥ 0, got number -1"],
    ["MLP(-2, [1])", () => new MLP(-2, [1]), "MLP: nin must be an integer ≥ 0, got number -2"],
  ])("%s", (_name, make, message) => {
    expect(make).toThrow(ChainruleError);
    expect(make).toThrow(message);
  });
});
