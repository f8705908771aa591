/**
 * SPEC §9 convolution: `nn.Conv2d`, `nn.Conv1d` and the functions `conv2d`, `conv1d`, `unfold`,
 * `fold` (values and gradients against PyTorch are in test/autograd/torch-reference.test.ts:
 * nn_conv2d_*, nn_conv1d*, nn_unfold, nn_fold, second_conv2d; gradcheck/gradgradcheck of the ops
 * in test/tensor/op-table.test.ts). Here: parameters, init, dtypes, graph shape and errors.
 */
import { describe, expect, it } from "vitest";
import { gradcheck, manualSeed, nn, type Tensor, zeros } from "../../src/index";
import { expectAllClose } from "../helpers/close";
import { filled, message } from "../helpers/layers";

describe("nn.Conv2d", () => {
  it("has PyTorch's parameter names and shapes, and stateDict keys", () => {
    const conv = new nn.Conv2d(4, 6, [3, 2], { groups: 2 });
    expect(conv.namedParameters().map(([n, p]) => [n, (p as Tensor).shape])).toEqual([
      ["weight", [6, 2, 3, 2]],
      ["bias", [6]],
    ]);
    expect(Object.keys(conv.stateDict())).toEqual(["weight", "bias"]);
    const noBias = new nn.Conv2d(3, 2, 3, { bias: false });
    expect(noBias.namedParameters().map(([n]) => n)).toEqual(["weight"]);
    expect(noBias.bias).toBeNull();
    const seq = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU());
    expect(Object.keys(seq.stateDict())).toEqual(["0.weight", "0.bias"]);
  });

  it("initialises weight and bias from U(−1/√fanIn, 1/√fanIn), fanIn = Cin/groups·kh·kw, seeded", () => {
    manualSeed(5);
    const conv = new nn.Conv2d(4, 16, 3, { groups: 2 });
    const bound = 1 / Math.sqrt(2 * 3 * 3);
    for (const p of [conv.weight, conv.bias as Tensor]) {
      const v = Array.from(p.data);
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound * 0.7);
      expect(new Set(v).size).toBe(v.length);
    }
    manualSeed(5);
    const again = new nn.Conv2d(4, 16, 3, { groups: 2 });
    expect(Array.from(again.weight.data)).toEqual(Array.from(conv.weight.data));
    expect(Array.from(again.bias?.data ?? [])).toEqual(Array.from(conv.bias?.data ?? []));
  });

  it("forward is conv2d with its options: one conv2d node on x, weight and bias", () => {
    const conv = new nn.Conv2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = filled([2, 2, 5, 5]);
    const y = conv.forward(x);
    expect(y.shape).toEqual([2, 3, 3, 3]);
    expect(y.op).toBe("conv2d");
    expect(y.parents).toEqual([x, conv.weight, conv.bias]);
    const z = nn.conv2d(x, conv.weight, conv.bias, { stride: 2, padding: 1 });
    expect(Array.from(y.data)).toEqual(Array.from(z.data));
    y.sum().backward();
    expect(conv.weight.grad?.shape).toEqual([3, 2, 3, 3]);
    expect(conv.bias?.grad?.shape).toEqual([3]);
  });

  it('padding "same" keeps the size (even kernels too), "valid" is 0', () => {
    const x = filled([1, 2, 5, 6]);
    expect(new nn.Conv2d(2, 3, [2, 4], { padding: "same" }).forward(x).shape).toEqual([1, 3, 5, 6]);
    expect(new nn.Conv2d(2, 3, 3, { padding: "same", dilation: 2 }).forward(x).shape).toEqual([1, 3, 5, 6]);
    expect(new nn.Conv2d(2, 3, 3, { padding: "valid" }).forward(x).shape).toEqual([1, 3, 3, 4]);
  });

  it("accepts an unbatched [C, H, W] input", () => {
    const conv = new nn.Conv2d(2, 3, 2);
    const x = filled([2, 4, 4]);
    const y = conv.forward(x);
    expect(y.shape).toEqual([3, 3, 3]);
    expect(Array.from(y.data)).toEqual(Array.from(conv.forward(x.reshape(1, 2, 4, 4)).data));
  });

  it("keeps float32 parameters and results float32", () => {
    const conv = new nn.Conv2d(2, 2, 2, { dtype: "float32" });
    expect([conv.weight.dtype, conv.bias?.dtype]).toEqual(["float32", "float32"]);
    expect(conv.weight.data).toBeInstanceOf(Float32Array);
    const x = zeros([1, 2, 3, 3], { dtype: "float32" });
    const y = conv.forward(x);
    expect(y.dtype).toBe("float32");
    y.sum().backward();
    expect(conv.weight.grad?.dtype).toBe("float32");
    // float64 input with float32 weights promotes to float64 (SPEC §8)
    expect(conv.forward(zeros([1, 2, 3, 3])).dtype).toBe("float64");
  });

  it("throws ChainruleError naming the op and the shapes", () => {
    const conv = new nn.Conv2d(3, 4, 3);
    expect(message(() => conv.forward(zeros([1, 2, 5, 5])))).toMatchInlineSnapshot(
      `"conv2d: input [1,2,5,5] has 2 channels, the weight [4,3,3,3] expects 3 (3 per group × groups 1)"`,
    );
    expect(message(() => conv.forward(zeros([1, 3, 2, 5])))).toMatchInlineSnapshot(
      `"conv2d: the kernel 3×3 (dilation 1×1, spanning 3×3) is larger than the padded input 2×5 (input [1,3,2,5], padding top, bottom, left, right [0,0,0,0])"`,
    );
    expect(message(() => conv.forward(zeros([3, 5])))).toMatchInlineSnapshot(
      `"conv2d: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got [3,5]"`,
    );
    expect(message(() => new nn.Conv2d(3, 4, 3, { stride: 0 }))).toMatchInlineSnapshot(
      `"Conv2d: stride must be a positive integer or a pair of them, got number 0"`,
    );
    expect(message(() => new nn.Conv2d(3, 4, 3, { padding: -1 }))).toMatchInlineSnapshot(
      `"Conv2d: padding must be a non-negative integer or a pair of them, got number -1"`,
    );
    expect(message(() => new nn.Conv2d(3, 4, 3, { padding: "same", stride: 2 }))).toMatchInlineSnapshot(
      `"Conv2d: padding "same" needs stride 1, got stride [2,2]"`,
    );
    expect(message(() => new nn.Conv2d(3, 4, 3, { groups: 2 }))).toMatchInlineSnapshot(
      `"Conv2d: inChannels 3 and outChannels 4 must both be divisible by groups 2"`,
    );
    expect(message(() => new nn.Conv2d(3, 4, 0))).toMatchInlineSnapshot(
      `"Conv2d: kernelSize must be a positive integer or a pair of them, got number 0"`,
    );
    expect(message(() => new nn.Conv2d(0, 4, 3))).toMatchInlineSnapshot(
      `"Conv2d: inChannels must be a positive integer, got number 0"`,
    );
    expect(
      message(() => nn.conv2d(zeros([1, 3, 4, 4]), zeros([4, 3, 2, 2]), zeros([3]))),
    ).toMatchInlineSnapshot(`"conv2d: bias [3] must have shape [4] for the weight [4,3,2,2]"`);
  });
});

