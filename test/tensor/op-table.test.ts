/**
 * The op table, walked entry by entry. `cases` maps EVERY key of `opTable` to the calls that
 * exercise it; the first test fails when an op is added to the table without a case here, so a
 * new op is tested by being added. For each differentiable entry every variant is gradchecked
 * (first derivatives against central differences) and gradgradchecked (second derivatives), on
 * shapes with broadcasting, size-1 dimensions, 0-d tensors, negative axes and keepDims; then the
 * whole table runs again in float32 to check that the dtype survives forward and backward.
 */
import { describe, expect, it } from "vitest";
import { functionNames } from "../../src/cli/expression";
import {
  add,
  atan2,
  ChainruleError,
  concat,
  type DType,
  div,
  type GradcheckOptions,
  gradcheck,
  gradgradcheck,
  localSymbol,
  losses,
  maximum,
  minimum,
  mul,
  nn,
  noGrad,
  type OpName,
  onesLike,
  opTable,
  pow,
  prelu,
  Rng,
  remainder,
  sign,
  stack,
  sub,
  type Tensor,
  tensor,
  Value,
  where,
} from "../../src/index";
import { conv2dWeightOp } from "../../src/nn/convolution";
import { type NnOpKey, nnOpTable } from "../../src/nn/op-table";
import { apply } from "../../src/tensor/ops/apply";
import { expectAllClose } from "../helpers/close";
import { avoiding, awayFromZero, distinct, near, rngFor, type Sampler, sampled, uniform } from "./fixtures";

/** One call of the op under test. */
interface Variant {
  /** What the variant exercises (shapes, axes, options). */
  readonly name: string;
  /** The differentiated arguments, drawn from `rng` in `dtype`. */
  readonly inputs: (rng: Rng, dtype: DType) => Tensor[];
  /** Calls the op; the result must be the op's own node (its `op` is the table key). */
  readonly call: (...xs: Tensor[]) => Tensor;
  /** Why the second-derivative check is skipped (absent: it runs). */
  readonly noSecond?: string;
  /** Tolerances for this variant's checks (defaults of gradcheck otherwise). */
  readonly tol?: GradcheckOptions;
  /** The result's dtype for inputs of `dtype` (default: the same). */
  readonly resultDType?: (dtype: DType) => DType;
}

interface OpCase {
  readonly differentiable: boolean;
  readonly variants: readonly Variant[];
}

// ---- variant builders ----

/** Inputs of the given shapes, each drawn from its sampler. */
const draw =
  (...specs: [readonly number[], Sampler | "distinct"][]) =>
  (rng: Rng, dtype: DType): Tensor[] =>
    specs.map(([shape, s]) =>
      s === "distinct" ? distinct(rng, shape, dtype) : sampled(rng, shape, s, dtype),
    );

/** Shape pairs every broadcasting binary op is checked on. */
const BROADCAST_PAIRS: readonly [string, readonly number[], readonly number[]][] = [
  ["same shape [2,3]", [2, 3], [2, 3]],
  ["[2,3] with [3]", [2, 3], [3]],
  ["[2,1] with [1,4]", [2, 1], [1, 4]],
  ["[1,3,1] with [2,1,4] (size-1 dims)", [1, 3, 1], [2, 1, 4]],
  ["[] with [2,3] (0-d broadcast)", [], [2, 3]],
  ["[] with [] (0-d)", [], []],
];

/**
 * A binary op's variants: every broadcasting pair, a number on the right (a method call) and a
 * number on the left (the root function).
 */
function binaryVariants(
  method: (a: Tensor, b: Tensor | number) => Tensor,
  root: (a: number, b: Tensor) => Tensor,
  sa: Sampler,
  sb: Sampler,
  numbers: [right: number, left: number],
): Variant[] {
  return [
    ...BROADCAST_PAIRS.map(([name, as, bs]) => ({
      name,
      inputs: draw([as, sa], [bs, sb]),
      call: (a: Tensor, b: Tensor) => method(a, b),
    })),
    {
      name: `number on the right (${numbers[0]})`,
      inputs: draw([[2, 3], sa]),
      call: (a) => method(a, numbers[0]),
    },
    { name: `number on the left (${numbers[1]})`, inputs: draw([[3], sb]), call: (b) => root(numbers[1], b) },
  ];
}

/** A unary op's variants: a matrix, a 0-d tensor and a shape with size-1 dimensions. */
function unaryVariants(call: (x: Tensor) => Tensor, s: Sampler, extra: Variant[] = []): Variant[] {
  return [
    { name: "[2,3]", inputs: draw([[2, 3], s]), call },
    { name: "0-d", inputs: draw([[], s]), call },
    { name: "[1,4,1] (size-1 dims)", inputs: draw([[1, 4, 1], s]), call },
    ...extra,
  ];
}

type ReduceCall = (x: Tensor, axis?: number | number[], keepDims?: boolean) => Tensor;

/** A reduction's variants: full, one axis, negative axes, several axes, keepDims, 0-d, size-1 axes. */
function reduceVariants(reduce: ReduceCall, s: Sampler | "distinct"): Variant[] {
  const v = (name: string, shape: number[], axis?: number | number[], keepDims?: boolean): Variant => ({
    name,
    inputs: draw([shape, s]),
    call: (x) => reduce(x, axis, keepDims),
  });
  return [
    v("all axes of [2,3] → []", [2, 3]),
    v("all axes, keepDims → [1,1]", [2, 3], undefined, true),
    v("axis 0 of [2,3]", [2, 3], 0),
    v("axis -1 of [2,3], keepDims", [2, 3], -1, true),
    v("axes [0,2] of [2,3,4]", [2, 3, 4], [0, 2]),
    v("axes [-1,-3] of [2,3,4], keepDims", [2, 3, 4], [-1, -3], true),
    v("axis 1 of [2,1,3] (size-1 axis)", [2, 1, 3], 1),
    v("0-d, all axes", []),
    v("0-d, axis 0", [], 0),
  ];
}

/** softmax/logSoftmax variants. */
function softmaxVariants(f: (x: Tensor, axis?: number) => Tensor): Variant[] {
  const s = uniform(-2, 2);
  return [
    { name: "[2,3], default axis -1", inputs: draw([[2, 3], s]), call: (x) => f(x) },
    { name: "[2,3], axis 0", inputs: draw([[2, 3], s]), call: (x) => f(x, 0) },
    { name: "[2,3,4], axis -2", inputs: draw([[2, 3, 4], s]), call: (x) => f(x, -2) },
    { name: "[2,1,3], axis 1 (size-1 axis)", inputs: draw([[2, 1, 3], s]), call: (x) => f(x, 1) },
    { name: "0-d", inputs: draw([[], s]), call: (x) => f(x) },
  ];
}

/** Comparison and logical variants (not differentiable, bool results): broadcasting, number operand, ties. */
function comparisonVariants(method: (a: Tensor, b: Tensor | number) => Tensor): Variant[] {
  return booleanResults(sameDTypeVariants(method));
}

/** The variants with int32 results (argmax, argmin). */
const indexResults = (vs: Variant[]): Variant[] => vs.map((v) => ({ ...v, resultDType: () => "int32" }));

/** The variants with a bool result. */
const booleanResults = (vs: Variant[]): Variant[] => vs.map((v) => ({ ...v, resultDType: () => "bool" }));

/** Non-differentiable binary variants on a coarse grid (so equal elements occur). */
function sameDTypeVariants(method: (a: Tensor, b: Tensor | number) => Tensor): Variant[] {
  const s = near([-1, 0, 1], 0);
  return [
    { name: "[2,3] with [3]", inputs: draw([[2, 3], s], [[3], s]), call: (a, b) => method(a, b as Tensor) },
    {
      name: "[2,1] with [1,4]",
      inputs: draw([[2, 1], s], [[1, 4], s]),
      call: (a, b) => method(a, b as Tensor),
    },
    { name: "number operand", inputs: draw([[2, 3], s]), call: (a) => method(a, 0) },
    { name: "0-d", inputs: draw([[], s], [[], s]), call: (a, b) => method(a, b as Tensor) },
  ];
}

/** Draws the `where` condition deterministically: a 0/1/2 pattern (2 is "true" too). */
const condOf = (shape: readonly number[]): Tensor => {
  const n = shape.reduce((p, d) => p * d, 1);
  return tensor(
    Float64Array.from({ length: n }, (_, i) => i % 3),
    { shape },
  );
};

const fine = uniform(-1, 1);
const positive = uniform(0.3, 2);
const kinkFree = awayFromZero(0.1, 1.5);
/** Where floor, ceil and trunc jump (on [−3, 3]), and where round does. */
const INTEGERS = [-3, -2, -1, 0, 1, 2, 3];
const HALVES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5];

/** The int32 index argument of gather/scatterAdd, as the public gather would build it. */
const indexArg = (values: number[], shape: number[]) => ({ values: Int32Array.from(values), shape });

// ---- the table of cases: one entry per op ----

