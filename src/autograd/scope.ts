/**
 * Module scopes: modules run their children inside `withScope(name, fn)`. While recording is on
 * (`recordScopes(fn)`), every graph node created is tagged with the scope path ("0", or
 * "layers.1/neurons.0" when nested), so diagrams can group a module's nodes into a box or
 * collapse them into one node. Tags live in a WeakMap and are only written while recording,
 * so ordinary training pays nothing. Given the model (`recordScopes(fn, model)`), every module
 * in it runs in the scope of its own name, whatever code calls it.
 */
import { ChainruleError, describe } from "../errors";

const tags = new WeakMap<object, string>();
const stack: string[] = [];
let recording = false;

/** What `recordScopes` needs of a model: an `nn.Module`, read structurally (this layer sits below nn). */
export interface ScopedModel {
  namedChildren(): [string, ScopedModel][];
}

/**
 * Runs `fn` with scope recording on: nodes created inside are tagged with their module path.
 * Without `model`, the paths are the ones modules push themselves (`Sequential` runs child i in
 * scope "i"). With `model`, every module below it runs in the scope of its names from the model
 * down, one segment per level ("encoder/self_attn"), however its parent calls it: a custom
 * module's `this.conv1.forward(x)` is tagged "conv1". Each module's `forward` is wrapped for the
 * duration of `fn` and restored afterwards.
 *
 * @example
 * class Net extends nn.Module {
 *   conv = new nn.Conv2d(1, 2, 3);
 *   head = new nn.Linear(8, 1);
 *   forward(x) { return this.head.forward(this.conv.forward(x).relu().flatten(1)); }
 * }
 * const net = new Net();
 * const y = recordScopes(() => net.forward(zeros([1, 1, 4, 4])), net);
 * scopeOf(y); // "head"
 * scopeOf(y.parents[0].parents[0].parents[0]); // "conv"
 */
export function recordScopes<T>(fn: () => T, model?: ScopedModel): T {
  if (model !== undefined && typeof (model as { namedChildren?: unknown })?.namedChildren !== "function")
    throw new ChainruleError(`recordScopes: model must be an nn.Module, got ${describe(model)}`);
  const restore = model === undefined ? [] : scopeEveryModule(model);
  const previous = recording;
  recording = true;
  try {
    return fn();
  } finally {
    recording = previous;
    for (let i = restore.length - 1; i >= 0; i--) (restore[i] as () => void)();
  }
}

/**
 * Wraps the `forward` of every module below `model` (each once, under its first name) so that
 * it runs with the scope path set to that name; returns the functions that undo each wrap.
 */
function scopeEveryModule(model: ScopedModel): (() => void)[] {
  const restore: (() => void)[] = [];
  const seen = new Set<object>([model]);
  const visit = (m: ScopedModel, path: readonly string[]) => {
    for (const [name, child] of m.namedChildren()) {
      if (seen.has(child)) continue;
      seen.add(child);
      const own = [...path, name];
      const target = child as unknown as { forward?: (...args: unknown[]) => unknown };
      const inner = target.forward;
      if (typeof inner === "function") {
        const descriptor = Object.getOwnPropertyDescriptor(child, "forward");
        Object.defineProperty(child, "forward", {
          configurable: true,
          writable: true,
          value: function scoped(this: unknown, ...args: unknown[]) {
            return withScopePath(own, () => inner.apply(this, args));
          },
        });
        restore.push(() => {
          if (descriptor) Object.defineProperty(child, "forward", descriptor);
          else delete target.forward;
        });
      }
      visit(child, own);
    }
  };
  visit(model, []);
  return restore;
}

/** Runs `fn` with the scope path replaced by `path` (restored afterwards). */
function withScopePath<T>(path: readonly string[], fn: () => T): T {
  const saved = stack.splice(0, stack.length, ...path);
  try {
    return fn();
  } finally {
    stack.splice(0, stack.length, ...saved);
  }
}

/** Runs `fn` with `name` pushed on the scope path. */
export function withScope<T>(name: string, fn: () => T): T {
  stack.push(name);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/** @internal Tags a freshly created node with the current scope path, if any. */
export function tagScope(node: object): void {
  if (recording && stack.length > 0) tags.set(node, stack.join("/"));
}

/** The scope path a node was created in (`undefined` outside any scope). */
export function scopeOf(node: object): string | undefined {
  return tags.get(node);
}
