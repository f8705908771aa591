/**
 * Optimizers (SPEC §3, §9): SGD, Adam, AdamW, RMSProp and Adagrad follow PyTorch's update rules. Each case
 * below runs two steps on a tiny problem and compares with the update formulas written out by
 * hand in plain JavaScript, for tensor parameters and for scalar `Value` parameters alike.
 *
 * The problem: p = [1, −2], L(p) = Σ cᵢpᵢ² + dᵢpᵢ with c = [0.5, 2], d = [0.3, −1], so
 * ∂L/∂p = 2c·p + d (g₁ = [1.3, −9] at p₀).
 */
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  getBackend,
  manualSeed,
  nn,
  optim,
  randn,
  setBackend,
  type Tensor,
  tensor,
  Value,
} from "../../src/index";
import { expectAllClose, expectClose } from "../helpers/close";

type Vec = number[];
type Parameter = nn.Parameter;

const P0: Vec = [1, -2];
const C: Vec = [0.5, 2];
const D: Vec = [0.3, -1];

/** ∂L/∂p written by hand. */
const gradAt = (p: Vec): Vec => p.map((x, i) => 2 * (C[i] as number) * x + (D[i] as number));

/** Elementwise helpers for the hand computations. */
const zip = (a: Vec, b: Vec, f: (x: number, y: number) => number): Vec =>
  a.map((x, i) => f(x, b[i] as number));

/**
 * Two Adam steps from P0 written out: g ← g + λp; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
 * p ← p − (lr/(1 − β₁ᵗ))·m/(√v/√(1 − β₂ᵗ) + ε).
 */
function adamByHand(lr: number, b1: number, b2: number, eps: number, wd: number): [Vec, Vec] {
  let p = P0;
  let m = P0.map(() => 0);
  let v = P0.map(() => 0);
  const out: Vec[] = [];
  for (let t = 1; t <= 2; t++) {
    const g = zip(p, gradAt(p), (pi, gi) => gi + wd * pi);
    m = zip(m, g, (mi, gi) => b1 * mi + (1 - b1) * gi);
    v = zip(v, g, (vi, gi) => b2 * vi + (1 - b2) * gi * gi);
    const step = lr / (1 - b1 ** t);
    const c2 = Math.sqrt(1 - b2 ** t);
    const mt = m;
    const vt = v;
    p = p.map((pi, i) => pi - step * ((mt[i] as number) / (Math.sqrt(vt[i] as number) / c2 + eps)));
    out.push(p);
  }
  return [out[0] as Vec, out[1] as Vec];
}

/**
 * Two AdamW steps from P0 written out: p ← p·(1 − lr·λ), then Adam's step on the unchanged
 * gradient (taken at the parameter before the decay).
 */
function adamWByHand(lr: number, b1: number, b2: number, eps: number, wd: number): [Vec, Vec] {
  let p = P0;
  let m = P0.map(() => 0);
  let v = P0.map(() => 0);
  const out: Vec[] = [];
  for (let t = 1; t <= 2; t++) {
    const g = gradAt(p);
    p = p.map((pi) => pi * (1 - lr * wd));
    m = zip(m, g, (mi, gi) => b1 * mi + (1 - b1) * gi);
    v = zip(v, g, (vi, gi) => b2 * vi + (1 - b2) * gi * gi);
    const step = lr / (1 - b1 ** t);
    const c2 = Math.sqrt(1 - b2 ** t);
    const mt = m;
    const vt = v;
    p = p.map((pi, i) => pi - step * ((mt[i] as number) / (Math.sqrt(vt[i] as number) / c2 + eps)));
    out.push(p);
  }
  return [out[0] as Vec, out[1] as Vec];
}

function tensorLoss(p: Tensor): Tensor {
  return p
    .mul(p)
    .mul(tensor(C))
    .add(p.mul(tensor(D)))
    .sum();
}

function valueLoss(ps: Value[]): Value {
  return ps
    .map((p, i) =>
      p
        .mul(p)
        .mul(C[i] as number)
        .add(p.mul(D[i] as number)),
    )
    .reduce((a, b) => a.add(b));
}

type Make = (params: Parameter[]) => optim.Optimizer;

/** The parameter after each step, with a tensor parameter. */
function tensorTrajectory(make: Make, steps = 2): Vec[] {
  const p = tensor(P0, { requiresGrad: true });
  const opt = make([p]);
  const out: Vec[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    tensorLoss(p).backward();
    opt.step();
    out.push(Array.from(p.data));
  }
  return out;
}

