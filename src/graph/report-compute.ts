/**
 * `backpropReport`: the four equations of backpropagation (BP1–BP4), read off the autodiff graph
 * of a Linear + activation network, side by side with the same quantities recomputed from the
 * equations, so a student can put a hand derivation next to what the engine did.
 *
 * Notation of the lecture notes `000_1780807650e7f6e9.txt` (after Nielsen's chapter 2; the notes
 * are cited by file name as in docs/backprop-by-hand.md), with layers l = 1 … L and a⁰ = x:
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
 *
 * This file runs the network and reads autodiff's values; stages.ts reads the model,
 * report-losses.ts names the costs, report-equations.ts recomputes BP1–BP4 and
 * report-format.ts renders the result.
 */
import { gradients } from "../autograd/functional";
import { enableGrad } from "../autograd/grad-mode";
import { ChainruleError, describe, fmtShape } from "../errors";
import { linear } from "../nn/functional";
import type { Linear, Sequential } from "../nn/layers";
import { tensor, zeros } from "../tensor/creation";
import type { DType } from "../tensor/dtype";
import { type NestedNumbers, Tensor } from "../tensor/tensor";
import { type BackpropEquations, equations, sigmaPrime, sigmaPrimeFormula } from "./report-equations";
import { type LossFunction, type NamedLoss, resolveLoss } from "./report-losses";
import { linearStages, type Stage, type StageActivation } from "./stages";

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
  equations: BackpropEquations;
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
 * @param loss a {@link NamedLoss} (default `"quadratic"`, `000_1780807650e7f6e9.txt`'s C = (1/2n) Σₓ ‖y − aᴸ‖²) or a
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
  const { fn: lossFn, name: lossName, formula: lossFormula } = resolveLoss(loss, examples, op);

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
        sigmaPrimeFormula: sigmaPrimeFormula(s.activation),
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
