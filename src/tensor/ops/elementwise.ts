/**
 * Elementwise ops: one `OpDef` each, forward (a kernel call) beside backward (tensor ops, so it
 * is differentiable again). ḡ is the incoming gradient `g`; `x`, `a`, `b` the inputs; `y` the
 * result. Broadcast gradients are summed back to the inputs' shapes by the engine (`sumTo`).
 */
import { ChainruleError, describe, fmtShape } from "../../errors";
import type { ScalarOp } from "../../scalar/value";
import { checkFinite, checkNumber } from "../../validate";
import { broadcastShapes, checkResultShape, sameShape } from "../broadcast";
import { allocate, type DType, isFloat, type TypedArray } from "../dtype";
import { reluBackward as reluBackwardKernel, relu as reluKernel } from "../kernels/backend";
import {
  type Arith,
  arith,
  type Binary,
  broadcastTo,
  map,
  select,
  type UnaryLoop,
  unaryLoops,
  zip,
} from "../kernels/elementwise";
import * as m from "../kernels/scalar";
import { type BackwardContext, type OpDef, Tensor } from "../tensor";
import { apply, promote } from "./apply";
import { installMethods } from "./methods";
import { astype } from "./shape";
import { alloc, allocFloat, checkTensor, floatData, lift } from "./util";

type Saves = OpDef["saves"];

/**
 * Which dtypes a binary row computes in (operands are first promoted to a common dtype):
 * - "float" (default): floating point only; int32 and bool operands become float64 (`div`).
 * - "integral": keeps int32 (wrapping modulo 2³²) and bool (the result is f ≠ 0: `add` is or,
 *   `mul` and).
 * - "compare": any dtype in, bool out.
 * - "logical": any dtype in (nonzero is true, NaN included), bool out.
 */
type BinaryKind = "float" | "integral" | "compare" | "logical";

/** One broadcasting binary op, declared once (see `binaryOp`). */
interface BinarySpec {
  /** y = f(a, b) on numbers: the kernel's element function, and `Value`'s forward. */
  readonly f: Binary;
  /** The dtypes the row computes in (see `BinaryKind`). */
  readonly kind?: BinaryKind;
  /** For int32: the element function when `f` on doubles would not wrap as C does (Math.imul), or must throw. */
  readonly int?: Binary;
  /**
   * An integral row on bools, as PyTorch: "logical" computes on two bools (f ≠ 0: add is or, mul
   * and); "refused" throws for any bool operand (sub); absent, two bools throw.
   */
  readonly bools?: "logical" | "refused";
  /** Arithmetic and comparisons take call-free loops on the common layouts (kernels `arith`). */
  readonly arith?: Arith;
  /** [∂L/∂a, ∂L/∂b] from ḡ with tensor ops; absent for comparisons (not differentiable). */
  readonly backward?: (
    g: Tensor,
    ctx: BackwardContext<undefined, readonly [Tensor, Tensor]>,
  ) => readonly [Tensor | null, Tensor | null];
  /** What the backward reads (the version check); default "both". */
  readonly saves?: Saves;
  /** [∂y/∂a, ∂y/∂b] in words, for explanations. */
  readonly symbols: readonly [string, string];
  /** The scalar form for `Value`: [∂y/∂a, ∂y/∂b] on numbers from a, b and y. */
  readonly local?: readonly [LocalDerivative, LocalDerivative];
  /** Where `Value`'s ∂L/∂a (∂L/∂b) is exactly 0 whatever ∂L/∂y is (PyTorch's masking). */
  readonly masked?: readonly [(a: number, b: number) => boolean, (a: number, b: number) => boolean];
}

type LocalDerivative = (a: number, b: number, y: number) => number;

/** What a binary row produces: the tensor op, its symbols and its `Value` op (if it has one). */
export interface BinaryOp {
  readonly op: OpDef<undefined, readonly [Tensor, Tensor]>;
  /** The function (and `Tensor` method): `fn(a, b)` is `a.<name>(b)`; a number operand becomes a constant. */
  readonly fn: (a: Tensor | number, b: Tensor | number) => Tensor;
  readonly symbols: readonly [string, string];
  readonly scalar: ScalarOp | undefined;
}

/**
 * An op y = f(a, b) with broadcasting. The four arithmetic ops (`arith`) take call-free loops on
 * the common layouts; everything else goes through `zip`, which calls `f` per element.
 */
function binaryOp(
  name: string,
  spec: BinarySpec & { readonly local: BinarySpec["local"] & {} },
): BinaryOp & { readonly scalar: ScalarOp };
function binaryOp(
  name: string,
  spec: BinarySpec & { readonly local?: undefined },
): BinaryOp & { readonly scalar: undefined };
function binaryOp(name: string, spec: BinarySpec): BinaryOp {
  const { f, arith: arithOp } = spec;
  const kind = spec.kind ?? "float";
  const op: OpDef<undefined, readonly [Tensor, Tensor]> = {
    name,
    saves: spec.saves ?? "both",
    ...(kind === "float" ? {} : { dtypes: "any" as const }),
    forward: ([x, y]) => {
      if (kind === "float") return zipBroadcast(name, x, y, f, arithOp);
      if (kind === "integral" && x.dtype === "bool" && spec.bools !== "logical") {
        throw new ChainruleError(
          `${name}: not supported for two bool tensors, as in PyTorch (convert one with astype("int32") first)`,
        );
      }
      const dtype = kind === "integral" ? x.dtype : "bool";
      const intF = x.dtype === "int32" ? spec.int : undefined;
      const out = zipBroadcast(name, x, y, intF ?? f, intF ? undefined : arithOp, dtype);
      if (dtype === "bool" && kind === "integral")
        for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i] !== 0 ? 1 : 0;
      return out;
    },
    backward: spec.backward,
  };
  if (spec.bools === "refused") REFUSES_BOOL.add(op);
  const scalar: ScalarOp | undefined =
    spec.local === undefined
      ? undefined
      : {
          name,
          arity: 2,
          forward: f,
          local: spec.local,
          ...(spec.masked ? { masked: spec.masked } : {}),
          symbols: spec.symbols,
        };
  return { op, fn: (a, b) => binary(op, a, b), symbols: spec.symbols, scalar };
}

/**
 * f(a, b) elementwise over the broadcast shape of x and y (one dtype), as new storage of
 * `dtype` (x's by default): the call-free `arith` loops for the four arithmetic ops and the
 * comparisons, else `zip`.
 */
function zipBroadcast(
  name: string,
  x: Tensor,
  y: Tensor,
  f: Binary,
  arithOp?: Arith,
  dtype: DType = x.dtype,
): { shape: readonly number[]; data: TypedArray } {
  const shape = broadcastShapes(x.shape, y.shape, name);
  const out = allocate(dtype, checkResultShape(shape, name));
  const done = arithOp !== undefined && arith(arithOp, x._s.data, x.shape, y._s.data, y.shape, out, shape);
  if (!done) zip(x._s.data, x.shape, y._s.data, y.shape, out, shape, f);
  return { shape, data: out };
}

/**
 * f(a, b) over the broadcast shape as a constant tensor (no graph): a factor of a backward that
 * is piecewise constant in the inputs (remainder's ⌊a/b⌋), so its own derivative is 0.
 */
function constantOf(a: Tensor, b: Tensor, f: Binary): Tensor {
  const { shape, data } = zipBroadcast("backward", a, b, f);
  return new Tensor(data, shape);
}

