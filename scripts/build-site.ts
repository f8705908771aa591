/**
 * Builds the playground (site/): site/playground.ts with the library's root entry, the viewer's
 * step-through, Graphviz (WebAssembly, embedded by @viz-js/viz) and KaTeX bundled by esbuild
 * into one classic script, the style sheets (the step-through's and the page's) into one, and
 * index.html, written to a folder that works offline: open out/site/index.html from disk or
 * serve the folder. Nothing in it loads anything from elsewhere.
 *
 *     npm run site                          writes out/site/
 *     npx tsx scripts/build-site.ts DIR     writes DIR/
 */
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, transform } from "esbuild";
import { KATEX_NOTICE } from "./build-viewer";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The default output folder (gitignored with the rest of out/). */
export const SITE_DIR = join(root, "out", "site");

/** The files of the built site, with their sizes in bytes. */
export interface BuiltSite {
  dir: string;
  files: Record<string, number>;
}

/** Builds the playground into `dir` (default out/site) and returns its files and sizes. */
export async function buildSite(dir: string = SITE_DIR): Promise<BuiltSite> {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, "site", "playground.ts")],
    outfile: join(out, "playground.js"),
    bundle: true,
    // a classic script, not a module: Chromium loads no module script from a file:// page
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    charset: "utf8",
    // the bundled libraries' licence comments stay, at the end; KaTeX has none, so its notice leads
    legalComments: "eof",
    banner: { js: KATEX_NOTICE },
    logLevel: "warning",
  });
  const css = ["src/graph/viewer/stepper.css", "site/playground.css"]
    .map((f) => readFileSync(join(root, f), "utf8"))
    .join("\n");
  writeFileSync(
    join(out, "playground.css"),
    (await transform(css, { loader: "css", minify: true, charset: "utf8" })).code,
  );
  copyFileSync(join(root, "site", "index.html"), join(out, "index.html"));
  const files: Record<string, number> = {};
  for (const f of ["index.html", "playground.js", "playground.css"]) files[f] = statSync(join(out, f)).size;
  return { dir: out, files };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const site = await buildSite(process.argv[2] ?? SITE_DIR);
  const sizes = Object.entries(site.files).map(([f, n]) => `${f} ${(n / 1024).toFixed(0)} KB`);
  console.log(`build-site: wrote ${site.dir} (${sizes.join(", ")}); open ${join(site.dir, "index.html")}`);
}
