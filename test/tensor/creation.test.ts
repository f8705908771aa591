/**
 * Making tensors (SPEC §2 "Creation", §6): inputs are copied, dtypes default from the input,
 * `opts.shape` shapes flat arrays, and the random factories draw from the seeded generator in
 * row-major order.
 */
import { describe, expect, it } from "vitest";
import {
  arange,
  eye,
  full,
  linspace,
  manualSeed,
  ones,
  onesLike,
  Rng,
  rand,
  randn,
  tensor,
  zeros,
  zerosLike,
} from "../../src/index";
import { errorOf } from "./fixtures";

describe("tensor()", () => {
  it("makes a 0-d tensor from a number", () => {
    const t = tensor(2.5);
    expect([t.shape, t.ndim, t.size, t.dtype, t.item()]).toEqual([[], 0, 1, "float64", 2.5]);
  });

  it("reads nested arrays into their shape, copying them", () => {
    const src = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const t = tensor(src);
    expect([t.shape, t.size, t.ndim]).toEqual([[2, 3], 6, 2]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    (src[0] as number[])[0] = 100;
    expect(t.data[0]).toBe(1);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor([[[7]]]).shape).toEqual([1, 1, 1]);
  });

  it("takes float32 from a Float32Array and float64 from everything else, copying", () => {
    const f32 = new Float32Array([1.5, 2.5]);
    const a = tensor(f32);
    expect([a.dtype, a.shape]).toEqual(["float32", [2]]);
    f32[0] = 9;
    expect(a.data[0]).toBe(1.5);
    expect(a.data).toBeInstanceOf(Float32Array);
    const i32 = tensor(Int32Array.from([1, -2, 3]));
    expect([i32.dtype, Array.from(i32.data)]).toEqual(["float64", [1, -2, 3]]);
    expect(i32.data).toBeInstanceOf(Float64Array);
    expect(tensor(Uint8Array.from([255, 0])).toArray()).toEqual([255, 0]);
    expect(tensor(new Float64Array([1, 2])).dtype).toBe("float64");
  });

  it("shapes a flat typed array with opts.shape ([] for one element)", () => {
    const t = tensor(Float64Array.from([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const s = tensor(new Float32Array([4]), { shape: [] });
    expect([s.shape, s.dtype, s.item()]).toEqual([[], "float32", 4]);
    expect(tensor([1, 2, 3, 4], { shape: [2, 2] }).shape).toEqual([2, 2]);
  });

  it("converts with opts.dtype", () => {
    const t = tensor([0.1, 2], { dtype: "float32" });
    expect([t.dtype, t.data[0]]).toEqual(["float32", Math.fround(0.1)]);
    expect(tensor(new Float32Array([0.5]), { dtype: "float64" }).dtype).toBe("float64");
  });

  it("copies another tensor or a tensor's live data", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor(a);
    const c = tensor(a.data);
    a.data[0] = 5;
    expect([b.data[0], c.data[0]]).toEqual([1, 1]);
    expect([b.requiresGrad, b.op]).toEqual([false, ""]);
  });

  it("sets requiresGrad and label", () => {
    const t = tensor([1], { requiresGrad: true, label: "w" });
    expect([t.requiresGrad, t.label, t.isLeaf, t.grad]).toEqual([true, "w", true, null]);
    expect(tensor([1]).requiresGrad).toBe(false);
  });

  it("rejects bad input with a ChainruleError", () => {
    expect(errorOf(() => tensor([1, 2, 3], { dtype: "int8" as "float32" }))).toMatch(/tensor: dtype must be/);
    expect(errorOf(() => tensor(Float64Array.from([1, 2, 3]), { shape: [2, 2] }))).toMatch(
      /shape \[2,2\] needs 4 elements, the input has 3/,
    );
    expect(errorOf(() => tensor([1, 2], { shape: [-2, -1] }))).toMatch(/tensor: shape/);
    expect(errorOf(() => tensor([[1], [2, 3]]))).toMatch(/ragged nested array at \[1\]/);
    expect(errorOf(() => tensor([1, "2"] as unknown as number[]))).toMatch(/element at \[1\] is string "2"/);
    expect(errorOf(() => tensor("12" as unknown as number[]))).toMatch(/tensor: expected a number/);
  });
});

describe("factories", () => {
  it("zeros, ones and full take a shape and options", () => {
    expect(zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(full([2], 7).toArray()).toEqual([7, 7]);
    expect(full([], -1).toArray()).toBe(-1);
    expect(full([2], 0.1, "float32").data[0]).toBe(Math.fround(0.1));
    expect(zeros([2], { dtype: "float32" }).dtype).toBe("float32");
    expect(ones([1], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(zeros([0, 3]).size).toBe(0);
  });

  it("zerosLike and onesLike copy shape and dtype", () => {
    const t = tensor([[1, 2, 3]], { dtype: "float32" });
    const z = zerosLike(t);
    const o = onesLike(t, { requiresGrad: true });
    expect([z.shape, z.dtype, Array.from(z.data)]).toEqual([[1, 3], "float32", [0, 0, 0]]);
    expect([o.shape, o.dtype, o.requiresGrad]).toEqual([[1, 3], "float32", true]);
  });

  it("arange counts like NumPy: ⌈(stop − start)/step⌉ values", () => {
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(arange(0, 1, 0.25).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(3, 3).shape).toEqual([0]);
    expect(arange(0, 1.1, 0.5).toArray()).toEqual([0, 0.5, 1]);
    expect(errorOf(() => arange(0, 1, 0))).toMatchInlineSnapshot(`"arange: step must not be 0"`);
  });

  it("linspace includes both ends", () => {
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(2, 2, 1).toArray()).toEqual([2]);
    expect(linspace(0, 1, 0).shape).toEqual([0]);
    expect(linspace(-1, 1, 3, { dtype: "float32" }).dtype).toBe("float32");
  });

  it("eye is the identity", () => {
    expect(eye(3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(eye(0).shape).toEqual([0, 0]);
  });

  it("eye(n, m) is rectangular, with ones on the main diagonal (torch.eye(n, m))", () => {
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(eye(3, 2).toArray()).toEqual([
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(eye(2, 0).shape).toEqual([2, 0]);
    expect(eye(3, { dtype: "float32" }).dtype).toBe("float32");
    expect(eye(2, 3, { dtype: "float32", requiresGrad: true }).requiresGrad).toBe(true);
  });

  it("eye with batchShape stacks identity matrices (tf.eye's batchShape)", () => {
    const batch = eye(2, 3, { batchShape: [2, 1] });
    expect(batch.shape).toEqual([2, 1, 2, 3]);
    const one = eye(2, 3).toArray();
    expect(batch.toArray()).toEqual([[one], [one]]);
    expect(eye(2, { batchShape: [] }).toArray()).toEqual(eye(2).toArray());
    expect(eye(2, { batchShape: [0] }).shape).toEqual([0, 2, 2]);
  });

  it("eye rejects a bad m or batchShape", () => {
    expect(errorOf(() => eye(2, 1.5))).toMatchInlineSnapshot(
      `"eye: m must be an integer ≥ 0, got number 1.5"`,
    );
    expect(errorOf(() => eye(2, -1))).toMatchInlineSnapshot(`"eye: m must be an integer ≥ 0, got number -1"`);
    expect(errorOf(() => eye(2, { batchShape: [-1] }))).toMatchInlineSnapshot(
      `"eye: batchShape must be an array of integers ≥ 0, got number -1 at index 0"`,
    );
    expect(errorOf(() => eye(2, 2, { batchShape: 3 as unknown as number[] }))).toMatchInlineSnapshot(
      `"eye: batchShape must be an array of integers ≥ 0, got number 3"`,
    );
  });

  it("rejects bad shapes and sizes", () => {
    expect(errorOf(() => zeros([2, -1]))).toMatchInlineSnapshot(
      `"zeros: shape must be an array of integers ≥ 0, got number -1 at index 1"`,
    );
    expect(errorOf(() => ones([1.5]))).toMatchInlineSnapshot(
      `"ones: shape must be an array of integers ≥ 0, got number 1.5 at index 0"`,
    );
    expect(errorOf(() => full([2], "1" as unknown as number))).toMatchInlineSnapshot(
      `"full: fill value must be a number, got string "1""`,
    );
    expect(errorOf(() => eye(-1))).toMatchInlineSnapshot(`"eye: n must be an integer ≥ 0, got number -1"`);
    expect(errorOf(() => linspace(0, 1, 2.5))).toMatchInlineSnapshot(
      `"linspace: n must be an integer ≥ 0, got number 2.5"`,
    );
    expect(errorOf(() => rand([2, -3]))).toMatchInlineSnapshot(
      `"rand: shape must be an array of integers ≥ 0, got number -3 at index 1"`,
    );
  });
});

describe("random factories (§6)", () => {
  it("rand draws the global stream's uniforms in row-major order", () => {
    manualSeed(123);
    const t = rand([2, 3]);
    const rng = new Rng(123);
    expect(Array.from(t.data)).toEqual(Array.from({ length: 6 }, () => rng.next()));
    expect(t.shape).toEqual([2, 3]);
  });

  it("randn draws normals (two uniforms each) in row-major order", () => {
    manualSeed(7);
    const t = randn([4]);
    const rng = new Rng(7);
    expect(Array.from(t.data)).toEqual(Array.from({ length: 4 }, () => rng.normal()));
  });

  it("the same seed gives the same tensors; the stream continues between calls", () => {
    manualSeed(99);
    const a = rand([3]);
    const b = rand([3]);
    manualSeed(99);
    expect(rand([3]).toArray()).toEqual(a.toArray());
    expect(rand([3]).toArray()).toEqual(b.toArray());
    expect(a.toArray()).not.toEqual(b.toArray());
  });

  it("a generator option draws from an independent stream", () => {
    manualSeed(1);
    const g = new Rng(5);
    const t = randn([3], { generator: g });
    const ref = new Rng(5);
    expect(Array.from(t.data)).toEqual([ref.normal(), ref.normal(), ref.normal()]);
    // the global stream was not used
    const fresh = new Rng(1);
    expect(rand([1]).item()).toBe(fresh.next());
  });

  it("float32 random tensors round the same draws", () => {
    const t = rand([4], { generator: new Rng(3), dtype: "float32" });
    const ref = new Rng(3);
    expect(t.dtype).toBe("float32");
    expect(Array.from(t.data)).toEqual(Array.from({ length: 4 }, () => Math.fround(ref.next())));
  });

  it("uniforms lie in [0, 1)", () => {
    const t = rand([1000], { generator: new Rng(11) });
    expect(Math.min(...t.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...t.data)).toBeLessThan(1);
  });
});
