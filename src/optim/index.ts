/** Optimizers and learning-rate schedulers, exported from the root as the `optim` namespace. */
export { Optimizer, type Slot } from "./optimizer";
export {
  Adagrad,
  type AdagradOptions,
  Adam,
  type AdamOptions,
  AdamW,
  type AdamWOptions,
  RMSProp,
  type RMSPropOptions,
  RMSprop,
  SGD,
  type SGDOptions,
} from "./optimizers";
export {
  CosineAnnealingLR,
  LinearLR,
  type LinearLROptions,
  OneCycleLR,
  type OneCycleLROptions,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  StepLR,
} from "./schedulers";
