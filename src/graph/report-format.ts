/**
 * `formatBackpropReport`: a {@link BackpropReport} as text or Markdown, layer by layer, each
 * gradient from autodiff above the same quantity recomputed from BP1–BP4; for a model with other
 * layers (conv, pooling, norms, …), stage by stage.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import type { DType } from "../tensor/dtype";
import { readData } from "../tensor/storage";
import type { Tensor } from "../tensor/tensor";
import { checkOptions } from "../validate";
import { formatNumber } from "./format";
import type { BackpropLayer, BackpropReport, BackpropStage } from "./report-compute";

/** Options of {@link formatBackpropReport}. */
export interface FormatReportOptions {
  /** Significant digits of every number; default 6. */
  precision?: number;
}

const SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/** l as a superscript: 12 → "¹²". */
function sup(n: number): string {
  return String(n)
    .split("")
    .map((c) => SUPERSCRIPTS[Number(c)] ?? c)
    .join("");
}

/** A tensor's values as rows of padded numbers: [] → "3", [k] → "[a, b]", [n, k] → "[[…],\n […]]". */
function fmtValues(t: Tensor, precision: number, oneLine: boolean): string {
  if (t.ndim === 0) return formatNumber(t.item(), precision);
  const cols = t.shape[t.ndim - 1] as number;
  const cells = Array.from(readData(t), (v) => formatNumber(v, precision));
  const width = oneLine || t.ndim === 1 ? 0 : cells.reduce((w, c) => Math.max(w, c.length), 0);
  const pad = (c: string) => c.padStart(width);
  if (t.ndim === 1) return `[${cells.map(pad).join(", ")}]`;
  const rows: string[] = [];
  for (let r = 0; r < t.size / cols; r++)
    rows.push(
      `[${cells
        .slice(r * cols, (r + 1) * cols)
        .map(pad)
        .join(", ")}]`,
    );
  return oneLine ? `[${rows.join(", ")}]` : `[${rows.join(",\n ")}]`;
}

/** ✓ when an equation reproduces autodiff to rounding (relative to the values' size), ✗ otherwise. */
function verdict(err: number, t: Tensor, dtype: DType): string {
  let scale = 1;
  for (const v of readData(t)) scale = Math.max(scale, Math.abs(v));
  const tol = (dtype === "float64" ? 1e-10 : 1e-4) * scale;
  return err <= tol ? "✓" : "✗";
}

interface Line {
  /** What the row shows: "δ² = ∂C/∂z²". */
  name: string;
  value: Tensor;
  /** How the row was obtained: "autodiff", "forward", "BP1: ∇ₐC ⊙ σ′(z²)". */
  source: string;
  /** For equation rows: max |equation − autodiff| and its verdict. */
  check?: string;
  /** Shown instead of the values (a large tensor's shape and size). */
  summary?: string;
}

