/**
 * The WebAssembly SIMD matrix product against the plain reference (the textbook triple loop in
 * float64), on the sizes where a blocked kernel goes wrong: edges of its 4-row tiles, its 64-row
 * blocks and its 8-float / 4-double panels, the shared dimension across its 256-wide blocks, transposed operands,
 * and offsets into larger arrays. Then the SIMD elementwise loops against their TypeScript
 * references, bit for bit, on every length around the vector width and the special numbers.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/random";
import {
  adamJs,
  addRowJs,
  reluBackwardJs,
  sgdJs,
  sgdMomentumJs,
  unaryLoops,
} from "../../../src/tensor/kernels/elementwise";
import { gemmNaive } from "../../../src/tensor/kernels/matmul";
import {
  adamWasm,
  addRowWasm,
  gemmWasm,
  reluBackwardWasm,
  reluWasm,
  sgdMomentumWasm,
  sgdWasm,
  wasmAvailable,
} from "../../../src/tensor/kernels/wasm";

type Ctor = typeof Float32Array | typeof Float64Array;

/** A typed array of `Ctor` with entries f(0), f(1), …. */
function filled(Ctor: Ctor, length: number, f: (i: number) => number): Float32Array | Float64Array {
  const x = new Ctor(length);
  for (let i = 0; i < length; i++) x[i] = f(i);
  return x;
}

/** op(A)·op(B) in float64 by the triple loop, from A stored m×k (k×m if aT) and B k×n (n×k if bT). */
function reference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  aT: boolean,
  bT: boolean,
) {
  const a2 = new Float64Array(m * k);
  const b2 = new Float64Array(k * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) a2[i * k + p] = a[aT ? p * m + i : i * k + p] as number;
  for (let p = 0; p < k; p++)
    for (let j = 0; j < n; j++) b2[p * n + j] = b[bT ? j * k + p : p * n + j] as number;
  const c = new Float64Array(m * n);
  gemmNaive(a2, b2, c, m, k, n);
  return { c, a2, b2 };
}

