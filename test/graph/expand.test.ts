/**
 * expandToScalars redraws a small tensor network as micrograd's scalar graph: one Value per input,
 * weight and bias. Its Values must compute the tensor forward's numbers and, after backward(),
 * hold the tensor gradients, entry by entry (to 1e-12).
 */
import { describe, expect, it } from "vitest";
import { expandToScalars } from "../../src/graph/expand";
import { backpropReport } from "../../src/graph/report";
import { ChainruleError, losses, manualSeed, nn, type Tensor, tensor, Value } from "../../src/index";
import { expectAllClose, expectClose } from "../helpers/close";

const TOL = 1e-12;

/** Σⱼ cⱼ·outⱼ with fixed, distinct cⱼ, so every output's gradient is different. */
const coefficients = (n: number) => Array.from({ length: n }, (_, j) => 0.7 - 0.45 * j);

function tensorObjective(out: Tensor): Tensor {
  return out.mul(tensor(coefficients(out.size), { shape: out.shape })).sum();
}

function valueObjective(outs: Value[]): Value {
  const c = coefficients(outs.length);
  return outs.map((v, j) => v.mul(c[j]!)).reduce((s, t) => s.add(t));
}

const grads = (vs: Value[]) => vs.map((v) => v.grad);
const datas = (vs: Value[]) => vs.map((v) => v.data);

describe("expandToScalars: a 2×3 Linear layer with sigmoid", () => {
  const setup = () => {
    manualSeed(23);
    const layer = new nn.Linear(3, 2);
    layer.bias!.data.set([0.1, -0.25]);
    const x = tensor([0.5, -1, 2], { requiresGrad: true });
    return { layer, x };
  };

  it("has one leaf Value per input, weight and bias, labelled by their tensor index", () => {
    const { layer, x } = setup();
    const ex = expandToScalars(layer, x, { activation: "sigmoid" });
    expect(ex.inputs.map((v) => v.label)).toEqual(["x[0]", "x[1]", "x[2]"]);
    expect(ex.parameters.map((v) => v.label)).toEqual([
      "w[0,0]",
      "w[0,1]",
      "w[0,2]",
      "w[1,0]",
      "w[1,1]",
      "w[1,2]",
      "b[0]",
      "b[1]",
    ]);
    expect(ex.outputs.map((v) => v.label)).toEqual(["a[0]", "a[1]"]);
    expect(ex.values.get("w[0,1]")!.data).toBe(layer.weight.data[1]);
    expect(ex.values.get("b[1]")!.data).toBe(-0.25);
    expect(ex.values.get("z[1]")!.op).toBe("add");
    expect(ex.values.get("a[0]")!.op).toBe("sigmoid");
    expect(ex.values.get("a[0]")!.parents).toEqual([ex.values.get("z[0]")]);
    expect([...ex.values.keys()].sort()).toEqual(
      ["x[0]", "x[1]", "x[2]", "w[0,0]", "w[0,1]", "w[0,2]", "w[1,0]", "w[1,1]", "w[1,2]"]
        .concat(["b[0]", "b[1]", "z[0]", "z[1]", "a[0]", "a[1]"])
        .sort(),
    );
    expect(ex.parameters.every((p) => p.op === "" && p.parents.length === 0)).toBe(true);
    expect(ex.outputShape).toEqual([2]);
  });

  it("computes z[j] = Σᵢ w[j,i]·x[i] + b[j] with one mul node per weight, as in the tensor forward", () => {
    const { layer, x } = setup();
    const ex = expandToScalars(layer, x, { activation: "sigmoid" });
    // z[0] = ((w00·x0 + w01·x1) + w02·x2) + b0
    const z0 = ex.values.get("z[0]")!;
    const [sum3, b0] = z0.parents as [Value, Value];
    expect(b0).toBe(ex.values.get("b[0]"));
    const [sum2, m2] = sum3.parents as [Value, Value];
    expect(m2.op).toBe("mul");
    expect(m2.parents).toEqual([ex.values.get("w[0,2]"), ex.values.get("x[2]")]);
    expect(sum2.op).toBe("add");
    expectAllClose(datas(ex.layers[0]!.z.flat()), layer.forward(x), TOL);
    expectAllClose(datas(ex.outputs), layer.forward(x).sigmoid(), TOL);
  });

  it("after backward, every Value's grad equals the tensor gradient: ∂/∂x, ∂/∂W, ∂/∂b", () => {
    const { layer, x } = setup();
    const ex = expandToScalars(layer, x, { activation: "sigmoid" });
    valueObjective(ex.outputs).backward();
    tensorObjective(layer.forward(x).sigmoid()).backward();
    expectAllClose(grads(ex.inputs), x.grad, TOL);
    expectAllClose(grads(ex.parameters.slice(0, 6)), layer.weight.grad, TOL);
    expectAllClose(grads(ex.parameters.slice(6)), layer.bias!.grad, TOL);
    // and the closed form: ∂(Σ cⱼaⱼ)/∂w[j,i] = cⱼ·σ′(z[j])·x[i]
    const c = coefficients(2);
    const a = datas(ex.outputs);
    expectClose(ex.values.get("w[1,2]")!.grad, c[1]! * a[1]! * (1 - a[1]!) * 2, TOL);
  });

  it.each(["identity", ...nn.activationNames()] as const)(
    "matches the tensor forward and gradients with activation %s",
    (activation) => {
      const { layer, x } = setup();
      const ex = expandToScalars(layer, x, { activation, slope: 0.2 });
      const z = layer.forward(x);
      const out =
        activation === "identity"
          ? z
          : activation === "leakyRelu"
            ? z.leakyRelu(0.2)
            : activation === "softmax"
              ? z.softmax(-1)
              : z[activation]();
      expectAllClose(datas(ex.outputs), out, TOL);
      valueObjective(ex.outputs).backward();
      tensorObjective(out).backward();
      expectAllClose(grads(ex.inputs), x.grad, TOL);
      expectAllClose(grads(ex.parameters.slice(0, 6)), layer.weight.grad, TOL);
      expectAllClose(grads(ex.parameters.slice(6)), layer.bias!.grad, TOL);
      expect(ex.outputs[0]!.label).toBe(activation === "identity" ? "z[0]" : "a[0]");
    },
  );
});

