/**
 * The `expr` tagged template (SPEC §12): the graph it builds is the method chain's, node for node;
 * each call site is parsed once; errors point into the template.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExpressionError } from "../../src/expression";
import { parseStats } from "../../src/expression/parse";
import { add, ChainruleError, div, expr, mul, type Tensor, tensor, Value, value } from "../../src/index";
import { expectClose } from "../helpers/close";
import { errorOf, signature } from "./precedence";

const scalars = () => [value(2, "a"), value(-3, "b"), value(10, "c")] as const;
const tensors = () =>
  [
    tensor([[1, 2, 3]], { requiresGrad: true, label: "a" }),
    tensor([[0.5], [-1]], { requiresGrad: true, label: "b" }),
    tensor([0.1, 0.2, 0.3], { requiresGrad: true, label: "c" }),
  ] as const;

describe("expr builds the method chain's graph", () => {
  it("for Values: tanh(a*b + c) is a.mul(b).add(c).tanh()", () => {
    const [a, b, c] = scalars();
    const chain = a.mul(b).add(c).tanh();
    const formula = expr`tanh(${a} * ${b} + ${c})`;
    expect(formula).toBeInstanceOf(Value);
    expect(signature(formula)).toEqual(signature(chain));
    expect(signature(formula)).toEqual(["a", "b", "mul(0,1)", "c", "add(2,3)", "tanh(4)"]);
    expect(formula.data).toBe(chain.data);
  });

  it("for Tensors, broadcasting [1,3] * [2,1] + [3] as the methods do", () => {
    const [a, b, c] = tensors();
    const chain = a.mul(b).add(c).tanh();
    const formula = expr`tanh(${a} * ${b} + ${c})`;
    expect(signature(formula)).toEqual(signature(chain));
    expect(formula.shape).toEqual([2, 3]);
    expect(formula.toArray()).toEqual(chain.toArray());
  });

  it("reads @ as .matmul, as tight as *", () => {
    const w = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const x = tensor([[1], [-1]], { requiresGrad: true });
    const bias = tensor([[0.5], [0], [-0.5]]);
    const formula = expr`relu(${w} @ ${x} * 2 + ${bias})`;
    const chain = w.matmul(x).mul(2).add(bias).relu();
    expect(signature(formula)).toEqual(signature(chain));
    expect(signature(formula)).toContain("matmul(0,1)");
    expect(formula.toArray()).toEqual(chain.toArray());
  });

  it("makes a number placeholder or literal a constant leaf, as a number operand of a method does", () => {
    const [a] = scalars();
    expect(signature(expr`${a} * ${2}`)).toEqual(signature(a.mul(2)));
    expect(signature(expr`${a} ^ 2 - 1`)).toEqual(signature(a.pow(2).sub(1)));
    expect(signature(expr`2 * ${a}`)).toEqual(signature(mul(2, a)));
    expect(signature(expr`-${a}^2`)).toEqual(signature(a.pow(2).neg()));
    expect(signature(expr`${a} / 4`)).toEqual(["a", "const", "div(0,1)"]);
    const [t] = tensors();
    expect(signature(expr`1 - ${t}`)).toEqual(["const", "a", "sub(0,1)"]);
  });

  it("gives a number when every placeholder is a number", () => {
    const out: number = expr`${2} * ${3} + exp(0)`;
    expect(out).toBe(7);
  });

  it("calls tensor ops with number arguments: sum(x, 0), softmax(x, -1)", () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    expect(signature(expr`sum(${x}, 0)`)).toEqual(signature(x.sum(0)));
    expect(signature(expr`mean(softmax(${x}, -1) * ${x})`)).toEqual(signature(x.softmax(-1).mul(x).mean()));
  });

  it("gives the method chain's graph and gradients: micrograd's README example", () => {
    const run = (useExpr: boolean) => {
      const a = value(-4, "a");
      const b = value(2, "b");
      let c: Value;
      let d: Value;
      let g: Value;
      if (useExpr) {
        c = expr`${a} + ${b}`;
        d = expr`${a} * ${b} + ${b}^3`;
        c = expr`${c} + (${c} + 1)`;
        c = expr`${c} + (1 + ${c} + -${a})`;
        d = expr`${d} + (${d} * 2 + relu(${b} + ${a}))`;
        d = expr`${d} + (3 * ${d} + relu(${b} - ${a}))`;
        const e = expr`${c} - ${d}`;
        const f = expr`${e}^2`;
        g = expr`${f} / 2 + 10 / ${f}`;
      } else {
        c = a.add(b);
        d = a.mul(b).add(b.pow(3));
        c = c.add(c.add(1));
        c = c.add(add(1, c).add(a.neg()));
        d = d.add(d.mul(2).add(b.add(a).relu()));
        d = d.add(mul(3, d).add(b.sub(a).relu()));
        const e = c.sub(d);
        const f = e.pow(2);
        g = f.div(2).add(div(10, f));
      }
      g.backward();
      return { g: g.data, a: a.grad, b: b.grad, nodes: signature(g) };
    };
    const viaExpr = run(true);
    const viaMethods = run(false);
    expect(viaExpr.nodes).toEqual(viaMethods.nodes);
    expect(viaExpr).toEqual(viaMethods);
    // micrograd's numbers (its README and test_engine.py, checked there against PyTorch)
    expectClose(viaExpr.g, 24.70408163265306, 1e-12);
    expectClose(viaExpr.a, 138.83381924198252, 1e-12);
    expectClose(viaExpr.b, 645.5772594752186, 1e-12);
  });

  it("gives the method chain's tensor gradients, broadcast back to each operand's shape", () => {
    const grads = (useExpr: boolean) => {
      const [a, b, c] = tensors();
      const out = useExpr ? expr`sum(tanh(${a} * ${b} + ${c})^2)` : a.mul(b).add(c).tanh().pow(2).sum();
      out.backward();
      return [a, b, c].map((t) => ({
        shape: (t.grad as Tensor).shape,
        values: (t.grad as Tensor).toArray(),
      }));
    };
    const viaExpr = grads(true);
    expect(viaExpr.map((g) => g.shape)).toEqual([[1, 3], [2, 1], [3]]);
    expect(viaExpr).toEqual(grads(false));
  });
});

describe("expr parses each call site once", () => {
  const site = (x: Value) => expr`${x} * ${x} + 1`;

  it("reuses the tree of a call site in a loop", () => {
    site(value(0)); // parsed here, if no earlier test did
    const before = parseStats.parses;
    let total = 0;
    for (let i = 0; i < 50; i++) total += site(value(i)).data;
    expect(parseStats.parses).toBe(before);
    expect(total).toBe(Array.from({ length: 50 }, (_, i) => i * i + 1).reduce((s, v) => s + v, 0));
  });

  it("parses another call site with the same text separately", () => {
    const before = parseStats.parses;
    for (let i = 0; i < 3; i++) expr`${value(i)} * ${value(i)} + 1`;
    expect(parseStats.parses).toBe(before + 1);
  });

  it("does not cache a template that fails to parse: it throws every time", () => {
    const bad = (x: Value) => expr`${x} ** 2`;
    expect(() => bad(value(1))).toThrow(ExpressionError);
    expect(() => bad(value(1))).toThrow(ExpressionError);
  });
});

describe("expr errors point into the template", () => {
  it("measures positions in the template text, each placeholder written as its index in braces", () => {
    const a = value(1);
    const err = errorOf(() => expr`tanh(${a} ** 2)`);
    expect(err).toBeInstanceOf(ChainruleError);
    expect(err.reason).toBe("`**` is not an operator here: write `^` for powers");
    expect(err.source).toBe(`tanh(\${0} ** 2)`);
    expect(err.position).toBe(10);
    expect(err.message).toBe(`${err.reason}\n  tanh(\${0} ** 2)\n            ^`);
  });

  it("points at an unknown function, a name without a placeholder, and a bad placeholder", () => {
    const [a, b] = scalars();
    const unknown = errorOf(() => expr`${a} + sigmod(${b})`);
    expect([unknown.position, unknown.reason]).toEqual([
      7,
      "unknown function 'sigmod' (did you mean 'sigmoid'?)",
    ]);
    const name = errorOf(() => expr`${a} * x`);
    expect(name.position).toBe(7);
    expect(name.reason).toBe(
      `'x' is not defined: put a value in with \${x} (the only names here are e and pi)`,
    );
    const bad = errorOf(() => expr`${a} + ${"2" as unknown as number}`);
    expect([bad.position, bad.reason]).toEqual([
      7,
      `placeholder \${1} is string "2": expected a Value, a Tensor or a number`,
    ]);
  });

  it("points an op's error at its operator: shapes, a Value with a Tensor, @ on Values", () => {
    const [a] = scalars();
    const shapes = errorOf(() => expr`${tensor([1, 2, 3])} + ${tensor([1, 2])}`);
    expect(shapes.position).toBe(5);
    expect(shapes.reason).toMatch(/^add: shapes \[3\] and \[2\] cannot be broadcast/);
    expect(errorOf(() => expr`exp(${a}) * ${tensor(1)}`).reason).toBe(
      "mul: cannot mix a Value and a Tensor (use a 0-d tensor instead of the Value)",
    );
    expect(errorOf(() => expr`${a} @ ${a}`).reason).toBe(
      "@ (matmul) needs two Tensors, got a Value and a Value",
    );
  });

  it("uses e and pi as constants", () => {
    expectClose(expr`cos(pi) * ${value(2)}`.data, -2);
    expectClose(expr`log(e)`, 1);
  });

  it("refuses to be called as a function", () => {
    expect(() => (expr as unknown as (s: string) => unknown)("1 + 2")).toThrow(/expr is a tagged template/);
  });
});

describe("expr on random templates", () => {
  const TOKENS = [
    "x",
    "e",
    "tanh",
    "sum",
    "max",
    "reshape",
    "leakyRelu",
    "clamp",
    "where",
    "maskedFill",
    "gather",
    "softmax",
    "2",
    ".5",
    "1e-3",
    "+",
    "-",
    "*",
    "/",
    "^",
    "@",
    "**",
    "(",
    ")",
    ",",
    " ",
    "%",
    ".",
    "=",
    "$",
    "{",
    "}",
  ];
  const OPERANDS = [value(1.5, "v"), tensor([1, 2], { requiresGrad: true }), tensor([[1], [2]]), 3];

  it("throws nothing but ExpressionError, with a position inside the template text", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.constantFrom(...TOKENS), { maxLength: 8 }).map((t) => t.join("")),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.array(fc.constantFrom(...OPERANDS), { minLength: 4, maxLength: 4 }),
        (segments, operands) => {
          const strings = Object.assign([...segments], {
            raw: [...segments],
          }) as unknown as TemplateStringsArray;
          try {
            const out = expr(strings, ...operands.slice(0, segments.length - 1));
            expect(typeof out === "number" || out instanceof Value || "shape" in out).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(ExpressionError);
            const { position, source } = err as ExpressionError;
            expect(source).toBe(
              segments.reduce((s, seg, i) => (i === 0 ? seg : `${s}$\{${i - 1}}${seg}`), ""),
            );
            expect(position >= 0 && position <= (source as string).length).toBe(true);
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });
});
