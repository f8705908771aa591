/**
 * `toDot`: Graphviz DOT text for a computation graph, drawn as micrograd draws it: a record per
 * data node (label | data | grad) and a small node per op between its operands and its result.
 * Modules can be boxed (`clusters`) or folded into one node each (`collapse`).
 */
import { fmtShape } from "../errors";
import { Module, type Parameter } from "../nn/module";
import { Value } from "../scalar/value";
import { readData } from "../tensor/storage";
import type { Tensor } from "../tensor/tensor";
import {
  checkBoolean,
  checkInt,
  checkOptions as checkObject,
  checkOneOf,
  checkString,
  fail,
} from "../validate";
import {
  type DotAttrs,
  type DotCluster,
  type DotEdge,
  type DotGraph,
  type DotNode,
  printDot,
  recordLabel,
} from "./dot";
import { checkPrecision, formatNumber, previewData } from "./format";
import { type Group, type GroupSpec, resolveGroups, topLevelScopes } from "./groups";
import { nameGraph } from "./names";
import {
  backwardNumbers,
  type DataNode,
  type GraphIndex,
  type GraphRoot,
  indexGraph,
  isConstant,
  labelText,
  rootList,
} from "./walk";

/** Options of {@link toDot}. */
export interface ToDotOptions {
  /**
   * Layout direction: `"LR"` (left to right), `"TB"` (top to bottom), `"RL"` or `"BT"`. By
   * default a drawing is left to right, as micrograd draws it, unless that would be wider than
   * a screen (about {@link MAX_WIDTH_PT} points, 1400 px, by an estimate from the labels' lengths
   * and the graph's depth) or it groups modules (`clusters` or `collapse`): then it is top to
   * bottom, where a deep network grows downwards instead of sideways.
   */
  rankdir?: "LR" | "TB" | "RL" | "BT";
  /** Show each data node's `.grad` (default true). */
  showGrad?: boolean;
  /** Significant digits of numbers (default 4). */
  precision?: number;
  /**
   * Named groups drawn as labelled boxes, e.g. `{ "layer 1": model[0], "inputs": [x] }`; or a
   * model: one box per child module, labelled "name: Type" (`"0: Conv2d"`). Run the forward pass
   * inside `recordScopes(fn, model)` so that every module's ops, parameterless ones included, are
   * found by name.
   */
  clusters?: Record<string, GroupSpec> | Module;
  /**
   * Fold groups into one node each, labelled with the group's name, module type, ops and
   * parameter shapes: `true` folds every top-level recorded scope (each child of a `Sequential`
   * or `nn.scalar.MLP` run inside `recordScopes`); a record folds the named groups and a model each
   * of its children, as `clusters`.
   */
  collapse?: boolean | Record<string, GroupSpec> | Module;
  /**
   * A model whose parameters are shown under their names in it, the keys of its `stateDict()`
   * (`0.weight`, or `layers.0.neurons.1.w.0` for `nn.scalar.MLP`'s scalar weights), unless they
   * have a label of their own. Parameters of a module given in `clusters` are otherwise shown
   * under their names inside that module (`weight`).
   */
  module?: Module;
  /**
   * Prefix data nodes with their number in backward order (`#1` is the root), as `explainBackward`
   * numbers them, and show unlabelled ones under the names the explanations give them (`L` for
   * the root, `v₁, v₂, …`).
   */
  numbering?: boolean;
  /** A title above the graph. */
  title?: string;
  /** Tensors with more elements than this show only their first elements (default 6). */
  maxPreview?: number;
  /**
   * Draw far uses of a much-used node from a copy of it (default true). A data node used by more
   * than {@link ALIAS_MIN_USES} ops keeps a real edge to each use at most {@link ALIAS_MAX_SPAN}
   * layers to its right; each further use gets a small dashed box with the node's name next to
   * it instead of a long edge. Graphviz's layered layout routes a long edge through every layer
   * it crosses, so without copies `x+x+…+x` with n terms makes about n² routing points and takes
   * minutes to lay out at a few hundred terms. `false` draws every edge.
   */
  aliases?: boolean;
}

/** Nodes used by more ops than this get copies for their far uses (see `ToDotOptions.aliases`). */
export const ALIAS_MIN_USES = 2;
/** Uses more layers away than this (op and data nodes each count one) are drawn from a copy. */
export const ALIAS_MAX_SPAN = 8;
/**
 * Widest drawing (in points, 1400 px at Graphviz's 96 px per 72 pt) laid out left to right by
 * default; a graph whose left-to-right drawing is estimated wider is drawn top to bottom.
 */
