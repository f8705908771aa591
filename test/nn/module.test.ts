/**
 * `nn.Module` (SPEC §3): parameter discovery (registration order, no duplicates, arrays of
 * modules), zeroGrad, train/eval, and state dicts — which round-trip exactly through JSON and,
 * on any bad input, throw `ChainruleError` without changing a single weight.
 */
import { describe, expect, it } from "vitest";
import { ChainruleError, manualSeed, nn, type Tensor, tensor, Value } from "../../src/index";

/** Every parameter's data, by name (copies). */
function snapshot(m: nn.Module): Record<string, number[]> {
  return Object.fromEntries(
    m.namedParameters().map(([name, p]) => [name, p instanceof Value ? [p.data] : Array.from(p.data)]),
  );
}

const names = (m: nn.Module): string[] => m.namedParameters().map(([n]) => n);

class Pair extends nn.Module {
  constructor(
    readonly first: nn.Linear,
    readonly second: nn.Linear,
  ) {
    super();
  }
}

describe("parameter discovery", () => {
  it("finds parameters in own properties in registration order, children by property name", () => {
    manualSeed(0);
    const m = new Pair(new nn.Linear(2, 3), new nn.Linear(3, 1));
    expect(names(m)).toEqual(["first.weight", "first.bias", "second.weight", "second.bias"]);
    expect(m.parameters()).toEqual([m.first.weight, m.first.bias, m.second.weight, m.second.bias]);
    m.parameters().forEach((p, i) => {
      expect(p).toBe(m.namedParameters()[i]?.[1]);
    });
  });

  it("returns a fresh array on every call", () => {
    const m = new nn.Linear(2, 2);
    const a = m.parameters();
    const b = m.parameters();
    expect(a).not.toBe(b);
    a.pop();
    a.push(tensor([1], { requiresGrad: true }));
    expect(m.parameters()).toHaveLength(2);
    expect(m.parameters()[1]).toBe(m.bias);
  });

  it("lists a shared module once, under its first name", () => {
    const shared = new nn.Linear(2, 2);
    const m = new Pair(shared, shared);
    expect(names(m)).toEqual(["first.weight", "first.bias"]);
    expect(m.parameters()).toHaveLength(2);
  });

  it("lists a shared parameter once (tied weights)", () => {
    class Tied extends nn.Module {
      encoder = new nn.Linear(3, 2);
      decoderWeight: Tensor = this.encoder.weight;
      extra = tensor([1, 2], { requiresGrad: true });
    }
    const m = new Tied();
    expect(names(m)).toEqual(["encoder.weight", "encoder.bias", "extra"]);
    expect(new Set(m.parameters()).size).toBe(m.parameters().length);
  });

  it("finds modules and parameters in arrays (and nested arrays), named by index", () => {
    class Stack extends nn.Module {
      layers = [new nn.Linear(2, 3), new nn.Linear(3, 1, { bias: false })];
      scales = [tensor([1], { requiresGrad: true }), tensor([2], { requiresGrad: true })];
      grid = [[new Value(1)], [new Value(2), new Value(3)]];
    }
    const m = new Stack();
    expect(names(m)).toEqual([
      "layers.0.weight",
      "layers.0.bias",
      "layers.1.weight",
      "scales.0",
      "scales.1",
      "grid.0.0",
      "grid.1.0",
      "grid.1.1",
    ]);
  });

  it("ignores tensors without requiresGrad, numbers, strings and other objects", () => {
    class WithBuffers extends nn.Module {
      runningMean = tensor([0, 0]);
      count = 3;
      name = "net";
      config = { w: tensor([1], { requiresGrad: true }) };
      mixed = [1, "a", tensor([5])];
      w = tensor([1], { requiresGrad: true });
    }
    expect(names(new WithBuffers())).toEqual(["w"]);
  });

  it("survives a module that refers back to its parent", () => {
    class Child extends nn.Module {
      parent: nn.Module | null = null;
      v = new Value(1);
    }
    class Parent extends nn.Module {
      child = new Child();
      w = new Value(2);
    }
    const p = new Parent();
    p.child.parent = p;
    expect(names(p)).toEqual(["child.v", "w"]);
  });

  it("Value parameters work alongside tensors", () => {
    class Mixed extends nn.Module {
      a = new Value(1);
      t = tensor([1, 2], { requiresGrad: true });
      b = new Value(2);
    }
    const m = new Mixed();
    expect(names(m)).toEqual(["a", "t", "b"]);
  });
});

