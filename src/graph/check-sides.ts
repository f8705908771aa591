/**
 * The three sides `checkDerivative` compares, for each input flattened row-major: the user's hand
 * gradient, autodiff's (Value.backward for numbers, gradients() for tensors, float64) and
 * central finite differences (`centralDifferences`, the helper gradcheck uses too).
 */
import { gradients } from "../autograd/functional";
import { enableGrad, noGrad } from "../autograd/grad-mode";
import { centralDifferences } from "../autograd/gradcheck";
import { ChainruleError, describe, fmtShape } from "../errors";
import { Value } from "../scalar/value";
import { tensor } from "../tensor/creation";
import { isTypedArray } from "../tensor/dtype";
import { readData } from "../tensor/storage";
import { type NestedNumbers, Tensor } from "../tensor/tensor";

/** A function of scalar Values (checkDerivative with number inputs). */
export type ScalarFn = (...args: Value[]) => Value | number;
/** A function of tensors returning a one-element tensor. */
export type TensorFn = (...args: Tensor[]) => Tensor;

/** The three gradients of one input, flattened row-major. */
export interface Sides {
  shape: readonly number[];
  hand: Float64Array;
  autodiff: Float64Array;
  numeric: Float64Array;
}

// ---- numbers: Value leaves ----

export function scalarSides(
  f: ScalarFn,
  derivative: (...args: number[]) => unknown,
  xs: readonly number[],
  eps: number,
): Sides[] {
  const op = "checkDerivative";
  const evaluate = (args: readonly number[]): { out: Value | number; leaves: Value[] } => {
    const leaves = args.map((x) => new Value(x));
    const out = f(...leaves);
    if (!(out instanceof Value) && typeof out !== "number") {
      throw new ChainruleError(
        `${op}: for number inputs f receives Values and must return a Value, got ${describe(out)}`,
      );
    }
    return { out, leaves };
  };
  const { out, leaves } = evaluate(xs);
  if (out instanceof Value) out.backward();
  const autodiff = leaves.map((v) => (out instanceof Value ? v.grad : 0));
  const valueAt = (args: readonly number[]): number => {
    const r = evaluate(args).out;
    return r instanceof Value ? r.data : r;
  };
  const point = xs.slice();
  const numeric = centralDifferences(point, eps, () => [valueAt(point)]).map((c) => c[0] as number);
  const raw = derivative(...xs);
  const hand = handList(raw, xs.length);
  return xs.map((_, i) => ({
    shape: [],
    hand: flatHand(hand[i], [], i),
    autodiff: Float64Array.of(autodiff[i] as number),
    numeric: Float64Array.of(numeric[i] as number),
  }));
}

/** The hand result as one gradient per input: itself for one input, else an array of them. */
function handList(raw: unknown, n: number): unknown[] {
  if (n === 1) return [raw];
  if (!Array.isArray(raw) || raw.length !== n) {
    throw new ChainruleError(
      `checkDerivative: with ${n} inputs the derivative must return an array of ${n} gradients (one per input), got ${describe(raw)}`,
    );
  }
  return raw;
}

/** A hand gradient flattened to float64, checked against the input's shape. */
function flatHand(g: unknown, shape: readonly number[], input: number): Float64Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const where = `checkDerivative: the derivative for input ${input} ${fmtShape(shape)}`;
  let flat: Float64Array;
  let gShape: readonly number[] | null = null;
  if (typeof g === "number") {
    flat = Float64Array.of(g);
  } else if (g instanceof Value) {
    flat = Float64Array.of(g.data);
  } else if (g instanceof Tensor) {
    flat = Float64Array.from(readData(g));
    gShape = g.shape;
  } else if (isTypedArray(g)) {
    flat = Float64Array.from(g as ArrayLike<number>);
  } else if (Array.isArray(g)) {
    let t: Tensor;
    try {
      t = tensor(g as NestedNumbers[], { dtype: "float64" });
    } catch (e) {
      throw new ChainruleError(`${where} is not a rectangular array of numbers: ${(e as Error).message}`);
    }
    flat = Float64Array.from(readData(t));
    gShape = t.shape;
  } else {
    throw new ChainruleError(
      `${where} must be a number, a Tensor or an array of numbers, got ${describe(g)}`,
    );
  }
  if (flat.length !== size) {
    throw new ChainruleError(
      `${where} has ${flat.length} element${flat.length === 1 ? "" : "s"}${gShape ? ` (shape ${fmtShape(gShape)})` : ""}, expected ${size}`,
    );
  }
  return flat;
}

// ---- tensors: float64 leaves and gradients() ----

export function tensorSides(
  f: TensorFn,
  derivative: (...args: Tensor[]) => unknown,
  inputs: readonly unknown[],
  eps: number,
): Sides[] {
  const op = "checkDerivative";
  const base = inputs.map((x, i) => {
    if (x instanceof Tensor) return Float64Array.from(readData(x));
    if (typeof x === "number") return Float64Array.of(x);
    if (Array.isArray(x) || isTypedArray(x)) {
      try {
        return Float64Array.from(readData(tensor(x as NestedNumbers[], { dtype: "float64" })));
      } catch (e) {
        throw new ChainruleError(
          `${op}: input ${i} is not a rectangular array of numbers: ${(e as Error).message}`,
        );
      }
    }
    throw new ChainruleError(`${op}: input ${i} must be a number, a Tensor or an array, got ${describe(x)}`);
  });
  const shapes = inputs.map((x, i) => {
    if (x instanceof Tensor) return x.shape;
    if (typeof x === "number") return [];
    if (Array.isArray(x)) return tensor(x as NestedNumbers[]).shape;
    return [(base[i] as Float64Array).length];
  });
  const make = (i: number, data: Float64Array, requiresGrad: boolean) =>
    new Tensor(Float64Array.from(data), shapes[i] as number[], { requiresGrad });
  const check = (y: unknown): Tensor => {
    if (!(y instanceof Tensor)) throw new ChainruleError(`${op}: f must return a Tensor, got ${describe(y)}`);
    if (y.size !== 1)
      throw new ChainruleError(`${op}: f must return a one-element tensor, got shape ${fmtShape(y.shape)}`);
    return y;
  };

  const leaves = base.map((d, i) => make(i, d, true));
  const autodiff = enableGrad(() => {
    const y = check(f(...leaves));
    const gs = y.requiresGrad ? gradients([y], leaves, { allowUnused: true }) : leaves.map(() => null);
    return gs.map((g, i) =>
      g ? Float64Array.from(readData(g)) : new Float64Array((base[i] as Float64Array).length),
    );
  });

  const numeric = noGrad(() =>
    base.map((d, i) => {
      const args = base.map((b, k) => make(k, b, false));
      const point = d.slice();
      const columns = centralDifferences(point, eps, () => {
        args[i] = make(i, point, false);
        return [check(f(...args)).item()];
      });
      return Float64Array.from(columns, (c) => c[0] as number);
    }),
  );

  const raw = noGrad(() => derivative(...base.map((d, i) => make(i, d, false))));
  const hand = handList(raw, inputs.length);
  return base.map((_, i) => ({
    shape: shapes[i] as number[],
    hand: flatHand(hand[i], shapes[i] as number[], i),
    autodiff: autodiff[i] as Float64Array,
    numeric: numeric[i] as Float64Array,
  }));
}
