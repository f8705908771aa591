/**
 * Anomaly mode (like `torch.autograd.detect_anomaly`): a debugging switch that makes the first
 * NaN or ±Infinity that appears from finite numbers throw, naming the op, its input shapes and
 * the line of user code that called it.
 *
 * When on:
 * - every tensor op checks its result: NaN/±Infinity in the result while every input was finite
 *   throws at once (the op leaves no node);
 * - every recorded op remembers where it was called (a stack captured at op creation, with
 *   chainrule's own frames removed, so the first frame shown is the caller's) and copies the
 *   data its backward will read;
 * - during backward, each node checks that the data it saved was not changed through `t.data`
 *   (writes the version counter does not see), and each backward step checks its gradients: a
 *   NaN/±Infinity gradient while the op's inputs and the incoming gradient were finite throws,
 *   naming the op and where it was called. This part also covers scalar `Value` graphs.
 *
 * When off, each op and each backward pass test one boolean (`anomaly.on`) and do nothing else.
 * This file knows nodes only by their shape (`shape`, `data` or `readData`, `parents`, `op`): it
 * sits below the tensor and scalar engines and imports neither, only tensor memory (storage.ts).
 */
import { ChainruleError, fmtShape } from "../errors";
import type { TypedArray } from "../tensor/dtype";
import { isStored, readData, type Stored } from "../tensor/storage";
import { checkBoolean, checkFunction } from "../validate";

/** @internal The switch the hot paths read (`anomaly.on`), and the backward-formula depth. */
export const anomaly = {
  on: false,
  /**
   * > 0 while the forward check is suspended: inside an op's backward formula (its inner ops are
   * judged by the backward check of the op) and for the views module hooks insert.
   */
  quiet: 0,
};

/**
 * Turns anomaly mode on or off globally (until changed again). Prefer `detectAnomaly(fn)` for a
 * bounded piece of synchronous code; use this for code that awaits.
 *
 * @example
 * setDetectAnomaly(true);
 * // … train, await, …
 * setDetectAnomaly(false);
 */
export function setDetectAnomaly(on: boolean): void {
  anomaly.on = checkBoolean(on, "setDetectAnomaly", "on");
}

/** True while anomaly mode is on (`detectAnomaly` or `setDetectAnomaly(true)`). */
export function isAnomalyEnabled(): boolean {
  return anomaly.on;
}

/**
 * Runs `fn` with anomaly mode on and restores the previous mode afterwards (even if `fn` throws).
 * Inside, the first op whose forward result or backward gradient holds NaN or ±Infinity while its
 * inputs (and, for backward, the incoming gradient) were finite throws a `ChainruleError` naming
 * the op, its input shapes and the user code that called it; a backward also throws when data a
 * recorded op saved was changed through `t.data`. Slow (every op scans its data, captures a stack
 * and copies what its backward reads): a debugging tool, off by default.
 *
 * `fn` must be synchronous: the mode is global and restored when `fn` returns, so a promise
 * returned by `fn` is refused (use `setDetectAnomaly(true)` around asynchronous code).
 *
 * @example
 * const x = tensor([1, 0], { requiresGrad: true });
 * let message = "";
 * try {
 *   detectAnomaly(() => x.sqrt().sum().backward());
 * } catch (e) {
 *   message = (e as Error).message; // then the lines of your code that called sqrt
 * }
 * message.split("\n")[0]; // "sqrt: backward produced Infinity in the gradient of input 0 [2] from finite inputs [2] and a finite incoming gradient (anomaly mode); sqrt was called at"
 */
export function detectAnomaly<T>(fn: () => T): T {
  checkFunction(fn, "detectAnomaly", "fn");
  const previous = anomaly.on;
  anomaly.on = true;
  let result: T;
  try {
    result = fn();
  } finally {
    anomaly.on = previous;
  }
  refusePromise(result, "detectAnomaly", "use setDetectAnomaly(true) around asynchronous code");
  return result;
}

/**
 * @internal Throws when a scoped-mode function (`noGrad`, `detectAnomaly`) got a promise back:
 * its code after the first `await` would run outside the mode. The promise's own rejection is
 * silenced, since the caller receives this error instead of the promise.
 */
export function refusePromise(result: unknown, op: string, hint: string): void {
  if (
    result !== null &&
    (typeof result === "object" || typeof result === "function") &&
    typeof (result as { then?: unknown }).then === "function"
  ) {
    const p = result as { catch?: (f: () => void) => unknown };
    if (typeof p.catch === "function") p.catch(() => {});
    throw new ChainruleError(
      `${op}: fn must be synchronous, got a function that returned a promise (the mode is restored when fn returns, so code after its first await would run outside it; ${hint})`,
    );
  }
}

