import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  grad,
  gradcheck,
  gradients,
  hessian,
  jacobian,
  Rng,
  randn,
  type Tensor,
  tensor,
  valueAndGrad,
} from "../../src/index";
import { expectAllClose, expectClose } from "../helpers/close";

/** A float64 tensor of standard normals from its own seeded stream. */
const normal = (shape: number[], seed: number, requiresGrad = false): Tensor =>
  randn(shape, { generator: new Rng(seed), requiresGrad });

/** Flat row-major copy of a tensor's values. */
const values = (t: Tensor): number[] => Array.from(t.data);

describe("gradients (torch.autograd.grad)", () => {
  it("returns ∂(Σ outputs)/∂input for several outputs and several inputs", () => {
    const x = tensor([1, -2, 3], { requiresGrad: true });
    const w = tensor([0.5, 4, -1], { requiresGrad: true });
    // y1 = Σ x², y2 = Σ x·w  →  ∂/∂x = 2x + w, ∂/∂w = x
    const [gx, gw] = gradients([x.mul(x).sum(), x.mul(w).sum()], [x, w]);
    expectAllClose(gx!, [2 * 1 + 0.5, 2 * -2 + 4, 2 * 3 - 1]);
    expectAllClose(gw!, [1, -2, 3]);
  });

  it("accepts a single tensor for outputs and inputs", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [g] = gradients(x.mul(x).sum(), x);
    expectAllClose(g!, [2, 4]);
  });

  it("weights each output by its gradOutput (a vector-Jacobian product)", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const w = tensor([2, -1, 0.5], { requiresGrad: true });
    const v = tensor([10, 20, 30]);
    const [gx, gw] = gradients(x.mul(w), [x, w], { gradOutputs: [v] });
    expectAllClose(gx!, [10 * 2, 20 * -1, 30 * 0.5]); // v ⊙ w
    expectAllClose(gw!, [10 * 1, 20 * 2, 30 * 3]); // v ⊙ x
  });

  it("mixes seeded and default (scalar) outputs, summing their contributions", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y1 = x.mul(3); // vector: needs a gradOutput
    const y2 = x.mul(x).sum(); // scalar: seeded with 1
    const [g] = gradients([y1, y2], [x], { gradOutputs: [tensor([1, -1]), null] });
    expectAllClose(g!, [3 + 2 * 1, -3 + 2 * 2]);
  });

  it("requires a gradOutput for a non-scalar output, naming its shape", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => gradients(x.mul(2), [x])).toThrow(ChainruleError);
    expect(() => gradients(x.mul(2), [x])).toThrow(/\[3\]/);
    expect(() => gradients(x.mul(2), [x], { gradOutputs: [tensor([1, 2])] })).toThrow(ChainruleError);
  });

  it("throws for an unused input unless allowUnused, which gives null", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const unused = tensor([5], { requiresGrad: true });
    const y = x.sum();
    expect(() => gradients(y, [x, unused])).toThrow(ChainruleError);
    expect(() => gradients(y, [x, unused])).toThrow(/allowUnused/);
    const [gx, gu] = gradients(y, [x, unused], { allowUnused: true });
    expectAllClose(gx!, [1, 1]);
    expect(gu).toBeNull();
  });

  it("rejects inputs and outputs that do not require grad", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([1, 2]);
    expect(() => gradients(x.mul(c).sum(), [c])).toThrow(ChainruleError);
    expect(() => gradients(c.sum(), [x])).toThrow(ChainruleError);
  });

  it("leaves every .grad untouched and gives the same answer when called twice", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([3, 4], { requiresGrad: true });
    const previous = tensor([100, 200]);
    w.grad = previous;
    const h = x.mul(w);
    h.retainGrad();
    const y = h.sum();
    const first = gradients(y, [x, w]);
    const second = gradients(y, [x, w]);
    expect(x.grad).toBeNull();
    expect(w.grad).toBe(previous);
    expect(values(previous)).toEqual([100, 200]);
    expect(h.grad).toBeNull();
    expectAllClose(first[0]!, [3, 4]);
    expectAllClose(second[0]!, [3, 4]);
    expectAllClose(second[1]!, [1, 2]);
  });

  it("differentiates with respect to intermediate tensors too", () => {
    const x = tensor([1, -3], { requiresGrad: true });
    const h = x.mul(2);
    const y = h.mul(h).sum();
    const [gh, gy] = gradients(y, [h, y]);
    expectAllClose(gh!, [4, -12]); // 2h
    expectAllClose(gy!, 1);
  });

  it("returns detached gradients by default and differentiable ones with createGraph", () => {
    const x = tensor([0.5, -1.5], { requiresGrad: true });
    const [plain] = gradients(x.pow(3).sum(), [x]);
    expect(plain!.requiresGrad).toBe(false);

    const [g] = gradients(x.pow(3).sum(), [x], { createGraph: true });
    expect(g!.requiresGrad).toBe(true);
    expectAllClose(g!, [3 * 0.25, 3 * 2.25]); // 3x²
    const [gg] = gradients(g!.sum(), [x]);
    expectAllClose(gg!, [6 * 0.5, 6 * -1.5]); // 6x
    expect(x.grad).toBeNull();
  });
});

