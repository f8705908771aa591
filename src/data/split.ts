/** Seeded, stratified train/test splits. */

import { noGrad } from "../autograd/grad-mode";
import { ChainruleError, describe, fmtShape } from "../errors";
import { generatorOf, type Rng } from "../random";
import { isTypedArray } from "../tensor/dtype";
import { indexSelect } from "../tensor/ops/indexing";
import { readData } from "../tensor/storage";
import { Tensor } from "../tensor/tensor";
import { checkBoolean, checkOptions, fail } from "../validate";
import type { Dataset } from "./datasets";

/** Options of `splitIndices` and `trainTestSplit`. */
export interface SplitOptions {
  /** Test set size: a fraction in (0, 1) or a number of examples. */
  testSize: number;
  /** Keep each class's proportion in both parts (default true). */
  stratify?: boolean;
  generator?: Rng;
}

/**
 * Splits `labels.length` examples into train and test index lists. With `stratify`, each class
 * contributes to the test set in proportion to its size (largest remainders make the total
 * exact); examples are shuffled within each class by the generator. Both lists are sorted by
 * a final shuffle of their own so batches mix classes.
 */
export function splitIndices(
  labels: ArrayLike<number>,
  options: SplitOptions,
): { train: number[]; test: number[] } {
  return split(labels, options, "splitIndices");
}

function split(
  labels: ArrayLike<number>,
  options: SplitOptions,
  op: string,
): { train: number[]; test: number[] } {
  if (!Array.isArray(labels) && !isTypedArray(labels)) {
    fail(op, "labels", "an array or a typed array of numbers", labels);
  }
  if (options === undefined) fail(op, "options", "an object", options);
  const o = checkOptions(options, op);
  const n = labels.length;
  const testSize = o.testSize;
  const stratify = checkBoolean(o.stratify, op, "stratify", true);
  const rng = generatorOf(o.generator, op);
  const nTest =
    typeof testSize === "number" && testSize > 0 && testSize < 1 ? Math.round(n * testSize) : testSize;
  if (typeof nTest !== "number" || !Number.isInteger(nTest) || nTest <= 0 || nTest >= n) {
    throw new ChainruleError(
      `${op}: testSize must be a fraction in (0, 1) or an integer in [1, ${n - 1}], got ${describe(testSize)}`,
    );
  }
  let test: number[] = [];
  let train: number[] = [];
  if (!stratify) {
    const order = rng.permutation(n);
    test = order.slice(0, nTest);
    train = order.slice(nTest);
  } else {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const c = labels[i] as number;
      if (!byClass.has(c)) byClass.set(c, []);
      (byClass.get(c) as number[]).push(i);
    }
    const classes = [...byClass.keys()].sort((a, b) => a - b);
    const quotas = classes.map((c) => ((byClass.get(c) as number[]).length * nTest) / n);
    const counts = quotas.map(Math.floor);
    let left = nTest - counts.reduce((a, b) => a + b, 0);
    const byRemainder = quotas
      .map((q, i) => [q - Math.floor(q), i] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, i] of byRemainder) {
      if (left-- <= 0) break;
      counts[i] = (counts[i] as number) + 1;
    }
    classes.forEach((c, k) => {
      const idx = rng.shuffle([...(byClass.get(c) as number[])]);
      test.push(...idx.slice(0, counts[k]));
      train.push(...idx.slice(counts[k]));
    });
    test = rng.shuffle(test);
    train = rng.shuffle(train);
  }
  return { train, test };
}

/** Splits a dataset `{ x, y }` (rows are examples) into seeded, stratified train and test parts. */
export function trainTestSplit(data: Dataset, options: SplitOptions): { train: Dataset; test: Dataset } {
  const op = "trainTestSplit";
  if (
    data === null ||
    typeof data !== "object" ||
    !(data.x instanceof Tensor) ||
    !(data.y instanceof Tensor)
  ) {
    fail(op, "data", "a dataset { x, y } of tensors", data);
  }
  const rows = (t: Tensor) => (t.ndim === 0 ? Number.NaN : t.shape[0]);
  if (rows(data.x) !== rows(data.y) || data.x.ndim === 0) {
    throw new ChainruleError(
      `${op}: x ${fmtShape(data.x.shape)} and y ${fmtShape(data.y.shape)} must have the same number of rows`,
    );
  }
  const labels: Tensor = data.y;
  const { train, test } = split(readData(labels), options, op);
  const take = (idx: number[]): Dataset =>
    noGrad(() => ({ x: indexSelect(data.x, 0, idx), y: indexSelect(data.y, 0, idx) }));
  return { train: take(train), test: take(test) };
}
