/** Seeded, stratified train/test splits. */

import { noGrad } from "../autograd/grad-mode";
import { ChainruleError, describe } from "../errors";
import { globalGenerator, type Rng } from "../random";
import { indexSelect } from "../tensor/ops/shape";
import type { Tensor } from "../tensor/tensor";
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
  const n = labels.length;
  const { testSize, stratify = true } = options;
  const rng = options.generator ?? globalGenerator();
  const nTest = testSize > 0 && testSize < 1 ? Math.round(n * testSize) : testSize;
  if (!Number.isInteger(nTest) || nTest <= 0 || nTest >= n) {
    throw new ChainruleError(
      `split: testSize must be a fraction in (0, 1) or an integer in [1, ${n - 1}], got ${describe(testSize)}`,
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
  const labels: Tensor = data.y;
  const { train, test } = splitIndices(labels._s.data, options);
  const take = (idx: number[]): Dataset =>
    noGrad(() => ({ x: indexSelect(data.x, 0, idx), y: indexSelect(data.y, 0, idx) }));
  return { train: take(train), test: take(test) };
}
