/**
 * The playground (site/, built by `npm run site`) in headless Chromium, opened from the built
 * folder as a file:// page: a typed expression is drawn, differentiated and stepped through; a
 * hand derivation is checked, right and wrong; each lecture example renders. The page loads
 * nothing from outside its folder and logs no error. The site is built here, into a temporary
 * folder, so the test needs no build step before it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildSite } from "../../scripts/build-site";
import { leavesOf, lectureExamples } from "../../site/models";
import { formatNumber } from "../../src/graph/index";
import { Value } from "../../src/index";
import { closeCheckedPages, launchChromium, openViewer, type PageProblems } from "./browser";

const fmt = (x: number) => formatNumber(x, 4);

let browser: Browser;
let dir: string;
let url: string;
const pages: { page: Page; problems: PageProblems }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "chainrule-site-"));
  const site = await buildSite(dir);
  expect(Object.keys(site.files).sort()).toEqual(["index.html", "playground.css", "playground.js"]);
  url = pathToFileURL(join(dir, "index.html")).href;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// every page stayed self-contained and error-free
afterEach(() => closeCheckedPages(pages));

async function open(): Promise<Page> {
  const folder = pathToFileURL(dir).href;
  const opened = await openViewer(browser, url, (r) => r.startsWith(`${folder}/`));
  pages.push(opened);
  return opened.page;
}

// biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText (rendered text), not the DOM property
const shown = (locator: Locator) => locator.innerText();
const cellOf = (page: Page, name: string, field: "value" | "grad") =>
  shown(page.locator(`#values tr[data-name="${name}"] [data-field="${field}"]`));
const stepField = (page: Page, name: string) => shown(page.locator(`.stepper [data-field="${name}"]`));

/** Waits until the page shows `model` (after a render that started after `since`). */
async function rendered(page: Page, model: string): Promise<void> {
  await page.waitForSelector(`body[data-model="${model}"][data-state="ready"]`, { timeout: 30_000 });
}

/** A lecture example's scalar gradients as the page formats them, computed here in Node. */
function referenceGrads(key: string): Record<string, string> {
  const model = lectureExamples().find((m) => m.key === key);
  if (!model) throw new Error(`no example ${key}`);
  const leaves = leavesOf(model);
  (model.build(leaves) as Value).backward();
  const out: Record<string, string> = {};
  for (const [name, leaf] of Object.entries(leaves)) if (leaf instanceof Value) out[name] = fmt(leaf.grad);
  return out;
}

async function checkDerivation(page: Page, variable: string, formula: string): Promise<string | null> {
  await page.locator("#check-var").selectOption(variable);
  await page.locator("#check-formula").fill(formula);
  await page.locator("#check").click();
  await page.waitForSelector("#check-result[data-result]");
  return page.locator("#check-result").getAttribute("data-result");
}

