/**
 * Builds the HTML viewer's assets: src/graph/viewer/page.ts (type-checked and linted like the
 * rest of src/) bundled by esbuild with what it imports (the step-through, stepper.ts, and
 * KaTeX, which writes its mathematics) into one minified ES2017 script, and
 * src/graph/viewer/style.css + stepper.css minified, both written as strings to
 * src/graph/viewer/assets.generated.ts, which `toHtml` inlines into its self-contained page. The
 * generated file is committed, so tests and tsx run from src/ without a build step;
 * test/graph/viewer-assets.test.ts fails when it is out of date.
 *
 * The inline script must hold no "<" (no `</script>`, no `<!--` can then appear): KaTeX has
 * many, so `rewriteLessThan` rewrites the bundle: comparisons `a < b`, `a <= b` and shifts
 * `a << b` become calls of tiny helpers written with `>` (found with the TypeScript parser), and
 * `escapeLessThan` turns the "<" left in strings, templates and regular expressions into the
 * escape `\x3c`.
 *
 *     npm run build:viewer                      writes src/graph/viewer/assets.generated.ts
 *     npx tsx scripts/build-viewer.ts --check   exits 1 when the committed file is out of date
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build, transform } from "esbuild";
import ts from "typescript";

const viewerDir = fileURLToPath(new URL("../src/graph/viewer/", import.meta.url));

/** Where the generated module lives. */
export const GENERATED = `${viewerDir}assets.generated.ts`;

/**
 * A string as a template literal whose value is exactly `s` (backslashes, backquotes and `${`
 * escaped), so the formatter leaves it as it is.
 */
function templateLiteral(s: string): string {
  return `\`${s.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${")}\``;
}

/** Helpers the rewritten comparisons call: `a < b` is `b > a`, `a << b` a multiplication. */
const HELPERS =
  "var __lt=function(a,b){return b>a},__le=function(a,b){return b>=a}," +
  "__shl=function(a,b){return Math.imul(a,Math.pow(2,b&31))};";

/**
 * JavaScript with the same meaning and no relational "<": `<`, `<=` and `<<` become calls of
 * `__lt`, `__le`, `__shl` (operands still evaluated left to right). Throws on `<<=`.
 */
export function rewriteLessThan(code: string): string {
  const source = parseJs(code);
  const f = ts.factory;
  const helper: Partial<Record<ts.SyntaxKind, string>> = {
    [ts.SyntaxKind.LessThanToken]: "__lt",
    [ts.SyntaxKind.LessThanEqualsToken]: "__le",
    [ts.SyntaxKind.LessThanLessThanToken]: "__shl",
  };
  let rewritten = 0;
  const visit = (node: ts.Node): ts.Node => {
    const next = ts.visitEachChild(node, visit, undefined);
    if (ts.isBinaryExpression(next)) {
      if (next.operatorToken.kind === ts.SyntaxKind.LessThanLessThanEqualsToken)
        throw new Error("build-viewer: cannot rewrite `<<=` in the bundle");
      const name = helper[next.operatorToken.kind];
      if (name) {
        rewritten++;
        return f.createCallExpression(f.createIdentifier(name), undefined, [next.left, next.right]);
      }
    }
    return next;
  };
  const result = ts.transform(source, [() => (root) => ts.visitNode(root, visit) as ts.SourceFile]);
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  const out = printer.printFile(result.transformed[0] as ts.SourceFile);
  result.dispose();
  return rewritten > 0 ? HELPERS + out : out;
}

/**
 * Replaces every "<" in code that has no relational "<" left (checked with the parser) by the
 * escape `\x3c`: what is left is in string, template and regular expression literals, where
 * `\x3c` means "<". An escaped `\<` loses its backslash; an even run of backslashes is kept.
 */
export function escapeLessThan(code: string): string {
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && /</.test(node.operatorToken.getText()))
      throw new Error(`build-viewer: a "<" operator is left at ${node.getStart()}`);
    if (ts.isJsxElement(node) || ts.isJsxSelfClosingElement(node) || ts.isTypeReferenceNode(node))
      throw new Error(`build-viewer: unexpected syntax at ${node.getStart()}`);
    ts.forEachChild(node, visit);
  };
  visit(parseJs(code));
  return code.replace(
    /(\\*)</g,
    (_m, slashes: string) => `${slashes.length % 2 === 1 ? slashes.slice(1) : slashes}\\x3c`,
  );
}

function parseJs(code: string): ts.SourceFile {
  return ts.createSourceFile("bundle.js", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
}

/** KaTeX's licence notice, which its MIT licence asks every copy of it to keep (the bundles drop comments). */
export const KATEX_NOTICE =
  "/*! Includes KaTeX (MIT License), Copyright (c) 2013-2020 Khan Academy and other contributors. */";

/** The text of assets.generated.ts, built from the sources as they are now. */
export async function viewerAssets(): Promise<string> {
  const bundled = await build({
    entryPoints: [`${viewerDir}page.ts`],
    bundle: true,
    format: "iife",
    target: "es2017",
    platform: "browser",
    charset: "utf8",
    legalComments: "none",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  // minified again after the rewrite, which prints the code out at length
  const rewritten = await transform(rewriteLessThan(bundled.outputFiles[0]?.text ?? ""), {
    minify: true,
    target: "es2017",
    charset: "utf8",
    legalComments: "none",
  });
  const script = `${KATEX_NOTICE}\n${escapeLessThan(rewritten.code).trim()}`;
  const styles = ["style.css", "stepper.css"].map((f) => readFileSync(`${viewerDir}${f}`, "utf8")).join("\n");
  const css = await transform(styles, {
    loader: "css",
    minify: true,
    charset: "utf8",
  });
  const style = css.code.trim();
  // The page inlines both in <script> and <style>: no "<" may appear (no end tag, no comment
  // opener), nor a line or paragraph separator.
  for (const [name, text] of [
    ["script", script],
    ["style", style],
  ] as const) {
    const bad = /[<\u2028\u2029]/.exec(text);
    if (bad) {
      throw new Error(
        `build-viewer: the built ${name} contains ${JSON.stringify(bad[0])} at ${bad.index}: …${text.slice(Math.max(0, bad.index - 60), bad.index + 20)}…`,
      );
    }
  }
  return [
    "// Generated by scripts/build-viewer.ts (`npm run build:viewer`) from src/graph/viewer/page.ts",
    "// and src/graph/viewer/style.css. Do not edit: change the sources and rebuild.",
    "",
    "/** The viewer's script: page.ts and what it imports, bundled as one ES2017 IIFE. */",
    `export const VIEWER_SCRIPT = ${templateLiteral(script)};`,
    "",
    "/** The viewer's style sheet, minified. */",
    `export const VIEWER_STYLE = ${templateLiteral(style)};`,
    "",
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = await viewerAssets();
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(GENERATED, "utf8");
    } catch {}
    if (current !== text) {
      console.error(
        "build-viewer: src/graph/viewer/assets.generated.ts is out of date; run `npm run build:viewer`",
      );
      process.exit(1);
    }
  } else {
    writeFileSync(GENERATED, text);
    console.log(`build-viewer: wrote ${GENERATED}`);
  }
}
