/**
 * The model reading of the reports: a Linear + activation network as a list of stages (Linear
 * layer l, then an optional activation module; `linearStages`, used by `expandToScalars`), and a
 * Sequential of conv, pooling, norm, reshape, dropout, Linear and activation layers as one stage
 * per child (`modelStages`, used by `backpropReport`).
 */
import { ChainruleError, describe } from "../errors";
import { Conv2d } from "../nn/conv";
import {
  type ActivationName,
  Dropout,
  Flatten,
  type Layer,
  Linear,
  Sequential,
  Softmax,
  Unflatten,
} from "../nn/layers";
import { BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm } from "../nn/norm";
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from "../nn/pooling";
import { TransformerEncoderLayer } from "../nn/transformer";
import { type ActivationInfo, activationLabels, activationOf } from "../nn/unary-module";
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

/**
 * The layers `backpropReport` follows stage by stage (besides the activation modules). Each is
 * run on gradient-tracking views of its parameters (see report-compute.ts), so it needs a case there.
 */
export const REPORT_LAYERS = [
  "Linear",
  "Conv2d",
  "MaxPool2d",
  "AvgPool2d",
  "AdaptiveAvgPool2d",
  "Flatten",
  "Unflatten",
  "BatchNorm1d",
  "BatchNorm2d",
  "LayerNorm",
  "GroupNorm",
  "Dropout",
  "TransformerEncoderLayer",
] as const;

/** One of {@link REPORT_LAYERS}, or "activation" for an activation module. */
export type ModelStageKind = (typeof REPORT_LAYERS)[number] | "activation";

/** One child of a model as `backpropReport` reads it: every layer is a stage. */
export interface ModelStage {
  /** Its position in the model, from 0. */
  readonly index: number;
  /** The child name ("0"; "" for a bare Linear), the prefix of its parameter names. */
  readonly name: string;
  readonly kind: ModelStageKind;
  /** The class name: "Conv2d", "ReLU", …. */
  readonly className: string;
  /** "0: Conv2d(1 → 4, 3×3, padding 1)", "2: MaxPool2d(2)", "1: ReLU". */
  readonly label: string;
  readonly module: Layer;
  /** For an activation module: its op, label and `Value` op. */
  readonly activation: ActivationInfo | null;
}

type PairLike = number | readonly number[];

/** 2 → "2", [2, 3] → "2×3", [2, 2] → "2". */
function fmtPair(p: PairLike | string): string {
  if (typeof p === "string" || typeof p === "number") return String(p);
  return p.every((v) => v === p[0]) ? String(p[0]) : p.join("×");
}

function isDefault(p: PairLike | string | undefined, d: number): boolean {
  return p === undefined || p === d || (Array.isArray(p) && p.every((v) => v === d));
}

/** "Conv2d(1 → 4, 3×3, padding 1)", "MaxPool2d(2)", "ReLU": a layer's type and its settings. */
export function describeLayer(m: Layer): string {
  const cls = m.constructor?.name ?? "Layer";
  const opts = (pairs: [string, PairLike | string | undefined, number][]) =>
    pairs.filter(([, v, d]) => !isDefault(v, d)).map(([k, v]) => `, ${k} ${fmtPair(v as PairLike)}`);
  if (m instanceof Linear) return `Linear(${m.inFeatures} → ${m.outFeatures}${m.bias ? "" : ", no bias"})`;
  if (m instanceof Conv2d) {
    const extra = opts([
      ["stride", m.stride, 1],
      ["padding", m.padding, 0],
      ["dilation", m.dilation, 1],
      ["groups", m.groups, 1],
    ]).join("");
    return `Conv2d(${m.inChannels} → ${m.outChannels}, ${m.kernelSize.join("×")}${extra}${m.bias ? "" : ", no bias"})`;
  }
  if (m instanceof MaxPool2d || m instanceof AvgPool2d) {
    const o = m.options as { stride?: PairLike; padding?: PairLike; dilation?: PairLike };
    const k = m.kernelSize as PairLike;
    const stride =
      o.stride !== undefined && fmtPair(o.stride) !== fmtPair(k) ? `, stride ${fmtPair(o.stride)}` : "";
    const rest = opts([
      ["padding", o.padding, 0],
      ["dilation", o.dilation, 1],
    ]).join("");
    return `${cls}(${fmtPair(k)}${stride}${rest})`;
  }
  if (m instanceof AdaptiveAvgPool2d) return `AdaptiveAvgPool2d(${fmtPair(m.outputSize as PairLike)})`;
  if (m instanceof Flatten)
    return m.startDim === 1 && m.endDim === -1 ? "Flatten()" : `Flatten(${m.startDim}, ${m.endDim})`;
  if (m instanceof Unflatten) return `Unflatten(${m.dim}, [${m.sizes.join(", ")}])`;
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) return `${cls}(${m.numFeatures})`;
  if (m instanceof LayerNorm) return `LayerNorm([${m.normalizedShape.join(", ")}])`;
  if (m instanceof GroupNorm) return `GroupNorm(${m.numGroups}, ${m.numChannels})`;
  if (m instanceof Dropout) return `Dropout(${m.p})`;
  if (m instanceof TransformerEncoderLayer) {
    const a = m.self_attn;
    return `TransformerEncoderLayer(d ${a.embedDim}, ${a.numHeads} heads, feed-forward ${m.linear1.outFeatures}, ${m.normFirst ? "pre" : "post"}-norm)`;
  }
  return cls;
}

