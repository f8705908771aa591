/** The local-derivative table: complete, consistent with Value's, and right where it has numbers. */
import { describe, expect, it } from "vitest";
import { latexMath } from "../../src/graph/latex";
import { nameFormula, operandLetters, powerRule } from "../../src/graph/symbols";
import {
  backwardSteps,
  localSymbol,
  opTable,
  scalarOps,
  type Tensor,
  tensor,
  tensorSymbols,
} from "../../src/index";
import { nnOpTable } from "../../src/nn/op-table";
import { expectAllClose } from "../helpers/close";

/** The names of the fused nn ops, from their table. */
const NN_OPS = [...new Set(Object.values(nnOpTable).map((def) => def.name))];

describe("tensorSymbols", () => {
  it("has an entry for every op of opTable and every fused nn op", () => {
    const names = [...Object.keys(opTable), ...NN_OPS];
    const missing = names.filter((n) => !(n in tensorSymbols));
    expect(missing).toEqual([]);
    for (const n of names) {
      expect(tensorSymbols[n as keyof typeof tensorSymbols].local.length, n).toBeGreaterThan(0);
    }
  });

  it("writes the scalar ops as Value does", () => {
    for (const [name, rule] of Object.entries(scalarOps)) {
      expect(tensorSymbols[name as keyof typeof tensorSymbols].local, name).toEqual(rule.symbols);
    }
  });

  it("falls back to ∂op/∂xᵢ for custom ops and repeats the last entry for variadic ops", () => {
    expect(localSymbol("myOp", 1)).toBe("∂myOp/∂x1");
    expect(localSymbol("concat", 5)).toBe(localSymbol("concat", 0));
  });

  it("converts every entry to LaTeX without stray unicode", () => {
    const all = [
      ...Object.values(tensorSymbols).flatMap((e) => e.local),
      ...Object.values(scalarOps).flatMap((r) => r.symbols),
    ];
    for (const s of all) expect(latexMath(s), s).toMatch(/^[\x20-\x7e]*$/);
    expect(latexMath("b·aᵇ⁻¹")).toBe("b\\cdot a^{b-1}");
    expect(latexMath("1/(2√x)")).toBe("1/(2\\sqrt{x})");
    expect(latexMath("(2/√π)·e^(−x²)")).toBe("(2/\\sqrt{\\pi})\\cdot e^{-x^{2}}");
  });
});

describe("formulas in the operands' names", () => {
  const names = [
    { text: "w1", latex: "\\mathit{w1}" },
    { text: "v₂", latex: "v_{2}" },
    { text: "-3", latex: "-3" },
  ];
  const result = { text: "out", latex: "\\mathit{out}" };
  const name = (r: number | "result") => (r === "result" ? result : (names[r] as (typeof names)[number]));

  it("replaces every operand letter of every table entry, so no letter is left to clash with a user's", () => {
    const entries: [string, string, number][] = [
      ...Object.entries(scalarOps).flatMap(([op, r]) =>
        r.symbols.map((f): [string, string, number] => [op, f, r.arity]),
      ),
      ...Object.entries(tensorSymbols).flatMap(([op, e]) =>
        e.local.map((f): [string, string, number] => [op, f, e.local.length]),
      ),
    ];
    for (const [op, formula, operands] of entries) {
      const letters = operandLetters(op, operands);
      const named = nameFormula(formula, letters, name);
      for (const letter of Object.keys(letters)) {
        const word = new RegExp(`(?<![\\p{L}_])${letter}(?![\\p{Ll}\\p{Lu}\\p{Lo}\\p{Nd}_])`, "u");
        expect(named.text, `${op}: ${formula}`).not.toMatch(word);
      }
      expect(named.latex, `${op}: ${formula}`).toMatch(/^[\x20-\x7e]*$/);
    }
  });

  it("lifts superscripted letters, adds · after a digit and parentheses where a name needs them", () => {
    const ab = { a: 0, b: 1 } as const;
    expect(nameFormula("b·aᵇ⁻¹", ab, name)).toEqual({
      text: "v₂·w1^(v₂−1)",
      latex: "v_{2}\\cdot \\mathit{w1}^{v_{2}-1}",
    });
    expect(nameFormula("eˣ", { x: 1 }, name)).toEqual({ text: "e^v₂", latex: "e^{v_{2}}" });
    expect(nameFormula("2x", { x: 0 }, name)).toEqual({ text: "2·w1", latex: "2\\cdot \\mathit{w1}" });
    expect(nameFormula("−a/b²", { a: 0, b: 2 }, name)).toEqual({
      text: "−w1/(-3)²",
      latex: "-\\mathit{w1}/(-3)^{2}",
    });
    expect(nameFormula("σ(x)", { x: 2 }, name).text).toBe("σ(-3)");
    expect(nameFormula("1 if x > 0 else y + 2", operandLetters("elu", 1), name).text).toBe(
      "1 if w1 > 0 else out + 2",
    );
    expect(nameFormula("ḡ·Bᵀ", operandLetters("matmul", 2), name)).toEqual({
      text: "ḡ·v₂ᵀ",
      latex: "\\bar{g}\\cdot v_{2}^{\\top}",
    });
    // letters of operands the node does not have stay words (nll's y is a class index, not an operand)
    expect(operandLetters("nll", 1)).toEqual({});
    expect(operandLetters("mul", 2)).toEqual({ a: 0, b: 1 });
    expect(operandLetters("tanh", 1)).toEqual({ x: 0, y: "result" });
  });

  it("works out the power rule for a constant exponent", () => {
    expect([2, 3, 1, 0, -1, -2, 0.5, 12].map(powerRule)).toEqual([
      "2·a",
      "3·a²",
      "1",
      "0",
      "−a⁻²",
      "−2·a⁻³",
      "0.5·a^(−0.5)",
      "12·a^(11)",
    ]);
    expect(latexMath("v₁₂²")).toBe("v_{12}^{2}");
  });
});

