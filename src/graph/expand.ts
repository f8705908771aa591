/**
 * `expandToScalars`: the same small network, rebuilt with one scalar `Value` per input, weight
 * and bias, so a diagram can show every weight and every product (micrograd's view of an MLP).
 *
 * For a Linear layer with weight W [out, in] and bias b [out], on one example x [in]:
 *
 *     z[j] = w[j,0]·x[0] + w[j,1]·x[1] + … + b[j]     (one mul node per weight, then add nodes)
 *     a[j] = σ(z[j])                                   (one activation node per neuron)
 *
 * which is the tensor forward x·Wᵀ + b written out entry by entry; the Values' gradients after
 * `backward()` are the tensors' gradients entry by entry.
 */
import { withScope } from "../autograd/scope";
import { ChainruleError, describe, fmtShape } from "../errors";
import { activation, activationNames, LeakyReLU, Linear, type Sequential } from "../nn/layers";
import { activationOf } from "../nn/unary-module";
import { Value } from "../scalar/value";
import { tensor } from "../tensor/creation";
import { readData } from "../tensor/storage";
import { type NestedNumbers, Tensor } from "../tensor/tensor";
import { checkOptions } from "../validate";
import { linearStages, type Stage, type StageActivation } from "./stages";

/** Options of {@link expandToScalars}. */
export interface ExpandOptions {
  /**
   * For a bare `nn.Linear` only: the activation after it (default `"identity"`, none). A
   * Sequential's activations are its own modules.
   */
  activation?: StageActivation;
  /** Slope of `activation: "leakyRelu"`; default 0.01. */
  slope?: number;
  /** Refuse models with more weights and biases than this; default 500. */
  maxParameters?: number;
  /** With `loss`: the target, the output's shape. */
  target?: Tensor | NestedNumbers;
  /**
   * Adds the cost as one more Value, labelled "C" (n = examples, the rows of x):
   * `"sse"`: C = Σ (a − y)² (`004_810f82919249e872.txt`'s L = l₀ + l₁); `"quadratic"`: C = (1/2n) Σ (a − y)²;
   * `"mse"`: C = mean of (a − y)² over every entry.
   */
  loss?: "sse" | "quadratic" | "mse";
}

/** One layer of the expansion: Values laid out like the tensors, row-major. */
export interface ExpandedLayer {
  /** l, from 1. */
  index: number;
  /** weight[j][i] is W[j, i] of the Linear (shape [out, in]). */
  weight: Value[][];
  /** bias[j], or null for a Linear without bias. */
  bias: Value[] | null;
  /** z[r][j]: the Linear's output for example r (one row when x is one example). */
  z: Value[][];
  /** a[r][j] = σ(z[r][j]); the same Values as z for "identity". */
  a: Value[][];
  activation: StageActivation;
}

/** The result of {@link expandToScalars}. */
export interface ScalarExpansion {
  /** One leaf per entry of x, row-major, labelled "x[i]" (one example) or "x[r,i]" (a batch). */
  inputs: Value[];
  /** Every weight and bias leaf, in the model's parameter order (W¹ row-major, b¹, W², …). */
  parameters: Value[];
  /** The network's output, row-major (shape {@link outputShape}). */
  outputs: Value[];
  /** The output tensor's shape: [out] or [n, out]. */
  outputShape: number[];
  /** The cost Value "C" when `loss` was given, else null. */
  loss: Value | null;
  /** Every labelled Value by its label: "x[1]", "w[0,1]", "b[0]", "z[0]", "a[0]", "C" (see {@link expandToScalars}). */
  values: Map<string, Value>;
  layers: ExpandedLayer[];
}

/**
 * Rebuilds a small Linear + activation network as its scalar `Value` graph: one leaf `Value` per
 * input entry, weight and bias (copied from the tensors, float64), one `mul` node per weight use,
 * `add` nodes summing them with the bias into each zⱼ, and one activation node per neuron.
 * The Values compute the tensor forward's numbers, and after `backward()` their `.grad` are the
 * tensor gradients (W's gradient is `parameters`' grads in W's layout).
 *
 * Labels follow the tensors' indices: "x[i]", "w[j,i]", "b[j]", "z[j]", "a[j]" for a bare Linear
 * (layer number added for a Sequential of several layers: "w1[j,i]", "z2[j]", …); a batch x of
 * shape [n, in] gives "x[r,i]", "z[r,j]", "a[r,j]" (weights are shared by the rows). A layer without
 * activation has no "a" Values (its output is z); `loss` adds "C". Softmax is
 * spelled out as exp(zⱼ − max z) / Σₖ exp(zₖ − max z). Each layer's nodes are created inside
 * `withScope(name)` like `Sequential.forward`, so under `recordScopes` diagrams can group them.
 *
 * @param model an `nn.Linear`, or an `nn.Sequential` / `nn.MLP` of Linear layers each optionally
 *   followed by one activation module.
 * @param x one example [in] or a small batch [n, in].
 * @throws ChainruleError for more than `maxParameters` (500) weights and biases, a model that is not
 *   Linear + activation layers (naming the layer), or an x of the wrong shape.
 *
 * @example
 * const layer = new nn.Linear(3, 2);
 * const ex = expandToScalars(layer, tensor([0.5, -1, 2]), { activation: "sigmoid" });
 * ex.outputs.map((o) => o.label);                          // ["a[0]", "a[1]"]
 * ex.values.get("w[0,1]")?.data === layer.weight.data[1];  // true
 * ex.outputs[0].add(ex.outputs[1]).backward();
 * const a0 = ex.values.get("a[0]")?.data ?? NaN;           // σ(z[0])
 * const dw = ex.values.get("w[0,1]")?.grad ?? NaN;
 * Math.abs(dw - a0 * (1 - a0) * -1) < 1e-12;               // true: σ′(z[0])·x[1], x[1] = −1
 */
