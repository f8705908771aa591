/** Mini-batches over tensors that share a first (example) dimension. */
import { noGrad } from "../autograd/grad-mode";
import { ChainruleError, describe, fmtShape } from "../errors";
import { generatorOf, globalGenerator, type Rng } from "../random";
import { indexSelect } from "../tensor/ops/indexing";
import { Tensor } from "../tensor/tensor";
import { checkBoolean, checkInt, checkOptions } from "../validate";

/** Options of `DataLoader`. */
export interface DataLoaderOptions {
  /** Examples per batch (default 32). */
  batchSize?: number;
  /** Reshuffle every epoch (default false), with the global generator unless `generator` is given. */
  shuffle?: boolean;
  /** Drop a last, smaller batch (default false). */
  dropLast?: boolean;
  generator?: Rng;
}

/**
 * Iterates over mini-batches: each batch is an array with one tensor per input tensor, the rows
 * picked by the same indices. Iterating again starts a new epoch (reshuffled if `shuffle`).
 *
 * @example
 * const x = randn([200, 3]);
 * const y = randn([200, 1]);
 * const loader = new DataLoader([x, y], { batchSize: 64, shuffle: true });
 * for (const [xb, yb] of loader) {
 *   // xb: [64, 3], yb: [64, 1] (the same 64 rows of x and y); the last batch has 8 rows
 * }
 * [...loader].map(([xb, yb]) => [xb.shape[0], yb.shape[0]]); // [[64, 64], [64, 64], [64, 64], [8, 8]]
 */
export class DataLoader<T extends readonly Tensor[] = Tensor[]> implements Iterable<T> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly tensors: T;
  private readonly rng: Rng | undefined;

  /** `tensors` share their first (example) dimension; a batch holds one slice of each, in order. */
  constructor(tensors: readonly [...T], options?: DataLoaderOptions) {
    if (
      !Array.isArray(tensors) ||
      tensors.length === 0 ||
      tensors.some((t) => !(t instanceof Tensor) || t.ndim === 0)
    ) {
      throw new ChainruleError(
        `DataLoader: expected an array of tensors with a first dimension, got ${describe(tensors)}`,
      );
    }
    const n = tensors[0]?.shape[0] as number;
    if (tensors.some((t) => t.shape[0] !== n)) {
      throw new ChainruleError(
        `DataLoader: tensors disagree on the number of examples: ${tensors.map((t) => fmtShape(t.shape)).join(", ")}`,
      );
    }
    const o = checkOptions(options, "DataLoader");
    this.batchSize = o.batchSize === undefined ? 32 : checkInt(o.batchSize, "DataLoader", "batchSize", 1);
    this.shuffle = checkBoolean(o.shuffle, "DataLoader", "shuffle", false);
    this.dropLast = checkBoolean(o.dropLast, "DataLoader", "dropLast", false);
    this.tensors = tensors as unknown as T;
    this.rng = o.generator === undefined ? undefined : generatorOf(o.generator, "DataLoader");
  }

  /** Number of examples. */
  get size(): number {
    return this.tensors[0]?.shape[0] as number;
  }

  /** Number of batches per epoch. */
  get length(): number {
    return this.dropLast ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  /** One epoch: the batches in order (a new permutation each epoch when shuffling). */
  *[Symbol.iterator](): Iterator<T> {
    const n = this.size;
    const order = this.shuffle
      ? (this.rng ?? globalGenerator()).permutation(n)
      : Array.from({ length: n }, (_, i) => i);
    for (let b = 0; b < this.length; b++) {
      const idx = order.slice(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
      yield noGrad(() => this.tensors.map((t) => indexSelect(t, 0, idx))) as unknown as T;
    }
  }
}
