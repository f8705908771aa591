/**
 * The viewer's built assets (src/graph/viewer/assets.generated.ts) are committed so that tests
 * and tsx run from src/ without a build step; this fails when they are out of date with their
 * sources (page.ts, style.css, and what page.ts imports). Fix: `npm run build:viewer`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED, viewerAssets } from "../../scripts/build-viewer";
import { VIEWER_SCRIPT, VIEWER_STYLE } from "../../src/graph/viewer/assets.generated";

describe("the viewer's generated assets", () => {
  it("are what scripts/build-viewer.ts builds from the sources now (else run `npm run build:viewer`)", async () => {
    expect(readFileSync(GENERATED, "utf8")).toBe(await viewerAssets());
  });

  it("hold no character that could end the inline script or style early", () => {
    for (const text of [VIEWER_SCRIPT, VIEWER_STYLE]) {
      expect(text.length).toBeGreaterThan(100);
      expect(text).not.toMatch(/[<\u2028\u2029]/);
    }
  });
});
