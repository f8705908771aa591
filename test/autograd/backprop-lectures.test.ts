/**
 * The backpropagation equations of the lecture notes in /work/shared/lectures, checked against
 * autodiff to 1e-12: the notes' derivation is redone by hand in plain JavaScript arrays, the
 * same network is built from tensor primitives, and every `.grad` must agree.
 *
 * - 000_1780807650e7f6e9.txt: quadratic cost C = ½‖aᴸ − y‖², zˡ = wˡaˡ⁻¹ + bˡ, aˡ = σ(zˡ), δˡ = ∂C/∂zˡ,
 *   BP1 δᴸ = (aᴸ − y) ⊙ σ′(zᴸ), BP2 δˡ = ((wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ′(zˡ), BP3 ∂C/∂bˡ = δˡ,
 *   BP4 ∂C/∂wˡ = δˡ(aˡ⁻¹)ᵀ, and C = 1/(2n) Σₓ ‖y(x) − aᴸ(x)‖² over a set of examples.
 * - 002_1d415a2b08334d41.txt: softmax output with cross-entropy −Σᵢ yᵢ log aᵢ, and logistic
 *   regression as a computation graph: dz = a − y, db = a − y, dw = (a − y)x.
 */
import { describe, expect, it } from "vitest";
import { Rng, type Tensor, tensor } from "../../src/index";
import { expectAllClose } from "../helpers/close";

const BP_LECTURE = "lectures/000_1780807650e7f6e9.txt";
const CE_LECTURE = "lectures/002_1d415a2b08334d41.txt";
const TOL = 1e-12;

type Vec = number[];
type Mat = number[][];

// ---- plain-array linear algebra for the hand derivation ----
const sigma = (z: number): number => 1 / (1 + Math.exp(-z));
const sigmaPrime = (z: number): number => sigma(z) * (1 - sigma(z));
const matVec = (w: Mat, a: Vec): Vec => w.map((row) => row.reduce((s, wjk, k) => s + wjk * a[k]!, 0));
const matTVec = (w: Mat, d: Vec): Vec => w[0]!.map((_, k) => w.reduce((s, row, j) => s + row[k]! * d[j]!, 0));
const outer = (d: Vec, a: Vec): Mat => d.map((dj) => a.map((ak) => dj * ak));
const addVec = (a: Vec, b: Vec): Vec => a.map((v, i) => v + b[i]!);
const addMat = (a: Mat, b: Mat): Mat => a.map((row, j) => addVec(row, b[j]!));
const scaleMat = (a: Mat, s: number): Mat => a.map((row) => row.map((v) => v * s));
const hadamard = (a: Vec, b: Vec): Vec => a.map((v, i) => v * b[i]!);
const column = (v: Vec): Mat => v.map((x) => [x]);
const columns = (vs: Vec[]): Mat => vs[0]!.map((_, i) => vs.map((v) => v[i]!));

/** A sigmoid network with layer sizes `sizes`, weights and biases drawn from `new Rng(seed)`. */
interface Net {
  w: Mat[]; // w[l] has shape [sizes[l + 1], sizes[l]]
  b: Vec[]; // b[l] has length sizes[l + 1]
}

function makeNet(sizes: number[], seed: number): Net {
  const rng = new Rng(seed);
  const w: Mat[] = [];
  const b: Vec[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    w.push(
      Array.from({ length: sizes[l + 1]! }, () => Array.from({ length: sizes[l]! }, () => rng.normal())),
    );
    b.push(Array.from({ length: sizes[l + 1]! }, () => rng.normal()));
  }
  return { w, b };
}

const randomVec = (n: number, rng: Rng, lo = -1, hi = 1): Vec =>
  Array.from({ length: n }, () => rng.uniform(lo, hi));