const cases: { readonly [K in OpName]: OpCase } = {
  add: {
    differentiable: true,
    variants: binaryVariants((a, b) => a.add(b), add, fine, fine, [0.7, 1.5]),
  },
  sub: {
    differentiable: true,
    variants: binaryVariants((a, b) => a.sub(b), sub, fine, fine, [0.7, 1.5]),
  },
  mul: {
    differentiable: true,
    variants: binaryVariants((a, b) => a.mul(b), mul, fine, fine, [0.7, -1.5]),
  },
  div: {
    differentiable: true,
    // the divisor stays away from 0
    variants: binaryVariants((a, b) => a.div(b), div, fine, awayFromZero(0.5, 1.5), [0.7, 1.5]),
  },
  pow: {
    differentiable: true,
    // positive bases (ln a appears in ∂/∂b)
    variants: [
      ...binaryVariants((a, b) => a.pow(b), pow, positive, uniform(-2, 2), [2.5, 2]),
      { name: "negative bases, integer exponent 3", inputs: draw([[2, 3], kinkFree]), call: (a) => a.pow(3) },
    ],
  },
  maximum: {
    differentiable: true,
    // the operands' grids never meet (|a − b| ≥ 0.3): no ties
    variants: binaryVariants(
      (a, b) => a.maximum(b),
      maximum,
      near([-1.5, -0.5, 0.5, 1.5]),
      near([-1, 0, 1]),
      [0.25, -0.25],
    ),
  },
  minimum: {
    differentiable: true,
    variants: binaryVariants(
      (a, b) => a.minimum(b),
      minimum,
      near([-1.5, -0.5, 0.5, 1.5]),
      near([-1, 0, 1]),
      [0.25, -0.25],
    ),
  },
  atan2: {
    differentiable: true,
    // a away from 0: the branch cut of atan2(a, b) is a = 0, b < 0
    variants: binaryVariants((a, b) => a.atan2(b), atan2, awayFromZero(0.2, 1.5), fine, [0.7, -1.5]),
  },
  remainder: {
    differentiable: true,
    // |b| ≈ 2 and |a| near 1 or 3: a/b stays 0.3 away from the integers (the jumps)
    variants: binaryVariants(
      (a, b) => a.remainder(b),
      remainder,
      near([-3, -1, 1, 3], 0.3),
      near([-2, 2], 0.05),
      [2, -3],
    ),
  },
  // internal (relu's backward): ḡ where x > 0, else 0; x is not differentiated
  reluBackward: {
    differentiable: true,
    variants: [
      {
        name: "[2,3], x away from the kink",
        inputs: draw([[2, 3], fine]),
        call: (g) =>
          apply(
            opTable.reluBackward,
            [
              tensor(
                [
                  [-2, -0.5, 0.5],
                  [0, 1, 3],
                ],
                { dtype: g.dtype },
              ),
              g,
            ],
            undefined,
          ),
      },
    ],
  },
  prelu: {
    differentiable: true,
    // x away from the kink at 0; the slopes (differentiated too) anywhere
    variants: [
      {
        name: "x [2,3,4] with one slope per channel [3]",
        inputs: draw([[2, 3, 4], kinkFree], [[3], fine]),
        call: (x, w) => x.prelu(w as Tensor),
      },
      {
        name: "x [2,3] with one shared slope [1]",
        inputs: draw([[2, 3], kinkFree], [[1], fine]),
        call: (x, w) => prelu(x, w as Tensor),
      },
      {
        name: "x [4] (one channel) with a 0-d slope",
        inputs: draw([[4], kinkFree], [[], fine]),
        call: (x, w) => x.prelu(w as Tensor),
      },
      {
        name: "x 0-d with [1]",
        inputs: draw([[], kinkFree], [[1], fine]),
        call: (x, w) => x.prelu(w as Tensor),
      },
      {
        name: "x [2,3,1,2] (two trailing axes) with [3]",
        inputs: draw([[2, 3, 1, 2], kinkFree], [[3], fine]),
        call: (x, w) => x.prelu(w as Tensor),
      },
      { name: "a number slope 0.3", inputs: draw([[2, 3], kinkFree]), call: (x) => x.prelu(0.3) },
    ],
  },
  where: {
    differentiable: true,
    variants: [
      {
        name: "cond, a, b all [2,3]",
        inputs: draw([[2, 3], fine], [[2, 3], fine]),
        call: (a, b) => where(condOf([2, 3]), a, b as Tensor),
      },
      {
        name: "cond [2,1], a [3], b [] (all three broadcast)",
        inputs: draw([[3], fine], [[], fine]),
        call: (a, b) => where(condOf([2, 1]), a, b as Tensor),
      },
      {
        name: "cond [3] with a [2,3] and a number b",
        inputs: draw([[2, 3], fine]),
        call: (a) => where(condOf([3]), a, 0.5),
      },
      {
        name: "a number a with b [2,3]",
        inputs: draw([[2, 3], fine]),
        call: (b) => where(condOf([2, 3]), -1, b),
      },
      {
        name: "0-d cond, a, b",
        inputs: draw([[], fine], [[], fine]),
        call: (a, b) => where(tensor(0), a, b as Tensor),
      },
    ],
  },
  neg: { differentiable: true, variants: unaryVariants((x) => x.neg(), fine) },
  exp: { differentiable: true, variants: unaryVariants((x) => x.exp(), uniform(-2, 2)) },
  log: { differentiable: true, variants: unaryVariants((x) => x.log(), positive) },
  sqrt: { differentiable: true, variants: unaryVariants((x) => x.sqrt(), positive) },
  abs: { differentiable: true, variants: unaryVariants((x) => x.abs(), kinkFree) },
  sin: { differentiable: true, variants: unaryVariants((x) => x.sin(), uniform(-3, 3)) },
  cos: { differentiable: true, variants: unaryVariants((x) => x.cos(), uniform(-3, 3)) },
  tanh: { differentiable: true, variants: unaryVariants((x) => x.tanh(), uniform(-2, 2)) },
  sigmoid: {
    differentiable: true,
    variants: unaryVariants((x) => x.sigmoid(), uniform(-3, 3), [
      {
        name: "saturated, |x| in [15, 30]",
        inputs: draw([[4], awayFromZero(15, 30)]),
        call: (x) => x.sigmoid(),
      },
    ]),
  },
  relu: { differentiable: true, variants: unaryVariants((x) => x.relu(), kinkFree) },
  leakyRelu: {
    differentiable: true,
    variants: unaryVariants((x) => x.leakyRelu(), kinkFree, [
      { name: "slope 0.2", inputs: draw([[2, 3], kinkFree]), call: (x) => x.leakyRelu(0.2) },
    ]),
  },
  gelu: { differentiable: true, variants: unaryVariants((x) => x.gelu(), uniform(-3, 3)) },
  elu: {
    differentiable: true,
    variants: unaryVariants((x) => x.elu(), kinkFree, [
      { name: "alpha 0.5", inputs: draw([[2, 3], uniform(-3, -0.1)]), call: (x) => x.elu(0.5) },
      { name: "alpha 2, both branches", inputs: draw([[2, 3, 2], kinkFree]), call: (x) => x.elu(2) },
    ]),
  },
  softplus: {
    differentiable: true,
    variants: unaryVariants((x) => x.softplus(), uniform(-3, 3), [
      { name: "linear region x > 20", inputs: draw([[4], uniform(21, 30)]), call: (x) => x.softplus() },
      { name: "x < -20", inputs: draw([[4], uniform(-30, -21)]), call: (x) => x.softplus() },
    ]),
  },
  erf: { differentiable: true, variants: unaryVariants((x) => x.erf(), uniform(-2.5, 2.5)) },
  square: { differentiable: true, variants: unaryVariants((x) => x.square(), fine) },
  // piecewise constant, so its gradient is 0 away from 0 (abs's backward uses it too)
  sign: {
    differentiable: true,
    variants: unaryVariants((x) => x.sign(), kinkFree, [
      { name: "the root function", inputs: draw([[2, 3], kinkFree]), call: (x) => sign(x) },
    ]),
  },
  clamp: {
    differentiable: true,
    // inputs stay 0.1 away from the bounds ±0.5
    variants: unaryVariants((x) => x.clamp(-0.5, 0.5), avoiding(-1, 1, [-0.5, 0.5]), [
      { name: "min only", inputs: draw([[2, 3], avoiding(-1, 1, [-0.5])]), call: (x) => x.clamp(-0.5) },
      {
        name: "max only (null min)",
        inputs: draw([[2, 3], avoiding(-1, 1, [0.5])]),
        call: (x) => x.clamp(null, 0.5),
      },
    ]),
  },
  hardtanh: {
    differentiable: true,
    // inputs stay 0.1 away from the bounds
    variants: unaryVariants((x) => x.hardtanh(), avoiding(-2, 2, [-1, 1]), [
      {
        name: "bounds -0.5, 0.25",
        inputs: draw([[2, 3], avoiding(-1, 1, [-0.5, 0.25])]),
        call: (x) => x.hardtanh(-0.5, 0.25),
      },
    ]),
  },
  selu: {
    differentiable: true,
    variants: unaryVariants((x) => x.selu(), kinkFree, [
      { name: "x in [-30, -15]", inputs: draw([[4], uniform(-30, -15)]), call: (x) => x.selu() },
    ]),
  },
  silu: {
    differentiable: true,
    variants: unaryVariants((x) => x.silu(), uniform(-4, 4), [
      {
        name: "saturated, |x| in [15, 40]",
        inputs: draw([[4], awayFromZero(15, 40)]),
        call: (x) => x.silu(),
      },
    ]),
  },
  mish: {
    differentiable: true,
    variants: unaryVariants((x) => x.mish(), uniform(-4, 4), [
      {
        name: "saturated, |x| in [15, 40]",
        inputs: draw([[4], awayFromZero(15, 40)]),
        call: (x) => x.mish(),
      },
    ]),
  },
  log1p: { differentiable: true, variants: unaryVariants((x) => x.log1p(), uniform(-0.7, 2)) },
  expm1: { differentiable: true, variants: unaryVariants((x) => x.expm1(), uniform(-2, 2)) },
  reciprocal: {
    differentiable: true,
    variants: unaryVariants((x) => x.reciprocal(), awayFromZero(0.3, 1.5)),
  },
  rsqrt: { differentiable: true, variants: unaryVariants((x) => x.rsqrt(), positive) },
  // away from the poles at ±π/2
  tan: { differentiable: true, variants: unaryVariants((x) => x.tan(), uniform(-1.2, 1.2)) },
  // away from the domain's edges ±1
  asin: { differentiable: true, variants: unaryVariants((x) => x.asin(), uniform(-0.9, 0.9)) },
  acos: { differentiable: true, variants: unaryVariants((x) => x.acos(), uniform(-0.9, 0.9)) },
  atan: { differentiable: true, variants: unaryVariants((x) => x.atan(), uniform(-3, 3)) },
  sinh: { differentiable: true, variants: unaryVariants((x) => x.sinh(), uniform(-2, 2)) },
  cosh: { differentiable: true, variants: unaryVariants((x) => x.cosh(), uniform(-2, 2)) },
  // piecewise constant (gradient 0), inputs 0.1 away from the jumps; forward values: see below
  floor: { differentiable: true, variants: unaryVariants((x) => x.floor(), avoiding(-3, 3, INTEGERS)) },
  ceil: { differentiable: true, variants: unaryVariants((x) => x.ceil(), avoiding(-3, 3, INTEGERS)) },
  round: { differentiable: true, variants: unaryVariants((x) => x.round(), avoiding(-3, 3, HALVES)) },
  trunc: { differentiable: true, variants: unaryVariants((x) => x.trunc(), avoiding(-3, 3, INTEGERS)) },
  sum: { differentiable: true, variants: reduceVariants((x, a, k) => x.sum(a, k), fine) },
  mean: { differentiable: true, variants: reduceVariants((x, a, k) => x.mean(a, k), fine) },
  // distinct values: no ties, so max/min are smooth around the inputs
  max: { differentiable: true, variants: reduceVariants((x, a, k) => x.max(a, k), "distinct") },
  min: { differentiable: true, variants: reduceVariants((x, a, k) => x.min(a, k), "distinct") },
  logSumExp: {
    differentiable: true,
    variants: reduceVariants((x, a, k) => x.logSumExp(a, k), uniform(-2, 2)),
  },
  cumsum: {
    differentiable: true,
    variants: [
      { name: "[2,3], axis 1", inputs: draw([[2, 3], fine]), call: (x) => x.cumsum(1) },
      { name: "[3,2,2], axis -3", inputs: draw([[3, 2, 2], fine]), call: (x) => x.cumsum(-3) },
      { name: "[], axis 0", inputs: draw([[], fine]), call: (x) => x.cumsum(0) },
    ],
  },
  prod: {
    differentiable: true,
    variants: [
      ...reduceVariants((x, a, k) => x.prod(a, k), fine),
      // PyTorch's prod_backward: one zero gets the product of the rest, two or more give 0
      {
        name: "[2,3] with one and two zeros per row, axis 1",
        inputs: (_rng, dtype) => [
          tensor(
            [
              [0.5, 0, -1.2],
              [0, 0, 0.7],
            ],
            { dtype },
          ),
        ],
        call: (x) => x.prod(1),
      },
      {
        name: "[2,2,2] with zeros, axes [0,2], keepDims",
        inputs: (_rng, dtype) => [
          tensor(
            [
              [
                [0, 0.9],
                [1.1, -0.6],
              ],
              [
                [0.8, 0],
                [0, 1.3],
              ],
            ],
            { dtype },
          ),
        ],
        call: (x) => x.prod([0, 2], true),
      },
      {
        name: "[3] with one zero, all axes",
        inputs: (_rng, dtype) => [tensor([0.7, 0, -1.4], { dtype })],
        call: (x) => x.prod(),
      },
    ],
  },
  cumprod: {
    differentiable: true,
    variants: [
      { name: "[2,3], axis 1", inputs: draw([[2, 3], fine]), call: (x) => x.cumprod(1) },
      { name: "[3,2,2], axis -3", inputs: draw([[3, 2, 2], fine]), call: (x) => x.cumprod(-3) },
      { name: "[1,3], axis 0 (size-1 axis)", inputs: draw([[1, 3], fine]), call: (x) => x.cumprod(0) },
      { name: "[], axis 0", inputs: draw([[], fine]), call: (x) => x.cumprod(0) },
      {
        name: "[5] with two zeros",
        inputs: (_rng, dtype) => [tensor([0.9, 0, 1.3, 0, -0.8], { dtype })],
        call: (x) => x.cumprod(0),
      },
      {
        name: "[3,2] with zeros, axis 0",
        inputs: (_rng, dtype) => [
          tensor(
            [
              [0, 1.2],
              [0.7, 0],
              [-1.1, 0.6],
            ],
            { dtype },
          ),
        ],
        call: (x) => x.cumprod(0),
      },
    ],
  },
  norm: {
    differentiable: true,
    variants: [
      ...reduceVariants((x, a, k) => x.norm(2, a, k), kinkFree),
      ...[1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, 3, 1.5, 0.5, -1].flatMap(
        (p): Variant[] => [
          { name: `p = ${p}, all axes of [2,3]`, inputs: draw([[2, 3], kinkFree]), call: (x) => x.norm(p) },
          {
            name: `p = ${p}, axis -1 of [2,3], keepDims`,
            inputs: draw([[2, 3], kinkFree]),
            call: (x) => x.norm(p, -1, true),
          },
        ],
      ),
      {
        name: "p = 2 at a zero row (gradient 0 there, as PyTorch)",
        inputs: (_rng, dtype) => [
          tensor(
            [
              [0, 0, 0],
              [0.3, -0.4, 1.2],
            ],
            { dtype },
          ),
        ],
        call: (x) => x.norm(2, 1),
        noSecond: "‖x‖ has no second derivative at x = 0 (the gradient jumps)",
      },
    ],
  },
  softmax: { differentiable: true, variants: softmaxVariants((x, axis) => x.softmax(axis)) },
  logSoftmax: { differentiable: true, variants: softmaxVariants((x, axis) => x.logSoftmax(axis)) },
  matmul: {
    differentiable: true,
    variants: (
      [
        ["[3]·[3] → []", [3], [3]],
        ["[3]·[3,2] (1-D · 2-D)", [3], [3, 2]],
        ["[2,3]·[3] (2-D · 1-D)", [2, 3], [3]],
        ["[2,3]·[3,4]", [2, 3], [3, 4]],
        ["[1,3]·[3,1] (size-1 dims)", [1, 3], [3, 1]],
        ["[5,7]·[7,3] (not multiples of 4)", [5, 7], [7, 3]],
        ["[2,2,3]·[3,4] (batched · 2-D)", [2, 2, 3], [3, 4]],
        ["[3]·[2,3,4] (1-D · batched)", [3], [2, 3, 4]],
        ["[2,3,4]·[4] (batched · 1-D)", [2, 3, 4], [4]],
        ["[2,1,2,3]·[3,3,2] (broadcast batch dims)", [2, 1, 2, 3], [3, 3, 2]],
      ] as const
    ).map(([name, as, bs]) => ({
      name,
      inputs: draw([as, fine], [bs, fine]),
      call: (a: Tensor, b: Tensor) => a.matmul(b),
    })),
  },
  // internal (matmul's and linear's backward): op(A)·op(B) with the transposes read in place
  mm: {
    differentiable: true,
    variants: (
      [
        ["[5,7]·[7,3]", [5, 7], [7, 3], false, false],
        ["[7,5]ᵀ·[7,3]", [7, 5], [7, 3], true, false],
        ["[5,7]·[3,7]ᵀ", [5, 7], [3, 7], false, true],
        ["[7,5]ᵀ·[3,7]ᵀ", [7, 5], [3, 7], true, true],
        ["[1,4]ᵀ·[1,2] (outer product)", [1, 4], [1, 2], true, false],
      ] as const
    ).map(([name, as, bs, aT, bT]) => ({
      name,
      inputs: draw([as, fine], [bs, fine]),
      call: (a: Tensor, b: Tensor) => apply(opTable.mm, [a, b], { aT, bT }),
    })),
  },
  flip: {
    differentiable: true,
    variants: [
      { name: "[2,3], axis 1", inputs: draw([[2, 3], fine]), call: (x) => x.flip(1) },
      { name: "[2,3,2], axes 0 and -1", inputs: draw([[2, 3, 2], fine]), call: (x) => x.flip(0, -1) },
      { name: "[], no axes", inputs: draw([[], fine]), call: (x) => x.flip() },
    ],
  },
  roll: {
    differentiable: true,
    variants: [
      { name: "[2,3], shift 1 along axis 1", inputs: draw([[2, 3], fine]), call: (x) => x.roll(1, 1) },
      { name: "[2,3], shift -4 along axis 0", inputs: draw([[2, 3], fine]), call: (x) => x.roll(-4, 0) },
      { name: "[2,3], shift 2, flattened", inputs: draw([[2, 3], fine]), call: (x) => x.roll(2) },
    ],
  },
  triu: {
    differentiable: true,
    variants: [
      { name: "[3,4]", inputs: draw([[3, 4], fine]), call: (x) => x.triu() },
      { name: "[2,3,3], k = -1", inputs: draw([[2, 3, 3], fine]), call: (x) => x.triu(-1) },
    ],
  },
  tril: {
    differentiable: true,
    variants: [
      { name: "[4,3]", inputs: draw([[4, 3], fine]), call: (x) => x.tril() },
      { name: "[2,3,3], k = 1", inputs: draw([[2, 3, 3], fine]), call: (x) => x.tril(1) },
    ],
  },
  pad: {
    differentiable: true,
    variants: [
      {
        name: "[2,3], constant [1,2], value 0.5",
        inputs: draw([[2, 3], fine]),
        call: (x) => x.pad([1, 2], { value: 0.5 }),
      },
      {
        name: "[2,3,4], constant, cropping [-1,2,1,-1]",
        inputs: draw([[2, 3, 4], fine]),
        call: (x) => x.pad([-1, 2, 1, -1]),
      },
      {
        name: "[2,3], reflect [2,1,1,0]",
        inputs: draw([[2, 3], fine]),
        call: (x) => x.pad([2, 1, 1, 0], { mode: "reflect" }),
      },
      {
        name: "[2,4], reflect with a crop [-1,3]",
        inputs: draw([[2, 4], fine]),
        call: (x) => x.pad([-1, 3], { mode: "reflect" }),
      },
      {
        name: "[2,3,2], replicate on all three dims",
        inputs: draw([[2, 3, 2], fine]),
        call: (x) => x.pad([1, 2, 0, 1, 2, 1], { mode: "replicate" }),
      },
      {
        name: "[1,4,1], replicate a size-1 dim",
        inputs: draw([[1, 4, 1], fine]),
        call: (x) => x.pad([3, 1], { mode: "replicate" }),
      },
      { name: "0-d, no padding", inputs: draw([[], fine]), call: (x) => x.pad([]) },
    ],
  },
  // internal (reflect/replicate pad's backward): ḡ added back where each entry was read
  padBackward: {
    differentiable: true,
    variants: [
      {
        name: "[2,6] into [2,3], reflect [2,1]",
        inputs: draw([[2, 6], fine]),
        call: (g) =>
          apply(opTable.padBackward, [g], {
            before: [0, 2],
            after: [0, 1],
            mode: "reflect",
            value: 0,
            full: [2, 3],
          }),
      },
      {
        name: "[4,2] into [2,2], replicate [1,1] on axis 0",
        inputs: draw([[4, 2], fine]),
        call: (g) =>
          apply(opTable.padBackward, [g], {
            before: [1, 0],
            after: [1, 0],
            mode: "replicate",
            value: 0,
            full: [2, 2],
          }),
      },
    ],
  },
  maskedFill: {
    differentiable: true,
    variants: [
      {
        name: "[2,3], bool mask [3], number",
        inputs: draw([[2, 3], fine]),
        call: (x) => x.maskedFill(tensor([true, false, true]), 0.5),
      },
      {
        name: "[2,3], mask [2,1], 0-d tensor value",
        inputs: draw([[2, 3], fine], [[], fine]),
        call: (x, v) => x.maskedFill(tensor([[0], [2]]), v as Tensor),
      },
      {
        name: "[3] with a [2,3] mask (x broadcast), 0-d value",
        inputs: draw([[3], fine], [[], fine]),
        call: (x, v) => x.maskedFill(condOf([2, 3]), v as Tensor),
      },
      {
        name: "0-d",
        inputs: draw([[], fine], [[], fine]),
        call: (x, v) => x.maskedFill(tensor(1), v as Tensor),
      },
    ],
  },
  maskedSelect: {
    differentiable: true,
    variants: [
      {
        name: "[2,3], mask [2,3]",
        inputs: draw([[2, 3], fine]),
        call: (x) => x.maskedSelect(condOf([2, 3])),
      },
      {
        name: "[3] with a [2,3] mask (x broadcast)",
        inputs: draw([[3], fine]),
        call: (x) => x.maskedSelect(condOf([2, 3])),
      },
      {
        name: "[2,3] with a bool mask [3]",
        inputs: draw([[2, 3], fine]),
        call: (x) => x.maskedSelect(tensor([false, true, true])),
      },
      { name: "0-d", inputs: draw([[], fine]), call: (x) => x.maskedSelect(tensor(true)) },
    ],
  },
  // internal (maskedSelect's backward): ḡ put back at the mask's positions
  maskedSelectBackward: {
    differentiable: true,
    variants: [
      {
        name: "[3] into [2,3]",
        inputs: draw([[3], fine]),
        call: (g) =>
          apply(opTable.maskedSelectBackward, [g], { positions: Int32Array.from([0, 2, 5]), full: [2, 3] }),
      },
    ],
  },
  scatter: {
    differentiable: true,
    variants: [
      {
        name: "[3,4], axis 1, src [2,3] larger than the index [2,2]",
        inputs: draw([[3, 4], fine], [[2, 3], fine]),
        call: (x, src) =>
          x.scatter(
            1,
            [
              [0, 2],
              [3, 1],
            ],
            src as Tensor,
          ),
      },
      {
        name: "[3,2], axis 0, float tensor index, number src",
        inputs: draw([[3, 2], fine]),
        call: (x) => x.scatter(0, tensor([[2, 0]]), 1.5),
      },
      {
        name: "[2,3], axis -1, int32 index [2,1], src [2,1]",
        inputs: draw([[2, 3], fine], [[2, 1], fine]),
        call: (x, src) => x.scatter(-1, tensor([[1], [0]], { dtype: "int32" }), src as Tensor),
      },
      {
        name: "[1,3], a repeated index (the last write wins)",
        inputs: draw([[1, 3], fine], [[1, 3], fine]),
        call: (x, src) => x.scatter(1, [[1, 1, 0]], src as Tensor),
      },
    ],
  },
  transpose: {
    differentiable: true,
    variants: [
      { name: "[2,3], default dims", inputs: draw([[2, 3], fine]), call: (x) => x.transpose() },
      { name: "[2,3,4], dims 0 and 2", inputs: draw([[2, 3, 4], fine]), call: (x) => x.transpose(0, 2) },
      { name: "[2,3,4], dims -1 and -3", inputs: draw([[2, 3, 4], fine]), call: (x) => x.transpose(-1, -3) },
      { name: "[2,1,3], dims 1 and 1", inputs: draw([[2, 1, 3], fine]), call: (x) => x.transpose(1, 1) },
    ],
  },
  permute: {
    differentiable: true,
    variants: [
      { name: "[2,3,4] → (2,0,1)", inputs: draw([[2, 3, 4], fine]), call: (x) => x.permute(2, 0, 1) },
      { name: "[2,3,4] → (-1,0,-2)", inputs: draw([[2, 3, 4], fine]), call: (x) => x.permute(-1, 0, -2) },
      { name: "[2,3] → (1,0)", inputs: draw([[2, 3], fine]), call: (x) => x.permute(1, 0) },
      {
        name: "[1,2,1,3] → (3,2,1,0)",
        inputs: draw([[1, 2, 1, 3], fine]),
        call: (x) => x.permute(3, 2, 1, 0),
      },
      { name: "0-d → ()", inputs: draw([[], fine]), call: (x) => x.permute() },
    ],
  },
  reshape: {
    differentiable: true,
    variants: [
      { name: "[2,3] → [3,2]", inputs: draw([[2, 3], fine]), call: (x) => x.reshape(3, 2) },
      { name: "[2,3] → [-1]", inputs: draw([[2, 3], fine]), call: (x) => x.reshape(-1) },
      { name: "[2,3] → [1,-1,2,1]", inputs: draw([[2, 3], fine]), call: (x) => x.reshape([1, -1, 2, 1]) },
      { name: "0-d → [1,1]", inputs: draw([[], fine]), call: (x) => x.reshape(1, 1) },
      { name: "[1] → 0-d", inputs: draw([[1], fine]), call: (x) => x.reshape([]) },
    ],
  },
  flatten: {
    differentiable: true,
    variants: [
      { name: "[2,3,4]", inputs: draw([[2, 3, 4], fine]), call: (x) => x.flatten() },
      { name: "0-d → [1]", inputs: draw([[], fine]), call: (x) => x.flatten() },
    ],
  },
  squeeze: {
    differentiable: true,
    variants: [
      { name: "[1,3,1], every size-1 dim", inputs: draw([[1, 3, 1], fine]), call: (x) => x.squeeze() },
      { name: "[1,3,1], axis -1", inputs: draw([[1, 3, 1], fine]), call: (x) => x.squeeze(-1) },
      {
        name: "[1,3,1], axis 1 (size 3: unchanged)",
        inputs: draw([[1, 3, 1], fine]),
        call: (x) => x.squeeze(1),
      },
      { name: "0-d", inputs: draw([[], fine]), call: (x) => x.squeeze() },
    ],
  },
  unsqueeze: {
    differentiable: true,
    variants: [
      { name: "[2,3] at 0", inputs: draw([[2, 3], fine]), call: (x) => x.unsqueeze(0) },
      { name: "[2,3] at -1", inputs: draw([[2, 3], fine]), call: (x) => x.unsqueeze(-1) },
      { name: "[2,3] at 1", inputs: draw([[2, 3], fine]), call: (x) => x.unsqueeze(1) },
      { name: "0-d at 0", inputs: draw([[], fine]), call: (x) => x.unsqueeze(0) },
    ],
  },
  expand: {
    differentiable: true,
    variants: [
      { name: "[3] → [2,3]", inputs: draw([[3], fine]), call: (x) => x.expand(2, 3) },
      { name: "[2,1] → [-1,4]", inputs: draw([[2, 1], fine]), call: (x) => x.expand(-1, 4) },
      {
        name: "[1,3] → [2,2,-1] (new leading dim)",
        inputs: draw([[1, 3], fine]),
        call: (x) => x.expand([2, 2, -1]),
      },
      { name: "0-d → [2,2]", inputs: draw([[], fine]), call: (x) => x.expand(2, 2) },
    ],
  },
  // internal (the engine's broadcasting rule), called through apply with its attributes
  sumTo: {
    differentiable: true,
    variants: (
      [
        ["[2,3] → [3]", [2, 3], [3]],
        ["[2,4] → [2,1]", [2, 4], [2, 1]],
        ["[2,3] → []", [2, 3], []],
        ["[2,3,4] → [3,1]", [2, 3, 4], [3, 1]],
      ] as const
    ).map(([name, from, to]) => ({
      name,
      inputs: draw([from, fine]),
      call: (x: Tensor) => apply(opTable.sumTo, [x], { shape: to }),
    })),
  },
  slice: {
    differentiable: true,
    variants: [
      { name: "[4,3], axis 0, [1,3)", inputs: draw([[4, 3], fine]), call: (x) => x.slice(0, 1, 3) },
      {
        name: "[4,3], axis -1, from -2 to the end",
        inputs: draw([[4, 3], fine]),
        call: (x) => x.slice(-1, -2),
      },
      {
        name: "[4,3], axis 1, clamped [-5,10)",
        inputs: draw([[4, 3], fine]),
        call: (x) => x.slice(1, -5, 10),
      },
      { name: "[4,3], empty [2,2)", inputs: draw([[4, 3], fine]), call: (x) => x.slice(0, 2, 2) },
    ],
  },
  // internal (slice's backward): zero padding back to the full shape
  sliceBackward: {
    differentiable: true,
    variants: [
      {
        name: "[2,3] into [4,3] at rows 1..2",
        inputs: draw([[2, 3], fine]),
        call: (g) => apply(opTable.sliceBackward, [g], { axis: 0, start: 1, length: 2, full: [4, 3] }),
      },
      {
        name: "[2,1,2] into [2,3,2] at column 2 of axis 1",
        inputs: draw([[2, 1, 2], fine]),
        call: (g) => apply(opTable.sliceBackward, [g], { axis: 1, start: 2, length: 1, full: [2, 3, 2] }),
      },
    ],
  },
  gather: {
    differentiable: true,
    variants: [
      {
        name: "[3,4], axis 1, nested index [2,3] with repeats",
        inputs: draw([[3, 4], fine]),
        call: (x) =>
          x.gather(1, [
            [0, 2, 2],
            [3, 0, 1],
          ]),
      },
      {
        name: "[5], axis 0, Int32Array index",
        inputs: draw([[5], fine]),
        call: (x) => x.gather(0, Int32Array.from([4, 0, 4, 1])),
      },
      {
        name: "[2,3], axis -1, float tensor index",
        inputs: draw([[2, 3], fine]),
        call: (x) => x.gather(-1, tensor([[2], [0]])),
      },
      {
        name: "[3,2], axis 0, index [4,2] longer along the axis",
        inputs: draw([[3, 2], fine]),
        call: (x) =>
          x.gather(0, [
            [0, 1],
            [2, 2],
            [1, 0],
            [0, 0],
          ]),
      },
    ],
  },
  // internal (gather's backward): ḡ added at the gathered positions
  scatterAdd: {
    differentiable: true,
    variants: [
      {
        name: "[2,3] into [3,4] along axis 1, with repeats",
        inputs: draw([[2, 3], fine]),
        call: (g) =>
          apply(opTable.scatterAdd, [g], {
            axis: 1,
            index: indexArg([0, 2, 2, 3, 0, 1], [2, 3]),
            full: [3, 4],
          }),
      },
      {
        name: "[4] into [3] along axis 0",
        inputs: draw([[4], fine]),
        call: (g) =>
          apply(opTable.scatterAdd, [g], { axis: 0, index: indexArg([2, 0, 2, 2], [4]), full: [3] }),
      },
    ],
  },
  indexSelect: {
    differentiable: true,
    variants: [
      {
        name: "[4,3], axis 0, [3,0,3]",
        inputs: draw([[4, 3], fine]),
        call: (x) => x.indexSelect(0, [3, 0, 3]),
      },
      {
        name: "[2,3,2], axis -2, Int32Array",
        inputs: draw([[2, 3, 2], fine]),
        call: (x) => x.indexSelect(-2, Int32Array.from([2, 0])),
      },
      {
        name: "[2,3], axis 1, float tensor",
        inputs: draw([[2, 3], fine]),
        call: (x) => x.indexSelect(1, tensor([1])),
      },
    ],
  },
  // internal (indexSelect's backward): ḡ added at the selected rows
  indexAdd: {
    differentiable: true,
    variants: [
      {
        name: "[3,3] into [4,3] at rows [3,0,3]",
        inputs: draw([[3, 3], fine]),
        call: (g) =>
          apply(opTable.indexAdd, [g], { axis: 0, indices: Int32Array.from([3, 0, 3]), full: [4, 3] }),
      },
      {
        name: "[2,2] into [2,3] at columns [2,0]",
        inputs: draw([[2, 2], fine]),
        call: (g) =>
          apply(opTable.indexAdd, [g], { axis: 1, indices: Int32Array.from([2, 0]), full: [2, 3] }),
      },
    ],
  },
  concat: {
    differentiable: true,
    variants: [
      {
        name: "[2,3] and [1,3] along axis 0",
        inputs: draw([[2, 3], fine], [[1, 3], fine]),
        call: (...xs) => concat(xs, 0),
      },
      {
        name: "[2,1], [2,3], [2,2] along axis -1",
        inputs: draw([[2, 1], fine], [[2, 3], fine], [[2, 2], fine]),
        call: (...xs) => concat(xs, -1),
      },
      {
        name: "[2,1,2] and [2,3,2] along axis 1",
        inputs: draw([[2, 1, 2], fine], [[2, 3, 2], fine]),
        call: (...xs) => concat(xs, 1),
      },
      { name: "a single [3]", inputs: draw([[3], fine]), call: (x) => concat([x]) },
    ],
  },
  stack: {
    differentiable: true,
    variants: [
      {
        name: "two [2,3] along axis 0",
        inputs: draw([[2, 3], fine], [[2, 3], fine]),
        call: (...xs) => stack(xs),
      },
      {
        name: "three [2,3] along axis -1",
        inputs: draw([[2, 3], fine], [[2, 3], fine], [[2, 3], fine]),
        call: (...xs) => stack(xs, -1),
      },
      {
        name: "two [2,3] along axis 1",
        inputs: draw([[2, 3], fine], [[2, 3], fine]),
        call: (...xs) => stack(xs, 1),
      },
      {
        name: "three 0-d → [3]",
        inputs: draw([[], fine], [[], fine], [[], fine]),
        call: (...xs) => stack(xs),
      },
    ],
  },
  clone: {
    differentiable: true,
    variants: [
      { name: "[2,3]", inputs: draw([[2, 3], fine]), call: (x) => x.clone() },
      { name: "0-d", inputs: draw([[], fine]), call: (x) => x.clone() },
    ],
  },
  astype: {
    differentiable: true,
    variants: [
      { name: "to the same dtype", inputs: draw([[2, 3], fine]), call: (x) => x.astype(x.dtype) },
      {
        name: "to the other dtype",
        inputs: draw([[2, 3], fine]),
        call: (x) => x.astype(x.dtype === "float64" ? "float32" : "float64"),
        resultDType: (d) => (d === "float64" ? "float32" : "float64"),
        // float32 rounding makes the function a staircase at the 1e-7 scale: wider differences
        tol: { eps: 1e-3, atol: 1e-4 },
      },
    ],
  },
  floorDivide: {
    differentiable: false,
    variants: [
      {
        name: "[2,3] with [3]",
        inputs: draw([[2, 3], fine], [[3], positive]),
        call: (a, b) => a.floorDivide(b as Tensor),
      },
      { name: "number operand", inputs: draw([[2, 3], fine]), call: (a) => a.floorDivide(0.25) },
      { name: "0-d", inputs: draw([[], fine], [[], positive]), call: (a, b) => a.floorDivide(b as Tensor) },
    ],
  },
  eq: { differentiable: false, variants: comparisonVariants((a, b) => a.eq(b)) },
  ne: { differentiable: false, variants: comparisonVariants((a, b) => a.ne(b)) },
  gt: { differentiable: false, variants: comparisonVariants((a, b) => a.gt(b)) },
  lt: { differentiable: false, variants: comparisonVariants((a, b) => a.lt(b)) },
  ge: { differentiable: false, variants: comparisonVariants((a, b) => a.ge(b)) },
  le: { differentiable: false, variants: comparisonVariants((a, b) => a.le(b)) },
  logicalAnd: { differentiable: false, variants: comparisonVariants((a, b) => a.logicalAnd(b)) },
  logicalOr: { differentiable: false, variants: comparisonVariants((a, b) => a.logicalOr(b)) },
  logicalXor: { differentiable: false, variants: comparisonVariants((a, b) => a.logicalXor(b)) },
  logicalNot: {
    differentiable: false,
    variants: booleanResults([
      { name: "[2,3]", inputs: draw([[2, 3], near([-1, 0, 1], 0)]), call: (x) => x.logicalNot() },
      { name: "0-d", inputs: draw([[], near([-1, 0, 1], 0)]), call: (x) => x.logicalNot() },
    ]),
  },
  argmax: {
    differentiable: false,
    variants: indexResults([
      { name: "[2,3], flattened", inputs: draw([[2, 3], fine]), call: (x) => x.argmax() },
      { name: "[2,3], axis 1", inputs: draw([[2, 3], fine]), call: (x) => x.argmax(1) },
      {
        name: "[2,3,2], axis -2, keepDims",
        inputs: draw([[2, 3, 2], fine]),
        call: (x) => x.argmax(-2, true),
      },
      { name: "0-d", inputs: draw([[], fine]), call: (x) => x.argmax() },
    ]),
  },
  argmin: {
    differentiable: false,
    variants: indexResults([
      { name: "[2,3], flattened", inputs: draw([[2, 3], fine]), call: (x) => x.argmin() },
      { name: "[2,3], axis 0", inputs: draw([[2, 3], fine]), call: (x) => x.argmin(0) },
      {
        name: "[2,3,2], axis -1, keepDims",
        inputs: draw([[2, 3, 2], fine]),
        call: (x) => x.argmin(-1, true),
      },
    ]),
  },
  all: {
    differentiable: false,
    variants: booleanResults([
      { name: "[2,3], all axes", inputs: draw([[2, 3], near([-1, 0, 1], 0)]), call: (x) => x.all() },
      {
        name: "[2,3], axis -1, keepDims",
        inputs: draw([[2, 3], near([0, 1], 0)]),
        call: (x) => x.all(-1, true),
      },
      { name: "0-d", inputs: draw([[], near([0, 1], 0)]), call: (x) => x.all() },
    ]),
  },
  any: {
    differentiable: false,
    variants: booleanResults([
      { name: "[2,3], all axes", inputs: draw([[2, 3], near([-1, 0, 1], 0)]), call: (x) => x.any() },
      { name: "[2,3], axis 0", inputs: draw([[2, 3], near([0, 1], 0)]), call: (x) => x.any(0) },
      { name: "0-d", inputs: draw([[], near([0, 1], 0)]), call: (x) => x.any(0) },
    ]),
  },
  argsort: {
    differentiable: false,
    variants: indexResults([
      {
        name: "[2,3], last axis, with ties",
        inputs: draw([[2, 3], near([-1, 0, 1], 0)]),
        call: (x) => x.argsort(),
      },
      {
        name: "[3,2,2], axis 0, descending",
        inputs: draw([[3, 2, 2], fine]),
        call: (x) => x.argsort(0, { descending: true }),
      },
      { name: "0-d", inputs: draw([[], fine]), call: (x) => x.argsort() },
    ]),
  },
  topk: {
    differentiable: false,
    variants: indexResults([
      { name: "[2,4], k 2", inputs: draw([[2, 4], fine]), call: (x) => x.topk(2).indices },
      {
        name: "[3,2], axis 0, k 3, smallest, unsorted",
        inputs: draw([[3, 2], fine]),
        call: (x) => x.topk(3, 0, { largest: false, sorted: false }).indices,
      },
      { name: "0-d, k 1", inputs: draw([[], fine]), call: (x) => x.topk(1).indices },
    ]),
  },
};

