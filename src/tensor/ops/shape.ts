/**
 * Shape ops. Reshape-like ops (reshape, flatten, squeeze, unsqueeze) share the input's memory;
 * everything else copies. Each op's backward is the adjoint data movement: reshape ↔ reshape,
 * expand ↔ sumTo, concat/stack ↔ slices, astype ↔ astype. Indexing (slice, gather, indexSelect)
 * is in indexing.ts.
 */
import { ChainruleError, describe, fmtShape } from "../../errors";
import { checkInteger } from "../../validate";
import { broadcastsTo, checkDims, checkResultShape, normalizeAxis, sameShape, sizeOf } from "../broadcast";
import { convert, type DType } from "../dtype";
import { broadcastTo } from "../kernels/elementwise";
import { copyBlock, flip as flipKernel, remap, roll as rollKernel, triangle } from "../kernels/layout";
import { reduce } from "../kernels/reduce";
import type { OpDef, RawResult, Tensor } from "../tensor";
import { apply, promote } from "./apply";
import { slice } from "./indexing";
import { alloc, around, checkTensor } from "./util";

/** Attributes of the reshape family: the target shape. */
export interface ShapeAttrs {
  readonly shape: readonly number[];
}

/** A reshape-like op: same memory, new shape. ∂ = ḡ reshaped back. */
function viewOp(name: string): OpDef<ShapeAttrs, readonly [Tensor]> {
  return {
    name,
    saves: "none",
    dtypes: "any",
    forward: ([x], { shape }) => ({ shape, data: x._s.data, storage: x._s }),
    backward: (g, { inputs: [x] }) => [reshape(g, x.shape)],
  };
}

export const reshapeOp = viewOp("reshape");
export const flattenOp = viewOp("flatten");
export const squeezeOp = viewOp("squeeze");
export const unsqueezeOp = viewOp("unsqueeze");

/** Broadcasts to a bigger shape (a copy). ∂ = sumTo(ḡ, x.shape). */
export const expandOp: OpDef<ShapeAttrs, readonly [Tensor]> = {
  name: "expand",
  saves: "none",
  dtypes: "any",
  forward: ([x], { shape }) => {
    const t = x;
    const out = alloc(t, sizeOf(shape));
    broadcastTo(t._s.data, t.shape, out, shape);
    return { shape, data: out };
  },
  backward: (g, { inputs: [x] }) => [sumTo(g, x.shape)],
};

/**
 * Sums a tensor down to a shape it broadcasts from: over leading dimensions and over
 * dimensions where the target has 1. The engine's one broadcasting rule. ∂ = expand(ḡ).
 */
export const sumToOp: OpDef<ShapeAttrs, readonly [Tensor]> = {
  name: "sumTo",
  saves: "none",
  forward: ([x], { shape }) => {
    const t = x;
    const lead = t.ndim - shape.length;
    const axes: number[] = [];
    for (let i = 0; i < t.ndim; i++)
      if (i < lead || (shape[i - lead] === 1 && t.shape[i] !== 1)) axes.push(i);
    const acc = new Float64Array(sizeOf(shape));
    reduce(t._s.data, t.shape, axes, acc, "sum");
    const out = alloc(t, acc.length);
    out.set(acc);
    return { shape, data: out };
  },
  backward: (g, { inputs: [x] }) => [expand(g, x.shape)],
};

/** Joins tensors along an existing axis. ∂ᵢ = the matching slice of ḡ. */
export const concatOp: OpDef<{ axis: number }> = {
  name: "concat",
  saves: "none",
  dtypes: "any",
  forward: (ts, { axis }) => concatForward(ts, axis, false),
  backward: (g, { inputs, attrs: { axis } }) => {
    let start = 0;
    return inputs.map((t) => {
      const len = t.shape[axis] as number;
      start += len;
      return slice(g, axis, start - len, start);
    });
  },
};

/** Joins same-shape tensors along a new axis. ∂ᵢ = ḡ at index i of that axis. */
export const stackOp: OpDef<{ axis: number }> = {
  name: "stack",
  saves: "none",
  dtypes: "any",
  forward: (ts, { axis }) => concatForward(ts, axis, true),
  backward: (g, { inputs, attrs: { axis } }) => inputs.map((_, i) => squeeze(slice(g, axis, i, i + 1), axis)),
};

