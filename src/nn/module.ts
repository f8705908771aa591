/**
 * `Module`: the base of every model. Parameters are discovered, PyTorch-style, from the
 * module's own enumerable properties: a property holding a parameter (a `Tensor` that requires
 * grad, or a `Value`), a child `Module`, or an array of those. Names are dotted paths
 * (`"0.weight"`, `"layers.1.neurons.0.w.2"`), in registration order.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { Value } from "../scalar/value";
import { Tensor } from "../tensor/tensor";

/** A trainable parameter: a tensor with `requiresGrad`, or a scalar `Value`. */
export type Parameter = Tensor | Value;

/** One entry of a state dict: JSON-serialisable. */
export interface StateEntry {
  shape: number[];
  dtype: "float64" | "float32";
  data: number[];
}

/** A module's parameters by dotted name. */
export type StateDict = Record<string, StateEntry>;

const isParameter = (x: unknown): x is Parameter =>
  x instanceof Value || (x instanceof Tensor && x.requiresGrad);

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

  /** The parameters with their dotted names, in registration order, each once. */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const visited = new Set<Module>();
    const visit = (name: string, x: unknown): void => {
      if (isParameter(x)) {
        if (!seen.has(x)) {
          seen.add(x);
          out.push([name, x]);
        }
      } else if (x instanceof Module) {
        if (visited.has(x)) return;
        visited.add(x);
        for (const [key, child] of Object.entries(x)) visit(name ? `${name}.${key}` : key, child);
      } else if (Array.isArray(x)) {
        x.forEach((item, i) => {
          if (isParameter(item) || item instanceof Module || Array.isArray(item)) visit(`${name}.${i}`, item);
        });
      }
    };
    visit("", this);
    return out;
  }

  /** A fresh array of the parameters, in registration order, without duplicates. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** The direct child modules with their property names. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const visit = (name: string, x: unknown): void => {
      if (x instanceof Module) out.push([name, x]);
      else if (Array.isArray(x)) {
        x.forEach((item, i) => {
          visit(`${name}.${i}`, item);
        });
      }
    };
    for (const [key, x] of Object.entries(this)) visit(key, x);
    return out;
  }

  /** This module and every module below it. */
  modules(): Module[] {
    const out: Module[] = [this];
    for (const [, child] of this.namedChildren()) out.push(...child.modules());
    return out;
  }

  /** Resets gradients: tensor `.grad` to `null`, `Value.grad` to 0. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      if (p instanceof Value) p.grad = 0;
      else p.grad = null;
    }
  }

  /** Training mode (dropout active) for this module and all below it. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** The parameters as `{ name: { shape, dtype, data } }`, copied and JSON-serialisable. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, p] of this.namedParameters()) {
      out[name] =
        p instanceof Value
          ? { shape: [], dtype: "float64", data: [p.data] }
          : { shape: Array.from(p.shape), dtype: p.dtype, data: Array.from(p._s.data) };
    }
    return out;
  }

  /**
   * Loads parameters saved by `stateDict()`. Every name, shape, dtype and value is checked
   * first (names must match exactly, values must be finite numbers); on any problem it throws
   * `ChainruleError` and leaves the module untouched.
   */
  loadStateDict(state: unknown): void {
    if (state === null || typeof state !== "object" || Array.isArray(state)) {
      throw new ChainruleError(
        `loadStateDict: expected an object of { shape, dtype, data } entries, got ${describe(state)}`,
      );
    }
    const entries = state as Record<string, unknown>;
    const named = this.namedParameters();
    const expected = new Set(named.map(([n]) => n));
    const missing = named.filter(([n]) => !(n in entries)).map(([n]) => n);
    const unexpected = Object.keys(entries).filter((n) => !expected.has(n));
    if (missing.length || unexpected.length) {
      const parts = [];
      if (missing.length) parts.push(`missing ${missing.join(", ")}`);
      if (unexpected.length) parts.push(`unexpected ${unexpected.join(", ")}`);
      throw new ChainruleError(`loadStateDict: names do not match the model: ${parts.join("; ")}`);
    }
    const updates: [Parameter, number[]][] = [];
    for (const [name, p] of named) {
      const e = entries[name] as Partial<StateEntry> | null;
      if (e === null || typeof e !== "object")
        throw new ChainruleError(`loadStateDict: ${name} must be an object, got ${describe(e)}`);
      const shape = p instanceof Value ? [] : Array.from(p.shape);
      const dtype = p instanceof Value ? "float64" : p.dtype;
      if (
        !Array.isArray(e.shape) ||
        e.shape.length !== shape.length ||
        e.shape.some((d, i) => d !== shape[i])
      ) {
        throw new ChainruleError(
          `loadStateDict: ${name} has shape ${Array.isArray(e.shape) ? fmtShape(e.shape) : describe(e.shape)}, the model expects ${fmtShape(shape)}`,
        );
      }
      if (e.dtype !== dtype)
        throw new ChainruleError(
          `loadStateDict: ${name} has dtype ${describe(e.dtype)}, the model expects ${dtype}`,
        );
      const size = shape.reduce((a, b) => a * b, 1);
      if (!Array.isArray(e.data) || e.data.length !== size) {
        throw new ChainruleError(
          `loadStateDict: ${name} needs ${size} numbers in data, got ${describe(e.data)}`,
        );
      }
      e.data.forEach((v, i) => {
        // a float32 parameter must also stay finite once rounded to float32
        const finite = typeof v === "number" && Number.isFinite(dtype === "float32" ? Math.fround(v) : v);
        if (!finite) {
          throw new ChainruleError(
            `loadStateDict: ${name}.data[${i}] is ${describe(v)}, expected a finite ${dtype} number`,
          );
        }
      });
      updates.push([p, e.data]);
    }
    for (const [p, data] of updates) {
      if (p instanceof Value) p.data = data[0] as number;
      else {
        p._s.data.set(data);
        p._bump();
      }
    }
  }
}
