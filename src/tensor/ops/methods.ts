/**
 * The `Tensor` methods, read from tables: one method per row of the unary table (`x.exp()`), of
 * the binary table (`x.add(y)`), and of `methodTable` below (reductions, linear algebra, shape
 * and indexing), where each row is the method's math and the op function it calls:
 * `x.sum(0)` is `sum(x, 0)`. tensor.ts types the methods from these tables; `installMethods`
 * puts them on `Tensor.prototype`.
 */
import { ChainruleError, describe } from "../../errors";
import { type DType, isDType } from "../dtype";
import { type IndexLike, isTensorLoaded, type NestedNumbers, Tensor } from "../tensor";
import { type BinaryTable, binaryTable, isElementwiseLoaded, logicalNot, unaryTable } from "./elementwise";
import * as ix from "./indexing";
import * as inplace from "./inplace";
import * as l from "./linalg";
import * as p from "./prelu";
import * as r from "./reduce";
import * as s from "./shape";

/** Reduction axes: one axis, several, or all (omitted). */
type Axes = number | readonly number[];

/** A shape given as separate numbers or as one array: `reshape(2, 3)` or `reshape([2, 3])`. */
type ShapeArgs = number[] | [readonly number[]];

const flatArgs = (args: ShapeArgs): number[] =>
  args.length === 1 && Array.isArray(args[0]) ? Array.from(args[0] as readonly number[]) : (args as number[]);