describe("nn.Conv1d", () => {
  it("has weight [Cout, Cin/groups, k] and bias [Cout], init bound 1/√(Cin/groups·k)", () => {
    manualSeed(2);
    const conv = new nn.Conv1d(4, 6, 5, { groups: 2 });
    expect(conv.namedParameters().map(([n, p]) => [n, (p as Tensor).shape])).toEqual([
      ["weight", [6, 2, 5]],
      ["bias", [6]],
    ]);
    expect(Object.keys(conv.stateDict())).toEqual(["weight", "bias"]);
    const bound = 1 / Math.sqrt(10);
    for (const v of [...conv.weight.data, ...(conv.bias?.data ?? [])])
      expect(Math.abs(v)).toBeLessThanOrEqual(bound);
  });

  it("forward is conv1d: [N, C, L] → [N, Cout, Lout], unbatched too, gradients reach the parameters", () => {
    const conv = new nn.Conv1d(2, 3, 3, { stride: 2, padding: 1 });
    const y = conv.forward(filled([2, 2, 7]));
    expect(y.shape).toEqual([2, 3, 4]);
    expect(conv.forward(filled([2, 7])).shape).toEqual([3, 4]);
    expect(new nn.Conv1d(2, 3, 4, { padding: "same" }).forward(filled([1, 2, 7])).shape).toEqual([1, 3, 7]);
    y.sum().backward();
    expect(conv.weight.grad?.shape).toEqual([3, 2, 3]);
    expect(
      new nn.Conv1d(2, 2, 2, { dtype: "float32" }).forward(zeros([1, 2, 4], { dtype: "float32" })).dtype,
    ).toBe("float32");
  });

  it("matches a hand-written correlation and passes gradcheck", () => {
    const x = filled([1, 2, 6]);
    const w = filled([3, 2, 2], 2);
    const b = filled([3], 3);
    const y = nn.conv1d(x, w, b, { dilation: 2 });
    const xv = x.toArray() as number[][][];
    const wv = w.toArray() as number[][][];
    const bv = b.toArray() as number[];
    const expected = [0, 1, 2].map((o) =>
      [0, 1, 2, 3].map((t) => {
        let s = bv[o] as number;
        for (let c = 0; c < 2; c++) for (let j = 0; j < 2; j++) s += wv[o]![c]![j]! * xv[0]![c]![t + 2 * j]!;
        return s;
      }),
    );
    expectAllClose((y.toArray() as number[][][])[0], expected);
    const r = gradcheck((a, ww, bb) => nn.conv1d(a, ww, bb, { stride: 2, padding: 1 }), [x, w, b]);
    expect(r.ok).toBe(true);
  });

  it("throws ChainruleError naming conv1d and the shapes", () => {
    const conv = new nn.Conv1d(3, 4, 3);
    expect(message(() => conv.forward(zeros([1, 2, 5])))).toMatchInlineSnapshot(
      `"conv1d: input [1,2,5] has 2 channels, the weight [4,3,3] expects 3 (3 per group × groups 1)"`,
    );
    expect(message(() => new nn.Conv1d(3, 4, 3, { stride: 1.5 }))).toMatchInlineSnapshot(
      `"Conv1d: stride must be a positive integer, got number 1.5"`,
    );
    expect(message(() => new nn.Conv1d(3, 4, 3, { padding: "full" as "same" }))).toMatchInlineSnapshot(
      `"Conv1d: padding must be a non-negative integer, "same" or "valid", got string "full""`,
    );
  });
});

