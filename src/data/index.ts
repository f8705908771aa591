/** Generated datasets (browser-safe), exported from the root as the `datasets` namespace. */
export { type Dataset, type GeneratorOptions, moons, spirals, xor } from "./datasets";
