/**
 * chainrule against PyTorch: every case of test/fixtures/torch-reference.json (written by
 * test/fixtures/generate_torch.py with PyTorch CPU in float64) is rebuilt here with chainrule's
 * ops, and its forward value and the gradient of every input are compared with PyTorch's.
 *
 * A case's gradients are ∂⟨out, gradOutput⟩/∂input for the random `gradOutput` stored with it,
 * so `out.backward(gradOutput)` must reproduce them. Cases named second_…/third_… differentiate
 * a gradient computed with `createGraph`, like `torch.autograd.grad(..., create_graph=True)`.
 *
 * Agreement rule, per element: |actual − expected| ≤ tol · max(|expected|, ‖expected‖∞ · 1e-3),
 * i.e. relative to the element itself, and relative to the tensor's scale only for elements a
 * thousand times smaller than its largest one (where a sum's cancellation leaves few digits to
 * compare). tol is 1e-12 unless the case documents a looser one (the error function, see the
 * generator's docstring).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  concat,
  div,
  gradients,
  losses,
  nn,
  outer,
  prelu,
  sign,
  stack,
  type Tensor,
  tensor,
  where,
} from "../../src/index";

interface Stored {
  shape: number[];
  data: number[];
}

interface Case {
  name: string;
  expr: string;
  tol: number;
  note?: string;
  inputs: Record<string, Stored>;
  consts: Record<string, Stored>;
  value: Stored;
  gradOutput: Stored;
  grads: Record<string, Stored | null>;
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/torch-reference.json", import.meta.url), "utf8"),
) as { torch: string; dtype: string; cases: Case[] };

type T = Record<string, Tensor>;

/** ∂(Σ y)/∂x for each x, differentiable again (the generator's `grad_of`). */
const gradOf = (y: Tensor, xs: Tensor[]): Tensor[] =>
  gradients(y.sum(), xs, { createGraph: true }) as Tensor[];

/** prod_cumprod's expression: x.prod(1, keepdim)·w + x.prod(0) + x.prod() + x.cumprod(1)·w + x.cumprod(0). */
const prods = (x: Tensor, w: Tensor): Tensor =>
  x.prod(1, true).mul(w).add(x.prod(0)).add(x.prod()).add(x.cumprod(1).mul(w)).add(x.cumprod(0));

/**
 * Each case rebuilt with chainrule (PyTorch's expression is in the fixture's `expr`).
 * `i` holds the inputs (leaves that require grad), `c` the constants (labels, indices, masks).
 */
