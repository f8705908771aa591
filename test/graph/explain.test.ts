/**
 * explainBackward / backwardSteps (SPEC §4): the chain rule row by row, numbers checked by hand
 * on micrograd's example L = tanh(a·b + c), a = 2, b = −3, c = 10:
 *
 *   e = a·b = −6, d = e + c = 4, L = tanh 4,  t = 1 − tanh²4 = ∂L/∂d
 *   ∂L/∂e = ∂L/∂c = t·1,  ∂L/∂a = t·b = −3t,  ∂L/∂b = t·a = 2t
 */
import { describe, expect, it } from "vitest";
import {
  backwardSteps,
  ChainruleError,
  explainBackward,
  losses,
  tensor,
  toDot,
  traceGraph,
  type Value,
  value,
} from "../../src/index";
import { expectAllClose, expectClose } from "../helpers/close";
import { linearSigmoidGraph, tanhGraph } from "./fixtures";

const t = 1 - Math.tanh(4) ** 2;

describe("backwardSteps on a Value graph", () => {
  it("gives one row per edge in backward order with upstream, local and contribution", () => {
    const { L } = tanhGraph();
    const steps = backwardSteps(L);
    expect(steps.map((s) => [s.step, s.node.name, s.op, s.operand, s.input.name, s.local.symbol])).toEqual([
      [1, "L", "tanh", 0, "d", "1 − tanh²(d)"],
      [2, "d", "add", 0, "e", "1"],
      [3, "d", "add", 1, "c", "1"],
      [4, "e", "mul", 0, "a", "b"],
      [5, "e", "mul", 1, "b", "a"],
    ]);
    const numbers = steps.map((s) => [s.upstream.value, s.local.value?.value, s.contribution.value]);
    const expected = [
      [1, t, t],
      [t, 1, t],
      [t, 1, t],
      [t, -3, -3 * t],
      [t, 2, 2 * t],
    ];
    expectAllClose(numbers, expected, 1e-15);
    expect(steps.map((s) => [s.node.number, s.input.number])).toEqual([
      [1, 2],
      [2, 4],
      [2, 3],
      [4, 6],
      [4, 5],
    ]);
  });

  it("uses the ids of traceGraph and the numbers of toDot", () => {
    const { L } = tanhGraph();
    const steps = backwardSteps(L);
    const ids = new Set(traceGraph(L).nodes.map((n) => n.id));
    for (const s of steps) {
      expect(ids.has(s.node.id) && ids.has(s.input.id) && ids.has(s.node.opId as string)).toBe(true);
    }
    const dot = toDot(L, { numbering: true });
    for (const s of steps) expect(dot).toContain(`${s.input.id} [shape=record`);
    expect(dot).toContain('label="{ #6 a |');
    expect(steps[3]?.input).toMatchObject({ id: "n0", number: 6, name: "a" });
  });

  it("names the operands in scalar formulas: labels, constants' values, else v₁, v₂, …", () => {
    const x = value(0.5, "x");
    const w = value(-2, "w");
    const z = x.mul(w); // unlabelled: v₁ (the first unlabelled node in topological order)
    const L = z.sigmoid().mul(3); // the sigmoid: v₂
    L.label = "L";
    const symbols = backwardSteps(L).map((s) => `${s.op}→${s.input.name}: ${s.local.symbol}`);
    expect(symbols).toEqual([
      "mul→v₂: 3", // ∂(v₂·3)/∂v₂ = 3, the constant's value
      "sigmoid→v₁: σ(v₁)(1 − σ(v₁))",
      "mul→x: w",
      "mul→w: x",
    ]);
    expect(backwardSteps(L).map((s) => s.local.latex)).toEqual([
      "3",
      "\\sigma(v_{1})(1 - \\sigma(v_{1}))",
      "w",
      "x",
    ]);
  });

  it("writes pow's local derivatives in the operands' names, worked out for a constant exponent", () => {
    const x = value(3, "x");
    const n = value(2, "n");
    const f = (e: Value | number) => backwardSteps(x.pow(e)).map((s) => [s.local.symbol, s.local.latex]);
    expect(f(2)).toEqual([["2·x", "2\\cdot x"]]);
    expect(f(3)).toEqual([["3·x²", "3\\cdot x^{2}"]]);
    expect(f(1)).toEqual([["1", "1"]]);
    expect(f(-1)).toEqual([["−x⁻²", "-x^{-2}"]]);
    expect(f(0.5)).toEqual([["0.5·x^(−0.5)", "0.5\\cdot x^{-0.5}"]]);
    expect(f(n)).toEqual([
      ["n·x^(n−1)", "n\\cdot x^{n-1}"],
      ["x^n·ln x", "x^{n}\\cdot \\ln  x"],
    ]);
    // the numbers agree with the formulas: 2·3 = 6; 3²·ln 3
    const [d0, d1] = backwardSteps(x.pow(n));
    expect(d0?.local.value?.value).toBe(6);
    expectClose(d1?.local.value?.value as number, 9 * Math.log(3));
  });

  it("names an unlabelled root L, and the result in a formula by its name (elu's y + α)", () => {
    const x = value(0.5, "x");
    const steps = backwardSteps(x.elu(2).mul(x));
    expect(steps.map((s) => [s.node.name, s.local.symbol, s.input.name])).toEqual([
      ["L", "x", "v₁"],
      ["L", "v₁", "x"],
      ["v₁", "1 if x > 0 else v₁ + 2", "x"],
    ]);
  });

  it("neither reads nor changes .grad, and sums every path into a node used twice", () => {
    const x = value(3, "x");
    const y = x.mul(x);
    y.label = "y";
    x.grad = 100;
    const steps = backwardSteps(y);
    expect(x.grad).toBe(100);
    expect(y.grad).toBe(0);
    expect(steps.map((s) => [s.operand, s.contribution.value])).toEqual([
      [0, 3],
      [1, 3],
    ]);
  });

  it("skips constants (no gradient flows into them)", () => {
    const x = value(3, "x");
    const steps = backwardSteps(x.mul(2).add(1));
    expect(steps.map((s) => `${s.op}→${s.input.name}`)).toEqual(["add→v₁", "mul→x"]);
    expect(steps[1]?.local.value?.value).toBe(2);
  });
});

