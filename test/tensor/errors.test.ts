/**
 * Errors: every bad call throws a `ChainruleError` whose message names the op and the shapes
 * involved (inline snapshots), and a call that throws changes nothing: no node, no version bump.
 */
import { describe, expect, it } from "vitest";
import { topoSort } from "../../src/autograd/engine";
import {
  ChainruleError,
  concat,
  gradients,
  randn,
  stack,
  type Tensor,
  tensor,
  where,
  zeros,
} from "../../src/index";
import { errorOf } from "./fixtures";

const a23 = () =>
  tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

describe("shape mismatches name the op and both shapes", () => {
  it("matmul", () => {
    expect(errorOf(() => a23().matmul(zeros([4, 5])))).toMatchInlineSnapshot(
      `"matmul: [2,3] @ [4,5]: inner dimensions 3 and 4 differ"`,
    );
    expect(errorOf(() => tensor([1, 2]).matmul(tensor([1, 2, 3])))).toMatchInlineSnapshot(
      `"matmul: [2] @ [3]: inner dimensions 2 and 3 differ"`,
    );
    expect(errorOf(() => zeros([2, 2, 3]).matmul(zeros([3, 3, 1])))).toMatchInlineSnapshot(
      `"matmul: [2,2,3] @ [3,3,1]: batch dimensions [2] and [3] cannot be broadcast"`,
    );
    expect(errorOf(() => a23().matmul(tensor(2)))).toMatchInlineSnapshot(
      `"matmul: [2,3] @ []: both operands need at least 1 dimension (use mul for scalars)"`,
    );
  });

  it("broadcasting binary ops and where", () => {
    expect(errorOf(() => a23().add(tensor([1, 2])))).toMatchInlineSnapshot(
      `"add: shapes [2,3] and [2] cannot be broadcast (dimension -1 is 3 vs 2)"`,
    );
    expect(errorOf(() => a23().mul(zeros([3, 3])))).toMatchInlineSnapshot(
      `"mul: shapes [2,3] and [3,3] cannot be broadcast (dimension -2 is 2 vs 3)"`,
    );
    expect(errorOf(() => a23().maximum(zeros([2, 1, 2])))).toMatchInlineSnapshot(
      `"maximum: shapes [2,3] and [2,1,2] cannot be broadcast (dimension -1 is 3 vs 2)"`,
    );
    expect(errorOf(() => a23().gt(zeros([4])))).toMatchInlineSnapshot(
      `"gt: shapes [2,3] and [4] cannot be broadcast (dimension -1 is 3 vs 4)"`,
    );
    expect(errorOf(() => where(tensor([1, 0]), a23(), 0))).toMatchInlineSnapshot(
      `"where: shapes [2] and [2,3] cannot be broadcast (dimension -1 is 2 vs 3)"`,
    );
  });

  it("concat and stack", () => {
    expect(errorOf(() => concat([a23(), tensor([[1, 2]])]))).toMatchInlineSnapshot(
      `"concat: shapes [2,3], [1,2] differ outside axis 0"`,
    );
    expect(errorOf(() => concat([a23(), tensor([1, 2, 3])], 1))).toMatchInlineSnapshot(
      `"concat: shapes [2,3], [3] differ outside axis 1"`,
    );
    expect(errorOf(() => concat([tensor(1), tensor(2)]))).toMatchInlineSnapshot(
      `"concat: 0-d tensors cannot be concatenated (use stack)"`,
    );
    expect(errorOf(() => concat([]))).toMatchInlineSnapshot(
      `"concat: expected a non-empty array of tensors, got array of length 0"`,
    );
    expect(errorOf(() => stack([a23(), tensor([1])]))).toMatchInlineSnapshot(
      `"stack: all tensors need the same shape, got [2,3], [1]"`,
    );
  });

  it("reshape, expand and gather", () => {
    expect(errorOf(() => a23().reshape(4, 2))).toMatchInlineSnapshot(
      `"reshape: cannot reshape [2,3] (6 elements) into [4,2]"`,
    );
    expect(errorOf(() => a23().reshape(-1, 4))).toMatchInlineSnapshot(
      `"reshape: cannot reshape [2,3] (6 elements) into [-1,4]"`,
    );
    expect(errorOf(() => a23().reshape(-1, -1))).toMatchInlineSnapshot(
      `"reshape: only one dimension can be -1, got [-1,-1]"`,
    );
    expect(errorOf(() => a23().reshape(2, -3))).toMatchInlineSnapshot(
      `"reshape: invalid dimension -3 in [2,-3]"`,
    );
    expect(errorOf(() => a23().reshape(2, 1.5))).toMatchInlineSnapshot(
      `"reshape: invalid dimension 1.5 in [2,1.5]"`,
    );
    expect(errorOf(() => a23().expand(3, 3))).toMatchInlineSnapshot(`"expand: cannot expand [2,3] to [3,3]"`);
    expect(errorOf(() => a23().expand(6))).toMatchInlineSnapshot(
      `"expand: cannot expand [2,3] to fewer dimensions [6]"`,
    );
    expect(errorOf(() => tensor([1, 2]).expand(-1, 2))).toMatchInlineSnapshot(
      `"expand: cannot expand [2] to [-1,2] (sizes must be non-negative integers; -1 only keeps an existing dimension)"`,
    );
    expect(errorOf(() => a23().gather(1, [0, 1]))).toMatchInlineSnapshot(
      `"gather: index [2] must have as many dimensions as the input [2,3]"`,
    );
    expect(errorOf(() => a23().gather(1, [[0], [1], [1]]))).toMatchInlineSnapshot(
      `"gather: index [3,1] is larger than the input [2,3] in dimension 0"`,
    );
    expect(errorOf(() => a23().indexSelect(0, [[0]]))).toMatchInlineSnapshot(
      `"indexSelect: indices must be 1-D, got shape [1,1]"`,
    );
  });
});

