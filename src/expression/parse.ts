/**
 * The one grammar of chainrule's formulas (SPEC §5 and §12), shared by the `expr` tagged
 * template, `parseExpression` and `chainrule grad`:
 *
 * ```text
 * expression := term (("+" | "-") term)*                      left-associative
 * term       := unary (("*" | "/" | "@") unary)*              left-associative, @ is matmul
 * unary      := ("-" | "+") unary | power                     so -a*b is (−a)·b
 * power      := primary ("^" unary)?                          right-associative, tighter than unary
 *                                                             minus: -x^2 = −(x²), 2^-1 = ½
 * primary    := number | name | placeholder | name "(" arguments? ")" | "(" expression ")"
 * number     := 12 | 1.5 | .5 | 5. | 1e-3 | 2.5E+8
 * ```
 *
 * A Pratt parser with binding powers 10 (+ −), 20 (* / @), 30 (unary − +) and 40 (^). It recurses
 * only into nesting (parentheses, arguments, unary chains, `^` chains), at most `MAX_DEPTH` levels,
 * so any input gives a tree or an `ExpressionError`, never a stack overflow; a chain of 20,000 `+`
 * is a loop. Each node keeps where it came from; `program` lists the nodes in post-order (each
 * after its operands), which is the order they are made in and the order they are evaluated in.
 */
import { ExpressionError } from "./error";
import { closestFunction, FUNCTIONS } from "./functions";

/** The binary operators: `@` is matrix multiplication. */
export type BinaryOperator = "+" | "-" | "*" | "/" | "^" | "@";

interface Span {
  /** Where the node starts in the source (0-based). */
  readonly start: number;
  /** Where it ends (exclusive). */
  readonly end: number;
  /** The position an evaluation error points at: the operator of an operation, else `start`. */
  readonly at: number;
}

/** A node of the expression tree, with its place in the source. */
export type ExpressionNode =
  | (Span & { readonly kind: "number"; readonly value: number })
  | (Span & { readonly kind: "name"; readonly name: string })
  | (Span & { readonly kind: "placeholder"; readonly index: number })
  | (Span & { readonly kind: "negate"; readonly operand: ExpressionNode })
  | (Span & {
      readonly kind: "binary";
      readonly op: BinaryOperator;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
    })
  | (Span & { readonly kind: "call"; readonly name: string; readonly args: readonly ExpressionNode[] });

/** A parsed expression: its tree, its nodes in evaluation order, and the names it uses. */
export interface ParsedExpression {
  /** The text parsed (for a template: its raw strings joined by `${0}`, `${1}`, …). */
  readonly source: string;
  readonly root: ExpressionNode;
  /** Every node in post-order (operands before the operation): the evaluation order. */
  readonly program: readonly ExpressionNode[];
  /** The free names other than the constants `e` and `pi`, in order of first appearance. */
  readonly variables: readonly string[];
  /** The constants (`e`, `pi`) the expression mentions, in order of first appearance. */
  readonly constants: readonly string[];
  /** The position of each name's first appearance. */
  readonly firstPosition: ReadonlyMap<string, number>;
  /** How many placeholders the template has (0 for a plain string). */
  readonly placeholders: number;
}

/** The named constants: a binding of the same name wins. */
export const CONSTANTS: ReadonlyMap<string, number> = new Map([
  ["e", Math.E],
  ["pi", Math.PI],
]);

/**
 * The deepest nesting the parser accepts: parentheses, call arguments, unary minus chains and
 * `^` chains each add a level. Deeper input throws an `ExpressionError`.
 */
export const MAX_DEPTH = 200;

/** @internal How many times `parseSource` has run (the `expr` cache is tested against it). */
export const parseStats = { parses: 0 };

type Token =
  | { readonly kind: "number"; readonly start: number; readonly end: number; readonly value: number }
  | { readonly kind: "name"; readonly start: number; readonly end: number; readonly name: string }
  | { readonly kind: "placeholder"; readonly start: number; readonly end: number; readonly index: number }
  | {
      readonly kind: "punct";
      readonly start: number;
      readonly end: number;
      readonly text: "+" | "-" | "*" | "/" | "^" | "@" | "(" | ")" | ",";
    }
  | { readonly kind: "end"; readonly start: number; readonly end: number };

const NAME = /[\p{L}_$][\p{L}\p{N}\p{Mn}\p{Mc}_$]*/uy;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WHOLE_NAME = /^[\p{L}_$][\p{L}\p{N}\p{Mn}\p{Mc}_$]*$/u;
const SPACE = /\s/u;
/** Characters of operators the grammar does not have (`%`, `==`, `<=`, `&&`, …). */
const OTHER_OPERATOR = /[%!<>=&|~?:]+/y;

/** Binding powers of the binary operators. */
const BINDING: Readonly<Record<string, number>> = { "+": 10, "-": 10, "*": 20, "/": 20, "@": 20, "^": 40 };
/** The binding power of unary minus and plus: tighter than `*`, looser than `^`. */
const UNARY = 30;

/** Whether `name` is one name of the grammar (`x`, `w_1`, `α`, `constructor`), as bindings use them. */
export function isName(name: string): boolean {
  return typeof name === "string" && WHOLE_NAME.test(name);
}

