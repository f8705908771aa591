/**
 * The optimizer base: holds the parameters (tensors or scalar `Value`s) and applies an update
 * rule element by element, in place, outside the graph. Tensor updates bump the version counter.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import type { Parameter } from "../nn/module";
import { Value } from "../scalar/value";
import type { FloatArray } from "../tensor/dtype";
import { readData, writeData } from "../tensor/storage";
import { Tensor } from "../tensor/tensor";

/**
 * One parameter as flat arrays: `data` and `grad` (for a `Value`, one-element copies written back
 * after the step), plus the optimizer's per-element state buffers.
 */
export interface Slot {
  readonly param: Parameter;
  readonly data: Float64Array | Float32Array;
  readonly grad: Float64Array | Float32Array;
  readonly state: Record<string, Float64Array>;
}

export abstract class Optimizer {
  /** The learning rate (schedulers change it between steps). */
  lr: number;
  /** Number of `step()` calls so far. */
  stepCount = 0;
  protected readonly params: readonly Parameter[];
  private readonly states = new Map<Parameter, Record<string, Float64Array>>();

  constructor(params: readonly Parameter[], lr: number, name: string) {
    if (!Array.isArray(params))
      throw new ChainruleError(
        `${name}: params must be an array of Tensors or Values, got ${describe(params)}`,
      );
    params.forEach((p, i) => {
      if (!(p instanceof Tensor || p instanceof Value)) {
        throw new ChainruleError(`${name}: parameter ${i} must be a Tensor or a Value, got ${describe(p)}`);
      }
    });
    if (typeof lr !== "number" || !(lr >= 0))
      throw new ChainruleError(`${name}: lr must be a number ≥ 0, got ${describe(lr)}`);
    this.params = Array.from(new Set(params));
    this.lr = lr;
  }

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    // check every gradient first, so a bad one changes nothing
    for (const p of this.params) {
      if (p instanceof Tensor && p.grad !== null && (p.grad.size !== p.size || p.grad.dtype !== p.dtype)) {
        throw new ChainruleError(
          `${this.constructor.name}.step: gradient ${fmtShape(p.grad.shape)} ${p.grad.dtype} does not match its parameter ${fmtShape(p.shape)} ${p.dtype}`,
        );
      }
    }
    this.stepCount++;
    for (const p of this.params) {
      let state = this.states.get(p);
      if (p instanceof Value) {
        const data = Float64Array.of(p.data);
        state ??= {};
        this.update({ param: p, data, grad: Float64Array.of(p.grad), state });
        p.data = data[0] as number;
      } else {
        if (p.grad === null) continue;
        state ??= {};
        // parameters require grad, so they (and their gradients) are floating
        const grad = readData(p.grad) as FloatArray;
        const slot = state;
        writeData(p, (data) => this.update({ param: p, data: data as FloatArray, grad, state: slot }));
      }
      this.states.set(p, state);
    }
  }

  /** Resets gradients: tensor `.grad` to `null`, `Value.grad` to 0. */
  zeroGrad(): void {
    for (const p of this.params) {
      if (p instanceof Value) p.grad = 0;
      else p.grad = null;
    }
  }

  /** A per-element state buffer of the slot, created (zero-filled) on first use. */
  protected buffer(slot: Slot, name: string): Float64Array {
    let b = slot.state[name];
    if (b === undefined) {
      b = new Float64Array(slot.data.length);
      slot.state[name] = b;
    }
    return b;
  }

  /** Counts one more update of this parameter and returns its step number t (1 on the first). */
  protected tick(slot: Slot): number {
    const t = (slot.state.step?.[0] ?? 0) + 1;
    slot.state.step = Float64Array.of(t);
    return t;
  }

  /** The update rule for one parameter. */
  protected abstract update(slot: Slot): void;
}

/** Checks an optimizer hyper-parameter. */
export function hyper(
  name: string,
  key: string,
  v: unknown,
  ok: (x: number) => boolean,
  range: string,
): number {
  if (typeof v !== "number" || !ok(v))
    throw new ChainruleError(`${name}: ${key} must be ${range}, got ${describe(v)}`);
  return v;
}
