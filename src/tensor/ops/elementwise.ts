/**
 * Elementwise ops: one `OpDef` each, forward (a kernel call) beside backward (tensor ops, so it
 * is differentiable again). ḡ is the incoming gradient `g`; `x`, `a`, `b` the inputs; `y` the
 * result. Broadcast gradients are summed back to the inputs' shapes by the engine (`sumTo`).
 */
import { ChainruleError, describe } from "../../errors";
import { checkFinite, checkNumber } from "../../validate";
import {
  type Arith,
  arith,
  type Binary,
  broadcastTo,
  map,
  type Unary,
  unaryLoops,
  zip,
} from "../kernels/elementwise";
import * as m from "../kernels/scalar";
import { broadcastShapes, checkResultShape } from "../shape";
import { apply, type OpDef, Tensor } from "../tensor";
import { alloc, checkSameDType, checkTensor, lift } from "./util";

type Saves = OpDef["saves"];
type Backward<A = undefined> = NonNullable<OpDef<A>["backward"]>;

/** An op y = f(x) applied elementwise. */
function unaryOp<A = undefined>(
  name: string,
  f: (attrs: A) => Unary,
  backward: Backward<A>,
  saves: Saves = "both",
): OpDef<A> {
  return {
    name,
    saves,
    forward: ([x], attrs) => {
      const t = x as Tensor;
      const out = alloc(t, t.size);
      const loop = unaryLoops[name];
      if (loop) loop(t._s.data, out);
      else map(t._s.data, out, f(attrs));
      return { shape: t.shape, data: out };
    },
    backward,
  };
}

/**
 * An op y = f(a, b) with broadcasting. The four arithmetic ops (`arith`) take call-free loops on
 * the common layouts; everything else goes through `zip`, which calls `f` per element.
 */
function binaryOp(
  name: string,
  f: Binary,
  backward: Backward | undefined,
  saves: Saves = "both",
  arithOp?: Arith,
): OpDef {
  return {
    name,
    saves,
    forward: ([a, b]) => {
      const x = a as Tensor;
      const y = b as Tensor;
      checkSameDType(name, x, y);
      const shape = broadcastShapes(x.shape, y.shape, name);
      const out = alloc(x, checkResultShape(shape, name));
      const done =
        arithOp !== undefined && arith(arithOp, x._s.data, x.shape, y._s.data, y.shape, out, shape);
      if (!done) zip(x._s.data, x.shape, y._s.data, y.shape, out, shape, f);
      return { shape, data: out };
    },
    backward,
  };
}

const inputs2 = (ctx: { inputs: readonly Tensor[] }) => ctx.inputs as [Tensor, Tensor];

export const addOp = binaryOp(
  "add",
  (a, b) => a + b,
  (g) => [g, g],
  "none",
  "add",
);
export const subOp = binaryOp(
  "sub",
  (a, b) => a - b,
  (g, { needs }) => [g, needs[1] ? neg(g) : null],
  "none",
  "sub",
);
export const mulOp = binaryOp(
  "mul",
  (a, b) => a * b,
  (g, ctx) => {
    const [a, b] = inputs2(ctx);
    return [ctx.needs[0] ? mul(g, b) : null, ctx.needs[1] ? mul(g, a) : null];
  },
  "inputs",
  "mul",
);
export const divOp = binaryOp(
  "div",
  (a, b) => a / b,
  // ∂/∂a = ḡ/b; ∂/∂b = −ḡ·a/b² = −ḡ·y/b
  (g, ctx) => {
    const [, b] = inputs2(ctx);
    return [ctx.needs[0] ? div(g, b) : null, ctx.needs[1] ? neg(div(mul(g, ctx.result), b)) : null];
  },
  "both",
  "div",
);
export const powOp = binaryOp(
  "pow",
  m.pow,
  // ∂/∂a = ḡ·b·aᵇ⁻¹ (0 where b = 0); ∂/∂b = ḡ·aᵇ·ln a (0 where a = 0 and b ≥ 0), exactly
  // PyTorch's pow_backward_self / pow_backward_exponent, and Value.pow's rule: at a = 0 and b < 0
  // both are −∞ (b·0^(b−1) and ∞·ln 0), for a < 0 ∂/∂b is NaN.
  (g, ctx) => {
    const [a, b] = inputs2(ctx);
    let ga: Tensor | null = null;
    if (ctx.needs[0]) {
      ga = mul(g, mul(b, pow(a, sub(b, 1))));
      if (!(b.size === 1 && b._s.data[0] !== 0)) ga = where(eq(b, 0), 0, ga);
    }
    let gb: Tensor | null = null;
    if (ctx.needs[1]) gb = where(mul(eq(a, 0), ge(b, 0)), 0, mul(g, mul(ctx.result, log(a))));
    return [ga, gb];
  },
);
/**
 * The gradient of maximum/minimum for one operand, PyTorch's rule (derivatives.yaml):
 * where(a = b, ḡ/2, ḡ) with 0 where the operand loses (`loses` = a < b for maximum's a).
 * A NaN operand makes every comparison false, so both operands get the whole ḡ.
 */