describe("grad", () => {
  it("gives one Tensor for a single tensor argument (default argnums)", () => {
    const f = (x: Tensor) => x.pow(3).sum();
    const g = grad(f)(tensor([1, -2, 0.5]));
    expect(Array.isArray(g)).toBe(false);
    expectAllClose(g as Tensor, [3, 12, 0.75]);
  });

  it("gives Tensor[] for several tensor arguments (default argnums)", () => {
    const f = (a: Tensor, b: Tensor) => a.mul(b.mul(b)).sum(); // Σ a b²
    const a = tensor([1, 2]);
    const b = tensor([3, -4]);
    const g = grad(f)(a, b);
    expect(Array.isArray(g)).toBe(true);
    const [ga, gb] = g as Tensor[];
    expectAllClose(ga!, [9, 16]); // b²
    expectAllClose(gb!, [2 * 1 * 3, 2 * 2 * -4]); // 2ab
  });

  it("differentiates only the arguments named by argnums (number → Tensor, array → Tensor[])", () => {
    const f = (a: Tensor, b: Tensor) => a.mul(b.mul(b)).sum();
    const a = tensor([1, 2]);
    const b = tensor([3, -4]);
    const gb = grad(f, { argnums: 1 })(a, b);
    expect(Array.isArray(gb)).toBe(false);
    expectAllClose(gb as Tensor, [6, -16]);

    const ga = grad(f, { argnums: [0] })(a, b);
    expect(Array.isArray(ga)).toBe(true);
    expectAllClose((ga as Tensor[])[0]!, [9, 16]);

    const [gb2, ga2] = grad(f, { argnums: [1, 0] })(a, b) as Tensor[];
    expectAllClose(gb2!, [6, -16]);
    expectAllClose(ga2!, [9, 16]);
  });

  it("passes non-tensor arguments through and ignores them when counting tensor arguments", () => {
    const f = (x: Tensor, k: number) => x.pow(k).sum();
    const g = grad(f)(tensor([2, 3]), 3);
    expect(Array.isArray(g)).toBe(false);
    expectAllClose(g as Tensor, [12, 27]); // k x^(k−1)
  });

  it("works on arguments without requiresGrad and does not change them", () => {
    const x = tensor([1, 2, 3]);
    const g = grad((t: Tensor) => t.mul(t).sum())(x) as Tensor;
    expectAllClose(g, [2, 4, 6]);
    expect(x.requiresGrad).toBe(false);
    expect(x.grad).toBeNull();
    expect(g.requiresGrad).toBe(false);
  });

  it("never touches .grad, also of tensors that require grad", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([3, 4], { requiresGrad: true });
    const g = grad((a: Tensor, b: Tensor) => a.mul(b).sum())(x, w) as Tensor[];
    expectAllClose(g[0]!, [3, 4]);
    expectAllClose(g[1]!, [1, 2]);
    expect(x.grad).toBeNull();
    expect(w.grad).toBeNull();
  });

  it("returns zeros for an argument the function does not use", () => {
    const f = (a: Tensor, b: Tensor) => a.sum().add(b.sum().mul(0).detach());
    const [ga, gb] = grad(f)(tensor([1, 2]), tensor([[1, 2, 3]])) as Tensor[];
    expectAllClose(ga!, [1, 1]);
    expect(gb!.shape).toEqual([1, 3]);
    expectAllClose(gb!, [0, 0, 0]);
  });

  it("rejects a non-scalar result and a non-tensor argnum", () => {
    expect(() => grad((x: Tensor) => x.mul(2))(tensor([1, 2]))).toThrow(ChainruleError);
    expect(() => grad((x: Tensor, k: number) => x.mul(k).sum(), { argnums: 1 })(tensor([1]), 2)).toThrow(
      ChainruleError,
    );
  });

  it("nests on 0-d tensors: grad(grad(x³)) = 6x and grad³(x³) = 6", () => {
    const f = (x: Tensor) => x.pow(3);
    const x = tensor(2);
    const df = grad(f);
    const d2f = grad((t: Tensor) => df(t) as Tensor);
    const d3f = grad((t: Tensor) => d2f(t) as Tensor);
    expectClose((df(x) as Tensor).item(), 3 * 4);
    expectClose((d2f(x) as Tensor).item(), 6 * 2);
    expectClose((d3f(x) as Tensor).item(), 6);
    expect((d2f(x) as Tensor).shape).toEqual([]);
    expect((d2f(x) as Tensor).requiresGrad).toBe(false);
  });

  it("nests four times through sin: sin'''' = sin", () => {
    let d = (x: Tensor) => x.sin();
    for (let k = 0; k < 4; k++) {
      const inner = d;
      d = (x: Tensor) => grad(inner)(x) as Tensor;
    }
    for (const x of [0.3, -1.2, 2.5]) expectClose(d(tensor(x)).item(), Math.sin(x));
  });

  it("differentiates a reduced gradient: grad(x => grad(f)(x).sum()) for f = Σ x³ is 6x", () => {
    const f = (x: Tensor) => x.pow(3).sum();
    const outer = grad((x: Tensor) => (grad(f)(x) as Tensor).sum());
    expectAllClose(outer(tensor([1, -0.5, 2])) as Tensor, [6, -3, 12]);
  });

  it("keeps results differentiable inside an outer recording (mixed partials)", () => {
    // f(x, y) = x² y³: ∂²f/∂y∂x = 6 x y²
    const f = (x: Tensor, y: Tensor) => x.pow(2).mul(y.pow(3)).sum();
    const dfdx = (x: Tensor, y: Tensor) => (grad(f, { argnums: 0 })(x, y) as Tensor).sum();
    const mixed = grad(dfdx, { argnums: 1 })(tensor([1.5]), tensor([-2])) as Tensor;
    expectAllClose(mixed, [6 * 1.5 * 4]);
  });

  it("keeps results differentiable with respect to closed-over tensors of an outer grad", () => {
    // ∂/∂y of ∂/∂x (x² y³) = 6 x y², with y captured by the inner function
    const x0 = tensor([1.5]);
    const outer = grad((y: Tensor) =>
      (grad((x: Tensor) => x.pow(2).mul(y.pow(3)).sum())(x0) as Tensor).sum(),
    );
    expectAllClose(outer(tensor([-2])) as Tensor, [6 * 1.5 * 4]);
  });

  it("keeps results differentiable with respect to closed-over parameters that require grad", () => {
    // gradient penalty through grad(): L = ‖∂(w·x²)/∂x‖² = 4w²x², ∂L/∂w = 8wx²
    const w = tensor(1.5, { requiresGrad: true });
    const gx = grad((x: Tensor) => w.mul(x.pow(2)))(tensor(-0.7)) as Tensor;
    expect(gx.requiresGrad).toBe(true);
    const L = gx.pow(2);
    L.backward();
    expectClose(w.grad!.item(), 8 * 1.5 * 0.49);
  });

  it("returns detached results when nothing outside the call requires grad", () => {
    const w = tensor(1.5);
    const gx = grad((x: Tensor) => w.mul(x.pow(2)))(tensor(-0.7)) as Tensor;
    expect(gx.requiresGrad).toBe(false);
    expect(gx.isLeaf).toBe(true);
    expectClose(gx.item(), 2 * 1.5 * -0.7);
  });
});

