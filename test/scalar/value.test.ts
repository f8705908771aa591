/**
 * The scalar engine (SPEC §0, §1): every entry of the `Value` op table checked forward against
 * `Math` or a hand formula, and backward against its derivative formula and against central
 * finite differences; then the conventions at kinks, numerical edge cases, constant leaves,
 * graph semantics, errors and the root functions.
 */
import { describe, expect, it } from "vitest";
import {
  add,
  ChainruleError,
  div,
  maximum,
  minimum,
  mul,
  pow,
  scalarOps,
  sub,
  type Tensor,
  tensor,
  Value,
  value,
} from "../../src/index";
import { _leakyReluCacheSize, LEAKY_RELU_CACHE_LIMIT } from "../../src/scalar/value";
import { centralDiff, expectClose } from "../helpers/close";

/** |actual − expected| ≤ rtol·|expected| (purely relative: the points avoid zero derivatives). */
function expectRel(actual: number, expected: number, rtol: number, what = ""): void {
  const err = Math.abs(actual - expected);
  expect(err <= rtol * Math.abs(expected) || actual === expected, `${what} ${actual} vs ${expected}`).toBe(
    true,
  );
}

const sigma = (x: number) => 1 / (1 + Math.exp(-x));
/** SELU's constants, as PyTorch writes them. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * GELU references from Python (exact erf form), one row per point: [x, gelu(x), gelu′(x)] with
 *   gelu(x)  = 0.5*x*(1 + math.erf(x/math.sqrt(2)))
 *   gelu′(x) = 0.5*(1 + math.erf(x/math.sqrt(2))) + x*math.exp(-x*x/2)/math.sqrt(2*math.pi)
 */
const GELU_PYTHON: readonly (readonly [number, number, number])[] = [
  [-3, -0.00404969409489031, -0.011945647204183918],
  [-1.5, -0.10021080190328713, -0.12746919222997954],
  [-0.5, -0.15426876936299344, 0.13250487534383712],
  [0.25, 0.14967658142073093, 0.695373354883636],
  [1, 0.8413447460685429, 1.0833154705876864],
  [2.5, 2.4844758366855597, 1.037611085908145],
];
const geluRef = (x: number) => {
  const row = GELU_PYTHON.find((r) => r[0] === x);
  if (!row) throw new Error(`no Python GELU reference for ${x}`);
  return row;
};

interface UnaryCase {
  arity: 1;
  apply: (x: Value) => Value;
  /** The forward formula on plain numbers. */
  f: (x: number) => number;
  /** The derivative by hand. */
  df: (x: number) => number;
  /** Points away from kinks and zeros of the derivative. */
  points: readonly number[];
}

interface BinaryCase {
  arity: 2;
  apply: (a: Value, b: Value) => Value;
  f: (a: number, b: number) => number;
  /** [∂/∂a, ∂/∂b] by hand. */
  df: (a: number, b: number) => readonly [number, number];
  points: readonly (readonly [number, number])[];
}

type OpCase = UnaryCase | BinaryCase;

const binaryPoints = [
  [1.5, -2.25],
  [-0.3, 4],
  [3, 0.5],
  [-7, -0.125],
] as const;

