/**
 * The precedence table of the one expression grammar (SPEC §5, §12), shared by the tests of the
 * parser (test/expression/parse.test.ts) and of `chainrule grad` (test/cli/expression.test.ts):
 * each row is an expression, its reading with every operation in parentheses, variable values,
 * and its value under that reading (computed in JavaScript, so a wrong reading gives another number).
 * Also the helpers those tests share (`errorOf`, `printTree`, `signature`).
 */
import { ExpressionError, type ExpressionNode } from "../../src/expression";

export interface PrecedenceRow {
  readonly source: string;
  /** The reading, fully parenthesized as `printTree` prints it. */
  readonly reading: string;
  readonly bindings: Readonly<Record<string, number>>;
  readonly value: number;
}

const a = 7;
const b = 3;
const c = 2;
const x = 3;

/** Rows with `Value` operands (the CLI runs them too). */
export const PRECEDENCE: readonly PrecedenceRow[] = [
  { source: "-x^2", reading: "(-(x ^ 2))", bindings: { x }, value: -(x ** 2) },
  { source: "2^3^2", reading: "(2 ^ (3 ^ 2))", bindings: {}, value: 512 },
  { source: "a-b-c", reading: "((a - b) - c)", bindings: { a, b, c }, value: a - b - c },
  { source: "a/b/c", reading: "((a / b) / c)", bindings: { a, b, c }, value: a / b / c },
  { source: "-a*b", reading: "((-a) * b)", bindings: { a, b }, value: -a * b },
  { source: "a+b*c", reading: "(a + (b * c))", bindings: { a, b, c }, value: a + b * c },
  { source: "a*b+c", reading: "((a * b) + c)", bindings: { a, b, c }, value: a * b + c },
  { source: "a*b^c", reading: "(a * (b ^ c))", bindings: { a, b, c }, value: a * b ** c },
  { source: "a^b*c", reading: "((a ^ b) * c)", bindings: { a, b, c }, value: a ** b * c },
  { source: "(a+b)*c", reading: "((a + b) * c)", bindings: { a, b, c }, value: (a + b) * c },
  { source: "2^-1", reading: "(2 ^ (-1))", bindings: {}, value: 0.5 },
  { source: "x^-b^c", reading: "(x ^ (-(b ^ c)))", bindings: { x, b, c }, value: x ** -(b ** c) },
  { source: "2*-x", reading: "(2 * (-x))", bindings: { x }, value: -6 },
  { source: "a - -b", reading: "(a - (-b))", bindings: { a, b }, value: a + b },
  { source: "--x", reading: "(-(-x))", bindings: { x }, value: x },
  { source: "-+-x", reading: "(-(-x))", bindings: { x }, value: x },
  { source: "-a^b^c", reading: "(-(a ^ (b ^ c)))", bindings: { a, b, c }, value: -(a ** (b ** c)) },
  { source: "tanh(x)^2", reading: "(tanh(x) ^ 2)", bindings: { x }, value: Math.tanh(x) ** 2 },
  { source: "-exp(a-b)", reading: "(-exp((a - b)))", bindings: { a, b }, value: -Math.exp(a - b) },
  {
    source: "pow(a, b-c)*2",
    reading: "(pow(a, (b - c)) * 2)",
    bindings: { a, b, c },
    value: a ** (b - c) * 2,
  },
  { source: " \ta *\n b\r\n+ c ", reading: "((a * b) + c)", bindings: { a, b, c }, value: a * b + c },
  {
    source: "1e-3*a + .5 + 5. + 2.5E+1",
    reading: "((((0.001 * a) + 0.5) + 5) + 25)",
    bindings: { a },
    value: 0.001 * a + 30.5,
  },
];

/** Rows with `@` (matmul, as tight as `*`): tensors only. */
export const MATMUL_PRECEDENCE: readonly Omit<PrecedenceRow, "bindings" | "value">[] = [
  { source: "a@b+c", reading: "((a @ b) + c)" },
  { source: "c+a@b", reading: "(c + (a @ b))" },
  { source: "a*b@c", reading: "((a * b) @ c)" },
  { source: "a@b*c", reading: "((a @ b) * c)" },
  { source: "-a@b", reading: "((-a) @ b)" },
  { source: "a@b^c", reading: "(a @ (b ^ c))" },
];

/** The tree with every operation in parentheses: `-x^2` prints `(-(x ^ 2))`. */
export function printTree(node: ExpressionNode): string {
  switch (node.kind) {
    case "number":
      return String(node.value);
    case "name":
      return node.name;
    case "placeholder":
      return `\${${node.index}}`;
    case "negate":
      return `(-${printTree(node.operand)})`;
    case "binary":
      return `(${printTree(node.left)} ${node.op} ${printTree(node.right)})`;
    case "call":
      return `${node.name}(${node.args.map(printTree).join(", ")})`;
  }
}

/** A graph node as the signature sees it (Value and Tensor both have these). */
interface Node {
  readonly op: string;
  readonly parents: readonly Node[];
  readonly label?: string | undefined;
}

/**
 * The graph below `root` as a list, one entry per node in post-order (parents first, left to
 * right): the op name, or for a leaf its label (`"a"`) or `"const"`. Two graphs with the same
 * signature have the same nodes, ops and wiring.
 */
export function signature(root: Node): string[] {
  const out: string[] = [];
  const seen = new Map<Node, number>();
  const stack: [Node, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [node, expanded] = stack.pop() as [Node, boolean];
    if (seen.has(node) && !expanded) continue;
    if (!expanded) {
      stack.push([node, true]);
      for (let i = node.parents.length - 1; i >= 0; i--) stack.push([node.parents[i] as Node, false]);
      continue;
    }
    if (seen.has(node)) continue;
    const parents = node.parents.map((p) => seen.get(p)).join(",");
    seen.set(node, out.length);
    out.push(node.op === "" ? (node.label ?? "const") : `${node.op}(${parents})`);
  }
  return out;
}

/** The ExpressionError `fn` throws (any other error is rethrown; not throwing fails the test). */
export function errorOf(fn: () => unknown): ExpressionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error("did not throw");
}
