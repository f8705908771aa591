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
 * Models with other layers (Conv2d, pooling, Flatten/Unflatten, BatchNorm/LayerNorm/GroupNorm,
 * Dropout) are followed stage by stage, one stage per child of the Sequential: its shapes, δ =
 * ∂C/∂(output) and the parameters' gradients from autodiff and, for a convolution
 * z = conv2d(a, W) + b, the analogues of BP2–BP4 recomputed in plain float64 loops:
 *
 *     ∂C/∂b = Σ_{n,y,x} δ   (BP3)      ∂C/∂W = Σₙ δₙ ⋆ aₙ   (BP4)      ∂C/∂a = convTranspose2d(δ, W)   (BP2, first half)
 *
 * This file runs the network and reads autodiff's values; stages.ts reads the model,
 * report-losses.ts names the costs, report-equations.ts recomputes BP1–BP4 (and the convolution
 * equations) and report-format.ts renders the result.
 */
import { gradients } from "../autograd/functional";
import { enableGrad } from "../autograd/grad-mode";
import { ChainruleError, describe, fmtShape } from "../errors";
import { Conv2d } from "../nn/conv";
import { conv2d } from "../nn/convolution";
import { layerNorm, linear } from "../nn/functional";
import { Dropout, Flatten, Linear, type Sequential, Softmax, Unflatten } from "../nn/layers";
import { BatchNorm1d, BatchNorm2d, batchNorm, GroupNorm, groupNorm, LayerNorm } from "../nn/norm";
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from "../nn/pooling";
import { TransformerEncoderLayer } from "../nn/transformer";
import { tensor, zeros } from "../tensor/creation";
import type { DType } from "../tensor/dtype";
import { type NestedNumbers, Tensor } from "../tensor/tensor";
import {
  type BackpropEquations,
  convEquations,
  convGeometry,
  equations,
  linearEquations,
  maxError,
  type NextLayer,
  sigmaPrime,
  sigmaPrimeFormula,
} from "./report-equations";
import { type LossFunction, type NamedLoss, resolveLoss } from "./report-losses";
import { type ModelStage, modelStages, type StageActivation } from "./stages";

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
   * In a model with other layers: the label of the stage that reads aˡ when it is not a Linear
   * ("2: MaxPool2d(2)"), else null. Then BP2 does not apply and the δˡ check starts, as BP1 does,
   * from autodiff's ∂C/∂aˡ: δˡ = ∂C/∂aˡ ⊙ σ′(zˡ).
   */
  nextStage: string | null;
  /**
   * The same quantities recomputed from the equations in plain float64 arithmetic, each from
   * autodiff's values one step away (BP2 from δˡ⁺¹ and Wˡ⁺¹, BP3 and BP4 from δˡ), and the largest
   * absolute difference from autodiff's.
   */
  equations: BackpropEquations;
}

/** A parameter of a stage, and ∂C/∂ of it from autodiff. */
export interface StageParameter {
  /** Its name in the model: "0.weight". */
  name: string;
  /** Its values (a copy). */
  value: Tensor;
  /** ∂C/∂(parameter) from autodiff. */
  grad: Tensor;
}

/** A gradient of a stage recomputed from its equation, independently of the graph, next to autodiff's. */
export interface StageCheck {
  /** "∂C/∂b", "∂C/∂W", "∂C/∂a" (the stage's input) or "∂C/∂z" (an activation's input). */
  quantity: string;
  /** The equation: "BP4: Σₙ δₙ ⋆ aₙ (conv2dWeight)". */
  equation: string;
  /** The equation's value, computed in float64 from autodiff's δ and the forward values. */
  value: Tensor;
  /** Autodiff's value of the same quantity. */
  autodiff: Tensor;
  /** max |equation − autodiff|. */
  maxError: number;
}