function extremumGrad(g: Tensor, a: Tensor, b: Tensor, loses: Tensor): Tensor {
  return where(loses, 0, where(eq(a, b), mul(g, 0.5), g));
}

export const maximumOp = binaryOp(
  "maximum",
  m.maximum,
  // ḡ to the larger operand, ½ḡ to each on ties, ḡ to both when either is NaN
  (g, ctx) => {
    const [a, b] = inputs2(ctx);
    return [
      ctx.needs[0] ? extremumGrad(g, a, b, lt(a, b)) : null,
      ctx.needs[1] ? extremumGrad(g, a, b, gt(a, b)) : null,
    ];
  },
  "inputs",
);
export const minimumOp = binaryOp(
  "minimum",
  m.minimum,
  // ḡ to the smaller operand, ½ḡ to each on ties, ḡ to both when either is NaN
  (g, ctx) => {
    const [a, b] = inputs2(ctx);
    return [
      ctx.needs[0] ? extremumGrad(g, a, b, gt(a, b)) : null,
      ctx.needs[1] ? extremumGrad(g, a, b, lt(a, b)) : null,
    ];
  },
  "inputs",
);

export const eqOp = binaryOp("eq", (a, b) => (a === b ? 1 : 0), undefined);
export const gtOp = binaryOp("gt", (a, b) => (a > b ? 1 : 0), undefined);
export const ltOp = binaryOp("lt", (a, b) => (a < b ? 1 : 0), undefined);
export const geOp = binaryOp("ge", (a, b) => (a >= b ? 1 : 0), undefined);
export const leOp = binaryOp("le", (a, b) => (a <= b ? 1 : 0), undefined);

const x0 = (ctx: { inputs: readonly Tensor[] }) => ctx.inputs[0] as Tensor;

