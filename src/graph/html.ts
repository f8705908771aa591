/**
 * `toHtml`: one self-contained HTML page for a computation graph: the numbered diagram
 * (`toDot` + `renderSvg`, inlined as SVG) and a side panel that shows a node's label, op, data,
 * grad and the chain-rule steps of `backwardSteps` that touch it, on hover, click or keyboard.
 * Everything is inline (CSS, script, SVG, data as JSON): the page loads nothing, works from a
 * `file://` URL, and its Content-Security-Policy forbids any request. Browser-safe: no Node imports.
 */
import { checkInt, checkOptions as checkObject, checkString } from "../validate";
import { type BackwardStep, backwardSteps } from "./backward-steps";
import { checkPrecision } from "./format";
import { type RenderSvgOptions, renderAs } from "./render";
import type { ToDotOptions } from "./to-dot";
import { type TraceEdge, type TraceNode, traceGraph } from "./trace";
import { backwardNumbers, type GraphRoot, indexGraph, nodeName, rootList } from "./walk";

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
}

/** A node as the page's data describes it: a `traceGraph` node with its name and backward number. */
export interface HtmlNode extends TraceNode {
  /** The label, else the id. */
  name: string;
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
  nodes: HtmlNode[];
  edges: TraceEdge[];
  steps: BackwardStep[];
}

