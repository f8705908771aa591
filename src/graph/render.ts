/**
 * `renderSvg`: SVG from a graph or DOT text, in-process with Graphviz compiled to WebAssembly
 * (`@viz-js/viz`): no system binary, the same in Node and browsers. The renderer (about 1 MB)
 * is loaded with a dynamic `import()` on first use, so importing chainrule stays light.
 */
import type { Viz } from "@viz-js/viz";
import { ChainruleError } from "../errors";
import { checkOneOf, checkOptions, fail } from "../validate";
import { printDot } from "./dot";
import { dotGraph, type ToDotOptions } from "./to-dot";
import type { GraphRoot } from "./walk";

/** Options of {@link renderSvg}: those of `toDot` (ignored for DOT text), the layout engine and the size budget. */
export interface RenderSvgOptions extends ToDotOptions {
  /** Graphviz layout engine (default `"dot"`). */
  engine?: "dot" | "neato" | "fdp" | "sfdp" | "circo" | "twopi" | "osage" | "patchwork";
  /**
   * The most nodes (data, op and collapsed nodes, and copies) a drawing may have (default
   * {@link MAX_NODES}; `Infinity` for no limit). Larger graphs throw a `ChainruleError` before
   * Graphviz starts: laying out thousands of nodes takes minutes and can exhaust its memory.
   */
  maxNodes?: number;
  /** The most edges a drawing may have (default {@link MAX_EDGES}; `Infinity` for no limit). */
  maxEdges?: number;
}

/** Default node budget of `renderSvg` and `toHtml`. */
export const MAX_NODES = 2500;
/** Default edge budget of `renderSvg` and `toHtml`. */
export const MAX_EDGES = 5000;

const ENGINES = ["dot", "neato", "fdp", "sfdp", "circo", "twopi", "osage", "patchwork"] as const;

let viz: Promise<Viz> | undefined;

function loadViz(): Promise<Viz> {
  viz ??= import("@viz-js/viz").then((m) => m.instance());
  viz.catch(() => {
    viz = undefined; // let a later call try again
  });
  return viz;
}

/**
 * Renders a graph (via `toDot(root, options)`) or DOT text to an SVG document.
 *
 * Size budget: a drawing with more than `maxNodes` nodes or `maxEdges` edges (defaults 2500 and
 * 5000: Graphviz needs about 2 ms per node, so about 5 s) is refused with a `ChainruleError` before any layout work; shrink it with `toDot`'s
 * options (`collapse: true` or `collapse: { name: module }` folds modules into one node each,
 * `clusters` only boxes them) or draw a smaller part of the graph. For DOT text the edges (`->`,
 * `--`) and node statements are counted.
 *
 * @param rootOrDot a `Value`, a `Tensor`, an array of them, or DOT text
 * @param options `toDot` options, `engine`, `maxNodes`, `maxEdges`
 * @returns the `<svg>…</svg>` element (no XML prolog): inline it in HTML or save it as a `.svg` file
 * @throws ChainruleError with Graphviz's messages when the DOT text is invalid, when the drawing
 *   is over budget, or when Graphviz fails (e.g. runs out of memory)
 * @example
 * const x = value(3, "x");
 * const svg = await renderSvg(x.mul(x).tanh());
 * svg.startsWith("<svg"); // true
 */
export function renderSvg(rootOrDot: GraphRoot | string, options?: RenderSvgOptions): Promise<string> {
  return renderAs(rootOrDot, options, "renderSvg");
}

/** @internal `renderSvg` with `fn` naming the public function in error messages. */
export async function renderAs(
  rootOrDot: GraphRoot | string,
  options: RenderSvgOptions | undefined,
  fn: string,
): Promise<string> {
  const opts = checkOptions(options, fn);
  const engine = opts.engine === undefined ? "dot" : checkOneOf(opts.engine, ENGINES, fn, "engine");
  const maxNodes = checkBudget(opts.maxNodes, MAX_NODES, fn, "maxNodes");
  const maxEdges = checkBudget(opts.maxEdges, MAX_EDGES, fn, "maxEdges");
  let dot: string;
  let size: { nodes: number; edges: number };
  if (typeof rootOrDot === "string") {
    dot = rootOrDot;
    size = countDot(dot);
  } else {
    const graph = dotGraph(rootOrDot, opts, fn);
    dot = printDot(graph);
    size = { nodes: graph.nodes.length, edges: graph.edges.length };
  }
  if (size.nodes > maxNodes || size.edges > maxEdges) {
    const what =
      size.nodes > maxNodes
        ? `${size.nodes} nodes (maxNodes ${maxNodes})`
        : `${size.edges} edges (maxEdges ${maxEdges})`;
    throw new ChainruleError(
      `${fn}: the drawing has ${what}, too many to lay out in reasonable time; make it smaller with ` +
        "toDot's options (collapse: true, or collapse: { name: module }, folds each module into one node; " +
        "clusters only boxes them) or draw part of the graph, or raise maxNodes/maxEdges",
    );
  }
  let result: ReturnType<Viz["render"]>;
  try {
    result = (await loadViz()).render(dot, { format: "svg", engine });
  } catch (err) {
    viz = undefined; // the WebAssembly instance may be broken (e.g. out of memory): start a new one next time
    throw new ChainruleError(
      `${fn}: Graphviz failed on a drawing of ${size.nodes} nodes and ${size.edges} edges: ${errorText(err)} ` +
        "(usually out of memory: make the drawing smaller, e.g. with toDot's collapse option)",
    );
  }
  if (result.status !== "success") {
    const messages = (Array.isArray(result.errors) ? result.errors : [])
      .filter((e) => e?.level !== "warning")
      .map((e) => errorText(e?.message).trim());
    throw new ChainruleError(
      `${fn}: Graphviz could not render the DOT text: ${messages.join("; ") || "unknown error"}`,
    );
  }
  if (typeof result.output !== "string" || !result.output.includes("<svg")) {
    throw new ChainruleError(`${fn}: Graphviz returned no SVG`);
  }
  return withFontFallbacks(result.output.slice(result.output.indexOf("<svg")));
}