describe("bad axes name the op, the axis and the shape", () => {
  it("out of range, fractional or repeated", () => {
    expect(errorOf(() => a23().sum(2))).toMatchInlineSnapshot(
      `"sum: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().mean(-3))).toMatchInlineSnapshot(
      `"mean: axis -3 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().max(0.5))).toMatchInlineSnapshot(
      `"max: axis must be an integer, got number 0.5 for a tensor of shape [2,3]"`,
    );
    expect(errorOf(() => a23().sum([0, -2]))).toMatchInlineSnapshot(
      `"sum: axis 0 appears twice in [0,-2] for a tensor of shape [2,3]"`,
    );
    expect(errorOf(() => tensor(1).sum(1))).toMatchInlineSnapshot(
      `"sum: axis 1 is out of range for a tensor of shape []"`,
    );
    expect(errorOf(() => a23().softmax(2))).toMatchInlineSnapshot(
      `"softmax: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().logSoftmax(-3))).toMatchInlineSnapshot(
      `"logSoftmax: axis -3 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().argmax(2))).toMatchInlineSnapshot(
      `"argmax: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().squeeze(2))).toMatchInlineSnapshot(
      `"squeeze: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().unsqueeze(3))).toMatchInlineSnapshot(
      `"unsqueeze: axis 3 is out of range for a tensor of shape [2,3] (valid axes are -3..2)"`,
    );
    expect(errorOf(() => a23().slice(-3, 0, 1))).toMatchInlineSnapshot(
      `"slice: axis -3 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().gather(2, [[0]]))).toMatchInlineSnapshot(
      `"gather: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().indexSelect(5, [0]))).toMatchInlineSnapshot(
      `"indexSelect: axis 5 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => concat([a23(), a23()], 2))).toMatchInlineSnapshot(
      `"concat: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => stack([a23(), a23()], 3))).toMatchInlineSnapshot(
      `"stack: axis 3 is out of range for a tensor of shape [2,3] (valid axes are -3..2)"`,
    );
  });

  it("flip, roll, triu and tril", () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(errorOf(() => x.flip(0, -2))).toMatchInlineSnapshot(
      `"flip: axes [0,-2] repeat a dimension of [2,2]"`,
    );
    expect(errorOf(() => x.flip(2))).toMatchInlineSnapshot(
      `"flip: axis 2 is out of range for a tensor of shape [2,2] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => x.roll(1.5))).toMatchInlineSnapshot(
      `"roll: shift must be an integer, got number 1.5"`,
    );
    expect(errorOf(() => x.roll(1, 3))).toMatchInlineSnapshot(
      `"roll: axis 3 is out of range for a tensor of shape [2,2] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => tensor([1, 2]).triu())).toMatchInlineSnapshot(
      `"triu: needs a tensor of at least 2 dimensions, got [2]"`,
    );
    expect(errorOf(() => x.tril(0.5))).toMatchInlineSnapshot(
      `"tril: diagonal k must be an integer, got number 0.5"`,
    );
  });

  it("transpose and permute", () => {
    expect(errorOf(() => tensor([1, 2]).transpose())).toMatchInlineSnapshot(
      `"transpose: a tensor of shape [2] has fewer than 2 dimensions"`,
    );
    expect(errorOf(() => a23().transpose(0, 2))).toMatchInlineSnapshot(
      `"transpose: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().permute(0))).toMatchInlineSnapshot(
      `"permute: [0] lists 1 dimensions, the tensor [2,3] has 2"`,
    );
    expect(errorOf(() => a23().permute(0, 0))).toMatchInlineSnapshot(
      `"permute: [0,0] repeats a dimension of [2,3]"`,
    );
    expect(errorOf(() => a23().permute(0, 2))).toMatchInlineSnapshot(
      `"permute: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
  });
});

