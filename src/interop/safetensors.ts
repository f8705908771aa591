/**
 * The Hugging Face safetensors format, in and out: bytes in, bytes out, no file system (this runs
 * in a browser as it runs in Node; `chainrule/node`'s `saveModel`/`loadModel` add the files).
 *
 * A file is three parts, back to back:
 *
 *     [ N: u64, little-endian ][ N bytes: UTF-8 JSON header ][ the tensors' raw bytes ]
 *
 * The header is `{ "__metadata__": { "key": "value", … }, "name": { "dtype": "F32", "shape": [4, 3],
 * "data_offsets": [begin, end] }, … }`, the offsets counting from the start of the data part.
 * chainrule writes and reads F64, F32, I32 and BOOL (its float64, float32, int32 and bool); it also
 * reads I64 into int32 when every value fits (PyTorch keeps BatchNorm's `num_batches_tracked` as
 * int64).
 */
import { ChainruleError, describe } from "../errors";
import { Module, namedStateOf } from "../nn/module";
import { Value } from "../scalar/value";
import type { DType, TypedArray } from "../tensor/dtype";
import { readData } from "../tensor/storage";
import { Tensor } from "../tensor/tensor";
import { checkOptions } from "../validate";

/** Options of `toSafetensors`. */
export interface ToSafetensorsOptions {
  /** Free-form string → string pairs stored in the header as `__metadata__` (e.g. `{ format: "pt" }`). */
  metadata?: Record<string, string>;
}

/** The largest header `fromSafetensors` reads: 100 MB, the reference reader's limit. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** A safetensors dtype chainrule writes: its name in the file, element size, and rank in the writer's order. */
const WRITTEN: Readonly<Record<DType, { name: string; bytes: number; rank: number }>> = {
  // rank: the position in the reference `Dtype` enum, whose order sorts the data (largest first)
  float64: { name: "F64", bytes: 8, rank: 3 },
  float32: { name: "F32", bytes: 4, rank: 2 },
  int32: { name: "I32", bytes: 4, rank: 1 },
  bool: { name: "BOOL", bytes: 1, rank: 0 },
};

/** What `fromSafetensors` reads each dtype into. */
const READ: ReadonlyMap<string, { dtype: DType; bytes: number }> = new Map([
  ["F64", { dtype: "float64", bytes: 8 }],
  ["F32", { dtype: "float32", bytes: 4 }],
  ["I32", { dtype: "int32", bytes: 4 }],
  ["BOOL", { dtype: "bool", bytes: 1 }],
  ["I64", { dtype: "int32", bytes: 8 }],
]);

/** The format's other dtypes: known, but chainrule has no tensor for them. */
const UNSUPPORTED = new Set([
  "F4",
  "F6_E2M3",
  "F6_E3M2",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "I16",
  "U16",
  "F16",
  "BF16",
  "U32",
  "C64",
  "U64",
]);

/** Whether this machine stores numbers little-endian (then typed arrays copy the file's bytes as they are). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A string that is valid Unicode (no lone surrogate), so UTF-8 holds it exactly. */
const isWellFormed = (s: string): boolean =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/** Compares two names by Unicode code point, which is the bytewise order of their UTF-8 (Rust's `str` order). */
function compareNames(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}

/** A name for an error message: quoted, cut at 60 characters. */
const quote = (name: string): string => JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);

/** `obj[key] = value` for a key read from outside: always an own property, even `__proto__`. */
function define(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Copies the bytes of a typed array into `out` at `at`, little-endian. */
function writeLittleEndian(data: TypedArray, out: Uint8Array, at: number): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
    out.set(bytes, at);
    return;
  }
  const step = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += step) {
    for (let j = 0; j < step; j++) out[at + i + j] = bytes[i + step - 1 - j] as number;
  }
}