/** A character for a message: quoted, control characters and lone surrogates escaped. */
function showChar(c: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
  return /^[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]$/.test(c) ? JSON.stringify(c) : `'${c}'`;
}

/**
 * Turns the raw strings of a template (one string for a plain expression) into tokens, on demand.
 * Between two strings is placeholder i, shown in the source as `${i}`.
 */
class Lexer {
  private segment = 0;
  private i = 0;
  /** Where the current segment starts in the source. */
  private offset = 0;
  private ahead: Token | undefined;

  constructor(
    private readonly segments: readonly string[],
    private readonly source: string,
  ) {}

  peek(): Token {
    this.ahead ??= this.read();
    return this.ahead;
  }

  next(): Token {
    const t = this.peek();
    this.ahead = undefined;
    return t;
  }

  private fail(reason: string, position: number): never {
    throw new ExpressionError(reason, position, this.source);
  }

  private read(): Token {
    for (;;) {
      const s = this.segments[this.segment] as string;
      while (this.i < s.length && SPACE.test(s[this.i] as string)) this.i++;
      if (this.i < s.length) return this.token(s);
      if (this.segment === this.segments.length - 1) {
        const at = this.offset + s.length;
        return { kind: "end", start: at, end: at };
      }
      // the placeholder between this segment and the next
      const index = this.segment;
      const start = this.offset + s.length;
      const end = start + `\${${index}}`.length;
      this.segment++;
      this.i = 0;
      this.offset = end;
      return { kind: "placeholder", start, end, index };
    }
  }

  private token(s: string): Token {
    const from = this.i;
    const start = this.offset + from;
    const c = s[from] as string;
    NUMBER.lastIndex = from;
    const num = NUMBER.exec(s);
    if (num) {
      this.i = NUMBER.lastIndex;
      if (s[this.i] === ".")
        this.fail(`malformed number: '${num[0]}' followed by another '.'`, this.offset + this.i);
      return { kind: "number", start, end: this.offset + this.i, value: Number(num[0]) };
    }
    NAME.lastIndex = from;
    const name = NAME.exec(s);
    if (name) {
      this.i = NAME.lastIndex;
      return { kind: "name", start, end: this.offset + this.i, name: name[0] };
    }
    if (c === "*" && s[from + 1] === "*")
      this.fail("`**` is not an operator here: write `^` for powers", start);
    if ("+-*/^@(),".includes(c)) {
      this.i++;
      return { kind: "punct", start, end: start + 1, text: c as "+" };
    }
    if (c === ".") {
      NAME.lastIndex = from + 1;
      const method = NAME.exec(s);
      if (method) {
        this.fail(
          `method calls are not part of the grammar: call ${method[0]}(x, …) with the operand first, not x.${method[0]}(…)`,
          start,
        );
      }
    }
    OTHER_OPERATOR.lastIndex = from;
    const other = OTHER_OPERATOR.exec(s);
    if (other) {
      if (other[0] === "=")
        this.fail("unsupported syntax: '=' (an expression has no assignments; it is only a formula)", start);
      this.fail(`unsupported operator '${other[0]}' (the operators are + - * / ^ @)`, start);
    }
    const char = String.fromCodePoint(s.codePointAt(from) as number);
    this.fail(`syntax error: unexpected character ${showChar(char)}`, start);
  }
}

/** Describes a token for "unexpected …" messages. */
function describeToken(t: Token, source: string): string {
  switch (t.kind) {
    case "end":
      return "end of expression";
    case "placeholder":
      return `placeholder \${${t.index}}`;
    default:
      return `'${source.slice(t.start, t.end)}'`;
  }
}

class Parser {
  private depth = -1;
  readonly program: ExpressionNode[] = [];
  private readonly lexer: Lexer;
  private readonly expected: string;

  constructor(
    segments: readonly string[],
    private readonly source: string,
  ) {
    this.lexer = new Lexer(segments, source);
    this.expected =
      segments.length > 1 ? "a number, a name, a placeholder or '('" : "a number, a name or '('";
  }

  fail(reason: string, position: number): never {
    throw new ExpressionError(reason, position, this.source);
  }

  private make<N extends ExpressionNode>(node: N): N {
    this.program.push(node);
    return node;
  }

  parse(): ExpressionNode {
    if (this.lexer.peek().kind === "end") this.fail("empty expression", 0);
    const root = this.expression(0);
    const t = this.lexer.peek();
    if (t.kind !== "end") {
      this.fail(
        `syntax error: unexpected ${describeToken(t, this.source)}${t.kind === "punct" && t.text === ")" ? " (no '(' to close)" : ""}`,
        t.start,
      );
    }
    return root;
  }