function concatForward(ts: readonly Tensor[], axis: number, stacked: boolean): RawResult {
  const first = ts[0] as Tensor;
  const pieces = stacked
    ? ts.map((t) => [...t.shape.slice(0, axis), 1, ...t.shape.slice(axis)])
    : ts.map((t) => t.shape);
  const total = pieces.reduce((n, s) => n + (s[axis] as number), 0);
  const shape = (pieces[0] as readonly number[]).map((d, i) => (i === axis ? total : d));
  const out = alloc(first, checkResultShape(shape, stacked ? "stack" : "concat"));
  const [outer, , inner] = around(shape, axis);
  let start = 0;
  ts.forEach((t, i) => {
    const len = (pieces[i] as readonly number[])[axis] as number;
    copyBlock(out, outer, total, inner, start, len, t._s.data, true);
    start += len;
  });
  return { shape, data: out };
}

/** A copy with its own memory. ∂ = ḡ. */
export const cloneOp: OpDef<undefined, readonly [Tensor]> = {
  name: "clone",
  saves: "none",
  dtypes: "any",
  forward: ([x]) => {
    const t = x;
    const out = alloc(t, t.size);
    out.set(t._s.data);
    return { shape: t.shape, data: out };
  },
  backward: (g) => [g],
};

/**
 * A copy converted to another dtype (see `convert`: float → int32 truncates toward zero, anything
 * → bool is x ≠ 0). ∂ = ḡ converted back (only between float dtypes: int32 and bool results do
 * not require grad).
 */
export const astypeOp: OpDef<{ dtype: DType }, readonly [Tensor]> = {
  name: "astype",
  saves: "none",
  dtypes: "any",
  forward: ([x], { dtype }) => ({ shape: x.shape, data: convert(x._s.data, dtype) }),
  backward: (g, { inputs: [x] }) => [astype(g, x.dtype)],
};

/** Reverses the order along `axes` (normalised, distinct). ∂ = flip(ḡ, axes): a flip undoes itself. */
export const flipOp: OpDef<{ axes: readonly number[] }, readonly [Tensor]> = {
  name: "flip",
  saves: "none",
  dtypes: "any",
  forward: ([x], { axes }) => {
    const out = alloc(x, x.size);
    flipKernel(x._s.data, x.shape, axes, out);
    return { shape: x.shape, data: out };
  },
  backward: (g, { attrs }) => [apply(flipOp, [g], attrs)],
};

/**
 * Rolls by `shift` along `axis` (entries pushed off the end come back at the start); with
 * `axis` null, along the flattened tensor, shape kept (`torch.roll`). ∂ = roll(ḡ, −shift, axis).
 */
export const rollOp: OpDef<{ shift: number; axis: number | null }, readonly [Tensor]> = {
  name: "roll",
  saves: "none",
  dtypes: "any",
  forward: ([x], { shift, axis }) => {
    const out = alloc(x, x.size);
    const [outer, len, inner] = axis === null ? [1, x.size, 1] : around(x.shape, axis);
    rollKernel(x._s.data, outer, len, inner, shift, out);
    return { shape: x.shape, data: out };
  },
  backward: (g, { attrs: { shift, axis } }) => [apply(rollOp, [g], { shift: -shift, axis })],
};

/** Attributes of triu and tril: the diagonal k (0 the main one, > 0 above, < 0 below). */
export interface TriangleAttrs {
  readonly k: number;
}

/** triu and tril: the entries of the last two dimensions on one side of diagonal k, the rest 0. ∂ = the same mask of ḡ. */
function triangleOp(name: "triu" | "tril"): OpDef<TriangleAttrs, readonly [Tensor]> {
  const op: OpDef<TriangleAttrs, readonly [Tensor]> = {
    name,
    saves: "none",
    dtypes: "any",
    forward: ([x], { k }) => {
      const out = alloc(x, x.size);
      const [rows, cols] = x.shape.slice(-2) as [number, number];
      triangle(x._s.data, rows, cols, k, name === "triu", out);
      return { shape: x.shape, data: out };
    },
    backward: (g, { attrs }) => [apply(op, [g], attrs)],
  };
  return op;
}
export const triuOp = triangleOp("triu");
export const trilOp = triangleOp("tril");

/** How pad fills the new entries: a constant, the mirror image without the edge, or the edge repeated. */
export type PadMode = "constant" | "reflect" | "replicate";

/**
 * Attributes of pad and its adjoint, one entry per dimension in dimension order: entries added
 * `before` and `after` (negative: cropped), the mode, the constant, and the unpadded shape `full`.
 */
