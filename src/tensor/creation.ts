/**
 * Making tensors: from numbers, nested arrays and typed arrays (always copied), and the usual
 * factories. Random factories draw from the global generator (see `manualSeed`) in row-major
 * order.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { generatorOf, type Rng } from "../random";
import { checkBoolean, checkFinite, checkInt, checkLabel, checkOptions, checkShapeArg } from "../validate";
import { checkResultShape, checkShape, sizeOf } from "./broadcast";
import { allocate, convert, type DType, isDType, isFloat, isTypedArray, type TypedArray } from "./dtype";
import { readNested } from "./nested";
import { type NestedBooleans, type NestedNumbers, Tensor, type TensorOptions } from "./tensor";

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
    throw new ChainruleError(
      `${op}: dtype must be "float64", "float32", "int32" or "bool", got ${describe(dtype)}`,
    );
  return dtype;
}

/** Creation options after validation. */
interface Checked {
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  readonly label: string | undefined;
}

/**
 * Validates the options every creation function takes (an object or undefined; `dtype` one of
 * the two, `requiresGrad` a boolean, `label` a string), naming `op` in the error.
 */
function createOptions(opts: unknown, op: string, fallback: DType): Checked {
  const o = checkOptions(opts as TensorOptions | undefined, op);
  return {
    dtype: resolveDType(o.dtype, fallback, op),
    requiresGrad: checkBoolean(o.requiresGrad, op, "requiresGrad", false),
    label: checkLabel(o.label, op),
  };
}

function finish(data: TypedArray, shape: readonly number[], o: Checked, op: string): Tensor {
  if (o.requiresGrad && !isFloat(o.dtype)) {
    throw new ChainruleError(
      `${op}: only floating tensors can require grad, got dtype ${o.dtype} (use "float64" or "float32")`,
    );
  }
  return new Tensor(data, shape, { requiresGrad: o.requiresGrad, label: o.label });
}

/** Random factories draw floats: int32 and bool are refused. */
function checkFloatOption(o: Checked, op: string): void {
  if (!isFloat(o.dtype))
    throw new ChainruleError(`${op}: dtype must be "float64" or "float32", got ${o.dtype}`);
}

/**
 * Creates a tensor from a number (0-d), nested arrays, or a typed array, copying the input.
 * The dtype defaults to `"float32"` for a `Float32Array`, `"bool"` for nested booleans and
 * `"float64"` otherwise. Converting to `int32` truncates toward zero; to `bool`, any nonzero
 * number (NaN included) is true (see `astype`).
 *
 * @example
 * tensor([[1, 2], [3, 4]]).shape;                 // [2, 2]
 * tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }).dtype; // "float32"
 * tensor(2.5).shape;                             // []
 * tensor([true, false]).dtype;                   // "bool"
 * tensor([1.7, -2.7], { dtype: "int32" }).toArray(); // [1, -2]
 */
export function tensor(
  x: number | boolean | NestedNumbers[] | NestedBooleans[] | readonly number[] | ArrayLike<number> | Tensor,
  opts: CreateOptions = {},
): Tensor {
  const raw = x;
  const fallback =
    x instanceof Tensor
      ? x.dtype
      : raw instanceof Float32Array
        ? "float32"
        : firstLeafIsBoolean(x)
          ? "bool"
          : "float64";
  const o = createOptions(opts, "tensor", fallback);
  const shapeOpt = (opts as CreateOptions).shape;
  if (x instanceof Tensor) {
    const data = convert(x._s.data, o.dtype);
    return finish(data, shapeOpt ? checkedShape(shapeOpt, data.length) : x.shape, o, "tensor");
  }
  if (isTypedArray(raw)) {
    const data = convert(raw, o.dtype);
    return finish(data, shapeOpt ? checkedShape(shapeOpt, data.length) : [data.length], o, "tensor");
  }
  const t = fromNested(x as NestedNumbers | NestedBooleans, o.dtype, "tensor");
  const shape = shapeOpt ? checkedShape(shapeOpt, t.size) : t.shape;
  return finish(t._s.data, shape, o, "tensor");
}

/** Whether nested input starts with a boolean (`tensor([true, false])` is a bool tensor, as in PyTorch). */
function firstLeafIsBoolean(x: unknown): boolean {
  let leaf = x;
  for (let depth = 0; Array.isArray(leaf) && depth <= 64; depth++) leaf = leaf[0];
  return typeof leaf === "boolean";
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

/**
 * @internal Reads a number or rectangular nested array of numbers into a new tensor (see
 * `readNested`, which does the reading without making a tensor).
 */
export function fromNested(
  x: NestedNumbers | NestedBooleans | readonly number[],
  dtype: DType,
  op: string,
): Tensor {
  const { data, shape } = readNested(x, dtype, op);
  return new Tensor(data, shape);
}

function filled(
  shape: readonly number[],
  value: number,
  opts: TensorOptions | undefined,
  op: string,
  fallback: DType = "float64",
): Tensor {
  const o = createOptions(opts, op, fallback);
  const size = checkShape(shape, op).reduce((n, d) => n * d, 1);
  if (typeof value !== "number")
    throw new ChainruleError(`${op}: fill value must be a number, got ${describe(value)}`);
  const data = allocate(o.dtype, size);
  if (value !== 0) data.fill(o.dtype === "bool" ? 1 : value);
  return finish(data, shape, o, op);
}

/** A tensor of zeros (at most 64 dimensions and `MAX_ELEMENTS` elements, as every tensor). */
export function zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled(shape, 0, opts, "zeros");
}

