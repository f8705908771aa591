/**
 * Fuzzing the two doors through which outside data reaches a model's weights:
 * `module.loadStateDict(obj)` and `loadModel(module, path)`. Random JSON, random values of any
 * type, state dicts with random keys, shapes, dtypes and data, and random bytes on disk: the only
 * error ever thrown is a `ChainruleError`, nothing hangs, and whenever a load throws, the model is
 * bit for bit what it was. When a load succeeds, the model holds exactly the values given.
 *
 * Failures print fast-check's seed and path; replay one with
 * `FUZZ_SEED=<seed> npx vitest run test/node/io.fuzz.test.ts` (`FUZZ_RUNS` changes the count).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainruleError, manualSeed, nn, type Tensor, tensor, Value } from "../../src/index";

type StateDict = nn.StateDict;

import { loadModel, saveModel } from "../../src/node/index";

const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const numRuns = Number(process.env.FUZZ_RUNS ?? 200);
const runs = (n = numRuns): fc.Parameters<unknown> => ({
  numRuns: n,
  ...(seed === undefined ? {} : { seed }),
});

/**
 * A small model with every kind of parameter: float64, float32, a frozen weight, `Value`s, one
 * of them named `__proto__`.
 */
class Mixed extends nn.Module {
  a = new nn.Linear(2, 3);
  b = new nn.Linear(3, 1, { dtype: "float32" });
  s = new Value(0.5);
  buffer = tensor([1, 2]); // not a parameter
  constructor() {
    super();
    this.a.weight.requiresGrad = false;
    Object.defineProperty(this, "__proto__", { value: new Value(2), enumerable: true, writable: true });
  }
}

/** Every parameter's storage as bytes (so −0 and NaN compare exactly), by name. */
function bits(m: nn.Module): [string, number[]][] {
  return m.namedParameters().map(([name, p]) => {
    const data = p instanceof Value ? Float64Array.of(p.data) : (p as Tensor).data;
    return [name, Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))];
  });
}

manualSeed(0);
const model = new Mixed();
const original = model.stateDict();
const names = Object.keys(original);

/** Puts the model back to its original weights (after a load that succeeded). */
const restore = () => model.loadStateDict(original);

/** Names that are `Object.prototype` members, and ones close to the model's. */
const awkwardKey = fc.constantFrom(
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "",
  "a",
  "a.weight.",
  ...names,
);
const key = fc.oneof(awkwardKey, fc.string({ maxLength: 12 }));

const anything = fc.anything({
  maxDepth: 3,
  maxKeys: 4,
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
});

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const exactly = <T>(arb: fc.Arbitrary<T>, size: number) =>
  fc.array(arb, { minLength: size, maxLength: size });
/** A sparse array of exactly `size` slots (holes anywhere, possibly none). */
const sparseOf = <T>(arb: fc.Arbitrary<T>, size: number) =>
  fc.sparseArray(arb, { maxLength: size }).map((a) => {
    a.length = size;
    return a;
  });
/** `size` finite numbers with one slot replaced by `odd`. */
const oneOdd = (size: number, odd: fc.Arbitrary<unknown>) =>
  fc.tuple(exactly(finite, size), fc.nat(size - 1), odd).map(([a, i, v]) => {
    const out: unknown[] = [...a];
    out[i] = v;
    return out;
  });
const oddValue = fc.oneof(
  anything,
  fc.constantFrom("NaN", "-0", "Infinity", "1", null, undefined, true, 1e39, -1e39),
  fc.double(),
);

/** Data for an entry of `size` values: mostly the right length, of every element type. */
const dataFor = (size: number) =>
  fc.oneof(
    { weight: 2, arbitrary: exactly(finite, size) },
    exactly(fc.double(), size),
    oneOdd(size, oddValue),
    { weight: 2, arbitrary: sparseOf(finite, size) },
    fc.array(finite, { maxLength: size + 2 }),
    fc.float64Array({ minLength: size, maxLength: size }),
    fc.float32Array({ minLength: size, maxLength: size }),
    fc.int32Array({ minLength: size, maxLength: size }),
    anything,
  );

/** A shape for an entry whose right shape is `shape`: the right one or a near miss. */
const shapeFor = (shape: readonly number[]) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant([...shape]) },
    fc.array(fc.oneof(fc.nat(4), fc.double()), { maxLength: 3 }),
    sparseOf(fc.nat(4), shape.length),
    shape.length > 0
      ? fc.tuple(fc.nat(shape.length - 1), oddValue).map(([i, v]) => shape.map((d, j) => (j === i ? v : d)))
      : fc.constant([0]),
    anything,
  );

const dtypeArb = fc.oneof(fc.constantFrom("float64", "float32", "int32", "Float64", ""), anything);