export interface PadAttrs {
  readonly before: readonly number[];
  readonly after: readonly number[];
  readonly mode: PadMode;
  readonly value: number;
  readonly full: readonly number[];
}

/**
 * For each dimension of `shape`, where each padded position reads from: i = o − before, as is
 * inside [0, n), else −1 (constant), the mirror −i or 2(n − 1) − i (reflect), or the nearest
 * edge (replicate).
 */
function padMaps({ before, after, mode }: PadAttrs, shape: readonly number[]): Int32Array[] {
  return shape.map((n, d) => {
    const b = before[d] as number;
    const map = new Int32Array(n + b + (after[d] as number));
    for (let o = 0; o < map.length; o++) {
      const i = o - b;
      if (i >= 0 && i < n) map[o] = i;
      else if (mode === "constant") map[o] = -1;
      else if (mode === "replicate") map[o] = i < 0 ? 0 : n - 1;
      else map[o] = i < 0 ? -i : 2 * (n - 1) - i;
    }
    return map;
  });
}

/**
 * `torch.nn.functional.pad` on every dimension: out[o] = x[map(o)] or the constant. ∂: constant
 * mode, ḡ cropped back (a pad by the negated amounts, so the pair is one op); reflect and
 * replicate, padBackward (ḡ added back into the positions each entry was read from).
 */
export const padOp: OpDef<PadAttrs, readonly [Tensor]> = {
  name: "pad",
  saves: "none",
  dtypes: "any",
  forward: ([x], attrs) => {
    const maps = padMaps(attrs, x.shape);
    const shape = maps.map((m) => m.length);
    const out = alloc(x, checkResultShape(shape, "pad"));
    remap(x._s.data, x.shape, maps, out, attrs.value);
    return { shape, data: out };
  },
  backward: (g, { attrs, inputs: [x] }) => [
    attrs.mode === "constant"
      ? apply(padOp, [g], {
          before: attrs.before.map((b) => -b),
          after: attrs.after.map((a) => -a),
          mode: "constant",
          value: 0,
          full: g.shape,
        })
      : apply(padBackwardOp, [g], { ...attrs, full: x.shape }),
  ],
};

/** The adjoint of a reflect or replicate pad: zeros of the unpadded shape, each ḡ entry added where it was read from. ∂ = pad(ḡ). */
export const padBackwardOp: OpDef<PadAttrs, readonly [Tensor]> = {
  name: "padBackward",
  saves: "none",
  dtypes: "any",
  forward: ([g], attrs) => {
    const out = alloc(g, sizeOf(attrs.full));
    remap(out, attrs.full, padMaps(attrs, attrs.full), g._s.data, 0, true);
    return { shape: attrs.full, data: out };
  },
  backward: (g, { attrs }) => [apply(padOp, [g], attrs)],
};

// ---- public functions ----

