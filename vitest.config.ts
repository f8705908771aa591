import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/** Line coverage below which `npm test` fails, for the engine's layers. */
const ENGINE_LINES = 90;

export default defineConfig({
  resolve: {
    // docs and examples import the package by name, as users do (the consumer suite,
    // test/consumer, runs them against the packed package instead)
    alias: [
      { find: /^chainrule\/node$/, replacement: src("node/index.ts") },
      { find: /^chainrule$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      // the AssemblyScript kernel sources (*.as.ts) are not TypeScript: their bytes ship in kernels.generated.ts
      exclude: ["src/types/**", "src/**/*.as.ts"],
      reporter: ["text-summary", "json-summary"],
      reportsDirectory: "coverage",
      thresholds: {
        "src/autograd/**": { lines: ENGINE_LINES },
        "src/tensor/**": { lines: ENGINE_LINES },
        "src/nn/**": { lines: ENGINE_LINES },
        "src/optim/**": { lines: ENGINE_LINES },
      },
    },
  },
});
