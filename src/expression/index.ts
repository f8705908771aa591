/**
 * Formulas without operator overloading (SPEC §12): the `expr` tagged template and
 * `parseExpression`, over the one grammar of parse.ts that `chainrule grad` uses too.
 */
import { ChainruleError, describe } from "../errors";
import type { Value } from "../scalar/value";
import type { Tensor } from "../tensor/tensor";
import { evaluateParsed, unboundVariable } from "./evaluate";
import type { Operand } from "./functions";
import { type ParsedExpression, parseSource } from "./parse";

export { ExpressionError } from "./error";
export { evaluateParsed, type Inputs, unboundVariable } from "./evaluate";
export { type ExpressionFunction, FUNCTIONS, type Operand, scalarFunctionNames } from "./functions";
export {
  type BinaryOperator,
  CONSTANTS,
  type ExpressionNode,
  isName,
  MAX_DEPTH,
  type ParsedExpression,
  parseSource,
} from "./parse";

/**
 * What a formula over operands of type `T` gives: a number when all are numbers, a `Value` when
 * they are Values and numbers, a `Tensor` when they are Tensors and numbers (mixing a Value and a
 * Tensor throws, as the root functions do).
 */
export type ExpressionResult<T> = [T] extends [number]
  ? number
  : [T] extends [Value | number]
    ? Value
    : [T] extends [Tensor | number]
      ? Tensor
      : Value | Tensor | number;

/** Values for the names of an expression: a `Map` (any name) or a record (own properties). */
export type ExpressionBindings = ReadonlyMap<string, Operand> | Readonly<Record<string, Operand>>;

/** The operand type of a bindings object. */
type BoundType<B> = B extends ReadonlyMap<string, infer V> ? V : B[keyof B];

/** A parsed expression, ready to be evaluated with values for its names (`parseExpression`). */
export interface Expression {
  /** The text parsed. */
  readonly source: string;
  /** The free names, in order of first appearance: every one needs a binding (`e`, `pi` excepted). */
  readonly variables: readonly string[];
  /** The constants it mentions (`e`, `pi`), which a binding of the same name replaces. */
  readonly constants: readonly string[];
  /**
   * Builds the expression's graph with these values for its names (the method chain's graph,
   * node for node). Names it does not use are ignored. Throws `ExpressionError` naming a variable
   * without a value, or pointing at the operation that failed.
   */
  evaluate<const B extends ExpressionBindings>(bindings: B): ExpressionResult<BoundType<B>>;
}

/**
 * Parses `source` once, to evaluate it any number of times with values for its names. The
 * grammar: numbers (`2`, `.5`, `1e-3`), names, `+ - * / ^ @` (`@` is matmul, as tight as `*`),
 * unary minus, parentheses and calls of the ops of `Value` and `Tensor` (`tanh(x)`, `pow(x, 3)`,
 * `sum(x, 0)`, `ln` for `log`); `^` is right-associative and binds tighter than unary minus
 * (`-x^2` is −(x²)); `e` and `pi` are constants unless bound. Throws `ExpressionError` (with the
 * position and a caret line) for anything else.
 *
 * @param source the formula, e.g. `"tanh(a*b + c)"`
 * @returns its `variables` and `evaluate(bindings)`
 * @example
 * const f = parseExpression("tanh(a*b + c)");
 * f.variables; // ["a", "b", "c"]
 * const a = value(2, "a");
 * const out = f.evaluate({ a, b: value(-3, "b"), c: value(10, "c") });
 * out.op; // "tanh"
 * out.backward();
 * a.grad; // -0.0040228520490775965
 */
export function parseExpression(source: string): Expression {
  if (typeof source !== "string")
    throw new ChainruleError(`parseExpression: expected a string, got ${describe(source)}`);
  const parsed = parseSource([source]);
  return {
    source,
    variables: parsed.variables,
    constants: parsed.constants,
    evaluate: <const B extends ExpressionBindings>(bindings: B) =>
      evaluateParsed(parsed, {
        lookup: lookupIn(bindings),
        unbound: unboundVariable,
      }) as ExpressionResult<BoundType<B>>,
  };
}

/** A name's value in a `Map` or in a record's own properties (never its prototype's). */
function lookupIn(bindings: ExpressionBindings): (name: string) => unknown {
  if (bindings instanceof Map) return (name) => bindings.get(name);
  if (typeof bindings !== "object" || bindings === null) {
    throw new ChainruleError(`evaluate: bindings must be a Map or an object, got ${describe(bindings)}`);
  }
  return (name) => (Object.hasOwn(bindings, name) ? (bindings as Record<string, unknown>)[name] : undefined);
}

/** Parsed templates by call site: a call site's strings array is the same object on every call. */
const cache = new WeakMap<TemplateStringsArray, ParsedExpression>();

/**
 * A formula as a tagged template, for want of operator overloading: `` expr`tanh(${a} * ${b} + ${c})` ``
 * builds exactly the graph of `a.mul(b).add(c).tanh()` (same nodes, same `op` names). Placeholders
 * are `Value`s, `Tensor`s or numbers (broadcasting as the ops do); the grammar is
 * `parseExpression`'s, with `@` for matmul and calls such as `sum(${x}, 0)` or
 * `softmax(${x}, -1)` (`${x}.sum(0)` is not parsed). Each call site is parsed once, on its first
 * call, and its tree reused. Errors are `ExpressionError`s pointing into the template, written
 * with `${0}`, `${1}`… for the placeholders.
 *
 * @example
 * const a = value(2, "a");
 * const b = value(-3, "b");
 * const c = value(10, "c");
 * const L = expr`tanh(${a} * ${b} + ${c})`;
 * L.op; // "tanh"
 * L.backward();
 * b.grad; // 0.002681901366051731
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = expr`sum(${x} @ ${x} * 2 - 1)`;
 * y.item(); // 104
 */
export function expr<const A extends readonly Operand[]>(
  strings: TemplateStringsArray,
  ...placeholders: A
): ExpressionResult<A[number]> {
  if (!Array.isArray(strings) || !Array.isArray((strings as { raw?: unknown }).raw)) {
    throw new ChainruleError(`expr is a tagged template: write expr\`tanh(\${x})\`, not expr(…)`);
  }
  let parsed = cache.get(strings);
  if (parsed === undefined) {
    parsed = parseSource(strings.raw);
    cache.set(strings, parsed);
  }
  return evaluateParsed(parsed, {
    lookup: () => undefined,
    placeholders,
    unbound: (name) =>
      `'${name}' is not defined: put a value in with \${${name}} (the only names here are e and pi)`,
  }) as ExpressionResult<A[number]>;
}