/**
 * The fused nn ops (`nnOpTable`): the same checks through their public functions. The table test
 * below fails when an op is added to `nnOpTable` without a case here.
 */
const nnCases: Record<NnOpKey, OpCase> = {
  linear: {
    differentiable: true,
    variants: [
      {
        name: "x [3,4], W [2,4], b [2]",
        inputs: draw([[3, 4], fine], [[2, 4], fine], [[2], fine]),
        call: (x, w, b) => nn.linear(x, w, b),
      },
      { name: "no bias", inputs: draw([[3, 4], fine], [[2, 4], fine]), call: (x, w) => nn.linear(x, w) },
      {
        name: "x [2,3,4] (batch dims)",
        inputs: draw([[2, 3, 4], fine], [[2, 4], fine], [[2], fine]),
        call: (x, w, b) => nn.linear(x, w, b),
      },
      {
        name: "x [4] (no batch)",
        inputs: draw([[4], fine], [[2, 4], fine]),
        call: (x, w) => nn.linear(x, w),
      },
    ],
  },
  unfold: {
    differentiable: true,
    variants: [
      { name: "x [2,2,3,3], kernel 2", inputs: draw([[2, 2, 3, 3], fine]), call: (x) => nn.unfold(x, 2) },
      {
        name: "x [1,2,4,5], kernel [2,3], stride 2, padding 1, dilation [1,2]",
        inputs: draw([[1, 2, 4, 5], fine]),
        call: (x) => nn.unfold(x, [2, 3], { stride: 2, padding: 1, dilation: [1, 2] }),
      },
    ],
  },
  fold: {
    differentiable: true,
    variants: [
      {
        name: "cols [2,8,4] → [3,3], kernel 2",
        inputs: draw([[2, 8, 4], fine]),
        call: (c) => nn.fold(c, 3, 2),
      },
      {
        name: "cols [1,6,6] → [4,5], kernel [2,3], stride 2, padding 1, dilation [1,2]",
        inputs: draw([[1, 6, 6], fine]),
        call: (c) => nn.fold(c, [4, 5], [2, 3], { stride: 2, padding: 1, dilation: [1, 2] }),
      },
    ],
  },
  conv2d: {
    differentiable: true,
    variants: [
      {
        name: "x [2,2,4,4], W [3,2,3,3], b [3]",
        inputs: draw([[2, 2, 4, 4], fine], [[3, 2, 3, 3], fine], [[3], fine]),
        call: (x, w, b) => nn.conv2d(x, w, b),
      },
      {
        name: "no bias, stride 2, padding 1",
        inputs: draw([[1, 2, 5, 4], fine], [[2, 2, 2, 3], fine]),
        call: (x, w) => nn.conv2d(x, w, null, { stride: 2, padding: 1 }),
      },
      {
        name: "groups 2, dilation [2,1], padding [1,0]",
        inputs: draw([[2, 4, 5, 3], fine], [[2, 2, 2, 2], fine], [[2], fine]),
        call: (x, w, b) => nn.conv2d(x, w, b, { groups: 2, dilation: [2, 1], padding: [1, 0] }),
      },
      {
        name: 'padding "same" (asymmetric), kernel [2,3]',
        inputs: draw([[1, 2, 3, 4], fine], [[2, 2, 2, 3], fine], [[2], fine]),
        call: (x, w, b) => nn.conv2d(x, w, b, { padding: "same" }),
      },
    ],
  },
  conv1d: {
    differentiable: true,
    variants: [
      {
        name: "x [2,2,6], W [3,2,3], b [3]",
        inputs: draw([[2, 2, 6], fine], [[3, 2, 3], fine], [[3], fine]),
        call: (x, w, b) => nn.conv1d(x, w, b),
      },
      {
        name: "groups 2, stride 2, dilation 2, padding 1, no bias",
        inputs: draw([[1, 4, 7], fine], [[2, 2, 2], fine]),
        call: (x, w) => nn.conv1d(x, w, null, { groups: 2, stride: 2, dilation: 2, padding: 1 }),
      },
      {
        name: 'padding "same" (asymmetric), kernel 4',
        inputs: draw([[1, 2, 5], fine], [[2, 2, 4], fine], [[2], fine]),
        call: (x, w, b) => nn.conv1d(x, w, b, { padding: "same" }),
      },
    ],
  },
  conv2dWeight: {
    differentiable: true,
    variants: [
      {
        name: "x [2,2,4,4], ḡ [2,3,3,3] → W̄ [3,2,2,2]",
        inputs: draw([[2, 2, 4, 4], fine], [[2, 3, 3, 3], fine]),
        call: (x, g) =>
          apply(conv2dWeightOp, [x, g], {
            kernel: [2, 2],
            stride: [1, 1],
            dilation: [1, 1],
            padding: [0, 0, 0, 0],
            size: [4, 4],
            groups: 1,
          }),
      },
      {
        name: "groups 2, stride 2, dilation [1,2], padding [1,1,0,1]: x [1,4,5,5], ḡ [1,2,3,2]",
        inputs: draw([[1, 4, 5, 5], fine], [[1, 2, 3, 2], fine]),
        call: (x, g) =>
          apply(conv2dWeightOp, [x, g], {
            kernel: [2, 2],
            stride: [2, 2],
            dilation: [1, 2],
            padding: [1, 1, 0, 1],
            size: [5, 5],
            groups: 2,
          }),
      },
    ],
  },
  convTranspose2d: {
    differentiable: true,
    variants: [
      {
        name: "x [2,2,3,3], W [2,3,2,2], b [3]",
        inputs: draw([[2, 2, 3, 3], fine], [[2, 3, 2, 2], fine], [[3], fine]),
        call: (x, w, b) => nn.convTranspose2d(x, w, b),
      },
      {
        name: "no bias, stride 2, padding 1, outputPadding 1",
        inputs: draw([[1, 2, 3, 2], fine], [[2, 2, 3, 2], fine]),
        call: (x, w) => nn.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 }),
      },
      {
        name: "groups 2, stride [1,2], dilation [2,1], padding [1,0]",
        inputs: draw([[2, 4, 3, 2], fine], [[4, 1, 2, 2], fine], [[2], fine]),
        call: (x, w, b) =>
          nn.convTranspose2d(x, w, b, { groups: 2, stride: [1, 2], dilation: [2, 1], padding: [1, 0] }),
      },
      {
        name: "outputPadding 2 ≥ stride 1 (below dilation 3)",
        inputs: draw([[1, 2, 2, 3], fine], [[2, 1, 2, 2], fine], [[1], fine]),
        call: (x, w, b) => nn.convTranspose2d(x, w, b, { dilation: 3, outputPadding: 2 }),
      },
    ],
  },
  maxPool2d: {
    differentiable: true,
    // distinct values, a gap apart: no tie in any window, so the maximum stays put under h
    variants: [
      {
        name: "x [2,2,4,4], kernel 2",
        inputs: (rng, dtype) => [distinct(rng, [2, 2, 4, 4], dtype)],
        call: (x) => nn.maxPool2d(x, 2),
      },
      {
        name: "x [1,2,5,4], kernel [3,2], stride 1, padding [1,1], dilation [1,2]",
        inputs: (rng, dtype) => [distinct(rng, [1, 2, 5, 4], dtype)],
        call: (x) => nn.maxPool2d(x, [3, 2], { stride: 1, padding: [1, 1], dilation: [1, 2] }),
      },
    ],
  },
  avgPool2d: {
    differentiable: true,
    variants: [
      {
        name: "x [2,2,4,4], kernel 2",
        inputs: draw([[2, 2, 4, 4], fine]),
        call: (x) => nn.avgPool2d(x, 2),
      },
      {
        name: "x [1,2,5,4], kernel [3,2], stride [2,1], padding 1 (counted)",
        inputs: draw([[1, 2, 5, 4], fine]),
        call: (x) => nn.avgPool2d(x, [3, 2], { stride: [2, 1], padding: 1 }),
      },
    ],
  },
  adaptiveAvgPool2d: {
    differentiable: true,
    variants: [
      {
        name: "x [2,2,5,4] → [3,2] (overlapping windows)",
        inputs: draw([[2, 2, 5, 4], fine]),
        call: (x) => nn.adaptiveAvgPool2d(x, [3, 2]),
      },
      {
        name: "x [1,2,3,4] → 1 (global)",
        inputs: draw([[1, 2, 3, 4], fine]),
        call: (x) => nn.adaptiveAvgPool2d(x, 1),
      },
    ],
  },
  avgPoolSpread: {
    differentiable: true,
    variants: [
      {
        name: "ḡ [1,2,2,3] → [1,2,4,4] (windows overlap and reach the padding)",
        inputs: draw([[1, 2, 2, 3], fine]),
        call: (g) =>
          apply(nnOpTable.avgPoolSpread, [g], {
            rows: Int32Array.from([0, 2, 1, 4]),
            cols: Int32Array.from([0, 1, 0, 3, 2, 4]),
            divisor: Float64Array.from([4, 6, 6, 6, 9, 4]),
            inShape: [1, 2, 4, 4],
            outShape: [1, 2, 2, 3],
            adaptive: false,
          }),
      },
    ],
  },
  poolSelect: {
    differentiable: true,
    variants: [
      {
        name: "[2,3] → [4] (a repeated index)",
        inputs: draw([[2, 3], fine]),
        call: (x) =>
          apply(nnOpTable.poolSelect, [x], {
            indices: Int32Array.from([5, 0, 5, 2]),
            inShape: [2, 3],
            outShape: [4],
          }),
      },
    ],
  },
  poolScatter: {
    differentiable: true,
    variants: [
      {
        name: "[4] → [2,3] (a repeated index adds)",
        inputs: draw([[4], fine]),
        call: (g) =>
          apply(nnOpTable.poolScatter, [g], {
            indices: Int32Array.from([5, 0, 5, 2]),
            inShape: [2, 3],
            outShape: [4],
          }),
      },
    ],
  },
  dropout: {
    differentiable: true,
    // a fresh generator per call: the same mask every time gradcheck calls it
    variants: unaryVariants((x) => nn.dropout(x, 0.4, true, new Rng(3)), fine),
  },
  crossEntropy: {
    differentiable: true,
    variants: [
      {
        name: "[4,3], labels",
        inputs: draw([[4, 3], fine]),
        call: (x) => losses.crossEntropy(x, [0, 2, 1, 2]),
      },
      {
        name: "reduction sum",
        inputs: draw([[2, 3], fine]),
        call: (x) => losses.crossEntropy(x, [1, 0], { reduction: "sum" }),
      },
    ],
  },
  crossEntropySoft: {
    differentiable: true,
    variants: [
      {
        name: "[3,4], probabilities",
        inputs: draw([[3, 4], fine], [[3, 4], uniform(0.1, 1)]),
        call: (x, p) => losses.crossEntropy(x, p),
      },
    ],
  },
  nll: {
    differentiable: true,
    variants: [
      { name: "[4,3], labels", inputs: draw([[4, 3], fine]), call: (x) => losses.nll(x, [0, 2, 1, 2]) },
    ],
  },
  mse: {
    differentiable: true,
    variants: [
      { name: "[2,3]", inputs: draw([[2, 3], fine], [[2, 3], fine]), call: (a, b) => losses.mse(a, b) },
    ],
  },
  bce: {
    differentiable: true,
    variants: [
      {
        name: "[2,3]",
        inputs: draw([[2, 3], uniform(0.1, 0.9)], [[2, 3], uniform(0, 1)]),
        call: (p, t) => losses.bce(p, t),
      },
    ],
  },
  bceWithLogits: {
    differentiable: true,
    variants: [
      {
        name: "[2,3]",
        inputs: draw([[2, 3], fine], [[2, 3], uniform(0, 1)]),
        call: (x, t) => losses.bceWithLogits(x, t),
      },
    ],
  },
  // losses of d = pred − target against a zero target, d kept away from each loss's kinks
  l1: {
    differentiable: true,
    variants: [
      {
        name: "[2,3]",
        inputs: draw([[2, 3], avoiding(-2, 2, [0], 0.2)]),
        call: (p) => losses.l1(p, p.mul(0).detach()),
      },
    ],
  },
  huber: {
    differentiable: true,
    variants: [
      {
        name: "[2,3], δ = 1",
        inputs: draw([[2, 3], avoiding(-3, 3, [-1, 1], 0.2)]),
        call: (p) => losses.huber(p, p.mul(0).detach()),
      },
    ],
  },
  smoothL1: {
    differentiable: true,
    variants: [
      {
        name: "[2,3], β = 0.5",
        inputs: draw([[2, 3], avoiding(-2, 2, [-0.5, 0.5], 0.1)]),
        call: (p) => losses.smoothL1(p, p.mul(0).detach(), { beta: 0.5 }),
      },
    ],
  },
  klDiv: {
    differentiable: true,
    variants: [
      {
        name: "[2,3], target probabilities",
        inputs: draw([[2, 3], fine], [[2, 3], uniform(0.1, 0.9)]),
        call: (x, t) => losses.klDiv(x, t),
      },
      {
        name: "[2,3], log target",
        inputs: draw([[2, 3], fine], [[2, 3], fine]),
        call: (x, t) => losses.klDiv(x, t, { logTarget: true, reduction: "sum" }),
      },
    ],
  },
  hinge: {
    differentiable: true,
    // y·s stays away from the kink at 1
    variants: [
      {
        name: "[2,3]",
        inputs: draw([[2, 3], avoiding(-2, 2, [-1, 1], 0.2)], [[2, 3], avoiding(-2, 2, [-1, 1], 0.2)]),
        call: (s, y) => losses.hinge(s, y),
        noSecond: "piecewise linear in s and y: the second derivative is 0 or a kink",
      },
    ],
  },
};

