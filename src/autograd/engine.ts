/**
 * The one backward engine shared by scalar `Value`s and `Tensor`s.
 *
 * A graph node knows its parents (the operands it was made from) and how to turn the gradient
 * of the loss with respect to itself, ∂L/∂node, into one gradient per parent (its
 * vector-Jacobian product). The engine does the rest:
 *
 * 1. sort the nodes reachable from the roots topologically, iteratively with an explicit
 *    stack (a chain of millions of ops cannot overflow the call stack);
 * 2. seed ∂L/∂root and walk the order backwards, so each node is visited after every node that
 *    uses it, i.e. once its gradient is complete;
 * 3. at each node apply the chain rule, ∂L/∂parent += ∂L/∂node · ∂node/∂parent, summing the
 *    contributions of every path (a node used twice gets the sum of both).
 *
 * It returns the gradient of every reached node for this pass only; what to store where (`.grad`
 * of every `Value`, of tensor leaves, of retained tensors) is the caller's policy.
 *
 * Two debugging extras take a separate walk, chosen once per pass so ordinary passes pay nothing:
 * gradient hooks (`hooks.ts`), run on a node's gradient once it is complete, and anomaly mode
 * (`anomaly.ts`), which checks every backward step for NaN/±Infinity from finite numbers.
 */
import { anomaly, anomalyBackward } from "./anomaly";
import { hookState, runGradientHooks } from "./hooks";

/**
 * A node of the computation graph as users see it: a `Value` or a `Tensor`. `G` is the gradient
 * type: `number` or `Tensor`.
 */
export interface GraphNode<G> {
  /** The operands this node was computed from (empty for a leaf). */
  readonly parents: readonly GraphNode<G>[];
  /** Whether gradients flow into this node at all (constants and detached values say no). */
  readonly requiresGrad: boolean;
}

/**
 * @internal What the engine needs from a node besides the public `GraphNode`: fast access to the
 * operands, the local chain rule, and two scratch fields. Not exported from the package.
 */
export interface EngineNode<G> extends GraphNode<G> {
  /**
   * How the engine reads the operands: their number and operand `i`. (Scalar nodes keep their
   * two operands in fields rather than an array, to stay small; `parents` builds the array.)
   */
  readonly _arity: number;
  _parent(i: number): EngineNode<G>;
  /**
   * The local chain rule: given ∂L/∂this, returns ∂L/∂parent for each parent (`null` where
   * there is none, e.g. for a parent that does not require grad).
   */
  _vjp(grad: G): readonly (G | null)[];
  /** Scratch for the engine: the epoch of the last topological sort that reached this node. */
  _mark: number;
  /** Scratch for the engine: this node's index in the running pass's order. */
  _pos: number;
}

let epoch = 0;
let activePasses = 0;

/**
 * Returns every node reachable from `roots` through parents that `requiresGrad`, parents before
 * children (so the reverse of the result is a valid backward order).
 *
 * Iterative depth-first post-order with an explicit stack: a node is first *entered* (its
 * unvisited parents are pushed above it) and, when it is on top again, all its parents are done,
 * so it is *emitted*. `_mark` tells the two states apart for this sort: 2·epoch for entered,
 * 2·epoch + 1 for emitted.
 */
export function topoSort<N extends EngineNode<unknown>>(roots: readonly N[]): N[] {
  epoch++;
  const entered = 2 * epoch;
  const emitted = entered + 1;
  const order: N[] = [];
  const stack: N[] = [];
  for (let r = 0; r < roots.length; r++) {
    const root = roots[r] as N;
    if (root.requiresGrad) stack.push(root);
  }
  stack.reverse(); // so the first root is expanded first
  while (stack.length > 0) {
    const node = stack[stack.length - 1] as N;
    if (node._mark === entered) {
      stack.pop();
      node._mark = emitted;
      order.push(node);
    } else if (node._mark === emitted) {
      stack.pop(); // a second path reached it after it was emitted
    } else {
      node._mark = entered;
      for (let i = node._arity - 1; i >= 0; i--) {
        const parent = node._parent(i) as N;
        if (parent._mark < entered && parent.requiresGrad) stack.push(parent);
      }
    }
  }
  return order;
}

