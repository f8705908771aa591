/**
 * Shapes, strides, broadcasting and axes: the bookkeeping every op shares, with the error
 * messages that name the op and the shapes.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { checkShapeArg, checkSize } from "../validate";

export type Shape = readonly number[];

/**
 * The most dimensions a tensor may have (as many as PyTorch allows). Shapes and nested arrays
 * are checked against it, so deeply nested input fails with a clear `ChainruleError` instead
 * of overflowing the stack.
 */
export const MAX_DIMS = 64;

/** Throws unless `ndim` ≤ `MAX_DIMS`; `what` names the thing (e.g. `shape`). */
export function checkDims(ndim: number, op: string, what = "shape"): void {
  if (ndim > MAX_DIMS) {
    throw new ChainruleError(
      `${op}: ${what} has ${ndim} dimensions, more than ${MAX_DIMS} (a tensor has at most ${MAX_DIMS} dimensions)`,
    );
  }
}

/**
 * The element count of `shape`, checking that it is an array of at most `MAX_DIMS` integers
 * ≥ 0 (the `Tensor` constructor's check: one pass over the dimensions).
 */
export function checkedSizeOf(shape: unknown, op: string): number {
  if (!Array.isArray(shape) || shape.length > MAX_DIMS) return checkShape(shape, op).length;
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) checkShapeArg(shape, op);
    n *= d;
  }
  return n;
}

/**
 * Checks a shape an op computed for its result (broadcasting, expand, matmul, concat…) before
 * anything is allocated: at most `MAX_DIMS` dimensions and `MAX_ELEMENTS` elements. Returns the
 * element count.
 */
export function checkResultShape(shape: Shape, op: string): number {
  checkDims(shape.length, op, "the result");
  return checkSize(sizeOf(shape), op, `the result ${fmtShape(shape)}`);
}

/** Number of elements of a shape (1 for `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor of `shape`. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i] as number;
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The NumPy/PyTorch broadcast of two shapes: align from the right; each pair of dimensions must
 * be equal or one of them 1.
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : (a[i - (n - a.length)] as number);
    const db = i < n - b.length ? 1 : (b[i - (n - b.length)] as number);
    if (da !== db && da !== 1 && db !== 1) {
      throw new ChainruleError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dimension ${i - n} is ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of `shape` as if it had the (broadcast) shape `target`: 0 along
 * broadcast dimensions, so the same element is read again.
 */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const strides = stridesOf(shape);
  const offset = target.length - shape.length;
  const out = new Array<number>(target.length).fill(0);
  for (let i = 0; i < shape.length; i++) out[i + offset] = shape[i] === 1 ? 0 : (strides[i] as number);
  return out;
}

/** True if `shape` broadcasts to `target` (`target` is the bigger one). */
export function broadcastsTo(shape: Shape, target: Shape): boolean {
  if (shape.length > target.length) return false;
  const offset = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] !== 1 && shape[i] !== target[i + offset]) return false;
  }
  return true;
}

/** Normalises one axis (negative counts from the end) for a tensor of rank `ndim`. */
export function normalizeAxis(axis: number, ndim: number, op: string, shape?: Shape): number {
  const where = shape ? ` of shape ${fmtShape(shape)}` : "";
  if (!Number.isInteger(axis)) {
    // name the shape too, like every other axis error
    throw new ChainruleError(`${op}: axis must be an integer, got ${describe(axis)} for a tensor${where}`);
  }
  if (axis < -ndim || axis >= ndim) {
    const range = ndim === 0 ? "a 0-d tensor has no axes" : `valid axes are ${-ndim}..${ndim - 1}`;
    throw new ChainruleError(`${op}: axis ${axis} is out of range for a tensor${where} (${range})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Normalises a reduction's `axis` argument: undefined means every axis; duplicates throw.
 * Returns the sorted axes.
 */
export function normalizeAxes(
  axis: number | readonly number[] | undefined,
  shape: Shape,
  op: string,
): number[] {
  const ndim = shape.length;
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : Array.from(axis);
  if (!Array.isArray(axis) && typeof axis !== "number") {
    throw new ChainruleError(`${op}: axis must be a number or an array of numbers, got ${typeof axis}`);
  }
  // A 0-d tensor accepts axis 0 / -1 as "all of it", as PyTorch does for reductions.
  if (ndim === 0) {
    for (const a of list) {
      if (a !== 0 && a !== -1)
        throw new ChainruleError(`${op}: axis ${a} is out of range for a tensor of shape []`);
    }
    return [];
  }
  const out = list.map((a) => normalizeAxis(a, ndim, op, shape));
  const seen = new Set<number>();
  for (const a of out) {
    if (seen.has(a)) {
      throw new ChainruleError(
        `${op}: axis ${a} appears twice in ${JSON.stringify(list)} for a tensor of shape ${fmtShape(shape)}`,
      );
    }
    seen.add(a);
  }
  return out.sort((x, y) => x - y);
}

/** The shape after reducing `axes` of `shape` (kept as 1 when `keepDims`). */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i] as number);
  }
  return out;
}

/**
 * Validates a user-given shape: an array of at most `MAX_DIMS` integers ≥ 0 whose product is at
 * most `MAX_ELEMENTS`.
 */
export function checkShape(shape: unknown, op: string): number[] {
  if (Array.isArray(shape)) checkDims(shape.length, op);
  checkShapeArg(shape, op);
  return shape as number[];
}
