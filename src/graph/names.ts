/**
 * The names explanations give the nodes of a graph, in text and in LaTeX: a node's label where
 * it has one; a constant's value; `L` for an unlabelled one-element root; and `v₁, v₂, …` for
 * every other unlabelled node, numbered in topological order (inputs first, as in a textbook's
 * evaluation trace). The generated names never read like a user's: when a label already uses
 * the letter (`v`, `v0`, `v_1`, `v₂`), they take the next free one of u, t, s, r, q (`u₁, u₂, …`),
 * and if every letter is taken, numbers that a label reads like are skipped. In LaTeX the
 * generated names are `v_{k}`, single-letter labels stay math letters and longer labels are
 * `\mathit{…}` or `\text{…}`. Given a module, its unlabelled parameters are named by their
 * path in it (`0.weight`, `layers.0.neurons.1.w.0`), as `toDot`'s `module` option draws them.
 */
import type { Module } from "../nn/module";
import { Value } from "../scalar/value";
import { readData } from "../tensor/storage";
import { formatNumber } from "./format";
import { latexMath, latexText } from "./latex";
import { type DataNode, type GraphIndex, isConstant, labelText } from "./walk";

/** A name in both notations. */
export interface NodeName {
  /** Plain text (Unicode), as the text and Markdown explanations print it. */
  text: string;
  /** LaTeX math (no `$`), as the LaTeX explanation prints it. */
  latex: string;
}

/** @internal The names of a graph's nodes and of the quantity its gradients are of. */
export interface GraphNames {
  /** One name per node, by position in the `GraphIndex`. */
  readonly nodes: readonly NodeName[];
  /**
   * What the backward pass differentiates: the root's name (`f`, `L`), `Σy` for a root with
   * several elements (its gradient is that of its sum), `y + L` for several roots.
   */
  readonly objective: NodeName;
}

const SUBSCRIPT_DIGITS = "₀₁₂₃₄₅₆₇₈₉";

/** `k` written with subscript digits: 12 → "₁₂". */
function subscript(k: number): string {
  return Array.from(String(k), (d) => SUBSCRIPT_DIGITS[Number(d)]).join("");
}

/** A label as a letter and a number, if it reads like one: "v1", "v_1", "v₁", "v_{1}" → ["v", 1]; "v" → ["v", null]. */
function letterNumber(label: string): [string, number | null] | null {
  const plain = label
    .trim()
    .replace(/[₀-₉]/g, (d) => String(SUBSCRIPT_DIGITS.indexOf(d)))
    .replace(/[_{}\s]/g, "");
  const m = /^([a-z])(\d*)$/.exec(plain);
  return m ? [m[1] as string, m[2] === "" ? null : Number(m[2])] : null;
}

/** The letters generated names may use, in order of preference. */
const LETTERS = ["v", "u", "t", "s", "r", "q"];

const GREEK: Record<string, string> = {
  α: "\\alpha",
  β: "\\beta",
  γ: "\\gamma",
  δ: "\\delta",
  ε: "\\varepsilon",
  η: "\\eta",
  θ: "\\theta",
  λ: "\\lambda",
  μ: "\\mu",
  σ: "\\sigma",
  τ: "\\tau",
  φ: "\\phi",
  ω: "\\omega",
};

/**
 * A label as LaTeX math: one Latin letter as itself, one Greek letter as its command, an
 * identifier (`w1`, `out`) in math italic, anything else as `\text{…}`. A label is never written
 * with a subscript, so the label `v1` (`\mathit{v1}`) cannot be read as the generated `v_{1}`.
 *
 * @example
 * labelLatex("x");     // "x"
 * labelLatex("w1");    // "\\mathit{w1}"
 * labelLatex("w[0]");  // "\\text{w[0]}"
 */
export function labelLatex(label: string): string {
  if (/^[A-Za-z]$/.test(label)) return label;
  const greek = GREEK[label];
  if (greek !== undefined) return greek;
  if (/^[A-Za-z][A-Za-z0-9]*$/.test(label)) return `\\mathit{${label}}`;
  return `\\text{${latexText(label)}}`;
}

