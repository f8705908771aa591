/**
 * The explanations speak the user's language: the root by its label (∂f/∂node), every node by its
 * label or a generated v₁, v₂, … (topological order, never a user's name), constants by value,
 * and each local derivative in the names of the op's operands, in text, Markdown and LaTeX.
 */
import { describe, expect, it } from "vitest";
import {
  type BackwardStep,
  backwardSteps,
  explainBackward,
  losses,
  manualSeed,
  nn,
  tensor,
  toDot,
  type Value,
  value,
} from "../../src/index";

/** f = x²·y at x = 3, y = 2, as `chainrule grad "x^2*y" x=3 y=2` builds it (output labelled f). */
function xSquaredY(): Value {
  const x = value(3, "x");
  const y = value(2, "y");
  const f = x.pow(2).mul(y);
  f.label = "f";
  return f;
}

/** The generated number of a name `vₖ` (or `uₖ`…), or null for any other name. */
function generated(name: string): number | null {
  const m = /^[vutsrq]([₀-₉]+)$/.exec(name);
  return m ? Number(Array.from(m[1] as string, (d) => "₀₁₂₃₄₅₆₇₈₉".indexOf(d)).join("")) : null;
}

/** Each name the steps use, with the ids of the nodes it is given to. */
function namesToIds(steps: readonly BackwardStep[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const n of steps.flatMap((s) => [s.node, s.input])) {
    const ids = out.get(n.name) ?? new Set<string>();
    ids.add(n.id);
    out.set(n.name, ids);
  }
  return out;
}

describe("x²·y: the names of the command line", () => {
  it("explains ∂f/∂x = 12 and ∂f/∂y = 9 in f, x, y and v₁ = x², with 2·x for the power", () => {
    expect(explainBackward(xSquaredY())).toBe(
      [
        "step  node  op   ∂f/∂node  ∂node/∂into  local  contribution  into",
        "----  ----  ---  --------  -----------  -----  ------------  ----",
        "   1  f     mul         1  y                2             2  v₁",
        "   2  f     mul         1  v₁               9             9  y",
        "   3  v₁    pow         2  2·x              6            12  x",
      ].join("\n"),
    );
  });

  it("writes the same rows as Markdown and LaTeX", () => {
    expect(explainBackward(xSquaredY(), { format: "markdown" })).toBe(
      [
        "| step | node | op | ∂f/∂node | ∂node/∂into | local | contribution | into |",
        "| ---: | --- | --- | ---: | --- | ---: | ---: | --- |",
        "| 1 | f | mul | 1 | y | 2 | 2 | v₁ |",
        "| 2 | f | mul | 1 | v₁ | 9 | 9 | y |",
        "| 3 | v₁ | pow | 2 | 2·x | 6 | 12 | x |",
      ].join("\n"),
    );
    expect(explainBackward(xSquaredY(), { format: "latex" })).toBe(
      [
        "\\begin{array}{rlllllll}",
        "\\text{step} & \\text{node} & \\text{op} & \\partial f/\\partial \\text{node} & \\partial \\text{node}/\\partial \\text{into} & \\text{local} & \\text{contribution} & \\text{into} \\\\",
        "\\hline",
        "1 & f & \\text{mul} & 1 & y & 2 & 2 & v_{1} \\\\",
        "2 & f & \\text{mul} & 1 & v_{1} & 9 & 9 & y \\\\",
        "3 & v_{1} & \\text{pow} & 2 & 2\\cdot x & 6 & 12 & x \\\\",
        "\\end{array}",
      ].join("\n"),
    );
  });

  it("calls an unlabelled root L, and gives the steps' names in LaTeX too", () => {
    const x = value(3, "x");
    const steps = backwardSteps(x.pow(2).mul(value(2, "y")));
    expect(steps.map((s) => [s.node.name, s.node.latex, s.input.name, s.input.latex])).toEqual([
      ["L", "L", "v₁", "v_{1}"],
      ["L", "L", "y", "y"],
      ["v₁", "v_{1}", "x", "x"],
    ]);
    expect(explainBackward(x.pow(2)).split("\n")[0]).toContain("∂L/∂node");
  });
});

