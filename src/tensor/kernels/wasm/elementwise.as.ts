// AssemblyScript (see gemm.as.ts): the elementwise loops a training step spends its time in
// outside the matrix products, four or two numbers per 128-bit vector. Each gives the same bits
// as its TypeScript reference in kernels/elementwise.ts (and the SGD update in optim/), which is
// what the tests check: the operations are the same and happen in the same precision.
//
// Arrays are addresses in the module's memory; `n` counts elements. Each loop handles whole
// vectors, then the last 0 … 3 (float32) or 0 … 1 (float64) elements one at a time.

/** out = max(x, 0): ReLU. NaN stays NaN and max(−0, 0) = +0, like Math.max. */
function relu<T>(x: usize, out: usize, n: i32): void {
  const size = <usize>sizeof<T>();
  const lanes: i32 = <i32>(16 / size);
  const zero = v128.splat<T>(0);
  let i: i32 = 0;
  for (; i + lanes <= n; i += lanes) {
    const at = <usize>i * size;
    v128.store(out + at, v128.max<T>(v128.load(x + at), zero));
  }
  for (; i < n; i++) {
    const at = <usize>i * size;
    store<T>(out + at, max<T>(load<T>(x + at), <T>0));
  }
}

/** out = g where x > 0, else +0 (also where x is NaN): ReLU's backward. */
function reluBackward<T>(x: usize, g: usize, out: usize, n: i32): void {
  const size = <usize>sizeof<T>();
  const lanes: i32 = <i32>(16 / size);
  const zero = v128.splat<T>(0);
  let i: i32 = 0;
  for (; i + lanes <= n; i += lanes) {
    const at = <usize>i * size;
    const positive = v128.gt<T>(v128.load(x + at), zero);
    v128.store(out + at, v128.and(v128.load(g + at), positive));
  }
  for (; i < n; i++) {
    const at = <usize>i * size;
    store<T>(out + at, load<T>(x + at) > <T>0 ? load<T>(g + at) : <T>0);
  }
}

/** c[i, j] += bias[j] for the m×n row-major c: a bias added to every row. */
function addRow<T>(c: usize, bias: usize, m: i32, n: i32): void {
  const size = <usize>sizeof<T>();
  const lanes: i32 = <i32>(16 / size);
  for (let r: i32 = 0; r < m; r++) {
    const row = c + <usize>r * <usize>n * size;
    let j: i32 = 0;
    for (; j + lanes <= n; j += lanes) {
      const at = <usize>j * size;
      v128.store(row + at, v128.add<T>(v128.load(row + at), v128.load(bias + at)));
    }
    for (; j < n; j++) {
      const at = <usize>j * size;
      store<T>(row + at, load<T>(row + at) + load<T>(bias + at));
    }
  }
}

export function reluF32(x: usize, out: usize, n: i32): void {
  relu<f32>(x, out, n);
}

export function reluF64(x: usize, out: usize, n: i32): void {
  relu<f64>(x, out, n);
}

export function reluBackwardF32(x: usize, g: usize, out: usize, n: i32): void {
  reluBackward<f32>(x, g, out, n);
}

export function reluBackwardF64(x: usize, g: usize, out: usize, n: i32): void {
  reluBackward<f64>(x, g, out, n);
}

export function addRowF32(c: usize, bias: usize, m: i32, n: i32): void {
  addRow<f32>(c, bias, m, n);
}

export function addRowF64(c: usize, bias: usize, m: i32, n: i32): void {
  addRow<f64>(c, bias, m, n);
}

/** Lanes 2–3 of a float32x4 moved to lanes 0–1 (for f64x2.promote_low_f32x4). */
// @ts-ignore: decorator
@inline
function highHalf(v: v128): v128 {
  return i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
}

/** Two float64x2 rounded to float32 and put together as one float32x4 (lo's lanes first). */
// @ts-ignore: decorator
@inline
function narrow(lo: v128, hi: v128): v128 {
  const a = f32x4.demote_f64x2_zero(lo);
  const b = f32x4.demote_f64x2_zero(hi);
  return i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}