  /** Operands joined by operators binding at least `minBinding` (Pratt's loop). */
  private expression(minBinding: number): ExpressionNode {
    if (++this.depth > MAX_DEPTH) {
      this.fail(`expression is nested too deeply (more than ${MAX_DEPTH} levels)`, this.lexer.peek().start);
    }
    let left = this.prefix();
    for (;;) {
      const t = this.lexer.peek();
      if (
        t.kind === "number" ||
        t.kind === "name" ||
        t.kind === "placeholder" ||
        (t.kind === "punct" && t.text === "(")
      ) {
        this.fail("implicit multiplication is not supported: write the '*' (e.g. 2*x)", t.start);
      }
      if (t.kind !== "punct") break;
      const binding = BINDING[t.text];
      if (binding === undefined || binding < minBinding) break;
      this.lexer.next();
      const op = t.text as BinaryOperator;
      // right-associative ^ parses its right side at its own binding power, the others one above
      const right = this.expression(op === "^" ? binding : binding + 1);
      left = this.make({ kind: "binary", op, left, right, start: left.start, end: right.end, at: t.start });
    }
    this.depth--;
    return left;
  }

  /** A primary, or a unary minus/plus and its operand. */
  private prefix(): ExpressionNode {
    const t = this.lexer.next();
    switch (t.kind) {
      case "number":
        return this.make({ kind: "number", value: t.value, start: t.start, end: t.end, at: t.start });
      case "placeholder":
        return this.make({ kind: "placeholder", index: t.index, start: t.start, end: t.end, at: t.start });
      case "name": {
        const open = this.lexer.peek();
        if (open.kind === "punct" && open.text === "(") return this.call(t.name, t.start);
        return this.make({ kind: "name", name: t.name, start: t.start, end: t.end, at: t.start });
      }
      case "punct":
        if (t.text === "-" || t.text === "+") {
          const operand = this.expression(UNARY);
          if (t.text === "+") return operand;
          return this.make({ kind: "negate", operand, start: t.start, end: operand.end, at: t.start });
        }
        if (t.text === "(") {
          const inner = this.expression(0);
          this.close(t.start);
          return inner; // parentheses make no node: the tree has the grouping
        }
        break;
      default:
        break;
    }
    return this.fail(
      `syntax error: unexpected ${describeToken(t, this.source)} (expected ${this.expected})`,
      t.start,
    );
  }

  /** Consumes the ')' matching the '(' at `open`; returns where it ends. */
  private close(open: number): number {
    const t = this.lexer.next();
    if (t.kind === "punct" && t.text === ")") return t.end;
    if (t.kind === "end") this.fail("unclosed '(': no ')' matches it", open);
    this.fail(`syntax error: unexpected ${describeToken(t, this.source)} (expected ')')`, t.start);
  }

  /** `name(arg, …)`: the function is checked here (known name, arity), applied when evaluated. */
  private call(name: string, start: number): ExpressionNode {
    const fn = FUNCTIONS.get(name);
    if (fn === undefined) {
      const close = closestFunction(name);
      this.fail(
        close === undefined
          ? `unknown function '${name}' (a function is an op of Value or Tensor: exp, log, tanh, relu, pow, max, sum, softmax, matmul, …)`
          : `unknown function '${name}' (did you mean '${close}'?)`,
        start,
      );
    }
    const open = this.lexer.next().start;
    const args: ExpressionNode[] = [];
    let end: number;
    const t = this.lexer.peek();
    if (t.kind === "punct" && t.text === ")") end = this.lexer.next().end;
    else {
      for (;;) {
        args.push(this.expression(0));
        const sep = this.lexer.peek();
        if (sep.kind !== "punct" || sep.text !== ",") break;
        this.lexer.next();
      }
      end = this.close(open);
    }
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      this.fail(`${name} takes ${arityText(fn.minArgs, fn.maxArgs)}, got ${args.length}`, start);
    }
    return this.make({ kind: "call", name, args, start, end, at: start });
  }
}

/** "1 argument", "1 or 2 arguments", "2 to 4 arguments", "at least 2 arguments". */
function arityText(min: number, max: number): string {
  const plural = (n: number) => (n === 1 ? "argument" : "arguments");
  if (min === max) return `${min} ${plural(min)}`;
  if (max === Number.POSITIVE_INFINITY) return `at least ${min} ${plural(min)}`;
  if (max === min + 1) return `${min} or ${max} arguments`;
  return `${min} to ${max} arguments`;
}

/**
 * Parses an expression given as the raw strings of a template (one string for plain text).
 * Throws `ExpressionError` for anything outside the grammar or an unknown function or arity.
 */
export function parseSource(segments: readonly string[]): ParsedExpression {
  parseStats.parses++;
  const source = segments.reduce((s, seg, i) => (i === 0 ? seg : `${s}\${${i - 1}}${seg}`), "");
  const parser = new Parser(segments, source);
  const root = parser.parse();
  const variables: string[] = [];
  const constants: string[] = [];
  const firstPosition = new Map<string, number>();
  // leaves are made in source order, so the program lists names in order of first appearance
  for (const node of parser.program) {
    if (node.kind !== "name" || firstPosition.has(node.name)) continue;
    firstPosition.set(node.name, node.start);
    (CONSTANTS.has(node.name) ? constants : variables).push(node.name);
  }
  return {
    source,
    root,
    program: parser.program,
    variables,
    constants,
    firstPosition,
    placeholders: segments.length - 1,
  };
}
