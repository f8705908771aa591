/**
 * renderSvg when Graphviz itself fails: the WebAssembly build can throw non-Error values (an
 * `ExitStatus` object when it runs out of memory), or report a failure without messages. Each
 * becomes a ChainruleError with a real message, and a broken instance is not reused.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ChainruleError, renderSvg, value } from "../../src/index";

const viz = vi.hoisted(() => ({
  instances: 0,
  render: (() => ({ status: "success", output: "<svg></svg>", errors: [] })) as (dot: string) => unknown,
}));

vi.mock("@viz-js/viz", () => ({
  instance: async () => {
    viz.instances++;
    return { render: (dot: string) => viz.render(dot) };
  },
}));

beforeEach(() => {
  viz.render = () => ({ status: "success", output: "<svg></svg>", errors: [] });
});

const graph = () => value(2, "a").mul(value(3, "b"));

describe("renderSvg when Graphviz fails", () => {
  it("turns a thrown non-Error object (out of memory) into a ChainruleError with its message", async () => {
    viz.render = () => {
      throw { name: "ExitStatus", message: "Program terminated with exit(1)", status: 1 };
    };
    const err = await renderSvg(graph()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainruleError);
    expect((err as Error).message).toBe(
      "renderSvg: Graphviz failed on a drawing of 4 nodes and 3 edges: Program terminated with exit(1) " +
        "(usually out of memory: make the drawing smaller, e.g. with toDot's collapse option)",
    );
  });

  it("describes thrown values without a message, never as [object Object]", async () => {
    for (const thrown of [{}, 42, "abort", null, undefined, Object.create(null), Symbol("x")]) {
      viz.render = () => {
        throw thrown;
      };
      const err = await renderSvg(graph()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChainruleError);
      expect((err as Error).message).toMatch(
        /^renderSvg: Graphviz failed on a drawing of 4 nodes and 3 edges: \S/,
      );
      expect((err as Error).message).not.toContain("[object");
    }
  });

  it("starts a new Graphviz instance after one threw", async () => {
    await renderSvg(graph());
    const before = viz.instances;
    await renderSvg(graph());
    expect(viz.instances).toBe(before); // reused while healthy
    viz.render = () => {
      throw new RangeError("memory access out of bounds");
    };
    await expect(renderSvg(graph())).rejects.toThrow(/Graphviz failed .*: memory access out of bounds/);
    viz.render = () => ({ status: "success", output: "<svg>ok</svg>", errors: [] });
    await expect(renderSvg(graph())).resolves.toBe("<svg>ok</svg>");
    expect(viz.instances).toBe(before + 1);
  });

  it("reports a failure status without messages, and output that is not SVG", async () => {
    viz.render = () => ({ status: "failure", output: undefined, errors: [] });
    await expect(renderSvg(graph())).rejects.toThrow(
      "renderSvg: Graphviz could not render the DOT text: unknown error",
    );
    viz.render = () => ({ status: "success", output: "", errors: [] });
    await expect(renderSvg(graph())).rejects.toThrow("renderSvg: Graphviz returned no SVG");
  });
});
