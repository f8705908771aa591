/**
 * The error of the expression grammar (SPEC §12): a `ChainruleError` that knows where in the
 * expression it happened, and shows it with a caret line.
 */
import { ChainruleError } from "../errors";

/** Characters that would break a one-line display (newlines, other controls): shown as spaces. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** How many characters a caret display shows on each side of the position. */
const WINDOW = 40;

/**
 * The source on one line (a window of it around `position` when it is long, with `…` where it is
 * cut) and a caret line under `position`, each indented by two spaces:
 *
 * ```text
 *   x*yy
 *     ^
 * ```
 */
export function caretLines(source: string, position: number): string {
  const pos = Math.min(Math.max(0, position), source.length);
  const start = Math.max(0, pos - WINDOW);
  const end = Math.min(source.length, pos + WINDOW);
  const window = source.slice(start, end).replace(CONTROL, " ");
  const shown = `${start > 0 ? "…" : ""}${window}${end < source.length ? "…" : ""}`;
  const caret = pos - start + (start > 0 ? 1 : 0);
  return `  ${shown}\n  ${" ".repeat(caret)}^`;
}

/**
 * A parse or evaluation error of an expression (`expr`, `parseExpression`, `chainrule grad`).
 * `position` is the 0-based index in the expression's text (for `expr`, in the template written
 * with `${0}`, `${1}`… for its placeholders) and `reason` the one-line explanation. When the
 * source is known, the message is the reason followed by the source and a caret under the
 * position; otherwise it is the reason alone.
 *
 * @example
 * try {
 *   parseExpression("x + * 2");
 * } catch (err) {
 *   (err as ExpressionError).position; // 4
 *   (err as ExpressionError).reason; // "syntax error: unexpected '*' (expected a number, a name or '(')"
 * }
 */
export class ExpressionError extends ChainruleError {
  override name = "ExpressionError";
  /** The explanation on one line, without the caret display. */
  readonly reason: string;
  /** The 0-based position in `source` the error refers to. */
  readonly position: number;
  /** The expression's text (`expr`: the template with `${i}` placeholders), if known. */
  readonly source: string | undefined;

  constructor(reason: string, position: number, source?: string, options?: { cause?: unknown }) {
    super(source === undefined ? reason : `${reason}\n${caretLines(source, position)}`, options);
    this.reason = reason;
    this.position = position;
    this.source = source;
  }
}