export function expandToScalars(
  model: Linear | Sequential,
  x: Tensor | NestedNumbers,
  opts?: ExpandOptions,
): ScalarExpansion {
  const op = "expandToScalars";
  const options = checkOptions(opts, op);
  let stages = linearStages(model, op);
  let activationOption: StageActivation | undefined;
  if (options.activation !== undefined) {
    if (!(model instanceof Linear)) {
      throw new ChainruleError(
        `${op}: the activation option is for a bare Linear; a Sequential's activations are its own modules`,
      );
    }
    const names: readonly string[] = ["identity", ...activationNames()];
    if (!names.includes(options.activation)) {
      throw new ChainruleError(
        `${op}: activation must be one of ${names.map((a) => `"${a}"`).join(", ")}, got ${describe(options.activation)}`,
      );
    }
    activationOption = options.activation;
  }
  if (options.loss === undefined && options.target !== undefined)
    throw new ChainruleError(`${op}: target given without loss ("sse", "quadratic" or "mse")`);
  if (options.loss !== undefined) {
    if (options.loss !== "sse" && options.loss !== "quadratic" && options.loss !== "mse")
      throw new ChainruleError(
        `${op}: loss must be "sse", "quadratic" or "mse", got ${describe(options.loss)}`,
      );
    if (options.target === undefined)
      throw new ChainruleError(`${op}: loss "${options.loss}" needs a target`);
  }
  const slope = options.slope ?? 0.01;
  if (typeof slope !== "number" || !Number.isFinite(slope))
    throw new ChainruleError(`${op}: slope must be a finite number, got ${describe(slope)}`);
  if (activationOption !== undefined && activationOption !== "identity") {
    // a bare Linear with a named activation: that activation's module, as if it followed the Linear
    const module = activationOption === "leakyRelu" ? new LeakyReLU(slope) : activation(activationOption);
    const scalar = activationOf(module)?.scalar ?? null;
    stages = [{ ...(stages[0] as Stage), activation: activationOption, activationModule: module, scalar }];
  }

  const maxParameters = options.maxParameters ?? 500;
  if (!Number.isInteger(maxParameters) || maxParameters < 1)
    throw new ChainruleError(
      `${op}: maxParameters must be a positive integer, got ${describe(maxParameters)}`,
    );
  const count = stages.reduce((s, st) => s + st.linear.weight.size + (st.linear.bias?.size ?? 0), 0);
  if (count > maxParameters) {
    const shape = [stages[0]?.linear.inFeatures, ...stages.map((s) => s.linear.outFeatures)].join("-");
    throw new ChainruleError(
      `${op}: the ${shape} network has ${count} weights and biases, more than maxParameters = ${maxParameters}; ` +
        "a scalar graph that large is unreadable (pass a larger maxParameters to expand it anyway)",
    );
  }

  const first = stages[0] as Stage;
  const inF = first.linear.inFeatures;
  let xt: Tensor;
  if (x instanceof Tensor) xt = x;
  else if (typeof x === "number" || Array.isArray(x)) xt = tensor(x as NestedNumbers[], { dtype: "float64" });
  else throw new ChainruleError(`${op}: x must be a Tensor or (nested) number arrays, got ${describe(x)}`);
  if ((xt.ndim !== 1 && xt.ndim !== 2) || xt.shape[xt.ndim - 1] !== inF) {
    throw new ChainruleError(
      `${op}: x ${fmtShape(xt.shape)} must be one example [${inF}] or a batch [n, ${inF}] for the first layer (Linear ${inF}→${first.linear.outFeatures})`,
    );
  }
  const batched = xt.ndim === 2;
  const rows = batched ? (xt.shape[0] as number) : 1;

  const values = new Map<string, Value>();
  const leaf = (data: number, label: string): Value => {
    const v = new Value(data, { label });
    values.set(label, v);
    return v;
  };
  const name = (base: string, layer: number, idx: readonly number[]) =>
    `${base}${stages.length > 1 ? layer : ""}[${idx.join(",")}]`;
  const rowIdx = (r: number, j: number) => (batched ? [r, j] : [j]);

  const xd = readData(xt);
  const inputs: Value[] = [];
  const xRows: Value[][] = [];
  for (let r = 0; r < rows; r++) {
    const row: Value[] = [];
    for (let i = 0; i < inF; i++) {
      const v = leaf(xd[r * inF + i] as number, `x[${rowIdx(r, i).join(",")}]`);
      row.push(v);
      inputs.push(v);
    }
    xRows.push(row);
  }

  const parameters: Value[] = [];
  const layers: ExpandedLayer[] = [];
  let h = xRows;
  for (const s of stages) {
    const l = s.index;
    const { inFeatures: nIn, outFeatures: nOut } = s.linear;
    const wd = readData(s.linear.weight);
    const weight: Value[][] = [];
    for (let j = 0; j < nOut; j++) {
      const row: Value[] = [];
      for (let i = 0; i < nIn; i++) row.push(leaf(wd[j * nIn + i] as number, name("w", l, [j, i])));
      weight.push(row);
      for (const w of row) parameters.push(w);
    }
    let bias: Value[] | null = null;
    if (s.linear.bias) {
      const bd = readData(s.linear.bias);
      bias = Array.from({ length: nOut }, (_, j) => leaf(bd[j] as number, name("b", l, [j])));
      for (const b of bias) parameters.push(b);
    }
    const input = h;
    const z = withScope(s.linearName, () =>
      input.map((xr, r) =>
        weight.map((wj, j) => {
          // w[j,0]·x[0] + w[j,1]·x[1] + … + b[j], left to right
          let acc: Value = (wj[0] as Value).mul(xr[0] as Value);
          for (let i = 1; i < nIn; i++) acc = acc.add((wj[i] as Value).mul(xr[i] as Value));
          if (bias) acc = acc.add(bias[j] as Value);
          return label(acc, name("z", l, rowIdx(r, j)), values);
        }),
      ),
    );
    const act = s.activation;
    const a =
      act === "identity"
        ? z
        : withScope(s.activationName ?? s.linearName, () =>
            z.map((zr, r) => activate(zr, s).map((v, j) => label(v, name("a", l, rowIdx(r, j)), values))),
          );
    layers.push({ index: l, weight, bias, z, a, activation: act });
    h = a;
  }

  const outputs = h.flat();
  const outF = (stages[stages.length - 1] as Stage).linear.outFeatures;
  const outputShape = batched ? [rows, outF] : [outF];
  const loss = options.loss === undefined ? null : costValue(outputs, outputShape, rows, options, values);
  return { inputs, parameters, outputs, outputShape, loss, values, layers };
}