export const MAX_WIDTH_PT = 1050;

const RANKDIRS = ["LR", "TB", "RL", "BT"] as const;

/**
 * The DOT text of the graph below `root` (or several roots). Every label is escaped, so any
 * label text gives valid DOT; render it with `renderSvg` or any Graphviz.
 *
 * @param root a `Value`, a `Tensor`, or an array of them
 * @param options layout, number format, clusters, collapsing, numbering, title
 * @returns DOT source text
 * @example
 * const a = value(2, "a"), b = value(-3, "b");
 * const L = a.mul(b);
 * L.label = "L";
 * L.backward();
 * toDot(L);
 * // digraph chainrule {
 * //   graph [rankdir=LR];
 * //   node [fontname=Helvetica, fontsize=11];
 * //   n0 [shape=record, style=filled, fillcolor="#eef4ff", label="{ a | data 2 | grad -3 }"];
 * //   n1 [shape=record, style=filled, fillcolor="#eef4ff", label="{ b | data -3 | grad 2 }"];
 * //   n2 [shape=ellipse, label=mul];
 * //   n3 [shape=record, label="{ L | data -6 | grad 1 }"];
 * //   n0 -> n2;
 * //   n1 -> n2;
 * //   n2 -> n3;
 * // }
 */
export function toDot(root: GraphRoot, options?: ToDotOptions): string {
  return printDot(dotGraph(root, options, "toDot"));
}

/**
 * @internal The drawing `toDot` prints, as data (`renderSvg` counts its nodes and edges before
 * laying it out). `fn` names the public function in error messages.
 */
export function dotGraph(root: GraphRoot, options: ToDotOptions | undefined, fn: string): DotGraph {
  const opts = checkOptions(options, fn);
  const graph = indexGraph(rootList(root, fn));
  const n = graph.nodes.length;
  const numbers = opts.numbering ? backwardNumbers(graph) : null;

  // Collapsed groups first; clusters then share out the nodes that are still drawn.
  const folded = new Int32Array(n).fill(-1);
  const collapseSpecs =
    opts.collapse === true ? topLevelScopes(graph) : opts.collapse ? Object.entries(opts.collapse) : [];
  const collapsed = resolveGroups(graph, collapseSpecs, folded, fn, "collapse");
  const boxed = folded.map((g) => (g === -1 ? -1 : -2));
  const clusters = resolveGroups(graph, Object.entries(opts.clusters), boxed, fn, "clusters");
  const ranks = opts.aliases ? layers(graph) : null;

  const paramNames = parameterNames(opts.clusters, opts.module);
  // numbered drawings go with the explanations: their names for the unlabelled nodes
  const explained = opts.numbering ? nameGraph(graph, paramNames).nodes : null;
  const nameOf = (i: number): string => {
    const node = graph.nodes[i] as DataNode;
    const own = labelText(node) || paramNames.get(node);
    if (own) return own;
    return explained !== null && !isConstant(node) ? (explained[i]?.text ?? "") : "";
  };

  const rep = (i: number, id: string): string => (folded[i] === -1 ? id : groupId(folded[i] as number));
  const nodes: DotNode[] = [];
  const edges: DotEdge[] = [];
  const seenEdges = new Set<string>();
  const emittedGroups = new Set<number>();
  const emittedAliases = new Set<string>();
  const addEdge = (from: string, to: string, dedupe: boolean, attrs?: DotAttrs) => {
    if (from === to) return;
    if (dedupe) {
      // edges to or from a collapsed group: one per pair of drawn nodes
      const key = `${from}->${to}`;
      if (seenEdges.has(key)) return;
      seenEdges.add(key);
    }
    edges.push(attrs ? { from, to, attrs } : { from, to });
  };
  for (let i = 0; i < n; i++) {
    const opId = graph.opIds[i] ?? null;
    const dataId = graph.dataIds[i] as string;
    const g = folded[i] as number;
    if (g !== -1 && !emittedGroups.has(g)) {
      emittedGroups.add(g);
      nodes.push({ id: groupId(g), attrs: collapsedAttrs(graph, collapsed[g] as Group) });
    }
    if (g === -1) {
      if (opId !== null) nodes.push({ id: opId, attrs: { shape: "ellipse", label: graph.nodes[i]?.op } });
      const node = graph.nodes[i] as DataNode;
      nodes.push({ id: dataId, attrs: dataAttrs(node, nameOf(i), numbers?.[i] ?? 0, opts) });
    }
    if (opId === null) continue;
    const to = rep(i, opId);
    for (const p of graph.parents[i] as readonly number[]) {
      if (ranks !== null && g === -1 && folded[p] === -1 && isFarUse(graph, ranks, p, i)) {
        // a copy of p next to this use instead of a long edge (one per op, even if used twice)
        const alias = `${graph.dataIds[p]}_${opId}`;
        if (!emittedAliases.has(alias)) {
          emittedAliases.add(alias);
          const node = graph.nodes[p] as DataNode;
          nodes.push({
            id: alias,
            attrs: aliasAttrs(node, nameOf(p), numbers?.[p] ?? 0, opts),
          });
        }
        addEdge(alias, to, false);
        continue;
      }
      const from = rep(p, graph.dataIds[p] as string);
      const entering = g === -1 && folded[p] === -1 && entersBoxBesideLeaf(graph, boxed, p, i);
      addEdge(from, to, folded[p] !== -1 || g !== -1, entering ? { minlen: 2 } : undefined);
    }
    addEdge(to, rep(i, dataId), g !== -1);
  }

  const grouped = clusters.some((c) => c.members.length > 0) || collapsed.length > 0;
  const rankdir =
    opts.rankdir ?? (grouped || estimatedWidth(nodes, edges, opts.title) > MAX_WIDTH_PT ? "TB" : "LR");
  const graphAttrs: DotAttrs =
    opts.title === undefined
      ? { rankdir }
      : { rankdir, label: opts.title, labelloc: "t", fontname: "Helvetica" };
  return {
    name: "chainrule",
    graphAttrs,
    nodeAttrs: { fontname: "Helvetica", fontsize: 11 },
    edgeAttrs: {},
    nodes,
    edges,
    clusters: clusterBoxes(graph, clusters),
  };
}