// Each row calls its op through the module namespace when it runs (not when this table is made),
// so the table is valid whichever module of the Tensor ↔ ops cycle a program loads first.
/** The methods that are not elementwise rows: `x.name(...args)` is `row(x, ...args)`. */
export const methodTable = {
  // ---- reductions ----
  /** Σ over `axis` (all axes by default). ∂ = ḡ broadcast back over the reduced axes. */
  sum: (x: Tensor, axis?: Axes, keepDims = false): Tensor => r.sum(x, axis, keepDims),
  /** Mean over `axis` (all by default). ∂ = ḡ / count, broadcast back. */
  mean: (x: Tensor, axis?: Axes, keepDims = false): Tensor => r.mean(x, axis, keepDims),
  /**
   * Variance over `axis` (all by default), Σ(x − mean)²/(n − correction), correction 1 unless
   * given (`torch.var`).
   *
   * @example
   * tensor([1, 2, 3, 4]).var().item(); // 1.6666666666666667
   */
  var: (x: Tensor, axis?: Axes, options?: r.VarianceOptions): Tensor => r.variance(x, axis, options),
  /**
   * Standard deviation over `axis`, √var (`torch.std`).
   *
   * @example
   * tensor([2, 4, 4, 4, 5, 5, 7, 9]).std(undefined, { correction: 0 }).item(); // 2
   */
  std: (x: Tensor, axis?: Axes, options?: r.VarianceOptions): Tensor => r.std(x, axis, options),
  /**
   * Running sums along `axis` (`torch.cumsum`). ∂ = running sums of ḡ from the other end.
   *
   * @example
   * tensor([1, 2, 3]).cumsum(0).toArray(); // [1, 3, 6]
   */
  cumsum: (x: Tensor, axis: number): Tensor => r.cumsum(x, axis),
  /**
   * Π over `axis` (all by default; `torch.prod`); int32 and bool give int32 (wrapping).
   * ∂ = ḡ ⊙ (product of the other elements), exact with zeros.
   *
   * @example
   * tensor([[1, 2], [3, 4]]).prod(1).toArray(); // [2, 12]
   */
  prod: (x: Tensor, axis?: Axes, keepDims = false): Tensor => r.prod(x, axis, keepDims),
  /**
   * Running products along `axis` (`torch.cumprod`). ∂x_k = Σ_{j ≥ k} ḡ_j Π_{i ≤ j, i ≠ k} x_i.
   *
   * @example
   * tensor([1, 2, 3, 4]).cumprod(0).toArray(); // [1, 2, 6, 24]
   */
  cumprod: (x: Tensor, axis: number): Tensor => r.cumprod(x, axis),
  /**
   * The vector p-norm over `axis` (all by default; `torch.linalg.vector_norm`): (Σ|x|ᵖ)^(1/p),
   * p = ±Infinity the largest/smallest |x|, p = 0 the count of nonzeros. ∂ (p = 2) = ḡ·x/‖x‖,
   * 0 at a zero vector.
   *
   * @example
   * tensor([3, -4]).norm().item(); // 5
   * tensor([3, -4]).norm(1).item(); // 7
   * tensor([3, -4]).norm(Infinity).item(); // 4
   */
  norm: (x: Tensor, p = 2, axis?: Axes, keepDims = false): Tensor => r.norm(x, p, axis, keepDims),
  /**
   * Whether every element over `axis` is nonzero (NaN counts), as a bool tensor; any dtype.
   *
   * @example
   * tensor([[1, 0], [2, 3]]).all(1).toArray(); // [false, true]
   */
  all: (x: Tensor, axis?: Axes, keepDims = false): Tensor => r.all(x, axis, keepDims),
  /**
   * Whether some element over `axis` is nonzero (NaN counts), as a bool tensor; any dtype.
   *
   * @example
   * tensor([[0, 0], [0, 3]]).any(1).toArray(); // [false, true]
   */
  any: (x: Tensor, axis?: Axes, keepDims = false): Tensor => r.any(x, axis, keepDims),
  /**
   * Sorted along `axis` (the last by default), stably, NaN as the largest value (`torch.sort`
   * with stable=True): `{ values, indices }`, indices int32. ∂values = ḡ sent back to the
   * sorted positions (values is a `gather` of x).
   *
   * @example
   * tensor([3, 1, 2]).sort().values.toArray(); // [1, 2, 3]
   * tensor([3, 1, 2]).sort(-1, { descending: true }).indices.toArray(); // [0, 2, 1]
   */
  sort: (x: Tensor, axis = -1, options?: r.SortOptions): r.SortResult => r.sort(x, axis, options),
  /**
   * The int32 indices that sort along `axis`, stably (`torch.argsort` with stable=True).
   *
   * @example
   * tensor([2, 1, 2, 0]).argsort().toArray(); // [3, 1, 0, 2]
   */
  argsort: (x: Tensor, axis = -1, options?: r.SortOptions): Tensor => r.argsort(x, axis, options),
  /**
   * The `k` largest entries along `axis` (the last by default) with their int32 indices
   * (`torch.topk`); `largest: false` gives the k smallest, `sorted: false` keeps their order along
   * the axis. ∂values = ḡ sent back to the chosen positions.
   *
   * @example
   * tensor([1, 5, 3, 4]).topk(2).values.toArray(); // [5, 4]
   * tensor([1, 5, 3, 4]).topk(2, -1, { largest: false }).indices.toArray(); // [0, 2]
   */
  topk: (x: Tensor, k: number, axis = -1, options?: r.TopkOptions): r.SortResult =>
    r.topk(x, k, axis, options),
  /** Maximum over `axis` (values only, like `torch.amax`); the gradient is split evenly among ties. */
  max: (x: Tensor, axis?: Axes, keepDims = false): Tensor => r.max(x, axis, keepDims),
  /** Minimum over `axis` (values only); the gradient is split evenly among ties. */
  min: (x: Tensor, axis?: Axes, keepDims = false): Tensor => r.min(x, axis, keepDims),
  /** ln Σ exp(x) over `axis`, computed as m + ln Σ exp(x − m). ∂ = ḡ ⊙ softmax(x). */
  logSumExp: (x: Tensor, axis?: Axes, keepDims = false): Tensor => r.logSumExp(x, axis, keepDims),
  /** exp(x − logSumExp(x)) along `axis`. ∂ = y ⊙ (ḡ − Σ ḡ ⊙ y). */
  softmax: (x: Tensor, axis = -1): Tensor => r.softmax(x, axis),
  /** x − logSumExp(x) along `axis`. ∂ = ḡ − softmax(x) ⊙ Σ ḡ. */
  logSoftmax: (x: Tensor, axis = -1): Tensor => r.logSoftmax(x, axis),
  /**
   * int32 index of the maximum along `axis` (of the flattened tensor if omitted; the first on
   * ties, NaN counts as the maximum); not differentiable.
   *
   * @example
   * tensor([[1, 5, 5], [7, 0, 2]]).argmax(1).toArray(); // [1, 0]
   */
  argmax: (x: Tensor, axis?: number, keepDims = false): Tensor => r.argmax(x, axis, keepDims),
  /** int32 index of the minimum along `axis` (of the flattened tensor if omitted); not differentiable. */
  argmin: (x: Tensor, axis?: number, keepDims = false): Tensor => r.argmin(x, axis, keepDims),

  // ---- linear algebra ----
  /** `torch.matmul`: 1-D·1-D → [], 2-D·2-D, batched N-D with broadcast batch dimensions. */
  matmul: (x: Tensor, other: Tensor): Tensor => l.matmul(x, other),
  /** Swaps two dimensions (the last two by default). ∂ = ḡ with the same two swapped. */
  transpose: (x: Tensor, dim0 = -2, dim1 = -1): Tensor => l.transpose(x, dim0, dim1),
  /** Reorders the dimensions: result dimension i is this tensor's dimension dims[i]. */
  permute: (x: Tensor, ...dims: number[]): Tensor => l.permute(x, dims),
  /**
   * The outer product with `other`, both 1-D (`torch.outer`): out[i, j] = x[i]·other[j].
   *
   * @example
   * tensor([1, 2]).outer(tensor([3, 4])).toArray(); // [[3, 4], [6, 8]]
   */
  outer: (x: Tensor, other: Tensor): Tensor => l.outer(x, other),

  // ---- activations with a learned parameter ----
  /**
   * PReLU: x where x > 0, else weight·x, one slope (shape [1]) or one per channel (shape [C],
   * C = x.shape[1]). ∂/∂x = ḡ where x > 0, else ḡ·weight; ∂/∂weight = Σ ḡ·x where x ≤ 0, per channel.
   *
   * @example
   * tensor([-2, 3]).prelu(tensor([0.25])).toArray(); // [-0.5, 3]
   */
  prelu: (x: Tensor, weight: Tensor | number): Tensor => p.prelu(x, weight),

  // ---- shape and indexing ----
  /** Same data, new shape (one dimension may be −1). Shares memory. ∂ = ḡ reshaped back. */
  reshape: (x: Tensor, ...shape: ShapeArgs): Tensor => s.reshape(x, flatArgs(shape)),
  /** Reshapes to one dimension. */
  flatten: (x: Tensor): Tensor => s.flatten(x),
  /** Removes dimensions of size 1 (only `axis`, if given and of size 1). */
  squeeze: (x: Tensor, axis?: number): Tensor => s.squeeze(x, axis),
  /** Inserts a dimension of size 1 at `axis`. */
  unsqueeze: (x: Tensor, axis: number): Tensor => s.unsqueeze(x, axis),
  /** Broadcasts to `shape` (−1 keeps a dimension); new dimensions go in front. ∂ = sumTo(ḡ). */
  expand: (x: Tensor, ...shape: ShapeArgs): Tensor => s.expand(x, flatArgs(shape)),
  /**
   * Reverses the order along each of `axes` (`torch.flip`). ∂ = ḡ flipped back.
   *
   * @example
   * tensor([[1, 2], [3, 4]]).flip(1).toArray(); // [[2, 1], [4, 3]]
   */
  flip: (x: Tensor, ...axes: ShapeArgs): Tensor => s.flip(x, flatArgs(axes)),
  /**
   * Rolls the entries `shift` places along `axis`, wrapping around (without an axis: along the
   * flattened tensor, shape kept; `torch.roll`). ∂ = ḡ rolled back by −shift.
   *
   * @example
   * tensor([1, 2, 3, 4]).roll(1).toArray(); // [4, 1, 2, 3]
   */
  roll: (x: Tensor, shift: number, axis?: number): Tensor => s.roll(x, shift, axis),
  /**
   * Upper triangle of the last two dimensions: x[…, i, j] where j − i ≥ k, else 0 (`torch.triu`).
   * ∂ = triu(ḡ, k).
   *
   * @example
   * tensor([[1, 2], [3, 4]]).triu().toArray(); // [[1, 2], [0, 4]]
   */
  triu: (x: Tensor, k = 0): Tensor => s.triu(x, k),
  /**
   * Lower triangle of the last two dimensions: x[…, i, j] where j − i ≤ k, else 0 (`torch.tril`).
   * ∂ = tril(ḡ, k).
   *
   * @example
   * tensor([[1, 2], [3, 4]]).tril(-1).toArray(); // [[0, 0], [3, 0]]
   */
  tril: (x: Tensor, k = 0): Tensor => s.tril(x, k),
  /**
   * Repeated `reps[i]` times along dimension i (`torch.Tensor.repeat`; extra counts add leading
   * dimensions). ∂ = ḡ summed over the copies.
   *
   * @example
   * tensor([1, 2]).repeat(2, 2).toArray(); // [[1, 2, 1, 2], [1, 2, 1, 2]]
   */
  repeat: (x: Tensor, ...reps: ShapeArgs): Tensor => s.repeat(x, flatArgs(reps)),
  /**
   * `torch.tile`: `repeat` with missing leading counts taken as 1.
   *
   * @example
   * tensor([[1, 2]]).tile(2).toArray(); // [[1, 2, 1, 2]]
   */
  tile: (x: Tensor, ...reps: ShapeArgs): Tensor => s.tile(x, flatArgs(reps)),
  /**
   * Pieces of `sizeOrSizes` entries along `axis` (`torch.split`), each a slice.
   *
   * @example
   * tensor([1, 2, 3, 4, 5]).split(2).map((t) => t.toArray()); // [[1, 2], [3, 4], [5]]
   */
  split: (x: Tensor, sizeOrSizes: number | readonly number[], axis = 0): Tensor[] =>
    s.split(x, sizeOrSizes, axis),
  /**
   * At most `chunks` pieces of ⌈length/chunks⌉ along `axis` (`torch.chunk`).
   *
   * @example
   * tensor([1, 2, 3, 4, 5]).chunk(2).map((t) => t.toArray()); // [[1, 2, 3], [4, 5]]
   */
  chunk: (x: Tensor, chunks: number, axis = 0): Tensor[] => s.chunk(x, chunks, axis),
  /**
   * `torch.nn.functional.pad`: `padding` is (before, after) pairs from the last dimension
   * backwards, `[left, right, top, bottom, …]`; negative amounts crop. Modes: "constant" (fill
   * with `value`, default 0), "reflect" (mirror without the edge; each amount < the size),
   * "replicate" (repeat the edge). ∂ = ḡ cropped back, or added back where each entry was read.
   *
   * @example
   * tensor([1, 2, 3]).pad([2, 1], { mode: "reflect" }).toArray(); // [3, 2, 1, 2, 3, 2]
   */
  pad: (x: Tensor, padding: readonly number[], options?: s.PadOptions): Tensor => s.pad(x, padding, options),
  /** Elements [start, end) along `axis` (end exclusive, negatives count from the end, clamped). */
  slice: (x: Tensor, axis: number, start: number, end?: number): Tensor => ix.slice(x, axis, start, end),
  /**
   * `torch.gather`: out[…i…] = x[…index[…i…]…] along `axis` (the index has x's number of
   * dimensions and picks, for each of its positions, which entry along `axis` to read; index
   * arguments may be int32 or float tensors, arrays or integer typed arrays). ∂ = scatter-add of ḡ.
   *
   * TF.js's `tf.gather(x, indices, axis, batchDims)` is this gather over leading batch axes: give
   * each batch row its own indices, as rows of `index` (for x [B, N] and per-row indices [B, K],
   * `x.gather(1, indices)` is `tf.gather(x, indices, 1, 1)`).
   *
   * @example
   * const x = tensor([[10, 11, 12], [20, 21, 22]]);
   * x.gather(1, [[2, 0], [1, 1]]).toArray(); // [[12, 10], [21, 21]]
   * x.gather(1, x.argmax(1, true)).toArray(); // [[12], [22]]
   */
  gather: (x: Tensor, axis: number, index: IndexLike): Tensor => ix.gather(x, axis, index),
  /** Picks the entries `indices` along `axis` (`torch.index_select`). ∂ = index-add of ḡ. */
  indexSelect: (x: Tensor, axis: number, indices: IndexLike): Tensor => ix.indexSelect(x, axis, indices),
  /**
   * `value` (a number or a 0-d tensor, taking x's dtype) where `mask` is nonzero, x elsewhere;
   * x and mask broadcast together (`torch.Tensor.masked_fill`). ∂/∂x = ḡ zeroed where filled;
   * ∂/∂value = Σ ḡ where filled.
   *
   * @example
   * tensor([1, 2, 3]).maskedFill(tensor([true, false, true]), 0).toArray(); // [0, 2, 0]
   */
  maskedFill: (x: Tensor, mask: Tensor, value: Tensor | number): Tensor => ix.maskedFill(x, mask, value),
  /**
   * The entries where `mask` is nonzero, as a 1-D tensor in row-major order; x and mask broadcast
   * together (`torch.masked_select`). ∂ = ḡ put back at those positions, zeros elsewhere.
   *
   * @example
   * tensor([[1, 2], [3, 4]]).maskedSelect(tensor([[true, false], [false, true]])).toArray(); // [1, 4]
   */
  maskedSelect: (x: Tensor, mask: Tensor): Tensor => ix.maskedSelect(x, mask),
  /**
   * `torch.scatter`: a copy of x with out[…index[i][j]…] = src[i][j] along `axis` (src a tensor
   * at least as large as the index, or a number); with a repeated index the last write wins.
   * ∂/∂x = ḡ zeroed at the written positions; ∂/∂src = gather(ḡ, axis, index).
   *
   * @example
   * zeros([2, 3]).scatter(1, [[2], [0]], tensor([[5], [7]])).toArray(); // [[0, 0, 5], [7, 0, 0]]
   */
  scatter: (x: Tensor, axis: number, index: IndexLike, src: Tensor | number): Tensor =>
    ix.scatter(x, axis, index, src),

  // ---- one element, writing in place ----
  /** The element at `indices`, one per dimension (negatives count from the end): `x.at(1, -1)`. */
  at: (x: Tensor, ...indices: number[]): number => inplace.at(x, ...indices),
  /**
   * Writes in place and returns this tensor: `x.set(values)` copies `values` (a number, nested
   * arrays, a flat typed array of this size, or a tensor) broadcast to this shape; `x.set([i, j], v)`
   * writes one element. Counted by the version counter (a graph recorded before refuses to
   * backpropagate through the new numbers), unlike raw writes through `x.data`.
   */
  set: (
    x: Tensor,
    indicesOrData: number | NestedNumbers | ArrayLike<number> | Tensor,
    value?: number,
  ): Tensor => inplace.set(x, indicesOrData, value),

  // ---- logic ----
  /**
   * not x, elementwise, as a bool tensor: 0 is false, anything else (NaN included) true.
   *
   * @example
   * tensor([0, 2, -1]).logicalNot().toArray(); // [true, false, false]
   */
  logicalNot: (x: Tensor): Tensor => logicalNot(x),

  // ---- copies ----
  /** A differentiable copy with its own memory. ∂ = ḡ. */
  clone: (x: Tensor): Tensor => s.clone(x),
  /**
   * A copy converted to `dtype`. Between float dtypes it is differentiable (the gradient is
   * converted back); to int32 it truncates toward zero (values beyond the int32 range wrap,
   * NaN gives 0), to bool it is x ≠ 0 (NaN is true); bool and int32 convert exactly to floats.
   *
   * @example
   * tensor([1.7, -2.7, 0]).astype("int32").toArray(); // [1, -2, 0]
   * tensor([1.7, -2.7, 0]).astype("bool").toArray();  // [true, true, false]
   */
  astype: (x: Tensor, dtype: DType): Tensor => {
    if (!isDType(dtype)) throw new ChainruleError(`astype: unknown dtype ${describe(dtype)}`);
    return s.astype(x, dtype);
  },
};