describe("local derivatives of elementwise tensor ops", () => {
  const unary: [string, (x: Tensor) => Tensor][] = [
    ["exp", (x) => x.exp()],
    ["log", (x) => x.log()],
    ["sqrt", (x) => x.sqrt()],
    ["abs", (x) => x.abs()],
    ["sin", (x) => x.sin()],
    ["cos", (x) => x.cos()],
    ["tanh", (x) => x.tanh()],
    ["sigmoid", (x) => x.sigmoid()],
    ["relu", (x) => x.relu()],
    ["leakyRelu", (x) => x.leakyRelu(0.1)],
    ["gelu", (x) => x.gelu()],
    ["softplus", (x) => x.softplus()],
    ["erf", (x) => x.erf()],
    ["square", (x) => x.square()],
    ["neg", (x) => x.neg()],
    ["clamp", (x) => x.clamp(0.5, 1.5)],
    ["hardtanh", (x) => x.hardtanh(0.5, 1.5)],
    ["selu", (x) => x.selu()],
    ["silu", (x) => x.silu()],
    ["mish", (x) => x.mish()],
    ["log1p", (x) => x.log1p()],
    ["expm1", (x) => x.expm1()],
    ["reciprocal", (x) => x.reciprocal()],
    ["rsqrt", (x) => x.rsqrt()],
    ["tan", (x) => x.tan()],
    ["atan", (x) => x.atan()],
    ["sinh", (x) => x.sinh()],
    ["cosh", (x) => x.cosh()],
    ["floor", (x) => x.floor()],
    // shifted, so both branches of elu (and both signs) are checked
    ["elu", (x) => x.sub(1.5).elu(0.5)],
    ["sign", (x) => x.sub(1).sign()],
  ];

  it.each(unary)("%s: the local value is the derivative (central differences)", (name, f) => {
    const xs = [0.3, 0.7, 1.2, 2.5];
    const x = tensor(xs, { requiresGrad: true });
    const [step] = backwardSteps(f(x));
    expect(step?.op).toBe(name);
    const h = 1e-6;
    const fd = xs.map((v) => {
      const up = f(tensor([v + h])).item();
      const down = f(tensor([v - h])).item();
      return (up - down) / (2 * h);
    });
    expectAllClose(step?.local.value?.value, fd, 1e-7);
  });

  it("mul and div: b and a, 1/b and −a/b², per element", () => {
    const a = tensor([1, 2], { requiresGrad: true, label: "a" });
    const b = tensor([4, -5], { requiresGrad: true, label: "b" });
    const [m0, m1] = backwardSteps(a.mul(b));
    expect(m0?.local.value?.value).toEqual([4, -5]);
    expect(m1?.local.value?.value).toEqual([1, 2]);
    const [d0, d1] = backwardSteps(a.div(b));
    expectAllClose(d0?.local.value?.value, [1 / 4, -1 / 5]);
    expectAllClose(d1?.local.value?.value, [-1 / 16, -2 / 25]);
  });

  it("gives no per-element number for a broadcast operand", () => {
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const b = tensor([10, 20], { requiresGrad: true });
    const steps = backwardSteps(a.mul(b));
    expect(steps[0]?.local.value?.value).toEqual([
      [10, 20],
      [10, 20],
    ]);
    expect(steps[1]?.local.value).toBeNull();
    expect(steps[1]?.contribution.value).toEqual([4, 6]);
  });
});
