// AssemblyScript, compiled to WebAssembly with 128-bit SIMD by `npm run build:wasm`
// (scripts/build-wasm.ts) as part of kernels.as.ts, whose bytes it embeds in kernels.generated.ts.
// Not TypeScript: `usize`,
// `v128` and the generic SIMD built-ins are AssemblyScript's.
//
// C (m×n) = A (m×k) · B (k×n), row-major, in float32 or float64, the way BLAS libraries do it:
//
// - the shared dimension is cut into blocks of KC; for each block, B's rows are packed into
//   panels W columns wide (W = 8 floats or 4 doubles: two 128-bit vectors), each panel one
//   contiguous strip of KC rows, zero-padded past column n, and each group of R rows of A
//   (R = 5 floats or 4 doubles, see below) is packed as KC groups of R numbers, so the inner loop
//   reads both in order;
// - A's rows are taken MC at a time (60 floats or 64 doubles: 12 or 16 groups): the block's groups
//   are packed together, and each panel of B then serves all of them while it is in the
//   first-level cache;
// - every R×W tile of C keeps its running sums in 2R vector registers (R rows × 2 vectors) over
//   the block: per step it loads the panel's two vectors, broadcasts each of the R numbers of A,
//   and does 2R vector multiply-adds;
// - the first block writes C, later ones add to it. Missing rows at the bottom edge are zeros in
//   A's pack and are not stored; missing columns at the right edge are zeros in B's panel and are
//   not stored.
//
// The tile's height is set by x64's 15 vector registers under V8. In float32, 5 rows: 10 sums +
// 2 panel vectors + 1 vector holding 4 of A's numbers (one load, broadcast lane by lane with
// shuffles) + 1 broadcast = 14 registers; 41–42 GFLOP/s at n = 512 against 39–40 for 4 rows
// (50 against 48 with fused multiply-add). V8 loads every broadcast of a step before the
// arithmetic, so 5 separately loaded broadcasts would need 17 and spill (22 GFLOP/s). In float64
// the same 5 rows spill (11 against 19 GFLOP/s), so doubles keep 4 rows of separate broadcasts.
// Built twice (scripts/build-wasm.ts): with plain SIMD, and with relaxed SIMD, where `madd` is
// one fused multiply-add (about 15 % faster here); the loader takes the second where the engine
// accepts it.
// A stored transposed (`aT`, as k×m) or B stored transposed (`bT`, as n×k) are read through the
// packing, so the backward pass's Aᵀ·G and G·Bᵀ need no copies and run at the same speed.

const KC: i32 = 256;

/** R, the tile's height: 5 rows of floats, 4 of doubles (see the top of the file). */
// @ts-ignore: decorator
@inline
function rowsOf<T>(): i32 {
  return sizeof<T>() == 4 ? 5 : 4;
}

/** MC, the rows of A packed at a time: 12 groups of 5 floats, 16 of 4 doubles. */
// @ts-ignore: decorator
@inline
function blockRowsOf<T>(): i32 {
  return sizeof<T>() == 4 ? 60 : 64;
}

/** Packs B[pc … pc+kc, js … je) into panels of W = 32 / sizeof<T> columns at `dst`. */
function packB<T>(b: usize, k: i32, n: i32, bT: bool, pc: i32, kc: i32, js: i32, je: i32, dst: usize): void {
  const W: i32 = 32 / sizeof<T>();
  for (let j0: i32 = js; j0 < je; j0 += W) {
    const w = min(W, je - j0);
    const panel = dst + ((<usize>((j0 - js) / W) * <usize>kc) << 5);
    if (!bT && w == W) {
      let src = b + ((<usize>pc * <usize>n + <usize>j0) * sizeof<T>());
      const step = <usize>n * sizeof<T>();
      let d = panel;
      for (let p: i32 = 0; p < kc; p++) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        src += step;
        d += 32;
      }
      continue;
    }
    for (let j: i32 = 0; j < W; j++) {
      let d = panel + <usize>j * sizeof<T>();
      if (j >= w) {
        for (let p: i32 = 0; p < kc; p++) {
          store<T>(d, <T>0);
          d += 32;
        }
      } else if (bT) {
        // row j0 + j of the stored n×k matrix, elements pc … pc+kc: contiguous
        let src = b + ((<usize>(j0 + j) * <usize>k + <usize>pc) * sizeof<T>());
        for (let p: i32 = 0; p < kc; p++) {
          store<T>(d, load<T>(src));
          src += sizeof<T>();
          d += 32;
        }
      } else {
        let src = b + ((<usize>pc * <usize>n + <usize>(j0 + j)) * sizeof<T>());
        const step = <usize>n * sizeof<T>();
        for (let p: i32 = 0; p < kc; p++) {
          store<T>(d, load<T>(src));
          src += step;
          d += 32;
        }
      }
    }
  }
}

