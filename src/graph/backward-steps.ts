/**
 * `backwardSteps`: one backward pass recomputed from a root, recorded edge by edge as the
 * chain rule applies it: ∂L/∂in += ∂L/∂out · ∂out/∂in. The text, Markdown and LaTeX
 * explanations render these rows; viewers can use them directly (ids match `traceGraph`).
 * Nodes are named as in the explanations (labels, `L`, `v₁, v₂, …`: see names.ts), and each
 * local derivative is written in the names of the op's operands.
 */
import { noGrad } from "../autograd/grad-mode";
import { Module } from "../nn/module";
import { Value } from "../scalar/value";
import { ones } from "../tensor/creation";
import { readData } from "../tensor/storage";
import type { NestedNumbers, Tensor } from "../tensor/tensor";
import { checkOptions, fail } from "../validate";
import { nested, norm } from "./format";
import { type GraphNames, type NodeName, nameGraph } from "./names";
import {
  isElementwise,
  type LetterRole,
  localSymbol,
  nameFormula,
  operandLetters,
  powerRule,
} from "./symbols";
import {
  backwardNumbers,
  type DataNode,
  type GraphIndex,
  type GraphRoot,
  indexGraph,
  isConstant,
  rootList,
} from "./walk";

/** A node as the rows refer to it. */
export interface StepNode {
  /** The data node's id in `traceGraph` / `toDot`. */
  id: string;
  /** The id of the op node in front of it (`null` for leaves). */
  opId: string | null;
  /** Its number in backward order (1 = the root), as `toDot(…, { numbering: true })` shows it. */
  number: number;
  /**
   * Its name in the explanations: its label; else `L` for the root of a one-element result,
   * and `v₁, v₂, …` for the other unlabelled nodes, numbered in topological order (a number is
   * skipped when a label reads like it, e.g. `v1`).
   */
  name: string;
  /** The name as LaTeX math (`v_{1}`, `\mathit{w1}`). */
  latex: string;
  /** `[]` for a `Value`. */
  shape: number[];
}

/** A number or tensor in a row: always its shape and norm, its values when small. */
export interface Quantity {
  shape: number[];
  /** The number, or nested arrays for a tensor of at most `maxValues` elements, else `null`. */
  value: NestedNumbers | null;
  /** The Euclidean norm (|x| for a number). */
  norm: number;
}

/** One application of the chain rule, along one edge of the graph (one operand of one op). */
export interface BackwardStep {
  /** 1, 2, … in the order the backward pass applies them. */
  step: number;
  /** The op's result, whose gradient is being pushed back. */
  node: StepNode;
  /** The op that made `node`. */
  op: string;
  /** Which operand of the op `input` is (0-based). */
  operand: number;
  /** The operand the contribution flows into. */
  input: StepNode;
  /** ∂L/∂out: the gradient of `node` (L: the root), complete when this row runs. */
  upstream: Quantity;
  /**
   * ∂out/∂in: its formula, and its value where it is a number per element (scalars, elementwise
   * ops on same-shape inputs, and one-element results, where it is the gradient of out).
   * Otherwise `value` is `null` and `symbol` says what the Jacobian does to ḡ = ∂L/∂out.
   * The formula names the operands: `2·x` for ∂(x²)/∂x, `y` for ∂(x·y)/∂x, `ḡ·W1ᵀ` for the
   * first input of `h.matmul(W1)`; `latex` is the same formula as LaTeX math.
   */
  local: { symbol: string; latex: string; value: Quantity | null };
  /** upstream × local: what this edge adds to ∂L/∂in. */
  contribution: Quantity;
}

/** Options of {@link backwardSteps}. */
export interface BackwardStepsOptions {
  /** Tensors of at most this many elements carry their values in the rows. Default 16. */
  maxValues?: number;
  /** Name unlabelled parameters by their path in this module (`0.weight`), as `toDot` does. */
  module?: Module;
}

/**
 * Recomputes one backward pass from `root` (seeded with 1, or ones for a tensor with several
 * elements: the gradient of its sum) and returns one row per edge the gradient flows along, in
 * backward order. Reads and writes no `.grad`.
 *
 * @example
 * const a = value(2, "a"), b = value(-3, "b");
 * const L = a.mul(b);
 * L.label = "L";
 * const steps = backwardSteps(L);
 * steps.map((s) => `${s.node.name} → ${s.input.name}`); // ["L → a", "L → b"]
 * steps.map((s) => s.contribution.value);               // [-3, 2]
 */
export function backwardSteps(root: GraphRoot, options?: BackwardStepsOptions): BackwardStep[] {
  return stepsAs(root, options, "backwardSteps");
}

/** @internal `backwardSteps` with `fn` naming the public function in error messages. */
export function stepsAs(
  root: GraphRoot,
  options: BackwardStepsOptions | undefined,
  fn: string,
): BackwardStep[] {
  return namedStepsAs(root, options, fn).steps;
}