/** The kind of a supported layer, or null. */
function kindOf(m: unknown): ModelStageKind | null {
  const table: [new (...a: never[]) => unknown, ModelStageKind][] = [
    [Linear, "Linear"],
    [Conv2d, "Conv2d"],
    [MaxPool2d, "MaxPool2d"],
    [AvgPool2d, "AvgPool2d"],
    [AdaptiveAvgPool2d, "AdaptiveAvgPool2d"],
    [Flatten, "Flatten"],
    [Unflatten, "Unflatten"],
    [BatchNorm1d, "BatchNorm1d"],
    [BatchNorm2d, "BatchNorm2d"],
    [LayerNorm, "LayerNorm"],
    [GroupNorm, "GroupNorm"],
    [Dropout, "Dropout"],
    [TransformerEncoderLayer, "TransformerEncoderLayer"],
  ];
  for (const [cls, kind] of table) if (m instanceof cls) return kind;
  return activationOf(m) ? "activation" : null;
}

/**
 * Reads an `nn.Sequential` (or `nn.MLP`) whose children are each one of {@link REPORT_LAYERS} or
 * an activation module, or a bare `nn.Linear`, as a list of stages, one per child. Throws a
 * `ChainruleError` naming the first child that is not supported (nested Sequentials, attention,
 * recurrent layers, custom modules, …) and what is, and, for two Linear layers with only an
 * activation between them, one whose inputs do not match the other's outputs.
 */
export function modelStages(model: unknown, op: string): ModelStage[] {
  if (model instanceof Linear) {
    return [
      {
        index: 0,
        name: "",
        kind: "Linear",
        className: "Linear",
        label: describeLayer(model),
        module: model,
        activation: null,
      },
    ];
  }
  if (!(model instanceof Sequential)) {
    throw new ChainruleError(
      `${op}: model must be an nn.Sequential (or nn.MLP) of supported layers (${REPORT_LAYERS.join(", ")} and activations), or an nn.Linear; got ${describe(model)}`,
    );
  }
  const children = model.layers();
  if (children.length === 0) throw new ChainruleError(`${op}: the model has no layers`);
  return children.map((child, i) => {
    const name = String(i);
    const className = child?.constructor?.name ?? describe(child);
    const kind = kindOf(child);
    if (kind === null) {
      throw new ChainruleError(
        `${op}: layer ${name} is a ${className}; supported layers are ${REPORT_LAYERS.join(", ")} and the activations ${activationList()}`,
      );
    }
    if (child instanceof Linear) {
      // Linear, [activation,] Linear: the sizes must chain
      const back = children[i - 1] && activationOf(children[i - 1]) ? 2 : 1;
      const prev = children[i - back];
      if (prev instanceof Linear && prev.outFeatures !== child.inFeatures) {
        throw new ChainruleError(
          `${op}: layer ${name} (Linear ${child.inFeatures}→${child.outFeatures}) expects ${child.inFeatures} inputs, ` +
            `but layer ${i - back} (Linear ${prev.inFeatures}→${prev.outFeatures}) gives ${prev.outFeatures}`,
        );
      }
    }
    return {
      index: i,
      name,
      kind,
      className,
      label: `${name}: ${describeLayer(child)}`,
      module: child,
      activation: kind === "activation" ? activationOf(child) : null,
    };
  });
}
