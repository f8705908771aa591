/**
 * Whether operations are recorded into the graph. Recording is on by default; `noGrad` turns it
 * off for the duration of a (synchronous) function, e.g. for evaluation or optimizer updates.
 */
import { checkFunction } from "../validate";
import { refusePromise } from "./anomaly";

let enabled = true;

/** True when new operations are recorded into the computation graph. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` with recording set to `mode` and restores the previous mode afterwards, even if
 * `fn` throws. `fn` must be synchronous: the mode is global and is restored when `fn` returns,
 * so a promise returned by `fn` is refused with a `ChainruleError` (naming `op`), after the mode
 * is restored.
 */
export function withGradMode<T>(mode: boolean, fn: () => T, op = "withGradMode"): T {
  const previous = enabled;
  enabled = mode;
  let result: T;
  try {
    result = fn();
  } finally {
    enabled = previous;
  }
  refusePromise(
    result,
    op,
    "await outside it, or call noGrad inside the async function around each synchronous part",
  );
  return result;
}

/**
 * Runs `fn` without recording operations (like `torch.no_grad()`): results of tensor ops inside
 * have no parents and `requiresGrad === false`. `fn` must be synchronous: an `async` function
 * (anything returning a promise) throws `ChainruleError`, since its code after the first `await`
 * would run with recording back on.
 *
 * @example
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2));
 * y.requiresGrad;        // false
 * w.mul(2).requiresGrad; // true
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, checkFunction<() => T>(fn, "noGrad", "fn"), "noGrad");
}

/**
 * Runs `fn` with recording switched on, even inside `noGrad` (like `torch.enable_grad()`).
 * Synchronous only, as `noGrad`.
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, checkFunction<() => T>(fn, "enableGrad", "fn"), "enableGrad");
}
