/**
 * `explainBackward`: the chain rule as one backward pass applies it, as a table with one row
 * per edge (see `backwardSteps`), in plain text, Markdown or LaTeX. Each row reads
 * ∂f/∂into += ∂f/∂node × ∂node/∂into in the graph's own names (f: the root's label), so a hand
 * derivation can be checked line by line.
 */
import { fmtShape } from "../errors";
import type { Module } from "../nn/module";
import type { NestedNumbers } from "../tensor/tensor";
import { checkInt, checkOneOf, checkOptions } from "../validate";
import { type BackwardStep, namedStepsAs, type Quantity, type StepNode } from "./backward-steps";
import { checkPrecision, formatNumber } from "./format";
import { latexMath, latexText } from "./latex";
import { wrapLatex } from "./names";
import { stepColumns } from "./step-columns";
import type { GraphRoot } from "./walk";

/** Output formats of {@link explainBackward}. */
export type ExplainFormat = "text" | "markdown" | "latex";

/** Options of {@link explainBackward}. */
export interface ExplainOptions {
  /** `"text"` (default, aligned columns), `"markdown"` (a table) or `"latex"` (an `array`). */
  format?: ExplainFormat;
  /** Significant digits of the numbers; default 4. */
  precision?: number;
  /** Tensors of at most this many elements are shown by value, larger ones by norm. Default 6. */
  maxValues?: number;
  /** Name unlabelled parameters by their path in this module (`0.weight`), as `toDot` does. */
  module?: Module;
}

const FORMATS = ["text", "markdown", "latex"] as const;

/**
 * Explains one backward pass from `root` (recomputed: `.grad` is neither read nor changed),
 * one row per edge in backward order: step, node, op, the upstream gradient ∂f/∂node, the local
 * derivative ∂node/∂into by formula and value, the contribution upstream × local, and the
 * operand it flows into.
 *
 * Names: f is the root's label (`L` when it has none; `Σy` for a root y with several elements,
 * whose sum is differentiated); a node is written by its label, an unlabelled one as `v₁, v₂, …`
 * in topological order (`v_{1}` in LaTeX; a number a label already reads like, `v1`, is
 * skipped), and a constant by its value. The formulas name the operands: `2·x` for ∂(x²)/∂x,
 * `y` for ∂(x·y)/∂x, `σ(v₁)(1 − σ(v₁))`; a Jacobian is written as what it does to ḡ = ∂f/∂node
 * (`ḡ·Wᵀ`). Tensor rows show shapes, small tensors by value and larger ones as
 * `‖·‖ norm [shape]`. `backwardSteps` gives the same rows as data, with each node's number in
 * `toDot(root, { numbering: true })`.
 *
 * @param root a `Value`, a `Tensor` (a non-scalar one is explained as the gradient of its sum) or an array of them
 * @returns the table as a string; Markdown is exactly a header row, a separator row and one row per edge
 * @example
 * const x = value(3, "x"), y = value(2, "y");
 * const f = x.pow(2).mul(y);
 * f.label = "f";
 * console.log(explainBackward(f, { format: "markdown" }));
 * // | step | node | op | ∂f/∂node | ∂node/∂into | local | contribution | into |
 * // | ---: | --- | --- | ---: | --- | ---: | ---: | --- |
 * // | 1 | f | mul | 1 | y | 2 | 2 | v₁ |
 * // | 2 | f | mul | 1 | v₁ | 9 | 9 | y |
 * // | 3 | v₁ | pow | 2 | 2·x | 6 | 12 | x |
 */
export function explainBackward(root: GraphRoot, options?: ExplainOptions): string {
  const o = checkOptions(options, "explainBackward");
  const format = o.format === undefined ? "text" : checkOneOf(o.format, FORMATS, "explainBackward", "format");
  const precision = checkPrecision(o.precision, "explainBackward");
  const maxValues = o.maxValues === undefined ? 6 : checkInt(o.maxValues, "explainBackward", "maxValues");
  const { steps, objective } = namedStepsAs(
    root,
    { maxValues, ...(o.module === undefined ? {} : { module: o.module }) },
    "explainBackward",
  );
  if (format === "markdown") return markdown(steps, stepColumns(objective.text), precision);
  if (format === "latex") return latex(steps, objective.latex, precision);
  return text(steps, stepColumns(objective.text), precision);
}

