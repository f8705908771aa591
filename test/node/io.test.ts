/**
 * `saveModel` / `loadModel` (chainrule/node): a model's state dict as a JSON file with a format
 * header, or as safetensors for a path ending in `.safetensors`. Loading validates everything first: a missing or malformed file, or one that does not
 * fit the model, throws `ChainruleError` naming the path and leaves the model unchanged.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChainruleError,
  fromSafetensors,
  manualSeed,
  nn,
  type Tensor,
  tensor,
  toSafetensors,
  Value,
} from "../../src/index";
import { loadModel, saveModel } from "../../src/node/index";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "chainrule-io-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function snapshot(m: nn.Module): Record<string, number[]> {
  return Object.fromEntries(
    m.namedParameters().map(([name, p]) => [name, p instanceof Value ? [p.data] : Array.from(p.data)]),
  );
}

describe("saveModel / loadModel", () => {
  it("round-trip a model exactly, and loadModel returns the module", async () => {
    manualSeed(1);
    const a = new nn.MLP(4, [8, 3]);
    manualSeed(2);
    const b = new nn.MLP(4, [8, 3]);
    const path = join(dir, "mlp.json");
    await saveModel(a, path);
    expect(snapshot(b)).not.toEqual(snapshot(a));
    expect(await loadModel(b, path)).toBe(b);
    expect(snapshot(b)).toEqual(snapshot(a));
    const x = tensor([[0.1, -2, 3, 0.5]]);
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
  });

  it("write the state dict as JSON under a format header (version 2)", async () => {
    manualSeed(3);
    const m = new nn.Linear(2, 1);
    const path = join(dir, "linear.json");
    await saveModel(m, path);
    const file = JSON.parse(readFileSync(path, "utf8"));
    expect(file.format).toBe("chainrule-state-dict");
    expect(file.version).toBe(2);
    expect(file.state).toEqual(m.stateDict());
  });

  it("create missing directories", async () => {
    const path = join(dir, "nested", "deeper", "model.json");
    await saveModel(new nn.Linear(1, 1), path);
    expect(JSON.parse(readFileSync(path, "utf8")).format).toBe("chainrule-state-dict");
  });

  it("round-trip float32 models and scalar Value modules", async () => {
    manualSeed(4);
    const a = new nn.Linear(3, 2, { dtype: "float32" });
    const b = new nn.Linear(3, 2, { dtype: "float32" });
    await saveModel(a, join(dir, "f32.json"));
    await loadModel(b, join(dir, "f32.json"));
    expect(snapshot(b)).toEqual(snapshot(a));

    manualSeed(5);
    const s = new nn.scalar.MLP(2, [3, 1]);
    manualSeed(6);
    const t = new nn.scalar.MLP(2, [3, 1]);
    await saveModel(s, join(dir, "scalar.json"));
    await loadModel(t, join(dir, "scalar.json"));
    expect(snapshot(t)).toEqual(snapshot(s));
  });
});

describe("loadModel failures throw ChainruleError naming the path and change nothing", () => {
  async function expectRejected(path: string, message: RegExp, model?: nn.Module): Promise<void> {
    manualSeed(7);
    const m = model ?? new nn.MLP(4, [8, 3]);
    const before = snapshot(m);
    const err = await loadModel(m, path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainruleError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(message);
    expect(snapshot(m)).toEqual(before);
  }

  it("a model of another architecture (other hidden size: shapes differ)", async () => {
    manualSeed(8);
    const path = join(dir, "small.json");
    await saveModel(new nn.MLP(4, [8, 3]), path);
    await expectRejected(
      path,
      /0\.weight has shape \[8,4\], the model expects \[16,4\]/,
      new nn.MLP(4, [16, 3]),
    );
  });

  it("a model of another architecture (more layers: names differ)", async () => {
    manualSeed(9);
    const path = join(dir, "two-layer.json");
    await saveModel(new nn.MLP(4, [8, 3]), path);
    await expectRejected(path, /missing 4\.weight, 4\.bias/, new nn.MLP(4, [8, 8, 3]));
  });

  it("a model with another dtype", async () => {
    const path = join(dir, "float32.json");
    await saveModel(new nn.MLP(4, [8, 3], { dtype: "float32" }), path);
    await expectRejected(path, /dtype/);
  });

  it("a missing file", async () => {
    await expectRejected(join(dir, "does-not-exist.json"), /cannot read/);
  });

  it("malformed JSON", async () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, '{"format": "chainrule-state-dict", "version": 1, "state": {');
    await expectRejected(path, /not valid JSON/);
  });

  it("JSON that is not a model file", async () => {
    for (const [name, text] of [
      ["other.json", '{"weights": [1, 2, 3]}'],
      ["null.json", "null"],
      ["version.json", '{"format": "chainrule-state-dict", "version": 3, "state": {}}'],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, text);
      await expectRejected(path, /is not a chainrule model file/);
    }
  });

  it("a model file whose last entry holds a null (NaN written as JSON)", async () => {
    manualSeed(10);
    const path = join(dir, "nan.json");
    await saveModel(new nn.MLP(4, [8, 3]), path);
    const file = JSON.parse(readFileSync(path, "utf8"));
    file.state["2.bias"].data[2] = null;
    writeFileSync(path, JSON.stringify(file));
    await expectRejected(path, /2\.bias\.data\[2\] is null/);
  });

  it("saveModel rejects something that is not a module", async () => {
    await expect(saveModel({} as never, join(dir, "x.json"))).rejects.toThrow(ChainruleError);
  });
});

/** The raw bytes of a tensor's storage, to compare bit for bit. */
const bytes = (t: Tensor): number[] =>
  Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));

