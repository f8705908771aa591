/**
 * `formatBackpropReport`: a {@link BackpropReport} as text or Markdown, layer by layer, each
 * gradient from autodiff above the same quantity recomputed from BP1–BP4.
 */
import { ChainruleError, describe } from "../errors";
import type { DType } from "../tensor/dtype";
import { readData } from "../tensor/storage";
import type { Tensor } from "../tensor/tensor";
import { checkOptions } from "../validate";
import { formatNumber } from "./format";
import type { BackpropLayer, BackpropReport } from "./report-compute";

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
 * @param format `"text"` (aligned columns, default) or `"markdown"` (one table per layer).
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
  const h = header(report);
  const L = report.layers.length;
  const out: string[] = [];
  if (format === "markdown") {
    out.push(`# ${h.title}`, "");
    for (const n of h.notes) out.push(`- ${n}`);
    out.push("", "```", ...h.equations, "```");
    for (const layer of report.layers) {
      out.push("", `## ${layerTitle(layer, L, (s) => `\`${s}\``)}`, "");
      out.push("| quantity | value | from | max abs diff |", "|---|---|---|---|");
      for (const line of layerLines(report, layer)) {
        out.push(
          `| ${line.name} | \`${fmtValues(line.value, precision, true)}\` | ${line.source} | ${line.check ?? ""} |`,
        );
      }
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
    const lines = layerLines(report, layer);
    const nameWidth = lines.reduce((w, x) => Math.max(w, x.name.length), 0);
    const values = lines.map((line) => fmtValues(line.value, precision, false).split("\n"));
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
  }
  return `${out.join("\n")}\n`;
}