export const negOp = unaryOp(
  "neg",
  () => (x) => -x,
  (g) => [neg(g)],
  "none",
);
export const expOp = unaryOp(
  "exp",
  () => Math.exp,
  (g, ctx) => [mul(g, ctx.result)],
  "result",
);
export const logOp = unaryOp(
  "log",
  () => Math.log,
  (g, ctx) => [div(g, x0(ctx))],
  "inputs",
);
export const sqrtOp = unaryOp(
  "sqrt",
  () => Math.sqrt,
  (g, ctx) => [div(g, mul(ctx.result, 2))],
  "result",
);
export const absOp = unaryOp(
  "abs",
  () => Math.abs,
  (g, ctx) => [mul(g, sign(x0(ctx)))],
  "inputs",
);
export const sinOp = unaryOp(
  "sin",
  () => Math.sin,
  (g, ctx) => [mul(g, cos(x0(ctx)))],
  "inputs",
);
export const cosOp = unaryOp(
  "cos",
  () => Math.cos,
  (g, ctx) => [neg(mul(g, sin(x0(ctx))))],
  "inputs",
);
export const tanhOp = unaryOp(
  "tanh",
  () => Math.tanh,
  (g, { result: y }) => [mul(g, sub(1, mul(y, y)))],
  "result",
);
export const sigmoidOp = unaryOp(
  "sigmoid",
  () => m.sigmoid,
  (g, { result: y }) => [mul(g, mul(y, sub(1, y)))],
  "result",
);
export const reluOp = unaryOp(
  "relu",
  () => (x) => Math.max(x, 0),
  // PyTorch's threshold_backward: ḡ where x > 0, exactly 0 elsewhere (even for ḡ = ±∞ or NaN)
  (g, ctx) => [where(gt(x0(ctx), 0), g, 0)],
  "inputs",
);
export const leakyReluOp = unaryOp<{ slope: number }>(
  "leakyRelu",
  ({ slope }) =>
    (x) =>
      x > 0 ? x : slope * x,
  (g, ctx) => [mul(g, where(gt(x0(ctx), 0), 1, ctx.attrs.slope))],
  "inputs",
);
export const geluOp = unaryOp(
  "gelu",
  () => m.gelu,
  // GELU′(x) = Φ(x) + x·φ(x), Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^(−x²/2)/√(2π)
  (g, ctx) => {
    const x = x0(ctx);
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return [mul(g, add(cdf, mul(x, pdf)))];
  },
  "inputs",
);
export const softplusOp = unaryOp(
  "softplus",
  () => m.softplus,
  (g, ctx) => {
    const x = x0(ctx);
    return [mul(g, where(gt(x, 20), 1, sigmoid(x)))];
  },
  "inputs",
);
export const erfOp = unaryOp(
  "erf",
  () => m.erf,
  // erf′(x) = (2/√π)·e^(−x²)
  (g, ctx) => {
    const x = x0(ctx);
    return [mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))];
  },
  "inputs",
);
export const squareOp = unaryOp(
  "square",
  () => (x) => x * x,
  (g, ctx) => [mul(g, mul(x0(ctx), 2))],
  "inputs",
);
/** sign(x) ∈ {−1, 0, 1}; piecewise constant, so its gradient is 0. */
export const signOp = unaryOp(
  "sign",
  () => m.sign,
  (g) => [mul(g, 0)],
  "none",
);
export const clampOp = unaryOp<{ min: number; max: number }>(
  "clamp",
  ({ min, max }) =>
    (x) =>
      x < min ? min : Math.min(x, max),
  (g, ctx) => {
    const x = x0(ctx);
    return [mul(g, mul(ge(x, ctx.attrs.min), le(x, ctx.attrs.max)))];
  },
  "inputs",
);

/**
 * where(cond, a, b): a where cond ≠ 0, else b; all three broadcast.
 * ∂/∂a = where(cond, ḡ, 0), ∂/∂b = where(cond, 0, ḡ); cond gets no gradient.
 */
export const whereOp: OpDef = {
  name: "where",
  saves: "inputs",
  forward: (ins) => {
    const [cond, x, y] = ins as [Tensor, Tensor, Tensor];
    checkSameDType("where", x, y);
    const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape, "where"), y.shape, "where");
    const n = checkResultShape(shape, "where");
    const c = new Float64Array(n);
    broadcastTo(cond._s.data, cond.shape, c, shape);
    const out = alloc(x, n);
    broadcastTo(x._s.data, x.shape, out, shape);
    const other = alloc(x, n);
    broadcastTo(y._s.data, y.shape, other, shape);
    for (let i = 0; i < n; i++) if (c[i] === 0) out[i] = other[i] as number;
    return { shape, data: out };
  },
  backward: (g, ctx) => {
    const cond = ctx.inputs[0] as Tensor;
    return [null, ctx.needs[1] ? where(cond, g, 0) : null, ctx.needs[2] ? where(cond, 0, g) : null];
  },
};

// ---- the public functions (first operand a tensor; number operands become constants) ----