/** The same with one scalar `Value` per element. */
function valueTrajectory(make: Make, steps = 2): Vec[] {
  const ps = P0.map((x) => new Value(x));
  const opt = make(ps);
  const out: Vec[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    valueLoss(ps).backward();
    opt.step();
    out.push(ps.map((p) => p.data));
  }
  return out;
}

interface Case {
  name: string;
  make: Make;
  /** [p₁, p₂] from the update formulas. */
  expected: () => [Vec, Vec];
}

const cases: Case[] = [
  {
    name: "SGD: p ← p − lr·g",
    make: (ps) => new optim.SGD(ps, { lr: 0.1 }),
    expected: () => {
      const lr = 0.1;
      const p1 = zip(P0, gradAt(P0), (p, g) => p - lr * g);
      const p2 = zip(p1, gradAt(p1), (p, g) => p - lr * g);
      return [p1, p2];
    },
  },
  {
    name: "SGD with momentum: b₁ = g₁, bₜ = μbₜ₋₁ + gₜ, p ← p − lr·b",
    make: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9 }),
    expected: () => {
      const [lr, mu] = [0.1, 0.9];
      const b1 = gradAt(P0);
      const p1 = zip(P0, b1, (p, b) => p - lr * b);
      const b2 = zip(b1, gradAt(p1), (b, g) => mu * b + g);
      const p2 = zip(p1, b2, (p, b) => p - lr * b);
      return [p1, p2];
    },
  },
  {
    name: "SGD with dampening: b₁ = g₁ (undamped), b₂ = μb₁ + (1 − τ)g₂",
    make: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.5 }),
    expected: () => {
      const [lr, mu, tau] = [0.1, 0.9, 0.5];
      const b1 = gradAt(P0);
      const p1 = zip(P0, b1, (p, b) => p - lr * b);
      const b2 = zip(b1, gradAt(p1), (b, g) => mu * b + (1 - tau) * g);
      const p2 = zip(p1, b2, (p, b) => p - lr * b);
      return [p1, p2];
    },
  },
  {
    name: "SGD with Nesterov momentum: p ← p − lr·(g + μb)",
    make: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true }),
    expected: () => {
      const [lr, mu] = [0.1, 0.9];
      const g1 = gradAt(P0);
      const b1 = g1;
      const p1 = P0.map((p, i) => p - lr * ((g1[i] as number) + mu * (b1[i] as number)));
      const g2 = gradAt(p1);
      const b2 = zip(b1, g2, (b, g) => mu * b + g);
      const p2 = p1.map((p, i) => p - lr * ((g2[i] as number) + mu * (b2[i] as number)));
      return [p1, p2];
    },
  },
  {
    name: "SGD with weight decay: g ← g + λp",
    make: (ps) => new optim.SGD(ps, { lr: 0.1, weightDecay: 0.2 }),
    expected: () => {
      const [lr, wd] = [0.1, 0.2];
      const p1 = zip(P0, gradAt(P0), (p, g) => p - lr * (g + wd * p));
      const p2 = zip(p1, gradAt(p1), (p, g) => p - lr * (g + wd * p));
      return [p1, p2];
    },
  },
  {
    name: "SGD with weight decay and momentum: the decayed gradient enters the buffer",
    make: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.5, weightDecay: 0.2 }),
    expected: () => {
      const [lr, mu, wd] = [0.1, 0.5, 0.2];
      const b1 = zip(P0, gradAt(P0), (p, g) => g + wd * p);
      const p1 = zip(P0, b1, (p, b) => p - lr * b);
      const g2 = zip(p1, gradAt(p1), (p, g) => g + wd * p);
      const b2 = zip(b1, g2, (b, g) => mu * b + g);
      const p2 = zip(p1, b2, (p, b) => p - lr * b);
      return [p1, p2];
    },
  },
  {
    name: "Adam: bias-corrected m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), p ← p − lr·m̂/(√v̂ + ε)",
    make: (ps) => new optim.Adam(ps, { lr: 0.1 }),
    expected: () => adamByHand(0.1, 0.9, 0.999, 1e-8, 0),
  },
  {
    name: "Adam with weight decay (L2 added to the gradient, not AdamW)",
    make: (ps) => new optim.Adam(ps, { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.5 }),
    expected: () => adamByHand(0.05, 0.8, 0.99, 1e-6, 0.5),
  },
  {
    name: "AdamW: p ← p·(1 − lr·λ) (decay 0.01 by default), then the Adam step",
    make: (ps) => new optim.AdamW(ps, { lr: 0.1 }),
    expected: () => adamWByHand(0.1, 0.9, 0.999, 1e-8, 0.01),
  },
  {
    name: "AdamW with a large decay, other betas and eps (the decay does not enter m and v)",
    make: (ps) => new optim.AdamW(ps, { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 2 }),
    expected: () => adamWByHand(0.05, 0.8, 0.99, 1e-6, 2),
  },
  {
    name: "AdamW with weightDecay 0 is Adam",
    make: (ps) => new optim.AdamW(ps, { lr: 0.1, weightDecay: 0 }),
    expected: () => adamByHand(0.1, 0.9, 0.999, 1e-8, 0),
  },
  {
    name: "RMSProp: s ← αs + (1 − α)g², p ← p − lr·g/(√s + ε)",
    make: (ps) => new optim.RMSProp(ps, { lr: 0.01 }),
    expected: () => {
      const [lr, alpha, eps] = [0.01, 0.99, 1e-8];
      const g1 = gradAt(P0);
      const s1 = g1.map((g) => (1 - alpha) * g * g);
      const p1 = P0.map((p, i) => p - (lr * (g1[i] as number)) / (Math.sqrt(s1[i] as number) + eps));
      const g2 = gradAt(p1);
      const s2 = zip(s1, g2, (s, g) => alpha * s + (1 - alpha) * g * g);
      const p2 = p1.map((p, i) => p - (lr * (g2[i] as number)) / (Math.sqrt(s2[i] as number) + eps));
      return [p1, p2];
    },
  },
  {
    name: "RMSProp with momentum: b ← μb + g/(√s + ε), p ← p − lr·b",
    make: (ps) => new optim.RMSProp(ps, { lr: 0.01, alpha: 0.9, momentum: 0.8 }),
    expected: () => {
      const [lr, alpha, eps, mu] = [0.01, 0.9, 1e-8, 0.8];
      const g1 = gradAt(P0);
      const s1 = g1.map((g) => (1 - alpha) * g * g);
      const b1 = g1.map((g, i) => g / (Math.sqrt(s1[i] as number) + eps));
      const p1 = zip(P0, b1, (p, b) => p - lr * b);
      const g2 = gradAt(p1);
      const s2 = zip(s1, g2, (s, g) => alpha * s + (1 - alpha) * g * g);
      const b2 = b1.map((b, i) => mu * b + (g2[i] as number) / (Math.sqrt(s2[i] as number) + eps));
      const p2 = zip(p1, b2, (p, b) => p - lr * b);
      return [p1, p2];
    },
  },
  {
    name: "RMSProp with weight decay",
    make: (ps) => new optim.RMSProp(ps, { lr: 0.01, eps: 1e-3, weightDecay: 0.3 }),
    expected: () => {
      const [lr, alpha, eps, wd] = [0.01, 0.99, 1e-3, 0.3];
      const g1 = zip(P0, gradAt(P0), (p, g) => g + wd * p);
      const s1 = g1.map((g) => (1 - alpha) * g * g);
      const p1 = P0.map((p, i) => p - (lr * (g1[i] as number)) / (Math.sqrt(s1[i] as number) + eps));
      const g2 = zip(p1, gradAt(p1), (p, g) => g + wd * p);
      const s2 = zip(s1, g2, (s, g) => alpha * s + (1 - alpha) * g * g);
      const p2 = p1.map((p, i) => p - (lr * (g2[i] as number)) / (Math.sqrt(s2[i] as number) + eps));
      return [p1, p2];
    },
  },
  {
    name: "Adagrad: Σ ← Σ + g², p ← p − lr·g/(√Σ + ε)",
    make: (ps) => new optim.Adagrad(ps, { lr: 0.1 }),
    expected: () => {
      const [lr, eps] = [0.1, 1e-10];
      const g1 = gradAt(P0);
      const s1 = g1.map((g) => g * g);
      const p1 = P0.map((p, i) => p - (lr * (g1[i] as number)) / (Math.sqrt(s1[i] as number) + eps));
      const g2 = gradAt(p1);
      const s2 = zip(s1, g2, (s, g) => s + g * g);
      const p2 = p1.map((p, i) => p - (lr * (g2[i] as number)) / (Math.sqrt(s2[i] as number) + eps));
      return [p1, p2];
    },
  },
  {
    name: "Adagrad with lrDecay: lrₜ = lr/(1 + (t − 1)·lrDecay)",
    make: (ps) => new optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.5 }),
    expected: () => {
      const [lr, eps, decay] = [0.1, 1e-10, 0.5];
      const g1 = gradAt(P0);
      const s1 = g1.map((g) => g * g);
      const p1 = P0.map((p, i) => p - (lr * (g1[i] as number)) / (Math.sqrt(s1[i] as number) + eps));
      const g2 = gradAt(p1);
      const s2 = zip(s1, g2, (s, g) => s + g * g);
      const lr2 = lr / (1 + decay);
      const p2 = p1.map((p, i) => p - (lr2 * (g2[i] as number)) / (Math.sqrt(s2[i] as number) + eps));
      return [p1, p2];
    },
  },
  {
    name: "Adagrad with weight decay and an initial accumulator value",
    make: (ps) => new optim.Adagrad(ps, { lr: 0.1, weightDecay: 0.1, initialAccumulatorValue: 0.5 }),
    expected: () => {
      const [lr, eps, wd, init] = [0.1, 1e-10, 0.1, 0.5];
      const g1 = zip(P0, gradAt(P0), (p, g) => g + wd * p);
      const s1 = g1.map((g) => init + g * g);
      const p1 = P0.map((p, i) => p - (lr * (g1[i] as number)) / (Math.sqrt(s1[i] as number) + eps));
      const g2 = zip(p1, gradAt(p1), (p, g) => g + wd * p);
      const s2 = zip(s1, g2, (s, g) => s + g * g);
      const p2 = p1.map((p, i) => p - (lr * (g2[i] as number)) / (Math.sqrt(s2[i] as number) + eps));
      return [p1, p2];
    },
  },
];

