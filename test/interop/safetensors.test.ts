/**
 * `toSafetensors` / `fromSafetensors`: Hugging Face's safetensors format, bytes in and bytes out.
 *
 * The PyTorch side is test/fixtures/generate_safetensors.py: it writes PyTorch state dicts
 * (an nn.Sequential MLP in float32 and in float64, a BatchNorm1d with its int64
 * `num_batches_tracked`, and a file of awkward values: NaN payloads, −0, ±Infinity, subnormals,
 * int32, bool, 0-d and empty tensors) following the reference writer's layout (checked, when the
 * script ran, against `safetensors.torch.save` and `load` of safetensors 0.8.0: the same bytes),
 * and test/fixtures/safetensors-reference.json holding every tensor's raw bytes and PyTorch's
 * forward outputs. The tests read only those files: writing PyTorch's tensors again must give
 * PyTorch's bytes, which is how we know PyTorch reads what chainrule writes.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  fromSafetensors,
  manualSeed,
  nn,
  SAFETENSORS_MAX_HEADER,
  safetensorsMetadata,
  type Tensor,
  tensor,
  toSafetensors,
  Value,
} from "../../src/index";

interface FixtureTensor {
  dtype: string;
  shape: number[];
  values: (number | string | boolean)[];
  hex: string;
}
interface Fixture {
  file: string;
  metadata: Record<string, string> | null;
  order: string[];
  tensors: Record<string, FixtureTensor>;
  input?: number[][];
  output?: number[][];
}

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const REF: Record<"mlp" | "mlp64" | "mixed" | "batchnorm", Fixture> = JSON.parse(
  readFileSync(fixture("safetensors-reference.json"), "utf8"),
);
const fileOf = (f: Fixture): Uint8Array => new Uint8Array(readFileSync(fixture(f.file)));

/** A tensor's storage as hex, to compare bit for bit. */
const hex = (t: Tensor): string =>
  Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("hex");

const DTYPES: Record<string, string> = {
  F64: "float64",
  F32: "float32",
  I32: "int32",
  BOOL: "bool",
  I64: "int32",
};

/** A chainrule MLP shaped as the fixture's `nn.Sequential(Linear(3, 4), ReLU(), Linear(4, 2))`. */
const mlp = (dtype: "float64" | "float32") =>
  new nn.Sequential(new nn.Linear(3, 4, { dtype }), new nn.ReLU(), new nn.Linear(4, 2, { dtype }));

function expectClose(actual: unknown, expected: number[][], tol: number): void {
  const a = actual as number[][];
  expect(a.length).toBe(expected.length);
  a.forEach((row, i) => {
    row.forEach((v, j) => {
      expect(Math.abs(v - (expected[i]?.[j] as number))).toBeLessThanOrEqual(tol);
    });
  });
}