describe("bad indices, bounds and sizes", () => {
  it("index values out of range or not integers", () => {
    expect(
      errorOf(() =>
        a23().gather(1, [
          [0, 3],
          [1, 1],
        ]),
      ),
    ).toMatchInlineSnapshot(`"gather: index value 3 is out of range [0, 3) for axis 1 of [2,3]"`);
    expect(errorOf(() => a23().indexSelect(0, [-1]))).toMatchInlineSnapshot(
      `"indexSelect: indices value -1 is out of range [0, 2) for axis 0 of [2,3]"`,
    );
    expect(errorOf(() => a23().indexSelect(0, tensor([0.5])))).toMatchInlineSnapshot(
      `"indexSelect: indices must hold integers, got number 0.5 at position 0"`,
    );
    expect(errorOf(() => a23().gather(1, [[0, 1], [1]]))).toMatchInlineSnapshot(
      `"gather: index is a ragged nested array"`,
    );
    expect(errorOf(() => a23().indexSelect(0, "0" as unknown as number[]))).toMatchInlineSnapshot(
      `"indexSelect: indices must be an array, an integer typed array or a tensor, got string "0""`,
    );
  });

  it("slice bounds, clamp bounds, empty reductions, item", () => {
    expect(errorOf(() => a23().slice(0, 0.5, 1))).toMatchInlineSnapshot(
      `"slice: start must be an integer, got number 0.5"`,
    );
    expect(errorOf(() => a23().clamp(2, 1))).toMatchInlineSnapshot(`"clamp: min 2 is greater than max 1"`);
    expect(errorOf(() => tensor([]).max())).toMatchInlineSnapshot(
      `"max: cannot reduce over an empty dimension (axes [0] of shape [0])"`,
    );
    expect(errorOf(() => zeros([2, 0]).argmin(1))).toMatchInlineSnapshot(
      `"argmin: cannot reduce over an empty dimension (axis 1 of shape [2,0])"`,
    );
    expect(errorOf(() => zeros([2, 0]).min(-1, true))).toMatchInlineSnapshot(
      `"min: cannot reduce over an empty dimension (axes [1] of shape [2,0])"`,
    );
    expect(errorOf(() => a23().item())).toMatchInlineSnapshot(
      `"item: only one-element tensors convert to a number, got shape [2,3]"`,
    );
  });
});

