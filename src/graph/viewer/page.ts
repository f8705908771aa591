/**
 * The script of the page `toHtml` writes, run by the browser. It reads the JSON block, makes the
 * SVG's node groups focusable buttons, and builds the panel and the steps table with textContent
 * only (labels are never parsed as markup).
 *
 * This is browser code, not part of the library's modules: `npm run build:viewer` bundles it
 * (with the number formatter it imports) into one ES2017 script, and src/graph/viewer/style.css
 * into minified CSS, both written as strings to assets.generated.ts, which html.ts inlines.
 * The built script must contain no less-than sign at all, so that no end tag or comment opener
 * can appear in the page (the build refuses one, and test/graph/html.test.ts checks the page):
 * comparisons here are written with `>` and `>=`.
 */
import { formatNumber } from "../../format-number";
import type { BackwardStep, Quantity } from "../backward-steps";
import type { HtmlNode, HtmlPageData } from "../html";
import { stepColumns } from "../step-columns";
import { createStepper, type Stepper } from "./stepper";

/** Non-finite numbers arrive as the strings "NaN", "Infinity", "-Infinity" (see `embedJson`). */
type JsonNumber = number | string;
type JsonNested = JsonNumber | JsonNested[];
type Child = Node | string | null | undefined;

const byIdOrThrow = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const data = JSON.parse(byIdOrThrow("chainrule-data").textContent ?? "null") as HtmlPageData;
const P = data.precision;
const byId: Record<string, HtmlNode> = {};
data.nodes.forEach((n) => {
  byId[n.id] = n;
});
const svg = document.querySelector("#graph svg") as SVGSVGElement;
const panel = byIdOrThrow("panel");
const groups: Record<string, SVGGElement> = {};
const edges: { g: SVGGElement; from: string; to: string }[] = [];
let selected: string | null = null;
let hovered: string | null = null;

function num(x: JsonNumber): string {
  return formatNumber(Number(x), P);
}
function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
function nested(v: JsonNested, indent: number): string {
  if (!Array.isArray(v)) return num(v);
  if (v.length > 0 && Array.isArray(v[0])) {
    const pad = " ".repeat(indent + 1);
    return `[${v.map((x) => nested(x, indent + 1)).join(`,\n${pad}`)}]`;
  }
  return `[${v.map((x) => num(x as JsonNumber)).join(", ")}]`;
}
function flat(v: JsonNested, out: number[]): number[] {
  if (Array.isArray(v)) for (const x of v) flat(x, out);
  else out.push(Number(v));
  return out;
}
function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
function fullName(n: HtmlNode): string {
  return n.kind === "op" ? n.op : (n.number > 0 ? `#${n.number} ` : "") + n.name;
}
function refName(id: string): string {
  const n = byId[id];
  return n ? fullName(n) : id;
}

function el(tag: string, attrs: Record<string, string> | null, children: Child[] = []): HTMLElement {
  const e = document.createElement(tag);
  if (attrs) for (const k of Object.keys(attrs)) e.setAttribute(k, attrs[k] as string);
  children.forEach((c) => {
    if (c === null || c === undefined) return;
    e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  });
  return e;
}
function nodeButton(id: string): HTMLElement {
  const b = el("button", { type: "button", class: "link", "data-goto": id }, [refName(id)]);
  b.addEventListener("click", () => {
    select(id);
    focusNode(id);
  });
  return b;
}
function quantity(q: Quantity): HTMLElement {
  if (q.value === null) return el("span", { class: "num" }, [`‖·‖ = ${num(q.norm)} (${shapeText(q.shape)})`]);
  if (Array.isArray(q.value)) return el("pre", null, [nested(q.value, 0)]);
  return el("span", { class: "num", title: String(q.value) }, [num(q.value)]);
}
function values(n: HtmlNode, v: JsonNested | null): HTMLElement {
  if (v === null) return el("span", { class: "muted" }, ["none"]);
  if (n.kind === "value") return el("span", { class: "num", title: String(v) }, [num(v as JsonNumber)]);
  if (n.truncated) {
    const xs = flat(v, []);
    return el("pre", null, [`[${xs.map(num).join(", ")}, … ${size(n.shape) - xs.length} more]`]);
  }
  return el("pre", null, [nested(v, 0)]);
}
function norm(v: JsonNested): number {
  const xs = flat(v, []);
  return Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
}

