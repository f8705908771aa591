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
   * (`data[i] = v`, `data.set(…)`, `data.fill(…)`) bump the version. Reads are passed through.
   */
  userView(): TypedArray {
    if (this.view === undefined) {
      const storage = this;
      const target = this.data;
      this.view = new Proxy(target, {
        get(t, key) {
          const v = Reflect.get(t, key, t);
          if (typeof v !== "function") return v;
          if (MUTATORS.has(key)) {
            return (...args: unknown[]) => {
              storage.version++;
              const r = (v as (...a: unknown[]) => unknown).apply(t, args);
              return r === t ? storage.view : r;
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
      views.set(this.view, target);
    }
    return this.view;
  }
}

const views = new WeakMap<object, TypedArray>();

/** The raw typed array behind a `tensor.data` view (or the array itself if it is not one). */
export function unwrapView<T>(x: T): T | TypedArray {
  return (typeof x === "object" && x !== null && views.get(x)) || x;
}
