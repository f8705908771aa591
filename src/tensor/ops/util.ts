/** Helpers shared by the op families: operand lifting, dtype checks, index arguments. */
import { ChainruleError, describe } from "../../errors";
import { MAX_DIMS, sizeOf } from "../broadcast";
import { allocate, type FloatArray, isTypedArray, numberDType, type TypedArray } from "../dtype";
import { type IndexLike, Tensor } from "../tensor";

/**
 * A number operand becomes a constant 0-d leaf of `like`'s dtype (PyTorch's rule for Python
 * scalars: a fractional number next to an int32/bool tensor is float64, an integer next to a
 * bool tensor int32; see `numberDType`); tensors pass through.
 */
export function lift(x: Tensor | number, like: Tensor, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number") {
    const data = allocate(numberDType(like.dtype, x), 1);
    data[0] = x;
    return new Tensor(data, []);
  }
  throw new ChainruleError(`${op}: operand must be a Tensor or a number, got ${describe(x)}`);
}

/** Checks that `x` is a Tensor (for the first operand of functions). */
export function checkTensor(x: unknown, op: string, what = "argument"): Tensor {
  if (!(x instanceof Tensor)) throw new ChainruleError(`${op}: ${what} must be a Tensor, got ${describe(x)}`);
  return x;
}

/**
 * The storage of a tensor that a floating-point-only op received: `apply` has converted int32
 * and bool inputs to a float dtype before the op's forward runs, so this is a float array.
 */
export function floatData(t: Tensor): FloatArray {
  return t._s.data as FloatArray;
}

/** Fresh storage of `like`'s dtype, for a floating-point-only op (see `floatData`). */
export function allocFloat(like: Tensor, size: number): FloatArray {
  return allocate(like.dtype, size) as FloatArray;
}

/** Fresh storage of `like`'s dtype. */
export function alloc(like: Tensor, size: number): TypedArray {
  return allocate(like.dtype, size);
}

/** An integer index argument, flattened, with its shape. */
export interface IndexArg {
  readonly values: Int32Array;
  readonly shape: readonly number[];
}

/**
 * Reads an index argument (arrays, nested arrays, integer typed arrays, or float tensors
 * holding integral values) and checks every value is an integer in [0, bound). `context` ends the
 * out-of-range message (e.g. " for axis 1 of [2,3]").
 */
export function toIndex(x: IndexLike, op: string, bound: number, what: string, context = ""): IndexArg {
  let flat: ArrayLike<number>;
  let shape: number[];
  const raw = x;
  if (raw instanceof Tensor) {
    flat = raw._s.data;
    shape = Array.from(raw.shape);
  } else if (isTypedArray(raw)) {
    flat = raw as ArrayLike<number>;
    shape = [raw.length];
  } else if (Array.isArray(raw)) {
    shape = [];
    for (let level: unknown = raw; Array.isArray(level); level = level[0]) {
      if (shape.length === MAX_DIMS) {
        throw new ChainruleError(
          `${op}: ${what} is nested deeper than ${MAX_DIMS} levels (a tensor has at most ${MAX_DIMS} dimensions)`,
        );
      }
      shape.push(level.length);
      if (level.length === 0) break;
    }
    const out: number[] = [];
    const walk = (node: unknown, dim: number) => {
      if (dim === shape.length) {
        out.push(node as number);
        return;
      }
      if (!Array.isArray(node) || node.length !== shape[dim]) {
        throw new ChainruleError(`${op}: ${what} is a ragged nested array`);
      }
      for (const c of node) walk(c, dim + 1);
    };
    walk(raw, 0);
    flat = out;
  } else {
    throw new ChainruleError(
      `${op}: ${what} must be an array, an integer typed array or a tensor, got ${describe(x)}`,
    );
  }
  const values = new Int32Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i] as number;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new ChainruleError(`${op}: ${what} must hold integers, got ${describe(v)} at position ${i}`);
    }
    if (v < 0 || v >= bound) {
      throw new ChainruleError(`${op}: ${what} value ${v} is out of range [0, ${bound})${context}`);
    }
    values[i] = v;
  }
  if (sizeOf(shape) !== values.length) shape = [values.length];
  return { values, shape };
}

/** [outer, n, inner] around `axis` of `shape`. */
export function around(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis] as number, sizeOf(shape.slice(axis + 1))];
}