/**
 * The gradient of maximum/minimum for one operand, PyTorch's rule (derivatives.yaml):
 * where(a = b, ḡ/2, ḡ) with 0 where the operand loses (`loses` = a < b for maximum's a).
 * A NaN operand makes every comparison false, so both operands get the whole ḡ.
 */
function extremumGrad(g: Tensor, a: Tensor, b: Tensor, loses: Tensor): Tensor {
  return where(loses, 0, where(eq(a, b), mul(g, 0.5), g));
}

const NOT_DIFFERENTIABLE = ["not differentiable", "not differentiable"] as const;

/** The rows declared `bools: "refused"` (checked before promotion turns a bool operand into another dtype). */
const REFUSES_BOOL = new Set<OpDef<undefined, readonly [Tensor, Tensor]>>();

/**
 * THE broadcasting binary ops, one row each (see `BinarySpec`). pow, maximum and minimum follow
 * PyTorch's derivative rules exactly, in both engines:
 * - pow: ∂/∂a = 0 where b = 0, else b·aᵇ⁻¹ (so −∞ at a = 0, b = −1; +∞ at a = 0, b = ½);
 *   ∂/∂b = 0 where a = 0 and b ≥ 0 (the limit of aᵇ·ln a), else aᵇ·ln a (so −∞ at a = 0, b < 0,
 *   and NaN for a < 0): pow_backward_self / pow_backward_exponent.
 * - maximum: ∂/∂a = 0 where a < b, ½ where a = b, else 1; ∂/∂b = 0 where a > b, ½ where a = b,
 *   else 1. A NaN operand fails every comparison, so both operands get the full gradient (and
 *   the result is NaN). minimum is the mirror image.
 */
export const binaryTable = buildBinaryTable();
/** The rows of the binary table, by name. */
export type BinaryTable = ReturnType<typeof buildBinaryTable>;

/**
 * `grad()` when the input needs a gradient, else null (nothing is computed). A call rather than
 * `need ? grad() : null`: the compiler types a conditional by comparing `Tensor`'s members, and
 * those include this table's methods (ops/methods.ts), a cycle it refuses (TS7023).
 */
const ifNeeded = (need: boolean | undefined, grad: () => Tensor): Tensor | null => (need ? grad() : null);

function buildBinaryTable() {
  return {
    /** a + b. ∂/∂a = ḡ, ∂/∂b = ḡ (summed over broadcast dimensions). */
    add: binaryOp("add", {
      f: (a, b) => a + b,
      arith: "add",
      kind: "integral",
      bools: "logical",
      backward: (g) => [g, g],
      saves: "none",
      symbols: ["1", "1"],
      local: [() => 1, () => 1],
    }),
    /** a − b. ∂/∂a = ḡ, ∂/∂b = −ḡ. */
    sub: binaryOp("sub", {
      f: (a, b) => a - b,
      arith: "sub",
      kind: "integral",
      bools: "refused",
      backward: (g, { needs }) => [g, ifNeeded(needs[1], () => neg(g))],
      saves: "none",
      symbols: ["1", "−1"],
      local: [() => 1, () => -1],
    }),
    /** a ⊙ b. ∂/∂a = ḡ ⊙ b, ∂/∂b = ḡ ⊙ a. */
    mul: binaryOp("mul", {
      f: (a, b) => a * b,
      arith: "mul",
      kind: "integral",
      bools: "logical",
      int: Math.imul,
      backward: (g, { inputs: [a, b], needs }) => [
        ifNeeded(needs[0], () => mul(g, b)),
        ifNeeded(needs[1], () => mul(g, a)),
      ],
      saves: "inputs",
      symbols: ["b", "a"],
      local: [(_a, b) => b, (a) => a],
    }),
    /** a / b. ∂/∂a = ḡ / b, ∂/∂b = −ḡ·a/b² = −ḡ·y/b. */
    div: binaryOp("div", {
      f: (a, b) => a / b,
      arith: "div",
      backward: (g, { inputs: [, b], result: y, needs }) => [
        ifNeeded(needs[0], () => div(g, b)),
        ifNeeded(needs[1], () => neg(div(mul(g, y), b))),
      ],
      symbols: ["1/b", "−a/b²"],
      local: [(_a, b) => 1 / b, (_a, b, y) => -y / b],
    }),
    /** aᵇ (C's pow). ∂/∂a = ḡ·b·aᵇ⁻¹ (0 where b = 0); ∂/∂b = ḡ·aᵇ·ln a (0 where a = 0 and b ≥ 0). */
    pow: binaryOp("pow", {
      f: m.pow,
      kind: "integral",
      int: intPow,
      backward: (g, { inputs: [a, b], result: y, needs }): [Tensor | null, Tensor | null] => {
        let ga: Tensor | null = null;
        if (needs[0]) {
          ga = mul(g, mul(b, pow(a, sub(b, 1))));
          if (!(b.size === 1 && b._s.data[0] !== 0)) ga = where(eq(b, 0), 0, ga);
        }
        let gb: Tensor | null = null;
        if (needs[1]) gb = where(mul(eq(a, 0), ge(b, 0)), 0, mul(g, mul(y, log(a))));
        return [ga, gb];
      },
      symbols: ["b·aᵇ⁻¹", "aᵇ·ln a"],
      local: [
        (a, b) => (b === 0 ? 0 : b * m.pow(a, b - 1)),
        (a, b, y) => (a === 0 && b >= 0 ? 0 : y * Math.log(a)),
      ],
      masked: [(_a, b) => b === 0, (a, b) => a === 0 && b >= 0],
    }),
    /** max(a, b), NaN if either is. ḡ to the larger operand, ½ḡ to each on ties, ḡ to both when either is NaN. */
    maximum: binaryOp("maximum", {
      f: m.maximum,
      kind: "integral",
      bools: "logical",
      backward: (g, { inputs: [a, b], needs }) => [
        ifNeeded(needs[0], () => extremumGrad(g, a, b, lt(a, b))),
        ifNeeded(needs[1], () => extremumGrad(g, a, b, gt(a, b))),
      ],
      saves: "inputs",
      symbols: ["[a ≥ b] (½ on ties)", "[b ≥ a] (½ on ties)"],
      local: [(a, b) => (a < b ? 0 : a === b ? 0.5 : 1), (a, b) => (a > b ? 0 : a === b ? 0.5 : 1)],
      masked: [(a, b) => a < b, (a, b) => a > b],
    }),
    /** min(a, b), NaN if either is. ḡ to the smaller operand, ½ḡ to each on ties, ḡ to both when either is NaN. */
    minimum: binaryOp("minimum", {
      f: m.minimum,
      kind: "integral",
      bools: "logical",
      backward: (g, { inputs: [a, b], needs }) => [
        ifNeeded(needs[0], () => extremumGrad(g, a, b, gt(a, b))),
        ifNeeded(needs[1], () => extremumGrad(g, a, b, lt(a, b))),
      ],
      saves: "inputs",
      symbols: ["[a ≤ b] (½ on ties)", "[b ≤ a] (½ on ties)"],
      local: [(a, b) => (a > b ? 0 : a === b ? 0.5 : 1), (a, b) => (a < b ? 0 : a === b ? 0.5 : 1)],
      masked: [(a, b) => a > b, (a, b) => a < b],
    }),
    /**
     * atan2(a, b): the angle of the point (b, a), in (−π, π] (`torch.atan2(input=a, other=b)`).
     * ∂/∂a = ḡ·b/(a² + b²), ∂/∂b = −ḡ·a/(a² + b²) (NaN at a = b = 0, as PyTorch).
     */
    atan2: binaryOp("atan2", {
      f: Math.atan2,
      backward: (g, { inputs: [a, b], needs }) => {
        const r = reciprocal(add(mul(a, a), mul(b, b)));
        return [
          ifNeeded(needs[0], () => mul(mul(g, b), r)),
          ifNeeded(needs[1], () => mul(mul(g, neg(a)), r)),
        ];
      },
      saves: "inputs",
      symbols: ["b/(a² + b²)", "−a/(a² + b²)"],
      local: [(a, b) => b * (1 / (a * a + b * b)), (a, b) => -a * (1 / (a * a + b * b))],
    }),
    /**
     * a mod b with the sign of b (Python's %, `torch.remainder`): a − b·⌊a/b⌋, NaN for b = 0.
     * ∂/∂a = ḡ, ∂/∂b = −ḡ·⌊a/b⌋ (⌊a/b⌋ as `div(a, b, rounding_mode="floor")`; PyTorch's rule).
     */
    remainder: binaryOp("remainder", {
      f: m.remainder,
      kind: "integral",
      int: (a, b) => m.remainder(a, nonzeroDivisor("remainder", b)),
      backward: (g, { inputs: [a, b], needs }) => [
        g,
        ifNeeded(needs[1], () => neg(mul(g, constantOf(a, b, m.floorDivide)))),
      ],
      saves: "inputs",
      symbols: ["1", "−floor(a/b)"],
      local: [() => 1, (a, b) => -m.floorDivide(a, b)],
    }),
    /**
     * ⌊a/b⌋ (Python's //, `torch.floor_divide`): int32 for integer operands (dividing by 0
     * throws), PyTorch's floor division for floats. Piecewise constant: not differentiable.
     */
    floorDivide: binaryOp("floorDivide", {
      f: m.floorDivide,
      kind: "integral",
      int: (a, b) => Math.floor(a / nonzeroDivisor("floorDivide", b)),
      symbols: NOT_DIFFERENTIABLE,
    }),
    /**
     * a = b, as bool (not differentiable), after promoting both to their common dtype.
     *
     * @example
     * tensor([1, 2, 3]).eq(tensor([1, 0, 3], { dtype: "int32" })).toArray(); // [true, false, true]
     */
    eq: binaryOp("eq", {
      f: (a, b) => (a === b ? 1 : 0),
      arith: "eq",
      kind: "compare",
      symbols: NOT_DIFFERENTIABLE,
    }),
    /**
     * a ≠ b, as bool (not differentiable; NaN ≠ NaN is true).
     *
     * @example
     * tensor([1, 2, Number.NaN]).ne(tensor([1, 3, Number.NaN])).toArray(); // [false, true, true]
     */
    ne: binaryOp("ne", { f: (a, b) => (a !== b ? 1 : 0), kind: "compare", symbols: NOT_DIFFERENTIABLE }),
    /** a > b, as bool (not differentiable). */
    gt: binaryOp("gt", {
      f: (a, b) => (a > b ? 1 : 0),
      arith: "gt",
      kind: "compare",
      symbols: NOT_DIFFERENTIABLE,
    }),
    /** a < b, as bool (not differentiable). */
    lt: binaryOp("lt", {
      f: (a, b) => (a < b ? 1 : 0),
      arith: "lt",
      kind: "compare",
      symbols: NOT_DIFFERENTIABLE,
    }),
    /** a ≥ b, as bool (not differentiable). */
    ge: binaryOp("ge", {
      f: (a, b) => (a >= b ? 1 : 0),
      arith: "ge",
      kind: "compare",
      symbols: NOT_DIFFERENTIABLE,
    }),
    /** a ≤ b, as bool (not differentiable). */
    le: binaryOp("le", {
      f: (a, b) => (a <= b ? 1 : 0),
      arith: "le",
      kind: "compare",
      symbols: NOT_DIFFERENTIABLE,
    }),
    /** a and b, as bool (nonzero, NaN included, is true). */
    logicalAnd: binaryOp("logicalAnd", {
      f: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
      kind: "logical",
      symbols: NOT_DIFFERENTIABLE,
    }),
    /** a or b, as bool (nonzero, NaN included, is true). */
    logicalOr: binaryOp("logicalOr", {
      f: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
      kind: "logical",
      symbols: NOT_DIFFERENTIABLE,
    }),
    /** a xor b, as bool (nonzero, NaN included, is true). */
    logicalXor: binaryOp("logicalXor", {
      f: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
      kind: "logical",
      symbols: NOT_DIFFERENTIABLE,
    }),
  };
}

