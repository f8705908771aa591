/**
 * Activation modules made from the unary op table, and the registry of activation modules that
 * the graph tools read (backpropReport, expandToScalars): a module declared with `unaryModule`
 * (nn/layers.ts) is known to them with no other edit.
 */
import type { ScalarOp } from "../scalar/value";
import { type UnaryTable, unaryTable } from "../tensor/ops/all";
import { apply } from "../tensor/ops/apply";
import { checkTensor } from "../tensor/ops/util";
import type { OpDef, Tensor } from "../tensor/tensor";
import { Layer } from "./layer";

/** Where a module made by `unaryModule` keeps its constructor's arguments. */
const ARGS = Symbol("args");

/** An activation module class as the registry knows it: its op and its arguments. */
interface Registered {
  /** The op's name in the unary table, or "softmax". */
  readonly op: string;
  /** The arguments after x that the module passes to its op (LeakyReLU's slope). */
  readonly args: (m: Layer) => readonly unknown[];
}

const registry = new Map<abstract new (...args: never[]) => Layer, Registered>();

/** Makes `cls` known to the graph tools as the activation module of `op`. */
export function registerActivation(
  cls: abstract new (...args: never[]) => Layer,
  op: string,
  args: (m: Layer) => readonly unknown[],
): void {
  registry.set(cls, { op, args });
}

/** What the graph tools know about an activation module. */
export interface ActivationInfo {
  /** The op's name: "relu", "leakyRelu", …, "softmax". */
  readonly op: string;
  /** The class name, as in error messages ("LeakyReLU"). */
  readonly label: string;
  /** The module's arguments after x. */
  readonly args: readonly unknown[];
  /**
   * The `Value` op computing this activation on one number, with its local derivative (σ′); null
   * for softmax, which is not elementwise.
   */
  readonly scalar: ScalarOp | null;
}

/** The registered activation `m` is, or null if it is not an activation module. */
export function activationOf(m: unknown): ActivationInfo | null {
  for (const [cls, reg] of registry) {
    if (m instanceof cls) {
      const args = reg.args(m);
      return { op: reg.op, label: cls.name, args, scalar: scalarActivation(reg.op, args) };
    }
  }
  return null;
}

/** The class names of every registered activation module, in registration order. */
export function activationLabels(): string[] {
  return [...registry.keys()].map((cls) => cls.name);
}

/** The unary table's `Value` op for `op` with `args` (null for an op without a scalar form). */
export function scalarActivation(op: string, args: readonly unknown[]): ScalarOp | null {
  const row = (unaryTable() as Record<string, { scalar?: (...a: unknown[]) => ScalarOp }>)[op];
  return row?.scalar ? row.scalar(...args) : null;
}

/** The arguments of unary op `K`'s function after x (LeakyReLU's slope). */
type ArgsOf<K extends keyof UnaryTable> =
  Parameters<UnaryTable[K]["fn"]> extends [Tensor, ...infer R] ? R : never;

/** The attributes of unary op `K` (`{ slope }` for leakyRelu), or none. */
type AttrsOf<K extends keyof UnaryTable> =
  ReturnType<UnaryTable[K]["checkArgs"]> extends infer A ? (A extends object ? Readonly<A> : unknown) : never;

/** An activation module class made by `unaryModule`. */
export type UnaryModule<K extends keyof UnaryTable> = new (...args: ArgsOf<K>) => Layer & AttrsOf<K>;

/**
 * The activation module of one op of the unary table (tensor/ops/elementwise.ts): `forward(x)` is
 * `x.<op>(...args)`. The arguments are checked when the module is made (errors name the class)
 * and kept as its fields, named as the op's attributes (`new nn.LeakyReLU(0.2).slope` is 0.2).
 */
export function unaryModule<K extends keyof UnaryTable>(op: K, className: string): UnaryModule<K> {
  const row = unaryTable()[op] as unknown as {
    op: OpDef<unknown, readonly [Tensor]>;
    checkArgs: (caller: string, ...args: unknown[]) => unknown;
  };
  const attrsKey = Symbol("attrs");
  const cls = class extends Layer {
    constructor(...args: unknown[]) {
      super();
      const attrs = row.checkArgs(className, ...args);
      if (attrs !== undefined) Object.assign(this, attrs);
      Object.defineProperty(this, attrsKey, { value: attrs });
      Object.defineProperty(this, ARGS, { value: Object.freeze([...args]) });
    }
    forward(x: Tensor): Tensor {
      return apply(row.op, [checkTensor(x, op)], (this as unknown as Record<symbol, unknown>)[attrsKey]);
    }
  };
  Object.defineProperty(cls, "name", { value: className });
  registerActivation(cls, op, (m) => (m as unknown as Record<symbol, readonly unknown[]>)[ARGS] ?? []);
  return cls as unknown as UnaryModule<K>;
}
