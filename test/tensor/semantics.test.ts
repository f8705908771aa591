/**
 * Graph semantics of tensors (SPEC §0 and §2): one node per op call, constants for number
 * operands, requiresGrad propagation, noGrad, retainGrad, accumulation over repeated backward
 * calls, `.grad` never aliasing, and the version counter that refuses stale graphs.
 */
import { describe, expect, it } from "vitest";
import { topoSort } from "../../src/autograd/engine";
import {
  add,
  ChainruleError,
  concat,
  customOp,
  detectAnomaly,
  isGradEnabled,
  mul,
  noGrad,
  ones,
  sub,
  type Tensor,
  tensor,
  where,
} from "../../src/index";
import { storagesCreated } from "../../src/tensor/storage";

const leaf = (values: number[] | number[][] | number, requiresGrad = true): Tensor =>
  tensor(values, { requiresGrad });

describe("nodes", () => {
  it("a number operand becomes a constant 0-d leaf among the parents, in the tensor's dtype", () => {
    const x = leaf([1, 2]);
    const y = x.mul(3);
    expect(y.parents.length).toBe(2);
    expect(y.parents[0]).toBe(x);
    const c = y.parents[1] as Tensor;
    expect([c.shape, c.op, c.requiresGrad, c.isLeaf, c.item()]).toEqual([[], "", false, true, 3]);
    const f = tensor([1, 2], { dtype: "float32" });
    expect(f.add(0.1).parents[1]?.dtype).toBe("float32");
    // on the left through the root functions
    const z = sub(1, x);
    expect(z.parents[0]?.item()).toBe(1);
    expect(z.parents[1]).toBe(x);
    expect(where(tensor([1, 0]), x, 0).parents.map((p) => p.shape)).toEqual([[2], [2], []]);
  });

  it("each op call makes exactly one node whose op is the op's name", () => {
    const x = leaf([
      [1, 2],
      [3, 4],
    ]);
    const steps: [Tensor, string][] = [
      [x.add(1), "add"],
      [add(x, x), "add"],
      [mul(2, x), "mul"],
      [x.sigmoid(), "sigmoid"],
      [x.softmax(), "softmax"],
      [x.logSumExp(0), "logSumExp"],
      [x.matmul(x), "matmul"],
      [x.transpose(), "transpose"],
      [x.reshape(4), "reshape"],
      [concat([x, x]), "concat"],
      [x.max(), "max"],
      [x.clamp(0, 1), "clamp"],
      [x.gelu(), "gelu"],
    ];
    for (const [y, op] of steps) {
      expect(y.op).toBe(op);
      // its parents are the operands themselves: no hidden intermediate nodes
      expect(y.parents.filter((p) => p.requiresGrad)).toEqual(y.parents.filter((p) => p === x));
    }
    expect(x.op).toBe("");
    expect(topoSort([x.mul(2).add(1).exp()]).map((n) => n.op)).toEqual(["", "mul", "add", "exp"]);
  });

  it("results require grad exactly when an input does; leaves keep their flag", () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4], false);
    expect(a.add(b).requiresGrad).toBe(true);
    expect(b.add(b).requiresGrad).toBe(false);
    expect(b.mul(2).exp().requiresGrad).toBe(false);
    expect(b.add(b).op).toBe("add"); // still recorded, just not differentiable
    // comparisons and argmax never require grad
    expect(a.gt(b).requiresGrad).toBe(false);
    expect(a.argmax().requiresGrad).toBe(false);
    b.requiresGrad = true;
    expect(b.add(1).requiresGrad).toBe(true);
    expect(a.isLeaf && b.isLeaf).toBe(true);
  });

  it("noGrad records nothing and restores recording, even when fn throws", () => {
    const a = leaf([1, 2]);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return a.mul(a).sum();
    });
    expect([y.requiresGrad, y.op, y.parents.length, y.isLeaf]).toEqual([false, "", 0, true]);
    expect(y.item()).toBe(5);
    expect(isGradEnabled()).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
    expect(a.mul(a).requiresGrad).toBe(true);
  });
});