const builders: Record<string, (i: T, c: T) => Tensor> = {
  // elementwise, with broadcasting
  add_broadcast: ({ a, b }) => a!.add(b!),
  sub_broadcast_both: ({ a, b }) => a!.sub(b!),
  mul_outer_broadcast: ({ a, b }) => a!.mul(b!),
  div_broadcast: ({ a, b }) => a!.div(b!),
  pow_tensor_exponent: ({ a, b }) => a!.pow(b!),
  pow_scalar_exponents: ({ x }) =>
    x!
      .pow(3)
      .add(x!.abs().pow(2.5))
      .sub(div(1, x!.pow(2)) as Tensor),
  exp_log_sqrt: ({ a, b }) => a!.exp().mul(b!.log()).add(b!.sqrt()),
  sin_cos_neg: ({ x }) => x!.sin().mul(x!.mul(2).cos()).sub(x!),
  tanh_sigmoid: ({ x }) => x!.tanh().add(x!.mul(3).sigmoid()),
  relu_abs_kinks: ({ x }) => x!.relu().add(x!.abs().mul(2)),
  leaky_relu: ({ x }) => x!.leakyRelu(0.1),
  gelu_exact: ({ x }) => x!.gelu(),
  softplus_threshold: ({ x }) => x!.softplus(),
  maximum_minimum_ties: ({ a, b }) => a!.maximum(b!).add(a!.minimum(b!).mul(2)),
  maximum_broadcast: ({ a, b }) => a!.maximum(b!),
  clamp_bounds_inclusive: ({ x }) => x!.clamp(-0.5, 0.5).add(x!.clamp(0).mul(3)),
  where_broadcast: ({ a, b }, { cond }) => where(cond!, a!.mul(a!), b!),

  // the elementwise ops of SPEC §8
  selu_extremes: ({ x }) => x!.selu(),
  silu_extremes: ({ x }) => x!.silu(),
  mish_extremes: ({ x }) => x!.mish(),
  hardtanh_bounds: ({ x }) => x!.hardtanh().add(x!.hardtanh(-0.5, 0.25).mul(2)),
  log1p_expm1: ({ a, b }) => a!.log1p().mul(b!.expm1()),
  reciprocal_rsqrt: ({ a, b }) => a!.reciprocal().add(b!.rsqrt()),
  tan_atan: ({ x }) => x!.tan().add(x!.mul(3).atan()),
  asin_acos: ({ x, y }) => x!.asin().mul(y!.acos()),
  sinh_cosh: ({ x }) => x!.sinh().add(x!.cosh().mul(2)),
  floor_ceil_round_trunc: ({ x }) =>
    x!.floor().add(x!.ceil().mul(2)).add(x!.round().mul(3)).add(x!.trunc().mul(4)).add(x!),
  atan2_broadcast: ({ a, b }) => a!.atan2(b!),
  remainder_sign_rule: ({ a, b }) => a!.remainder(b!),
  remainder_broadcast: ({ a, b }) => a!.remainder(b!).add(a!.remainder(-0.75)),
  elu_alpha: ({ x }) => x!.elu().add(x!.elu(0.5).mul(2)),
  prelu_channels: ({ x, w }) => x!.prelu(w!),
  prelu_shared: ({ x, v, w }) => concat([prelu(x!, w!).mul(2).reshape(-1), v!.prelu(w!)]),
  outer_sign: ({ a, b }) => outer(a!, b!).mul(b!.sign()).add(sign(a!).unsqueeze(1)),

  // reductions
  sum_axis_keepdim: ({ x }) => x!.sum(1, true).mul(x!),
  sum_multi_axis: ({ x }) => x!.sum([0, 2]),
  mean_negative_axis: ({ x }) => x!.mean(-1).mul(x!.mean()),
  standardize: ({ x }) => {
    const mu = x!.mean(-1, true);
    const variance = x!.sub(mu).pow(2).mean(-1, true);
    return x!.sub(mu).div(variance.add(1e-5).sqrt());
  },
  amax_axis_ties: ({ x }) => x!.max(1),
  amax_keepdim_multi_axis: ({ x }) => x!.max([0, 2], true),
  amin_full_ties: ({ x }) => x!.min(),
  logsumexp_large: ({ x }) => x!.logSumExp(1, true),
  logsumexp_all: ({ x }) => x!.logSumExp([0, 1]),
  softmax_dim0: ({ x }) => x!.softmax(0),
  log_softmax_last: ({ x }) => x!.logSoftmax(-1),
  cross_entropy_composed: ({ z }, { labels }) => z!.logSoftmax(1).gather(1, labels!).sum().neg(),

  // linear algebra
  matmul_2d: ({ a, b }) => a!.matmul(b!),
  matmul_batched_broadcast: ({ a, b }) => a!.matmul(b!),
  matmul_vectors: ({ v, M, w }) => v!.matmul(M!).matmul(w!),
  matmul_matrix_vector_batched: ({ A, v }) => A!.matmul(v!),
  transpose_permute: ({ x, w }) => x!.permute(2, 0, 1).mul(w!).add(x!.transpose(0, 2).transpose(1, 2)),

  // shape and indexing
  gather_repeated: ({ x }, { idx }) => x!.gather(1, idx!),
  gather_axis0: ({ x }, { idx }) => x!.gather(0, idx!),
  index_select_repeated: ({ x }, { rows, cols }) =>
    x!.indexSelect(0, rows!).sum(0).add(x!.indexSelect(1, cols!).sum()),
  slice_concat_stack: ({ x, y }) => {
    const joined = concat([x!.slice(1, 1, 3), y!], 1);
    const stacked = stack([x!.slice(1, -2), y!.slice(1, 0, 2)], 1);
    return joined.sum(1).add(stacked.sum([1, 2]));
  },
  reshape_expand_squeeze: ({ x, w }) =>
    x!.reshape(2, 3, 1).expand(2, 3, 4).mul(w!).unsqueeze(0).squeeze(0).flatten().mul(2),

  // small models
  mlp_tanh_mse: ({ x, W1, b1, W2, b2 }, { y }) =>
    x!.matmul(W1!).add(b1!).tanh().matmul(W2!).add(b2!).sub(y!).pow(2).mean(),
  bce_with_logits_composed: ({ z }, { y }) => z!.softplus().sub(y!.mul(z!)).mean(),

  // shape ops of SPEC §8
  flip_roll: ({ x, w }) => x!.flip(0, 2).mul(w!).add(x!.roll(2, 1)).add(x!.roll(-3)),
  triu_tril: ({ x, w }) => x!.triu(-1).mul(w!).add(x!.matmul(w!).tril(1)),

  cumsum_var_std: ({ x, w }) =>
    x!
      .cumsum(1)
      .mul(w!)
      .add(x!.var(0))
      .add(x!.std(1, { correction: 0, keepDims: true })),

  prod_cumprod: ({ x, w }) => prods(x!, w!),
  prod_cumprod_zeros: ({ x, w }) => prods(x!, w!),
  second_prod_cumprod_zeros: ({ x, v, w }) =>
    gradOf(x!.prod(1).mul(v!), [x!])[0]!.add(gradOf(x!.cumprod(1).mul(w!), [x!])[0]!),
  vector_norm: ({ x, w }) =>
    x!
      .norm(2, 1, true)
      .mul(w!)
      .add(x!.norm(1, 0))
      .add(x!.norm(Number.POSITIVE_INFINITY, 0))
      .add(x!.norm(Number.NEGATIVE_INFINITY, 1, true))
      .add(x!.norm(3))
      .add(x!.norm(0.5, 0))
      .add(x!.norm(-1.5, 1, true))
      .add(x!.norm(1.5))
      .add(x!.norm(0, 0)),
  vector_norm_zeros: ({ x, w }) =>
    x!
      .norm(2, 1, true)
      .mul(w!)
      .add(x!.norm(1, 1, true))
      .add(x!.norm(3, 1, true))
      .add(x!.norm(1.5, 1, true))
      .add(x!.norm(0.5, 0))
      .add(x!.norm(Number.POSITIVE_INFINITY, 1, true)),
  second_vector_norm: ({ x, v, w }) =>
    gradOf(x!.norm(2, 1).mul(v!).sum().add(x!.norm(3, 0).mul(w!).sum()).add(x!.norm(0.5)), [x!])[0]!,
  sort_topk: ({ x, w }) => {
    const up = x!.sort(0);
    return up.values
      .mul(w!)
      .add(x!.sort(1, { descending: true }).values)
      .add(x!.topk(2, 1).values.sum(1, true))
      .add(x!.topk(3, 1, { largest: false }).values.sum(1, true).mul(0.5))
      .add(up.indices.astype("float64").mul(0.25))
      .add(x!.argsort(0, { descending: true }).astype("float64"));
  },
  second_sort_topk: ({ x, w }) =>
    gradOf(x!.sort(1).values.pow(2).mul(w!).sum().add(x!.topk(2, 0).values.pow(3).sum()), [x!])[0]!,

  pad_modes: ({ x, w }) =>
    concat(
      [
        x!.pad([1, 2, -1, 1], { value: 0.5 }),
        x!.pad([2, 1, 1, 0], { mode: "reflect" }).mul(x!.pad([1, 2, 0, 1], { mode: "replicate" })),
      ],
      1,
    ).mul(w!),
  masked_scatter: ({ x, v, s }, { m, idx, cols }) => {
    const a = x!.maskedFill(m!, v!);
    const b = x!.slice(0, 1, 2).squeeze(0).maskedSelect(m!);
    const c = x!.scatter(0, idx!, s!);
    const d = x!.scatter(1, cols!, 0.5);
    return concat([a.mul(c).add(d).flatten(), b.mul(b)]);
  },
  repeat_tile_split_chunk: ({ x, w }) => {
    const [a, b] = x!.split([1, 2], 1) as [Tensor, Tensor];
    const [c, d] = x!.chunk(2, 0) as [Tensor, Tensor];
    return x!
      .repeat(2, 1, 3)
      .mul(w!)
      .sum(0)
      .add(concat([b, a.mul(3)], 1).tile(1, 3))
      .add(concat([d, c], 0).tile(3));
  },

  // losses of SPEC §8
  l1_loss: ({ p, t }) => losses.l1(p!, t!),
  huber_loss_delta: ({ p, t }) => losses.huber(p!, t!, { delta: 0.7, reduction: "sum" }),
  smooth_l1_loss_beta: ({ p, t }) => losses.smoothL1(p!, t!, { beta: 0.5, reduction: "none" }),
  kl_div_probabilities: ({ x, z }) => losses.klDiv(x!.logSoftmax(1), z!.softmax(1)),
  kl_div_log_target: ({ x, t }) => losses.klDiv(x!, t!, { reduction: "sum", logTarget: true }),
  cosine_similarity_rows: ({ a, b }) => losses.cosineSimilarity(a!, b!),
  cosine_embedding_loss: ({ a, b }, { y }) => losses.cosineEmbedding(a!, b!, y!, { margin: 0.1 }),

  // second and third derivatives
  second_hvp_logsumexp: ({ x, W }) => gradOf(x!.matmul(W!).logSumExp(1), [x!])[0]!,
  second_gradient_penalty_mlp: ({ x, W1, b1, w2 }) => {
    const [gx] = gradOf(x!.matmul(W1!).add(b1!).tanh().matmul(w2!), [x!]);
    return gx!.pow(2).sum();
  },
  second_gelu_softplus: ({ x }) => gradOf(x!.gelu().mul(x!.softplus()), [x!])[0]!,
  second_div_sqrt_two_inputs: ({ a, b }) => {
    const [ga, gb] = gradOf(a!.sqrt().div(b!.pow(2)).add(a!.mul(b!)), [a!, b!]);
    return concat([ga!, gb!]);
  },
  second_softmax_cross_entropy: ({ z }, { y }) => gradOf(y!.mul(z!.logSoftmax(1)).neg(), [z!])[0]!,
  second_sigmoid_batched_matmul: ({ A, B }) => gradOf(A!.matmul(B!).sigmoid().pow(2), [A!])[0]!,
  second_piecewise: ({ x }) => {
    const y = x!
      .mul(x!)
      .max(1)
      .sum()
      .add(x!.clamp(-0.5, 0.5).pow(3).sum())
      .add(where(x!.gt(0), x!.pow(3), x!.pow(2)).sum());
    return gradOf(y, [x!])[0]!;
  },
  second_maximum_exp_log: ({ x }) =>
    gradOf(x!.exp().maximum(x!.add(1)).mul(x!.mul(x!).add(1).log()), [x!])[0]!,
  second_selu_silu_mish: ({ x }) => gradOf(x!.selu().mul(x!.silu()).add(x!.mul(2).mish()), [x!])[0]!,
  second_trig_log: ({ x }) => {
    const y = x!
      .tan()
      .add(x!.div(2).asin().mul(x!.div(3).acos()))
      .add(x!.atan())
      .add(x!.sinh().mul(x!.cosh()))
      .add(x!.mul(x!).log1p())
      .add(x!.expm1())
      .add(x!.mul(x!).add(1).rsqrt())
      .add(x!.add(3).reciprocal());
    return gradOf(y, [x!])[0]!;
  },
  second_elu_prelu: ({ x, w }) => {
    const [gx, gw] = gradOf(x!.elu(0.7).mul(x!).add(x!.prelu(w!).mul(x!).mul(x!)), [x!, w!]);
    return concat([gx!.reshape(-1), gw!]);
  },
  second_atan2_remainder_hardtanh: ({ a, b }) => {
    const y = a!.atan2(b!).mul(a!).add(a!.remainder(b!).mul(b!)).add(a!.mul(b!).hardtanh());
    const [ga, gb] = gradOf(y, [a!, b!]);
    return concat([ga!, gb!]);
  },
  // nn layers (SPEC §9)
  nn_layer_norm: ({ x, w, b, v }) =>
    concat([nn.layerNorm(x!, [3, 4], w, b).reshape(-1), nn.layerNorm(v!, 5, null, null, 1e-3).reshape(-1)]),
  nn_batch_norm_train: ({ x, w, b }, { rm, rv }) => {
    const [m, v] = [rm!.clone(), rv!.clone()];
    const y = nn.batchNorm(x!, m, v, w, b, { training: true, momentum: 0.3, eps: 1e-3 });
    return concat([y.reshape(-1), m, v]);
  },
  nn_batch_norm_eval: ({ x, w, b }, { rm, rv }) => nn.batchNorm(x!, rm!, rv!, w, b),
  nn_group_norm: ({ x, w, b }) => nn.groupNorm(x!, 2, w, b),
  nn_pools: ({ x }) =>
    concat([
      nn.maxPool2d(x!, 2).reshape(-1),
      nn.maxPool2d(x!, [3, 2], { stride: 1, padding: 1, dilation: [1, 2] }).reshape(-1),
      nn.avgPool2d(x!, 3, { stride: 2, padding: 1 }).reshape(-1),
      nn.adaptiveAvgPool2d(x!, [2, 3]).reshape(-1),
    ]),
  nn_embedding_padding: ({ w }, { idx }) => nn.embedding(idx!, w!, 1).mul(2),
  second_layer_norm: ({ x, w, b }, { c }) => {
    const [gx, gw, gb] = gradOf(nn.layerNorm(x!, [4], w, b).pow(2).mul(c!), [x!, w!, b!]);
    return concat([gx!.reshape(-1), gw!, gb!]);
  },
  // convolution (SPEC §9)
  nn_conv2d_bias: ({ x, w, b }) => nn.conv2d(x!, w!, b!, { padding: 1 }),
  nn_conv2d_stride_dilation: ({ x, w }) =>
    nn.conv2d(x!, w!, null, { stride: [2, 1], padding: [1, 2], dilation: [2, 1] }),
  nn_conv2d_groups: ({ x, w, b }) => nn.conv2d(x!, w!, b!, { stride: 2, groups: 2 }),
  nn_conv2d_same: ({ x, w, b }) => nn.conv2d(x!, w!, b!, { padding: "same", dilation: [1, 2] }),
  nn_conv1d: ({ x, w, b }) => nn.conv1d(x!, w!, b!, { stride: 2, padding: 1, dilation: 2 }),
  nn_conv1d_same_groups: ({ x, w }) => nn.conv1d(x!, w!, null, { padding: "same", groups: 2 }),
  nn_unfold: ({ x }) => nn.unfold(x!, [2, 3], { dilation: [1, 2], padding: 1, stride: 2 }),
  nn_fold: ({ c }) => nn.fold(c!, [4, 5], [2, 3], { dilation: [1, 2], padding: 1, stride: 2 }),
  second_conv2d: ({ x, w, b }, { c }) => {
    const [gx, gw, gb] = gradOf(nn.conv2d(x!, w!, b!, { padding: 1, groups: 2 }).pow(2).mul(c!), [
      x!,
      w!,
      b!,
    ]);
    return concat([gx!.reshape(-1), gw!.reshape(-1), gb!]);
  },
  third_tanh: ({ x }) => {
    const [g1] = gradOf(x!.tanh().mul(x!), [x!]);
    return gradOf(g1!, [x!])[0]!;
  },
};