/** |C − C_ref| ≤ tol · (|A|·|B|)ᵢⱼ entry by entry: the error bound of a sum of k products. */
function expectClose(
  c: ArrayLike<number>,
  ref: ReturnType<typeof reference>,
  m: number,
  k: number,
  n: number,
  tol: number,
) {
  const absA = ref.a2.map(Math.abs);
  const absB = ref.b2.map(Math.abs);
  const bound = new Float64Array(m * n);
  gemmNaive(absA, absB, bound, m, k, n);
  let worst = 0;
  for (let i = 0; i < m * n; i++) {
    const err = Math.abs((c[i] as number) - (ref.c[i] as number)) / ((bound[i] as number) + 1e-300);
    worst = Math.max(worst, err);
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [5, 8, 8],
  [4, 9, 8],
  [8, 2, 4],
  [9, 31, 12],
  [4, 3, 9],
  [6, 5, 7],
  [11, 13, 17],
  [10, 256, 16],
  [7, 257, 9],
  [16, 600, 33],
  [33, 64, 65],
  [64, 64, 64],
  [70, 300, 20],
  [131, 40, 9],
];

describe("the WebAssembly SIMD kernels", () => {
  it("load here (Node 20 has WebAssembly with 128-bit SIMD)", () => {
    expect(wasmAvailable()).toBe(true);
  });

  describe.each([
    ["float64", Float64Array, 4e-16],
    ["float32", Float32Array, 2e-7],
  ] as [string, Ctor, number][])("in %s", (_name, Ctor, tol) => {
    it.each(SIZES)("match the reference for %i×%i times %i×…, every transpose combination", (m, k, n) => {
      const rng = new Rng(m * 1000 + k * 10 + n);
      for (const aT of [false, true]) {
        for (const bT of [false, true]) {
          const a = filled(Ctor, m * k, () => rng.uniform(-1, 1));
          const b = filled(Ctor, k * n, () => rng.uniform(-1, 1));
          const c = new Ctor(m * n).fill(Number.NaN);
          expect(gemmWasm(a, 0, b, 0, c, 0, m, k, n, aT, bT)).toBe(true);
          expectClose(c, reference(a, b, m, k, n, aT, bT), m, k, n, tol * Math.max(1, Math.sqrt(k)));
        }
      }
    });

    it("read and write at offsets, leaving the rest of C alone", () => {
      const rng = new Rng(7);
      const [m, k, n] = [6, 9, 10];
      const a = filled(Ctor, 3 + m * k, () => rng.uniform(-1, 1));
      const b = filled(Ctor, 5 + k * n, () => rng.uniform(-1, 1));
      const c = new Ctor(2 + m * n + 4).fill(42);
      gemmWasm(a, 3, b, 5, c, 2, m, k, n, false, false);
      expect([...c.slice(0, 2), ...c.slice(2 + m * n)]).toEqual([42, 42, 42, 42, 42, 42]);
      expectClose(
        c.subarray(2, 2 + m * n),
        reference(a.subarray(3), b.subarray(5), m, k, n, false, false),
        m,
        k,
        n,
        tol * 3,
      );
    });

    it("give exact results on small integers, whatever the blocking", () => {
      const [m, k, n] = [13, 300, 11];
      const a = filled(Ctor, m * k, (i) => ((i * 7) % 5) - 2);
      const b = filled(Ctor, k * n, (i) => ((i * 3) % 7) - 3);
      const c = new Ctor(m * n);
      gemmWasm(a, 0, b, 0, c, 0, m, k, n, false, false);
      expect(Array.from(c)).toEqual(Array.from(reference(a, b, m, k, n, false, false).c));
    });

    it("propagate NaN and ±Infinity like the reference", () => {
      const a = filled(Ctor, 6, (i) => [1, Number.NaN, 2, 3, 4, Number.POSITIVE_INFINITY][i] as number);
      const b = filled(Ctor, 6, (i) => i + 1);
      const c = new Ctor(4);
      gemmWasm(a, 0, b, 0, c, 0, 2, 3, 2, false, false);
      expect(Array.from(c)).toEqual(Array.from(reference(a, b, 2, 3, 2, false, false).c));
    });
  });

  it("grow their memory for a large product and still agree afterwards on a small one", () => {
    const rng = new Rng(3);
    const [m, k, n] = [300, 300, 300];
    const a = Float32Array.from({ length: m * k }, () => rng.uniform(-1, 1));
    const b = Float32Array.from({ length: k * n }, () => rng.uniform(-1, 1));
    const c = new Float32Array(m * n);
    gemmWasm(a, 0, b, 0, c, 0, m, k, n, false, true);
    expectClose(c, reference(a, b, m, k, n, false, true), m, k, n, 2e-7 * Math.sqrt(k));
    const small = new Float64Array(4);
    gemmWasm(
      Float64Array.from([1, 2, 3, 4]),
      0,
      Float64Array.from([5, 6, 7, 8]),
      0,
      small,
      0,
      2,
      2,
      2,
      false,
      false,
    );
    expect(Array.from(small)).toEqual([19, 22, 43, 50]);
  });
});

describe("the fused multiply-add build (relaxed SIMD)", () => {
  it("is what an engine with relaxed SIMD loads, and matches the reference there", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const { fileURLToPath } = await import("node:url");
    const src = (p: string) => JSON.stringify(fileURLToPath(new URL(`../../../src/${p}`, import.meta.url)));
    // Node 20 has relaxed SIMD behind a flag (later Node versions and current browsers have it on)
    const program = `
      const { gemmWasm, wasmVariant } = await import(${src("tensor/kernels/wasm.ts")});
      const { gemmNaive } = await import(${src("tensor/kernels/matmul.ts")});
      let worst = 0;
      for (const [m, k, n] of [[9, 300, 13], [64, 64, 64], [5, 3, 17]]) {
        for (const Ctor of [Float32Array, Float64Array]) {
          const a = Ctor.from({ length: m * k }, (_, i) => Math.sin(i));
          const b = Ctor.from({ length: k * n }, (_, i) => Math.cos(i));
          const c = new Ctor(m * n);
          gemmWasm(a, 0, b, 0, c, 0, m, k, n, false, false);
          const ref = new Float64Array(m * n);
          gemmNaive(Float64Array.from(a), Float64Array.from(b), ref, m, k, n);
          // |a|, |b| ≤ 1: a sum of k products is off by at most about ε·k² (ε the unit roundoff)
          const bound = (Ctor === Float32Array ? 6e-8 : 1.2e-16) * k * k;
          for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(c[i] - ref[i]) / bound);
        }
      }
      console.log(JSON.stringify({ variant: wasmVariant(), worst }));`;
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      ["--experimental-wasm-relaxed-simd", "--import", "tsx", "--input-type=module", "-e", program],
      { cwd: fileURLToPath(new URL("../../../", import.meta.url)) },
    );
    const result = JSON.parse(stdout.trim()) as { variant: string; worst: number };
    expect(result.variant).toBe("fma");
    expect(result.worst).toBeLessThanOrEqual(1);
  }, 30_000);

  it("is used exactly where the engine validates it (Node 20 without the flag: the plain SIMD build)", async () => {
    const { wasmVariant } = await import("../../../src/tensor/kernels/wasm");
    const { KERNELS_WASM_FMA_BASE64 } = await import("../../../src/tensor/kernels/wasm/kernels.generated");
    const fma = WebAssembly.validate(Buffer.from(KERNELS_WASM_FMA_BASE64, "base64"));
    expect(wasmVariant()).toBe(fma ? "fma" : "simd");
    if (process.versions.node.startsWith("20.")) expect(fma).toBe(false);
  });
});

