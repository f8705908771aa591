/**
 * The typed-array kernels on their own, against naive reference loops: gemm (register-blocked)
 * vs gemmNaive, reductions over every subset of axes, broadcasting zip/broadcastTo, permute,
 * the softmax and argmax loops, and erf/erfc against Python's math module.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/index";
import { type Arith, arith, broadcastTo, zip } from "../../src/tensor/kernels/elementwise";
import { permute } from "../../src/tensor/kernels/layout";
import { gemmJs as gemm, gemmNaive } from "../../src/tensor/kernels/matmul";
import { argExtreme, logSoftmaxAxis, reduce } from "../../src/tensor/kernels/reduce";
import { erf, erfc, normalCdf, sigmoid, softplus } from "../../src/tensor/kernels/scalar";
import { expectAllClose } from "../helpers/close";

/** Row-major strides. */
const strides = (shape: readonly number[]) =>
  shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));

/** The multi-index of flat position `i` in `shape`. */
const unravel = (i: number, shape: readonly number[]) => {
  const st = strides(shape);
  return shape.map((d, k) => Math.floor(i / (st[k] as number)) % d);
};

const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

const randomArray = (rng: Rng, n: number) => Float64Array.from({ length: n }, () => rng.uniform(-1, 1));

describe("gemm", () => {
  const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 13];

  it("matches gemmNaive for every m, k, n in {0,1,2,3,4,5,7,8,9,13}", () => {
    const rng = new Rng(1);
    for (const m of SIZES) {
      for (const k of SIZES) {
        for (const n of SIZES) {
          const a = randomArray(rng, m * k);
          const b = randomArray(rng, k * n);
          const c = new Float64Array(m * n).fill(Number.NaN); // gemm must overwrite every entry
          const ref = new Float64Array(m * n);
          gemm(a, 0, b, 0, c, 0, m, k, n);
          gemmNaive(a, b, ref, m, k, n);
          expectAllClose(c, ref, 1e-14);
        }
      }
    }
  });

  it("reads and writes at offsets, leaving everything outside its block untouched", () => {
    const rng = new Rng(2);
    for (const [m, k, n, aOff, bOff, cOff] of [
      [5, 7, 3, 3, 11, 2],
      [4, 4, 4, 1, 1, 1],
      [9, 2, 6, 17, 0, 5],
      [1, 13, 5, 0, 4, 9],
    ] as const) {
      const a = randomArray(rng, aOff + m * k + 3);
      const b = randomArray(rng, bOff + k * n + 3);
      const c = new Float64Array(cOff + m * n + 4).fill(42);
      gemm(a, aOff, b, bOff, c, cOff, m, k, n);
      const ref = new Float64Array(m * n);
      gemmNaive(a.subarray(aOff), b.subarray(bOff), ref, m, k, n);
      expectAllClose(c.subarray(cOff, cOff + m * n), ref, 1e-14);
      expect(Array.from(c.subarray(0, cOff)).every((v) => v === 42)).toBe(true);
      expect(Array.from(c.subarray(cOff + m * n)).every((v) => v === 42)).toBe(true);
    }
  });

  it("k = 0 writes zeros into its block only", () => {
    const c = new Float64Array(8).fill(7);
    gemm(new Float64Array(0), 0, new Float64Array(0), 0, c, 1, 2, 0, 3);
    expect(Array.from(c)).toEqual([7, 0, 0, 0, 0, 0, 0, 7]);
  });

  it("with bTransposed reads B from its n×k transpose", () => {
    const rng = new Rng(3);
    for (const [m, k, n] of [
      [5, 7, 3],
      [4, 4, 8],
      [3, 1, 5],
      [8, 9, 13],
    ] as const) {
      const a = randomArray(rng, m * k);
      const bt = randomArray(rng, n * k); // Bᵀ, n rows of k
      const b = new Float64Array(k * n);
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) b[p * n + j] = bt[j * k + p] as number;
      const c = new Float64Array(m * n);
      const ref = new Float64Array(m * n);
      gemm(a, 0, bt, 0, c, 0, m, k, n, true);
      gemmNaive(a, b, ref, m, k, n);
      expectAllClose(c, ref, 1e-14);
    }
  });

  it("works on float32 arrays, accumulating in double precision", () => {
    const rng = new Rng(4);
    const [m, k, n] = [6, 11, 5];
    const a = Float32Array.from(randomArray(rng, m * k));
    const b = Float32Array.from(randomArray(rng, k * n));
    const c = new Float32Array(m * n);
    gemm(a, 0, b, 0, c, 0, m, k, n);
    const ref = new Float64Array(m * n);
    gemmNaive(Float64Array.from(a), Float64Array.from(b), ref, m, k, n);
    // one float32 rounding of the exact (double) result
    expect(Array.from(c)).toEqual(Array.from(ref, (v) => Math.fround(v)));
  });
});

