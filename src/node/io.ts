/** Saving and loading model parameters as files (Node only): safetensors or JSON, by extension. */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
// The root entry's own classes (external in the build): see datasets.ts. Only the stateless
// helpers of errors.ts and validate.ts may be bundled here (tsup.config.ts enforces it).
import {
  ChainruleError,
  exportOnnx,
  fromSafetensors,
  type nn,
  type OnnxExportOptions,
  type OnnxTraceable,
  type Tensor,
  toSafetensors,
} from "chainrule";
import { describe } from "../errors";

type Module = nn.Module;

/**
 * The file format, JSON:
 *
 *     { "format": "chainrule-state-dict", "version": 2,
 *       "state": { "0.weight": { "shape": [8, 4], "dtype": "float64", "data": [0.25, "-0", …] }, … } }
 *
 * `state` is `module.stateDict()`. Each value in `data` is a JSON number, written as the shortest
 * decimal that reads back to the same double (so subnormals and float32 values come back bit for
 * bit), except the four values a JSON number cannot hold, written as the strings `"NaN"`,
 * `"Infinity"`, `"-Infinity"` and `"-0"` (every NaN reads back as the one canonical NaN).
 * Version 1 files, written by earlier releases (plain numbers only), load as well.
 */
export interface ModelFile {
  format: "chainrule-state-dict";
  version: 1 | 2;
  state: Record<
    string,
    { shape: number[]; dtype: "float64" | "float32" | "int32" | "bool"; data: (number | Tag)[] }
  >;
}

/** The strings standing for the values JSON has no number for. */
type Tag = "NaN" | "Infinity" | "-Infinity" | "-0";

const FORMAT = "chainrule-state-dict";
const VERSION = 2;
const TAGS: ReadonlyMap<string, number> = new Map<Tag, number>([
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["-0", -0],
]);

/** One value for the file: the number itself, or its tag when JSON cannot hold it. */
const encode = (v: number): number | Tag =>
  Number.isFinite(v) ? (Object.is(v, -0) ? "-0" : v) : (String(v) as Tag);

/** Whether `path` names a safetensors file (`.safetensors`, any case); every other path is JSON. */
const isSafetensors = (path: string): boolean => path.toLowerCase().endsWith(".safetensors");

/** Writes `content` to `path` through a temporary file beside it, creating missing directories. */
async function writeAtomically(path: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, content);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new ChainruleError(`saveModel: cannot write ${path}: ${(err as Error).message}`);
  }
}

/** Checks the arguments every file helper takes: a module and a path. */
function checkArgs(op: string, module: unknown, path: unknown): void {
  const m = module as Partial<Module> | null | undefined;
  if (
    m === null ||
    typeof m !== "object" ||
    typeof m.stateDict !== "function" ||
    typeof m.loadStateDict !== "function"
  ) {
    throw new ChainruleError(`${op}: module must be a Module, got ${describe(module)}`);
  }
  if (typeof path !== "string" || path === "" || path.includes("\0")) {
    throw new ChainruleError(
      `${op}: path must be a non-empty string without NUL characters, got ${describe(path)}`,
    );
  }
}

/**
 * Exports `moduleOrFn` as an ONNX model (`exportOnnx`: one traced forward pass on
 * `exampleInputs`) and writes it to `path` (usually `.onnx`), atomically like `saveModel`.
 * Missing directories are created; an op with no ONNX form or a bad argument throws
 * `ChainruleError` and writes nothing.
 */
export async function saveOnnx(
  path: string,
  moduleOrFn: OnnxTraceable,
  exampleInputs: Tensor | readonly Tensor[],
  options?: OnnxExportOptions,
): Promise<void> {
  if (typeof path !== "string" || path === "" || path.includes("\0")) {
    throw new ChainruleError(
      `saveOnnx: path must be a non-empty string without NUL characters, got ${describe(path)}`,
    );
  }
  await writeAtomically(path, exportOnnx(moduleOrFn, exampleInputs, options));
}