describe("zeroGrad", () => {
  it("sets tensor grads to null and Value grads to 0, everywhere below", () => {
    class Mixed extends nn.Module {
      lin = new nn.Linear(2, 1);
      v = new Value(3);
    }
    const m = new Mixed();
    m.lin
      .forward(tensor([[1, 2]]))
      .sum()
      .mul(m.v.data)
      .backward();
    m.v.mul(m.v).backward();
    expect(m.lin.weight.grad).not.toBeNull();
    expect(m.v.grad).toBe(6);
    m.zeroGrad();
    expect(m.lin.weight.grad).toBeNull();
    expect(m.lin.bias?.grad).toBeNull();
    expect(m.v.grad).toBe(0);
  });
});

describe("train() and eval()", () => {
  it("set the mode of the module and every module below it, and return the module", () => {
    const inner = new nn.Sequential(new nn.Dropout(0.5), new nn.Linear(2, 2));
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), inner);
    class Holder extends nn.Module {
      net = net;
      heads = [new nn.Dropout(0.1), new nn.Linear(2, 1)];
    }
    const h = new Holder();
    const all = [h, net, inner, ...inner.layers(), ...net.layers(), ...h.heads];
    expect(all.every((m) => m.training)).toBe(true);
    expect(h.eval()).toBe(h);
    expect(all.every((m) => !m.training)).toBe(true);
    expect(h.train()).toBe(h);
    expect(all.every((m) => m.training)).toBe(true);
    h.train(false);
    expect(all.every((m) => !m.training)).toBe(true);
  });

  // BUG (src/nn/module.ts, namedChildren): it looks only one array level deep, while
  // namedParameters recurses into nested arrays, so train()/eval() miss a module that parameter
  // discovery finds: a Dropout in `blocks = [[…]]` stays active after eval().
  it("reach modules in nested arrays, as parameter discovery does", () => {
    class Blocks extends nn.Module {
      blocks = [[new nn.Dropout(0.5), new nn.Linear(2, 2)]];
    }
    const m = new Blocks();
    expect(names(m)).toEqual(["blocks.0.1.weight", "blocks.0.1.bias"]);
    m.eval();
    expect(m.blocks[0]?.every((child) => !child.training)).toBe(true);
  });

  it("switching a child does not switch its parent", () => {
    const child = new nn.Dropout(0.5);
    const parent = new nn.Sequential(child);
    child.eval();
    expect(parent.training).toBe(true);
    expect(child.training).toBe(false);
  });
});

describe("stateDict", () => {
  it("maps each dotted name to { shape, dtype, data } copies", () => {
    manualSeed(1);
    const m = new nn.MLP(3, [4, 2]);
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(sd["0.weight"]?.shape).toEqual([4, 3]);
    expect(sd["0.weight"]?.dtype).toBe("float64");
    expect(sd["0.weight"]?.data).toEqual(Array.from((m[0] as nn.Linear).weight.data));
    expect(Array.isArray(sd["0.weight"]?.data)).toBe(true);
    expect(sd["2.bias"]).toEqual({ shape: [2], dtype: "float64", data: [0, 0] });
    // a copy: editing it does not touch the model
    (sd["0.weight"]?.data as number[])[0] = 123;
    expect((m[0] as nn.Linear).weight.data[0]).not.toBe(123);
  });

  it("stores a Value as shape [], dtype float64", () => {
    class Scalar extends nn.Module {
      w = new Value(0.5);
    }
    expect(new Scalar().stateDict()).toEqual({ w: { shape: [], dtype: "float64", data: [0.5] } });
  });

  it("round-trips exactly through JSON, awkward doubles included", () => {
    manualSeed(2);
    const a = new nn.MLP(4, [5, 3]);
    const w = (a[0] as nn.Linear).weight;
    w.data.set([0.1, 1 / 3, Math.PI, -1e-310, 1.7976931348623157e308, 2 ** -1074, -123456.789]);
    manualSeed(3);
    const b = new nn.MLP(4, [5, 3]);
    expect(snapshot(b)).not.toEqual(snapshot(a));
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(snapshot(b)).toEqual(snapshot(a));
    const x = tensor([
      [1, 2, 3, 4],
      [-1, 0.5, 0, 2],
    ]);
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
  });

  it("round-trips float32 models and Value modules", () => {
    manualSeed(4);
    const a = new nn.Linear(3, 2, { dtype: "float32" });
    const b = new nn.Linear(3, 2, { dtype: "float32" });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(b.weight.dtype).toBe("float32");

    class Scalar extends nn.Module {
      ws = [new Value(1), new Value(2)];
    }
    const s = new Scalar();
    s.loadStateDict({
      "ws.0": { shape: [], dtype: "float64", data: [-4] },
      "ws.1": { shape: [], dtype: "float64", data: [0.25] },
    });
    expect(s.ws.map((v) => v.data)).toEqual([-4, 0.25]);
  });

  it("loading bumps the version: graphs recorded before the load refuse backward", () => {
    const m = new nn.Linear(2, 1);
    const stale = m.forward(tensor([[1, 2]])).sum();
    m.loadStateDict(new nn.Linear(2, 1).stateDict());
    expect(() => stale.backward()).toThrow(ChainruleError);
  });
});

