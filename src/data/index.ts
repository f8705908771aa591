/** Datasets and data loading (browser-safe), exported from the root as the `data` namespace. */
export { type Dataset, type GeneratorOptions, moons, spirals, xor } from "./datasets";
export { DataLoader, type DataLoaderOptions } from "./loader";
export { type SplitOptions, splitIndices, trainTestSplit } from "./split";