export const addOp = binaryTable.add.op;
export const subOp = binaryTable.sub.op;
export const mulOp = binaryTable.mul.op;
export const divOp = binaryTable.div.op;
export const powOp = binaryTable.pow.op;
export const maximumOp = binaryTable.maximum.op;
export const minimumOp = binaryTable.minimum.op;
export const atan2Op = binaryTable.atan2.op;
export const remainderOp = binaryTable.remainder.op;
export const floorDivideOp = binaryTable.floorDivide.op;
export const eqOp = binaryTable.eq.op;
export const neOp = binaryTable.ne.op;
export const gtOp = binaryTable.gt.op;
export const ltOp = binaryTable.lt.op;
export const geOp = binaryTable.ge.op;
export const leOp = binaryTable.le.op;
export const logicalAndOp = binaryTable.logicalAnd.op;
export const logicalOrOp = binaryTable.logicalOr.op;
export const logicalXorOp = binaryTable.logicalXor.op;

/** An int32 divisor, checked: integer division by zero throws (as in PyTorch), it has no NaN to give. */
function nonzeroDivisor(op: string, b: number): number {
  if (b === 0) throw new ChainruleError(`${op}: integer division by zero (an int32 divisor is 0)`);
  return b;
}

/**
 * aᵇ on int32 by repeated squaring with wrapping products (C's integer pow, as PyTorch);
 * a negative exponent throws, as PyTorch: the result would not be an integer.
 */
function intPow(a: number, b: number): number {
  if (b < 0) {
    throw new ChainruleError(
      `pow: integers to negative integer powers are not allowed (exponent ${b}); convert to a float dtype first`,
    );
  }
  let result = 1;
  let base = a;
  for (let e = b; e > 0; e >>>= 1) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
  }
  return result;
}

/**
 * One elementwise unary op, declared once: everything chainrule knows about it. The tensor op
 * (`OpDef`), the function, the `Tensor` method, the `Value` method and op (`scalarOps`), the symbol
 * in explanations, the CLI function and the activation modules are all read from this row.
 */
