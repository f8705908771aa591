/**
 * `renderSvg`: SVG from a graph or DOT text, in-process with Graphviz compiled to WebAssembly
 * (`@viz-js/viz`): no system binary, the same in Node and browsers. The renderer (about 1 MB)
 * is loaded with a dynamic `import()` on first use, so importing chainrule stays light.
 */
import type { Viz } from "@viz-js/viz";
import { ChainruleError, describe } from "../errors";
import { type ToDotOptions, toDot } from "./to-dot";
import type { GraphRoot } from "./walk";

/** Options of {@link renderSvg}: those of `toDot` (ignored for DOT text) and the layout engine. */
export interface RenderSvgOptions extends ToDotOptions {
  /** Graphviz layout engine (default `"dot"`). */
  engine?: "dot" | "neato" | "fdp" | "sfdp" | "circo" | "twopi" | "osage" | "patchwork";
}

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
 * @param rootOrDot a `Value`, a `Tensor`, an array of them, or DOT text
 * @param options `toDot` options, and `engine`
 * @returns the `<svg>…</svg>` element (no XML prolog): inline it in HTML or save it as a `.svg` file
 * @throws ChainruleError with Graphviz's messages when the DOT text is invalid
 * @example
 * const x = value(3, "x");
 * const svg = await renderSvg(x.mul(x).tanh());
 * svg.startsWith("<svg"); // true
 */
export async function renderSvg(
  rootOrDot: GraphRoot | string,
  options: RenderSvgOptions = {},
): Promise<string> {
  const dot = typeof rootOrDot === "string" ? rootOrDot : toDot(rootOrDot, options);
  const engine = options.engine ?? "dot";
  if (typeof engine !== "string") {
    throw new ChainruleError(`renderSvg: engine must be a string, got ${describe(engine)}`);
  }
  const result = (await loadViz()).render(dot, { format: "svg", engine });
  if (result.status !== "success") {
    const messages = result.errors.filter((e) => e.level !== "warning").map((e) => e.message.trim());
    throw new ChainruleError(
      `renderSvg: Graphviz could not render the DOT text: ${messages.join("; ") || "unknown error"}`,
    );
  }
  return result.output.slice(result.output.indexOf("<svg"));
}
