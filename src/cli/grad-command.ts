/**
 * `chainrule grad "<expression>" name=value … [--json] [--explain] [--strict] [--dot FILE] [--svg FILE] [--html FILE]`
 */
import { ChainruleError } from "../errors";
import type { Value } from "../scalar/value";
import {
  buildGraph,
  ExpressionError,
  functionNames,
  isVariableName,
  parseExpression,
  variablesOf,
} from "./expression";
import { writeOutputFile } from "./output-files";

export interface GradCommandOptions {
  json?: boolean;
  explain?: boolean;
  /** Reject a binding the expression does not use (by default it is a warning). */
  strict?: boolean;
  dot?: string;
  svg?: string;
  html?: string;
  /**
   * Where the lines that are not the result go: warnings, and under `json` the `wrote FILE (size)`
   * lines, so that the result stays pure JSON (default: stderr).
   */
  log?: (line: string) => void;
}

/** The parser's named constants: numbers unless a binding makes them variables. */
export const CONSTANT_NAMES: readonly string[] = ["e", "pi"];

/**
 * What the parser says about `expression`: the names it reads as variables (in order of first
 * appearance, the constants `e` and `pi` included where it uses them) and the names of the
 * functions of the grammar. The one place the binding checks ask the parser (it throws
 * `ExpressionError` for a bad expression).
 */
function parserNames(expression: string): { variables: readonly string[]; functions: readonly string[] } {
  return { variables: variablesOf(parseExpression(expression)), functions: functionNames };
}

/**
 * Checks the bindings against the variables of `expression`: a binding of a function name that
 * is not a variable of the expression is an error, and so is, with `strict`, any binding the
 * expression does not use; otherwise each unused binding is a warning, returned as a line
 * ("z=3 is not used by the expression (variables: x, y)").
 *
 * Binding a function name (`tanh=2` for `tanh(x)`) throws: tanh is a function, not a variable.
 *
 * @example
 * checkBindings("x*y", new Map([["x", 2], ["y", 3], ["z", 3]])); // ["warning: z=3 is not used by the expression (variables: x, y)"]
 * checkBindings("x*y", new Map([["x", 2], ["y", 3]])); // []
 */
export function checkBindings(
  expression: string,
  bindings: ReadonlyMap<string, number>,
  strict = false,
): string[] {
  const { variables, functions } = parserNames(expression);
  // e and pi are listed as variables only when they are bound
  const shown = variables.filter((name) => !CONSTANT_NAMES.includes(name) || bindings.has(name));
  const listed = shown.length > 0 ? `variables: ${shown.join(", ")}` : "it has no variables";
  const warnings: string[] = [];
  for (const [name, v] of bindings) {
    if (variables.includes(name)) continue;
    if (functions.includes(name)) {
      throw new ChainruleError(
        `${name}=${v}: ${name} is a function, not a variable of the expression (${listed})`,
      );
    }
    const unused = `${name}=${v} is not used by the expression (${listed})`;
    if (strict) throw new ChainruleError(`${unused}; --strict rejects it`);
    warnings.push(`warning: ${unused}`);
  }
  return warnings;
}

/** Hooks that draw and explain the graph (the graph module provides them). */
export interface GraphHooks {
  toDot(root: Value): string;
  renderSvg(root: Value): Promise<string>;
  explain(root: Value): string;
  toHtml?(root: Value): Promise<string>;
}

/**
 * Parses `name=value` arguments into a map (so any name, `constructor` or `__proto__` included,
 * is just a name). A name is any identifier the expression grammar accepts (`x`, `w_1`, `α`).
 */
export function parseBindings(args: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const arg of args) {
    const eq = typeof arg === "string" ? arg.indexOf("=") : -1;
    // the expression may start with "-", so unknown options arrive here: say what they are
    if (typeof arg === "string" && (arg.startsWith("--") || (arg.startsWith("-") && eq < 0))) {
      throw new ChainruleError(`unknown option ${quoted(arg)} (see chainrule grad --help)`);
    }
    if (eq <= 0) throw new ChainruleError(`bad variable ${quoted(arg)}: expected name=value, e.g. x=2`);
    const name = arg.slice(0, eq);
    const text = arg.slice(eq + 1);
    if (!isVariableName(name)) {
      throw new ChainruleError(
        `bad variable name ${quoted(name)}: expected a name as in the expression, e.g. x or w_1`,
      );
    }
    const v = Number(text);
    if (text.trim() === "" || !Number.isFinite(v))
      throw new ChainruleError(`bad value for ${name}: ${quoted(text)} is not a finite number`);
    if (out.has(name)) throw new ChainruleError(`variable ${name} is given twice`);
    out.set(name, v);
  }
  return out;
}