/** One entry per op of `scalarOps` (the type makes a missing entry a compile error). */
const cases: Record<keyof typeof scalarOps, OpCase> = {
  add: { arity: 2, apply: (a, b) => a.add(b), f: (a, b) => a + b, df: () => [1, 1], points: binaryPoints },
  sub: { arity: 2, apply: (a, b) => a.sub(b), f: (a, b) => a - b, df: () => [1, -1], points: binaryPoints },
  mul: {
    arity: 2,
    apply: (a, b) => a.mul(b),
    f: (a, b) => a * b,
    df: (a, b) => [b, a],
    points: binaryPoints,
  },
  div: {
    arity: 2,
    apply: (a, b) => a.div(b),
    f: (a, b) => a / b,
    df: (a, b) => [1 / b, -a / (b * b)],
    points: binaryPoints,
  },
  // A Value exponent, differentiated in both operands (base > 0 so aᵇ is real around each point).
  pow: {
    arity: 2,
    apply: (a, b) => a.pow(b),
    f: (a, b) => a ** b,
    df: (a, b) => [b * a ** (b - 1), a ** b * Math.log(a)],
    points: [
      [1.5, 2.5],
      [0.7, -1.3],
      [2, 3],
      [3.2, 0.5],
    ],
  },
  maximum: {
    arity: 2,
    apply: (a, b) => a.maximum(b),
    f: Math.max,
    df: (a, b) => (a > b ? [1, 0] : [0, 1]),
    points: binaryPoints,
  },
  minimum: {
    arity: 2,
    apply: (a, b) => a.minimum(b),
    f: Math.min,
    df: (a, b) => (a < b ? [1, 0] : [0, 1]),
    points: binaryPoints,
  },
  atan2: {
    arity: 2,
    apply: (a, b) => a.atan2(b),
    f: Math.atan2,
    df: (a, b) => [b / (a * a + b * b), -a / (a * a + b * b)],
    points: binaryPoints,
  },
  // Python's sign rule: the result has the divisor's sign; points away from a/b integral
  remainder: {
    arity: 2,
    apply: (a, b) => a.remainder(b),
    f: (a, b) => a - b * Math.floor(a / b),
    df: (a, b) => [1, -Math.floor(a / b)],
    points: [
      [5.5, 2],
      [-5.5, 2],
      [5.5, -2],
      [-0.3, 4],
      [-7, -0.75],
    ],
  },
  neg: { arity: 1, apply: (x) => x.neg(), f: (x) => -x, df: () => -1, points: [-2, 0.5, 3] },
  exp: { arity: 1, apply: (x) => x.exp(), f: Math.exp, df: Math.exp, points: [-2, 0.5, 3] },
  log: { arity: 1, apply: (x) => x.log(), f: Math.log, df: (x) => 1 / x, points: [0.1, 1.5, 20] },
  sqrt: {
    arity: 1,
    apply: (x) => x.sqrt(),
    f: Math.sqrt,
    df: (x) => 0.5 / Math.sqrt(x),
    points: [0.04, 2, 9],
  },
  abs: { arity: 1, apply: (x) => x.abs(), f: Math.abs, df: Math.sign, points: [-2.5, -0.1, 0.3, 4] },
  tanh: {
    arity: 1,
    apply: (x) => x.tanh(),
    f: Math.tanh,
    df: (x) => 1 - Math.tanh(x) ** 2,
    points: [-2, -0.3, 0.5, 1.7],
  },
  sigmoid: {
    arity: 1,
    apply: (x) => x.sigmoid(),
    f: sigma,
    df: (x) => sigma(x) * (1 - sigma(x)),
    points: [-5, -0.5, 0.8, 4],
  },
  relu: {
    arity: 1,
    apply: (x) => x.relu(),
    f: (x) => Math.max(x, 0),
    df: (x) => (x > 0 ? 1 : 0),
    points: [-2, -0.1, 0.3, 3],
  },
  gelu: {
    arity: 1,
    apply: (x) => x.gelu(),
    f: (x) => geluRef(x)[1],
    df: (x) => geluRef(x)[2],
    points: GELU_PYTHON.map((r) => r[0]),
  },
  softplus: {
    arity: 1,
    apply: (x) => x.softplus(),
    f: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))),
    df: (x) => (x > 20 ? 1 : sigma(x)),
    points: [-10, -1, 0.5, 5, 19.5, 25],
  },
  selu: {
    arity: 1,
    apply: (x) => x.selu(),
    f: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * (Math.exp(x) - 1)),
    df: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)),
    points: [-3, -0.5, 0.4, 2],
  },
  silu: {
    arity: 1,
    apply: (x) => x.silu(),
    f: (x) => x / (1 + Math.exp(-x)),
    df: (x) => sigma(x) + x * sigma(x) * (1 - sigma(x)),
    points: [-6, -1, 0.5, 3],
  },
  mish: {
    arity: 1,
    apply: (x) => x.mish(),
    f: (x) => x * Math.tanh(Math.log(1 + Math.exp(x))),
    // d/dx x·tanh(sp) = tanh(sp) + x·sech²(sp)·σ(x)
    df: (x) =>
      Math.tanh(Math.log(1 + Math.exp(x))) + (x * sigma(x)) / Math.cosh(Math.log(1 + Math.exp(x))) ** 2,
    points: [-4, -0.7, 0.5, 2.5],
  },
  log1p: {
    arity: 1,
    apply: (x) => x.log1p(),
    f: Math.log1p,
    df: (x) => 1 / (1 + x),
    points: [-0.5, 1e-3, 2],
  },
  expm1: { arity: 1, apply: (x) => x.expm1(), f: Math.expm1, df: Math.exp, points: [-2, 1e-3, 1.5] },
  reciprocal: {
    arity: 1,
    apply: (x) => x.reciprocal(),
    f: (x) => 1 / x,
    df: (x) => -1 / (x * x),
    points: [-2, 0.25, 3],
  },
  rsqrt: {
    arity: 1,
    apply: (x) => x.rsqrt(),
    f: (x) => 1 / Math.sqrt(x),
    df: (x) => -0.5 / (x * Math.sqrt(x)),
    points: [0.04, 2, 9],
  },
  tan: {
    arity: 1,
    apply: (x) => x.tan(),
    f: Math.tan,
    df: (x) => 1 / Math.cos(x) ** 2,
    points: [-1.2, 0.3, 1],
  },
  asin: {
    arity: 1,
    apply: (x) => x.asin(),
    f: Math.asin,
    df: (x) => 1 / Math.sqrt(1 - x * x),
    points: [-0.8, 0.1, 0.6],
  },
  acos: {
    arity: 1,
    apply: (x) => x.acos(),
    f: Math.acos,
    df: (x) => -1 / Math.sqrt(1 - x * x),
    points: [-0.8, 0.1, 0.6],
  },
  atan: { arity: 1, apply: (x) => x.atan(), f: Math.atan, df: (x) => 1 / (1 + x * x), points: [-3, 0.2, 5] },
  sinh: { arity: 1, apply: (x) => x.sinh(), f: Math.sinh, df: Math.cosh, points: [-2, 0.5, 3] },
  cosh: { arity: 1, apply: (x) => x.cosh(), f: Math.cosh, df: Math.sinh, points: [-2, 0.5, 3] },
  // piecewise constant: gradient 0 (points away from the jumps)
  floor: { arity: 1, apply: (x) => x.floor(), f: Math.floor, df: () => 0, points: [-2.5, -0.3, 0.7, 3.2] },
  ceil: { arity: 1, apply: (x) => x.ceil(), f: Math.ceil, df: () => 0, points: [-2.5, -0.3, 0.7, 3.2] },
  round: { arity: 1, apply: (x) => x.round(), f: Math.round, df: () => 0, points: [-2.7, -0.3, 0.7, 3.2] },
  trunc: { arity: 1, apply: (x) => x.trunc(), f: Math.trunc, df: () => 0, points: [-2.5, -0.3, 0.7, 3.2] },
  sign: { arity: 1, apply: (x) => x.sign(), f: Math.sign, df: () => 0, points: [-2.5, -0.3, 0.7, 3.2] },
  sin: { arity: 1, apply: (x) => x.sin(), f: Math.sin, df: Math.cos, points: [-2, 0.5, 1, 3] },
  cos: {
    arity: 1,
    apply: (x) => x.cos(),
    f: Math.cos,
    df: (x) => -Math.sin(x),
    points: [-2, 0.5, 1, 2.5],
  },
};

