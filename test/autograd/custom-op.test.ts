import { describe, expect, it } from "vitest";
import { topoSort } from "../../src/autograd/engine";
import {
  ChainruleError,
  customOp,
  grad,
  gradcheck,
  gradgradcheck,
  gradients,
  hessian,
  isGradEnabled,
  Rng,
  randn,
  type Tensor,
  tensor,
} from "../../src/index";
import { expectAllClose, expectClose } from "../helpers/close";

const normal = (shape: number[], seed: number): Tensor => randn(shape, { generator: new Rng(seed) });

/** softsign(x) = x / (1 + |x|); softsign′(x) = 1 / (1 + |x|)², written with tensor ops. */
const softsign = customOp({
  name: "softsign",
  forward: (x) => x.div(x.abs().add(1)),
  backward: (g, { inputs: [x] }) => [g.div(x!.abs().add(1).pow(2))],
});

/** a·b + c with broadcasting; the backward returns gradients of the broadcast shape. */
const mulAdd = customOp({
  name: "mulAdd",
  forward: (a, b, c) => a.mul(b).add(c),
  backward: (g, { inputs: [a, b] }) => [g.mul(b!), g.mul(a!), g],
});

describe("customOp", () => {
  it("makes one graph node labelled with its name, its inputs as parents", () => {
    const x = tensor([0.5, -2], { requiresGrad: true });
    const w = tensor([3, 4], { requiresGrad: true });
    const c = tensor(1);
    const y = mulAdd(x, w, c);
    expect(y.op).toBe("mulAdd");
    expect(y.parents).toEqual([x, w, c]);
    expect(y.parents[0]).toBe(x);
    expect(y.isLeaf).toBe(false);
    expect(y.requiresGrad).toBe(true);
    const z = softsign(y).sum();
    expect(topoSort([z]).map((t) => t.op)).toEqual(["", "", "mulAdd", "softsign", "sum"]);
    expect(y.toString()).toContain("op=mulAdd");
  });

  it("runs forward without recording; the result requires grad only if an input does", () => {
    let recording: boolean | undefined;
    const probe = customOp({
      name: "probe",
      forward: (x) => {
        recording = isGradEnabled();
        return x.mul(2);
      },
      backward: (g) => [g.mul(2)],
    });
    const x = tensor([1, 2], { requiresGrad: true });
    const y = probe(x);
    expect(recording).toBe(false);
    expect(isGradEnabled()).toBe(true);
    expect(y.parents).toEqual([x]);
    expect(probe(tensor([1])).requiresGrad).toBe(false);
  });

  it("backpropagates through its backward, also inside a larger graph", () => {
    const x = tensor([0.5, -2, 0], { requiresGrad: true });
    softsign(x.mul(3)).sum().backward();
    // ∂/∂x softsign(3x) = 3 / (1 + |3x|)²
    expectAllClose(
      x.grad!,
      [0.5, -2, 0].map((v) => 3 / (1 + Math.abs(3 * v)) ** 2),
    );
  });

  it("passes ḡ, the inputs and the result to backward", () => {
    const seen: { g?: number[]; inputs?: readonly Tensor[]; result?: Tensor } = {};
    const expOp = customOp({
      name: "myExp",
      forward: (x) => x.exp(),
      backward: (g, { inputs, result }) => {
        seen.g = Array.from(g.data);
        seen.inputs = inputs;
        seen.result = result;
        return [g.mul(result)];
      },
    });
    const x = tensor([0, 1], { requiresGrad: true });
    const y = expOp(x);
    y.backward(tensor([2, 3]));
    expect(seen.g).toEqual([2, 3]);
    expect(seen.inputs).toEqual([x]);
    expect(seen.result).toBe(y);
    expectAllClose(x.grad!, [2, 3 * Math.E]);
  });

  it("sums a gradient of the broadcast shape back to each input's shape", () => {
    const a = tensor([[1], [2]], { requiresGrad: true }); // [2, 1]
    const b = tensor([10, 20, 30], { requiresGrad: true }); // [3]
    const c = tensor(5, { requiresGrad: true }); // []
    mulAdd(a, b, c).sum().backward();
    expect(a.grad!.shape).toEqual([2, 1]);
    expectAllClose(a.grad!, [[60], [60]]);
    expectAllClose(b.grad!, [3, 3, 3]);
    expect(c.grad!.shape).toEqual([]);
    expectClose(c.grad!.item(), 6);
  });

  it("gives no gradient to an input whose backward entry is null", () => {
    const scaleBy = customOp({
      name: "scaleBy",
      forward: (x, s) => x.mul(s),
      backward: (g, { inputs: [, s] }) => [g.mul(s!), null],
    });
    const x = tensor([1, 2], { requiresGrad: true });
    const s = tensor([3, 3], { requiresGrad: true });
    scaleBy(x, s).sum().backward();
    expectAllClose(x.grad!, [3, 3]);
    expect(s.grad).toBeNull();
  });

  it("passes gradcheck with several inputs and broadcasting", () => {
    const res = gradcheck(mulAdd, [normal([2, 3], 1), normal([3], 2), normal([2, 1], 3)]);
    expect(res.failures).toEqual([]);
    expect(res.ok).toBe(true);
    expect(gradcheck(softsign, [normal([4], 4)]).ok).toBe(true);
  });

  it("supports double backward when the backward is written with tensor ops", () => {
    expect(gradgradcheck(softsign, [normal([4], 5)]).ok).toBe(true);
    expect(gradgradcheck(mulAdd, [normal([2, 3], 6), normal([3], 7), normal([2, 1], 8)]).ok).toBe(true);

    // softsign″(x) = −2 sign(x) / (1 + |x|)³
    for (const x0 of [0.7, -1.3]) {
      const d2 = grad((t: Tensor) => grad(softsign)(t) as Tensor)(tensor(x0)) as Tensor;
      expectClose(d2.item(), (-2 * Math.sign(x0)) / (1 + Math.abs(x0)) ** 3);
    }
    const H = hessian((t) => softsign(t).sum(), tensor([0.7, -1.3]));
    expectAllClose(H, [
      [-2 / 1.7 ** 3, 0],
      [0, 2 / 2.3 ** 3],
    ]);
  });

  it("records its backward with createGraph, so ḡ is differentiable there", () => {
    const x = tensor([0.5, 2], { requiresGrad: true });
    const [g] = gradients(softsign(x).sum(), [x], { createGraph: true });
    expect(g!.requiresGrad).toBe(true);
    const [gg] = gradients(g!.sum(), [x]);
    expectAllClose(
      gg!,
      [0.5, 2].map((v) => -2 / (1 + v) ** 3),
    );
  });

  it("refuses to backpropagate after an input was modified in place", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = softsign(x).sum();
    x.set([0], 5);
    expect(() => y.backward()).toThrow(ChainruleError);
  });
});