/** The lecture's algorithm for one example, step by step (000, "The backpropagation algorithm"). */
function handBackprop(net: Net, x: Vec, y: Vec) {
  const L = net.w.length;
  // 1. input: a¹ = x;  2. feedforward: zˡ = wˡaˡ⁻¹ + bˡ, aˡ = σ(zˡ)
  const zs: Vec[] = [];
  const as: Vec[] = [x];
  for (let l = 0; l < L; l++) {
    const z = addVec(matVec(net.w[l]!, as[l]!), net.b[l]!);
    zs.push(z);
    as.push(z.map(sigma));
  }
  const aL = as[L]!;
  // ∇ₐC for C = ½‖aᴸ − y‖²
  const gradA = aL.map((a, j) => a - y[j]!);
  // 3. output error (BP1): δᴸ = ∇ₐC ⊙ σ′(zᴸ)
  const deltas: Vec[] = new Array(L);
  deltas[L - 1] = hadamard(gradA, zs[L - 1]!.map(sigmaPrime));
  // 4. backpropagate the error (BP2): δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)
  for (let l = L - 2; l >= 0; l--) {
    deltas[l] = hadamard(matTVec(net.w[l + 1]!, deltas[l + 1]!), zs[l]!.map(sigmaPrime));
  }
  // 5. output (BP3, BP4): ∂C/∂bˡ = δˡ, ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ
  const db = deltas.map((d) => [...d]);
  const dw = deltas.map((d, l) => outer(d, as[l]!));
  const cost = 0.5 * gradA.reduce((s, v) => s + v * v, 0);
  return { zs, as, gradA, deltas, db, dw, cost };
}

/** The same network as tensors: wˡ of shape [out, in], bˡ a column [out, 1]. */
function tensorNet(net: Net) {
  return {
    w: net.w.map((m) => tensor(m, { requiresGrad: true })),
    b: net.b.map((v) => tensor(column(v), { requiresGrad: true })),
  };
}

/**
 * Forward pass in the lecture's column convention: a has shape [features, examples];
 * zˡ = wˡ aˡ⁻¹ + bˡ (bˡ broadcast over the columns), aˡ = σ(zˡ). Every zˡ and aˡ keeps its .grad.
 */
function forwardColumns(params: { w: Tensor[]; b: Tensor[] }, x: Tensor) {
  const zs: Tensor[] = [];
  const as: Tensor[] = [x];
  params.w.forEach((w, l) => {
    const z = w.matmul(as[l]!).add(params.b[l]!).retainGrad();
    zs.push(z);
    as.push(z.sigmoid().retainGrad());
  });
  return { zs, as, aL: as[as.length - 1]! };
}

/** C = ½ Σ (aᴸ − y)², written with primitives: sub, pow, sum, mul. */
const quadraticCost = (aL: Tensor, y: Tensor): Tensor => aL.sub(y).pow(2).sum().mul(0.5);