/** @internal The steps, and what their gradients are of (the root's name, `Σy`, …). */
export function namedStepsAs(
  root: GraphRoot,
  options: BackwardStepsOptions | undefined,
  fn: string,
): { steps: BackwardStep[]; objective: NodeName } {
  const o = checkOptions(options, fn);
  const maxValues = o.maxValues === undefined ? 16 : checkMaxValues(o.maxValues, fn);
  const graph = indexGraph(rootList(root, fn));
  const numbers = backwardNumbers(graph);
  if (o.module !== undefined && !(o.module instanceof Module)) fail(fn, "module", "a Module", o.module);
  const names = nameGraph(graph, o.module);
  const quantity = (g: number | Tensor): Quantity => toQuantity(g, maxValues);
  const grads: (number | Tensor | undefined)[] = new Array(graph.nodes.length);
  for (const r of graph.roots) {
    const node = graph.nodes[r] as DataNode;
    if (node.requiresGrad) grads[r] = node instanceof Value ? 1 : ones(node.shape, { dtype: node.dtype });
  }
  const steps: BackwardStep[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const g = grads[i];
    const parents = graph.parents[i] as readonly number[];
    if (numbers[i] === 0 || g === undefined || parents.length === 0) continue;
    const node = graph.nodes[i] as DataNode;
    const rule = localRule(node, g);
    for (let j = 0; j < parents.length; j++) {
      const p = parents[j] as number;
      const c = rule.contributions[j];
      if (c === null || c === undefined || !(graph.nodes[p] as DataNode).requiresGrad) continue;
      const local = rule.local(j);
      const formula = localFormula(graph, names, i, j);
      steps.push({
        step: steps.length + 1,
        node: stepNode(graph, numbers, names, i),
        op: node.op,
        operand: j,
        input: stepNode(graph, numbers, names, p),
        upstream: quantity(g),
        local: {
          symbol: formula.text,
          latex: formula.latex,
          value: local === null ? null : quantity(local),
        },
        contribution: quantity(c),
      });
      const prev = grads[p];
      grads[p] = prev === undefined ? c : addGrads(prev, c);
    }
  }
  return { steps, objective: names.objective };
}

/** A count of values: an integer ≥ 0, or `Infinity` for all of them. */
function checkMaxValues(v: unknown, fn: string): number {
  if (v === Number.POSITIVE_INFINITY) return v;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    fail(fn, "maxValues", "an integer ≥ 0 or Infinity", v);
  return v;
}

/** The chain rule at one node: contributions to each operand and local derivatives. */
interface LocalRule {
  readonly contributions: readonly (number | Tensor | null | undefined)[];
  local(operand: number): number | Tensor | null;
}

/**
 * The local derivative of node `i` with respect to its operand `j`, in the operands' names:
 * the op's formula (`Value`'s own strings for scalars, `tensorSymbols` for tensors) with its
 * letters replaced (a, b the operands, x the input, y the result, A, B for matmul…), and the
 * power rule worked out for a constant exponent (`2·x` for ∂(x²)/∂x, not b·aᵇ⁻¹).
 */
function localFormula(graph: GraphIndex, names: GraphNames, i: number, j: number): NodeName {
  const node = graph.nodes[i] as DataNode;
  const parents = graph.parents[i] as readonly number[];
  const name = (role: LetterRole): NodeName =>
    names.nodes[role === "result" ? i : (parents[role] as number)] as NodeName;
  const exponent = parents[1] === undefined ? undefined : (graph.nodes[parents[1]] as DataNode);
  if (node.op === "pow" && j === 0 && exponent !== undefined && isConstant(exponent)) {
    const c = exponent instanceof Value ? exponent.data : (readData(exponent)[0] as number);
    return nameFormula(powerRule(c), { a: 0 }, name);
  }
  let formula: string;
  if (node instanceof Value) {
    const rule = node._op as NonNullable<Value["_op"]>;
    formula = rule.symbols[j] ?? `∂${rule.name}/∂x${j}`;
  } else {
    formula = localSymbol(node.op, j);
  }
  return nameFormula(formula, operandLetters(node.op, parents.length), name);
}

function localRule(node: DataNode, g: number | Tensor): LocalRule {
  if (node instanceof Value) {
    const rule = node._op as NonNullable<Value["_op"]>;
    const [a, b] = node.parents as readonly Value[];
    const av = (a as Value).data;
    const bv = b === undefined ? 0 : b.data;
    const locals = rule.local.map((f) => f(av, bv, node.data));
    return {
      contributions: [...node._vjp(g as number)], // _vjp reuses its result array
      local: (j) => locals[j] ?? null,
    };
  }
  const t = node as Tensor;
  const contributions = noGrad(() => t._vjp(g as Tensor));
  // vjp(ones) is ∂out/∂in itself when out has one element (its gradient) or the op is
  // elementwise on an input of out's shape (the Jacobian's diagonal).
  let locals: readonly (Tensor | null)[] | undefined;
  const local = (j: number): Tensor | null => {
    const input = t.parents[j] as Tensor;
    const defined = t.size === 1 || (isElementwise(t.op) && sameShape(input.shape, t.shape));
    if (!defined) return null;
    locals ??= noGrad(() => t._vjp(ones(t.shape, { dtype: t.dtype })));
    return locals[j] ?? null;
  };
  return { contributions, local };
}

function addGrads(a: number | Tensor, b: number | Tensor): number | Tensor {
  if (typeof a === "number") return a + (b as number);
  return noGrad(() => a.add(b as Tensor));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function toQuantity(x: number | Tensor, maxValues: number): Quantity {
  if (typeof x === "number") return { shape: [], value: x, norm: Math.abs(x) };
  const data = readData(x);
  return {
    shape: Array.from(x.shape),
    value: x.size <= maxValues ? nested(data, x.shape) : null,
    norm: norm(data),
  };
}

function stepNode(graph: GraphIndex, numbers: Int32Array, names: GraphNames, i: number): StepNode {
  const node = graph.nodes[i] as DataNode;
  const name = names.nodes[i] as NodeName;
  return {
    id: graph.dataIds[i] as string,
    opId: graph.opIds[i] ?? null,
    number: numbers[i] as number,
    name: name.text,
    latex: name.latex,
    shape: node instanceof Value ? [] : Array.from(node.shape),
  };
}