describe("bad arguments", () => {
  it("ragged nested arrays and non-number elements", () => {
    expect(errorOf(() => tensor([[1, 2], [3]]))).toMatchInlineSnapshot(
      `"tensor: ragged nested array at [1]: expected length 2, got length 1"`,
    );
    expect(errorOf(() => tensor([[1, 2], 3] as unknown as number[][]))).toMatchInlineSnapshot(
      `"tensor: ragged nested array at [1]: expected length 2, got number 3"`,
    );
    expect(
      errorOf(() =>
        tensor([
          [1, 2],
          [3, "4"],
        ] as unknown as number[][]),
      ),
    ).toMatchInlineSnapshot(`"tensor: element at [1,1] is string "4", expected a number or a boolean"`);
    expect(errorOf(() => tensor([1, null] as unknown as number[]))).toMatchInlineSnapshot(
      `"tensor: element at [1] is null, expected a number or a boolean"`,
    );
    expect(errorOf(() => tensor({} as unknown as number[]))).toMatchInlineSnapshot(
      `"tensor: expected a number, nested arrays of numbers or a typed array, got Object"`,
    );
    expect(errorOf(() => tensor([1, 2, 3], { shape: [2, 2] }))).toMatchInlineSnapshot(
      `"tensor: shape [2,2] needs 4 elements, the input has 3"`,
    );
  });

  it("operands of the wrong type", () => {
    expect(errorOf(() => a23().add("1" as unknown as number))).toMatchInlineSnapshot(
      `"add: operand must be a Tensor or a number, got string "1""`,
    );
    expect(errorOf(() => a23().matmul([1, 2, 3] as unknown as Tensor))).toMatchInlineSnapshot(
      `"matmul: right operand must be a Tensor, got array of length 3"`,
    );
    expect(errorOf(() => a23().astype("int8" as "float32"))).toMatchInlineSnapshot(
      `"astype: unknown dtype string "int8""`,
    );
    expect(errorOf(() => a23().sum(0, "yes" as unknown as boolean))).toMatchInlineSnapshot(
      `"sum: keepDims must be a boolean, got string "yes""`,
    );
    expect(errorOf(() => a23().leakyRelu("0.1" as unknown as number))).toMatchInlineSnapshot(
      `"leakyRelu: slope must be a finite number, got string "0.1""`,
    );
  });

  it("dtype rules: int32 and bool cannot require grad, bools cannot be subtracted, integers not divided by 0", () => {
    const i32 = tensor([1, 2, 3], { dtype: "int32" });
    expect(errorOf(() => tensor([1, 2], { dtype: "int32", requiresGrad: true }))).toMatchInlineSnapshot(
      `"tensor: only floating tensors can require grad, got dtype int32 (use "float64" or "float32")"`,
    );
    expect(
      errorOf(() => {
        i32.requiresGrad = true;
      }),
    ).toMatchInlineSnapshot(
      `"requiresGrad: only floating tensors can require grad, this one is int32 [3] (convert with astype("float64"))"`,
    );
    expect(errorOf(() => tensor([true]).sub(tensor([false])))).toMatchInlineSnapshot(
      `"sub: a bool operand is not supported, as in PyTorch (invert a mask with logicalNot, or convert with astype("int32") first)"`,
    );
    expect(errorOf(() => i32.remainder(tensor([1, 0, 2], { dtype: "int32" })))).toMatchInlineSnapshot(
      `"remainder: integer division by zero (an int32 divisor is 0)"`,
    );
    expect(errorOf(() => i32.floorDivide(0))).toMatchInlineSnapshot(
      `"floorDivide: integer division by zero (an int32 divisor is 0)"`,
    );
    expect(errorOf(() => i32.pow(-1))).toMatchInlineSnapshot(
      `"pow: integers to negative integer powers are not allowed (exponent -1); convert to a float dtype first"`,
    );
    expect(errorOf(() => randn([2], { dtype: "int32" }))).toMatchInlineSnapshot(
      `"randn: dtype must be "float64" or "float32", got int32"`,
    );
  });
});

describe("backward errors", () => {
  it("a non-scalar root needs gradOutput, and the message names its shape", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(errorOf(() => x.mul(2).reshape(3, 1).backward())).toMatchInlineSnapshot(
      `"backward: gradOutput is required for a non-scalar tensor of shape [3,1] (pass a tensor of the same shape, e.g. onesLike(t))"`,
    );
    expect(errorOf(() => x.mul(2).backward(tensor([1, 2])))).toMatchInlineSnapshot(
      `"backward: gradOutput has shape [2], the tensor has [3]"`,
    );
    expect(errorOf(() => x.mul(2).backward(tensor([1, 2, 3], { dtype: "float32" })))).toMatchInlineSnapshot(
      `"backward: gradOutput is float32, the tensor is float64"`,
    );
    expect(errorOf(() => gradients(x.mul(2), [x]))).toMatchInlineSnapshot(
      `"gradients: gradOutput is required for a non-scalar tensor of shape [3] (pass a tensor of the same shape, e.g. onesLike(t))"`,
    );
  });

  it("a root that does not require grad, and requiresGrad on a non-leaf", () => {
    expect(errorOf(() => a23().sum().backward())).toMatchInlineSnapshot(
      `"backward: this [] tensor does not require grad (no input had requiresGrad: true)"`,
    );
    const y = tensor([1], { requiresGrad: true }).mul(2);
    expect(
      errorOf(() => {
        y.requiresGrad = false;
      }),
    ).toMatchInlineSnapshot(
      `"requiresGrad: can only be changed on leaf tensors; this one was made by mul from inputs that require grad (use detach())"`,
    );
  });

  it("turns a result that no gradient could reach into a leaf when requiresGrad is set, as PyTorch", () => {
    const w = tensor([[0.5], [-1.5]]).mul(0.01);
    expect(w.op).toBe("mul");
    w.requiresGrad = true;
    expect(w.isLeaf).toBe(true);
    expect(w.op).toBe("");
    expect(w.parents).toEqual([]);
    tensor([[1, 2]])
      .matmul(w)
      .sum()
      .backward();
    expect(w.grad?.toArray()).toEqual([[1], [2]]);
  });
});

