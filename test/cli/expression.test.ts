import { describe, expect, it } from "vitest";
import {
  buildGraph,
  ExpressionError,
  MAX_DEPTH,
  parseExpression,
  variablesOf,
} from "../../src/cli/expression";
import { formatExpressionError, gradCommand, parseBindings } from "../../src/cli/grad-command";
import { ChainruleError } from "../../src/index";
import { errorOf, PRECEDENCE, signature } from "../expression/precedence";
import { expectClose } from "../helpers/close";

/** Value and gradients of an expression, through the same path as `chainrule grad`. */
function evaluate(expr: string, bindings: Record<string, number>) {
  const { root, variables } = buildGraph(expr, bindings);
  root.backward();
  return { value: root.data, grad: (name: string) => (variables.get(name) as { grad: number }).grad };
}

describe("expression precedence (SPEC §5): the grammar's table, through chainrule grad", () => {
  it.each(PRECEDENCE)("reads $source as $reading", ({ source, reading, bindings, value }) => {
    const { root } = buildGraph(source, bindings);
    expectClose(root.data, value, 1e-12);
    // the same graph as the fully parenthesized reading
    expect(signature(root)).toEqual(signature(buildGraph(reading, bindings).root));
  });

  it("reads -x^2 as −(x²)", () => {
    const r = evaluate("-x^2", { x: 3 });
    expect(r.value).toBe(-9);
    expect(r.grad("x")).toBe(-6);
  });

  it("treats a negative exponent as unary minus on the exponent: x^-1 = 1/x", () => {
    const r = evaluate("x^-1", { x: 4 });
    expect(r.value).toBe(0.25);
    expectClose(r.grad("x"), -1 / 16);
  });
});

describe("expression gradients", () => {
  it("matches micrograd's tanh(a·b + c) example", () => {
    const r = evaluate("tanh(a*b + c)", { a: 2, b: -3, c: 10 });
    const t = Math.tanh(4);
    expectClose(r.value, t);
    expectClose(r.grad("a"), (1 - t * t) * -3);
    expectClose(r.grad("b"), (1 - t * t) * 2);
    expectClose(r.grad("c"), 1 - t * t);
  });

  it("knows every scalar function of SPEC §1", () => {
    const x = 0.7;
    const cases: [string, number, number][] = [
      ["exp(x)", Math.exp(x), Math.exp(x)],
      ["log(x)", Math.log(x), 1 / x],
      ["sqrt(x)", Math.sqrt(x), 0.5 / Math.sqrt(x)],
      ["abs(x)", x, 1],
      ["tanh(x)", Math.tanh(x), 1 - Math.tanh(x) ** 2],
      ["sigmoid(x)", 1 / (1 + Math.exp(-x)), Math.exp(-x) / (1 + Math.exp(-x)) ** 2],
      ["relu(x)", x, 1],
      ["softplus(x)", Math.log1p(Math.exp(x)), 1 / (1 + Math.exp(-x))],
      ["sin(x)", Math.sin(x), Math.cos(x)],
      ["cos(x)", Math.cos(x), -Math.sin(x)],
      ["leakyRelu(-x)", -0.01 * x, -0.01],
    ];
    for (const [expr, value, grad] of cases) {
      const r = evaluate(expr, { x });
      expectClose(r.value, value);
      expectClose(r.grad("x"), grad);
    }
    expectClose(evaluate("gelu(x)", { x }).value, 0.5306254434438489, 1e-12);
  });

  it("accepts pow, max and min with two arguments, and the constants pi and e", () => {
    expect(evaluate("pow(x, 3)", { x: 2 }).value).toBe(8);
    expect(evaluate("max(x, y)", { x: 2, y: 5 }).value).toBe(5);
    expect(evaluate("min(x, y)", { x: 2, y: 5 }).value).toBe(2);
    expectClose(evaluate("cos(pi)", {}).value, -1);
    expectClose(evaluate("log(e)", {}).value, 1);
  });

  it("lets a variable named e shadow the constant", () => {
    expect(evaluate("e*2", { e: 5 }).value).toBe(10);
  });

  it("lists variables in order of first appearance", () => {
    expect(variablesOf(parseExpression("b*a + c*b"))).toEqual(["b", "a", "c"]);
  });

  it("builds 20,000-term sums and 100-deep nesting without recursion trouble", () => {
    const sum = Array.from({ length: 20_000 }, () => "x").join("+");
    expect(evaluate(sum, { x: 1 }).grad("x")).toBe(20_000);
    const nested = `${"(".repeat(100)}x${")".repeat(100)}`;
    expect(evaluate(nested, { x: 3 }).value).toBe(3);
  });
});

