/**
 * Module hooks (`Module.registerForwardHook`, `Module.registerFullBackwardHook`), PyTorch's
 * semantics in chainrule's setting, where layers are called through `forward` itself.
 *
 * The single place hooks run is the module's `forward`: registering the first hook on a module
 * installs a wrapper as its own non-enumerable `forward` property (parameter discovery, which
 * reads own enumerable properties, does not see it), and removing the last hook restores the
 * module as it was. So a module without hooks pays nothing, and every caller (`Sequential`, user
 * code) runs the hooks.
 *
 * A full backward hook needs ∂L/∂inputs *through this module* and ∂L/∂outputs, all of one call,
 * before the input gradients flow on. As in PyTorch (`BackwardHook`), the call's tensors are
 * routed through identity nodes: the grad-requiring inputs (and, separately, the outputs) are
 * gathered by one `backwardHook` node, and the module sees one `backwardHookView` per tensor (the
 * same memory). The engine visits the gathering node after all its views, i.e. when every
 * gradient of the call is complete: there the hook runs and may replace the input gradients.
 * These nodes appear in diagrams while a backward hook is registered.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { sameShape } from "../tensor/broadcast";
import { apply } from "../tensor/ops/apply";
import { disown, readData, storageOf } from "../tensor/storage";
import { type OpDef, Tensor } from "../tensor/tensor";
import { checkFunction } from "../validate";
import { anomaly } from "./anomaly";
import { isGradEnabled } from "./grad-mode";
import type { RemovableHandle } from "./hooks";

/**
 * A forward hook: called after `module.forward(...inputs)` returned `output`; returning anything
 * but `undefined` replaces the output.
 */
export type ForwardHook<M = unknown> = (module: M, inputs: readonly unknown[], output: unknown) => unknown;

/**
 * A full backward hook: called during backward once the gradients with respect to the module's
 * inputs (through this module) are computed. `gradInputs[i]` is ∂L/∂(argument i) for each
 * positional argument of `forward` (`null` for arguments that are not tensors requiring grad),
 * `gradOutputs[j]` is ∂L/∂(output tensor j) (`null` where no gradient arrived; outputs in order,
 * nested arrays flattened). Returning an array of the same length replaces the input gradients
 * (`null` stops the gradient for that input); `undefined` keeps them.
 */
export type BackwardHook<M = unknown> = (
  module: M,
  gradInputs: readonly (Tensor | null)[],
  gradOutputs: readonly (Tensor | null)[],
) => readonly (Tensor | null | undefined)[] | undefined;

interface Entry<F> {
  readonly fn: F;
}

interface Hooks {
  readonly forward: Entry<ForwardHook>[];
  readonly backward: Entry<BackwardHook>[];
  /** The module's own `forward` property before the wrapper, if it had one. */
  readonly own: PropertyDescriptor | undefined;
}

const registry = new WeakMap<object, Hooks>();

/** @internal Registers a forward or full backward hook on `module` (see `Module`). */
export function addModuleHook(
  module: object,
  kind: "forward" | "backward",
  hook: unknown,
  op: string,
): RemovableHandle {
  const fn = checkFunction<ForwardHook & BackwardHook>(hook, op, "hook");
  if (typeof (module as { forward?: unknown }).forward !== "function") {
    throw new ChainruleError(`${op}: the module has no forward method to hook`);
  }
  let hooks = registry.get(module);
  if (hooks === undefined) {
    hooks = { forward: [], backward: [], own: Object.getOwnPropertyDescriptor(module, "forward") };
    registry.set(module, hooks);
    install(module, hooks);
  }
  const list = hooks[kind] as Entry<unknown>[];
  const entry: Entry<unknown> = { fn };
  list.push(entry);
  const h = hooks;
  return {
    remove() {
      const i = list.indexOf(entry);
      if (i < 0) return;
      list.splice(i, 1);
      if (h.forward.length === 0 && h.backward.length === 0 && registry.get(module) === h) {
        registry.delete(module);
        if (h.own) Object.defineProperty(module, "forward", h.own);
        else delete (module as { forward?: unknown }).forward;
      }
    },
  };
}