/**
 * Writes `module.stateDict()` (frozen parameters included) to `path`, in the format its extension
 * names: a path ending in `.safetensors` (any case) gets the safetensors format (`toSafetensors`:
 * what `safetensors.torch.load_file` reads, bytes exactly as in memory); any other path gets the
 * JSON of `ModelFile` (`.json` is the usual extension). Missing directories are created. The
 * file is written beside its destination and then renamed over it, so an interrupted save never
 * leaves half a file in its place. A bad argument, a model the format cannot hold, or a path that
 * cannot be written throws `ChainruleError`.
 */
export async function saveModel(module: Module, path: string): Promise<void> {
  checkArgs("saveModel", module, path);
  if (isSafetensors(path)) {
    let bytes: Uint8Array;
    try {
      bytes = toSafetensors(module);
    } catch (err) {
      if (!(err instanceof ChainruleError)) throw err;
      throw new ChainruleError(`saveModel: ${path}: ${err.message}`);
    }
    await writeAtomically(path, bytes);
    return;
  }
  const state: ModelFile["state"] = {};
  for (const [name, e] of Object.entries(module.stateDict())) {
    // defineProperty: a parameter named `__proto__` must stay a key
    const entry = { shape: e.shape, dtype: e.dtype, data: e.data.map(encode) };
    Object.defineProperty(state, name, {
      value: entry,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  let text: string;
  try {
    text = `${JSON.stringify({ format: FORMAT, version: VERSION, state } satisfies ModelFile)}\n`;
  } catch (err) {
    throw new ChainruleError(`saveModel: cannot encode the model as JSON: ${(err as Error).message}`);
  }
  await writeAtomically(path, text);
}

/**
 * Loads parameters saved by `saveModel` into `module` and returns it, reading the format the
 * extension names (`.safetensors`, any case: safetensors, for instance a PyTorch checkpoint saved
 * with `safetensors.torch.save_file`; any other path: the JSON of `ModelFile`). The values come
 * back exactly as they were saved, NaN and ±Infinity included (`loadStateDict` with
 * `allowNonFinite`). A bad argument, a missing or malformed file, or one whose names, shapes,
 * dtypes or values do not fit the module throws `ChainruleError` naming the path, and leaves the
 * module unchanged.
 */
export async function loadModel<M extends Module>(module: M, path: string): Promise<M> {
  checkArgs("loadModel", module, path);
  if (isSafetensors(path)) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new ChainruleError(`loadModel: cannot read ${path}: ${(err as Error).message}`);
    }
    try {
      module.loadStateDict(fromSafetensors(bytes), { allowNonFinite: true });
    } catch (err) {
      if (!(err instanceof ChainruleError)) throw err;
      throw new ChainruleError(`loadModel: ${path}: ${err.message}`);
    }
    return module;
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ChainruleError(`loadModel: cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ChainruleError(`loadModel: ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const file = parsed as { format?: unknown; version?: unknown; state?: unknown } | null;
  if (
    file === null ||
    typeof file !== "object" ||
    Array.isArray(file) ||
    file.format !== FORMAT ||
    (file.version !== 1 && file.version !== 2)
  ) {
    throw new ChainruleError(
      `loadModel: ${path} is not a chainrule model file (format "${FORMAT}", version 1 or 2)`,
    );
  }
  const state = file.version === 2 ? decodeState(file.state) : file.state;
  try {
    module.loadStateDict(state, { allowNonFinite: file.version === 2 });
  } catch (err) {
    if (!(err instanceof ChainruleError)) throw err;
    throw new ChainruleError(`loadModel: ${path}: ${err.message}`);
  }
  return module;
}

/**
 * A version 2 state with its tags turned back into numbers. Anything that is not a well-formed
 * entry is passed through untouched, for `loadStateDict` to refuse with its own message.
 */
function decodeState(state: unknown): unknown {
  if (state === null || typeof state !== "object" || Array.isArray(state)) return state;
  const out: Record<string, unknown> = {};
  for (const [name, e] of Object.entries(state)) {
    let entry: unknown = e;
    if (e !== null && typeof e === "object" && Array.isArray((e as { data?: unknown }).data)) {
      const data = (e as { data: unknown[] }).data.map((v) =>
        typeof v === "string" && TAGS.has(v) ? TAGS.get(v) : v,
      );
      entry = { ...e, data };
    }
    Object.defineProperty(out, name, { value: entry, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
