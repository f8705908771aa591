/**
 * toHtml writes one self-contained page: the numbered SVG, the graph and its chain-rule steps as
 * JSON that parses back exactly, whatever the labels hold, and nothing that loads from anywhere.
 * The page's behaviour in a browser is tested in test/e2e/.
 */
import { describe, expect, it } from "vitest";
import { embedJson } from "../../src/graph/html";
import {
  backwardSteps,
  ChainruleError,
  type HtmlPageData,
  tensor,
  toHtml,
  traceGraph,
  value,
} from "../../src/index";
import { linearSigmoidGraph, tanhGraph } from "./fixtures";

const DATA_BLOCK = /<script type="application\/json" id="chainrule-data">([\s\S]*?)<\/script>/;

/** The embedded JSON, parsed. */
function pageData(html: string): HtmlPageData {
  const m = DATA_BLOCK.exec(html);
  expect(m, "the page has a JSON data block").not.toBeNull();
  return JSON.parse((m as RegExpExecArray)[1] as string) as HtmlPageData;
}

/** The texts of the page's script elements. */
function scripts(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
}

/** The node ids Graphviz drew (the `<title>` of each `g.node`). */
function svgNodeIds(html: string): string[] {
  return [...html.matchAll(/<g id="node\d+" class="node">\s*<title>([^<]*)<\/title>/g)].map(
    (m) => m[1] as string,
  );
}

const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe("toHtml on a Value graph", () => {
  it("is one page with the numbered SVG, the data block and the viewer", async () => {
    const { L } = tanhGraph();
    L.backward();
    const html = await toHtml(L, { title: "L = tanh(a·b + c)" });
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain("<title>L = tanh(a·b + c)</title>");
    expect(html.match(/<svg\b/g)).toHaveLength(1);
    expect(html).toContain("#6 a"); // toDot's numbering: a is the 6th node the backward pass reaches
    expect(html).toContain("#1 L");
    expect(scripts(html)).toHaveLength(2);
    // the viewer is valid JavaScript (compiled, not run)
    expect(() => new Function(scripts(html)[1] as string)).not.toThrow();
  });

  it("embeds the trace, the backward numbers and the steps, which parse back exactly", async () => {
    const { L } = tanhGraph();
    L.backward();
    const html = await toHtml(L);
    const data = pageData(html);
    expect(data.title).toBe("chainrule graph");
    expect(data.precision).toBe(4);
    expect(data.roots).toEqual(["n8"]);
    expect(data.steps).toEqual(roundTrip(backwardSteps(L)));
    expect(data.edges).toEqual(traceGraph(L).edges);
    expect(data.nodes.map((n) => n.id)).toEqual(traceGraph(L).nodes.map((n) => n.id));

    const byName = new Map(data.nodes.filter((n) => n.kind !== "op").map((n) => [n.name, n]));
    const a = byName.get("a");
    expect(a).toMatchObject({
      id: "n0",
      kind: "value",
      label: "a",
      number: 6,
      data: 2,
      link: null,
      inputs: [],
    });
    expect(a?.grad).toBeCloseTo(-3 * (1 - Math.tanh(4) ** 2), 12);
    expect(byName.get("L")).toMatchObject({ id: "n8", number: 1, link: "n7" });
    expect(data.nodes.find((n) => n.id === "n2")).toMatchObject({
      kind: "op",
      op: "mul",
      name: "mul",
      inputs: ["n0", "n1"],
      link: "n3",
    });

    // the step into a: upstream ∂L/∂e = 1 − tanh²(4), local ∂e/∂a = b = −3, contribution their product
    const intoA = data.steps.filter((s) => s.input.id === "n0");
    expect(intoA).toHaveLength(1);
    const step = intoA[0] as (typeof data.steps)[number];
    expect(step).toMatchObject({
      op: "mul",
      operand: 0,
      node: { name: "e", number: 4 },
      local: { symbol: "b" },
    });
    expect(step.upstream.value).toBeCloseTo(1 - Math.tanh(4) ** 2, 12);
    expect(step.local.value?.value).toBe(-3);
    expect(step.contribution.value).toBeCloseTo(-3 * (1 - Math.tanh(4) ** 2), 12);

    // every node Graphviz drew is in the data, under the same id
    const ids = new Set(data.nodes.map((n) => n.id));
    const drawn = svgNodeIds(html);
    expect(drawn.length).toBe(data.nodes.length);
    for (const id of drawn) expect(ids.has(id)).toBe(true);
  });

  it("references nothing outside the page", async () => {
    const { L } = tanhGraph();
    L.backward();
    const html = await toHtml(L);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/\b(src|href|xlink:href|srcset|action)\s*=/i);
    expect(html).not.toMatch(/url\(|@import|<link\b|<iframe\b|<img\b|<object\b|<embed\b/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
  });

  it("traces several roots together and embeds non-finite numbers as strings", async () => {
    const x = value(0, "x");
    const y = x.log(); // -∞
    y.label = "y";
    const z = x.div(x); // NaN
    z.label = "z";
    const html = await toHtml([y, z]);
    const data = pageData(html);
    expect(data.roots).toEqual(["n2", "n4"]);
    const node = (name: string) => data.nodes.find((n) => n.name === name);
    expect(node("y")?.data).toBe("-Infinity");
    expect(node("z")?.data).toBe("NaN");
  });
});

describe("toHtml on a Tensor graph", () => {
  it("embeds shapes, dtypes, nested values and the steps", async () => {
    const { x, y } = linearSigmoidGraph();
    x.requiresGrad = true;
    y.backward();
    const html = await toHtml(y, { maxValues: 4 });
    const data = pageData(html);
    expect(data.steps).toEqual(roundTrip(backwardSteps(y, { maxValues: 4 })));
    const xs = data.nodes.find((n) => n.label === "x");
    expect(xs).toMatchObject({
      kind: "tensor",
      shape: [1, 3],
      dtype: "float64",
      data: [[1, 2, 3]],
      link: null,
    });
    expect(xs?.grad).toEqual(roundTrip(x.grad?.toArray()));
    expect(data.nodes.find((n) => n.label === "y")).toMatchObject({ kind: "tensor", shape: [], number: 1 });
    expect(data.nodes.filter((n) => n.kind === "op").map((n) => n.op)).toContain("sigmoid");
    expect(svgNodeIds(html).sort()).toEqual(data.nodes.map((n) => n.id).sort());
    expect(html).toContain("#1 y");
  });

  it("cuts big tensors to maxElements in the panel data", async () => {
    const w = tensor(
      Array.from({ length: 50 }, (_, i) => i),
      { label: "w", requiresGrad: true },
    );
    const s = w.mul(w).sum();
    s.backward();
    const data = pageData(await toHtml(s, { maxElements: 10, maxValues: 3 }));
    const node = data.nodes.find((n) => n.label === "w");
    expect(node).toMatchObject({ shape: [50], truncated: true });
    expect(node?.data).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const step of data.steps) if (step.input.shape[0] === 50) expect(step.contribution.value).toBeNull();
  });
});