/** Puts the hook-running wrapper in front of the module's current `forward`. */
function install(module: object, hooks: Hooks): void {
  const inner = (module as { forward: (...args: unknown[]) => unknown }).forward;
  function forward(this: unknown, ...args: unknown[]): unknown {
    const backward = hooks.backward.length > 0 && isGradEnabled() ? [...hooks.backward] : null;
    const call = backward ? routeInputs(module, backward, args) : null;
    let output = inner.apply(this, call ? call.args : args);
    for (const { fn } of [...hooks.forward]) {
      const r = fn(module, args, output);
      if (r !== undefined) output = r;
    }
    return call ? routeOutputs(output, call) : output;
  }
  Object.defineProperty(module, "forward", {
    value: forward,
    enumerable: false,
    configurable: true,
    writable: true,
  });
}

// ---- full backward hooks: the gathering node and its views ----

/** One call of a hooked module, as its backward sees it. */
interface Call {
  readonly module: object;
  /** The backward hooks registered when the call ran. */
  readonly hooks: readonly Entry<BackwardHook>[];
  /** The arguments the module's forward gets (grad-requiring tensors replaced by views). */
  readonly args: unknown[];
  /** The original arguments. */
  readonly original: readonly unknown[];
  /** Which arguments were routed through the input gathering node, in order. */
  readonly routed: number[];
  /** ∂L/∂outputs of the current pass, set when the output gathering node runs. */
  gradOutputs: (Tensor | null)[] | null;
}

/** The attributes of a gathering node: the slots its views fill and what to do when complete. */
interface Gather {
  readonly slots: (Tensor | null)[];
  /** Given this pass's slot gradients (one per gathered tensor), the gradients to pass on. */
  readonly done: (grads: (Tensor | null)[]) => readonly (Tensor | null)[];
}

const empty = () => new Tensor(new Float64Array(0), [0]);

/** Gathers its inputs into one node (an empty result) whose backward completes a call. */
const gatherDef: OpDef<Gather> = {
  name: "backwardHook",
  saves: "none",
  forward: () => ({ shape: [0], data: new Float64Array(0) }),
  backward: (_g, { attrs }) => {
    const grads = attrs.slots.slice();
    attrs.slots.fill(null);
    const out = attrs.done(grads);
    // the module's hooks saw these (and may keep them or return their own): `.grad` gets copies
    for (const t of [...grads, ...out]) if (t instanceof Tensor) disown(t);
    return out;
  },
};

/** A view of gathered tensor `index` (its memory, its shape), whose gradient fills a slot. */
const viewDef: OpDef<{ source: Tensor; gather: Gather; index: number }> = {
  name: "backwardHookView",
  saves: "none",
  forward: (_inputs, { source }) => ({
    shape: source.shape,
    data: readData(source),
    storage: storageOf(source),
  }),
  backward: (g, { attrs }) => {
    attrs.gather.slots[attrs.index] = g;
    return [empty()];
  },
};

/** Routes `tensors` through one gathering node; returns their views. */
function gather(tensors: readonly Tensor[], done: Gather["done"]): Tensor[] {
  const attrs: Gather = { slots: tensors.map(() => null), done };
  const node = apply(gatherDef, tensors, attrs);
  // the views repeat data that is not new: anomaly mode's forward check must not judge them
  anomaly.quiet++;
  try {
    return tensors.map((source, index) => apply(viewDef, [node], { source, gather: attrs, index }));
  } finally {
    anomaly.quiet--;
  }
}

