/**
 * What the playground can show: a model is named inputs (numbers or tensors, differentiated or
 * fixed) and a function that builds the graph from them with the library's root entry. An
 * expression the user types is one (parsed by `parseExpression`); the lecture examples are
 * built with the API directly (Value and Tensor ops), as the docs build them.
 */
import {
  manualSeed,
  type NestedNumbers,
  nn,
  randn,
  sub,
  type Tensor,
  tensor,
  type Value,
  value,
} from "../src/index";
import { type Expression, type Operand, parseExpression } from "./expression";

/** One input of a model. */
export interface ModelInput {
  name: string;
  /** A number, or nested arrays for a tensor. */
  value: number | NestedNumbers;
  /** Whether it is a parameter or variable (true) or data (x, y: tensors of data get no gradient). */
  grad: boolean;
}

/** A graph the playground can build, draw, step through and check derivations against. */
export interface Model {
  /** The example's key (`expression` for a typed formula). */
  key: string;
  title: string;
  /** A sentence on what it is and where it comes from. */
  description: string;
  inputs: ModelInput[];
  /** Builds the graph: each input bound to a number, a `Value` or a `Tensor` of its name. */
  build(bindings: Record<string, Operand>): Value | Tensor;
}

/** A model from a typed expression and its `name=value` bindings. */
export function expressionModel(source: string, bindingsText: string): Model {
  const parsed: Expression = parseExpression(source);
  const given = parseBindings(bindingsText);
  for (const name of Object.keys(given))
    if (parsed.variables.indexOf(name) === -1)
      throw new Error(
        `'${name}' is not a variable of the expression (its variables: ${parsed.variables.join(", ") || "none"})`,
      );
  const inputs = parsed.variables.map((name): ModelInput => {
    const v = given[name];
    if (v === undefined) throw new Error(`give '${name}' a value, e.g. ${name}=1`);
    return { name, value: v, grad: true };
  });
  return {
    key: "expression",
    title: `f = ${source}`,
    description: "Your expression, differentiated with respect to every variable.",
    inputs,
    build: (bindings) => {
      const out = parsed.evaluate(bindings);
      if (typeof out === "number")
        throw new Error("the expression has no variable: nothing to differentiate");
      if (out.label === undefined || out.label === "") out.label = "f";
      return out;
    },
  };
}

/** `x=3, y=-2` (commas, spaces or semicolons between) as numbers by name. */
export function parseBindings(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(/[,;\s]+/)) {
    if (part === "") continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(part);
    const n = m ? Number(m[2]) : Number.NaN;
    if (!m || !Number.isFinite(n))
      throw new Error(`cannot read the value '${part}': write name=number, e.g. x=3`);
    out[m[1] as string] = n;
  }
  return out;
}

const num = (b: Record<string, Operand>, name: string) => b[name] as Value | number;
const ten = (b: Record<string, Operand>, name: string) => b[name] as Tensor;

/**
 * The demo's 2-2-1 scalar network (`nn.scalar.MLP(2, [2, 1])` after `manualSeed(1)`, two ReLU
 * units and a linear output) with its weights written out as named Values, and the loss
 * L = (out − 1)² at x = (0.5, −1.5).
 */
function network221(): Model {
  manualSeed(1);
  const mlp = new nn.scalar.MLP(2, [2, 1]);
  const [h1, h2] = (mlp.layers[0] as nn.scalar.Layer).neurons as [nn.scalar.Neuron, nn.scalar.Neuron];
  const o = (mlp.layers[1] as nn.scalar.Layer).neurons[0] as nn.scalar.Neuron;
  const w = (n: nn.scalar.Neuron, i: number) => (n.w[i] as Value).data;
  return {
    key: "network-2-2-1",
    title: "the 2-2-1 network",
    description:
      "The demo's 2-2-1 network (nn.scalar.MLP(2, [2, 1]), seed 1): h₁ = relu(w11·x1 + w12·x2 + b1), " +
      "h₂ = relu(w21·x1 + w22·x2 + b2), out = v1·h₁ + v2·h₂ + b3, L = (out − 1)².",
    inputs: [
      { name: "x1", value: 0.5, grad: false },
      { name: "x2", value: -1.5, grad: false },
      { name: "w11", value: w(h1, 0), grad: true },
      { name: "w12", value: w(h1, 1), grad: true },
      { name: "b1", value: h1.b.data, grad: true },
      { name: "w21", value: w(h2, 0), grad: true },
      { name: "w22", value: w(h2, 1), grad: true },
      { name: "b2", value: h2.b.data, grad: true },
      { name: "v1", value: w(o, 0), grad: true },
      { name: "v2", value: w(o, 1), grad: true },
      { name: "b3", value: o.b.data, grad: true },
    ],
    build: (b) => {
      const x1 = num(b, "x1");
      const x2 = num(b, "x2");
      const unit = (wa: string, wb: string, bias: string, label: string) => {
        const h = (b[bias] as Value)
          .add((b[wa] as Value).mul(x1))
          .add((b[wb] as Value).mul(x2))
          .relu();
        h.label = label;
        return h;
      };
      const h1v = unit("w11", "w12", "b1", "h1");
      const h2v = unit("w21", "w22", "b2", "h2");
      const out = (b.b3 as Value).add((b.v1 as Value).mul(h1v)).add((b.v2 as Value).mul(h2v));
      out.label = "out";
      const L = out.sub(1).pow(2);
      L.label = "L";
      return L;
    },
  };
}

