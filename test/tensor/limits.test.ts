/**
 * Limits and argument validation at every tensor entry (SPEC §2 "Errors"): sizes beyond what one
 * typed array holds, more than 64 dimensions, and arguments of the wrong type or value all throw
 * a `ChainruleError` naming the op before anything is allocated or recorded.
 */
import { describe, expect, it } from "vitest";
import {
  arange,
  ChainruleError,
  concat,
  eye,
  full,
  linspace,
  ones,
  onesLike,
  rand,
  randn,
  stack,
  Tensor,
  tensor,
  where,
  zeros,
  zerosLike,
} from "../../src/index";
import { MAX_DIMS } from "../../src/tensor/broadcast";
import { MAX_ELEMENTS } from "../../src/validate";

/** Runs `fn`, expects a ChainruleError, and returns its message. */
function chainruleMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ChainruleError);
    return (e as Error).message;
  }
  throw new Error("expected a ChainruleError, nothing was thrown");
}

const tooMany = new RegExp(`more than one tensor can hold \\(${MAX_ELEMENTS}\\)`);

describe("sizes beyond one typed array throw ChainruleError before allocating", () => {
  it.each([
    ["zeros", () => zeros([1e10, 1e10])],
    ["ones", () => ones([2 ** 16, 2 ** 16])],
    ["full", () => full([1e6, 1e6], 3)],
    ["rand", () => rand([1e5, 1e5])],
    ["randn", () => randn([1e5, 1e5])],
    ["arange", () => arange(0, 1e10)],
    ["arange", () => arange(1e10)],
    ["linspace", () => linspace(0, 1, 1e10)],
    ["eye", () => eye(1e6)],
  ])("%s", (op, make) => {
    const message = chainruleMessage(make);
    expect(message.startsWith(`${op}: `)).toBe(true);
    expect(message).toMatch(tooMany);
  });

  it("a size just under the limit is checked by count, not refused for its shape", () => {
    expect(zeros([0, 1e12]).shape).toEqual([0, 1e12]);
    expect(zeros([1e12, 0, 1e12]).size).toBe(0);
  });

  it.each([
    ["expand", () => tensor([1]).expand([1e9, 1e9])],
    ["expand", () => tensor([[1], [2]]).expand(1e9, 2, 1e9)],
    ["add", () => zeros([1e5, 1]).add(zeros([1, 1e5]))],
    ["maximum", () => zeros([1e5, 1]).maximum(zeros([1e5]))],
    ["gt", () => zeros([1e5, 1]).gt(zeros([1e5]))],
    ["where", () => where(zeros([1e5, 1]), zeros([1e5]), 0)],
    ["matmul", () => zeros([1e5, 1]).matmul(zeros([1, 1e5]))],
    ["matmul", () => zeros([1e4, 1, 1, 1]).matmul(zeros([1e4, 1, 1e2]))],
    ["indexSelect", () => zeros([1e5, 1]).expand(1e5, 1e2).indexSelect(1, new Array(1e5).fill(0))],
  ])("%s computing a result too large", (op, make) => {
    const message = chainruleMessage(make);
    expect(message.startsWith(`${op}: `)).toBe(true);
    expect(message).toMatch(tooMany);
  });

  it("concat and stack of many big pieces", () => {
    // one 8 MB tensor listed 2,100 times: 2.2e9 elements in all, refused before allocating
    const many = new Array(2100).fill(zeros([1, 2 ** 20]));
    expect(chainruleMessage(() => concat(many))).toMatch(/^concat: .*more than one tensor can hold/);
    expect(chainruleMessage(() => stack(many))).toMatch(/^stack: .*more than one tensor can hold/);
  });
});