describe("update rules, two steps against the formulas", () => {
  it("the hand gradient is right: g₁ = [1.3, −9], and plain SGD gives [0.87, −1.1] then [0.753, −0.56]", () => {
    expectAllClose(gradAt(P0), [1.3, -9], 1e-15);
    const [p1, p2] = tensorTrajectory((ps) => new optim.SGD(ps, { lr: 0.1 }));
    expectAllClose(p1, [0.87, -1.1], 1e-15);
    expectAllClose(p2, [0.753, -0.56], 1e-15);
  });

  describe.each(cases)("$name", ({ make, expected }) => {
    it("tensor parameters", () => {
      const [e1, e2] = expected();
      const [p1, p2] = tensorTrajectory(make);
      expectAllClose(p1, e1, 1e-13);
      expectAllClose(p2, e2, 1e-13);
    });

    it("scalar Value parameters take the same steps", () => {
      const [e1, e2] = expected();
      const [p1, p2] = valueTrajectory(make);
      expectAllClose(p1, e1, 1e-13);
      expectAllClose(p2, e2, 1e-13);
    });
  });

  it("Adam's bias correction makes the first step lr·g/(|g| + ε·…) ≈ lr·sign(g) whatever the gradient scale", () => {
    for (const scale of [1e-3, 1, 1e3]) {
      const p = tensor([0, 0, 0], { requiresGrad: true });
      const opt = new optim.Adam([p], { lr: 0.01 });
      p.mul(tensor([scale, -scale, 2 * scale]))
        .sum()
        .backward();
      opt.step();
      expectAllClose(p, [-0.01, 0.01, -0.01], 1e-7);
    }
  });

  it("Adagrad's first step is lr·sign(g) (Σ = g²)", () => {
    const p = tensor([0, 0], { requiresGrad: true });
    const opt = new optim.Adagrad([p], { lr: 0.5 });
    p.mul(tensor([4, -0.25]))
      .sum()
      .backward();
    opt.step();
    expectAllClose(p, [-0.5, 0.5], 1e-9);
  });
});

