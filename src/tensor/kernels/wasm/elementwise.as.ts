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

/**
 * One Adam step on two float64 lanes: the parameters `p` and gradients `g0` (already float64),
 * the moments at `mAt` and `vAt` updated in memory; returns the new parameters. The operations
 * and their order are the TypeScript loop's (optim/optimizers.ts), so the bits agree. The other
 * arguments are the step's constants (see `adam`), splatted. (No object holds them: the module
 * has no allocator whose memory would not collide with the arrays laid out from its heap base.)
 */
// @ts-ignore: decorator
@inline
function adamPair(
  p: v128,
  g0: v128,
  mAt: usize,
  vAt: usize,
  wd: v128,
  b1: v128,
  c1: v128,
  b2: v128,
  c2: v128,
  bc2Sqrt: v128,
  eps: v128,
  stepSize: v128,
): v128 {
  const g = f64x2.add(g0, f64x2.mul(wd, p));
  const m = f64x2.add(f64x2.mul(b1, v128.load(mAt)), f64x2.mul(c1, g));
  const v = f64x2.add(f64x2.mul(b2, v128.load(vAt)), f64x2.mul(f64x2.mul(c2, g), g));
  v128.store(mAt, m);
  v128.store(vAt, v);
  const denom = f64x2.add(f64x2.div(f64x2.sqrt(v), bc2Sqrt), eps);
  return f64x2.sub(p, f64x2.mul(stepSize, f64x2.div(m, denom)));
}

/**
 * Adam (PyTorch's, L2 weight decay): g ← g + wd·p; m ← b1·m + (1 − b1)·g;
 * v ← b2·v + (1 − b2)·g·g; p ← p − stepSize·m/(√v/bc2Sqrt + eps), with the bias corrections
 * folded into stepSize and bc2Sqrt by the caller. Float64 moments; float32 parameters widened.
 */
function adam<T>(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  wd: f64,
  b1: f64,
  b2: f64,
  bc2Sqrt: f64,
  eps: f64,
  stepSize: f64,
): void {
  const vWd = f64x2.splat(wd);
  const vB1 = f64x2.splat(b1);
  const vC1 = f64x2.splat(1 - b1);
  const vB2 = f64x2.splat(b2);
  const vC2 = f64x2.splat(1 - b2);
  const vBc = f64x2.splat(bc2Sqrt);
  const vEps = f64x2.splat(eps);
  const vStep = f64x2.splat(stepSize);
  const size = <usize>sizeof<T>();
  let i: i32 = 0;
  if (size == 8) {
    for (; i + 2 <= n; i += 2) {
      const at = <usize>i << 3;
      const next = adamPair(
        v128.load(p + at), v128.load(g + at), m + at, v + at, vWd, vB1, vC1, vB2, vC2, vBc, vEps, vStep,
      );
      v128.store(p + at, next);
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 2;
      const wide = <usize>i << 3;
      const pv = v128.load(p + at);
      const gv = v128.load(g + at);
      const lo = adamPair(
        f64x2.promote_low_f32x4(pv), f64x2.promote_low_f32x4(gv), m + wide, v + wide,
        vWd, vB1, vC1, vB2, vC2, vBc, vEps, vStep,
      );
      const hi = adamPair(
        f64x2.promote_low_f32x4(highHalf(pv)), f64x2.promote_low_f32x4(highHalf(gv)), m + wide + 16, v + wide + 16,
        vWd, vB1, vC1, vB2, vC2, vBc, vEps, vStep,
      );
      v128.store(p + at, narrow(lo, hi));
    }
  }
  for (; i < n; i++) {
    const at = <usize>i * size;
    const wide = <usize>i << 3;
    const pi = <f64>load<T>(p + at);
    const gi = <f64>load<T>(g + at) + wd * pi;
    const mi = b1 * load<f64>(m + wide) + (1 - b1) * gi;
    const vi = b2 * load<f64>(v + wide) + (1 - b2) * gi * gi;
    store<f64>(m + wide, mi);
    store<f64>(v + wide, vi);
    const denom = Math.sqrt(vi) / bc2Sqrt + eps;
    store<T>(p + at, <T>(pi - stepSize * (mi / denom)));
  }
}

export function adamF64(
  p: usize, g: usize, m: usize, v: usize, n: i32, wd: f64, b1: f64, b2: f64, bc2Sqrt: f64, eps: f64, stepSize: f64,
): void {
  adam<f64>(p, g, m, v, n, wd, b1, b2, bc2Sqrt, eps, stepSize);
}

export function adamF32(
  p: usize, g: usize, m: usize, v: usize, n: i32, wd: f64, b1: f64, b2: f64, bc2Sqrt: f64, eps: f64, stepSize: f64,
): void {
  adam<f32>(p, g, m, v, n, wd, b1, b2, bc2Sqrt, eps, stepSize);
}