/**
 * Lecture 002's logistic regression as a computation graph (docs/backprop-by-hand.md): z = w·x + b,
 * a = σ(z), L = −(y log a + (1 − y) log(1 − a)), with three features, b = 1 and y = 1.
 */
function logisticRegression(): Model {
  return {
    key: "logistic-regression",
    title: "logistic regression",
    description:
      "Lecture 002: z = w1·x1 + w2·x2 + w3·x3 + b, a = σ(z), L = −(y·log a + (1 − y)·log(1 − a)). " +
      "The lecture derives ∂L/∂z = a − y and ∂L/∂w1 = (a − y)·x1: check it below.",
    inputs: [
      { name: "x1", value: 1.2, grad: false },
      { name: "x2", value: 0.7, grad: false },
      { name: "x3", value: -2, grad: false },
      { name: "y", value: 1, grad: false },
      { name: "w1", value: 0.5, grad: true },
      { name: "w2", value: -0.25, grad: true },
      { name: "w3", value: 0.1, grad: true },
      { name: "b", value: 1, grad: true },
    ],
    build: (b) => {
      let z = b.b as Value;
      for (const i of [1, 2, 3]) z = z.add((b[`w${i}`] as Value).mul(num(b, `x${i}`)));
      z.label = "z";
      const a = z.sigmoid();
      a.label = "a";
      const y = num(b, "y");
      const L = a
        .log()
        .mul(y)
        .add((sub(1, a) as Value).log().mul(sub(1, y) as Value | number))
        .neg();
      L.label = "L";
      return L;
    },
  };
}

// Lecture 001: ten people, [years of study, years of experience] → salary in thousands
const PEOPLE = [
  [12, 2],
  [12, 10],
  [14, 20],
  [16, 1],
  [16, 6],
  [16, 15],
  [18, 3],
  [18, 10],
  [20, 5],
  [21, 12],
];
const SALARIES = [42, 58, 70, 55, 70, 88, 72, 90, 85, 97];

/**
 * Lecture 001's 2×3×1 sigmoid network (docs/examples/salary-network.ts) before training: X the
 * normalised data, ŷ = σ(σ(X·W1)·W2), C = ½·Σ(y − ŷ)², W1 and W2 standard normal with seed 1.
 */
function salaryNetwork(): Model {
  const raw = tensor(PEOPLE);
  const X = raw.div(raw.max(0));
  const y = tensor(SALARIES.map((s) => [s / 100]));
  manualSeed(1);
  const W1 = randn([2, 3]);
  const W2 = randn([3, 1]);
  return {
    key: "salary-network",
    title: "the salary network",
    description:
      "Lecture 001: study and experience → salary, a 2×3×1 sigmoid network without biases: " +
      "a2 = σ(X @ W1), ŷ = σ(a2 @ W2), C = ½·Σ(y − ŷ)², with the lecture's normalised data.",
    inputs: [
      { name: "X", value: X.toArray() as NestedNumbers, grad: false },
      { name: "y", value: y.toArray() as NestedNumbers, grad: false },
      { name: "W1", value: W1.toArray() as NestedNumbers, grad: true },
      { name: "W2", value: W2.toArray() as NestedNumbers, grad: true },
    ],
    build: (b) => {
      const a2 = ten(b, "X").matmul(ten(b, "W1")).sigmoid();
      a2.label = "a2";
      const yHat = a2.matmul(ten(b, "W2")).sigmoid();
      yHat.label = "ŷ";
      const C = ten(b, "y").sub(yHat).pow(2).sum().mul(0.5);
      C.label = "C";
      return C;
    },
  };
}

/** The lecture examples, in the order the picker lists them. */
export function lectureExamples(): Model[] {
  return [network221(), logisticRegression(), salaryNetwork()];
}

/** The leaves a model's graph is built from: Values (numbers) or Tensors, labelled by name. */
export function leavesOf(model: Model): Record<string, Value | Tensor> {
  const out: Record<string, Value | Tensor> = {};
  for (const input of model.inputs) {
    // numbers become labelled Values (all differentiated, as micrograd's); tensors of data do not require grad
    if (typeof input.value === "number") out[input.name] = value(input.value, input.name);
    else {
      out[input.name] = tensor(input.value, { requiresGrad: input.grad, label: input.name });
    }
  }
  return out;
}
