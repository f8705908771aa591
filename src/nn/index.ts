/** Neural-network building blocks, exported from the root as the `nn` namespace. */
export { dropout, linear } from "./functional";
export {
  type ActivationName,
  activation,
  Dropout,
  ELU,
  GELU,
  type InitScheme,
  Layer,
  LeakyReLU,
  Linear,
  type LinearOptions,
  MLP,
  type MLPOptions,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from "./layers";
export { type LoadStateDictOptions, Module, type Parameter, type StateDict, type StateEntry } from "./module";
export * as scalar from "./scalar/index";
export * as utils from "./utils";
