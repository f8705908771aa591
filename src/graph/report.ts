/**
 * `backpropReport`: the four equations of backpropagation (BP1–BP4), read off the autodiff graph
 * of a Linear + activation network, side by side with the same quantities recomputed from the
 * equations, so a student can put a hand derivation next to what the engine did.
 *
 * Notation (lecture 000, Nielsen's chapter 2), with layers numbered l = 1 … L and a⁰ = x:
 *
 *     zˡ = wˡ·aˡ⁻¹ + bˡ,  aˡ = σ(zˡ),  δˡ = ∂C/∂zˡ
 *     BP1  δᴸ = ∇ₐC ⊙ σ′(zᴸ)
 *     BP2  δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)
 *     BP3  ∂C/∂bˡ = δˡ
 *     BP4  ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ
 *
 * chainrule's `Linear` works on row vectors (one example per row): Z = A·Wᵀ + b with W of shape
 * [out, in] (the textbook wˡ: row j holds the weights into neuron j). In that batch form BP2 is
 * Δˡ = (Δˡ⁺¹·Wˡ⁺¹) ⊙ σ′(Zˡ), BP3 sums Δˡ over the rows and BP4 is ∂C/∂Wˡ = (Δˡ)ᵀ·Aˡ⁻¹.
 */

import { gradients } from "../autograd/functional";
import { enableGrad } from "../autograd/grad-mode";
import { ChainruleError, describe, fmtShape } from "../errors";
import { linear } from "../nn/functional";
import { GELU, LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Softmax, Tanh } from "../nn/layers";
import * as losses from "../nn/losses";
import { tensor, zeros } from "../tensor/creation";
import type { DType } from "../tensor/dtype";
import { geluGrad } from "../tensor/kernels/scalar";
import { type NestedNumbers, Tensor } from "../tensor/tensor";
import { checkOptions } from "../validate";
import { formatNumber } from "./format";

// ---- the network as a list of stages: Linear, then an optional activation ----

/** The activations a stage can end with; `"identity"` when a Linear has no activation after it. */
export type StageActivation = "identity" | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "gelu" | "softmax";

/** @internal One layer of a Linear + activation network. */
export interface Stage {
  /** l, from 1. */
  readonly index: number;
  readonly linear: Linear;
  /** The Linear's child name in the model ("0"), as in the parameter names "0.weight". */
  readonly linearName: string;
  readonly activation: StageActivation;
  /** The activation module, or null for "identity". */
  readonly activationModule: ReLU | Tanh | Sigmoid | LeakyReLU | GELU | Softmax | null;
  /** Its child name in the model ("1"), or null. */
  readonly activationName: string | null;
}

const ACTIVATION_LIST = "ReLU, Tanh, Sigmoid, LeakyReLU, GELU or Softmax";

function activationKind(m: unknown): StageActivation | null {
  if (m instanceof Sigmoid) return "sigmoid";
  if (m instanceof Tanh) return "tanh";
  if (m instanceof ReLU) return "relu";
  if (m instanceof LeakyReLU) return "leakyRelu";
  if (m instanceof GELU) return "gelu";
  if (m instanceof Softmax) return "softmax";
  return null;
}

/**
 * @internal Splits an `nn.Sequential` (or `nn.MLP`) of Linear layers, each optionally followed by
 * one activation module, into stages; a bare `nn.Linear` is one stage. Throws a `ChainruleError`
 * naming the first child that does not fit.
 */