/** The output's number for inputs `xs` (the library's own forward, for finite differences). */
const forwardOf = (c: OpCase, xs: readonly number[]): number =>
  c.arity === 1
    ? c.apply(new Value(xs[0] as number)).data
    : c.apply(new Value(xs[0] as number), new Value(xs[1] as number)).data;

/** Builds the node, runs backward, and returns it with the inputs' gradients. */
function runBackward(c: OpCase, xs: readonly number[]): { out: Value; inputs: Value[] } {
  const inputs = xs.map((x) => new Value(x));
  const out = c.arity === 1 ? c.apply(inputs[0] as Value) : c.apply(inputs[0] as Value, inputs[1] as Value);
  out.backward();
  return { out, inputs };
}

const pointsOf = (c: OpCase): number[][] =>
  c.arity === 1 ? c.points.map((x) => [x]) : c.points.map((p) => [p[0], p[1]]);
const derivativesOf = (c: OpCase, xs: readonly number[]): readonly number[] =>
  c.arity === 1 ? [c.df(xs[0] as number)] : c.df(xs[0] as number, xs[1] as number);
const formulaOf = (c: OpCase, xs: readonly number[]): number =>
  c.arity === 1 ? c.f(xs[0] as number) : c.f(xs[0] as number, xs[1] as number);

describe("the scalar op table", () => {
  it("has a test case for every op in scalarOps", () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(scalarOps).sort());
  });

  describe.each(Object.entries(cases))("%s", (name, c) => {
    it("makes one node tagged with the op's name whose parents are its operands", () => {
      const xs = pointsOf(c)[0] as number[];
      const { out, inputs } = runBackward(c, xs);
      expect(out.op).toBe(name);
      expect(out.parents).toEqual(inputs);
      expect(out.parents.every((p, i) => p === inputs[i])).toBe(true);
    });

    it("computes the forward value of its formula", () => {
      for (const xs of pointsOf(c)) expectRel(forwardOf(c, xs), formulaOf(c, xs), 1e-14, `${name}(${xs})`);
    });

    it("gives the derivative of its hand formula after backward()", () => {
      for (const xs of pointsOf(c)) {
        const { inputs } = runBackward(c, xs);
        derivativesOf(c, xs).forEach((d, i) => {
          expectRel((inputs[i] as Value).grad, d, 1e-12, `∂${name}/∂x${i} at (${xs})`);
        });
      }
    });

    it("agrees with central finite differences to 1e-7 relative", () => {
      for (const xs of pointsOf(c)) {
        const { inputs } = runBackward(c, xs);
        xs.forEach((x, i) => {
          const numeric = centralDiff(
            (t) =>
              forwardOf(
                c,
                xs.map((v, j) => (j === i ? t : v)),
              ),
            x,
            1e-6 * Math.max(1, Math.abs(x)),
          );
          expectRel((inputs[i] as Value).grad, numeric, 1e-7, `∂${name}/∂x${i} at (${xs})`);
        });
      }
    });
  });
});