function layerLines(r: BackpropReport, layer: BackpropLayer): Line[] {
  const l = layer.index;
  const L = r.layers.length;
  const p = sup(l);
  const prev = sup(l - 1);
  const nx = sup(l + 1);
  const { maxError } = layer.equations;
  const lines: Line[] = [];
  lines.push({
    name: l === 1 ? "a⁰ = x" : `a${prev}`,
    value: layer.input,
    source: l === 1 ? "input" : `input: output of layer ${l - 1}`,
  });
  lines.push({
    name: `W${p}`,
    value: layer.weight,
    source: `weight [${layer.outFeatures}, ${layer.inFeatures}]`,
  });
  if (layer.bias) lines.push({ name: `b${p}`, value: layer.bias, source: "bias" });
  lines.push({
    name: `z${p}`,
    value: layer.z,
    source: r.batched ? `forward: a${prev}·(W${p})ᵀ + b${p}` : `forward: W${p}·a${prev} + b${p}`,
  });
  if (layer.activation !== "identity")
    lines.push({ name: `a${p}`, value: layer.a, source: `forward: ${layer.activation}(z${p})` });
  if (layer.sigmaPrime && layer.activation !== "identity")
    lines.push({ name: `σ′(z${p})`, value: layer.sigmaPrime, source: layer.sigmaPrimeFormula });
  lines.push({
    name: l === L ? `∇ₐC = ∂C/∂a${p}` : `∂C/∂a${p}`,
    value: layer.gradA,
    source: "autodiff",
  });
  lines.push({ name: `δ${p} = ∂C/∂z${p}`, value: layer.delta, source: "autodiff" });
  const tail = layer.activation === "identity" ? " (no activation: σ′ = 1)" : ` ⊙ σ′(z${p})`;
  const deltaEq =
    layer.activation === "softmax"
      ? l === L
        ? `BP1, softmax Jacobian: a${p} ⊙ (∇ₐC − ⟨∇ₐC, a${p}⟩)`
        : `BP2, softmax Jacobian: a${p} ⊙ (g − ⟨g, a${p}⟩), g = ${r.batched ? `δ${nx}·W${nx}` : `(W${nx})ᵀδ${nx}`}`
      : l === L
        ? `BP1: ∇ₐC${tail}`
        : r.batched
          ? `BP2: (δ${nx}·W${nx})${tail}`
          : `BP2: ((W${nx})ᵀδ${nx})${tail}`;
  lines.push({
    name: `δ${p}`,
    value: layer.equations.delta,
    source: deltaEq,
    check: `${formatNumber(maxError.delta, 2)} ${verdict(maxError.delta, layer.delta, r.dtype)}`,
  });
  if (layer.gradBias && layer.equations.gradBias) {
    lines.push({ name: `∂C/∂b${p}`, value: layer.gradBias, source: "autodiff" });
    lines.push({
      name: `∂C/∂b${p}`,
      value: layer.equations.gradBias,
      source: r.batched ? `BP3: Σₙ δ${p} (sum of the rows)` : `BP3: δ${p}`,
      check: `${formatNumber(maxError.gradBias, 2)} ${verdict(maxError.gradBias, layer.gradBias, r.dtype)}`,
    });
  }
  lines.push({ name: `∂C/∂W${p}`, value: layer.gradWeight, source: "autodiff" });
  lines.push({
    name: `∂C/∂W${p}`,
    value: layer.equations.gradWeight,
    source: r.batched ? `BP4: (δ${p})ᵀ·a${prev}` : `BP4: δ${p}(a${prev})ᵀ`,
    check: `${formatNumber(maxError.gradWeight, 2)} ${verdict(maxError.gradWeight, layer.gradWeight, r.dtype)}`,
  });
  return lines;
}

function header(r: BackpropReport): { title: string; notes: string[]; equations: string[] } {
  const shape = [r.layers[0]?.inFeatures ?? 0, ...r.layers.map((l) => l.outFeatures)].join("-");
  const ex = r.batched ? `a batch of n = ${r.examples} examples (one per row)` : "one example";
  return {
    title: `Backpropagation report: ${shape} network, ${ex}, loss ${r.lossName}, C = ${formatNumber(r.loss, 10)}`,
    notes: [
      `Cost: ${r.lossFormula}.`,
      "Layers l = 1 … L (L = " +
        r.layers.length +
        "), a⁰ = x; W is chainrule's Linear weight [out, in], the textbook wˡ (row j = weights into neuron j).",
      r.batched
        ? "chainrule's Linear works on row vectors: zˡ = aˡ⁻¹·(Wˡ)ᵀ + bˡ, one example per row, so the batch forms are " +
          "δˡ = (δˡ⁺¹·Wˡ⁺¹) ⊙ σ′(zˡ), ∂C/∂bˡ = Σₙ δˡ and ∂C/∂Wˡ = (δˡ)ᵀ·aˡ⁻¹; row n of δˡ is ∂C/∂zˡ for example n."
        : "chainrule's Linear works on row vectors (zˡ = aˡ⁻¹·(Wˡ)ᵀ + bˡ); for one example that is the textbook " +
          "column form zˡ = wˡaˡ⁻¹ + bˡ.",
      "Rows marked autodiff are read off the computation graph; rows marked BP1–BP4 recompute them from the " +
        "equations (from autodiff's δˡ⁺¹, Wˡ⁺¹ and aˡ⁻¹), with the largest difference.",
    ],
    equations: [
      "BP1  δᴸ = ∇ₐC ⊙ σ′(zᴸ)",
      "BP2  δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)",
      "BP3  ∂C/∂bˡ = δˡ",
      "BP4  ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ",
    ],
  };
}

