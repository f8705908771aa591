/**
 * `toHtml`: one self-contained HTML page for a computation graph: the numbered diagram
 * (`toDot` + `renderSvg`, inlined as SVG) and a side panel that shows a node's label, op, data,
 * grad and the chain-rule steps of `backwardSteps` that touch it, on hover, click or keyboard.
 * Everything is inline (CSS, script, SVG, data as JSON): the page loads nothing, works from a
 * `file://` URL, and its Content-Security-Policy forbids any request. Browser-safe: no Node imports.
 *
 * The viewer's script and style sheet are real sources, src/graph/viewer/page.ts (type-checked
 * and linted, with the step-through of stepper.ts and KaTeX for its mathematics) and
 * src/graph/viewer/style.css, built into viewer/assets.generated.ts by `npm run build:viewer`
 * (scripts/build-viewer.ts); the built script holds no "<" at all.
 */
import { ChainruleError, describe } from "../errors";
import { toSafetensors } from "../interop/safetensors";
import { Module } from "../nn/module";
import { Tensor } from "../tensor/tensor";
import { checkInt, checkOptions as checkObject, checkString } from "../validate";
import { type BackwardStep, backwardSteps } from "./backward-steps";
import { checkPrecision } from "./format";
import { latexText } from "./latex";
import { nameGraph } from "./names";
import { type RenderSvgOptions, renderAs } from "./render";
import type { ToDotOptions } from "./to-dot";
import { type TraceEdge, type TraceNode, traceGraph } from "./trace";
import { VIEWER_SCRIPT, VIEWER_STYLE } from "./viewer/assets.generated";
import { backwardNumbers, type GraphRoot, indexGraph, rootList } from "./walk";

/** Options of {@link toHtml}. */
export interface ToHtmlOptions {
  /** The page's title and heading (default `"chainrule graph"`). */
  title?: string;
  /** Layout direction of the diagram (default `"LR"`). */
  rankdir?: ToDotOptions["rankdir"];
  /** Named groups drawn as labelled boxes, as in `toDot`. */
  clusters?: ToDotOptions["clusters"];
  /** Significant digits of the numbers in the diagram and the panel (default 4). */
  precision?: number;
  /** Tensors with more elements than this show only their first elements in the diagram (default 6). */
  maxPreview?: number;
  /** Tensors with more elements than this carry only their first elements into the panel (default 256). */
  maxElements?: number;
  /** Chain-rule steps carry a tensor's values when it has at most this many elements (default 16). */
  maxValues?: number;
  /** Collapse modules into one node each, as in `toDot` (the way to draw a big model). */
  collapse?: ToDotOptions["collapse"];
  /** The node budget of the diagram, as in `renderSvg` (default 2500). */
  maxNodes?: number;
  /** The edge budget of the diagram, as in `renderSvg` (default 5000). */
  maxEdges?: number;
  /**
   * Name unlabelled parameters by their path in this module (`0.weight`), in the diagram and the
   * explanations, as `toDot`'s `module` option does.
   */
  module?: Module;
  /**
   * A model (or a record of tensors) whose weights the page offers as a `.safetensors` download:
   * the bytes of `toSafetensors(model)` are embedded, and a button saves them as a `Blob`.
   */
  model?: Module | Readonly<Record<string, Tensor>>;
  /** The download's file name (default `"model.safetensors"`). */
  modelFileName?: string;
}

/** The weights a page offers for download (see `ToHtmlOptions.model`). */
export interface HtmlModelDownload {
  fileName: string;
  /** Size of the safetensors file in bytes. */
  bytes: number;
  /** Number of tensors in it. */
  tensors: number;
  /** The file, base64-encoded. */
  base64: string;
}

/** A node as the page's data describes it: a `traceGraph` node with its name and backward number. */
export interface HtmlNode extends TraceNode {
  /**
   * Data nodes: the name the explanations use (the label; else `L` for a one-element root,
   * `v₁, v₂, …` for other unlabelled nodes, a constant's value). Op nodes: the op.
   */
  name: string;
  /** The name as LaTeX math (`v_{1}`); op nodes: the op as `\text{…}`. */
  latex: string;
  /** Number in backward order (1 = the root, 0 = not reached), as the diagram shows it. */
  number: number;
  /** Op nodes: the operands' data ids, in order. Data nodes: `[]`. */
  inputs: string[];
  /** Op nodes: the result's data id. Data nodes: their own op node's id, `null` for leaves. */
  link: string | null;
}

