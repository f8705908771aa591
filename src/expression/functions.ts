/**
 * The functions an expression may call: the ops of `Value` and `Tensor` (SPEC §1, §2, §8) by
 * name, read from the op tables so that a new op is callable without a line here. A call applies
 * exactly what the method or root function would, so `tanh(${x})` makes the node `x.tanh()` makes:
 *
 * - unary rows (`exp`, `tanh`, `leakyRelu(x, 0.2)`, `clamp(x, 0, 1)`…): the `Value` or `Tensor`
 *   method; a plain number gives a plain number (`exp(0)` is 1) where the op has a scalar form;
 * - `add sub mul div pow maximum minimum atan2 remainder`: the root functions (any mix of
 *   `Value | Tensor | number`); `max(a, b)` and `min(a, b)` are `maximum`/`minimum` unless the first
 *   operand is a tensor and the rest are numbers: then the reduction (`max(${x}, 0)`, as `torch.max`);
 * - the other binary rows (`eq`, `floorDivide`, …) and the tensor methods (`sum(${x}, 0)`,
 *   `softmax(${x}, -1)`, `matmul`, `reshape(${x}, 2, 3)`, …) on tensors; `where(cond, a, b)`;
 * - `ln` is `log`.
 *
 * Methods that do not return one tensor (`sort`, `topk`, `split`, `chunk`, `at`), that write in
 * place (`set`) or that take arguments the grammar cannot write (`pad`'s array, `astype`'s dtype)
 * are not callable. A `Map`: names such as `constructor` find nothing.
 */
import { ChainruleError, describe } from "../errors";
import * as root from "../functions";
import { type ScalarOp, Value } from "../scalar/value";
import { binaryTable, unaryTable, where } from "../tensor/ops/elementwise";
import { methodTable } from "../tensor/ops/methods";
import { Tensor } from "../tensor/tensor";

/** What an expression computes with: a `Value`, a `Tensor` or a plain number. */
export type Operand = Value | Tensor | number;

/** A function an expression may call. */
export interface ExpressionFunction {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Whether it takes `Value` operands (the functions `chainrule grad` lists). */
  readonly scalar: boolean;
  /** Builds the result, as the method or root function does (it may throw `ChainruleError`). */
  readonly apply: (args: readonly Operand[]) => Operand;
}

/** Every callable function by name. */
export const FUNCTIONS = new Map<string, ExpressionFunction>();

/** What an argument is, for messages: "a Value", "a Tensor [2,3]", "the number 2". */
function kindOf(x: Operand): string {
  if (x instanceof Value) return "a Value";
  if (x instanceof Tensor) return `a Tensor [${x.shape.join(",")}]`;
  return typeof x === "number" ? `the number ${x}` : describe(x);
}

function needTensor(name: string, x: Operand, what = "its first argument"): Tensor {
  if (x instanceof Tensor) return x;
  throw new ChainruleError(`${name}: works on Tensors, and ${what} is ${kindOf(x)}`);
}

/** Checks that the arguments after the first are numbers (axes, slopes, bounds, sizes). */
function numbersAfterFirst(name: string, rest: readonly Operand[]): void {
  for (const [i, arg] of rest.entries()) {
    if (typeof arg !== "number")
      throw new ChainruleError(`${name}: argument ${i + 2} must be a number, got ${kindOf(arg)}`);
  }
}

function add(fn: ExpressionFunction): void {
  FUNCTIONS.set(fn.name, fn);
}

// unary rows: the Value or Tensor method, or a number for a number
/** How many arguments after x the parameterized unary rows take. */
const UNARY_EXTRA: Readonly<Record<string, number>> = { leakyRelu: 1, elu: 1, clamp: 2, hardtanh: 2 };
for (const row of Object.values(unaryTable())) {
  if (!row.method) continue;
  const name = row.name;
  const fn = row.fn as (x: Tensor, ...args: unknown[]) => Tensor;
  const rule = row.scalar as ((...args: unknown[]) => ScalarOp) | undefined;
  add({
    name,
    minArgs: 1,
    maxArgs: 1 + (row.parameterized ? (UNARY_EXTRA[name] ?? 3) : 0),
    scalar: rule !== undefined,
    apply: ([x, ...rest]) => {
      numbersAfterFirst(name, rest);
      if (x instanceof Tensor) return fn(x, ...rest);
      if (rule === undefined) {
        throw new ChainruleError(
          `${name}: works on Tensors only (no Value form), and its argument is ${kindOf(x as Operand)}`,
        );
      }
      if (x instanceof Value)
        return (x as unknown as Record<string, (...a: unknown[]) => Value>)[name]?.(...rest) as Value;
      if (typeof x === "number") return rule(...rest).forward(x, 0);
      throw new ChainruleError(`${name}: expected a Value, a Tensor or a number, got ${describe(x)}`);
    },
  });
}
FUNCTIONS.set("ln", { ...(FUNCTIONS.get("log") as ExpressionFunction), name: "ln" });

// the binary rows: root functions for those with a Value form, tensors only for the others
const ROOT_BINARY: Readonly<Record<string, root.BinaryFunction>> = {
  add: root.add,
  sub: root.sub,
  mul: root.mul,
  div: root.div,
  pow: root.pow,
  maximum: root.maximum,
  minimum: root.minimum,
  atan2: root.atan2,
  remainder: root.remainder,
};
for (const [name, row] of Object.entries(binaryTable)) {
  const rootFn = ROOT_BINARY[name];
  add({
    name,
    minArgs: 2,
    maxArgs: 2,
    scalar: rootFn !== undefined,
    apply:
      rootFn !== undefined
        ? ([a, b]) => rootFn(a as Operand, b as Operand)
        : ([a, b]) => {
            if (!(a instanceof Tensor) && !(b instanceof Tensor))
              throw new ChainruleError(
                `${name}: works on Tensors, got ${kindOf(a as Operand)} and ${kindOf(b as Operand)}`,
              );
            if (a instanceof Value || b instanceof Value)
              throw new ChainruleError(`${name}: cannot mix a Value and a Tensor`);
            return row.fn(a as Tensor | number, b as Tensor | number);
          },
  });
}