describe("reduce", () => {
  /** All subsets of {0, …, nd−1}, as sorted axis lists. */
  const subsets = (nd: number) =>
    Array.from({ length: 1 << nd }, (_, mask) => [...Array(nd).keys()].filter((i) => mask & (1 << i)));

  /** The naive fold: each element goes to the output slot of its kept coordinates. */
  function naiveReduce(x: Float64Array, shape: number[], axes: number[], fold: "sum" | "max" | "min") {
    const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const out = new Float64Array(sizeOf(kept)).fill(
      fold === "sum" ? 0 : fold === "max" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
    );
    const ks = strides(kept);
    for (let i = 0; i < x.length; i++) {
      const idx = unravel(i, shape);
      const o = idx.reduce((acc, v, d) => acc + (axes.includes(d) ? 0 : v * (ks[d] as number)), 0);
      const v = x[i] as number;
      const prev = out[o] as number;
      out[o] = fold === "sum" ? prev + v : fold === "max" ? Math.max(prev, v) : Math.min(prev, v);
    }
    return out;
  }

  for (const shape of [
    [2, 3, 4],
    [3, 1, 5],
    [1, 4, 1],
    [5, 2, 3],
  ]) {
    it(`sum, max and min over every subset of the axes of [${shape}]`, () => {
      const rng = new Rng(sizeOf(shape));
      const x = randomArray(rng, sizeOf(shape));
      for (const axes of subsets(3)) {
        for (const fold of ["sum", "max", "min"] as const) {
          const expected = naiveReduce(x, shape, axes, fold);
          const out = new Float64Array(expected.length).fill(
            fold === "sum" ? 0 : fold === "max" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
          );
          reduce(x, shape, axes, out, fold);
          expectAllClose(out, expected, 1e-14);
        }
      }
    });
  }

  it("max and min propagate NaN", () => {
    const x = Float64Array.from([1, Number.NaN, 3, 4, 5, 6]);
    const full = Float64Array.from([Number.NEGATIVE_INFINITY]);
    reduce(x, [2, 3], [0, 1], full, "max");
    expect(full[0]).toBeNaN();
    const rows = Float64Array.from([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
    reduce(x, [2, 3], [1], rows, "min");
    expect(Array.from(rows)).toEqual([Number.NaN, 4]);
  });
});

describe("broadcasting", () => {
  /** out[i] = f(a[broadcast index], b[broadcast index]) computed index by index. */
  function naiveZip(
    a: Float64Array,
    as: number[],
    b: Float64Array,
    bs: number[],
    outShape: number[],
    f: (x: number, y: number) => number,
  ) {
    const read = (x: Float64Array, shape: number[], idx: number[]) => {
      const lead = idx.length - shape.length;
      const st = strides(shape);
      return x[
        shape.reduce((o, d, k) => o + (d === 1 ? 0 : (idx[k + lead] as number) * (st[k] as number)), 0)
      ] as number;
    };
    return Float64Array.from({ length: sizeOf(outShape) }, (_, i) => {
      const idx = unravel(i, outShape);
      return f(read(a, as, idx), read(b, bs, idx));
    });
  }

  const CASES: [number[], number[], number[]][] = [
    [[2, 3], [3], [2, 3]],
    [
      [2, 1],
      [1, 4],
      [2, 4],
    ],
    [
      [3, 1, 5],
      [4, 1],
      [3, 4, 5],
    ],
    [[1], [2, 3, 2], [2, 3, 2]],
    [[], [3, 2], [3, 2]],
    [
      [2, 3, 4],
      [2, 3, 4],
      [2, 3, 4],
    ],
    [
      [4, 1, 1, 3],
      [2, 1, 1],
      [4, 2, 1, 3],
    ],
    [[0, 3], [3], [0, 3]],
  ];

  it.each(CASES)("zip reads %j and %j as %j", (as, bs, outShape) => {
    const rng = new Rng(sizeOf(outShape) + as.length);
    const a = randomArray(rng, sizeOf(as));
    const b = randomArray(rng, sizeOf(bs));
    const f = (x: number, y: number) => 10 * x - y;
    const out = new Float64Array(sizeOf(outShape));
    zip(a, as, b, bs, out, outShape, f);
    expect(Array.from(out)).toEqual(Array.from(naiveZip(a, as, b, bs, outShape, f)));
    // and with the operands swapped
    zip(b, bs, a, as, out, outShape, f);
    expect(Array.from(out)).toEqual(Array.from(naiveZip(b, bs, a, as, outShape, f)));
  });

  it.each(CASES)("broadcastTo copies %j into the broadcast shape (with %j) %j", (as, _bs, outShape) => {
    const rng = new Rng(7);
    const a = randomArray(rng, sizeOf(as));
    const out = new Float64Array(sizeOf(outShape));
    broadcastTo(a, as, out, outShape);
    expect(Array.from(out)).toEqual(Array.from(naiveZip(a, as, new Float64Array(1), [], outShape, (x) => x)));
  });
});

describe("arith (call-free + − · / on common layouts)", () => {
  const ops: [Arith, (x: number, y: number) => number][] = [
    ["add", (x, y) => x + y],
    ["sub", (x, y) => x - y],
    ["mul", (x, y) => x * y],
    ["div", (x, y) => x / y],
  ];
  const layouts: [number[], number[], boolean][] = [
    [[2, 3], [2, 3], true], // same shape
    [[2, 3], [], true], // scalar right
    [[], [4, 5], true], // scalar left
    [[4, 5], [5], true], // row block right
    [[3, 4, 5], [1, 4, 5], true], // row block with a leading 1
    [[5], [4, 5], true], // row block left
    [[4, 5], [4, 1], true], // column right
    [[4, 1], [4, 5], true], // column left
    [[2, 3, 4], [2, 3, 1], true], // column of a 3-D tensor
    [[2, 1, 4], [2, 3, 4], false], // a middle dimension: left to zip
    [[4, 1], [1, 5], false], // outer product: left to zip
  ];
  it.each(layouts)("%j ∘ %j: same as zip, and declines layouts it does not cover", (as, bs, covered) => {
    const rng = new Rng(5);
    const shape =
      as.length >= bs.length
        ? as.length === bs.length
          ? as.map((d, i) => Math.max(d, bs[i] as number))
          : as
        : bs;
    const a = randomArray(rng, sizeOf(as));
    const b = Float64Array.from(randomArray(rng, sizeOf(bs)), (v) => v + 2); // no division by ~0
    for (const [op, f] of ops) {
      const want = new Float64Array(sizeOf(shape));
      zip(a, as, b, bs, want, shape, f);
      const got = new Float64Array(sizeOf(shape));
      expect(arith(op, a, as, b, bs, got, shape)).toBe(covered);
      if (covered) expect(Array.from(got)).toEqual(Array.from(want));
    }
  });
});

describe("permute", () => {
  /** All permutations of 0…n−1. */
  const perms = (n: number): number[][] =>
    n === 0
      ? [[]]
      : perms(n - 1).flatMap((p) =>
          Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
        );

  function naivePermute(x: Float64Array, shape: number[], perm: number[]) {
    const outShape = perm.map((p) => shape[p] as number);
    const xs = strides(shape);
    return Float64Array.from({ length: x.length }, (_, i) => {
      const idx = unravel(i, outShape); // out[idx] = x[j] with j[perm[d]] = idx[d]
      return x[idx.reduce((o, v, d) => o + v * (xs[perm[d] as number] as number), 0)] as number;
    });
  }

  for (const shape of [[2, 3, 4], [1, 3, 2, 2], [5], [2, 1]]) {
    it(`matches the index definition for every permutation of [${shape}]`, () => {
      const x = Float64Array.from({ length: sizeOf(shape) }, (_, i) => i);
      for (const perm of perms(shape.length)) {
        const out = new Float64Array(x.length);
        permute(x, shape, perm, out);
        expect(Array.from(out)).toEqual(Array.from(naivePermute(x, shape, perm)));
      }
    });
  }

  it("copies the one element of a 0-d array", () => {
    const out = new Float64Array(1);
    permute(Float64Array.from([7]), [], [], out);
    expect(out[0]).toBe(7);
  });
});

describe("argExtreme and logSoftmaxAxis", () => {
  it("argExtreme picks the first index on ties, along the middle axis", () => {
    // x as [outer 2, n 3, inner 2]
    const x = Float64Array.from([1, 5, 3, 5, 3, 2, 0, 0, -1, 0, 0, 0]);
    const out = new Float64Array(4);
    argExtreme(x, 2, 3, 2, out, 1);
    expect(Array.from(out)).toEqual([1, 0, 0, 0]);
    argExtreme(x, 2, 3, 2, out, -1);
    expect(Array.from(out)).toEqual([0, 2, 1, 0]);
    const withNaN = new Float64Array(1);
    argExtreme(Float64Array.from([1, Number.NaN, 9]), 1, 3, 1, withNaN, 1);
    expect(withNaN[0]).toBe(1); // NaN counts as the extreme, as in PyTorch
  });

  it("logSoftmaxAxis matches x − ln Σ eˣ computed naively (moderate inputs)", () => {
    const rng = new Rng(5);
    const [outer, n, inner] = [2, 4, 3];
    const x = randomArray(rng, outer * n * inner);
    const logp = new Float64Array(x.length);
    const p = new Float64Array(x.length);
    logSoftmaxAxis(x, outer, n, inner, logp, false);
    logSoftmaxAxis(x, outer, n, inner, p, true);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (k: number) => o * n * inner + k * inner + i;
        let s = 0;
        for (let k = 0; k < n; k++) s += Math.exp(x[at(k)] as number);
        for (let k = 0; k < n; k++) {
          expect(logp[at(k)]).toBeCloseTo((x[at(k)] as number) - Math.log(s), 14);
          expect(p[at(k)]).toBeCloseTo(Math.exp(x[at(k)] as number) / s, 14);
        }
      }
    }
  });
});