export function linearStages(model: unknown, op: string): Stage[] {
  if (model instanceof Linear) {
    return [
      {
        index: 1,
        linear: model,
        linearName: "",
        activation: "identity",
        activationModule: null,
        activationName: null,
      },
    ];
  }
  if (!(model instanceof Sequential)) {
    throw new ChainruleError(
      `${op}: model must be an nn.Sequential (or nn.MLP) of Linear layers and activations, or an nn.Linear; got ${describe(model)}`,
    );
  }
  const children = model.layers();
  if (children.length === 0) throw new ChainruleError(`${op}: the model has no layers`);
  const stages: Stage[] = [];
  children.forEach((child, i) => {
    const name = String(i);
    const kind = child.constructor?.name ?? describe(child);
    if (child instanceof Linear) {
      const prev = stages[stages.length - 1];
      if (prev && prev.linear.outFeatures !== child.inFeatures) {
        throw new ChainruleError(
          `${op}: layer ${name} (Linear ${child.inFeatures}→${child.outFeatures}) expects ${child.inFeatures} inputs, ` +
            `but layer ${prev.linearName} (Linear ${prev.linear.inFeatures}→${prev.linear.outFeatures}) gives ${prev.linear.outFeatures}`,
        );
      }
      stages.push({
        index: stages.length + 1,
        linear: child,
        linearName: name,
        activation: "identity",
        activationModule: null,
        activationName: null,
      });
      return;
    }
    const act = activationKind(child);
    if (act === null) {
      throw new ChainruleError(
        `${op}: layer ${name} is a ${kind}; only Linear layers, each optionally followed by one ${ACTIVATION_LIST}, are supported`,
      );
    }
    const prev = stages[stages.length - 1];
    if (prev === undefined || prev.activation !== "identity" || String(i - 1) !== prev.linearName) {
      throw new ChainruleError(
        `${op}: layer ${name} (${kind}) must directly follow a Linear layer` +
          (prev === undefined ? "; the model must start with a Linear" : `, but it follows an activation`),
      );
    }
    if (child instanceof Softmax && child.axis !== -1) {
      throw new ChainruleError(
        `${op}: layer ${name} (Softmax over axis ${child.axis}): only softmax over the last axis (the features) is supported`,
      );
    }
    stages[stages.length - 1] = {
      ...prev,
      activation: act,
      activationModule: child as Stage["activationModule"],
      activationName: name,
    };
  });
  return stages;
}

// ---- losses ----

/**
 * Named costs. n is the number of examples (rows of x; 1 for a single example x of shape [in]),
 * aᴸ the network's output:
 * - `"quadratic"`: C = (1/2n) Σₓ ‖y(x) − aᴸ(x)‖² (lecture 000), ∇ₐC = (aᴸ − y)/n;
 * - `"sse"`: C = Σ (aᴸ − y)², summed over outputs and examples (lecture 004: L = l₀ + l₁), ∇ₐC = 2(aᴸ − y);
 * - `"mse"`: `losses.mse(aᴸ, y)`, the mean over every entry;
 * - `"crossEntropy"`: `losses.crossEntropy(aᴸ, y)` on logits (no output activation), y class indices or
 *   probabilities, mean over examples; δᴸ = (softmax(zᴸ) − onehot(y))/n;
 * - `"bce"`: `losses.bce(aᴸ, y)` on probabilities (a sigmoid output), mean over entries.
 */
export type NamedLoss = "quadratic" | "sse" | "mse" | "crossEntropy" | "bce";

/** A cost as a function of the network's output and the target: must return a one-element tensor. */
export type LossFunction = (output: Tensor, target: Tensor) => Tensor;

const LOSS_FORMULAS: Record<NamedLoss, string> = {
  quadratic: "C = (1/2n) Σₓ ‖y(x) − aᴸ(x)‖²",
  sse: "C = Σ (aᴸ − y)²  (sum over outputs and examples)",
  mse: "C = mean over all entries of (aᴸ − y)²",
  crossEntropy: "C = −(1/n) Σₓ log softmax(aᴸ)_y  (aᴸ are logits)",
  bce: "C = −mean(y·log aᴸ + (1 − y)·log(1 − aᴸ))",
};

function namedLoss(name: NamedLoss, examples: number): LossFunction {
  switch (name) {
    case "quadratic":
      return (a, y) => losses.mse(a, y, { reduction: "sum" }).div(2 * examples);
    case "sse":
      return (a, y) => losses.mse(a, y, { reduction: "sum" });
    case "mse":
      return (a, y) => losses.mse(a, y);
    case "crossEntropy":
      return (a, y) => losses.crossEntropy(a, y);
    case "bce":
      return (a, y) => losses.bce(a, y);
  }
}

// ---- the report ----

