/**
 * Loading the libraries chainrule is compared with. They live in bench/compare/node_modules
 * (their own package.json, never the main one: js-pytorch pulls `gl`, whose native build fails
 * without a GL toolchain), are installed on first use, and are imported by a computed specifier,
 * so the main `tsc -p .` typechecks this folder whether or not they are installed. The small
 * interfaces below declare just the API the comparison calls.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The bench/compare folder. */
export const COMPARE_DIR = fileURLToPath(new URL(".", import.meta.url));

/** An opaque TensorFlow.js tensor (only what the comparison calls). */
export interface TfTensor {
  readonly shape: number[];
  dataSync(): Float32Array;
  dispose(): void;
  clone(): TfTensor;
}

/** A TensorFlow.js variable. */
export interface TfVariable extends TfTensor {
  readonly name: string;
  assign(value: TfTensor): void;
}

/** The slice of `@tensorflow/tfjs` the comparison uses. */
export interface Tfjs {
  version: { "tfjs-core": string };
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  ready(): Promise<void>;
  env(): { getAsync(flag: string): Promise<unknown>; set(flag: string, value: boolean): void };
  tidy<T>(fn: () => T): T;
  tensor1d(values: number[]): TfTensor;
  tensor2d(values: number[][]): TfTensor;
  tensor(values: Float32Array | Int32Array, shape: number[], dtype?: "float32" | "int32"): TfTensor;
  oneHot(indices: TfTensor, depth: number): TfTensor;
  losses: { softmaxCrossEntropy(onehot: TfTensor, logits: TfTensor): TfTensor };
  randomUniform(shape: number[], minval?: number, maxval?: number, dtype?: "float32"): TfTensor;
  variable(initial: TfTensor): TfVariable;
  matMul(a: TfTensor, b: TfTensor): TfTensor;
  add(a: TfTensor, b: TfTensor | number): TfTensor;
  sub(a: TfTensor | number, b: TfTensor | number): TfTensor;
  mul(a: TfTensor, b: TfTensor | number): TfTensor;
  relu(x: TfTensor): TfTensor;
  mean(x: TfTensor): TfTensor;
  sum(x: TfTensor): TfTensor;
  square(x: TfTensor): TfTensor;
  addN(xs: TfTensor[]): TfTensor;
  variableGrads(f: () => TfTensor): { value: TfTensor; grads: Record<string, TfTensor> };
}

/** Nested arrays of numbers, js-pytorch's storage. */
export type Nested = number | Nested[];

/** A js-pytorch tensor: nested JS arrays of numbers (float64), with a tape in `children`/`parents`. */
export interface JptTensor {
  readonly shape: number[];
  _data: Nested[];
  _grad: JptTensor;
  readonly data: Nested[];
  add(other: JptTensor | number): JptTensor;
  sub(other: JptTensor | number): JptTensor;
  mul(other: JptTensor | number): JptTensor;
  div(other: JptTensor | number): JptTensor;
  neg(): JptTensor;
  matmul(other: JptTensor): JptTensor;
  sum(dim?: number, keepdims?: boolean): JptTensor;
  mean(dim?: number, keepdims?: boolean): JptTensor;
  backward(): void;
  zero_grad(): void;
}

/** The slice of `js-pytorch`'s `torch` the comparison uses. */
export interface Torch {
  tensor(data: Nested[], requiresGrad?: boolean): JptTensor;
  matmul(a: JptTensor, b: JptTensor): JptTensor;
}

const PACKAGES = ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "js-pytorch"] as const;

const installed = (name: string) => existsSync(`${COMPARE_DIR}node_modules/${name}/package.json`);

/**
 * Installs bench/compare's dependencies if any is missing (`npm install --ignore-scripts` in that
 * folder: the scripts skipped are `gl`'s native build, which js-pytorch needs only for its GPU
 * mode). Returns false if npm failed.
 */
export function ensureInstalled(): boolean {
  if (PACKAGES.every(installed)) return true;
  console.log(
    `installing ${PACKAGES.join(", ")} into ${COMPARE_DIR}node_modules (npm install --ignore-scripts)…`,
  );
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["install", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: COMPARE_DIR,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  return r.status === 0 && PACKAGES.every(installed);
}

/** The installed version of one of bench/compare's packages ("?" if unreadable). */
export function versionOf(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(`${COMPARE_DIR}node_modules/${name}/package.json`, "utf8"));
    return String(pkg.version);
  } catch {
    return "?";
  }
}

/** Imports a package by a computed name (no compile-time resolution), or returns the error. */
async function load(name: string): Promise<unknown> {
  const specifier: string = name;
  return import(specifier);
}

export interface Loaded<T> {
  lib: T | null;
  /** Why the library is unavailable (when `lib` is null). */
  error?: string;
}

const message = (e: unknown) => (e instanceof Error ? e.message.split("\n")[0] : String(e));

/** TensorFlow.js with the wasm backend registered (tfjs registers `cpu` itself). */
export async function loadTfjs(): Promise<Loaded<Tfjs>> {
  try {
    const tf = (await load("@tensorflow/tfjs")) as Tfjs;
    // production mode: no debug checks, and no "install tfjs-node" banner in the tables
    tf.env().set("PROD", true);
    try {
      await load("@tensorflow/tfjs-backend-wasm");
    } catch (e) {
      console.warn(`tfjs-backend-wasm did not load: ${message(e)}`);
    }
    return { lib: tf };
  } catch (e) {
    return { lib: null, error: message(e) };
  }
}

/** js-pytorch's `torch` namespace. */
export async function loadJsPytorch(): Promise<Loaded<Torch>> {
  try {
    const mod = (await load("js-pytorch")) as { torch: Torch };
    return { lib: mod.torch };
  } catch (e) {
    return { lib: null, error: message(e) };
  }
}