describe("values JSON has no number for are written faithfully", () => {
  const awkward64 = [
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    2 ** -1074,
    -(2 ** -1074),
  ];
  const awkward32 = [
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** -149,
    3.4028234663852886e38,
    Math.fround(0.1),
  ];

  it.each([
    ["float64", awkward64],
    ["float32", awkward32],
  ] as const)("%s: −0, NaN, ±Infinity and subnormals round-trip bit for bit", async (dtype, values) => {
    manualSeed(50);
    const a = new nn.Linear(3, 2, { dtype });
    a.weight.data.set(values);
    const path = join(dir, `awkward-${dtype}.json`);
    await saveModel(a, path);
    const b = new nn.Linear(3, 2, { dtype });
    await loadModel(b, path);
    expect(bytes(b.weight)).toEqual(bytes(a.weight));
    expect(bytes(b.bias as Tensor)).toEqual(bytes(a.bias as Tensor));
    expect(Object.is(b.weight.data[0], -0)).toBe(true);
  });

  it("finite values stay JSON numbers; the others are the strings NaN, Infinity, -Infinity, -0", async () => {
    const m = new nn.Linear(3, 2);
    m.weight.data.set([-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1, 0]);
    const path = join(dir, "tagged.json");
    await saveModel(m, path);
    const file = JSON.parse(readFileSync(path, "utf8"));
    expect(file.state.weight.data).toEqual(["-0", "NaN", "Infinity", "-Infinity", 0.1, 0]);
  });

  it("version 1 files (plain numbers, as older chainrule wrote them) still load", async () => {
    manualSeed(51);
    const a = new nn.MLP(2, [3, 1]);
    const path = join(dir, "v1.json");
    writeFileSync(path, JSON.stringify({ format: "chainrule-state-dict", version: 1, state: a.stateDict() }));
    const b = await loadModel(new nn.MLP(2, [3, 1]), path);
    expect(snapshot(b)).toEqual(snapshot(a));
  });

  it("a version 1 file knows no tags; an unknown tag in version 2 is refused, naming it", async () => {
    const m = new nn.Linear(1, 1);
    const state = (weight: unknown[]) => ({
      weight: { shape: [1, 1], dtype: "float64", data: weight },
      bias: { shape: [1], dtype: "float64", data: [0] },
    });
    const v1 = join(dir, "v1-tag.json");
    writeFileSync(v1, JSON.stringify({ format: "chainrule-state-dict", version: 1, state: state(["NaN"]) }));
    await expect(loadModel(m, v1)).rejects.toThrow(/weight\.data\[0\] is string "NaN"/);
    const v2 = join(dir, "v2-unknown.json");
    writeFileSync(v2, JSON.stringify({ format: "chainrule-state-dict", version: 2, state: state(["nan"]) }));
    await expect(loadModel(m, v2)).rejects.toThrow(/weight\.data\[0\] is string "nan"/);
  });
});