/** Everything backpropagation computes for one layer l (all tensors are detached copies). */
export interface BackpropLayer {
  /** l: 1 for the first Linear, L for the last. */
  index: number;
  /** The Linear's child name in the model ("0"; "" for a bare Linear): its parameters are "0.weight", "0.bias". */
  linearName: string;
  /** The activation after the Linear, "identity" when there is none. */
  activation: StageActivation;
  /** The activation module's child name ("1"), or null. */
  activationName: string | null;
  inFeatures: number;
  outFeatures: number;
  /** aˡ⁻¹, this layer's input (a⁰ = x): [in] for one example, [n, in] for a batch. */
  input: Tensor;
  /** Wˡ [out, in] (a copy of the parameter's values). */
  weight: Tensor;
  /** bˡ [out], or null for a Linear without bias. */
  bias: Tensor | null;
  /** zˡ = aˡ⁻¹·Wᵀ + b, the Linear's output. */
  z: Tensor;
  /** aˡ = σ(zˡ) (equal to zˡ for "identity"). */
  a: Tensor;
  /** ∂C/∂aˡ from autodiff (∇ₐC for the last layer). */
  gradA: Tensor;
  /** δˡ = ∂C/∂zˡ from autodiff; row n of a batch is ∂C/∂zˡ for example n (C is the total cost). */
  delta: Tensor;
  /** ∂C/∂Wˡ from autodiff, [out, in]. */
  gradWeight: Tensor;
  /** ∂C/∂bˡ from autodiff, [out], or null without bias. */
  gradBias: Tensor | null;
  /** σ′(zˡ) in closed form (e.g. σ(z)(1 − σ(z))); null for softmax, whose Jacobian is not diagonal. */
  sigmaPrime: Tensor | null;
  /** σ′ in words: "σ(z)(1 − σ(z))", "1 − tanh²(z)", … */
  sigmaPrimeFormula: string;
  /**
   * The same quantities recomputed from the equations in plain float64 arithmetic, each from
   * autodiff's values one step away (BP2 from δˡ⁺¹ and Wˡ⁺¹, BP3 and BP4 from δˡ), and the largest
   * absolute difference from autodiff's.
   */
  equations: {
    /** BP1 (last layer) or BP2: ∇ₐC ⊙ σ′(zᴸ), or (δˡ⁺¹·Wˡ⁺¹) ⊙ σ′(zˡ). */
    delta: Tensor;
    /** BP3: δˡ (summed over the rows of a batch). */
    gradBias: Tensor | null;
    /** BP4: δˡ(aˡ⁻¹)ᵀ, or (δˡ)ᵀ·aˡ⁻¹ for a batch. */
    gradWeight: Tensor;
    /** max |equation − autodiff| for δ, ∂C/∂b and ∂C/∂W. */
    maxError: { delta: number; gradBias: number; gradWeight: number };
  };
}

/** The result of {@link backpropReport}. */
export interface BackpropReport {
  /** One entry per Linear layer, l = 1 … L. */
  layers: BackpropLayer[];
  /** The cost C. */
  loss: number;
  /** The loss's name ("quadratic", …) or "custom" for a function. */
  lossName: string;
  /** The loss's formula ("C = (1/2n) Σₓ ‖y(x) − aᴸ(x)‖²"), or "custom loss function". */
  lossFormula: string;
  /** The input x (a copy). */
  x: Tensor;
  /** The target y (a copy). */
  y: Tensor;
  /** aᴸ, the network's output. */
  output: Tensor;
  /** n: the number of examples (rows of x; 1 for a single example). */
  examples: number;
  /** Whether x was a batch [n, in] (rows) rather than one example [in]. */
  batched: boolean;
  dtype: DType;
}

function copyOf(t: Tensor): Tensor {
  return tensor(t);
}

/**
 * Runs the forward pass of a Linear + activation network on `x`, computes the cost with `loss`,
 * and returns for every layer l the quantities of backpropagation, taken from the autodiff graph:
 * zˡ, aˡ, ∂C/∂aˡ, δˡ = ∂C/∂zˡ, ∂C/∂Wˡ and ∂C/∂bˡ, next to the same quantities recomputed from
 * BP1–BP4 (see the module comment). Render it with {@link formatBackpropReport}.
 *
 * How: the forward pass runs layer by layer, keeping each zˡ (the Linear's output) and aˡ, on
 * gradient-tracking leaf views of the parameters' values; one backward pass, `gradients(C, [z…,
 * a…, W…, b…])`, returns ∂C/∂ of all of them at once. `gradients()` writes no `.grad` and the graph
 * never reaches the parameters themselves, so their existing `.grad` stay as they are (frozen
 * parameters work too) and their values are not changed. The returned tensors are detached copies.
 *
 * @param model an `nn.Sequential` / `nn.MLP` of `Linear` layers, each optionally followed by one
 *   `ReLU`, `Tanh`, `Sigmoid`, `LeakyReLU`, `GELU` or `Softmax` (over the last axis); or one `nn.Linear`.
 * @param x one example [in] or a batch [n, in] (a tensor or nested arrays; converted to the model's dtype).
 * @param y the target: same shape as the output, or class indices for `"crossEntropy"`.
 * @param loss a {@link NamedLoss} (default `"quadratic"`, lecture 000's C = (1/2n) Σₓ ‖y − aᴸ‖²) or a
 *   function `(output, y) => Tensor` returning a one-element tensor, e.g.
 *   `(a, y) => losses.mse(a, y, { reduction: "sum" })`.
 * @throws ChainruleError for a model that is not Linear + activation layers (naming the layer), or
 *   inputs of the wrong shape.
 *
 * @example
 * manualSeed(0);
 * const net = new nn.MLP(2, [3, 2], { activation: "sigmoid", outputActivation: "sigmoid" });
 * const r = backpropReport(net, [0.05, 0.1], [0.01, 0.99]);  // quadratic cost
 * r.layers.length;                          // 2
 * r.layers[1].delta.shape;                  // [2]: δ² = ∂C/∂z²
 * r.layers[1].equations.maxError.delta;     // 0 (BP1 recomputed from ∇ₐC and σ′(z²) agrees)
 * console.log(formatBackpropReport(r));     // the table, layer by layer
 */