/**
 * Plain SGD, p ← p − lr·g, in float64 like the TypeScript loop (lr is a float64; float32
 * elements are widened, updated, and rounded back once).
 */
export function sgdF64(p: usize, g: usize, lr: f64, n: i32): void {
  const rate = f64x2.splat(lr);
  let i: i32 = 0;
  for (; i + 2 <= n; i += 2) {
    const at = <usize>i << 3;
    v128.store(p + at, f64x2.sub(v128.load(p + at), f64x2.mul(rate, v128.load(g + at))));
  }
  for (; i < n; i++) {
    const at = <usize>i << 3;
    store<f64>(p + at, load<f64>(p + at) - lr * load<f64>(g + at));
  }
}

export function sgdF32(p: usize, g: usize, lr: f64, n: i32): void {
  const rate = f64x2.splat(lr);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const pv = v128.load(p + at);
    const gv = v128.load(g + at);
    // lanes 0–1 and 2–3 widened to float64, updated, narrowed back and put together again
    const lo = f64x2.sub(f64x2.promote_low_f32x4(pv), f64x2.mul(rate, f64x2.promote_low_f32x4(gv)));
    const hi = f64x2.sub(
      f64x2.promote_low_f32x4(highHalf(pv)),
      f64x2.mul(rate, f64x2.promote_low_f32x4(highHalf(gv))),
    );
    v128.store(p + at, narrow(lo, hi));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(p + at, <f32>(<f64>load<f32>(p + at) - lr * <f64>load<f32>(g + at)));
  }
}

/**
 * SGD with momentum (no weight decay, not Nesterov), in float64 like the TypeScript loop:
 * b ← keep·b + damp·g; p ← p − lr·b, with the float64 momentum buffer b. Float32 parameters
 * and gradients are widened, four at a time as two float64x2 halves, and rounded back once.
 */
function sgdMomentum<T>(p: usize, g: usize, buf: usize, lr: f64, keep: f64, damp: f64, n: i32): void {
  const size = <usize>sizeof<T>();
  const rate = f64x2.splat(lr);
  const k = f64x2.splat(keep);
  const d = f64x2.splat(damp);
  let i: i32 = 0;
  if (size == 8) {
    for (; i + 2 <= n; i += 2) {
      const at = <usize>i << 3;
      const b = f64x2.add(f64x2.mul(k, v128.load(buf + at)), f64x2.mul(d, v128.load(g + at)));
      v128.store(buf + at, b);
      v128.store(p + at, f64x2.sub(v128.load(p + at), f64x2.mul(rate, b)));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 2;
      const bAt = buf + (<usize>i << 3);
      const pv = v128.load(p + at);
      const gv = v128.load(g + at);
      const b0 = f64x2.add(f64x2.mul(k, v128.load(bAt)), f64x2.mul(d, f64x2.promote_low_f32x4(gv)));
      const b1 = f64x2.add(f64x2.mul(k, v128.load(bAt, 16)), f64x2.mul(d, f64x2.promote_low_f32x4(highHalf(gv))));
      v128.store(bAt, b0);
      v128.store(bAt, b1, 16);
      const lo = f64x2.sub(f64x2.promote_low_f32x4(pv), f64x2.mul(rate, b0));
      const hi = f64x2.sub(f64x2.promote_low_f32x4(highHalf(pv)), f64x2.mul(rate, b1));
      v128.store(p + at, narrow(lo, hi));
    }
  }
  for (; i < n; i++) {
    const at = <usize>i * size;
    const bAt = buf + (<usize>i << 3);
    const b = keep * load<f64>(bAt) + damp * <f64>load<T>(g + at);
    store<f64>(bAt, b);
    store<T>(p + at, <T>(<f64>load<T>(p + at) - lr * b));
  }
}

export function sgdMomentumF64(p: usize, g: usize, buf: usize, lr: f64, keep: f64, damp: f64, n: i32): void {
  sgdMomentum<f64>(p, g, buf, lr, keep, damp, n);
}

export function sgdMomentumF32(p: usize, g: usize, buf: usize, lr: f64, keep: f64, damp: f64, n: i32): void {
  sgdMomentum<f32>(p, g, buf, lr, keep, damp, n);
}
