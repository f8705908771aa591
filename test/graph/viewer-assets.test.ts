/**
 * The viewer's built assets (src/graph/viewer/assets.generated.ts) are committed so that tests
 * and tsx run from src/ without a build step; this fails when they are out of date with their
 * sources (page.ts, style.css, and what page.ts imports). Fix: `npm run build:viewer`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { escapeLessThan, GENERATED, rewriteLessThan, viewerAssets } from "../../scripts/build-viewer";
import { VIEWER_SCRIPT, VIEWER_STYLE } from "../../src/graph/viewer/assets.generated";

describe("the viewer's generated assets", () => {
  it("are what scripts/build-viewer.ts builds from the sources now (else run `npm run build:viewer`)", async () => {
    expect(readFileSync(GENERATED, "utf8")).toBe(await viewerAssets());
  }, 60_000); // bundling and rewriting KaTeX takes a few seconds

  it("hold no character that could end the inline script or style early", () => {
    for (const text of [VIEWER_SCRIPT, VIEWER_STYLE]) {
      expect(text.length).toBeGreaterThan(100);
      expect(text).not.toMatch(/[<\u2028\u2029]/);
    }
  });
});

describe('the build\'s removal of every "<" from the inline script (KaTeX has many)', () => {
  const run = (code: string): unknown => new Function(`let result; ${code}; return result;`)();

  it("rewrites comparisons and shifts into calls that give the same results", () => {
    const code = [
      "const xs = [1, 2, NaN, -0, '10', '9', 'a', 'b', undefined, null];",
      "const out = [];",
      "for (const a of xs) for (const b of xs) out.push(a < b, a <= b);",
      "for (const a of [1, -1, 5, 2 ** 31 - 1, -(2 ** 31), 3.7]) for (const b of [0, 1, 3, 31, 32, 33, -1]) out.push(a << b);",
      "let i = 0, n = 0; for (; i < 10; i++) n += i << 1;",
      "out.push(n, (1 < 2) < 2, 1 < 2 ? 'y' : 'n');",
      "result = out;",
    ].join("\n");
    const rewritten = rewriteLessThan(code);
    expect(rewritten).toContain("__lt(");
    expect(rewritten).toContain("__shl(");
    const out = escapeLessThan(rewritten);
    expect(out).not.toContain("<");
    expect(run(out)).toEqual(run(code));
  });

  it('escapes the "<" left in strings, templates and regular expressions', () => {
    const code = String.raw`result = ["</script>", '<!--', "\<", "\\<", /[<]+/.exec("a<<b")[0], ${"`"}<${"$"}{1 + 1}>${"`"}, /\</.test("<")];`;
    const out = escapeLessThan(rewriteLessThan(code));
    expect(out).not.toContain("<");
    expect(run(out)).toEqual(["</script>", "<!--", "<", "\\<", "<<", "<2>", true]);
  });

  it('refuses code that still compares with "<", and a shift-assignment it cannot rewrite', () => {
    expect(() => escapeLessThan("result = 1 < 2;")).toThrow(/operator is left/);
    expect(() => rewriteLessThan("let a = 1; a <<= 2;")).toThrow(/<<=/);
  });
});