function stepBlock(s: BackwardStep, role: "in" | "out"): HTMLElement {
  const out = s.node.name;
  const into = s.input.name;
  const head =
    role === "in"
      ? `step ${s.step}: from ${refName(s.node.id)} through ${s.op}`
      : `step ${s.step}: ${s.op} into ${refName(s.input.id)}`;
  const localCell = el("td", { "data-field": "local" }, [
    el("span", { class: "sym" }, [s.local.symbol]),
    s.local.value === null ? null : " = ",
    s.local.value === null ? null : quantity(s.local.value),
  ]);
  return el("div", { class: "step", "data-step": String(s.step) }, [
    el("div", { class: "step-head" }, [head]),
    el("table", null, [
      el("tr", null, [
        el("th", null, [`∂L/∂${out} (upstream)`]),
        el("td", { "data-field": "upstream" }, [quantity(s.upstream)]),
      ]),
      el("tr", null, [el("th", null, [`∂${out}/∂${into} (local)`]), localCell]),
      el("tr", null, [
        el("th", null, [`contribution to ∂L/∂${into}`]),
        el("td", { "data-field": "contribution" }, [quantity(s.contribution)]),
      ]),
    ]),
  ]);
}

function operandList(ids: readonly string[]): HTMLElement {
  const operands = el("dd", { "data-field": "operands" }, []);
  ids.forEach((id, i) => {
    if (i > 0) operands.appendChild(document.createTextNode(", "));
    operands.appendChild(nodeButton(id));
  });
  return operands;
}

