// AssemblyScript: the one WebAssembly module of chainrule's kernels, which
// `npm run build:wasm` (scripts/build-wasm.ts) compiles into kernels.generated.ts. Its exports
// are the matrix product's (gemm.as.ts) and the elementwise loops' (elementwise.as.ts); one module,
// so they share one memory (and, with threads, one shared memory).
export * from "./gemm.as";
export * from "./elementwise.as";
