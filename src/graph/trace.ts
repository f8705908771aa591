/**
 * `traceGraph`: the computation graph as plain JSON data, the one representation behind the
 * diagrams, the explanations and any viewer. As in micrograd's drawings, every op is its own
 * node between its operands and its result.
 */
import { Value } from "../scalar/value";
import type { DType } from "../tensor/dtype";
import { readData } from "../tensor/storage";
import type { NestedNumbers, Tensor } from "../tensor/tensor";
import { checkInt, checkOptions } from "../validate";
import { nested } from "./format";
import { type DataNode, type GraphRoot, indexGraph, labelText, rootList } from "./walk";

/** One node of a traced graph: a data node (`"value"`, `"tensor"`) or an op node (`"op"`). */
export interface TraceNode {
  /** `n0, n1, …` in topological order (operands before ops before results). */
  id: string;
  kind: "value" | "tensor" | "op";
  /** The op that made a data node (`""` for leaves), or the op an op node applies. */
  op: string;
  /** The user's label of a data node; `null` for op nodes and unlabelled nodes. */
  label: string | null;
  /** `[]` for a `Value`; an op node has its result's shape. */
  shape: number[];
  /** Tensors and their op nodes only. */
  dtype?: DType;
  /** The number, or the tensor as nested arrays (flat and cut at `maxElements` when `truncated`); `null` for op nodes. */
  data: NestedNumbers | null;
  /** `.grad` as stored (a number for a `Value`; nested arrays or `null` for a tensor); `null` for op nodes. */
  grad: NestedNumbers | null;
  /** Whether gradients flow into this node (false for constants and detached tensors). */
  requiresGrad: boolean;
  /** Set when `data` and `grad` hold only the first `maxElements` numbers, flat. */
  truncated?: true;
  /** The module scope the node was created in (see `recordScopes`). */
  scope?: string;
}

/** An edge of a traced graph: operand → op node, or op node → result. */
export interface TraceEdge {
  from: string;
  to: string;
}

/** The result of {@link traceGraph}. */
export interface GraphTrace {
  nodes: TraceNode[];
  edges: TraceEdge[];
}

/** Options of {@link traceGraph}. */
export interface TraceOptions {
  /** Tensors with more elements than this are stored flat and cut (`truncated: true`). Default 1000. */
  maxElements?: number;
}

/**
 * The graph below `root` (or several roots) as JSON-serialisable data. Constant leaves are
 * included; every non-leaf data node is preceded by its own op node. The walk is iterative, so
 * graphs of any depth trace.
 *
 * @param root a `Value`, a `Tensor`, or an array of them
 * @returns `{ nodes, edges }` with ids `n0, n1, …` in topological order
 * @example
 * const a = value(2, "a");
 * const L = a.mul(-3).tanh();
 * const nodes = traceGraph(L).nodes.map((n) => `${n.id}:${n.kind}:${n.op}`);
 * nodes; // ["n0:value:", "n1:value:", "n2:op:mul", "n3:value:mul", "n4:op:tanh", "n5:value:tanh"]
 */
export function traceGraph(root: GraphRoot, options?: TraceOptions): GraphTrace {
  const o = checkOptions(options, "traceGraph");
  const maxElements = o.maxElements ?? 1000;
  if (maxElements !== Number.POSITIVE_INFINITY) checkInt(maxElements, "traceGraph", "maxElements");
  const graph = indexGraph(rootList(root, "traceGraph"));
  const nodes: TraceNode[] = [];
  const edges: TraceEdge[] = [];
  for (let i = 0; i < graph.nodes.length; i++) {
    const node = graph.nodes[i] as DataNode;
    const id = graph.dataIds[i] as string;
    const opId = graph.opIds[i] ?? null;
    const scope = graph.scopes[i];
    const data = dataNode(node, id, maxElements);
    if (scope !== undefined) data.scope = scope;
    if (opId !== null) {
      const op: TraceNode = {
        id: opId,
        kind: "op",
        op: node.op,
        label: null,
        shape: data.shape.slice(),
        data: null,
        grad: null,
        requiresGrad: node.requiresGrad,
      };
      if (data.dtype !== undefined) op.dtype = data.dtype;
      if (scope !== undefined) op.scope = scope;
      nodes.push(op);
      for (const p of graph.parents[i] as readonly number[])
        edges.push({ from: graph.dataIds[p] as string, to: opId });
      edges.push({ from: opId, to: id });
    }
    nodes.push(data);
  }
  return { nodes, edges };
}

function dataNode(node: DataNode, id: string, maxElements: number): TraceNode {
  const text = labelText(node);
  const label = text !== "" ? text : null;
  if (node instanceof Value) {
    return {
      id,
      kind: "value",
      op: node.op,
      label,
      shape: [],
      data: node.data,
      grad: node.grad,
      requiresGrad: node.requiresGrad,
    };
  }
  const t = node as Tensor;
  const cut = t.size > maxElements;
  const values = (x: Tensor): NestedNumbers =>
    cut ? Array.from(readData(x).subarray(0, maxElements)) : nested(readData(x), x.shape);
  const out: TraceNode = {
    id,
    kind: "tensor",
    op: t.op,
    label,
    shape: Array.from(t.shape),
    dtype: t.dtype,
    data: values(t),
    grad: t.grad === null ? null : values(t.grad),
    requiresGrad: t.requiresGrad,
  };
  if (cut) out.truncated = true;
  return out;
}