describe("expandToScalars: networks and batches", () => {
  const net232 = () => {
    manualSeed(232);
    return new nn.MLP(2, [3, 2], { activation: "sigmoid", outputActivation: "sigmoid" });
  };

  it("expands lecture 004's 2-3-2 sigmoid network with L = l₀ + l₁, agreeing with backpropReport", () => {
    const net = net232();
    const x = [0.05, 0.1];
    const y = [0.01, 0.99];
    const ex = expandToScalars(net, x, { loss: "sse", target: y });
    expect(ex.loss!.label).toBe("C");
    expect(ex.parameters.map((p) => p.label)).toEqual([
      ...["w1[0,0]", "w1[0,1]", "w1[1,0]", "w1[1,1]", "w1[2,0]", "w1[2,1]", "b1[0]", "b1[1]", "b1[2]"],
      ...["w2[0,0]", "w2[0,1]", "w2[0,2]", "w2[1,0]", "w2[1,1]", "w2[1,2]", "b2[0]", "b2[1]"],
    ]);
    expect(ex.outputs.map((v) => v.label)).toEqual(["a2[0]", "a2[1]"]);
    ex.loss!.backward();
    const r = backpropReport(net, x, y, "sse");
    expectClose(ex.loss!.data, r.loss, TOL);
    r.layers.forEach((layer, l) => {
      const E = ex.layers[l]!;
      expectAllClose(datas(E.z.flat()), layer.z, TOL);
      expectAllClose(datas(E.a.flat()), layer.a, TOL);
      expectAllClose(grads(E.z.flat()), layer.delta, TOL); // δˡ = ∂C/∂zˡ on every z node
      expectAllClose(grads(E.weight.flat()), layer.gradWeight, TOL);
      expectAllClose(grads(E.bias!), layer.gradBias, TOL);
    });
  });

  it("expands a mini-batch with shared weights: labels x[r,i], z1[r,j]; gradients sum over the rows", () => {
    const net = net232();
    const X = tensor(
      [
        [0.05, 0.1],
        [0.9, -0.4],
        [-1.2, 0.3],
      ],
      { requiresGrad: true },
    );
    const Y = [
      [0.01, 0.99],
      [1, 0],
      [0, 1],
    ];
    const ex = expandToScalars(net, X, { loss: "quadratic", target: Y });
    expect(ex.outputShape).toEqual([3, 2]);
    expect(ex.values.has("x[2,1]")).toBe(true);
    expect(ex.values.has("z1[2,1]")).toBe(true);
    expect(ex.values.has("a2[1,0]")).toBe(true);
    expect(ex.parameters).toHaveLength(17);
    ex.loss!.backward();
    const C = losses.mse(net.forward(X), tensor(Y), { reduction: "sum" }).div(2 * 3);
    C.backward();
    expectClose(ex.loss!.data, C.item(), TOL);
    expectAllClose(grads(ex.inputs), X.grad, TOL);
    const params = net.parameters() as Tensor[];
    let k = 0;
    for (const p of params) {
      expectAllClose(grads(ex.parameters.slice(k, k + p.size)), p.grad, TOL);
      k += p.size;
    }
  });

  it('"mse" divides by every entry, as losses.mse', () => {
    const net = net232();
    const ex = expandToScalars(net, [[0.3, -0.2]], { loss: "mse", target: [[0.5, 0.5]] });
    expectClose(
      ex.loss!.data,
      losses.mse(net.forward(tensor([[0.3, -0.2]])), tensor([[0.5, 0.5]])).item(),
      TOL,
    );
  });

  it("does not touch the model: parameters keep their values and .grad", () => {
    const net = net232();
    const before = (net.parameters() as Tensor[]).map((p) => p.toArray());
    const ex = expandToScalars(net, [1, 2], { loss: "sse", target: [0, 1] });
    ex.loss!.backward();
    expect((net.parameters() as Tensor[]).map((p) => p.toArray())).toEqual(before);
    expect((net.parameters() as Tensor[]).every((p) => p.grad === null)).toBe(true);
    expect(ex.parameters[0]).toBeInstanceOf(Value);
  });
});

