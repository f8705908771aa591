/**
 * The memory behind a tensor: a typed array plus a version counter. Tensors that share memory
 * (`detach`, `reshape`) share one `Storage`, so a write through any of them is seen by all and
 * bumps the one counter that recorded graphs check.
 */
import type { TypedArray } from "./dtype";

const MUTATORS = new Set<PropertyKey>(["set", "fill", "copyWithin", "reverse", "sort"]);

export class Storage {
  /** Incremented by every in-place write. */
  version = 0;
  private view: TypedArray | undefined;

  constructor(readonly data: TypedArray) {}

  /**
   * The array as users see it (`tensor.data`): the same memory, wrapped so that writes
   * (`data[i] = v`, `data.set(…)`, `data.fill(…)`, and writes through `data.subarray(…)`) bump
   * the version. Reads are passed through.
   */
  userView(): TypedArray {
    this.view ??= guard(this, this.data);
    return this.view;
  }
}

/**
 * A proxy over `target` (the storage's array or a subarray of it) whose writes bump
 * `storage.version`. `subarray` returns a guarded view too: it shares the memory, so a write
 * through it must count as well (before, `data.subarray(0, 1)[0] = 5` slipped past the counter
 * and backward silently used the new value).
 */
function guard(storage: Storage, target: TypedArray): TypedArray {
  const proxy: TypedArray = new Proxy(target, {
    get(t, key) {
      const v = Reflect.get(t, key, t);
      if (typeof v !== "function") return v;
      if (key === "subarray") {
        return (...args: unknown[]) => guard(storage, (v as (...a: unknown[]) => TypedArray).apply(t, args));
      }
      if (MUTATORS.has(key)) {
        return (...args: unknown[]) => {
          storage.version++;
          const r = (v as (...a: unknown[]) => unknown).apply(t, args);
          return r === t ? proxy : r;
        };
      }
      return (v as (...a: unknown[]) => unknown).bind(t);
    },
    set(t, key, value) {
      storage.version++;
      return Reflect.set(t, key, value, t);
    },
    defineProperty(t, key, desc) {
      storage.version++;
      return Reflect.defineProperty(t, key, desc);
    },
  });
  views.set(proxy, target);
  return proxy;
}

const views = new WeakMap<object, TypedArray>();

/** The raw typed array behind a `tensor.data` view (or the array itself if it is not one). */
export function unwrapView<T>(x: T): T | TypedArray {
  return (typeof x === "object" && x !== null && views.get(x)) || x;
}
