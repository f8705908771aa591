/**
 * SPEC §9 transposed convolution: `nn.convTranspose2d` and `nn.ConvTranspose2d`. Values and
 * gradients against PyTorch 2.13 (float64) from test/fixtures/conv-transpose-reference.json
 * (regenerate with `python3 test/fixtures/generate_conv_transpose.py`; these tests only read the
 * JSON); gradcheck/gradgradcheck of the op in test/tensor/op-table.test.ts. Here: the adjoint
 * property, hand values, PyTorch's values, first and second derivatives, the module's
 * parameters, init and state dict, and errors.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { concat, gradcheck, gradients, manualSeed, nn, type Tensor, tensor, zeros } from "../../src/index";
import { expectAllClose } from "../helpers/close";
import { filled, message } from "../helpers/layers";

type Nested = number | Nested[];

interface FunctionalCase {
  name: string;
  options: nn.ConvTranspose2dOptions;
  inputs: { x: Nested; w: Nested; b?: Nested };
  value: Nested;
  gradOutput: Nested;
  grads: { x: Nested; w: Nested; b?: Nested };
}

interface Reference {
  torch: string;
  cases: FunctionalCase[];
  second: {
    name: string;
    options: nn.ConvTranspose2dOptions;
    inputs: { x: Nested; w: Nested; b: Nested };
    c: Nested;
    r: Nested;
    value: Nested;
    grads: { x: Nested; w: Nested; b: Nested };
  };
  module: {
    init: {
      inChannels: number;
      outChannels: number;
      kernelSize: [number, number];
      options: nn.ConvTranspose2dOptions;
    };
    stateDict: Record<string, { shape: number[]; dtype: "float64"; data: number[] }>;
    x: Nested;
    value: Nested;
    gradOutput: Nested;
    grads: { x: Nested; weight: Nested; bias: Nested };
    outputSize: [number, number];
    valueAtOutputSize: Nested;
  };
}

const ref = JSON.parse(
  readFileSync(new URL("../fixtures/conv-transpose-reference.json", import.meta.url), "utf8"),
) as Reference;

const TOL = 1e-12;

describe("convTranspose2d", () => {
  it("spreads each input pixel over a kernel-sized block, stride apart (hand values)", () => {
    const x = tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    const w = tensor([
      [
        [
          [1, 10],
          [100, 1000],
        ],
      ],
    ]);
    const y = nn.convTranspose2d(x, w);
    expect(y.op).toBe("convTranspose2d");
    expect(y.toArray()).toEqual([
      [
        [
          [1, 12, 20],
          [103, 1234, 2040],
          [300, 3400, 4000],
        ],
      ],
    ]);
    // stride 2 and padding 1 crop one row/column from each side; outputPadding adds one back below/right
    expect(
      nn.convTranspose2d(x, w, tensor([0.5]), { stride: 2, padding: 1, outputPadding: 1 }).toArray(),
    ).toEqual([
      [
        [
          [1000.5, 200.5, 2000.5],
          [30.5, 4.5, 40.5],
          [3000.5, 400.5, 4000.5],
        ],
      ],
    ]);
  });

  it("is the adjoint of conv2d in its input: ⟨convTranspose2d(x, W), y⟩ = ⟨x, conv2d(y, W)⟩", () => {
    const options = {
      stride: [2, 1] as [number, number],
      padding: [1, 0] as [number, number],
      dilation: 2,
      groups: 2,
    };
    const w = filled([4, 3, 3, 2], 2);
    const x = filled([2, 4, 3, 4], 3);
    const up = nn.convTranspose2d(x, w, null, { ...options, outputPadding: [1, 0] });
    expect(up.shape).toEqual([2, 6, 8, 6]);
    const y = filled(up.shape as number[], 4);
    const down = nn.conv2d(y, w, null, options);
    expect(down.shape).toEqual(x.shape);
    expectAllClose(up.mul(y).sum().item(), x.mul(down).sum().item(), 1e-12);
  });

  it("makes one node on x, weight and bias; unbatched [C, H, W] inputs squeeze around it", () => {
    const x = filled([2, 3, 3]);
    const w = filled([2, 4, 2, 2], 2);
    const b = filled([4], 3);
    const batched = nn.convTranspose2d(x.unsqueeze(0), w, b, { stride: 2 });
    expect([batched.op, batched.parents.length]).toEqual(["convTranspose2d", 3]);
    const y = nn.convTranspose2d(x, w, b, { stride: 2 });
    expect(y.shape).toEqual([4, 6, 6]);
    expect(y.toArray()).toEqual(batched.squeeze(0).toArray());
  });

  it("keeps float32 inputs float32", () => {
    const x = filled([1, 2, 3, 3]).astype("float32");
    const w = filled([2, 1, 2, 2], 2).astype("float32");
    const y = nn.convTranspose2d(x, w, null, { stride: 2 });
    expect([y.dtype, y.shape]).toEqual(["float32", [1, 1, 6, 6]]);
  });

  describe.each(ref.cases)("matches PyTorch's F.conv_transpose2d: $name", (c) => {
    const inputs = () => {
      const x = tensor(c.inputs.x, { requiresGrad: true });
      const w = tensor(c.inputs.w, { requiresGrad: true });
      const b = c.inputs.b === undefined ? null : tensor(c.inputs.b, { requiresGrad: true });
      return { x, w, b };
    };

    it("in value (1e-12)", () => {
      const { x, w, b } = inputs();
      expectAllClose(nn.convTranspose2d(x, w, b, c.options), c.value, TOL);
    });

    it("in the gradients of x, weight and bias (1e-12)", () => {
      const { x, w, b } = inputs();
      nn.convTranspose2d(x, w, b, c.options).mul(tensor(c.gradOutput)).sum().backward();
      expectAllClose(x.grad, c.grads.x, TOL);
      expectAllClose(w.grad, c.grads.w, TOL);
      if (b !== null) expectAllClose(b.grad, c.grads.b, TOL);
      else expect(c.grads.b).toBeUndefined();
    });
  });

  it("matches PyTorch's second derivatives (gradients of the gradients of x and weight)", () => {
    const s = ref.second;
    const x = tensor(s.inputs.x, { requiresGrad: true });
    const w = tensor(s.inputs.w, { requiresGrad: true });
    const b = tensor(s.inputs.b, { requiresGrad: true });
    const y = nn.convTranspose2d(x, w, b, s.options);
    const [gx, gw] = gradients(y.mul(y).mul(tensor(s.c)).sum(), [x, w], { createGraph: true }) as [
      Tensor,
      Tensor,
    ];
    const f = concat([gx.reshape([-1]), gw.reshape([-1])]);
    expectAllClose(f, s.value, TOL);
    f.mul(tensor(s.r)).sum().backward();
    expectAllClose(x.grad, s.grads.x, TOL);
    expectAllClose(w.grad, s.grads.w, TOL);
    expectAllClose(b.grad, s.grads.b, TOL);
  });

  it("passes gradcheck on an unbatched input with every option", () => {
    const r = gradcheck(
      (x, w, b) =>
        nn.convTranspose2d(x, w, b, {
          stride: [2, 1],
          padding: [0, 1],
          outputPadding: [1, 0],
          groups: 2,
          dilation: [1, 2],
        }),
      [filled([2, 2, 3]), filled([2, 2, 2, 2], 2), filled([4], 3)],
    );
    expect(r.failures).toEqual([]);
  });

  it("throws ChainruleError naming convTranspose2d and the shapes", () => {
    const x = filled([1, 4, 3, 3]);
    const w = filled([4, 2, 3, 3], 2);
    const cases: [() => unknown, string][] = [
      [
        () => nn.convTranspose2d(filled([1, 3, 3, 3]), w),
        "convTranspose2d: input [1,3,3,3] has 3 channels, the weight [4,2,3,3] expects 4 (its first dimension: [Cin, Cout/groups, kh, kw])",
      ],
      [
        () => nn.convTranspose2d(x, filled([4, 2, 3])),
        "convTranspose2d: weight must be 4-D [Cin, Cout/groups, kh, kw], got [4,2,3]",
      ],
      [
        () => nn.convTranspose2d(filled([4, 3]), w),
        "convTranspose2d: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got [4,3]",
      ],
      [
        () => nn.convTranspose2d(x, w, null, { groups: 3 }),
        "convTranspose2d: the weight [4,2,3,3] has 4 input channels, not divisible by groups 3",
      ],
      [
        () => nn.convTranspose2d(x, w, null, { groups: 0 }),
        "convTranspose2d: groups must be a positive integer, got number 0",
      ],
      [
        () => nn.convTranspose2d(x, w, filled([3]), { groups: 2 }),
        "convTranspose2d: bias [3] must have shape [4] (Cout = 2 per group × groups 2) for the weight [4,2,3,3]",
      ],
      [
        () => nn.convTranspose2d(x, w, null, { stride: 2, outputPadding: 2 }),
        "convTranspose2d: outputPadding must be smaller than either stride or dilation (per axis), got outputPadding [2,2] with stride [2,2] and dilation [1,1]",
      ],
      [
        () => nn.convTranspose2d(x, w, null, { outputPadding: [0, 1] }),
        "convTranspose2d: outputPadding must be smaller than either stride or dilation (per axis), got outputPadding [0,1] with stride [1,1] and dilation [1,1]",
      ],
      [
        () => nn.convTranspose2d(x, w, null, { padding: "same" } as unknown as nn.ConvTranspose2dOptions),
        'convTranspose2d: padding must be a non-negative integer or a pair of them (a transposed convolution has no "same" or "valid" padding, as in PyTorch), got string "same"',
      ],
      [
        () => nn.convTranspose2d(x, w, null, { padding: 3 }),
        "convTranspose2d: the output size would be -1×-1 for input [1,4,3,3] with kernel 3×3, stride [1,1], padding [3,3], dilation [1,1] and outputPadding [0,0] (H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1)",
      ],
      [
        () => nn.convTranspose2d(x, w, null, { stride: 0 }),
        "convTranspose2d: stride must be a positive integer or a pair of them, got number 0",
      ],
      [
        () => nn.convTranspose2d(x, w, null, { padding: [-1, 0] }),
        "convTranspose2d: padding must be a non-negative integer or a pair of them, got array of length 2",
      ],
    ];
    for (const [f, expected] of cases) expect(message(f)).toBe(expected);
    // outputPadding may reach the stride when it stays below the dilation, as in PyTorch
    expect(nn.convTranspose2d(x, w, null, { outputPadding: [0, 1], dilation: [1, 3] }).shape).toEqual([
      1, 2, 5, 10,
    ]);
  });
});

describe("nn.ConvTranspose2d", () => {
  it("has PyTorch's parameter names and shapes: weight [inChannels, outChannels/groups, kh, kw], bias [outChannels]", () => {
    const up = new nn.ConvTranspose2d(4, 6, [3, 2], { groups: 2 });
    expect(up.namedParameters().map(([n, p]) => [n, (p as Tensor).shape])).toEqual([
      ["weight", [4, 3, 3, 2]],
      ["bias", [6]],
    ]);
    expect(Object.keys(up.stateDict())).toEqual(["weight", "bias"]);
    const noBias = new nn.ConvTranspose2d(3, 2, 3, { bias: false });
    expect(noBias.namedParameters().map(([n]) => n)).toEqual(["weight"]);
    expect(noBias.bias).toBeNull();
    const seq = new nn.Sequential(new nn.ConvTranspose2d(1, 2, 3), new nn.ReLU());
    expect(Object.keys(seq.stateDict())).toEqual(["0.weight", "0.bias"]);
  });

  it("initialises weight and bias from U(−1/√fanIn, 1/√fanIn), fanIn = outChannels/groups·kh·kw (PyTorch's), seeded", () => {
    manualSeed(5);
    const up = new nn.ConvTranspose2d(16, 4, [3, 2], { groups: 2 });
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    for (const p of [up.weight, up.bias as Tensor]) {
      const v = Array.from(p.data);
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound * 0.7);
      expect(new Set(v).size).toBe(v.length);
    }
    manualSeed(5);
    const again = new nn.ConvTranspose2d(16, 4, [3, 2], { groups: 2 });
    expect(Array.from(again.weight.data)).toEqual(Array.from(up.weight.data));
    expect(Array.from(again.bias?.data ?? [])).toEqual(Array.from(up.bias?.data ?? []));
  });

  it("loads PyTorch's state_dict and matches its output and gradients (1e-12)", () => {
    const m = ref.module;
    const up = new nn.ConvTranspose2d(
      m.init.inChannels,
      m.init.outChannels,
      m.init.kernelSize,
      m.init.options,
    );
    expect(Object.keys(up.stateDict())).toEqual(Object.keys(m.stateDict));
    up.loadStateDict(m.stateDict);
    expectAllClose(up.weight, m.stateDict.weight?.data, 0);
    const x = tensor(m.x, { requiresGrad: true });
    const y = up.forward(x);
    expect([y.op, y.parents]).toEqual(["convTranspose2d", [x, up.weight, up.bias]]);
    expectAllClose(y, m.value, TOL);
    y.mul(tensor(m.gradOutput)).sum().backward();
    expectAllClose(x.grad, m.grads.x, TOL);
    expectAllClose(up.weight.grad, m.grads.weight, TOL);
    expectAllClose(up.bias?.grad, m.grads.bias, TOL);
  });

  it("forward(x, outputSize) picks the output padding as PyTorch's output_size does", () => {
    const m = ref.module;
    const up = new nn.ConvTranspose2d(
      m.init.inChannels,
      m.init.outChannels,
      m.init.kernelSize,
      m.init.options,
    );
    up.loadStateDict(m.stateDict);
    const y = up.forward(tensor(m.x), m.outputSize);
    expect(y.shape.slice(2)).toEqual(m.outputSize);
    expectAllClose(y, m.valueAtOutputSize, TOL);
    expect(up.forward(filled([4, 3, 3]), [6, 5]).shape).toEqual([6, 6, 5]);
    expect(message(() => up.forward(tensor(m.x), [7, 4]))).toBe(
      "ConvTranspose2d: requested an output size of [7,4], but valid sizes range from [5,4] to [6,5] (for an input of [3,3])",
    );
    expect(message(() => up.forward(tensor(m.x), [5]))).toBe(
      "ConvTranspose2d: outputSize must be [H_out, W_out], two positive integers, got array of length 1",
    );
  });

  it("keeps float32 parameters and results float32", () => {
    const up = new nn.ConvTranspose2d(2, 2, 2, { dtype: "float32", stride: 2 });
    expect([up.weight.dtype, up.bias?.dtype]).toEqual(["float32", "float32"]);
    const y = up.forward(zeros([1, 2, 2, 2], { dtype: "float32" }));
    expect([y.dtype, y.shape]).toEqual(["float32", [1, 2, 4, 4]]);
  });

  it("throws ChainruleError naming ConvTranspose2d for bad arguments", () => {
    const cases: [() => unknown, string][] = [
      [
        () => new nn.ConvTranspose2d(0, 2, 3),
        "ConvTranspose2d: inChannels must be a positive integer, got number 0",
      ],
      [
        () => new nn.ConvTranspose2d(4, 3, 3, { groups: 2 }),
        "ConvTranspose2d: inChannels 4 and outChannels 3 must both be divisible by groups 2",
      ],
      [
        () => new nn.ConvTranspose2d(2, 2, [3, 0]),
        "ConvTranspose2d: kernelSize must be a positive integer or a pair of them, got array of length 2",
      ],
      [
        () => new nn.ConvTranspose2d(2, 2, 3, { stride: 2, outputPadding: 2 }),
        "ConvTranspose2d: outputPadding must be smaller than either stride or dilation (per axis), got outputPadding [2,2] with stride [2,2] and dilation [1,1]",
      ],
      [
        () =>
          new nn.ConvTranspose2d(2, 2, 3, { padding: "same" } as unknown as nn.ConvTranspose2dModuleOptions),
        'ConvTranspose2d: padding must be a non-negative integer or a pair of them (a transposed convolution has no "same" or "valid" padding, as in PyTorch), got string "same"',
      ],
      [
        () => new nn.ConvTranspose2d(2, 2, 3, { dtype: "int32" as "float32" }),
        'ConvTranspose2d: dtype must be "float64" or "float32", got string "int32"',
      ],
      [
        () => new nn.ConvTranspose2d(2, 2, 3).forward(filled([1, 3, 4, 4])),
        "convTranspose2d: input [1,3,4,4] has 3 channels, the weight [2,2,3,3] expects 2 (its first dimension: [Cin, Cout/groups, kh, kw])",
      ],
    ];
    for (const [f, expected] of cases) expect(message(f)).toBe(expected);
  });
});