describe("loadStateDict rejects bad input and changes nothing", () => {
  /** A valid state dict from another model of the same architecture, to corrupt. */
  const good = (): Record<string, Record<string, unknown>> => {
    manualSeed(11);
    return JSON.parse(JSON.stringify(new nn.MLP(3, [4, 2]).stateDict()));
  };

  const bad: [string, () => unknown, RegExp][] = [
    [
      "a missing name",
      () => {
        const s = good();
        delete s["2.bias"];
        return s;
      },
      /missing 2\.bias/,
    ],
    [
      "an unexpected name",
      () => ({ ...good(), "3.weight": { shape: [1], dtype: "float64", data: [1] } }),
      /unexpected 3\.weight/,
    ],
    [
      "a renamed entry",
      () => {
        const s = good();
        s["2.b"] = s["2.bias"] as Record<string, unknown>;
        delete s["2.bias"];
        return s;
      },
      /missing 2\.bias; unexpected 2\.b/,
    ],
    [
      "a wrong shape with the right size",
      () => {
        const s = good();
        (s["2.bias"] as Record<string, unknown>).shape = [1, 2];
        return s;
      },
      /2\.bias has shape \[1,2\], the model expects \[2\]/,
    ],
    [
      "a transposed weight",
      () => {
        const s = good();
        (s["2.weight"] as Record<string, unknown>).shape = [4, 2];
        return s;
      },
      /2\.weight has shape \[4,2\], the model expects \[2,4\]/,
    ],
    [
      "a shape that is not an array",
      () => {
        const s = good();
        (s["2.bias"] as Record<string, unknown>).shape = "2";
        return s;
      },
      /2\.bias has shape/,
    ],
    [
      "a wrong dtype",
      () => {
        const s = good();
        (s["2.bias"] as Record<string, unknown>).dtype = "float32";
        return s;
      },
      /2\.bias has dtype string "float32", the model expects float64/,
    ],
    [
      "a missing dtype",
      () => {
        const s = good();
        delete (s["2.bias"] as Record<string, unknown>).dtype;
        return s;
      },
      /2\.bias has dtype undefined/,
    ],
    [
      "NaN",
      () => {
        const s = good();
        ((s["2.bias"] as Record<string, unknown>).data as number[])[1] = Number.NaN;
        return s;
      },
      /2\.bias\.data\[1\] is number NaN, expected a finite float64 number/,
    ],
    [
      "Infinity",
      () => {
        const s = good();
        ((s["2.bias"] as Record<string, unknown>).data as number[])[1] = Number.POSITIVE_INFINITY;
        return s;
      },
      /2\.bias\.data\[1\] is number Infinity/,
    ],
    [
      "−Infinity",
      () => {
        const s = good();
        ((s["2.weight"] as Record<string, unknown>).data as number[])[7] = Number.NEGATIVE_INFINITY;
        return s;
      },
      /2\.weight\.data\[7\] is number -Infinity/,
    ],
    [
      "a string value",
      () => {
        const s = good();
        ((s["2.bias"] as Record<string, unknown>).data as unknown[])[1] = "0.5";
        return s;
      },
      /2\.bias\.data\[1\] is string "0\.5"/,
    ],
    [
      "a null value (what JSON makes of NaN)",
      () => {
        const s = good();
        ((s["2.bias"] as Record<string, unknown>).data as unknown[])[0] = null;
        return s;
      },
      /2\.bias\.data\[0\] is null/,
    ],
    [
      "data that is not an array",
      () => {
        const s = good();
        (s["2.bias"] as Record<string, unknown>).data = "0,0";
        return s;
      },
      /2\.bias needs 2 numbers in data, got string/,
    ],
    [
      "data as an object with numeric keys",
      () => {
        const s = good();
        (s["2.bias"] as Record<string, unknown>).data = { 0: 1, 1: 2, length: 2 };
        return s;
      },
      /2\.bias needs 2 numbers in data/,
    ],
    [
      "nested data for a 2-D weight",
      () => {
        const s = good();
        (s["2.weight"] as Record<string, unknown>).data = [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ];
        return s;
      },
      /2\.weight needs 8 numbers in data/,
    ],
    [
      "too few numbers",
      () => {
        const s = good();
        ((s["2.weight"] as Record<string, unknown>).data as number[]).pop();
        return s;
      },
      /2\.weight needs 8 numbers in data, got array of length 7/,
    ],
    ["an entry that is null", () => ({ ...good(), "2.bias": null }), /2\.bias must be an object, got null/],
    ["an entry that is a number", () => ({ ...good(), "2.bias": 3 }), /2\.bias must be an object/],
    ["null", () => null, /expected an object/],
    ["an array", () => [good()], /expected an object/],
    ["a string", () => JSON.stringify(good()), /expected an object/],
    ["a number", () => 42, /expected an object/],
  ];

  it.each(bad)("%s", (_, make, message) => {
    manualSeed(10);
    const m = new nn.MLP(3, [4, 2]);
    const before = snapshot(m);
    const x = tensor([[1, -1, 2]]);
    const recorded = m.forward(x).sum();
    const state = make();
    expect(() => m.loadStateDict(state)).toThrow(ChainruleError);
    expect(() => m.loadStateDict(state)).toThrow(message);
    expect(() => m.loadStateDict(state)).toThrow(/^loadStateDict: /);
    // every weight is unchanged, and no version was bumped (the recorded graph still backpropagates)
    expect(snapshot(m)).toEqual(before);
    recorded.backward();
    // the uncorrupted dict does load (the corruption, not the fixture, caused the error)
    m.loadStateDict(good());
    expect(snapshot(m)).not.toEqual(before);
  });

  it("a float32 state dict does not load into a float64 model", () => {
    manualSeed(12);
    const m64 = new nn.Linear(2, 2);
    const m32 = new nn.Linear(2, 2, { dtype: "float32" });
    const before = snapshot(m64);
    expect(() => m64.loadStateDict(m32.stateDict())).toThrow(
      /weight has dtype string "float32", the model expects float64/,
    );
    expect(snapshot(m64)).toEqual(before);
  });

  // BUG (src/nn/module.ts, loadStateDict): finiteness is checked on the double, not on the value
  // the float32 storage will hold, so 1e39 passes and is written as Infinity.
  it("a float32 model rejects values that overflow float32 (|v| > 3.4028234663852886e38)", () => {
    const m = new nn.Linear(1, 1, { dtype: "float32" });
    const before = snapshot(m);
    const state = {
      weight: { shape: [1, 1], dtype: "float32", data: [1e39] },
      bias: { shape: [1], dtype: "float32", data: [0] },
    };
    expect(() => m.loadStateDict(state)).toThrow(ChainruleError);
    expect(snapshot(m)).toEqual(before);
  });

  it("a Value module rejects a non-scalar entry", () => {
    class Scalar extends nn.Module {
      w = new Value(1);
    }
    const s = new Scalar();
    expect(() => s.loadStateDict({ w: { shape: [1], dtype: "float64", data: [2] } })).toThrow(
      /w has shape \[1\], the model expects \[\]/,
    );
    expect(s.w.data).toBe(1);
  });
});