describe("leakyRelu", () => {
  const slope = 0.2;

  it("is x above 0 and slope·x below, with a non-default slope", () => {
    expect(new Value(3).leakyRelu(slope).data).toBe(3);
    expect(new Value(-2.5).leakyRelu(slope).data).toBe(-0.5);
    expect(new Value(-2.5).leakyRelu(slope).op).toBe("leakyRelu");
  });

  it("uses the slope 0.01 by default", () => {
    expect(new Value(-3).leakyRelu().data).toBe(-0.03);
    const x = new Value(-3);
    x.leakyRelu().backward();
    expect(x.grad).toBe(0.01);
  });

  it("has derivative 1 above 0 and slope below, matching central differences", () => {
    for (const x0 of [-4, -0.7, 0.3, 2]) {
      const x = new Value(x0);
      x.leakyRelu(slope).backward();
      expect(x.grad).toBe(x0 > 0 ? 1 : slope);
      const numeric = centralDiff((t) => new Value(t).leakyRelu(slope).data, x0);
      expectRel(x.grad, numeric, 1e-7);
    }
  });
});

describe("elu", () => {
  it("is x above 0 and alpha·(eˣ − 1) below, alpha 1 by default", () => {
    expect(new Value(2).elu().data).toBe(2);
    expectRel(new Value(-1.5).elu().data, Math.expm1(-1.5), 1e-15);
    expectRel(new Value(-1.5).elu(0.4).data, 0.4 * Math.expm1(-1.5), 1e-15);
    expect(new Value(-1.5).elu(0.4).op).toBe("elu");
  });

  it("has derivative 1 above 0 and alpha·eˣ below (from y + alpha), matching central differences", () => {
    for (const alpha of [1, 0.4, 2.5]) {
      for (const x0 of [-4, -0.7, 0.3, 2]) {
        const x = new Value(x0);
        x.elu(alpha).backward();
        if (x0 > 0) expect(x.grad).toBe(1);
        else expectRel(x.grad, alpha * Math.exp(x0), 1e-14);
        expectRel(
          x.grad,
          centralDiff((t) => new Value(t).elu(alpha).data, x0),
          1e-7,
        );
      }
    }
  });

  it("elu′(0) = alpha (the x ≤ 0 branch, as PyTorch), and rejects a non-finite alpha", () => {
    const x = new Value(0);
    x.elu(0.7).backward();
    expect(x.grad).toBe(0.7);
    expect(() => new Value(1).elu(Number.NaN)).toThrow("elu: alpha must be a finite number, got number NaN");
    expect(() => new Value(1).elu("2" as unknown as number)).toThrow(ChainruleError);
  });
});

describe("sign", () => {
  it("is −1, 0 or 1 (0 for ±0 and NaN, keeping the sign of zero) with gradient exactly 0", () => {
    expect([-3, -0, 0, 0.25, Number.NaN].map((v) => new Value(v).sign().data)).toEqual([-1, -0, 0, 1, 0]);
    for (const x0 of [-2, 0, 5]) {
      const x = new Value(x0);
      const y = x.sign().mul(Number.POSITIVE_INFINITY);
      y.backward();
      expect(x.grad).toBe(0);
    }
  });
});

describe("pow", () => {
  it("treats a number exponent as a constant: d(x³)/dx = 3x²", () => {
    const x = new Value(1.7);
    const y = x.pow(3);
    y.backward();
    expectRel(y.data, 1.7 ** 3, 1e-15);
    expectRel(x.grad, 3 * 1.7 ** 2, 1e-14);
    expect(y.parents[1]?.requiresGrad).toBe(false);
  });

  it("differentiates a negative base with an integer exponent: d(x³)/dx at −2 is 12", () => {
    const x = new Value(-2);
    const y = x.pow(3);
    y.backward();
    expect(y.data).toBe(-8);
    expect(x.grad).toBe(12);
  });

  it("gives the exponent gradient 0 at base 0 (the limit of aᵇ·ln a) and NaN for a negative base", () => {
    const a0 = new Value(0);
    const b0 = new Value(2);
    a0.pow(b0).backward();
    expect(b0.grad).toBe(0);
    expect(a0.grad).toBe(0);

    const a1 = new Value(-2);
    const b1 = new Value(3);
    a1.pow(b1).backward();
    expect(a1.grad).toBe(12);
    expect(b1.grad).toBeNaN();
  });

  it("gives d(x⁰)/dx = 0", () => {
    const x = new Value(0);
    x.pow(0).backward();
    expect(x.grad).toBe(0);
  });
});