describe("the WebAssembly SIMD elementwise loops", () => {
  /** Numbers that tell implementations apart: signed zeros, infinities, NaN, subnormals, ties. */
  const SPECIAL = [
    0,
    -0,
    1,
    -1,
    Number.NaN,
    Infinity,
    -Infinity,
    5e-324,
    -5e-324,
    1e-40,
    -1e-40,
    3.4e38,
    1e300,
  ];
  const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 1023, 1029];

  /** x[i]: the special numbers first, then random ones in [−2, 2). */
  const numbers = (Ctor: Ctor, n: number, seed: number) => {
    const rng = new Rng(seed);
    return filled(Ctor, n, (i) => SPECIAL[i] ?? rng.uniform(-2, 2));
  };
  /** Same bits: NaN equals NaN, and −0 differs from +0. */
  const expectSameBits = (got: ArrayLike<number>, want: ArrayLike<number>) => {
    expect(Array.from(got, (v) => (Object.is(v, -0) ? "-0" : v))).toEqual(
      Array.from(want, (v) => (Object.is(v, -0) ? "-0" : v)),
    );
  };

  describe.each([
    ["float64", Float64Array],
    ["float32", Float32Array],
  ] as [string, Ctor][])("in %s", (_name, Ctor) => {
    it.each(LENGTHS)("ReLU and its backward give the reference's bits at length %i", (n) => {
      const x = numbers(Ctor, n, n);
      const g = numbers(Ctor, n, n + 1).reverse();
      const [got, want] = [new Ctor(n).fill(7), new Ctor(n).fill(7)];
      expect(reluWasm(x, got)).toBe(true);
      unaryLoops.relu(x, want);
      expectSameBits(got, want);
      expect(reluBackwardWasm(x, g, got)).toBe(true);
      reluBackwardJs(x, g, want);
      expectSameBits(got, want);
    });

    it.each([
      [1, 1],
      [3, 5],
      [4, 8],
      [7, 10],
      [128, 257],
    ])("the bias add gives the reference's bits on a %i×%i matrix", (m, n) => {
      const c = numbers(Ctor, m * n, m + n);
      const bias = numbers(Ctor, n, n).reverse();
      const want = c.slice();
      expect(addRowWasm(c, bias, m, n)).toBe(true);
      addRowJs(want, bias, m, n);
      expectSameBits(c, want);
    });

    it.each(LENGTHS)("the SGD update gives the reference's bits (float64 arithmetic) at length %i", (n) => {
      const p = numbers(Ctor, n, 3 * n);
      const g = numbers(Ctor, n, 3 * n + 1).reverse();
      const want = p.slice();
      // 0.1 is not a float32: a kernel that multiplied in float32 would round differently
      expect(sgdWasm(p, g, 0.1)).toBe(true);
      sgdJs(want, g, 0.1);
      expectSameBits(p, want);
    });

    it.each(LENGTHS)(
      "SGD with momentum gives the reference's bits, parameters and buffer, at length %i",
      (n) => {
        const p = numbers(Ctor, n, 5 * n);
        const g = numbers(Ctor, n, 5 * n + 1).reverse();
        const b = numbers(Float64Array, n, 5 * n + 2) as Float64Array;
        const [wantP, wantB] = [p.slice(), b.slice()];
        expect(sgdMomentumWasm(p, g, b, 0.1, 0.9, 0.7)).toBe(true);
        sgdMomentumJs(wantP, g, wantB, 0.1, 0.9, 0.7);
        expectSameBits(p, wantP);
        expectSameBits(b, wantB);
      },
    );

    it.each(LENGTHS)("Adam gives the reference's bits, parameters and both moments, at length %i", (n) => {
      const p = numbers(Ctor, n, 7 * n);
      const g = numbers(Ctor, n, 7 * n + 1).reverse();
      // moments: m of any sign, v ≥ 0 (NaN and the infinities come in with the special numbers)
      const m = numbers(Float64Array, n, 7 * n + 2) as Float64Array;
      const v = (numbers(Float64Array, n, 7 * n + 3) as Float64Array).map(Math.abs);
      const [wantP, wantM, wantV] = [p.slice(), m.slice(), v.slice()];
      const step = {
        weightDecay: 0.01,
        b1: 0.9,
        b2: 0.999,
        bc2Sqrt: Math.sqrt(1 - 0.999 ** 3),
        eps: 1e-8,
        stepSize: 1e-3 / (1 - 0.9 ** 3),
      };
      expect(adamWasm(p, g, m, v, step)).toBe(true);
      adamJs(wantP, g, wantM, wantV, step);
      expectSameBits(p, wantP);
      expectSameBits(m, wantM);
      expectSameBits(v, wantV);
    });
  });

  it("may grow the memory: later matrix products still read and write it correctly", () => {
    const rng = new Rng(5);
    const a = filled(Float32Array, 40 * 50, () => rng.uniform(-1, 1));
    const b = filled(Float32Array, 50 * 30, () => rng.uniform(-1, 1));
    const before = new Float32Array(40 * 30);
    gemmWasm(a, 0, b, 0, before, 0, 40, 50, 30, false, false);
    reluWasm(
      filled(Float32Array, 100_000, (i) => i),
      new Float32Array(100_000),
    );
    const after = new Float32Array(40 * 30);
    gemmWasm(a, 0, b, 0, after, 0, 40, 50, 30, false, false);
    expect(after).toEqual(before);
  });
});
