/**
 * The scalar engine: a `Value` holds one number, the gradient of the loss with respect to it,
 * and how it was made. Every op is one entry of the table below, forward beside derivative.
 */
import { anomaly, anomalyScalarForward } from "../autograd/anomaly";
import { backprop, type GraphNode } from "../autograd/engine";
import { tagScope } from "../autograd/scope";
import { ChainruleError, describe, markOwnClass } from "../errors";
import { binaryTable, SCALAR_ATTRS_CACHE_LIMIT, type UnaryTable, unaryTable } from "../tensor/ops/all";
import { checkLabel, fail } from "../validate";

/**
 * One scalar operation: `forward` maps the operands' numbers a, b to the result's, and `local`
 * gives, for each operand, the local derivative ∂out/∂operand from a, b and the result `out`.
 * The chain rule is then one multiplication per edge: ∂L/∂operand = ∂L/∂out · ∂out/∂operand.
 */
export interface ScalarOp {
  readonly name: string;
  readonly arity: 1 | 2;
  readonly forward: (a: number, b: number) => number;
  readonly local: readonly ((a: number, b: number, out: number) => number)[];
  /**
   * Where PyTorch masks an operand's gradient (relu, pow, maximum, minimum): where
   * `masked[i](a, b)` holds, ∂L/∂operand i is exactly 0 whatever ∂L/∂out is, even ±∞ or NaN
   * (the product ∂L/∂out · 0 would give NaN).
   */
  readonly masked?: readonly ((a: number, b: number) => boolean)[];
  /** The local derivatives in words, for diagrams and explanations. */
  readonly symbols: readonly string[];
}

const op = (o: ScalarOp): ScalarOp => o;

type LocalDerivative = (a: number, b: number, out: number) => number;
type Mask = (a: number, b: number) => boolean;

/** Scratch results of `Value._vjp` (see there). */
const ONE = [0];
const TWO = [0, 0];

/**
 * The scalar op table: each op's forward beside its local derivative per operand, read from the
 * rows of the elementwise tables (tensor/ops/elementwise.ts), which declare the tensor op and
 * its scalar form together. Subgradients at kinks: relu′(0) = 0, abs′(0) = 0; pow, maximum and
 * minimum follow PyTorch's derivative rules exactly (see `binaryTable`).
 */
export const scalarOps = {
  add: binaryTable.add.scalar,
  sub: binaryTable.sub.scalar,
  mul: binaryTable.mul.scalar,
  div: binaryTable.div.scalar,
  pow: binaryTable.pow.scalar,
  maximum: binaryTable.maximum.scalar,
  minimum: binaryTable.minimum.scalar,
  atan2: binaryTable.atan2.scalar,
  remainder: binaryTable.remainder.scalar,
  // the unary ops with a scalar form and no arguments
  ...unaryScalarOps(),
};

/** The `ScalarOp` of every unary row with a scalar form and no arguments, by name. */
type UnaryScalarOps = {
  readonly [K in keyof UnaryTable as UnaryTable[K]["scalar"] extends () => ScalarOp
    ? Parameters<UnaryTable[K]["scalar"]> extends []
      ? K
      : never
    : never]: ScalarOp;
};

function unaryScalarOps(): UnaryScalarOps {
  const out: Record<string, ScalarOp> = {};
  for (const row of Object.values(unaryTable())) {
    if (row.scalar !== undefined && !row.parameterized) {
      out[row.name] = (row.scalar as () => ScalarOp)();
    }
  }
  return out as UnaryScalarOps;
}

/**
 * How many leakyRelu slopes (and other unary-op arguments) keep a shared table entry. A program
 * uses a handful of slopes, and their nodes share one entry each; past this many distinct slopes,
 * each node gets an entry of its own, freed with the node, so no slope is remembered forever.
 */
export const LEAKY_RELU_CACHE_LIMIT = SCALAR_ATTRS_CACHE_LIMIT;

/** @internal How many slopes hold a shared leakyRelu entry (at most `LEAKY_RELU_CACHE_LIMIT`). */
export function _leakyReluCacheSize(): number {
  return unaryTable().leakyRelu.cache.size;
}

/** The marker rule of constant leaves (plain-number operands): no gradient flows into them. */
const CONSTANT: ScalarOp = op({ name: "", arity: 1, forward: (a) => a, local: [], symbols: [] });

/** Options for a new `Value`. */
export interface ValueOptions {
  /** A name shown in diagrams and explanations (a string). */
  label?: string;
}

