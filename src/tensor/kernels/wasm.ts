/**
 * The WebAssembly SIMD kernels (wasm/kernels.as.ts: the matrix product of gemm.as.ts and the
 * elementwise loops of elementwise.as.ts, built into wasm/kernels.generated.ts): loading them
 * once, synchronously, from bytes embedded in the bundle (no file or network access, so the same
 * code runs in Node and in browsers), and calling them on typed arrays, on one thread or two.
 *
 * The kernels work in the module's own memory, so a call copies its operands in and its result
 * out. For a product those copies are O(mk + kn + mn) against its O(mkn), which is why the
 * dispatcher (backend.ts) only sends products above a measured size here; for the elementwise
 * loops a copy (a memcpy) still costs far less than the branchy or widening JS loop it replaces.
 * Memory grows to the largest call seen and stays.
 *
 * Threads (Node only for now): the module then runs on a shared memory that helper workers
 * instantiate too. The main thread packs B once; the rows of C are cut into items that the main
 * thread and the workers take one at a time from a shared counter, so a worker that is late or
 * whose core is busy simply takes fewer (the product is never slower than on one thread by more
 * than one item). Workers sleep in `Atomics.wait` between products.
 */
import type { AdamStep } from "./elementwise";
import {
  KERNELS_WASM_BASE64,
  KERNELS_WASM_FMA_BASE64,
  KERNELS_WASM_FMA_SHARED_BASE64,
  KERNELS_WASM_SHARED_BASE64,
} from "./wasm/kernels.generated";

type Arr = Float64Array | Float32Array;

/** Packs op(B) (k×n; stored n×k if bT) for `Rows` at `dst` (gemm.as.ts's packAll). */
type Pack = (b: number, k: number, n: number, bT: number, dst: number) => void;
/** Rows i0 … i1 of C = op(A)·op(B) from the packed B, with this caller's scratch (gemm.as.ts's rows). */
type Rows = (
  a: number,
  c: number,
  m: number,
  k: number,
  n: number,
  aT: number,
  i0: number,
  i1: number,
  bpack: number,
  scratch: number,
) => void;

/** out = f(x), n elements (elementwise.as.ts's relu). */
type Map1 = (x: number, out: number, n: number) => void;
/** out = f(x, g), n elements (elementwise.as.ts's reluBackward). */
type Map2 = (x: number, g: number, out: number, n: number) => void;
/** c[i, j] += bias[j] over an m×n matrix. */
type AddRow = (c: number, bias: number, m: number, n: number) => void;
/** p ← p − lr·g, n elements. */
type Sgd = (p: number, g: number, lr: number, n: number) => void;
/** One Adam step over n elements (elementwise.as.ts's adam). */
type Adam = (
  p: number,
  g: number,
  m: number,
  v: number,
  n: number,
  wd: number,
  b1: number,
  b2: number,
  bc2Sqrt: number,
  eps: number,
  stepSize: number,
) => void;
/** b ← keep·b + damp·g; p ← p − lr·b, n elements (b float64). */
type SgdMomentum = (
  p: number,
  g: number,
  b: number,
  lr: number,
  keep: number,
  damp: number,
  n: number,
) => void;

interface KernelExports {
  packF32: Pack;
  packF64: Pack;
  rowsF32: Rows;
  rowsF64: Rows;
  reluF32: Map1;
  reluF64: Map1;
  reluBackwardF32: Map2;
  reluBackwardF64: Map2;
  addRowF32: AddRow;
  addRowF64: AddRow;
  sgdF32: Sgd;
  sgdF64: Sgd;
  sgdMomentumF32: SgdMomentum;
  sgdMomentumF64: SgdMomentum;
  adamF32: Adam;
  adamF64: Adam;
  heapBase(): number;
}

/** The kernels' block of the shared dimension (KC in gemm.as.ts). */
const KC = 256;
/** Rows per tile (R in gemm.as.ts): 5 for float32, 4 for float64. */
const rowsPerTile = (f32: boolean): number => (f32 ? 5 : 4);
/** Rows of A packed at a time (MC in gemm.as.ts): 60 for float32, 64 for float64. */
const blockRows = (f32: boolean): number => (f32 ? 60 : 64);
/**
 * A shared memory's maximum, in 64 KiB pages, as the shared builds declare it: 256 MiB. (With
 * 1 GiB, V8 compiled the kernel's memory accesses ~35 % slower.) Larger products run in the JS
 * kernels.
 */
