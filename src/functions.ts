/**
 * The binary ops as root functions, taking `Value | Tensor | number` in either position, so
 * `sub(1, x)` needs no reversed method. A `Tensor` operand makes a tensor op, a `Value` a
 * scalar op; two plain numbers give a plain number.
 */
import { ChainruleError, describe } from "./errors";
import { asValue, type ScalarOp, scalarOps, Value } from "./scalar/value";
import * as t from "./tensor/ops/all";
import { Tensor } from "./tensor/tensor";

/** An operand of the root binary functions. */
export type Operand = Value | Tensor | number;

function dispatch(
  name: string,
  rule: ScalarOp,
  tensorOp: (a: Tensor | number, b: Tensor | number) => Tensor,
  a: Operand,
  b: Operand,
): Value | Tensor | number {
  const ok = (x: unknown) => x instanceof Value || x instanceof Tensor || typeof x === "number";
  if (!ok(a) || !ok(b)) {
    throw new ChainruleError(
      `${name}: operands must be Values, Tensors or numbers, got ${describe(a)} and ${describe(b)}`,
    );
  }
  if (a instanceof Tensor || b instanceof Tensor) {
    if (a instanceof Value || b instanceof Value) {
      throw new ChainruleError(
        `${name}: cannot mix a Value and a Tensor (use a 0-d tensor instead of the Value)`,
      );
    }
    return tensorOp(a as Tensor | number, b as Tensor | number);
  }
  if (a instanceof Value || b instanceof Value)
    return Value._make(rule, asValue(a as Value, name), asValue(b as Value, name));
  return rule.forward(a as number, b as number);
}

/** Overloads shared by the root binary functions. */
export interface BinaryFunction {
  (a: Tensor, b: Tensor | number): Tensor;
  (a: Tensor | number, b: Tensor): Tensor;
  (a: Value, b: Value | number): Value;
  (a: Value | number, b: Value): Value;
  (a: number, b: number): number;
  (a: Operand, b: Operand): Value | Tensor | number;
}

const make = (name: keyof typeof scalarOps, tensorOp: (a: Tensor | number, b: Tensor | number) => Tensor) =>
  ((a: Operand, b: Operand) => dispatch(name, scalarOps[name], tensorOp, a, b)) as BinaryFunction;

/** a + b for any mix of `Value | Tensor | number`. */
export const add = make("add", t.add);
/** a − b for any mix of `Value | Tensor | number` (`sub(1, x)` = 1 − x). */
export const sub = make("sub", t.sub);
/** a · b (elementwise for tensors). */
export const mul = make("mul", t.mul);
/** a / b (elementwise for tensors). */
export const div = make("div", t.div);
/** aᵇ (elementwise for tensors); both operands are differentiated. */
export const pow = make("pow", t.pow);
/** max(a, b) elementwise; ½/½ gradient on ties, the whole gradient to both where either is NaN. */
export const maximum = make("maximum", t.maximum);
/** min(a, b) elementwise; ½/½ gradient on ties, the whole gradient to both where either is NaN. */
export const minimum = make("minimum", t.minimum);
/** atan2(a, b), the angle of the point (b, a) in (−π, π], elementwise for tensors. */
export const atan2 = make("atan2", t.atan2);
/** a mod b with the sign of b (Python's %, `torch.remainder`), elementwise for tensors. */
export const remainder = make("remainder", t.remainder);
