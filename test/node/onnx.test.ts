/**
 * `saveOnnx` (chainrule/node): writes `exportOnnx`'s bytes to a file that ONNX Runtime loads.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportOnnx, manualSeed, nn, randn } from "../../src/index";
import { saveOnnx } from "../../src/node/index";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "chainrule-onnx-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("saveOnnx", () => {
  it("writes the exported model to a file (creating directories) that ONNX Runtime runs", async () => {
    manualSeed(1);
    const model = new nn.Linear(3, 2);
    const x = randn([1, 3]);
    const path = join(dir, "sub", "model.onnx");
    await saveOnnx(path, model, [x]);
    const bytes = readFileSync(path);
    expect(new Uint8Array(bytes)).toEqual(exportOnnx(model, [x]));
    const session = await ort.InferenceSession.create(path);
    const res = await session.run({ input: new ort.Tensor("float64", x.data as Float64Array, [1, 3]) });
    const got = [...((res.output as ort.Tensor).data as Float64Array)];
    const want = [...(model.forward(x).data as Float64Array)];
    for (const [i, g] of got.entries()) expect(g).toBeCloseTo(want[i] as number, 12);
  });

  it("throws and writes nothing for a bad path or an op with no ONNX form", async () => {
    await expect(saveOnnx("", new nn.Linear(2, 2), [randn([1, 2])])).rejects.toThrow(
      /saveOnnx: path must be/,
    );
    const path = join(dir, "bad.onnx");
    await expect(saveOnnx(path, (t) => t.cumprod(0), [randn([3])])).rejects.toThrow(/cumprod/);
    expect(existsSync(path)).toBe(false);
  });
});
