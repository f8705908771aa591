/**
 * `chainrule grad "<expression>" name=value … [--json] [--explain] [--dot FILE] [--svg FILE] [--html FILE]`
 */
import { writeFileSync } from "node:fs";
import { ChainruleError } from "../errors";
import type { Value } from "../scalar/value";
import { buildGraph, ExpressionError, isVariableName } from "./expression";

export interface GradCommandOptions {
  json?: boolean;
  explain?: boolean;
  dot?: string;
  svg?: string;
  html?: string;
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

/** Runs the command; returns the text to print. */
export async function gradCommand(
  expression: string,
  bindingArgs: readonly string[],
  options: GradCommandOptions,
  hooks?: GraphHooks,
): Promise<string> {
  const bindings = parseBindings(bindingArgs);
  const { root, variables } = buildGraph(expression, bindings);
  root.backward();
  const lines: string[] = [];
  if (options.json) {
    // written by hand: the keys are user names (any of them, "__proto__" too) and JSON has no NaN
    const grads = [...variables].map(([name, v]) => `${JSON.stringify(name)}:${jsonNumber(v.grad)}`);
    lines.push(`{"value":${jsonNumber(root.data)},"grads":{${grads.join(",")}}}`);
  } else {
    lines.push(`f = ${root.data}`);
    for (const [name, v] of variables) lines.push(`∂f/∂${name} = ${v.grad}`);
  }
  if (hooks) {
    if (options.explain) lines.push("", hooks.explain(root));
    // build everything first, then write the files: a failure writes nothing
    const dot = options.dot ? hooks.toDot(root) : "";
    const svg = options.svg ? await hooks.renderSvg(root) : "";
    const html = options.html && hooks.toHtml ? await hooks.toHtml(root) : "";
    if (options.dot) writeFileSync(options.dot, dot);
    if (options.svg) writeFileSync(options.svg, svg);
    if (options.html && hooks.toHtml) writeFileSync(options.html, html);
  }
  return lines.join("\n");
}

export { ExpressionError };
