/**
 * Nested arrays of numbers → a typed array and a shape, without making a tensor: `tensor()` and
 * `fromNested` build on it, and so does `Tensor.backward`'s gradOutput (which is why it does not
 * live in creation.ts: tensor.ts may not import the factories, which import tensor.ts).
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { checkSize } from "../validate";
import { MAX_DIMS, sizeOf } from "./broadcast";
import { allocate, type DType, isTypedArray, type TypedArray } from "./dtype";
import type { NestedBooleans, NestedNumbers } from "./tensor";

/**
 * @internal Reads a number or rectangular nested array of numbers into a new typed array and its
 * shape. Arrays nested deeper than `MAX_DIMS` (64) levels — or containing themselves — are
 * refused with a `ChainruleError` naming `op`.
 */
export function readNested(
  x: NestedNumbers | NestedBooleans | readonly number[],
  dtype: DType,
  op: string,
): { data: TypedArray; shape: number[] } {
  if (typeof x === "number" || typeof x === "boolean") {
    const data = allocate(dtype, 1);
    data[0] = dtype === "bool" ? Number(x !== 0 && x !== false) : Number(x);
    return { data, shape: [] };
  }
  if (!Array.isArray(x)) {
    throw new ChainruleError(
      `${op}: expected a number, nested arrays of numbers or a typed array, got ${describe(x)}`,
    );
  }
  const shape: number[] = [];
  for (let level: unknown = x; Array.isArray(level); level = level[0]) {
    if (shape.length === MAX_DIMS) {
      throw new ChainruleError(
        `${op}: nested arrays deeper than ${MAX_DIMS} levels (a tensor has at most ${MAX_DIMS} dimensions)`,
      );
    }
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const data = allocate(dtype, checkSize(sizeOf(shape), op, `a nested array of shape ${fmtShape(shape)}`));
  let k = 0;
  const toBool = dtype === "bool"; // any nonzero number (NaN included) is true
  const path: number[] = []; // the indices of the node being read, for error messages
  const walk = (node: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (typeof node === "number") data[k++] = toBool && node !== 0 ? 1 : node;
      else if (typeof node === "boolean") data[k++] = node ? 1 : 0;
      else {
        throw new ChainruleError(
          `${op}: element at [${path.join(",")}] is ${describe(node)}, expected a number or a boolean`,
        );
      }
      return;
    }
    const arr = node as unknown;
    const list = Array.isArray(arr) ? arr : isTypedArray(arr) ? Array.from(arr) : null;
    if (list === null || list.length !== shape[dim]) {
      const got = list === null ? describe(node) : `length ${list.length}`;
      throw new ChainruleError(
        `${op}: ragged nested array at [${path.join(",")}]: expected length ${shape[dim]}, got ${got}`,
      );
    }
    path.push(0);
    for (let i = 0; i < list.length; i++) {
      path[dim] = i;
      walk(list[i], dim + 1);
    }
    path.pop();
  };
  walk(x, 0); // at most MAX_DIMS + 1 frames deep
  return { data, shape };
}