function dataPanel(n: HtmlNode): HTMLElement[] {
  const kids: HTMLElement[] = [];
  kids.push(el("h2", { id: "panel-title" }, [fullName(n)]));
  const kind = n.kind === "tensor" ? "tensor" : "value";
  const made = n.link === null ? "leaf" : `made by ${n.op}`;
  const flags: string[] = [];
  if (data.roots.indexOf(n.id) >= 0) flags.push("root");
  if (!n.requiresGrad) flags.push("no grad");
  kids.push(el("p", { class: "muted" }, [`${kind}, ${made}${flags.length ? ` (${flags.join(", ")})` : ""}`]));
  const dl = el("dl", null, [
    el("dt", null, ["label"]),
    el("dd", { "data-field": "label" }, [n.label === null ? "—" : n.label]),
    el("dt", null, ["id"]),
    el("dd", { "data-field": "id" }, [n.id]),
    el("dt", null, ["op"]),
    el("dd", { "data-field": "op" }, [n.link === null ? "— (leaf)" : n.op]),
  ]);
  if (n.link !== null) {
    const op = byId[n.link];
    dl.appendChild(el("dt", null, ["operands"]));
    dl.appendChild(operandList(op ? op.inputs : []));
  }
  if (n.kind === "tensor") {
    dl.appendChild(el("dt", null, ["shape"]));
    dl.appendChild(
      el("dd", { "data-field": "shape" }, [`${shapeText(n.shape)} (${size(n.shape)} elements)`]),
    );
    dl.appendChild(el("dt", null, ["dtype"]));
    dl.appendChild(el("dd", { "data-field": "dtype" }, [n.dtype || ""]));
  }
  dl.appendChild(el("dt", null, ["data"]));
  dl.appendChild(el("dd", { "data-field": "data" }, [values(n, n.data)]));
  dl.appendChild(el("dt", null, ["grad"]));
  dl.appendChild(el("dd", { "data-field": "grad" }, [values(n, n.grad)]));
  const incoming = data.steps.filter((s) => s.input.id === n.id);
  const outgoing = data.steps.filter((s) => s.node.id === n.id);
  const first = outgoing[0];
  if (n.grad === null && first !== undefined) {
    // a tensor that is not a leaf keeps no .grad: its gradient is the upstream of its own steps
    dl.appendChild(el("dt", null, [`∂L/∂${n.name}`]));
    dl.appendChild(
      el("dd", { "data-field": "upstream-grad" }, [
        quantity(first.upstream),
        el("span", { class: "muted" }, [" (from the backward pass; .grad is kept on leaves only)"]),
      ]),
    );
  }
  if (n.kind === "tensor" && !n.truncated && size(n.shape) > 1) {
    dl.appendChild(el("dt", null, ["‖data‖"]));
    dl.appendChild(el("dd", { class: "num" }, [num(norm(n.data as JsonNested))]));
    if (n.grad !== null) {
      dl.appendChild(el("dt", null, ["‖grad‖"]));
      dl.appendChild(el("dd", { class: "num" }, [num(norm(n.grad))]));
    }
  }
  kids.push(dl);
  const inSection = el("section", { "data-section": "received" }, [
    el("h3", null, [`gradient received: ∂L/∂${n.name}`]),
  ]);
  if (incoming.length === 0) {
    inSection.appendChild(
      el("p", { class: "muted" }, [
        data.roots.indexOf(n.id) >= 0
          ? "The root: the backward pass starts here with ∂L/∂L = 1."
          : n.requiresGrad
            ? "No gradient flows into this node."
            : "Not differentiated (constant or detached).",
      ]),
    );
  } else {
    for (const s of incoming) inSection.appendChild(stepBlock(s, "in"));
    if (incoming.length > 1)
      inSection.appendChild(
        el("p", { class: "muted" }, [`∂L/∂${n.name} is the sum of these ${incoming.length} contributions.`]),
      );
  }
  kids.push(inSection);
  if (outgoing.length > 0) {
    const outSection = el("section", { "data-section": "pushed" }, [el("h3", null, ["pushed to operands"])]);
    for (const s of outgoing) outSection.appendChild(stepBlock(s, "out"));
    kids.push(outSection);
  }
  return kids;
}

function opPanel(n: HtmlNode): HTMLElement[] {
  const kids: HTMLElement[] = [];
  kids.push(el("h2", { id: "panel-title" }, [`op ${n.op}`]));
  const dl = el("dl", null, [
    el("dt", null, ["id"]),
    el("dd", { "data-field": "id" }, [n.id]),
    el("dt", null, ["op"]),
    el("dd", { "data-field": "op" }, [n.op]),
    el("dt", null, ["operands"]),
    operandList(n.inputs),
    el("dt", null, ["result"]),
    el("dd", { "data-field": "result" }, [nodeButton(n.link as string)]),
  ]);
  if (n.shape.length > 0) {
    dl.appendChild(el("dt", null, ["shape"]));
    dl.appendChild(el("dd", { "data-field": "shape" }, [shapeText(n.shape)]));
  }
  kids.push(dl);
  const steps = data.steps.filter((s) => s.node.opId === n.id);
  const section = el("section", { "data-section": "pushed" }, [
    el("h3", null, [`chain rule through ${n.op}`]),
  ]);
  if (steps.length === 0)
    section.appendChild(el("p", { class: "muted" }, ["No gradient flows through this op."]));
  for (const s of steps) section.appendChild(stepBlock(s, "out"));
  kids.push(section);
  return kids;
}