describe("backward", () => {
  it("fills leaves; intermediates keep .grad only after retainGrad()", () => {
    const x = leaf([1, 2, 3]);
    const h = x.mul(2);
    const r = x.mul(3).retainGrad();
    const y = h.mul(r).sum(); // 6x²
    y.backward();
    expect(x.grad?.toArray()).toEqual([12, 24, 36]);
    expect(h.grad).toBe(null);
    expect(r.grad?.toArray()).toEqual([2, 4, 6]); // ∂y/∂r = h
    expect(y.grad).toBe(null);
    expect(x.retainGrad()).toBe(x); // a no-op on leaves
  });

  it("two backward calls give exactly twice the gradient (the graph is kept)", () => {
    const x = leaf([0.3, -1.7, 2.9]);
    const y = x.mul(x).sin().sum();
    y.backward();
    const once = Array.from(x.grad?.data ?? []);
    y.backward();
    const twice = Array.from(x.grad?.data ?? []);
    expect(twice).toEqual(once.map((g) => 2 * g));
  });

  it("does not read existing .grad values: it adds this pass's gradient to them", () => {
    const x = leaf([1, 2]);
    x.grad = tensor([100, 200]);
    x.mul(3).sum().backward();
    expect(x.grad?.toArray()).toEqual([103, 203]);
  });

  it("accumulates over a node used twice (a diamond)", () => {
    const x = leaf(3);
    const h = x.mul(x); // 9
    h.add(h).mul(h).backward(); // y = 2h², dy/dx = 4h·2x = 216
    expect(x.grad?.item()).toBe(216);
  });

  it("gives each leaf its own .grad tensor, never another leaf's or the gradOutput", () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    const y = a.add(b); // add hands ḡ itself to both inputs
    const gOut = tensor([5, 6]);
    y.backward(gOut);
    expect(a.grad).not.toBe(b.grad);
    expect(a.grad).not.toBe(gOut);
    a.grad?.data.fill(0);
    expect(b.grad?.toArray()).toEqual([5, 6]);
    expect(gOut.toArray()).toEqual([5, 6]);
  });

  it("does not alias gradients with createGraph either", () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    const gOut = tensor([5, 6]);
    a.add(b).backward(gOut, { createGraph: true });
    expect(a.grad).not.toBe(b.grad);
    expect(a.grad).not.toBe(gOut);
    (a.grad as Tensor).data[0] = -1;
    expect(b.grad?.toArray()).toEqual([5, 6]);
    expect(gOut.toArray()).toEqual([5, 6]);
  });

  it("adopts a first gradient the pass created and nothing else holds, without a copy", () => {
    // storages one backward pass creates; a hook anywhere turns adoption off (hooks may keep ḡ)
    const created = (withHook: boolean) => {
      const x = leaf([1, 2, 3]);
      const y = x.mul(3).sum();
      const handle = withHook ? leaf([0]).registerHook(() => {}) : null;
      const before = storagesCreated();
      y.backward();
      handle?.remove();
      expect(x.grad?.toArray()).toEqual([3, 3, 3]);
      return storagesCreated() - before;
    };
    expect(created(true) - created(false)).toBe(1);
  });

  it("copies gradients whose memory two .grad tensors would share (views of one ḡ)", () => {
    const a = leaf([
      [1, 2],
      [3, 4],
    ]);
    const b = leaf([
      [5, 6],
      [7, 8],
    ]);
    // add hands ḡ to both; each reshape's backward makes a view of it: two tensors, one memory
    a.reshape([4])
      .add(b.reshape([4]))
      .mul(tensor([1, 2, 3, 4]))
      .sum()
      .backward();
    a.grad?.data.fill(0);
    expect(b.grad?.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("copies a leaf's gradient that is a view of a retained intermediate's", () => {
    const x = leaf([
      [1, 2],
      [3, 4],
    ]);
    const h = x.reshape([4]);
    h.retainGrad();
    h.mul(2).sum().backward();
    h.grad?.data.fill(0);
    expect(x.grad?.toArray()).toEqual([
      [2, 2],
      [2, 2],
    ]);
  });

  it("copies what hooks saw and what custom ops returned: their code may keep it", () => {
    const kept: Tensor[] = [];
    const x = leaf([1, 2]);
    const handle = x.registerHook((g) => {
      kept.push(g);
    });
    x.mul(2).sum().backward();
    handle.remove();
    const double = customOp({
      name: "double",
      forward: (t: Tensor) => t.mul(2),
      backward: (g: Tensor) => {
        const gx = g.mul(2);
        kept.push(gx);
        return [gx];
      },
    });
    const z = leaf([1, 2]);
    double(z).sum().backward();
    x.grad?.data.fill(0);
    z.grad?.data.fill(0);
    expect(kept.map((t) => t.toArray())).toEqual([
      [2, 2],
      [2, 2],
    ]);
  });

  it("with createGraph, .grad is differentiable and accumulates into a new tensor", () => {
    const x = leaf([1, 2]);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g1 = x.grad as Tensor; // 3x²
    expect(g1.toArray()).toEqual([3, 12]);
    expect(g1.requiresGrad).toBe(true);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    expect(x.grad).not.toBe(g1);
    expect(g1.toArray()).toEqual([3, 12]); // the first tensor is not modified in place
    expect(x.grad?.toArray()).toEqual([6, 24]);
    // differentiate the gradient: ∂/∂x Σ 6x² = 12x
    const gg = x.grad as Tensor;
    x.grad = null;
    gg.sum().backward();
    expect((x.grad as Tensor | null)?.toArray()).toEqual([12, 24]);
  });

  it("seeds a one-element root with 1 whatever its shape", () => {
    const x = leaf([2]);
    x.mul(x).reshape(1, 1).backward();
    expect(x.grad?.toArray()).toEqual([4]);
  });

  it("accepts gradOutput as a tensor, nested arrays or a number", () => {
    const x = leaf([1, 2]);
    x.mul(2).backward([1, 10]);
    expect(x.grad?.toArray()).toEqual([2, 20]);
    const s = leaf(3);
    s.mul(s).backward(0.5);
    expect(s.grad?.item()).toBe(3);
  });
});

describe("the version counter", () => {
  it("set(…) of a saved input makes backward throw: one element or all of them", () => {
    const x = leaf([1, 2]);
    const y = x.mul(x).sum(); // mul saves its inputs
    x.set([0], 5);
    expect(x.toArray()).toEqual([5, 2]);
    expect(() => y.backward()).toThrow(ChainruleError);
    expect(() => y.backward()).toThrow(/input 0 \[2\] of mul was modified in place/);
    const z = leaf([1, 2]);
    const w = z.sin().sum();
    z.set([3, 4]);
    expect(() => w.backward()).toThrow(/of sin was modified in place/);
  });

  it("raw writes through data are not counted (a real typed array, like PyTorch's .numpy())", () => {
    const x = leaf([1, 2]);
    expect(ArrayBuffer.isView(x.data)).toBe(true);
    expect(x.data).toBeInstanceOf(Float64Array);
    const v = x._s.version;
    x.data[0] = 5;
    x.data.fill(1);
    x.data.subarray(1).set([3]);
    expect(x._s.version).toBe(v);
    expect(x.toArray()).toEqual([1, 3]);
    // transferable and structured-cloneable, as the typed array it is
    expect(Array.from(structuredClone(x.data))).toEqual([1, 3]);
  });

  it("anomaly mode reports a raw write to saved data at backward", () => {
    const x = leaf([1, 2]);
    const y = detectAnomaly(() => x.mul(x).sum());
    x.data[0] = 5;
    expect(() => detectAnomaly(() => y.backward())).toThrow(/mul: input 0 \[2\] was changed through \.data/);
  });

  it("set(…) of a saved result (exp saves its output) makes backward throw", () => {
    const x = leaf([1, 2]);
    const e = x.exp();
    const y = e.sum();
    e.set([1], 0);
    expect(() => y.backward()).toThrow(/the result \[2\] of exp was modified in place/);
  });

  it("ops that do not need the data (add, sum, reshape) still backpropagate", () => {
    const x = leaf([1, 2]);
    const y = x
      .add(tensor([10, 20]))
      .reshape(2, 1)
      .sum();
    x.data[0] = 100;
    y.backward();
    expect(x.grad?.toArray()).toEqual([1, 1]);
  });

  it("reading data does not bump the version", () => {
    const x = leaf([1, 2]);
    const y = x.mul(x).sum();
    const v = x._s.version;
    expect((x.data[0] as number) + (x.data[1] as number)).toBe(3);
    expect(Array.from(x.data)).toEqual([1, 2]);
    expect(x.data.length).toBe(2);
    expect(x._s.version).toBe(v);
    y.backward();
    expect(x.grad?.toArray()).toEqual([2, 4]);
  });

  it("writes are seen by later ops (data is live storage, not a copy)", () => {
    const x = tensor([1, 2]);
    x.data[1] = 7;
    expect(x.mul(2).toArray()).toEqual([2, 14]);
    expect(x.data.length).toBe(x.size);
  });

  it("detach and reshape share memory and the version counter", () => {
    const x = leaf([1, 2, 3, 4]);
    const y = x.mul(x).sum();
    const d = x.detach();
    d.set([0], 9);
    expect(x.data[0]).toBe(9);
    expect(() => y.backward()).toThrow(ChainruleError);

    const z = leaf([1, 2, 3, 4]);
    const w = z.mul(z).sum();
    const r = z.reshape(2, 2);
    expect(r._s).toBe(z._s);
    r.set(1);
    expect(z.toArray()).toEqual([1, 1, 1, 1]);
    expect(() => w.backward()).toThrow(ChainruleError);

    // and the other way round: a write through the original is seen by the view
    const v = ones([2, 2]);
    const flat = v.flatten();
    v.data[3] = 5;
    expect(flat.toArray()).toEqual([1, 1, 1, 5]);
  });

  it("a fresh forward pass after the write backpropagates again", () => {
    const x = leaf([1, 2]);
    x.mul(x).sum();
    x.data[0] = 3;
    x.mul(x).sum().backward();
    expect(x.grad?.toArray()).toEqual([6, 4]);
  });
});

describe("maximum and minimum follow PyTorch's gradient rule elementwise", () => {
  // ∂/∂a = 0 where a loses, ½ on ties, else 1 (so 1 to both operands when either is NaN).
  it("with broadcasting, ties and NaN in either operand, each element by its own comparison", () => {
    const NaN_ = Number.NaN;
    const a = tensor([[1, 2, NaN_, 4, 5]], { requiresGrad: true });
    const b = tensor(
      [
        [1, 1, 3, NaN_, 6],
        [0, 2, NaN_, 9, 5],
      ],
      { requiresGrad: true },
    );
    const y = a.maximum(b);
    expect(y.toArray()).toEqual([
      [1, 2, NaN_, NaN_, 6],
      [1, 2, NaN_, 9, 5],
    ]);
    y.backward(
      tensor([
        [1, 1, 1, 1, 1],
        [10, 10, 10, 10, 10],
      ]),
    );
    // a is broadcast over the rows: its gradient sums both rows' shares
    expect(a.grad?.toArray()).toEqual([[0.5 + 10, 1 + 5, 1 + 10, 1 + 0, 0 + 5]]);
    expect(b.grad?.toArray()).toEqual([
      [0.5, 0, 1, 1, 1],
      [0, 5, 10, 10, 5],
    ]);

    const c = tensor([[1, 2, NaN_, 4, 5]], { requiresGrad: true });
    const d = tensor([[1, 1, 3, NaN_, 6]], { requiresGrad: true });
    const z = c.minimum(d);
    expect(z.toArray()).toEqual([[1, 1, NaN_, NaN_, 5]]);
    z.sum().backward();
    expect(c.grad?.toArray()).toEqual([[0.5, 0, 1, 1, 1]]);
    expect(d.grad?.toArray()).toEqual([[0.5, 1, 1, 1, 0]]);
  });

  it("sends nothing to an operand that does not require grad and keeps the gradient differentiable", () => {
    const a = tensor([1, 5], { requiresGrad: true });
    const y = a.maximum(tensor([3, 3]));
    expect(y.parents[1]?.requiresGrad).toBe(false);
    y.sum().backward(undefined, { createGraph: true });
    expect(a.grad?.toArray()).toEqual([0, 1]);
  });
});