describe("defaults match PyTorch", () => {
  const p = () => [tensor([1], { requiresGrad: true })];

  it("Adam: lr 1e-3, betas [0.9, 0.999], eps 1e-8, no weight decay", () => {
    const opt = new optim.Adam(p());
    expect([opt.lr, ...opt.betas, opt.eps, opt.weightDecay]).toEqual([1e-3, 0.9, 0.999, 1e-8, 0]);
  });

  it("AdamW: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weight decay 0.01; an Adam, as PyTorch's subclass", () => {
    const opt = new optim.AdamW(p());
    expect([opt.lr, ...opt.betas, opt.eps, opt.weightDecay]).toEqual([1e-3, 0.9, 0.999, 1e-8, 0.01]);
    expect(opt).toBeInstanceOf(optim.Adam);
  });

  it("RMSProp: lr 1e-2, alpha 0.99, eps 1e-8, no momentum or weight decay; RMSprop is the same class", () => {
    const opt = new optim.RMSProp(p());
    expect([opt.lr, opt.alpha, opt.eps, opt.momentum, opt.weightDecay]).toEqual([1e-2, 0.99, 1e-8, 0, 0]);
    expect(optim.RMSprop).toBe(optim.RMSProp);
    expect(new optim.RMSprop(p())).toBeInstanceOf(optim.RMSProp);
  });

  it("Adagrad: lr 1e-2, eps 1e-10, no lrDecay or weight decay", () => {
    const opt = new optim.Adagrad(p());
    expect([opt.lr, opt.eps, opt.lrDecay, opt.weightDecay, opt.initialAccumulatorValue]).toEqual([
      1e-2, 1e-10, 0, 0, 0,
    ]);
  });

  it("SGD: no momentum, dampening, Nesterov or weight decay", () => {
    const opt = new optim.SGD(p(), { lr: 0.5 });
    expect([opt.lr, opt.momentum, opt.dampening, opt.nesterov, opt.weightDecay]).toEqual([
      0.5,
      0,
      0,
      false,
      0,
    ]);
  });
});