describe("frozen parameters (requiresGrad = false) stay parameters, as in PyTorch", () => {
  it("are listed by parameters(), namedParameters() and stateDict(), frozen before any other call", () => {
    manualSeed(20);
    const m = new nn.MLP(3, [4, 2]);
    (m[0] as nn.Linear).weight.requiresGrad = false;
    expect(names(m)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(m.parameters()[0]).toBe((m[0] as nn.Linear).weight);
    expect(Object.keys(m.stateDict())).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
  });

  it("a full checkpoint loads into a frozen model, and the model stays frozen", () => {
    manualSeed(21);
    const a = new nn.MLP(3, [4, 2]);
    manualSeed(22);
    const b = new nn.MLP(3, [4, 2]);
    const frozen = (b[0] as nn.Linear).weight;
    frozen.requiresGrad = false;
    b.loadStateDict(a.stateDict());
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(frozen.requiresGrad).toBe(false);
  });

  it("a tensor made trainable later (requiresGrad = true) is a parameter, and stays one when frozen", () => {
    class Late extends nn.Module {
      w = tensor([1, 2]);
    }
    const m = new Late();
    expect(names(m)).toEqual([]);
    m.w.requiresGrad = true;
    m.w.requiresGrad = false;
    expect(names(m)).toEqual(["w"]);
  });

  it("zeroGrad clears a frozen parameter's gradient too", () => {
    const m = new nn.Linear(2, 1);
    m.forward(tensor([[1, 2]]))
      .sum()
      .backward();
    m.weight.requiresGrad = false;
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
  });

  it("an op result stored on a module (not a leaf) is not a parameter", () => {
    class Cache extends nn.Module {
      w = tensor([1, 2], { requiresGrad: true });
      doubled = this.w.mul(2);
    }
    expect(names(new Cache())).toEqual(["w"]);
  });
});

describe("module graphs with sharing and cycles: each module is visited once", () => {
  class Child extends nn.Module {
    parent: nn.Module | null = null;
    drop = new nn.Dropout(0.5);
    v = new Value(1);
  }
  class Parent extends nn.Module {
    child = new Child();
    w = new Value(2);
  }

  it("modules() lists a module reused in a Sequential once", () => {
    const l = new nn.Linear(2, 2);
    const relu = new nn.ReLU();
    const seq = new nn.Sequential(l, relu, l);
    expect(seq.modules()).toEqual([seq, l, relu]);
    expect(seq.modules()[1]).toBe(l);
    expect(names(seq)).toEqual(["0.weight", "0.bias"]);
  });

  it("a child that refers back to its parent: modules, train, eval, zeroGrad and stateDict finish", () => {
    const p = new Parent();
    p.child.parent = p;
    expect(p.modules()).toEqual([p, p.child, p.child.drop]);
    expect(p.child.modules()).toEqual([p.child, p, p.child.drop]);
    p.eval();
    expect([p.training, p.child.training, p.child.drop.training]).toEqual([false, false, false]);
    p.train();
    expect([p.training, p.child.training, p.child.drop.training]).toEqual([true, true, true]);
    p.child.v.grad = 3;
    p.zeroGrad();
    expect(p.child.v.grad).toBe(0);
    expect(Object.keys(p.stateDict())).toEqual(["child.v", "w"]);
  });

  it("a module that holds itself, and an array that holds itself", () => {
    class Selfish extends nn.Module {
      me: unknown = this;
      list: unknown[] = [new Value(1)];
    }
    const m = new Selfish();
    m.list.push(m.list, m);
    expect(m.modules()).toEqual([m]);
    expect(m.namedChildren()).toEqual([["me", m]]);
    expect(names(m)).toEqual(["list.0"]);
    m.eval();
    expect(m.training).toBe(false);
  });

  it("a chain of 10,000 nested modules does not overflow the stack", () => {
    class Link extends nn.Module {
      w = new Value(1);
      next: Link | null = null;
    }
    const head = new Link();
    let tail = head;
    for (let i = 1; i < 10_000; i++) {
      tail.next = new Link();
      tail = tail.next;
    }
    expect(head.modules()).toHaveLength(10_000);
    expect(head.parameters()).toHaveLength(10_000);
    expect(names(head).slice(0, 3)).toEqual(["w", "next.w", "next.next.w"]);
    head.eval();
    expect(tail.training).toBe(false);
  });

  it("namedChildren lists a child held twice once, under its first name", () => {
    const l = new nn.Linear(2, 2);
    const seq = new nn.Sequential(l, new nn.ReLU(), l);
    expect(seq.namedChildren().map(([n]) => n)).toEqual(["0", "1"]);
  });

  it("train(mode) refuses a mode that is not a boolean", () => {
    const m = new nn.Linear(2, 2);
    expect(() => m.train("yes" as never)).toThrow(/^train: mode must be true or false, got string "yes"/);
    expect(m.training).toBe(true);
  });
});

describe("names that are Object.prototype members", () => {
  /** A module whose parameters are named __proto__, constructor and toString. */
  class Awkward extends nn.Module {
    override toString = new Value(1) as unknown as () => string;
    constructor() {
      super();
      for (const [name, v] of [
        ["constructor", 2],
        ["__proto__", 3],
      ] as const) {
        Object.defineProperty(this, name, { value: new Value(v), enumerable: true, writable: true });
      }
    }
  }

  it("stateDict keeps them as own keys, and they round-trip through JSON", () => {
    const a = new Awkward();
    expect(names(a)).toEqual(["toString", "constructor", "__proto__"]);
    const sd = a.stateDict();
    expect(Object.keys(sd)).toEqual(["toString", "constructor", "__proto__"]);
    expect(Object.getOwnPropertyDescriptor(sd, "__proto__")?.value).toEqual({
      shape: [],
      dtype: "float64",
      data: [3],
    });
    const b = new Awkward();
    for (const [, p] of b.namedParameters()) (p as Value).data = 0;
    b.loadStateDict(JSON.parse(JSON.stringify(sd)));
    expect(snapshot(b)).toEqual(snapshot(a));
  });

  it("a name missing from the dict is reported missing, not looked up on Object.prototype", () => {
    const m = new Awkward();
    const state = JSON.parse(JSON.stringify(m.stateDict()));
    delete state.constructor;
    delete state.toString;
    expect(() => m.loadStateDict(state)).toThrow(
      /^loadStateDict: names do not match the model: missing toString, constructor$/,
    );
  });

  it("entries inherited through the prototype chain do not count", () => {
    const m = new nn.Linear(1, 1);
    const before = snapshot(m);
    const state = Object.create(new nn.Linear(1, 1).stateDict());
    expect(() => m.loadStateDict(state)).toThrow(/missing weight, bias/);
    expect(snapshot(m)).toEqual(before);
  });

  it("an unexpected key named __proto__ or constructor is reported as unexpected", () => {
    const m = new nn.Linear(1, 1);
    const state = JSON.parse(
      `{"__proto__": {"shape": [1], "dtype": "float64", "data": [1]}, ${JSON.stringify(m.stateDict()).slice(1)}`,
    );
    expect(() => m.loadStateDict(state)).toThrow(/unexpected __proto__/);
  });
});

describe("loadStateDict validates data fully", () => {
  const linear = () => {
    manualSeed(30);
    return new nn.Linear(2, 1);
  };
  const entry = (data: unknown, shape: unknown = [1, 2]) => ({
    weight: { shape, dtype: "float64", data },
    bias: { shape: [1], dtype: "float64", data: [0.5] },
  });

  /** `[<hole>, 2]`: length 2, index 0 never assigned. */
  const holeThenTwo = () => Object.assign(new Array(2), { 1: 2 });

  it.each([
    ["a sparse data array (holes are not numbers)", entry(new Array(2)), /weight\.data\[0\] is undefined/],
    ["a data array that starts with a hole", entry(holeThenTwo()), /weight\.data\[0\] is undefined/],
    ["a sparse shape array", entry([1, 2], new Array(2)), /weight has shape/],
    ["a shape with a hole", entry([1, 2], holeThenTwo()), /weight has shape/],
    ["a typed array of the wrong length", entry(new Float64Array(3)), /weight needs 2 numbers in data/],
    ["a typed array holding NaN", entry(Float64Array.of(1, Number.NaN)), /weight\.data\[1\] is number NaN/],
    ["an integer typed array", entry(Int32Array.of(1, 2)), /weight needs 2 numbers in data, got Int32Array/],
    ["a boolean", entry([true, 1]), /weight\.data\[0\] is boolean/],
    ["a shape holding objects", entry([1, 2], [{}, []]), /weight has shape/],
    // objects whose own `constructor.name` or `toString` cannot become a string
    [
      "a hostile shape object",
      entry([1, 2], { constructor: { name: { toString: 1 } } }),
      /weight has shape Object/,
    ],
    [
      "a shape with a hostile element",
      entry([1, 2], [{ toString: 1 }, 2]),
      /weight has shape array of length 2/,
    ],
    [
      "a hostile data element",
      entry([{ constructor: { name: Object.create(null) } }, 1]),
      /weight\.data\[0\] is Object/,
    ],
    [
      "a hostile dtype",
      { ...entry([1, 2]), bias: { shape: [1], dtype: { shape: [{ toString: 1 }] }, data: [0] } },
      /bias has dtype Object/,
    ],
  ])("%s", (_, state, message) => {
    const m = linear();
    const before = snapshot(m);
    expect(() => m.loadStateDict(state)).toThrow(ChainruleError);
    expect(() => m.loadStateDict(state)).toThrow(message);
    expect(snapshot(m)).toEqual(before);
  });

  it("accepts Float64Array and Float32Array data", () => {
    const m = linear();
    m.loadStateDict(entry(Float64Array.of(0.25, -2)));
    expect(Array.from(m.weight.data)).toEqual([0.25, -2]);
    m.loadStateDict(entry(Float32Array.of(0.5, 3)));
    expect(Array.from(m.weight.data)).toEqual([0.5, 3]);
  });

  it("keeps −0 and subnormals exactly", () => {
    const m = linear();
    m.loadStateDict(entry([-0, 2 ** -1074]));
    expect(Object.is(m.weight.data[0], -0)).toBe(true);
    expect(m.weight.data[1]).toBe(2 ** -1074);
    expect(Object.is(m.stateDict().weight?.data[0], -0)).toBe(true);
  });

  it("loads NaN and ±Infinity only with { allowNonFinite: true }", () => {
    const m = linear();
    expect(() => m.loadStateDict(entry([Number.NaN, 1]))).toThrow(/weight\.data\[0\] is number NaN/);
    m.loadStateDict(entry([Number.NaN, Number.NEGATIVE_INFINITY]), { allowNonFinite: true });
    expect(Array.from(m.weight.data)).toEqual([Number.NaN, Number.NEGATIVE_INFINITY]);
    expect(() => m.loadStateDict(entry([1, 2]), { allowNonFinite: "yes" } as never)).toThrow(
      /^loadStateDict: allowNonFinite must be true or false, got string "yes"/,
    );
    expect(() => m.loadStateDict(entry([1, 2]), 5 as never)).toThrow(
      /^loadStateDict: options must be an object/,
    );
  });

  it("lists at most a few of many unexpected names", () => {
    const m = linear();
    const state: Record<string, unknown> = { ...m.stateDict() };
    for (let i = 0; i < 1000; i++) state[`extra${i}`] = 0;
    const err = (() => {
      try {
        m.loadStateDict(state);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/unexpected extra0, extra1, .*and 990 more/);
    expect(err?.message.length).toBeLessThan(400);
  });
});

describe("buffers (SPEC §9): registerBuffer, buffers, namedBuffers", () => {
  class Stats extends nn.Module {
    readonly weight = tensor([1, 2], { requiresGrad: true });
    readonly running_mean: Tensor;
    readonly num_batches_tracked = this.registerBuffer(
      "num_batches_tracked",
      tensor([0], { dtype: "int32" }),
    );
    readonly scratch = this.registerBuffer("scratch", tensor([9]), { persistent: false });
    constructor() {
      super();
      this.running_mean = this.registerBuffer("running_mean", tensor([0, 0]));
    }
  }

  it("are in stateDict (in property order, as parameters are) but never in parameters()", () => {
    const m = new Stats();
    expect(names(m)).toEqual(["weight"]);
    // a declared field (running_mean) exists from construction on, so it keeps its place
    expect(m.namedBuffers().map(([n]) => n)).toEqual(["running_mean", "num_batches_tracked", "scratch"]);
    expect(m.buffers()).toEqual([m.running_mean, m.num_batches_tracked, m.scratch]);
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(["weight", "running_mean", "num_batches_tracked"]);
    expect(sd.num_batches_tracked).toEqual({ shape: [1], dtype: "int32", data: [0] });
    expect(sd.running_mean).toEqual({ shape: [2], dtype: "float64", data: [0, 0] });
  });

  it("are found in children with dotted names, shared ones once, and round-trip through JSON", () => {
    class Outer extends nn.Module {
      a = new Stats();
      list = [new Stats()];
      again = this.a;
    }
    const m = new Outer();
    expect(m.namedBuffers().map(([n]) => n)).toEqual([
      "a.running_mean",
      "a.num_batches_tracked",
      "a.scratch",
      "list.0.running_mean",
      "list.0.num_batches_tracked",
      "list.0.scratch",
    ]);
    const sd = m.stateDict();
    (sd["a.running_mean"] as { data: number[] }).data = [0.5, -0];
    (sd["list.0.num_batches_tracked"] as { data: number[] }).data = [7];
    const n = new Outer();
    n.loadStateDict(JSON.parse(JSON.stringify(sd)));
    expect(Array.from(n.a.running_mean.data)).toEqual([0.5, 0]);
    expect(Array.from(n.list[0]!.num_batches_tracked.data)).toEqual([7]);
    expect(n.list[0]!.num_batches_tracked.dtype).toBe("int32");
  });

  it("loadStateDict requires persistent buffers, refuses non-persistent ones and checks int32 values", () => {
    const m = new Stats();
    const sd = m.stateDict();
    const { running_mean: _, ...withoutMean } = sd;
    expect(() => m.loadStateDict(withoutMean)).toThrow(/missing running_mean/);
    expect(() => m.loadStateDict({ ...sd, scratch: { shape: [1], dtype: "float64", data: [1] } })).toThrow(
      /unexpected scratch/,
    );
    for (const bad of [1.5, 2 ** 31, Number.NaN]) {
      expect(() =>
        m.loadStateDict({ ...sd, num_batches_tracked: { shape: [1], dtype: "int32", data: [bad] } }),
      ).toThrow(/num_batches_tracked\.data\[0\].*int32/);
    }
    expect(() =>
      m.loadStateDict({ ...sd, num_batches_tracked: { shape: [1], dtype: "float64", data: [1] } }),
    ).toThrow(/num_batches_tracked has dtype string "float64", the model expects int32/);
  });

  it("a reassigned buffer property is the new buffer; a null buffer is skipped", () => {
    class Slot extends nn.Module {
      mean: Tensor | null = this.registerBuffer("mean", null);
    }
    const m = new Slot();
    expect(m.buffers()).toEqual([]);
    expect(m.stateDict()).toEqual({});
    const t = tensor([3]);
    m.mean = t;
    expect(m.buffers()).toEqual([t]);
    expect(Object.keys(m.stateDict())).toEqual(["mean"]);
  });

  it("registerBuffer refuses bad names, trainable tensors and properties that are not buffers", () => {
    class M extends nn.Module {
      w = tensor([1], { requiresGrad: true });
      child = new nn.Linear(1, 1);
    }
    const m = new M();
    expect(() => m.registerBuffer("a.b", tensor([1]))).toThrow(
      /registerBuffer: name must be a non-empty string without "\."/,
    );
    expect(() => m.registerBuffer("", tensor([1]))).toThrow(/registerBuffer: name/);
    expect(() => m.registerBuffer("x", tensor([1], { requiresGrad: true }))).toThrow(/must not require grad/);
    expect(() => m.registerBuffer("x", [1] as unknown as Tensor)).toThrow(/must be a Tensor or null/);
    for (const name of ["w", "child", "training", "zeroGrad", "parameters"])
      expect(() => m.registerBuffer(name, tensor([1])), name).toThrow(/already has a property/);
    expect(() => m.registerBuffer("x", tensor([1]), { persistent: 1 as unknown as boolean })).toThrow(
      /registerBuffer.*persistent/,
    );
    expect(m.registerBuffer("x", tensor([1]))).toBeInstanceOf(Object);
    expect(m.registerBuffer("x", tensor([2]))).toBe((m as unknown as { x: Tensor }).x); // re-registering replaces
  });
});

describe("children(), modules() and apply(fn) (SPEC §9)", () => {
  class Block extends nn.Module {
    constructor(
      readonly tag: string,
      readonly kids: nn.Module[] = [],
    ) {
      super();
    }
  }
  const tags = (ms: nn.Module[]) => ms.map((m) => (m as Block).tag);

  it("children are the direct submodules in registration order; modules are pre-order; apply is post-order", () => {
    const a1 = new Block("a1");
    const a = new Block("a", [a1, new Block("a2")]);
    const root = new Block("root", [a, new Block("b", [new Block("b1")])]);
    expect(tags(root.children())).toEqual(["a", "b"]);
    expect(tags(root.modules())).toEqual(["root", "a", "a1", "a2", "b", "b1"]);
    const seen: nn.Module[] = [];
    expect(root.apply((m) => seen.push(m))).toBe(root);
    expect(tags(seen)).toEqual(["a1", "a2", "a", "b1", "b", "root"]);
  });

  it("a shared module is visited once by children, modules and apply; cycles finish", () => {
    const shared = new Block("s");
    const root = new Block("root", [shared, new Block("x", [shared]), shared]);
    (shared.kids as nn.Module[]).push(root); // a cycle back to the root
    expect(tags(root.children())).toEqual(["s", "x"]);
    expect(tags(root.modules())).toEqual(["root", "s", "x"]);
    const seen: nn.Module[] = [];
    root.apply((m) => seen.push(m));
    expect(tags(seen)).toEqual(["s", "x", "root"]);
  });

  it("apply reaches a 10,000-deep chain without overflowing the stack, and can re-initialise weights", () => {
    let m: nn.Module = new Block("leaf");
    for (let i = 0; i < 10_000; i++) m = new Block(`n${i}`, [m]);
    let count = 0;
    m.apply(() => count++);
    expect(count).toBe(10_001);
    const net = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    net.apply((mod) => {
      if (mod instanceof nn.Linear) mod.weight.data.fill(0.5);
    });
    expect(Array.from((net[2] as nn.Linear).weight.data)).toEqual([0.5, 0.5, 0.5]);
    expect(() => net.apply(3 as unknown as () => void)).toThrow(/apply: fn must be a function/);
  });
});