export function backpropReport(
  model: Sequential | Linear,
  x: Tensor | NestedNumbers,
  y: Tensor | NestedNumbers,
  loss: NamedLoss | LossFunction = "quadratic",
): BackpropReport {
  const op = "backpropReport";
  const stages = linearStages(model, op);
  const first = stages[0] as Stage;
  const dtype = first.linear.weight.dtype;
  const xs = toTensor(x, dtype, op, "x");
  const inF = first.linear.inFeatures;
  if ((xs.ndim !== 1 && xs.ndim !== 2) || xs.shape[xs.ndim - 1] !== inF) {
    throw new ChainruleError(
      `${op}: x ${fmtShape(xs.shape)} must be one example [${inF}] or a batch [n, ${inF}] for the first layer (Linear ${inF}→${first.linear.outFeatures})`,
    );
  }
  const ys = toTensor(y, dtype, op, "y");
  const batched = xs.ndim === 2;
  const examples = batched ? (xs.shape[0] as number) : 1;
  let lossFn: LossFunction;
  let lossName: string;
  let lossFormula: string;
  if (typeof loss === "function") {
    lossFn = loss;
    lossName = "custom";
    lossFormula = "custom loss function";
  } else if (typeof loss === "string" && Object.hasOwn(LOSS_FORMULAS, loss)) {
    lossFn = namedLoss(loss, examples);
    lossName = loss;
    lossFormula = LOSS_FORMULAS[loss];
  } else {
    throw new ChainruleError(
      `${op}: loss must be "quadratic", "sse", "mse", "crossEntropy", "bce" or a function (output, y) => Tensor, got ${describe(loss)}`,
    );
  }

  return enableGrad(() => {
    // Leaf views of the parameters' storage: the graph never reaches the parameters themselves.
    const ws = stages.map((s) => leafView(s.linear.weight));
    const bs = stages.map((s) => (s.linear.bias ? leafView(s.linear.bias) : null));
    const inputs: Tensor[] = [];
    const zs: Tensor[] = [];
    const as: Tensor[] = [];
    let h = xs;
    stages.forEach((s, i) => {
      inputs.push(h);
      const z = linear(h, ws[i] as Tensor, bs[i]);
      const a = s.activationModule ? s.activationModule.forward(z) : z;
      zs.push(z);
      as.push(a);
      h = a;
    });
    const output = h;
    const c = lossFn(output, ys);
    if (!(c instanceof Tensor))
      throw new ChainruleError(`${op}: the loss must return a Tensor, got ${describe(c)}`);
    if (c.size !== 1)
      throw new ChainruleError(
        `${op}: the loss must return a one-element tensor, got shape ${fmtShape(c.shape)}`,
      );
    const wanted: Tensor[] = [...zs, ...as, ...ws, ...(bs.filter((b) => b !== null) as Tensor[])];
    const grads = c.requiresGrad ? gradients([c], wanted, { allowUnused: true }) : wanted.map(() => null);
    const gradOf = new Map<Tensor, Tensor>();
    wanted.forEach((t, i) => {
      const g = grads[i];
      gradOf.set(t, g ? g.detach() : zeros(t.shape, { dtype: t.dtype }));
    });
    const get = (t: Tensor) => gradOf.get(t) as Tensor;

    const parts: LayerValues[] = stages.map((s, i) => {
      const z = zs[i] as Tensor;
      const a = as[i] as Tensor;
      const w = ws[i] as Tensor;
      const b = bs[i] ?? null;
      const prime = sigmaPrime(s, z, a);
      return {
        index: s.index,
        linearName: s.linearName,
        activation: s.activation,
        activationName: s.activationName,
        inFeatures: s.linear.inFeatures,
        outFeatures: s.linear.outFeatures,
        input: copyOf(inputs[i] as Tensor),
        weight: copyOf(w),
        bias: b ? copyOf(b) : null,
        z: copyOf(z),
        a: copyOf(a),
        gradA: get(a),
        delta: get(z),
        gradWeight: get(w),
        gradBias: b ? get(b) : null,
        sigmaPrime: prime,
        sigmaPrimeFormula: SIGMA_PRIME[s.activation],
      };
    });
    const layers: BackpropLayer[] = parts.map((layer, i) => ({
      ...layer,
      equations: equations(layer, parts[i + 1], dtype),
    }));
    return {
      layers,
      loss: c.item(),
      lossName,
      lossFormula,
      x: copyOf(xs),
      y: copyOf(ys),
      output: copyOf(output),
      examples,
      batched,
      dtype,
    };
  });
}

