/**
 * The fused nn ops: `linear`, `dropout` and the losses, each one graph node with its forward
 * kernel and backward formula (see functional.ts and losses.ts). Like the tensor op table
 * (tensor/ops/table.ts) one level up; the op-table test walks both, so an op added here is
 * gradchecked too. Keys are unique; two keys may share an op name (`crossEntropy` with class
 * indices or with probabilities).
 */
import type { OpDef } from "../tensor/tensor";
import { conv1dOp, conv2dOp, conv2dWeightOp, convTranspose2dOp, foldOp, unfoldOp } from "./convolution";
import { dropoutOp, linearOp } from "./functional";
import {
  bceOp,
  bceWithLogitsOp,
  crossEntropyOp,
  crossEntropySoftOp,
  hingeOp,
  huberOp,
  klDivOp,
  l1Op,
  mseOp,
  nllOp,
  smoothL1Op,
} from "./losses";
import {
  adaptiveAvgPool2dOp,
  avgPool2dOp,
  avgPoolSpreadOp,
  maxPool2dOp,
  poolScatterOp,
  poolSelectOp,
} from "./pooling";

/** Every fused nn op by key (see the file comment). */
export const nnOpTable = {
  linear: linearOp,
  dropout: dropoutOp,
  unfold: unfoldOp,
  fold: foldOp,
  conv1d: conv1dOp,
  conv2d: conv2dOp,
  conv2dWeight: conv2dWeightOp,
  convTranspose2d: convTranspose2dOp,
  maxPool2d: maxPool2dOp,
  poolSelect: poolSelectOp,
  poolScatter: poolScatterOp,
  avgPool2d: avgPool2dOp,
  adaptiveAvgPool2d: adaptiveAvgPool2dOp,
  avgPoolSpread: avgPoolSpreadOp,
  crossEntropy: crossEntropyOp,
  crossEntropySoft: crossEntropySoftOp,
  nll: nllOp,
  mse: mseOp,
  bce: bceOp,
  bceWithLogits: bceWithLogitsOp,
  hinge: hingeOp,
  l1: l1Op,
  huber: huberOp,
  smoothL1: smoothL1Op,
  klDiv: klDivOp,
} as const satisfies Record<string, OpDef<never, never>>;

/** The key of a fused nn op. */
export type NnOpKey = keyof typeof nnOpTable;