describe("valueAndGrad", () => {
  it("returns [value, gradient] for one argument", () => {
    const f = (x: Tensor) => x.mul(x).sum();
    const [v, g] = valueAndGrad(f)(tensor([1, 2, 3]));
    expectClose(v.item(), 14);
    expectAllClose(g as Tensor, [2, 4, 6]);
    expect(v.requiresGrad).toBe(false);
  });

  it("returns [value, gradients] for several arguments and honours argnums", () => {
    const f = (a: Tensor, b: Tensor) => a.mul(b).sum();
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    const [v, gs] = valueAndGrad(f)(a, b);
    expectClose(v.item(), 11);
    expectAllClose((gs as Tensor[])[0]!, [3, 4]);
    expectAllClose((gs as Tensor[])[1]!, [1, 2]);
    const [v1, g1] = valueAndGrad(f, { argnums: 1 })(a, b);
    expectClose(v1.item(), 11);
    expectAllClose(g1 as Tensor, [1, 2]);
  });
});

describe("jacobian", () => {
  it("of a linear map x ↦ A x is A, shape [...out, ...in]", () => {
    const A = normal([3, 4], 1);
    const J = jacobian((x) => A.matmul(x), normal([4], 2));
    expect(J.shape).toEqual([3, 4]);
    expectAllClose(J, A);
  });

  it("of a linear map of a matrix input has shape [...out, ...in]", () => {
    const A = normal([3, 6], 3);
    const J = jacobian((x) => A.matmul(x.reshape(6)).reshape(3, 1), normal([2, 3], 4));
    expect(J.shape).toEqual([3, 1, 2, 3]);
    expectAllClose(J, A);
  });

  it("of an elementwise function is diagonal with f′(x) on the diagonal", () => {
    const x = normal([2, 3], 5);
    const J = jacobian((t) => t.sin(), x);
    expect(J.shape).toEqual([2, 3, 2, 3]);
    const xs = values(x);
    const expected: number[] = [];
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) expected.push(i === j ? Math.cos(xs[i] as number) : 0);
    expectAllClose(J, expected);
  });

  it("of a scalar-valued function has the input's shape", () => {
    const x = tensor([1, 2, 3]);
    const J = jacobian((t) => t.mul(t).sum(), x);
    expect(J.shape).toEqual([3]);
    expectAllClose(J, [2, 4, 6]);
  });

  it("of softmax is diag(p) − p pᵀ", () => {
    const x = tensor([0.2, -1, 1.5, 0.3]);
    const J = jacobian((t) => t.softmax(), x);
    const p = values(x.softmax());
    const expected = p.flatMap((pi, i) => p.map((pj, j) => (i === j ? pi : 0) - pi * pj));
    expectAllClose(J, expected);
  });

  it("is differentiable with respect to closed-over tensors that require grad", () => {
    // J of x ↦ w ⊙ x is diag(w); Σ J = Σ w, so ∂(Σ J)/∂w = 1
    const w = tensor([2, -3], { requiresGrad: true });
    const J = jacobian((x) => x.mul(w), tensor([1, 1]));
    expect(J.requiresGrad).toBe(true);
    expectAllClose(J, [
      [2, 0],
      [0, -3],
    ]);
    const [gw] = gradients(J.sum(), [w]);
    expectAllClose(gw!, [1, 1]);
  });

  it("of a function that ignores x is zero, and x is left as it was", () => {
    const x = tensor([1, 2]);
    const J = jacobian(() => tensor([7, 8, 9]), x);
    expect(J.shape).toEqual([3, 2]);
    expectAllClose(J, [0, 0, 0, 0, 0, 0]);
    expect(x.requiresGrad).toBe(false);
    expect(x.grad).toBeNull();
  });
});

