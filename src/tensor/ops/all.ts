/** Every tensor op function, for the `Tensor` methods and internal use. */
export * from "./elementwise";
export * from "./indexing";
export * from "./linalg";
export * from "./prelu";
export * from "./reduce";
export * from "./shape";
