/**
 * Every DOT text toDot writes is valid and renders with the WebAssembly Graphviz, whatever the
 * labels contain; renderSvg returns SVG and turns Graphviz's complaints into ChainruleErrors.
 */
import { instance } from "@viz-js/viz";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ChainruleError,
  manualSeed,
  nn,
  recordScopes,
  renderSvg,
  tensor,
  toDot,
  value,
} from "../../src/index";
import { linearSigmoidGraph, tanhGraph } from "./fixtures";

type Viz = Awaited<ReturnType<typeof instance>>;
let viz: Viz;
beforeAll(async () => {
  viz = await instance();
});

/** Renders with Graphviz, expecting success, and returns the texts drawn, entities decoded. */
function renderTexts(dot: string): string[] {
  const result = viz.render(dot, { format: "svg" });
  const errors = result.errors.filter((e) => e.level === "error");
  expect(errors, dot).toEqual([]);
  expect(result.status, dot).toBe("success");
  const decode = (s: string) =>
    s
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
      .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(Number.parseInt(n, 16)))
      .replace(/&amp;/g, "&");
  return [...(result.output ?? "").matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    decode(m[1] as string),
  );
}

const NASTY = [
  'quote " here',
  "back\\slash \\N \\G \\L \\n \\l",
  "<b>html?</b>",
  "!bang",
  "!<table>",
  "{a|b} <port> |",
  "unicode ∂σ/∂x — 😀 é",
  "trailing\\",
  "\\",
  '"',
  "{",
  "}",
  "|",
  "<",
  ">",
  "-> ; [ ] = , digraph node edge",
  "&amp; &lt; &#60;",
];

describe("every DOT text renders, whatever the labels", () => {
  it.each(NASTY)("Value labels: %j", (label) => {
    const a = value(2, label);
    const L = a.mul(value(-1, label)).tanh();
    L.label = label;
    L.backward();
    const texts = renderTexts(toDot(L, { numbering: true, title: label }));
    expect(texts).toContain(label); // the title, verbatim
    expect(texts.filter((t) => t.includes(label)).length).toBeGreaterThanOrEqual(4);
  });

  it.each(NASTY)("tensor labels, cluster names and collapsed names: %j", (label) => {
    const { linear, x, y } = linearSigmoidGraph();
    x.label = label;
    y.label = label;
    const clustered = renderTexts(
      toDot(y, { clusters: { [label]: linear, [`${label}2`]: "1" }, numbering: true }),
    );
    expect(clustered).toContain(label);
    expect(clustered).toContain(`${label}2`);
    const collapsed = renderTexts(toDot(y, { collapse: { [label]: linear } }));
    expect(collapsed).toContain(label);
  });

  it("draws multi-line labels as separate lines", () => {
    const v = value(1, "first\nsecond");
    const texts = renderTexts(toDot(v.exp(), { title: "t1\r\nt2" }));
    expect(texts).toEqual(expect.arrayContaining(["first", "second", "t1", "t2"]));
  });

  it("survives control characters and lone surrogates", () => {
    const v = value(1, "bell\u0007 tab\t nul\u0000 \ud800");
    expect(renderTexts(toDot(v.exp())).join(" ")).toContain("bell\ufffd tab");
  });

  it("renders the bigger diagrams: scalar MLP clusters and collapse, tensor collapse", () => {
    manualSeed(0);
    const model = new nn.scalar.MLP(3, [4, 4, 1]);
    const out = recordScopes(() => model.forward([1, -2, 0.5]))[0] as ReturnType<typeof value>;
    out.backward();
    renderTexts(toDot(out, { clusters: { "layer 0": model.layers[0] as nn.Module }, numbering: true }));
    renderTexts(toDot(out, { collapse: true, rankdir: "TB" }));
    const { y } = linearSigmoidGraph();
    renderTexts(toDot(y, { collapse: true }));
    renderTexts(
      toDot(
        tensor(
          [
            [1, Number.NaN],
            [Number.POSITIVE_INFINITY, -0],
          ],
          { label: "special" },
        ),
      ),
    );
  });
});

describe("renderSvg", () => {
  it("renders a graph to SVG markup", async () => {
    const { L } = tanhGraph();
    const svg = await renderSvg(L, { numbering: true });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("tanh");
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });

  it("renders DOT text and honours the engine", async () => {
    const svg = await renderSvg('digraph { a -> b [label="x"] }', { engine: "neato" });
    expect(svg).toMatch(/^<svg/);
  });

  it("throws a ChainruleError with Graphviz's message for bad DOT", async () => {
    await expect(renderSvg("digraph { a -> }")).rejects.toThrow(ChainruleError);
    await expect(renderSvg("digraph { a -> }")).rejects.toThrow(
      /renderSvg: Graphviz could not render the DOT text: .*syntax error/,
    );
  });
});