/** One layer of the model (every child of the Sequential, activations included) in a {@link BackpropReport}. */
export interface BackpropStage {
  /** Its position in the model, from 0. */
  index: number;
  /** Its child name ("0"; "" for a bare Linear). */
  name: string;
  /** Its class: "Conv2d", "ReLU", …. */
  kind: string;
  /** Child name, type and settings: "0: Conv2d(1 → 4, 3×3, padding 1)". */
  label: string;
  inputShape: number[];
  outputShape: number[];
  /** Its input (the previous stage's output; x for the first), a copy. */
  input: Tensor;
  /** Its output, a copy. */
  output: Tensor;
  /** δ of the stage: ∂C/∂(output) from autodiff (the next stage's gradInput). */
  delta: Tensor;
  /** ∂C/∂(input) from autodiff (the previous stage's δ; ∂C/∂x for the first). */
  gradInput: Tensor;
  /** Its parameters ("0.weight", "0.bias") and their gradients; [] for a layer without. */
  parameters: StageParameter[];
  /** The local derivative in words: "max pool: δ goes to each window's maximum …". */
  local: string;
  /**
   * For Linear and Conv2d: ∂C/∂b (BP3), ∂C/∂W (BP4) and ∂C/∂(input) (BP2's first half) recomputed
   * from δ; for an activation: ∂C/∂z = δ ⊙ σ′(z) (softmax: its Jacobian); [] for the other layers.
   */
  checks: StageCheck[];
}

