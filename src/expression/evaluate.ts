/**
 * Evaluates a parsed expression: walks its nodes in post-order with a stack of operands (no
 * recursion, so a 20,000-term sum is fine) and makes each node with the op a method chain would
 * call, so the graph is the method chain's graph, node for node.
 */
import { ChainruleError, describe } from "../errors";
import * as root from "../functions";
import { Value } from "../scalar/value";
import { matmul } from "../tensor/ops/linalg";
import { Tensor } from "../tensor/tensor";
import { ExpressionError } from "./error";
import { FUNCTIONS, type Operand } from "./functions";
import { CONSTANTS, type ExpressionNode, type ParsedExpression } from "./parse";

/** Where the values of names and placeholders come from. */
export interface Inputs {
  /** The value bound to a name, or `undefined`. */
  readonly lookup: (name: string) => unknown;
  /** The placeholders' values (`expr`). */
  readonly placeholders?: readonly unknown[];
  /** How an unbound name is reported. */
  readonly unbound: (name: string) => string;
}

/** The message for a name without a value (`parseExpression`'s evaluate, `chainrule grad`). */
export function unboundVariable(name: string): string {
  return `unbound variable '${name}' (give it a value: ${name}=…)`;
}

const isOperand = (x: unknown): x is Operand =>
  x instanceof Value || x instanceof Tensor || typeof x === "number";

/** What an operand is, for messages. */
function kindOf(x: Operand): string {
  if (x instanceof Value) return "a Value";
  if (x instanceof Tensor) return `a Tensor [${x.shape.join(",")}]`;
  return `the number ${x}`;
}

/** a @ b: matrix multiplication, for two tensors. */
function matmulOf(a: Operand, b: Operand): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor))
    throw new ChainruleError(`@ (matmul) needs two Tensors, got ${kindOf(a)} and ${kindOf(b)}`);
  return matmul(a, b);
}

const BINARY: Readonly<Record<string, (a: Operand, b: Operand) => Operand>> = {
  "+": root.add,
  "-": root.sub,
  "*": root.mul,
  "/": root.div,
  "^": root.pow,
  "@": matmulOf,
};

/**
 * The value of `parsed` for `inputs`. An op's `ChainruleError` (shapes that do not broadcast, a
 * Value mixed with a Tensor) becomes an `ExpressionError` at the node's operator or name.
 */
export function evaluateParsed(parsed: ParsedExpression, inputs: Inputs): Operand {
  const stack: Operand[] = [];
  let node: ExpressionNode | undefined;
  try {
    for (node of parsed.program) {
      switch (node.kind) {
        case "number":
          stack.push(node.value);
          break;
        case "placeholder": {
          const v = inputs.placeholders?.[node.index];
          if (!isOperand(v)) {
            throw new ExpressionError(
              `placeholder \${${node.index}} is ${describe(v)}: expected a Value, a Tensor or a number`,
              node.at,
              parsed.source,
            );
          }
          stack.push(v);
          break;
        }
        case "name": {
          const v = inputs.lookup(node.name) ?? CONSTANTS.get(node.name);
          if (v === undefined) {
            throw new ExpressionError(
              inputs.unbound(node.name),
              parsed.firstPosition.get(node.name) ?? node.at,
              parsed.source,
            );
          }
          if (!isOperand(v)) {
            throw new ExpressionError(
              `'${node.name}' is bound to ${describe(v)}: expected a Value, a Tensor or a number`,
              node.at,
              parsed.source,
            );
          }
          stack.push(v);
          break;
        }
        case "negate": {
          const x = stack.pop() as Operand;
          stack.push(typeof x === "number" ? -x : x.neg());
          break;
        }
        case "binary": {
          const b = stack.pop() as Operand;
          const a = stack.pop() as Operand;
          stack.push((BINARY[node.op] as (a: Operand, b: Operand) => Operand)(a, b));
          break;
        }
        case "call": {
          const args = stack.splice(stack.length - node.args.length);
          stack.push((FUNCTIONS.get(node.name) as { apply: (args: Operand[]) => Operand }).apply(args));
          break;
        }
      }
    }
  } catch (err) {
    if (err instanceof ExpressionError || !(err instanceof ChainruleError) || node === undefined) throw err;
    throw new ExpressionError(err.message, node.at, parsed.source, { cause: err });
  }
  return stack[0] as Operand;
}