describe("the 2-2-1 network of the demo (nn.scalar.MLP, unlabelled weights)", () => {
  function network(): Value {
    manualSeed(1);
    const mlp = new nn.scalar.MLP(2, [2, 1]);
    const out = mlp.forward([value(0.5, "x1"), value(-1.5, "x2")])[0] as Value;
    const L = out.sub(1).pow(2);
    L.label = "L";
    return L;
  }

  it("names every node by label or vₖ, numbered parents before children, one name per node", () => {
    const steps = backwardSteps(network());
    const names = namesToIds(steps);
    for (const [name, ids] of names) {
      expect(ids.size, name).toBe(1);
      expect(["L", "x1", "x2"].includes(name) || generated(name) !== null, name).toBe(true);
    }
    for (const s of steps) {
      const [node, input] = [generated(s.node.name), generated(s.input.name)];
      if (node !== null && input !== null) expect(input).toBeLessThan(node);
    }
    expect(JSON.stringify(steps)).not.toMatch(/"name":"(n\d+|#\d+)/);
  });

  it("reads (out − 1)² as 2·(out − 1), a weight's local derivative as its input's name", () => {
    const lines = explainBackward(network()).split("\n");
    expect(lines[0]).toBe("step  node  op    ∂L/∂node  ∂node/∂into    local  contribution  into");
    expect(lines[2]).toBe("   1  L     pow          1  2·v₂₄          1.033         1.033  v₂₄");
    expect(lines[3]).toBe("   2  v₂₄   sub      1.033  1                  1         1.033  v₂₃");
    expect(lines[8]).toBe("   7  v₂₁   relu   -0.4522  [v₂₀ > 0]          0             0  v₂₀");
    expect(lines.at(-2)).toBe("  27  v₅    mul     0.9676  x1               0.5        0.4838  v₄");
    expect(lines.at(-1)).toBe("  28  v₅    mul     0.9676  v₄            0.2541        0.2459  x1");
  });
});

describe("a tensor graph: matmul, tanh, mse", () => {
  it("names the operands of matmul (Xᵀ·ḡ), tanh and the loss (2(h − t)/n)", () => {
    const X = tensor([[1, -1]], { label: "X" });
    const W = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true, label: "W" },
    );
    const h = X.matmul(W).tanh();
    h.label = "h";
    const loss = losses.mse(h, tensor([[0, 1]], { label: "t" }));
    loss.label = "loss";
    expect(explainBackward(loss)).toBe(
      [
        "step  node      op                ∂loss/∂node  ∂node/∂into                   local                              contribution  into",
        "----  --------  ------  ---------------------  -------------  --------------------  ----------------------------------------  --------",
        "   1  loss      mse                         1  2(h − t)/n       [[-0.964, -1.964]]                        [[-0.964, -1.964]]  h [1,2]",
        "   2  h [1,2]   tanh       [[-0.964, -1.964]]  1 − tanh²(v₁)  [[0.07065, 0.07065]]                     [[-0.06811, -0.1388]]  v₁ [1,2]",
        "   3  v₁ [1,2]  matmul  [[-0.06811, -0.1388]]  Xᵀ·ḡ                              —  [[-0.06811, -0.1388], [0.06811, 0.1388]]  W [2,2]",
      ].join("\n"),
    );
    const steps = backwardSteps(loss);
    expect(steps.map((s) => s.local.latex)).toEqual([
      "2(h - t)/n",
      "1 - \\tanh ^{2}(v_{1})",
      "X^{\\top}\\cdot \\bar{g}",
    ]);
  });

  it("differentiates Σy for a root y with several elements, and says so in the header", () => {
    const z = tensor([1, 2, 3], { requiresGrad: true, label: "z" });
    const y = z.pow(3);
    y.label = "y";
    const text = explainBackward(y);
    expect(text.split("\n")[0]).toMatch(/^step {2}node +op +∂\(Σy\)\/∂node {2}∂node\/∂into/);
    expect(text.split("\n")[2]).toMatch(/^ {3}1 {2}y \[3\] {2}pow +\[1, 1, 1\] {2}3·z² +/);
    expect(explainBackward(y, { format: "latex" })).toContain(
      "\\partial (\\textstyle\\sum y)/\\partial \\text{node}",
    );
  });
});