function label(v: Value, text: string, values: Map<string, Value>): Value {
  v.label = text;
  values.set(text, v);
  return v;
}

/**
 * σ applied to one row of z: one `Value` op per neuron, the activation's op from the unary table
 * (so any activation module works), or softmax spelled out with exp, add and div.
 */
function activate(z: Value[], s: Stage): Value[] {
  if (s.scalar !== null) {
    const rule = s.scalar;
    return z.map((v) => Value._make(rule, v));
  }
  if (s.activation !== "softmax") return z;
  // exp(zⱼ − m)/Σₖ exp(zₖ − m) with the constant m = max z for stability (it cancels in the gradient)
  const m = z.reduce((acc, v) => Math.max(acc, v.data), Number.NEGATIVE_INFINITY);
  const e = z.map((v) => v.sub(m).exp());
  let total = e[0] as Value;
  for (let k = 1; k < e.length; k++) total = total.add(e[k] as Value);
  return e.map((v) => v.div(total));
}

function costValue(
  outputs: Value[],
  shape: readonly number[],
  rows: number,
  options: ExpandOptions,
  values: Map<string, Value>,
): Value {
  const op = "expandToScalars";
  const kind = options.loss;
  const t =
    options.target instanceof Tensor
      ? options.target
      : tensor(options.target as NestedNumbers[], { dtype: "float64" });
  if (t.size !== outputs.length || (t.ndim > 0 && t.shape.join() !== shape.join())) {
    throw new ChainruleError(
      `${op}: target ${fmtShape(t.shape)} must have the output's shape ${fmtShape(shape)}`,
    );
  }
  const td = readData(t);
  // Σ (a − y)², one sub and one mul node per output, summed left to right
  let cost: Value | null = null;
  for (let k = 0; k < outputs.length; k++) {
    const d = (outputs[k] as Value).sub(td[k] as number);
    const sq = d.mul(d);
    cost = cost === null ? sq : cost.add(sq);
  }
  if (cost === null) throw new ChainruleError(`${op}: the network has no outputs`);
  if (kind === "quadratic") cost = cost.div(2 * rows);
  else if (kind === "mse") cost = cost.div(outputs.length);
  return label(cost, "C", values);
}