describe(`BP1–BP4 for a 4-5-3-2 sigmoid network with C = ½‖aᴸ − y‖² (${BP_LECTURE})`, () => {
  const sizes = [4, 5, 3, 2];
  const net = makeNet(sizes, 2024);
  const rng = new Rng(7);
  const x = randomVec(4, rng);
  const y = randomVec(2, rng, 0, 1);
  const hand = handBackprop(net, x, y);

  /** Builds the tensor network, runs forward and backward for the single example. */
  const run = () => {
    const params = tensorNet(net);
    const fwd = forwardColumns(params, tensor(column(x)));
    const C = quadraticCost(fwd.aL, tensor(column(y)));
    C.backward();
    return { params, C, ...fwd };
  };

  it(`forward pass: zˡ = wˡaˡ⁻¹ + bˡ, aˡ = σ(zˡ) and C match the hand computation (${BP_LECTURE})`, () => {
    const { zs, as, C } = run();
    zs.forEach((z, l) => {
      expect(z.shape).toEqual([sizes[l + 1], 1]);
      expectAllClose(z, column(hand.zs[l]!), TOL);
    });
    as.forEach((a, l) => {
      expectAllClose(a, column(hand.as[l]!), TOL);
    });
    expectAllClose(C, hand.cost, TOL);
  });

  it(`quadratic cost: ∂C/∂aᴸ = aᴸ − y, read with retainGrad (${BP_LECTURE})`, () => {
    const { aL } = run();
    expect(aL.grad!.shape).toEqual([2, 1]);
    expectAllClose(aL.grad!, column(hand.gradA), TOL);
  });

  it(`BP1: δᴸ = ∂C/∂zᴸ = (aᴸ − y) ⊙ σ′(zᴸ) (${BP_LECTURE})`, () => {
    const { zs } = run();
    expectAllClose(zs[2]!.grad!, column(hand.deltas[2]!), TOL);
  });

  it(`BP2: δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ) for every hidden layer (${BP_LECTURE})`, () => {
    const { zs } = run();
    expectAllClose(zs[1]!.grad!, column(hand.deltas[1]!), TOL);
    expectAllClose(zs[0]!.grad!, column(hand.deltas[0]!), TOL);
  });

  it(`BP3: ∂C/∂bˡ = δˡ for every layer (${BP_LECTURE})`, () => {
    const { params } = run();
    params.b.forEach((b, l) => {
      expect(b.grad!.shape).toEqual([sizes[l + 1], 1]);
      expectAllClose(b.grad!, column(hand.db[l]!), TOL);
    });
  });

  it(`BP4: ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ, i.e. ∂C/∂wˡⱼₖ = aˡ⁻¹ₖ δˡⱼ, for every layer (${BP_LECTURE})`, () => {
    const { params } = run();
    params.w.forEach((w, l) => {
      expect(w.grad!.shape).toEqual([sizes[l + 1], sizes[l]]);
      expectAllClose(w.grad!, hand.dw[l]!, TOL);
    });
  });
});

describe(`BP1–BP4 summed over a mini-batch (${BP_LECTURE})`, () => {
  const sizes = [4, 5, 3, 2];
  const net = makeNet(sizes, 99);
  const rng = new Rng(11);
  const n = 6;
  const xs = Array.from({ length: n }, () => randomVec(4, rng));
  const ys = Array.from({ length: n }, () => randomVec(2, rng, 0, 1));
  const hands = xs.map((x, i) => handBackprop(net, x, ys[i]!));
  const sumDw = (l: number) => hands.map((h) => h.dw[l]!).reduce(addMat);
  const sumDb = (l: number) => hands.map((h) => h.db[l]!).reduce(addVec);

  it(`with examples as columns, δˡ is one column per example and ∂C/∂wˡ = Σₓ δˡₓ (aˡ⁻¹ₓ)ᵀ (${BP_LECTURE})`, () => {
    const params = tensorNet(net);
    const fwd = forwardColumns(params, tensor(columns(xs)));
    expect(fwd.zs.map((z) => z.shape)).toEqual([
      [5, n],
      [3, n],
      [2, n],
    ]);
    quadraticCost(fwd.aL, tensor(columns(ys))).backward();
    fwd.zs.forEach((z, l) => {
      expectAllClose(z.grad!, columns(hands.map((h) => h.deltas[l]!)), TOL);
    });
    params.w.forEach((w, l) => {
      expectAllClose(w.grad!, sumDw(l), TOL);
    });
    params.b.forEach((b, l) => {
      expectAllClose(b.grad!, column(sumDb(l)), TOL);
    });
  });

  it(`with examples as rows (aˡ = σ(aˡ⁻¹ (wˡ)ᵀ + bˡ), as nn.Linear) the gradients are the same (${BP_LECTURE})`, () => {
    const w = net.w.map((m) => tensor(m, { requiresGrad: true }));
    const b = net.b.map((v) => tensor(v, { requiresGrad: true }));
    let a = tensor(xs); // [n, 4]
    w.forEach((wl, l) => {
      a = a.matmul(wl.transpose()).add(b[l]!).sigmoid();
    });
    quadraticCost(a, tensor(ys)).backward();
    w.forEach((wl, l) => {
      expectAllClose(wl.grad!, sumDw(l), TOL);
    });
    b.forEach((bl, l) => {
      expectAllClose(bl.grad!, sumDb(l), TOL);
    });
  });

  it(`the averaged cost C = 1/(2n) Σₓ ‖y(x) − aᴸ(x)‖² gives the mean of the per-example gradients (${BP_LECTURE})`, () => {
    const params = tensorNet(net);
    const { aL } = forwardColumns(params, tensor(columns(xs)));
    const C = aL
      .sub(tensor(columns(ys)))
      .pow(2)
      .sum()
      .div(2 * n);
    C.backward();
    expectAllClose(C, hands.reduce((s, h) => s + h.cost, 0) / n, TOL);
    params.w.forEach((w, l) => {
      expectAllClose(w.grad!, scaleMat(sumDw(l), 1 / n), TOL);
    });
    params.b.forEach((b, l) => {
      expectAllClose(b.grad!, column(sumDb(l).map((v) => v / n)), TOL);
    });
  });

  it(`one backward over the batch equals the sum of per-example backward passes (${BP_LECTURE})`, () => {
    const params = tensorNet(net);
    xs.forEach((x, i) => {
      const { aL } = forwardColumns(params, tensor(column(x)));
      quadraticCost(aL, tensor(column(ys[i]!))).backward(); // .grad accumulates over examples
    });
    params.w.forEach((w, l) => {
      expectAllClose(w.grad!, sumDw(l), TOL);
    });
    params.b.forEach((b, l) => {
      expectAllClose(b.grad!, column(sumDb(l)), TOL);
    });
  });
});

