/**
 * `chainrule grad "<expression>" name=value … [--json] [--explain] [--dot FILE] [--svg FILE] [--html FILE]`
 */
import { writeFileSync } from "node:fs";
import { ChainruleError } from "../errors";
import type { Value } from "../scalar/value";
import { buildGraph, ExpressionError } from "./expression";

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
  renderSvg(dot: string): Promise<string>;
  explain(root: Value): string;
  toHtml?(root: Value): Promise<string>;
}

/** Parses `name=value` arguments. */
export function parseBindings(args: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const arg of args) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(arg);
    if (!m) throw new ChainruleError(`bad variable '${arg}': expected name=value, e.g. x=2`);
    const [, name, text] = m as unknown as [string, string, string];
    const v = Number(text);
    if (text.trim() === "" || !Number.isFinite(v))
      throw new ChainruleError(`bad value for ${name}: '${text}' is not a finite number`);
    if (name in out) throw new ChainruleError(`variable ${name} is given twice`);
    out[name] = v;
  }
  return out;
}

/**
 * Formats an expression error as one line with the position, then the expression (a window of
 * it around the position when it is long) with a caret under the position.
 */
export function formatExpressionError(expression: string, err: ExpressionError): string {
  const pos = Math.min(Math.max(0, err.position), expression.length);
  const start = Math.max(0, pos - 40);
  const end = Math.min(expression.length, pos + 40);
  const shown = `${start > 0 ? "…" : ""}${expression.slice(start, end)}${end < expression.length ? "…" : ""}`;
  const caret = pos - start + (start > 0 ? 1 : 0);
  return `error at position ${pos + 1}: ${err.message}\n  ${shown}\n  ${" ".repeat(caret)}^`;
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
  const grads: Record<string, number> = {};
  for (const [name, v] of variables) grads[name] = v.grad;
  const lines: string[] = [];
  if (options.json) lines.push(JSON.stringify({ value: root.data, grads }));
  else {
    lines.push(`f = ${root.data}`);
    for (const [name, g] of Object.entries(grads)) lines.push(`∂f/∂${name} = ${g}`);
  }
  if (hooks) {
    if (options.explain) lines.push("", hooks.explain(root));
    const dot = options.dot || options.svg ? hooks.toDot(root) : "";
    if (options.dot) writeFileSync(options.dot, dot);
    if (options.svg) writeFileSync(options.svg, await hooks.renderSvg(dot));
    if (options.html && hooks.toHtml) writeFileSync(options.html, await hooks.toHtml(root));
  }
  return lines.join("\n");
}

export { ExpressionError };
