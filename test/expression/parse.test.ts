/**
 * The expression grammar (SPEC §5, §12): how `parseExpression` reads, what it calls, and where
 * its errors point. The precedence table is shared with `chainrule grad`'s tests.
 */
import { describe, expect, it } from "vitest";
import {
  ExpressionError,
  MAX_DEPTH,
  parseExpression,
  parseSource,
  scalarFunctionNames,
} from "../../src/expression";
import { ChainruleError, type Tensor, tensor, Value, value } from "../../src/index";
import { expectClose } from "../helpers/close";
import { errorOf, MATMUL_PRECEDENCE, PRECEDENCE, printTree } from "./precedence";

/** The number an expression gives with plain-number bindings. */
const numberOf = (source: string, bindings: Record<string, number> = {}) =>
  parseExpression(source).evaluate(bindings) as number;

describe("precedence (one table for the library and the CLI)", () => {
  it.each(PRECEDENCE)("reads $source as $reading", ({ source, reading, bindings, value: expected }) => {
    expect(printTree(parseSource([source]).root)).toBe(reading);
    expectClose(numberOf(source, bindings), expected, 1e-12);
    // with Values the graph computes the same number
    const values = Object.fromEntries(Object.entries(bindings).map(([k, v]) => [k, value(v, k)]));
    const out = parseExpression(source).evaluate(values);
    expectClose(out instanceof Value ? out.data : (out as number), expected, 1e-12);
  });

  it.each(MATMUL_PRECEDENCE)("reads $source as $reading (@ is as tight as *)", ({ source, reading }) => {
    expect(printTree(parseSource([source]).root)).toBe(reading);
  });

  it("gives 2^3^2 = 512 and -x^2 = −(x²) with its gradient", () => {
    expect(numberOf("2^3^2")).toBe(512);
    const x = value(3, "x");
    const y = parseExpression("-x^2").evaluate({ x });
    expect(y.op).toBe("neg");
    y.backward();
    expect([y.data, x.grad]).toEqual([-9, -6]);
  });
});

describe("names", () => {
  it("lists the free names in order of first appearance, without the constants e and pi", () => {
    const f = parseExpression("b*a + c*b + e^pi");
    expect(f.variables).toEqual(["b", "a", "c"]);
    expect(f.constants).toEqual(["e", "pi"]);
  });

  it("uses e and pi as constants unless bound", () => {
    expectClose(numberOf("log(e) + cos(pi)"), 0);
    expect(numberOf("e*2", { e: 5 })).toBe(10);
  });

  it("reads Unicode and underscore names, and never a record's prototype", () => {
    expect(numberOf("α*w_1 + $k", { α: 2, w_1: 3, $k: 1 })).toBe(7);
    expect(numberOf("constructor + toString", { constructor: 1, toString: 2 })).toBe(3);
    expect(errorOf(() => numberOf("toString")).reason).toBe(
      "unbound variable 'toString' (give it a value: toString=…)",
    );
    expect(numberOf("__proto__ * 2", new Map([["__proto__", 4]]) as never)).toBe(8);
  });

  it("names a missing binding and points at its first appearance", () => {
    const err = errorOf(() => parseExpression("x*yy + yy").evaluate({ x: 1 }));
    expect(err).toBeInstanceOf(ChainruleError);
    expect(err.reason).toBe("unbound variable 'yy' (give it a value: yy=…)");
    expect(err.position).toBe(2);
    expect(err.message).toBe(`${err.reason}\n  x*yy + yy\n    ^`);
  });

  it("rejects a binding that is not a Value, a Tensor or a number", () => {
    const err = errorOf(() => parseExpression("1 + x").evaluate({ x: "2" as never }));
    expect(err.reason).toMatch(/^'x' is bound to string "2": expected a Value, a Tensor or a number$/);
    expect(err.position).toBe(4);
  });
});

describe("numbers", () => {
  it.each([
    ["12", 12],
    ["1.5", 1.5],
    [".5", 0.5],
    ["5.", 5],
    ["1e-3", 0.001],
    ["2.5E+2", 250],
    ["1e400", Number.POSITIVE_INFINITY],
  ])("reads %s", (source, expected) => {
    expect(numberOf(source)).toBe(expected);
  });

  it("folds operations on plain numbers to a number, as the root functions do", () => {
    expect(numberOf("2*3 + exp(0)")).toBe(7);
  });
});