describe("zeroGrad and parameters without gradients", () => {
  it("zeroGrad sets tensor grads to null and Value grads to 0", () => {
    const t = tensor([1, 2], { requiresGrad: true });
    const v = new Value(3);
    const opt = new optim.SGD([t, v], { lr: 0.1 });
    t.mul(v.data).sum().backward();
    const y = v.mul(v);
    y.backward();
    expect(t.grad).not.toBeNull();
    expect(v.grad).toBe(6);
    opt.zeroGrad();
    expect(t.grad).toBeNull();
    expect(v.grad).toBe(0);
  });

  it("a tensor parameter whose .grad is null is left alone, and its state starts at its first real update", () => {
    const a = tensor([1, -2], { requiresGrad: true });
    const b = tensor([5, 6], { requiresGrad: true });
    const opt = new optim.SGD([a, b], { lr: 0.1, momentum: 0.9 });
    a.mul(a).sum().backward(); // b gets no gradient
    const graph = b.mul(b).sum(); // recorded before the step: still valid afterwards since b is untouched
    opt.step();
    expectAllClose(a, [1 - 0.1 * 2, -2 - 0.1 * -4], 1e-15);
    expect(Array.from(b.data)).toEqual([5, 6]);
    graph.backward(); // b's version did not change, so this graph still backpropagates
    expectAllClose(b.grad, [10, 12], 0);
    // b's first update: its momentum buffer starts as b₁ = g (no μ·0 + g from an earlier step)
    a.grad = null;
    opt.step();
    expectAllClose(b, [5 - 0.1 * 10, 6 - 0.1 * 12], 1e-15);
  });

  it("Adam counts steps per parameter: a parameter first updated at step 2 gets the step-1 bias correction", () => {
    const a = tensor([0], { requiresGrad: true });
    const b = tensor([0], { requiresGrad: true });
    const opt = new optim.Adam([a, b], { lr: 0.1 });
    a.grad = tensor([1]);
    opt.step();
    a.grad = null;
    b.grad = tensor([-3]);
    opt.step();
    expectClose(b.data[0] as number, 0.1, 1e-7); // lr·sign(−g) after one bias-corrected step
    expect(opt.stepCount).toBe(2);
  });

  it("a parameter listed twice is updated once per step", () => {
    const p = tensor([1], { requiresGrad: true });
    const opt = new optim.SGD([p, p], { lr: 0.5 });
    p.grad = tensor([1]);
    opt.step();
    expect(p.data[0]).toBe(0.5);
  });

  it("lr is writable between steps (what schedulers do)", () => {
    const p = tensor([1], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.5 });
    p.grad = tensor([1]);
    opt.step();
    opt.lr = 0.25;
    opt.step();
    expect(p.data[0]).toBe(1 - 0.5 - 0.25);
  });
});

