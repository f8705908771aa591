/**
 * toHtml writes one self-contained page: the numbered SVG, the graph and its chain-rule steps as
 * JSON that parses back exactly, whatever the labels hold, and nothing that loads from anywhere.
 * The page's behaviour in a browser is tested in test/e2e/.
 */
import { describe, expect, it } from "vitest";
import { embedJson } from "../../src/graph/html";
import { VIEWER_SCRIPT } from "../../src/graph/viewer/assets.generated";
import {
  backwardSteps,
  ChainruleError,
  fromSafetensors,
  type HtmlPageData,
  nn,
  tensor,
  toHtml,
  toSafetensors,
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

  it("names the nodes as the explanations do: labels, L for an unlabelled root, v₁, v₂, …", async () => {
    // micrograd's example without labels but a's: the page used to read "n8 = 0.9993"
    const a = value(2, "a");
    const L = a.mul(-3).add(10).tanh();
    L.backward();
    const data = pageData(await toHtml(L));
    expect(data.objective).toEqual({ text: "L", latex: "L" });
    const values = data.nodes.filter((n) => n.kind !== "op");
    expect(values.map((n) => [n.id, n.name, n.latex])).toEqual([
      ["n0", "a", "a"],
      ["n1", "-3", "-3"], // constants by their value
      ["n3", "v₁", "v_{1}"],
      ["n4", "10", "10"],
      ["n6", "v₂", "v_{2}"],
      ["n8", "L", "L"],
    ]);
    expect(data.nodes.find((n) => n.id === "n7")).toMatchObject({ name: "tanh", latex: "\\text{tanh}" });
    expect(data.steps.map((s) => `${s.node.name} → ${s.input.name}: ${s.local.symbol}`)).toEqual([
      "L → v₂: 1 − tanh²(v₂)",
      "v₂ → v₁: 1",
      "v₁ → a: -3",
    ]);
    expect(data.steps[0]?.local.latex).toBe("1 - \\tanh ^{2}(v_{2})");
  });

  it("references nothing outside the page", async () => {
    const { L } = tanhGraph();
    L.backward();
    const html = await toHtml(L);
    // the viewer's script bundles KaTeX, whose code names the MathML and SVG namespaces and
    // writes markup in strings: it is checked apart (and in Chromium, test/e2e, it makes no request)
    const markup = html.replace(VIEWER_SCRIPT, "");
    expect(markup.length).toBeLessThan(html.length - VIEWER_SCRIPT.length + 1);
    expect(markup).not.toMatch(/https?:\/\//i);
    expect(markup).not.toMatch(/\b(src|href|xlink:href|srcset|action)\s*=/i);
    expect(markup).not.toMatch(/url\(|@import|<link\b|<iframe\b|<img\b|<object\b|<embed\b/i);
    expect(new Set(VIEWER_SCRIPT.match(/https?:\/\/[^"'`\s]*/g))).toEqual(
      new Set(["http://www.w3.org/1998/Math/MathML", "http://www.w3.org/2000/svg"]),
    );
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

describe("toHtml with a model: its weights as a download", () => {
  it("embeds toSafetensors(model), base64, with its file name, size and tensor count", async () => {
    const model = new nn.Linear(2, 3);
    const y = model.forward(tensor([[1, 2]])).sum();
    const data = pageData(await toHtml(y, { model, modelFileName: "linear.safetensors" }));
    const bytes = Uint8Array.from(atob(data.model?.base64 ?? ""), (c) => c.charCodeAt(0));
    expect(bytes).toEqual(toSafetensors(model));
    expect(data.model).toMatchObject({ fileName: "linear.safetensors", bytes: bytes.length, tensors: 2 });
    expect(Object.keys(fromSafetensors(bytes))).toEqual(["bias", "weight"]);
  });

  it("takes a record of tensors, names the file model.safetensors by default, and has none without a model", async () => {
    const w = tensor([1, 2, 3]);
    const data = pageData(await toHtml(w.sum(), { model: { w } }));
    expect(data.model).toMatchObject({ fileName: "model.safetensors", tensors: 1 });
    expect(pageData(await toHtml(w.sum())).model).toBeNull();
  });

  it("refuses what is not a model, and a file name without a model", async () => {
    const x = value(1, "x");
    await expect(toHtml(x, { model: 3 as never })).rejects.toThrow(
      "toHtml: model must be a Module or a record of Tensors, got number 3",
    );
    await expect(toHtml(x, { model: { a: 1 } as never })).rejects.toThrow(
      /model must be a Module or a record/,
    );
    await expect(toHtml(x, { modelFileName: "m.safetensors" })).rejects.toThrow(
      "toHtml: modelFileName is given but model is not",
    );
  });
});

describe("toHtml with a module: parameters by their path", () => {
  it("names unlabelled parameters 0.weight, 0.bias in the page data, the steps and the diagram", async () => {
    const model = new nn.Sequential(new nn.Linear(2, 1));
    const L = model.forward(tensor([[1, 2]])).sum();
    const html = await toHtml(L, { module: model });
    const data = pageData(html);
    expect(data.nodes.map((n) => n.name)).toEqual(expect.arrayContaining(["0.weight", "0.bias"]));
    expect(data.steps.map((s) => s.input.name)).toContain("0.weight");
    expect(html).toMatch(/<text[^>]*>[^<]*0\.weight/);
    await expect(toHtml(L, { module: 3 as never })).rejects.toThrow(
      "toHtml: module must be a Module, got number 3",
    );
  });
});