export interface UnarySpec<A, Args extends unknown[]> {
  /** y = f(x) on one number (attributes bound): the kernel's element function, `Value`'s forward. */
  readonly f: (attrs: A) => (x: number) => number;
  /** A call-free typed-array loop (kernels/elementwise.ts), for the ops where speed needs one. */
  readonly loop?: UnaryLoop;
  /** ∂L/∂x from ḡ with tensor ops (so it is differentiable again); `x`, `y`: input, result. */
  readonly backward: (g: Tensor, ctx: BackwardContext<A, readonly [Tensor]>) => readonly [Tensor];
  /** What the backward reads (the version check): "inputs", "result", "both" or "none". */
  readonly saves: Saves;
  /** ∂y/∂x in words, for explanations; attribute names stand for their values (`slope`). */
  readonly symbol: string;
  /**
   * The scalar form, for `Value`: ∂y/∂x on numbers from the input x and the result y (the middle
   * argument is the absent second operand). Absent for ops without a `Value` twin.
   */
  readonly local?: LocalOf<A>;
  /**
   * Where `Value`'s ∂L/∂x is exactly 0 whatever ∂L/∂y is, even ±∞ or NaN (PyTorch's masking),
   * given the attributes (hardtanh's bounds).
   */
  readonly masked?: (attrs: A) => (x: number) => boolean;
  /** Checks the arguments after x (defaults included; `op` names the caller in errors), makes the attributes. */
  readonly attrs?: (op: string, ...args: Args) => A;
  /** False for ops without a public method (sign: a backward's helper). */
  readonly method?: boolean;
  /**
   * Set for the rows that keep integers (neg, abs, relu, rounding, clamp with integral bounds):
   * whether int32 (and bool, as int32) input gives an int32 result for these attributes. Other
   * rows compute int32 and bool input in float64.
   */
  readonly integral?: (attrs: A) => boolean;
}

/** What a unary row produces (see `UnarySpec`). */
export interface UnaryOp<A, Args extends unknown[]> {
  readonly name: string;
  /** The recorded tensor op. */
  readonly op: OpDef<A, readonly [Tensor]>;
  /** The function: `fn(x, ...args)` is `x.<name>(...args)`. */
  readonly fn: (x: Tensor, ...args: Args) => Tensor;
  /** Checks `fn`'s arguments after x and makes the op's attributes (`op` names the caller in errors). */
  readonly checkArgs: (op: string, ...args: Args) => A;
  /** ∂y/∂x in words (attribute names, not values). */
  readonly symbol: string;
  /** The `Value` op for these arguments (shared per distinct arguments), if the op has a scalar form. */
  readonly scalar: ((...args: Args) => ScalarOp) | undefined;
  /** Whether `Tensor` (and `Value`, with a scalar form) have a method of this name. */
  readonly method: boolean;
  /** Whether the op takes arguments after x (leakyRelu's slope): then no single `Value` op. */
  readonly parameterized: boolean;
}

/**
 * How many attribute values (leakyRelu slopes…) keep a shared `Value` op. A program uses a
 * handful, and their nodes share one op each; past this many, each node gets an op of its own,
 * freed with the node, so no value is remembered forever.
 */
export const SCALAR_ATTRS_CACHE_LIMIT = 64;

/** ∂y/∂x of a unary `Value` op: from the input x and the result y (the middle argument is unused). */
type LocalOf<A> = (attrs: A) => (x: number, _: number, y: number) => number;

/** A row with a scalar form (`local`): `scalar` makes its `Value` op. */
type WithScalar<Args extends unknown[]> = { readonly scalar: (...args: Args) => ScalarOp };
/** What `unaryOp` returns besides the `UnaryOp` fields it types more precisely. */
type Extras<M extends boolean> = { readonly method: M; readonly cache: Map<string, ScalarOp> };

function unaryOp<A = undefined, Args extends unknown[] = [], M extends boolean = true>(
  name: string,
  spec: UnarySpec<A, Args> & { readonly method?: M; readonly local: LocalOf<A> },
): UnaryOp<A, Args> & WithScalar<Args> & Extras<M>;
function unaryOp<A = undefined, Args extends unknown[] = [], M extends boolean = true>(
  name: string,
  spec: UnarySpec<A, Args> & { readonly method?: M; readonly local?: undefined },
): UnaryOp<A, Args> & { readonly scalar: undefined } & Extras<M>;
function unaryOp<A, Args extends unknown[], M extends boolean>(
  name: string,
  spec: UnarySpec<A, Args> & { readonly method?: M },
): UnaryOp<A, Args> & Extras<M> {
  const { f, loop, saves, backward, local, masked } = spec;
  const checkArgs = spec.attrs ?? ((() => undefined) as unknown as (op: string, ...args: Args) => A);
  const makeAttrs = (...args: Args): A => checkArgs(name, ...args);
  const { integral } = spec;
  const op: OpDef<A, readonly [Tensor]> = {
    name,
    saves,
    // integral rows also run on int32 (see `input`); the others only ever see floats (apply)
    ...(integral ? { dtypes: "any" as const } : {}),
    forward: ([x], attrs) => {
      if (x.dtype === "int32") {
        const out = new Int32Array(x.size);
        map(x._s.data, out, f(attrs));
        return { shape: x.shape, data: out };
      }
      const out = allocFloat(x, x.size);
      if (loop) loop(floatData(x), out);
      else map(x._s.data, out, f(attrs));
      return { shape: x.shape, data: out };
    },
    backward,
  };
  // the operand an integral row computes on: int32 stays int32 (bool becomes int32) when the
  // row keeps integers for these arguments, else float64 (PyTorch's rule for abs, clamp, …)
  const input = (x: Tensor, attrs: A): Tensor => {
    checkTensor(x, name);
    if (integral === undefined || isFloat(x.dtype)) return x;
    if (!integral(attrs)) return astype(x, "float64");
    return x.dtype === "bool" ? astype(x, "int32") : x;
  };
  const fn: (x: Tensor, ...args: Args) => Tensor =
    spec.attrs === undefined
      ? (((x: Tensor): Tensor => apply(op, [input(x, undefined as A)], undefined as A)) as unknown as (
          x: Tensor,
          ...args: Args
        ) => Tensor)
      : (x: Tensor, ...args: Args): Tensor => {
          const attrs = makeAttrs(...args);
          return apply(op, [input(x, attrs)], attrs);
        };
  const cache = new Map<string, ScalarOp>();
  const scalarOp = (attrs: A): ScalarOp => {
    let symbol = spec.symbol;
    if (attrs !== undefined) {
      for (const [k, v] of Object.entries(attrs as object))
        symbol = symbol.replace(new RegExp(`\\b${k}\\b`, "g"), String(v));
    }
    return {
      name,
      arity: 1,
      forward: f(attrs),
      local: [(local as NonNullable<typeof local>)(attrs)],
      ...(masked ? { masked: [masked(attrs)] } : {}),
      symbols: [symbol],
    };
  };
  let scalar: ((...args: Args) => ScalarOp) | undefined;
  if (local !== undefined) {
    if (spec.attrs === undefined) {
      const rule = scalarOp(undefined as A);
      scalar = () => rule;
    } else {
      scalar = (...args: Args) => {
        const attrs = makeAttrs(...args);
        const key = JSON.stringify(attrs);
        let rule = cache.get(key);
        if (rule === undefined) {
          rule = scalarOp(attrs);
          if (cache.size < SCALAR_ATTRS_CACHE_LIMIT) cache.set(key, rule);
        }
        return rule;
      };
    }
  }
  return {
    name,
    op,
    fn,
    checkArgs,
    symbol: spec.symbol,
    scalar,
    method: (spec.method ?? true) as M,
    parameterized: spec.attrs !== undefined,
    cache,
  };
}

/**
 * SELU's α and scale: PyTorch's 1.6732632423543772848170429916717 and
 * 1.0507009873554804934193349852946, as doubles; and their product.
 */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const SELU_SCALE_ALPHA = SELU_SCALE * SELU_ALPHA;

/** A clamp bound that keeps an int32 tensor int32: an integer, or ±∞ (an open side). */
const isIntegralBound = (b: number): boolean => Number.isInteger(b) || !Number.isFinite(b);

