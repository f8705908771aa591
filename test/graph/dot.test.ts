/** The DOT writer: escaping of arbitrary text, record fields, ids, and the statement layout. */
import { describe, expect, it } from "vitest";
import { escapeText, printDot, recordLabel } from "../../src/graph/dot";

describe("escapeText", () => {
  it.each([
    ["plain", "plain"],
    ['say "hi"', 'say \\"hi\\"'],
    ["back\\slash", "back\\\\slash"],
    ["\\N \\G \\l \\n", "\\\\N \\\\G \\\\l \\\\n"],
    ["two\nlines", "two\\nlines"],
    ["crlf\r\nand\rcr", "crlf\\nand\\ncr"],
    ["tab\there", "tab here"],
    ["bell\u0007", "bell\ufffd"],
    ["lone \ud800 surrogate", "lone \ufffd surrogate"],
    ["emoji 😀 ∂σ", "emoji 😀 ∂σ"],
    ["<b>!html</b>", "<b>!html</b>"],
    ["{a|b}", "{a|b}"],
    ["ends with \\", "ends with \\\\"],
    ["&amp; & &#60;", "&amp;amp; &amp; &amp;#60;"],
  ])("escapes %j for a quoted string", (text, escaped) => {
    expect(escapeText(text)).toBe(escaped);
  });

  it("also escapes the record metacharacters in record mode", () => {
    expect(escapeText('{a|b} <p> "q" \\', { record: true })).toBe('\\{a\\|b\\} \\<p\\> \\"q\\" \\\\');
  });

  it("joins record fields inside braces", () => {
    expect(recordLabel(["a|b", "data 2"])).toEqual({ raw: "{ a\\|b | data 2 }" });
  });
});

describe("printDot", () => {
  it("writes defaults, clusters with their nodes, other nodes, then edges; ids bare only when safe", () => {
    const dot = printDot({
      name: "g",
      graphAttrs: { rankdir: "LR", label: "a title" },
      nodeAttrs: { fontsize: 11 },
      edgeAttrs: {},
      nodes: [
        { id: "n0", attrs: { label: "x" } },
        { id: "node", attrs: { label: 'q"' } },
        { id: "n 2", attrs: { shape: "record", label: recordLabel(["a", "b"]), skipped: undefined } },
      ],
      edges: [
        { from: "n0", to: "n 2" },
        { from: "node", to: "n0", attrs: { style: "dashed" } },
      ],
      clusters: [{ id: "cluster_0", attrs: { label: "box" }, nodes: ["n 2", "missing"] }],
    });
    expect(dot).toMatchInlineSnapshot(`
      "digraph g {
        graph [rankdir=LR, label="a title"];
        node [fontsize=11];
        subgraph cluster_0 {
          graph [label=box];
          "n 2" [shape=record, label="{ a | b }"];
        }
        n0 [label=x];
        "node" [label="q\\""];
        n0 -> "n 2";
        "node" -> n0 [style=dashed];
      }
      "
    `);
  });
});