describe("derivative conventions at kinks", () => {
  it("relu′(0) = 0", () => {
    const x = new Value(0);
    const y = x.relu();
    y.backward();
    expect(y.data).toBe(0);
    expect(x.grad).toBe(0);
  });

  it("abs′(0) = 0", () => {
    const x = new Value(0);
    const y = x.abs();
    y.backward();
    expect(y.data).toBe(0);
    expect(x.grad).toBe(0);
  });

  it("leakyRelu′(0) = slope", () => {
    const x = new Value(0);
    const y = x.leakyRelu(0.3);
    y.backward();
    expect(y.data).toBe(0);
    expect(x.grad).toBe(0.3);
  });

  it("maximum and minimum split the gradient ½/½ between tied operands", () => {
    for (const op of ["maximum", "minimum"] as const) {
      const a = new Value(1.25);
      const b = new Value(1.25);
      const y = a[op](b);
      y.backward();
      expect(y.data).toBe(1.25);
      expect([a.grad, b.grad]).toEqual([0.5, 0.5]);
    }
  });

  it("maximum(x, x) therefore passes the whole gradient to x", () => {
    const x = new Value(2);
    x.maximum(x).mul(3).backward();
    expect(x.grad).toBe(3);
  });
});

describe("numerical edge cases", () => {
  it("sigmoid is stable at ±1000: exactly 1 and 0, gradient 0, no NaN", () => {
    for (const [x0, expected] of [
      [1000, 1],
      [-1000, 0],
    ] as const) {
      const x = new Value(x0);
      const y = x.sigmoid();
      y.backward();
      expect(y.data).toBe(expected);
      expect(x.grad).toBe(0);
    }
  });

  it("sigmoid keeps relative accuracy far in the lower tail: σ(−40) ≈ e⁻⁴⁰", () => {
    // σ(−40) = e⁻⁴⁰/(1 + e⁻⁴⁰), and e⁻⁴⁰ ≈ 4e-18 is below double precision next to 1.
    expectRel(new Value(-40).sigmoid().data, Math.exp(-40), 1e-15);
  });

  it("softplus is exactly x above 20 (even at 1000, where e^x overflows)", () => {
    for (const x of [20.5, 50, 1000]) expect(new Value(x).softplus().data).toBe(x);
  });

  it("softplus is log1p(exp(x)) at and below 20", () => {
    for (const x of [20, 5, 0, -5, -40, -800])
      expect(new Value(x).softplus().data).toBe(Math.log1p(Math.exp(x)));
  });

  it("softplus′ is σ(x) (exactly 1 above the threshold 20, as in PyTorch, where σ(x) = 1 − O(e⁻²⁰))", () => {
    for (const x0 of [-30, -3, 0, 2, 20, 21, 1000]) {
      const x = new Value(x0);
      x.softplus().backward();
      if (x0 > 20) expect(x.grad).toBe(1);
      else expectRel(x.grad, sigma(x0), 1e-15);
      expectClose(x.grad, sigma(x0), 1e-8);
    }
  });

  it("gelu is the exact erf form x·Φ(x), matching Python's math.erf", () => {
    for (const [x0, f, df] of GELU_PYTHON) {
      const x = new Value(x0);
      const y = x.gelu();
      y.backward();
      // Python's 1 + erf(x/√2) cancels for x = −3 (about 5.8e-15 relative), hence 1e-14.
      expectRel(y.data, f, 1e-14);
      expectRel(x.grad, df, 1e-14);
    }
    const z = new Value(0);
    const y = z.gelu();
    y.backward();
    expect(y.data).toBe(0);
    expect(z.grad).toBe(0.5);
  });

  it("gelu differs from its tanh approximation", () => {
    // tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715x³))) is 0.8411919906… at x = 1, exact GELU 0.8413447460…
    const approx = 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (1 + 0.044715)));
    expect(Math.abs(new Value(1).gelu().data - approx)).toBeGreaterThan(1e-4);
  });
});

describe("constant leaves from number operands", () => {
  it("turns a number operand into a leaf with op '', requiresGrad false and data the number", () => {
    const x = new Value(3);
    const y = x.mul(2);
    const c = y.parents[1] as Value;
    expect(y.parents).toHaveLength(2);
    expect(y.parents[0]).toBe(x);
    expect(c.op).toBe("");
    expect(c.requiresGrad).toBe(false);
    expect(c.data).toBe(2);
    expect(c.parents).toHaveLength(0);
  });

  it("never receives a gradient", () => {
    const x = new Value(3);
    const y = x.mul(2);
    y.backward();
    y.backward();
    expect((y.parents[1] as Value).grad).toBe(0);
    expect(x.grad).toBe(4);
  });

  it("leaves made by the user do require grad", () => {
    const x = value(1.5, "x");
    expect(x.op).toBe("");
    expect(x.requiresGrad).toBe(true);
    expect(x.label).toBe("x");
    expect(new Value(2, { label: "w" }).label).toBe("w");
    expect(x.grad).toBe(0);
  });
});

