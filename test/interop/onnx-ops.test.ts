/**
 * `exportOnnx`, op by op: every op with an ONNX form is traced on one set of inputs, run by ONNX
 * Runtime on another (so nothing of the traced values may be baked in), and compared with
 * chainrule's forward pass: 1e-9 relative in float64, 1e-5 in float32. ONNX Runtime's CPU build
 * has no float64 kernel for some ops (cos, erf, conv, …): those are checked in float32 only.
 */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  exportOnnx,
  losses,
  manualSeed,
  maximum,
  minimum,
  nn,
  randn,
  stack,
  type Tensor,
  tensor,
  where,
} from "../../src/index";
import { mm } from "../../src/tensor/ops/linalg";

type Dtype = "float32" | "float64";
type Case = [f: (...xs: Tensor[]) => Tensor, shapes: number[][]];

const ids = (v: number[][] | number[]) => tensor(v, { dtype: "int32" });

/** Modules built once, outside the traced function (so their state is fixed). */
function modules(dtype: Dtype) {
  manualSeed(11);
  const batchNorm = new nn.BatchNorm2d(3, { dtype });
  batchNorm.forward(randn([4, 3, 4, 4], { dtype }).mul(2).add(1)); // running statistics ≠ 0 and 1
  batchNorm.eval();
  return {
    linear: new nn.Linear(4, 2, { dtype }),
    conv1d: new nn.Conv1d(3, 4, 3, { padding: 1, stride: 2, dtype }),
    conv2d: new nn.Conv2d(4, 6, 3, { padding: 2, dilation: 2, groups: 2, dtype }),
    batchNorm,
    layerNorm: new nn.LayerNorm([4], { dtype }),
    groupNorm: new nn.GroupNorm(2, 4, { dtype }),
  };
}

