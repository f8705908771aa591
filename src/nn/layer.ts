import type { Tensor } from "../tensor/tensor";
import { Module } from "./module";

/** A module mapping one tensor to one tensor. */
export abstract class Layer extends Module {
  /** Computes the layer's output for the input `x` (recording the graph, as every op does). */
  abstract forward(x: Tensor): Tensor;
}