// ---- what anomaly mode records per node ----

/** What anomaly mode remembers about one recorded op. */
interface Record {
  /** Where the op was called: an `Error` whose stack V8 formats only if a message needs it. */
  readonly site: Error;
  /** Copies of the arrays its backward reads, by input index (`inputs.length` for the result). */
  readonly saved: readonly (TypedArray | null)[];
}

const records = new WeakMap<object, Record>();

/** A tensor as this file sees it. */
interface TensorLike extends Stored {
  readonly shape: readonly number[];
}

/** The numbers of a tensor (`readData`) or a scalar `Value` / number. */
function valuesOf(x: unknown): ArrayLike<number> {
  if (typeof x === "number") return [x];
  if (isStored(x)) return readData(x);
  return [(x as { data: number }).data];
}

function shapeOf(x: unknown): string {
  const shape = (x as { shape?: readonly number[] }).shape;
  return fmtShape(shape ?? []);
}

/** Index of the first NaN/±Infinity in `a`, or −1. */
function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) {
    const v = a[i] as number;
    if (v - v !== 0) return i; // NaN − NaN and ∞ − ∞ are NaN; every finite v gives 0
  }
  return -1;
}

const allFinite = (xs: readonly unknown[]): boolean => xs.every((x) => firstNonFinite(valuesOf(x)) < 0);

