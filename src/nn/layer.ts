import { ChainruleError, describe } from "../errors";
import type { FloatDType } from "../tensor/dtype";
import type { Tensor } from "../tensor/tensor";
import { Module } from "./module";

/** A layer's `dtype` option: "float64" (the default when absent) or "float32"; anything else throws. */
export function floatDTypeOption(dtype: unknown, op: string): FloatDType {
  if (dtype === undefined) return "float64";
  if (dtype !== "float64" && dtype !== "float32")
    throw new ChainruleError(`${op}: dtype must be "float64" or "float32", got ${describe(dtype)}`);
  return dtype;
}

/** A module mapping one tensor to one tensor. */
export abstract class Layer extends Module {
  /** Computes the layer's output for the input `x` (recording the graph, as every op does). */
  abstract forward(x: Tensor): Tensor;
}
