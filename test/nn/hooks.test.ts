import { describe, expect, it } from "vitest";
import { ChainruleError, nn, noGrad, type Tensor, tensor } from "../../src/index";

/** A Linear layer with fixed weights: y = x·Wᵀ + b, W = [[1, 2], [3, 4], [5, 6]], b = [0.5, 0, -0.5]. */
function fixedLinear(): nn.Linear {
  const l = new nn.Linear(2, 3);
  l.weight.data.set([1, 2, 3, 4, 5, 6]);
  l.bias!.data.set([0.5, 0, -0.5]);
  return l;
}

describe("Module.registerForwardHook", () => {
  it("is called after forward with (module, inputs, output); a returned value replaces the output", () => {
    const layer = fixedLinear();
    const x = tensor([[1, 1]]);
    const calls: [unknown, readonly unknown[], unknown][] = [];
    layer.registerForwardHook((m, inputs, out) => {
      calls.push([m, inputs, out]);
    });
    const y = layer.forward(x);
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toBe(layer);
    expect(calls[0]![1]).toEqual([x]);
    expect(calls[0]![2]).toBe(y);
    layer.registerForwardHook((_m, _inputs, out) => (out as Tensor).mul(2));
    expect(layer.forward(x).toArray()).toEqual([[7, 14, 21]]);
  });

  it("runs when a container calls the module, in the order of the forward pass", () => {
    const model = new nn.Sequential(fixedLinear(), new nn.ReLU(), new nn.Linear(3, 1));
    const order: string[] = [];
    for (const [name, m] of [
      ["2", model[2]],
      ["0", model[0]],
      ["model", model],
    ] as [string, nn.Module][]) {
      m.registerForwardHook(() => {
        order.push(name);
      });
    }
    model.forward(tensor([[1, -1]]));
    expect(order).toEqual(["0", "2", "model"]);
  });

  it("leaves parameters, children and the state dict alone, and remove() restores the module", () => {
    const layer = fixedLinear();
    const keys = Object.keys(layer);
    const names = layer.namedParameters().map(([n]) => n);
    let calls = 0;
    const h = layer.registerForwardHook(() => {
      calls++;
    });
    expect(Object.keys(layer)).toEqual(keys);
    expect(layer.namedParameters().map(([n]) => n)).toEqual(names);
    expect(Object.keys(layer.stateDict())).toEqual(["weight", "bias"]);
    layer.forward(tensor([[1, 2]]));
    h.remove();
    h.remove();
    layer.forward(tensor([[1, 2]]));
    expect(calls).toBe(1);
    expect(Object.hasOwn(layer, "forward")).toBe(false);
  });

  it("refuses a hook that is not a function", () => {
    expect(() => fixedLinear().registerForwardHook("x" as never)).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: registerForwardHook: hook must be a function, got string "x"]`,
    );
  });
});

describe("Module.registerFullBackwardHook", () => {
  it("gets ∂L/∂input and ∂L/∂output of the call; parameter gradients are unchanged", () => {
    const layer = fixedLinear();
    const x = tensor([[1, 2]], { requiresGrad: true });
    const got: [readonly (Tensor | null)[], readonly (Tensor | null)[]][] = [];
    layer.registerFullBackwardHook((m, gin, gout) => {
      expect(m).toBe(layer);
      got.push([gin, gout]);
    });
    const y = layer.forward(x);
    y.mul(tensor([[1, 10, 100]]))
      .sum()
      .backward();
    expect(got).toHaveLength(1);
    const [gin, gout] = got[0]!;
    expect(gout.map((g) => g?.toArray())).toEqual([[[1, 10, 100]]]);
    // ∂L/∂x = ḡ·W = [1·1 + 10·3 + 100·5, 1·2 + 10·4 + 100·6]
    expect(gin.map((g) => g?.toArray())).toEqual([[[531, 642]]]);
    expect(x.grad?.toArray()).toEqual([[531, 642]]);
    expect(layer.weight.grad?.toArray()).toEqual([
      [1, 2],
      [10, 20],
      [100, 200],
    ]);
    expect(layer.forward(x).toArray()).toEqual(noGrad(() => layer.forward(x)).toArray());
  });

  it("may keep the gradients it sees: .grad gets copies, not those tensors", () => {
    const layer = fixedLinear();
    const x = tensor([[1, 2]], { requiresGrad: true });
    const kept: Tensor[] = [];
    layer.registerFullBackwardHook((_m, gin) => {
      for (const g of gin) if (g) kept.push(g);
    });
    layer.forward(x).sum().backward();
    x.grad?.data.fill(0);
    expect(kept.map((g) => g.toArray())).toEqual([[[9, 12]]]);
  });

  it("replaces the input gradients with what it returns", () => {
    const layer = fixedLinear();
    const x = tensor([[1, 2]], { requiresGrad: true });
    layer.registerFullBackwardHook((_m, gin) => gin.map((g) => g?.mul(0) ?? null));
    layer.forward(x).sum().backward();
    expect(x.grad?.toArray()).toEqual([[0, 0]]);
    expect(layer.bias!.grad?.toArray()).toEqual([1, 1, 1]);
  });

  it("sees only the gradient through the module when the input is also used elsewhere", () => {
    const layer = fixedLinear();
    const x = tensor([[1, 2]], { requiresGrad: true });
    let gin: Tensor | null = null;
    layer.registerFullBackwardHook((_m, g) => {
      gin = g[0] ?? null;
    });
    layer.forward(x).sum().add(x.mul(100).sum()).backward();
    expect((gin as Tensor | null)?.toArray()).toEqual([[9, 12]]); // column sums of W
    expect(x.grad?.toArray()).toEqual([[109, 112]]);
  });

  it("gives null for inputs that take no gradient (plain data into the first layer)", () => {
    const layer = fixedLinear();
    let seen: [unknown[], unknown[]] | null = null;
    layer.registerFullBackwardHook((_m, gin, gout) => {
      seen = [gin.map((g) => g), gout.map((g) => g?.toArray())];
    });
    layer
      .forward(tensor([[1, 2]]))
      .sum()
      .backward();
    expect(seen).toEqual([[null], [[[1, 1, 1]]]]);
  });

  it("runs in backward order through a Sequential", () => {
    const model = new nn.Sequential(fixedLinear(), new nn.Tanh(), new nn.Linear(3, 2));
    const order: string[] = [];
    for (const i of [0, 1, 2]) {
      (model[i] as nn.Module).registerFullBackwardHook(() => {
        order.push(String(i));
      });
    }
    model
      .forward(tensor([[1, 2]], { requiresGrad: true }))
      .sum()
      .backward();
    expect(order).toEqual(["2", "1", "0"]);
  });

  it("hooks only calls made while recording; remove() stops it", () => {
    const layer = fixedLinear();
    const x = tensor([[1, 2]], { requiresGrad: true });
    let calls = 0;
    const h = layer.registerFullBackwardHook(() => {
      calls++;
    });
    expect(noGrad(() => layer.forward(x)).requiresGrad).toBe(false);
    layer.forward(x).sum().backward();
    h.remove();
    layer.forward(x).sum().backward();
    expect(calls).toBe(1);
    expect(Object.hasOwn(layer, "forward")).toBe(false);
  });

  it("refuses a replacement of the wrong length, shape or dtype, and the pass writes no .grad", () => {
    const x = tensor([[1, 2]], { requiresGrad: true });
    for (const bad of [[], [tensor([1, 2])], [tensor([[1, 2]], { dtype: "float32" })], "no"]) {
      const layer = fixedLinear();
      layer.registerFullBackwardHook(() => bad as never);
      expect(() => layer.forward(x).sum().backward()).toThrow(ChainruleError);
      expect(x.grad).toBeNull();
      expect(layer.weight.grad).toBeNull();
    }
  });
});