describe("a failed op changes nothing", () => {
  it("leaves the inputs' graph, versions, data and gradients untouched", () => {
    const a = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const b = tensor([1, 2], { requiresGrad: true });
    const h = a.mul(a); // a recorded graph that saved a
    const before = { a: a._s.version, b: b._s.version, h: h._s.version };
    expect(() => a.add(b)).toThrow(ChainruleError);
    expect(() => a.matmul(b)).toThrow(ChainruleError);
    expect(() => concat([a, b])).toThrow(ChainruleError);
    expect(() => h.sum(5)).toThrow(ChainruleError);
    expect({ a: a._s.version, b: b._s.version, h: h._s.version }).toEqual(before);
    expect(a.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect([a.grad, b.grad, a.parents.length, b.parents.length]).toEqual([null, null, 0, 0]);
    // the existing graph is exactly what it was: a → h, and it still backpropagates
    const loss = h.sum();
    expect(topoSort([loss])).toEqual([a, h, loss]);
    loss.backward();
    expect(a.grad?.toArray()).toEqual([
      [2, 4, 6],
      [8, 10, 12],
    ]);
    expect(b.grad).toBe(null);
  });

  it("a failed backward leaves .grad untouched", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x);
    x.set([0], 5); // invalidates y's graph
    expect(() => y.sum().backward()).toThrow(ChainruleError);
    expect(x.grad).toBe(null);
  });
});