describe("graph semantics", () => {
  it("sums the gradients of a node used twice: d(a·a)/da = 2a", () => {
    const a = new Value(-1.5);
    a.mul(a).backward();
    expect(a.grad).toBe(-3);
  });

  it("sums the gradients over both paths of a diamond", () => {
    // d = (3a)·(a + 1): ∂d/∂a = 3(a + 1) + 3a
    const a = new Value(2);
    const b = a.mul(3);
    const c = a.add(1);
    const d = b.mul(c);
    d.backward();
    expect(d.data).toBe(18);
    expect(a.grad).toBe(3 * (2 + 1) + 3 * 2);
    expect(b.grad).toBe(3);
    expect(c.grad).toBe(6);
  });

  it("fills .grad of every reached node, intermediates included", () => {
    // L = tanh(a·b + 10) with a = 2, b = −3
    const a = value(2, "a");
    const b = value(-3, "b");
    const e = a.mul(b);
    const d = e.add(10);
    const L = d.tanh();
    L.backward();
    const dL = 1 - Math.tanh(4) ** 2;
    expect(L.grad).toBe(1);
    expectClose(d.grad, dL, 1e-15);
    expectClose(e.grad, dL, 1e-15);
    expectClose(a.grad, dL * -3, 1e-15);
    expectClose(b.grad, dL * 2, 1e-15);
  });

  it("adds each backward() into .grad: two calls give exactly twice the gradient", () => {
    const x = new Value(0.7);
    const y = x.sin().mul(x.exp()).div(x.add(2));
    y.backward();
    const once = x.grad;
    const intermediate = y.parents[0] as Value;
    const onceIntermediate = intermediate.grad;
    y.backward();
    expect(once).not.toBe(0);
    expect(x.grad).toBe(2 * once);
    expect(intermediate.grad).toBe(2 * onceIntermediate);
    expect(y.grad).toBe(2);
  });

  it("computes each pass without reading existing .grad values", () => {
    const x = new Value(3);
    const h = x.mul(x);
    h.grad = 100; // a stale gradient on an intermediate must not leak into x
    h.add(1).backward();
    expect(x.grad).toBe(6);
    expect(h.grad).toBe(101);
  });

  it("zeroGrad() resets a node's gradient to 0", () => {
    const x = new Value(3);
    x.mul(x).backward();
    expect(x.grad).toBe(6);
    x.zeroGrad();
    expect(x.grad).toBe(0);
    x.mul(x).backward();
    expect(x.grad).toBe(6);
  });

  it("lets backward() on a leaf set its own gradient to 1", () => {
    const x = new Value(5);
    x.backward();
    expect(x.grad).toBe(1);
  });

  it("backpropagates a chain of 1,000,000 ops without overflowing the stack", () => {
    // x ← 1.0001·x + 0.0001, a million times: ∂x_n/∂x_0 = 1.0001^1e6 (closed form)
    const x0 = new Value(0.5);
    let x = x0;
    for (let i = 0; i < 1_000_000; i++) x = x.mul(1.0001).add(0.0001);
    x.backward();
    expectRel(x0.grad, 1.0001 ** 1e6, 1e-9);
    // and the forward value: x_n = (x_0 + 1)·1.0001^n − 1
    expectRel(x.data, 1.5 * 1.0001 ** 1e6 - 1, 1e-9);
  });
});

describe("errors", () => {
  it("rejects non-number data, naming Value", () => {
    expect(() => new Value("3" as unknown as number)).toThrow(ChainruleError);
    expect(() => new Value("3" as unknown as number)).toThrow('Value: data must be a number, got string "3"');
  });

  it("rejects a string operand, naming the op", () => {
    const x = new Value(1);
    expect(() => x.add("a" as unknown as number)).toThrow(ChainruleError);
    expect(() => x.add("a" as unknown as number)).toThrow(
      'add: operand must be a Value or a number, got string "a"',
    );
    expect(() => x.pow(null as unknown as number)).toThrow(/^pow: /);
    expect(() => x.mul([2] as unknown as number)).toThrow(/^mul: .*array/);
  });

  it("rejects a non-number slope, naming leakyRelu", () => {
    const x = new Value(1);
    expect(() => x.leakyRelu("b" as unknown as number)).toThrow(ChainruleError);
    expect(() => x.leakyRelu("b" as unknown as number)).toThrow(
      'leakyRelu: slope must be a finite number, got string "b"',
    );
  });
});