function render(): void {
  const id = hovered || selected;
  Object.keys(groups).forEach((k) => {
    const g = groups[k] as SVGGElement;
    g.classList.toggle("selected", k === selected);
    g.classList.toggle("hovered", k === hovered && k !== selected);
    g.setAttribute("aria-pressed", k === selected ? "true" : "false");
  });
  edges.forEach((e) => {
    e.g.classList.toggle("related", id !== null && (e.from === id || e.to === id));
  });
  document.querySelectorAll("#steps tr[data-step]").forEach((tr) => {
    const s = data.steps[Number(tr.getAttribute("data-step")) - 1];
    tr.classList.toggle(
      "related",
      !!s && id !== null && (s.input.id === id || s.node.id === id || s.node.opId === id),
    );
  });
  while (panel.firstChild) panel.removeChild(panel.firstChild);
  panel.setAttribute("data-node", id || "");
  const n = id === null ? undefined : byId[id];
  if (n === undefined) {
    panel.appendChild(el("p", { class: "hint" }, ["No node selected."]));
    return;
  }
  const kids = n.kind === "op" ? opPanel(n) : dataPanel(n);
  if (hovered && hovered !== selected)
    kids.unshift(el("p", { class: "muted", id: "panel-mode" }, ["preview (click or press Enter to select)"]));
  for (const k of kids) panel.appendChild(k);
}

function select(id: string | null): void {
  selected = id;
  hovered = null;
  render();
}
function preview(id: string | null): void {
  if (hovered === id) return;
  hovered = id;
  render();
}
function focusNode(id: string): void {
  const g = groups[id];
  if (g) g.focus();
}

svg.querySelectorAll<SVGGElement>("g.node").forEach((g) => {
  const t = g.querySelector("title");
  const id = t ? (t.textContent ?? "") : "";
  const n = byId[id];
  if (!n || !t) return;
  groups[id] = g;
  const desc =
    n.kind === "op"
      ? `op ${n.op}`
      : fullName(n) +
        (n.kind === "value"
          ? `, data ${num(n.data as JsonNumber)}${n.grad === null ? "" : `, grad ${num(n.grad as JsonNumber)}`}`
          : `, tensor ${shapeText(n.shape)}`);
  t.textContent = desc;
  g.setAttribute("data-node", id);
  g.setAttribute("tabindex", "0");
  g.setAttribute("role", "button");
  g.setAttribute("aria-label", desc);
  g.addEventListener("click", (e) => {
    e.stopPropagation();
    select(id);
  });
  g.addEventListener("mouseenter", () => preview(id));
  g.addEventListener("mouseleave", () => preview(null));
  g.addEventListener("focus", () => preview(id));
  g.addEventListener("blur", () => preview(null));
  g.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " " || e.key === "Spacebar") {
      e.preventDefault();
      select(id);
    }
  });
});
svg.querySelectorAll<SVGGElement>("g.edge").forEach((g) => {
  const t = g.querySelector("title");
  const parts = (t ? (t.textContent ?? "") : "").split("->");
  if (parts.length !== 2) return;
  edges.push({ g, from: parts[0] as string, to: parts[1] as string });
});
svg.addEventListener("click", () => select(null));
document.addEventListener("keydown", (e) => {
  if (stepper?.handleKey(e)) return;
  if (e.key === "Escape") {
    if (stepper) leaveStepMode();
    else select(null);
  }
});
byIdOrThrow<HTMLInputElement>("fit").addEventListener("change", (e) => {
  byIdOrThrow("graph").classList.toggle("fit", (e.target as HTMLInputElement).checked);
});

const table = byIdOrThrow("steps");
const headRow = el(
  "tr",
  null,
  stepColumns(data.objective.text).map((h) => el("th", { scope: "col" }, [h])),
);
table.appendChild(el("thead", null, [headRow]));
const body = el("tbody", null, []);
function cell(q: Quantity): string {
  return q.value !== null && !Array.isArray(q.value) ? num(q.value) : `‖·‖ ${num(q.norm)}`;
}
data.steps.forEach((s) => {
  body.appendChild(
    el("tr", { "data-step": String(s.step) }, [
      el("td", { class: "num" }, [String(s.step)]),
      el("td", null, [nodeButton(s.node.id)]),
      el("td", null, [s.op]),
      el("td", { class: "num" }, [cell(s.upstream)]),
      el("td", { class: "sym" }, [s.local.symbol]),
      el("td", { class: "num" }, [s.local.value === null ? "—" : cell(s.local.value)]),
      el("td", { class: "num" }, [cell(s.contribution)]),
      el("td", null, [nodeButton(s.input.id)]),
    ]),
  );
});
table.appendChild(body);
if (data.steps.length === 0)
  table.appendChild(el("caption", null, ["No gradient flows: nothing requires grad."]));