/**
 * acc + x·b per lane: one fused multiply-add where the module is built with relaxed SIMD
 * (the "fma" variant; the engine may round once or twice), else a multiply and an add.
 */
// @ts-ignore: decorator
@inline
function madd<T>(acc: v128, x: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(x, b, acc);
  return v128.add<T>(acc, v128.mul<T>(x, b));
}

/** Writes (or adds) one tile row's two vectors to C, only its first `w` columns at an edge. */
// @ts-ignore: decorator
@inline
function storeRow<T>(c: usize, v0: v128, v1: v128, add: bool, w: i32, stage: usize): void {
  const W: i32 = 32 / sizeof<T>();
  if (w == W) {
    if (add) {
      v0 = v128.add<T>(v0, v128.load(c));
      v1 = v128.add<T>(v1, v128.load(c, 16));
    }
    v128.store(c, v0);
    v128.store(c, v1, 16);
    return;
  }
  v128.store(stage, v0);
  v128.store(stage, v1, 16);
  for (let j: i32 = 0; j < w; j++) {
    const at = <usize>j * sizeof<T>();
    let x = load<T>(stage + at);
    if (add) x += load<T>(c + at);
    store<T>(c + at, x);
  }
}

/**
 * Packs the block of A's rows i0 … i0+rows (≤ R), columns pc … pc+kc, as kc groups of R numbers
 * (row order within a group; zeros for missing rows), so the tile reads A in one stream. A's
 * element (i, p) is at a + i·ra + p·ka.
 */
function packA<T>(a: usize, ra: usize, ka: usize, rows: i32, kc: i32, dst: usize): void {
  const size = <usize>sizeof<T>();
  const R = rowsOf<T>();
  const step = <usize>R * size;
  for (let r: i32 = 0; r < R; r++) {
    let d = dst + <usize>r * size;
    if (r >= rows) {
      for (let p: i32 = 0; p < kc; p++) {
        store<T>(d, <T>0);
        d += step;
      }
      continue;
    }
    let src = a + <usize>r * ra;
    for (let p: i32 = 0; p < kc; p++) {
      store<T>(d, load<T>(src));
      src += ka;
      d += step;
    }
  }
}

/** One R×W tile of C from the packed rows `ap` and the packed panel `bp`, both `kc` long. */
function tile<T>(ap: usize, bp: usize, kc: i32, c: usize, rc: usize, rows: i32, add: bool, w: i32, stage: usize): void {
  const size = <usize>sizeof<T>();
  let c00 = v128.splat<T>(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  let c40 = c00;
  let c41 = c00;
  if (sizeof<T>() == 4) {
    // 5 rows: A's first 4 numbers in one vector, broadcast by shuffles; the fifth loaded apart
    for (let p: i32 = 0; p < kc; p++) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      const a = v128.load(ap);
      let x = i32x4.shuffle(a, a, 0, 0, 0, 0);
      c00 = madd<T>(c00, x, b0);
      c01 = madd<T>(c01, x, b1);
      x = i32x4.shuffle(a, a, 1, 1, 1, 1);
      c10 = madd<T>(c10, x, b0);
      c11 = madd<T>(c11, x, b1);
      x = i32x4.shuffle(a, a, 2, 2, 2, 2);
      c20 = madd<T>(c20, x, b0);
      c21 = madd<T>(c21, x, b1);
      x = i32x4.shuffle(a, a, 3, 3, 3, 3);
      c30 = madd<T>(c30, x, b0);
      c31 = madd<T>(c31, x, b1);
      x = v128.load_splat<T>(ap + 4 * size);
      c40 = madd<T>(c40, x, b0);
      c41 = madd<T>(c41, x, b1);
      ap += 5 * size;
      bp += 32;
    }
  } else {
    // 4 rows, each number of A loaded and broadcast apart
    for (let p: i32 = 0; p < kc; p++) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let x = v128.load_splat<T>(ap);
      c00 = madd<T>(c00, x, b0);
      c01 = madd<T>(c01, x, b1);
      x = v128.load_splat<T>(ap + size);
      c10 = madd<T>(c10, x, b0);
      c11 = madd<T>(c11, x, b1);
      x = v128.load_splat<T>(ap + 2 * size);
      c20 = madd<T>(c20, x, b0);
      c21 = madd<T>(c21, x, b1);
      x = v128.load_splat<T>(ap + 3 * size);
      c30 = madd<T>(c30, x, b0);
      c31 = madd<T>(c31, x, b1);
      ap += 4 * size;
      bp += 32;
    }
  }
  storeRow<T>(c, c00, c01, add, w, stage);
  if (rows > 1) storeRow<T>(c + rc, c10, c11, add, w, stage);
  if (rows > 2) storeRow<T>(c + 2 * rc, c20, c21, add, w, stage);
  if (rows > 3) storeRow<T>(c + 3 * rc, c30, c31, add, w, stage);
  if (rows > 4) storeRow<T>(c + 4 * rc, c40, c41, add, w, stage);
}

