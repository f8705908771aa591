/**
 * The page `toHtml` writes, in headless Chromium: clicking, hovering and the keyboard select a
 * node, and the panel shows its data, its gradient and the chain-rule step that made it, with
 * the numbers of micrograd's example L = tanh(a·b + c), a = 2, b = −3, c = 10. The page loads
 * nothing and logs no error. Also the page `chainrule grad … --html` writes, and a Tensor graph.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { formatNumber } from "../../src/graph/index";
import { toHtml } from "../../src/index";
import { linearSigmoidGraph, tanhGraph } from "../graph/fixtures";
import { closeCheckedPages, launchChromium, openViewer, type PageProblems } from "./browser";

// ∂L/∂d = 1 − tanh²(4); a·b = e, e + c = d, L = tanh(d)
const T = 1 - Math.tanh(4) ** 2;
const fmt = (x: number) => formatNumber(x, 4);

let browser: Browser;
let dir: string;
const pages: { page: Page; problems: PageProblems }[] = [];
let valuePage: string;

beforeAll(async () => {
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), "chainrule-e2e-"));
  const { L } = tanhGraph();
  L.backward();
  valuePage = join(dir, "tanh.html");
  writeFileSync(valuePage, await toHtml(L, { title: "L = tanh(a·b + c)" }));
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// every page stayed self-contained and error-free
afterEach(() => closeCheckedPages(pages));

async function open(file: string): Promise<Page> {
  const opened = await openViewer(browser, pathToFileURL(file).href);
  pages.push(opened);
  return opened.page;
}

/** The text a locator shows on screen. */
// biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText (rendered text), not the DOM property
const shown = (locator: Locator) => locator.innerText();
const node = (page: Page, id: string) => page.locator(`g.node[data-node="${id}"]`);
const field = (page: Page, name: string) => page.locator(`#panel dl [data-field="${name}"]`);
const title = (page: Page) => page.locator("#panel-title");

/** The texts of one step block in the panel: head, upstream, local, contribution. */
async function stepTexts(page: Page, section: "received" | "pushed", k = 0) {
  const step = page.locator(`#panel [data-section="${section}"] .step`).nth(k);
  const text = async (sel: string) => (await shown(step.locator(sel))).trim();
  return {
    head: await text(".step-head"),
    upstream: await text('[data-field="upstream"]'),
    local: (await text('[data-field="local"]')).replace(/\s+/g, " "),
    contribution: await text('[data-field="contribution"]'),
  };
}