/** A layer's quantities before the equations are recomputed from them. */
type LayerValues = Omit<BackpropLayer, "equations">;

function leafView(p: Tensor): Tensor {
  const v = p.detach();
  v.requiresGrad = true;
  return v;
}

function toTensor(v: Tensor | NestedNumbers, dtype: DType, op: string, name: string): Tensor {
  if (v instanceof Tensor) return tensor(v, { dtype });
  if (typeof v === "number" || Array.isArray(v)) return tensor(v as NestedNumbers[], { dtype });
  throw new ChainruleError(`${op}: ${name} must be a Tensor or (nested) number arrays, got ${describe(v)}`);
}

const SIGMA_PRIME: Record<StageActivation, string> = {
  identity: "1",
  sigmoid: "σ(z)(1 − σ(z))",
  tanh: "1 − tanh²(z)",
  relu: "[z > 0]",
  leakyRelu: "1 if z > 0 else slope",
  gelu: "Φ(z) + z·φ(z)",
  softmax: "softmax Jacobian diag(a) − a·aᵀ (not elementwise)",
};

/** σ′(z) in closed form, from z (and a = σ(z) where that is the textbook form). */
function sigmaPrime(s: Stage, z: Tensor, a: Tensor): Tensor | null {
  if (s.activation === "softmax") return null;
  const zd = z._s.data;
  const ad = a._s.data;
  const out = zeros(z.shape, { dtype: z.dtype });
  const o = out._s.data;
  const slope = s.activationModule instanceof LeakyReLU ? s.activationModule.slope : 0;
  for (let i = 0; i < o.length; i++) {
    const zi = zd[i] as number;
    const ai = ad[i] as number;
    switch (s.activation) {
      case "identity":
        o[i] = 1;
        break;
      case "sigmoid":
        o[i] = ai * (1 - ai);
        break;
      case "tanh":
        o[i] = 1 - ai * ai;
        break;
      case "relu":
        o[i] = zi > 0 ? 1 : 0;
        break;
      case "leakyRelu":
        o[i] = zi > 0 ? 1 : slope;
        break;
      case "gelu":
        o[i] = geluGrad(zi);
        break;
    }
  }
  return out;
}

/** Rows × columns view of a tensor that is one example [k] or a batch [n, k]. */
function rowsOf(t: Tensor): { rows: number; cols: number } {
  const cols = t.shape[t.ndim - 1] as number;
  return { rows: t.size / cols, cols };
}

/** BP1/BP2, BP3 and BP4 recomputed in float64 from autodiff's neighbouring quantities. */
function equations(
  layer: LayerValues,
  next: LayerValues | undefined,
  dtype: DType,
): BackpropLayer["equations"] {
  const { rows, cols: out } = rowsOf(layer.z);
  // g = ∂C/∂aˡ: ∇ₐC (autodiff) for the last layer, δˡ⁺¹·Wˡ⁺¹ for the others (BP2's (wᵀδ) part).
  const g = new Float64Array(rows * out);
  if (next === undefined) {
    g.set(layer.gradA._s.data);
  } else {
    const dn = next.delta._s.data;
    const wn = next.weight._s.data;
    const outN = next.outFeatures;
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < out; j++) {
        let s = 0;
        for (let k = 0; k < outN; k++) s += (dn[r * outN + k] as number) * (wn[k * out + j] as number);
        g[r * out + j] = s;
      }
  }
  const delta = zeros(layer.z.shape, { dtype });
  const dd = delta._s.data;
  if (layer.sigmaPrime) {
    const sp = layer.sigmaPrime._s.data;
    for (let i = 0; i < dd.length; i++) dd[i] = (g[i] as number) * (sp[i] as number);
  } else {
    // softmax: δ_j = a_j (g_j − Σ_k a_k g_k), the Jacobian-vector product row by row
    const ad = layer.a._s.data;
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let k = 0; k < out; k++) dot += (ad[r * out + k] as number) * (g[r * out + k] as number);
      for (let j = 0; j < out; j++)
        dd[r * out + j] = (ad[r * out + j] as number) * ((g[r * out + j] as number) - dot);
    }
  }
  // BP3 and BP4 from autodiff's δˡ
  const da = layer.delta._s.data;
  const inF = layer.inFeatures;
  const xa = layer.input._s.data;
  const gradWeight = zeros([out, inF], { dtype });
  const gw = gradWeight._s.data;
  for (let j = 0; j < out; j++)
    for (let k = 0; k < inF; k++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += (da[r * out + j] as number) * (xa[r * inF + k] as number);
      gw[j * inF + k] = s;
    }
  let gradBias: Tensor | null = null;
  if (layer.bias) {
    gradBias = zeros([out], { dtype });
    const gb = gradBias._s.data;
    for (let j = 0; j < out; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += da[r * out + j] as number;
      gb[j] = s;
    }
  }
  return {
    delta,
    gradBias,
    gradWeight,
    maxError: {
      delta: maxAbsDiff(delta, layer.delta),
      gradBias: gradBias && layer.gradBias ? maxAbsDiff(gradBias, layer.gradBias) : 0,
      gradWeight: maxAbsDiff(gradWeight, layer.gradWeight),
    },
  };
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a._s.data;
  const y = b._s.data;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs((x[i] as number) - (y[i] as number));
    if (Number.isNaN(d)) return Number.NaN;
    if (d > m) m = d;
  }
  return m;
}

