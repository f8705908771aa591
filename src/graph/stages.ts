/**
 * A Linear + activation network as a list of stages (Linear layer l, then an optional
 * activation module), the model reading shared by `backpropReport` and `expandToScalars`.
 */
import { ChainruleError, describe } from "../errors";
import { GELU, LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Softmax, Tanh } from "../nn/layers";

/**
 * The activation modules a stage can end with, each with its name in the report: the one list
 * behind {@link StageActivation}, the model reading below and its error messages.
 */
const ACTIVATION_MODULES = [
  { module: ReLU, label: "ReLU", kind: "relu" },
  { module: Tanh, label: "Tanh", kind: "tanh" },
  { module: Sigmoid, label: "Sigmoid", kind: "sigmoid" },
  { module: LeakyReLU, label: "LeakyReLU", kind: "leakyRelu" },
  { module: GELU, label: "GELU", kind: "gelu" },
  { module: Softmax, label: "Softmax", kind: "softmax" },
] as const;

/** Every activation a stage can end with, "identity" first (a Linear with no activation after it). */
export const STAGE_ACTIVATIONS = ["identity", ...ACTIVATION_MODULES.map((a) => a.kind)] as const;

/** The activations a stage can end with; `"identity"` when a Linear has no activation after it. */
export type StageActivation = "identity" | (typeof ACTIVATION_MODULES)[number]["kind"];

/** @internal One layer of a Linear + activation network. */
export interface Stage {
  /** l, from 1. */
  readonly index: number;
  readonly linear: Linear;
  /** The Linear's child name in the model ("0"), as in the parameter names "0.weight". */
  readonly linearName: string;
  readonly activation: StageActivation;
  /** The activation module, or null for "identity". */
  readonly activationModule: InstanceType<(typeof ACTIVATION_MODULES)[number]["module"]> | null;
  /** Its child name in the model ("1"), or null. */
  readonly activationName: string | null;
}

const labels = ACTIVATION_MODULES.map((a) => a.label);
/** "ReLU, Tanh, Sigmoid, LeakyReLU, GELU or Softmax", for error messages. */
const ACTIVATION_LIST = `${labels.slice(0, -1).join(", ")} or ${labels.at(-1)}`;

function activationKind(m: unknown): StageActivation | null {
  return ACTIVATION_MODULES.find((a) => m instanceof a.module)?.kind ?? null;
}

/**
 * @internal Splits an `nn.Sequential` (or `nn.MLP`) of Linear layers, each optionally followed by
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
        activationName: null,
      });
      return;
    }
    const act = activationKind(child);
    if (act === null) {
      throw new ChainruleError(
        `${op}: layer ${name} is a ${kind}; only Linear layers, each optionally followed by one ${ACTIVATION_LIST}, are supported`,
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
      activation: act,
      activationModule: child as Stage["activationModule"],
      activationName: name,
    };
  });
  return stages;
}