describe("the viewer of a Value graph", () => {
  it("draws the numbered graph, the summary and a table of the five steps", async () => {
    const page = await open(valuePage);
    await expect(shown(page.locator("h1"))).resolves.toBe("L = tanh(a·b + c)");
    await expect(shown(page.locator("#summary"))).resolves.toContain("L = 0.9993");
    await expect(page.locator("g.node[tabindex='0']").count()).resolves.toBe(9);
    await expect(page.locator("#steps tbody tr").count()).resolves.toBe(5);
    await expect(shown(page.locator("#panel"))).resolves.toContain("No node selected.");
  });

  it("shows a clicked node's data, grad and chain-rule step, and keeps it selected", async () => {
    const page = await open(valuePage);
    await node(page, "n0").click(); // a
    await expect(shown(title(page))).resolves.toBe("#6 a");
    await expect(shown(field(page, "label"))).resolves.toBe("a");
    await expect(shown(field(page, "op"))).resolves.toBe("— (leaf)");
    await expect(shown(field(page, "data"))).resolves.toBe("2");
    await expect(shown(field(page, "grad"))).resolves.toBe("-0.004023");
    expect(fmt(-3 * T)).toBe("-0.004023");

    await expect(page.locator('#panel [data-section="received"] .step').count()).resolves.toBe(1);
    expect(await stepTexts(page, "received")).toEqual({
      head: "step 4: from #4 e through mul",
      upstream: fmt(T), // ∂L/∂e = 0.001341
      local: "b = -3", // ∂e/∂a = b
      contribution: fmt(-3 * T),
    });

    // the node, its edge into mul and its row of the table are highlighted
    await expect(node(page, "n0").getAttribute("class")).resolves.toContain("selected");
    await expect(node(page, "n0").getAttribute("aria-pressed")).resolves.toBe("true");
    await expect(page.locator("g.edge.related").count()).resolves.toBe(1);
    await expect(
      page.locator("#steps tr.related").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-step"))),
    ).resolves.toEqual(["4"]);

    // moving the pointer away keeps the selection
    await page.mouse.move(5, 5);
    await expect(shown(title(page))).resolves.toBe("#6 a");

    // an intermediate node: the step it received, and the two it pushed to its operands
    await node(page, "n3").click(); // e = a·b
    await expect(shown(title(page))).resolves.toBe("#4 e");
    await expect(shown(field(page, "op"))).resolves.toBe("mul");
    await expect(shown(field(page, "operands"))).resolves.toBe("#6 a, #5 b");
    expect((await stepTexts(page, "received")).local).toBe("1 = 1");
    expect(await stepTexts(page, "pushed", 1)).toEqual({
      head: "step 5: mul into #5 b",
      upstream: fmt(T),
      local: "a = 2",
      contribution: fmt(2 * T),
    });
    // the operand links select the operand
    await page.locator('#panel [data-field="operands"] button', { hasText: "#5 b" }).click();
    await expect(shown(title(page))).resolves.toBe("#5 b");
    await expect(shown(field(page, "grad"))).resolves.toBe("0.002682");
  });

  it("previews the node under the pointer and returns to the selection after", async () => {
    const page = await open(valuePage);
    await node(page, "n1").hover(); // b
    await expect(shown(title(page))).resolves.toBe("#5 b");
    await expect(shown(page.locator("#panel-mode"))).resolves.toContain("preview");
    await expect(shown(field(page, "data"))).resolves.toBe("-3");
    await expect(shown(field(page, "grad"))).resolves.toBe(fmt(2 * T));
    expect(await stepTexts(page, "received")).toMatchObject({ local: "a = 2", contribution: "0.002682" });
    await expect(node(page, "n1").getAttribute("class")).resolves.toContain("hovered");

    await page.mouse.move(5, 5);
    await expect(shown(page.locator("#panel"))).resolves.toContain("No node selected.");

    // an op node: its operands, its result and the chain rule through it
    await node(page, "n5").hover(); // add
    await expect(shown(title(page))).resolves.toBe("op add");
    await expect(shown(field(page, "operands"))).resolves.toBe("#4 e, #3 c");
    await expect(shown(field(page, "result"))).resolves.toBe("#2 d");
    await expect(page.locator('#panel [data-section="pushed"] .step').count()).resolves.toBe(2);

    // with a selection, hovering previews another node, leaving returns to the selection
    await node(page, "n8").click(); // L
    await node(page, "n4").hover(); // c
    await expect(shown(title(page))).resolves.toBe("#3 c");
    await page.mouse.move(5, 5);
    await expect(shown(title(page))).resolves.toBe("#1 L");
    await expect(shown(field(page, "grad"))).resolves.toBe("1");
    await expect(shown(page.locator('#panel [data-section="received"]'))).resolves.toContain("The root");
  });

  it("selects with the keyboard: Tab to a node, Enter or Space, Escape clears", async () => {
    const page = await open(valuePage);
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute("data-node") ?? null);
    const tabTo = async (id: string) => {
      for (let i = 0; i < 30 && (await focused()) !== id; i++) await page.keyboard.press("Tab");
      expect(await focused()).toBe(id);
    };
    await tabTo("n4"); // c
    await page.keyboard.press("Enter");
    await expect(node(page, "n4").getAttribute("aria-pressed")).resolves.toBe("true");
    await expect(shown(title(page))).resolves.toBe("#3 c");
    await expect(shown(field(page, "grad"))).resolves.toBe(fmt(T));
    expect(await stepTexts(page, "received")).toEqual({
      head: "step 3: from #2 d through add",
      upstream: "0.001341",
      local: "1 = 1",
      contribution: "0.001341",
    });

    await tabTo("n8"); // L
    await page.keyboard.press(" ");
    await expect(node(page, "n8").getAttribute("aria-pressed")).resolves.toBe("true");
    await expect(node(page, "n4").getAttribute("aria-pressed")).resolves.toBe("false");
    await expect(shown(title(page))).resolves.toBe("#1 L");
    await expect(shown(field(page, "data"))).resolves.toBe(fmt(Math.tanh(4)));

    await page.keyboard.press("Escape");
    await expect(page.locator("g.node.selected").count()).resolves.toBe(0);
    await page.keyboard.press("Tab"); // focus leaves the graph's last node: nothing previewed
    await expect(shown(page.locator("#panel"))).resolves.toContain("No node selected.");
  });
});

