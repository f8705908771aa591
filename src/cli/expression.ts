/**
 * Expressions for `chainrule grad`: parsed by mathjs (which gets the precedence right: `^` is
 * right-associative and binds tighter than unary minus, so `-x^2` is −(x²)), checked against the
 * grammar of SPEC §5, and built into a `Value` graph.
 */
import { create, parseDependencies } from "mathjs";
import { ChainruleError } from "../errors";
import { type ScalarOp, Value } from "../scalar/value";
import { unaryTable } from "../tensor/ops/all";

const math = create({ parseDependencies: parseDependencies as NonNullable<typeof parseDependencies> });

/** A parse or evaluation error with the 0-based position in the expression it refers to. */
export class ExpressionError extends ChainruleError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

/** A function an expression may call: its arity and how it builds the `Value`. */
interface ExpressionFunction {
  readonly arity: number;
  readonly apply: (args: Value[]) => Value;
}

/**
 * The scalar functions an expression may call, with their arity: every unary op of the table
 * with a scalar form (tensor/ops/elementwise.ts; `neg` is written `-x`), `ln` for `log`, and
 * pow, max, min, atan2 and remainder. A `Map` (as are the constants and the variables): user names such as
 * `constructor` or `toString` must find nothing here.
 */
const FUNCTIONS = new Map<string, ExpressionFunction>();
for (const row of Object.values(unaryTable())) {
  const rule = row.scalar as (() => ScalarOp) | undefined;
  if (rule === undefined || !row.method || row.name === "neg") continue;
  const fn: ExpressionFunction = { arity: 1, apply: ([a]) => Value._make(rule(), a as Value) };
  FUNCTIONS.set(row.name, fn);
  if (row.name === "log") FUNCTIONS.set("ln", fn);
}
FUNCTIONS.set("pow", { arity: 2, apply: ([a, b]) => (a as Value).pow(b as Value) });
FUNCTIONS.set("max", { arity: 2, apply: ([a, b]) => (a as Value).maximum(b as Value) });
FUNCTIONS.set("min", { arity: 2, apply: ([a, b]) => (a as Value).minimum(b as Value) });
FUNCTIONS.set("atan2", { arity: 2, apply: ([a, b]) => (a as Value).atan2(b as Value) });
FUNCTIONS.set("remainder", { arity: 2, apply: ([a, b]) => (a as Value).remainder(b as Value) });

/** Named constants available unless a variable of the same name is given. */
const CONSTANTS = new Map<string, number>([
  ["pi", Math.PI],
  ["e", Math.E],
]);

/** The deepest nesting accepted (parentheses, unary minus, `^` chains): mathjs parses recursively, about 20 frames a level, and overflows near 300 levels in Node 20. */
export const MAX_DEPTH = 100;

/** The list of function names, for help texts. */
export const functionNames = [...FUNCTIONS.keys()];

/**
 * Whether `name` is a variable name the expression grammar accepts: it parses as one symbol
 * (`x`, `w_1`, `α`, `constructor`), not as a number, an operator or a keyword.
 */
export function isVariableName(name: string): boolean {
  if (typeof name !== "string" || name === "" || name.length > 200 || name.trim() !== name) return false;
  try {
    const node = math.parse(name) as unknown as MathNode;
    return node.type === "SymbolNode" && node.name === name;
  } catch {
    return false;
  }
}

interface MathNode {
  type: string;
  name?: string;
  op?: string;
  fn?: string | MathNode;
  implicit?: boolean;
  value?: unknown;
  args?: MathNode[];
  content?: MathNode;
}

/** Where `name` occurs as a whole word in `source` (its first occurrence at or after `from`). */
function positionOf(source: string, name: string, call: boolean): number {
  const re = new RegExp(
    `(?<![A-Za-z0-9_])${name.replace(/[$]/g, "\\$")}(?![A-Za-z0-9_])${call ? "\\s*\\(" : ""}`,
  );
  const m = re.exec(source);
  return m ? m.index : 0;
}

/** Rejects expressions nested deeper than MAX_DEPTH before the recursive parser sees them. */
function checkDepth(source: string): void {
  let depth = 0;
  let chain = 0; // consecutive unary minus / power operators
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    if (c === "^" || (c === "-" && /[-+*/^(,]\s*$|^\s*$/.test(source.slice(Math.max(0, i - 8), i)))) chain++;
    else if (c !== " " && c !== "(") {
      if (!/[A-Za-z0-9_.]/.test(c as string)) chain = 0;
    }
    if (depth > MAX_DEPTH || chain > MAX_DEPTH) {
      throw new ExpressionError(`expression is nested too deeply (more than ${MAX_DEPTH} levels)`, i);
    }
  }
}

/** Parses `source` into a mathjs tree restricted to SPEC §5's grammar. */
export function parseExpression(source: string): MathNode {
  if (typeof source !== "string" || source.trim() === "") throw new ExpressionError("empty expression", 0);
  checkDepth(source);
  let tree: MathNode;
  try {
    tree = math.parse(source) as unknown as MathNode;
  } catch (err) {
    if (err instanceof RangeError) throw new ExpressionError("expression is nested too deeply", 0);
    const e = err as Error & { char?: number };
    const pos = typeof e.char === "number" ? Math.max(0, e.char - 1) : 0;
    throw new ExpressionError(`syntax error: ${e.message.replace(/\s*\(char \d+\)$/, "")}`, pos);
  }
  validate(tree, source);
  return tree;
}

