/**
 * The memory behind a tensor: a typed array plus a version counter. Tensors that share memory
 * (`detach`, `reshape`) share one `Storage`, so a write through any of them is seen by all and
 * bumps the one counter that recorded graphs check.
 *
 * Code outside `src/tensor` reaches a tensor's numbers only through the two functions below,
 * never through the `_s` field:
 *
 * - `readData(t)`: the raw array, for reading (kernels, losses, reports, serialisation). Reading
 *   never changes the version. Do not write through it, except to fill a tensor you have just
 *   created (see below): a recorded graph would not notice the change.
 * - `writeData(t, write)`: an in-place write. `write` gets the raw array and may change any
 *   element; afterwards the version goes up by one, also when `write` throws part way (the
 *   memory may already have changed). One call is one write, however many elements it touches.
 *
 * What counts as a write: anything that changes the numbers of an existing tensor that a graph
 * may have recorded (optimizer steps, initialisers, loading a state dict, clipping gradients in
 * place). Filling a tensor you have just created, before any op has seen it, is not one: the
 * version only matters once an op has recorded it. The version is what backward compares:
 * an op saves its inputs' (and result's) versions when it runs, and its backward refuses to run
 * if one has changed since, rather than compute gradients from the new numbers.
 */
import type { TypedArray } from "./dtype";

/** How many storages have been created so far (see `Storage.serial`). */
let created = 0;

export class Storage {
  /** Incremented by every in-place write. */
  version = 0;
  /**
   * @internal This storage's place in creation order (1, 2, …), or 0 once `disown` has marked
   * it as possibly held by code outside the library. A backward pass that created a gradient's
   * storage itself (a serial above the count when the pass began) may hand it to `.grad` as it
   * is instead of copying it (see `Tensor.backward`).
   */
  serial = ++created;

  constructor(readonly data: TypedArray) {}
}

/** @internal The number of storages created so far: a later storage's serial is larger. */
export function storagesCreated(): number {
  return created;
}

/**
 * @internal Marks `t`'s storage as possibly held elsewhere (a custom op's backward may keep the
 * gradients it returns), so a backward pass copies it into `.grad` rather than adopting it.
 */
export function disown(t: Stored): void {
  t._s.serial = 0;
}

/** Anything whose numbers live in a `Storage` (a `Tensor`). */
export interface Stored {
  /** @internal memory and version counter */
  readonly _s: Storage;
}

/**
 * The raw row-major numbers of `t` (its live memory, not a copy; the array `tensor.data` also
 * returns): for reading only. Writes go through `writeData`, which bumps the version.
 *
 * @example
 * readData(tensor([[1, 2], [3, 4]])); // Float64Array [1, 2, 3, 4]
 */
export function readData(t: Stored): TypedArray {
  return t._s.data;
}

/**
 * Writes `t`'s memory in place: calls `write` with the raw array, then bumps the version counter
 * once (also if `write` throws), so a recorded graph that used the old numbers refuses to
 * backpropagate through them. Returns what `write` returns.
 *
 * @example
 * const w = tensor([1, 2]);
 * writeData(w, (d) => d.fill(0)); // one write: w's version goes up by one
 * w.toArray(); // [0, 0]
 */
export function writeData<R>(t: Stored, write: (data: TypedArray) => R): R {
  const s = t._s;
  try {
    return write(s.data);
  } finally {
    s.version++;
  }
}

/** The version counter of `t`'s memory: how many in-place writes it has seen. */
export function versionOf(t: Stored): number {
  return t._s.version;
}

/** Whether `x` is backed by a `Storage` (a tensor), for code that also sees numbers and `Value`s. */
export function isStored(x: unknown): x is Stored {
  return typeof x === "object" && x !== null && (x as Partial<Stored>)._s instanceof Storage;
}

/**
 * @internal The `Storage` itself, for a view op's forward (`RawResult.storage`): its result
 * shares `t`'s memory and version counter.
 */
export function storageOf(t: Stored): Storage {
  return t._s;
}