describe("AdamW", () => {
  it("decays with the learning rate in force at each step (a scheduler's), before the Adam step", () => {
    const p = tensor([2], { requiresGrad: true });
    const opt = new optim.AdamW([p], { lr: 0.1, weightDecay: 0.5 });
    p.grad = tensor([0]); // m = v = 0: the Adam part is 0/ε = 0, only the decay moves p
    opt.step();
    expectClose(p.data[0] as number, 2 * (1 - 0.05), 1e-15);
    opt.lr = 0.4;
    opt.step();
    expectClose(p.data[0] as number, 2 * (1 - 0.05) * (1 - 0.2), 1e-15);
  });

  it("runs the Adam kernel (WebAssembly on large parameters): js and wasm agree bit for bit", () => {
    const before = getBackend();
    try {
      for (const dtype of ["float64", "float32"] as const) {
        const results = (["js", "wasm"] as const).map((b) => {
          setBackend(b);
          manualSeed(7);
          const w = randn([2048], { dtype, requiresGrad: true });
          const x = randn([2048], { dtype });
          const opt = new optim.AdamW([w], { lr: 0.01, weightDecay: 0.1 });
          for (let i = 0; i < 3; i++) {
            opt.zeroGrad();
            w.mul(x).square().sum().backward();
            opt.step();
          }
          return Array.from(w.data);
        });
        expect(results[1]).toEqual(results[0]);
      }
    } finally {
      setBackend(before);
    }
  });
});

describe("gradients that do not fit their parameter", () => {
  // Was a BUG (src/optim/optimizer.ts, step): a [1] gradient for a [2] parameter wrote NaN into
  // the second element. `.grad` assignments are now checked, so such a gradient never reaches
  // step() (which still checks every gradient before updating any parameter).
  it("cannot be assigned, and step() then updates only the parameters that have a gradient", () => {
    const ok = tensor([1, 1], { requiresGrad: true });
    const p = tensor([1, 2], { requiresGrad: true });
    const opt = new optim.SGD([ok, p], { lr: 0.5 });
    ok.grad = tensor([1, 1]);
    expect(() => {
      p.grad = tensor([1]);
    }).toThrow(ChainruleError);
    expect(p.grad).toBeNull();
    opt.step();
    expect(Array.from(ok.data)).toEqual([0.5, 0.5]);
    expect(Array.from(p.data)).toEqual([1, 2]);
  });
});

describe("frozen parameters (requiresGrad = false)", () => {
  it("stay in module.parameters(); the optimizer skips them while their grad is null", () => {
    manualSeed(40);
    const m = new nn.Linear(2, 1);
    m.weight.requiresGrad = false;
    const before = Array.from(m.weight.data);
    const opt = new optim.Adam(m.parameters(), { lr: 0.1 });
    expect(m.parameters()).toContain(m.weight);
    m.forward(tensor([[1, 2]]))
      .sum()
      .backward();
    expect(m.weight.grad).toBeNull();
    opt.step();
    expect(Array.from(m.weight.data)).toEqual(before);
    expect(Array.from(m.bias?.data ?? [])).not.toEqual([0]);
  });
});

describe("steps change data in place and bump the version", () => {
  it.each([
    ["SGD", (ps: Parameter[]) => new optim.SGD(ps, { lr: 0.1 })],
    ["Adam", (ps: Parameter[]) => new optim.Adam(ps)],
    ["AdamW", (ps: Parameter[]) => new optim.AdamW(ps)],
    ["RMSProp", (ps: Parameter[]) => new optim.RMSProp(ps)],
    ["Adagrad", (ps: Parameter[]) => new optim.Adagrad(ps)],
  ] as const)("%s: a graph recorded before the step refuses backward", (_, make) => {
    const w = tensor([1, 2], { requiresGrad: true });
    const x = tensor([3, 4]);
    const data = w.data;
    const opt = make([w]);
    w.mul(x).sum().backward();
    const stale = w.mul(x).sum(); // recorded with the old weights
    opt.step();
    expect(w.data).toBe(data); // the same live storage, updated in place
    expect(Array.from(w.data)).not.toEqual([1, 2]);
    expect(() => stale.backward()).toThrow(ChainruleError);
    expect(() => stale.backward()).toThrow(/modified in place/);
    // a fresh forward pass works
    w.mul(x).sum().backward();
  });
});