describe("expandToScalars refuses what it cannot draw", () => {
  it("refuses a model with more than 500 weights and biases, naming its size", () => {
    manualSeed(1);
    const big = new nn.MLP(20, [30, 10]);
    const fn = () => expandToScalars(big, new Array(20).fill(0));
    expect(fn).toThrow(ChainruleError);
    expect(fn).toThrow(
      "expandToScalars: the 20-30-10 network has 940 weights and biases, more than maxParameters = 500",
    );
    expect(expandToScalars(big, new Array(20).fill(0.1), { maxParameters: 1000 }).parameters).toHaveLength(
      940,
    );
  });

  it("names the offending layer of a model that is not Linear + activation layers", () => {
    expect(() =>
      expandToScalars(new nn.Sequential(new nn.Linear(2, 2), new nn.Dropout(0.1)), [1, 2]),
    ).toThrow(/expandToScalars: layer 1 is a Dropout/);
  });

  it("keeps the activation option for a bare Linear, and checks x and the target", () => {
    expect(() =>
      expandToScalars(new nn.Sequential(new nn.Linear(2, 2)), [1, 2], { activation: "tanh" }),
    ).toThrow(/the activation option is for a bare Linear/);
    expect(() => expandToScalars(new nn.Linear(2, 2), [1, 2], { activation: "swish" as "tanh" })).toThrow(
      /activation must be one of/,
    );
    expect(() => expandToScalars(new nn.Linear(2, 2), [1, 2, 3])).toThrow(
      /x \[3\] must be one example \[2\] or a batch \[n, 2\]/,
    );
    expect(() => expandToScalars(new nn.Linear(2, 2), [1, 2], { loss: "sse", target: [1, 2, 3] })).toThrow(
      /target \[3\] must have the output's shape \[2\]/,
    );
    expect(() => expandToScalars(new nn.Linear(2, 2), [1, 2], { target: [1, 2] })).toThrow(
      /target given without loss/,
    );
  });
});