/** @internal A constant's value as its name (a number, or a small tensor's values). */
function constantName(node: DataNode): NodeName {
  const x = node instanceof Value ? node.data : (readData(node)[0] as number);
  const text = formatNumber(x);
  return { text, latex: latexMath(text) };
}

/**
 * @internal Names every node of `graph` (see the module comment). Generated numbers follow
 * `graph.nodes`, which lists parents before children. `module` names unlabelled parameters: a
 * Module by their paths in it, or a map of names (toDot's, which also knows clusters' names).
 */
export function nameGraph(graph: GraphIndex, module?: Module | ReadonlyMap<DataNode, string>): GraphNames {
  const n = graph.nodes.length;
  const paths = new Map<unknown, string>();
  if (module instanceof Map) for (const [node, name] of module) paths.set(node, name);
  else for (const [path, p] of (module as Module | undefined)?.namedParameters() ?? []) paths.set(p, path);
  const labels = graph.nodes.map((node) => labelText(node) || (paths.get(node) ?? ""));
  const taken = new Set<string>();
  const reserved = new Set<number>(); // numbers of the first letter, if every letter is taken
  let labelledL = false;
  for (const label of labels) {
    const ln = letterNumber(label);
    if (ln !== null) taken.add(ln[0]);
    if (ln !== null && ln[0] === LETTERS[0] && ln[1] !== null) reserved.add(ln[1]);
    if (label === "L") labelledL = true;
  }
  const letter = LETTERS.find((l) => !taken.has(l)) ?? (LETTERS[0] as string);
  if (letter !== LETTERS[0]) reserved.clear();
  const single = graph.roots.length === 1 ? (graph.roots[0] as number) : -1;
  const rootIsL = single !== -1 && labels[single] === "" && sizeOf(graph.nodes[single] as DataNode) === 1;
  const nodes: NodeName[] = new Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const node = graph.nodes[i] as DataNode;
    const label = labels[i] as string;
    if (label !== "") nodes[i] = { text: label, latex: labelLatex(label) };
    else if (i === single && rootIsL && !labelledL) nodes[i] = { text: "L", latex: "L" };
    else if (isConstant(node) && sizeOf(node) === 1) nodes[i] = constantName(node);
    else {
      do k++;
      while (reserved.has(k));
      nodes[i] = { text: `${letter}${subscript(k)}`, latex: `${letter}_{${k}}` };
    }
  }
  return { nodes, objective: objectiveOf(graph, nodes) };
}

function sizeOf(node: DataNode): number {
  return node instanceof Value ? 1 : node.size;
}

/** The root's name; `Σy` for a root with several elements; `a + b` for several roots. */
function objectiveOf(graph: GraphIndex, nodes: readonly NodeName[]): NodeName {
  const parts = graph.roots.map((r) => {
    const name = nodes[r] as NodeName;
    if (sizeOf(graph.nodes[r] as DataNode) === 1) return name;
    return { text: `Σ${name.text}`, latex: `\\textstyle\\sum ${name.latex}` };
  });
  return {
    text: parts.map((p) => p.text).join(" + "),
    latex: parts.map((p) => p.latex).join(" + "),
  };
}

/** @internal A LaTeX name, in parentheses unless it is one symbol (a letter, `v_{1}`, `\alpha`, `\mathit{w1}`). */
export function wrapLatex(name: string): string {
  return /^[A-Za-z]$|^[a-z]_\{\d+\}$|^\\[a-z]+$|^\\mathit\{[A-Za-z0-9]+\}$/.test(name) ? name : `(${name})`;
}

/**
 * @internal Whether a text name reads as one symbol in a formula (a word, a number ≥ 0, an
 * indexed name like `w[0,1]`); others (`-3`, `x + 1`, `my label`) are put in parentheses.
 */
export function isAtomicText(name: string): boolean {
  return /^[\p{L}\p{N}_.′'[\],₀-₉]+$/u.test(name);
}
