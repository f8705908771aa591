/**
 * The WebAssembly kernels' bytes (src/tensor/kernels/wasm/*.generated.ts) are committed, so that
 * tests, tsx and the bundle need no compiler; this fails when they are out of date with their
 * AssemblyScript sources (*.as.ts). Fix: `npm run build:wasm`.
 */
import { describe, expect, it } from "vitest";
import { buildWasm } from "../../../scripts/build-wasm";

describe("the WebAssembly kernels' generated modules", () => {
  it("are what scripts/build-wasm.ts compiles from the sources now (else run `npm run build:wasm`)", async () => {
    expect(await buildWasm(true)).toEqual([]);
  }, 60_000);
});