describe("unfold and fold", () => {
  it("fold(unfold(x)) multiplies each pixel by the number of blocks covering it", () => {
    const x = filled([2, 3, 4, 5]);
    const cols = nn.unfold(x, [2, 3], { padding: 1 });
    expect(cols.shape).toEqual([2, 18, 5 * 5]);
    const ones = nn.fold(nn.unfold(zeros([1, 1, 4, 5]).add(1), [2, 3], { padding: 1 }), [4, 5], [2, 3], {
      padding: 1,
    });
    const back = nn.fold(cols, [4, 5], [2, 3], { padding: 1 });
    const expected = x.mul(ones);
    expectAllClose(Array.from(back.data), Array.from(expected.data));
  });

  it("throws ChainruleError for shapes that do not fit", () => {
    expect(message(() => nn.unfold(zeros([2, 3, 4]), 2))).toMatchInlineSnapshot(
      `"unfold: input must be 4-D [N, C, H, W], got [2,3,4]"`,
    );
    expect(message(() => nn.fold(zeros([1, 8, 5]), [3, 3], 2))).toMatchInlineSnapshot(
      `"fold: input [1,8,5] has 5 blocks, but outputSize [3,3] with kernel [2,2] makes 2×2 = 4"`,
    );
    expect(message(() => nn.fold(zeros([1, 7, 4]), [3, 3], 2))).toMatchInlineSnapshot(
      `"fold: input [1,7,4] has 7 rows, not a multiple of the kernel size 2×2"`,
    );
  });
});