/** Reshape with one optional −1 (inferred). Shares memory. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "reshape");
  return apply(reshapeOp, [x], { shape: resolveShape(x, shape, "reshape") });
}

function resolveShape(x: Tensor, shape: readonly number[], op: string): number[] {
  if (!Array.isArray(shape)) throw new ChainruleError(`${op}: shape must be numbers, got ${describe(shape)}`);
  checkDims(shape.length, op);
  let infer = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new ChainruleError(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ChainruleError(`${op}: invalid dimension ${d} in ${fmtShape(shape)}`);
    } else known *= d;
  });
  const out = Array.from(shape);
  if (infer >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new ChainruleError(
        `${op}: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`,
      );
    }
    out[infer] = x.size / known;
  } else if (known !== x.size) {
    throw new ChainruleError(
      `${op}: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`,
    );
  }
  return out;
}

export function flatten(x: Tensor): Tensor {
  checkTensor(x, "flatten");
  return apply(flattenOp, [x], { shape: [x.size] });
}

/** Removes size-1 dimensions (all of them, or `axis` if it has size 1, as PyTorch). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  checkTensor(x, "squeeze");
  let shape: number[];
  if (axis === undefined || axis === null) shape = x.shape.filter((d) => d !== 1);
  else if (x.ndim === 0) {
    normalizeAxis(axis, 1, "squeeze", x.shape);
    shape = [];
  } else {
    const a = normalizeAxis(axis, x.ndim, "squeeze", x.shape);
    shape = x.shape[a] === 1 ? x.shape.filter((_, i) => i !== a) : Array.from(x.shape);
  }
  return apply(squeezeOp, [x], { shape });
}

/** Inserts a size-1 dimension at `axis` (−1 appends). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  checkTensor(x, "unsqueeze");
  const a = normalizeAxis(axis, x.ndim + 1, "unsqueeze", x.shape);
  const shape = [...x.shape.slice(0, a), 1, ...x.shape.slice(a)];
  checkDims(shape.length, "unsqueeze", "the result");
  return apply(unsqueezeOp, [x], { shape });
}

/** Broadcasts to `shape`; −1 keeps the existing size; new dimensions are added in front. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "expand");
  if (!Array.isArray(shape))
    throw new ChainruleError(`expand: shape must be numbers, got ${describe(shape)}`);
  checkDims(shape.length, "expand");
  const lead = shape.length - x.ndim;
  if (lead < 0)
    throw new ChainruleError(
      `expand: cannot expand ${fmtShape(x.shape)} to fewer dimensions ${fmtShape(shape)}`,
    );
  const target = shape.map((d, i) => (d === -1 && i >= lead ? (x.shape[i - lead] as number) : d));
  if (target.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ChainruleError(
      `expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} (sizes must be non-negative integers; -1 only keeps an existing dimension)`,
    );
  }
  if (!broadcastsTo(x.shape, target))
    throw new ChainruleError(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  checkResultShape(target, "expand");
  return apply(expandOp, [x], { shape: target });
}

/** Sums `x` down to `shape` (which must broadcast to x's shape). */
export function sumTo(x: Tensor, shape: readonly number[], op = "sumTo"): Tensor {
  checkTensor(x, op);
  if (sameShape(x.shape, shape)) return x;
  if (!broadcastsTo(shape, x.shape)) {
    throw new ChainruleError(
      `${op}: a gradient of shape ${fmtShape(x.shape)} cannot be summed to ${fmtShape(shape)}`,
    );
  }
  return apply(sumToOp, [x], { shape: Array.from(shape) });
}

function checkList(ts: readonly Tensor[], op: string): void {
  if (!Array.isArray(ts) || ts.length === 0)
    throw new ChainruleError(`${op}: expected a non-empty array of tensors, got ${describe(ts)}`);
  ts.forEach((t, i) => {
    checkTensor(t, op, `element ${i}`);
  });
}

/** Joins tensors along an existing `axis`; all other dimensions must agree. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList(tensors, "concat");
  const ts = promote(tensors);
  const first = ts[0] as Tensor;
  if (first.ndim === 0) throw new ChainruleError("concat: 0-d tensors cannot be concatenated (use stack)");
  const a = normalizeAxis(axis, first.ndim, "concat", first.shape);
  for (const t of ts) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ChainruleError(
        `concat: shapes ${ts.map((x) => fmtShape(x.shape)).join(", ")} differ outside axis ${a}`,
      );
    }
  }
  return apply(concatOp, ts, { axis: a });
}

/** Stacks same-shape tensors along a new `axis`. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList(tensors, "stack");
  const ts = promote(tensors);
  const first = ts[0] as Tensor;
  const a = normalizeAxis(axis, first.ndim + 1, "stack", first.shape);
  for (const t of ts) {
    if (!sameShape(t.shape, first.shape)) {
      throw new ChainruleError(
        `stack: all tensors need the same shape, got ${ts.map((x) => fmtShape(x.shape)).join(", ")}`,
      );
    }
  }
  return apply(stackOp, ts, { axis: a });
}

export function clone(x: Tensor): Tensor {
  return apply(cloneOp, [checkTensor(x, "clone")], undefined);
}

export function astype(x: Tensor, dtype: DType): Tensor {
  return apply(astypeOp, [checkTensor(x, "astype")], { dtype });
}

/** Reverses the order of the entries along each of `axes` (`torch.flip`; none: unchanged). */
export function flip(x: Tensor, axes: readonly number[]): Tensor {
  checkTensor(x, "flip");
  const norm = axes.map((a) => normalizeAxis(a, x.ndim, "flip", x.shape));
  if (new Set(norm).size !== norm.length) {
    throw new ChainruleError(`flip: axes ${JSON.stringify(axes)} repeat a dimension of ${fmtShape(x.shape)}`);
  }
  return apply(flipOp, [x], { axes: norm });
}

/**
 * Rolls the entries by `shift` places along `axis` (negative: the other way); without an axis,
 * along the flattened tensor, keeping its shape (`torch.roll`).
 */
