/** The element types a tensor can hold. */
export type DType = "float64" | "float32";

/** The storage of a tensor: a contiguous row-major typed array. */
export type TypedArray = Float64Array | Float32Array;

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

/** Allocates a zero-filled storage array of `dtype` with `size` elements. */
export function allocate(dtype: DType, size: number): TypedArray {
  return dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
}

/** True for the two dtypes chainrule knows. */
export function isDType(x: unknown): x is DType {
  return x === "float64" || x === "float32";
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
