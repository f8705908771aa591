/** Neural-network building blocks, exported from the root as the `nn` namespace. */

export {
  MultiheadAttention,
  type MultiheadAttentionForwardOptions,
  type MultiheadAttentionOptions,
  type ScaledDotProductAttentionOptions,
  scaledDotProductAttention,
} from "./attention";
export { Conv1d, type Conv1dModuleOptions, Conv2d, type Conv2dModuleOptions } from "./conv";
export {
  ConvTranspose2d,
  type ConvTranspose2dModuleOptions,
  type ConvTranspose2dOptions,
  convTranspose2d,
} from "./conv-transpose";
export {
  type Conv1dOptions,
  type Conv2dOptions,
  conv1d,
  conv2d,
  fold,
  type Pair,
  type UnfoldOptions,
  unfold,
} from "./convolution";
export { Embedding, type EmbeddingOptions } from "./embedding";
export { dropout, embedding, layerNorm, linear } from "./functional";
// every export of layers.ts: a new activation module (one line there) needs no edit here
export * from "./layers";
export {
  type LoadStateDictOptions,
  Module,
  type Parameter,
  type RegisterBufferOptions,
  type StateDict,
  type StateEntry,
} from "./module";
export {
  BatchNorm1d,
  BatchNorm2d,
  type BatchNormFunctionOptions,
  type BatchNormOptions,
  batchNorm,
  GroupNorm,
  type GroupNormOptions,
  groupNorm,
  LayerNorm,
  type LayerNormOptions,
} from "./norm";
export {
  AdaptiveAvgPool2d,
  AvgPool2d,
  type AvgPool2dOptions,
  adaptiveAvgPool2d,
  avgPool2d,
  MaxPool2d,
  type MaxPool2dOptions,
  maxPool2d,
} from "./pooling";
export { GRU, LSTM, type RecurrentOptions, RNN, type RNNOptions } from "./recurrent";
export * as scalar from "./scalar/index";
export {
  TransformerEncoderLayer,
  type TransformerEncoderLayerForwardOptions,
  type TransformerEncoderLayerOptions,
} from "./transformer";
export * as utils from "./utils";
