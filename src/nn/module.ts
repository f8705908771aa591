/**
 * `Module`: the base of every model. Parameters are discovered, PyTorch-style, from the
 * module's own enumerable properties: a property holding a parameter (a `Tensor` that requires
 * grad, or a `Value`), a child `Module`, or an array of those. Names are dotted paths
 * (`"0.weight"`, `"layers.1.neurons.0.w.2"`), in registration order. Buffers (non-trainable state
 * such as running statistics) are properties named with `registerBuffer`: found by the same walk,
 * saved by `stateDict()`, never returned by `parameters()`.
 */
import type { RemovableHandle } from "../autograd/hooks";
import { addModuleHook, type BackwardHook, type ForwardHook } from "../autograd/module-hooks";
import { ChainruleError, describe, fmtShape, markOwnClass } from "../errors";
import { Value } from "../scalar/value";
import { allocate, type DType } from "../tensor/dtype";
import { readData, writeData } from "../tensor/storage";
import { Tensor } from "../tensor/tensor";
import { checkBoolean, checkOptions } from "../validate";

/** A trainable parameter: a tensor with `requiresGrad`, or a scalar `Value`. */
export type Parameter = Tensor | Value;

/** One entry of a state dict: JSON-serialisable. */
export interface StateEntry {
  shape: number[];
  /** A parameter's is "float64" or "float32"; a buffer may also be "int32" or "bool" (0/1). */
  dtype: DType;
  data: number[];
}

/** A module's parameters and persistent buffers by dotted name. */
export type StateDict = Record<string, StateEntry>;

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Also load NaN and ±Infinity (default false: a state holding them is refused). */
  allowNonFinite?: boolean;
}

/** Options of `Module.registerBuffer`. */
export interface RegisterBufferOptions {
  /** Whether `stateDict()` saves it and `loadStateDict` expects it (default true, as PyTorch). */
  persistent?: boolean;
}

/** Each module's buffers: property name → persistent. Kept off the module (no extra property). */
const bufferNames = new WeakMap<object, Map<string, boolean>>();

/** Names for an error message: the first ten (each cut at 60 characters), then how many more. */
function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 10).map((n) => (n.length > 60 ? `${n.slice(0, 60)}…` : n));
  return names.length > 10 ? `${shown.join(", ")} and ${names.length - 10} more` : shown.join(", ");
}

/**
 * `describe` for values read from a state dict (parsed files, user objects): an object is named
 * by its built-in tag (`Object`, `Float64Array of length 3`), never through its own
 * `constructor` or `shape` properties, which a hostile file controls.
 */
function describeInput(x: unknown): string {
  if (x === null || typeof x !== "object" || Array.isArray(x)) return describe(x);
  const tag = Object.prototype.toString.call(x).slice(8, -1);
  return ArrayBuffer.isView(x) && "length" in x ? `${tag} of length ${x.length}` : tag;
}

/** A shape read from a state dict, for an error message: `[2,3]` if it is one, else described. */
function formatShapeInput(shape: unknown): string {
  const isShape =
    Array.isArray(shape) &&
    shape.length <= 32 &&
    Array.from(shape, (d: unknown) => typeof d === "number").every(Boolean);
  return isShape ? fmtShape(shape) : describeInput(shape);
}

/**
 * A `Value`, or a leaf tensor that requires grad or once did: a weight frozen with
 * `requiresGrad = false` stays a parameter (as a frozen `nn.Parameter` does in PyTorch), while a
 * tensor that never required grad (a buffer such as a running mean) and an op result stored on
 * the module (not a leaf) are not parameters.
 */
const isParameter = (x: unknown): x is Parameter =>
  x instanceof Value || (x instanceof Tensor && x.isLeaf && (x.requiresGrad || x._trainable));

/** What discovery follows: a parameter, a module, or an array of them. */
const isFollowed = (x: unknown): boolean => isParameter(x) || x instanceof Module || Array.isArray(x);

/** A property on the way down: its dotted name, what it holds, and for a buffer, whether it persists. */
type Slot = [name: string, value: unknown, persistent?: boolean];

/** A buffer found by `walk`: its dotted name, its tensor, and whether `stateDict` saves it. */
type OnBuffer = (name: string, t: Tensor, persistent: boolean) => void;

/**
 * Walks the module tree below `root` depth-first in registration order (own enumerable
 * properties, array items by index), with an explicit stack and visiting each module and each
 * array once by identity: shared modules, cycles (a child holding its parent, an array holding
 * itself) and deep chains are safe. `onModule` sees each module once, under its first name;
 * `onParameter` sees every slot holding a parameter (a shared parameter may come twice), and
 * `onBuffer` every registered buffer property holding a tensor that is not a parameter, at its
 * property's place in the order.
 */