function cases(m: ReturnType<typeof modules>): Record<string, Case> {
  const x34 = [[3, 4]];
  const two34 = [
    [3, 4],
    [3, 4],
  ];
  return {
    sin: [(x) => x.sin(), x34],
    cos: [(x) => x.cos(), x34],
    tan: [(x) => x.tan(), x34],
    asin: [(x) => x.tanh().asin(), x34],
    acos: [(x) => x.tanh().acos(), x34],
    atan: [(x) => x.atan(), x34],
    sinh: [(x) => x.sinh(), x34],
    cosh: [(x) => x.cosh(), x34],
    erf: [(x) => x.erf(), x34],
    sign: [(x) => x.sign().add(x), x34],
    floor: [(x) => x.mul(3).floor().add(x), x34],
    ceil: [(x) => x.mul(3).ceil().add(x), x34],
    round: [(x) => x.mul(3).round().add(x), x34],
    trunc: [(x) => x.mul(3).trunc().add(x), x34],
    reciprocal: [(x) => x.reciprocal(), x34],
    rsqrt: [(x) => x.abs().rsqrt(), x34],
    square: [(x) => x.square(), x34],
    expm1: [(x) => x.expm1(), x34],
    log1p: [(x) => x.abs().log1p(), x34],
    softplus: [(x) => x.mul(30).softplus(), x34],
    silu: [(x) => x.silu(), x34],
    mish: [(x) => x.mish(), x34],
    gelu: [(x) => x.gelu(), x34],
    leakyRelu: [(x) => x.leakyRelu(0.01), x34],
    elu: [(x) => x.elu(0.7), x34],
    selu: [(x) => x.selu(), x34],
    clamp: [(x) => x.clamp(-0.5, 0.5), x34],
    "clamp (lower bound only)": [(x) => x.clamp(-0.5), x34],
    hardtanh: [(x) => x.hardtanh(), x34],
    clone: [(x) => x.clone().add(1), x34],
    "maximum (broadcast)": [(x, y) => maximum(x, y), [[3, 4], [4]]],
    "minimum (broadcast)": [
      (x, y) => minimum(x, y),
      [
        [3, 4],
        [3, 1],
      ],
    ],
    "where on a comparison of the inputs": [(x, y) => where(x.gt(y), x, y), two34],
    floorDivide: [(x, y) => x.floorDivide(y.abs().add(0.5)).add(x), two34],
    "remainder (Python's sign rule)": [(x, y) => x.remainder(y), two34],
    prelu: [(x, w) => x.prelu(w), [[2, 3, 4], [3]]],
    "eq, ne": [(x) => where(x.round().eq(0), x, where(x.round().ne(1), x.neg(), x.mul(2))), x34],
    "lt ge le, logical and/or/xor/not": [
      (x, y) => where(x.lt(y).logicalAnd(x.ge(0)).logicalOr(x.le(-1)).logicalXor(y.gt(0)).logicalNot(), x, y),
      two34,
    ],
    max: [(x) => x.max(1), x34],
    "min (keepDims)": [(x) => x.min([0, 1], true), x34],
    prod: [(x) => x.prod(1), x34],
    "logSumExp (large values)": [(x) => x.mul(50).logSumExp(1), x34],
    "norm p=1": [(x) => x.norm(1, 1), x34],
    "norm p=2": [(x) => x.norm(2, 1), x34],
    "norm p=∞": [(x) => x.norm(Number.POSITIVE_INFINITY, 1), x34],
    argmax: [(x) => x.argmax(1).astype(x.dtype).add(x.sum(1)), x34],
    argmin: [(x) => x.argmin(0, true).astype(x.dtype).add(x), x34],
    "mm with transposes": [
      (x, y) => mm(x, y, false, true),
      [
        [3, 4],
        [2, 4],
      ],
    ],
    "batched matmul": [
      (x, y) => x.matmul(y),
      [
        [2, 3, 4],
        [4, 2],
      ],
    ],
    "linear on 3-D input": [(x) => m.linear.forward(x), [[2, 3, 4]]],
    "unsqueeze, squeeze, flatten": [(x) => x.unsqueeze(1).squeeze(1).flatten(), x34],
    expand: [(x) => x.expand([2, 3, 4]), [[3, 1]]],
    stack: [(x, y) => stack([x, y], 1), two34],
    flip: [(x) => x.flip(0, 1), x34],
    roll: [(x) => x.roll(-1, 1), x34],
    triu: [(x) => x.triu(1), x34],
    tril: [(x) => x.tril(-1), [[2, 3, 4]]],
    "pad (constant)": [(x) => x.pad([1, 2, 0, 1], { value: 3 }), [[2, 3, 4]]],
    "pad (reflect)": [(x) => x.pad([1, 2], { mode: "reflect" }), [[2, 3, 4]]],
    "pad (replicate)": [(x) => x.pad([1, 2], { mode: "replicate" }), [[2, 3, 4]]],
    indexSelect: [(x) => x.indexSelect(1, ids([0, 2, 2])), x34],
    gather: [
      (x) =>
        x.gather(
          1,
          ids([
            [0, 3],
            [1, 1],
            [2, 0],
          ]),
        ),
      x34,
    ],
    conv1d: [(x) => m.conv1d.forward(x), [[2, 3, 9]]],
    "conv2d (groups, dilation, padding)": [(x) => m.conv2d.forward(x), [[2, 4, 7, 6]]],
    "batchNorm2d in eval mode": [(x) => m.batchNorm.forward(x), [[2, 3, 4, 4]]],
    layerNorm: [(x) => m.layerNorm.forward(x), [[2, 3, 4]]],
    groupNorm: [(x) => m.groupNorm.forward(x), [[2, 4, 3, 3]]],
    cumsum: [(x) => x.cumsum(1), x34],
    "huber loss (δ = 0.5)": [(x, y) => losses.huber(x, y, { delta: 0.5 }), two34],
    "smoothL1 loss (β = 0.7, sum)": [(x, y) => losses.smoothL1(x, y, { beta: 0.7, reduction: "sum" }), two34],
    "smoothL1 loss (β = 0)": [(x, y) => losses.smoothL1(x, y, { beta: 0 }), two34],
    "hinge loss": [(x, y) => losses.hinge(x, y.sign()), two34],
    "klDiv loss": [
      (x, y) => losses.klDiv(x.logSoftmax(1), y.softmax(1).mul(y.gt(0)), { reduction: "sum" }),
      two34,
    ],
    "klDiv loss (logTarget)": [
      (x, y) => losses.klDiv(x.logSoftmax(1), y.logSoftmax(1), { logTarget: true }),
      two34,
    ],
    "mse loss": [(x, y) => losses.mse(x, y), two34],
    "l1 loss (sum)": [(x, y) => losses.l1(x, y, { reduction: "sum" }), two34],
    "bce loss": [(x, y) => losses.bce(x.sigmoid(), y.sigmoid()), two34],
    "bceWithLogits loss (none)": [
      (x, y) => losses.bceWithLogits(x.mul(40), y.sigmoid(), { reduction: "none" }),
      two34,
    ],
  };
}

