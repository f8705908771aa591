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
    // The command-line tool: one ESM file with a shebang. Its libraries (argument parsing, the
    // expression parser, progress bar, terminal chart) are bundled and tree-shaken, so installing
    // chainrule pulls none of them; only the wasm Graphviz stays an external dependency.
    entry: { cli: "src/cli/main.ts" },
    noExternal: ["commander", "mathjs", "cli-progress", "asciichart"],
    format: ["esm"],
    platform: "node",
    target: "node20",
    sourcemap: true,
    shims: true,
    // bundled CommonJS libraries call require() for Node builtins: give the ESM bundle one
    banner: {
      js: '#!/usr/bin/env node\nimport { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
    },
  },
]);