describe("hessian", () => {
  it("of f(x) = Σ xᵢ³ + x₀x₁ is diag(6x) + (e₀e₁ᵀ + e₁e₀ᵀ)", () => {
    const xs = [0.7, -1.3, 2.1];
    const f = (x: Tensor) =>
      x
        .pow(3)
        .sum()
        .add(
          x
            .slice(0, 0, 1)
            .mul(x.slice(0, 1, 2))
            .sum(),
        );
    const H = hessian(f, tensor(xs));
    expect(H.shape).toEqual([3, 3]);
    expectAllClose(H, [
      [6 * 0.7, 1, 0],
      [1, 6 * -1.3, 0],
      [0, 0, 6 * 2.1],
    ]);
  });

  it("of the quadratic form ½xᵀAx with symmetric A is A", () => {
    const B = normal([4, 4], 6);
    const A = B.add(B.transpose()); // symmetric
    const H = hessian((x) => x.matmul(A.matmul(x)).mul(0.5), normal([4], 7));
    expectAllClose(H, A);
  });

  it("of ½xᵀAx with a non-symmetric A is its symmetric part (A + Aᵀ)/2", () => {
    const A = normal([3, 3], 8);
    const H = hessian((x) => x.matmul(A.matmul(x)).mul(0.5), normal([3], 9));
    expectAllClose(H, A.add(A.transpose()).mul(0.5));
  });

  it("of log-sum-exp is diag(p) − p pᵀ with p = softmax(x)", () => {
    const x = tensor([0.5, -0.25, 1.75, 0]);
    const H = hessian((t) => t.logSumExp(), x);
    const p = values(x.softmax());
    expectAllClose(
      H,
      p.flatMap((pi, i) => p.map((pj, j) => (i === j ? pi : 0) - pi * pj)),
    );
  });

  it("of a function of a matrix has shape [...in, ...in]", () => {
    // f(X) = Σ c ⊙ X²  →  H[i,j,k,l] = 2 c[i,j] δ(ij,kl)
    const c = tensor([
      [1, 2],
      [3, 4],
    ]);
    const H = hessian((X) => c.mul(X.mul(X)).sum(), normal([2, 2], 10));
    expect(H.shape).toEqual([2, 2, 2, 2]);
    const cs = values(c);
    const expected: number[] = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expected.push(i === j ? 2 * cs[i]! : 0);
    expectAllClose(H, expected);
  });
});