/** The JSON embedded in the page (`<script type="application/json" id="chainrule-data">`). */
export interface HtmlPageData {
  title: string;
  precision: number;
  /** Data ids of the roots. */
  roots: string[];
  /**
   * What the gradients are of, as the explanations write it in ∂f/∂node: the root's name
   * (`f`, `L`), `Σy` for a root with several elements, `y + L` for several roots.
   */
  objective: { text: string; latex: string };
  nodes: HtmlNode[];
  edges: TraceEdge[];
  steps: BackwardStep[];
  /** The model's weights to download, when `toHtml` was given one; else `null`. */
  model: HtmlModelDownload | null;
}

/**
 * One self-contained HTML page showing the graph below `root` (or several roots): the diagram
 * with data nodes numbered in backward order, and a panel that shows, for the node under the
 * pointer or the selected one (click, or Tab then Enter/Space; Escape clears), its label, op,
 * data and grad (tensors: shape, dtype and values) and its chain-rule steps: upstream ∂f/∂node,
 * the local derivative (formula and value) and the contribution. A table of every step follows,
 * and a step-through mode plays them edge by edge (Prev / Play / Next, ← and →), highlighting
 * each step's nodes and edge and writing it as mathematics (KaTeX's MathML, inlined).
 * Labels can contain anything: the data is embedded as escaped JSON and written into the page
 * as text, never as markup. Non-finite numbers are embedded as the strings `"NaN"`,
 * `"Infinity"`, `"-Infinity"`.
 *
 * @param root a `Value`, a `Tensor`, or an array of them (run `backward()` first to see `.grad`)
 * @param options title, diagram layout, number format, how many values to embed
 * @returns the HTML text: save it as a `.html` file and open it, or serve it
 * @example
 * const a = value(2, "a"), b = value(-3, "b"), c = value(10, "c");
 * const L = a.mul(b).add(c).tanh();
 * L.backward();
 * const html = await toHtml(L, { title: "L = tanh(a·b + c)" });
 * html.startsWith("<!doctype html>"); // true
 */
export async function toHtml(root: GraphRoot, options?: ToHtmlOptions): Promise<string> {
  const roots = rootList(root, "toHtml");
  const o = checkOptions(options);
  const drawing: RenderSvgOptions = {
    numbering: true,
    precision: o.precision,
    maxPreview: o.maxPreview,
    ...(o.rankdir === undefined ? {} : { rankdir: o.rankdir }),
    ...(o.clusters === undefined ? {} : { clusters: o.clusters }),
    ...(o.collapse === undefined ? {} : { collapse: o.collapse }),
    ...(o.maxNodes === undefined ? {} : { maxNodes: o.maxNodes }),
    ...(o.maxEdges === undefined ? {} : { maxEdges: o.maxEdges }),
    ...(o.module === undefined ? {} : { module: o.module }),
  };
  const svg = inlineSvg(await renderAs(roots, drawing, "toHtml"));
  return page(pageData(roots, o), svg);
}

interface CheckedOptions {
  title: string;
  rankdir: ToDotOptions["rankdir"];
  clusters: ToDotOptions["clusters"];
  precision: number;
  maxPreview: number;
  maxElements: number;
  maxValues: number;
  collapse: ToDotOptions["collapse"];
  maxNodes: number | undefined;
  maxEdges: number | undefined;
  module: Module | undefined;
  model: HtmlModelDownload | null;
}

function checkOptions(options: ToHtmlOptions | undefined): CheckedOptions {
  const o = checkObject<ToHtmlOptions>(options, "toHtml");
  if (o.title !== undefined) checkString(o.title, "toHtml", "title");
  const count = (name: string, v: unknown, dflt: number): number =>
    v === undefined ? dflt : checkInt(v, "toHtml", name);
  return {
    title: o.title ?? "chainrule graph",
    rankdir: o.rankdir,
    clusters: o.clusters,
    collapse: o.collapse,
    maxNodes: o.maxNodes,
    maxEdges: o.maxEdges,
    precision: checkPrecision(o.precision, "toHtml"),
    maxPreview: count("maxPreview", o.maxPreview, 6),
    maxElements: count("maxElements", o.maxElements, 256),
    maxValues: count("maxValues", o.maxValues, 16),
    module: checkModule(o.module),
    model: modelDownload(o.model, o.modelFileName),
  };
}

function checkModule(module: unknown): Module | undefined {
  if (module !== undefined && !(module instanceof Module)) {
    throw new ChainruleError(`toHtml: module must be a Module, got ${describe(module)}`);
  }
  return module;
}