/** Bytes of B packed whole: every KC block's panels, for n columns rounded up to W. */
// @ts-ignore: decorator
@inline
function packedSize<T>(k: i32, n: i32): usize {
  const W: i32 = 32 / sizeof<T>();
  return (<usize>((n + W - 1) / W) * <usize>k) << 5;
}

/**
 * Packs all of op(B) (k×n; stored n×k if `bT`) at `dst`, block after block of KC rows, each block
 * W-column panels of its rows; `packedSize` bytes. Threads share one packed B, read-only.
 */
function packAll<T>(b: usize, k: i32, n: i32, bT: bool, dst: usize): void {
  for (let pc: i32 = 0; pc < k; pc += KC) {
    packB<T>(b, k, n, bT, pc, min(KC, k - pc), 0, n, dst + packedSize<T>(pc, n));
  }
}

/**
 * Rows i0 … i1 of C = op(A)·op(B) from B packed by `packAll` at `bpack`; op(A) is m×k (stored
 * k×m if `aT`). `scratch` is this call's own: MC × KC numbers of A's packed rows, then 32 bytes of
 * staging. Items given to threads start at multiples of R rows, as tiles do. Calls on disjoint rows with their own scratch may run at the same time (threads).
 */
function rows<T>(
  a: usize,
  c: usize,
  m: i32,
  k: i32,
  n: i32,
  aT: bool,
  i0: i32,
  i1: i32,
  bpack: usize,
  scratch: usize,
): void {
  const W: i32 = 32 / sizeof<T>();
  const size = <usize>sizeof<T>();
  // A's element (i, p) is at a + (i·ra + p·ka)
  const ra: usize = aT ? size : <usize>k * size;
  const ka: usize = aT ? <usize>m * size : size;
  const rc: usize = <usize>n * size;
  const R = rowsOf<T>();
  const MC = blockRowsOf<T>();
  const stage = scratch + <usize>(MC * KC) * size;
  for (let pc: i32 = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const block = bpack + packedSize<T>(pc, n);
    const add = pc > 0;
    for (let ic: i32 = i0; ic < i1; ic += MC) {
      const mc = min(MC, i1 - ic);
      // A's block of mc rows, packed as groups of R rows, each group kc·R numbers
      for (let g: i32 = 0; g < mc; g += R) {
        const at = a + <usize>(ic + g) * ra + <usize>pc * ka;
        packA<T>(at, ra, ka, min(R, mc - g), kc, scratch + <usize>g * <usize>kc * size);
      }
      // each panel of B is read from cache by every group of the block
      for (let j0: i32 = 0; j0 < n; j0 += W) {
        const bp = block + ((<usize>(j0 / W) * <usize>kc) << 5);
        const w = min(W, n - j0);
        for (let g: i32 = 0; g < mc; g += R) {
          const ci = c + <usize>(ic + g) * rc + <usize>j0 * size;
          tile<T>(scratch + <usize>g * <usize>kc * size, bp, kc, ci, rc, min(R, mc - g), add, w, stage);
        }
      }
    }
  }
}

/** float32: packs op(B) for `rowsF32` (see `packAll`). */
export function packF32(b: usize, k: i32, n: i32, bT: bool, dst: usize): void {
  packAll<f32>(b, k, n, bT, dst);
}

/** float64: packs op(B) for `rowsF64` (see `packAll`). */
export function packF64(b: usize, k: i32, n: i32, bT: bool, dst: usize): void {
  packAll<f64>(b, k, n, bT, dst);
}

/** float32: rows i0 … i1 of C = op(A)·op(B) (see `rows`). */
export function rowsF32(
  a: usize, c: usize, m: i32, k: i32, n: i32, aT: bool, i0: i32, i1: i32, bpack: usize, scratch: usize,
): void {
  rows<f32>(a, c, m, k, n, aT, i0, i1, bpack, scratch);
}

/** float64: rows i0 … i1 of C = op(A)·op(B) (see `rows`). */
export function rowsF64(
  a: usize, c: usize, m: i32, k: i32, n: i32, aT: bool, i0: i32, i1: i32, bpack: usize, scratch: usize,
): void {
  rows<f64>(a, c, m, k, n, aT, i0, i1, bpack, scratch);
}

/** The first byte after the module's static data: the host lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}