function binary(def: OpDef, a: Tensor | number, b: Tensor | number): Tensor {
  if (!(a instanceof Tensor)) {
    if (!(b instanceof Tensor))
      throw new ChainruleError(
        `${def.name}: one operand must be a Tensor, got ${describe(a)} and ${describe(b)}`,
      );
    return apply(def, [lift(a, b, def.name), b], undefined);
  }
  return apply(def, [a, lift(b, a, def.name)], undefined);
}

function unary(def: OpDef, x: Tensor): Tensor {
  return apply(def, [checkTensor(x, def.name)], undefined);
}

export const add = (a: Tensor | number, b: Tensor | number): Tensor => binary(addOp, a, b);
export const sub = (a: Tensor | number, b: Tensor | number): Tensor => binary(subOp, a, b);
export const mul = (a: Tensor | number, b: Tensor | number): Tensor => binary(mulOp, a, b);
export const div = (a: Tensor | number, b: Tensor | number): Tensor => binary(divOp, a, b);
export const pow = (a: Tensor | number, b: Tensor | number): Tensor => binary(powOp, a, b);
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => binary(maximumOp, a, b);
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => binary(minimumOp, a, b);
export const eq = (a: Tensor | number, b: Tensor | number): Tensor => binary(eqOp, a, b);
export const gt = (a: Tensor | number, b: Tensor | number): Tensor => binary(gtOp, a, b);
export const lt = (a: Tensor | number, b: Tensor | number): Tensor => binary(ltOp, a, b);
export const ge = (a: Tensor | number, b: Tensor | number): Tensor => binary(geOp, a, b);
export const le = (a: Tensor | number, b: Tensor | number): Tensor => binary(leOp, a, b);

export const neg = (x: Tensor): Tensor => unary(negOp, x);
export const exp = (x: Tensor): Tensor => unary(expOp, x);
export const log = (x: Tensor): Tensor => unary(logOp, x);
export const sqrt = (x: Tensor): Tensor => unary(sqrtOp, x);
export const abs = (x: Tensor): Tensor => unary(absOp, x);
export const sin = (x: Tensor): Tensor => unary(sinOp, x);
export const cos = (x: Tensor): Tensor => unary(cosOp, x);
export const tanh = (x: Tensor): Tensor => unary(tanhOp, x);
export const sigmoid = (x: Tensor): Tensor => unary(sigmoidOp, x);
export const relu = (x: Tensor): Tensor => unary(reluOp, x);
export const gelu = (x: Tensor): Tensor => unary(geluOp, x);
export const softplus = (x: Tensor): Tensor => unary(softplusOp, x);
export const erf = (x: Tensor): Tensor => unary(erfOp, x);
export const square = (x: Tensor): Tensor => unary(squareOp, x);
export const sign = (x: Tensor): Tensor => unary(signOp, x);

export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  checkFinite(slope, "leakyRelu", "slope");
  return apply(leakyReluOp, [checkTensor(x, "leakyRelu")], { slope });
}

/**
 * Clamps into [min, max]; `null`/`undefined` leaves that side open. Bounds are numbers (±∞
 * allowed, NaN refused) with min ≤ max.
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min === null || min === undefined ? Number.NEGATIVE_INFINITY : checkNumber(min, "clamp", "min");
  const hi = max === null || max === undefined ? Number.POSITIVE_INFINITY : checkNumber(max, "clamp", "max");
  if (lo > hi) throw new ChainruleError(`clamp: min ${lo} is greater than max ${hi}`);
  return apply(clampOp, [checkTensor(x, "clamp")], { min: lo, max: hi });
}

/**
 * Elementwise selection: `a` where `cond` is nonzero, else `b`; the three broadcast together.
 * Numbers are accepted for `a` and `b` (at least one of them a tensor, unless `cond` is one).
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkTensor(cond, "where", "cond");
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : cond;
  const x = lift(a, like, "where");
  const y = lift(b, like, "where");
  return apply(whereOp, [cond, x, y], undefined);
}