export function roll(x: Tensor, shift: number, axis?: number): Tensor {
  checkTensor(x, "roll");
  checkInteger(shift, "roll", "shift");
  const a = axis === undefined ? null : normalizeAxis(axis, x.ndim, "roll", x.shape);
  return apply(rollOp, [x], { shift, axis: a });
}

/** Checks triu's and tril's input (≥ 2 dimensions) and diagonal, then records `def`. */
function triangleOf(def: OpDef<TriangleAttrs, readonly [Tensor]>, x: Tensor, k: number): Tensor {
  checkTensor(x, def.name);
  if (x.ndim < 2) {
    throw new ChainruleError(
      `${def.name}: needs a tensor of at least 2 dimensions, got ${fmtShape(x.shape)}`,
    );
  }
  checkInteger(k, def.name, "diagonal k");
  return apply(def, [x], { k });
}

/** The upper triangle of the last two dimensions: entries with j − i ≥ k kept, the rest 0 (`torch.triu`). */
export const triu = (x: Tensor, k = 0): Tensor => triangleOf(triuOp, x, k);

/** The lower triangle of the last two dimensions: entries with j − i ≤ k kept, the rest 0 (`torch.tril`). */
export const tril = (x: Tensor, k = 0): Tensor => triangleOf(trilOp, x, k);

/** Checks a list of counts (integers ≥ 0), one per dimension or more. */
function checkCounts(counts: readonly number[], op: string, what: string): void {
  if (!Array.isArray(counts))
    throw new ChainruleError(`${op}: ${what} must be an array of integers ≥ 0, got ${describe(counts)}`);
  for (const c of counts) {
    if (typeof c !== "number" || !Number.isInteger(c) || c < 0) {
      throw new ChainruleError(`${op}: ${what} must be integers ≥ 0, got ${describe(c)}`);
    }
  }
}

/**
 * The tensor repeated `reps[i]` times along dimension i (`torch.Tensor.repeat`); extra leading
 * counts add leading dimensions. Composed of differentiable ops (a size-1 dimension before each,
 * expanded to its count, then merged), so ∂ is the sum of ḡ over the copies.
 */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  checkTensor(x, "repeat");
  checkCounts(reps, "repeat", "repeat counts");
  if (reps.length < x.ndim) {
    throw new ChainruleError(
      `repeat: needs a count for each of the ${x.ndim} dimensions of ${fmtShape(x.shape)}, got ${JSON.stringify(reps)}`,
    );
  }
  const shape = [...new Array<number>(reps.length - x.ndim).fill(1), ...x.shape];
  const counts = reps as readonly number[];
  const spread = expand(
    reshape(
      x,
      shape.flatMap((d) => [1, d]),
    ),
    shape.flatMap((d, i) => [counts[i] as number, d]),
  );
  return reshape(
    spread,
    shape.map((d, i) => d * (counts[i] as number)),
  );
}

/** `torch.tile`: `repeat` with the counts padded by 1s in front to the tensor's rank. */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  checkTensor(x, "tile");
  checkCounts(reps, "tile", "repeat counts");
  return repeat(x, [...new Array<number>(Math.max(0, x.ndim - reps.length)).fill(1), ...reps]);
}

/**
 * Cuts the tensor along `axis` into pieces of `sizeOrSizes` entries (the last one shorter if
 * they do not divide the length), or into pieces of the listed sizes, which must add up to the
 * length (`torch.split`). Each piece is a slice, so the gradients flow back into place.
 */
export function split(x: Tensor, sizeOrSizes: number | readonly number[], axis = 0): Tensor[] {
  checkTensor(x, "split");
  const a = normalizeAxis(axis, x.ndim, "split", x.shape);
  const len = x.shape[a] as number;
  let sizes: number[];
  if (typeof sizeOrSizes === "number") {
    if (!Number.isInteger(sizeOrSizes) || sizeOrSizes < 1) {
      throw new ChainruleError(`split: size must be an integer ≥ 1, got ${describe(sizeOrSizes)}`);
    }
    sizes = Array.from({ length: Math.max(1, Math.ceil(len / sizeOrSizes)) }, (_, i) =>
      Math.min(sizeOrSizes, len - i * sizeOrSizes),
    );
  } else {
    checkCounts(sizeOrSizes, "split", "sizes");
    sizes = [...sizeOrSizes];
    const total = sizes.reduce((t, n) => t + n, 0);
    if (total !== len) {
      throw new ChainruleError(
        `split: sizes ${JSON.stringify(sizes)} add up to ${total}, axis ${axis} of ${fmtShape(x.shape)} has ${len}`,
      );
    }
  }
  let start = 0;
  return sizes.map((n) => {
    const piece = slice(x, a, start, start + n);
    start += n;
    return piece;
  });
}