// ---- rendering ----

/** Options of {@link formatBackpropReport}. */
export interface FormatReportOptions {
  /** Significant digits of every number; default 6. */
  precision?: number;
}

const SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/** @internal l as a superscript: 12 → "¹²". */
export function sup(n: number): string {
  return String(n)
    .split("")
    .map((c) => SUPERSCRIPTS[Number(c)] ?? c)
    .join("");
}

/** A tensor's values as rows of padded numbers: [] → "3", [k] → "[a, b]", [n, k] → "[[…],\n […]]". */
function fmtValues(t: Tensor, precision: number, oneLine: boolean): string {
  if (t.ndim === 0) return formatNumber(t.item(), precision);
  const cols = t.shape[t.ndim - 1] as number;
  const cells = Array.from(t._s.data, (v) => formatNumber(v, precision));
  const width = oneLine || t.ndim === 1 ? 0 : cells.reduce((w, c) => Math.max(w, c.length), 0);
  const pad = (c: string) => c.padStart(width);
  if (t.ndim === 1) return `[${cells.map(pad).join(", ")}]`;
  const rows: string[] = [];
  for (let r = 0; r < t.size / cols; r++)
    rows.push(
      `[${cells
        .slice(r * cols, (r + 1) * cols)
        .map(pad)
        .join(", ")}]`,
    );
  return oneLine ? `[${rows.join(", ")}]` : `[${rows.join(",\n ")}]`;
}

/** ✓ when an equation reproduces autodiff to rounding (relative to the values' size), ✗ otherwise. */
function verdict(err: number, t: Tensor, dtype: DType): string {
  let scale = 1;
  for (const v of t._s.data) scale = Math.max(scale, Math.abs(v));
  const tol = (dtype === "float64" ? 1e-10 : 1e-4) * scale;
  return err <= tol ? "✓" : "✗";
}

interface Line {
  /** What the row shows: "δ² = ∂C/∂z²". */
  name: string;
  value: Tensor;
  /** How the row was obtained: "autodiff", "forward", "BP1: ∇ₐC ⊙ σ′(z²)". */
  source: string;
  /** For equation rows: max |equation − autodiff| and its verdict. */
  check?: string;
}