/** Width of a text in 11 pt Helvetica, in points (0.52 em per character, about the average of digits and lower case). */
const textPt = (text: string) => [...text].length * 11 * 0.52;

/**
 * The width (points) of a node drawn left to right: a record's fields side by side, each its
 * text plus Graphviz's margins; an ellipse or box its longest line plus margins.
 */
function nodeWidthLR(attrs: DotAttrs): number {
  const label = attrs.label;
  if (typeof label === "object") {
    // a record label "{ f1 | f2 | … }" from recordLabel: fields are split at unescaped "|"
    const fields = label.raw
      .replace(/^\{ | \}$/g, "")
      .split(/(?<!\\) \| /)
      .map((f) => f.replace(/\\(.)/g, "$1"));
    return fields.reduce((w, f) => w + textPt(f) + 16, 0);
  }
  const lines = String(label ?? "").split("\n");
  const text = Math.max(...lines.map(textPt));
  return attrs.shape === "ellipse" ? Math.max(54, text * 1.25 + 12) : Math.max(54, text + 16);
}

/**
 * Estimated width (points) of the drawing laid out left to right: every node sits in the layer
 * after its deepest input (longest path), each layer is as wide as its widest node, and layers
 * are 0.5 in (36 pt) apart, as Graphviz's `dot` places them.
 */
/** @internal */
export function estimatedWidth(nodes: readonly DotNode[], edges: readonly DotEdge[], title?: string): number {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const inputs: number[][] = nodes.map(() => []);
  const outputs: number[][] = nodes.map(() => []);
  for (const e of edges) {
    const [a, b] = [index.get(e.from), index.get(e.to)];
    if (a === undefined || b === undefined) continue;
    outputs[a]?.push(b);
    inputs[b]?.push(a);
  }
  // longest path from a source, in topological order (Kahn)
  const layer = new Int32Array(nodes.length);
  const waiting = inputs.map((xs) => xs.length);
  const ready = nodes.map((_, i) => i).filter((i) => waiting[i] === 0);
  while (ready.length > 0) {
    const i = ready.pop() as number;
    for (const j of outputs[i] as number[]) {
      layer[j] = Math.max(layer[j] as number, (layer[i] as number) + 1);
      if (--(waiting[j] as number) === 0) ready.push(j);
    }
  }
  const widest = new Map<number, number>();
  nodes.forEach((n, i) => {
    const l = layer[i] as number;
    widest.set(l, Math.max(widest.get(l) ?? 0, nodeWidthLR(n.attrs)));
  });
  let width = 16 + 36 * (widest.size - 1);
  for (const w of widest.values()) width += w;
  return Math.max(width, title === undefined ? 0 : (textPt(title) * 14) / 11 + 16);
}

/**
 * Estimated layer of each data node in a left-to-right layered layout: a non-leaf sits two layers
 * (its op node, then itself) right of its deepest operand; a leaf just left of its first use.
 */