/**
 * A scalar node of the computation graph (micrograd's `Value`, first-order).
 *
 * @example
 * const a = new Value(2, { label: "a" });
 * const b = new Value(-3, "b"); // a string second argument is the label, as in value(-3, "b")
 * const L = a.mul(b).add(10).tanh();
 * L.backward();
 * a.grad; // -0.0040228520490775965  ((1 − tanh²(4))·(−3))
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface of the same name adds the unary table's methods (defined at the end of the file)
export class Value implements GraphNode<number> {
  /** The number this node holds. Writable (micrograd-style updates: `p.data -= lr * p.grad`). */
  data: number;
  /** ∂L/∂this, summed over every `backward()` since the last `zeroGrad()`. */
  grad: number;
  /**
   * @internal the label's storage. Read from the prototype (undefined) until set, so unlabelled
   * nodes — almost all of them — carry one field less.
   */
  declare _label: string | undefined;
  /** @internal first operand (`null` for a leaf): two fields instead of an array keep nodes small */
  readonly _a: Value | null;
  /** @internal second operand (`null` for a leaf or a unary op) */
  readonly _b: Value | null;
  /** @internal the op's table entry (`null` for a leaf) */
  readonly _op: ScalarOp | null;
  /** @internal scratch for the backward engine */
  _mark: number;
  /** @internal scratch for the backward engine */
  _pos: number;

  /**
   * A leaf holding `data` (any number, NaN and ±Infinity included). The second argument is
   * `{ label }` or the label itself: `new Value(2, "a")` is `new Value(2, { label: "a" })`.
   */
  constructor(data: number, options?: ValueOptions | string) {
    if (typeof data !== "number")
      throw new ChainruleError(`Value: data must be a number, got ${describe(data)}`);
    this.data = data;
    this.grad = 0;
    if (options !== undefined) {
      const label =
        typeof options === "string"
          ? options
          : options !== null && typeof options === "object" && !Array.isArray(options)
            ? checkLabel(options.label, "Value")
            : fail("Value", "options", "an object or a label string", options);
      if (label !== undefined) this._label = label;
    }
    this._a = null;
    this._b = null;
    this._op = null;
    this._mark = 0;
    this._pos = 0;
  }

  /** A name for diagrams and explanations: a string, or `undefined` for none. */
  get label(): string | undefined {
    return this._label;
  }

  set label(label: string | undefined) {
    this._label = checkLabel(label, "Value.label");
  }

  /** The operands this node was made from (a fresh array; empty for a leaf). */
  get parents(): readonly Value[] {
    if (this._a === null) return [];
    return this._b === null ? [this._a] : [this._a, this._b];
  }

  /** @internal number of parents (how the engine reads them, without building an array) */
  get _arity(): number {
    return this._a === null ? 0 : this._b === null ? 1 : 2;
  }

  /** @internal parent `i` */
  _parent(i: number): Value {
    return (i === 0 ? this._a : this._b) as Value;
  }

  /** The op that made this node (`""` for a leaf). */
  get op(): string {
    return this._op === null ? "" : this._op.name;
  }

  /** False only for constant leaves made from plain-number operands: no gradient flows there. */
  get requiresGrad(): boolean {
    return this._op !== CONSTANT;
  }

  /** @internal Builds the node for `rule` applied to `a` (and `b`), without argument checks. */
  static _make(rule: ScalarOp, a: Value, b: Value | null = null): Value {
    const v = new Value(rule.forward(a.data, b === null ? 0 : b.data));
    const w = v as { _a: Value | null; _b: Value | null; _op: ScalarOp | null };
    w._a = a;
    w._b = b;
    w._op = rule;
    tagScope(v);
    if (anomaly.on) anomalyScalarForward(rule.name, a, b, v);
    return v;
  }

  /** @internal A constant leaf for a plain-number operand. */
  static _constant(x: number): Value {
    const v = new Value(x);
    (v as { _op: ScalarOp | null })._op = CONSTANT;
    return v;
  }

  /**
   * @internal The local chain rule for the engine: ∂L/∂parent = ∂L/∂this · ∂this/∂parent for each
   * parent. The returned array is reused by the next call (the engine reads it at once), so the
   * scalar backward pass allocates nothing per node; copy it to keep it.
   */
  _vjp(grad: number): readonly number[] {
    const rule = this._op as ScalarOp;
    const a = (this._a as Value).data;
    if (this._b === null) {
      ONE[0] = rule.masked?.[0]?.(a, 0) ? 0 : grad * (rule.local[0] as LocalDerivative)(a, 0, this.data);
      return ONE;
    }
    const b = this._b.data;
    TWO[0] = grad * (rule.local[0] as LocalDerivative)(a, b, this.data);
    TWO[1] = grad * (rule.local[1] as LocalDerivative)(a, b, this.data);
    const masked = rule.masked;
    if (masked !== undefined) {
      if ((masked[0] as Mask)(a, b)) TWO[0] = 0;
      if ((masked[1] as Mask)(a, b)) TWO[1] = 0;
    }
    return TWO;
  }

  private binary(rule: ScalarOp, other: Value | number): Value {
    return Value._make(rule, this, asValue(other, rule.name));
  }

  /** a + b. ∂/∂a = 1, ∂/∂b = 1. */
  add(other: Value | number): Value {
    return this.binary(scalarOps.add, other);
  }
  /** a − b. ∂/∂a = 1, ∂/∂b = −1. */
  sub(other: Value | number): Value {
    return this.binary(scalarOps.sub, other);
  }
  /** a · b. ∂/∂a = b, ∂/∂b = a. */
  mul(other: Value | number): Value {
    return this.binary(scalarOps.mul, other);
  }
  /** a / b. ∂/∂a = 1/b, ∂/∂b = −a/b². */
  div(other: Value | number): Value {
    return this.binary(scalarOps.div, other);
  }
  /**
   * aᵇ. ∂/∂a = b·aᵇ⁻¹ (0 where b = 0); ∂/∂b = aᵇ·ln a (0 where a = 0 and b ≥ 0), PyTorch's
   * conventions (see `scalarOps`). A `Value` exponent is differentiated too; a number exponent is
   * a constant.
   */
  pow(exponent: Value | number): Value {
    return this.binary(scalarOps.pow, exponent);
  }
  /**
   * max(a, b), NaN if either is NaN. ∂/∂a = 1 where a > b, ½ on ties, 0 where a < b (∂/∂b
   * mirrored); with a NaN operand both get the full gradient, as in PyTorch.
   */
  maximum(other: Value | number): Value {
    return this.binary(scalarOps.maximum, other);
  }
  /**
   * min(a, b), NaN if either is NaN. ∂/∂a = 1 where a < b, ½ on ties, 0 where a > b (∂/∂b
   * mirrored); with a NaN operand both get the full gradient, as in PyTorch.
   */
  minimum(other: Value | number): Value {
    return this.binary(scalarOps.minimum, other);
  }
  /**
   * atan2(a, b), the angle of the point (b, a) in (−π, π] (this value is a, `other` is b).
   * ∂/∂a = b/(a² + b²), ∂/∂b = −a/(a² + b²).
   */
  atan2(other: Value | number): Value {
    return this.binary(scalarOps.atan2, other);
  }
  /**
   * a mod b with the sign of b (Python's %, `torch.remainder`): a − b·⌊a/b⌋, NaN for b = 0.
   * ∂/∂a = 1, ∂/∂b = −⌊a/b⌋.
   */
  remainder(other: Value | number): Value {
    return this.binary(scalarOps.remainder, other);
  }
  // The unary methods (v.exp(), v.relu(), v.leakyRelu(0.2), …) are made from the rows of the
  // unary table (tensor/ops/elementwise.ts) that have a scalar form: see the end of this file.

  /**
   * Backpropagates from this node: seeds ∂L/∂this = 1, walks the graph in reverse topological
   * order (iteratively) and adds this pass's ∂L/∂node into `.grad` of every reached node.
   * Calling it twice adds the gradients twice.
   */
  backward(): void {
    const { nodes, grads } = backprop<Value, number>([this], [1], addNumbers, 0);
    for (let i = 0; i < nodes.length; i++) (nodes[i] as Value).grad += grads[i] as number;
  }

  /** Resets `.grad` of this node to 0. */
  zeroGrad(): void {
    this.grad = 0;
  }

  /** `Value(data=…, grad=…, label=…)`. */
  toString(): string {
    return `Value(data=${this.data}, grad=${this.grad}${this.label ? `, label=${this.label}` : ""})`;
  }

  /** What `console.log` shows in Node: the same text as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * What `JSON.stringify` writes: `{ data, grad, op }` and the label if there is one, never the
   * engine's fields. (The graph itself: `traceGraph`.)
   */
  toJSON(): { data: number; grad: number; op: string; label?: string } {
    const json: { data: number; grad: number; op: string; label?: string } = {
      data: this.data,
      grad: this.grad,
      op: this.op,
    };
    if (this.label !== undefined) json.label = this.label;
    return json;
  }
}