describe("bad hyper-parameters throw ChainruleError", () => {
  const ps = () => [tensor([1], { requiresGrad: true })];
  const bad: [string, () => unknown, RegExp][] = [
    ["SGD without lr", () => new optim.SGD(ps(), {} as optim.SGDOptions), /SGD: lr/],
    ["SGD lr < 0", () => new optim.SGD(ps(), { lr: -0.1 }), /SGD: lr/],
    ["SGD lr NaN", () => new optim.SGD(ps(), { lr: Number.NaN }), /SGD: lr/],
    ["SGD momentum < 0", () => new optim.SGD(ps(), { lr: 0.1, momentum: -0.5 }), /SGD: momentum/],
    ["SGD weightDecay < 0", () => new optim.SGD(ps(), { lr: 0.1, weightDecay: -1 }), /SGD: weightDecay/],
    ["SGD Nesterov without momentum", () => new optim.SGD(ps(), { lr: 0.1, nesterov: true }), /Nesterov/],
    [
      "SGD Nesterov with dampening",
      () => new optim.SGD(ps(), { lr: 0.1, momentum: 0.9, nesterov: true, dampening: 0.1 }),
      /Nesterov/,
    ],
    ["SGD params not an array", () => new optim.SGD(tensor([1]) as never, { lr: 0.1 }), /SGD: params/],
    ["SGD a parameter is a number", () => new optim.SGD([1] as never, { lr: 0.1 }), /SGD: parameter 0/],
    ["Adam lr < 0", () => new optim.Adam(ps(), { lr: -1 }), /Adam: lr/],
    ["Adam beta1 = 1", () => new optim.Adam(ps(), { betas: [1, 0.999] }), /Adam: betas\[0\]/],
    ["Adam beta2 < 0", () => new optim.Adam(ps(), { betas: [0.9, -0.1] }), /Adam: betas\[1\]/],
    ["Adam eps < 0", () => new optim.Adam(ps(), { eps: -1e-8 }), /Adam: eps/],
    ["Adam weightDecay < 0", () => new optim.Adam(ps(), { weightDecay: -0.1 }), /Adam: weightDecay/],
    ["AdamW lr < 0", () => new optim.AdamW(ps(), { lr: -1 }), /AdamW: lr/],
    ["AdamW beta1 = 1", () => new optim.AdamW(ps(), { betas: [1, 0.999] }), /AdamW: betas\[0\]/],
    ["AdamW beta2 NaN", () => new optim.AdamW(ps(), { betas: [0.9, Number.NaN] }), /AdamW: betas\[1\]/],
    ["AdamW eps < 0", () => new optim.AdamW(ps(), { eps: -1e-8 }), /AdamW: eps/],
    ["AdamW weightDecay < 0", () => new optim.AdamW(ps(), { weightDecay: -0.1 }), /AdamW: weightDecay/],
    ["AdamW betas not a pair", () => new optim.AdamW(ps(), { betas: [0.9] as never }), /AdamW: betas/],
    ["AdamW params not an array", () => new optim.AdamW(tensor([1]) as never), /AdamW: params/],
    ["RMSProp alpha < 0", () => new optim.RMSProp(ps(), { alpha: -0.5 }), /RMSProp: alpha/],
    ["RMSProp momentum < 0", () => new optim.RMSProp(ps(), { momentum: -1 }), /RMSProp: momentum/],
    ["RMSProp eps a string", () => new optim.RMSProp(ps(), { eps: "1e-8" as never }), /RMSProp: eps/],
    ["Adagrad lrDecay < 0", () => new optim.Adagrad(ps(), { lrDecay: -0.1 }), /Adagrad: lrDecay/],
    [
      "Adagrad initialAccumulatorValue < 0",
      () => new optim.Adagrad(ps(), { initialAccumulatorValue: -1 }),
      /Adagrad: initialAccumulatorValue/,
    ],
  ];
  it.each(bad)("%s", (_, make, message) => {
    expect(make).toThrow(ChainruleError);
    expect(make).toThrow(message);
  });

  // BUG (src/optim/optimizers.ts, Adam constructor): `const [b1, b2] = options.betas ?? …`
  // destructures before validating, so a non-array throws a TypeError ("not iterable").
  it("Adam betas that are not a pair", () => {
    expect(() => new optim.Adam(ps(), { betas: 0.9 as never })).toThrow(ChainruleError);
  });
});
