/**
 * tensor.ts, ops/elementwise.ts and ops/methods.ts import each other (the one allowed cycle):
 * whichever module a program loads first, `Tensor` must end up with its op methods. Each case starts a fresh process
 * under tsx (whose esbuild keeps function names, so a call into a module that has not run yet
 * fails loudly rather than by luck).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));

const FIRST = [
  "tensor/ops/elementwise.ts",
  "tensor/ops/methods.ts",
  "tensor/ops/reduce.ts",
  "tensor/ops/all.ts",
  "tensor/tensor.ts",
  "tensor/creation.ts",
  "scalar/value.ts",
];

describe("load order of the Tensor ↔ op-table cycle", () => {
  it.each(FIRST)("loading %s first still gives Tensor its methods", async (first) => {
    const program = [
      `await import(${JSON.stringify(src(first))});`,
      `const { tensor, Value } = await import(${JSON.stringify(src("index.ts"))});`,
      "console.log(tensor([1, -2]).exp().relu().neg().add(0).reshape(2).sum().item().toFixed(6), new Value(2).exp().data.toFixed(6));",
    ].join("\n");
    const { stdout } = await run(process.execPath, [tsx, "--input-type=module", "-e", program]);
    expect(stdout.trim()).toBe(`${(-(Math.E + Math.exp(-2))).toFixed(6)} ${Math.exp(2).toFixed(6)}`);
  });
});