describe(`softmax with cross-entropy: δ = a − y at the logits (${CE_LECTURE})`, () => {
  const rng = new Rng(5);
  const K = 5;
  const logits = randomVec(K, rng, -2, 2);
  const softmaxOf = (z: Vec): Vec => {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((v) => v / s);
  };
  const oneHot = (c: number): Vec => Array.from({ length: K }, (_, i) => (i === c ? 1 : 0));

  /** −Σᵢ yᵢ log aᵢ with a = softmax(z), as softmax → log (the lecture's composition). */
  const ceComposed = (z: Tensor, y: Tensor) => z.softmax().log().mul(y).sum().neg();
  /** The same with the numerically stable logSoftmax. */
  const ceStable = (z: Tensor, y: Tensor) => z.logSoftmax().mul(y).sum().neg();

  it.each([
    ["one-hot y, softmax → log", oneHot(2), ceComposed],
    ["one-hot y, logSoftmax", oneHot(0), ceStable],
    ["soft targets y (Σ y = 1), softmax → log", softmaxOf(randomVec(K, rng, -1, 1)), ceComposed],
    ["soft targets y (Σ y = 1), logSoftmax", softmaxOf(randomVec(K, rng, -1, 1)), ceStable],
  ])(`%s: ∂L/∂z = softmax(z) − y (${CE_LECTURE})`, (_, y, loss) => {
    const z = tensor(logits, { requiresGrad: true });
    const L = loss(z, tensor(y));
    L.backward();
    const a = softmaxOf(logits);
    expectAllClose(L, -a.reduce((s, ai, i) => s + y[i]! * Math.log(ai), 0), TOL);
    expectAllClose(
      z.grad!,
      a.map((ai, i) => ai - y[i]!),
      TOL,
    );
  });

  it(`targets that do not sum to 1 give (Σ y) a − y, so a − y needs a distribution (${CE_LECTURE})`, () => {
    const y = [0.5, 0.2, 0, 0.9, 0.1]; // Σ y = 1.7
    const z = tensor(logits, { requiresGrad: true });
    ceStable(z, tensor(y)).backward();
    const a = softmaxOf(logits);
    expectAllClose(
      z.grad!,
      a.map((ai, i) => 1.7 * ai - y[i]!),
      TOL,
    );
  });

  it(`a batch of examples (rows) summed: each row of ∂L/∂Z is aₓ − yₓ (${CE_LECTURE})`, () => {
    const n = 4;
    const Z = Array.from({ length: n }, () => randomVec(K, rng, -3, 3));
    const Y = [oneHot(1), oneHot(4), softmaxOf(randomVec(K, rng)), oneHot(0)];
    const z = tensor(Z, { requiresGrad: true });
    z.logSoftmax(1).mul(tensor(Y)).sum().neg().backward();
    expectAllClose(
      z.grad!,
      Z.map((row, i) => softmaxOf(row).map((a, k) => a - Y[i]![k]!)),
      TOL,
    );
  });

  it(`in a sigmoid network with a softmax output, δᴸ = a − y and BP2–BP4 follow (${CE_LECTURE}, ${BP_LECTURE})`, () => {
    const net = makeNet([3, 4, K], 31);
    const x = randomVec(3, rng);
    const y = oneHot(3);
    const params = tensorNet(net);
    const h = params.w[0]!.matmul(tensor(column(x)))
      .add(params.b[0]!)
      .retainGrad();
    const zL = params.w[1]!.matmul(h.sigmoid()).add(params.b[1]!).retainGrad();
    zL.logSoftmax(0)
      .mul(tensor(column(y)))
      .sum()
      .neg()
      .backward();

    const z1 = addVec(matVec(net.w[0]!, x), net.b[0]!);
    const a1 = z1.map(sigma);
    const z2 = addVec(matVec(net.w[1]!, a1), net.b[1]!);
    const deltaL = softmaxOf(z2).map((a, k) => a - y[k]!);
    const delta1 = hadamard(matTVec(net.w[1]!, deltaL), z1.map(sigmaPrime));
    expectAllClose(zL.grad!, column(deltaL), TOL);
    expectAllClose(h.grad!, column(delta1), TOL);
    expectAllClose(params.b[1]!.grad!, column(deltaL), TOL);
    expectAllClose(params.w[1]!.grad!, outer(deltaL, a1), TOL);
    expectAllClose(params.b[0]!.grad!, column(delta1), TOL);
    expectAllClose(params.w[0]!.grad!, outer(delta1, x), TOL);
  });
});

