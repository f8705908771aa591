/** Graphs: trace them, draw them (DOT, SVG) and explain their backward pass. */
export {
  type BackwardStep,
  type BackwardStepsOptions,
  backwardSteps,
  type Quantity,
  type StepNode,
} from "./backward-steps";
export {
  type CheckDerivativeOptions,
  type CheckDerivativeResult,
  checkDerivative,
  type DerivativeEntry,
  type HandGradient,
} from "./check";
export { escapeText, recordLabel } from "./dot";
export { type ExpandedLayer, type ExpandOptions, expandToScalars, type ScalarExpansion } from "./expand";
export { type ExplainFormat, type ExplainOptions, explainBackward } from "./explain";
export { formatNumber } from "./format";
export type { GroupSpec } from "./groups";
export { type HtmlNode, type HtmlPageData, type ToHtmlOptions, toHtml } from "./html";
export { type RenderSvgOptions, renderSvg } from "./render";
export {
  type BackpropLayer,
  type BackpropReport,
  type BackpropStage,
  backpropReport,
  type FormatReportOptions,
  formatBackpropReport,
  type LossFunction,
  type NamedLoss,
  type StageActivation,
  type StageCheck,
  type StageParameter,
} from "./report";
export { localSymbol, type OpSymbols, tensorSymbols } from "./symbols";
export { type ToDotOptions, toDot } from "./to-dot";
export { type GraphTrace, type TraceEdge, type TraceNode, type TraceOptions, traceGraph } from "./trace";
export type { DataNode, GraphRoot } from "./walk";