function walk(
  root: Module,
  onModule: ((name: string, m: Module) => void) | null,
  onParameter: ((name: string, p: Parameter) => void) | null,
  onBuffer: OnBuffer | null = null,
): void {
  const seen = new Set<object>();
  const stack: Slot[] = [["", root]];
  for (let slot = stack.pop(); slot !== undefined; slot = stack.pop()) {
    const [name, x, persistent] = slot;
    if (persistent !== undefined && !isParameter(x)) {
      onBuffer?.(name, x as Tensor, persistent);
      continue;
    }
    if (isParameter(x)) {
      onParameter?.(name, x);
      continue;
    }
    if (seen.has(x as object)) continue;
    seen.add(x as object);
    const below: Slot[] = [];
    if (x instanceof Module) {
      onModule?.(name, x);
      const buffers = bufferNames.get(x);
      for (const [key, child] of Object.entries(x)) {
        const persistent = buffers?.get(key);
        const slot: Slot = [name ? `${name}.${key}` : key, child];
        if (persistent !== undefined && child instanceof Tensor && !isParameter(child)) slot.push(persistent);
        below.push(slot);
      }
    } else {
      const items = x as unknown[];
      for (let i = 0; i < items.length; i++) below.push([`${name}.${i}`, items[i]]);
    }
    for (let i = below.length - 1; i >= 0; i--) {
      const b = below[i] as Slot;
      if (b[2] !== undefined || isFollowed(b[1])) stack.push(b);
    }
  }
}

/**
 * The base class of models and layers: subclasses assign parameters (tensors with
 * `requiresGrad`, or `Value`s), child modules and arrays of them to their own properties, and
 * `Module` finds them for `parameters()`, `namedParameters()`, `zeroGrad()`, `stateDict()` and
 * `loadStateDict()`.
 *
 * @example
 * class TwoLayer extends nn.Module {
 *   fc1 = new nn.Linear(4, 8);
 *   fc2 = new nn.Linear(8, 3);
 *   forward(x: Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 * new TwoLayer().namedParameters().map(([name]) => name); // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
 */
export abstract class Module {
  /** Whether the module is in training mode (dropout active). Toggled by `train()` / `eval()`. */
  training = true;

  /**
   * Registers `hook(module, inputs, output)`, called after every `forward` of this module with
   * the arguments it was given and what it returned; a hook returning anything but `undefined`
   * replaces the output (the next hook and the caller see the replacement). Hooks run in
   * registration order. Returns a handle whose `remove()` unregisters the hook.
   *
   * @example
   * const layer = new nn.Linear(2, 3);
   * const h = layer.registerForwardHook((_m, _inputs, out) => console.log((out as Tensor).shape));
   * layer.forward(tensor([[1, 2]])); // prints [1, 3]
   * h.remove();
   */
  registerForwardHook(hook: ForwardHook<this>): RemovableHandle {
    return addModuleHook(this, "forward", hook, "registerForwardHook");
  }

  /**
   * Registers `hook(module, gradInputs, gradOutputs)`, called during backward once the gradients
   * of a `forward` call's inputs through this module are complete (PyTorch's
   * `register_full_backward_hook`): `gradInputs[i]` is ∂L/∂(argument i) (`null` for arguments
   * that are not tensors requiring grad), `gradOutputs[j]` is ∂L/∂(output tensor j). Returning an
   * array of the same length replaces the input gradients (each `null` or a tensor of that input's
   * shape and dtype, else `ChainruleError`). Tensor arguments and outputs only (outputs may be
   * nested arrays of tensors; scalar `Value` modules are not hooked). Only calls made while
   * recording are hooked; while a backward hook is registered, each call adds `backwardHook`
   * identity nodes to the graph.
   * Returns a handle whose `remove()` unregisters the hook.
   */
  registerFullBackwardHook(hook: BackwardHook<this>): RemovableHandle {
    return addModuleHook(this, "backward", hook, "registerFullBackwardHook");
  }

