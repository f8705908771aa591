/**
 * SPEC §9 attention: `nn.scaledDotProductAttention`, `nn.MultiheadAttention` and
 * `nn.TransformerEncoderLayer`. Values, attention weights and the gradients of every input and
 * parameter against PyTorch 2.13 (test/fixtures/attention-reference.json, written by
 * test/fixtures/generate_attention.py) at 1e-10 in float64; PyTorch's `state_dict()` is loaded
 * with `loadStateDict` under PyTorch's own keys, which proves the names line up. Also: gradcheck,
 * fully masked rows, init, dropout in training, dtypes and error messages.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  gradcheck,
  gradgradcheck,
  manualSeed,
  nn,
  Rng,
  type Tensor,
  tensor,
} from "../../src/index";
import { expectAllClose } from "../helpers/close";

interface Stored {
  shape: number[];
  dtype?: "bool";
  data: (number | null)[];
}

interface SdpaCase {
  kind: "sdpa";
  q: Stored;
  k: Stored;
  v: Stored;
  mask: Stored | null;
  causal: boolean;
  scale: number | null;
  out: Stored;
  gOut: Stored;
  grads: Record<"q" | "k" | "v", Stored>;
}

interface ModuleCase {
  parameterNames: [string, number[]][];
  state: Record<string, Stored>;
  inputs: Record<string, Stored>;
  out: Stored;
  gOut: Stored;
  grads: Record<string, Stored>;
}

interface MhaCase extends ModuleCase {
  kind: "mha";
  embedDim: number;
  numHeads: number;
  batchFirst: boolean;
  bias: boolean;
  selfAttention: boolean;
  sameKeyValue: boolean;
  averageAttnWeights: boolean;
  needWeights: boolean;
  isCausal: boolean;
  attnMask: Stored | null;
  keyPaddingMask: Stored | null;
  weights: Stored | null;
  gWeights: Stored | null;
}

interface TelCase extends ModuleCase {
  kind: "tel";
  dModel: number;
  nHead: number;
  dimFeedforward: number;
  activation: "relu" | "gelu";
  normFirst: boolean;
  batchFirst: boolean;
  isCausal: boolean;
  srcKeyPaddingMask: Stored | null;
}

type Case = SdpaCase | MhaCase | TelCase;

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/attention-reference.json", import.meta.url), "utf8"),
) as { torch: string; cases: Record<string, Case> };
const cases = Object.entries(fixture.cases);
const TOL = 1e-10;

/** A stored tensor (null is −∞; bool tensors as 0/1). */
function load(s: Stored, requiresGrad = false): Tensor {
  if (s.dtype === "bool") return tensor(s.data as number[], { shape: s.shape, dtype: "bool" });
  const data = s.data.map((v) => (v === null ? Number.NEGATIVE_INFINITY : v));
  return tensor(data, { shape: s.shape, requiresGrad });
}

/** PyTorch's state_dict as chainrule's StateDict, under PyTorch's keys. */
function stateOf(c: ModuleCase) {
  return Object.fromEntries(
    Object.entries(c.state).map(([k, s]) => [
      k,
      { shape: s.shape, dtype: "float64" as const, data: s.data as number[] },
    ]),
  );
}

/** The gradients of every parameter (by PyTorch's name) and input against the fixture's. */
function expectGrads(module: nn.Module, inputs: Record<string, Tensor>, c: ModuleCase): void {
  const params = new Map(module.namedParameters());
  for (const [key, expected] of Object.entries(c.grads)) {
    const [kind, name] = key.split(":") as [string, string];
    const t = kind === "param" ? (params.get(name) as Tensor) : inputs[name];
    expect(t, key).toBeDefined();
    expectAllClose(t?.grad, load(expected), TOL);
  }
}

const shapesOf = (m: nn.Module) => m.namedParameters().map(([n, p]) => [n, [...(p as Tensor).shape]]);

/** Deterministic float64 values. */
function filled(shape: number[], seed = 1, requiresGrad = false): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) + (i % 3) * 0.2),
    { shape, requiresGrad },
  );
}

