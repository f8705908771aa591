/**
 * Matrix multiplication kernels: C = A·B for row-major A (m×k) and B (k×n).
 *
 * Register-blocked: B is packed into panels of 4 columns (each panel one contiguous k×4 strip),
 * then every 4×4 block of C is accumulated in 16 local variables over the shared dimension,
 * reading 4 numbers of A and 4 of the packed panel per step (8 loads for 16 multiply-adds,
 * against 2 loads per multiply-add in a naive triple loop). Edges (m or n not multiples of 4)
 * fall back to narrower blocks. Accumulation is in double precision for both dtypes.
 */

type Arr = Float64Array | Float32Array;

let packBuffer = new Float64Array(0);

/**
 * C[cOff…] = A[aOff…] · B[bOff…] for one m×k by k×n product (row-major, contiguous): the
 * TypeScript reference behind `gemm` (backend.ts), and what runs on the "js" backend.
 * With `bTransposed`, B is stored as its n×k transpose (C = A·Bᵀ, e.g. x·Wᵀ for a weight
 * matrix W of shape [out, in]) and is read through the packing step at no extra cost; with
 * `aTransposed`, A is stored k×m and copied into row order first. `c` is overwritten.
 */
export function gemmJs(
  a: Arr,
  aOff: number,
  b: Arr,
  bOff: number,
  c: Arr,
  cOff: number,
  m: number,
  k: number,
  n: number,
  bTransposed = false,
  aTransposed = false,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    c.fill(0, cOff, cOff + m * n);
    return;
  }
  if (aTransposed) {
    const rows = new (a.constructor as typeof Float64Array)(m * k);
    for (let p = 0; p < k; p++) for (let i = 0; i < m; i++) rows[i * k + p] = a[aOff + p * m + i] as number;
    a = rows;
    aOff = 0;
  }
  const n4 = n - (n % 4);
  if (packBuffer.length < k * 4) packBuffer = new Float64Array(k * 4);
  const bp = packBuffer;
  for (let j = 0; j < n4; j += 4) {
    // pack B[:, j..j+3] into bp as k rows of 4
    if (bTransposed) {
      const r0 = bOff + j * k;
      for (let p = 0, dst = 0; p < k; p++, dst += 4) {
        bp[dst] = b[r0 + p] as number;
        bp[dst + 1] = b[r0 + k + p] as number;
        bp[dst + 2] = b[r0 + 2 * k + p] as number;
        bp[dst + 3] = b[r0 + 3 * k + p] as number;
      }
    } else {
      for (let p = 0, src = bOff + j, dst = 0; p < k; p++, src += n, dst += 4) {
        bp[dst] = b[src] as number;
        bp[dst + 1] = b[src + 1] as number;
        bp[dst + 2] = b[src + 2] as number;
        bp[dst + 3] = b[src + 3] as number;
      }
    }
    let i = 0;
    for (; i + 4 <= m; i += 4) block4x4(a, aOff + i * k, k, bp, c, cOff + i * n + j, n);
    for (; i < m; i++) block1x4(a, aOff + i * k, k, bp, c, cOff + i * n + j);
  }
  const bStep = bTransposed ? 1 : n; // distance from B[p, j] to B[p + 1, j]
  for (let j = n4; j < n; j++) {
    const b0 = bTransposed ? bOff + j * k : bOff + j;
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let p = 0, ai = aOff + i * k, bi = b0; p < k; p++, ai++, bi += bStep)
        s += (a[ai] as number) * (b[bi] as number);
      c[cOff + i * n + j] = s;
    }
  }
}

/** C[4×4 at c0, row stride n] = A[4 rows from a0, row stride k] · packed panel. */
function block4x4(a: Arr, a0: number, k: number, bp: Float64Array, c: Arr, c0: number, n: number): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  const a1 = a0 + k;
  const a2 = a1 + k;
  const a3 = a2 + k;
  for (let p = 0, q = 0; p < k; p++, q += 4) {
    const b0 = bp[q] as number;
    const b1 = bp[q + 1] as number;
    const b2 = bp[q + 2] as number;
    const b3 = bp[q + 3] as number;
    const x0 = a[a0 + p] as number;
    const x1 = a[a1 + p] as number;
    const x2 = a[a2 + p] as number;
    const x3 = a[a3 + p] as number;
    c00 += x0 * b0;
    c01 += x0 * b1;
    c02 += x0 * b2;
    c03 += x0 * b3;
    c10 += x1 * b0;
    c11 += x1 * b1;
    c12 += x1 * b2;
    c13 += x1 * b3;
    c20 += x2 * b0;
    c21 += x2 * b1;
    c22 += x2 * b2;
    c23 += x2 * b3;
    c30 += x3 * b0;
    c31 += x3 * b1;
    c32 += x3 * b2;
    c33 += x3 * b3;
  }
  c[c0] = c00;
  c[c0 + 1] = c01;
  c[c0 + 2] = c02;
  c[c0 + 3] = c03;
  c0 += n;
  c[c0] = c10;
  c[c0 + 1] = c11;
  c[c0 + 2] = c12;
  c[c0 + 3] = c13;
  c0 += n;
  c[c0] = c20;
  c[c0 + 1] = c21;
  c[c0 + 2] = c22;
  c[c0 + 3] = c23;
  c0 += n;
  c[c0] = c30;
  c[c0 + 1] = c31;
  c[c0 + 2] = c32;
  c[c0 + 3] = c33;
}

/** One row of C against a packed 4-column panel. */
function block1x4(a: Arr, a0: number, k: number, bp: Float64Array, c: Arr, c0: number): void {
  let c0v = 0,
    c1v = 0,
    c2v = 0,
    c3v = 0;
  for (let p = 0, q = 0; p < k; p++, q += 4) {
    const x = a[a0 + p] as number;
    c0v += x * (bp[q] as number);
    c1v += x * (bp[q + 1] as number);
    c2v += x * (bp[q + 2] as number);
    c3v += x * (bp[q + 3] as number);
  }
  c[c0] = c0v;
  c[c0 + 1] = c1v;
  c[c0 + 2] = c2v;
  c[c0 + 3] = c3v;
}

/** The textbook triple loop (i, p, j order), kept as the reference the tests compare against. */
export function gemmNaive(a: Arr, b: Arr, c: Arr, m: number, k: number, n: number): void {
  c.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p] as number;
      for (let j = 0; j < n; j++) c[i * n + j] = (c[i * n + j] as number) + x * (b[p * n + j] as number);
    }
  }
}
