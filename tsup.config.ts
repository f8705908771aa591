import { defineConfig } from "tsup";

export default defineConfig([
  {
    // The browser-safe root entry, as ESM and CommonJS with types.
    entry: { index: "src/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    platform: "neutral",
    treeshake: true,
  },
  {
    // chainrule/node: file and dataset helpers that need Node's fs.
    entry: { node: "src/node/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    target: "node20",
    platform: "node",
    shims: true,
  },
  {
    // The command-line tool: one ESM file with a shebang.
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    platform: "node",
    target: "node20",
    sourcemap: true,
    shims: true,
    banner: { js: "#!/usr/bin/env node" },
  },
]);