const kind = (v: number): string => (Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");

const shapesOf = (xs: readonly unknown[]): string =>
  xs.length === 0 ? "no inputs" : xs.map(shapeOf).join(", ");

/**
 * @internal The forward check and bookkeeping of one tensor op, called by `apply` only while
 * anomaly mode is on. Throws if the result holds NaN/±Infinity while every input is finite;
 * otherwise, for a recorded op (`recorded`), remembers the call site and copies what its
 * backward reads (`saves`).
 */
export function anomalyForward(
  op: string,
  inputs: readonly TensorLike[],
  result: TensorLike,
  recorded: boolean,
  saves: "inputs" | "result" | "both" | "none",
): void {
  if (anomaly.quiet === 0) {
    const bad = firstNonFinite(readData(result));
    if (bad >= 0 && allFinite(inputs)) {
      throw new ChainruleError(
        `${op}: produced ${kind(readData(result)[bad] as number)} at element ${bad} of its result ${fmtShape(result.shape)} ` +
          `from finite inputs ${shapesOf(inputs)} (anomaly mode); ${op} was called at\n${callSite()}`,
      );
    }
  }
  if (!recorded) return;
  const saved: (TypedArray | null)[] = inputs.map((x) =>
    saves === "inputs" || saves === "both" ? readData(x).slice() : null,
  );
  saved.push(saves === "result" || saves === "both" ? readData(result).slice() : null);
  records.set(result, { site: captureStack(), saved });
}

/** A scalar `Value` as this file sees it. */
interface ScalarLike {
  readonly data: number;
}

/**
 * @internal The forward check of one scalar `Value` op (anomaly mode on): throws if its result
 * is NaN/±Infinity while its operands are finite; otherwise remembers where it was called.
 */
export function anomalyScalarForward(
  op: string,
  a: ScalarLike,
  b: ScalarLike | null,
  result: ScalarLike,
): void {
  const v = result.data;
  if (v - v !== 0 && a.data - a.data === 0 && (b === null || b.data - b.data === 0)) {
    const operands = b === null ? `${a.data}` : `${a.data}, ${b.data}`;
    throw new ChainruleError(
      `${op}: produced ${kind(v)} from finite operands ${operands} (anomaly mode); ${op} was called at\n${callSite()}`,
    );
  }
  records.set(result, { site: captureStack(), saved: [] });
}

/**
 * @internal At backward, before a tensor op's backward formula runs (anomaly mode on): throws if
 * data the op saved was changed since, through writes the version counter does not count (raw
 * `t.data` memory, e.g. through its `buffer`).
 */
export function anomalyCheckSaved(
  node: TensorLike & { readonly op: string },
  inputs: readonly TensorLike[],
): void {
  const rec = records.get(node);
  if (rec === undefined) return;
  const arrays = [...inputs, node];
  for (let i = 0; i < arrays.length; i++) {
    const copy = rec.saved[i];
    if (copy === null || copy === undefined) continue;
    const now = readData(arrays[i] as TensorLike);
    for (let j = 0; j < copy.length; j++) {
      const a = copy[j] as number;
      const b = now[j] as number;
      if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
      const what = i === inputs.length ? "its result" : `input ${i}`;
      throw new ChainruleError(
        `${node.op}: ${what} ${shapeOf(arrays[i])} was changed through .data after ${node.op} used it ` +
          `(element ${j}: ${a} → ${b}), so its gradient would be wrong (anomaly mode); ` +
          `recompute the forward pass after changing data. ${node.op} was called at\n${callSite(rec.site)}`,
      );
    }
  }
}

/** A graph node as the backward check sees it. */
interface NodeLike {
  readonly op: string;
  readonly _arity: number;
  _parent(i: number): unknown;
}

/**
 * @internal The backward check of one node (anomaly mode on): throws if a gradient it produced
 * for a parent holds NaN/±Infinity while the incoming gradient and every input were finite.
 */
export function anomalyBackward(node: NodeLike, grad: unknown, parentGrads: readonly unknown[]): void {
  for (let i = 0; i < parentGrads.length; i++) {
    const g = parentGrads[i];
    // gradients for parents that take none (constants) are discarded by the engine: not judged
    if (g === null || g === undefined || !(node._parent(i) as { requiresGrad: boolean }).requiresGrad)
      continue;
    const values = valuesOf(g);
    const bad = firstNonFinite(values);
    if (bad < 0) continue;
    if (firstNonFinite(valuesOf(grad)) >= 0) return;
    const inputs = Array.from({ length: node._arity }, (_, k) => node._parent(k));
    if (!allFinite(inputs)) return;
    const rec = records.get(node);
    const where = rec
      ? `; ${node.op} was called at\n${callSite(rec.site)}`
      : ` (${node.op} was created while anomaly mode was off: no call site recorded)`;
    const what =
      typeof grad === "number" // a scalar Value: its operands' values say more than shapes
        ? `of operand ${i} from finite operands ${inputs.map((x) => (x as ScalarLike).data).join(", ")} and a finite incoming gradient ${grad}`
        : `of input ${i} ${shapeOf(inputs[i])} from finite inputs ${shapesOf(inputs)} and a finite incoming gradient`;
    throw new ChainruleError(
      `${node.op}: backward produced ${kind(values[bad] as number)} in the gradient ${what} (anomaly mode)${where}`,
    );
  }
}

// ---- call sites ----

/** Frames of the user's code shown in a message. */
const FRAMES = 6;
let ownCode: string | null | undefined;

/** The file (or folder) of chainrule's own code, from the location of this very function. */
function ownCodePrefix(): string | null {
  if (ownCode !== undefined) return ownCode;
  const frame = (new Error().stack ?? "").split("\n").find((l) => /^\s+at /.test(l));
  const file = frame === undefined ? null : frameFile(frame);
  if (file === null) ownCode = null;
  else {
    // src/autograd/anomaly.ts in a checkout, dist/index.js in the package: all of src/ or dist/
    const m = /^(.*[/\\](?:src|dist)[/\\])/.exec(file);
    ownCode = m ? (m[1] as string) : file;
  }
  return ownCode;
}

/** The file path or URL of a V8 stack line (`    at f (file:1:2)` or `    at file:1:2`). */
function frameFile(line: string): string | null {
  const m = /\(?([^()\s]+?):\d+:\d+\)?\s*$/.exec(line);
  return m ? (m[1] as string) : null;
}

/**
 * The current call stack, deep enough to reach past chainrule's own frames. Cheap in V8: the
 * frames are recorded, the text is built only when `stack` is read.
 */
function captureStack(): Error {
  const E = Error as { stackTraceLimit?: number };
  const limit = E.stackTraceLimit;
  E.stackTraceLimit = 64;
  const e = new Error();
  E.stackTraceLimit = limit;
  return e;
}

/**
 * A call stack (`captured`, or the current one) without chainrule's own frames, so the first
 * line is the user's call; at most `FRAMES` lines. Stacks are whatever the JavaScript engine
 * gives (V8's format trims best).
 */
function callSite(captured: Error = captureStack()): string {
  const own = ownCodePrefix();
  const stack = captured.stack ?? "";
  const frames = stack.split("\n").filter((l) => /^\s+at /.test(l) || /@/.test(l));
  const user = own === null ? frames : frames.filter((l) => !(frameFile(l) ?? "").startsWith(own));
  const shown = (user.length > 0 ? user : frames).slice(0, FRAMES);
  return shown.length > 0 ? shown.map((l) => `    ${l.trim()}`).join("\n") : "    (no stack available)";
}
