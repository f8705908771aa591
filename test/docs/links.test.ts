/**
 * Links between the pages: every relative link of README.md and docs/*.md points to a file that
 * exists, and every `#anchor` (on the same page or another page) to a heading that exists, with
 * GitHub's heading slugs.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { documentationFiles, fromRoot, parseFences, ROOT } from "./markdown";

/** The text of a Markdown file outside its fenced code blocks. */
function prose(markdown: string): string[] {
  const lines = markdown.split("\n");
  for (const { fence, endLine } of parseFences(markdown)) {
    for (let i = fence.line - 1; i < endLine; i++) lines[i] = "";
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation and symbols dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(readFileSync(join(ROOT, file), "utf8"))) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

describe("documentation links", () => {
  for (const file of documentationFiles()) {
    it(`of ${file} point to existing files and headings`, () => {
      const problems: string[] = [];
      const text = prose(readFileSync(join(ROOT, file), "utf8")).join("\n");
      for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
        const [path, anchor] = target.split("#") as [string, string | undefined];
        const linked = path === "" ? file : fromRoot(normalize(join(ROOT, dirname(file), path)));
        if (!existsSync(join(ROOT, linked))) {
          problems.push(`${target}: ${linked} does not exist`);
          continue;
        }
        if (anchor !== undefined && linked.endsWith(".md") && !anchors(linked).has(anchor)) {
          problems.push(`${target}: no heading with the anchor #${anchor} in ${linked}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
