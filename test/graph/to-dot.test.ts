/** toDot (SPEC §4): micrograd-style DOT text, options, clusters, collapsing, numbering. */
import { describe, expect, it } from "vitest";
import { scalarMlp } from "../../scripts/docs-images";
import {
  ChainruleError,
  manualSeed,
  nn,
  recordScopes,
  tensor,
  toDot,
  type Value,
  value,
  where,
} from "../../src/index";
import { linearSigmoidGraph, tanhGraph } from "./fixtures";

describe("toDot on a Value graph", () => {
  it("draws a record per value and an op node per op (snapshot)", () => {
    const { L } = tanhGraph();
    L.backward();
    expect(toDot(L)).toMatchInlineSnapshot(`
      "digraph chainrule {
        graph [rankdir=LR];
        node [fontname=Helvetica, fontsize=11];
        n0 [shape=record, style=filled, fillcolor="#eef4ff", label="{ a | data 2 | grad -0.004023 }"];
        n1 [shape=record, style=filled, fillcolor="#eef4ff", label="{ b | data -3 | grad 0.002682 }"];
        n2 [shape=ellipse, label=mul];
        n3 [shape=record, label="{ e | data -6 | grad 0.001341 }"];
        n4 [shape=record, style=filled, fillcolor="#eef4ff", label="{ c | data 10 | grad 0.001341 }"];
        n5 [shape=ellipse, label=add];
        n6 [shape=record, label="{ d | data 4 | grad 0.001341 }"];
        n7 [shape=ellipse, label=tanh];
        n8 [shape=record, label="{ L | data 0.9993 | grad 1 }"];
        n0 -> n2;
        n1 -> n2;
        n2 -> n3;
        n3 -> n5;
        n4 -> n5;
        n5 -> n6;
        n6 -> n7;
        n7 -> n8;
      }
      "
    `);
  });

  it("numbers nodes in backward order, with a title, precision, rankdir and no grads (snapshot)", () => {
    const { L } = tanhGraph();
    expect(
      toDot(L, { numbering: true, title: "L = tanh(a·b + c)", precision: 2, rankdir: "TB", showGrad: false }),
    ).toMatchInlineSnapshot(`
      "digraph chainrule {
        graph [rankdir=TB, label="L = tanh(a·b + c)", labelloc=t, fontname=Helvetica];
        node [fontname=Helvetica, fontsize=11];
        n0 [shape=record, style=filled, fillcolor="#eef4ff", label="{ #6 a | data 2 }"];
        n1 [shape=record, style=filled, fillcolor="#eef4ff", label="{ #5 b | data -3 }"];
        n2 [shape=ellipse, label=mul];
        n3 [shape=record, label="{ #4 e | data -6 }"];
        n4 [shape=record, style=filled, fillcolor="#eef4ff", label="{ #3 c | data 10 }"];
        n5 [shape=ellipse, label=add];
        n6 [shape=record, label="{ #2 d | data 4 }"];
        n7 [shape=ellipse, label=tanh];
        n8 [shape=record, label="{ #1 L | data 1 }"];
        n0 -> n2;
        n1 -> n2;
        n2 -> n3;
        n3 -> n5;
        n4 -> n5;
        n5 -> n6;
        n6 -> n7;
        n7 -> n8;
      }
      "
    `);
  });

  it("draws constants dashed and without a gradient", () => {
    const x = value(3, "x");
    const dot = toDot(x.add(1));
    expect(dot).toContain('n1 [shape=record, style=dashed, label="{ data 1 }"];');
  });

  it("groups listed nodes into a labelled box", () => {
    const { a, b, L } = tanhGraph();
    const dot = toDot(L, { clusters: { inputs: [a, b] } });
    expect(dot).toContain(
      'subgraph cluster_0 {\n    graph [label=inputs, labeljust=l, style=rounded, color="#888888", fontname=Helvetica];\n    n0 [',
    );
    expect(dot.match(/^ {4}n\d+ \[/gm)).toHaveLength(2);
  });
});

describe("toDot on a tensor graph", () => {
  it("shows a bool tensor's elements as true and false, and int32 ones as integers", () => {
    const x = tensor([-1, 2, 3], { requiresGrad: true });
    const mask = x.gt(0);
    const y = where(mask, x, 0).sum().add(mask.sum());
    const dot = toDot(y);
    expect(dot).toContain("[3] bool | data [false, true, true]");
    expect(dot).toContain("[] int32 | data 2");
  });

  it("boxes a Linear layer with its parameters and its op, and a scope path (snapshot)", () => {
    const { linear, y } = linearSigmoidGraph();
    y.backward();
    expect(
      toDot(y, { clusters: { "layer 1": linear, activation: "1" }, numbering: true }),
    ).toMatchInlineSnapshot(`
      "digraph chainrule {
        graph [rankdir=TB];
        node [fontname=Helvetica, fontsize=11];
        subgraph cluster_0 {
          graph [label="layer 1", labeljust=l, style=rounded, color="#888888", fontname=Helvetica];
          n1 [shape=record, style=filled, fillcolor="#eef4ff", label="{ #5 weight | [2,3] float64 | data [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]] | grad [[0.2288, 0.4576, 0.6864], [0.2403, 0.4805, 0.7208]] }"];
          n2 [shape=record, style=filled, fillcolor="#eef4ff", label="{ #4 bias | [2] float64 | data [0, 0] | grad [0.2288, 0.2403] }"];
          n3 [shape=ellipse, label=linear];
          n4 [shape=record, label="{ #3 v₁ | [1,2] float64 | data [[0.6, -0.4]] | grad — }"];
        }
        subgraph cluster_1 {
          graph [label=activation, labeljust=l, style=rounded, color="#888888", fontname=Helvetica];
          n5 [shape=ellipse, label=sigmoid];
          n6 [shape=record, label="{ #2 v₂ | [1,2] float64 | data [[0.6457, 0.4013]] | grad — }"];
        }
        n0 [shape=record, label="{ x | [1,3] float64 | data [[1, 2, 3]] | grad — }"];
        n7 [shape=ellipse, label=sum];
        n8 [shape=record, label="{ #1 y | [] float64 | data 1.047 | grad — }"];
        n0 -> n3;
        n1 -> n3;
        n2 -> n3;
        n3 -> n4;
        n4 -> n5;
        n5 -> n6;
        n6 -> n7;
        n7 -> n8;
      }
      "
    `);
  });

  it("collapses every top-level scope into one node (snapshot)", () => {
    const { y } = linearSigmoidGraph();
    expect(toDot(y, { collapse: true })).toMatchInlineSnapshot(`
      "digraph chainrule {
        graph [rankdir=TB];
        node [fontname=Helvetica, fontsize=11];
        n0 [shape=record, label="{ x | [1,3] float64 | data [[1, 2, 3]] | grad — }"];
        g0 [shape=box, style="rounded,filled", fillcolor="#f2f2f2", label="0\\nlinear\\n[2,3]\\n[2]"];
        g1 [shape=box, style="rounded,filled", fillcolor="#f2f2f2", label="1\\nsigmoid"];
        n7 [shape=ellipse, label=sum];
        n8 [shape=record, label="{ y | [] float64 | data 1.047 | grad — }"];
        n0 -> g0;
        g0 -> g1;
        g1 -> n7;
        n7 -> n8;
      }
      "
    `);
  });

  it("collapses named modules, labelled with their type and parameter shapes", () => {
    const { linear, y } = linearSigmoidGraph();
    const dot = toDot(y, { collapse: { "layer 1": linear } });
    expect(dot).toContain(
      'g0 [shape=box, style="rounded,filled", fillcolor="#f2f2f2", label="layer 1\\nLinear\\nlinear\\nweight [2,3]\\nbias [2]"];',
    );
    expect(dot).toContain("n0 -> g0;\n  g0 -> n5;");
    expect(dot).not.toMatch(/\bn[1-4] /);
  });

  it("previews big tensors and shows missing grads as —", () => {
    const t = tensor(
      Array.from({ length: 10 }, (_, i) => i / 4),
      { label: "t" },
    );
    expect(toDot(t)).toContain('label="{ t | [10] float64 | data [0, 0.25, 0.5, … 7 more] | grad — }"');
    expect(toDot(t, { maxPreview: 10 })).toContain("data [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25]");
  });
});

describe("toDot on nn.scalar modules", () => {
  const mlp = () => {
    manualSeed(3);
    const model = new nn.scalar.MLP(2, [3, 1]);
    const out = recordScopes(() => model.forward([value(1, "x0"), value(-2, "x1")]))[0] as Value;
    return { model, out };
  };

  it("boxes each neuron's weights and ops by its recorded scope", () => {
    const { model, out } = mlp();
    const layer0 = model.layers[0] as nn.scalar.Layer;
    const clusters = Object.fromEntries(layer0.neurons.map((n, i) => [`neuron ${i}`, n]));
    const dot = toDot(out, { clusters });
    // each neuron: 2 weights, 1 bias, 2 mul, 2 add and relu → 3 leaves + 5 ops + 5 results
    for (let i = 0; i < 3; i++) {
      const body = dot.split(`label="neuron ${i}"`)[1]?.split("  }")[0] ?? "";
      expect(body.match(/^ {4}n\d+ \[/gm)).toHaveLength(13);
    }
  });

  it("collapses each layer into one node", () => {
    const { out } = mlp();
    const dot = toDot(out, { collapse: true });
    expect(dot).toContain('label="layers.0\\nmul, add, relu\\n9 scalar parameters"');
    expect(dot).toContain('label="layers.1\\nmul, add\\n4 scalar parameters"');
    expect(dot.match(/->/g)).toHaveLength(3); // x0 → layers.0, x1 → layers.0, layers.0 → layers.1
  });
});

describe("toDot options", () => {
  it("rejects bad options with a ChainruleError", () => {
    const { L } = tanhGraph();
    expect(() => toDot(L, { rankdir: "XY" as never })).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: toDot: rankdir must be one of "LR", "TB", "RL", "BT", got string "XY"]`,
    );
    expect(() => toDot(L, { precision: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: toDot: precision must be an integer from 1 to 17, got number 0]`,
    );
    expect(() => toDot(L, { clusters: { a: [1] as never } })).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: toDot: clusters["a"][0] must be a Tensor or a Value, got number 1]`,
    );
    expect(() => toDot(L, { clusters: { a: 5 as never } })).toThrow(ChainruleError);
    expect(() => toDot(L, { numbering: "yes" as never })).toThrow(ChainruleError);
  });
});

describe("toDot for a node with many uses", () => {
  /** x + x + … + x with n terms. */
  const repeatedSum = (n: number): Value => {
    const x = value(1, "x");
    let s = x;
    for (let i = 1; i < n; i++) s = s.add(x);
    return s;
  };

  it("draws far uses from dashed copies next to them, near uses with real edges", () => {
    const dot = toDot(repeatedSum(12), { numbering: true });
    // x (n0) feeds the first ops directly: the first add twice, then the next three
    const direct = dot.match(/^ {2}n0 -> n\d+;$/gm) ?? [];
    expect(direct).toEqual(["  n0 -> n1;", "  n0 -> n1;", "  n0 -> n3;", "  n0 -> n5;", "  n0 -> n7;"]);
    // each later add gets its own copy of x, labelled with x's number and name
    const copies = dot.match(/^ {2}n0_n\d+ \[.*\];$/gm) ?? [];
    expect(copies).toHaveLength(11 - 4);
    expect(copies[0]).toBe(
      '  n0_n9 [shape=box, style="dashed,rounded", color="#888888", fontcolor="#555555", label="#12 x", tooltip="copy of #12 x"];',
    );
    expect(dot).toContain("  n0_n9 -> n9;");
    expect(dot.match(/->/g)).toHaveLength(11 * 2 + 11);
  });

  it("draws every edge with aliases: false, and no copies for nodes with two uses", () => {
    const dot = toDot(repeatedSum(12), { aliases: false });
    expect(dot).not.toContain("n0_");
    expect(dot.match(/^ {2}n0 -> /gm)).toHaveLength(12);
    // a node used twice keeps both edges however far apart its uses are
    const x = value(1, "x");
    let y = x.mul(2);
    for (let i = 0; i < 20; i++) y = y.tanh();
    expect(toDot(y.add(x))).not.toContain("n0_");
  });
});

describe("toDot's default layout direction", () => {
  const rankdir = (dot: string) => /graph \[rankdir=(\w+)/.exec(dot)?.[1];

  it("is left to right for a small graph, as micrograd draws it", () => {
    const { L } = tanhGraph();
    expect(rankdir(toDot(L))).toBe("LR");
  });

  it("is top to bottom when modules are grouped (clusters or collapse)", () => {
    const linear = new nn.Linear(2, 1);
    const y = recordScopes(() => new nn.Sequential(linear).forward(tensor([[1, 2]]))).sum();
    expect(rankdir(toDot(y))).toBe("LR");
    expect(rankdir(toDot(y, { clusters: { "layer 1": linear } }))).toBe("TB");
    expect(rankdir(toDot(y, { collapse: true }))).toBe("TB");
    expect(rankdir(toDot(y, { clusters: { "layer 1": linear }, rankdir: "LR" }))).toBe("LR");
  });

  it("is top to bottom when a left-to-right drawing would be wider than a screen", () => {
    const chain = (n: number) => {
      let y = value(0.5, "x");
      for (let i = 0; i < n; i++) y = y.tanh();
      return y;
    };
    // each tanh adds an op and a record, about 200 points side by side
    expect(rankdir(toDot(chain(2)))).toBe("LR");
    expect(rankdir(toDot(chain(12)))).toBe("TB");
    expect(rankdir(toDot(chain(12), { rankdir: "RL" }))).toBe("RL");
  });
});

describe("toDot's module option", () => {
  // the docs' picture of micrograd's 2-2-1 MLP (scripts/docs-images.ts)
  const tiny = scalarMlp;
  /** The first field of every filled (parameter) record. */
  const parameterHeads = (dot: string) =>
    [...dot.matchAll(/fillcolor="#eef4ff", label="\{ ([^|]*?) \|/g)].map((m) => m[1] as string);

  it("names the unlabelled parameters of a scalar network by their stateDict keys", () => {
    const { model, L } = tiny();
    const names = model.namedParameters().map(([name]) => name);
    expect(names).toContain("layers.0.neurons.1.w.0");
    expect(Object.keys(model.stateDict())).toEqual(names);
    // without the module only the inputs are named
    const named = (dot: string) => parameterHeads(dot).filter((h) => !h.startsWith("data "));
    expect(named(toDot(L))).toEqual(["x1", "x2"]);
    const heads = named(toDot(L, { module: model }));
    expect(heads.filter((h) => !h.startsWith("x")).sort()).toEqual([...names].sort());
    // with numbering too: "#20 layers.0.neurons.0.w.1", never a bare "#20"
    const numbered = parameterHeads(toDot(L, { module: model, numbering: true }));
    for (const h of numbered) expect(h).toMatch(/^#\d+ (x\d|layers\.\d\.neurons\.\d\.(w\.\d|b))$/);
  });

  it("keeps the labels users gave, and changes no label", () => {
    const { model, L } = tiny();
    const [layer0] = model.layers;
    (layer0?.neurons[0]?.b as Value).label = "my bias";
    const dot = toDot(L, { module: model });
    expect(parameterHeads(dot)).toContain("my bias");
    expect(parameterHeads(dot)).not.toContain("layers.0.neurons.0.b");
    expect(model.parameters().filter((p) => p.label !== undefined)).toHaveLength(1);
  });

  it("names tensor parameters by their path, before their name inside a clustered module", () => {
    const { model, linear, y } = linearSigmoidGraph();
    const dot = toDot(y, { module: model, clusters: { "layer 1": linear } });
    expect(parameterHeads(dot)).toEqual(["0.weight", "0.bias"]);
    expect(parameterHeads(toDot(y, { clusters: { "layer 1": linear } }))).toEqual(["weight", "bias"]);
  });

  it("must be a Module", () => {
    const { L } = tanhGraph();
    expect(() => toDot(L, { module: {} as never })).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: toDot: module must be a Module, got Object]`,
    );
  });
});
