/** How a tensor is written out: nested arrays (`toArray`) and text (`toString`, `console.log`). */
import { formatDecimals } from "../format-number";
import { type Shape, sizeOf } from "./broadcast";
import type { TypedArray } from "./dtype";
import type { NestedBooleans, NestedNumbers, Tensor } from "./tensor";

/** The nested arrays of `toArray()` from row-major data. */
export function toNested(data: TypedArray, shape: Shape, booleans = false): NestedNumbers | NestedBooleans {
  const read = (i: number): number | boolean => (booleans ? data[i] !== 0 : (data[i] as number));
  if (shape.length === 0) return read(0) as NestedNumbers;
  const build = (offset: number, dim: number): NestedNumbers[] => {
    const n = shape[dim] as number;
    const out: NestedNumbers[] = new Array(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = read(offset + i) as number;
      return out;
    }
    const step = sizeOf(shape.slice(dim + 1));
    for (let i = 0; i < n; i++) out[i] = build(offset + i * step, dim + 1);
    return out;
  };
  return build(0, 0);
}

/** PyTorch-style text of a tensor whose elements are `data`: `tensor([1, 2], dtype=float64)`. */
export function formatTensor(t: Tensor, data: TypedArray): string {
  const limit = 6;
  const element = (v: number): string => (t.dtype === "bool" ? String(v !== 0) : formatDecimals(v));
  const fmt = (offset: number, dim: number, indent: string): string => {
    if (t.ndim === 0) return element(data[0] as number);
    const n = t.shape[dim] as number;
    const step = sizeOf(t.shape.slice(dim + 1));
    const idx = n > limit ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
    if (dim === t.ndim - 1) {
      return `[${idx.map((i) => (i < 0 ? "…" : element(data[offset + i] as number))).join(", ")}]`;
    }
    const rows = idx.map((i) => (i < 0 ? "…" : fmt(offset + i * step, dim + 1, `${indent} `)));
    return `[${rows.join(`,\n${indent} `)}]`;
  };
  const extras = [`dtype=${t.dtype}`];
  if (t.op) extras.push(`op=${t.op}`);
  else if (t.requiresGrad) extras.push("requiresGrad=true");
  return `tensor(${fmt(0, 0, "       ")}, ${extras.join(", ")})`;
}