describe("root functions", () => {
  it("sub(1, x) is 1 − x with a constant leaf for 1", () => {
    const x = new Value(0.25);
    const y = sub(1, x);
    expect(y).toBeInstanceOf(Value);
    expect(y.data).toBe(0.75);
    expect(y.op).toBe("sub");
    expect(y.parents[0]?.requiresGrad).toBe(false);
    expect(y.parents[0]?.data).toBe(1);
    expect(y.parents[1]).toBe(x);
    y.backward();
    expect(x.grad).toBe(-1);
  });

  it("div(2, x) is 2/x with derivative −2/x²", () => {
    const x = new Value(4);
    const y = div(2, x);
    expect(y.data).toBe(0.5);
    expect(y.op).toBe("div");
    y.backward();
    expect(x.grad).toBe(-2 / 16);
  });

  it("pow(x, y) with two Values differentiates both", () => {
    const x = new Value(1.5);
    const y = new Value(2.5);
    const z = pow(x, y);
    expect(z.op).toBe("pow");
    z.backward();
    expectRel(z.data, 1.5 ** 2.5, 1e-15);
    expectRel(x.grad, 2.5 * 1.5 ** 1.5, 1e-14);
    expectRel(y.grad, 1.5 ** 2.5 * Math.log(1.5), 1e-14);
  });

  it("add, mul, maximum and minimum accept a number on either side", () => {
    const x = new Value(3);
    expect(add(2, x).data).toBe(5);
    expect(mul(x, 2).data).toBe(6);
    expect(maximum(4, x).data).toBe(4);
    expect(minimum(x, 4).data).toBe(3);
    const y = mul(2, x);
    y.backward();
    expect(x.grad).toBe(2);
  });

  it("give a plain number for two numbers", () => {
    expect(add(1, 2)).toBe(3);
    expect(sub(1, 2)).toBe(-1);
    expect(mul(3, 4)).toBe(12);
    expect(div(1, 4)).toBe(0.25);
    expect(pow(2, 10)).toBe(1024);
    expect(maximum(1, 2)).toBe(2);
    expect(minimum(1, 2)).toBe(1);
  });

  it("throw ChainruleError when mixing a Value and a Tensor, in either order", () => {
    const x = new Value(1);
    const t = tensor([1, 2]);
    for (const f of [add, sub, mul, div, pow, maximum, minimum]) {
      expect(() => f(x, t)).toThrow(ChainruleError);
      expect(() => f(t, x)).toThrow(ChainruleError);
    }
    expect(() => sub(x, t)).toThrow(/^sub: cannot mix a Value and a Tensor/);
  });

  it("throw ChainruleError for other operand types, naming the function", () => {
    expect(() => add("a" as unknown as number, 1)).toThrow(ChainruleError);
    expect(() => div(new Value(1), undefined as unknown as number)).toThrow(/^div: /);
  });
});

/**
 * PyTorch's derivative rules (tools/autograd/derivatives.yaml and FunctionsManual.cpp), which
 * `Value` and `Tensor` both follow:
 * - pow: ∂/∂a = 0 where b = 0, else b·aᵇ⁻¹; ∂/∂b = 0 where a = 0 and b ≥ 0, else aᵇ·ln a.
 * - maximum: ∂/∂a = ḡ/2 where a = b, else ḡ, then 0 where a < b (∂/∂b mirrored, with a > b).
 *   A NaN operand makes both comparisons false, so BOTH operands get the full ḡ; the result is NaN.
 * - minimum: the same with the comparisons swapped.
 * Each row: [a, b, a op b, ∂/∂a, ∂/∂b], written from those formulas by hand.
 */
