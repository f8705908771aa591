/**
 * PyTorch's dtype promotion, replayed: every case of test/fixtures/promotion-reference.json
 * (written by test/fixtures/generate_promotion.py with PyTorch's default float dtype set to
 * float64, chainrule's) is recomputed with chainrule. Where PyTorch gives a result, chainrule
 * gives the same dtype and the same values; where PyTorch refuses, chainrule throws a
 * ChainruleError, except for the few deliberate extensions listed below.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChainruleError, type DType, type Tensor, tensor } from "../../src/index";

interface Case {
  readonly op: string;
  readonly a: DType;
  readonly b?: DType;
  readonly scalar?: number;
  readonly error?: true;
  readonly dtype?: DType;
  readonly value?: number | boolean | (number | boolean | null)[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/promotion-reference.json", import.meta.url), "utf8"),
) as {
  readonly a: number[];
  readonly b: number[];
  readonly cases: readonly Case[];
};

const BINARY: Readonly<Record<string, (a: Tensor, b: Tensor | number) => Tensor>> = {
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b),
  floorDivide: (a, b) => a.floorDivide(b),
  remainder: (a, b) => a.remainder(b),
  maximum: (a, b) => a.maximum(b),
  minimum: (a, b) => a.minimum(b),
  pow: (a, b) => a.pow(b),
  atan2: (a, b) => a.atan2(b),
  eq: (a, b) => a.eq(b),
  ne: (a, b) => a.ne(b),
  gt: (a, b) => a.gt(b),
  le: (a, b) => a.le(b),
  logicalAnd: (a, b) => a.logicalAnd(b),
  logicalOr: (a, b) => a.logicalOr(b),
  logicalXor: (a, b) => a.logicalXor(b),
};

const UNARY: Readonly<Record<string, (a: Tensor) => Tensor>> = {
  sum: (x) => x.sum(),
  prod: (x) => x.prod(),
  max: (x) => x.max(),
  cumsum: (x) => x.cumsum(0),
  argmax: (x) => x.argmax(),
  all: (x) => x.all(),
  any: (x) => x.any(),
  neg: (x) => x.neg(),
  abs: (x) => x.abs(),
  exp: (x) => x.exp(),
};

/**
 * Where PyTorch refuses and chainrule computes, on purpose: bool operands compute as int32 in the
 * integer-preserving ops (PyTorch: "not implemented for 'Bool'"), which costs nothing and
 * surprises nobody; the result is what the int32 computation gives.
 */
const EXTENSIONS: Readonly<Record<string, string>> = {
  "neg bool": "computes on bool as int32 (−1, 0)",
  "abs bool": "computes on bool as int32",
  "argmax bool": "the first true element's index",
};

const keyOf = (c: Case) =>
  [c.op, c.a, c.b ?? (c.scalar === undefined ? "" : String(c.scalar))].join(" ").trim();

function run(c: Case): Tensor {
  const a = tensor(fixture.a, { dtype: c.a });
  const unary = UNARY[c.op];
  if (unary) return unary(a);
  const f = BINARY[c.op] as (a: Tensor, b: Tensor | number) => Tensor;
  return f(a, c.scalar ?? tensor(fixture.b, { dtype: c.b }));
}

describe("dtype promotion and integer results match PyTorch", () => {
  it("covers every op the fixture names", () => {
    for (const c of fixture.cases) expect(UNARY[c.op] ?? BINARY[c.op], c.op).toBeDefined();
  });

  it.each(fixture.cases.map((c) => [keyOf(c), c] as const))("%s", (key, c) => {
    if (c.error) {
      if (EXTENSIONS[key] !== undefined) return;
      expect(() => run(c), `PyTorch refuses ${key}`).toThrow(ChainruleError);
      return;
    }
    const y = run(c);
    expect(y.dtype).toBe(c.dtype);
    const values = (Array.isArray(c.value) ? c.value : [c.value]).map((v) => (v === null ? Number.NaN : v));
    const got = (Array.isArray(y.toArray()) ? (y.toArray() as unknown[]) : [y.toArray()]) as (
      | number
      | boolean
    )[];
    expect(got.length).toBe(values.length);
    got.forEach((v, i) => {
      const want = values[i] as number | boolean;
      if (typeof want === "number" && Number.isNaN(want)) expect(v, `${key} element ${i}`).toBeNaN();
      else if (typeof want === "number" && typeof v === "number" && !Number.isInteger(want)) {
        expect(Math.abs(v - want), `${key} element ${i}`).toBeLessThanOrEqual(
          1e-6 * Math.max(1, Math.abs(want)),
        );
      } else expect(v, `${key} element ${i}`).toEqual(want);
    });
  });
});