describe("calls", () => {
  it("calls the scalar functions on Values, with ln for log", () => {
    const x = value(0.7, "x");
    for (const name of ["exp", "tanh", "sigmoid", "relu", "sin", "log", "sqrt", "gelu", "softplus"]) {
      const out = parseExpression(`${name}(x)`).evaluate({ x });
      expect(out.op).toBe(name);
      expectClose(out.data, (x as unknown as Record<string, () => Value>)[name]?.().data as number);
    }
    expect(parseExpression("ln(x)").evaluate({ x }).op).toBe("log");
    expect(parseExpression("leakyRelu(x, 0.2)").evaluate({ x: value(-1) }).data).toBe(-0.2);
    expect(parseExpression("pow(x, 3)").evaluate({ x: value(2) }).data).toBe(8);
    expect(parseExpression("atan2(x, 1)").evaluate({ x: value(1) }).data).toBe(Math.PI / 4);
  });

  it("reads max(a, b) as the elementwise maximum, and max(tensor, dim) as the reduction (torch.max)", () => {
    expect(parseExpression("max(x, y)").evaluate({ x: value(2), y: value(5) }).op).toBe("maximum");
    expect(numberOf("min(2, 5)")).toBe(2);
    const t = tensor([
      [1, 5],
      [7, 2],
    ]);
    const reduced = parseExpression("max(t, 0)").evaluate({ t });
    expect([reduced.op, reduced.toArray()]).toEqual(["max", [7, 5]]);
    const clipped = parseExpression("max(t, u)").evaluate({ t, u: tensor(3) });
    expect([clipped.op, clipped.toArray()]).toEqual([
      "maximum",
      [
        [3, 5],
        [7, 3],
      ],
    ]);
  });

  it("calls the tensor ops with number arguments", () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const run = (source: string) => parseExpression(source).evaluate({ t }) as Tensor;
    expect(run("sum(t, 0)").toArray()).toEqual([5, 7, 9]);
    expect(run("sum(t)").item()).toBe(21);
    expect(run("reshape(t, 3, 2)").shape).toEqual([3, 2]);
    expect(run("transpose(t)").shape).toEqual([3, 2]);
    expect(run("t @ transpose(t)").toArray()).toEqual([
      [14, 32],
      [32, 77],
    ]);
    for (const total of run("sum(softmax(t, -1), -1)").toArray() as number[]) expectClose(total, 1);
    expect(run("clamp(t, 2, 5)").toArray()).toEqual([
      [2, 2, 3],
      [4, 5, 5],
    ]);
  });

  it("says which ops need a Tensor", () => {
    const err = errorOf(() => parseExpression("1 + sum(x, 0)").evaluate({ x: value(1) }));
    expect(err.reason).toBe("sum: works on Tensors, and its first argument is a Value");
    expect(err.position).toBe(4);
    expect(errorOf(() => numberOf("square(2)")).reason).toMatch(/^square: works on Tensors only/);
  });

  it("lists for the CLI the functions that take Values, one argument or pow/max/min/atan2/remainder", () => {
    expect(scalarFunctionNames).toEqual(expect.arrayContaining(["exp", "ln", "tanh", "pow", "max", "atan2"]));
    expect(scalarFunctionNames).not.toContain("sum");
    expect(scalarFunctionNames).not.toContain("neg");
    const x = value(0.5);
    for (const name of scalarFunctionNames) {
      const two = ["pow", "max", "min", "atan2", "remainder"].includes(name);
      expect(parseExpression(two ? `${name}(x, 2)` : `${name}(x)`).evaluate({ x })).toBeInstanceOf(Value);
    }
  });
});