/**
 * Fonts for Graphviz's "Helvetica" texts: Graphviz sizes every box with Helvetica's metrics, and
 * Arial, Liberation Sans and Nimbus Sans have the same metrics; DejaVu Sans Condensed (on most
 * Linux systems) is about as wide. Plain `sans-serif` is often DejaVu Sans, about 10% wider, whose
 * text overflows the boxes drawn for it.
 */
export const SVG_FONTS = "Helvetica,Arial,'Liberation Sans','Nimbus Sans','DejaVu Sans Condensed',sans-serif";

/** Replaces Graphviz's `font-family="Helvetica,sans-Serif"` with {@link SVG_FONTS}. */
function withFontFallbacks(svg: string): string {
  return svg.replaceAll('font-family="Helvetica,sans-Serif"', `font-family="${SVG_FONTS}"`);
}

/** A budget option: an integer ≥ 1 or `Infinity`. */
function checkBudget(value: unknown, fallback: number, fn: string, what: string): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    fail(fn, what, "an integer ≥ 1 or Infinity", value);
  }
  return value;
}

/**
 * @internal What a thrown value says, whatever it is: Graphviz's WebAssembly build can throw
 * non-`Error` values (an abort object, a number, a string) when it runs out of memory.
 */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === "string") return err || "unknown error";
  if (err === null || err === undefined) return "unknown error";
  if (typeof err === "object") {
    const message = (err as { message?: unknown }).message;
    if (typeof message === "string" && message !== "") return message;
    try {
      const json = JSON.stringify(err);
      if (json !== undefined && json !== "{}") return json.length > 200 ? `${json.slice(0, 200)}…` : json;
    } catch {
      // fall through
    }
    return "unknown error (probably out of memory)";
  }
  try {
    return String(err);
  } catch {
    return typeof err;
  }
}

/**
 * Counts the edges (`->`, `--`) and node statements of DOT text, outside quoted strings and
 * comments: an estimate of the drawing's size for the budget.
 */
function countDot(dot: string): { nodes: number; edges: number } {
  let edges = 0;
  let statements = 0;
  let statementHasEdge = false;
  let statementHasId = false;
  let statementKeyword = false;
  let word = "";
  const endStatement = () => {
    if (statementHasId && !statementHasEdge && !statementKeyword) statements++;
    statementHasEdge = false;
    statementHasId = false;
    statementKeyword = false;
  };
  for (let i = 0; i < dot.length; i++) {
    const c = dot[i] as string;
    if (c === '"') {
      let j = i + 1;
      while (j < dot.length && dot[j] !== '"') j += dot[j] === "\\" ? 2 : 1;
      i = j;
      statementHasId = true;
      continue;
    }
    if (c === "/" && dot[i + 1] === "*") {
      const end = dot.indexOf("*/", i + 2);
      i = end === -1 ? dot.length : end + 1;
      continue;
    }
    if ((c === "/" && dot[i + 1] === "/") || (c === "#" && (i === 0 || dot[i - 1] === "\n"))) {
      const end = dot.indexOf("\n", i);
      i = end === -1 ? dot.length : end - 1;
      continue;
    }
    if (c === "[") {
      // attributes: skip to the closing bracket (quoted strings inside were handled above only at top level)
      let j = i + 1;
      while (j < dot.length && dot[j] !== "]") {
        if (dot[j] === '"') {
          j++;
          while (j < dot.length && dot[j] !== '"') j += dot[j] === "\\" ? 2 : 1;
        }
        j++;
      }
      i = j;
      continue;
    }
    if (c === "-" && (dot[i + 1] === ">" || dot[i + 1] === "-")) {
      edges++;
      statementHasEdge = true;
      i++;
      continue;
    }
    if (/[A-Za-z0-9_.\u0080-\uffff]/.test(c)) {
      word += c;
      continue;
    }
    if (word !== "") {
      if (/^(graph|node|edge|subgraph|digraph|strict)$/i.test(word)) statementKeyword = true;
      else statementHasId = true;
      word = "";
    }
    if (c === ";" || c === "\n" || c === "{" || c === "}") endStatement();
  }
  if (word !== "") statementHasId = true;
  endStatement();
  return { nodes: statements, edges };
}
