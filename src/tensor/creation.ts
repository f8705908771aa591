/**
 * Making tensors: from numbers, nested arrays and typed arrays (always copied), and the usual
 * factories. Random factories draw from the global generator (see `manualSeed`) in row-major
 * order.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { globalGenerator, type Rng } from "../random";
import { allocate, type DType, isDType, isTypedArray, type TypedArray } from "./dtype";
import { checkShape, sizeOf } from "./shape";
import { unwrapView } from "./storage";
import { type NestedNumbers, Tensor, type TensorOptions } from "./tensor";

/** Options of `tensor()`: those of every factory plus `shape` for a flat input. */
export interface CreateOptions extends TensorOptions {
  /** Shape for a flat array input (`[]` is valid for one element). */
  shape?: readonly number[];
}

/** Options of the random factories. */
export interface RandomOptions extends TensorOptions {
  /** Draw from this generator instead of the global one. */
  generator?: Rng;
}

function resolveDType(dtype: DType | undefined, fallback: DType, op: string): DType {
  if (dtype === undefined) return fallback;
  if (!isDType(dtype))
    throw new ChainruleError(`${op}: dtype must be "float64" or "float32", got ${describe(dtype)}`);
  return dtype;
}

function finish(data: TypedArray, shape: readonly number[], opts: TensorOptions): Tensor {
  return new Tensor(data, shape, { requiresGrad: opts.requiresGrad === true, label: opts.label });
}

/**
 * Creates a tensor from a number (0-d), nested arrays, or a typed array, copying the input.
 * The dtype defaults to `"float32"` for a `Float32Array` and `"float64"` otherwise.
 *
 * @example
 * tensor([[1, 2], [3, 4]]).shape;                 // [2, 2]
 * tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }).dtype; // "float32"
 * tensor(2.5).shape;                             // []
 */
export function tensor(
  x: number | NestedNumbers[] | readonly number[] | ArrayLike<number> | Tensor,
  opts: CreateOptions = {},
): Tensor {
  if (opts === null || typeof opts !== "object")
    throw new ChainruleError(`tensor: options must be an object, got ${describe(opts)}`);
  if (x instanceof Tensor) {
    const dtype = resolveDType(opts.dtype, x.dtype, "tensor");
    const data = allocate(dtype, x.size);
    data.set(x._s.data);
    return finish(data, opts.shape ? checkedShape(opts.shape, data.length) : x.shape, opts);
  }
  const raw = unwrapView(x);
  if (isTypedArray(raw)) {
    const dtype = resolveDType(opts.dtype, raw instanceof Float32Array ? "float32" : "float64", "tensor");
    const data = allocate(dtype, raw.length);
    data.set(raw);
    return finish(data, opts.shape ? checkedShape(opts.shape, data.length) : [data.length], opts);
  }
  const dtype = resolveDType(opts.dtype, "float64", "tensor");
  const t = fromNested(x as NestedNumbers, dtype, "tensor");
  const shape = opts.shape ? checkedShape(opts.shape, t.size) : t.shape;
  return finish(t._s.data, shape, opts);
}

function checkedShape(shape: readonly number[], n: number): readonly number[] {
  checkShape(shape, "tensor");
  if (sizeOf(shape) !== n) {
    throw new ChainruleError(
      `tensor: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, the input has ${n}`,
    );
  }
  return shape;
}

/** @internal Reads a number or rectangular nested array of numbers into a new tensor. */
export function fromNested(x: NestedNumbers | readonly number[], dtype: DType, op: string): Tensor {
  if (typeof x === "number") {
    const data = allocate(dtype, 1);
    data[0] = x;
    return new Tensor(data, []);
  }
  if (!Array.isArray(x)) {
    throw new ChainruleError(
      `${op}: expected a number, nested arrays of numbers or a typed array, got ${describe(x)}`,
    );
  }
  const shape: number[] = [];
  for (let level: unknown = x; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const data = allocate(dtype, sizeOf(shape));
  let k = 0;
  const walk = (node: unknown, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof node !== "number") {
        throw new ChainruleError(
          `${op}: element at [${path.join(",")}] is ${describe(node)}, expected a number`,
        );
      }
      data[k++] = node;
      return;
    }
    const arr = unwrapView(node) as unknown;
    const list = Array.isArray(arr) ? arr : isTypedArray(arr) ? Array.from(arr) : null;
    if (list === null || list.length !== shape[dim]) {
      const got = list === null ? describe(node) : `length ${list.length}`;
      throw new ChainruleError(
        `${op}: ragged nested array at [${path.join(",")}]: expected length ${shape[dim]}, got ${got}`,
      );
    }
    for (let i = 0; i < list.length; i++) walk(list[i], dim + 1, [...path, i]);
  };
  walk(x, 0, []);
  return new Tensor(data, shape);
}

function filled(shape: readonly number[], value: number, opts: TensorOptions, op: string): Tensor {
  checkShape(shape, op);
  if (typeof value !== "number")
    throw new ChainruleError(`${op}: fill value must be a number, got ${describe(value)}`);
  const data = allocate(resolveDType(opts.dtype, "float64", op), sizeOf(shape));
  if (value !== 0) data.fill(value);
  return finish(data, shape, opts);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled(shape, 0, opts, "zeros");
}

/** A tensor of ones. */
export function ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled(shape, 1, opts, "ones");
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number, opts: TensorOptions | DType = {}): Tensor {
  return filled(shape, value, typeof opts === "string" ? { dtype: opts } : opts, "full");
}

/** Zeros with the shape and dtype of `t`. */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...opts });
}

/** Ones with the shape and dtype of `t`. */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, ...opts });
}

/**
 * Evenly spaced values in [start, stop) with `step` (`arange(n)` is 0…n−1), as NumPy: the
 * length is ⌈(stop − start)/step⌉.
 */
export function arange(start: number, stop?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  for (const [name, v] of [
    ["start", start],
    ["stop", stop],
    ["step", step],
  ] as const) {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new ChainruleError(`arange: ${name} must be a finite number, got ${describe(v)}`);
  }
  if (step === 0) throw new ChainruleError("arange: step must not be 0");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocate(resolveDType(opts.dtype, "float64", "arange"), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(data, [n], opts);
}

/** `n` evenly spaced values from `a` to `b` inclusive. */
export function linspace(a: number, b: number, n: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new ChainruleError(`linspace: n must be a non-negative integer, got ${describe(n)}`);
  const data = allocate(resolveDType(opts.dtype, "float64", "linspace"), n);
  const step = n > 1 ? (b - a) / (n - 1) : 0;
  for (let i = 0; i < n; i++) data[i] = i === n - 1 && n > 1 ? b : a + i * step;
  return finish(data, [n], opts);
}

/** The n×n identity matrix. */
export function eye(n: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new ChainruleError(`eye: n must be a non-negative integer, got ${describe(n)}`);
  const data = allocate(resolveDType(opts.dtype, "float64", "eye"), n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return finish(data, [n, n], opts);
}

/** Uniform samples in [0, 1), drawn in row-major order (see `manualSeed`). */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  checkShape(shape, "rand");
  const rng = opts.generator ?? globalGenerator();
  const data = allocate(resolveDType(opts.dtype, "float64", "rand"), sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return finish(data, shape, opts);
}

/** Standard normal samples (Box–Muller), drawn in row-major order (see `manualSeed`). */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  checkShape(shape, "randn");
  const rng = opts.generator ?? globalGenerator();
  const data = allocate(resolveDType(opts.dtype, "float64", "randn"), sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return finish(data, shape, opts);
}