function layerTitle(layer: BackpropLayer, L: number, code: (s: string) => string): string {
  const where = layer.index === L ? " (output layer)" : "";
  const lin = layer.linearName === "" ? "Linear" : `Linear ${code(layer.linearName)}`;
  const act =
    layer.activation === "identity"
      ? "no activation"
      : `${layer.activation}${layer.activationName ? ` ${code(layer.activationName)}` : ""}`;
  return `Layer ${layer.index}${where}: ${lin} ${layer.inFeatures} → ${layer.outFeatures}, ${act}`;
}

/**
 * Renders a {@link BackpropReport} for reading next to BP1–BP4: the convention (row vectors,
 * W of shape [out, in], layers l = 1 … L with a⁰ = x), the four equations, then for each layer its
 * forward quantities (aˡ⁻¹, W, b, zˡ, aˡ, σ′(zˡ)), autodiff's ∂C/∂aˡ, δˡ, ∂C/∂bˡ, ∂C/∂Wˡ, and under each
 * gradient the same quantity recomputed from its equation, with the largest difference and ✓/✗.
 *
 * A model with other layers than Linear + activation (`report.linearOnly` false) is printed stage
 * by stage instead: each child's name and shapes ("0: Conv2d(1 → 4, 3×3, padding 1)   [2,1,6,6] →
 * [2,4,6,6]"), its local derivative in words, its input, output and parameters, autodiff's δ =
 * ∂C/∂(output), ∂C/∂(input) and parameter gradients, each followed by its recomputation where the
 * stage has one (Linear, Conv2d, activations); tensors of more than 12 entries are shown by shape
 * and largest magnitude.
 *
 * @param format `"text"` (aligned columns, default) or `"markdown"` (one table per layer or stage).
 *
 * @example
 * manualSeed(0);
 * const net = new nn.MLP(2, [3, 2], { activation: "sigmoid", outputActivation: "sigmoid" });
 * console.log(formatBackpropReport(backpropReport(net, [0.05, 0.1], [0.01, 0.99]), "markdown"));
 * // # Backpropagation report: 2-3-2 network, one example, loss quadratic, C = 0.3541268848
 * // …
 * // | δ² = ∂C/∂z² | `[0.134736, -0.145623]` | autodiff |  |
 * // | δ² | `[0.134736, -0.145623]` | BP1: ∇ₐC ⊙ σ′(z²) | 0 ✓ |
 */
