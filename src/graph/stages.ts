/**
 * A Linear + activation network as a list of stages (Linear layer l, then an optional
 * activation module), the model reading shared by `backpropReport` and `expandToScalars`.
 */
import { ChainruleError, describe } from "../errors";
import { type ActivationName, type Layer, Linear, Sequential, Softmax } from "../nn/layers";
import { activationLabels, activationOf } from "../nn/unary-module";
import type { ScalarOp } from "../scalar/value";

/**
 * The activations a stage can end with: an activation module's op ("relu", "elu", …, "softmax"; see
 * nn/unary-module.ts, whose registry the model reading below consults), or `"identity"` when a
 * Linear has no activation after it.
 */
export type StageActivation = "identity" | ActivationName;

/** One layer of a Linear + activation network (not exported from the package root). */
export interface Stage {
  /** l, from 1. */
  readonly index: number;
  readonly linear: Linear;
  /** The Linear's child name in the model ("0"), as in the parameter names "0.weight". */
  readonly linearName: string;
  readonly activation: StageActivation;
  /** The activation module, or null for "identity". */
  readonly activationModule: Layer | null;
  /** The activation's `Value` op (σ and σ′ on numbers); null for "identity" and softmax. */
  readonly scalar: ScalarOp | null;
  /** Its child name in the model ("1"), or null. */
  readonly activationName: string | null;
}

/** "ReLU, Tanh, …, ELU or Softmax", for error messages. */
function activationList(): string {
  const labels = activationLabels();
  return `${labels.slice(0, -1).join(", ")} or ${labels.at(-1)}`;
}

/**
 * Splits an `nn.Sequential` (or `nn.MLP`) of Linear layers, each optionally followed by
 * one activation module, into stages; a bare `nn.Linear` is one stage. Throws a `ChainruleError`
 * naming the first child that does not fit.
 */
export function linearStages(model: unknown, op: string): Stage[] {
  if (model instanceof Linear) {
    return [
      {
        index: 1,
        linear: model,
        linearName: "",
        activation: "identity",
        activationModule: null,
        scalar: null,
        activationName: null,
      },
    ];
  }
  if (!(model instanceof Sequential)) {
    throw new ChainruleError(
      `${op}: model must be an nn.Sequential (or nn.MLP) of Linear layers and activations, or an nn.Linear; got ${describe(model)}`,
    );
  }
  const children = model.layers();
  if (children.length === 0) throw new ChainruleError(`${op}: the model has no layers`);
  const stages: Stage[] = [];
  children.forEach((child, i) => {
    const name = String(i);
    const kind = child.constructor?.name ?? describe(child);
    if (child instanceof Linear) {
      const prev = stages[stages.length - 1];
      if (prev && prev.linear.outFeatures !== child.inFeatures) {
        throw new ChainruleError(
          `${op}: layer ${name} (Linear ${child.inFeatures}→${child.outFeatures}) expects ${child.inFeatures} inputs, ` +
            `but layer ${prev.linearName} (Linear ${prev.linear.inFeatures}→${prev.linear.outFeatures}) gives ${prev.linear.outFeatures}`,
        );
      }
      stages.push({
        index: stages.length + 1,
        linear: child,
        linearName: name,
        activation: "identity",
        activationModule: null,
        scalar: null,
        activationName: null,
      });
      return;
    }
    const act = activationOf(child);
    if (act === null) {
      throw new ChainruleError(
        `${op}: layer ${name} is a ${kind}; only Linear layers, each optionally followed by one ${activationList()}, are supported`,
      );
    }
    const prev = stages[stages.length - 1];
    if (prev === undefined || prev.activation !== "identity" || String(i - 1) !== prev.linearName) {
      throw new ChainruleError(
        `${op}: layer ${name} (${kind}) must directly follow a Linear layer` +
          (prev === undefined ? "; the model must start with a Linear" : `, but it follows an activation`),
      );
    }
    if (child instanceof Softmax && child.axis !== -1) {
      throw new ChainruleError(
        `${op}: layer ${name} (Softmax over axis ${child.axis}): only softmax over the last axis (the features) is supported`,
      );
    }
    stages[stages.length - 1] = {
      ...prev,
      activation: act.op as StageActivation,
      activationModule: child,
      scalar: act.scalar,
      activationName: name,
    };
  });
  return stages;
}