describe("the PyTorch fixture", () => {
  it(`was written by PyTorch ${fixture.torch} with sdpa, mha and tel cases`, () => {
    const kinds = cases.map(([, c]) => c.kind);
    expect(kinds.filter((k) => k === "sdpa").length).toBeGreaterThanOrEqual(6);
    expect(kinds.filter((k) => k === "mha").length).toBeGreaterThanOrEqual(5);
    expect(kinds.filter((k) => k === "tel").length).toBeGreaterThanOrEqual(4);
  });
});

describe("nn.scaledDotProductAttention matches torch.nn.functional.scaled_dot_product_attention", () => {
  for (const [name, c] of cases) {
    if (c.kind !== "sdpa") continue;
    it(`${name}: output and the gradients of q, k, v to 1e-10`, () => {
      const q = load(c.q, true);
      const k = load(c.k, true);
      const v = load(c.v, true);
      const out = nn.scaledDotProductAttention(q, k, v, {
        mask: c.mask ? load(c.mask) : null,
        causal: c.causal,
        scale: c.scale,
      });
      expect(out.shape).toEqual(c.out.shape);
      expectAllClose(out, load(c.out), TOL);
      out.backward(load(c.gOut));
      expectAllClose(q.grad, load(c.grads.q), TOL);
      expectAllClose(k.grad, load(c.grads.k), TOL);
      expectAllClose(v.grad, load(c.grads.v), TOL);
    });
  }
});