describe(`logistic regression as a computation graph (${CE_LECTURE})`, () => {
  it(`∂L/∂a = −y/a + (1−y)/(1−a), dz = a − y, db = a − y, dw = (a − y)x (${CE_LECTURE})`, () => {
    // the lecture's example: w = [w₁, w₂, w₃], x = [x₁, x₂, x₃], b = 1
    const wv = [0.3, -0.8, 0.5];
    const xv = [1.5, 0.2, -1];
    for (const yv of [0, 1]) {
      const w = tensor(wv, { requiresGrad: true });
      const b = tensor(1, { requiresGrad: true });
      const x = tensor(xv);
      const z = w.matmul(x).add(b).retainGrad();
      const a = z.sigmoid().retainGrad();
      // L(a, y) = −y log a − (1 − y) log(1 − a)
      const L = a
        .log()
        .mul(-yv)
        .sub(
          a
            .neg()
            .add(1)
            .log()
            .mul(1 - yv),
        );
      L.backward();

      const av = sigma(wv.reduce((s, wi, i) => s + wi * xv[i]!, 1));
      expectAllClose(a.grad!, -yv / av + (1 - yv) / (1 - av), TOL);
      expectAllClose(z.grad!, av - yv, TOL);
      expectAllClose(b.grad!, av - yv, TOL);
      expectAllClose(
        w.grad!,
        xv.map((xi) => (av - yv) * xi),
        TOL,
      );
    }
  });
});