function routeInputs(module: object, hooks: readonly Entry<BackwardHook>[], args: readonly unknown[]): Call {
  const routed = args.flatMap((a, i) => (a instanceof Tensor && a.requiresGrad ? [i] : []));
  const call: Call = { module, hooks, args: [...args], original: args, routed, gradOutputs: null };
  if (routed.length === 0) return call;
  // completed after the module's outputs (the inputs come before them in the graph): run the hooks
  const views = gather(
    routed.map((i) => args[i] as Tensor),
    (grads) => runBackwardHooks(call, grads),
  );
  routed.forEach((i, k) => {
    call.args[i] = views[k];
  });
  return call;
}

function routeOutputs(output: unknown, call: Call): unknown {
  const outs: Tensor[] = [];
  collectTensors(output, outs);
  const live = outs.filter((t) => t.requiresGrad);
  if (live.length === 0) return output;
  const views = gather(live, (grads) => {
    // ∂L/∂outputs, in output order (null for outputs that do not require grad or got nothing)
    let k = 0;
    call.gradOutputs = outs.map((t) => (t.requiresGrad ? (grads[k++] ?? null) : null));
    // no input takes a gradient: the hook runs now (it cannot change anything upstream)
    if (call.routed.length === 0) runBackwardHooks(call, []);
    return grads;
  });
  const byTensor = new Map(live.map((t, k) => [t, views[k] as Tensor]));
  return replaceTensors(output, byTensor);
}

/** Runs a call's backward hooks with its input gradients; returns the ones to pass on. */
function runBackwardHooks(call: Call, grads: (Tensor | null)[]): (Tensor | null)[] {
  const { module, hooks } = call;
  const gradOutputs = call.gradOutputs ?? [];
  call.gradOutputs = null;
  let gradInputs: (Tensor | null)[] = call.original.map(() => null);
  call.routed.forEach((i, k) => {
    gradInputs[i] = grads[k] ?? null;
  });
  for (const { fn } of hooks) {
    const r = fn(module, gradInputs.slice(), gradOutputs.slice());
    if (r !== undefined) gradInputs = checkReplacement(r, call);
  }
  return call.routed.map((i) => gradInputs[i] ?? null);
}

/** Validates what a backward hook returned: one gradient (or null) per input, shapes and dtypes kept. */
function checkReplacement(r: unknown, call: Call): (Tensor | null)[] {
  const n = call.original.length;
  if (!Array.isArray(r) || r.length !== n) {
    throw new ChainruleError(
      `registerFullBackwardHook: a hook must return undefined or an array of ${n} gradients (one per forward argument), got ${describe(r)}`,
    );
  }
  return r.map((g, i) => {
    if (g === null || g === undefined) return null;
    const x = call.original[i];
    if (!(x instanceof Tensor && x.requiresGrad)) {
      throw new ChainruleError(
        `registerFullBackwardHook: argument ${i} takes no gradient (${describe(x)}), but the hook returned ${describe(g)} for it`,
      );
    }
    if (!(g instanceof Tensor) || g.dtype !== x.dtype || !sameShape(g.shape, x.shape)) {
      const got = g instanceof Tensor ? `${g.dtype} Tensor ${fmtShape(g.shape)}` : describe(g);
      throw new ChainruleError(
        `registerFullBackwardHook: the gradient for argument ${i} must be null or a ${x.dtype} Tensor of shape ${fmtShape(x.shape)}, got ${got}`,
      );
    }
    return g;
  });
}

/** The tensors of a forward result: a tensor, or (nested) arrays holding tensors. */
function collectTensors(x: unknown, out: Tensor[]): void {
  if (x instanceof Tensor) out.push(x);
  else if (Array.isArray(x)) for (const item of x) collectTensors(item, out);
}

function replaceTensors(x: unknown, by: ReadonlyMap<Tensor, Tensor>): unknown {
  if (x instanceof Tensor) return by.get(x) ?? x;
  if (Array.isArray(x)) return x.map((item) => replaceTensors(item, by));
  return x;
}
