/**
 * The kernel backend seam: which implementation runs the heavy loops. "wasm" (the default where
 * WebAssembly with 128-bit SIMD exists: Node and every current browser) runs large matrix
 * products, and the elementwise loops a training step spends its time in (ReLU and its backward,
 * the bias add, the SGD and Adam updates), in the SIMD kernels of wasm.ts; "js" runs everything in the plain
 * TypeScript kernels, which are also the reference the tests hold the others to (the elementwise
 * kernels give the same bits on both). `CHAINRULE_BACKEND=js` in the
 * environment (Node) starts a program on "js".
 */
import { ChainruleError, describe } from "../../errors";
import {
  type AdamStep,
  adamJs,
  addRowJs,
  reluBackwardJs,
  sgdJs,
  sgdMomentumJs,
  unaryLoops,
} from "./elementwise";
import { gemmJs } from "./matmul";
import {
  adamWasm,
  addRowWasm,
  gemmWasm,
  maxThreads,
  numThreads,
  reluBackwardWasm,
  reluWasm,
  setThreads,
  sgdMomentumWasm,
  sgdWasm,
  wasmAvailable,
} from "./wasm";

type Arr = Float64Array | Float32Array;

/** A kernel backend's name. */
export type Backend = "js" | "wasm";

/**
 * Products with fewer multiply-adds than this (m·k·n) stay in JavaScript: below it, copying in
 * and out of WebAssembly memory and the call cost more than the SIMD saves (bench/tensor.ts).
 */
export const WASM_MIN_WORK = 16 * 16 * 16;

function initialBackend(): Backend {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const wanted = env?.CHAINRULE_BACKEND;
  if (wanted === "js") return "js";
  return !wasmAvailable() ? "js" : "wasm";
}

let current: Backend | undefined;

/** The backend in use: "wasm" or "js". */
export function getBackend(): Backend {
  current ??= initialBackend();
  return current;
}

/**
 * Chooses the kernel backend for what follows: "wasm" (SIMD matrix products; throws
 * `ChainruleError` where WebAssembly SIMD is unavailable) or "js" (plain TypeScript kernels,
 * the reference). Results agree to rounding: float64 products to about 1e-15 relative, float32
 * ones to float32 rounding (the SIMD kernels sum in float32, as PyTorch does; "js" sums in
 * float64). Like `torch.set_num_threads`, a process-wide switch.
 */
export function setBackend(backend: Backend): void {
  if (backend !== "js" && backend !== "wasm") {
    throw new ChainruleError(`setBackend: backend must be "js" or "wasm", got ${describe(backend)}`);
  }
  if (backend === "wasm" && !wasmAvailable()) {
    throw new ChainruleError("setBackend: WebAssembly with 128-bit SIMD is not available here");
  }
  current = backend;
}

/**
 * How many threads large matrix products use: both cores by default where threads are possible
 * (Node: worker threads sharing the kernels' memory), 1 in browsers for now, on the "js" backend,
 * or with `CHAINRULE_THREADS=1`. Like `torch.get_num_threads`.
 */
export function getNumThreads(): number {
  return getBackend() === "wasm" ? numThreads() : 1;
}

/**
 * Sets how many threads large matrix products (from 192³ multiply-adds) may use: an integer ≥ 1,
 * capped at the cores available (`torch.set_num_threads`). The helper threads start on the first
 * product that uses them and sleep between products; a busy core simply does less of the work,
 * as the rows of C are handed out one block at a time.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new ChainruleError(`setNumThreads: expected an integer ≥ 1, got ${describe(n)}`);
  }
  setThreads(n);
}

/** The most threads `setNumThreads` can give here (the cores; 1 where threads are impossible). */
export function getMaxThreads(): number {
  return maxThreads();
}

/**
 * C[cOff…] = op(A)·op(B): op(A) is m×k (stored as its k×m transpose if `aT`), op(B) is k×n
 * (stored n×k if `bT`, e.g. x·Wᵀ for a weight W of shape [out, in]), all row-major and
 * contiguous from their offsets. C is overwritten. The one entry point of matrix products.
 */
export function gemm(
  a: Arr,
  aOff: number,
  b: Arr,
  bOff: number,
  c: Arr,
  cOff: number,
  m: number,
  k: number,
  n: number,
  bT = false,
  aT = false,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    c.fill(0, cOff, cOff + m * n);
    return;
  }
  if (
    m * k * n >= WASM_MIN_WORK &&
    getBackend() === "wasm" &&
    gemmWasm(a, aOff, b, bOff, c, cOff, m, k, n, aT, bT)
  )
    return;
  gemmJs(a, aOff, b, bOff, c, cOff, m, k, n, bT, aT);
}

/**
 * Elementwise loops shorter than this stay in JavaScript: below it the call and the copies in
 * and out of WebAssembly memory cost about what the SIMD loop saves.
 */
export const WASM_MIN_ELEMENTS = 1024;

/** Whether an elementwise loop over n numbers goes to the SIMD kernels. */
const simd = (n: number): boolean => n >= WASM_MIN_ELEMENTS && getBackend() === "wasm";

/** out = max(x, 0), ReLU: NaN stays NaN, −0 becomes +0 (Math.max's rules). */
export function relu(x: Arr, out: Arr): void {
  if (simd(out.length) && reluWasm(x, out)) return;
  unaryLoops.relu(x, out);
}

/** out = g where x > 0, else 0 (also where x is NaN): ReLU's backward ḡ ⊙ [x > 0]. */
export function reluBackward(x: Arr, g: Arr, out: Arr): void {
  if (simd(out.length) && reluBackwardWasm(x, g, out)) return;
  reluBackwardJs(x, g, out);
}

/** c[i, j] += bias[j] for the m×n row-major c, in place: a bias added to every row. */
export function addRow(c: Arr, bias: Arr, m: number, n: number): void {
  if (simd(m * n) && addRowWasm(c, bias, m, n)) return;
  addRowJs(c, bias, m, n);
}

/** p ← p − lr·g in place (plain SGD), in float64 arithmetic rounded once to p's dtype. */
export function sgd(p: Arr, g: Arr, lr: number): void {
  if (simd(p.length) && sgdWasm(p, g, lr)) return;
  sgdJs(p, g, lr);
}

/**
 * SGD with momentum in place (no weight decay, not Nesterov): b ← keep·b + damp·g, then
 * p ← p − lr·b, in float64 arithmetic with the float64 momentum buffer b.
 */
export function sgdMomentum(p: Arr, g: Arr, b: Float64Array, lr: number, keep: number, damp: number): void {
  if (simd(p.length) && sgdMomentumWasm(p, g, b, lr, keep, damp)) return;
  sgdMomentumJs(p, g, b, lr, keep, damp);
}

/** One Adam step in place, in float64 with float64 moments m and v (see elementwise.ts's `adamJs`). */
export function adam(p: Arr, g: Arr, m: Float64Array, v: Float64Array, step: AdamStep): void {
  if (simd(p.length) && adamWasm(p, g, m, v, step)) return;
  adamJs(p, g, m, v, step);
}