const MAX_PAGES = 4096;

interface Loaded {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly variant: "fma" | "simd";
  /** The module and memory workers instantiate (null: this build cannot use threads). */
  readonly shared: { module: WebAssembly.Module; memory: WebAssembly.Memory } | null;
}

// undefined: not tried yet; null: WebAssembly or its SIMD is unavailable here
let loaded: Loaded | null | undefined;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Node's worker_threads, or null (browsers, and Node without `process.getBuiltinModule`). */
function workerThreads(): typeof import("node:worker_threads") | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return (p?.getBuiltinModule?.("node:worker_threads") as typeof import("node:worker_threads")) ?? null;
  } catch {
    return null;
  }
}

/** Whether this engine can run the kernels on several threads (shared memory, workers, waiting). */
function threadsPossible(): boolean {
  return typeof SharedArrayBuffer === "function" && typeof Atomics === "object" && workerThreads() !== null;
}

/**
 * Loads the best build the engine accepts: fused multiply-add (relaxed SIMD: current browsers,
 * Node ≥ 22, Node 20 with `--experimental-wasm-relaxed-simd`) before plain SIMD, and where threads
 * are possible the build on a shared memory. Null if none validates (then the JS kernels run).
 */
function load(): Loaded | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (typeof WebAssembly !== "object") return null;
  const shared = threadsPossible();
  const builds = [
    ["fma", shared ? KERNELS_WASM_FMA_SHARED_BASE64 : null, KERNELS_WASM_FMA_BASE64],
    ["simd", shared ? KERNELS_WASM_SHARED_BASE64 : null, KERNELS_WASM_BASE64],
  ] as const;
  for (const [variant, sharedBuild, ownBuild] of builds) {
    for (const base64 of [sharedBuild, ownBuild]) {
      if (base64 === null) continue;
      try {
        const bytes = decode(base64);
        // validate first: an engine without the features refuses the module
        if (!WebAssembly.validate(bytes)) continue;
        const module = new WebAssembly.Module(bytes);
        if (base64 === sharedBuild) {
          const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
          const instance = new WebAssembly.Instance(module, { env: { memory } });
          loaded = {
            exports: instance.exports as unknown as KernelExports,
            memory,
            variant,
            shared: { module, memory },
          };
        } else {
          const instance = new WebAssembly.Instance(module, {});
          const memory = instance.exports.memory as WebAssembly.Memory;
          loaded = { exports: instance.exports as unknown as KernelExports, memory, variant, shared: null };
        }
        return loaded;
      } catch {
        // try the next build
      }
    }
  }
  return null;
}

/** Whether the WebAssembly kernels are available here. */
export function wasmAvailable(): boolean {
  return load() !== null;
}

/** Which WebAssembly build runs the kernels: "fma" (relaxed SIMD), "simd", or null (none). */
export function wasmVariant(): "fma" | "simd" | null {
  return load()?.variant ?? null;
}

// ---- threads ----

/** The control block's slots (an Int32Array on a SharedArrayBuffer). */
const C = {
  /** Bumped for each product handed to the workers; workers wait on it. */
  SEQ: 0,
  /** The next item to take (global numbering: a product's items are [START, END)). */
  NEXT: 1,
  /** Items finished, global numbering too. */
  DONE: 2,
  START: 3,
  END: 4,
  F32: 5,
  A: 6,
  CPTR: 7,
  M: 8,
  K: 9,
  N: 10,
  AT: 11,
  BPACK: 12,
  /** Rows per item. */
  CHUNK: 13,
  /** Scratch of worker w (0-based) at SCRATCH + (w + 1)·SCRATCH_STEP; the main thread's at SCRATCH. */
  SCRATCH: 14,
  SCRATCH_STEP: 15,
  /** Items the workers have finished, ever (for tests and benchmarks: did they take part?). */
  BY_WORKERS: 16,
  SIZE: 17,
} as const;

/**
 * What each worker runs (as CommonJS source, `eval: true`): instantiate the kernels on the shared
 * memory, then forever wait for a product and take its items until none is left. The parameters
 * are read under a sequence lock (SEQ odd while the main thread writes them; a read during which
 * SEQ was odd or changed is repeated), so a worker holds one product's parameters, never a mix of
 * two; an item is claimed by compare-and-swap on NEXT, so a worker still holding the previous
 * product's parameters can never take an item of the next one.
 */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, ctrl: sab, index } = workerData;
