/**
 * The browser path of docs/taking-a-model-elsewhere.md ("In a browser"), in headless Chromium:
 * the page's sample code, bundled with the library's root entry as a reader's bundler would,
 * downloads a model's weights as a `.safetensors` Blob and loads them back from an
 * `<input type="file">`. The downloaded bytes are the model's state, tensor for tensor.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromSafetensors, manualSeed, nn, randn, toHtml, toSafetensors } from "../../src/index";
import { fromRoot, parseFences, ROOT } from "../docs/markdown";
import { launchChromium, openViewer, type PageProblems } from "./browser";

const GUIDE = "docs/taking-a-model-elsewhere.md";

/** The guide's browser sample: the first ts block after the "## In a browser" heading. */
function browserSample(): string {
  const markdown = readFileSync(fromRoot(GUIDE), "utf8");
  const headingLine = markdown.split("\n").findIndex((l) => l.trim() === "## In a browser") + 1;
  const fence = parseFences(markdown).find(({ fence }) => fence.lang === "ts" && fence.line > headingLine);
  if (headingLine === 0 || fence === undefined)
    throw new Error(`${GUIDE}: no ts sample under "## In a browser"`);
  return fence.fence.code;
}

/** The model the page trains on: the same seed gives the same weights here and there. */
const MODEL_SOURCE = `manualSeed(5); const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));`;

let browser: Browser;
let dir: string;

beforeAll(async () => {
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), "chainrule-download-"));
  const sample = browserSample();
  // the sample declares `model`; the page defines it (and hooks for the test) instead
  expect(sample).toContain("declare const model: nn.Module;");
  const body = sample
    .replace('import { fromSafetensors, nn, toSafetensors } from "chainrule";', "")
    .replace("declare const model: nn.Module;", "");
  const entry = [
    'import { fromSafetensors, manualSeed, nn, toSafetensors } from "chainrule";',
    MODEL_SOURCE,
    "const w = window as unknown as Record<string, unknown>;",
    "w.zeroWeights = () => { for (const p of model.parameters()) p.data.fill(0); };",
    "w.weightSum = () => model.parameters().reduce((s, p) => s + p.data.reduce((a, b) => a + b, 0), 0);",
    "w.runSample = () => {",
    body,
    "};",
  ].join("\n");
  writeFileSync(join(dir, "entry.ts"), entry);
  await build({
    entryPoints: [join(dir, "entry.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    outfile: join(dir, "bundle.js"),
    alias: { chainrule: join(ROOT, "src/index.ts") },
    logLevel: "error",
  });
  writeFileSync(
    join(dir, "index.html"),
    '<!doctype html><meta charset="utf-8"><input type="file"><script src="bundle.js"></script>',
  );
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a model's weights from a page (the guide's browser sample)", () => {
  it("downloads them as a safetensors Blob and loads them back from a file input", async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const problems: PageProblems = { errors: [], requests: [] };
    page.on("pageerror", (err) => problems.errors.push(`pageerror: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.errors.push(`console: ${msg.text()}`);
    });
    const url = pathToFileURL(join(dir, "index.html")).href;
    page.on("request", (req) => {
      if (!req.url().startsWith(pathToFileURL(dir).href) && !req.url().startsWith("blob:"))
        problems.requests.push(req.url());
    });
    await page.goto(url);

    const downloading = page.waitForEvent("download");
    await page.evaluate(() => (window as unknown as { runSample(): void }).runSample());
    const download = await downloading;
    expect(download.suggestedFilename()).toBe("model.safetensors");
    const saved = join(dir, "downloaded.safetensors");
    await download.saveAs(saved);

    // the same model, built here: the file holds its state under PyTorch's names, bit for bit
    manualSeed(5);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));
    const bytes = readFileSync(saved);
    expect(new Uint8Array(bytes)).toEqual(toSafetensors(model));
    expect(Object.keys(fromSafetensors(bytes)).sort()).toEqual(["0.bias", "0.weight", "2.bias", "2.weight"]);

    // loading: zero the page's weights, pick the file, and the weights are back
    const before = await page.evaluate(() => (window as unknown as { weightSum(): number }).weightSum());
    await page.evaluate(() => (window as unknown as { zeroWeights(): void }).zeroWeights());
    expect(await page.evaluate(() => (window as unknown as { weightSum(): number }).weightSum())).toBe(0);
    await page.setInputFiles("input[type=file]", saved);
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { weightSum(): number }).weightSum()))
      .toBe(before);
    expect(before).not.toBe(0);

    expect(problems.errors).toEqual([]);
    expect(problems.requests).toEqual([]);
    await page.close();
  });
});

describe("the viewer's download button (toHtml with a model)", () => {
  it("saves the model's weights as the safetensors file toSafetensors writes", async () => {
    manualSeed(6);
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    const loss = model
      .forward(randn([4, 2]))
      .square()
      .mean();
    loss.backward();
    const file = join(dir, "viewer.html");
    writeFileSync(
      file,
      await toHtml(loss, { title: "a model to take home", model, modelFileName: "tiny.safetensors" }),
    );
    const { page, problems } = await openViewer(browser, pathToFileURL(file).href);
    const button = page.locator("#download-model");
    expect(await button.textContent()).toMatch(/^Download tiny\.safetensors \(4 tensors, 0\.\d kB\)$/);
    const downloading = page.waitForEvent("download");
    await button.click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe("tiny.safetensors");
    const saved = join(dir, "tiny.safetensors");
    await download.saveAs(saved);
    expect(new Uint8Array(readFileSync(saved))).toEqual(toSafetensors(model));
    expect(problems.errors).toEqual([]);
    expect(problems.requests.filter((u) => !u.startsWith("blob:"))).toEqual([]);
    await page.close();
  });
});