describe("fromSafetensors reads files written as PyTorch writes them", () => {
  it.each(["mlp", "mlp64", "mixed", "batchnorm"] as const)(
    "%s: every tensor bit for bit, and the metadata",
    (key) => {
      const f = REF[key];
      const bytes = fileOf(f);
      const tensors = fromSafetensors(bytes);
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(f.tensors).sort());
      for (const [name, want] of Object.entries(f.tensors)) {
        const t = tensors[name] as Tensor;
        expect(t.dtype).toBe(DTYPES[want.dtype]);
        expect(t.shape).toEqual(want.shape);
        if (want.dtype === "I64") expect(Array.from(t.data)).toEqual(want.values);
        else expect(hex(t)).toBe(want.hex);
      }
      expect({ ...safetensorsMetadata(bytes) }).toEqual(f.metadata ?? {});
    },
  );

  it("the record has no prototype and lists the names in the order of the data", () => {
    const tensors = fromSafetensors(fileOf(REF.mixed));
    expect(Object.getPrototypeOf(tensors)).toBe(null);
    expect(Object.keys(tensors)).toEqual(REF.mixed.order);
    expect(REF.mixed.order).toEqual(["awkward.f64", "scale", "awkward.f32", "empty", "counts", "mask"]);
  });

  it("values come back as PyTorch holds them: NaN, −0, ±Infinity, subnormals, int32 extremes, bools, 0-d, empty", () => {
    const t = fromSafetensors(fileOf(REF.mixed));
    const f64 = Array.from((t["awkward.f64"] as Tensor).data);
    expect(Number.isNaN(f64[0])).toBe(true);
    expect(Object.is(f64[1], -0)).toBe(true);
    expect(f64.slice(2, 5)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** -1074]);
    expect((t.counts as Tensor).toArray()).toEqual([
      [0, -1, 2147483647],
      [-2147483648, 7, 42],
    ]);
    expect((t.mask as Tensor).toArray()).toEqual([true, false, false, true, true]);
    expect((t.scale as Tensor).shape).toEqual([]);
    expect((t.scale as Tensor).item()).toBe(2.5);
    expect((t.empty as Tensor).shape).toEqual([0, 3]);
  });

  it("accepts an ArrayBuffer, a Node Buffer and a Uint8Array at an offset", () => {
    const bytes = fileOf(REF.mlp);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    for (const input of [bytes.slice().buffer, Buffer.from(bytes), padded.subarray(3)]) {
      const t = fromSafetensors(input);
      expect(hex(t["0.weight"] as Tensor)).toBe(REF.mlp.tensors["0.weight"]?.hex);
    }
  });
});

describe("a PyTorch state dict loads into the matching chainrule module", () => {
  it("float32 MLP: names, shapes and dtypes line up; the forward output is PyTorch's (1e-6)", () => {
    const m = mlp("float32");
    m.loadStateDict(fromSafetensors(fileOf(REF.mlp)));
    const x = tensor(REF.mlp.input as number[][], { dtype: "float32" });
    expectClose(m.forward(x).toArray(), REF.mlp.output as number[][], 1e-6);
  });

  it("float64 MLP: the forward output is PyTorch's (1e-12)", () => {
    const m = mlp("float64");
    m.loadStateDict(fromSafetensors(fileOf(REF.mlp64)));
    expectClose(
      m.forward(tensor(REF.mlp64.input as number[][])).toArray(),
      REF.mlp64.output as number[][],
      1e-12,
    );
  });

  it("BatchNorm1d: running statistics and the I64 num_batches_tracked (as int32) load; eval output is PyTorch's", () => {
    const bn = new nn.BatchNorm1d(3, { dtype: "float32" }).eval();
    bn.loadStateDict(fromSafetensors(fileOf(REF.batchnorm)));
    expect((bn.num_batches_tracked as Tensor).item()).toBe(2);
    const x = tensor(REF.batchnorm.input as number[][], { dtype: "float32" });
    expectClose(bn.forward(x).toArray(), REF.batchnorm.output as number[][], 1e-6);
  });

  it("a float32 file into a float64 model is refused, naming the conversion", () => {
    expect(() => mlp("float64").loadStateDict(fromSafetensors(fileOf(REF.mlp)))).toThrow(
      /loadStateDict: 0\.weight has dtype float32, the model expects float64 \(convert it with \.astype\("float64"\)\)/,
    );
  });
});

