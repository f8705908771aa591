/** Neural-network building blocks, exported from the root as the `nn` namespace. */
export { dropout, linear } from "./functional";
// every export of layers.ts: a new activation module (one line there) needs no edit here
export * from "./layers";
export { type LoadStateDictOptions, Module, type Parameter, type StateDict, type StateEntry } from "./module";
export * as scalar from "./scalar/index";
export * as utils from "./utils";
