/**
 * The step-through of the backward pass, shared by the page `toHtml` writes (page.ts) and the
 * playground (site/): Prev / Play / Next controls and a card that shows one chain-rule step of
 * `backwardSteps` at a time (the node the gradient is at, the upstream gradient, the local
 * derivative, their product, and the input's gradient so far), with the step written as
 * mathematics by KaTeX (MathML output: no fonts, no style sheet, nothing loaded), and the
 * step's nodes and edges highlighted in the diagram.
 *
 * Browser code, bundled into the viewer's script by `npm run build:viewer` (which removes every
 * less-than sign from the built script, KaTeX's included) and into the playground by
 * `npm run site`. It reads only the steps' JSON, so it works on the page's embedded data.
 */
import katex from "katex";
import { formatNumber } from "../../format-number";
import type { BackwardStep, Quantity, StepNode } from "../backward-steps";

/** A name in text and as LaTeX math, as `HtmlPageData.objective`. */
export interface StepName {
  text: string;
  latex: string;
}

/** What {@link createStepper} needs. */
export interface StepperOptions {
  /** The rows of `backwardSteps` (from `HtmlPageData.steps` or the library). */
  steps: readonly BackwardStep[];
  /** What the gradients are of (the root's name), as in ∂L/∂node. */
  objective: StepName;
  /** Significant digits of the numbers (default 4). */
  precision?: number;
  /** The diagram whose nodes and edges are highlighted (Graphviz SVG from `renderSvg`/`toHtml`). */
  svg?: SVGSVGElement | null;
  /** Called after each move with the step shown (null when there are no steps). */
  onStep?: (step: BackwardStep | null) => void;
  /** Milliseconds between steps when playing (default 1200). */
  interval?: number;
}

/** The step-through: its element and its controls as functions. */
export interface Stepper {
  /** The `<section class="stepper">` to insert into the page. */
  readonly element: HTMLElement;
  /** The index (0-based) of the step shown. */
  index(): number;
  /** Shows step `i` (0-based, clamped). */
  go(i: number): void;
  next(): void;
  prev(): void;
  /** Starts playing from the step shown (from the first at the end); stops at the last. */
  play(): void;
  pause(): void;
  /** ← and → step (and pause playing); returns whether the key was used. */
  handleKey(e: KeyboardEvent): boolean;
  /** Stops playing and removes the highlighting from the diagram. */
  stop(): void;
}

type JsonNumber = number | string;
type Nested = JsonNumber | Nested[];

/** SVG groups of a Graphviz drawing by node id, and its edges by their ends. */
interface SvgIndex {
  nodes: Map<string, SVGGElement>;
  edges: { g: SVGGElement; from: string; to: string }[];
}

function indexSvg(svg: SVGSVGElement | null | undefined): SvgIndex {
  const index: SvgIndex = { nodes: new Map(), edges: [] };
  if (!svg) return index;
  svg.querySelectorAll<SVGGElement>("g.node").forEach((g) => {
    const id = g.getAttribute("data-node") || (g.querySelector("title")?.textContent ?? "");
    if (id) index.nodes.set(id, g);
  });
  svg.querySelectorAll<SVGGElement>("g.edge").forEach((g) => {
    const parts = (g.querySelector("title")?.textContent ?? "").split("->");
    if (parts.length === 2) index.edges.push({ g, from: parts[0] as string, to: parts[1] as string });
  });
  return index;
}

function el(tag: string, attrs: Record<string, string> | null, children: (Node | string | null)[] = []) {
  const e = document.createElement(tag);
  if (attrs) for (const k of Object.keys(attrs)) e.setAttribute(k, attrs[k] as string);
  for (const c of children)
    if (c !== null) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  return e;
}

/** A LaTeX name in parentheses unless it is one symbol. */
function wrap(latex: string): string {
  return /^([0-9.]+|[A-Za-z]|[A-Za-z]_\{[^{}]*\}|\\[a-zA-Z]+|\\mathit\{[A-Za-z0-9]+\}|\\text\{[^{}]*\})$/.test(
    latex,
  )
    ? latex
    : `(${latex})`;
}

