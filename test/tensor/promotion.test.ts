/**
 * int32 and bool next to the float dtypes (SPEC §8): PyTorch's promotion bool < int32 < float32 <
 * float64, number operands, which ops keep integers, comparisons and logical ops giving bool,
 * int32 indices, conversions, and that only floating tensors carry gradients.
 */
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  concat,
  DataLoader,
  type DType,
  floorDivide,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  losses,
  promoteTypes,
  Tensor,
  tensor,
  where,
} from "../../src/index";

const DTYPES: readonly DType[] = ["bool", "int32", "float32", "float64"];
const i32 = (v: number[] | number[][]) => tensor(v, { dtype: "int32" });
const f32 = (v: number[]) => tensor(v, { dtype: "float32" });
const b = (v: boolean[]) => tensor(v);

describe("promotion: bool < int32 < float32 < float64", () => {
  it("promoteTypes gives the higher of two dtypes, whatever the order", () => {
    DTYPES.forEach((a, i) => {
      DTYPES.forEach((c, j) => {
        expect(promoteTypes(a, c)).toBe(DTYPES[Math.max(i, j)]);
      });
    });
  });

  it("arithmetic on two tensors takes the promoted dtype", () => {
    const of = (d: DType) => tensor([1, 0, 1], { dtype: d });
    for (const a of DTYPES) {
      for (const c of DTYPES) {
        if (a === "bool" && c === "bool") continue; // bool + bool stays bool (logical or), below
        expect(of(a).add(of(c)).dtype, `${a} + ${c}`).toBe(promoteTypes(a, c));
        expect(of(a).mul(of(c)).dtype, `${a} · ${c}`).toBe(promoteTypes(a, c));
      }
    }
  });

  it("a number keeps the tensor's dtype unless it is fractional next to int32/bool (then float64)", () => {
    expect(i32([1, 2]).add(3).dtype).toBe("int32");
    expect(i32([1, 2]).add(0.5).dtype).toBe("float64");
    expect(i32([1, 2]).add(0.5).toArray()).toEqual([1.5, 2.5]);
    expect(f32([1, 2]).add(0.5).dtype).toBe("float32");
    expect(b([true, false]).add(2).dtype).toBe("int32"); // an integer next to bool is int32, as PyTorch
    expect(b([true, false]).add(2).toArray()).toEqual([3, 2]);
    expect(b([true, false]).mul(0.5).toArray()).toEqual([0.5, 0]);
  });

  it("int32 arithmetic wraps modulo 2³² like C (and PyTorch's int32), mul included", () => {
    const big = i32([2147483647, -2147483648, 65536]);
    expect(big.add(1).toArray()).toEqual([-2147483648, -2147483647, 65537]);
    expect(big.sub(1).toArray()).toEqual([2147483646, 2147483647, 65535]);
    // 65536² = 2³² wraps to 0; (2³¹ − 1)·3 = 2³² + 2³¹ − 3 wraps to 2³¹ − 3 − 2³² … computed by Math.imul
    expect(big.mul(i32([3, 1, 65536])).toArray()).toEqual([Math.imul(2147483647, 3), -2147483648, 0]);
    expect(
      i32([3, -2])
        .pow(i32([2, 3]))
        .toArray(),
    ).toEqual([9, -8]);
    expect(i32([3]).pow(21).toArray()).toEqual([Math.imul(3 ** 20, 3)]); // 3²¹ > 2³¹, wrapped
    expect(big.neg().toArray()).toEqual([-2147483647, -2147483648, -65536]);
  });

  it("bool arithmetic follows PyTorch: add is or, mul is and, maximum or, minimum and", () => {
    const p = b([true, true, false, false]);
    const q = b([true, false, true, false]);
    expect(p.add(q).toArray()).toEqual([true, true, true, false]);
    expect(p.mul(q).toArray()).toEqual([true, false, false, false]);
    expect(p.maximum(q).toArray()).toEqual([true, true, true, false]);
    expect(p.minimum(q).toArray()).toEqual([true, false, false, false]);
    expect(p.add(q).dtype).toBe("bool");
    expect(() => p.sub(q)).toThrow(ChainruleError);
  });

  it("div of integers is true division in float64; floorDivide and remainder stay int32 (Python's signs)", () => {
    const a = i32([7, -7, 7, -7]);
    const d = i32([2, 2, -2, -2]);
    expect(a.div(d).dtype).toBe("float64");
    expect(a.div(d).toArray()).toEqual([3.5, -3.5, -3.5, 3.5]);
    expect(floorDivide(a, d).dtype).toBe("int32");
    expect(floorDivide(a, d).toArray()).toEqual([3, -4, -4, 3]);
    expect(a.remainder(d).toArray()).toEqual([1, 1, -1, -1]);
    expect(a.remainder(d).dtype).toBe("int32");
    // floats: PyTorch's floor division, and a fractional divisor next to int32 promotes
    expect(tensor([7.5, -7.5]).floorDivide(2).toArray()).toEqual([3, -4]);
    expect(a.floorDivide(2.5).toArray()).toEqual([2, -3, 2, -3]);
    expect(a.floorDivide(2.5).dtype).toBe("float64");
  });

  it("integer-preserving unary ops keep int32; the others compute in float64", () => {
    const x = i32([-3, 0, 2]);
    for (const [name, y] of [
      ["neg", x.neg()],
      ["abs", x.abs()],
      ["relu", x.relu()],
      ["floor", x.floor()],
      ["round", x.round()],
      ["clamp", x.clamp(-1, 1)],
    ] as const) {
      expect(y.dtype, name).toBe("int32");
    }
    expect(x.abs().toArray()).toEqual([3, 0, 2]);
    expect(x.clamp(-1, 1).toArray()).toEqual([-1, 0, 1]);
    expect(x.clamp(-0.5).dtype).toBe("float64"); // a fractional bound
    expect(x.clamp(-0.5).toArray()).toEqual([-0.5, 0, 2]);
    expect(x.exp().dtype).toBe("float64");
    expect(x.sqrt().toArray()).toEqual([Number.NaN, 0, Math.SQRT2]);
    expect(x.sigmoid().dtype).toBe("float64");
    expect(b([true, false]).neg().toArray()).toEqual([-1, 0]); // bool computes as int32
  });

  it("float32 with int32 gives float32 for ops that compute in floating point", () => {
    expect(f32([1, 2]).div(i32([2, 4])).dtype).toBe("float32");
    expect(i32([1, 2]).matmul(i32([3, 4])).dtype).toBe("float64");
    expect(
      i32([1, 2])
        .matmul(i32([3, 4]))
        .item(),
    ).toBe(11);
    expect(concat([i32([1]), f32([2]), b([true])]).dtype).toBe("float32");
    expect(concat([i32([1]), b([true])]).toArray()).toEqual([1, 1]);
  });

  it("reductions: sum of int32/bool is int32, mean is float64, max/min keep the dtype, argmax is int32", () => {
    const x = i32([
      [1, 5],
      [7, 2],
    ]);
    expect(x.sum().dtype).toBe("int32");
    expect(x.sum(0).toArray()).toEqual([8, 7]);
    expect(b([true, true, false]).sum().item()).toBe(2);
    expect(b([true, true, false]).sum().dtype).toBe("int32");
    expect(x.mean().dtype).toBe("float64");
    expect(x.mean().item()).toBe(3.75);
    expect(x.max(1).toArray()).toEqual([5, 7]);
    expect(x.max().dtype).toBe("int32");
    expect(b([false, true]).max().toArray()).toBe(true);
    expect(x.argmax(1).dtype).toBe("int32");
    expect(x.argmax(1).toArray()).toEqual([1, 0]);
    expect(x.cumsum(1).toArray()).toEqual([
      [1, 6],
      [7, 9],
    ]);
    expect(x.cumsum(1).dtype).toBe("int32");
  });

  it("shape and indexing ops keep int32 and bool", () => {
    const x = i32([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    for (const y of [
      x.reshape(3, 2),
      x.transpose(),
      x.permute(1, 0),
      x.slice(1, 0, 2),
      x.flip(0),
      x.roll(1, 1),
      x.triu(),
      x.expand(2, 2, 3),
      x.unsqueeze(0),
      x.gather(1, [[0], [2]]),
      x.indexSelect(0, [1]),
      x.clone(),
    ]) {
      expect(y.dtype, y.op).toBe("int32");
    }
    expect(x.gather(1, [[0], [2]]).toArray()).toEqual([[1], [6]]);
    const m = b([true, false, true]);
    expect(m.flip(0).toArray()).toEqual([true, false, true]);
    expect(m.reshape(3, 1).dtype).toBe("bool");
  });
});

describe("comparisons and logical ops return bool", () => {
  it("compare across dtypes after promotion", () => {
    expect(
      i32([1, 2, 3])
        .eq(tensor([1, 2.5, 3]))
        .toArray(),
    ).toEqual([true, false, true]);
    expect(i32([1, 2, 3]).gt(1.5).toArray()).toEqual([false, true, true]);
    expect(b([true, false]).eq(1).toArray()).toEqual([true, false]);
  });

  it("logicalAnd/Or/Xor/Not treat nonzero (NaN included) as true", () => {
    const p = tensor([0, 1, Number.NaN, -2]);
    const q = tensor([0, 0, 1, 3]);
    expect(logicalAnd(p, q).toArray()).toEqual([false, false, true, true]);
    expect(logicalOr(p, q).toArray()).toEqual([false, true, true, true]);
    expect(logicalXor(p, q).toArray()).toEqual([false, true, false, false]);
    expect(logicalNot(p).toArray()).toEqual([true, false, false, false]);
    expect(p.logicalAnd(q).dtype).toBe("bool");
    expect(logicalOr(i32([0, 4]), b([false, false])).toArray()).toEqual([false, true]);
  });

  it("where(eq(a, b), x, y) still works with a bool condition, and where's numbers promote", () => {
    const a = tensor([1, 2, 3]);
    expect(where(a.eq(2), tensor([10, 20, 30]), tensor([-1, -2, -3])).toArray()).toEqual([-1, 20, -3]);
    expect(where(a.eq(2), 1, 0).dtype).toBe("int32"); // two integers next to a bool condition
    expect(where(a.eq(2), 0.5, 0).dtype).toBe("float64");
    expect(where(a.gt(1), i32([1, 2, 3]), f32([0, 0, 0])).dtype).toBe("float32");
  });

  it("a mask multiplies a float tensor in that tensor's dtype", () => {
    const x = f32([1, 2, 3]);
    expect(x.mul(x.gt(1.5)).dtype).toBe("float32");
    expect(x.mul(x.gt(1.5)).toArray()).toEqual([0, 2, 3]);
  });
});

describe("gradients flow through floating tensors only", () => {
  it("int32 and bool tensors cannot require grad", () => {
    expect(() => tensor([1], { dtype: "int32", requiresGrad: true })).toThrow(/only floating tensors/);
    expect(() => new Tensor(new Uint8Array(2), [2], { requiresGrad: true })).toThrow(/only floating tensors/);
    const t = tensor([true]);
    expect(() => {
      t.requiresGrad = true;
    }).toThrow(ChainruleError);
    expect(t.requiresGrad).toBe(false);
  });

  it("a float tensor times an int32 tensor has a gradient for the float one only", () => {
    const w = tensor([0.5, 2], { requiresGrad: true });
    const n = i32([3, 4]);
    const y = w.mul(n).sum();
    expect(y.dtype).toBe("float64");
    y.backward();
    expect(w.grad?.toArray()).toEqual([3, 4]);
  });

  it("float32 with an int32 operand keeps a float32 gradient", () => {
    const w = tensor([0.5, 2], { dtype: "float32", requiresGrad: true });
    w.mul(i32([3, 4]))
      .add(i32([1, 1]))
      .sum()
      .backward();
    expect(w.grad?.dtype).toBe("float32");
    expect(w.grad?.toArray()).toEqual([3, 4]);
  });

  it("converting to int32 or bool cuts the graph (the result does not require grad)", () => {
    const x = tensor([1.5, -2.5], { requiresGrad: true });
    expect(x.astype("int32").requiresGrad).toBe(false);
    expect(x.astype("bool").requiresGrad).toBe(false);
    expect(x.gt(0).requiresGrad).toBe(false);
    expect(x.argmax().requiresGrad).toBe(false);
    // float32 ↔ float64 stays differentiable
    const y = x.astype("float32").mul(2).sum();
    y.backward();
    expect(x.grad?.toArray()).toEqual([2, 2]);
  });
});

describe("conversions", () => {
  it("astype between all four dtypes", () => {
    const x = tensor([1.7, -2.7, 0, Number.NaN, 3e9]);
    expect(x.astype("int32").toArray()).toEqual([1, -2, 0, 0, 3e9 - 2 ** 32]); // truncation, NaN → 0, wrap
    expect(x.astype("bool").toArray()).toEqual([true, true, false, true, true]);
    expect(x.astype("bool").astype("int32").toArray()).toEqual([1, 1, 0, 1, 1]);
    expect(i32([1, -2]).astype("float32").toArray()).toEqual([1, -2]);
    expect(b([true, false]).astype("float64").toArray()).toEqual([1, 0]);
    expect(i32([0, 5]).astype("bool").toArray()).toEqual([false, true]);
  });

  it("tensor() reads booleans, converts on request, and toArray/toJSON/toString show booleans", () => {
    const t = tensor([
      [true, false],
      [false, true],
    ]);
    expect(t.dtype).toBe("bool");
    expect(t.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.data)).toEqual([1, 0, 0, 1]);
    expect(tensor([0, 2, -1], { dtype: "bool" }).toArray()).toEqual([false, true, true]);
    expect(tensor(new Int32Array([1, 2]), { dtype: "int32" }).data).toBeInstanceOf(Int32Array);
    // a leading boolean makes the default dtype bool, and every element is then read as a bool
    expect(tensor([true, 2, 0] as boolean[]).toArray()).toEqual([true, true, false]);
    expect(tensor([true, 2] as boolean[], { dtype: "int32" }).toArray()).toEqual([1, 2]);
    expect(JSON.stringify(t)).toBe('{"shape":[2,2],"dtype":"bool","data":[[true,false],[false,true]]}');
    expect(t.toString()).toBe("tensor([[true, false],\n        [false, true]], dtype=bool)");
    expect(i32([1, -2]).toString()).toBe("tensor([1, -2], dtype=int32)");
    expect(tensor(JSON.parse(JSON.stringify(t)).data).toArray()).toEqual(t.toArray());
  });
});

describe("int32 labels and indices", () => {
  it("crossEntropy takes an int32 label tensor, giving what float labels give", () => {
    const logits = tensor([
      [2, 1, 0.1],
      [0.5, 2.5, 0.3],
    ]);
    const asInt = losses.crossEntropy(logits, i32([0, 1]));
    const asFloat = losses.crossEntropy(logits, tensor([0, 1]));
    expect(asInt.item()).toBe(asFloat.item());
  });

  it("DataLoader batches int32 labels as int32", () => {
    const xs = tensor([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    const ys = i32([2, 0, 1]);
    const loader = new DataLoader([xs, ys], { batchSize: 2 });
    const batches = [...loader];
    expect(batches.length).toBe(2);
    const [, labels] = batches[0] as Tensor[];
    expect(labels?.dtype).toBe("int32");
    expect(labels?.toArray()).toEqual([2, 0]);
  });

  it("argmax indices feed gather", () => {
    const x = tensor([
      [1, 9, 3],
      [8, 2, 4],
    ]);
    const idx = x.argmax(1, true);
    expect(x.gather(1, idx).toArray()).toEqual([[9], [8]]);
  });
});

describe("at and set on int32 and bool tensors", () => {
  it("set converts what it writes to the tensor's dtype, as astype does", () => {
    const m = tensor([false, false, false]);
    m.set([0], 5);
    m.set([1], 0);
    expect(m.toArray()).toEqual([true, false, false]);
    m.set(tensor([0, 256, -1]));
    expect(m.toArray()).toEqual([false, true, true]); // 256 is true, not 256 mod 256
    const n = i32([0, 0]);
    n.set(tensor([1.9, -1.9]));
    expect(n.toArray()).toEqual([1, -1]);
    expect(n.at(-1)).toBe(-1);
  });
});