describe("second derivatives through createGraph", () => {
  it("Hessian-vector product: ∂⟨∇f(x), v⟩/∂x = H v for log-sum-exp", () => {
    const x = tensor([0.5, -0.25, 1.75, 0], { requiresGrad: true });
    const v = tensor([1, -2, 0.5, 3]);
    const [g] = gradients(x.logSumExp(), [x], { createGraph: true });
    const [hv] = gradients(g!.mul(v).sum(), [x]);
    // H v = p ⊙ v − p (pᵀ v)
    const p = values(x.softmax());
    const vs = values(v);
    const pv = p.reduce((s, pi, i) => s + pi * vs[i]!, 0);
    expectAllClose(
      hv!,
      p.map((pi, i) => pi * vs[i]! - pi * pv),
    );
    expect(x.grad).toBeNull();
  });

  it("Hessian-vector product equals hessian(f) · v", () => {
    const W = normal([3, 3], 11);
    const f = (x: Tensor) => W.matmul(x).tanh().sum().add(x.pow(4).sum());
    const x0 = normal([3], 12);
    const v = normal([3], 13);
    const x = x0.detach();
    x.requiresGrad = true;
    const [g] = gradients(f(x), [x], { createGraph: true });
    const [hv] = gradients(g!.mul(v).sum(), [x]);
    expectAllClose(hv!, hessian(f, x0).matmul(v));
  });

  it("backward({ createGraph: true }) leaves a .grad that can be differentiated twice more", () => {
    const x = tensor([0.5, -2], { requiresGrad: true });
    x.pow(4).sum().backward(undefined, { createGraph: true });
    const g1 = x.grad!;
    expect(g1.requiresGrad).toBe(true);
    expectAllClose(g1, [4 * 0.125, 4 * -8]); // 4x³

    x.grad = null;
    g1.sum().backward(undefined, { createGraph: true });
    const g2 = x.grad!;
    expect(g2.requiresGrad).toBe(true);
    expectAllClose(g2, [12 * 0.25, 12 * 4]); // 12x²

    x.grad = null;
    g2.sum().backward();
    expectAllClose(x.grad!, [24 * 0.5, 24 * -2]); // 24x
    expect(x.grad!.requiresGrad).toBe(false);
  });

  it("backward with createGraph accumulates into a new tensor, not in place", () => {
    const x = tensor([1, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { createGraph: true });
    const first = x.grad!;
    y.backward(undefined, { createGraph: true });
    expect(x.grad).not.toBe(first);
    expectAllClose(first, [2, 6]);
    expectAllClose(x.grad!, [4, 12]);
  });

  it("backward without createGraph gives a .grad that does not require grad", () => {
    const x = tensor([1, 3], { requiresGrad: true });
    x.pow(3).sum().backward();
    expect(x.grad!.requiresGrad).toBe(false);
  });
});

describe("gradient penalty L = ‖∂f/∂x‖²", () => {
  it("for f = w·x² (scalars) is 4w²x², with ∂L/∂w = 8wx² and ∂L/∂x = 8w²x", () => {
    const w = tensor(1.5, { requiresGrad: true });
    const x = tensor(-0.7, { requiresGrad: true });
    const [g] = gradients(w.mul(x.pow(2)), [x], { createGraph: true });
    const L = g!.pow(2);
    expectClose(L.item(), 4 * 1.5 ** 2 * 0.49);
    L.backward();
    expectClose(w.grad!.item(), 8 * 1.5 * 0.49);
    expectClose(x.grad!.item(), 8 * 1.5 ** 2 * -0.7);
  });

  /**
   * f(x) = w₂ · tanh(W₁x + b₁) + b₂. With z = W₁x + b₁, h = tanh z, s = 1 − h²:
   *   g = ∂f/∂x = W₁ᵀ(w₂ ⊙ s),  L = ‖g‖².
   * Backward by hand: r = ∂L/∂(w₂ ⊙ s) = 2 W₁ g, q = ∂L/∂z = r ⊙ w₂ ⊙ (−2 h ⊙ s), so
   *   ∂L/∂W₁ = 2 (w₂ ⊙ s) gᵀ + q xᵀ,  ∂L/∂b₁ = q,  ∂L/∂w₂ = r ⊙ s,  ∂L/∂x = W₁ᵀ q,
   * and b₂ does not reach L.
   */
  it("for a tanh MLP built from tensor ops matches the hand-derived gradient", () => {
    const n = 3;
    const hidden = 4;
    const rng = new Rng(2024);
    const W1 = randn([hidden, n], { generator: rng, requiresGrad: true });
    const b1 = randn([hidden], { generator: rng, requiresGrad: true });
    const w2 = randn([hidden], { generator: rng, requiresGrad: true });
    const b2 = randn([], { generator: rng, requiresGrad: true });
    const x = randn([n], { generator: rng, requiresGrad: true });

    const f = w2.matmul(W1.matmul(x).add(b1).tanh()).add(b2);
    const [g] = gradients(f, [x], { createGraph: true });
    const L = g!.mul(g!).sum();
    L.backward();

    // the same by hand, in plain numbers
    const Wv = W1.toArray() as number[][];
    const b1v = values(b1);
    const w2v = values(w2);
    const xv = values(x);
    const z = Wv.map((row, j) => row.reduce((s, wjk, k) => s + wjk * xv[k]!, b1v[j]!));
    const h = z.map(Math.tanh);
    const s = h.map((hj) => 1 - hj * hj);
    const u = s.map((sj, j) => w2v[j]! * sj);
    const gv = xv.map((_, k) => Wv.reduce((acc, row, j) => acc + row[k]! * u[j]!, 0));
    const r = Wv.map((row) => 2 * row.reduce((acc, wjk, k) => acc + wjk * gv[k]!, 0));
    const q = r.map((rj, j) => rj * w2v[j]! * -2 * h[j]! * s[j]!);

    expectAllClose(g!, gv);
    expectClose(
      L.item(),
      gv.reduce((acc, gk) => acc + gk * gk, 0),
    );
    expectAllClose(
      W1.grad!,
      Wv.map((row, j) => row.map((_, k) => 2 * u[j]! * gv[k]! + q[j]! * xv[k]!)),
    );
    expectAllClose(b1.grad!, q);
    expectAllClose(
      w2.grad!,
      r.map((rj, j) => rj * s[j]!),
    );
    expectAllClose(
      x.grad!,
      xv.map((_, k) => Wv.reduce((acc, row, j) => acc + row[k]! * q[j]!, 0)),
    );
    expect(b2.grad).toBeNull();
  });

  it("for a batched two-hidden-layer tanh MLP passes a float64 finite-difference check", () => {
    const rng = new Rng(77);
    const X = randn([5, 3], { generator: rng });
    const W1 = randn([3, 4], { generator: rng });
    const W2 = randn([4, 4], { generator: rng });
    const w3 = randn([4], { generator: rng });
    const penalty = (x: Tensor, A: Tensor, B: Tensor, c: Tensor): Tensor => {
      const out = x.matmul(A).tanh().matmul(B).tanh().matmul(c).sum();
      const [gx] = gradients(out, [x], { createGraph: true });
      return gx!.pow(2).sum();
    };
    const res = gradcheck(penalty, [X, W1, W2, w3], { eps: 1e-6, atol: 1e-7, rtol: 1e-6 });
    expect(res.failures).toEqual([]);
    expect(res.ok).toBe(true);
  });
});

describe("argument validation and repeated argnums", () => {
  it("grad with a repeated argnum returns the gradient once per entry (as JAX)", () => {
    const f = (x: Tensor, y: Tensor) => x.mul(x).mul(y).sum();
    const x = tensor([1, 2]);
    const y = tensor([3, 4]);
    const [g0, g0again, g1] = grad(f, { argnums: [0, 0, 1] })(x, y);
    expectAllClose(g0!, [2 * 1 * 3, 2 * 2 * 4]);
    expectAllClose(g0again!, [2 * 1 * 3, 2 * 2 * 4]);
    expectAllClose(g1!, [1, 4]);
    const xr = tensor([1, 2], { requiresGrad: true });
    const [h0, h1] = grad(f, { argnums: [0, 0] })(xr, y);
    expectAllClose(h0!, [6, 16]);
    expectAllClose(h1!, [6, 16]);
    expect(xr.grad).toBeNull();
  });

  it("gradients refuses non-object options with ChainruleError", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    expect(() => gradients(y, [x], null as never)).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: gradients: options must be an object, got null]`,
    );
    expect(() => gradients(y, [x], { createGraph: 1 as never })).toThrow(ChainruleError);
    expect(() => gradients(y, [x], { gradOutputs: 5 as never })).toThrow(ChainruleError);
  });

  it("grad refuses bad argnums and options", () => {
    const f = (x: Tensor) => x.sum();
    expect(() => grad(f, null as never)(tensor([1]))).toThrow(ChainruleError);
    expect(() => grad(f, { argnums: 1.5 })(tensor([1]))).toThrow(ChainruleError);
    expect(() => grad(f, { argnums: [-1] })(tensor([1]))).toThrow(ChainruleError);
  });
});
