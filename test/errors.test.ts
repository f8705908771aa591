import { readFileSync } from "node:fs";
import { ChainruleError, nn, tensor, Value, version } from "chainrule";
import { describe, expect, it } from "vitest";
import { describe as describeValue, isFromOtherCopy } from "../src/errors";

/** An object as another loaded copy of chainrule would make it: same shape, a different copy token. */
function fromAnotherCopy<T extends object>(made: T): T {
  const Foreign = { [made.constructor.name]: class {} }[made.constructor.name] as new () => object;
  Object.defineProperty(Foreign.prototype, Symbol.for("chainrule.copy"), { value: {} });
  return Object.assign(new Foreign(), made) as T;
}

describe("ChainruleError", () => {
  it("is an Error named ChainruleError", () => {
    const e = new ChainruleError("op: bad");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("ChainruleError");
    expect(e.message).toBe("op: bad");
  });

  it("instanceof recognises a ChainruleError thrown by another copy of the library", () => {
    class OtherCopyError extends Error {}
    Object.defineProperty(OtherCopyError.prototype, Symbol.for("chainrule.error"), { value: true });
    expect(new OtherCopyError("x")).toBeInstanceOf(ChainruleError);
    expect(new Error("x")).not.toBeInstanceOf(ChainruleError);
    expect((null as unknown) instanceof ChainruleError).toBe(false);
    expect({} instanceof ChainruleError).toBe(false);
  });

  it("a subclass keeps the ordinary instanceof: a plain ChainruleError is not one of it", () => {
    class ParseError extends ChainruleError {}
    expect(new ParseError("x")).toBeInstanceOf(ParseError);
    expect(new ParseError("x")).toBeInstanceOf(ChainruleError);
    expect(new ChainruleError("x")).not.toBeInstanceOf(ParseError);
  });
});

describe("error messages about another copy of chainrule (the dual-package hazard)", () => {
  it("this copy's objects are its own", () => {
    expect(isFromOtherCopy(tensor([1, 2]))).toBe(false);
    expect(isFromOtherCopy(new Value(1))).toBe(false);
    expect(isFromOtherCopy(new nn.Linear(1, 1))).toBe(false);
    expect(isFromOtherCopy({ shape: [2] })).toBe(false);
    expect(describeValue(tensor([1, 2]))).toBe("Tensor [2]");
  });

  it("describes hostile objects without throwing", () => {
    expect(describeValue({ constructor: { name: { toString: 1 } } })).toBe("object");
    const trap = new Proxy(
      {},
      {
        get: () => {
          throw new Error("trap");
        },
      },
    );
    expect(describeValue(trap)).toBe("object");
    expect(describeValue(Object.create(null))).toBe("object");
    expect(describeValue({ shape: ["a"] })).toBe("Object");
  });

  it("a tensor of another copy is named as such, and the message says how to avoid it", () => {
    const foreign = fromAnotherCopy(tensor([[1, 2]]));
    expect(isFromOtherCopy(foreign)).toBe(true);
    expect(() => new nn.Linear(2, 2).forward(foreign)).toThrow(ChainruleError);
    expect(() => new nn.Linear(2, 2).forward(foreign)).toThrow(
      /got Tensor \[1,2\] from another copy of chainrule \(an ESM import and a CommonJS require/,
    );
  });
});

describe("JSON", () => {
  it("a tensor serialises as { shape, dtype, data }, never its internals", () => {
    expect(
      JSON.stringify(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe('{"shape":[2,2],"dtype":"float64","data":[[1,2],[3,4]]}');
    expect(JSON.parse(JSON.stringify(tensor(2.5, { dtype: "float32" })))).toEqual({
      shape: [],
      dtype: "float32",
      data: 2.5,
    });
    const t = tensor([1, 2], { requiresGrad: true });
    t.mul(3).sum().backward();
    expect(Object.keys(JSON.parse(JSON.stringify(t))).sort()).toEqual(["data", "dtype", "shape"]);
  });

  it("a Value serialises as { data, grad, op, label? }", () => {
    const a = new Value(2, { label: "a" });
    const y = a.mul(3);
    y.backward();
    expect(JSON.parse(JSON.stringify({ a, y }))).toEqual({
      a: { data: 2, grad: 3, op: "", label: "a" },
      y: { data: 6, grad: 1, op: "mul" },
    });
  });
});

describe("version", () => {
  it("is the package's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(version).toBe(pkg.version);
  });
});