/** The tensors to write, by name: from a module's state or a record of tensors. */
function tensorsOf(x: unknown): [string, Tensor][] {
  if (x instanceof Module) {
    return namedStateOf(x).map(([name, p]) => [
      name,
      p instanceof Value ? new Tensor(new Float64Array([p.data]), []) : p,
    ]);
  }
  if (x === null || typeof x !== "object" || Array.isArray(x) || x instanceof Tensor) {
    throw new ChainruleError(
      `toSafetensors: expected an nn.Module or a record of Tensors by name, got ${describe(x)}`,
    );
  }
  return Object.keys(x).map((name) => {
    const t: unknown = (x as Record<string, unknown>)[name];
    if (!(t instanceof Tensor)) {
      throw new ChainruleError(`toSafetensors: ${quote(name)} must be a Tensor, got ${describe(t)}`);
    }
    return [name, t];
  });
}

/**
 * Writes tensors in the safetensors format (Hugging Face's; what `safetensors.torch.load_file`
 * reads): a module's `stateDict` (parameters, frozen ones included, and persistent buffers, with
 * the same names, `"0.weight"`, `"running_mean"`), or a record of tensors by name. A scalar
 * `Value` parameter (`nn.scalar`) is written as a 0-d F64 tensor, which `loadStateDict` takes
 * back. The layout is the reference writer's: the data sorted by dtype (F64, then F32, I32, BOOL)
 * and then by name, the compact JSON header padded with spaces to a multiple of 8 bytes, each
 * tensor's bytes exactly as they are in memory (NaN payloads, −0 and subnormals included). Given
 * the same tensors, and metadata of at most one entry, the bytes are those of
 * `safetensors.torch.save` (checked against safetensors 0.8.0; with more entries, only the
 * metadata's order may differ, as the reference keeps it in a hash map).
 *
 * Throws `ChainruleError` for anything else than a module or a record of tensors, for a name the
 * format cannot hold (`__metadata__`, `__proto__`, or a string with a lone surrogate), and for
 * metadata that is not an object of strings.
 *
 * @param options.metadata string → string pairs stored as the header's `__metadata__`.
 * @example
 * const bytes = toSafetensors({ w: tensor([[1, 2]], { dtype: "float32" }) }, { metadata: { format: "pt" } });
 * bytes.length; // 104
 * new TextDecoder().decode(bytes.subarray(8, 96)).trim(); // "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}"
 */