describe("saveModel / loadModel keep every parameter", () => {
  it("a frozen weight (requiresGrad = false) is saved and loaded", async () => {
    manualSeed(52);
    const a = new nn.MLP(3, [4, 2]);
    (a[0] as nn.Linear).weight.requiresGrad = false;
    const path = join(dir, "frozen.json");
    await saveModel(a, path);
    expect(Object.keys(JSON.parse(readFileSync(path, "utf8")).state)).toContain("0.weight");
    manualSeed(53);
    const b = new nn.MLP(3, [4, 2]);
    (b[0] as nn.Linear).weight.requiresGrad = false;
    await loadModel(b, path);
    expect(snapshot(b)).toEqual(snapshot(a));
  });

  it("parameters named __proto__, constructor and toString", async () => {
    class Awkward extends nn.Module {
      constructor(x: number) {
        super();
        for (const name of ["__proto__", "constructor", "toString"]) {
          Object.defineProperty(this, name, { value: new Value(x), enumerable: true, writable: true });
        }
      }
    }
    const path = join(dir, "awkward-names.json");
    await saveModel(new Awkward(7), path);
    const b = await loadModel(new Awkward(0), path);
    expect(Object.entries(snapshot(b))).toEqual([
      ["__proto__", [7]],
      ["constructor", [7]],
      ["toString", [7]],
    ]);
  });

  it("saving twice replaces the file and leaves nothing else in the directory", async () => {
    const sub = join(dir, "replace");
    const path = join(sub, "m.json");
    await saveModel(new nn.Linear(1, 1), path);
    const m = new nn.Linear(1, 1);
    m.weight.data[0] = 0.75;
    await saveModel(m, path);
    expect(readdirSync(sub)).toEqual(["m.json"]);
    expect(JSON.parse(readFileSync(path, "utf8")).state.weight.data).toEqual([0.75]);
  });
});

describe("saveModel / loadModel validate their arguments", () => {
  const model = () => new nn.Linear(1, 1);

  it.each([
    ["undefined", undefined],
    ["a number", 42],
    ["an empty string", ""],
    ["null", null],
    ["a string with a NUL byte", "a\u0000b.json"],
  ])("a path that is %s", async (_, path) => {
    await expect(saveModel(model(), path as never)).rejects.toThrow(
      /^saveModel: path must be a non-empty string/,
    );
    await expect(loadModel(model(), path as never)).rejects.toThrow(
      /^loadModel: path must be a non-empty string/,
    );
    await expect(saveModel(model(), path as never)).rejects.toBeInstanceOf(ChainruleError);
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a plain object", {}],
    ["a tensor", tensor([1])],
  ])("a module that is %s", async (_, m) => {
    const path = join(dir, "never.json");
    await expect(saveModel(m as never, path)).rejects.toThrow(/^saveModel: module must be a Module/);
    await saveModel(model(), path);
    await expect(loadModel(m as never, path)).rejects.toThrow(/^loadModel: module must be a Module/);
  });

  it("a path that cannot be written (under a file) throws ChainruleError naming it", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const path = join(file, "model.json");
    const err = await saveModel(model(), path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainruleError);
    expect((err as Error).message).toMatch(/^saveModel: cannot write /);
    expect((err as Error).message).toContain(path);
  });

  it("a directory given as the file to load throws ChainruleError", async () => {
    await expect(loadModel(model(), dir)).rejects.toThrow(/^loadModel: cannot read /);
  });
});