describe("customOp errors", () => {
  it("rejects a bad definition", () => {
    const backward = (g: Tensor) => [g];
    const forward = (x: Tensor) => x;
    expect(() => customOp(null as never)).toThrow(ChainruleError);
    expect(() => customOp({ name: "", forward, backward })).toThrow(ChainruleError);
    expect(() => customOp({ name: 3 as unknown as string, forward, backward })).toThrow(ChainruleError);
    expect(() => customOp({ name: "f", forward: 1 as never, backward })).toThrow(ChainruleError);
    expect(() => customOp({ name: "f", forward, backward: "b" as never })).toThrow(ChainruleError);
  });

  it("rejects an input that is not a tensor, naming the op", () => {
    expect(() => softsign(2 as unknown as Tensor)).toThrow(ChainruleError);
    expect(() => softsign([1, 2] as unknown as Tensor)).toThrow(/softsign/);
  });

  it("rejects a forward that does not return a Tensor", () => {
    const bad = customOp({ name: "badForward", forward: () => 3 as unknown as Tensor, backward: (g) => [g] });
    expect(() => bad(tensor([1], { requiresGrad: true }))).toThrow(ChainruleError);
    expect(() => bad(tensor([1]))).toThrow(/badForward/);
  });

  /** An op whose backward returns `out`, applied to x = [1, 2] (float64). */
  const failingBackward = (out: unknown) => {
    const op = customOp({
      name: "badBackward",
      forward: (x) => x.mul(2),
      backward: () => out as Tensor[],
    });
    const x = tensor([1, 2], { requiresGrad: true });
    const y = op(x).sum();
    return { x, run: () => y.backward() };
  };

  it.each([
    ["not an array", tensor([1, 1])],
    ["too few gradients", []],
    ["too many gradients", [tensor([1, 1]), tensor([1, 1])]],
    ["a number instead of a Tensor", [2]],
    ["a nested array instead of a Tensor", [[1, 1]]],
    ["a float32 gradient for a float64 input", [tensor(new Float32Array([1, 1]))]],
    ["a gradient of an incompatible shape", [tensor([1, 1, 1])]],
    ["a gradient smaller than its input", [tensor([1])]],
    ["a 0-d gradient for a vector input", [tensor(1)]],
  ])("throws ChainruleError for a backward returning %s, and changes no .grad", (_, out) => {
    const { x, run } = failingBackward(out);
    expect(run).toThrow(ChainruleError);
    expect(x.grad).toBeNull();
  });

  it("names the op in backward errors", () => {
    expect(failingBackward([]).run).toThrow(/badBackward/);
    expect(failingBackward(["g"]).run).toThrow(/badBackward/);
  });
});