const entries = Object.entries(cases) as [OpName, OpCase][];
/** Both tables' cases, by the name the op's nodes carry. */
const allEntries: [string, OpCase][] = [
  ...entries,
  ...(Object.entries(nnCases) as [NnOpKey, OpCase][]).map(([k, c]): [string, OpCase] => [
    nnOpTable[k].name,
    c,
  ]),
];
const differentiable = allEntries.filter(([, c]) => c.differentiable);
const nonDifferentiable = allEntries.filter(([, c]) => !c.differentiable);

/** Each variant with its op and a stream seeded from both names. */
const rows = (list: [string, OpCase][]) =>
  list.flatMap(([op, c]) => c.variants.map((v) => ({ op, v, label: `${op}: ${v.name}` })));

const inputsOf = (label: string, v: Variant, dtype: DType, requiresGrad: boolean): Tensor[] =>
  v.inputs(rngFor(label), dtype).map((x) => {
    x.requiresGrad = requiresGrad;
    return x;
  });

describe("the op table", () => {
  it("has a test case for every op, and no case for an op that does not exist", () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(opTable).sort());
  });

  it("has at least one variant per op, and every op name is the table key", () => {
    for (const [op, c] of entries) {
      expect(c.variants.length, op).toBeGreaterThan(0);
      expect(opTable[op].name).toBe(op);
    }
  });

  it("marks exactly the ops without a backward as not differentiable", () => {
    for (const [op, c] of entries) expect(opTable[op].backward !== undefined, op).toBe(c.differentiable);
  });

  it("has a test case for every fused nn op, and every one is differentiable", () => {
    expect(Object.keys(nnCases).sort()).toEqual(Object.keys(nnOpTable).sort());
    for (const [k, c] of Object.entries(nnCases) as [NnOpKey, OpCase][]) {
      expect(nnOpTable[k].backward !== undefined, k).toBe(c.differentiable);
    }
  });
});

