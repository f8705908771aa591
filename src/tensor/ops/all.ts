/** Every tensor op function and the factories, for the `Tensor` methods and internal use. */
export { fromNested, full } from "../creation";
export * from "./elementwise";
export * from "./linalg";
export * from "./reduce";
export * from "./shape";