/** A tensor of ones. */
export function ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled(shape, 1, opts, "ones");
}

/** A tensor filled with `value` (any number, NaN and ±Infinity included). */
export function full(shape: readonly number[], value: number, opts: TensorOptions | DType = {}): Tensor {
  return filled(shape, value, typeof opts === "string" ? { dtype: opts } : opts, "full");
}

function likeOf(t: Tensor, op: string): Tensor {
  if (!(t instanceof Tensor))
    throw new ChainruleError(`${op}: argument must be a Tensor, got ${describe(t)}`);
  return t;
}

/** Zeros with the shape and dtype of `t` (`opts.dtype` overrides the dtype). */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  const like = likeOf(t, "zerosLike");
  return filled(like.shape, 0, opts, "zerosLike", like.dtype);
}

/** Ones with the shape and dtype of `t` (`opts.dtype` overrides the dtype). */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  const like = likeOf(t, "onesLike");
  return filled(like.shape, 1, opts, "onesLike", like.dtype);
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
  const o = createOptions(opts, "arange", "float64");
  checkFinite(start, "arange", "start");
  checkFinite(stop, "arange", "stop");
  checkFinite(step, "arange", "step");
  if (step === 0) throw new ChainruleError("arange: step must not be 0");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkResultShape([n], "arange");
  const data = allocate(o.dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(data, [n], o, "arange");
}

/** `n` evenly spaced values from `a` to `b` inclusive (finite `a`, `b`; an integer n ≥ 0). */
export function linspace(a: number, b: number, n: number, opts: TensorOptions = {}): Tensor {
  const o = createOptions(opts, "linspace", "float64");
  checkFinite(a, "linspace", "start");
  checkFinite(b, "linspace", "end");
  checkInt(n, "linspace", "n", 0);
  checkResultShape([n], "linspace");
  const data = allocate(o.dtype, n);
  const step = n > 1 ? (b - a) / (n - 1) : 0;
  for (let i = 0; i < n; i++) data[i] = i === n - 1 && n > 1 ? b : a + i * step;
  return finish(data, [n], o, "linspace");
}

/** Options of `eye`: those of every factory plus `batchShape`. */
export interface EyeOptions extends TensorOptions {
  /** Leading dimensions: a stack of identity matrices of shape [...batchShape, n, m] (TF.js's `batchShape`). */
  batchShape?: readonly number[];
}

/**
 * The n×m identity matrix, I[i, j] = 1 if i = j else 0 (m = n unless given; `torch.eye(n, m)`),
 * or with `batchShape` a stack of them of shape [...batchShape, n, m] (`tf.eye`). Options may
 * take m's place: `eye(3, { dtype: "float32" })`.
 *
 * @example
 * eye(2).toArray();                  // [[1, 0], [0, 1]]
 * eye(2, 3).toArray();               // [[1, 0, 0], [0, 1, 0]]
 * eye(2, { batchShape: [4] }).shape; // [4, 2, 2]
 */
export function eye(n: number, m?: number | EyeOptions, opts?: EyeOptions): Tensor {
  const optionsFirst = typeof m === "object" && m !== null;
  const options = optionsFirst ? m : opts;
  const o = createOptions(options, "eye", "float64");
  checkInt(n, "eye", "n", 0);
  const cols = optionsFirst || m === undefined ? n : m;
  if (cols !== n) checkInt(cols, "eye", "m", 0);
  const batchShape = options?.batchShape ?? [];
  checkShapeArg(batchShape, "eye", "batchShape");
  const shape = [...batchShape, n, cols];
  const size = checkResultShape(shape, "eye");
  const data = allocate(o.dtype, size);
  for (let b = 0; b < size; b += n * cols) {
    for (let i = 0; i < Math.min(n, cols); i++) data[b + i * cols + i] = 1;
  }
  return finish(data, shape, o, "eye");
}

/** Uniform samples in [0, 1), drawn in row-major order (see `manualSeed`). */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const o = createOptions(opts, "rand", "float64");
  checkFloatOption(o, "rand");
  checkShape(shape, "rand");
  const rng = generatorOf((opts as RandomOptions).generator, "rand");
  const data = allocate(o.dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return finish(data, shape, o, "rand");
}

/** Standard normal samples (Box–Muller), drawn in row-major order (see `manualSeed`). */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const o = createOptions(opts, "randn", "float64");
  checkFloatOption(o, "randn");
  checkShape(shape, "randn");
  const rng = generatorOf((opts as RandomOptions).generator, "randn");
  const data = allocate(o.dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return finish(data, shape, o, "randn");
}
