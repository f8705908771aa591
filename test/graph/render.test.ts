/**
 * Every DOT text toDot writes is valid and renders with the WebAssembly Graphviz, whatever the
 * labels contain; renderSvg returns SVG and turns Graphviz's complaints into ChainruleErrors.
 */
import { instance } from "@viz-js/viz";
import { beforeAll, describe, expect, it } from "vitest";
import { SVG_FONTS } from "../../src/graph/render";
import {
  ChainruleError,
  losses,
  manualSeed,
  nn,
  recordScopes,
  renderSvg,
  tensor,
  toDot,
  type Value,
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

/** x + x + … + x with n terms: one leaf used by n ops along a chain of 2n − 1 nodes. */
function repeatedSum(n: number): Value {
  const x = value(1, "x");
  let s = x;
  for (let i = 1; i < n; i++) s = s.add(x);
  s.backward();
  return s;
}

describe("renderSvg on big graphs", () => {
  it("lays out a node with 200 uses in seconds (its far uses are drawn from copies)", async () => {
    const s = repeatedSum(200);
    await renderSvg(value(1)); // load the WebAssembly module first
    const t0 = performance.now();
    const svg = await renderSvg(s);
    const seconds = (performance.now() - t0) / 1000;
    expect(svg).toMatch(/^<svg/);
    expect(seconds).toBeLessThan(15); // about 1 s; long edges took over 120 s
  });

  it("refuses a drawing over its node budget before laying it out, saying how to shrink it", async () => {
    const s = repeatedSum(1500); // Graphviz ran out of memory on it after 90 s
    const t0 = performance.now();
    const err = await renderSvg(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainruleError);
    expect((err as Error).message).toMatch(
      /^renderSvg: the drawing has \d+ nodes \(maxNodes 2500\), too many .*collapse: true.*clusters.*maxNodes\/maxEdges$/,
    );
    expect(performance.now() - t0).toBeLessThan(5000);
    const { L } = tanhGraph();
    await expect(renderSvg(L, { maxNodes: 8 })).rejects.toThrow("9 nodes (maxNodes 8)");
    await expect(renderSvg(L, { maxEdges: 7 })).rejects.toThrow("8 edges (maxEdges 7)");
    await expect(renderSvg(L, { maxNodes: 9, maxEdges: 8 })).resolves.toMatch(/^<svg/);
  });

  it("counts the nodes and edges of DOT text against the budget", async () => {
    const dot = 'digraph { graph [rankdir=LR]; a [label="x -> y; z"]; b; c\n a -> b; b -> c -> a }';
    await expect(renderSvg(dot, { maxEdges: 2 })).rejects.toThrow("3 edges (maxEdges 2)");
    await expect(renderSvg(dot, { maxNodes: 2 })).rejects.toThrow("3 nodes (maxNodes 2)");
    await expect(renderSvg(dot, { maxNodes: 3, maxEdges: 3 })).resolves.toMatch(/^<svg/);
  });

  it("checks its options", async () => {
    const { L } = tanhGraph();
    for (const [options, message] of [
      [null, "renderSvg: options must be an object, got null"],
      [[1], "renderSvg: options must be an object, got array of length 1"],
      [{ engine: "nope" }, 'renderSvg: engine must be one of "dot", "neato"'],
      [{ maxNodes: 0 }, "renderSvg: maxNodes must be an integer ≥ 1 or Infinity, got number 0"],
      [{ maxEdges: "9" }, 'renderSvg: maxEdges must be an integer ≥ 1 or Infinity, got string "9"'],
      [{ rankdir: "XY" }, "renderSvg: rankdir must be one of"],
    ] as const) {
      await expect(renderSvg(L, options as never)).rejects.toThrow(message);
    }
  });
});

describe("renderSvg's pictures fit a screen", () => {
  /** The SVG's width in CSS pixels (Graphviz writes points: 96 px per 72 pt). */
  const widthPx = (svg: string) => (Number(/<svg[^>]*\swidth="([\d.]+)pt"/.exec(svg)?.[1]) * 96) / 72;
  const SCREEN = 1400;

  /** The docs' 2-3-1 network: tanh hidden layer, sigmoid output, BCE loss, scopes recorded. */
  const network = () => {
    manualSeed(0);
    const model = new nn.MLP(2, [3, 1], { activation: "tanh", outputActivation: "sigmoid" });
    const loss = recordScopes(() =>
      losses.bce(model.forward(tensor([[0.5, -1]], { label: "x" })), tensor([[1]], { label: "y" })),
    );
    loss.backward();
    return { model, loss };
  };

  it("draws the 2-3-1 network's graph under 1400 px wide, plain, boxed by module or collapsed", async () => {
    const { model, loss } = network();
    for (const options of [{}, { clusters: model }, { collapse: true }, { module: model }] as const) {
      const svg = await renderSvg(loss, options);
      expect(widthPx(svg), JSON.stringify(Object.keys(options))).toBeLessThanOrEqual(SCREEN);
    }
    // left to right, the same drawing is nearly three screens wide
    expect(widthPx(await renderSvg(loss, { rankdir: "LR" }))).toBeGreaterThan(2 * SCREEN);
  });

  it("names its fonts with Helvetica's metric twins, so text fits the boxes Graphviz drew", async () => {
    const svg = await renderSvg(network().loss);
    expect(svg).not.toContain('font-family="Helvetica,sans-Serif"');
    expect(svg).toContain(`font-family="${SVG_FONTS}"`);
    const fonts = new Set([...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]));
    expect([...fonts]).toEqual([SVG_FONTS]);
  });
});

describe("renderSvg's boxes", () => {
  /** The vertical extent of each cluster box, in SVG order (y grows downwards). */
  const boxYs = (svg: string) =>
    [...svg.matchAll(/<g id="clust\d+" class="cluster">[\s\S]*?<path[^>]*\sd="([^"]*)"/g)].map((m) => {
      const ys = [...(m[1] as string).matchAll(/-?[\d.]+,(-?[\d.]+)/g)].map((c) => Number(c[1]));
      return { top: Math.min(...ys), bottom: Math.max(...ys) };
    });

  it("stacks the layers of a network one below the other, not side by side", async () => {
    manualSeed(1);
    const model = new nn.scalar.MLP(2, [2, 1]);
    const out = recordScopes(() => model.forward([value(0.5, "x1"), value(-1.5, "x2")])[0] as Value);
    const L = out.sub(1).pow(2);
    L.backward();
    const svg = await renderSvg(L, {
      clusters: { "hidden layer": "layers.0", "output layer": "layers.1" },
      module: model,
      numbering: true,
    });
    const [hidden, output] = boxYs(svg) as [{ top: number; bottom: number }, { top: number; bottom: number }];
    expect(output.top).toBeGreaterThan(hidden.bottom);
    // the output layer's weights sit one layer below the hidden units they multiply
    const dot = toDot(L, { clusters: { "hidden layer": "layers.0", "output layer": "layers.1" } });
    expect(dot.match(/\[minlen=2\]/g)).toHaveLength(2);
  });
});