const load = (s: Stored, requiresGrad = false): Tensor =>
  tensor(Float64Array.from(s.data), { shape: s.shape, requiresGrad });

/** Checks the agreement rule above, naming the first offending element. */
function expectMatches(actual: Tensor | null, expected: Stored, tol: number, what: string): void {
  expect(actual, what).not.toBeNull();
  const a = actual as Tensor;
  expect(a.shape, `${what} shape`).toEqual(expected.shape);
  expect(a.dtype, `${what} dtype`).toBe("float64");
  const scale = expected.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const got = a.data;
  expected.data.forEach((e, k) => {
    const v = got[k] as number;
    const bound = tol * Math.max(Math.abs(e), scale * 1e-3);
    if (!(Math.abs(v - e) <= bound)) {
      expect.fail(`${what}[${k}]: chainrule ${v}, PyTorch ${e} (error ${Math.abs(v - e)}, allowed ${bound})`);
    }
  });
}

describe(`chainrule matches PyTorch ${fixture.torch} (${fixture.dtype})`, () => {
  it("has a chainrule builder for every fixture case and a fixture case for every builder", () => {
    expect(fixture.dtype).toBe("float64");
    expect(fixture.cases.length).toBeGreaterThanOrEqual(40);
    expect(fixture.cases.map((c) => c.name).sort()).toEqual(Object.keys(builders).sort());
  });

  it("documents every tolerance looser than 1e-12", () => {
    for (const c of fixture.cases) {
      expect(c.tol, c.name).toBeLessThanOrEqual(1e-10);
      if (c.tol > 1e-12) expect(c.note, c.name).toBeTruthy();
    }
  });

  for (const c of fixture.cases) {
    it(`${c.name}: ${c.expr}`, () => {
      const build = builders[c.name];
      if (!build) throw new Error(`no chainrule builder for ${c.name}`);
      const inputs: T = {};
      for (const [k, s] of Object.entries(c.inputs)) inputs[k] = load(s, true);
      const consts: T = {};
      for (const [k, s] of Object.entries(c.consts)) consts[k] = load(s);

      const out = build(inputs, consts);
      expectMatches(out, c.value, c.tol, "value");

      out.backward(load(c.gradOutput));
      for (const [k, g] of Object.entries(c.grads)) {
        if (g === null) expect(inputs[k]!.grad, `∂/∂${k}`).toBeNull();
        else expectMatches(inputs[k]!.grad, g, c.tol, `∂/∂${k}`);
      }
    });
  }
});