describe("at most 64 dimensions", () => {
  it("tensor() of a 10,000-deep nested array throws ChainruleError (no stack overflow)", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(chainruleMessage(() => tensor(deep as number[]))).toMatch(
      /^tensor: nested arrays deeper than 64 levels \(a tensor has at most 64 dimensions\)/,
    );
  });

  it("a self-containing array is refused instead of looping forever", () => {
    const a: unknown[] = [];
    a.push(a);
    expect(chainruleMessage(() => tensor(a as number[]))).toMatch(/deeper than 64 levels/);
  });

  it("64 levels are fine, 65 are not; shapes with more than 64 dimensions are refused everywhere", () => {
    let ok: unknown = 2;
    for (let i = 0; i < MAX_DIMS; i++) ok = [ok];
    expect(tensor(ok as number[]).ndim).toBe(64);
    const shape65 = new Array(65).fill(1);
    expect(chainruleMessage(() => zeros(shape65))).toMatch(/^zeros: shape has 65 dimensions, more than 64/);
    expect(chainruleMessage(() => tensor([1]).reshape(shape65))).toMatch(/^reshape: .*65 dimensions/);
    expect(chainruleMessage(() => new Tensor(new Float64Array(1), shape65))).toMatch(
      /^Tensor: .*65 dimensions/,
    );
    expect(chainruleMessage(() => tensor(2).expand(shape65))).toMatch(/^expand: .*65 dimensions/);
    const t64 = zeros(new Array(64).fill(1));
    expect(chainruleMessage(() => t64.unsqueeze(0))).toMatch(/^unsqueeze: .*65 dimensions/);
  });

  it("nested index arrays deeper than 64 levels are refused", () => {
    let deep: unknown = 0;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(chainruleMessage(() => tensor([1, 2]).gather(0, deep as number[]))).toMatch(
      /^gather: index is nested deeper than 64 levels/,
    );
  });
});

describe("the Tensor constructor and creation options", () => {
  it.each([
    [[-1, -2], "Tensor: shape must be an array of integers ≥ 0, got number -1 at index 0"],
    [[0.5, 4], "Tensor: shape must be an array of integers ≥ 0, got number 0.5 at index 0"],
    [["2"], 'Tensor: shape must be an array of integers ≥ 0, got string "2" at index 0'],
    ["2", 'Tensor: shape must be an array of integers ≥ 0, got string "2"'],
  ])("new Tensor(data, %j) throws", (shape, message) => {
    expect(chainruleMessage(() => new Tensor(new Float64Array(2), shape as number[]))).toBe(message);
  });

  it.each([
    ["requiresGrad", { requiresGrad: "yes" }, 'requiresGrad must be true or false, got string "yes"'],
    ["requiresGrad", { requiresGrad: 1 }, "requiresGrad must be true or false, got number 1"],
    ["label", { label: 42 }, "label must be a string, got number 42"],
    ["label", { label: null }, "label must be a string, got null"],
    ["label", { label: {} }, "label must be a string, got Object"],
    ["dtype", { dtype: "int8" }, 'dtype must be "float64", "float32", "int32" or "bool", got string "int8"'],
  ])("bad %s in the options of every creation function", (_what, opts, message) => {
    const o = opts as Record<string, unknown>;
    const makers: [string, () => unknown][] = [
      ["Tensor", () => new Tensor(new Float64Array(2), [2], o)],
      ["tensor", () => tensor([1, 2], o)],
      ["zeros", () => zeros([2], o)],
      ["ones", () => ones([2], o)],
      ["full", () => full([2], 1, o)],
      ["zerosLike", () => zerosLike(zeros([2]), o)],
      ["onesLike", () => onesLike(zeros([2]), o)],
      ["arange", () => arange(0, 2, 1, o)],
      ["linspace", () => linspace(0, 1, 2, o)],
      ["eye", () => eye(2, o)],
      ["rand", () => rand([2], o)],
      ["randn", () => randn([2], o)],
    ];
    for (const [op, make] of makers) {
      if (op === "Tensor" && "dtype" in o) continue; // the constructor's dtype comes from its storage
      expect(chainruleMessage(make)).toBe(`${op}: ${message}`);
    }
  });

  it("a Symbol label is refused too, and options must be an object", () => {
    expect(chainruleMessage(() => zeros([1], { label: Symbol("s") as unknown as string }))).toBe(
      "zeros: label must be a string, got symbol",
    );
    expect(chainruleMessage(() => zeros([1], 5 as unknown as object))).toBe(
      "zeros: options must be an object, got number 5",
    );
    expect(chainruleMessage(() => new Tensor(new Float64Array(1), [1], null as unknown as object))).toBe(
      "Tensor: options must be an object, got null",
    );
  });

  it("the label setter accepts strings and undefined only", () => {
    const t = zeros([1]);
    t.label = "w";
    expect(t.label).toBe("w");
    for (const bad of [42, null, {}, Symbol("s")]) {
      expect(
        chainruleMessage(() => {
          t.label = bad as unknown as string;
        }),
      ).toMatch(/^Tensor.label: label must be a string, got /);
    }
    expect(t.label).toBe("w");
    t.label = undefined;
    expect(t.label).toBeUndefined();
  });
});