function layers(graph: GraphIndex): Int32Array {
  const n = graph.nodes.length;
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let r = -1;
    for (const p of graph.parents[i] as readonly number[])
      if ((rank[p] as number) + 1 > r) r = (rank[p] as number) + 1;
    rank[i] = r + 1; // leaves: 0 for now
  }
  for (let i = 0; i < n; i++) {
    const uses = graph.consumers[i] as readonly number[];
    if ((graph.parents[i] as readonly number[]).length > 0 || uses.length === 0) continue;
    let first = Number.POSITIVE_INFINITY;
    for (const c of uses) first = Math.min(first, (rank[c] as number) - 1);
    rank[i] = first - 1;
  }
  return rank;
}

/**
 * Whether the edge from data node p into the op of node i enters i's box from outside while a
 * leaf of the box (a parameter used only there) feeds the same op. Such an edge gets
 * `minlen=2`: the leaf then sits one layer after p instead of level with it, so the box starts
 * below (or after) the box p comes from rather than beside it, and a network of boxes stacks
 * along the layout direction instead of spreading into a staircase.
 */
function entersBoxBesideLeaf(graph: GraphIndex, box: Int32Array, p: number, i: number): boolean {
  const k = box[i] as number;
  if (k < 0 || box[p] === k || (graph.parents[p] as readonly number[]).length === 0) return false;
  return (graph.parents[i] as readonly number[]).some(
    (q) =>
      box[q] === k &&
      (graph.parents[q] as readonly number[]).length === 0 &&
      (graph.consumers[q] as readonly number[]).every((c) => c === i),
  );
}

/** Whether the edge from data node p into the op of node i is a far use of a much-used node. */
function isFarUse(graph: GraphIndex, rank: Int32Array, p: number, i: number): boolean {
  if ((graph.consumers[p] as readonly number[]).length <= ALIAS_MIN_USES) return false;
  return (rank[i] as number) - 1 - (rank[p] as number) > ALIAS_MAX_SPAN;
}

/** A copy of a data node drawn next to a far use: its head (number, label) or its data, dashed. */
function aliasAttrs(node: DataNode, label: string, number: number, o: CheckedOptions): DotAttrs {
  const head = number > 0 ? `#${number}${label ? ` ${label}` : ""}` : label;
  const text =
    head !== ""
      ? head
      : node instanceof Value
        ? `data ${formatNumber(node.data, o.precision)}`
        : `${fmtShape(node.shape)} ${node.dtype}`;
  return {
    shape: "box",
    style: "dashed,rounded",
    color: "#888888",
    fontcolor: "#555555",
    label: text,
    tooltip: `copy of ${text}`,
  };
}

/**
 * Names of unlabelled parameters: their path in `module` ("0.weight"), else their name in the
 * clustered module that holds them ("weight").
 */
function parameterNames(clusters: Record<string, GroupSpec>, module?: Module): Map<DataNode, string> {
  const names = new Map<DataNode, string>();
  if (module !== undefined) for (const [name, p] of module.namedParameters()) names.set(p, name);
  for (const spec of Object.values(clusters)) {
    if (!(spec instanceof Module)) continue;
    for (const [name, p] of spec.namedParameters()) if (!names.has(p)) names.set(p, name);
  }
  return names;
}

/** One box per non-empty cluster, holding its data nodes and their op nodes. */
function clusterBoxes(graph: GraphIndex, clusters: readonly Group[]): DotCluster[] {
  return clusters
    .filter((c) => c.members.length > 0)
    .map((c, k) => ({
      id: `cluster_${k}`,
      // the name at the box's left: edges enter a box near its middle, and would cross a centred name
      attrs: { label: c.name, labeljust: "l", style: "rounded", color: "#888888", fontname: "Helvetica" },
      nodes: c.members.flatMap((i) => {
        const opId = graph.opIds[i];
        return opId ? [opId, graph.dataIds[i] as string] : [graph.dataIds[i] as string];
      }),
    }));
}

interface CheckedOptions {
  rankdir: string | undefined;
  showGrad: boolean;
  precision: number;
  clusters: Record<string, GroupSpec>;
  collapse: boolean | Record<string, GroupSpec>;
  module: Module | undefined;
  numbering: boolean;
  title: string | undefined;
  maxPreview: number;
  aliases: boolean;
}