/** An entry for a parameter: the right one, a corrupted one, or anything at all. */
const entryFor = (e: StateDict[string]) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record(
        {
          shape: fc.oneof({ weight: 3, arbitrary: fc.constant(e.shape) }, shapeFor(e.shape)),
          dtype: fc.oneof({ weight: 3, arbitrary: fc.constant(e.dtype) }, dtypeArb),
          data: dataFor(e.data.length),
        },
        { requiredKeys: [] },
      ),
    },
    fc.constant(e),
    anything,
  );

/** Builds an object with own enumerable keys (`__proto__` stays a key, not a prototype). */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** State dicts near the model's: entries kept, dropped, corrupted or replaced, plus extra keys. */
const nearState = fc
  .tuple(
    fc.tuple(...names.map((n) => fc.option(entryFor(original[n] as StateDict[string]), { freq: 6 }))),
    fc.array(fc.tuple(key, anything), { maxLength: 2 }),
    fc.boolean(),
  )
  .map(([entries, extra, shuffle]) => {
    const own: [string, unknown][] = [];
    entries.forEach((e, i) => {
      if (e !== null) own.push([names[i] as string, e]);
    });
    if (shuffle) own.reverse();
    return objectOf([...own, ...extra]);
  });

/** State dicts of the model's names, shapes and dtypes with random numbers (NaN and ±Infinity too). */
const freshState = fc
  .tuple(
    ...names.map((n) => {
      const e = original[n] as StateDict[string];
      return fc
        .oneof({ weight: 4, arbitrary: exactly(finite, e.data.length) }, exactly(fc.double(), e.data.length))
        .map((data) => ({ shape: e.shape, dtype: e.dtype, data }));
    }),
  )
  .map((entries) => objectOf(entries.map((e, i) => [names[i] as string, e])));

/** One defect put into a valid state dict: so single faults are tried one at a time. */
type Mutation = (state: Record<string, unknown>) => void;
const mutation: fc.Arbitrary<Mutation> = fc.nat(names.length - 1).chain((i) => {
  const name = names[i] as string;
  const e = original[name] as StateDict[string];
  const setField = (field: string, arb: fc.Arbitrary<unknown>) =>
    arb.map(
      (v): Mutation =>
        (state) => {
          state[name] = { ...(state[name] as object), [field]: v };
        },
    );
  return fc.oneof(
    fc.constant<Mutation>((state) => {
      delete state[name];
    }),
    fc.tuple(key, anything).map(
      ([k, v]): Mutation =>
        (state) => {
          Object.defineProperty(state, k, { value: v, enumerable: true, writable: true, configurable: true });
        },
    ),
    anything.map(
      (v): Mutation =>
        (state) => {
          state[name] = v;
        },
    ),
    { weight: 2, arbitrary: setField("shape", shapeFor(e.shape)) },
    setField("dtype", dtypeArb),
    { weight: 4, arbitrary: setField("data", dataFor(e.data.length)) },
    fc.constantFrom("shape", "dtype", "data").map(
      (field): Mutation =>
        (state) => {
          const copy = { ...(state[name] as object) } as Record<string, unknown>;
          delete copy[field];
          state[name] = copy;
        },
    ),
  );
});
const mutatedState = fc
  .tuple(freshState, fc.oneof({ weight: 3, arbitrary: fc.tuple(mutation) }, fc.tuple(mutation, mutation)))
  .map(([state, mutations]) => {
    for (const m of mutations) m(state);
    return state;
  });

/** Any input at all for loadStateDict. */
const stateInput = fc.oneof(
  { weight: 2, arbitrary: freshState },
  { weight: 6, arbitrary: mutatedState },
  { weight: 2, arbitrary: nearState },
  fc.jsonValue(),
  anything,
  fc.dictionary(key, anything, { maxKeys: 4 }),
);

/** JSON text of anything fast-check makes (BigInts as strings: JSON has none). */
const toJson = (x: unknown): string => JSON.stringify(x, (_, v) => (typeof v === "bigint" ? String(v) : v));

/** Calls `load`; a throw must be a ChainruleError and leave the model as it was. */
async function checkLoad(load: () => unknown): Promise<boolean> {
  const before = bits(model);
  try {
    await load();
  } catch (err) {
    if (!(err instanceof ChainruleError)) throw err;
    expect(err.message).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(bits(model)).toEqual(before);
    return false;
  }
  return true;
}

/** After a successful load of `state`, the model holds exactly its values. */
function expectLoaded(state: Record<string, { data: ArrayLike<number> }>, allowNonFinite: boolean): void {
  for (const [name, p] of model.namedParameters()) {
    const got = p instanceof Value ? [p.data] : Array.from((p as Tensor).data);
    const dtype = p instanceof Value ? "float64" : (p as Tensor).dtype;
    const given: unknown[] = Array.from(state[name]?.data ?? []); // holes read as undefined
    expect(given.every((v) => typeof v === "number")).toBe(true);
    const want = given.map((v) => (dtype === "float32" ? Math.fround(v as number) : v));
    expect(got).toEqual(want);
    if (!allowNonFinite) expect(got.every(Number.isFinite)).toBe(true);
  }
}

