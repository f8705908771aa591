/**
 * Whether operations are recorded into the graph. Recording is on by default; `noGrad` turns it
 * off for the duration of a (synchronous) function, e.g. for evaluation or optimizer updates.
 */
let enabled = true;

/** True when new operations are recorded into the computation graph. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` with recording set to `mode` and restores the previous mode afterwards, even if
 * `fn` throws. `fn` must be synchronous: the mode is global and is restored when `fn` returns.
 */
export function withGradMode<T>(mode: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/**
 * Runs `fn` without recording operations (like `torch.no_grad()`): results of tensor ops inside
 * have no parents and `requiresGrad === false`.
 *
 * @example
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2));
 * y.requiresGrad;        // false
 * w.mul(2).requiresGrad; // true
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording switched on, even inside `noGrad` (like `torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
