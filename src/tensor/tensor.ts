/**
 * `Tensor`: an n-dimensional array on contiguous row-major typed-array storage and a node of the
 * computation graph. Ops are defined in `ops/` (one `OpDef` each: forward kernel + backward
 * formula); this file holds the class, `apply` (which turns an op call into exactly one graph
 * node) and the tensor side of `backward`.
 */
import { anomaly, anomalyCheckSaved } from "../autograd/anomaly";
import { backprop, type GraphNode } from "../autograd/engine";
import { withGradMode } from "../autograd/grad-mode";
import { addGradientHook, hookState, type RemovableHandle } from "../autograd/hooks";
import { ChainruleError, describe, fmtShape, markOwnClass } from "../errors";
import { checkBoolean, checkFunction, checkLabel, checkOptions } from "../validate";
import { checkedSizeOf, sameShape } from "./broadcast";
import { allocate, type DType, dtypeOf, isFloat, type TypedArray } from "./dtype";
import { formatTensor, toNested } from "./format";
import { readNested } from "./nested";
import { type BackwardContext, checkSavedVersions, type OpDef, type RawResult } from "./op-def";
import * as ops from "./ops/all";
import { installMethods, type TableMethods } from "./ops/methods";
import { Storage, storagesCreated } from "./storage";

export type { BackwardContext, OpDef, RawResult };

/** Options accepted by every tensor constructor. */
export interface TensorOptions {
  /** Element type; `"float64"` unless the input is a `Float32Array`. */
  dtype?: DType;
  /** Make the tensor a leaf that accumulates gradients in `.grad`. */
  requiresGrad?: boolean;
  /** A name shown in diagrams. */
  label?: string;
}

const NO_PARENTS: readonly Tensor[] = [];

/** Only floating tensors can require grad (as in PyTorch): throws for int32 and bool. */
function checkCanRequireGrad(dtype: DType, shape: readonly number[], op: string): void {
  if (!isFloat(dtype)) {
    throw new ChainruleError(
      `${op}: only floating tensors can require grad, this one is ${dtype} ${fmtShape(shape)} (convert with astype("float64"))`,
    );
  }
}