const TORCH_BINARY_RULES: Record<"pow" | "maximum" | "minimum", [number, number, number, number, number][]> =
  {
    pow: [
      [0, 0, 1, 0, 0],
      [0, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
      [0, -0.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
      [0, 2, 0, 0, 0],
      [0, 1, 0, 1, 0],
      [0, 0.5, 0, Number.POSITIVE_INFINITY, 0],
      [-2, 3, -8, 12, Number.NaN],
      [-2, 0, 1, 0, Number.NaN],
      [2, 3, 8, 12, 8 * Math.log(2)],
      // C's pow (and PyTorch's), where JavaScript's ** gives NaN: 1ᵇ = 1 for any b, (−1)^±∞ = 1
      [1, Number.NaN, 1, Number.NaN, 0],
      [-1, Number.POSITIVE_INFINITY, 1, Number.POSITIVE_INFINITY, Number.NaN],
      [-1, Number.NEGATIVE_INFINITY, 1, Number.NEGATIVE_INFINITY, Number.NaN],
    ],
    maximum: [
      [1, 1, 1, 0.5, 0.5],
      // ties return the first operand, as PyTorch (Math.max(−0, 0) would be +0)
      [-0, 0, -0, 0.5, 0.5],
      [0, -0, 0, 0.5, 0.5],
      [2, 1, 2, 1, 0],
      [1, 2, 2, 0, 1],
      [Number.NaN, 1, Number.NaN, 1, 1],
      [1, Number.NaN, Number.NaN, 1, 1],
      [Number.NaN, Number.NaN, Number.NaN, 1, 1],
      [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0.5, 0.5],
      [-3, -3, -3, 0.5, 0.5],
    ],
    minimum: [
      [-0, 0, -0, 0.5, 0.5],
      [0, -0, 0, 0.5, 0.5],
      [1, 1, 1, 0.5, 0.5],
      [2, 1, 1, 0, 1],
      [1, 2, 1, 1, 0],
      [Number.NaN, 1, Number.NaN, 1, 1],
      [1, Number.NaN, Number.NaN, 1, 1],
      [Number.NaN, Number.NaN, Number.NaN, 1, 1],
      [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, 0.5],
    ],
  };

describe("PyTorch's rules for pow, maximum and minimum (both engines)", () => {
  for (const [name, rows] of Object.entries(TORCH_BINARY_RULES)) {
    const op = name as keyof typeof TORCH_BINARY_RULES;
    it.each(rows)(
      `${op}(%d, %d) = %d with gradients %d and %d on Value and on 0-d tensors`,
      (a, b, out, da, db) => {
        const x = new Value(a);
        const y = new Value(b);
        const z = x[op](y);
        z.backward();
        expect([z.data, x.grad, y.grad]).toEqual([out, da, db]);

        const tx = tensor(a, { requiresGrad: true });
        const ty = tensor(b, { requiresGrad: true });
        const tz = tx[op](ty);
        tz.backward();
        expect([tz.item(), tx.grad?.item(), ty.grad?.item()]).toEqual([out, da, db]);
      },
    );
  }
});

describe("leakyRelu keeps no per-slope state", () => {
  it("an unbounded number of distinct slopes leaves the rule cache bounded", () => {
    const x = new Value(-2);
    for (let i = 0; i < 5000; i++) {
      const slope = 0.001 + i * 1e-7;
      const y = x.leakyRelu(slope);
      expect(y.data).toBe(-2 * slope);
    }
    expect(_leakyReluCacheSize()).toBeLessThanOrEqual(LEAKY_RELU_CACHE_LIMIT);
  });

  it("slopes past the cache limit still differentiate with their own slope", () => {
    for (let i = 0; i < LEAKY_RELU_CACHE_LIMIT + 10; i++) new Value(1).leakyRelu(0.5 + i * 1e-6);
    const x = new Value(-1);
    const y = x.leakyRelu(0.123456789);
    y.backward();
    expect([y.data, x.grad]).toEqual([-0.123456789, 0.123456789]);
    expect(y.op).toBe("leakyRelu");
  });

  it("rejects a non-finite slope", () => {
    expect(() => new Value(1).leakyRelu(Number.NaN)).toThrow(
      "leakyRelu: slope must be a finite number, got number NaN",
    );
  });
});

describe("labels", () => {
  it("new Value(1, 'a') takes a string second argument as the label, like value(1, 'a')", () => {
    expect(new Value(1, "a").label).toBe("a");
    expect(new Value(1, { label: "b" }).label).toBe("b");
  });

  it.each([42, {}, null, Symbol("s"), ["a"]])(
    "rejects the non-string label %s in the constructor, value() and the setter",
    (bad) => {
      expect(() => new Value(1, { label: bad as unknown as string })).toThrow(
        /^Value: label must be a string, got /,
      );
      expect(() => value(1, bad as unknown as string)).toThrow(/^value: label must be a string, got /);
      const v = new Value(1, "ok");
      expect(() => {
        v.label = bad as unknown as string;
      }).toThrow(/^Value.label: label must be a string, got /);
      expect(v.label).toBe("ok");
    },
  );

  it("a label can be set on any node and cleared with undefined", () => {
    const v = new Value(2).mul(3);
    v.label = "six";
    expect(v.label).toBe("six");
    v.label = undefined;
    expect(v.label).toBeUndefined();
  });

  it("rejects options that are not an object or a string", () => {
    expect(() => new Value(1, 5 as unknown as string)).toThrow(
      /^Value: options must be an object or a label string, got number 5/,
    );
  });
});

describe("PyTorch's masked gradients (both engines)", () => {
  // where PyTorch's backward selects with `where` (relu's threshold_backward, maximum/minimum's
  // loser, pow's masks), an infinite or NaN upstream gradient still gives exactly 0, not ∞·0 = NaN
  const cases: [string, (x: Value) => Value, (x: Tensor) => Tensor, number, number][] = [
    ["sqrt(relu(x)) at −1", (x) => x.relu().sqrt(), (x) => x.relu().sqrt(), -1, 0],
    ["sqrt(maximum(x, 0)) at −1", (x) => x.maximum(0).sqrt(), (x) => x.maximum(0).sqrt(), -1, 0],
    ["sqrt(minimum(x, 0)·−1) at 1", (x) => x.minimum(0).neg().sqrt(), (x) => x.minimum(0).neg().sqrt(), 1, 0],
    ["sqrt(x⁰ − 1) at 2", (x) => x.pow(0).sub(1).sqrt(), (x) => x.pow(0).sub(1).sqrt(), 2, 0],
    ["|log x| at −1 (abs′(NaN) = sign(NaN) = 0)", (x) => x.log().abs(), (x) => x.log().abs(), -1, 0],
  ];
  it.each(cases)("%s", (_name, fv, ft, at, grad) => {
    const x = new Value(at);
    fv(x).backward();
    expect(x.grad).toBe(grad);
    const t = tensor(at, { requiresGrad: true });
    ft(t).backward();
    expect((t.grad?.item() as number) + 0).toBe(grad); // +0 folds −0 into 0
  });
});