function layerLines(r: BackpropReport, layer: BackpropLayer): Line[] {
  const l = layer.index;
  const L = r.layers.length;
  const p = sup(l);
  const prev = sup(l - 1);
  const nx = sup(l + 1);
  const { maxError } = layer.equations;
  const lines: Line[] = [];
  lines.push({
    name: l === 1 ? "a⁰ = x" : `a${prev}`,
    value: layer.input,
    source: l === 1 ? "input" : `input: output of layer ${l - 1}`,
  });
  lines.push({
    name: `W${p}`,
    value: layer.weight,
    source: `weight [${layer.outFeatures}, ${layer.inFeatures}]`,
  });
  if (layer.bias) lines.push({ name: `b${p}`, value: layer.bias, source: "bias" });
  lines.push({
    name: `z${p}`,
    value: layer.z,
    source: r.batched ? `forward: a${prev}·(W${p})ᵀ + b${p}` : `forward: W${p}·a${prev} + b${p}`,
  });
  if (layer.activation !== "identity")
    lines.push({ name: `a${p}`, value: layer.a, source: `forward: ${layer.activation}(z${p})` });
  if (layer.sigmaPrime && layer.activation !== "identity")
    lines.push({ name: `σ′(z${p})`, value: layer.sigmaPrime, source: layer.sigmaPrimeFormula });
  lines.push({
    name: l === L ? `∇ₐC = ∂C/∂a${p}` : `∂C/∂a${p}`,
    value: layer.gradA,
    source: "autodiff",
  });
  lines.push({ name: `δ${p} = ∂C/∂z${p}`, value: layer.delta, source: "autodiff" });
  const tail = layer.activation === "identity" ? " (no activation: σ′ = 1)" : ` ⊙ σ′(z${p})`;
  const deltaEq =
    layer.activation === "softmax"
      ? l === L
        ? `BP1, softmax Jacobian: a${p} ⊙ (∇ₐC − ⟨∇ₐC, a${p}⟩)`
        : `BP2, softmax Jacobian: a${p} ⊙ (g − ⟨g, a${p}⟩), g = ${r.batched ? `δ${nx}·W${nx}` : `(W${nx})ᵀδ${nx}`}`
      : l === L
        ? `BP1: ∇ₐC${tail}`
        : r.batched
          ? `BP2: (δ${nx}·W${nx})${tail}`
          : `BP2: ((W${nx})ᵀδ${nx})${tail}`;
  lines.push({
    name: `δ${p}`,
    value: layer.equations.delta,
    source: deltaEq,
    check: `${formatNumber(maxError.delta, 2)} ${verdict(maxError.delta, layer.delta, r.dtype)}`,
  });
  if (layer.gradBias && layer.equations.gradBias) {
    lines.push({ name: `∂C/∂b${p}`, value: layer.gradBias, source: "autodiff" });
    lines.push({
      name: `∂C/∂b${p}`,
      value: layer.equations.gradBias,
      source: r.batched ? `BP3: Σₙ δ${p} (sum of the rows)` : `BP3: δ${p}`,
      check: `${formatNumber(maxError.gradBias, 2)} ${verdict(maxError.gradBias, layer.gradBias, r.dtype)}`,
    });
  }
  lines.push({ name: `∂C/∂W${p}`, value: layer.gradWeight, source: "autodiff" });
  lines.push({
    name: `∂C/∂W${p}`,
    value: layer.equations.gradWeight,
    source: r.batched ? `BP4: (δ${p})ᵀ·a${prev}` : `BP4: δ${p}(a${prev})ᵀ`,
    check: `${formatNumber(maxError.gradWeight, 2)} ${verdict(maxError.gradWeight, layer.gradWeight, r.dtype)}`,
  });
  return lines;
}

function header(r: BackpropReport): { title: string; notes: string[]; equations: string[] } {
  const shape = [r.layers[0]?.inFeatures ?? 0, ...r.layers.map((l) => l.outFeatures)].join("-");
  const ex = r.batched ? `a batch of n = ${r.examples} examples (one per row)` : "one example";
  return {
    title: `Backpropagation report: ${shape} network, ${ex}, loss ${r.lossName}, C = ${formatNumber(r.loss, 10)}`,
    notes: [
      `Cost: ${r.lossFormula}.`,
      "Layers l = 1 … L (L = " +
        r.layers.length +
        "), a⁰ = x; W is chainrule's Linear weight [out, in], the textbook wˡ (row j = weights into neuron j).",
      r.batched
        ? "chainrule's Linear works on row vectors: zˡ = aˡ⁻¹·(Wˡ)ᵀ + bˡ, one example per row, so the batch forms are " +
          "δˡ = (δˡ⁺¹·Wˡ⁺¹) ⊙ σ′(zˡ), ∂C/∂bˡ = Σₙ δˡ and ∂C/∂Wˡ = (δˡ)ᵀ·aˡ⁻¹; row n of δˡ is ∂C/∂zˡ for example n."
        : "chainrule's Linear works on row vectors (zˡ = aˡ⁻¹·(Wˡ)ᵀ + bˡ); for one example that is the textbook " +
          "column form zˡ = wˡaˡ⁻¹ + bˡ.",
      "Rows marked autodiff are read off the computation graph; rows marked BP1–BP4 recompute them from the " +
        "equations (from autodiff's δˡ⁺¹, Wˡ⁺¹ and aˡ⁻¹), with the largest difference.",
    ],
    equations: [
      "BP1  δᴸ = ∇ₐC ⊙ σ′(zᴸ)",
      "BP2  δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)",
      "BP3  ∂C/∂bˡ = δˡ",
      "BP4  ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ",
    ],
  };
}