describe("scalar math", () => {
  const TABLE: [number, number, number][] = [
    // generated by: python3 -c "import math; [print([x, math.erf(x), math.erfc(x)]) for x in [i/4 for i in range(-24, 25)] + [1e-8, -1e-3, 0.1, 0.9999, 1.0001, 1.9999, 2.0001, -2.0001, -4.3]]"
    [-6.0, -1.0, 2.0],
    [-5.75, -0.9999999999999996, 1.9999999999999996],
    [-5.5, -0.9999999999999927, 1.9999999999999927],
    [-5.25, -0.9999999999998869, 1.999999999999887],
    [-5.0, -0.9999999999984626, 1.9999999999984626],
    [-4.75, -0.9999999999815149, 1.999999999981515],
    [-4.5, -0.9999999998033839, 1.999999999803384],
    [-4.25, -0.9999999981494259, 1.9999999981494259],
    [-4.0, -0.9999999845827421, 1.999999984582742],
    [-3.75, -0.9999998862727434, 1.9999998862727435],
    [-3.5, -0.9999992569016276, 1.9999992569016276],
    [-3.25, -0.9999956972205363, 1.9999956972205364],
    [-3.0, -0.9999779095030014, 1.9999779095030015],
    [-2.75, -0.9998993780778803, 1.9998993780778804],
    [-2.5, -0.999593047982555, 1.999593047982555],
    [-2.25, -0.9985372834133188, 1.9985372834133188],
    [-2.0, -0.9953222650189527, 1.9953222650189528],
    [-1.75, -0.9866716712191824, 1.9866716712191825],
    [-1.5, -0.9661051464753108, 1.9661051464753108],
    [-1.25, -0.9229001282564582, 1.9229001282564582],
    [-1.0, -0.8427007929497149, 1.842700792949715],
    [-0.75, -0.7111556336535151, 1.7111556336535152],
    [-0.5, -0.5204998778130465, 1.5204998778130465],
    [-0.25, -0.2763263901682369, 1.276326390168237],
    [0.0, 0.0, 1.0],
    [0.25, 0.2763263901682369, 0.7236736098317631],
    [0.5, 0.5204998778130465, 0.4795001221869535],
    [0.75, 0.7111556336535151, 0.28884436634648486],
    [1.0, 0.8427007929497149, 0.15729920705028513],
    [1.25, 0.9229001282564582, 0.07709987174354177],
    [1.5, 0.9661051464753108, 0.033894853524689274],
    [1.75, 0.9866716712191824, 0.013328328780817555],
    [2.0, 0.9953222650189527, 0.004677734981047265],
    [2.25, 0.9985372834133188, 0.0014627165866811518],
    [2.5, 0.999593047982555, 0.0004069520174449589],
    [2.75, 0.9998993780778803, 0.00010062192211963684],
    [3.0, 0.9999779095030014, 2.2090496998585438e-5],
    [3.25, 0.9999956972205363, 4.302779463675122e-6],
    [3.5, 0.9999992569016276, 7.430983723414128e-7],
    [3.75, 0.9999998862727434, 1.1372725656979664e-7],
    [4.0, 0.9999999845827421, 1.541725790028002e-8],
    [4.25, 0.9999999981494259, 1.8505741373867425e-9],
    [4.5, 0.9999999998033839, 1.9661604415428873e-10],
    [4.75, 0.9999999999815149, 1.8485047721485312e-11],
    [5.0, 0.9999999999984626, 1.5374597944280351e-12],
    [5.25, 0.9999999999998869, 1.1310313266887154e-13],
    [5.5, 0.9999999999999927, 7.357847917974398e-15],
    [5.75, 0.9999999999999996, 4.2321366174257373e-16],
    [6.0, 1.0, 2.1519736712498916e-17],
    [1e-8, 1.1283791670955126e-8, 0.9999999887162083],
    [-0.001, -0.0011283787909692365, 1.0011283787909693],
    [0.1, 0.1124629160182849, 0.8875370839817152],
    [0.9999, 0.8426592780487595, 0.15734072195124052],
    [1.0001, 0.8427422995485203, 0.1572577004514797],
    [1.9999, 0.9953201979070294, 0.004679802092970608],
    [2.0001, 0.9953243313041966, 0.0046756686958033394],
    [-2.0001, -0.9953243313041966, 1.9953243313041966],
    [-4.3, -0.9999999988065282, 1.9999999988065282],
  ];

  /** |actual − expected| ≤ 1e-14·|expected| (exact where expected is 0). */
  const expectRelClose = (actual: number, expected: number, what: string) => {
    const err = Math.abs(actual - expected);
    if (!(err <= 1e-14 * Math.abs(expected))) expect.fail(`${what}: got ${actual}, expected ${expected}`);
  };

  it("erf and erfc match Python's math.erf/math.erfc across [-6, 6] to 1e-14 relative", () => {
    for (const [x, e, c] of TABLE) {
      expectRelClose(erf(x), e, `erf(${x})`);
      expectRelClose(erfc(x), c, `erfc(${x})`);
    }
  });

  it("erf is odd, saturates, and passes NaN through", () => {
    for (const [x] of TABLE) expect(erf(-x)).toBe(-erf(x));
    expect([erf(30), erf(-30), erfc(30), erfc(-30)]).toEqual([1, -1, 0, 2]);
    expect(erf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(erf(Number.NaN)).toBeNaN();
    expect(erfc(Number.NaN)).toBeNaN();
  });

  it("normalCdf is ½·erfc(−x/√2), accurate in the lower tail", () => {
    // 0.5*math.erfc(10/math.sqrt(2)): relative, not absolute, accuracy at 7.6e-24. The rounding
    // of the argument x/√2 ≈ 7.07 alone moves erfc by 2x²·1.1e-16 ≈ 1.1e-14 (relative), so 1e-13.
    const tail = normalCdf(-10);
    expect(Math.abs(tail - 7.619853024160593e-24)).toBeLessThanOrEqual(1e-13 * 7.619853024160593e-24);
    // 0.5*math.erfc(-1/math.sqrt(2))
    expectRelClose(normalCdf(1), 0.8413447460685429, "normalCdf(1)");
    expect(normalCdf(0)).toBe(0.5);
  });

  it("sigmoid and softplus never overflow", () => {
    expect([sigmoid(-1000), sigmoid(0), sigmoid(1000)]).toEqual([0, 0.5, 1]);
    expect([softplus(-1000), softplus(1000), softplus(21)]).toEqual([0, 1000, 21]);
    expect(softplus(0)).toBe(Math.LN2);
  });
});