/** x clamped into [min, max] (NaN stays NaN): clamp's and hardtanh's forward. */
const clampTo =
  (min: number, max: number) =>
  (x: number): number =>
    x < min ? min : Math.min(x, max);

/**
 * Checks a pair of bounds (numbers, ±∞ allowed, NaN refused, lower ≤ upper) named `names` in
 * errors (clamp's min and max, hardtanh's minVal and maxVal).
 */
function checkBounds(
  op: string,
  names: readonly [string, string],
  lower: number,
  upper: number,
): [number, number] {
  const lo = checkNumber(lower, op, names[0]);
  const hi = checkNumber(upper, op, names[1]);
  if (lo > hi) throw new ChainruleError(`${op}: ${names[0]} ${lo} is greater than ${names[1]} ${hi}`);
  return [lo, hi];
}

/**
 * A rounding op (floor, ceil, round, trunc; and sign): piecewise constant, so its gradient is exactly 0
 * wherever it is defined, a constant zero tensor (as PyTorch's zeros_like(grad): even an
 * infinite ḡ gives 0), and 0 for `Value` too.
 */
function roundingOp(
  name: string,
  f: (x: number) => number,
): UnaryOp<undefined, []> & WithScalar<[]> & Extras<true> {
  return unaryOp(name, {
    f: () => f,
    integral: () => true,
    backward: (g: Tensor): [Tensor] => [new Tensor(alloc(g, g.size), g.shape)],
    saves: "none",
    symbol: "0",
    local: () => () => 0,
    masked: () => () => true,
  });
}

// `var`, not `let`: hoisted, so it reads as undefined, never as "not initialised" (see unaryTable)
var unaryRows: ReturnType<typeof buildUnaryTable> | undefined;

/**
 * THE elementwise unary ops, one row each (see `UnarySpec`). Built on first use rather than at
 * load: `Tensor` gets one method per row when tensor.ts loads, and tensor.ts and this file import
 * each other, so whichever of the two loads first must already be able to read the rows.
 */
export function unaryTable(): ReturnType<typeof buildUnaryTable> {
  if (unaryRows === undefined) unaryRows = buildUnaryTable();
  return unaryRows;
}