function layerTitle(layer: BackpropLayer, L: number, code: (s: string) => string): string {
  const where = layer.index === L ? " (output layer)" : "";
  const lin = layer.linearName === "" ? "Linear" : `Linear ${code(layer.linearName)}`;
  const act =
    layer.activation === "identity"
      ? "no activation"
      : `${layer.activation}${layer.activationName ? ` ${code(layer.activationName)}` : ""}`;
  return `Layer ${layer.index}${where}: ${lin} ${layer.inFeatures} → ${layer.outFeatures}, ${act}`;
}

/**
 * Renders a {@link BackpropReport} for reading next to BP1–BP4: the convention (row vectors,
 * W of shape [out, in], layers l = 1 … L with a⁰ = x), the four equations, then for each layer its
 * forward quantities (aˡ⁻¹, W, b, zˡ, aˡ, σ′(zˡ)), autodiff's ∂C/∂aˡ, δˡ, ∂C/∂bˡ, ∂C/∂Wˡ, and under each
 * gradient the same quantity recomputed from its equation, with the largest difference and ✓/✗.
 *
 * @param format `"text"` (aligned columns, default) or `"markdown"` (one table per layer).
 *
 * @example
 * manualSeed(0);
 * const net = new nn.MLP(2, [3, 2], { activation: "sigmoid", outputActivation: "sigmoid" });
 * console.log(formatBackpropReport(backpropReport(net, [0.05, 0.1], [0.01, 0.99]), "markdown"));
 * // # Backpropagation report: 2-3-2 network, one example, loss quadratic, C = 0.3541268848
 * // …
 * // | δ² = ∂C/∂z² | `[0.134736, -0.145623]` | autodiff |  |
 * // | δ² | `[0.134736, -0.145623]` | BP1: ∇ₐC ⊙ σ′(z²) | 0 ✓ |
 */
export function formatBackpropReport(
  report: BackpropReport,
  format: "text" | "markdown" = "text",
  opts?: FormatReportOptions,
): string {
  if (report === null || typeof report !== "object" || !Array.isArray(report.layers)) {
    throw new ChainruleError(
      `formatBackpropReport: expected a report from backpropReport, got ${describe(report)}`,
    );
  }
  if (format !== "text" && format !== "markdown") {
    throw new ChainruleError(
      `formatBackpropReport: format must be "text" or "markdown", got ${describe(format)}`,
    );
  }
  const options = checkOptions(opts, "formatBackpropReport");
  const precision = options.precision ?? 6;
  if (!Number.isInteger(precision) || precision < 1 || precision > 17) {
    throw new ChainruleError(
      `formatBackpropReport: precision must be an integer from 1 to 17, got ${describe(precision)}`,
    );
  }
  const h = header(report);
  const L = report.layers.length;
  const out: string[] = [];
  if (format === "markdown") {
    out.push(`# ${h.title}`, "");
    for (const n of h.notes) out.push(`- ${n}`);
    out.push("", "```", ...h.equations, "```");
    for (const layer of report.layers) {
      out.push("", `## ${layerTitle(layer, L, (s) => `\`${s}\``)}`, "");
      out.push("| quantity | value | from | max abs diff |", "|---|---|---|---|");
      for (const line of layerLines(report, layer)) {
        out.push(
          `| ${line.name} | \`${fmtValues(line.value, precision, true)}\` | ${line.source} | ${line.check ?? ""} |`,
        );
      }
    }
    return `${out.join("\n")}\n`;
  }
  out.push(h.title, "");
  for (const n of h.notes) out.push(n);
  out.push("", ...h.equations.map((e) => `  ${e}`));
  for (const layer of report.layers) {
    out.push(
      "",
      layerTitle(layer, L, (s) => `"${s}"`),
    );
    const lines = layerLines(report, layer);
    const nameWidth = lines.reduce((w, x) => Math.max(w, x.name.length), 0);
    const values = lines.map((line) => fmtValues(line.value, precision, false).split("\n"));
    const valueWidth = values.flat().reduce((w, v) => Math.max(w, v.length), 0);
    lines.forEach((line, k) => {
      const value = values[k] as string[];
      const note = line.check ? `${line.source}   max |diff| ${line.check}` : line.source;
      value.forEach((v, i) => {
        const left = i === 0 ? line.name.padEnd(nameWidth) : " ".repeat(nameWidth);
        const right = i === 0 ? `   ${note}` : "";
        out.push(`  ${left}  ${v.padEnd(valueWidth)}${right}`.trimEnd());
      });
    });
  }
  return `${out.join("\n")}\n`;
}