export function formatBackpropReport(
  report: BackpropReport,
  format: "text" | "markdown" = "text",
  opts?: FormatReportOptions,
): string {
  if (report === null || typeof report !== "object" || !Array.isArray(report.layers)) {
    throw new ChainruleError(
      `formatBackpropReport: expected a report from backpropReport, got ${describe(report)}`,
    );
  }
  if (format !== "text" && format !== "markdown") {
    throw new ChainruleError(
      `formatBackpropReport: format must be "text" or "markdown", got ${describe(format)}`,
    );
  }
  const options = checkOptions(opts, "formatBackpropReport");
  const precision = options.precision ?? 6;
  if (!Number.isInteger(precision) || precision < 1 || precision > 17) {
    throw new ChainruleError(
      `formatBackpropReport: precision must be an integer from 1 to 17, got ${describe(precision)}`,
    );
  }
  if (report.linearOnly === false && Array.isArray(report.stages))
    return formatStages(report, format, precision);
  const h = header(report);
  const L = report.layers.length;
  const out: string[] = [];
  if (format === "markdown") {
    out.push(`# ${h.title}`, "");
    for (const n of h.notes) out.push(`- ${n}`);
    out.push("", "```", ...h.equations, "```");
    for (const layer of report.layers) {
      out.push("", `## ${layerTitle(layer, L, (s) => `\`${s}\``)}`, "");
      out.push(...markdownTable(layerLines(report, layer), precision));
    }
    return `${out.join("\n")}\n`;
  }
  out.push(h.title, "");
  for (const n of h.notes) out.push(n);
  out.push("", ...h.equations.map((e) => `  ${e}`));
  for (const layer of report.layers) {
    out.push(
      "",
      layerTitle(layer, L, (s) => `"${s}"`),
    );
    out.push(...textTable(layerLines(report, layer), precision));
  }
  return `${out.join("\n")}\n`;
}

/** Rows as a Markdown table: quantity, value (inline), where it comes from, the check. */
function markdownTable(lines: Line[], precision: number): string[] {
  const out = ["| quantity | value | from | max abs diff |", "|---|---|---|---|"];
  for (const line of lines) {
    out.push(
      `| ${line.name} | \`${line.summary ?? fmtValues(line.value, precision, true)}\` | ${line.source} | ${line.check ?? ""} |`,
    );
  }
  return out;
}

/** Rows as aligned text columns: quantity, value (matrices over several lines), source and check. */
function textTable(lines: Line[], precision: number): string[] {
  const out: string[] = [];
  const nameWidth = lines.reduce((w, x) => Math.max(w, x.name.length), 0);
  const values = lines.map((line) => (line.summary ?? fmtValues(line.value, precision, false)).split("\n"));
  const valueWidth = values.flat().reduce((w, v) => Math.max(w, v.length), 0);
  lines.forEach((line, k) => {
    const value = values[k] as string[];
    const note = line.check ? `${line.source}   max |diff| ${line.check}` : line.source;
    value.forEach((v, i) => {
      const left = i === 0 ? line.name.padEnd(nameWidth) : " ".repeat(nameWidth);
      const right = i === 0 ? `   ${note}` : "";
      out.push(`  ${left}  ${v.padEnd(valueWidth)}${right}`.trimEnd());
    });
  });
  return out;
}

/** Tensors with more entries than this are shown by shape and largest magnitude in the stage blocks. */
const SHOWN_ENTRIES = 12;

/** "[2, 4, 6, 6]: max |·| 0.123" for a large tensor, undefined (show the values) for a small one. */
function summaryOf(t: Tensor, precision: number): string | undefined {
  if (t.size <= SHOWN_ENTRIES) return undefined;
  let m = 0;
  for (const v of readData(t)) m = Math.max(m, Math.abs(v));
  return `${fmtShape(t.shape)}: max |·| ${formatNumber(m, precision)}`;
}

/** What a stage's input is called in its rows: a (Linear, Conv2d), z (activation) or x. */
function inputSymbol(stage: BackpropStage): string {
  if (stage.kind === "Linear" || stage.kind === "Conv2d") return "a";
  return stage.checks.some((c) => c.quantity === "∂C/∂z") || /^\S+: ∂C\/∂z/.test(stage.local) ? "z" : "x";
}

/** A parameter's symbol: W, b (Linear, Conv2d) or γ, β (the norms). */
function paramSymbol(stage: BackpropStage, name: string): string {
  const weight = name.endsWith("weight");
  if (stage.kind === "Linear" || stage.kind === "Conv2d") return weight ? "W" : "b";
  return weight ? "γ" : "β";
}