describe("expression errors name the problem and its position", () => {
  it("rejects an unknown function at its position", () => {
    const err = errorOf(() => buildGraph("2 + foo(x)", { x: 1 }));
    expect(err.message).toMatch(/unknown function 'foo'/);
    expect(err.position).toBe(4);
  });

  it("rejects an unbound variable at its position", () => {
    const err = errorOf(() => buildGraph("x*yy", { x: 1 }));
    expect(err.message).toBe("unbound variable 'yy' (give it a value: yy=…)");
    expect(err.position).toBe(2);
  });

  it("reports a syntax error at the unexpected token", () => {
    const err = errorOf(() => buildGraph("x + * 2", { x: 1 }));
    expect(err.message).toBe("syntax error: unexpected '*' (expected a number, a name or '(')");
    expect(err.position).toBe(4);
  });

  it("suggests ^ for a**2", () => {
    const err = errorOf(() => buildGraph("a**2", { a: 1 }));
    expect(formatExpressionError("a**2", err)).toBe(
      "error at position 2: `**` is not an operator here: write `^` for powers\n  a**2\n   ^",
    );
  });

  it("rejects implicit multiplication, other operators and wrong arity", () => {
    expect(errorOf(() => parseExpression("2x")).message).toMatch(/implicit multiplication/);
    expect(errorOf(() => parseExpression("x % 2")).message).toMatch(/unsupported operator/);
    expect(errorOf(() => parseExpression("x == 2")).message).toMatch(/unsupported operator/);
    expect(errorOf(() => parseExpression("x = 2")).message).toMatch(/unsupported syntax/);
    expect(errorOf(() => parseExpression("tanh(x, y)")).message).toBe("tanh takes 1 argument, got 2");
    expect(errorOf(() => parseExpression("  ")).message).toBe("empty expression");
  });

  it("refuses 10⁴-deep nesting with a clear error instead of a stack overflow", () => {
    for (const expr of [
      `${"(".repeat(10_000)}x${")".repeat(10_000)}`,
      `x${"^x".repeat(10_000)}`,
      `${"-".repeat(10_000)}x`,
    ]) {
      const err = errorOf(() => parseExpression(expr));
      expect(err.message).toMatch(/nested too deeply/);
      expect(err.position).toBeLessThanOrEqual(2 * MAX_DEPTH + 2);
    }
  });

  it("formats an error as one line plus the expression and a caret", () => {
    const err = errorOf(() => buildGraph("x*yy", { x: 1 }));
    expect(formatExpressionError("x*yy", err)).toBe(
      "error at position 3: unbound variable 'yy' (give it a value: yy=…)\n  x*yy\n    ^",
    );
  });

  it("shows a window of a long expression around the position", () => {
    const expr = `${"x+".repeat(100)}foo(x)`;
    const text = formatExpressionError(
      expr,
      errorOf(() => buildGraph(expr, { x: 1 })),
    );
    const [, shown, caret] = text.split("\n") as [string, string, string];
    expect(shown.length).toBeLessThan(90);
    expect(shown[caret.indexOf("^")]).toBe("f");
  });
});

describe("name=value bindings", () => {
  it("parses numbers in any JavaScript notation", () => {
    expect(parseBindings(["a=2", "b=-3.5", "c=1e-3"])).toEqual(
      new Map([
        ["a", 2],
        ["b", -3.5],
        ["c", 0.001],
      ]),
    );
  });

  it("rejects malformed, non-finite and repeated bindings", () => {
    expect(() => parseBindings(["a"])).toThrow(ChainruleError);
    expect(() => parseBindings(["a=x"])).toThrow(/not a finite number/);
    expect(() => parseBindings(["a=Infinity"])).toThrow(/not a finite number/);
    expect(() => parseBindings(["a=1", "a=2"])).toThrow(/given twice/);
    expect(() => parseBindings(["1a=2"])).toThrow(/bad variable name "1a"/);
  });
});

describe("gradCommand", () => {
  it("prints the value and every variable's gradient", async () => {
    const out = await gradCommand("a*b", ["a=2", "b=3"], {});
    expect(out).toBe("f = 6\n∂f/∂a = 3\n∂f/∂b = 2");
  });

  it("prints JSON with --json, unused variables getting 0", async () => {
    const out = await gradCommand("-x^2", ["x=3", "y=1"], { json: true });
    expect(JSON.parse(out)).toEqual({ value: -9, grads: { x: -6, y: 0 } });
  });
});