function buildUnaryTable() {
  return {
    /** −x. ∂ = −ḡ. */
    neg: unaryOp("neg", {
      integral: () => true,
      f: () => (x) => -x,
      loop: unaryLoops.neg,
      backward: (g) => [neg(g)],
      saves: "none",
      symbol: "−1",
      local: () => () => -1,
    }),
    /** eˣ. ∂ = ḡ ⊙ eˣ. */
    exp: unaryOp("exp", {
      f: () => Math.exp,
      loop: unaryLoops.exp,
      backward: (g, { result: y }) => [mul(g, y)],
      saves: "result",
      symbol: "eˣ",
      local: () => (_x, _, y) => y,
    }),
    /** ln x. ∂ = ḡ / x. */
    log: unaryOp("log", {
      f: () => Math.log,
      loop: unaryLoops.log,
      backward: (g, { inputs: [x] }) => [div(g, x)],
      saves: "inputs",
      symbol: "1/x",
      local: () => (x) => 1 / x,
    }),
    /** √x. ∂ = ḡ / (2√x). */
    sqrt: unaryOp("sqrt", {
      f: () => Math.sqrt,
      loop: unaryLoops.sqrt,
      backward: (g, { result: y }) => [div(g, mul(y, 2))],
      saves: "result",
      symbol: "1/(2√x)",
      local: () => (_x, _, y) => 1 / (2 * y),
    }),
    /** |x|. ∂ = ḡ ⊙ sign(x), with abs′(0) = 0. */
    abs: unaryOp("abs", {
      integral: () => true,
      f: () => Math.abs,
      loop: unaryLoops.abs,
      backward: (g, { inputs: [x] }) => [mul(g, sign(x))],
      saves: "inputs",
      symbol: "sign(x)",
      local: () => (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
    }),
    /** tanh x. ∂ = ḡ ⊙ (1 − tanh²x). */
    tanh: unaryOp("tanh", {
      f: () => Math.tanh,
      loop: unaryLoops.tanh,
      backward: (g, { result: y }) => [mul(g, sub(1, mul(y, y)))],
      saves: "result",
      symbol: "1 − tanh²(x)",
      local: () => (_x, _, y) => 1 - y * y,
    }),
    /** σ(x) = 1/(1 + e⁻ˣ), overflow-safe. ∂ = ḡ ⊙ σ(x)(1 − σ(x)). */
    sigmoid: unaryOp("sigmoid", {
      f: () => m.sigmoid,
      loop: unaryLoops.sigmoid,
      backward: (g, { result: y }) => [mul(g, mul(y, sub(1, y)))],
      saves: "result",
      symbol: "σ(x)(1 − σ(x))",
      local: () => (_x, _, y) => y * (1 - y),
    }),
    /** max(0, x). ∂ = ḡ ⊙ [x > 0] (relu′(0) = 0), exactly 0 where x ≤ 0 (PyTorch's threshold_backward). */
    relu: unaryOp("relu", {
      integral: () => true,
      f: () => (x) => Math.max(x, 0),
      loop: reluKernel,
      backward: (g, { inputs: [x] }) => [reluBackward(x, g)],
      saves: "inputs",
      symbol: "[x > 0]",
      local: () => (x) => (x > 0 ? 1 : 0),
      masked: () => (x) => !(x > 0),
    }),
    /** x if x > 0 else slope·x (a finite slope, default 0.01). ∂ = ḡ ⊙ (1 if x > 0 else slope). */
    leakyRelu: unaryOp<{ slope: number }, [slope?: number]>("leakyRelu", {
      f:
        ({ slope }) =>
        (x) =>
          x > 0 ? x : slope * x,
      backward: (g, { inputs: [x], attrs }) => [where(gt(x, 0), g, mul(g, attrs.slope))],
      saves: "inputs",
      symbol: "1 if x > 0 else slope",
      local:
        ({ slope }) =>
        (x) =>
          x > 0 ? 1 : slope,
      attrs: (op, slope = 0.01) => ({ slope: checkFinite(slope, op, "slope") }),
    }),
    /** GELU, exact erf form x·Φ(x). ∂ = ḡ ⊙ (Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π). */
    gelu: unaryOp("gelu", {
      f: () => m.gelu,
      backward: (g, { inputs: [x] }) => {
        const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
        const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return [mul(g, add(cdf, mul(x, pdf)))];
      },
      saves: "inputs",
      symbol: "Φ(x) + x·φ(x)",
      local: () => (x) => m.geluGrad(x),
    }),
    /**
     * ELU: x if x > 0 else α(eˣ − 1) (α finite, default 1; `torch.nn.functional.elu`).
     * ∂ = ḡ if x > 0 else ḡ ⊙ (y + α) (PyTorch's elu_backward, from the result; elu′(0) = α).
     *
     * @example
     * tensor([-1, 0, 2]).elu(0.5).toArray(); // [-0.31606027941427883, 0, 2]
     */
    elu: unaryOp<{ alpha: number }, [alpha?: number]>("elu", {
      f:
        ({ alpha }) =>
        (x) =>
          x > 0 ? x : alpha * Math.expm1(x),
      backward: (g, { inputs: [x], result: y, attrs }) => [mul(g, where(gt(x, 0), 1, add(y, attrs.alpha)))],
      saves: "both",
      symbol: "1 if x > 0 else y + alpha",
      local:
        ({ alpha }) =>
        (x, _, y) =>
          x > 0 ? 1 : y + alpha,
      attrs: (op, alpha = 1) => ({ alpha: checkFinite(alpha, op, "alpha") }),
    }),
    /** ln(1 + eˣ), exactly x above 20 (PyTorch). ∂ = ḡ ⊙ σ(x) (1 above 20). */
    softplus: unaryOp("softplus", {
      f: () => m.softplus,
      backward: (g, { inputs: [x] }) => [mul(g, where(gt(x, 20), 1, sigmoid(x)))],
      saves: "inputs",
      symbol: "σ(x)",
      local: () => (x) => m.softplusGrad(x),
    }),
    /**
     * SELU: scale·(x if x > 0 else α(eˣ − 1)), PyTorch's constants α ≈ 1.6733, scale ≈ 1.0507.
     * ∂ = ḡ·scale if x > 0 else ḡ ⊙ (y + scale·α) (= ḡ·scale·α·eˣ).
     */
    selu: unaryOp("selu", {
      f: () => (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
      backward: (g, { inputs: [x], result: y }) => [
        mul(g, where(gt(x, 0), SELU_SCALE, add(y, SELU_SCALE_ALPHA))),
      ],
      saves: "both",
      symbol: "scale if x > 0 else y + scale·α",
      local: () => (x, _, y) => (x > 0 ? SELU_SCALE : y + SELU_SCALE_ALPHA),
    }),
    /** SiLU (swish): x·σ(x), overflow-safe. ∂ = ḡ ⊙ σ(x)(1 + x(1 − σ(x))). */
    silu: unaryOp("silu", {
      f: () => m.silu,
      backward: (g, { inputs: [x] }) => {
        const s = sigmoid(x);
        return [mul(g, mul(s, add(mul(x, sub(1, s)), 1)))];
      },
      saves: "inputs",
      symbol: "σ(x)(1 + x(1 − σ(x)))",
      local: () => (x) => m.siluGrad(x),
    }),
    /**
     * Mish: x·tanh(softplus(x)), finite everywhere. ∂ = ḡ ⊙ (t + x·σ(x)(1 − t²)),
     * t = tanh(softplus(x)).
     */
    mish: unaryOp("mish", {
      f: () => m.mish,
      backward: (g, { inputs: [x] }) => {
        const t = tanh(softplus(x));
        return [mul(g, add(t, mul(mul(x, sigmoid(x)), sub(1, mul(t, t)))))];
      },
      saves: "inputs",
      symbol: "t + x·σ(x)(1 − t²), t = tanh(softplus(x))",
      local: () => (x) => m.mishGrad(x),
    }),
    /** ln(1 + x), accurate near 0. ∂ = ḡ / (1 + x). */
    log1p: unaryOp("log1p", {
      f: () => Math.log1p,
      backward: (g, { inputs: [x] }) => [div(g, add(x, 1))],
      saves: "inputs",
      symbol: "1/(1 + x)",
      local: () => (x) => 1 / (x + 1),
    }),
    /** eˣ − 1, accurate near 0. ∂ = ḡ ⊙ (y + 1). */
    expm1: unaryOp("expm1", {
      f: () => Math.expm1,
      backward: (g, { result: y }) => [mul(g, add(y, 1))],
      saves: "result",
      symbol: "eˣ",
      local: () => (_x, _, y) => y + 1,
    }),
    /** 1/x. ∂ = −ḡ ⊙ y². */
    reciprocal: unaryOp("reciprocal", {
      f: () => (x) => 1 / x,
      backward: (g, { result: y }) => [mul(neg(g), mul(y, y))],
      saves: "result",
      symbol: "−1/x²",
      local: () => (_x, _, y) => -(y * y),
    }),
    /** 1/√x. ∂ = −½ḡ ⊙ y³. */
    rsqrt: unaryOp("rsqrt", {
      f: () => (x) => 1 / Math.sqrt(x),
      backward: (g, { result: y }) => [mul(g, mul(mul(mul(y, y), y), -0.5))],
      saves: "result",
      symbol: "−1/(2x√x)",
      local: () => (_x, _, y) => y * y * y * -0.5,
    }),
    /** tan x. ∂ = ḡ ⊙ (1 + y²). */
    tan: unaryOp("tan", {
      f: () => Math.tan,
      backward: (g, { result: y }) => [mul(g, add(mul(y, y), 1))],
      saves: "result",
      symbol: "1 + tan²x",
      local: () => (_x, _, y) => y * y + 1,
    }),
    /** arcsin x, NaN outside [−1, 1]. ∂ = ḡ / √(1 − x²). */
    asin: unaryOp("asin", {
      f: () => Math.asin,
      backward: (g, { inputs: [x] }) => [mul(g, rsqrt(sub(1, mul(x, x))))],
      saves: "inputs",
      symbol: "1/√(1 − x²)",
      local: () => (x) => 1 / Math.sqrt(1 - x * x),
    }),
    /** arccos x, NaN outside [−1, 1]. ∂ = −ḡ / √(1 − x²). */
    acos: unaryOp("acos", {
      f: () => Math.acos,
      backward: (g, { inputs: [x] }) => [neg(mul(g, rsqrt(sub(1, mul(x, x)))))],
      saves: "inputs",
      symbol: "−1/√(1 − x²)",
      local: () => (x) => -(1 / Math.sqrt(1 - x * x)),
    }),
    /** arctan x. ∂ = ḡ / (1 + x²). */
    atan: unaryOp("atan", {
      f: () => Math.atan,
      backward: (g, { inputs: [x] }) => [div(g, add(mul(x, x), 1))],
      saves: "inputs",
      symbol: "1/(1 + x²)",
      local: () => (x) => 1 / (x * x + 1),
    }),
    /** sinh x. ∂ = ḡ ⊙ cosh x. */
    sinh: unaryOp("sinh", {
      f: () => Math.sinh,
      backward: (g, { inputs: [x] }) => [mul(g, cosh(x))],
      saves: "inputs",
      symbol: "cosh x",
      local: () => (x) => Math.cosh(x),
    }),
    /** cosh x. ∂ = ḡ ⊙ sinh x. */
    cosh: unaryOp("cosh", {
      f: () => Math.cosh,
      backward: (g, { inputs: [x] }) => [mul(g, sinh(x))],
      saves: "inputs",
      symbol: "sinh x",
      local: () => (x) => Math.sinh(x),
    }),
    /** sin x. ∂ = ḡ ⊙ cos x. */
    sin: unaryOp("sin", {
      f: () => Math.sin,
      backward: (g, { inputs: [x] }) => [mul(g, cos(x))],
      saves: "inputs",
      symbol: "cos x",
      local: () => (x) => Math.cos(x),
    }),
    /** cos x. ∂ = −ḡ ⊙ sin x. */
    cos: unaryOp("cos", {
      f: () => Math.cos,
      backward: (g, { inputs: [x] }) => [neg(mul(g, sin(x)))],
      saves: "inputs",
      symbol: "−sin x",
      local: () => (x) => -Math.sin(x),
    }),
    /** The error function. ∂ = ḡ ⊙ (2/√π)·e^(−x²). */
    erf: unaryOp("erf", {
      f: () => m.erf,
      backward: (g, { inputs: [x] }) => [mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))],
      saves: "inputs",
      symbol: "(2/√π)·e^(−x²)",
    }),
    /** x², as `x·x`. ∂ = ḡ ⊙ 2x. */
    square: unaryOp("square", {
      f: () => (x) => x * x,
      loop: unaryLoops.square,
      backward: (g, { inputs: [x] }) => [mul(g, mul(x, 2))],
      saves: "inputs",
      symbol: "2x",
    }),
    /**
     * sign(x) ∈ {−1, 0, 1}: 1 for x > 0, −1 for x < 0, 0 for ±0 (sign kept) and NaN (as
     * `torch.sign`); int32 stays int32. Piecewise constant: ∂ = 0 everywhere, sign′(0) = 0 included
     * (exactly 0, as PyTorch's zeros_like: even an infinite ḡ gives 0).
     *
     * @example
     * tensor([-2.5, 0, 3]).sign().toArray(); // [-1, 0, 1]
     */
    sign: roundingOp("sign", m.sign),
    /** ⌊x⌋, the largest integer ≤ x. Piecewise constant: ∂ = 0 (exactly, as PyTorch). */
    floor: roundingOp("floor", Math.floor),
    /** ⌈x⌉, the smallest integer ≥ x. ∂ = 0 (exactly, as PyTorch). */
    ceil: roundingOp("ceil", Math.ceil),
    /** x rounded to the nearest integer, ties to even (`torch.round`: 2.5 → 2, −0.5 → −0). ∂ = 0. */
    round: roundingOp("round", m.roundHalfEven),
    /** x with its fraction dropped (rounded toward 0). ∂ = 0 (exactly, as PyTorch). */
    trunc: roundingOp("trunc", Math.trunc),
    /**
     * Clamps into [min, max]; `null`/`undefined` leaves that side open. Bounds are numbers (±∞
     * allowed, NaN refused) with min ≤ max. ∂ = ḡ where min ≤ x ≤ max, else 0.
     */
    clamp: unaryOp<{ min: number; max: number }, [min?: number | null, max?: number | null]>("clamp", {
      // integral bounds (or open sides) keep int32; a fractional bound computes in float64
      integral: ({ min, max }) => isIntegralBound(min) && isIntegralBound(max),
      f: ({ min, max }) => clampTo(min, max),
      backward: (g, { inputs: [x], attrs }) => [mul(g, mul(ge(x, attrs.min), le(x, attrs.max)))],
      saves: "inputs",
      symbol: "[min ≤ x ≤ max]",
      attrs: (op, min, max) => {
        const [lo, hi] = checkBounds(
          op,
          ["min", "max"],
          min ?? Number.NEGATIVE_INFINITY,
          max ?? Number.POSITIVE_INFINITY,
        );
        return { min: lo, max: hi };
      },
    }),
    /**
     * HardTanh: x clamped into [minVal, maxVal] (numbers, default −1 and 1, minVal ≤ maxVal).
     * ∂ = ḡ strictly inside, exactly 0 where x ≤ minVal or x ≥ maxVal (PyTorch's
     * hardtanh_backward: unlike clamp, no gradient at the bounds).
     */
    hardtanh: unaryOp<{ minVal: number; maxVal: number }, [minVal?: number, maxVal?: number]>("hardtanh", {
      f: ({ minVal, maxVal }) => clampTo(minVal, maxVal),
      backward: (g, { inputs: [x], attrs }) => [where(add(le(x, attrs.minVal), ge(x, attrs.maxVal)), 0, g)],
      saves: "inputs",
      symbol: "[minVal < x < maxVal]",
      // 0 (and masked: 0 even for an infinite ∂L/∂y) at and beyond the bounds, else 1
      local:
        ({ minVal, maxVal }) =>
        (x) =>
          x <= minVal || x >= maxVal ? 0 : 1,
      masked:
        ({ minVal, maxVal }) =>
        (x) =>
          x <= minVal || x >= maxVal,
      attrs: (op, minVal = -1, maxVal = 1) => {
        const [lo, hi] = checkBounds(op, ["minVal", "maxVal"], minVal, maxVal);
        return { minVal: lo, maxVal: hi };
      },
    }),
  };
}

