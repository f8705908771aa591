/**
 * `explainBackward`: the chain rule as one backward pass applies it, as a table with one row
 * per edge (see `backwardSteps`), in plain text, Markdown or LaTeX. Each row reads
 * ∂L/∂in += ∂L/∂out × ∂out/∂in, so a hand derivation can be checked line by line.
 */
import { fmtShape } from "../errors";
import type { NestedNumbers } from "../tensor/tensor";
import { checkInt, checkOneOf, checkOptions } from "../validate";
import { type BackwardStep, type Quantity, type StepNode, stepsAs } from "./backward-steps";
import { checkPrecision, formatNumber } from "./format";
import { latexMath, latexText } from "./latex";
import { STEP_COLUMNS } from "./step-columns";
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
}

const FORMATS = ["text", "markdown", "latex"] as const;

const HEADER = STEP_COLUMNS;

/**
 * Explains one backward pass from `root` (recomputed: `.grad` is neither read nor changed),
 * one row per edge in backward order: step, node, op, upstream ∂L/∂out, the local derivative
 * ∂out/∂in by formula and value, the contribution upstream × local, and the input it flows
 * into. Nodes are written `#k name`, numbered in backward order as in
 * `toDot(root, { numbering: true })`. Tensor rows show small tensors by value and larger ones
 * as `‖·‖ norm [shape]`; a local derivative that is a Jacobian shows what it does to ḡ.
 *
 * @param root a `Value`, a `Tensor` (a non-scalar one is explained as the gradient of its sum) or an array of them
 * @returns the table as a string; Markdown is exactly a header row, a separator row and one row per edge
 * @example
 * const a = value(2, "a"), b = value(-3, "b");
 * const L = a.mul(b);
 * L.label = "L";
 * console.log(explainBackward(L, { format: "markdown" }));
 * // | step | node | op | ∂L/∂out | ∂out/∂in | local | contribution | into |
 * // | ---: | --- | --- | ---: | --- | ---: | ---: | --- |
 * // | 1 | #1 L | mul | 1 | b | -3 | -3 | #3 a |
 * // | 2 | #1 L | mul | 1 | a | 2 | 2 | #2 b |
 */
export function explainBackward(root: GraphRoot, options?: ExplainOptions): string {
  const o = checkOptions(options, "explainBackward");
  const format = o.format === undefined ? "text" : checkOneOf(o.format, FORMATS, "explainBackward", "format");
  const precision = checkPrecision(o.precision, "explainBackward");
  const maxValues = o.maxValues === undefined ? 6 : checkInt(o.maxValues, "explainBackward", "maxValues");
  const steps = stepsAs(root, { maxValues }, "explainBackward");
  if (format === "markdown") return markdown(steps, precision);
  if (format === "latex") return latex(steps, precision);
  return text(steps, precision);
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
  return `#${n.number} ${n.name}${n.shape.length > 0 ? ` ${fmtShape(n.shape)}` : ""}`;
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
function text(steps: readonly BackwardStep[], precision: number): string {
  const rows = [Array.from(HEADER), ...steps.map((s) => cells(s, precision))];
  // a loop, not Math.max(...column): a spread of 10⁵ arguments overflows the stack
  const widths = HEADER.map((_, c) => {
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
function markdown(steps: readonly BackwardStep[], precision: number): string {
  const row = (r: readonly string[]) => `| ${r.map(markdownCell).join(" | ")} |`;
  const separator = "| ---: | --- | --- | ---: | --- | ---: | ---: | --- |";
  return [row(HEADER), separator, ...steps.map((s) => row(cells(s, precision)))].join("\n");
}

/** A LaTeX `array` (math mode) with a header row, `\hline` and one row per edge. */
function latex(steps: readonly BackwardStep[], precision: number): string {
  const node = (n: StepNode) =>
    `\\#${n.number}\\ \\text{${latexText(n.name)}}${n.shape.length > 0 ? `\\ ${latexText(fmtShape(n.shape))}` : ""}`;
  const q = (x: Quantity) => latexMath(quantityText(x, precision));
  const header = [
    "\\text{step}",
    "\\text{node}",
    "\\text{op}",
    "\\partial L/\\partial \\text{out}",
    "\\partial \\text{out}/\\partial \\text{in}",
    "\\text{local}",
    "\\text{contribution}",
    "\\text{into}",
  ];
  const rows = steps.map((s) => [
    String(s.step),
    node(s.node),
    `\\text{${latexText(s.op)}}`,
    q(s.upstream),
    latexMath(s.local.symbol),
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