function stageLines(r: BackpropReport, stage: BackpropStage, precision: number): Line[] {
  const row = (name: string, value: Tensor, source: string): Line => ({
    name,
    value,
    source,
    summary: summaryOf(value, precision),
  });
  const checkRows = (quantity: string): Line[] =>
    stage.checks
      .filter((c) => c.quantity === quantity)
      .map((c) => ({
        ...row(quantity, c.value, c.equation),
        check: `${formatNumber(c.maxError, 2)} ${verdict(c.maxError, c.autodiff, r.dtype)}`,
      }));
  const inp = inputSymbol(stage);
  const lines: Line[] = [
    row(inp, stage.input, stage.index === 0 ? "input x" : `forward: output of layer ${stage.index - 1}`),
    row("output", stage.output, "forward"),
  ];
  for (const p of stage.parameters)
    lines.push(row(paramSymbol(stage, p.name), p.value, `parameter ${p.name}`));
  lines.push(row("δ = ∂C/∂(output)", stage.delta, "autodiff"));
  lines.push(row(`∂C/∂${inp}`, stage.gradInput, "autodiff"), ...checkRows(`∂C/∂${inp}`));
  for (const p of stage.parameters) {
    const q = `∂C/∂${paramSymbol(stage, p.name)}`;
    lines.push(row(q, p.grad, "autodiff"), ...checkRows(q));
  }
  return lines;
}

/** The report of a model with other layers than Linear + activation: one block per stage. */
function formatStages(r: BackpropReport, format: "text" | "markdown", precision: number): string {
  const ex = r.batched ? `a batch of n = ${r.examples} examples` : "one example";
  const title =
    `Backpropagation report: ${r.stages.length} layers (${r.stages.map((s) => s.kind).join(" → ")}), ` +
    `${ex}, loss ${r.lossName}, C = ${formatNumber(r.loss, 10)}`;
  const notes = [
    `Cost: ${r.lossFormula}.`,
    "Every layer is a stage; δ = ∂C/∂(output) of a stage is read off the computation graph (autodiff) and is the gradient of the next stage's input.",
    "Rows with an equation recompute a gradient from the stage's δ and forward values, in float64 and independently of the graph, with the largest difference from autodiff's; " +
      `tensors of more than ${SHOWN_ENTRIES} entries are shown by shape and largest magnitude.`,
  ];
  const eqs = [
    "Linear      z = a·Wᵀ + b:          ∂C/∂a = δ·W (BP2, first half),  ∂C/∂W = δᵀ·a (BP4),  ∂C/∂b = Σₙ δ (BP3)",
    "Conv2d      z = conv2d(a, W) + b:  ∂C/∂a = convTranspose2d(δ, W),  ∂C/∂W = Σₙ δₙ ⋆ aₙ (BP4),  ∂C/∂b = Σₙ,ᵧ,ₓ δ (BP3)",
    "activation  a = σ(z):              ∂C/∂z = δ ⊙ σ′(z) (BP1/BP2, second half)",
  ];
  const heading = (s: BackpropStage) => `${s.label}   ${fmtShape(s.inputShape)} → ${fmtShape(s.outputShape)}`;
  const out: string[] = [];
  if (format === "markdown") {
    out.push(`# ${title}`, "");
    for (const n of notes) out.push(`- ${n}`);
    out.push("", "```", ...eqs, "```");
    for (const stage of r.stages) {
      out.push("", `## ${heading(stage)}`, "", `${stage.local}.`, "");
      out.push(...markdownTable(stageLines(r, stage, precision), precision));
    }
    return `${out.join("\n")}\n`;
  }
  out.push(title, "");
  for (const n of notes) out.push(n);
  out.push("", ...eqs.map((e) => `  ${e}`));
  for (const stage of r.stages) {
    out.push("", heading(stage), `  ${stage.local}`);
    out.push(...textTable(stageLines(r, stage, precision), precision));
  }
  return `${out.join("\n")}\n`;
}