/** The unary table's type: one `UnaryOp` per row. */
export type UnaryTable = ReturnType<typeof unaryTable>;

/**
 * where(cond, a, b): a where cond ≠ 0, else b; all three broadcast.
 * ∂/∂a = where(cond, ḡ, 0), ∂/∂b = where(cond, 0, ḡ); cond gets no gradient.
 */
export const whereOp: OpDef<undefined, readonly [Tensor, Tensor, Tensor]> = {
  name: "where",
  saves: "inputs",
  dtypes: "any",
  forward: ([cond, x, y]) => {
    const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape, "where"), y.shape, "where");
    const n = checkResultShape(shape, "where");
    // an operand with all n elements or just one is read as it is (relu's backward,
    // where(x > 0, ḡ, 0)); only the others are copied out to the result's shape first
    const spread = (t: Tensor, make: (size: number) => TypedArray): TypedArray => {
      if (t.size === n || t.size === 1) return t._s.data;
      const full = make(n);
      broadcastTo(t._s.data, t.shape, full, shape);
      return full;
    };
    const out = alloc(x, n);
    const like = (size: number) => alloc(x, size);
    select(
      spread(cond, (size) => new Float64Array(size)),
      spread(x, like),
      spread(y, like),
      out,
    );
    return { shape, data: out };
  },
  backward: (g, ctx) => {
    const [cond] = ctx.inputs;
    return [null, ctx.needs[1] ? where(cond, g, 0) : null, ctx.needs[2] ? where(cond, 0, g) : null];
  },
};

/**
 * ReLU's backward as one op: ḡ where x > 0, else 0 (PyTorch's threshold_backward), in one pass
 * instead of a comparison and a `where`. Linear in ḡ, so ∂/∂ḡ is the same mask:
 * ∂ = reluBackward(x, ḡ′); x gets no gradient (the mask is constant almost everywhere).
 */
export const reluBackwardOp: OpDef<undefined, readonly [Tensor, Tensor]> = {
  name: "reluBackward",
  saves: "inputs",
  forward: ([x, g]) => {
    if (!sameShape(x.shape, g.shape)) {
      throw new ChainruleError(
        `reluBackward: input ${fmtShape(x.shape)} and gradient ${fmtShape(g.shape)} must have the same shape`,
      );
    }
    const out = allocFloat(g, g.size);
    reluBackwardKernel(floatData(x), floatData(g), out);
    return { shape: g.shape, data: out };
  },
  backward: (gg, { inputs: [x], needs }) => [null, needs[1] ? reluBackward(x, gg) : null],
};

/** ḡ ⊙ [x > 0] for x and ḡ of one shape (see `reluBackwardOp`): ReLU's backward, one node. */
export const reluBackward = (x: Tensor, g: Tensor): Tensor => apply(reluBackwardOp, [x, g], undefined);

// ---- the public functions (first operand a tensor; number operands become constants) ----

function binary(
  def: OpDef<undefined, readonly [Tensor, Tensor]>,
  a: Tensor | number,
  b: Tensor | number,
): Tensor {
  if (
    REFUSES_BOOL.has(def) &&
    ((a instanceof Tensor && a.dtype === "bool") || (b instanceof Tensor && b.dtype === "bool"))
  ) {
    throw new ChainruleError(
      `${def.name}: a bool operand is not supported, as in PyTorch (invert a mask with logicalNot, or convert with astype("int32") first)`,
    );
  }
  if (!(a instanceof Tensor)) {
    if (!(b instanceof Tensor))
      throw new ChainruleError(
        `${def.name}: one operand must be a Tensor, got ${describe(a)} and ${describe(b)}`,
      );
    return apply(def, promote([lift(a, b, def.name), b] as const), undefined);
  }
  return apply(def, promote([a, lift(b, a, def.name)] as const), undefined);
}