describe("hostile labels cannot break the page", () => {
  const HOSTILE = [
    "</script><script>alert(1)</script>",
    "</SCRIPT ><!-- <script>",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a label that looks like a template
    "\"quotes' and `backticks` ${x}",
    "<!-- comment -->",
    "line\u2028separator\u2029paragraph",
    "]]></svg><img src=x onerror=alert(1)>",
    "&amp; &lt; &#60; \\u003c",
    "{a|b} <port>",
  ];

  it.each(HOSTILE)("label %j", async (label) => {
    const a = value(2, label);
    const t = tensor([1, 2], { label, requiresGrad: true });
    const L = a.mul(-3).tanh();
    const T = t.mul(t).sum();
    L.label = label;
    T.label = label;
    L.backward();
    T.backward();
    const html = await toHtml([L, T], { title: label });
    // exactly the two scripts the page has: nothing opened or closed one early
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toContain("<!--");
    expect(html).not.toMatch(/<img\b/i);
    for (const text of scripts(html)) expect(text).not.toMatch(/[\u2028\u2029<]/);
    // the data round-trips: the labels come back exactly
    const data = pageData(html);
    expect(data.title).toBe(label);
    expect(data.nodes.filter((n) => n.label === label).map((n) => n.kind)).toEqual([
      "value",
      "value",
      "tensor",
      "tensor",
    ]);
    expect(data.steps).toEqual(roundTrip(backwardSteps([L, T])));
    // the title is text in <title> and <h1>
    const text = label.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    expect(html).toContain(`<title>${text}</title>`);
    expect(html).toContain(`<h1>${text}</h1>`);
  });

  it("embedJson escapes everything that could end a script or a string", () => {
    const text = embedJson({ s: "</script><!--\u2028\u2029&>", n: Number.NaN, i: -Infinity });
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual({ s: "</script><!--\u2028\u2029&>", n: "NaN", i: "-Infinity" });
  });
});

describe("toHtml checks its arguments", () => {
  it("rejects bad roots and options with one clear message", async () => {
    await expect(toHtml(3 as never)).rejects.toThrow(ChainruleError);
    await expect(toHtml(3 as never)).rejects.toThrow(/^toHtml: root must be a Value, a Tensor/);
    const x = value(1, "x");
    await expect(toHtml(x, { title: 3 as never })).rejects.toThrow("toHtml: title must be a string");
    await expect(toHtml(x, { maxElements: -1 })).rejects.toThrow(
      "toHtml: maxElements must be an integer ≥ 0, got number -1",
    );
    await expect(toHtml(x, { precision: 0 })).rejects.toThrow("toHtml: precision must be an integer");
    await expect(toHtml(x, null as never)).rejects.toThrow("toHtml: options must be an object");
  });

  it("draws a graph without gradients", async () => {
    const x = value(3, "x");
    const y = x.mul(x); // backward never ran: grads are 0, the steps are recomputed anyway
    const data = pageData(await toHtml(y));
    expect(data.steps).toHaveLength(2);
    expect(data.nodes.find((n) => n.label === "x")?.grad).toBe(0);
  });
});