  /** The parameters with their dotted names, in registration order, each once. */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    walk(this, null, (name, p) => {
      if (seen.has(p)) return;
      seen.add(p);
      out.push([name, p]);
    });
    return out;
  }

  /** A fresh array of the parameters, in registration order, without duplicates. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Registers a buffer (PyTorch's `register_buffer`): non-trainable state, such as a running
   * mean, that `stateDict()` saves and `loadStateDict` restores but `parameters()` never returns.
   * The tensor (or `null`: a slot for one, skipped until a tensor is assigned) is stored as the
   * own enumerable property `name` and returned; assigning another tensor to that property later
   * replaces the buffer. `name` must be a non-empty string without ".", not inherited (a method)
   * and not a property already holding anything but a buffer or `undefined`; the tensor must not
   * require grad (a trainable tensor is a parameter). Otherwise `ChainruleError`.
   *
   * @param options.persistent default true; false keeps the buffer out of `stateDict()`.
   * @example
   * class Counter extends nn.Module {
   *   readonly w = tensor([1, 2], { requiresGrad: true });
   *   readonly steps = this.registerBuffer("steps", tensor([0], { dtype: "int32" }));
   * }
   * const m = new Counter();
   * m.namedBuffers().map(([name]) => name); // ["steps"]
   * m.parameters().length;                  // 1
   * Object.keys(m.stateDict());             // ["w", "steps"]
   */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, options?: RegisterBufferOptions): T {
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw new ChainruleError(
        `registerBuffer: name must be a non-empty string without ".", got ${describe(name)}`,
      );
    }
    const opts = checkOptions(options, "registerBuffer");
    const persistent = checkBoolean(opts.persistent, "registerBuffer", "persistent", true);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new ChainruleError(
        `registerBuffer: buffer ${name} must be a Tensor or null, got ${describe(tensor)}`,
      );
    }
    if (tensor !== null && (tensor.requiresGrad || tensor._trainable)) {
      throw new ChainruleError(
        `registerBuffer: buffer ${name} must not require grad (a trainable tensor is a parameter)`,
      );
    }
    const buffers = bufferNames.get(this);
    const own = Object.hasOwn(this, name);
    const current: unknown = own ? (this as Record<string, unknown>)[name] : undefined;
    const free =
      buffers?.has(name) ||
      (own ? current === undefined || current === null : !(name in this) || name === "__proto__");
    if (!free || (current instanceof Tensor && isParameter(current))) {
      throw new ChainruleError(
        `registerBuffer: ${describe(this)} already has a property ${name} that is not a buffer`,
      );
    }
    Object.defineProperty(this, name, {
      value: tensor,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    if (buffers) buffers.set(name, persistent);
    else bufferNames.set(this, new Map([[name, persistent]]));
    return tensor;
  }

  /**
   * The buffers of this module and every module below it with their dotted names, in
   * registration order, each tensor once (non-persistent ones included).
   *
   * @example
   * class Norm extends nn.Module {
   *   readonly inner = new nn.Linear(2, 2);
   *   readonly running_var = this.registerBuffer("running_var", tensor([1, 1]));
   * }
   * new Norm().namedBuffers().map(([name, t]) => [name, t.shape]); // [["running_var", [2]]]
   */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    walk(this, null, null, (name, t) => {
      if (seen.has(t)) return;
      seen.add(t);
      out.push([name, t]);
    });
    return out;
  }

  /**
   * A fresh array of the buffers (see `namedBuffers`), in registration order, without duplicates.
   *
   * @example
   * new nn.Linear(2, 2).buffers(); // []
   */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /**
   * The direct child modules with their property names (array items as `name.i`), each module
   * once, under its first name.
   */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<object>();
    const stack: Slot[] = Object.entries(this).reverse();
    for (let slot = stack.pop(); slot !== undefined; slot = stack.pop()) {
      const [name, x] = slot;
      if (!(x instanceof Module || Array.isArray(x)) || seen.has(x)) continue;
      seen.add(x);
      if (x instanceof Module) out.push([name, x]);
      else for (let i = x.length - 1; i >= 0; i--) stack.push([`${name}.${i}`, x[i]]);
    }
    return out;
  }

  /**
   * This module (named `""`) and every module below it with their dotted names, depth-first in
   * registration order, each once (shared modules and cycles are safe).
   */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    walk(this, (name, m) => out.push([name, m]), null);
    return out;
  }

  /** This module and every module below it, each once, depth-first in registration order. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * The direct child modules (see `namedChildren`), in registration order, each once.
   *
   * @example
   * const net = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
   * net.children().map((m) => m.constructor.name); // ["Linear", "ReLU"]
   */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * Calls `fn(module)` on every module below this one and then on this one, children before
   * their parent as in PyTorch's `apply`, each module once (a shared module is not visited
   * twice, and cycles are safe); returns `this`. Typical use: re-initialising weights.
   *
   * @example
   * const inner = new nn.Sequential(new nn.Linear(2, 2));
   * const net = new nn.Sequential(inner, new nn.ReLU());
   * const order: string[] = [];
   * net.apply((m) => order.push(m.constructor.name));
   * order; // ["Linear", "Sequential", "ReLU", "Sequential"]
   */
  apply(fn: (module: Module) => void): this {
    if (typeof fn !== "function")
      throw new ChainruleError(`apply: fn must be a function, got ${describe(fn)}`);
    const seen = new Set<Module>([this]);
    // post-order with an explicit stack: each frame is a module and its children not yet entered
    const stack: [Module, Module[]][] = [[this, this.children().reverse()]];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as [Module, Module[]];
      const next = frame[1].pop();
      if (next === undefined) {
        stack.pop();
        fn(frame[0]);
      } else if (!seen.has(next)) {
        seen.add(next);
        stack.push([next, next.children().reverse()]);
      }
    }
    return this;
  }

  /** Resets gradients: tensor `.grad` to `null`, `Value.grad` to 0 (frozen parameters too). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      if (p instanceof Value) p.grad = 0;
      else p.grad = null;
    }
  }

  /** Training mode (dropout active) for this module and all below it; `train(false)` is `eval()`. */
  train(mode = true): this {
    checkBoolean(mode, "train", "mode");
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * The parameters, frozen ones included, and the persistent buffers, in one walk: each once,
   * in registration order (a buffer at its property's place), as `stateDict` lists them.
   */
  private namedState(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const add = (name: string, p: Parameter) => {
      if (seen.has(p)) return;
      seen.add(p);
      out.push([name, p]);
    };
    walk(this, null, add, (name, t, persistent) => {
      if (persistent) add(name, t);
    });
    return out;
  }

  /**
   * The parameters, frozen ones included, and the persistent buffers (see `registerBuffer`) as
   * `{ name: { shape, dtype, data } }`: copies, in registration order, JSON-serialisable except for NaN and ±Infinity, which JSON has no numbers
   * for (`saveModel` writes them faithfully). Every name is an own property of the result, even
   * one like `__proto__` or `constructor`.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, p] of this.namedState()) {
      const entry: StateEntry =
        p instanceof Value
          ? { shape: [], dtype: "float64", data: [p.data] }
          : { shape: Array.from(p.shape), dtype: p.dtype, data: Array.from(readData(p)) };
      // defineProperty, not `out[name] =`: a parameter named `__proto__` must stay a key
      Object.defineProperty(out, name, {
        value: entry,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  /**
   * Loads parameters and persistent buffers saved by `stateDict()` (or parsed back from its JSON),
   * or a record of tensors by name (`fromSafetensors`, or any `{ name: Tensor }`).
   * Everything is checked before anything is written: the state's own enumerable keys must be
   * exactly their names (inherited keys do not count), and each entry must be a `Tensor`, or an
   * object whose `shape` equals the tensor's, whose `dtype` is the tensor's, and whose `data` is
   * an array (or a `Float64Array`/`Float32Array`) of exactly `size` numbers, without holes, finite
   * once rounded to the dtype (an int32 buffer takes integers in its range, a bool buffer 0 and
   * 1). A `Tensor` entry is held to the same rules: same shape, same dtype (no silent conversion:
   * convert it with `astype`, or build the model with the file's dtype), finite values. A
   * scalar `Value` parameter takes a 0-d float64 tensor. On any problem it throws `ChainruleError` and leaves the module untouched (no
   * value written, no version bumped). Values are written in place, −0 and subnormals exactly (a
   * `Tensor` entry's bytes are copied as they are, NaN payloads included);
   * `requiresGrad` is left alone (a frozen parameter stays frozen), and a graph recorded before the
   * load refuses to backpropagate.
   *
   * @example
   * const m = new nn.Linear(2, 1);
   * m.loadStateDict({ weight: tensor([[0.5, -1]]), bias: tensor([2]) });
   * m.forward(tensor([[1, 1]])).toArray(); // [[1.5]]
   *
   * @param options.allowNonFinite also load NaN and ±Infinity (default false; `loadModel` sets it
   *   to restore exactly what `saveModel` wrote).
   */
  loadStateDict(state: unknown, options?: LoadStateDictOptions): void {
    if (state === null || typeof state !== "object" || Array.isArray(state)) {
      throw new ChainruleError(
        `loadStateDict: expected an object of Tensors or { shape, dtype, data } entries, got ${describeInput(state)}`,
      );
    }
    const opts = checkOptions(options, "loadStateDict");
    const allowNonFinite = checkBoolean(opts.allowNonFinite, "loadStateDict", "allowNonFinite", false);
    const entries = state as Record<string, unknown>;
    const given = Object.keys(entries); // own enumerable keys: nothing from the prototype chain
    const givenSet = new Set(given);
    const named = this.namedState();
    const expected = new Set(named.map(([n]) => n));
    const missing = named.filter(([n]) => !givenSet.has(n)).map(([n]) => n);
    const unexpected = given.filter((n) => !expected.has(n));
    if (missing.length || unexpected.length) {
      const parts = [];
      if (missing.length) parts.push(`missing ${listNames(missing)}`);
      if (unexpected.length) parts.push(`unexpected ${listNames(unexpected)}`);
      throw new ChainruleError(`loadStateDict: names do not match the model: ${parts.join("; ")}`);
    }
    const updates: [Parameter, ReturnType<typeof allocate>][] = [];
    for (const [name, p] of named) {
      const e = entries[name]; // an own key (checked above), so never an Object.prototype member
      if (e === null || typeof e !== "object")
        throw new ChainruleError(`loadStateDict: ${name} must be an object, got ${describeInput(e)}`);
      // each field is read once: what is checked is what is written. A Tensor is read through its
      // storage, never through properties a subclass could override.
      const isTensor = e instanceof Tensor;
      const { shape, dtype, data } = isTensor
        ? { shape: e.shape, dtype: e.dtype, data: readData(e) }
        : (e as { shape?: unknown; dtype?: unknown; data?: unknown });
      const want = p instanceof Value ? [] : p.shape;
      const wantDtype = p instanceof Value ? "float64" : p.dtype;
      if (!Array.isArray(shape) || shape.length !== want.length || want.some((d, i) => shape[i] !== d)) {
        throw new ChainruleError(
          `loadStateDict: ${name} has shape ${formatShapeInput(shape)}, the model expects ${fmtShape(want)}`,
        );
      }
      if (dtype !== wantDtype)
        throw new ChainruleError(
          `loadStateDict: ${name} has dtype ${isTensor ? dtype : describeInput(dtype)}, the model expects ${wantDtype}` +
            (isTensor ? ` (convert it with .astype("${wantDtype}"))` : ""),
        );
      const size = p instanceof Value ? 1 : p.size;
      const isList =
        Array.isArray(data) ||
        data instanceof Float64Array ||
        data instanceof Float32Array ||
        (isTensor && (data instanceof Int32Array || data instanceof Uint8Array));
      if (!isList || data.length !== size) {
        throw new ChainruleError(
          `loadStateDict: ${name} needs ${size} numbers in data, got ${describeInput(data)}`,
        );
      }
      const values = allocate(wantDtype, size);
      const integral = wantDtype === "int32" || wantDtype === "bool";
      for (let i = 0; i < size; i++) {
        // indexed reads, not forEach: a hole in a sparse array reads as undefined and is refused
        const v: unknown = data[i];
        // a float32 parameter must also stay finite once rounded to float32
        const ok =
          typeof v === "number" &&
          (integral
            ? wantDtype === "bool"
              ? v === 0 || v === 1
              : Number.isInteger(v) && v >= -2147483648 && v <= 2147483647
            : allowNonFinite || Number.isFinite(wantDtype === "float32" ? Math.fround(v) : v));
        if (!ok) {
          const what =
            wantDtype === "bool"
              ? "0 or 1 (bool)"
              : integral
                ? "an int32 integer"
                : `a ${allowNonFinite ? "" : "finite "}${wantDtype} number`;
          throw new ChainruleError(
            `loadStateDict: ${name}.data[${i}] is ${describeInput(v)}, expected ${what}`,
          );
        }
        values[i] = v as number;
      }
      // a tensor of the same dtype: its bytes as they are (a NaN keeps its payload)
      if (isTensor) values.set(data as ArrayLike<number>);
      updates.push([p, values]);
    }
    for (const [p, values] of updates) {
      if (p instanceof Value) p.data = values[0] as number;
      else {
        writeData(p, (data) => data.set(values));
      }
    }
  }
}

/**
 * @internal The parameters (frozen ones included) and persistent buffers of `m`, by name, as
 * `stateDict()` lists them, but the objects themselves rather than copies: for writers that need
 * the raw storage (`toSafetensors`).
 */
export function namedStateOf(m: Module): [string, Parameter][] {
  return (m as unknown as { namedState(): [string, Parameter][] }).namedState();
}

// error messages can tell this copy's modules from another copy's (see errors.ts)
markOwnClass(Module);