describe("toSafetensors writes the bytes the reference writer writes", () => {
  it.each(["mlp", "mlp64", "mixed"] as const)(
    "%s: reading PyTorch's file and writing it again gives the same bytes",
    (key) => {
      const f = REF[key];
      const bytes = fileOf(f);
      const again = toSafetensors(fromSafetensors(bytes), f.metadata ? { metadata: f.metadata } : undefined);
      expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    },
  );

  it("a chainrule module holding PyTorch's weights is written byte for byte as PyTorch's state dict", () => {
    const m = mlp("float32");
    m.loadStateDict(fromSafetensors(fileOf(REF.mlp)));
    const bytes = toSafetensors(m, { metadata: { format: "pt" } });
    expect(Buffer.from(bytes).equals(Buffer.from(fileOf(REF.mlp)))).toBe(true);
  });

  it("lays the file out as the format says: u64 length, space-padded JSON (8-byte multiple), data by dtype then name", () => {
    const bytes = toSafetensors({
      b: tensor([true, false]),
      a: tensor([1, 2], { dtype: "int32" }),
      z: tensor([0.5]),
      y: tensor([1.5], { dtype: "float32" }),
      x: tensor([2.5]),
    });
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text).toMatch(/^\{.*\} *$/);
    const header = JSON.parse(text);
    expect(Object.keys(header)).toEqual(["x", "z", "y", "a", "b"]);
    expect(header.x).toEqual({ dtype: "F64", shape: [1], data_offsets: [0, 8] });
    expect(header.b).toEqual({ dtype: "BOOL", shape: [2], data_offsets: [28, 30] });
    expect(bytes.length).toBe(8 + n + 30);
  });

  it("names sort by code point (the bytewise order of UTF-8), not by UTF-16 unit", () => {
    // U+FF21 (one UTF-16 unit) sorts before U+1F600 (a surrogate pair starting 0xD83D) in UTF-8
    const names = Object.keys(
      fromSafetensors(toSafetensors({ "😀": tensor([1]), Ａ: tensor([2]), a: tensor([3]) })),
    );
    expect(names).toEqual(["a", "Ａ", "😀"]);
  });

  it("any values survive the round trip bit for bit: NaN payloads, −0, ±Infinity, subnormals", () => {
    const f64 = new Float64Array(
      new BigUint64Array([
        0x7ff0000000000001n,
        0xfff8000000000abcn,
        0x8000000000000000n,
        1n,
        0x7ff0000000000000n,
      ]).buffer,
    );
    const f32 = new Float32Array(new Uint32Array([0x7f800001, 0xffc00321, 0x80000000, 1, 0xff800000]).buffer);
    const a = tensor(f64);
    const b = tensor(f32);
    // tensor() copies: check the copy kept the payloads, then the file
    const back = fromSafetensors(toSafetensors({ a, b }));
    expect(hex(back.a as Tensor)).toBe(Buffer.from(f64.buffer).toString("hex"));
    expect(hex(back.b as Tensor)).toBe(Buffer.from(f32.buffer).toString("hex"));
  });

  it("a module: parameters (frozen ones too) and persistent buffers, under their stateDict names", () => {
    manualSeed(1);
    const net = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
    (net[0] as nn.Linear).weight.requiresGrad = false;
    const t = fromSafetensors(toSafetensors(net));
    expect(Object.keys(t).sort()).toEqual(Object.keys(net.stateDict()).sort());
    expect((t["1.num_batches_tracked"] as Tensor).dtype).toBe("int32");
    const copy = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
    copy.loadStateDict(t);
    expect(copy.stateDict()).toEqual(net.stateDict());
  });

  it("a scalar Value parameter (nn.scalar) is a 0-d F64 tensor, and loads back", () => {
    manualSeed(2);
    const a = new nn.scalar.MLP(2, [2, 1]);
    const t = fromSafetensors(toSafetensors(a));
    const first = Object.values(t)[0] as Tensor;
    expect(first.shape).toEqual([]);
    expect(first.dtype).toBe("float64");
    manualSeed(3);
    const b = new nn.scalar.MLP(2, [2, 1]);
    b.loadStateDict(t);
    expect(b.parameters().map((p) => (p as Value).data)).toEqual(
      a.parameters().map((p) => (p as Value).data),
    );
  });

  it("metadata goes first in the header, in the order given", () => {
    const bytes = toSafetensors({ w: tensor([1]) }, { metadata: { format: "pt", b: "2", a: "1" } });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd()).toBe(
      '{"__metadata__":{"format":"pt","b":"2","a":"1"},"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}',
    );
    expect({ ...safetensorsMetadata(bytes) }).toEqual({ format: "pt", b: "2", a: "1" });
  });

  it("an empty record is a valid file with no tensors", () => {
    const bytes = toSafetensors({});
    expect(new TextDecoder().decode(bytes.subarray(8))).toBe("{}      ");
    expect(Object.keys(fromSafetensors(bytes))).toEqual([]);
  });

  it.each([
    ["a tensor", () => toSafetensors(tensor([1]) as never), /expected an nn\.Module or a record of Tensors/],
    ["null", () => toSafetensors(null as never), /expected an nn\.Module or a record of Tensors/],
    [
      "a record holding an array",
      () => toSafetensors({ w: [1, 2] } as never),
      /"w" must be a Tensor, got array/,
    ],
    [
      "a tensor named __metadata__",
      () => toSafetensors({ __metadata__: tensor([1]) }),
      /cannot be named "__metadata__"/,
    ],
    [
      "a tensor named __proto__",
      () => {
        const r = {};
        Object.defineProperty(r, "__proto__", { value: tensor([1]), enumerable: true });
        return toSafetensors(r);
      },
      /cannot be named "__proto__"/,
    ],
    ["a lone surrogate in a name", () => toSafetensors({ "a\uD800": tensor([1]) }), /lone surrogate/],
    [
      "metadata holding a number",
      () => toSafetensors({}, { metadata: { v: 1 } as never }),
      /metadata "v" must be a string/,
    ],
    [
      "metadata that is an array",
      () => toSafetensors({}, { metadata: ["x"] as never }),
      /metadata must be an object of strings/,
    ],
    ["options that are not an object", () => toSafetensors({}, 3 as never), /^toSafetensors: options/],
  ])("refuses %s with ChainruleError", (_, call, message) => {
    expect(call).toThrow(ChainruleError);
    expect(call).toThrow(message);
  });
});