/** The rows of `methodTable`. */
export type MethodTable = typeof methodTable;

/** A method: the row's function without its first argument (the tensor itself). */
type Method<F> = F extends (x: Tensor, ...args: infer Args) => infer R ? (...args: Args) => R : never;

/** The `Tensor` methods of all three tables (tensor.ts merges them into the class). */
export type TableMethods = {
  readonly [K in keyof MethodTable]: Method<MethodTable[K]>;
} & {
  readonly [K in keyof BinaryTable]: (other: Tensor | number) => Tensor;
} & {
  readonly [K in keyof UnaryTable as UnaryTable[K] extends { method: true } ? K : never]: Method<
    UnaryTable[K]["fn"]
  >;
};
type UnaryTable = ReturnType<typeof unaryTable>;

/** Puts one method on `Tensor.prototype`. */
function define(name: string, method: (this: Tensor, ...args: never[]) => unknown): void {
  Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true });
}

var installed: true | undefined;

/**
 * Gives `Tensor` its table methods. tensor.ts, ops/elementwise.ts and this file import each other
 * (the one allowed cycle), and a program may load any of them first, so each calls this when it
 * has finished loading, and the last one to finish installs the methods (the class and every
 * table exist then). Function declarations and `var`s are hoisted: the other files can call this
 * before this file has run.
 */
export function installMethods(): void {
  if (installed || !methodsLoaded || !isTensorLoaded() || !isElementwiseLoaded()) return;
  installed = true;
  for (const row of Object.values(unaryTable())) {
    if (!row.method) continue;
    const fn = row.fn as (x: Tensor, ...args: unknown[]) => Tensor;
    // ops without arguments take no rest arguments (hot path)
    define(
      row.name,
      row.parameterized
        ? function (this: Tensor, ...args: unknown[]): Tensor {
            return fn(this, ...args);
          }
        : function (this: Tensor): Tensor {
            return fn(this);
          },
    );
  }
  for (const [name, row] of Object.entries(binaryTable)) {
    const fn = row.fn;
    define(name, function (this: Tensor, other: Tensor | number): Tensor {
      return fn(this, other);
    });
  }
  for (const [name, row] of Object.entries(methodTable)) {
    const fn = row as (x: Tensor, ...args: unknown[]) => Tensor;
    define(name, function (this: Tensor, ...args: unknown[]) {
      return fn(this, ...args);
    });
  }
}

var methodsLoaded: true | undefined;
methodsLoaded = true;
installMethods();
