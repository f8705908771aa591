/**
 * The walk every graph view shares: all data nodes reachable from the roots (constants and
 * non-differentiable nodes included, unlike the backward engine's sort), in topological order,
 * with the ids `n0, n1, …` that the trace, the DOT text and the explanations all use.
 */
import { scopeOf } from "../autograd/scope";
import { ChainruleError, describe } from "../errors";
import { Value } from "../scalar/value";
import { Tensor } from "../tensor/tensor";

/** A data node of a graph: a scalar `Value` or a `Tensor`. */
export type DataNode = Value | Tensor;

/** What the graph functions accept: one root or several (their graphs are drawn together). */
export type GraphRoot = DataNode | readonly DataNode[];

/** @internal The indexed graph. Index i refers to `nodes[i]` in every array. */
export interface GraphIndex {
  /** Data nodes, parents before children. */
  readonly nodes: readonly DataNode[];
  /** Position of each node in `nodes`. */
  readonly position: ReadonlyMap<DataNode, number>;
  /** Operand positions of each node (empty for leaves), in operand order. */
  readonly parents: readonly (readonly number[])[];
  /** Positions of the nodes that use each node as an operand (once per use). */
  readonly consumers: readonly (readonly number[])[];
  /** Id of each data node. */
  readonly dataIds: readonly string[];
  /** Id of the op node in front of each non-leaf data node (`null` for leaves). */
  readonly opIds: readonly (string | null)[];
  /** Module scope each node was created in, if scopes were recorded. */
  readonly scopes: readonly (string | undefined)[];
  /** Positions of the roots (deduplicated, in the order given). */
  readonly roots: readonly number[];
}

/** @internal Normalises and checks a root argument. */
export function rootList(root: GraphRoot, fn: string): DataNode[] {
  const list = Array.isArray(root) ? (root as readonly unknown[]) : [root];
  list.forEach((r, i) => {
    if (!(r instanceof Value || r instanceof Tensor)) {
      const where = Array.isArray(root) ? ` (root ${i})` : "";
      throw new ChainruleError(
        `${fn}: root must be a Value, a Tensor or an array of them, got ${describe(r)}${where}`,
      );
    }
  });
  return list as DataNode[];
}

/**
 * @internal Indexes the graph below `roots`: iterative depth-first post-order with an explicit
 * stack (deep graphs cannot overflow the call stack), so parents come before children and the
 * first root's ancestors come first. Each non-leaf node takes two ids, its op node's and then
 * its own, so ids are in topological order over the drawn graph too.
 */
export function indexGraph(roots: readonly DataNode[]): GraphIndex {
  const ENTERED = 1;
  const EMITTED = 2;
  const state = new Map<DataNode, number>();
  const nodes: DataNode[] = [];
  const stack: DataNode[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i] as DataNode);
  while (stack.length > 0) {
    const node = stack[stack.length - 1] as DataNode;
    const s = state.get(node);
    if (s === undefined) {
      state.set(node, ENTERED);
      const ps = node.parents as readonly DataNode[];
      for (let i = ps.length - 1; i >= 0; i--) {
        const p = ps[i] as DataNode;
        if (!state.has(p)) stack.push(p);
      }
    } else {
      stack.pop();
      if (s === ENTERED) {
        state.set(node, EMITTED);
        nodes.push(node);
      }
    }
  }
  const position = new Map<DataNode, number>();
  for (let i = 0; i < nodes.length; i++) position.set(nodes[i] as DataNode, i);
  const parents: number[][] = new Array(nodes.length);
  const consumers: number[][] = Array.from({ length: nodes.length }, () => []);
  const dataIds: string[] = new Array(nodes.length);
  const opIds: (string | null)[] = new Array(nodes.length);
  const scopes: (string | undefined)[] = new Array(nodes.length);
  let next = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as DataNode;
    const ps = (node.parents as readonly DataNode[]).map((p) => position.get(p) as number);
    parents[i] = ps;
    for (const p of ps) (consumers[p] as number[]).push(i);
    opIds[i] = ps.length > 0 ? `n${next++}` : null;
    dataIds[i] = `n${next++}`;
    scopes[i] = scopeOf(node);
  }
  const rootPositions = [...new Set(roots.map((r) => position.get(r) as number))];
  return { nodes, position, parents, consumers, dataIds, opIds, scopes, roots: rootPositions };
}

/**
 * @internal Which nodes one backward pass from the roots reaches (gradients flow only through
 * nodes that require grad), and their numbers in backward order: 1 for the first node the pass
 * processes, 0 for nodes it never reaches. Diagrams (`numbering`) and explanations share it.
 */
export function backwardNumbers(graph: GraphIndex): Int32Array {
  const n = graph.nodes.length;
  const reached = new Uint8Array(n);
  for (const r of graph.roots) if ((graph.nodes[r] as DataNode).requiresGrad) reached[r] = 1;
  const numbers = new Int32Array(n);
  let next = 1;
  for (let i = n - 1; i >= 0; i--) {
    if (reached[i] === 0) continue;
    numbers[i] = next++;
    for (const p of graph.parents[i] as readonly number[]) {
      if ((graph.nodes[p] as DataNode).requiresGrad) reached[p] = 1;
    }
  }
  return numbers;
}

/**
 * @internal Whether a node is a constant: a plain-number operand turned into a leaf (a `Value`
 * that does not require grad, or an unlabelled 0-d tensor leaf that does not).
 */
export function isConstant(node: DataNode): boolean {
  if (node.requiresGrad) return false;
  if (node instanceof Value) return true;
  return node.parents.length === 0 && node.ndim === 0 && labelText(node) === "";
}

/**
 * @internal A node's label as text, `""` when it has none. Labels should be strings, but one set
 * through a cast can be anything: numbers and objects are shown with `String()`, Symbols as
 * `Symbol(desc)`, and a value `String()` cannot convert (a null-prototype object, a throwing
 * `toString`) by its description. Every graph view reads labels through this.
 */
export function labelText(node: DataNode): string {
  const label: unknown = node.label;
  if (typeof label === "string") return label;
  if (label === undefined || label === null) return "";
  try {
    const text: unknown = String(label);
    return typeof text === "string" ? text : describe(label);
  } catch {
    return describe(label);
  }
}

/** @internal The name a node goes by in diagrams and explanations: its label, else its id. */
export function nodeName(graph: GraphIndex, i: number): string {
  const label = labelText(graph.nodes[i] as DataNode);
  return label !== "" ? label : (graph.dataIds[i] as string);
}
