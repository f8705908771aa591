/** Neural-network building blocks, exported from the root as the `nn` namespace. */
export { Module, type Parameter, type StateDict, type StateEntry } from "./module";
export * as scalar from "./scalar/index";