const addNumbers = (a: number, b: number) => a + b;

Value.prototype._label = undefined;

/** Shorthand for `new Value(data, { label })`. */
export function value(data: number, label?: string): Value {
  return new Value(data, { label: checkLabel(label, "value") });
}

/** @internal Coerces an operand to a `Value` (a number becomes a constant leaf). */
export function asValue(x: Value | number, opName: string): Value {
  if (x instanceof Value) return x;
  if (typeof x === "number") return Value._constant(x);
  throw new ChainruleError(`${opName}: operand must be a Value or a number, got ${describe(x)}`);
}

/** One method per unary row with a scalar form: `v.exp()`, `v.leakyRelu(0.2)`, … */
type UnaryValueMethods = {
  readonly [K in keyof UnaryTable as UnaryTable[K]["scalar"] extends undefined
    ? never
    : UnaryTable[K]["method"] extends true
      ? K
      : never]: (...args: Parameters<NonNullable<UnaryTable[K]["scalar"]>>) => Value;
};

// The methods of the unary table, defined just below (the class and this interface merge).
export interface Value extends UnaryValueMethods {}

for (const row of Object.values(unaryTable())) {
  const rule = row.scalar as ((...args: unknown[]) => ScalarOp) | undefined;
  if (rule === undefined || !row.method) continue;
  // an op without arguments has one shared rule: the method takes no rest arguments (hot path)
  const shared = row.parameterized ? undefined : rule();
  const method =
    shared !== undefined
      ? function (this: Value): Value {
          return Value._make(shared, this);
        }
      : function (this: Value, ...args: unknown[]): Value {
          return Value._make(rule(...args), this);
        };
  Object.defineProperty(Value.prototype, row.name, { value: method, writable: true, configurable: true });
}

// error messages can tell this copy's Values from another copy's (see errors.ts)
markOwnClass(Value);
