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
}

/** Formats a shape the way every error message shows it: `[2,3]`, `[]` for a 0-d tensor. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** Throws a `ChainruleError` with the given message unless `cond` holds. */
export function check(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new ChainruleError(typeof message === "string" ? message : message());
}

/** Describes a runtime value for error messages: `number 3`, `string "a"`, `Tensor [2,3]`. */
export function describe(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (typeof x === "number") return `number ${x}`;
  if (typeof x === "string") return `string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)}`;
  if (Array.isArray(x)) return `array of length ${x.length}`;
  if (typeof x === "object") {
    const shape = (x as { shape?: unknown }).shape;
    const name = (x as object).constructor?.name ?? "object";
    return Array.isArray(shape) ? `${name} ${fmtShape(shape)}` : name;
  }
  return typeof x;
}
