/**
 * The package as users install it. Everything here runs against the packed tarball installed in
 * a new project (see setup.ts), never against src/: ESM and CommonJS, both entries together, the
 * declarations under `tsc --strict`, the bin, every example and documentation sample, and a
 * browser bundle in headless Chromium.
 */

import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allSamples, cliCommands, normaliseOutput, sampleFileName } from "../docs/markdown";
import { launchChromium } from "../e2e/browser";
import { type Consumer, createConsumer, ROOT } from "./setup";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  files: string[];
};
let c: Consumer;

/** What browser.ts leaves on the page's window. */
type PageWindow = { chainruleResult?: Record<string, unknown>; chainruleError?: string };

beforeAll(async () => {
  c = await createConsumer();
});

afterAll(() => {
  if (c && !process.env.KEEP_CONSUMER) rmSync(c.dir, { recursive: true, force: true });
});

/** Runs a project file with node and parses the JSON it prints. */
async function nodeJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await c.node([file])) as Record<string, unknown>;
}

describe("one engine across entry points", () => {
  for (const file of ["esm.mjs", "cjs.cjs"]) {
    it(`${file}: loader tensors feed nn, node errors are ChainruleErrors, models round-trip, the kernels run`, async () => {
      const out = await nodeJson(file);
      expect(out.loaderTensorIsTensor).toBe(true);
      expect(out.linearShape).toEqual([120, 3]);
      expect(out.loadError).toMatchObject({ isChainruleError: true, name: "ChainruleError" });
      expect(out.roundTrip).toBe(true);
      expect(out.json).toBe('{"shape":[1,2],"dtype":"float64","data":[[1,2]]}');
      expect(out.className).toBe("Tensor"); // not a bundler's renamed "_Tensor"
      expect(out.version).toBe(pkg.version);
      // the WebAssembly kernels load from the built bundle; threads give one thread's bits
      expect(out.kernels).toMatchObject({ backend: "wasm", sameOnThreads: true });
      expect((out.kernels as { maxThreads: number }).maxThreads).toBeGreaterThanOrEqual(1);
      expect((out.kernels as { jsError: number }).jsError).toBeLessThan(1e-3);
    });
  }

  it("chainrule/node imports the engine from the root entry instead of bundling a copy", () => {
    for (const file of ["node.js", "node.cjs"]) {
      const code = readFileSync(join(c.installed, "dist", file), "utf8");
      expect(code, file).toMatch(/from "chainrule"|require\("chainrule"\)/);
      expect(code, file).not.toMatch(/class\s+_?(Tensor|Value|Module)\b|(Tensor|Value|Module)\d* = class/);
    }
    for (const file of ["node.d.ts", "node.d.cts"]) {
      const types = readFileSync(join(c.installed, "dist", file), "utf8");
      expect(types, file).toMatch(/from ['"]chainrule['"]/);
      expect(types, file).not.toMatch(/declare class (Tensor|Module|Value|ChainruleError)\b/);
    }
  });

  it("mixing the ESM and CommonJS copies fails with a message that says so", async () => {
    const out = await nodeJson("mixed.mjs");
    expect(out.twoCopies).toBe(true);
    expect(out.message).toMatch(/from another copy of chainrule/);
    expect(out.message).toMatch(/ESM import and a CommonJS require/);
    // either copy's ChainruleError recognises the error
    expect(out.esmInstanceof).toBe(true);
    expect(out.cjsInstanceof).toBe(true);
  });
});

describe("types", () => {
  const tsc = () => join(c.dir, "node_modules/typescript/bin/tsc");
  for (const config of ["tsconfig.bundler.json", "tsconfig.nodenext.json"]) {
    it(`${config}: tsc --strict accepts a consumer using both entries (no skipLibCheck)`, async () => {
      await expect(c.node([tsc(), "-p", config])).resolves.toBe("");
    });
  }
});

describe("the bin", () => {
  const bin = () => join(c.dir, "node_modules/.bin/chainrule");
  it("--version prints the package's version", async () => {
    expect((await c.node([bin(), "--version"])).trim()).toBe(pkg.version);
  });
  it("grad computes a gradient", async () => {
    const out = JSON.parse(await c.node([bin(), "grad", "x*y + sin(x)", "x=2", "y=3", "--json"]));
    expect(out.value).toBeCloseTo(6 + Math.sin(2), 12);
    expect(out.grads.x).toBeCloseTo(3 + Math.cos(2), 12);
    expect(out.grads.y).toBeCloseTo(2, 12);
  });
});

describe("the tarball", () => {
  it("ships the build, the guides the README links to, the license; no sources, no install scripts", () => {
    const manifest = JSON.parse(readFileSync(join(c.installed, "package.json"), "utf8"));
    expect(manifest.scripts?.prepare).toBeUndefined();
    expect(manifest.scripts?.install).toBeUndefined();
    expect(manifest.scripts?.postinstall).toBeUndefined();
    expect(existsSync(join(c.installed, "LICENSE"))).toBe(true);
    expect(existsSync(join(c.installed, "src"))).toBe(false);
    const readme = readFileSync(join(c.installed, "README.md"), "utf8");
    const links = [...readme.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)]
      .map((m) => m[1] as string)
      .filter((href) => !/^[a-z]+:/.test(href));
    expect(links.length).toBeGreaterThan(3);
    for (const href of links) expect(existsSync(join(c.installed, href)), `README link ${href}`).toBe(true);
  });
  it("source maps carry their sources (src/ is not shipped)", () => {
    for (const file of ["index.js.map", "index.cjs.map", "node.js.map", "cli.js.map"]) {
      const map = JSON.parse(readFileSync(join(c.installed, "dist", file), "utf8"));
      expect(map.sourcesContent?.length, file).toBe(map.sources.length);
    }
  });
});

describe("examples and documentation samples run against the installed package", () => {
  const small: Record<string, string> = {
    "logistic-regression-iris": "{ epochs: 20, examples: 2 }",
    "moons-scalar": "{ points: 30, steps: 3, plot: false }",
    "salary-network": "{ steps: 20 }",
    "softmax-regression-iris": "{ epochs: 3 }",
    xor: "{ steps: 50 }",
  };
  it("every docs/examples/*.ts, run small", async () => {
    const names = Object.keys(small);
    const shipped = [
      "logistic-regression-iris",
      "moons-scalar",
      "salary-network",
      "softmax-regression-iris",
      "xor",
    ];
    expect(names.sort()).toEqual(shipped);
    const runner = names
      .map((n, i) => `import { main as m${i} } from "./node_modules/chainrule/docs/examples/${n}.ts";`)
      .concat(names.map((n, i) => `m${i}({ ...${small[n]}, log: () => {} });`))
      .concat(['console.log("examples ran");'])
      .join("\n");
    writeFileSync(join(c.dir, "run-examples.mts"), runner);
    expect((await c.tsx(["run-examples.mts"])).trim()).toBe("examples ran");
  });

  it("every ts sample of README.md and docs/*.md prints what the page shows", async () => {
    const samples = allSamples().filter((s) => s.kind === "run");
    expect(samples.length).toBeGreaterThan(10);
    const files = samples.map((s) => {
      const file = `sample-${sampleFileName(s).replace(/\.ts$/, ".mts")}`;
      writeFileSync(join(c.dir, file), `${s.code}\n`);
      return file;
    });
    writeFileSync(join(c.dir, "samples.json"), JSON.stringify(files));
    const results = JSON.parse(await c.tsx(["run-samples.mts", "samples.json"])) as Record<
      string,
      { output?: string; error?: string }
    >;
    samples.forEach((s, i) => {
      const r = results[files[i] as string];
      expect(r?.error, `${s.id} threw`).toBeUndefined();
      if (s.expected) expect(normaliseOutput(r?.output ?? ""), s.id).toBe(normaliseOutput(s.expected.text));
    });
  });

  it("every chainrule command of the docs prints what the page shows, through the installed bin", async () => {
    const samples = allSamples().filter((s) => s.kind === "cli");
    const bin = join(c.dir, "node_modules/.bin/chainrule");
    for (const s of samples) {
      let output = "";
      for (const command of cliCommands(s.code)) {
        const words = [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
        output += await c.node([bin, ...(words.slice(2) as string[])]);
      }
      if (s.expected) expect(normaliseOutput(output), s.id).toBe(normaliseOutput(s.expected.text));
    }
  });
});

describe("in a browser", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const outdir = join(c.dir, "web");
    // platform "browser": any Node-only import in the root entry fails this build
    await build({
      entryPoints: [join(c.dir, "browser.ts")],
      outdir,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      logLevel: "error",
    });
    writeFileSync(
      join(outdir, "index.html"),
      '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>chainrule</title><script type="module" src="browser.js"></script>',
    );
    server = createServer((req, res) => {
      const path = join(outdir, (req.url ?? "/") === "/" ? "index.html" : (req.url ?? "").slice(1));
      if (relative(outdir, path).startsWith("..") || !existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      const type = path.endsWith(".html") ? "text/html" : "text/javascript";
      res.writeHead(200, { "content-type": type }).end(readFileSync(path));
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => server?.close());

  it("trains a step, multiplies on the WebAssembly backend, renders SVG and builds the viewer page with no console errors", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}`);
      });
      await page.goto(url);
      await page.waitForFunction(
        () => (window as PageWindow).chainruleResult || (window as PageWindow).chainruleError,
        null,
        {
          timeout: 60_000,
        },
      );
      expect(await page.evaluate(() => (window as PageWindow).chainruleError)).toBeUndefined();
      const result = (await page.evaluate(() => (window as PageWindow).chainruleResult)) as {
        lossBefore: number;
        lossAfter: number;
        backend: string;
        matmulError: number;
        svg: string;
        html: string;
      };
      expect(result.lossAfter).toBeLessThan(result.lossBefore);
      expect(result.backend).toBe("wasm");
      expect(result.matmulError).toBeLessThan(1e-4);
      expect(result.svg).toBe("<svg");
      // the viewer page made in the browser opens there too
      const viewer = await browser.newPage();
      viewer.on("pageerror", (e) => errors.push(`viewer pageerror: ${e.message}`));
      viewer.on("console", (m) => {
        if (m.type() === "error") errors.push(`viewer console: ${m.text()}`);
      });
      await viewer.setContent(result.html);
      await viewer.waitForSelector("html[data-ready=true]", { timeout: 10_000 });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