export const add = (a: Tensor | number, b: Tensor | number): Tensor => binary(addOp, a, b);
export const sub = (a: Tensor | number, b: Tensor | number): Tensor => binary(subOp, a, b);
export const mul = (a: Tensor | number, b: Tensor | number): Tensor => binary(mulOp, a, b);
export const div = (a: Tensor | number, b: Tensor | number): Tensor => binary(divOp, a, b);
export const pow = (a: Tensor | number, b: Tensor | number): Tensor => binary(powOp, a, b);
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => binary(maximumOp, a, b);
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => binary(minimumOp, a, b);
export const atan2 = (a: Tensor | number, b: Tensor | number): Tensor => binary(atan2Op, a, b);
export const remainder = (a: Tensor | number, b: Tensor | number): Tensor => binary(remainderOp, a, b);
/**
 * ⌊a/b⌋ elementwise with broadcasting (Python's //, `torch.floor_divide`): int32 for integer
 * operands (an int32 divisor of 0 throws), floor division for floats. Not differentiable.
 *
 * @example
 * floorDivide(tensor([7, -7], { dtype: "int32" }), 2).toArray(); // [3, -4]
 * floorDivide(tensor([7.5, -7.5]), 2).toArray();                 // [3, -4]
 */
export const floorDivide = (a: Tensor | number, b: Tensor | number): Tensor => binary(floorDivideOp, a, b);
export const eq = (a: Tensor | number, b: Tensor | number): Tensor => binary(eqOp, a, b);
export const ne = (a: Tensor | number, b: Tensor | number): Tensor => binary(neOp, a, b);
export const gt = (a: Tensor | number, b: Tensor | number): Tensor => binary(gtOp, a, b);
export const lt = (a: Tensor | number, b: Tensor | number): Tensor => binary(ltOp, a, b);
export const ge = (a: Tensor | number, b: Tensor | number): Tensor => binary(geOp, a, b);
export const le = (a: Tensor | number, b: Tensor | number): Tensor => binary(leOp, a, b);
/**
 * a and b elementwise with broadcasting, as a bool tensor (any dtype in: nonzero, NaN included,
 * is true).
 *
 * @example
 * logicalAnd(tensor([0, 1, 2]), tensor([true, true, false])).toArray(); // [false, true, false]
 */
export const logicalAnd = (a: Tensor | number, b: Tensor | number): Tensor => binary(logicalAndOp, a, b);
/**
 * a or b elementwise with broadcasting, as a bool tensor (nonzero, NaN included, is true).
 *
 * @example
 * logicalOr(tensor([0, 0, 2]), tensor([0, 1, 0])).toArray(); // [false, true, true]
 */
export const logicalOr = (a: Tensor | number, b: Tensor | number): Tensor => binary(logicalOrOp, a, b);
/**
 * a xor b elementwise with broadcasting, as a bool tensor (nonzero, NaN included, is true).
 *
 * @example
 * logicalXor(tensor([0, 1, 1]), tensor([1, 1, 0])).toArray(); // [true, false, true]
 */
export const logicalXor = (a: Tensor | number, b: Tensor | number): Tensor => binary(logicalXorOp, a, b);

/** not x, as bool (x = 0 is true; NaN is nonzero, so false). Not differentiable. */
export const logicalNotOp: OpDef<undefined, readonly [Tensor]> = {
  name: "logicalNot",
  saves: "none",
  dtypes: "any",
  forward: ([x]) => {
    const out = new Uint8Array(x.size);
    const data = x._s.data;
    for (let i = 0; i < out.length; i++) out[i] = data[i] === 0 ? 1 : 0;
    return { shape: x.shape, data: out };
  },
};

/** not x, elementwise, as a bool tensor (zero is false, anything else, NaN included, true). */
export const logicalNot = (x: Tensor): Tensor =>
  apply(logicalNotOp, [checkTensor(x, "logicalNot")], undefined);

export const neg = (x: Tensor): Tensor => unaryTable().neg.fn(x);
export const exp = (x: Tensor): Tensor => unaryTable().exp.fn(x);
export const log = (x: Tensor): Tensor => unaryTable().log.fn(x);
export const sqrt = (x: Tensor): Tensor => unaryTable().sqrt.fn(x);
export const abs = (x: Tensor): Tensor => unaryTable().abs.fn(x);
export const sin = (x: Tensor): Tensor => unaryTable().sin.fn(x);
export const cos = (x: Tensor): Tensor => unaryTable().cos.fn(x);
export const tanh = (x: Tensor): Tensor => unaryTable().tanh.fn(x);
export const sigmoid = (x: Tensor): Tensor => unaryTable().sigmoid.fn(x);
export const relu = (x: Tensor): Tensor => unaryTable().relu.fn(x);
export const gelu = (x: Tensor): Tensor => unaryTable().gelu.fn(x);
export const softplus = (x: Tensor): Tensor => unaryTable().softplus.fn(x);
export const erf = (x: Tensor): Tensor => unaryTable().erf.fn(x);
export const square = (x: Tensor): Tensor => unaryTable().square.fn(x);
/**
 * sign(x) elementwise: 1, −1, or 0 (for ±0 and NaN), as `torch.sign`; int32 stays int32.
 * ∂ = 0 (exactly, sign′(0) = 0 included).
 *
 * @example
 * sign(tensor([-3, 0, 0.5])).toArray(); // [-1, 0, 1]
 */
export const sign = (x: Tensor): Tensor => unaryTable().sign.fn(x);
export const reciprocal = (x: Tensor): Tensor => unaryTable().reciprocal.fn(x);
export const rsqrt = (x: Tensor): Tensor => unaryTable().rsqrt.fn(x);
export const sinh = (x: Tensor): Tensor => unaryTable().sinh.fn(x);
export const cosh = (x: Tensor): Tensor => unaryTable().cosh.fn(x);
/** x if x > 0 else slope·x (default slope 0.01). */
export const leakyRelu = (x: Tensor, slope?: number): Tensor => unaryTable().leakyRelu.fn(x, slope);
/**
 * Clamps into [min, max]; `null`/`undefined` leaves that side open. Bounds are numbers (±∞
 * allowed, NaN refused) with min ≤ max.
 */
export const clamp = (x: Tensor, min?: number | null, max?: number | null): Tensor =>
  unaryTable().clamp.fn(x, min, max);

/**
 * Elementwise selection: `a` where `cond` is nonzero, else `b`; the three broadcast together.
 * Numbers are accepted for `a` and `b` (at least one of them a tensor, unless `cond` is one).
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkTensor(cond, "where", "cond");
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : cond;
  const [x, y] = promote([lift(a, like, "where"), lift(b, like, "where")] as const);
  return apply(whereOp, [cond, x, y], undefined);
}

// `var`: hoisted, so methods.ts can read it (as undefined) before this file has run
var elementwiseLoaded: true | undefined;
/** @internal Whether this file has finished loading (see `installMethods` in methods.ts). */
export function isElementwiseLoaded(): boolean {
  return elementwiseLoaded === true;
}
elementwiseLoaded = true;
installMethods();