describe("no collision with the user's names", () => {
  it("writes pow's formulas in the operands' names even when they are called b and a", () => {
    const a = value(2, "a");
    const b = value(3, "b");
    // b^a: the placeholders of the table's b·aᵇ⁻¹ are the other way round
    const steps = backwardSteps(b.pow(a));
    expect(steps.map((s) => [s.input.name, s.local.symbol, s.local.latex])).toEqual([
      ["b", "a·b^(a−1)", "a\\cdot b^{a-1}"],
      ["a", "b^a·ln b", "b^{a}\\cdot \\ln  b"],
    ]);
    expect(steps.map((s) => s.local.value?.value)).toEqual([2 * 3, 9 * Math.log(3)]);
  });

  it("takes another letter (u₁, u₂, …) when labels use v (v1, v₂), and never shows internal ids", () => {
    const a = value(2, "a");
    const b = value(-3, "b");
    const v1 = value(0.5, "v1");
    const n8 = value(4, "n8");
    const v2 = value(1, "v₂");
    const f = a.mul(b).add(v1).tanh().mul(n8).add(v2).mul(a);
    const steps = backwardSteps(f);
    const names = namesToIds(steps);
    for (const [name, ids] of names) expect(ids.size, `${name} names one node`).toBe(1);
    const made = [...names.keys()].filter((n) => generated(n) !== null && n !== "v₂");
    expect(made.sort()).toEqual(["u₁", "u₂", "u₃", "u₄", "u₅"]);
    expect(steps[0]?.node.name).toBe("L");
    // every formula of a mul names the other operand exactly
    for (const s of steps.filter((s) => s.op === "mul")) {
      const other = steps.find((t) => t.node.id === s.node.id && t.operand !== s.operand);
      if (other) expect(s.local.symbol).toBe(other.input.name);
    }
    const text = explainBackward(f);
    expect(text).not.toMatch(/#\d|\bn\d+\b(?<!n8)/);
    expect(text).toContain("1 − tanh²(u₂)");
    const tex = explainBackward(f, { format: "latex" });
    // the label v1 stays v1; generated names are the only subscripted ones
    expect(tex).toContain("\\mathit{v1}");
    expect(tex).toContain("\\mathit{n8}");
    expect(tex).toContain("\\tanh ^{2}(u_{2})");
    expect(tex).not.toContain("v_{1}");
  });

  it("skips the numbers labels read like when every letter is taken", () => {
    const labels = ["v", "u", "t", "s", "r", "q1", "v_2"];
    const leaves = labels.map((l, i) => value(i + 1, l));
    let f = leaves[0] as Value;
    for (const leaf of leaves.slice(1)) f = f.mul(leaf);
    const names = backwardSteps(f).map((s) => s.node.name);
    expect([...new Set(names)]).toEqual(["L", "v₆", "v₅", "v₄", "v₃", "v₁"]); // no v₂: the label v_2
  });
});

describe("with a module, unlabelled parameters go by their path in it", () => {
  it("names a Linear's weight and bias 0.weight and 0.bias in the steps and the explanation", () => {
    manualSeed(3);
    const model = new nn.Sequential(new nn.Linear(2, 1));
    const L = model.forward(tensor([[1, 2]])).sum();
    L.label = "L";
    const inputs = backwardSteps(L, { module: model }).map((s) => s.input.name);
    expect(inputs).toContain("0.weight");
    expect(inputs).toContain("0.bias");
    expect(backwardSteps(L).map((s) => s.input.name)).not.toContain("0.weight");
    const text = explainBackward(L, { module: model });
    expect(text).toContain("0.weight");
    expect(explainBackward(L, { module: model, format: "latex" })).toContain("\\text{0.weight}");
  });

  it("keeps a label the user gave, and refuses what is not a module", () => {
    const lin = new nn.Linear(1, 1);
    lin.weight.label = "w";
    const L = lin.forward(tensor([[3]])).sum();
    expect(backwardSteps(L, { module: lin }).map((s) => s.input.name)).toEqual(
      expect.arrayContaining(["w", "bias"]),
    );
    expect(() => backwardSteps(L, { module: 3 as never })).toThrow("backwardSteps: module must be a Module");
    expect(() => explainBackward(L, { module: {} as never })).toThrow(
      "explainBackward: module must be a Module",
    );
  });
});

describe("a numbered drawing and the explanation agree", () => {
  it("shows each unlabelled node under the name the steps give it (#2 v₂, #1 L)", () => {
    const a = value(2, "a");
    const b = value(-3, "b");
    const c = value(10, "c");
    const L = a.mul(b).add(c).tanh();
    const dot = toDot(L, { numbering: true });
    for (const s of backwardSteps(L)) {
      expect(dot).toContain(`#${s.node.number} ${s.node.name} |`);
      expect(dot).toContain(`#${s.input.number} ${s.input.name} |`);
    }
    expect(dot).toContain("{ #1 L |");
    // without numbering, unlabelled nodes stay unnamed, as micrograd draws them
    expect(toDot(L)).not.toContain("v₁");
  });
});