/** The result of {@link backpropReport}. */
export interface BackpropReport {
  /** One entry per Linear layer, l = 1 … L. */
  layers: BackpropLayer[];
  /** One entry per layer of the model (every child, in order), with δ and the equations of each. */
  stages: BackpropStage[];
  /**
   * Whether the model is only Linear layers, each optionally followed by an activation (then
   * `formatBackpropReport` prints BP1–BP4 layer by layer, otherwise stage by stage).
   */
  linearOnly: boolean;
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
 * Runs the forward pass of a network on `x`, computes the cost with `loss`, and returns for every
 * Linear layer l the quantities of backpropagation, taken from the autodiff graph: zˡ, aˡ, ∂C/∂aˡ,
 * δˡ = ∂C/∂zˡ, ∂C/∂Wˡ and ∂C/∂bˡ, next to the same quantities recomputed from BP1–BP4 (see the
 * module comment), in `layers`; and for every child of the model, in `stages`, its name, type and
 * shapes, δ = ∂C/∂(output), ∂C/∂(input) and its parameters' gradients, with the local derivative in
 * words and, for Linear, Conv2d and activation stages, the gradients recomputed from δ independently
 * of the graph (convolution: ∂C/∂b = Σ δ, ∂C/∂W = Σₙ δₙ ⋆ aₙ, ∂C/∂a = convTranspose2d(δ, W)).
 * Render it with {@link formatBackpropReport}.
 *
 * How: the forward pass runs layer by layer, keeping every output, on gradient-tracking leaf views
 * of the parameters' values; one backward pass, `gradients(C, [x, outputs…, W…, b…])`, returns ∂C/∂
 * of all of them at once. `gradients()` writes no `.grad` and the graph never reaches the
 * parameters themselves, so their existing `.grad` stay as they are (frozen parameters work too)
 * and their values are not changed; a BatchNorm in training mode normalises with the batch's
 * statistics without moving its running ones. The returned tensors are detached copies.
 *
 * @param model an `nn.Sequential` / `nn.MLP` whose children are `Linear`, `Conv2d`, `MaxPool2d`,
 *   `AvgPool2d`, `AdaptiveAvgPool2d`, `Flatten`, `Unflatten`, `BatchNorm1d`, `BatchNorm2d`,
 *   `LayerNorm`, `GroupNorm`, `Dropout`, `TransformerEncoderLayer` (autodiff's values only) or
 *   activation modules (`ReLU`, `Tanh`, `Sigmoid`, …,
 *   `Softmax`); or one `nn.Linear`. An activation right after a Linear is that layer's σ in BP1–BP4
 *   (softmax only over the last axis).
 * @param x the model's input: for a Linear first layer one example [in] or a batch [n, in]; for a
 *   Conv2d [N, C, H, W] (a tensor or nested arrays; converted to the model's dtype).
 * @param y the target: same shape as the output, or class indices for `"crossEntropy"`.
 * @param loss a {@link NamedLoss} (default `"quadratic"`, `000_1780807650e7f6e9.txt`'s C = (1/2n) Σₓ ‖y − aᴸ‖²) or a
 *   function `(output, y) => Tensor` returning a one-element tensor, e.g.
 *   `(a, y) => losses.mse(a, y, { reduction: "sum" })`.
 * @throws ChainruleError for a model with a layer it cannot report (MultiheadAttention, recurrent, nested
 *   Sequentials, custom modules, …; naming the layer and what is supported), or inputs of the wrong
 *   shape (naming the layer whose forward pass fails).
 *
 * @example
 * manualSeed(0);
 * const net = new nn.MLP(2, [3, 2], { activation: "sigmoid", outputActivation: "sigmoid" });
 * const r = backpropReport(net, [0.05, 0.1], [0.01, 0.99]);  // quadratic cost
 * r.layers.length;                          // 2
 * r.layers[1].delta.shape;                  // [2]: δ² = ∂C/∂z²
 * r.layers[1].equations.maxError.delta;     // 0 (BP1 recomputed from ∇ₐC and σ′(z²) agrees)
 * console.log(formatBackpropReport(r));     // the table, layer by layer
 *
 * // a small CNN: one stage per layer
 * const cnn = new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8, 3));
 * const s = backpropReport(cnn, ones([2, 1, 4, 4]), [0, 2], "crossEntropy").stages;
 * s.map((st) => st.label);   // ["0: Conv2d(1 → 2, 3×3, padding 1)", "1: ReLU", "2: MaxPool2d(2)", "3: Flatten()", "4: Linear(8 → 3)"]
 * s[2].delta.shape;          // [2, 2, 2, 2]: ∂C/∂(pool output)
 * s[0].checks.map((c) => [c.quantity, c.maxError < 1e-12]); // [["∂C/∂b", true], ["∂C/∂W", true], ["∂C/∂a", true]]
 */
export function backpropReport(
  model: Sequential | Linear,
  x: Tensor | NestedNumbers,
  y: Tensor | NestedNumbers,
  loss: NamedLoss | LossFunction = "quadratic",
): BackpropReport {
  const op = "backpropReport";
  const stages = modelStages(model, op);
  const first = stages[0] as ModelStage;
  const dtype = modelDType(stages, x);
  const xs = toTensor(x, dtype, op, "x");
  if (first.module instanceof Linear) {
    const lin = first.module;
    const inF = lin.inFeatures;
    if ((xs.ndim !== 1 && xs.ndim !== 2) || xs.shape[xs.ndim - 1] !== inF) {
      throw new ChainruleError(
        `${op}: x ${fmtShape(xs.shape)} must be one example [${inF}] or a batch [n, ${inF}] for the first layer (Linear ${inF}→${lin.outFeatures})`,
      );
    }
  }
  const ys = toTensor(y, dtype, op, "y");

  return enableGrad(() => {
    // Leaf views of the parameters' storage: the graph never reaches the parameters themselves.
    const views = new Map<Tensor, Tensor>();
    const paramsOf = stages.map((s) => stageParameters(s));
    // a composite layer (a transformer encoder layer) runs its own forward on its own parameters:
    // they are their own "views" (gradients() reads their gradients without writing their .grad)
    stages.forEach((s, i) => {
      for (const [, p] of paramsOf[i] as [string, Tensor][])
        views.set(p, s.module instanceof TransformerEncoderLayer ? p : leafView(p));
    });
    const view = (p: Tensor | null): Tensor | null => (p === null ? null : (views.get(p) as Tensor));
    const x0 = leafView(xs);
    const inputs: Tensor[] = [];
    const outputs: Tensor[] = [];
    let h = x0;
    for (const s of stages) {
      inputs.push(h);
      try {
        h = runStage(s, h, view);
      } catch (e) {
        if (!(e instanceof ChainruleError)) throw e;
        throw new ChainruleError(
          `${op}: layer ${s.label} failed on its input ${fmtShape(h.shape)}: ${e.message}`,
        );
      }
      outputs.push(h);
    }
    const output = h;
    const batched = output.ndim >= 2;
    const examples = batched ? (output.shape[0] as number) : 1;
    const { fn: lossFn, name: lossName, formula: lossFormula } = resolveLoss(loss, examples, op);
    const c = lossFn(output, ys);
    if (!(c instanceof Tensor))
      throw new ChainruleError(`${op}: the loss must return a Tensor, got ${describe(c)}`);
    if (c.size !== 1)
      throw new ChainruleError(
        `${op}: the loss must return a one-element tensor, got shape ${fmtShape(c.shape)}`,
      );
    const wanted = [...new Set<Tensor>([x0, ...outputs, ...views.values()])];
    const grads = c.requiresGrad ? gradients([c], wanted, { allowUnused: true }) : wanted.map(() => null);
    const gradOf = new Map<Tensor, Tensor>();
    wanted.forEach((t, i) => {
      const g = grads[i];
      gradOf.set(t, g ? g.detach() : zeros(t.shape, { dtype: t.dtype }));
    });
    const get = (t: Tensor) => gradOf.get(t) as Tensor;

    const stageReports: BackpropStage[] = stages.map((s, i) => {
      const input = inputs[i] as Tensor;
      const out = outputs[i] as Tensor;
      const delta = get(out);
      const gradInput = get(input);
      const parameters = (paramsOf[i] as [string, Tensor][]).map(([key, p]) => {
        const v = view(p) as Tensor;
        return { name: s.name === "" ? key : `${s.name}.${key}`, value: copyOf(v), grad: get(v) };
      });
      return {
        index: s.index,
        name: s.name,
        kind: s.className,
        label: s.label,
        inputShape: [...input.shape],
        outputShape: [...out.shape],
        input: copyOf(input),
        output: copyOf(out),
        delta,
        gradInput,
        parameters,
        local: localDerivative(s),
        checks: stageChecks(s, input, out, delta, gradInput, parameters, dtype),
      };
    });

    // The Linear layers l = 1 … L, each with the activation right after it, for BP1–BP4.
    const parts: LayerValues[] = [];
    const nextOf: (NextLayer | undefined)[] = [];
    stages.forEach((s, i) => {
      if (!(s.module instanceof Linear)) return;
      const act = pairedActivation(stages[i + 1]);
      const j = i + (act ? 2 : 1);
      const z = outputs[i] as Tensor;
      const a = act ? (outputs[i + 1] as Tensor) : z;
      const w = view(s.module.weight) as Tensor;
      const b = view(s.module.bias);
      const activation = (act?.activation?.op ?? "identity") as StageActivation;
      const scalar = act?.activation?.scalar ?? null;
      const after = stages[j];
      nextOf.push(
        after?.module instanceof Linear
          ? { delta: get(outputs[j] as Tensor), weight: view(after.module.weight) as Tensor }
          : undefined,
      );
      parts.push({
        index: parts.length + 1,
        linearName: s.name,
        activation,
        activationName: act ? act.name : null,
        inFeatures: s.module.inFeatures,
        outFeatures: s.module.outFeatures,
        input: copyOf(inputs[i] as Tensor),
        weight: copyOf(w),
        bias: b ? copyOf(b) : null,
        z: copyOf(z),
        a: copyOf(a),
        gradA: get(a),
        delta: get(z),
        gradWeight: get(w),
        gradBias: b ? get(b) : null,
        sigmaPrime: sigmaPrime({ activation, scalar }, z, a),
        sigmaPrimeFormula: sigmaPrimeFormula(activation),
        nextStage: after && !(after.module instanceof Linear) ? after.label : null,
      });
    });
    const layers: BackpropLayer[] = parts.map((layer, i) => ({
      ...layer,
      equations: equations(layer, nextOf[i], dtype),
    }));
    return {
      layers,
      stages: stageReports,
      linearOnly: stages.every((s, i) => s.module instanceof Linear || isPaired(stages, i)),
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

/** The activation stage that belongs to the Linear before it (BP1/BP2's σ), if `s` is one. */
function pairedActivation(s: ModelStage | undefined): ModelStage | null {
  if (s === undefined || s.kind !== "activation") return null;
  // a softmax over another axis than the features is a stage of its own
  if (s.module instanceof Softmax && s.module.axis !== -1) return null;
  return s;
}

/** Whether stage i is an activation directly after a Linear (part of a BP1–BP4 layer). */
function isPaired(stages: ModelStage[], i: number): boolean {
  return i > 0 && stages[i - 1]?.module instanceof Linear && pairedActivation(stages[i]) !== null;
}

/** The model's dtype: its first parameter's, else x's (if a float tensor), else float64. */
function modelDType(stages: ModelStage[], x: unknown): DType {
  for (const s of stages) for (const [, p] of stageParameters(s)) return p.dtype;
  if (x instanceof Tensor && (x.dtype === "float32" || x.dtype === "float64")) return x.dtype;
  return "float64";
}

/** A stage's parameters as [name in the layer, tensor]: weight and bias where the layer has them. */
function stageParameters(s: ModelStage): [string, Tensor][] {
  if (s.module instanceof TransformerEncoderLayer) return s.module.namedParameters() as [string, Tensor][];
  const m = s.module as { weight?: Tensor | null; bias?: Tensor | null };
  if (s.kind === "activation" || !("weight" in m)) return [];
  const out: [string, Tensor][] = [];
  if (m.weight instanceof Tensor) out.push(["weight", m.weight]);
  if (m.bias instanceof Tensor) out.push(["bias", m.bias]);
  return out;
}

/**
 * One stage's forward pass, on the parameters' leaf views: the layer's functional form with the
 * views for the layers that have parameters (batch norm in training mode on the batch's statistics
 * without moving the running ones, so the report changes no buffer), its own forward otherwise.
 */
function runStage(s: ModelStage, h: Tensor, view: (p: Tensor | null) => Tensor | null): Tensor {
  const m = s.module;
  if (m instanceof Linear) return linear(h, view(m.weight) as Tensor, view(m.bias));
  if (m instanceof Conv2d) {
    return conv2d(h, view(m.weight) as Tensor, view(m.bias), {
      stride: m.stride,
      padding: m.padding,
      dilation: m.dilation,
      groups: m.groups,
    });
  }
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) {
    const name = s.className;
    const ranks = m instanceof BatchNorm2d ? [4] : [2, 3];
    if (!ranks.includes(h.ndim) || h.shape[1] !== m.numFeatures) {
      throw new ChainruleError(
        `${name}: expected input of ${ranks.join(" or ")} dimensions with ${m.numFeatures} channels on axis 1, got ${fmtShape(h.shape)}`,
      );
    }
    const batchStats = m.training || m.running_mean === null;
    return batchStats
      ? batchNorm(h, null, null, view(m.weight), view(m.bias), { training: true, eps: m.eps, op: name })
      : batchNorm(h, m.running_mean, m.running_var, view(m.weight), view(m.bias), {
          training: false,
          eps: m.eps,
          op: name,
        });
  }
  if (m instanceof LayerNorm) return layerNorm(h, m.normalizedShape, view(m.weight), view(m.bias), m.eps);
  if (m instanceof GroupNorm) {
    if (h.ndim < 2 || h.shape[1] !== m.numChannels)
      throw new ChainruleError(
        `GroupNorm: expected input [N, ${m.numChannels}, …] (at least 2 dimensions), got ${fmtShape(h.shape)}`,
      );
    return groupNorm(h, m.numGroups, view(m.weight), view(m.bias), m.eps);
  }
  return m.forward(h);
}

/** A stage's local derivative in words: how δ = ∂C/∂(output) becomes ∂C/∂(input) and the parameters' gradients. */
function localDerivative(s: ModelStage): string {
  if (s.module instanceof TransformerEncoderLayer)
    return (
      "transformer encoder layer: δ flows back through the feed-forward block, the self-attention " +
      "softmax(q·kᵀ/√d)·v with its projections, the layer norms and both residual connections (autodiff's values)"
    );
  const m = s.module;
  if (m instanceof Linear) return "linear z = a·Wᵀ + b: ∂C/∂a = δ·W, ∂C/∂W = δᵀ·a, ∂C/∂b = Σₙ δ";
  if (m instanceof Conv2d)
    return "convolution z = conv2d(a, W) + b: ∂C/∂a = convTranspose2d(δ, W), ∂C/∂W = Σₙ δₙ ⋆ aₙ, ∂C/∂b = Σₙ,ᵧ,ₓ δ";
  if (m instanceof MaxPool2d) return "max pool: δ goes to each window's maximum (0 to the other entries)";
  if (m instanceof AvgPool2d) return "average pool: each window's δ is shared equally by its kh·kw entries";
  if (m instanceof AdaptiveAvgPool2d)
    return "adaptive average pool: each cell's δ is shared equally by its region";
  if (m instanceof Flatten) return "flatten: δ reshaped back to the input's shape";
  if (m instanceof Unflatten) return "unflatten: δ reshaped back to the input's shape";
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) {
    return m.training || m.running_mean === null
      ? "batch norm (batch statistics): ∂C/∂x = (γ/σ)(δ − mean δ − x̂·mean(δ ⊙ x̂)), means per channel over the batch (and positions); ∂C/∂γ = Σ δ ⊙ x̂, ∂C/∂β = Σ δ"
      : "batch norm (eval, running statistics): ∂C/∂x = δ·γ/√(running_var + ε); ∂C/∂γ = Σ δ ⊙ x̂, ∂C/∂β = Σ δ";
  }
  if (m instanceof LayerNorm)
    return "layer norm: ∂C/∂x = (1/σ)(g − mean g − x̂·mean(g ⊙ x̂)) with g = δ ⊙ γ, means over the normalized axes; ∂C/∂γ = Σ δ ⊙ x̂, ∂C/∂β = Σ δ";
  if (m instanceof GroupNorm)
    return "group norm: ∂C/∂x = (1/σ)(g − mean g − x̂·mean(g ⊙ x̂)) with g = δ ⊙ γ, means over each group's channels and positions; ∂C/∂γ = Σ δ ⊙ x̂, ∂C/∂β = Σ δ";
  if (m instanceof Dropout)
    return m.training && m.p > 0
      ? `dropout (training): δ ⊙ mask/(1 − p), 0 where an entry was dropped (p = ${m.p})`
      : "dropout (eval): the identity, δ passes unchanged";
  const op = s.activation?.op ?? "identity";
  if (op === "softmax")
    return "softmax: ∂C/∂z = a ⊙ (δ − ⟨δ, a⟩) along its axis (the Jacobian diag(a) − a·aᵀ)";
  return `${op}: ∂C/∂z = δ ⊙ σ′(z), σ′ = ${sigmaPrimeFormula(op as StageActivation)}`;
}

/**
 * The gradients a stage's equations give from its δ, next to autodiff's: for Linear and Conv2d
 * ∂C/∂b (BP3), ∂C/∂W (BP4) and ∂C/∂(input) (BP2's first half); for an elementwise activation or
 * softmax, ∂C/∂z from σ′ (BP1/BP2's second half). None for the other stages.
 */
function stageChecks(
  s: ModelStage,
  input: Tensor,
  out: Tensor,
  delta: Tensor,
  gradInput: Tensor,
  parameters: StageParameter[],
  dtype: DType,
): StageCheck[] {
  const m = s.module;
  const check = (quantity: string, equation: string, value: Tensor, autodiff: Tensor): StageCheck => ({
    quantity,
    equation,
    value,
    autodiff,
    maxError: maxError(value, autodiff),
  });
  const param = (key: string) =>
    parameters.find((p) => p.name === (s.name === "" ? key : `${s.name}.${key}`));
  if (m instanceof Linear || m instanceof Conv2d) {
    const w = param("weight") as StageParameter;
    const b = m.bias ? (param("bias") as StageParameter) : null;
    const conv = m instanceof Conv2d;
    const eq = conv
      ? convEquations(input, w.value, delta, convGeometry(m), dtype)
      : linearEquations(input, w.value, b !== null, delta, dtype);
    const checks: StageCheck[] = [];
    if (b && eq.gradBias)
      checks.push(check("∂C/∂b", conv ? "BP3: Σₙ,ᵧ,ₓ δ (per channel)" : "BP3: Σₙ δ", eq.gradBias, b.grad));
    checks.push(
      check("∂C/∂W", conv ? "BP4: Σₙ δₙ ⋆ aₙ (conv2dWeight)" : "BP4: δᵀ·a", eq.gradWeight, w.grad),
      check(
        "∂C/∂a",
        conv ? "BP2, first half: convTranspose2d(δ, W)" : "BP2, first half: δ·W",
        eq.gradInput,
        gradInput,
      ),
    );
    return checks;
  }
  if (s.activation === null) return [];
  const op = s.activation.op as StageActivation;
  const g = delta.astype("float64");
  if (m instanceof Softmax) {
    const a = out.astype("float64");
    const value = a.mul(g.sub(a.mul(g).sum(m.axis, true))).astype(dtype);
    return [check("∂C/∂z", "a ⊙ (δ − ⟨δ, a⟩)", value, gradInput)];
  }
  if (s.activation.scalar === null) return [];
  const prime = sigmaPrime({ activation: op, scalar: s.activation.scalar }, input, out) as Tensor;
  const value = g.mul(prime.astype("float64")).astype(dtype);
  return [check("∂C/∂z", `δ ⊙ σ′(z), σ′ = ${sigmaPrimeFormula(op)}`, value, gradInput)];
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
