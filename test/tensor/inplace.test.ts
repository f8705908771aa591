/**
 * One element and in-place writes: `at(...indices)` reads, `set(…)` writes and is counted by the
 * version counter exactly once per call; a refused call writes nothing.
 */
import { describe, expect, it } from "vitest";
import { ChainruleError, tensor } from "../../src/index";
import { versionOf } from "../../src/tensor/storage";

describe("at", () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it("reads one element, negatives counting from the end", () => {
    expect([x.at(0, 0), x.at(1, 2), x.at(-1, -3), x.at(0, -1)]).toEqual([1, 6, 4, 3]);
    expect(tensor(7).at()).toBe(7);
  });

  it("refuses the wrong number of indices and out-of-range or fractional ones", () => {
    expect(() => x.at(1)).toThrow(new ChainruleError("at: a tensor of shape [2,3] needs 2 indices, got 1"));
    expect(() => x.at(2, 0)).toThrow(/at: index 2 is out of range for dimension 0 of \[2,3\] \(size 2\)/);
    expect(() => x.at(0, -4)).toThrow(/index -4 is out of range for dimension 1/);
    expect(() => x.at(0, 1.5)).toThrow(ChainruleError);
  });
});

describe("set", () => {
  it("writes one element and returns the tensor, one counted write", () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    const v = versionOf(x);
    expect(x.set([1, -1], 9)).toBe(x);
    expect(x.toArray()).toEqual([
      [1, 2],
      [3, 9],
    ]);
    expect(versionOf(x)).toBe(v + 1);
  });

  it("copies nested arrays, a number, a row, a flat typed array or a tensor, broadcast to the shape", () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    x.set([
      [5, 6],
      [7, 8],
    ]);
    expect(x.toArray()).toEqual([
      [5, 6],
      [7, 8],
    ]);
    x.set(0);
    expect(x.toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    x.set([1, 2]);
    expect(x.toArray()).toEqual([
      [1, 2],
      [1, 2],
    ]);
    x.set(tensor([[3], [4]]));
    expect(x.toArray()).toEqual([
      [3, 3],
      [4, 4],
    ]);
    x.set(Float64Array.of(9, 8, 7, 6));
    expect(x.toArray()).toEqual([
      [9, 8],
      [7, 6],
    ]);
  });

  it("writes nothing when refused: bad shapes, indices, values", () => {
    const x = tensor([1, 2, 3]);
    const v = versionOf(x);
    expect(() => x.set([1, 2])).toThrow(/set: values of shape \[2\] do not broadcast to \[3\]/);
    expect(() => x.set(Float64Array.of(1, 2))).toThrow(
      /set: a flat array needs 3 values for shape \[3\], got 2/,
    );
    expect(() => x.set([5], 1)).toThrow(/set: index 5 is out of range for dimension 0 of \[3\]/);
    expect(() => x.set([0, 0], 1)).toThrow(/needs 1 indices, got 2/);
    expect(() => x.set(1 as never, 2)).toThrow(/the first argument must be an index array/);
    expect(() => x.set([0], "a" as never)).toThrow(/value must be a number/);
    expect(() => x.set([[1], [2, 3]] as never)).toThrow(ChainruleError);
    expect(x.toArray()).toEqual([1, 2, 3]);
    expect(versionOf(x)).toBe(v);
  });
});