export function toSafetensors(
  moduleOrTensors: Module | Record<string, Tensor>,
  options?: ToSafetensorsOptions,
): Uint8Array<ArrayBuffer> {
  const opts = checkOptions(options, "toSafetensors");
  const entries = tensorsOf(moduleOrTensors);
  let metadataJson = "";
  if (opts.metadata !== undefined) {
    const m: unknown = opts.metadata;
    if (m === null || typeof m !== "object" || Array.isArray(m)) {
      throw new ChainruleError(`toSafetensors: metadata must be an object of strings, got ${describe(m)}`);
    }
    const pairs = Object.keys(m).map((key) => {
      const v: unknown = (m as Record<string, unknown>)[key];
      if (typeof v !== "string" || !isWellFormed(v) || !isWellFormed(key)) {
        throw new ChainruleError(
          `toSafetensors: metadata ${quote(key)} must be a string of valid Unicode, got ${describe(v)}`,
        );
      }
      return `${JSON.stringify(key)}:${JSON.stringify(v)}`;
    });
    metadataJson = `"__metadata__":{${pairs.join(",")}}`;
  }
  for (const [name] of entries) {
    if (name === "__metadata__" || name === "__proto__" || !isWellFormed(name)) {
      throw new ChainruleError(
        `toSafetensors: a tensor cannot be named ${quote(name)} in a safetensors file` +
          (isWellFormed(name) ? " (a reserved name)" : " (a lone surrogate has no UTF-8)"),
      );
    }
  }
  entries.sort(([a, s], [b, t]) => WRITTEN[t.dtype].rank - WRITTEN[s.dtype].rank || compareNames(a, b));
  const parts = metadataJson ? [metadataJson] : [];
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + readData(t).byteLength;
    const info = `{"dtype":"${WRITTEN[t.dtype].name}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`;
    parts.push(`${JSON.stringify(name)}:${info}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, t] of entries) {
    const data = readData(t);
    writeLittleEndian(data, out, at);
    at += data.byteLength;
  }
  return out;
}

/** One tensor of a parsed header, checked. */
interface HeaderEntry {
  name: string;
  fileDtype: string;
  dtype: DType;
  bytes: number;
  shape: number[];
  begin: number;
  end: number;
}

/** A parsed and checked header: the tensors in data order, the metadata, and where the data starts. */
interface Header {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  dataStart: number;
}

/** Reads and checks the header of `bytes` completely (see `fromSafetensors`). */
function readHeader(input: unknown, op: string): { bytes: Uint8Array; header: Header } {
  // a plain view, also of a Node Buffer (whose slice() would not copy)
  const bytes =
    input instanceof Uint8Array
      ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      : input instanceof ArrayBuffer
        ? new Uint8Array(input)
        : null;
  if (bytes === null) {
    throw new ChainruleError(
      `${op}: expected the file's bytes as a Uint8Array or ArrayBuffer, got ${describe(input)}`,
    );
  }
  const fail = (what: string): never => {
    throw new ChainruleError(`${op}: not a valid safetensors file: ${what}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const n = high * 2 ** 32 + low; // exact below 2^53; larger lengths are refused either way
  if (n > SAFETENSORS_MAX_HEADER)
    fail(`the header length ${n} is over the limit of ${SAFETENSORS_MAX_HEADER} bytes`);
  if (8 + n > bytes.length) fail(`the header length ${n} runs past the end of the ${bytes.length}-byte file`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail("the header is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(`the header is not valid JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    fail(`the header must be a JSON object, got ${Array.isArray(parsed) ? "an array" : describe(parsed)}`);
  }
  const top = parsed as Record<string, unknown>;
  const dataLength = bytes.length - 8 - n;
  const metadata: Record<string, string> = Object.create(null);
  const entries: HeaderEntry[] = [];
  for (const name of Object.keys(top)) {
    const e = top[name]; // an own key of a parsed object: never an inherited member
    if (name === "__metadata__") {
      if (e === null || typeof e !== "object" || Array.isArray(e))
        fail(`__metadata__ must be an object of strings, got ${describe(e)}`);
      for (const key of Object.keys(e as object)) {
        const v = (e as Record<string, unknown>)[key];
        if (typeof v !== "string") fail(`__metadata__ ${quote(key)} must be a string, got ${describe(v)}`);
        define(metadata, key, v);
      }
      continue;
    }
    const where = `tensor ${quote(name)}`;
    if (name === "__proto__") fail(`${where}: the name __proto__ is refused`);
    if (e === null || typeof e !== "object" || Array.isArray(e))
      fail(`${where} must be an object, got ${describe(e)}`);
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = e as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== "string") return fail(`${where}: dtype must be a string, got ${describe(dtype)}`);
    const kind = READ.get(dtype);
    if (kind === undefined) {
      return fail(
        UNSUPPORTED.has(dtype)
          ? `${where} has dtype ${dtype}, which chainrule does not read (it reads F64, F32, I32, BOOL and I64)`
          : `${where} has an unknown dtype ${describe(dtype)}`,
      );
    }
    if (
      !Array.isArray(shape) ||
      shape.length > 64 ||
      !shape.every((d: unknown) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)
    ) {
      return fail(
        `${where}: shape must be an array of at most 64 integers ≥ 0, got ${JSON.stringify(shape)?.slice(0, 80)}`,
      );
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((d: unknown) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)
    ) {
      return fail(
        `${where}: data_offsets must be [begin, end], two integers ≥ 0, got ${JSON.stringify(offsets)?.slice(0, 80)}`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) {
      fail(`${where}: data_offsets [${begin},${end}] are out of range of the ${dataLength}-byte data`);
    }
    const size = (shape as number[]).reduce((a, d) => a * d, 1);
    if (end - begin !== size * kind.bytes) {
      fail(
        `${where}: shape [${(shape as number[]).join(",")}] of ${dtype} needs ${size * kind.bytes} bytes, data_offsets [${begin},${end}] hold ${end - begin}`,
      );
    }
    entries.push({
      name,
      fileDtype: dtype,
      dtype: kind.dtype,
      bytes: kind.bytes,
      shape: shape as number[],
      begin,
      end,
    });
  }
  // the data must be covered exactly: in offset order, each tensor starts where the last ended
  const ordered = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: HeaderEntry | null = null;
  for (const e of ordered) {
    if (e.begin < at) {
      fail(
        `tensor ${quote(e.name)} [${e.begin},${e.end}] overlaps tensor ${quote((previous as HeaderEntry).name)} [${(previous as HeaderEntry).begin},${at}]`,
      );
    }
    if (e.begin > at) fail(`bytes ${at} to ${e.begin} of the data belong to no tensor (a gap)`);
    at = e.end;
    if (e.end > e.begin) previous = e;
  }
  if (at !== dataLength) fail(`bytes ${at} to ${dataLength} of the data belong to no tensor`);
  return { bytes, header: { entries: ordered, metadata, dataStart: 8 + n } };
}

