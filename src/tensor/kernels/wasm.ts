/**
 * The WebAssembly SIMD kernels (wasm/gemm.as.ts, built into wasm/gemm.generated.ts): loading them
 * once, synchronously, from bytes embedded in the bundle (no file or network access, so the same
 * code runs in Node and in browsers), and calling them on typed arrays.
 *
 * The kernels work in the module's own memory, so a call copies A and B in and C out. Those copies
 * are O(mk + kn + mn) against the product's O(mkn), which is why the dispatcher (backend.ts) only
 * sends products above a measured size here. Memory grows to the largest product seen and stays.
 */
import { GEMM_WASM_BASE64, GEMM_WASM_FMA_BASE64 } from "./wasm/gemm.generated";

type Arr = Float64Array | Float32Array;

interface GemmExports {
  readonly memory: WebAssembly.Memory;
  gemmF32(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    aT: number,
    bT: number,
    pack: number,
  ): void;
  gemmF64(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    aT: number,
    bT: number,
    pack: number,
  ): void;
  heapBase(): number;
}

/** The kernels' block of the shared dimension (KC in gemm.as.ts): the packing buffer's rows. */
const KC = 256;

// undefined: not tried yet; null: WebAssembly or its SIMD is unavailable here
let kernels: GemmExports | null | undefined;
let variant: "fma" | "simd" | null = null;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * The instantiated kernels, or null where WebAssembly with 128-bit SIMD is not available. The
 * fused multiply-add build (relaxed SIMD: current browsers, Node ≥ 22, Node 20 with
 * `--experimental-wasm-relaxed-simd`) is preferred; engines that refuse it get the plain SIMD
 * build; engines that refuse that too get the JS kernels.
 */
export function wasmKernels(): GemmExports | null {
  if (kernels !== undefined) return kernels;
  kernels = null;
  if (typeof WebAssembly !== "object") return null;
  for (const [name, base64] of [
    ["fma", GEMM_WASM_FMA_BASE64],
    ["simd", GEMM_WASM_BASE64],
  ] as const) {
    try {
      const bytes = decode(base64);
      // validate first: an engine without the features refuses the module
      if (!WebAssembly.validate(bytes)) continue;
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
      kernels = instance.exports as unknown as GemmExports;
      variant = name;
      break;
    } catch {
      // try the next build
    }
  }
  return kernels;
}

/** Which WebAssembly build runs the kernels: "fma" (relaxed SIMD), "simd", or null (none). */
export function wasmVariant(): "fma" | "simd" | null {
  wasmKernels();
  return variant;
}

const align16 = (x: number): number => (x + 15) & ~15;

/**
 * C[cOff…] = op(A)·op(B) with the SIMD kernel, where op(A) is m×k (stored k×m if `aT`) and op(B)
 * k×n (stored n×k if `bT`); k ≥ 1. Returns false (and does nothing) if the kernels are unavailable.
 */
export function gemmWasm(
  a: Arr,
  aOff: number,
  b: Arr,
  bOff: number,
  c: Arr,
  cOff: number,
  m: number,
  k: number,
  n: number,
  aT: boolean,
  bT: boolean,
): boolean {
  const w = wasmKernels();
  if (w === null) return false;
  const f32 = c instanceof Float32Array;
  const size = f32 ? 4 : 8;
  const panelWidth = 32 / size;
  const aBytes = align16(m * k * size);
  const bBytes = align16(k * n * size);
  const cBytes = align16(m * n * size);
  // B's panels, then A's packed rows (gemm.as.ts)
  const packBytes = Math.min(k, KC) * Math.ceil(n / panelWidth) * 32 + 4 * KC * size;
  const aAt = align16(w.heapBase());
  const bAt = aAt + aBytes;
  const cAt = bAt + bBytes;
  const packAt = cAt + cBytes;
  const end = packAt + packBytes;
  const have = w.memory.buffer.byteLength;
  if (end > have) w.memory.grow(Math.ceil((end - have) / 65536));
  const buffer = w.memory.buffer;
  const View = f32 ? Float32Array : Float64Array;
  new View(buffer, aAt, m * k).set(a.subarray(aOff, aOff + m * k));
  new View(buffer, bAt, k * n).set(b.subarray(bOff, bOff + k * n));
  (f32 ? w.gemmF32 : w.gemmF64)(aAt, bAt, cAt, m, k, n, aT ? 1 : 0, bT ? 1 : 0, packAt);
  c.set(new View(buffer, cAt, m * n), cOff);
  return true;
}
