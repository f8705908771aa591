/**
 * The backpropagation report, in stages: stages.ts reads the model (Linear + activation layers,
 * and convolutions, pooling, norms, flatten and dropout as stages of their own),
 * report-compute.ts runs it and reads autodiff's values (`backpropReport`), report-equations.ts
 * recomputes BP1–BP4 with tensor ops, report-format.ts renders the result
 * (`formatBackpropReport`). This module is the report's one entry point.
 */
export {
  type BackpropLayer,
  type BackpropReport,
  type BackpropStage,
  backpropReport,
  type StageCheck,
  type StageParameter,
} from "./report-compute";
export type { BackpropEquations } from "./report-equations";
export { type FormatReportOptions, formatBackpropReport } from "./report-format";
export type { LossFunction, NamedLoss } from "./report-losses";
export type { StageActivation } from "./stages";
