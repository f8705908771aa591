/**
 * Gradient hooks on graph nodes (`Tensor.registerHook`): functions the backward engine calls with
 * a node's gradient once it is complete (every use of the node has contributed), before the
 * gradient flows on to the node's parents or is accumulated into `.grad`. A hook may return a
 * replacement gradient. Hooks live in a WeakMap beside the nodes, so a node without hooks carries
 * nothing, and a backward pass tests one counter to know whether to look them up at all.
 */
import { ChainruleError } from "../errors";

/** What `registerHook`, `registerForwardHook` and `registerFullBackwardHook` return. */
export interface RemovableHandle {
  /** Unregisters the hook; later passes no longer call it. Calling it again does nothing. */
  remove(): void;
}

/** A hook as the engine calls it: takes the complete gradient, returns the one that flows on. */
export type GradientHook<G> = (grad: G) => G;

/** @internal The engine's test: whether any node has hooks (`state.count > 0`). */
export const hookState = { count: 0 };

const hooks = new WeakMap<object, GradientHook<unknown>[]>();

/**
 * @internal Registers `hook` on `node` (after its other hooks). `hook` has been wrapped by the
 * caller to validate what the user's function returns.
 */
export function addGradientHook<G>(node: object, hook: GradientHook<G>): RemovableHandle {
  let list = hooks.get(node);
  if (list === undefined) {
    list = [];
    hooks.set(node, list);
  }
  const entry = hook as GradientHook<unknown>;
  list.push(entry);
  hookState.count++;
  let removed = false;
  return {
    remove() {
      if (removed) return;
      removed = true;
      const l = hooks.get(node);
      const i = l === undefined ? -1 : l.indexOf(entry);
      if (l !== undefined && i >= 0) l.splice(i, 1);
      hookState.count--;
    },
  };
}

/**
 * @internal Runs the hooks of `node` on its complete gradient, in registration order, each on the
 * previous one's result; returns the gradient that flows on (`grad` itself when there are none).
 */
export function runGradientHooks<G>(node: object, grad: G): G {
  const list = hooks.get(node);
  if (list === undefined || list.length === 0) return grad;
  let g: unknown = grad;
  for (const hook of [...list]) g = hook(g);
  if (g === undefined || g === null) throw new ChainruleError("registerHook: a hook lost the gradient");
  return g as G;
}
