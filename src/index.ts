/**
 * chainrule: reverse-mode automatic differentiation on a dynamic computation graph.
 * This file is the public surface; everything here runs unchanged in a browser.
 *
 * @module chainrule
 */

// autograd: anomaly mode (debugging NaN/Infinity)
export { detectAnomaly, isAnomalyEnabled, setDetectAnomaly } from "./autograd/anomaly";
// types that appear in the signatures above
// the engine itself (backprop, topoSort) is internal: tests import it from src/autograd/engine
export type { GraphNode } from "./autograd/engine";
export type { GradResult } from "./autograd/functional";
export {
  type GradientsOptions,
  type GradOptions,
  grad,
  gradients,
  hessian,
  jacobian,
  valueAndGrad,
} from "./autograd/functional";
// autograd
export { enableGrad, isGradEnabled, noGrad } from "./autograd/grad-mode";
export {
  type GradcheckFailure,
  type GradcheckOptions,
  type GradcheckResult,
  gradcheck,
  gradgradcheck,
} from "./autograd/gradcheck";
export type { RemovableHandle } from "./autograd/hooks";
export type { BackwardHook, ForwardHook } from "./autograd/module-hooks";
export { recordScopes, scopeOf, withScope } from "./autograd/scope";
export * as datasets from "./data/datasets";
export * as data from "./data/index";
export { DataLoader } from "./data/loader";
// errors and reproducibility
export { ChainruleError } from "./errors";
// formulas without operator overloading: expr`tanh(${a} * ${b} + ${c})`, parseExpression
export {
  type Expression,
  type ExpressionBindings,
  ExpressionError,
  type ExpressionResult,
  expr,
  parseExpression,
} from "./expression";
export type { Operand } from "./functions";
// root binary functions: Value | Tensor | number on either side
export {
  add,
  atan2,
  type BinaryFunction,
  div,
  maximum,
  minimum,
  mul,
  pow,
  remainder,
  sub,
} from "./functions";
export type { ScalarFn, TensorFn } from "./graph/check";
// graphs
export {
  type BackpropLayer,
  type BackpropReport,
  type BackpropStage,
  type BackwardStep,
  type BackwardStepsOptions,
  backpropReport,
  backwardSteps,
  type CheckDerivativeOptions,
  type CheckDerivativeResult,
  checkDerivative,
  type DerivativeEntry,
  type ExpandedLayer,
  type ExpandOptions,
  type ExplainFormat,
  type ExplainOptions,
  expandToScalars,
  explainBackward,
  formatBackpropReport,
  type GraphRoot,
  type GraphTrace,
  type GroupSpec,
  type HandGradient,
  type HtmlNode,
  type HtmlPageData,
  type LossFunction,
  localSymbol,
  type NamedLoss,
  type OpSymbols,
  type Quantity,
  type RenderSvgOptions,
  renderSvg,
  type ScalarExpansion,
  type StageCheck,
  type StageParameter,
  type StepNode,
  type ToDotOptions,
  type ToHtmlOptions,
  type TraceEdge,
  type TraceNode,
  type TraceOptions,
  tensorSymbols,
  toDot,
  toHtml,
  traceGraph,
} from "./graph/index";
export type { FormatReportOptions, StageActivation } from "./graph/report";
export type { DataNode } from "./graph/walk";
// interop: leaving for bigger engines
export { exportOnnx, type OnnxExportOptions, type OnnxTraceable } from "./interop/onnx";
export {
  fromSafetensors,
  SAFETENSORS_MAX_HEADER,
  safetensorsMetadata,
  type ToSafetensorsOptions,
  toSafetensors,
} from "./interop/safetensors";
// neural networks
export * as nn from "./nn/index";
export * as init from "./nn/init";
export type { IndexLossAttrs, LossAttrs } from "./nn/losses";
export * as losses from "./nn/losses";
export * as optim from "./optim/index";
export { manualSeed, Rng } from "./random";
// the scalar engine
export { type ScalarOp, scalarOps, Value, type ValueOptions, value } from "./scalar/value";
export {
  arange,
  type CreateOptions,
  type EyeOptions,
  eye,
  full,
  linspace,
  ones,
  onesLike,
  type RandomOptions,
  rand,
  randn,
  tensor,
  zeros,
  zerosLike,
} from "./tensor/creation";
export { type CustomOpSpec, customOp } from "./tensor/custom-op";
export { type DType, type FloatDType, promoteTypes, type TypedArray } from "./tensor/dtype";
export {
  type Backend,
  getBackend,
  getMaxThreads,
  getNumThreads,
  setBackend,
  setNumThreads,
} from "./tensor/kernels/backend";
export {
  floorDivide,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  sign,
  where,
} from "./tensor/ops/elementwise";
export type { GatherAttrs, MaskAttrs, ScatterAttrs, SelectAttrs, SliceAttrs } from "./tensor/ops/indexing";
export { maskedFill, maskedSelect, scatter } from "./tensor/ops/indexing";
export { outer } from "./tensor/ops/linalg";
export { prelu } from "./tensor/ops/prelu";
export type {
  ArgsortAttrs,
  AxisAttrs,
  NormAttrs,
  ReduceAttrs,
  SortOptions,
  SortResult,
  TopkAttrs,
  TopkOptions,
} from "./tensor/ops/reduce";
export type { PadAttrs, PadMode, PadOptions, ShapeAttrs } from "./tensor/ops/shape";
export { chunk, concat, flip, pad, repeat, roll, split, stack, tile, tril, triu } from "./tensor/ops/shape";
export { type OpName, opTable } from "./tensor/ops/table";
export type { IndexArg } from "./tensor/ops/util";
export type { RawResult } from "./tensor/tensor";
// tensors
export {
  type BackwardContext,
  type IndexLike,
  type NestedBooleans,
  type NestedNumbers,
  type OpDef,
  Tensor,
  type TensorOptions,
} from "./tensor/tensor";
export { version } from "./version";