describe("errors point at their position", () => {
  it.each([
    ["x + * 2", 4, "syntax error: unexpected '*' (expected a number, a name or '(')"],
    ["x +", 3, "syntax error: unexpected end of expression (expected a number, a name or '(')"],
    ["(x + 1", 0, "unclosed '(': no ')' matches it"],
    ["2 * (x + (y - 1)", 4, "unclosed '(': no ')' matches it"],
    ["tanh(x", 4, "unclosed '(': no ')' matches it"],
    ["x + 1)", 5, "syntax error: unexpected ')' (no '(' to close)"],
    [
      "f(x, )",
      0,
      "unknown function 'f' (a function is an op of Value or Tensor: exp, log, tanh, relu, pow, max, sum, softmax, matmul, …)",
    ],
    ["1 + tahn(x)", 4, "unknown function 'tahn' (did you mean 'tanh'?)"],
    ["sigmod(x)", 0, "unknown function 'sigmod' (did you mean 'sigmoid'?)"],
    ["leaky_relu(x)", 0, "unknown function 'leaky_relu' (did you mean 'leakyRelu'?)"],
    ["2 + tanh(x, y)", 4, "tanh takes 1 argument, got 2"],
    ["pow(x)", 0, "pow takes 2 arguments, got 1"],
    ["sum()", 0, "sum takes 1 or 2 arguments, got 0"],
    ["clamp(x, 0, 1, 2)", 0, "clamp takes 1 to 3 arguments, got 4"],
    ["a**2", 1, "`**` is not an operator here: write `^` for powers"],
    ["2x", 1, "implicit multiplication is not supported: write the '*' (e.g. 2*x)"],
    ["(a)(b)", 3, "implicit multiplication is not supported: write the '*' (e.g. 2*x)"],
    ["x % 2", 2, "unsupported operator '%' (the operators are + - * / ^ @)"],
    ["x == 2", 2, "unsupported operator '==' (the operators are + - * / ^ @)"],
    ["x = 2", 2, "unsupported syntax: '=' (an expression has no assignments; it is only a formula)"],
    [
      "x.sum(0)",
      1,
      "method calls are not part of the grammar: call sum(x, …) with the operand first, not x.sum(…)",
    ],
    ["1.2.3", 3, "malformed number: '1.2' followed by another '.'"],
    ["x + [1]", 4, "syntax error: unexpected character '['"],
    ["x\u0000", 1, 'syntax error: unexpected character "\\u0000"'],
    ["   ", 0, "empty expression"],
  ])("%j: position %i", (source, position, reason) => {
    const err = errorOf(() => parseExpression(source));
    expect(err.reason).toBe(reason);
    expect(err.position).toBe(position);
    expect(err).toBeInstanceOf(ChainruleError);
    // the message shows the source with a caret under the position
    const [first, shown, caret] = err.message.split("\n");
    expect(first).toBe(reason);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the display shows them as spaces
    expect(shown).toBe(`  ${source.replace(/[\u0000-\u001f]/g, " ")}`);
    expect(caret).toBe(`  ${" ".repeat(position)}^`);
  });

  it("shows a window of a long expression around the position", () => {
    const source = `${"x+".repeat(100)}foo(x)`;
    const err = errorOf(() => parseExpression(source));
    expect(err.position).toBe(200);
    const [, shown, caret] = err.message.split("\n") as [string, string, string];
    expect(shown.length).toBeLessThan(90);
    expect(shown.slice(caret.indexOf("^"))).toMatch(/^foo\(x\)/);
  });

  it("refuses nesting deeper than MAX_DEPTH with an error, never a stack overflow", () => {
    const deep = MAX_DEPTH + 1;
    for (const source of [
      `${"(".repeat(10_000)}x${")".repeat(10_000)}`,
      `${"tanh(".repeat(10_000)}x${")".repeat(10_000)}`,
      `x${"^x".repeat(10_000)}`,
      `${"-".repeat(10_000)}x`,
    ]) {
      const err = errorOf(() => parseExpression(source));
      expect(err.reason).toBe(`expression is nested too deeply (more than ${MAX_DEPTH} levels)`);
      expect(err.position).toBeLessThanOrEqual(5 * deep);
    }
    // MAX_DEPTH levels are fine
    expect(numberOf(`${"(".repeat(MAX_DEPTH)}x${")".repeat(MAX_DEPTH)}`, { x: 3 })).toBe(3);
    expect(numberOf(`${"-".repeat(MAX_DEPTH)}x`, { x: 3 })).toBe(3);
  });

  it("parses and evaluates a 20,000-term sum (a loop, not recursion)", () => {
    const x = value(1, "x");
    const out = parseExpression(Array.from({ length: 20_000 }, () => "x").join("+")).evaluate({ x });
    out.backward();
    expect([out.data, x.grad]).toEqual([20_000, 20_000]);
  });

  it("points an op's error at its operator", () => {
    const err = errorOf(() =>
      parseExpression("a + b * c").evaluate({ a: 1, b: tensor([1, 2, 3]), c: tensor([1, 2]) }),
    );
    expect(err.position).toBe(6);
    expect(err.reason).toMatch(/^mul: shapes \[3\] and \[2\] cannot be broadcast/);
    expect(err.cause).toBeInstanceOf(ChainruleError);
    expect(errorOf(() => parseExpression("a @ b").evaluate({ a: value(1), b: value(2) })).reason).toBe(
      "@ (matmul) needs two Tensors, got a Value and a Value",
    );
    expect(errorOf(() => parseExpression("a + b").evaluate({ a: value(1), b: tensor(2) })).position).toBe(2);
  });
});

describe("arguments after the operand", () => {
  it("must be numbers where the op takes axes, slopes or bounds", () => {
    const t = tensor([1, 2]);
    expect(errorOf(() => parseExpression("sum(t, t)").evaluate({ t })).reason).toBe(
      "sum: argument 2 must be a number, got a Tensor [2]",
    );
    expect(
      errorOf(() => parseExpression("leakyRelu(x, y)").evaluate({ x: value(1), y: value(2) })).reason,
    ).toBe("leakyRelu: argument 2 must be a number, got a Value");
    // ops that take tensors take them
    expect(
      parseExpression("maskedFill(t, m, 0)")
        .evaluate({ t, m: tensor([true, false]) })
        .toArray(),
    ).toEqual([0, 2]);
  });
});