byIdOrThrow("summary").textContent =
  data.roots
    .map((id) => {
      const n = byId[id] as HtmlNode;
      if (n.kind === "value" || size(n.shape) === 1)
        return `${n.name} = ${num(flat(n.data as JsonNested, [])[0] as number)}`;
      return `${n.name}: tensor ${shapeText(n.shape)} ${n.dtype || ""}`;
    })
    .join(" · ") +
  ` · ${data.nodes.filter((n) => n.kind !== "op").length} data nodes, ` +
  `${data.nodes.filter((n) => n.kind === "op").length} ops, ${data.steps.length} chain-rule steps`;
// a graph a little wider than its pane is scaled to fit; a much wider one scrolls
const pane = byIdOrThrow("graph");
const natural = svg.getBoundingClientRect().width;
if (natural > pane.clientWidth && pane.clientWidth / natural >= 0.6) {
  pane.classList.add("fit");
  byIdOrThrow<HTMLInputElement>("fit").checked = true;
}

// step mode: the backward pass edge by edge (stepper.ts), above the diagram
let stepper: Stepper | null = null;
const stepButton = el("button", { type: "button", id: "step-mode", "aria-pressed": "false" }, [
  "Step through the backward pass",
]);
const stepHolder = el("div", { id: "stepper" }, []);
stepHolder.hidden = true;
function enterStepMode(): void {
  stepper = createStepper({
    steps: data.steps,
    objective: data.objective,
    precision: P,
    svg,
    onStep: (s) => {
      document.querySelectorAll("#steps tr[data-step]").forEach((tr) => {
        tr.classList.toggle("current", !!s && tr.getAttribute("data-step") === String(s.step));
      });
    },
  });
  stepHolder.appendChild(stepper.element);
  stepHolder.hidden = false;
  stepButton.setAttribute("aria-pressed", "true");
  stepButton.textContent = "Leave step mode";
  (stepper.element.querySelector("[data-action=next]") as HTMLElement | null)?.focus();
}
function leaveStepMode(): void {
  if (!stepper) return;
  stepper.stop();
  stepper = null;
  while (stepHolder.firstChild) stepHolder.removeChild(stepHolder.firstChild);
  stepHolder.hidden = true;
  stepButton.setAttribute("aria-pressed", "false");
  stepButton.textContent = "Step through the backward pass";
  document.querySelectorAll("#steps tr.current").forEach((tr) => {
    tr.classList.remove("current");
  });
}
stepButton.addEventListener("click", () => (stepper ? leaveStepMode() : enterStepMode()));
if (data.steps.length === 0) stepButton.setAttribute("disabled", "");
byIdOrThrow("summary").after(stepButton);

// the model's weights, when toHtml was given a model: a Blob of the embedded safetensors bytes
if (data.model) {
  const model = data.model;
  const kB =
    model.bytes >= 1e6 ? `${(model.bytes / 1e6).toFixed(1)} MB` : `${(model.bytes / 1e3).toFixed(1)} kB`;
  const download = el("button", { type: "button", id: "download-model" }, [
    `Download ${model.fileName} (${model.tensors} tensors, ${kB})`,
  ]);
  download.addEventListener("click", () => {
    const text = atob(model.base64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; text.length > i; i++) bytes[i] = text.charCodeAt(i);
    const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
    const link = el("a", { href: url, download: model.fileName }, []);
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  stepButton.after(download);
}
(document.querySelector("main") as HTMLElement).before(stepHolder);
document.documentElement.setAttribute("data-ready", "true");
