/**
 * The element types a tensor can hold, how they promote, and how values convert between them.
 *
 * - `float64`, `float32`: `Float64Array`, `Float32Array` storage; the only dtypes that can
 *   require grad.
 * - `int32`: `Int32Array` storage; arithmetic wraps modulo 2³² as in C and PyTorch.
 * - `bool`: `Uint8Array` storage holding 0 (false) and 1 (true); `toArray()` gives booleans.
 *
 * Promotion follows PyTorch: `bool < int32 < float32 < float64`, and mixing two dtypes gives the
 * higher one (`promoteTypes`).
 */
export type DType = "float64" | "float32" | "int32" | "bool";

/** The dtypes that can require grad. */
export type FloatDType = "float64" | "float32";

/** The storage of a floating tensor (the only kind float-only kernels see). */
export type FloatArray = Float64Array | Float32Array;

/** The storage of a tensor: a contiguous row-major typed array. */
export type TypedArray = Float64Array | Float32Array | Int32Array | Uint8Array;

/** Any typed array accepted as input (integer arrays are read as numbers). */
export type AnyTypedArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** The dtypes, lowest to highest in promotion order. */
export const DTYPES: readonly DType[] = ["bool", "int32", "float32", "float64"];

const RANK: Readonly<Record<DType, number>> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Allocates a zero-filled storage array of `dtype` with `size` elements. */
export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case "float64":
      return new Float64Array(size);
    case "float32":
      return new Float32Array(size);
    case "int32":
      return new Int32Array(size);
    default:
      return new Uint8Array(size);
  }
}

/** The dtype a storage array holds (`Uint8Array` is `bool`). */
export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int32Array) return "int32";
  return "bool";
}

/** True for the four dtypes chainrule knows. */
export function isDType(x: unknown): x is DType {
  return x === "float64" || x === "float32" || x === "int32" || x === "bool";
}

/** True for `float64` and `float32`, the dtypes that can require grad. */
export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === "float64" || dtype === "float32";
}

/** The higher of two dtypes in `bool < int32 < float32 < float64` (PyTorch's promotion). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype of a plain number next to a tensor of `dtype` (PyTorch's rule for Python scalars):
 * the tensor's dtype, except that a non-integral number with an `int32`/`bool` tensor gives
 * `float64` (the default float dtype) and an integral one with a `bool` tensor gives `int32`.
 */
export function numberDType(dtype: DType, value: number): DType {
  if (isFloat(dtype)) return dtype;
  if (!Number.isInteger(value)) return "float64";
  return "int32";
}

/** The floating dtype an op that only computes in floating point uses for `dtype`: itself, or float64. */
export function floatOf(dtype: DType): FloatDType {
  return isFloat(dtype) ? dtype : "float64";
}

/**
 * A copy of `src` converted to `dtype`, as `astype` converts: exact from `bool`/`int32` to a
 * float; float to `int32` truncates toward zero (values outside the int32 range wrap, NaN gives
 * 0); anything to `bool` is `x ≠ 0` (so NaN is true, as in PyTorch).
 */
export function convert(src: ArrayLike<number>, dtype: DType): TypedArray {
  const out = allocate(dtype, src.length);
  if (dtype === "bool") {
    for (let i = 0; i < src.length; i++) out[i] = (src[i] as number) !== 0 ? 1 : 0;
  } else if (ArrayBuffer.isView(src)) {
    out.set(src as TypedArray);
  } else {
    for (let i = 0; i < src.length; i++) out[i] = src[i] as number;
  }
  return out;
}

/** True for any typed array view (not a DataView). */
export function isTypedArray(x: unknown): x is AnyTypedArray {
  return (
    ArrayBuffer.isView(x) &&
    !(x instanceof DataView) &&
    !(x instanceof BigInt64Array) &&
    !(x instanceof BigUint64Array)
  );
}
