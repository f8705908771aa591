/**
 * Reading one element and writing in place: `at(...indices)` and `set(…)`. `set` is the counted
 * way to change a tensor's numbers (the version counter goes up by one, so a graph recorded
 * before refuses to backpropagate through the new numbers); raw writes through `t.data` are not
 * counted (SPEC §0). Neither records a graph node.
 */
import { ChainruleError, describe, fmtShape } from "../../errors";
import { broadcastsTo, stridesOf } from "../broadcast";
import { convert, isTypedArray, type TypedArray } from "../dtype";
import { broadcastTo } from "../kernels/elementwise";
import { readNested } from "../nested";
import { readData, writeData } from "../storage";
import { type NestedNumbers, Tensor } from "../tensor";
import { checkTensor } from "./util";

/** The flat position of the element at `indices` (one per dimension, negatives from the end). */
function flatIndex(x: Tensor, indices: readonly unknown[], op: string): number {
  if (indices.length !== x.ndim) {
    throw new ChainruleError(
      `${op}: a tensor of shape ${fmtShape(x.shape)} needs ${x.ndim} indices, got ${indices.length}`,
    );
  }
  const strides = stridesOf(x.shape);
  let at = 0;
  indices.forEach((raw, d) => {
    const n = x.shape[d] as number;
    if (!Number.isInteger(raw) || (raw as number) < -n || (raw as number) >= n) {
      throw new ChainruleError(
        `${op}: index ${typeof raw === "number" ? raw : describe(raw)} is out of range for dimension ${d} of ${fmtShape(x.shape)} (size ${n})`,
      );
    }
    const i = raw as number;
    at += (i < 0 ? i + n : i) * (strides[d] as number);
  });
  return at;
}

/** The element at `indices` (negatives count from the end): `x.at(1, -1)` is x[1][last]. */
export function at(x: Tensor, ...indices: number[]): number {
  checkTensor(x, "at");
  return readData(x)[flatIndex(x, indices, "at")] as number;
}

/**
 * Writes in place and returns `x`: `x.set(values)` copies `values` (a number, nested arrays, a
 * typed array of x's size, or a tensor) broadcast to x's shape; `x.set([i, j], v)` writes one
 * element. One call is one counted write. Checked before anything is written.
 */
export function set(
  x: Tensor,
  indicesOrData: number | NestedNumbers | ArrayLike<number> | Tensor,
  value?: number,
): Tensor {
  checkTensor(x, "set");
  if (value !== undefined) {
    if (!Array.isArray(indicesOrData)) {
      throw new ChainruleError(
        `set: with a value, the first argument must be an index array, got ${describe(indicesOrData)}`,
      );
    }
    if (typeof value !== "number")
      throw new ChainruleError(`set: value must be a number, got ${describe(value)}`);
    const at = flatIndex(x, indicesOrData, "set");
    // a bool tensor stores x ≠ 0 (as astype does); int32 truncates toward zero
    const stored = x.dtype === "bool" ? Number(value !== 0) : value;
    writeData(x, (d) => {
      d[at] = stored;
    });
    return x;
  }
  const { data, shape } = source(indicesOrData, x);
  if (!broadcastsTo(shape, x.shape)) {
    throw new ChainruleError(
      `set: values of shape ${fmtShape(shape)} do not broadcast to ${fmtShape(x.shape)}`,
    );
  }
  writeData(x, (d) => broadcastTo(data, shape, d, x.shape));
  return x;
}

/** `set`'s values as a flat array and a shape (a flat typed array has x's shape if it has x's size). */
function source(v: unknown, x: Tensor): { data: TypedArray; shape: readonly number[] } {
  const { data, shape } = rawSource(v, x);
  // into a bool tensor, values convert as astype converts (x ≠ 0), not modulo 256 as a Uint8Array would
  return { data: x.dtype === "bool" && !(data instanceof Uint8Array) ? convert(data, "bool") : data, shape };
}

function rawSource(v: unknown, x: Tensor): { data: TypedArray; shape: readonly number[] } {
  if (v instanceof Tensor) return { data: readData(v), shape: v.shape };
  if (isTypedArray(v)) {
    const arr = v as TypedArray;
    if (arr.length !== x.size) {
      throw new ChainruleError(
        `set: a flat array needs ${x.size} values for shape ${fmtShape(x.shape)}, got ${arr.length}`,
      );
    }
    return { data: arr, shape: x.shape };
  }
  const nested = readNested(v as NestedNumbers, x.dtype, "set");
  return { data: nested.data, shape: nested.shape };
}