/** A file from a header (an object is JSON-encoded) and data, with an optional length field. */
function file(header: string | object, data: number[] = [], length?: number | bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(length ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const f64 = (shape: number[], offsets: number[]) => ({ dtype: "F64", shape, data_offsets: offsets });
const bytes = (n: number) => new Array<number>(n).fill(0);

describe("fromSafetensors refuses a malformed file with ChainruleError saying what is wrong", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["an empty file", new Uint8Array(0), /0 bytes, too short for the 8-byte header length/],
    ["a truncated length field", new Uint8Array([8, 0, 0]), /3 bytes, too short/],
    [
      "a length beyond the buffer",
      file("{}", [], 64),
      /header length 64 runs past the end of the 10-byte file/,
    ],
    [
      "a huge length",
      file("{}", [], 2n ** 40n),
      /header length 1099511627776 is over the limit of 100000000 bytes/,
    ],
    ["the largest u64 length", file("{}", [], 2n ** 64n - 1n), /is over the limit/],
    ["a header that is not UTF-8", file('{"ab":1}').map((b, i) => (i === 10 ? 0xff : b)), /not valid UTF-8/],
    ["a header that is not JSON", file("{not json}"), /the header is not valid JSON/],
    ["a truncated JSON header", file('{"w":{"dtype":"F64"'), /not valid JSON/],
    ["a JSON array", file("[]"), /the header must be a JSON object, got an array/],
    ["a JSON string", file('"x"'), /the header must be a JSON object, got string "x"/],
    ["JSON null", file("null"), /the header must be a JSON object, got null/],
    [
      "a tensor named __proto__",
      file('{"__proto__":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', bytes(8)),
      /tensor "__proto__": the name __proto__ is refused/,
    ],
    ["an entry that is not an object", file({ w: 3 }), /tensor "w" must be an object, got number 3/],
    [
      "an unknown dtype",
      file({ w: { dtype: "F17", shape: [1], data_offsets: [0, 8] } }, bytes(8)),
      /tensor "w" has an unknown dtype string "F17"/,
    ],
    [
      "a dtype chainrule has no tensor for",
      file({ w: { dtype: "BF16", shape: [1], data_offsets: [0, 2] } }, bytes(2)),
      /tensor "w" has dtype BF16, which chainrule does not read/,
    ],
    [
      "a missing dtype",
      file({ w: { shape: [1], data_offsets: [0, 8] } }, bytes(8)),
      /dtype must be a string, got undefined/,
    ],
    [
      "a negative dimension",
      file({ w: f64([-1], [0, 8]) }, bytes(8)),
      /tensor "w": shape must be an array of at most 64 integers ≥ 0, got \[-1\]/,
    ],
    ["a fractional dimension", file({ w: f64([1.5], [0, 8]) }, bytes(8)), /shape must be .* got \[1\.5\]/],
    [
      "a shape that is not an array",
      file({ w: f64(3 as never, [0, 8]) }, bytes(8)),
      /shape must be .* got 3/,
    ],
    ["a dimension as a string", file({ w: f64(["1"] as never, [0, 8]) }, bytes(8)), /shape must be/],
    [
      "offsets out of range",
      file({ w: f64([2], [0, 16]) }, bytes(8)),
      /data_offsets \[0,16\] are out of range of the 8-byte data/,
    ],
    ["offsets backwards", file({ w: f64([0], [8, 0]) }, bytes(8)), /data_offsets \[8,0\] are out of range/],
    [
      "offsets that are not two numbers",
      file({ w: f64([1], [0]) }, bytes(8)),
      /data_offsets must be \[begin, end\]/,
    ],
    [
      "negative offsets",
      file({ w: f64([1], [-8, 0]) }, bytes(8)),
      /data_offsets must be \[begin, end\], two integers ≥ 0/,
    ],
    [
      "a size mismatch",
      file({ w: f64([2], [0, 8]) }, bytes(8)),
      /tensor "w": shape \[2\] of F64 needs 16 bytes, data_offsets \[0,8\] hold 8/,
    ],
    [
      "overlapping tensors",
      file({ a: f64([2], [0, 16]), b: f64([1], [8, 16]) }, bytes(16)),
      /tensor "b" \[8,16\] overlaps tensor "a" \[0,16\]/,
    ],
    ["the same bytes twice", file({ a: f64([1], [0, 8]), b: f64([1], [0, 8]) }, bytes(8)), /overlaps/],
    [
      "a gap between tensors",
      file({ a: f64([1], [0, 8]), b: f64([1], [16, 24]) }, bytes(24)),
      /bytes 8 to 16 of the data belong to no tensor \(a gap\)/,
    ],
    [
      "a gap before the first tensor",
      file({ a: f64([1], [8, 16]) }, bytes(16)),
      /bytes 0 to 8 of the data belong to no tensor/,
    ],
    [
      "bytes after the last tensor",
      file({ a: f64([1], [0, 8]) }, bytes(12)),
      /bytes 8 to 12 of the data belong to no tensor/,
    ],
    [
      "metadata holding a number",
      file({ __metadata__: { format: "pt", n: 1 } }),
      /__metadata__ "n" must be a string, got number 1/,
    ],
    [
      "metadata that is an array",
      file({ __metadata__: ["pt"] }),
      /__metadata__ must be an object of strings, got array/,
    ],
    [
      "a BOOL byte other than 0 and 1",
      file({ m: { dtype: "BOOL", shape: [2], data_offsets: [0, 2] } }, [1, 2]),
      /tensor "m" holds byte 2 at element 1, a BOOL is 0 or 1/,
    ],
    [
      "an I64 value outside int32",
      file({ n: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, [0, 0, 0, 0, 1, 0, 0, 0]),
      /tensor "n" \(I64\) holds 4294967296 at element 0, outside int32/,
    ],
  ];

  it.each(cases)("%s", (_, bad, message) => {
    let err: unknown;
    try {
      fromSafetensors(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChainruleError);
    expect((err as Error).message).toMatch(/^fromSafetensors: /);
    expect((err as Error).message).toMatch(message);
  });

  it("safetensorsMetadata checks the same header", () => {
    expect(() => safetensorsMetadata(file({ a: f64([1], [0, 8]) }, bytes(12)))).toThrow(
      /^safetensorsMetadata: not a valid safetensors file: bytes 8 to 12/,
    );
  });

  it("a limit of 100 MB for the header, and input that is not bytes", () => {
    expect(SAFETENSORS_MAX_HEADER).toBe(100_000_000);
    expect(() => fromSafetensors([1, 2, 3] as never)).toThrow(
      /expected the file's bytes as a Uint8Array or ArrayBuffer/,
    );
  });

  it("a metadata key __proto__ stays data: the metadata record has no prototype", () => {
    const m = safetensorsMetadata(file('{"__metadata__":{"__proto__":"x","constructor":"y"}}'));
    expect(Object.getPrototypeOf(m)).toBe(null);
    expect(Object.keys(m)).toEqual(["__proto__", "constructor"]);
    expect(m.constructor).toBe("y");
  });

  it("tensors named constructor and toString are plain entries of the record", () => {
    const t = fromSafetensors(toSafetensors({ constructor: tensor([1]), toString: tensor([2]) } as never));
    expect(Object.keys(t)).toEqual(["constructor", "toString"]);
    expect((t.toString as unknown as Tensor).item()).toBe(2);
  });
});

describe("loadStateDict takes a record of tensors with the strictness of the JSON form", () => {
  const snapshot = (m: nn.Module) => m.namedParameters().map(([n, p]) => [n, hex(p as Tensor)]);

  it("loads tensors by name, copying them (later changes to the tensors do not reach the model)", () => {
    const m = new nn.Linear(2, 1);
    const w = tensor([[0.5, -1]]);
    m.loadStateDict({ weight: w, bias: tensor([2]) });
    w.data[0] = 9;
    expect(m.weight.toArray()).toEqual([[0.5, -1]]);
    expect(m.forward(tensor([[1, 1]])).toArray()).toEqual([[1.5]]);
  });

  it("keeps NaN payloads bit for bit with allowNonFinite", () => {
    const m = new nn.Linear(1, 1, { dtype: "float32" });
    const nan = new Float32Array(new Uint32Array([0x7f800001]).buffer);
    m.loadStateDict(
      { weight: tensor(nan, { shape: [1, 1] }), bias: tensor(new Float32Array([0])) },
      { allowNonFinite: true },
    );
    expect(hex(m.weight)).toBe("0100807f");
  });

  it("int32 and bool buffers load from tensors", () => {
    class Counts extends nn.Module {
      readonly w = tensor([1], { requiresGrad: true });
      readonly n = this.registerBuffer("n", tensor([0, 0], { dtype: "int32" }));
      readonly on = this.registerBuffer("on", tensor([false, false]));
    }
    const m = new Counts();
    m.loadStateDict({ w: tensor([3]), n: tensor([5, -6], { dtype: "int32" }), on: tensor([true, false]) });
    expect([m.w.toArray(), m.n.toArray(), m.on.toArray()]).toEqual([[3], [5, -6], [true, false]]);
  });

  it.each([
    ["a missing name", { weight: tensor([[1, 2]]) }, /names do not match the model: missing bias/],
    [
      "an unexpected name",
      { weight: tensor([[1, 2]]), bias: tensor([0]), extra: tensor([1]) },
      /unexpected extra/,
    ],
    [
      "a shape that differs",
      { weight: tensor([1, 2]), bias: tensor([0]) },
      /weight has shape \[2\], the model expects \[1,2\]/,
    ],
    [
      "a dtype that differs",
      { weight: tensor([[1, 2]], { dtype: "float32" }), bias: tensor([0]) },
      /weight has dtype float32, the model expects float64/,
    ],
    [
      "an int tensor for a float parameter",
      { weight: tensor([[1, 2]]), bias: tensor([0], { dtype: "int32" }) },
      /bias has dtype int32/,
    ],
    [
      "a NaN (allowNonFinite off)",
      { weight: tensor([[1, 2]]), bias: tensor([Number.NaN]) },
      /bias\.data\[0\] is number NaN, expected a finite float64 number/,
    ],
    [
      "a record with a bad last entry",
      { weight: tensor([[7, 7]]), bias: "0" },
      /bias must be an object, got string/,
    ],
  ])("refuses %s and changes nothing", (_, record, message) => {
    manualSeed(4);
    const m = new nn.Linear(2, 1);
    const before = snapshot(m);
    expect(() => m.loadStateDict(record)).toThrow(ChainruleError);
    expect(() => m.loadStateDict(record)).toThrow(message);
    expect(snapshot(m)).toEqual(before);
  });

  it("a hostile file changes nothing in the model it was meant for", () => {
    manualSeed(5);
    const m = mlp("float32");
    const before = snapshot(m);
    const good = fileOf(REF.mlp);
    const bad = good.slice(0, good.length - 4);
    expect(() => m.loadStateDict(fromSafetensors(bad))).toThrow(/belong to no tensor|out of range/);
    expect(snapshot(m)).toEqual(before);
  });

  it("a Value parameter takes a 0-d float64 tensor, and refuses a float32 one", () => {
    class One extends nn.Module {
      readonly v = new Value(1);
    }
    const m = new One();
    m.loadStateDict({ v: tensor(4) });
    expect(m.v.data).toBe(4);
    expect(() => m.loadStateDict({ v: tensor(5, { dtype: "float32" }) })).toThrow(/v has dtype float32/);
    expect(m.v.data).toBe(4);
  });
});

describe("fromSafetensors on damaged files", () => {
  /** A small seeded generator (xorshift32), so a failure can be replayed. */
  function random(seed: number): () => number {
    let s = seed >>> 0 || 1;
    return () => {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      return s / 2 ** 32;
    };
  }

  /** Reads `bytes`: true if it read, false if it threw ChainruleError; anything else fails the test. */
  function reads(bytes: Uint8Array): boolean {
    try {
      const t = fromSafetensors(bytes);
      safetensorsMetadata(bytes);
      for (const x of Object.values(t)) expect(x.data.length).toBe(x.size);
      return true;
    } catch (err) {
      expect(err).toBeInstanceOf(ChainruleError);
      return false;
    }
  }

  it("random byte changes anywhere either read or throw ChainruleError (2,000 files)", () => {
    const good = fileOf(REF.mixed);
    const next = random(7);
    for (let i = 0; i < 2000; i++) {
      const bad = good.slice();
      const edits = 1 + Math.floor(next() * 4);
      for (let e = 0; e < edits; e++) {
        // mostly the header, where the structure is
        const at = Math.floor(next() * (next() < 0.8 ? Math.min(bad.length, 300) : bad.length));
        bad[at] = Math.floor(next() * 256);
      }
      reads(next() < 0.1 ? bad.subarray(0, Math.floor(next() * bad.length)) : bad);
    }
  });

  it("headers with values swapped for awkward JSON either read or throw ChainruleError", () => {
    const awkward: unknown[] = [
      null,
      true,
      -1,
      0.5,
      1e308,
      2 ** 53,
      "F64",
      "",
      [],
      [[]],
      {},
      [0, 0],
      [-0, 8],
      ["0", "8"],
    ];
    const next = random(11);
    for (let i = 0; i < 1000; i++) {
      const header: Record<string, Record<string, unknown>> = {
        a: { dtype: "F64", shape: [1], data_offsets: [0, 8] },
        b: { dtype: "I32", shape: [2], data_offsets: [8, 16] },
      };
      const name = next() < 0.5 ? "a" : "b";
      const field = ["dtype", "shape", "data_offsets"][Math.floor(next() * 3)] as string;
      (header[name] as Record<string, unknown>)[field] = awkward[Math.floor(next() * awkward.length)];
      reads(file(header, bytes(16)));
    }
  });

  it("a deeply nested header is refused, not a stack overflow", () => {
    const deep = `{"__metadata__":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(() => fromSafetensors(file(deep))).toThrow(ChainruleError);
    expect(() => fromSafetensors(file("[".repeat(1_000_000)))).toThrow(ChainruleError);
  });
});