/**
 * One self-contained HTML page showing the graph below `root` (or several roots): the diagram
 * with data nodes numbered in backward order, and a panel that shows, for the node under the
 * pointer or the selected one (click, or Tab then Enter/Space; Escape clears), its label, op,
 * data and grad (tensors: shape, dtype and values) and its chain-rule steps: upstream ∂L/∂out,
 * the local derivative (formula and value) and the contribution. A table of every step follows.
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
  };
}

/** The trace, names, backward numbers and steps: everything the panel shows. */
function pageData(roots: GraphRoot, o: CheckedOptions): HtmlPageData {
  const graph = indexGraph(rootList(roots, "toHtml"));
  const numbers = backwardNumbers(graph);
  const info = new Map<string, { name: string; number: number; link: string | null }>();
  const inputs = new Map<string, string[]>();
  for (let i = 0; i < graph.nodes.length; i++) {
    const id = graph.dataIds[i] as string;
    const opId = graph.opIds[i] ?? null;
    info.set(id, { name: nodeName(graph, i), number: numbers[i] as number, link: opId });
    if (opId !== null) {
      info.set(opId, { name: (graph.nodes[i] as { op: string }).op, number: 0, link: id });
      inputs.set(
        opId,
        (graph.parents[i] as readonly number[]).map((p) => graph.dataIds[p] as string),
      );
    }
  }
  const trace = traceGraph(roots, { maxElements: o.maxElements });
  const nodes = trace.nodes.map((n): HtmlNode => {
    const extra = info.get(n.id) as { name: string; number: number; link: string | null };
    return { ...n, ...extra, inputs: inputs.get(n.id) ?? [] };
  });
  return {
    title: o.title,
    precision: o.precision,
    roots: graph.roots.map((r) => graph.dataIds[r] as string),
    nodes,
    edges: trace.edges,
    steps: backwardSteps(roots, { maxValues: o.maxValues }),
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
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p id="summary"></p>
<p class="help">Hover or click a node to see its data, gradient and chain-rule steps. Keyboard: Tab to a node, Enter or Space to select it, Escape to clear.</p>
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
<script>${VIEWER}</script>
</body>
</html>
`;
}

const STYLE = `
:root { --accent: #d9480f; --focus: #1c7ed6; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; background: #fff; }
header { padding: 12px 20px 4px; border-bottom: 1px solid var(--line); }
h1 { font-size: 20px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 16px; margin: 12px 0 6px; overflow-wrap: anywhere; }
h3 { font-size: 13px; margin: 14px 0 4px; color: var(--muted); }
.help, .hint, .muted { color: var(--muted); margin: 4px 0; }
main { display: flex; align-items: flex-start; gap: 0; }
#graph { flex: 1 1 auto; min-width: 0; overflow: auto; padding: 12px; position: relative; }
#graph svg { display: block; max-width: none; }
#graph.fit svg { width: 100%; height: auto; }
#graph svg text { font-family: Helvetica, Arial, "Liberation Sans", "Nimbus Sans", sans-serif; }
.fit { position: sticky; left: 0; display: inline-block; font-size: 12px; color: var(--muted); margin-bottom: 6px; }
#panel { flex: 0 0 400px; max-width: 45vw; position: sticky; top: 0; max-height: 100vh; overflow: auto; padding: 12px 16px; border-left: 1px solid var(--line); background: #fafafa; }
#panel dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; }
#panel dt { color: var(--muted); }
#panel dd { margin: 0; overflow-wrap: anywhere; }
pre { margin: 0; font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre; overflow: auto; max-height: 16em; }
.num { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.step { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; margin: 6px 0; background: #fff; }
.step-head { font-weight: 600; margin-bottom: 2px; }
.step table { border-collapse: collapse; width: 100%; }
.step th { text-align: left; font-weight: normal; color: var(--muted); padding: 1px 8px 1px 0; white-space: nowrap; vertical-align: top; }
.step td { padding: 1px 0; vertical-align: top; overflow-wrap: anywhere; }
.sym { font-style: italic; }
#backward { padding: 4px 20px 24px; border-top: 1px solid var(--line); }
#steps { border-collapse: collapse; font-size: 13px; }
#steps th, #steps td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
#steps td.num { text-align: right; }
#steps tr.related td { background: #fff4e6; }
button.link { background: none; border: none; padding: 0; color: var(--focus); text-decoration: underline; cursor: pointer; font: inherit; }
g.node { cursor: pointer; }
g.node polygon, g.node ellipse, g.node path { pointer-events: all; }
g.node:focus { outline: none; }
g.node:focus-visible polygon, g.node:focus-visible ellipse { stroke: var(--focus); stroke-width: 3px; }
g.node.hovered polygon, g.node.hovered ellipse { stroke: var(--focus); stroke-width: 2px; }
g.node.selected polygon, g.node.selected ellipse { stroke: var(--accent); stroke-width: 3px; }
g.edge.related path, g.edge.related polygon { stroke: var(--accent); stroke-width: 2px; }
g.edge.related polygon { fill: var(--accent); }
@media (max-width: 800px) { main { flex-direction: column; } #panel { flex-basis: auto; max-width: none; width: 100%; position: static; border-left: none; border-top: 1px solid var(--line); } }
`;

/*
 * The viewer, plain ES2017 run by the page. It reads the JSON block, makes the SVG's node groups
 * focusable buttons, and builds the panel and the steps table with textContent only (labels are
 * never parsed as markup). It lives in a String.raw literal, so it uses no template literals
 * (no backquote, no dollar-brace), and it contains no "<" at all, so no end tag or comment
 * opener can appear (test/graph/html.test.ts checks this).
 */
const VIEWER = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chainrule-data").textContent);
  var P = data.precision;
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var svg = document.querySelector("#graph svg");
  var panel = document.getElementById("panel");
  var groups = {};
  var edges = [];
  var selected = null;
  var hovered = null;

  function num(x) {
    if (typeof x === "string") x = Number(x);
    if (x !== x) return "NaN";
    if (!isFinite(x)) return x > 0 ? "∞" : "-∞";
    if (x === 0) return "0";
    var r = Number(x.toPrecision(P));
    var a = Math.abs(r);
    if (a >= Math.pow(10, P) || 1e-4 > a) return r.toExponential(Math.max(0, P - 1)).replace(/\.?0+e/, "e");
    return String(r);
  }
  function shapeText(shape) { return "[" + shape.join(", ") + "]"; }
  function nested(v, indent) {
    if (!Array.isArray(v)) return num(v);
    if (v.length > 0 && Array.isArray(v[0])) {
      var pad = new Array(indent + 2).join(" ");
      return "[" + v.map(function (x) { return nested(x, indent + 1); }).join(",\n" + pad) + "]";
    }
    return "[" + v.map(num).join(", ") + "]";
  }
  function flat(v, out) {
    if (Array.isArray(v)) v.forEach(function (x) { flat(x, out); });
    else out.push(Number(v));
    return out;
  }
  function size(shape) { return shape.reduce(function (a, b) { return a * b; }, 1); }
  function fullName(n) { return n.kind === "op" ? n.op : (n.number > 0 ? "#" + n.number + " " : "") + n.name; }
  function refName(id) { var n = byId[id]; return n ? fullName(n) : id; }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function nodeButton(id) {
    var b = el("button", { type: "button", class: "link", "data-goto": id }, [refName(id)]);
    b.addEventListener("click", function () { select(id); focusNode(id); });
    return b;
  }
  function quantity(q) {
    if (q.value === null) return el("span", { class: "num" }, ["‖·‖ = " + num(q.norm) + " (" + shapeText(q.shape) + ")"]);
    if (Array.isArray(q.value)) return el("pre", null, [nested(q.value, 0)]);
    return el("span", { class: "num", title: String(q.value) }, [num(q.value)]);
  }
  function values(n, v) {
    if (v === null) return el("span", { class: "muted" }, ["none"]);
    if (n.kind === "value") return el("span", { class: "num", title: String(v) }, [num(v)]);
    if (n.truncated) {
      var xs = flat(v, []);
      return el("pre", null, ["[" + xs.map(num).join(", ") + ", … " + (size(n.shape) - xs.length) + " more]"]);
    }
    return el("pre", null, [nested(v, 0)]);
  }
  function norm(v) {
    var xs = flat(v, []);
    return Math.sqrt(xs.reduce(function (s, x) { return s + x * x; }, 0));
  }

  function stepBlock(s, role) {
    var out = s.node.name;
    var into = s.input.name;
    var head = role === "in"
      ? "step " + s.step + ": from " + refName(s.node.id) + " through " + s.op
      : "step " + s.step + ": " + s.op + " into " + refName(s.input.id);
    var localCell = el("td", { "data-field": "local" }, [
      el("span", { class: "sym" }, [s.local.symbol]),
      s.local.value === null ? null : " = ",
      s.local.value === null ? null : quantity(s.local.value),
    ]);
    return el("div", { class: "step", "data-step": String(s.step) }, [
      el("div", { class: "step-head" }, [head]),
      el("table", null, [
        el("tr", null, [el("th", null, ["∂L/∂" + out + " (upstream)"]), el("td", { "data-field": "upstream" }, [quantity(s.upstream)])]),
        el("tr", null, [el("th", null, ["∂" + out + "/∂" + into + " (local)"]), localCell]),
        el("tr", null, [el("th", null, ["contribution to ∂L/∂" + into]), el("td", { "data-field": "contribution" }, [quantity(s.contribution)])]),
      ]),
    ]);
  }

  function dataPanel(n) {
    var kids = [];
    kids.push(el("h2", { id: "panel-title" }, [fullName(n)]));
    var kind = n.kind === "tensor" ? "tensor" : "value";
    var made = n.link === null ? "leaf" : "made by " + n.op;
    var flags = [];
    if (data.roots.indexOf(n.id) >= 0) flags.push("root");
    if (!n.requiresGrad) flags.push("no grad");
    kids.push(el("p", { class: "muted" }, [kind + ", " + made + (flags.length ? " (" + flags.join(", ") + ")" : "")]));
    var dl = el("dl", null, [
      el("dt", null, ["label"]), el("dd", { "data-field": "label" }, [n.label === null ? "—" : n.label]),
      el("dt", null, ["id"]), el("dd", { "data-field": "id" }, [n.id]),
      el("dt", null, ["op"]), el("dd", { "data-field": "op" }, [n.link === null ? "— (leaf)" : n.op]),
    ]);
    if (n.link !== null) {
      var op = byId[n.link];
      var operands = el("dd", { "data-field": "operands" }, []);
      (op ? op.inputs : []).forEach(function (id, i) {
        if (i > 0) operands.appendChild(document.createTextNode(", "));
        operands.appendChild(nodeButton(id));
      });
      dl.appendChild(el("dt", null, ["operands"]));
      dl.appendChild(operands);
    }
    if (n.kind === "tensor") {
      dl.appendChild(el("dt", null, ["shape"]));
      dl.appendChild(el("dd", { "data-field": "shape" }, [shapeText(n.shape) + " (" + size(n.shape) + " elements)"]));
      dl.appendChild(el("dt", null, ["dtype"]));
      dl.appendChild(el("dd", { "data-field": "dtype" }, [n.dtype || ""]));
    }
    dl.appendChild(el("dt", null, ["data"]));
    dl.appendChild(el("dd", { "data-field": "data" }, [values(n, n.data)]));
    dl.appendChild(el("dt", null, ["grad"]));
    dl.appendChild(el("dd", { "data-field": "grad" }, [values(n, n.grad)]));
    var incoming = data.steps.filter(function (s) { return s.input.id === n.id; });
    var outgoing = data.steps.filter(function (s) { return s.node.id === n.id; });
    if (n.grad === null && outgoing.length > 0) {
      // a tensor that is not a leaf keeps no .grad: its gradient is the upstream of its own steps
      dl.appendChild(el("dt", null, ["∂L/∂" + n.name]));
      dl.appendChild(el("dd", { "data-field": "upstream-grad" }, [quantity(outgoing[0].upstream), el("span", { class: "muted" }, [" (from the backward pass; .grad is kept on leaves only)"])]));
    }
    if (n.kind === "tensor" && !n.truncated && size(n.shape) > 1) {
      dl.appendChild(el("dt", null, ["‖data‖"]));
      dl.appendChild(el("dd", { class: "num" }, [num(norm(n.data))]));
      if (n.grad !== null) {
        dl.appendChild(el("dt", null, ["‖grad‖"]));
        dl.appendChild(el("dd", { class: "num" }, [num(norm(n.grad))]));
      }
    }
    kids.push(dl);
    var inSection = el("section", { "data-section": "received" }, [el("h3", null, ["gradient received: ∂L/∂" + n.name])]);
    if (incoming.length === 0) {
      inSection.appendChild(el("p", { class: "muted" }, [
        data.roots.indexOf(n.id) >= 0 ? "The root: the backward pass starts here with ∂L/∂L = 1."
          : n.requiresGrad ? "No gradient flows into this node." : "Not differentiated (constant or detached).",
      ]));
    } else {
      incoming.forEach(function (s) { inSection.appendChild(stepBlock(s, "in")); });
      if (incoming.length > 1) inSection.appendChild(el("p", { class: "muted" }, ["∂L/∂" + n.name + " is the sum of these " + incoming.length + " contributions."]));
    }
    kids.push(inSection);
    if (outgoing.length > 0) {
      var outSection = el("section", { "data-section": "pushed" }, [el("h3", null, ["pushed to operands"])]);
      outgoing.forEach(function (s) { outSection.appendChild(stepBlock(s, "out")); });
      kids.push(outSection);
    }
    return kids;
  }

  function opPanel(n) {
    var kids = [];
    kids.push(el("h2", { id: "panel-title" }, ["op " + n.op]));
    var operands = el("dd", { "data-field": "operands" }, []);
    n.inputs.forEach(function (id, i) {
      if (i > 0) operands.appendChild(document.createTextNode(", "));
      operands.appendChild(nodeButton(id));
    });
    var dl = el("dl", null, [
      el("dt", null, ["id"]), el("dd", { "data-field": "id" }, [n.id]),
      el("dt", null, ["op"]), el("dd", { "data-field": "op" }, [n.op]),
      el("dt", null, ["operands"]), operands,
      el("dt", null, ["result"]), el("dd", { "data-field": "result" }, [nodeButton(n.link)]),
    ]);
    if (n.shape.length > 0) {
      dl.appendChild(el("dt", null, ["shape"]));
      dl.appendChild(el("dd", { "data-field": "shape" }, [shapeText(n.shape)]));
    }
    kids.push(dl);
    var steps = data.steps.filter(function (s) { return s.node.opId === n.id; });
    var section = el("section", { "data-section": "pushed" }, [el("h3", null, ["chain rule through " + n.op])]);
    if (steps.length === 0) section.appendChild(el("p", { class: "muted" }, ["No gradient flows through this op."]));
    steps.forEach(function (s) { section.appendChild(stepBlock(s, "out")); });
    kids.push(section);
    return kids;
  }

  function render() {
    var id = hovered || selected;
    Object.keys(groups).forEach(function (k) {
      var g = groups[k];
      g.classList.toggle("selected", k === selected);
      g.classList.toggle("hovered", k === hovered && k !== selected);
      g.setAttribute("aria-pressed", k === selected ? "true" : "false");
    });
    edges.forEach(function (e) { e.g.classList.toggle("related", id !== null && (e.from === id || e.to === id)); });
    document.querySelectorAll("#steps tr[data-step]").forEach(function (tr) {
      var s = data.steps[Number(tr.getAttribute("data-step")) - 1];
      tr.classList.toggle("related", !!s && id !== null && (s.input.id === id || s.node.id === id || s.node.opId === id));
    });
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    panel.setAttribute("data-node", id || "");
    if (id === null || !byId[id]) {
      panel.appendChild(el("p", { class: "hint" }, ["No node selected."]));
      return;
    }
    var n = byId[id];
    var kids = n.kind === "op" ? opPanel(n) : dataPanel(n);
    if (hovered && hovered !== selected) kids.unshift(el("p", { class: "muted", id: "panel-mode" }, ["preview (click or press Enter to select)"]));
    kids.forEach(function (k) { panel.appendChild(k); });
  }

  function select(id) { selected = id; hovered = null; render(); }
  function preview(id) { if (hovered === id) return; hovered = id; render(); }
  function focusNode(id) { var g = groups[id]; if (g) g.focus(); }

  svg.querySelectorAll("g.node").forEach(function (g) {
    var t = g.querySelector("title");
    var id = t ? t.textContent : "";
    var n = byId[id];
    if (!n) return;
    groups[id] = g;
    var desc = n.kind === "op" ? "op " + n.op : fullName(n) + (n.kind === "value" ? ", data " + num(n.data) + (n.grad === null ? "" : ", grad " + num(n.grad)) : ", tensor " + shapeText(n.shape));
    t.textContent = desc;
    g.setAttribute("data-node", id);
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", desc);
    g.addEventListener("click", function (e) { e.stopPropagation(); select(id); });
    g.addEventListener("mouseenter", function () { preview(id); });
    g.addEventListener("mouseleave", function () { preview(null); });
    g.addEventListener("focus", function () { preview(id); });
    g.addEventListener("blur", function () { preview(null); });
    g.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " " || e.key === "Spacebar") { e.preventDefault(); select(id); }
    });
  });
  svg.querySelectorAll("g.edge").forEach(function (g) {
    var t = g.querySelector("title");
    var parts = (t ? t.textContent : "").split("->");
    if (parts.length !== 2) return;
    edges.push({ g: g, from: parts[0], to: parts[1] });
  });
  svg.addEventListener("click", function () { select(null); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") select(null); });
  document.getElementById("fit").addEventListener("change", function (e) {
    document.getElementById("graph").classList.toggle("fit", e.target.checked);
  });

  var table = document.getElementById("steps");
  var headRow = el("tr", null, ["step", "node", "op", "∂L/∂out", "∂out/∂in", "local", "contribution", "into"].map(function (h) { return el("th", { scope: "col" }, [h]); }));
  table.appendChild(el("thead", null, [headRow]));
  var body = el("tbody", null, []);
  function cell(q) { return q.value !== null && !Array.isArray(q.value) ? num(q.value) : "‖·‖ " + num(q.norm); }
  data.steps.forEach(function (s) {
    body.appendChild(el("tr", { "data-step": String(s.step) }, [
      el("td", { class: "num" }, [String(s.step)]),
      el("td", null, [nodeButton(s.node.id)]),
      el("td", null, [s.op]),
      el("td", { class: "num" }, [cell(s.upstream)]),
      el("td", { class: "sym" }, [s.local.symbol]),
      el("td", { class: "num" }, [s.local.value === null ? "—" : cell(s.local.value)]),
      el("td", { class: "num" }, [cell(s.contribution)]),
      el("td", null, [nodeButton(s.input.id)]),
    ]));
  });
  table.appendChild(body);
  if (data.steps.length === 0) table.appendChild(el("caption", null, ["No gradient flows: nothing requires grad."]));

  document.getElementById("summary").textContent = data.roots.map(function (id) {
    var n = byId[id];
    if (n.kind === "value" || size(n.shape) === 1) return n.name + " = " + num(flat(n.data, [])[0]);
    return n.name + ": tensor " + shapeText(n.shape) + " " + (n.dtype || "");
  }).join(" · ") + " · " + data.nodes.filter(function (n) { return n.kind !== "op"; }).length + " data nodes, "
    + data.nodes.filter(function (n) { return n.kind === "op"; }).length + " ops, " + data.steps.length + " chain-rule steps";
  // a graph a little wider than its pane is scaled to fit; a much wider one scrolls
  var pane = document.getElementById("graph");
  var natural = svg.getBoundingClientRect().width;
  if (natural > pane.clientWidth && pane.clientWidth / natural >= 0.6) {
    pane.classList.add("fit");
    document.getElementById("fit").checked = true;
  }
  document.documentElement.setAttribute("data-ready", "true");
})();
`;