/** The outcome of one backward pass: the reached nodes and their gradients, index for index. */
export interface BackwardPass<N, G> {
  /** Every node the pass reached, in topological order (parents first). */
  readonly nodes: readonly N[];
  /** ∂L/∂node for each of `nodes` (`undefined` where no gradient arrived). */
  readonly grads: readonly (G | undefined)[];
}

/**
 * Runs one backward pass from `roots`, seeded with `seeds` (∂L/∂root), and returns every
 * reached node with its gradient from this pass. `add` sums two contributions; `zero` (if
 * given) is the starting value of every node's accumulator.
 *
 * Gradients accumulate in an array indexed by each node's position in the order (`_pos`); for
 * scalars (`zero = 0`) it is a packed array of doubles, so the pass allocates no number boxes.
 * A pass started from inside another (a custom op whose backward differentiates something)
 * restores the positions it shares with the outer pass when it ends.
 */
export function backprop<N extends EngineNode<G>, G>(
  roots: readonly N[],
  seeds: readonly G[],
  add: (a: G, b: G) => G,
  zero?: G,
): BackwardPass<N, G> {
  const order = topoSort(roots);
  const n = order.length;
  const saved = activePasses > 0 ? order.map((node) => node._pos) : null;
  for (let i = 0; i < n; i++) (order[i] as N)._pos = i;
  const grads = new Array<G | undefined>(n).fill(zero);
  activePasses++;
  try {
    for (let r = 0; r < roots.length; r++) {
      const root = roots[r] as N;
      if (!root.requiresGrad) continue;
      const prev = grads[root._pos];
      grads[root._pos] = prev === undefined ? seeds[r] : add(prev, seeds[r] as G);
    }
    // one test per pass: hooks and anomaly mode take the slower walk, ordinary passes the fast one
    if (anomaly.on || hookState.count > 0) applyChainRuleChecked(order, grads, add);
    else applyChainRule(order, grads, add);
    return { nodes: order, grads };
  } finally {
    activePasses--;
    if (saved !== null) for (let i = 0; i < n; i++) (order[i] as N)._pos = saved[i] as number;
  }
}

/**
 * Walks `order` backwards, pushing each node's gradient to its parents (the chain rule):
 * ∂L/∂parent += contribution, for every edge.
 */
function applyChainRule<N extends EngineNode<G>, G>(
  order: readonly N[],
  grads: (G | undefined)[],
  add: (a: G, b: G) => G,
): void {
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i] as N;
    const grad = grads[i];
    if (grad === undefined || node._arity === 0) continue;
    accumulate(node, node._vjp(grad), grads, add);
  }
}

/**
 * `applyChainRule` with the debugging extras: each node's gradient hooks run once its gradient is
 * complete (their result replaces it, so it is what flows on and what `.grad` receives), and in
 * anomaly mode each backward step's gradients are checked for NaN/±Infinity from finite numbers.
 */
function applyChainRuleChecked<N extends EngineNode<G>, G>(
  order: readonly N[],
  grads: (G | undefined)[],
  add: (a: G, b: G) => G,
): void {
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i] as N;
    let grad = grads[i];
    if (grad === undefined) continue;
    if (hookState.count > 0) {
      grad = runGradientHooks(node, grad);
      grads[i] = grad;
    }
    if (node._arity === 0) continue;
    let parentGrads: readonly (G | null)[];
    if (anomaly.on) {
      anomaly.quiet++;
      try {
        parentGrads = node._vjp(grad);
      } finally {
        anomaly.quiet--;
      }
      anomalyBackward(node as unknown as Parameters<typeof anomalyBackward>[0], grad, parentGrads);
    } else parentGrads = node._vjp(grad);
    accumulate(node, parentGrads, grads, add);
  }
}

/** The chain rule's sum at one node: ∂L/∂parent += its contribution, for each parent. */
function accumulate<N extends EngineNode<G>, G>(
  node: N,
  parentGrads: readonly (G | null | undefined)[],
  grads: (G | undefined)[],
  add: (a: G, b: G) => G,
): void {
  for (let j = 0; j < parentGrads.length; j++) {
    const g = parentGrads[j];
    const parent = node._parent(j) as N;
    if (g === null || g === undefined || !parent.requiresGrad) continue;
    const prev = grads[parent._pos];
    grads[parent._pos] = prev === undefined ? g : add(prev, g);
  }
}
