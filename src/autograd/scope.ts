/**
 * Module scopes: modules run their children inside `withScope(name, fn)`. While recording is on
 * (`recordScopes(fn)`), every graph node created is tagged with the scope path ("0", or
 * "layers.1/neurons.0" when nested), so diagrams can group a module's nodes into a box or
 * collapse them into one node. Tags live in a WeakMap and are only written while recording,
 * so ordinary training pays nothing.
 */
const tags = new WeakMap<object, string>();
const stack: string[] = [];
let recording = false;

/** Runs `fn` with scope recording on: nodes created inside are tagged with their module path. */
export function recordScopes<T>(fn: () => T): T {
  const previous = recording;
  recording = true;
  try {
    return fn();
  } finally {
    recording = previous;
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