describe("explainBackward", () => {
  it("writes a Markdown table: header, separator, one row per edge (edges + 2 lines)", () => {
    const { L } = tanhGraph();
    const md = explainBackward(L, { format: "markdown" });
    expect(md.split("\n")).toHaveLength(5 + 2);
    expect(md).toMatchInlineSnapshot(`
      "| step | node | op | ∂L/∂node | ∂node/∂into | local | contribution | into |
      | ---: | --- | --- | ---: | --- | ---: | ---: | --- |
      | 1 | L | tanh | 1 | 1 − tanh²(d) | 0.001341 | 0.001341 | d |
      | 2 | d | add | 0.001341 | 1 | 1 | 0.001341 | e |
      | 3 | d | add | 0.001341 | 1 | 1 | 0.001341 | c |
      | 4 | e | mul | 0.001341 | b | -3 | -0.004023 | a |
      | 5 | e | mul | 0.001341 | a | 2 | 0.002682 | b |"
    `);
  });

  it("writes aligned plain text", () => {
    const { L } = tanhGraph();
    expect(explainBackward(L)).toMatchInlineSnapshot(`
      "step  node  op    ∂L/∂node  ∂node/∂into      local  contribution  into
      ----  ----  ----  --------  ------------  --------  ------------  ----
         1  L     tanh         1  1 − tanh²(d)  0.001341      0.001341  d
         2  d     add   0.001341  1                    1      0.001341  e
         3  d     add   0.001341  1                    1      0.001341  c
         4  e     mul   0.001341  b                   -3     -0.004023  a
         5  e     mul   0.001341  a                    2      0.002682  b"
    `);
  });

  it("writes a LaTeX array", () => {
    const { L } = tanhGraph();
    const tex = explainBackward(L, { format: "latex", precision: 3 });
    expect(tex).toMatchInlineSnapshot(`
      "\\begin{array}{rlllllll}
      \\text{step} & \\text{node} & \\text{op} & \\partial L/\\partial \\text{node} & \\partial \\text{node}/\\partial \\text{into} & \\text{local} & \\text{contribution} & \\text{into} \\\\
      \\hline
      1 & L & \\text{tanh} & 1 & 1 - \\tanh ^{2}(d) & 0.00134 & 0.00134 & d \\\\
      2 & d & \\text{add} & 0.00134 & 1 & 1 & 0.00134 & e \\\\
      3 & d & \\text{add} & 0.00134 & 1 & 1 & 0.00134 & c \\\\
      4 & e & \\text{mul} & 0.00134 & b & -3 & -0.00402 & a \\\\
      5 & e & \\text{mul} & 0.00134 & a & 2 & 0.00268 & b \\\\
      \\end{array}"
    `);
  });

  it("escapes labels in every format", () => {
    const a = value(2, "a|*_<b>`x`\\");
    const y = a.exp();
    y.label = "y & $#%{}^~";
    const md = explainBackward(y, { format: "markdown" });
    expect(md.split("\n")[2]).toBe(
      "| 1 | y & $#%{}^~ | exp | 1 | e^(a\\|\\*\\_&lt;b&gt;\\`x\\`\\\\) | 7.389 | 7.389 | a\\|\\*\\_&lt;b&gt;\\`x\\`\\\\ |",
    );
    const tex = explainBackward(y, { format: "latex" });
    expect(tex).toContain("\\text{y \\& \\$\\#\\%\\{\\}\\textasciicircum{}\\textasciitilde{}}");
    expect(tex).toContain("\\text{a|*\\_<b>`x`\\textbackslash{}}");
  });

  it("rejects unknown formats", () => {
    const { L } = tanhGraph();
    expect(() => explainBackward(L, { format: "html" as never })).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: explainBackward: format must be one of "text", "markdown", "latex", got string "html"]`,
    );
    expect(() => explainBackward(L, { precision: 1.5 })).toThrow(ChainruleError);
  });
});

describe("explainBackward on tensor graphs", () => {
  it("shows shapes, small values, and the Jacobian-free formula where the local derivative is a map", () => {
    const { y } = linearSigmoidGraph();
    const steps = backwardSteps(y);
    expect(steps.map((s) => [s.op, s.input.shape, s.local.symbol, s.local.value === null])).toEqual([
      ["sum", [1, 2], "ḡ broadcast over the summed axes", false],
      ["sigmoid", [1, 2], "σ(v₃)(1 − σ(v₃))", false], // v₃: the linear layer's output
      ["linear", [2, 3], "ḡᵀ·x (summed over the batch)", true],
      ["linear", [2], "Σ_batch ḡ", true],
    ]);
    const s = [0.6, -0.4].map((z) => 1 / (1 + Math.exp(-z)));
    const ds = s.map((v) => v * (1 - v));
    expectAllClose(steps[1]?.local.value?.value, [ds], 1e-15);
    expectAllClose(
      steps[2]?.contribution.value,
      [
        [ds[0]!, 2 * ds[0]!, 3 * ds[0]!],
        [ds[1]!, 2 * ds[1]!, 3 * ds[1]!],
      ],
      1e-15,
    );
    expectAllClose(steps[3]?.contribution.value, ds, 1e-15);
    expect(explainBackward(y)).toMatchInlineSnapshot(`
      "step  node      op                 ∂y/∂node  ∂node/∂into                                    local                                          contribution  into
      ----  --------  -------  ------------------  --------------------------------  ------------------  ----------------------------------------------------  --------
         1  y         sum                       1  ḡ broadcast over the summed axes            [[1, 1]]                                              [[1, 1]]  v₄ [1,2]
         2  v₄ [1,2]  sigmoid            [[1, 1]]  σ(v₃)(1 − σ(v₃))                  [[0.2288, 0.2403]]                                    [[0.2288, 0.2403]]  v₃ [1,2]
         3  v₃ [1,2]  linear   [[0.2288, 0.2403]]  ḡᵀ·x (summed over the batch)                       —  [[0.2288, 0.4576, 0.6864], [0.2403, 0.4805, 0.7208]]  v₁ [2,3]
         4  v₃ [1,2]  linear   [[0.2288, 0.2403]]  Σ_batch ḡ                                          —                                      [0.2288, 0.2403]  v₂ [2]"
    `);
  });

  it("shows norms for big tensors and explains a non-scalar root as the gradient of its sum", () => {
    const x = tensor(
      Array.from({ length: 20 }, (_, i) => i - 10),
      { requiresGrad: true, label: "x" },
    );
    const y = x.relu();
    const [step] = backwardSteps(y, { maxValues: 4 });
    expect(step?.upstream).toEqual({ shape: [20], value: null, norm: Math.sqrt(20) });
    expect(step?.contribution.norm).toBeCloseTo(3, 15); // relu′ = 1 on 9 positive entries
    const line = explainBackward(y).split("\n")[2];
    expect(line).toContain("‖·‖ 4.472 [20]");
  });

  it("gives the local derivative of a one-element result: the gradient of a loss", () => {
    const p = tensor([0.5, 2], { requiresGrad: true, label: "p" });
    const target = tensor([1, 1], { label: "t" });
    const steps = backwardSteps(losses.mse(p, target));
    expect(steps.map((s) => s.input.name)).toEqual(["p"]);
    expect(steps[0]?.local.symbol).toBe("2(p − t)/n");
    expectAllClose(steps[0]?.local.value?.value, [-0.5, 1], 1e-15); // 2(p − t)/2
  });

  it("leaves tensor grads alone", () => {
    const { linear, y } = linearSigmoidGraph();
    backwardSteps(y);
    expect(linear.weight.grad).toBeNull();
    y.backward();
    const before = linear.weight.grad?.toArray();
    explainBackward(y);
    expect(linear.weight.grad?.toArray()).toEqual(before);
    expectClose(
      backwardSteps(y)[2]?.contribution.norm as number,
      Math.hypot(...(before as number[][]).flat()),
    );
  });
});

describe("explainBackward on a wide table", () => {
  it("explains 150,000 edges as aligned text (column widths without an argument spread)", () => {
    const x = value(1, "x");
    let s = x;
    for (let i = 0; i < 75_000; i++) s = s.add(x); // 75,000 adds, two edges each
    const text = explainBackward(s, { format: "text" });
    const lines = text.split("\n");
    expect(lines).toHaveLength(2 + 150_000);
    // the widest cells set the columns: "150000" in the step column, "v₇₄₉₉₉" in the last
    expect(lines[1]).toMatch(/^-{6} {2}/);
    expect(lines.at(-1)).toMatch(/^150000 {2}v₁ +add .* {2}x$/);
    expect(lines[2]).toMatch(/^ {5}1 {2}L +add .* {2}v₇₄₉₉₉$/);
  });
});
