/**
 * The pictures in docs/images/ are drawn by scripts/docs-images.ts (chainrule's own toDot and
 * renderSvg). They are checked in, so this test redraws them and requires the checked-in files
 * to be exactly what the script draws now; and every picture a guide links must exist.
 * To update them: `npx tsx scripts/docs-images.ts`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { drawPictures, pictures } from "../../scripts/docs-images";
import { documentationFiles, fromRoot, ROOT } from "./markdown";

const IMAGES = join(ROOT, "docs/images");
const HINT = "run `npx tsx scripts/docs-images.ts` and commit docs/images/";

/** Local image links of a Markdown file: ![alt](path) and <img src="path">, repository-relative. */
function imageLinks(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const links = [
    ...[...text.matchAll(/!\[(?:[^[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(
      (m) => m[1] as string,
    ),
    ...[...text.matchAll(/<img\s[^>]*src="([^"]+)"/g)].map((m) => m[1] as string),
  ];
  return links
    .filter((l) => !/^[a-z]+:/i.test(l))
    .map((l) => fromRoot(normalize(join(ROOT, dirname(file), l.split("#")[0] as string))));
}

describe("documentation pictures", () => {
  it("are exactly what scripts/docs-images.ts draws now", async () => {
    const drawn = await drawPictures();
    const checkedIn = readdirSync(IMAGES).filter((f) => f.endsWith(".svg"));
    expect(checkedIn.sort(), `docs/images/ holds exactly the script's pictures: ${HINT}`).toEqual(
      [...drawn.keys()].sort(),
    );
    for (const [file, svg] of drawn) {
      expect(svg.startsWith("<svg"), file).toBe(true);
      const current = readFileSync(join(IMAGES, file), "utf8");
      expect(current === svg, `docs/images/${file} is out of date: ${HINT}`).toBe(true);
    }
  });

  it("fit a screen: at most 1400 px wide (Graphviz's points are 4/3 px)", async () => {
    for (const [file, svg] of await drawPictures()) {
      const pt = Number(/^<svg[^>]*\swidth="([\d.]+)pt"/.exec(svg)?.[1]);
      expect(pt, `${file} has a width`).toBeGreaterThan(0);
      expect((pt * 4) / 3, `docs/images/${file} is too wide`).toBeLessThanOrEqual(1400);
    }
  });

  it("linked from the guides exist, and every picture is linked", () => {
    const linked = new Set<string>();
    for (const file of documentationFiles()) {
      for (const link of imageLinks(file)) {
        expect(existsSync(join(ROOT, link)), `${file} links ${link}, which does not exist`).toBe(true);
        linked.add(link);
      }
    }
    for (const p of pictures) {
      expect(linked.has(`docs/images/${p.file}`), `docs/images/${p.file} is not linked (${p.usedIn})`).toBe(
        true,
      );
    }
  });
});