/**
 * Cuts the tensor into at most `chunks` pieces of ⌈length/chunks⌉ along `axis` (`torch.chunk`:
 * fewer pieces when the length runs out first).
 */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  checkTensor(x, "chunk");
  if (!Number.isInteger(chunks) || chunks < 1) {
    throw new ChainruleError(`chunk: chunks must be an integer ≥ 1, got ${describe(chunks)}`);
  }
  const len = x.shape[normalizeAxis(axis, x.ndim, "chunk", x.shape)] as number;
  return split(x, Math.max(1, Math.ceil(len / chunks)), axis);
}

/** Options of `pad`: the mode (default "constant") and the constant (default 0, constant mode only). */
export interface PadOptions {
  readonly mode?: PadMode;
  readonly value?: number;
}

/**
 * `torch.nn.functional.pad`: `padding` lists (before, after) pairs from the LAST dimension
 * backwards, `[left, right, top, bottom, …]`, for as many dimensions as it has pairs. Negative
 * amounts crop. "constant" fills with `value`; "reflect" mirrors without repeating the edge
 * (each amount must be less than the dimension's size, as PyTorch); "replicate" repeats the edge.
 * Reflect and replicate work on any dimension (PyTorch limits them to the last three).
 */
export function pad(x: Tensor, padding: readonly number[], options: PadOptions = {}): Tensor {
  checkTensor(x, "pad");
  if (!Array.isArray(padding)) {
    throw new ChainruleError(`pad: padding must be an array of integers, got ${describe(padding)}`);
  }
  const bad = padding.findIndex((p) => !Number.isInteger(p));
  if (bad >= 0) {
    throw new ChainruleError(
      `pad: padding must hold integers, got ${describe(padding[bad])} at position ${bad}`,
    );
  }
  if (padding.length % 2 !== 0) {
    throw new ChainruleError(
      `pad: padding ${JSON.stringify(padding)} must have an even length ((before, after) pairs from the last dimension)`,
    );
  }
  if (padding.length / 2 > x.ndim) {
    throw new ChainruleError(
      `pad: padding ${JSON.stringify(padding)} has ${padding.length / 2} pairs for a tensor of ${x.ndim} dimensions ${fmtShape(x.shape)}`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new ChainruleError(`pad: options must be an object, got ${describe(options)}`);
  }
  const { mode = "constant", value } = options;
  if (mode !== "constant" && mode !== "reflect" && mode !== "replicate") {
    throw new ChainruleError(`pad: mode must be "constant", "reflect" or "replicate", got ${describe(mode)}`);
  }
  if (value !== undefined && mode !== "constant") {
    throw new ChainruleError(`pad: mode "${mode}" does not take a value (only "constant" does)`);
  }
  if (value !== undefined && typeof value !== "number") {
    throw new ChainruleError(`pad: value must be a number, got ${describe(value)}`);
  }
  const before = new Array<number>(x.ndim).fill(0);
  const after = new Array<number>(x.ndim).fill(0);
  for (let k = 0; k < padding.length / 2; k++) {
    const d = x.ndim - 1 - k;
    const n = x.shape[d] as number;
    const b = padding[2 * k] as number;
    const a = padding[2 * k + 1] as number;
    const pair = `(${b}, ${a}) of dimension ${d} of ${fmtShape(x.shape)}`;
    if (n + b + a < 0) throw new ChainruleError(`pad: padding ${pair} leaves a negative size ${n + b + a}`);
    if (mode === "reflect" && ((b > 0 && b >= n) || (a > 0 && a >= n))) {
      throw new ChainruleError(`pad: reflect padding ${pair} must be less than the dimension's size ${n}`);
    }
    if (mode === "replicate" && n === 0 && (b > 0 || a > 0)) {
      throw new ChainruleError(`pad: replicate padding ${pair} has no edge to repeat in an empty dimension`);
    }
    before[d] = b;
    after[d] = a;
  }
  // the constant as the tensor's dtype stores it (truncated for int32, x ≠ 0 for bool)
  const fill = convert([value ?? 0], x.dtype)[0] as number;
  return apply(padOp, [x], { before, after, mode, value: fill, full: x.shape });
}
