/**
 * Errors: every bad call throws a `ChainruleError` whose message names the op and the shapes
 * involved (inline snapshots), and a call that throws changes nothing: no node, no version bump.
 */
import { describe, expect, it } from "vitest";
import { topoSort } from "../../src/autograd/engine";
import { ChainruleError, concat, gradients, stack, type Tensor, tensor, where, zeros } from "../../src/index";
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
    ).toMatchInlineSnapshot(`"tensor: element at [1,1] is string "4", expected a number"`);
    expect(errorOf(() => tensor([1, null] as unknown as number[]))).toMatchInlineSnapshot(
      `"tensor: element at [1] is null, expected a number"`,
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
    expect(errorOf(() => a23().astype("int32" as "float32"))).toMatchInlineSnapshot(
      `"astype: unknown dtype string "int32""`,
    );
    expect(errorOf(() => a23().sum(0, "yes" as unknown as boolean))).toMatchInlineSnapshot(
      `"sum: keepDims must be a boolean, got string "yes""`,
    );
    expect(errorOf(() => a23().leakyRelu("0.1" as unknown as number))).toMatchInlineSnapshot(
      `"leakyRelu: slope must be a finite number, got string "0.1""`,
    );
  });

  it("mixed dtypes name both dtypes and shapes", () => {
    const f32 = tensor([1, 2, 3], { dtype: "float32" });
    expect(errorOf(() => a23().add(f32))).toMatchInlineSnapshot(
      `"add: dtype mismatch: float64 [2,3] and float32 [3]; convert with astype()"`,
    );
    expect(errorOf(() => a23().matmul(f32))).toMatchInlineSnapshot(
      `"matmul: dtype mismatch: float64 [2,3] and float32 [3]; convert with astype()"`,
    );
    expect(errorOf(() => where(tensor(1), a23(), f32))).toMatchInlineSnapshot(
      `"where: dtype mismatch: float64 [2,3] and float32 [3]; convert with astype()"`,
    );
    expect(errorOf(() => concat([tensor([1, 2, 3]), f32]))).toMatchInlineSnapshot(
      `"concat: dtype mismatch: float64 [3] and float32 [3]; convert with astype()"`,
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