/** Ops whose ONNX Runtime CPU kernels are float32 only. */
const FLOAT32_ONLY = new Set([
  "cos",
  "tan",
  "asin",
  "acos",
  "atan",
  "sinh",
  "cosh",
  "erf",
  "gelu",
  "conv1d",
  "conv2d (groups, dilation, padding)",
]);

async function ortForward(bytes: Uint8Array, xs: Tensor[], dtype: Dtype): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  xs.forEach((x, i) => {
    feeds[`x${i}`] = new ort.Tensor(dtype, x.data as Float32Array, [...x.shape]);
  });
  const out = await session.run(feeds);
  return out[session.outputNames[0] as string] as ort.Tensor;
}

describe("exportOnnx: each op, traced on one input and run by ONNX Runtime on another", () => {
  for (const dtype of ["float64", "float32"] as const) {
    const table = cases(modules(dtype));
    for (const [name, [f, shapes]] of Object.entries(table)) {
      if (dtype === "float64" && FLOAT32_ONLY.has(name)) continue;
      it(`${name} (${dtype})`, async () => {
        manualSeed(7);
        const traced = shapes.map((s) => randn(s, { dtype }));
        const bytes = exportOnnx(f, traced, { inputNames: traced.map((_, i) => `x${i}`) });
        manualSeed(8);
        const xs = shapes.map((s) => randn(s, { dtype }));
        const got = await ortForward(bytes, xs, dtype);
        const want = f(...xs);
        expect([...got.dims]).toEqual([...want.shape]);
        const w = want.data as Float64Array;
        const g = got.data as Float64Array;
        const scale = Math.max(1, ...Array.from(w, Math.abs));
        const tol = (dtype === "float64" ? 1e-9 : 1e-5) * scale;
        for (let i = 0; i < w.length; i++)
          expect(Math.abs((g[i] as number) - (w[i] as number))).toBeLessThanOrEqual(tol);
      });
    }
  }
});

describe("exportOnnx: what it refuses", () => {
  it("an int32 input (token ids) cannot be traced and says so", () => {
    const emb = new nn.Embedding(10, 4);
    expect(() => exportOnnx(emb, [ids([[1, 2]])])).toThrow(ChainruleError);
    expect(() => exportOnnx(emb, [ids([[1, 2]])])).toThrow(
      /input 0 \(input\) is int32 \[1, 2\]; only float32 and float64/,
    );
  });

  it("dropout in training mode, naming the fix", () => {
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.Dropout(0.5));
    expect(() => exportOnnx(model, [randn([1, 2])])).toThrow(/op "dropout" in training mode .*eval\(\)/);
  });

  it("maskedFill, whose mask is recorded as positions", () => {
    const f = (x: Tensor) => x.maskedFill(x.gt(0), 0);
    expect(() => exportOnnx(f, [randn([3])])).toThrow(/op "maskedFill" has no ONNX form/);
  });

  it("a norm with p other than 1, 2 and ∞", () => {
    expect(() => exportOnnx((x: Tensor) => x.norm(3), [randn([3])])).toThrow(/op "norm" with p = 3/);
  });
});