/** ∂top/∂bottom as a LaTeX fraction. */
export function partialFrac(top: string, bottom: string): string {
  return `\\frac{\\partial ${wrap(top)}}{\\partial ${wrap(bottom)}}`;
}

/** A number formatted as the page formats it, as LaTeX (1.2e-7 → 1.2 \times 10^{-7}). */
export function numberLatex(x: JsonNumber, precision: number): string {
  const s = formatNumber(Number(x), precision);
  if (s === "NaN") return "\\text{NaN}";
  if (s === "∞") return "\\infty";
  if (s === "-∞") return "{-\\infty}";
  const m = /^(-?[0-9.]+)e([+-])([0-9]+)$/.exec(s);
  // a negative number as one group, so its minus is a sign, not an operator with spaces around it
  const sign = (t: string) => (t.charAt(0) === "-" ? `{${t}}` : t);
  if (m) return sign(`${m[1]} \\times 10^{${m[2] === "-" ? "-" : ""}${m[3]}}`);
  return sign(s);
}

/** A quantity as LaTeX: a number, a matrix of values, or its norm and shape. */
function quantityLatex(q: Quantity, precision: number, factor = false): string {
  const v = q.value as Nested | null;
  if (v === null) return `\\lVert\\cdot\\rVert = ${numberLatex(q.norm, precision)}\\ [${q.shape.join(",")}]`;
  if (!Array.isArray(v)) {
    const s = numberLatex(v, precision);
    return factor && s.startsWith("{-") ? `(${s})` : s;
  }
  const rows: Nested[] = v.length > 0 && Array.isArray(v[0]) ? v : [v];
  if (rows.some((r) => Array.isArray(r) && r.some((x) => Array.isArray(x))))
    return `\\lVert\\cdot\\rVert = ${numberLatex(q.norm, precision)}\\ [${q.shape.join(",")}]`;
  const body = rows
    .map((r) => (Array.isArray(r) ? r : [r]).map((x) => numberLatex(x as JsonNumber, precision)).join(" & "))
    .join(" \\\\ ");
  return `\\begin{bmatrix} ${body} \\end{bmatrix}`;
}

/** A quantity as text: a number, nested values, or its norm and shape. */
function quantityText(q: Quantity, precision: number): string {
  const v = q.value as Nested | null;
  if (v === null) return `‖·‖ = ${formatNumber(q.norm, precision)} [${q.shape.join(", ")}]`;
  const text = (x: Nested): string =>
    Array.isArray(x) ? `[${x.map(text).join(", ")}]` : formatNumber(Number(x), precision);
  return text(v);
}

function nodeText(n: StepNode): string {
  return `${n.number > 0 ? `#${n.number} ` : ""}${n.name}`;
}

/**
 * The LaTeX of one step, line by line: the chain rule for this edge, the local derivative's
 * formula times the upstream value, and the numbers multiplied out. (One formula per line:
 * Chromium's MathML does not align the columns of an `aligned` environment.)
 *
 * @example
 * const a = value(2, "a"), b = value(-3, "b");
 * const L = a.mul(b);
 * L.label = "L";
 * const steps = backwardSteps(L);
 * stepLatex(steps[0], { text: "L", latex: "L" }, 4).length; // 3
 * stepLatex(steps[0], { text: "L", latex: "L" }, 4)[2]; // "= 1 \\cdot ({-3}) = {-3}"
 */