/**
 * An n-dimensional array and a node of the computation graph.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.mul(x).sum();   // shape [], op "sum"
 * y.backward();
 * x.grad?.toArray();          // [[2, 4], [6, 8]]
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface of the same name adds the unary table's methods (defined at the end of the file)
export class Tensor implements GraphNode<Tensor> {
  /** The dimensions, outermost first (`[]` for a 0-d tensor). */
  readonly shape: readonly number[];
  /** Element type of the storage. */
  readonly dtype: DType;
  /** Number of elements (`data.length`). */
  readonly size: number;
  /** @internal storage of `grad` */
  private _grad: Tensor | null = null;
  /** @internal storage of `label` */
  private _label: string | undefined;

  /** A name shown in diagrams: a string, or `undefined` for none. */
  get label(): string | undefined {
    return this._label;
  }

  set label(label: string | undefined) {
    this._label = checkLabel(label, "Tensor.label");
  }
  /** The operands this tensor was computed from (empty for leaves and under `noGrad`). */
  readonly parents: readonly Tensor[];
  /** @internal memory and version counter */
  readonly _s: Storage;
  /** @internal the op that made this tensor */
  readonly _op: OpDef<unknown> | null;
  /** @internal the op's attributes */
  readonly _attrs: unknown;
  /** @internal storage versions of the inputs (and the result, last) when the op ran */
  readonly _versions: readonly number[] | null;
  /** @internal */
  private _requiresGrad: boolean;
  /**
   * @internal Set once this leaf has required grad, and never cleared: a module keeps a frozen
   * weight (`requiresGrad = false`) as a parameter, as PyTorch keeps a frozen `nn.Parameter`.
   */
  _trainable: boolean;
  /** @internal keep `.grad` although this is not a leaf */
  _retain = false;
  /** @internal scratch for the backward engine */
  _mark = 0;
  /** @internal scratch for the backward engine */
  _pos = 0;

  /**
   * Wraps existing storage (no copy): `data.length` must equal the product of `shape`, an array
   * of at most 64 integers ≥ 0. The storage decides the dtype: `Float64Array` float64,
   * `Float32Array` float32, `Int32Array` int32, `Uint8Array` bool (holding 0 and 1). Most code
   * should use `tensor(…)`, which copies its input.
   */
  constructor(data: TypedArray, shape: readonly number[], options?: TensorOptions) {
    if (
      !(
        data instanceof Float64Array ||
        data instanceof Float32Array ||
        data instanceof Int32Array ||
        data instanceof Uint8Array
      )
    ) {
      throw new ChainruleError(
        `Tensor: storage must be a Float64Array, Float32Array, Int32Array or Uint8Array (bool), got ${describe(data)}`,
      );
    }
    const size = checkedSizeOf(shape, "Tensor");
    if (size !== data.length) {
      throw new ChainruleError(`Tensor: shape ${fmtShape(shape)} needs ${size} elements, got ${data.length}`);
    }
    const dtype = dtypeOf(data);
    let label: string | undefined;
    let requiresGrad = false;
    if (options !== undefined) {
      checkOptions(options, "Tensor");
      if (options.dtype !== undefined && options.dtype !== dtype) {
        throw new ChainruleError(
          `Tensor: dtype ${describe(options.dtype)} does not match a ${data.constructor.name}`,
        );
      }
      label = checkLabel(options.label, "Tensor");
      requiresGrad = checkBoolean(options.requiresGrad, "Tensor", "requiresGrad", false);
      if (requiresGrad) checkCanRequireGrad(dtype, shape, "Tensor");
    }
    this.shape = Object.freeze(Array.from(shape));
    this.dtype = dtype;
    this.size = size;
    this._label = label;
    this.parents = NO_PARENTS;
    this._s = new Storage(data);
    this._op = null;
    this._attrs = undefined;
    this._versions = null;
    this._requiresGrad = requiresGrad;
    this._trainable = this._requiresGrad;
  }

  /** @internal A tensor over existing storage (shared memory, e.g. detach and reshape). */
  static _view(storage: Storage, shape: readonly number[]): Tensor {
    const t = new Tensor(storage.data, shape);
    (t as { _s: Storage })._s = storage;
    return t;
  }

  /** @internal number of parents (the engine's view of `parents`) */
  get _arity(): number {
    return this.parents.length;
  }

  /** @internal parent `i` */
  _parent(i: number): Tensor {
    return this.parents[i] as Tensor;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The op that made this tensor (`""` for a leaf). */
  get op(): string {
    return this._op === null ? "" : this._op.name;
  }

  /**
   * The live row-major storage (`data.length === size`): a real `Float64Array`/`Float32Array`,
   * not a copy and not a wrapper, so it reads at full speed, transfers (`structuredClone`,
   * `postMessage`) and writes to files. Writes to it are seen by later ops but, like writes
   * through PyTorch's `.numpy()`, are not counted by the version counter: a graph recorded
   * before them would backpropagate through the new numbers. Change data a graph still needs
   * with the in-place helpers (optimizers, initialisers, `loadStateDict`), which are counted, or
   * run under anomaly mode, which reports such raw writes at backward.
   */
  get data(): TypedArray {
    return this._s.data;
  }

  /**
   * Whether gradients flow into this tensor. Settable on leaves only (an op result requires grad
   * exactly when one of its inputs does).
   */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(flag: boolean) {
    if (typeof flag !== "boolean")
      throw new ChainruleError(`requiresGrad: expected a boolean, got ${describe(flag)}`);
    if (flag === this._requiresGrad) return;
    if (flag) checkCanRequireGrad(this.dtype, this.shape, "requiresGrad");
    if (!this.isLeaf) {
      if (this._requiresGrad) {
        throw new ChainruleError(
          `requiresGrad: can only be changed on leaf tensors; this one was made by ${this.op} from inputs that require grad (use detach())`,
        );
      }
      // No gradient could flow through this tensor's history, so it becomes a leaf, as in
      // PyTorch: `w = randn([3, 1]).mul(0.01); w.requiresGrad = true` makes a trainable weight.
      const w = this as unknown as {
        parents: readonly Tensor[];
        _op: null;
        _attrs: undefined;
        _versions: null;
      };
      w.parents = NO_PARENTS;
      w._op = null;
      w._attrs = undefined;
      w._versions = null;
    }
    this._requiresGrad = flag;
    if (flag) this._trainable = true;
  }

  /** True for tensors not made by a recorded op. */
  get isLeaf(): boolean {
    return this._op === null;
  }

  /**
   * ∂L/∂this for leaves with `requiresGrad` (and retained intermediates); `null` before any
   * backward. Assignable: `null`, or a `Tensor` of this tensor's shape and dtype (anything else
   * throws `ChainruleError` and leaves `.grad` as it was), so every later backward can add to it.
   */
  get grad(): Tensor | null {
    return this._grad;
  }

  set grad(value: Tensor | null) {
    if (
      value !== null &&
      !(value instanceof Tensor && value.dtype === this.dtype && sameShape(value.shape, this.shape))
    ) {
      const got =
        value instanceof Tensor ? `${value.dtype} Tensor ${fmtShape(value.shape)}` : describe(value);
      throw new ChainruleError(
        `grad: must be null or a ${this.dtype} Tensor of shape ${fmtShape(this.shape)}, got ${got}`,
      );
    }
    this._grad = value;
  }

  /**
   * @internal The local chain rule for the engine: checks that the recorded data is unchanged,
   * runs the op's backward, and sums broadcast gradients back to each input's shape.
   */
  _vjp(grad: Tensor): readonly (Tensor | null)[] {
    const def = this._op as OpDef<unknown>;
    const inputs = this.parents;
    checkSavedVersions(def, inputs, this, this._versions as readonly number[]);
    if (anomaly.on) anomalyCheckSaved(this, inputs);
    const needs = inputs.map((x) => x.requiresGrad);
    const grads = (def.backward as NonNullable<OpDef<unknown>["backward"]>)(grad, {
      inputs,
      result: this,
      attrs: this._attrs,
      needs,
    });
    return inputs.map((x, i) => {
      let g = grads[i];
      if (g === null || g === undefined || !needs[i]) return null;
      if (!sameShape(g.shape, x.shape)) g = ops.sumTo(g, x.shape, `${def.name} backward`);
      if (g.dtype !== x.dtype) {
        throw new ChainruleError(
          `${def.name} backward: gradient for input ${i} is ${g.dtype}, the input is ${x.dtype}`,
        );
      }
      return g;
    });
  }

  /**
   * Backpropagates from this tensor: ∂L/∂this = `gradOutput` (omit it only for a one-element
   * tensor, where it is 1), then the chain rule through the recorded graph. Leaves with
   * `requiresGrad` (and tensors that called `retainGrad()`) add this pass's gradient into
   * `.grad`. With `createGraph`, the backward pass is itself recorded, so `.grad` can be
   * differentiated again; `.grad` is then a new tensor, never modified in place.
   *
   * All or nothing: no `.grad` is written until the whole pass has succeeded, so a pass that
   * throws (a modified input, a failing hook, anomaly mode) leaves every `.grad` as it was.
   * Gradient hooks (`registerHook`) run on each tensor's gradient once it is complete.
   */
  backward(gradOutput?: Tensor | number | NestedNumbers, options?: { createGraph?: boolean }): void {
    const opts = checkOptions(options, "backward");
    const createGraph = checkBoolean(opts.createGraph, "backward", "createGraph", false);
    if (!this.requiresGrad) {
      throw new ChainruleError(
        `backward: this ${fmtShape(this.shape)} tensor does not require grad (no input had requiresGrad: true)`,
      );
    }
    const seed = seedGradient(this, gradOutput, "backward");
    const before = storagesCreated();
    const { nodes, grads } = withGradMode(createGraph, () =>
      backprop<Tensor, Tensor>([this], [seed], addGrads),
    );
    // the gradients that go to .grad, and how many of them use each storage
    const targets: number[] = [];
    const uses = new Map<Storage, number>();
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as Tensor;
      const g = grads[i];
      if (g === undefined || !(node.isLeaf || node._retain)) continue;
      targets.push(i);
      uses.set(g._s, (uses.get(g._s) ?? 0) + 1);
    }
    // A first gradient is adopted as it is when nothing else can hold its memory: this pass
    // created it (not the caller's gradOutput, not a saved tensor), no other .grad shares it
    // (add's backward hands ḡ to both inputs), no hook saw it and no custom op returned it
    // (`disown`). Otherwise `.grad` gets a copy; under createGraph always, as a recorded clone.
    const adopt = (g: Tensor) =>
      !createGraph && hookState.count === 0 && g._s.serial > before && uses.get(g._s) === 1;
    // Every new .grad is computed before any is assigned: nothing is written if one fails.
    const updates = withGradMode(createGraph, () =>
      targets.map((i): [Tensor, Tensor] => {
        const node = nodes[i] as Tensor;
        const g = grads[i] as Tensor;
        if (node._grad !== null) return [node, ops.add(node._grad, g)];
        return [node, adopt(g) ? g : ops.clone(g)];
      }),
    );
    for (const [node, g] of updates) node._grad = g;
  }

  /**
   * Registers `hook`, called during every backward pass (and `gradients`, `grad`…) that reaches
   * this tensor, with ∂L/∂this once it is complete (every use of this tensor has contributed),
   * before it flows on to the inputs this tensor was made from or is accumulated into `.grad`.
   * If the hook returns a tensor, that tensor replaces the gradient (it must have this tensor's
   * shape and dtype, else the pass throws `ChainruleError` and writes no `.grad`); returning
   * `undefined` keeps it. Several hooks run in registration order, each on the previous one's
   * result; across tensors, hooks run in backward order. The hook runs with recording off unless
   * the pass records (`createGraph`). Returns a handle whose `remove()` unregisters the hook.
   * Only tensors that require grad can have hooks (leaves or results of recorded ops).
   *
   * @example
   * const x = tensor([1, 2], { requiresGrad: true });
   * const h = x.registerHook((g) => g.mul(10));
   * x.mul(x).sum().backward();
   * x.grad?.toArray(); // [20, 40]  (2x, then ×10)
   * h.remove();
   */
  registerHook(hook: (grad: Tensor) => Tensor | undefined): RemovableHandle {
    const fn = checkFunction<(grad: Tensor) => unknown>(hook, "registerHook", "hook");
    if (!this.requiresGrad) {
      throw new ChainruleError(
        `registerHook: this ${fmtShape(this.shape)} tensor does not require grad, so no gradient reaches it`,
      );
    }
    const { shape, dtype } = this;
    return addGradientHook<Tensor>(this, (g) => {
      const r = fn(g);
      if (r === undefined) return g;
      if (!(r instanceof Tensor) || r.dtype !== dtype || !sameShape(r.shape, shape)) {
        const got = r instanceof Tensor ? `${r.dtype} Tensor ${fmtShape(r.shape)}` : describe(r);
        throw new ChainruleError(
          `registerHook: a hook must return undefined or a ${dtype} Tensor of shape ${fmtShape(shape)} (the gradient's), got ${got}`,
        );
      }
      return r;
    });
  }

  /** Keeps `.grad` of this non-leaf tensor after backward (leaves always keep it). */
  retainGrad(): this {
    if (!this.isLeaf) this._retain = true;
    return this;
  }

  // The op methods (x.exp(), x.add(y), x.sum(0), x.matmul(w), x.reshape(2, 3), …) are read from
  // the tables in ops/methods.ts, which installs them on the prototype; their types are merged
  // into the class below.

  // ---- conversions ----
  /** The single element of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new ChainruleError(
        `item: only one-element tensors convert to a number, got shape ${fmtShape(this.shape)}`,
      );
    }
    return this._s.data[0] as number;
  }
  /** Nested arrays (a number for a 0-d tensor); booleans for a bool tensor. */
  toArray(): NestedNumbers | NestedBooleans {
    return toNested(this._s.data, this.shape, this.dtype === "bool");
  }
  /**
   * What `JSON.stringify` writes: `{ shape, dtype, data }` with `data` as nested arrays (a number
   * for a 0-d tensor), never the internals. NaN and ±Infinity become `null`, as JSON has no
   * spelling for them; `tensor(json.data, { dtype: json.dtype })` rebuilds a finite tensor.
   *
   * @example
   * JSON.stringify(tensor([[1, 2], [3, 4]])); // '{"shape":[2,2],"dtype":"float64","data":[[1,2],[3,4]]}'
   */
  toJSON(): { shape: number[]; dtype: DType; data: NestedNumbers | NestedBooleans } {
    return { shape: [...this.shape], dtype: this.dtype, data: this.toArray() };
  }
  /** The same memory without history: a leaf that does not require grad. */
  detach(): Tensor {
    return Tensor._view(this._s, this.shape);
  }
  /** PyTorch-style text: `tensor([[1, 2], [3, 4]], dtype=float64, op=mul)`. */
  toString(): string {
    return formatTensor(this, this._s.data);
  }

  /** What `console.log` shows in Node: the same text as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return formatTensor(this, this._s.data);
  }
}

/** Nested arrays of numbers, as accepted by `tensor()` and returned by `toArray()`. */
export type NestedNumbers = number | NestedNumbers[];