/** The safetensors bytes of `model` for the page, or null; a bad model or name throws here. */
function modelDownload(
  model: ToHtmlOptions["model"],
  fileName: string | undefined,
): HtmlModelDownload | null {
  if (fileName !== undefined) checkString(fileName, "toHtml", "modelFileName");
  if (model === undefined) {
    if (fileName !== undefined) throw new ChainruleError("toHtml: modelFileName is given but model is not");
    return null;
  }
  const isRecord =
    model !== null &&
    typeof model === "object" &&
    !(model instanceof Module) &&
    Object.values(model).every((t) => t instanceof Tensor);
  if (!(model instanceof Module) && !isRecord) {
    throw new ChainruleError(`toHtml: model must be a Module or a record of Tensors, got ${describe(model)}`);
  }
  const bytes = toSafetensors(model);
  return {
    fileName: fileName ?? "model.safetensors",
    bytes: bytes.length,
    tensors: Object.keys(model instanceof Module ? model.stateDict() : model).length,
    base64: base64(bytes),
  };
}

/** Standard base64 of `bytes` (browser-safe: no Buffer). */
function base64(bytes: Uint8Array): string {
  const chunks: string[] = [];
  for (let i = 0; i < bytes.length; i += 0x8000) {
    chunks.push(String.fromCharCode(...bytes.subarray(i, i + 0x8000)));
  }
  return btoa(chunks.join(""));
}

/** The trace, names, backward numbers and steps: everything the panel shows. */
function pageData(roots: GraphRoot, o: CheckedOptions): HtmlPageData {
  const graph = indexGraph(rootList(roots, "toHtml"));
  const numbers = backwardNumbers(graph);
  const names = nameGraph(graph, o.module);
  const info = new Map<string, { name: string; latex: string; number: number; link: string | null }>();
  const inputs = new Map<string, string[]>();
  for (let i = 0; i < graph.nodes.length; i++) {
    const id = graph.dataIds[i] as string;
    const opId = graph.opIds[i] ?? null;
    const name = names.nodes[i] as { text: string; latex: string };
    info.set(id, { name: name.text, latex: name.latex, number: numbers[i] as number, link: opId });
    if (opId !== null) {
      const op = (graph.nodes[i] as { op: string }).op;
      info.set(opId, { name: op, latex: `\\text{${latexText(op)}}`, number: 0, link: id });
      inputs.set(
        opId,
        (graph.parents[i] as readonly number[]).map((p) => graph.dataIds[p] as string),
      );
    }
  }
  const trace = traceGraph(roots, { maxElements: o.maxElements });
  const nodes = trace.nodes.map((n): HtmlNode => {
    const extra = info.get(n.id) as { name: string; latex: string; number: number; link: string | null };
    return { ...n, ...extra, inputs: inputs.get(n.id) ?? [] };
  });
  return {
    title: o.title,
    precision: o.precision,
    roots: graph.roots.map((r) => graph.dataIds[r] as string),
    objective: names.objective,
    nodes,
    edges: trace.edges,
    steps: backwardSteps(roots, {
      maxValues: o.maxValues,
      ...(o.module === undefined ? {} : { module: o.module }),
    }),
    model: o.model,
  };
}

/**
 * JSON that is safe inside `<script type="application/json">` and inside a JS string: `<`, `>`,
 * `&`, U+2028 and U+2029 become `\uXXXX` escapes (so no `</script>`, `<!--` or line separator
 * can appear), and non-finite numbers become strings (JSON has no NaN).
 *
 * @internal
 */
export function embedJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
  );
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Escapes text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Graphviz's SVG, ready to inline: comments dropped (they hold node ids only) and the namespace
 * declarations removed (the HTML parser puts `<svg>` in the SVG namespace itself), so the page
 * holds no URL at all.
 */
function inlineSvg(svg: string): string {
  return svg
    .replace(/<!--[\s\S]*?-->\n?/g, "")
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, "")
    .trim();
}

/** The page around its data and SVG. */
function page(data: HtmlPageData, svg: string): string {
  const title = escapeHtml(data.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="chainrule toHtml">
<title>${title}</title>
<style>${VIEWER_STYLE}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p id="summary"></p>
<p class="help">Hover or click a node to see its data, gradient and chain-rule steps. Keyboard: Tab to a node, Enter or Space to select it, Escape to clear. Step through the backward pass to play it edge by edge (← and → step, Escape leaves).</p>
</header>
<main>
<section id="graph" aria-label="Computation graph">
<label class="fit"><input type="checkbox" id="fit"> fit to width</label>
${svg}
</section>
<aside id="panel" aria-live="polite" aria-label="Node details">
<p class="hint">No node selected.</p>
</aside>
</main>
<section id="backward">
<h2>Backward pass, one row per edge</h2>
<table id="steps"></table>
</section>
<script type="application/json" id="chainrule-data">${embedJson(data)}</script>
<script>${VIEWER_SCRIPT}</script>
</body>
</html>
`;
}
