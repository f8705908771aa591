/**
 * micrograd's `nn`, on scalar `Value`s: one node per weight, so every multiply-add of a
 * neuron appears in the graph (and in its diagram).
 */

import { withScope } from "../../autograd/scope";
import { globalGenerator } from "../../random";
import { Value } from "../../scalar/value";
import { checkBoolean, checkInt, checkOptions, fail } from "../../validate";
import { Module } from "../module";

const scopeNames = new Map<string, string[]>();

/** "neurons.3" without building the string on every forward pass. */
function scopeName(kind: string, i: number): string {
  let names = scopeNames.get(kind);
  if (names === undefined) scopeNames.set(kind, (names = []));
  return (names[i] ??= `${kind}.${i}`);
}

/** Options of a scalar neuron. */
export interface NeuronOptions {
  /** Apply ReLU to the output (micrograd's `nonlin`); default true. */
  nonlin?: boolean;
}

/**
 * One neuron: out = relu(b + Σᵢ wᵢ·xᵢ) (or linear with `nonlin: false`). Weights are
 * −1 + 2u with u drawn from the global generator, the bias 0.
 */
export class Neuron extends Module {
  readonly w: Value[];
  readonly b: Value;
  readonly nonlin: boolean;

  /** `nin` inputs (an integer ≥ 0); `options.nonlin` (default true) applies ReLU. */
  constructor(nin: number, options?: NeuronOptions) {
    super();
    checkInt(nin, "Neuron", "nin", 0);
    const nonlin = checkBoolean(checkOptions(options, "Neuron").nonlin, "Neuron", "nonlin", true);
    const rng = globalGenerator();
    this.w = Array.from({ length: nin }, () => new Value(-1 + 2 * rng.next()));
    this.b = new Value(0);
    this.nonlin = nonlin;
  }

  /** b + w₀x₀ + w₁x₁ + …, then ReLU if `nonlin`. */
  forward(x: readonly (Value | number)[]): Value {
    let act = this.b;
    for (let i = 0; i < this.w.length; i++) act = act.add((this.w[i] as Value).mul(x[i] as Value | number));
    return this.nonlin ? act.relu() : act;
  }
}

/** A layer of `nout` independent neurons over the same inputs. */
export class Layer extends Module {
  readonly neurons: Neuron[];

  /** `nout` neurons of `nin` inputs each (integers ≥ 0). */
  constructor(nin: number, nout: number, options?: NeuronOptions) {
    super();
    checkInt(nin, "Layer", "nin", 0);
    checkInt(nout, "Layer", "nout", 0);
    checkOptions(options, "Layer");
    this.neurons = Array.from({ length: nout }, () => new Neuron(nin, options));
  }

  /** Every neuron's output for the inputs `x`. */
  forward(x: readonly (Value | number)[]): Value[] {
    return this.neurons.map((n, i) => withScope(scopeName("neurons", i), () => n.forward(x)));
  }
}

/** A multi-layer perceptron: ReLU layers, the last one linear. `new MLP(2, [16, 16, 1])`. */
export class MLP extends Module {
  readonly layers: Layer[];

  /** `nin` inputs, then one layer per entry of `nouts` (integers ≥ 0). */
  constructor(nin: number, nouts: readonly number[]) {
    super();
    checkInt(nin, "MLP", "nin", 0);
    if (!Array.isArray(nouts)) fail("MLP", "nouts", "an array of integers ≥ 0", nouts);
    for (let i = 0; i < nouts.length; i++) checkInt(nouts[i], "MLP", `nouts[${i}]`, 0);
    const sizes = [nin, ...nouts];
    this.layers = nouts.map(
      (nout, i) => new Layer(sizes[i] as number, nout, { nonlin: i !== nouts.length - 1 }),
    );
  }

  /** The outputs of the last layer (one `Value` per output unit). */
  forward(x: readonly (Value | number)[]): Value[] {
    let h: readonly (Value | number)[] = x;
    this.layers.forEach((layer, i) => {
      h = withScope(scopeName("layers", i), () => layer.forward(h));
    });
    return h as Value[];
  }
}