describe("nn.scaledDotProductAttention", () => {
  it("is softmax(q·kᵀ/√E)·v, a bool mask keeps the true pairs, causal keeps j ≤ i", () => {
    const q = tensor([[0, 0]]);
    const k = tensor([
      [1, 0],
      [0, 1],
    ]);
    const v = tensor([
      [2, 0],
      [0, 4],
    ]);
    expect(nn.scaledDotProductAttention(q, k, v).toArray()).toEqual([[1, 2]]); // equal weights
    const keepSecond = tensor([[false, true]], { dtype: "bool" });
    expect(nn.scaledDotProductAttention(q, k, v, { mask: keepSecond }).toArray()).toEqual([[0, 4]]);
    const qq = tensor([
      [0, 0],
      [0, 0],
    ]);
    expect(nn.scaledDotProductAttention(qq, k, v, { causal: true }).toArray()).toEqual([
      [2, 0],
      [1, 2],
    ]);
  });

  it("a fully masked row gives zeros, and zero (not NaN) gradients, as PyTorch 2.13", () => {
    const q = filled([3, 2], 1, true);
    const k = filled([3, 2], 2, true);
    const v = filled([3, 2], 3, true);
    const mask = tensor(
      [
        [true, false, true],
        [false, false, false],
        [true, true, true],
      ],
      { dtype: "bool" },
    );
    const out = nn.scaledDotProductAttention(q, k, v, { mask });
    expect((out.toArray() as number[][])[1]).toEqual([0, 0]);
    out.sum().backward();
    expect(((q.grad as Tensor).toArray() as number[][])[1]).toEqual([0, 0]);
    for (const t of [q, k, v]) expect(Array.from(t.grad?.data ?? []).every(Number.isFinite)).toBe(true);
    // the same with a float mask of −∞
    const fm = tensor([[0, 0, 0], Array(3).fill(Number.NEGATIVE_INFINITY), [0, 0, 0]]);
    expect((nn.scaledDotProductAttention(q, k, v, { mask: fm }).toArray() as number[][])[1]).toEqual([0, 0]);
  });

  it("passes gradcheck and gradgradcheck (bool mask, causal, float mask)", () => {
    const q = filled([2, 3, 4], 1);
    const k = filled([2, 5, 4], 2);
    const v = filled([2, 5, 3], 3);
    const mask = tensor(
      [
        [true, false, true, true, false],
        [false, false, false, false, false],
        [true, true, true, false, true],
      ],
      { dtype: "bool" },
    );
    const fmask = filled([3, 5], 4);
    const w = filled([2, 3, 3], 5);
    for (const opts of [{}, { mask }, { causal: true }, { mask: fmask }, { scale: 0.7 }]) {
      const f = (a: Tensor, b: Tensor, c: Tensor) => nn.scaledDotProductAttention(a, b, c, opts).mul(w).sum();
      expect(gradcheck(f, [q, k, v]).ok).toBe(true);
    }
    for (const opts of [{ causal: true }, { mask }]) {
      const g = (a: Tensor, b: Tensor, c: Tensor) => nn.scaledDotProductAttention(a, b, c, opts).mul(w).sum();
      expect(gradgradcheck(g, [q, k, v]).ok).toBe(true);
    }
  });

  it("a float mask that requires grad receives ∂ = ∂scores", () => {
    const m = filled([3, 5], 4, true);
    const f = (mm: Tensor) =>
      nn
        .scaledDotProductAttention(filled([3, 4], 1), filled([5, 4], 2), filled([5, 2], 3), { mask: mm })
        .pow(2)
        .sum();
    expect(gradcheck(f, [m]).ok).toBe(true);
  });

  it("dropout: different from no dropout, reproducible with the seed, unbiased on average", () => {
    const q = filled([4, 3], 1);
    const k = filled([6, 3], 2);
    const v = filled([6, 2], 3);
    const plain = nn.scaledDotProductAttention(q, k, v);
    manualSeed(7);
    const a = nn.scaledDotProductAttention(q, k, v, { dropout: 0.5 });
    manualSeed(7);
    const b = nn.scaledDotProductAttention(q, k, v, { dropout: 0.5 });
    expect(a.toArray()).toEqual(b.toArray());
    expect(a.toArray()).not.toEqual(plain.toArray());
    expect(nn.scaledDotProductAttention(q, k, v, { dropout: 0 }).toArray()).toEqual(plain.toArray());
    const c = nn.scaledDotProductAttention(q, k, v, { dropout: 0.5, generator: new Rng(3) });
    const d = nn.scaledDotProductAttention(q, k, v, { dropout: 0.5, generator: new Rng(3) });
    expect(c.toArray()).toEqual(d.toArray());
  });

  it("works in float32", () => {
    const f32 = (t: Tensor) => t.astype("float32");
    const out = nn.scaledDotProductAttention(
      f32(filled([2, 3])),
      f32(filled([4, 3], 2)),
      f32(filled([4, 5], 3)),
      {
        causal: true,
      },
    );
    expect(out.dtype).toBe("float32");
    expect(out.shape).toEqual([2, 5]);
  });

  it("bad shapes and arguments throw ChainruleError naming the op and the shapes", () => {
    const q = filled([2, 3, 4]);
    const k = filled([2, 5, 4]);
    const v = filled([2, 5, 3]);
    const sdpa = nn.scaledDotProductAttention;
    expect(() => sdpa(q, filled([2, 5, 3]), v)).toThrow(
      "scaledDotProductAttention: query [2,3,4] and key [2,5,3] must have the same last dimension E",
    );
    expect(() => sdpa(q, k, filled([2, 4, 3]))).toThrow(
      "scaledDotProductAttention: key [2,5,4] and value [2,4,3] must have the same length S (their axis −2)",
    );
    expect(() => sdpa(q, k, v, { mask: tensor([[true, false]], { dtype: "bool" }) })).toThrow(
      "scaledDotProductAttention: mask [1,2] does not broadcast to the attention weights [2,3,5] ([..., L, S])",
    );
    expect(() => sdpa(q, k, v, { mask: filled([3, 2, 3, 5]) })).toThrow(
      /mask \[3,2,3,5\] does not broadcast/,
    );
    expect(() => sdpa(q, k, v, { mask: filled([3, 5]), causal: true })).toThrow(
      "scaledDotProductAttention: give either mask or causal: true, not both",
    );
    expect(() => sdpa(q, k, v, { dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\)/);
    expect(() => sdpa(q, k, v, { mask: tensor([[1]], { dtype: "int32" }) })).toThrow(
      /mask must be a bool or float tensor, got int32/,
    );
    expect(() => sdpa(filled([4]), k, v)).toThrow(/query needs at least 2 dimensions, got \[4\]/);
    expect(() => sdpa(q, k, v, { scale: Number.NaN })).toThrow(/scale must be a finite number/);
    expect(() => sdpa(q, k, v)).not.toThrow(ChainruleError);
  });
});

describe("nn.MultiheadAttention matches torch.nn.MultiheadAttention", () => {
  for (const [name, c] of cases) {
    if (c.kind !== "mha") continue;
    it(`${name}: PyTorch's parameters load by name; output, weights and all gradients to 1e-10`, () => {
      const mha = new nn.MultiheadAttention(c.embedDim, c.numHeads, {
        batchFirst: c.batchFirst,
        bias: c.bias,
      });
      expect(shapesOf(mha)).toEqual(c.parameterNames);
      mha.loadStateDict(stateOf(c));
      const inputs: Record<string, Tensor> = {};
      for (const [n, s] of Object.entries(c.inputs)) inputs[n] = load(s, true);
      const query = inputs.query as Tensor;
      const key = c.selfAttention ? query : (inputs.key as Tensor);
      const value = c.selfAttention || c.sameKeyValue ? key : (inputs.value as Tensor);
      const [out, weights] = mha.forward(query, key, value, {
        attnMask: c.attnMask ? load(c.attnMask) : null,
        keyPaddingMask: c.keyPaddingMask ? load(c.keyPaddingMask) : null,
        needWeights: c.needWeights,
        averageAttnWeights: c.averageAttnWeights,
        // PyTorch takes is_causal as a hint beside the causal attn_mask; here both are given too
        isCausal: c.isCausal,
      });
      expectAllClose(out, load(c.out), TOL);
      expect(out.shape).toEqual(c.out.shape);
      let scalar = out.mul(load(c.gOut)).sum();
      if (c.weights && c.gWeights) {
        expect(weights?.shape).toEqual(c.weights.shape);
        expectAllClose(weights, load(c.weights), TOL);
        scalar = scalar.add((weights as Tensor).mul(load(c.gWeights)).sum());
      } else {
        expect(weights).toBeNull();
      }
      scalar.backward();
      expectGrads(mha, inputs, c);
    });
  }

  it("isCausal alone builds the causal mask: the same as passing it", () => {
    const c = fixture.cases.mha_unbatched_causal as MhaCase;
    const mha = new nn.MultiheadAttention(c.embedDim, c.numHeads);
    mha.loadStateDict(stateOf(c));
    const x = load(c.inputs.query as Stored);
    const [out, w] = mha.forward(x, x, x, { isCausal: true });
    expectAllClose(out, load(c.out), TOL);
    expectAllClose(w, load(c.weights as Stored), TOL);
  });
});

describe("nn.MultiheadAttention", () => {
  it("initialises as PyTorch: in_proj_weight Xavier-uniform, biases zero, out_proj U(±1/√E)", () => {
    manualSeed(0);
    const E = 16;
    const mha = new nn.MultiheadAttention(E, 4);
    const max = (t: Tensor | null) => Math.max(...Array.from(t?.data ?? [], Math.abs));
    expect(max(mha.in_proj_weight)).toBeLessThanOrEqual(Math.sqrt(6 / (4 * E)));
    expect(max(mha.in_proj_weight)).toBeGreaterThan(0.8 * Math.sqrt(6 / (4 * E)));
    expect(max(mha.out_proj.weight)).toBeLessThanOrEqual(1 / Math.sqrt(E));
    expect(max(mha.out_proj.weight)).toBeGreaterThan(0.8 / Math.sqrt(E));
    expect(max(mha.in_proj_bias)).toBe(0);
    expect(max(mha.out_proj.bias)).toBe(0);
    expect(mha.out_proj).toBeInstanceOf(nn.Linear);
    expect(shapesOf(new nn.MultiheadAttention(4, 2, { bias: false }))).toEqual([
      ["in_proj_weight", [12, 4]],
      ["out_proj.weight", [4, 4]],
    ]);
    expect(Object.keys(mha.stateDict())).toEqual([
      "in_proj_weight",
      "in_proj_bias",
      "out_proj.weight",
      "out_proj.bias",
    ]);
  });

  it("batchFirst false takes [L, N, E]: the same numbers transposed", () => {
    manualSeed(3);
    const a = new nn.MultiheadAttention(6, 3);
    const b = new nn.MultiheadAttention(6, 3, { batchFirst: false });
    b.loadStateDict(a.stateDict());
    const x = filled([2, 4, 6]);
    const [ya, wa] = a.forward(x, x, x);
    const xt = x.transpose(0, 1);
    const [yb, wb] = b.forward(xt, xt, xt);
    expect(yb.shape).toEqual([4, 2, 6]);
    expectAllClose(yb.transpose(0, 1), ya, 1e-14);
    expectAllClose(wb, wa, 1e-14);
  });

  it("an unbatched [L, E] input is a batch of one; per-head weights are [H, L, S]", () => {
    manualSeed(4);
    const mha = new nn.MultiheadAttention(4, 2);
    const x = filled([3, 4]);
    const kv = filled([5, 4], 2);
    const [y, w] = mha.forward(x, kv, kv, { averageAttnWeights: false });
    const [yb, wb] = mha.forward(x.unsqueeze(0), kv.unsqueeze(0), kv.unsqueeze(0), {
      averageAttnWeights: false,
    });
    expect(y.shape).toEqual([3, 4]);
    expect(w?.shape).toEqual([2, 3, 5]);
    expectAllClose(y, yb.squeeze(0), 1e-14);
    expectAllClose(w, wb?.squeeze(0), 1e-14);
  });

  it("a query whose keys are all padding gets zero weights (PyTorch's need_weights path gives NaN)", () => {
    manualSeed(5);
    const mha = new nn.MultiheadAttention(4, 2);
    const x = filled([2, 3, 4], 1, true);
    const pad = tensor(
      [
        [false, false, true],
        [true, true, true],
      ],
      { dtype: "bool" },
    );
    const [y, w] = mha.forward(x, x, x, { keyPaddingMask: pad });
    const weights = (w as Tensor).toArray() as number[][][];
    expect(weights[1]).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(weights[0]?.[0]?.[2]).toBe(0);
    y.sum().backward();
    expect(Array.from(x.grad?.data ?? []).every(Number.isFinite)).toBe(true);
  });

  it("passes gradcheck for query, key and value (masks, cross-attention, float32 runs too)", () => {
    manualSeed(6);
    const mha = new nn.MultiheadAttention(4, 2);
    const q = filled([2, 3, 4], 1);
    const k = filled([2, 5, 4], 2);
    const v = filled([2, 5, 4], 3);
    const mask = tensor([[false, true, false, false, false]], { dtype: "bool" })
      .reshape(1, 5)
      .expand(3, 5);
    const pad = tensor(
      [
        [false, false, false, false, true],
        [false, true, false, false, false],
      ],
      { dtype: "bool" },
    );
    const f = (a: Tensor, b: Tensor, c: Tensor) => {
      const [y, w] = mha.forward(a, b, c, { attnMask: mask, keyPaddingMask: pad, averageAttnWeights: false });
      return y
        .pow(2)
        .sum()
        .add((w as Tensor).mul(filled([2, 2, 3, 5], 4)).sum());
    };
    expect(gradcheck(f, [q, k, v]).ok).toBe(true);
    const self = (a: Tensor) => mha.forward(a, a, a, { isCausal: true })[0].pow(2).sum();
    expect(gradcheck(self, [q]).ok).toBe(true);
    const m32 = new nn.MultiheadAttention(4, 2, { dtype: "float32" });
    const x32 = q.astype("float32");
    const [y32] = m32.forward(x32, x32, x32);
    expect(y32.dtype).toBe("float32");
  });

  it("dropout acts on the weights in training only, reproducibly with the seed", () => {
    manualSeed(8);
    const mha = new nn.MultiheadAttention(4, 2, { dropout: 0.5 });
    const x = filled([2, 5, 4]);
    manualSeed(1);
    const [a, wa] = mha.forward(x, x, x);
    manualSeed(1);
    const [b] = mha.forward(x, x, x);
    expect(a.toArray()).toEqual(b.toArray());
    // weights are returned after dropout, as PyTorch: some are zero
    expect(Array.from(wa?.data ?? []).some((w) => w === 0)).toBe(true);
    mha.eval();
    const [e1, we] = mha.forward(x, x, x);
    const [e2] = mha.forward(x, x, x);
    expect(e1.toArray()).toEqual(e2.toArray());
    expect(e1.toArray()).not.toEqual(a.toArray());
    expectAllClose(we?.sum(-1), Array(10).fill(1), 1e-12);
  });

  it("bad shapes and arguments throw ChainruleError naming the layer and the shapes", () => {
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow(
      "MultiheadAttention: embedDim 10 must be divisible by numHeads 3",
    );
    expect(() => new nn.MultiheadAttention(0, 1)).toThrow(/embedDim must be a positive integer/);
    expect(() => new nn.MultiheadAttention(4, 2, { kdim: 3 })).toThrow(
      /kdim different from embedDim is not supported/,
    );
    expect(() => new nn.MultiheadAttention(4, 2, { dropout: -0.1 })).toThrow(/dropout must be a number/);
    const mha = new nn.MultiheadAttention(4, 2);
    const x = filled([2, 3, 4]);
    expect(() => mha.forward(filled([2, 3, 5]), x, x)).toThrow(
      "MultiheadAttention: query must be [N, L, 4] or [L, 4] (layout [N, L, E]), got [2,3,5]",
    );
    expect(() => mha.forward(x, filled([2, 3, 3]), x)).toThrow(
      "MultiheadAttention: key must be [N, S, 4] like the query [2,3,4], got [2,3,3]",
    );
    expect(() => mha.forward(x, filled([3, 3, 4]), filled([3, 3, 4]))).toThrow(/same batch size N/);
    expect(() => mha.forward(x, x, x, { attnMask: filled([3, 4]) })).toThrow(
      "MultiheadAttention: attnMask must be [L, S] = [3, 3] or [N·H, L, S] = [4, 3, 3], got [3,4]",
    );
    expect(() =>
      mha.forward(x, x, x, { keyPaddingMask: tensor([[true, false]], { dtype: "bool" }) }),
    ).toThrow("MultiheadAttention: keyPaddingMask must be [N, S] = [2, 3], got [1,2]");
    const seqFirst = new nn.MultiheadAttention(4, 2, { batchFirst: false });
    expect(() => seqFirst.forward(filled([3, 2, 4, 1]), x, x)).toThrow(
      "MultiheadAttention: query must be [L, N, 4] or [L, 4] (layout [L, N, E]), got [3,2,4,1]",
    );
  });
});

describe("nn.TransformerEncoderLayer matches torch.nn.TransformerEncoderLayer (eval mode)", () => {
  for (const [name, c] of cases) {
    if (c.kind !== "tel") continue;
    it(`${name}: PyTorch's parameters load by name; output and all gradients to 1e-10`, () => {
      const layer = new nn.TransformerEncoderLayer(c.dModel, c.nHead, {
        dimFeedforward: c.dimFeedforward,
        activation: c.activation,
        normFirst: c.normFirst,
        batchFirst: c.batchFirst,
      });
      expect(shapesOf(layer)).toEqual(c.parameterNames);
      layer.loadStateDict(stateOf(c));
      layer.eval();
      const src = load(c.inputs.src as Stored, true);
      const out = layer.forward(src, {
        srcKeyPaddingMask: c.srcKeyPaddingMask ? load(c.srcKeyPaddingMask) : null,
        isCausal: c.isCausal,
      });
      expect(out.shape).toEqual(c.out.shape);
      expectAllClose(out, load(c.out), TOL);
      out.backward(load(c.gOut));
      expectGrads(layer, { src }, c);
    });
  }
});

describe("nn.TransformerEncoderLayer", () => {
  it("has PyTorch's children and state_dict keys, and PyTorch's Linear init", () => {
    manualSeed(0);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 32 });
    expect(layer.namedChildren().map(([n]) => n)).toEqual([
      "self_attn",
      "linear1",
      "dropout",
      "linear2",
      "norm1",
      "norm2",
      "dropout1",
      "dropout2",
    ]);
    expect(Object.keys(layer.stateDict())).toEqual(
      (fixture.cases.tel_post_norm_relu_padding as TelCase).parameterNames.map(([n]) => n),
    );
    const max = (t: Tensor | null) => Math.max(...Array.from(t?.data ?? [], Math.abs));
    expect(max(layer.linear1.weight)).toBeLessThanOrEqual(1 / Math.sqrt(8));
    expect(max(layer.linear1.bias)).toBeGreaterThan(0); // PyTorch's Linear bias is U(±1/√in), not zero
    expect(max(layer.linear2.bias)).toBeLessThanOrEqual(1 / Math.sqrt(32));
    expect(layer.dropout.p).toBe(0.1);
    expect(layer.self_attn.dropout).toBe(0.1);
    expect(new nn.TransformerEncoderLayer(8, 2).linear1.outFeatures).toBe(2048);
  });

  it("an explicit causal mask (−∞ above the diagonal, or bool true there) equals isCausal", () => {
    const c = fixture.cases.tel_pre_norm_gelu_causal as TelCase;
    const layer = new nn.TransformerEncoderLayer(c.dModel, c.nHead, {
      dimFeedforward: c.dimFeedforward,
      activation: c.activation,
      normFirst: c.normFirst,
    });
    layer.loadStateDict(stateOf(c));
    layer.eval();
    const src = load(c.inputs.src as Stored);
    const L = src.shape[1] as number;
    const above = Array.from({ length: L }, (_, i) => Array.from({ length: L }, (_, j) => j > i));
    const floatMask = tensor(above.map((r) => r.map((b) => (b ? Number.NEGATIVE_INFINITY : 0))));
    const boolMask = tensor(above, { dtype: "bool" });
    expectAllClose(layer.forward(src, { srcMask: floatMask }), load(c.out), TOL);
    expectAllClose(layer.forward(src, { srcMask: boolMask }), load(c.out), TOL);
  });

  it("an unbatched [L, E] input (padding mask [S]) equals a batch of one", () => {
    manualSeed(1);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }).eval();
    const x = filled([5, 8]);
    const pad = [false, false, true, false, false];
    const y = layer.forward(x, { srcKeyPaddingMask: tensor(pad, { dtype: "bool" }) });
    const yb = layer.forward(x.unsqueeze(0), { srcKeyPaddingMask: tensor([pad], { dtype: "bool" }) });
    expect(y.shape).toEqual([5, 8]);
    expectAllClose(y, yb.squeeze(0), 1e-14);
  });

  it("dropout: training differs from eval and is reproducible with the seed", () => {
    manualSeed(2);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.2 });
    const x = filled([2, 4, 8]);
    manualSeed(11);
    const a = layer.forward(x);
    manualSeed(11);
    const b = layer.forward(x);
    expect(a.toArray()).toEqual(b.toArray());
    layer.eval();
    const e = layer.forward(x);
    expect(e.toArray()).toEqual(layer.forward(x).toArray());
    expect(e.toArray()).not.toEqual(a.toArray());
  });

  it("passes gradcheck for its input (pre-norm, gelu, causal) and runs in float32", () => {
    manualSeed(9);
    const layer = new nn.TransformerEncoderLayer(4, 2, {
      dimFeedforward: 6,
      activation: "gelu",
      normFirst: true,
    }).eval();
    const f = (x: Tensor) =>
      layer
        .forward(x, { isCausal: true })
        .mul(filled([2, 3, 4], 5))
        .sum();
    expect(gradcheck(f, [filled([2, 3, 4])]).ok).toBe(true);
    const l32 = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dtype: "float32" });
    expect(l32.forward(filled([3, 4]).astype("float32")).dtype).toBe("float32");
  });

  it("bad arguments throw ChainruleError naming the layer", () => {
    expect(() => new nn.TransformerEncoderLayer(10, 4)).toThrow(
      "TransformerEncoderLayer: dModel 10 must be divisible by nHead 4",
    );
    expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: "tanh" as unknown as "relu" })).toThrow(
      /TransformerEncoderLayer.*activation/,
    );
    expect(() => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 0 })).toThrow(
      /dimFeedforward must be a positive integer/,
    );
    expect(() => new nn.TransformerEncoderLayer(8, 2, { dropout: 1 })).toThrow(/dropout must be a number in/);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 4 });
    expect(() => layer.forward(filled([2, 3, 7]))).toThrow(
      "TransformerEncoderLayer: src must be [N, L, 8] or [L, 8], got [2,3,7]",
    );
  });
});