const ctrl = new Int32Array(sab);
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${C.SEQ}, seen);
  const seq = Atomics.load(ctrl, ${C.SEQ});
  if (seq & 1) continue; // odd: the main thread is writing a product's parameters
  seen = seq;
  const start = Atomics.load(ctrl, ${C.START}), end = Atomics.load(ctrl, ${C.END});
  const f32 = Atomics.load(ctrl, ${C.F32}), a = Atomics.load(ctrl, ${C.A}), c = Atomics.load(ctrl, ${C.CPTR});
  const m = Atomics.load(ctrl, ${C.M}), kk = Atomics.load(ctrl, ${C.K}), n = Atomics.load(ctrl, ${C.N});
  const aT = Atomics.load(ctrl, ${C.AT}), bpack = Atomics.load(ctrl, ${C.BPACK}), chunk = Atomics.load(ctrl, ${C.CHUNK});
  const scratch = Atomics.load(ctrl, ${C.SCRATCH}) + (index + 1) * Atomics.load(ctrl, ${C.SCRATCH_STEP});
  // a newer product began while the parameters were read: they may mix two products, read again
  if (Atomics.load(ctrl, ${C.SEQ}) !== seq) continue;
  const rows = f32 ? k.rowsF32 : k.rowsF64;
  for (;;) {
    const item = Atomics.load(ctrl, ${C.NEXT});
    if (item < start || item >= end) break;
    if (Atomics.compareExchange(ctrl, ${C.NEXT}, item, item + 1) !== item) continue;
    const i0 = (item - start) * chunk;
    rows(a, c, m, kk, n, aT, i0, Math.min(m, i0 + chunk), bpack, scratch);
    Atomics.add(ctrl, ${C.BY_WORKERS}, 1);
    Atomics.add(ctrl, ${C.DONE}, 1);
    Atomics.notify(ctrl, ${C.DONE});
  }
}
`;

interface Pool {
  readonly ctrl: Int32Array;
  readonly workers: number;
}

let pool: Pool | null = null;
// set when a worker fails: products then run on the calling thread only
let broken = false;
let threads = initialThreads();

/** Both cores where threads are possible, unless CHAINRULE_THREADS says how many. */
function initialThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const n = Number(env?.CHAINRULE_THREADS);
  return Number.isInteger(n) && n >= 1 ? n : Number.POSITIVE_INFINITY;
}

/** How many threads large matrix products use (1: the calling thread only). */
export function numThreads(): number {
  return Math.min(threads, maxThreads());
}

/**
 * Sets how many threads large matrix products use: 1 to `maxThreads()`. Helper workers start on
 * the first product that uses them; going back to 1 leaves them asleep.
 */
export function setThreads(n: number): void {
  threads = n;
}

/** The most threads this engine can use: the cores (Node), or 1 where threads are impossible. */
export function maxThreads(): number {
  if (cores === undefined) {
    const l = load();
    const os = (
      globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
    ).process?.getBuiltinModule?.("node:os") as typeof import("node:os") | undefined;
    cores = l === null || l.shared === null ? 1 : Math.max(1, os?.availableParallelism?.() ?? 1);
  }
  return cores;
}
// asked once: every product asks, and availableParallelism() is a system call
let cores: number | undefined;

/** The pool with `threads − 1` workers, started (asynchronously) on first use. */
function ensurePool(l: Loaded): Pool | null {
  const want = numThreads() - 1;
  if (want < 1 || l.shared === null || broken) return null;
  if (pool !== null && pool.workers >= want) return pool;
  const wt = workerThreads();
  if (wt === null) return null;
  const ctrl = pool?.ctrl ?? new Int32Array(new SharedArrayBuffer(C.SIZE * 4));
  for (let w = pool?.workers ?? 0; w < want; w++) {
    const worker = new wt.Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: l.shared.module, memory: l.shared.memory, ctrl: ctrl.buffer, index: w },
    });
    // never keep the process alive; a failing worker just stops taking items
    worker.unref();
    worker.on("error", () => {
      broken = true;
    });
  }
  pool = { ctrl, workers: want };
  return pool;
}

/** @internal How many blocks of rows the helper workers have computed so far (0 without a pool). */
export function workerItems(): number {
  return pool === null ? 0 : Atomics.load(pool.ctrl, C.BY_WORKERS);
}

const align16 = (x: number): number => (x + 15) & ~15;

/** Grows the memory to at least `end` bytes; false if it may not grow that far. */
function reserve(l: Loaded, end: number): boolean {
  const have = l.memory.buffer.byteLength;
  if (end <= have) return true;
  try {
    l.memory.grow(Math.ceil((end - have) / 65536));
    return true;
  } catch {
    return false;
  }
}

/**
 * Products with fewer multiply-adds than this stay on one thread: at n = 128 two threads measured
 * 0.95–1.17× one (waking a worker costs tens of microseconds), at 256 1.4–1.6×.
 */
export const THREAD_MIN_WORK = 192 * 192 * 192;

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
  const l = load();
  if (l === null) return false;
  const f32 = c instanceof Float32Array;
  const size = f32 ? 4 : 8;
  const W = 32 / size;
  const p = m * k * n >= THREAD_MIN_WORK ? ensurePool(l) : null;
  const helpers = p?.workers ?? 0;
  const scratchStep = align16(blockRows(f32) * KC * size + 32);
  const aAt = align16(l.exports.heapBase());
  const bAt = aAt + align16(m * k * size);
  const cAt = bAt + align16(k * n * size);
  const packAt = cAt + align16(m * n * size);
  const scratchAt = packAt + align16(Math.ceil(n / W) * k * 32);
  // beyond what the memory may hold: the JS kernels take it
  if (!reserve(l, scratchAt + (helpers + 1) * scratchStep)) return false;
  const buffer = l.memory.buffer;
  const View = f32 ? Float32Array : Float64Array;
  new View(buffer, aAt, m * k).set(a.subarray(aOff, aOff + m * k));
  new View(buffer, bAt, k * n).set(b.subarray(bOff, bOff + k * n));
  const x = l.exports;
  (f32 ? x.packF32 : x.packF64)(bAt, k, n, bT ? 1 : 0, packAt);
  const rows = f32 ? x.rowsF32 : x.rowsF64;
  if (p === null) {
    rows(aAt, cAt, m, k, n, aT ? 1 : 0, 0, m, packAt, scratchAt);
  } else {
    // about four items per thread, each a multiple of the tile's rows
    const R = rowsPerTile(f32);
    const chunk = Math.max(R, Math.ceil(m / (4 * (helpers + 1)) / R) * R);
    const items = Math.ceil(m / chunk);
    const ctrl = p.ctrl;
    const start = Atomics.load(ctrl, C.NEXT);
    const values: [number, number][] = [
      [C.START, start],
      [C.END, start + items],
      [C.F32, f32 ? 1 : 0],
      [C.A, aAt],
      [C.CPTR, cAt],
      [C.M, m],
      [C.K, k],
      [C.N, n],
      [C.AT, aT ? 1 : 0],
      [C.BPACK, packAt],
      [C.CHUNK, chunk],
      [C.SCRATCH, scratchAt],
      [C.SCRATCH_STEP, scratchStep],
    ];
    // a sequence lock: SEQ is odd while the parameters are written, so a worker never acts on a
    // mix of two products' parameters (it rereads if SEQ was odd or changed while it read)
    Atomics.add(ctrl, C.SEQ, 1);
    for (const [slot, v] of values) Atomics.store(ctrl, slot, v);
    Atomics.add(ctrl, C.SEQ, 1);
    Atomics.notify(ctrl, C.SEQ);
    for (;;) {
      const item = Atomics.load(ctrl, C.NEXT);
      if (item >= start + items) break;
      if (Atomics.compareExchange(ctrl, C.NEXT, item, item + 1) !== item) continue;
      const i0 = (item - start) * chunk;
      rows(aAt, cAt, m, k, n, aT ? 1 : 0, i0, Math.min(m, i0 + chunk), packAt, scratchAt);
      Atomics.add(ctrl, C.DONE, 1);
    }
    // the items a worker took: wait until they are finished (or, if a worker failed, redo them all)
    for (;;) {
      const done = Atomics.load(ctrl, C.DONE);
      if (done >= start + items) break;
      if (broken) {
        rows(aAt, cAt, m, k, n, aT ? 1 : 0, 0, m, packAt, scratchAt);
        break;
      }
      Atomics.wait(ctrl, C.DONE, done, 100);
    }
  }
  c.set(new View(buffer, cAt, m * n), cOff);
  return true;
}

// ---- elementwise ----

/**
 * Runs an elementwise kernel on typed arrays: lays `arrays` out in the module's memory one after
 * another (from its heap base, 16-byte aligned), copies in the first `copyIn` of them, calls
 * `kernel` with their addresses (and whether the first is float32), and copies back those listed
 * in `copyOut`. False (nothing done) if the kernels are unavailable or the memory may not grow
 * that far.
 */
function viaMemory(
  arrays: readonly Arr[],
  copyIn: number,
  copyOut: readonly number[],
  kernel: (x: KernelExports, f32: boolean, at: readonly number[]) => void,
): boolean {
  const l = load();
  if (l === null) return false;
  const at: number[] = [];
  let next = align16(l.exports.heapBase());
  for (const x of arrays) {
    at.push(next);
    next += align16(x.byteLength);
  }
  if (!reserve(l, next)) return false;
  const buffer = l.memory.buffer;
  const view = (i: number) => {
    const x = arrays[i] as Arr;
    return x instanceof Float32Array
      ? new Float32Array(buffer, at[i], x.length)
      : new Float64Array(buffer, at[i], x.length);
  };
  for (let i = 0; i < copyIn; i++) view(i).set(arrays[i] as Arr);
  kernel(l.exports, arrays[0] instanceof Float32Array, at);
  for (const i of copyOut) (arrays[i] as Arr).set(view(i));
  return true;
}

/** out = max(x, 0) (ReLU) with the SIMD loop; false if the kernels are unavailable. */
export function reluWasm(x: Arr, out: Arr): boolean {
  return viaMemory([x, out], 1, [1], (k, f32, [xAt, outAt]) =>
    (f32 ? k.reluF32 : k.reluF64)(xAt as number, outAt as number, out.length),
  );
}

/** out = g where x > 0, else 0 (ReLU's backward) with the SIMD loop; false if unavailable. */
export function reluBackwardWasm(x: Arr, g: Arr, out: Arr): boolean {
  return viaMemory([x, g, out], 2, [2], (k, f32, [xAt, gAt, outAt]) =>
    (f32 ? k.reluBackwardF32 : k.reluBackwardF64)(xAt as number, gAt as number, outAt as number, out.length),
  );
}

/** c[i, j] += bias[j] for the m×n matrix c, in place, with the SIMD loop; false if unavailable. */
export function addRowWasm(c: Arr, bias: Arr, m: number, n: number): boolean {
  return viaMemory([c, bias], 2, [0], (k, f32, [cAt, biasAt]) =>
    (f32 ? k.addRowF32 : k.addRowF64)(cAt as number, biasAt as number, m, n),
  );
}

/** p ← p − lr·g in place (plain SGD), computed in float64, with the SIMD loop; false if unavailable. */
export function sgdWasm(p: Arr, g: Arr, lr: number): boolean {
  return viaMemory([p, g], 2, [0], (k, f32, [pAt, gAt]) =>
    (f32 ? k.sgdF32 : k.sgdF64)(pAt as number, gAt as number, lr, p.length),
  );
}

/**
 * SGD with momentum in place (no weight decay, not Nesterov): b ← keep·b + damp·g,
 * p ← p − lr·b, in float64 with the float64 buffer b; false if the kernels are unavailable.
 */
export function sgdMomentumWasm(
  p: Arr,
  g: Arr,
  b: Float64Array,
  lr: number,
  keep: number,
  damp: number,
): boolean {
  return viaMemory([p, g, b], 3, [0, 2], (k, f32, [pAt, gAt, bAt]) =>
    (f32 ? k.sgdMomentumF32 : k.sgdMomentumF64)(
      pAt as number,
      gAt as number,
      bAt as number,
      lr,
      keep,
      damp,
      p.length,
    ),
  );
}

/** One Adam step in place (see elementwise.ts's `adamJs`), with the SIMD loop; false if unavailable. */
export function adamWasm(p: Arr, g: Arr, m: Float64Array, v: Float64Array, s: AdamStep): boolean {
  return viaMemory([p, g, m, v], 4, [0, 2, 3], (k, f32, [pAt, gAt, mAt, vAt]) =>
    (f32 ? k.adamF32 : k.adamF64)(
      pAt as number,
      gAt as number,
      mAt as number,
      vAt as number,
      p.length,
      s.weightDecay,
      s.b1,
      s.b2,
      s.bc2Sqrt,
      s.eps,
      s.stepSize,
    ),
  );
}