describe("fuzzing loadStateDict", () => {
  it("random input: only ChainruleError, the model unchanged on error, exactly the values on success", () => {
    let loaded = 0;
    fc.assert(
      fc.property(stateInput, fc.boolean(), (state, allowNonFinite) => {
        const ok = checkLoadSync(() => model.loadStateDict(state, { allowNonFinite }));
        if (ok) {
          loaded++;
          expectLoaded(state as Record<string, { data: number[] }>, allowNonFinite);
          restore();
        }
      }),
      runs(numRuns * 2),
    );
    // the generator reaches the success path too, not only the errors
    if (seed === undefined) expect(loaded).toBeGreaterThan(0);
  }, 30_000);

  it("random options: only ChainruleError", () => {
    fc.assert(
      fc.property(anything, (options) => {
        if (checkLoadSync(() => model.loadStateDict(original, options as never))) restore();
      }),
      runs(100),
    );
  });
});

/** `checkLoad` for a synchronous load. */
function checkLoadSync(load: () => unknown): boolean {
  const before = bits(model);
  try {
    load();
  } catch (err) {
    if (!(err instanceof ChainruleError)) throw err;
    expect(bits(model)).toEqual(before);
    return false;
  }
  return true;
}

describe("fuzzing loadModel", () => {
  let dir = "";
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "chainrule-fuzz-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (content: string | Uint8Array): string => {
    const path = join(dir, `f${n++}.json`);
    writeFileSync(path, content);
    return path;
  };

  it("random bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        expect(await checkLoad(() => loadModel(model, file(bytes)))).toBe(false);
      }),
      runs(numRuns),
    );
  }, 30_000);

  it("random JSON text, and valid files cut short", async () => {
    const path = join(dir, "valid.json");
    await saveModel(model, path);
    const valid = await import("node:fs").then((fs) => fs.readFileSync(path, "utf8"));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.nat(valid.trimEnd().length - 1).map((cut) => valid.slice(0, cut)),
        ),
        async (text) => {
          expect(await checkLoad(() => loadModel(model, file(text)))).toBe(false);
        },
      ),
      runs(numRuns),
    );
  }, 30_000);

  it("model files with random headers and states near the model's", async () => {
    const header = fc.record({
      format: fc.oneof({ weight: 6, arbitrary: fc.constant("chainrule-state-dict") }, fc.jsonValue()),
      version: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2) }, fc.jsonValue()),
    });
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(
        header,
        fc.oneof(freshState, mutatedState, nearState, fc.jsonValue()),
        async (h, state) => {
          const text = toJson({ ...h, state });
          if (await checkLoad(() => loadModel(model, file(text)))) {
            loaded++;
            restore();
          }
        },
      ),
      runs(numRuns),
    );
    if (seed === undefined) expect(loaded).toBeGreaterThan(0);
  }, 30_000);

  it("saveModel then loadModel gives back any values bit for bit (−0, NaN, ±Infinity, subnormals)", async () => {
    const total = model.namedParameters().length;
    await fc.assert(
      fc.asyncProperty(freshState, async (state) => {
        const a = new Mixed();
        a.loadStateDict(state, { allowNonFinite: true });
        const path = file("");
        await saveModel(a, path);
        const b = new Mixed();
        await loadModel(b, path);
        expect(bits(b)).toEqual(bits(a));
        expect(b.namedParameters()).toHaveLength(total);
      }),
      runs(100),
    );
  }, 30_000);

  it("deeply nested and oversized JSON: a ChainruleError, quickly", async () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const cases = [
      deep,
      `{"format":"chainrule-state-dict","version":2,"state":${deep}}`,
      `{"format":"chainrule-state-dict","version":2,"state":{"s":{"shape":[],"dtype":"float64","data":${deep}}}}`,
      JSON.stringify({
        format: "chainrule-state-dict",
        version: 2,
        state: { s: { shape: [], dtype: "float64", data: new Array(1e6).fill(1) } },
      }),
      JSON.stringify({
        format: "chainrule-state-dict",
        version: 2,
        state: { s: { shape: [1e9, 1e9], dtype: "float64", data: [1] } },
      }),
    ];
    for (const text of cases) {
      const start = performance.now();
      expect(await checkLoad(() => loadModel(model, file(text)))).toBe(false);
      expect(performance.now() - start).toBeLessThan(5_000);
    }
  }, 30_000);
});