export function stepLatex(s: BackwardStep, objective: StepName, precision: number): string[] {
  const top = objective.latex;
  const into = partialFrac(top, s.input.latex);
  const chain = `${partialFrac(top, s.node.latex)} \\cdot ${partialFrac(s.node.latex, s.input.latex)}`;
  const up = quantityLatex(s.upstream, precision, true);
  const result = quantityLatex(s.contribution, precision);
  const lines = [`${into} \\mathrel{\\text{+=}} ${chain}`];
  if (s.local.value === null) {
    // a Jacobian, written as what it does to ḡ = ∂L/∂node
    lines.push(`= ${s.local.latex}, \\quad \\bar{g} = ${partialFrac(top, s.node.latex)} = ${up}`);
    lines.push(`= ${result}`);
  } else {
    const local = quantityLatex(s.local.value, precision, true);
    lines.push(`= ${up} \\cdot ${wrap(s.local.latex)}`);
    lines.push(`= ${up} \\cdot ${local} = ${result}`);
  }
  return lines;
}

/** Renders LaTeX into `target` as MathML (KaTeX); a formula KaTeX rejects is shown as its source. */
export function renderMath(target: HTMLElement, latex: string, displayMode = true): void {
  katex.render(latex, target, { output: "mathml", displayMode, throwOnError: false, strict: "ignore" });
}

/** Sums of the contributions into each scalar input up to each step: ∂L/∂in so far. */
function runningTotals(steps: readonly BackwardStep[]): (number | null)[] {
  const sums = new Map<string, number | null>();
  return steps.map((s) => {
    const c = s.contribution.value;
    const prev = sums.has(s.input.id) ? (sums.get(s.input.id) as number | null) : 0;
    const next = prev === null || Array.isArray(c) || c === null ? null : prev + Number(c);
    sums.set(s.input.id, next);
    return next;
  });
}

/**
 * Builds the step-through for `options.steps`: a section with the controls and the card of the
 * first step, highlighting it in `options.svg`. Insert `element` into the page, route keys to
 * `handleKey`, and call `stop()` to leave.
 *
 * In the page (browser code: it needs a DOM):
 *
 *     const stepper = createStepper({ steps: data.steps, objective: data.objective, svg });
 *     document.body.appendChild(stepper.element);
 *     stepper.next();
 */