/** User text in an error message: quoted, one line, at most 40 characters. */
function quoted(text: unknown): string {
  const s = String(text);
  const cut = s.length > 40 ? `${s.slice(0, 40)}…` : s;
  return JSON.stringify(cut);
}

/** A number as JSON: finite numbers as numbers, NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity". */
function jsonNumber(x: number): string {
  return Number.isFinite(x) ? JSON.stringify(x) : JSON.stringify(String(x));
}

/**
 * Formats an expression error as one line with the position, then the expression (a window of
 * it around the position when it is long) with a caret under the position.
 */
export function formatExpressionError(expression: string, err: ExpressionError): string {
  const pos = Math.min(Math.max(0, err.position), expression.length);
  const start = Math.max(0, pos - 40);
  const end = Math.min(expression.length, pos + 40);
  // control characters (a newline in the expression) would break the caret line: shown as spaces
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point
  const window = expression.slice(start, end).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
  const shown = `${start > 0 ? "…" : ""}${window}${end < expression.length ? "…" : ""}`;
  const caret = pos - start + (start > 0 ? 1 : 0);
  // the parser's message may quote the expression: its control characters are written as \uXXXX
  const message = err.message.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `error at position ${pos + 1}: ${message}\n  ${shown}\n  ${" ".repeat(caret)}^`;
}

/**
 * Runs the command; returns the text to print on stdout: the value and the gradients (with
 * `json`, one JSON object `{"value", "grads"}`, plus `"explanation"` with `explain`), then the
 * explanation and the `wrote FILE (size)` lines unless `json`. Warnings (unused bindings), and
 * the `wrote` lines under `json`, go to `options.log`. Files are written into missing
 * directories (created).
 */
export async function gradCommand(
  expression: string,
  bindingArgs: readonly string[],
  options: GradCommandOptions,
  hooks?: GraphHooks,
): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bindings = parseBindings(bindingArgs);
  const { root, variables } = buildGraph(expression, bindings); // a bad expression fails first
  // the explanation calls the result what the output calls it: f (L if the user has an f)
  if (root.label === undefined && !variables.has("f")) root.label = "f";
  const warnings = checkBindings(expression, bindings, options.strict);
  root.backward();
  const explanation = hooks && options.explain ? hooks.explain(root) : undefined;
  const lines: string[] = [];
  if (options.json) {
    // written by hand: the keys are user names (any of them, "__proto__" too) and JSON has no NaN
    const grads = [...variables].map(([name, v]) => `${JSON.stringify(name)}:${jsonNumber(v.grad)}`);
    const explained = explanation === undefined ? "" : `,"explanation":${JSON.stringify(explanation)}`;
    lines.push(`{"value":${jsonNumber(root.data)},"grads":{${grads.join(",")}}${explained}}`);
  } else {
    lines.push(`f = ${root.data}`);
    for (const [name, v] of variables) lines.push(`∂f/∂${name} = ${v.grad}`);
    if (explanation !== undefined) lines.push("", explanation);
  }
  for (const warning of warnings) log(warning);
  if (hooks) {
    // build everything first, then write the files: a failure writes nothing
    const files: [string, string][] = [];
    if (options.dot) files.push([options.dot, hooks.toDot(root)]);
    if (options.svg) files.push([options.svg, await hooks.renderSvg(root)]);
    if (options.html && hooks.toHtml) files.push([options.html, await hooks.toHtml(root)]);
    const written = files.map(([path, text]) => writeOutputFile(path, text));
    if (options.json) for (const line of written) log(line);
    else if (written.length > 0) lines.push("", ...written);
  }
  return lines.join("\n");
}

export { ExpressionError };