describe("the viewer's step-through of the backward pass", () => {
  /** The data id of the node labelled `label`, from the page's embedded data. */
  const idOf = (page: Page, label: string) =>
    page.evaluate((l) => {
      const data = JSON.parse(document.getElementById("chainrule-data")?.textContent ?? "{}");
      return (data.nodes as { id: string; label: string | null }[]).find((n) => n.label === l)?.id ?? "";
    }, label);
  const stepField = (page: Page, name: string) => shown(page.locator(`.stepper [data-field="${name}"]`));
  const highlighted = (page: Page, role: string) =>
    page.locator(`svg g.node.${role}`).evaluateAll((gs) => gs.map((g) => g.getAttribute("data-node")));

  it("plays the five steps edge by edge with the keyboard and the buttons, as numbers and as mathematics", async () => {
    const page = await open(valuePage);
    const [a, c, d, e, L] = await Promise.all(["a", "c", "d", "e", "L"].map((l) => idOf(page, l)));
    await expect(page.locator(".stepper").count()).resolves.toBe(0);
    await page.locator("#step-mode").click();
    const stepper = page.locator(".stepper");
    await expect(stepper.getAttribute("data-step")).resolves.toBe("1");
    await expect(shown(page.locator(".stepper-count"))).resolves.toBe("step 1 of 5");
    // step 1: the gradient 1 at L flows back through tanh into d, times 1 − tanh²(d)
    await expect(highlighted(page, "step-node")).resolves.toEqual([L]);
    await expect(highlighted(page, "step-input")).resolves.toEqual([d]);
    await expect(page.locator("svg.stepping g.edge.step-edge").count()).resolves.toBe(2);
    await expect(stepField(page, "upstream")).resolves.toBe("1");
    await expect(stepField(page, "local")).resolves.toMatch(new RegExp(` = ${fmt(T)}$`));
    await expect(stepField(page, "product")).resolves.toBe(`1 × ${fmt(T)} = ${fmt(T)}`);
    await expect(page.locator("[data-action=prev]").isDisabled()).resolves.toBe(true);

    // the step as mathematics: KaTeX's MathML, with fractions ∂L/∂d and the numbers
    // (three lines: the chain rule, the local derivative's formula, the numbers)
    const math = page.locator('.stepper [data-field="math"] math');
    await expect(math.count()).resolves.toBe(3);
    await expect(math.locator("mfrac").count()).resolves.toBeGreaterThanOrEqual(3);
    const tex = async () =>
      (await page.locator('.stepper [data-field="math"] annotation').allTextContents()).join("\n");
    await expect(tex()).resolves.toContain("\\frac{\\partial L}{\\partial d}");
    await expect(tex()).resolves.toContain(`= ${fmt(T)}`);
    const box = await math.first().boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(100); // rendered, not an empty element

    // → three times: step 4, the gradient at e flows through mul into a, times b = −3
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
    await expect(stepper.getAttribute("data-step")).resolves.toBe("4");
    await expect(highlighted(page, "step-node")).resolves.toEqual([e]);
    await expect(highlighted(page, "step-input")).resolves.toEqual([a]);
    await expect(stepField(page, "upstream")).resolves.toBe(fmt(T));
    await expect(stepField(page, "local")).resolves.toBe("b = -3");
    await expect(stepField(page, "product")).resolves.toBe(`${fmt(T)} × -3 = ${fmt(-3 * T)}`);
    await expect(stepField(page, "total")).resolves.toBe(fmt(-3 * T));
    await expect(tex()).resolves.toContain(`= ${fmt(T)} \\cdot b`);
    await expect(tex()).resolves.toContain(`= ${fmt(T)} \\cdot ({-3}) = {${fmt(-3 * T)}}`);
    await expect(
      page.locator("#steps tr.current").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-step"))),
    ).resolves.toEqual(["4"]);

    // ← back to step 3: through add into c, times 1
    await page.keyboard.press("ArrowLeft");
    await expect(stepper.getAttribute("data-step")).resolves.toBe("3");
    await expect(highlighted(page, "step-input")).resolves.toEqual([c]);
    await expect(stepField(page, "product")).resolves.toBe(`${fmt(T)} × 1 = ${fmt(T)}`);

    // the buttons, then Play runs to the last step and stops there
    await page.locator("[data-action=next]").click();
    await expect(stepper.getAttribute("data-step")).resolves.toBe("4");
    await page.locator("[data-action=prev]").click();
    await page.locator("[data-action=prev]").click();
    await expect(stepper.getAttribute("data-step")).resolves.toBe("2");
    await page.locator("[data-action=play]").click();
    await page.waitForSelector('.stepper[data-step="5"]', { timeout: 10_000 });
    await expect(stepField(page, "local")).resolves.toBe("a = 2");
    await expect(stepField(page, "product")).resolves.toBe(`${fmt(T)} × 2 = ${fmt(2 * T)}`);
    await page.waitForFunction(() => document.querySelector("[data-action=play]")?.textContent === "Play");
    await expect(page.locator("[data-action=next]").isDisabled()).resolves.toBe(true);

    // Escape leaves step mode: no card, nothing highlighted
    await page.keyboard.press("Escape");
    await expect(page.locator(".stepper").count()).resolves.toBe(0);
    await expect(page.locator("svg.stepping").count()).resolves.toBe(0);
    await expect(page.locator("#steps tr.current").count()).resolves.toBe(0);
  });
});