function checkOptions(options: ToDotOptions | undefined, fn: string): CheckedOptions {
  const o = checkObject<ToDotOptions>(options, fn);
  const rankdir = o.rankdir === undefined ? undefined : checkOneOf(o.rankdir, RANKDIRS, fn, "rankdir");
  if (o.module !== undefined && !(o.module instanceof Module)) fail(fn, "module", "a Module", o.module);
  const record = (name: string, v: unknown): Record<string, GroupSpec> => {
    if (v === undefined) return {};
    if (v instanceof Module) return childGroups(v);
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      fail(fn, name, "an object of named groups or a Module", v);
    }
    return v as Record<string, GroupSpec>;
  };
  if (o.title !== undefined) checkString(o.title, fn, "title");
  const maxPreview = o.maxPreview === undefined ? 6 : checkInt(o.maxPreview, fn, "maxPreview");
  return {
    rankdir,
    showGrad: checkBoolean(o.showGrad, fn, "showGrad", true),
    precision: checkPrecision(o.precision, fn),
    clusters: record("clusters", o.clusters),
    collapse: typeof o.collapse === "boolean" ? o.collapse : record("collapse", o.collapse),
    module: o.module,
    numbering: checkBoolean(o.numbering, fn, "numbering", false),
    title: o.title,
    maxPreview,
    aliases: checkBoolean(o.aliases, fn, "aliases", true),
  };
}

/**
 * One group per child of `model`, named "name: Type" ("0: Conv2d", "self_attn: MultiheadAttention"):
 * the child itself when it has parameters (its parameters and the scope they are used in), else
 * its scope path (a parameterless module's ops are found only through recorded scopes).
 */
function childGroups(model: Module): Record<string, GroupSpec> {
  const out: Record<string, GroupSpec> = {};
  for (const [name, child] of model.namedChildren())
    out[`${name}: ${child.constructor.name}`] = child.parameters().length > 0 ? child : name;
  return out;
}

const groupId = (k: number) => `g${k}`;

/** A data node's record: [#number] label | data | grad (tensors: shape and dtype too). */
function dataAttrs(node: DataNode, label: string, number: number, o: CheckedOptions): DotAttrs {
  const fields: string[] = [];
  const head = number > 0 ? `#${number}${label ? ` ${label}` : ""}` : label;
  if (head !== "") fields.push(head);
  const constant = isConstant(node);
  if (node instanceof Value) {
    fields.push(`data ${formatNumber(node.data, o.precision)}`);
    if (o.showGrad && !constant) fields.push(`grad ${formatNumber(node.grad, o.precision)}`);
  } else {
    const t = node as Tensor;
    const preview = (x: Tensor) =>
      previewData(readData(x), x.shape, o.precision, o.maxPreview, x.dtype === "bool");
    fields.push(`${fmtShape(t.shape)} ${t.dtype}`);
    fields.push(`data ${preview(t)}`);
    if (o.showGrad && !constant) fields.push(`grad ${t.grad === null ? "—" : preview(t.grad)}`);
  }
  const style = constant
    ? { style: "dashed" }
    : node.parents.length === 0 && node.requiresGrad
      ? { style: "filled", fillcolor: "#eef4ff" }
      : {};
  return { shape: "record", ...style, label: recordLabel(fields) };
}

/** A collapsed group: name, module type, ops inside, parameter shapes. */
function collapsedAttrs(graph: GraphIndex, group: Group): DotAttrs {
  const lines = [group.name];
  const spec = group.spec;
  if (spec instanceof Module) lines.push(spec.constructor.name);
  const ops = [...new Set(group.members.map((i) => graph.nodes[i]?.op).filter((op) => op))];
  if (ops.length > 0) lines.push(ops.length > 4 ? `${ops.slice(0, 4).join(", ")}, …` : ops.join(", "));
  const params: [string, Parameter][] =
    spec instanceof Module
      ? spec.namedParameters()
      : group.members
          .map((i) => graph.nodes[i] as DataNode)
          .filter((x) => x.parents.length === 0 && x.requiresGrad)
          .map((x) => [labelText(x), x]);
  for (const line of parameterLines(params)) lines.push(line);
  return { shape: "box", style: "rounded,filled", fillcolor: "#f2f2f2", label: lines.join("\n") };
}

/** `weight [4,3]` per tensor parameter (at most 6 lines), scalar parameters counted. */
function parameterLines(params: readonly [string, Parameter][]): string[] {
  const tensors = params.filter(([, p]) => !(p instanceof Value)) as [string, Tensor][];
  const scalars = params.length - tensors.length;
  const lines = tensors.map(([name, t]) => (name ? `${name} ${fmtShape(t.shape)}` : fmtShape(t.shape)));
  const shown = lines.length > 6 ? [...lines.slice(0, 5), `… ${lines.length - 5} more`] : lines;
  if (scalars > 0) shown.push(`${scalars} scalar parameter${scalars === 1 ? "" : "s"}`);
  return shown;
}