/** One tensor's storage, from its bytes in the file. */
function decode(bytes: Uint8Array, e: HeaderEntry, start: number, op: string): TypedArray {
  const raw = bytes.subarray(start + e.begin, start + e.end);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = raw.length / e.bytes;
  const where = `not a valid safetensors file: tensor ${quote(e.name)}`;
  switch (e.fileDtype) {
    case "BOOL": {
      const out = raw.slice();
      const bad = out.findIndex((b) => b > 1);
      if (bad >= 0)
        throw new ChainruleError(
          `${op}: ${where} holds byte ${out[bad]} at element ${bad}, a BOOL is 0 or 1`,
        );
      return out;
    }
    case "I64": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v < -2147483648n || v > 2147483647n) {
          throw new ChainruleError(
            `${op}: tensor ${quote(e.name)} (I64) holds ${v} at element ${i}, outside int32, chainrule's integer type`,
          );
        }
        out[i] = Number(v);
      }
      return out;
    }
    default: {
      const copy = raw.slice(); // a fresh, aligned buffer
      if (!LITTLE_ENDIAN) {
        for (let i = 0; i < copy.length; i += e.bytes) copy.subarray(i, i + e.bytes).reverse();
      }
      if (e.dtype === "float64") return new Float64Array(copy.buffer);
      if (e.dtype === "float32") return new Float32Array(copy.buffer);
      return new Int32Array(copy.buffer);
    }
  }
}

/**
 * Reads a safetensors file (Hugging Face's format, as `safetensors.torch.save_file` writes it)
 * into a record of tensors by name, ready for `module.loadStateDict`. F64, F32, I32 and BOOL
 * become float64, float32, int32 and bool tensors with the file's bytes exactly (NaN payloads,
 * −0, subnormals); I64 (PyTorch's `num_batches_tracked`, for one) becomes int32 when every value
 * fits. The record has no prototype, and lists the names in the order of the data.
 *
 * The whole header is checked before any tensor is made: its length (at most 100 MB, inside the
 * file), UTF-8 JSON holding an object, a `__metadata__` of strings, and for each tensor a known
 * dtype, a shape of integers ≥ 0, and `data_offsets` inside the data whose length is the shape's
 * size times the dtype's; the tensors must cover the data exactly, without overlap or gap. A
 * name `__proto__` is refused. Anything wrong throws `ChainruleError` saying what.
 *
 * @example
 * const bytes = toSafetensors({ w: tensor([[1, 2], [3, 4]]), n: tensor([7], { dtype: "int32" }) });
 * const back = fromSafetensors(bytes);
 * Object.keys(back);    // ["w", "n"]
 * back.w!.toArray();    // [[1, 2], [3, 4]]
 * back.n!.dtype;        // "int32"
 */
export function fromSafetensors(bytes: Uint8Array | ArrayBuffer): Record<string, Tensor> {
  const { bytes: b, header } = readHeader(bytes, "fromSafetensors");
  const out: Record<string, Tensor> = Object.create(null);
  for (const e of header.entries) {
    define(out, e.name, new Tensor(decode(b, e, header.dataStart, "fromSafetensors"), e.shape));
  }
  return out;
}

/**
 * The `__metadata__` of a safetensors file (string → string; empty when it has none), after the
 * same checks of the whole header as `fromSafetensors`. The record has no prototype.
 *
 * @example
 * const bytes = toSafetensors({ w: tensor([1]) }, { metadata: { format: "pt" } });
 * safetensorsMetadata(bytes).format; // "pt"
 */
export function safetensorsMetadata(bytes: Uint8Array | ArrayBuffer): Record<string, string> {
  return readHeader(bytes, "safetensorsMetadata").header.metadata;
}