describe("creation arguments", () => {
  it.each([
    [
      "zerosLike(null)",
      () => zerosLike(null as unknown as Tensor),
      "zerosLike: argument must be a Tensor, got null",
    ],
    [
      "onesLike([1])",
      () => onesLike([1] as unknown as Tensor),
      "onesLike: argument must be a Tensor, got array of length 1",
    ],
    [
      "rand generator {}",
      () => rand([2], { generator: {} as never }),
      "rand: generator must be an Rng, got Object",
    ],
    [
      "randn generator 1",
      () => randn([2], { generator: 1 as never }),
      "randn: generator must be an Rng, got number 1",
    ],
    [
      "linspace('a', 'b', 3)",
      () => linspace("a" as unknown as number, 1, 3),
      'linspace: start must be a finite number, got string "a"',
    ],
    [
      "linspace(0, NaN, 3)",
      () => linspace(0, Number.NaN, 3),
      "linspace: end must be a finite number, got number NaN",
    ],
    ["linspace(0, 1, 2.5)", () => linspace(0, 1, 2.5), "linspace: n must be an integer ≥ 0, got number 2.5"],
    ["eye(-1)", () => eye(-1), "eye: n must be an integer ≥ 0, got number -1"],
    [
      "full([2], 'x')",
      () => full([2], "x" as unknown as number),
      'full: fill value must be a number, got string "x"',
    ],
    [
      "zeros(3)",
      () => zeros(3 as unknown as number[]),
      "zeros: shape must be an array of integers ≥ 0, got number 3",
    ],
    [
      "zeros([2, -1])",
      () => zeros([2, -1]),
      "zeros: shape must be an array of integers ≥ 0, got number -1 at index 1",
    ],
  ])("%s", (_name, make, message) => {
    expect(chainruleMessage(make)).toBe(message);
  });
});

describe("op arguments", () => {
  const x = () => tensor([[1, 2, 3]], { requiresGrad: true });

  it("clamp refuses NaN bounds", () => {
    expect(chainruleMessage(() => x().clamp(Number.NaN, 1))).toBe(
      "clamp: min must be a number, got number NaN",
    );
    expect(chainruleMessage(() => x().clamp(0, Number.NaN))).toBe(
      "clamp: max must be a number, got number NaN",
    );
  });

  it("axis-taking ops check the axis of a 0-d tensor too (only 0 and -1 are valid)", () => {
    const s = tensor(2);
    for (const call of [
      () => s.softmax(5),
      () => s.logSoftmax(-2),
      () => s.sum(5),
      () => s.mean(1),
      () => s.max(3),
      () => s.argmax(2),
      () => s.squeeze(1),
    ]) {
      expect(chainruleMessage(call)).toMatch(/axis -?\d+ is out of range for a tensor of shape \[\]/);
    }
    expect(s.softmax(0).item()).toBe(1);
    expect(s.logSoftmax(-1).item()).toBe(0);
  });

  it("argmax/argmin check keepDims", () => {
    expect(chainruleMessage(() => x().argmax(1, "yes" as unknown as boolean))).toBe(
      'argmax: keepDims must be true or false, got string "yes"',
    );
  });

  it("leakyRelu refuses a non-finite slope", () => {
    expect(chainruleMessage(() => x().leakyRelu(Number.NaN))).toBe(
      "leakyRelu: slope must be a finite number, got number NaN",
    );
  });
});
