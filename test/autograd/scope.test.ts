/**
 * Module scopes: `recordScopes(fn)` tags every node created inside with the path of the modules
 * it was created in; given the model, every module below it is named, whoever calls it.
 */
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  nn,
  recordScopes,
  scopeOf,
  type Tensor,
  tensor,
  toDot,
  withScope,
} from "../../src/index";

/** A custom model whose forward calls its children directly (no Sequential). */
class Block extends nn.Module {
  lin = new nn.Linear(2, 2);
  act = new nn.Tanh();
  forward(x: Tensor): Tensor {
    return this.act.forward(this.lin.forward(x));
  }
}

class Net extends nn.Module {
  block = new Block();
  head = new nn.Linear(2, 1);
  forward(x: Tensor): Tensor {
    return this.head.forward(this.block.forward(x));
  }
}

/** The ops between `y` and the leaves, each with its scope (depth first, parents before children). */
function scopes(y: Tensor): [string | null, string | undefined][] {
  const out: [string | null, string | undefined][] = [];
  const seen = new Set<Tensor>();
  const visit = (t: Tensor) => {
    if (seen.has(t) || t.parents.length === 0) return;
    seen.add(t);
    out.push([t.op, scopeOf(t)]);
    for (const p of t.parents) visit(p as Tensor);
  };
  visit(y);
  return out;
}

describe("recordScopes without a model", () => {
  it("tags what Sequential runs with the child's index, and nothing outside a scope", () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    const y = recordScopes(() => model.forward(tensor([[1, 2]])).sum());
    expect(scopes(y)).toEqual([
      ["sum", undefined],
      ["relu", "1"],
      ["linear", "0"],
    ]);
  });

  it("records nothing when it is not on", () => {
    const y = withScope("a", () => tensor([1, 2]).mul(2));
    expect(scopeOf(y)).toBeUndefined();
  });
});

describe("recordScopes with the model", () => {
  it("names every module by its path, however the parent calls it", () => {
    const net = new Net();
    const y = recordScopes(() => net.forward(tensor([[1, 2]])), net);
    expect(scopes(y)).toEqual([
      ["linear", "head"],
      ["tanh", "block/act"],
      ["linear", "block/lin"],
    ]);
  });

  it("nests under Sequential's own scopes without repeating them", () => {
    const net = new nn.Sequential(new Block(), new nn.Linear(2, 1));
    const y = recordScopes(() => net.forward(tensor([[1, 2]])), net);
    expect(scopes(y)).toEqual([
      ["linear", "1"],
      ["tanh", "0/act"],
      ["linear", "0/lin"],
    ]);
  });

  it("restores every forward afterwards, also when fn throws", () => {
    const net = new Net();
    const before = net.block.forward;
    expect(Object.hasOwn(net.block, "forward")).toBe(false);
    expect(() =>
      recordScopes(() => {
        expect(net.block.forward).not.toBe(before);
        throw new Error("boom");
      }, net),
    ).toThrow("boom");
    expect(Object.hasOwn(net.block, "forward")).toBe(false);
    expect(net.block.forward).toBe(before);
  });

  it("keeps forward hooks working and in place", () => {
    const net = new Net();
    const seen: (readonly number[])[] = [];
    const handle = net.head.registerForwardHook((_m, _in, out) => {
      seen.push((out as Tensor).shape);
    });
    const y = recordScopes(() => net.forward(tensor([[1, 2]])), net);
    expect(scopeOf(y)).toBe("head");
    net.forward(tensor([[1, 2]]));
    expect(seen).toEqual([
      [1, 1],
      [1, 1],
    ]);
    handle.remove();
    net.forward(tensor([[1, 2]]));
    expect(seen).toHaveLength(2);
  });

  it("names a module shared under two names by its first, and survives cycles", () => {
    const shared = new nn.Linear(2, 2);
    class Twice extends nn.Module {
      a = shared;
      b = shared;
      self: nn.Module = this;
      forward(x: Tensor): Tensor {
        return this.b.forward(this.a.forward(x));
      }
    }
    const net = new Twice();
    const y = recordScopes(() => net.forward(tensor([[1, 2]])), net);
    expect(scopes(y).map(([, s]) => s)).toEqual(["a", "a"]);
  });

  it("rejects a model that is not a Module", () => {
    expect(() => recordScopes(() => 1, {} as never)).toThrow(ChainruleError);
    expect(() => recordScopes(() => 1, {} as never)).toThrow(
      "recordScopes: model must be an nn.Module, got Object",
    );
  });
});

describe("toDot with a model as clusters", () => {
  it("boxes each child by name and type, parameterless ones included", () => {
    const model = new nn.Sequential(
      new nn.Conv2d(1, 2, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(8, 3),
    );
    const x = tensor(Array.from({ length: 16 }, (_, i) => i / 16)).reshape([1, 1, 4, 4]);
    const loss = recordScopes(() => model.forward(x).sum(), model);
    const dot = toDot(loss, { clusters: model });
    for (const label of ["0: Conv2d", "1: ReLU", "2: MaxPool2d", "3: Flatten", "4: Linear"])
      expect(dot).toContain(`label="${label}"`);
    // the conv op sits inside the first box
    const box = dot.slice(dot.indexOf('label="0: Conv2d"'), dot.indexOf('label="1: ReLU"'));
    expect(box).toContain("conv2d");
  });

  it("collapses each child into one node with a model as collapse", () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.Tanh(), new nn.Linear(3, 1));
    const loss = recordScopes(() => model.forward(tensor([[1, 2]])).sum(), model);
    const dot = toDot(loss, { collapse: model });
    for (const label of ["0: Linear", "1: Tanh", "2: Linear"]) expect(dot).toContain(label);
    expect(dot).not.toContain("tanh |");
  });
});