describe("the page the CLI writes", () => {
  it("chainrule grad … --html writes a page that works the same", async () => {
    const file = join(dir, "cli.html");
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "grad", "tanh(a*b + c)", "a=2", "b=-3", "c=10", "--html", file],
      { encoding: "utf8" },
    );
    expect(r.stderr.replace(/npm warn.*\n/g, "")).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("∂f/∂a = -0.0040228520490775965");

    const page = await open(file);
    await expect(shown(page.locator("h1"))).resolves.toBe("f = tanh(a*b + c)");
    const a = page.locator('g.node[aria-label^="#6 a,"]');
    await expect(a.count()).resolves.toBe(1);
    await a.click();
    await expect(shown(title(page))).resolves.toBe("#6 a");
    await expect(shown(field(page, "data"))).resolves.toBe("2");
    await expect(shown(field(page, "grad"))).resolves.toBe("-0.004023");
    expect(await stepTexts(page, "received")).toEqual({
      head: "step 4: from #4 v₁ through mul",
      upstream: "0.001341",
      local: "b = -3",
      contribution: "-0.004023",
    });
    await expect(page.locator("#steps tbody tr").count()).resolves.toBe(5);
  });
});

describe("the viewer of a Tensor graph", () => {
  it("shows shape, dtype and values of data and grad", async () => {
    const { x, y } = linearSigmoidGraph();
    x.requiresGrad = true;
    y.backward();
    const file = join(dir, "tensor.html");
    writeFileSync(file, await toHtml(y));
    const page = await open(file);
    const id = await page.evaluate(() => {
      const data = JSON.parse(document.getElementById("chainrule-data")?.textContent ?? "{}");
      return (data.nodes as { id: string; label: string | null }[]).find((n) => n.label === "x")?.id;
    });
    await node(page, id as string).click();
    await expect(shown(field(page, "shape"))).resolves.toBe("[1, 3] (3 elements)");
    await expect(shown(field(page, "dtype"))).resolves.toBe("float64");
    await expect(shown(field(page, "data"))).resolves.toBe("[[1, 2, 3]]");
    const grad = ((x.grad as NonNullable<typeof x.grad>).toArray() as number[][])[0] as number[];
    await expect(shown(field(page, "grad"))).resolves.toBe(`[[${grad.map(fmt).join(", ")}]]`);
    // x feeds the linear layer's matmul: a Jacobian, shown by its formula and the contribution
    const step = await stepTexts(page, "received");
    expect(step.contribution).toBe(`[[${grad.map(fmt).join(", ")}]]`);
  });
});
