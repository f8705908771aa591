/**
 * A minimal Graphviz DOT writer with escaping we control end to end.
 *
 * Why our own and not a builder library: `graphviz-builder` 0.1.1 crashes in its ESM build, has no
 * types, escapes nothing and turns `!`-prefixed text into HTML labels; `ts-graphviz` is ESM-only
 * and passes backslashes through (so a label `a\lb` becomes a line break) and emits any value
 * that looks like `<…>` as an HTML label. Graph diagrams need about a hundred lines of DOT
 * syntax, and every byte of user text must be escaped the same way everywhere, so this file
 * owns that syntax: every id and attribute value is written as a quoted string, and user text
 * goes through {@link escapeText}, never into HTML-like `<…>` labels.
 */

/** An attribute value: plain text (escaped here) or DOT string content already escaped. */
export type DotValue = string | number | boolean | DotRaw;

/** String content already escaped for a quoted DOT string (e.g. a record label from {@link recordLabel}). */
export interface DotRaw {
  readonly raw: string;
}

/** Attributes of a graph, node, edge or cluster; `undefined` entries are skipped. */
export type DotAttrs = Readonly<Record<string, DotValue | undefined>>;

/** One node statement. */
export interface DotNode {
  readonly id: string;
  readonly attrs: DotAttrs;
}

/** One edge statement `from -> to`. */
export interface DotEdge {
  readonly from: string;
  readonly to: string;
  readonly attrs?: DotAttrs;
}

/** A `subgraph cluster_…` box: its attributes and the ids of the nodes drawn inside it. */
export interface DotCluster {
  readonly id: string;
  readonly attrs: DotAttrs;
  readonly nodes: readonly string[];
}

/** A whole directed graph. */
export interface DotGraph {
  readonly name: string;
  readonly graphAttrs: DotAttrs;
  readonly nodeAttrs: DotAttrs;
  readonly edgeAttrs: DotAttrs;
  readonly nodes: readonly DotNode[];
  readonly edges: readonly DotEdge[];
  readonly clusters: readonly DotCluster[];
}

/** Characters with a meaning inside record labels (fields, ports, nesting). */
const RECORD_SPECIALS = new Set(["{", "}", "|", "<", ">"]);

// Control characters other than newline and tab would make the SVG invalid XML.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: a fast check for anything escapeText changes
const NEEDS_ESCAPE = /[\\"&{}|<>\u0000-\u001f\u007f\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Escapes arbitrary text as the content of a quoted DOT string (without the quotes).
 *
 * `\` and `"` are backslash-escaped (so Graphviz's `\n`, `\l`, `\N`… escapes can never be
 * triggered by user text), `&` becomes `&amp;` (Graphviz decodes entities such as `&lt;` in
 * labels), newlines become `\n` line breaks, tabs spaces, other control
 * characters and lone surrogates U+FFFD. With `record: true` the record-label metacharacters
 * `{ } | < >` are escaped too, so the text stays one literal field.
 *
 * @example
 * escapeText('say "hi"\\n');               // "say \\\"hi\\\"\\\\n"
 * escapeText("a|b", { record: true });    // "a\\|b"
 */
export function escapeText(text: string, options: { record?: boolean } = {}): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  const clean = text
    .replace(/\r\n?/g, "\n")
    .replace(/\t/g, " ")
    .replace(CONTROL, "\ufffd")
    .replace(LONE_SURROGATE, "\ufffd");
  let out = "";
  for (const ch of clean) {
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "&")
      out += "&amp;"; // Graphviz decodes HTML entities (&lt; &#60;) in labels
    else if (options.record === true && RECORD_SPECIALS.has(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/**
 * A record label (`shape=record`) from fields of plain text: each field is escaped, fields are
 * joined by `|`, and the whole is wrapped in `{ }` so that with `rankdir=LR` the fields stack
 * side by side as in micrograd's diagrams.
 *
 * @example
 * recordLabel(["a", "data 2", "grad -3"]); // { "raw": "{ a | data 2 | grad -3 }" }
 */
export function recordLabel(fields: readonly string[]): DotRaw {
  return { raw: `{ ${fields.map((f) => escapeText(f, { record: true })).join(" | ")} }` };
}

const KEYWORDS = new Set(["node", "edge", "graph", "digraph", "subgraph", "strict"]);

/** A DOT id: bare when it is a plain identifier (not a keyword) or numeral, otherwise a quoted string. */
function quote(value: DotValue): string {
  if (typeof value === "object") return `"${value.raw}"`;
  const text = String(value);
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text) && !KEYWORDS.has(text.toLowerCase())) return text;
  if (/^-?(\.[0-9]+|[0-9]+(\.[0-9]*)?)$/.test(text)) return text;
  return `"${escapeText(text)}"`;
}

function attrList(attrs: DotAttrs): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined) parts.push(`${quote(key)}=${quote(value)}`);
  }
  return parts.join(", ");
}

function nodeLine(node: DotNode, indent: string): string {
  const attrs = attrList(node.attrs);
  return attrs ? `${indent}${quote(node.id)} [${attrs}];` : `${indent}${quote(node.id)};`;
}

/**
 * Prints a {@link DotGraph} as DOT text: default attributes, then each cluster with its nodes,
 * then the remaining nodes, then the edges, each in the given order.
 *
 * @example
 * printDot({
 *   name: "g", graphAttrs: { rankdir: "LR" }, nodeAttrs: {}, edgeAttrs: {}, clusters: [],
 *   nodes: [{ id: "n0", attrs: { label: "x" } }], edges: [],
 * }); // "digraph g {\n  graph [rankdir=LR];\n  n0 [label=x];\n}\n"
 */
export function printDot(graph: DotGraph): string {
  const lines: string[] = [`digraph ${quote(graph.name)} {`];
  const defaults: [string, DotAttrs][] = [
    ["graph", graph.graphAttrs],
    ["node", graph.nodeAttrs],
    ["edge", graph.edgeAttrs],
  ];
  for (const [kind, attrs] of defaults) {
    const list = attrList(attrs);
    if (list) lines.push(`  ${kind} [${list}];`);
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const placed = new Set<string>();
  for (const cluster of graph.clusters) {
    lines.push(`  subgraph ${quote(cluster.id)} {`);
    const list = attrList(cluster.attrs);
    if (list) lines.push(`    graph [${list}];`);
    for (const id of cluster.nodes) {
      const node = byId.get(id);
      if (node === undefined || placed.has(id)) continue;
      placed.add(id);
      lines.push(nodeLine(node, "    "));
    }
    lines.push("  }");
  }
  for (const node of graph.nodes) if (!placed.has(node.id)) lines.push(nodeLine(node, "  "));
  for (const edge of graph.edges) {
    const list = edge.attrs ? attrList(edge.attrs) : "";
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${list ? ` [${list}]` : ""};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