export function createStepper(options: StepperOptions): Stepper {
  const steps = options.steps;
  const precision = options.precision ?? 4;
  const interval = options.interval ?? 1200;
  const svg = options.svg ?? null;
  const index = indexSvg(svg);
  const totals = runningTotals(steps);
  const fmt = (x: JsonNumber) => formatNumber(Number(x), precision);
  const top = options.objective.text;
  let current = 0;
  let timer: ReturnType<typeof setInterval> | null = null;

  const prevButton = el("button", { type: "button", "data-action": "prev", title: "Previous step (←)" }, [
    "← Prev",
  ]);
  const playButton = el("button", { type: "button", "data-action": "play", title: "Play the steps" }, [
    "Play",
  ]);
  const nextButton = el("button", { type: "button", "data-action": "next", title: "Next step (→)" }, [
    "Next →",
  ]);
  const count = el("span", { class: "stepper-count", "aria-live": "polite" }, []);
  const card = el("div", { class: "stepper-card" }, []);
  const element = el("section", { class: "stepper", "aria-label": "Backward pass, step by step" }, [
    el("div", { class: "stepper-controls" }, [prevButton, playButton, nextButton, count]),
    card,
  ]);
  prevButton.addEventListener("click", () => {
    pause();
    prev();
  });
  nextButton.addEventListener("click", () => {
    pause();
    next();
  });
  playButton.addEventListener("click", () => (timer === null ? play() : pause()));

  function highlight(s: BackwardStep | null): void {
    if (svg) svg.classList.toggle("stepping", s !== null);
    index.nodes.forEach((g, id) => {
      g.classList.toggle("step-node", s !== null && id === s.node.id);
      g.classList.toggle("step-op", s !== null && id === s.node.opId);
      g.classList.toggle("step-input", s !== null && id === s.input.id);
    });
    for (const e of index.edges) {
      const on =
        s !== null &&
        ((e.from === s.input.id && e.to === s.node.opId) || (e.from === s.node.opId && e.to === s.node.id));
      e.g.classList.toggle("step-edge", on);
    }
  }

  function row(name: string, field: string, label: string, value: (Node | string)[]): HTMLElement[] {
    return [
      el("dt", { "data-term": field }, [name, el("span", { class: "stepper-sym" }, [label])]),
      el("dd", { "data-field": field }, value),
    ];
  }

  function draw(): void {
    while (card.firstChild) card.removeChild(card.firstChild);
    const s = steps[current];
    element.setAttribute("data-step", s ? String(s.step) : "0");
    count.textContent = s ? `step ${current + 1} of ${steps.length}` : "no steps";
    prevButton.toggleAttribute("disabled", !s || current === 0);
    nextButton.toggleAttribute("disabled", !s || current === steps.length - 1);
    playButton.toggleAttribute("disabled", steps.length === 0);
    playButton.textContent = timer === null ? "Play" : "Pause";
    if (!s) {
      card.appendChild(el("p", { class: "muted" }, ["No gradient flows: nothing requires grad."]));
      highlight(null);
      options.onStep?.(null);
      return;
    }
    const node = s.node.name;
    const into = s.input.name;
    const local =
      s.local.value === null
        ? [`${s.local.symbol} (a Jacobian, applied to ḡ = ∂${top}/∂${node})`]
        : [`${s.local.symbol} = ${quantityText(s.local.value, precision)}`];
    const product =
      s.local.value === null
        ? `${quantityText(s.contribution, precision)}`
        : `${quantityText(s.upstream, precision)} × ${quantityText(s.local.value, precision)} = ${quantityText(s.contribution, precision)}`;
    const total = totals[current];
    const math = el("div", { class: "stepper-math", "data-field": "math" }, []);
    stepLatex(s, options.objective, precision).forEach((line, i) => {
      const div = el("div", { class: i === 0 ? "stepper-math-line" : "stepper-math-line cont" }, []);
      renderMath(div, `\\displaystyle ${line}`, false);
      math.appendChild(div);
    });
    const dl = el("dl", null, [
      ...row("at ", "node", "", [`${nodeText(s.node)}, made by ${s.op}`]),
      ...row("upstream ", "upstream", `∂${top}/∂${node}`, [quantityText(s.upstream, precision)]),
      ...row("local ", "local", `∂${node}/∂${into}`, local),
      ...row("product ", "product", `→ ${nodeText(s.input)}`, [product]),
    ]);
    if (total !== null && total !== undefined)
      dl.append(...row("so far ", "total", `∂${top}/∂${into}`, [fmt(total)]));
    card.appendChild(
      el("p", { class: "stepper-head" }, [
        `Step ${s.step}: the gradient at ${nodeText(s.node)} flows back through ${s.op} into ${nodeText(s.input)}`,
      ]),
    );
    card.appendChild(dl);
    card.appendChild(math);
    highlight(s);
    options.onStep?.(s);
  }

  function go(i: number): void {
    current = Math.max(0, Math.min(steps.length - 1, i));
    if (steps.length === 0) current = 0;
    draw();
  }
  function next(): void {
    go(current + 1);
  }
  function prev(): void {
    go(current - 1);
  }
  function play(): void {
    if (timer !== null || steps.length === 0) return;
    if (current === steps.length - 1) current = 0;
    timer = setInterval(() => {
      if (current >= steps.length - 1) pause();
      else next();
    }, interval);
    draw();
  }
  function pause(): void {
    if (timer === null) return;
    clearInterval(timer);
    timer = null;
    playButton.textContent = "Play";
  }
  function handleKey(e: KeyboardEvent): boolean {
    if (e.altKey || e.ctrlKey || e.metaKey) return false;
    if (e.key === "ArrowRight") {
      pause();
      next();
    } else if (e.key === "ArrowLeft") {
      pause();
      prev();
    } else return false;
    e.preventDefault();
    return true;
  }
  function stop(): void {
    pause();
    highlight(null);
  }
  go(0);
  return { element, index: () => current, go, next, prev, play, pause, handleKey, stop };
}