describe.each(rows(differentiable))("$label", ({ op, v, label }) => {
  it("makes exactly one node, named after the op, directly on its inputs", () => {
    const xs = inputsOf(label, v, "float64", true);
    const y = v.call(...xs);
    expect(y.op).toBe(op);
    expect(y.requiresGrad).toBe(true);
    for (const x of xs) expect(y.parents).toContain(x);
    // every other parent is a constant leaf (a number operand, a where condition)
    for (const p of y.parents) if (!xs.includes(p)) expect([p.isLeaf, p.requiresGrad]).toEqual([true, false]);
  });

  it("leaves its inputs' data and versions untouched, and records nothing under noGrad", () => {
    const xs = inputsOf(label, v, "float64", true);
    const before = xs.map((x) => [Array.from(x.data), x._s.version]);
    const y = v.call(...xs);
    expect(xs.map((x) => [Array.from(x.data), x._s.version])).toEqual(before);
    const z = noGrad(() => v.call(...xs));
    expect([z.op, z.parents.length, z.requiresGrad]).toEqual(["", 0, false]);
    expect(Array.from(z.data)).toEqual(Array.from(y.data));
  });

  it("passes gradcheck", () => {
    const r = gradcheck(v.call, inputsOf(label, v, "float64", false), v.tol);
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it.skipIf(v.noSecond !== undefined)("passes gradgradcheck (second derivatives)", () => {
    const r = gradgradcheck(v.call, inputsOf(label, v, "float64", false), v.tol);
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });
});

describe.each(rows(nonDifferentiable))("$label", ({ op, v, label }) => {
  it("returns a node named after the op that does not require grad", () => {
    const xs = inputsOf(label, v, "float64", true);
    const y = v.call(...xs);
    expect(y.op).toBe(op);
    expect(y.requiresGrad).toBe(false);
    expect(y.dtype).toBe(v.resultDType?.("float64") ?? "float64");
    // 0/1 values (comparisons) or integral indices (argmax/argmin), ⌊a/b⌋ (floorDivide)
    for (const value of y.data) expect(Number.isInteger(value)).toBe(true);
  });
});

describe.each(rows(allEntries))("float32 $label", ({ v, label }) => {
  it("keeps float32 through forward and backward, matching float64 to float32 precision", () => {
    const xs = inputsOf(label, v, "float32", true);
    const y = v.call(...xs);
    expect(y.dtype).toBe(v.resultDType?.("float32") ?? "float32");
    // the same (float32-rounded) inputs in float64 give the same values to float32 precision
    const wide = xs.map((x) => tensor(x.data, { shape: x.shape, dtype: "float64" }));
    expectAllClose(y, v.call(...wide), 1e-5);
    if (y.requiresGrad) {
      y.backward(onesLike(y));
      for (const x of xs) expect(x.grad?.dtype).toBe("float32");
    }
  });
});

describe("an op declared once in the unary table (elu)", () => {
  it("is a Tensor method, a Value method, an nn module, an activation name and a CLI function", () => {
    const e1 = Math.expm1(-1);
    expect(Array.from(tensor([-1, 0, 2]).elu().data)).toEqual([e1, 0, 2]);
    expect(Array.from(tensor([-1]).elu(0.5).data)).toEqual([0.5 * e1]);
    const v = new Value(-1);
    const y = v.elu(2);
    y.backward();
    expect([y.data, v.grad, y.op]).toEqual([2 * e1, 2 * Math.exp(-1), "elu"]);
    expect(Array.from(new nn.ELU(0.5).forward(tensor([-1])).data)).toEqual([0.5 * e1]);
    expect(new nn.ELU(0.5).alpha).toBe(0.5);
    expect(nn.activation("elu")).toBeInstanceOf(nn.ELU);
    expect(() => new nn.ELU(Number.NaN)).toThrow("ELU: alpha must be a finite number, got number NaN");
    expect(functionNames).toContain("elu");
    expect(localSymbol("elu", 0)).toBe("1 if x > 0 else y + alpha");
  });
});

describe("the elementwise ops of SPEC §8: values at the edges", () => {
  const values = (t: Tensor) => Array.from(t.data);

  it("round halves to even, like torch.round (Math.round does not), keeping the sign of zero", () => {
    const x = tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.3, 0.49999999999999994, 2 ** 52 + 1, 1e300]);
    const y = values(x.round());
    expect(y).toEqual([-2, -2, -0, 0, 2, 2, -0, 0, 2 ** 52 + 1, 1e300]);
    expect([Object.is(y[2], -0), Object.is(y[3], 0), Object.is(y[6], -0)]).toEqual([true, true, true]);
    expect(new Value(2.5).round().data).toBe(2);
    expect(values(tensor([2.5, -3.5], { dtype: "float32" }).round())).toEqual([2, -4]);
  });

  it("floor, ceil and trunc round down, up and toward 0", () => {
    const x = tensor([-1.5, -0.5, 0.5, 1.5, 3]);
    expect(values(x.floor())).toEqual([-2, -1, 0, 1, 3]);
    expect(values(x.ceil())).toEqual([-1, -0, 1, 2, 3]);
    expect(values(x.trunc())).toEqual([-1, -0, 0, 1, 3]);
  });

  it("give the rounding ops a gradient of exactly 0, even for an infinite ḡ (PyTorch's zeros_like)", () => {
    for (const op of ["floor", "ceil", "round", "trunc"] as const) {
      const x = tensor([0.3, -1.7], { requiresGrad: true });
      x[op]().backward(tensor([Number.POSITIVE_INFINITY, Number.NaN]));
      expect(values(x.grad as Tensor), op).toEqual([0, 0]);
      const v = new Value(0.3);
      v[op]().reciprocal().backward(); // ∂L/∂floor(v) = −1/0² = −∞
      expect(v.grad, op).toBe(0);
    }
  });

  it("remainder takes the divisor's sign (Python's rule) and ⌊a/b⌋ from fmod, as torch.remainder", () => {
    const a = tensor([5.5, -5.5, 5.5, -5.5, 1, 3], { requiresGrad: true });
    const b = tensor([2, 2, -2, -2, 0.1, 0], { requiresGrad: true });
    const y = a.remainder(b);
    // 1 mod 0.1 is 0.1 − 5.55e-17 (0.1 is slightly above 1/10), so ⌊1/0.1⌋ is 9, not 10
    expect(values(y)).toEqual([1.5, 0.5, -0.5, -1.5, 0.09999999999999995, Number.NaN]);
    y.backward(onesLike(y));
    expect(values(a.grad as Tensor)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(values(b.grad as Tensor)).toEqual([-2, 3, 3, -2, -9, Number.NEGATIVE_INFINITY]);
    expect(remainder(-3, tensor(2)).item()).toBe(1);
    expect(remainder(-4, 2)).toBe(-0);
    const v = new Value(1);
    const w = new Value(0.1);
    v.remainder(w).backward();
    expect([v.grad, w.grad]).toEqual([1, -9]);
  });

  it("atan2(a, b) is the angle of (b, a), in every quadrant", () => {
    const a = tensor([1, 1, -1, -1, 0]);
    const b = tensor([1, -1, -1, 1, -1]);
    expect(values(atan2(a, b) as Tensor)).toEqual([
      Math.PI / 4,
      (3 * Math.PI) / 4,
      (-3 * Math.PI) / 4,
      -Math.PI / 4,
      Math.PI,
    ]);
    expect(atan2(new Value(1), 1).data).toBe(Math.PI / 4);
  });

  it("keeps silu, mish and selu finite, with finite gradients, for large |x|", () => {
    const big = [-1000, -50, 50, 1000];
    for (const op of ["silu", "mish", "selu"] as const) {
      const x = tensor(big, { requiresGrad: true });
      const y = x[op]();
      y.backward(onesLike(y));
      expect(values(y).every(Number.isFinite), op).toBe(true);
      expect(values(x.grad as Tensor).every(Number.isFinite), op).toBe(true);
    }
    const x = tensor(big);
    expectAllClose(x.silu(), [-0, -50 / (1 + Math.exp(50)), 50 / (1 + Math.exp(-50)), 1000], 1e-15);
    expectAllClose(x.mish(), [-0, -50 * Math.tanh(Math.log1p(Math.exp(-50))), 50, 1000], 1e-15);
    const v = new Value(-1000);
    v.mish().backward();
    expect(v.grad).toBe(0);
  });

  it("gives reciprocal and rsqrt their IEEE values at 0 and below", () => {
    expect(values(tensor([0, -0, 4]).reciprocal())).toEqual([
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0.25,
    ]);
    expect(values(tensor([0, -1, 4]).rsqrt())).toEqual([Number.POSITIVE_INFINITY, Number.NaN, 0.5]);
    expect(values(tensor([-2, 2]).asin())).toEqual([Number.NaN, Number.NaN]);
    expect(values(tensor([-1, 1e-20]).log1p())).toEqual([Number.NEGATIVE_INFINITY, 1e-20]);
    expect(values(tensor([1e-20]).expm1())).toEqual([1e-20]);
  });

  it("hardtanh passes ḡ strictly inside its bounds only (clamp: bounds included), and checks them", () => {
    const x = tensor([-2, -1, 0, 1, 2, 0.5], { requiresGrad: true });
    const y = x.hardtanh();
    expect(values(y)).toEqual([-1, -1, 0, 1, 1, 0.5]);
    y.backward(tensor([1, 1, 1, 1, 1, Number.POSITIVE_INFINITY]));
    expect(values(x.grad as Tensor)).toEqual([0, 0, 1, 0, 0, Number.POSITIVE_INFINITY]);
    expect(values(tensor([-1, 3]).hardtanh(0, 2))).toEqual([0, 2]);
    const v = new Value(1);
    v.hardtanh().mul(Number.POSITIVE_INFINITY).backward();
    expect(v.grad).toBe(0);
    expect(() => tensor([1]).hardtanh(1, -1)).toThrow(ChainruleError);
    expect(() => tensor([1]).hardtanh(1, -1)).toThrow("hardtanh: minVal 1 is greater than maxVal -1");
    expect(() => new nn.Hardtanh(0, Number.NaN)).toThrow(/^Hardtanh: maxVal must be/);
    expect(() => tensor([1]).clamp(2, 1)).toThrow("clamp: min 2 is greater than max 1");
  });

  it("are Value methods, nn modules, activation names and CLI functions", () => {
    for (const [op, Module] of [
      ["selu", nn.SELU],
      ["silu", nn.SiLU],
      ["mish", nn.Mish],
      ["hardtanh", nn.Hardtanh],
    ] as const) {
      expect(nn.activation(op)).toBeInstanceOf(Module);
      expect(values(new Module().forward(tensor([-0.5, 2])))).toEqual(values(tensor([-0.5, 2])[op]()));
      expect(new Value(-0.5)[op]().data).toBe(tensor(-0.5)[op]().item());
    }
    expect(new nn.Hardtanh(-2, 3).minVal).toBe(-2);
    expect(new Value(5).hardtanh(0, 2).data).toBe(2);
    for (const name of ["atan2", "remainder", "selu", "log1p", "floor", "round", "hardtanh"])
      expect(functionNames).toContain(name);
    expect(localSymbol("hardtanh", 0)).toBe("[minVal < x < maxVal]");
  });
});