describe("the playground", () => {
  it("draws and differentiates the expression it opens with", async () => {
    const page = await open();
    await rendered(page, "expression");
    // f = x²·y + tanh(x) at x = 3, y = 2: ∂f/∂x = 2xy + 1 − tanh²(x), ∂f/∂y = x²
    await expect(page.locator("#graph svg g.node").count()).resolves.toBeGreaterThan(6);
    await expect(cellOf(page, "x", "value")).resolves.toBe("3");
    await expect(cellOf(page, "x", "grad")).resolves.toBe(fmt(12 + 1 - Math.tanh(3) ** 2));
    await expect(cellOf(page, "y", "grad")).resolves.toBe("9");
    await expect(page.locator(".stepper").count()).resolves.toBe(1);
  });

  it("takes a typed expression: graph, gradients, steps with mathematics, and derivation checks", async () => {
    const page = await open();
    await rendered(page, "expression");
    await page.locator("#expression").fill("tanh(a*b + c)");
    await page.locator("#bindings").fill("a=2, b=-3, c=10");
    await page.locator("#render").click();
    await page.waitForFunction(() => document.querySelector("#values tr[data-name=a]") !== null);
    await rendered(page, "expression");
    const T = 1 - Math.tanh(4) ** 2;
    await expect(cellOf(page, "a", "grad")).resolves.toBe(fmt(-3 * T));
    await expect(cellOf(page, "b", "grad")).resolves.toBe(fmt(2 * T));
    await expect(cellOf(page, "c", "grad")).resolves.toBe(fmt(T));
    await expect(page.locator("#graph svg g.node").count()).resolves.toBe(9);

    // step 1: through tanh; then → (focus outside the text fields) moves on, ← back
    const stepper = page.locator(".stepper");
    await expect(stepper.getAttribute("data-step")).resolves.toBe("1");
    await expect(shown(page.locator(".stepper-count"))).resolves.toBe("step 1 of 5");
    await expect(stepField(page, "product")).resolves.toBe(`1 × ${fmt(T)} = ${fmt(T)}`);
    await expect(page.locator('.stepper [data-field="math"] math mfrac').count()).resolves.toBeGreaterThan(2);
    await expect(page.locator("#graph svg.stepping g.node.step-input").count()).resolves.toBe(1);
    await page.locator("h1").click();
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
    await expect(stepper.getAttribute("data-step")).resolves.toBe("4");
    await expect(stepField(page, "upstream")).resolves.toBe(fmt(T));
    await expect(stepField(page, "local")).resolves.toBe("b = -3");
    await expect(stepField(page, "product")).resolves.toBe(`${fmt(T)} × -3 = ${fmt(-3 * T)}`);
    const inputTitle = await page
      .locator("#graph svg g.node.step-input title")
      .evaluateAll((ts) => ts.map((t) => t.textContent));
    expect(inputTitle).toHaveLength(1);
    await page.keyboard.press("ArrowLeft");
    await expect(stepper.getAttribute("data-step")).resolves.toBe("3");
    await page.locator("[data-action=next]").click();
    await page.locator("[data-action=next]").click();
    await expect(stepper.getAttribute("data-step")).resolves.toBe("5");
    await expect(stepField(page, "local")).resolves.toBe("a = 2");
    // arrows typed in a text field move the caret, not the steps
    await page.locator("#check-formula").click();
    await page.keyboard.press("ArrowLeft");
    await expect(stepper.getAttribute("data-step")).resolves.toBe("5");

    // a hand derivation: right, then wrong, then one that is not a formula
    await expect(checkDerivation(page, "a", "b*(1 - tanh(a*b + c)^2)")).resolves.toBe("match");
    await expect(shown(page.locator("#check-result"))).resolves.toContain("matches");
    await expect(checkDerivation(page, "a", "b*(1 - tanh(a*b + c))")).resolves.toBe("mismatch");
    await expect(shown(page.locator("#check-result"))).resolves.toContain(`autodiff says ${fmt(-3 * T)}`);
    await expect(checkDerivation(page, "c", "1 - tanh(a*b + c)^2")).resolves.toBe("match");
    await expect(checkDerivation(page, "c", "1 - tanh(z)")).resolves.toBe("error");
    await expect(shown(page.locator("#check-result"))).resolves.toContain("unknown name z");
  });

  it("says what is wrong with an expression it cannot read, and keeps working", async () => {
    const page = await open();
    await rendered(page, "expression");
    await page.locator("#expression").fill("x**2");
    await page.locator("#bindings").fill("x=3");
    await page.locator("#render").click();
    await page.waitForSelector('body[data-state="error"]');
    await expect(page.locator("#error").isVisible()).resolves.toBe(true);
    expect((await shown(page.locator("#error"))).length).toBeGreaterThan(5);
    await page.locator("#expression").fill("x^2");
    await page.locator("#bindings").fill("x=3");
    await page.locator("#render").click();
    await rendered(page, "expression");
    await expect(page.locator("#error").isVisible()).resolves.toBe(false);
    await expect(cellOf(page, "x", "grad")).resolves.toBe("6");
    await expect(checkDerivation(page, "x", "2*x")).resolves.toBe("match");
  });

  it("shows each lecture example: the 2-2-1 network, logistic regression, the salary network", async () => {
    const page = await open();
    await rendered(page, "expression");

    await page.locator("#example").selectOption("network-2-2-1");
    await rendered(page, "network-2-2-1");
    await expect(page.locator("#values tr[data-name]").count()).resolves.toBe(12); // L and 11 inputs
    await expect(cellOf(page, "x1", "value")).resolves.toBe("0.5");
    await expect(page.locator("#graph svg g.node").count()).resolves.toBeGreaterThan(20);
    const steps221 = Number((await shown(page.locator(".stepper-count"))).replace(/^step 1 of /, ""));
    expect(steps221).toBeGreaterThan(10);
    // the gradients shown are the ones the library computes in Node for the same model
    const reference = referenceGrads("network-2-2-1");
    for (const name of ["w11", "w22", "v1", "b3"])
      await expect(cellOf(page, name, "grad")).resolves.toBe(reference[name]);

    await page.locator("#example").selectOption("logistic-regression");
    await rendered(page, "logistic-regression");
    // the lecture's dw1 = (a − y)·x1 and db = a − y, checked against autodiff
    const a = "sigmoid(w1*x1 + w2*x2 + w3*x3 + b)";
    await expect(checkDerivation(page, "w1", `(${a} - y)*x1`)).resolves.toBe("match");
    await expect(checkDerivation(page, "b", `${a} - y`)).resolves.toBe("match");
    await expect(checkDerivation(page, "b", `y - ${a}`)).resolves.toBe("mismatch");
    const z = 1 + 0.5 * 1.2 - 0.25 * 0.7 + 0.1 * -2;
    const act = 1 / (1 + Math.exp(-z));
    await expect(cellOf(page, "w1", "grad")).resolves.toBe(fmt((act - 1) * 1.2));

    await page.locator("#example").selectOption("salary-network");
    await rendered(page, "salary-network");
    await expect(page.locator("#graph svg g.node").count()).resolves.toBeGreaterThan(8);
    await expect(cellOf(page, "W2", "grad")).resolves.toMatch(/^\[\[-?\d/);
    await page.locator("[data-action=next]").click();
    await expect(page.locator(".stepper").getAttribute("data-step")).resolves.toBe("2");
    await expect(page.locator('.stepper [data-field="math"] math').count()).resolves.toBe(3);
    // ∂C/∂W2 = a2ᵀ · ((ŷ − y) ⊙ ŷ(1 − ŷ)), written out in the inputs
    const a2 = "sigmoid(X @ W1)";
    const yHat = `sigmoid(${a2} @ W2)`;
    await expect(
      checkDerivation(page, "W2", `transpose(${a2}) @ ((${yHat} - y) * ${yHat} * (1 - ${yHat}))`),
    ).resolves.toBe("match");
    await expect(checkDerivation(page, "W2", `transpose(${a2}) @ (${yHat} - y)`)).resolves.toBe("mismatch");

    // and back to an expression
    await page.locator("#example").selectOption("expression");
    await rendered(page, "expression");
  });
});