// the tensor methods of methodTable: x first, then the method's arguments
/** Methods an expression cannot call (see the file comment). */
const NOT_CALLABLE = new Set(["sort", "topk", "split", "chunk", "at", "set", "pad", "astype"]);
/** Methods that take tensors after the first argument (the others take numbers only). */
const TENSOR_ARGUMENTS = new Set([
  "matmul",
  "outer",
  "prelu",
  "gather",
  "indexSelect",
  "maskedFill",
  "maskedSelect",
  "scatter",
]);
/** [fewest, most] arguments, x included; a method not listed takes 1 or more. */
const METHOD_ARITY: Readonly<Record<string, readonly [number, number]>> = {
  sum: [1, 2],
  mean: [1, 2],
  prod: [1, 2],
  all: [1, 2],
  any: [1, 2],
  logSumExp: [1, 2],
  max: [1, 2],
  min: [1, 2],
  argmax: [1, 2],
  argmin: [1, 2],
  var: [1, 2],
  std: [1, 2],
  norm: [1, 3],
  cumsum: [2, 2],
  cumprod: [2, 2],
  argsort: [1, 2],
  softmax: [1, 2],
  logSoftmax: [1, 2],
  matmul: [2, 2],
  outer: [2, 2],
  prelu: [2, 2],
  maskedSelect: [2, 2],
  transpose: [1, 3],
  flatten: [1, 1],
  clone: [1, 1],
  logicalNot: [1, 1],
  squeeze: [1, 2],
  unsqueeze: [2, 2],
  roll: [2, 3],
  triu: [1, 2],
  tril: [1, 2],
  slice: [3, 4],
  gather: [3, 3],
  indexSelect: [3, 3],
  maskedFill: [3, 3],
  scatter: [4, 4],
  reshape: [2, Number.POSITIVE_INFINITY],
  expand: [2, Number.POSITIVE_INFINITY],
  flip: [2, Number.POSITIVE_INFINITY],
  repeat: [2, Number.POSITIVE_INFINITY],
  tile: [2, Number.POSITIVE_INFINITY],
};
for (const [name, method] of Object.entries(methodTable)) {
  if (NOT_CALLABLE.has(name)) continue;
  const fn = method as (x: Tensor, ...args: unknown[]) => unknown;
  const [minArgs, maxArgs] = METHOD_ARITY[name] ?? [1, Number.POSITIVE_INFINITY];
  const callMethod = ([x, ...rest]: readonly Operand[]): Tensor => {
    const receiver = needTensor(name, x as Operand);
    if (!TENSOR_ARGUMENTS.has(name)) numbersAfterFirst(name, rest);
    const out = fn(receiver, ...rest);
    if (!(out instanceof Tensor)) throw new ChainruleError(`${name}: does not give one Tensor`);
    return out;
  };
  if (name === "max" || name === "min") {
    const elementwise = name === "max" ? root.maximum : root.minimum;
    add({
      name,
      minArgs,
      maxArgs,
      scalar: true,
      // torch.max(a, b) is elementwise, torch.max(x, dim) a reduction: as there, by the operands
      apply: (args) =>
        args.length === 2 && (!(args[0] instanceof Tensor) || typeof args[1] !== "number")
          ? elementwise(args[0] as Operand, args[1] as Operand)
          : callMethod(args),
    });
  } else add({ name, minArgs, maxArgs, scalar: false, apply: callMethod });
}
add({
  name: "where",
  minArgs: 3,
  maxArgs: 3,
  scalar: false,
  apply: ([cond, a, b]) => {
    if (a instanceof Value || b instanceof Value)
      throw new ChainruleError("where: works on Tensors, not Values");
    return where(needTensor("where", cond as Operand), a as Tensor | number, b as Tensor | number);
  },
});

/**
 * The functions that take `Value`s with one argument, or two for pow, max, min, atan2 and
 * remainder: what `chainrule grad` lists (`neg` is written `-x`, add… as operators).
 */
export const scalarFunctionNames: readonly string[] = [
  ...[...FUNCTIONS.values()]
    .filter((f) => f.scalar && f.minArgs === 1 && !["neg", "max", "min"].includes(f.name))
    .map((f) => f.name),
  ...["pow", "max", "min", "atan2", "remainder"],
];

/** The known function closest to `name` (same letters ignoring case and `_`, or a typo or two away). */
export function closestFunction(name: string): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/_/g, "");
  const wanted = squash(name);
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(wanted.length / 3)) + 1;
  for (const known of FUNCTIONS.keys()) {
    // a typo of the same length (a swap, a wrong letter) wins a tie
    const d =
      squash(known) === wanted
        ? 0
        : distance(squash(known), wanted, bestDistance) + (known.length === name.length ? 0 : 0.5);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

/** Edit distance of a and b (insertions, deletions, substitutions, swaps of neighbours), or `limit` when it is at least that. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] as number) + 1);
      row[j] = d;
    }
    before = prev;
    prev = row;
  }
  return Math.min(prev[b.length] as number, limit);
}
