import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ChainruleError, tensor } from "../../src/index";
import { isStored, readData, versionOf, writeData } from "../../src/tensor/storage";

const leaf = (xs: number[]) => tensor(xs, { requiresGrad: true });

describe("readData / writeData", () => {
  it("readData is the raw memory: no copy, no version change", () => {
    const x = leaf([1, 2, 3]);
    const v = versionOf(x);
    const d = readData(x);
    expect(d).toBeInstanceOf(Float64Array);
    expect(Array.from(d)).toEqual([1, 2, 3]);
    expect(readData(x)).toBe(d);
    expect(readData(x.detach())).toBe(d);
    expect(versionOf(x)).toBe(v);
  });

  it("writeData bumps the version once per call, and a recorded graph refuses the new numbers", () => {
    const x = leaf([1, 2]);
    const y = x.mul(x).sum();
    const v = versionOf(x);
    const r = writeData(x, (d) => {
      d[0] = 5;
      d[1] = 6;
      return "done";
    });
    expect(r).toBe("done");
    expect(versionOf(x)).toBe(v + 1);
    expect(x.toArray()).toEqual([5, 6]);
    expect(() => y.backward()).toThrow(ChainruleError);
  });

  it("a write that throws part way still counts", () => {
    const x = leaf([1, 2]);
    const v = versionOf(x);
    expect(() =>
      writeData(x, (d) => {
        d[0] = 9;
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(versionOf(x)).toBe(v + 1);
  });

  it("views share the counter (detach, reshape)", () => {
    const x = leaf([1, 2, 3, 4]);
    const r = x.reshape(2, 2);
    writeData(x.detach(), (d) => d.fill(0));
    expect(versionOf(r)).toBe(versionOf(x));
    expect(r.toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it("isStored tells tensors from numbers and other objects", () => {
    expect(isStored(tensor([1]))).toBe(true);
    expect(isStored(1)).toBe(false);
    expect(isStored({ _s: { data: [1], version: 0 } })).toBe(false);
    expect(isStored(null)).toBe(false);
  });
});

describe("sealed internals", () => {
  const src = fileURLToPath(new URL("../../src", import.meta.url));
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
    );

  it("only src/tensor touches a tensor's storage field, and nothing bumps a version by hand", () => {
    const leaks = files(src)
      .map((f) => relative(src, f).replaceAll("\\", "/"))
      .filter((f) => !f.startsWith("tensor/"))
      .filter((f) => /\._s\b|_bump\(/.test(readFileSync(join(src, f), "utf8")));
    expect(leaks).toEqual([]);
  });
});