/** Nested arrays of booleans, as accepted by `tensor()` and returned by a bool tensor's `toArray()`. */
export type NestedBooleans = boolean | NestedBooleans[];

/** Index arguments: arrays (nested for gather), integer typed arrays, or float tensors of integers. */
export type IndexLike =
  | readonly number[]
  | readonly (readonly number[])[]
  | NestedNumbers[]
  | ArrayLike<number>
  | Tensor;

const addGrads = (a: Tensor, b: Tensor): Tensor => ops.add(a, b);

/** ∂L/∂root for a backward pass: the given gradient (checked) or 1 for a one-element root. */
export function seedGradient(
  root: Tensor,
  gradOutput: Tensor | number | NestedNumbers | undefined,
  op: string,
): Tensor {
  if (gradOutput === undefined || gradOutput === null) {
    if (root.size !== 1) {
      throw new ChainruleError(
        `${op}: gradOutput is required for a non-scalar tensor of shape ${fmtShape(root.shape)} ` +
          "(pass a tensor of the same shape, e.g. onesLike(t))",
      );
    }
    return new Tensor(allocate(root.dtype, root.size).fill(1), root.shape);
  }
  let g: Tensor;
  if (gradOutput instanceof Tensor) g = gradOutput;
  else {
    const nested = readNested(gradOutput, root.dtype, `${op} gradOutput`);
    g = new Tensor(nested.data, nested.shape);
  }
  if (!sameShape(g.shape, root.shape)) {
    throw new ChainruleError(
      `${op}: gradOutput has shape ${fmtShape(g.shape)}, the tensor has ${fmtShape(root.shape)}`,
    );
  }
  if (g.dtype !== root.dtype) {
    throw new ChainruleError(`${op}: gradOutput is ${g.dtype}, the tensor is ${root.dtype}`);
  }
  return g;
}

// The methods of the op tables (ops/methods.ts); the class and this interface merge.
export interface Tensor extends TableMethods {}

// `var`: hoisted, so ops/methods.ts can read it (as undefined) before this file has run
var tensorLoaded: true | undefined;
/** @internal Whether tensor.ts has finished loading (see `installMethods` in ops/methods.ts). */
export function isTensorLoaded(): boolean {
  return tensorLoaded === true;
}
tensorLoaded = true;
installMethods();

// error messages can tell this copy's tensors from another copy's (see errors.ts)
markOwnClass(Tensor);