/** The cells of one row as plain text. */
function cells(s: BackwardStep, precision: number): string[] {
  const q = (x: Quantity) => quantityText(x, precision);
  return [
    String(s.step),
    nodeText(s.node),
    s.op,
    q(s.upstream),
    s.local.symbol,
    s.local.value === null ? "—" : q(s.local.value),
    q(s.contribution),
    nodeText(s.input),
  ];
}

function nodeText(n: StepNode): string {
  return `${n.name}${n.shape.length > 0 ? ` ${fmtShape(n.shape)}` : ""}`;
}

function quantityText(x: Quantity, precision: number): string {
  if (x.value !== null) return nestedText(x.value, precision);
  return `‖·‖ ${formatNumber(x.norm, precision)} ${fmtShape(x.shape)}`;
}

function nestedText(v: NestedNumbers, precision: number): string {
  return typeof v === "number"
    ? formatNumber(v, precision)
    : `[${v.map((x) => nestedText(x, precision)).join(", ")}]`;
}

/** Aligned columns: header, a rule, one line per edge. */
function text(steps: readonly BackwardStep[], header: readonly string[], precision: number): string {
  const rows = [Array.from(header), ...steps.map((s) => cells(s, precision))];
  // a loop, not Math.max(...column): a spread of 10⁵ arguments overflows the stack
  const widths = header.map((_, c) => {
    let w = 0;
    for (const r of rows) w = Math.max(w, Array.from(r[c] as string).length);
    return w;
  });
  const numeric = new Set([0, 3, 5, 6]);
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => {
        const pad = " ".repeat((widths[c] as number) - Array.from(cell).length);
        return numeric.has(c) ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(rows[0] as string[]), rule, ...rows.slice(1).map(line)].join("\n");
}

function markdownCell(cell: string): string {
  return cell
    .replace(/\s+/g, " ")
    .replace(/[\\|*_`]/g, (ch) => `\\${ch}`)
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/** A GitHub-flavoured Markdown table: header row, separator row, one row per edge. */
function markdown(steps: readonly BackwardStep[], header: readonly string[], precision: number): string {
  const row = (r: readonly string[]) => `| ${r.map(markdownCell).join(" | ")} |`;
  const separator = "| ---: | --- | --- | ---: | --- | ---: | ---: | --- |";
  return [row(header), separator, ...steps.map((s) => row(cells(s, precision)))].join("\n");
}

/** A LaTeX `array` (math mode) with a header row, `\hline` and one row per edge. */
function latex(steps: readonly BackwardStep[], objective: string, precision: number): string {
  const node = (n: StepNode) =>
    `${n.latex}${n.shape.length > 0 ? `\\ \\text{${latexText(fmtShape(n.shape))}}` : ""}`;
  const q = (x: Quantity) => latexMath(quantityText(x, precision));
  const header = [
    "\\text{step}",
    "\\text{node}",
    "\\text{op}",
    `\\partial ${wrapLatex(objective)}/\\partial \\text{node}`,
    "\\partial \\text{node}/\\partial \\text{into}",
    "\\text{local}",
    "\\text{contribution}",
    "\\text{into}",
  ];
  const rows = steps.map((s) => [
    String(s.step),
    node(s.node),
    `\\text{${latexText(s.op)}}`,
    q(s.upstream),
    s.local.latex,
    s.local.value === null ? "\\text{---}" : q(s.local.value),
    q(s.contribution),
    node(s.input),
  ]);
  return [
    "\\begin{array}{rlllllll}",
    `${header.join(" & ")} \\\\`,
    "\\hline",
    ...rows.map((r) => `${r.join(" & ")} \\\\`),
    "\\end{array}",
  ].join("\n");
}
