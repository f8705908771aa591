/**
 * Expressions for `chainrule grad`: the grammar of src/expression (the one `expr` and
 * `parseExpression` use), evaluated with a labelled leaf `Value` per binding. Errors keep the
 * short reason as their message: the command prints the position and the caret itself
 * (`formatExpressionError`).
 */
import {
  ExpressionError,
  evaluateParsed,
  isName,
  MAX_DEPTH,
  type ParsedExpression,
  parseSource,
  scalarFunctionNames,
  unboundVariable,
} from "../expression";
import { Value } from "../scalar/value";

export { ExpressionError, MAX_DEPTH };

/** The functions `chainrule grad --help` lists: those that take `Value`s. */
export const functionNames = [...scalarFunctionNames];

/**
 * Whether `name` is a variable name the expression grammar accepts: one name (`x`, `w_1`, `α`,
 * `constructor`), not a number, an operator or a keyword.
 */
export function isVariableName(name: string): boolean {
  return typeof name === "string" && name.length <= 200 && isName(name);
}

/** Runs `fn`, rethrowing an `ExpressionError` with its reason alone as the message. */
function shortErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ExpressionError)
      throw new ExpressionError(err.reason, err.position, undefined, { cause: err });
    throw err;
  }
}

/** Parses `source` with the grammar of src/expression (errors with their reason as the message). */
export function parseExpression(source: string): ParsedExpression {
  if (typeof source !== "string") throw new ExpressionError("empty expression", 0);
  return shortErrors(() => parseSource([source]));
}

/** The names an expression reads (the constants `e` and `pi` included), in order of first appearance. */
export function variablesOf(parsed: ParsedExpression): string[] {
  return [...parsed.firstPosition.keys()];
}

/**
 * Builds the `Value` graph of `source` with the given variable values (each variable a leaf
 * `Value` labelled with its name, in the order of the bindings). Throws `ExpressionError` for a
 * syntax error, an unknown function or an unbound variable.
 */
export function buildGraph(
  source: string,
  bindings: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
): { root: Value; variables: Map<string, Value> } {
  const parsed = parseExpression(source);
  const variables = new Map<string, Value>();
  const entries = bindings instanceof Map ? [...bindings] : Object.entries(bindings);
  for (const [name, v] of entries) variables.set(name, new Value(v, { label: name }));
  const out = shortErrors(() =>
    evaluateParsed(parsed, {
      lookup: (name) => variables.get(name),
      unbound: unboundVariable,
    }),
  );
  const root = out instanceof Value ? out : new Value(out as number);
  return { root, variables };
}