describe("saveModel / loadModel pick the format by the file's extension", () => {
  const torchMlp = new URL("../fixtures/torch-mlp.safetensors", import.meta.url);

  it(".safetensors: the file is toSafetensors(module), and loads back bit for bit (NaN, −0, ±Infinity)", async () => {
    manualSeed(60);
    const a = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    (a[0] as nn.Linear).weight.data.set([Number.NaN, -0, Number.POSITIVE_INFINITY, 2 ** -1074]);
    const path = join(dir, "net.safetensors");
    await saveModel(a, path);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(toSafetensors(a)))).toBe(true);
    manualSeed(61);
    const b = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    expect(await loadModel(b, path)).toBe(b);
    expect(bytes((b[0] as nn.Linear).weight)).toEqual(bytes((a[0] as nn.Linear).weight));
    expect(b.stateDict()).toEqual(a.stateDict());
  });

  it("the extension is matched in any case; every other extension is the JSON format", async () => {
    const m = new nn.Linear(2, 1);
    await saveModel(m, join(dir, "upper.SafeTensors"));
    expect(Object.keys(fromSafetensors(readFileSync(join(dir, "upper.SafeTensors"))))).toEqual([
      "bias",
      "weight",
    ]);
    await saveModel(m, join(dir, "model.bin"));
    expect(JSON.parse(readFileSync(join(dir, "model.bin"), "utf8")).format).toBe("chainrule-state-dict");
    await loadModel(new nn.Linear(2, 1), join(dir, "model.bin"));
  });

  it("a PyTorch checkpoint saved as safetensors loads into the matching chainrule model", async () => {
    const m = new nn.Sequential(
      new nn.Linear(3, 4, { dtype: "float32" }),
      new nn.ReLU(),
      new nn.Linear(4, 2, { dtype: "float32" }),
    );
    await loadModel(m, fileURLToPath(torchMlp));
    expect(bytes((m[0] as nn.Linear).weight)).toEqual(
      bytes(fromSafetensors(readFileSync(torchMlp))["0.weight"] as Tensor),
    );
  });

  it("a malformed safetensors file, or one that does not fit, throws naming the path and changes nothing", async () => {
    const truncated = join(dir, "truncated.safetensors");
    const good = readFileSync(torchMlp);
    writeFileSync(truncated, good.subarray(0, good.length - 4));
    await expectRejectedSafetensors(truncated, /fromSafetensors: not a valid safetensors file/);
    // a JSON model file under the .safetensors name is not a safetensors file either
    const json = join(dir, "json-inside.safetensors");
    writeFileSync(json, '{"format": "chainrule-state-dict", "version": 2, "state": {}}');
    await expectRejectedSafetensors(json, /header length .* (is over the limit|runs past the end)/);
    // float32 weights into the default float64 model
    await expectRejectedSafetensors(
      fileURLToPath(torchMlp),
      /0\.weight has dtype float32, the model expects float64/,
    );
    await expectRejectedSafetensors(join(dir, "missing.safetensors"), /cannot read/);
  });

  it("a module the format cannot hold (a parameter named __proto__) is refused before writing", async () => {
    class Awkward extends nn.Module {
      constructor() {
        super();
        Object.defineProperty(this, "__proto__", { value: new Value(1), enumerable: true, writable: true });
      }
    }
    const path = join(dir, "awkward.safetensors");
    await expect(saveModel(new Awkward(), path)).rejects.toThrow(
      /^saveModel: .*awkward\.safetensors: toSafetensors: a tensor cannot be named "__proto__"/,
    );
    expect(readdirSync(dir)).not.toContain("awkward.safetensors");
  });

  async function expectRejectedSafetensors(path: string, message: RegExp): Promise<void> {
    manualSeed(62);
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const before = snapshot(m);
    const err = await loadModel(m, path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainruleError);
    expect((err as Error).message).toMatch(/^loadModel: /);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(message);
    expect(snapshot(m)).toEqual(before);
  }
});