function validate(root: MathNode, source: string): void {
  const stack: MathNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as MathNode;
    switch (node.type) {
      case "ConstantNode":
        if (typeof node.value !== "number") {
          throw new ExpressionError(
            `only numbers are allowed as constants, got ${JSON.stringify(node.value)}`,
            0,
          );
        }
        break;
      case "SymbolNode":
        break;
      case "ParenthesisNode":
        stack.push(node.content as MathNode);
        break;
      case "OperatorNode": {
        const ok = ["+", "-", "*", "/", "^"].includes(node.op as string);
        if (!ok) {
          throw new ExpressionError(
            `unsupported operator '${node.op}' (use + - * / ^)`,
            Math.max(0, source.indexOf(node.op as string)),
          );
        }
        if (node.implicit) {
          throw new ExpressionError("implicit multiplication is not supported: write the '*' (e.g. 2*x)", 0);
        }
        for (const arg of node.args ?? []) stack.push(arg);
        break;
      }
      case "FunctionNode": {
        const fn = node.fn as MathNode;
        const name = fn.type === "SymbolNode" ? (fn.name as string) : "";
        const spec = FUNCTIONS.get(name);
        const pos = positionOf(source, name, true);
        if (!spec)
          throw new ExpressionError(`unknown function '${name}' (known: ${functionNames.join(", ")})`, pos);
        if ((node.args ?? []).length !== spec.arity) {
          throw new ExpressionError(
            `${name} takes ${spec.arity} argument${spec.arity > 1 ? "s" : ""}, got ${(node.args ?? []).length}`,
            pos,
          );
        }
        for (const arg of node.args ?? []) stack.push(arg);
        break;
      }
      default:
        throw new ExpressionError(`unsupported syntax (${node.type.replace(/Node$/, "").toLowerCase()})`, 0);
    }
  }
}

/** The variables an expression mentions, in order of first appearance. */
export function variablesOf(tree: MathNode): string[] {
  const names: string[] = [];
  const stack: MathNode[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop() as MathNode;
    if (node.type === "SymbolNode" && !names.includes(node.name as string)) names.push(node.name as string);
    if (node.type === "ParenthesisNode") stack.push(node.content as MathNode);
    else if (node.args) for (let i = node.args.length - 1; i >= 0; i--) stack.push(node.args[i] as MathNode);
  }
  return names;
}

/**
 * Builds the `Value` graph of `source` with the given variable values (each variable a leaf
 * `Value` labelled with its name). Throws `ExpressionError` for unbound variables.
 */
export function buildGraph(
  source: string,
  bindings: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
): { root: Value; variables: Map<string, Value> } {
  const tree = parseExpression(source);
  const variables = new Map<string, Value>();
  const entries = bindings instanceof Map ? [...bindings] : Object.entries(bindings);
  for (const [name, v] of entries) variables.set(name, new Value(v, { label: name }));
  // post-order evaluation with an explicit stack (no recursion on deep trees)
  const results = new Map<MathNode, Value | number>();
  const stack: [MathNode, boolean][] = [[tree, false]];
  while (stack.length > 0) {
    const [node, expanded] = stack.pop() as [MathNode, boolean];
    const children = node.type === "ParenthesisNode" ? [node.content as MathNode] : (node.args ?? []);
    if (!expanded) {
      stack.push([node, true]);
      for (let i = children.length - 1; i >= 0; i--) stack.push([children[i] as MathNode, false]);
      continue;
    }
    const args = children.map((c) => results.get(c) as Value | number);
    results.set(node, evaluate(node, args, variables, source));
  }
  const out = results.get(tree) as Value | number;
  const root = out instanceof Value ? out : new Value(out);
  return { root, variables };
}

function asValue(x: Value | number): Value {
  return x instanceof Value ? x : new Value(x);
}

function evaluate(
  node: MathNode,
  args: (Value | number)[],
  variables: Map<string, Value>,
  source: string,
): Value | number {
  switch (node.type) {
    case "ConstantNode":
      return node.value as number;
    case "SymbolNode": {
      const name = node.name as string;
      const v = variables.get(name);
      if (v) return v;
      const constant = CONSTANTS.get(name);
      if (constant !== undefined) return constant;
      throw new ExpressionError(
        `unbound variable '${name}' (give it a value: ${name}=…)`,
        positionOf(source, name, false),
      );
    }
    case "ParenthesisNode":
      return args[0] as Value | number;
    case "OperatorNode": {
      const [a, b] = args;
      if (args.length === 1) {
        if (node.op === "+") return a as Value | number;
        return typeof a === "number" ? -a : (a as Value).neg();
      }
      const left = asValue(a as Value | number);
      switch (node.op) {
        case "+":
          return left.add(b as Value | number);
        case "-":
          return left.sub(b as Value | number);
        case "*":
          return left.mul(b as Value | number);
        case "/":
          return left.div(b as Value | number);
        default:
          return left.pow(b as Value | number);
      }
    }
    default: {
      const name = (node.fn as MathNode).name as string;
      return (FUNCTIONS.get(name) as ExpressionFunction).apply(args.map(asValue));
    }
  }
}
