/**
 * `saveModel` / `loadModel` (chainrule/node): a model's state dict as a JSON file with a format
 * header. Loading validates everything first: a missing or malformed file, or one that does not
 * fit the model, throws `ChainruleError` naming the path and leaves the model unchanged.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainruleError, manualSeed, nn, tensor, Value } from "../../src/index";
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

  it("write the state dict as JSON under a format header", async () => {
    manualSeed(3);
    const m = new nn.Linear(2, 1);
    const path = join(dir, "linear.json");
    await saveModel(m, path);
    const file = JSON.parse(readFileSync(path, "utf8"));
    expect(file.format).toBe("chainrule-state-dict");
    expect(file.version).toBe(1);
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
      ["version.json", '{"format": "chainrule-state-dict", "version": 2, "state": {}}'],
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
