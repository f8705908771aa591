/**
 * The one error type chainrule throws for bad input: wrong shapes, axes, dtypes, argument types,
 * files. Its message names the operation and the shapes involved, e.g.
 * `matmul: [2,3] @ [4,5]: inner dimensions 3 and 4 differ`.
 *
 * A call that throws `ChainruleError` has changed nothing: no graph node was created and no
 * tensor, module or optimizer state was modified.
 */
export class ChainruleError extends Error {
  override name = "ChainruleError";

  /**
   * `instanceof` recognises a `ChainruleError` from any loaded copy of chainrule (an ESM import
   * and a CommonJS require are two copies), so `catch (e) { if (e instanceof ChainruleError) … }`
   * works whichever build threw it.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    // subclasses (which inherit this method) keep the ordinary prototype-chain test
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof was asked about
    if (this !== ChainruleError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[ERROR_KEY] === true;
  }
}

const ERROR_KEY = Symbol.for("chainrule.error");
Object.defineProperty(ChainruleError.prototype, ERROR_KEY, { value: true });

/** Formats a shape the way every error message shows it: `[2,3]`, `[]` for a 0-d tensor. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** Throws a `ChainruleError` with the given message unless `cond` holds. */
export function check(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new ChainruleError(typeof message === "string" ? message : message());
}

/**
 * Which copy of chainrule made an object. A program can load the library twice — an ESM `import`
 * and a CommonJS `require` of "chainrule" are two module instances (the dual-package hazard), as
 * are two installed versions — and a `Tensor` of one copy is not an instance of the other's class.
 * Every `Tensor`, `Value` and `Module` prototype carries this copy's token under a global symbol,
 * so an error message can say what went wrong instead of "expected a Tensor, got Tensor".
 */
const COPY_KEY = Symbol.for("chainrule.copy");
const THIS_COPY: object = Object.freeze({});
/** Whether this copy defines any marked class (a bundle of helpers only cannot judge). */
let hasOwnClasses = false;

/** @internal Marks a class's instances as made by this copy of chainrule (see `describe`). */
export function markOwnClass(cls: { prototype: object }): void {
  Object.defineProperty(cls.prototype, COPY_KEY, { value: THIS_COPY });
  hasOwnClasses = true;
}

/** Whether `x` was made by another loaded copy of chainrule (ESM vs CommonJS, or two versions). */
export function isFromOtherCopy(x: unknown): boolean {
  if (!hasOwnClasses || x === null || typeof x !== "object") return false;
  try {
    const copy = (x as Record<symbol, unknown>)[COPY_KEY];
    return copy !== undefined && copy !== THIS_COPY;
  } catch {
    return false; // a proxy whose get trap throws is nobody's tensor
  }
}

/** Describes a runtime value for error messages: `number 3`, `string "a"`, `Tensor [2,3]`. */
export function describe(x: unknown): string {
  if (isFromOtherCopy(x)) {
    return (
      `${describeObject(x as object)} from another copy of chainrule (an ESM import and a ` +
      "CommonJS require of chainrule, or two installed versions, are separate copies whose " +
      "objects cannot be mixed: load chainrule one way only)"
    );
  }
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (typeof x === "number") return `number ${x}`;
  if (typeof x === "string") return `string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)}`;
  if (Array.isArray(x)) return `array of length ${x.length}`;
  if (typeof x === "object") return describeObject(x);
  return typeof x;
}

function describeObject(x: object): string {
  // a hostile object (getters that throw, a `constructor` that is no class) still gets a name
  try {
    const shape = (x as { shape?: unknown }).shape;
    const ctor = (x as { constructor?: { name?: unknown } }).constructor;
    const name = typeof ctor?.name === "string" && ctor.name !== "" ? ctor.name : "object";
    return Array.isArray(shape) && shape.every((d) => typeof d === "number")
      ? `${name} ${fmtShape(shape)}`
      : name;
  } catch {
    return "object";
  }
}