describe("pad, maskedFill, maskedSelect and scatter name the op and the shapes", () => {
  it("pad: padding, mode, value and the per-dimension limits", () => {
    expect(errorOf(() => a23().pad([1]))).toMatchInlineSnapshot(
      `"pad: padding [1] must have an even length ((before, after) pairs from the last dimension)"`,
    );
    expect(errorOf(() => a23().pad([1.5, 0]))).toMatchInlineSnapshot(
      `"pad: padding must hold integers, got number 1.5 at position 0"`,
    );
    expect(errorOf(() => a23().pad(2 as unknown as number[]))).toMatchInlineSnapshot(
      `"pad: padding must be an array of integers, got number 2"`,
    );
    expect(errorOf(() => a23().pad([1, 1, 1, 1, 1, 1]))).toMatchInlineSnapshot(
      `"pad: padding [1,1,1,1,1,1] has 3 pairs for a tensor of 2 dimensions [2,3]"`,
    );
    expect(errorOf(() => a23().pad([1, 1], { mode: "circular" as "reflect" }))).toMatchInlineSnapshot(
      `"pad: mode must be "constant", "reflect" or "replicate", got string "circular""`,
    );
    expect(errorOf(() => a23().pad([1, 1], { mode: "reflect", value: 1 }))).toMatchInlineSnapshot(
      `"pad: mode "reflect" does not take a value (only "constant" does)"`,
    );
    expect(errorOf(() => a23().pad([1, 1], { value: "1" as unknown as number }))).toMatchInlineSnapshot(
      `"pad: value must be a number, got string "1""`,
    );
    expect(errorOf(() => a23().pad([-2, -2]))).toMatchInlineSnapshot(
      `"pad: padding (-2, -2) of dimension 1 of [2,3] leaves a negative size -1"`,
    );
    expect(errorOf(() => a23().pad([0, 0, 2, 0], { mode: "reflect" }))).toMatchInlineSnapshot(
      `"pad: reflect padding (2, 0) of dimension 0 of [2,3] must be less than the dimension's size 2"`,
    );
    expect(errorOf(() => zeros([2, 0]).pad([1, 0], { mode: "replicate" }))).toMatchInlineSnapshot(
      `"pad: replicate padding (1, 0) of dimension 1 of [2,0] has no edge to repeat in an empty dimension"`,
    );
  });

  it("maskedFill and maskedSelect: the mask's shape, the value", () => {
    expect(errorOf(() => a23().maskedFill(tensor([true, false]), 0))).toMatchInlineSnapshot(
      `"maskedFill: shapes [2,3] and [2] cannot be broadcast (dimension -1 is 3 vs 2)"`,
    );
    expect(
      errorOf(() => a23().maskedFill(tensor([true, false, true]), tensor([1, 2]))),
    ).toMatchInlineSnapshot(
      `"maskedFill: value must be a number or a 0-d tensor, got a tensor of shape [2]"`,
    );
    expect(errorOf(() => a23().maskedFill([true] as unknown as Tensor, 1))).toMatchInlineSnapshot(
      `"maskedFill: mask must be a Tensor, got array of length 1"`,
    );
    expect(errorOf(() => a23().maskedSelect(tensor([[1], [0], [1]])))).toMatchInlineSnapshot(
      `"maskedSelect: shapes [2,3] and [3,1] cannot be broadcast (dimension -2 is 2 vs 3)"`,
    );
  });

  it("scatter: the axis, the index's values and shape, src's shape and type", () => {
    expect(errorOf(() => a23().scatter(2, [[0]], 1))).toMatchInlineSnapshot(
      `"scatter: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().scatter(1, [[3]], 1))).toMatchInlineSnapshot(
      `"scatter: index value 3 is out of range [0, 3) for axis 1 of [2,3]"`,
    );
    expect(errorOf(() => a23().scatter(1, [0, 1], 1))).toMatchInlineSnapshot(
      `"scatter: index [2] must have as many dimensions as the input [2,3]"`,
    );
    expect(errorOf(() => a23().scatter(0, [[0, 1, 0, 1]], 1))).toMatchInlineSnapshot(
      `"scatter: index [1,4] is larger than the input [2,3] in dimension 1"`,
    );
    expect(errorOf(() => a23().scatter(1, [[0, 1]], tensor([[1]])))).toMatchInlineSnapshot(
      `"scatter: src [1,1] must have the index's dimensions and be at least as large as the index [1,2] in each"`,
    );
    expect(errorOf(() => a23().scatter(1, [[0]], "x" as unknown as number))).toMatchInlineSnapshot(
      `"scatter: src must be a Tensor or a number, got string "x""`,
    );
  });

  it("a failed call leaves no node and changes nothing", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const v = tensor(2, { requiresGrad: true });
    const before = [x._s.version, v._s.version];
    expect(() => x.pad([4, 0], { mode: "reflect" })).toThrow(ChainruleError);
    expect(() => x.maskedFill(tensor([true, false]), v)).toThrow(ChainruleError);
    expect(() => x.maskedSelect(tensor([1, 0]))).toThrow(ChainruleError);
    expect(() => x.scatter(0, [5], v)).toThrow(ChainruleError);
    expect([x._s.version, v._s.version]).toEqual(before);
    expect([x.parents.length, v.parents.length, x.grad, v.grad]).toEqual([0, 0, null, null]);
    expect(x.toArray()).toEqual([1, 2, 3]);
    const loss = x.mul(x).sum();
    expect(topoSort([loss]).length).toBe(3);
  });
});

describe("prelu and outer name their shapes", () => {
  it("prelu: a weight of the wrong size or rank, or not a tensor", () => {
    expect(errorOf(() => zeros([2, 3, 4]).prelu(zeros([4])))).toMatchInlineSnapshot(
      `"prelu: weight [4] has 4 slopes, but the input [2,3,4] has 3 channels (axis 1): give 1 or 3"`,
    );
    expect(errorOf(() => zeros([5]).prelu(zeros([5])))).toMatchInlineSnapshot(
      `"prelu: weight [5] has 5 slopes, but the input [5] has fewer than 2 dimensions, so one channel: give 1 slope"`,
    );
    expect(errorOf(() => tensor(1).prelu(zeros([2])))).toMatchInlineSnapshot(
      `"prelu: weight [2] has 2 slopes, but the input [] has fewer than 2 dimensions, so one channel: give 1 slope"`,
    );
    expect(errorOf(() => zeros([2, 3]).prelu(zeros([1, 3])))).toMatchInlineSnapshot(
      `"prelu: weight must be 0-d or 1-D (one slope, or one per channel), got shape [1,3]"`,
    );
    expect(errorOf(() => zeros([2, 3]).prelu([0.1, 0.2, 0.3] as unknown as Tensor))).toMatchInlineSnapshot(
      `"prelu: weight must be a Tensor or a number, got array of length 3"`,
    );
  });

  it("outer: both operands 1-D", () => {
    expect(errorOf(() => zeros([2, 2]).outer(zeros([3])))).toMatchInlineSnapshot(
      `"outer: both operands must be 1-D, got shapes [2,2] and [3]"`,
    );
    expect(errorOf(() => zeros([2]).outer(tensor(1)))).toMatchInlineSnapshot(
      `"outer: both operands must be 1-D, got shapes [2] and []"`,
    );
  });
});

describe("prod, cumprod, norm, all/any, sort, argsort and topk name the op, the axis and the shape", () => {
  it("bad axes", () => {
    expect(errorOf(() => a23().prod(2))).toMatchInlineSnapshot(
      `"prod: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().cumprod(-3))).toMatchInlineSnapshot(
      `"cumprod: axis -3 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().norm(2, [0, 0]))).toMatchInlineSnapshot(
      `"norm: axis 0 appears twice in [0,0] for a tensor of shape [2,3]"`,
    );
    expect(errorOf(() => a23().all(5))).toMatchInlineSnapshot(
      `"all: axis 5 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => tensor(1).any(1))).toMatchInlineSnapshot(
      `"any: axis 1 is out of range for a tensor of shape []"`,
    );
    expect(errorOf(() => a23().sort(2))).toMatchInlineSnapshot(
      `"sort: axis 2 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
    expect(errorOf(() => a23().argsort(-3))).toMatchInlineSnapshot(
      `"argsort: axis -3 is out of range for a tensor of shape [2,3] (valid axes are -2..1)"`,
    );
  });

  it("k beyond the axis, a bad p, an empty reduction without identity, bad options", () => {
    expect(errorOf(() => a23().topk(4))).toMatchInlineSnapshot(
      `"topk: k = 4 is out of range for axis 1 of [2,3] (size 3); it must be in [0, 3]"`,
    );
    expect(errorOf(() => a23().topk(-1, 0))).toMatchInlineSnapshot(
      `"topk: k = -1 is out of range for axis 0 of [2,3] (size 2); it must be in [0, 2]"`,
    );
    expect(errorOf(() => tensor(1).topk(2))).toMatchInlineSnapshot(
      `"topk: k = 2 is out of range for axis 0 of [] (size 1); it must be in [0, 1]"`,
    );
    expect(errorOf(() => a23().topk(1.5))).toMatchInlineSnapshot(
      `"topk: k must be an integer, got number 1.5"`,
    );
    expect(errorOf(() => a23().norm(Number.NaN))).toMatchInlineSnapshot(
      `"norm: p must be a number (±Infinity allowed), got number NaN"`,
    );
    expect(errorOf(() => a23().norm("fro" as unknown as number))).toMatchInlineSnapshot(
      `"norm: p must be a number (±Infinity allowed), got string "fro""`,
    );
    expect(errorOf(() => zeros([2, 0]).norm(Number.POSITIVE_INFINITY, 1))).toMatchInlineSnapshot(
      `"norm: cannot compute the Infinity norm over an empty dimension (axes [1] of shape [2,0]): it has no identity"`,
    );
    expect(errorOf(() => zeros([0]).norm(-1))).toMatchInlineSnapshot(
      `"norm: cannot compute the -1 norm over an empty dimension (axes [0] of shape [0]): it has no identity"`,
    );
    expect(errorOf(() => a23().prod(0, 1 as unknown as boolean))).toMatchInlineSnapshot(
      `"prod: keepDims must be a boolean, got number 1"`,
    );
    expect(errorOf(() => a23().sort(-1, { descending: 1 as unknown as boolean }))).toMatchInlineSnapshot(
      `"sort: descending must be true or false, got number 1"`,
    );
    expect(errorOf(() => a23().topk(1, -1, { largest: "yes" as unknown as boolean }))).toMatchInlineSnapshot(
      `"topk: largest must be true or false, got string "yes""`,
    );
    expect(errorOf(() => a23().topk(1, -1, 3 as unknown as object))).toMatchInlineSnapshot(
      `"topk: options must be an object, got number 3"`,
    );
  });
});
