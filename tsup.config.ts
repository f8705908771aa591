import path from "node:path";
import { defineConfig } from "tsup";

/**
 * Fails the build when code under `dir` imports a module outside it (other than through the
 * package name "chainrule"): that module would be bundled a second time into this entry. The
 * stateless message helpers are the exception (`ChainruleError` is recognised by `instanceof`
 * across copies; see src/errors.ts).
 */
function onlyTheRootEntry(dir: string) {
  const root = path.resolve(dir);
  const allowed = new Set(["src/errors.ts", "src/validate.ts"].map((f) => path.resolve(f)));
  return {
    name: "only-the-root-entry",
    setup(build: {
      onResolve: (o: { filter: RegExp }, f: (a: { path: string; importer: string }) => undefined) => void;
    }) {
      build.onResolve({ filter: /^\./ }, (args) => {
        const target = path.resolve(path.dirname(args.importer), args.path);
        const isAllowed = allowed.has(target) || allowed.has(`${target}.ts`);
        if (args.importer.startsWith(root) && !target.startsWith(root) && !isAllowed) {
          throw new Error(
            `${path.relative(".", args.importer)} imports ${args.path}: code under ${dir} must import the engine from "chainrule" so it is not bundled twice`,
          );
        }
        return undefined;
      });
    },
  };
}

export default defineConfig([
  {
    // The browser-safe root entry, as ESM and CommonJS with types.
    entry: { index: "src/index.ts" },
    format: ["esm", "cjs"],
    // declarations without the members marked @internal (engine scratch, storage, op records)
    dts: { compilerOptions: { stripInternal: true } },
    sourcemap: true,
    clean: true,
    keepNames: true,
    target: "es2022",
    platform: "neutral",
    treeshake: true,
  },
  {
    // chainrule/node: file and dataset helpers that need Node's fs. It imports the engine from
    // the root entry ("chainrule", external) and never bundles a copy of it: a second Tensor or
    // ChainruleError class would make the loaders' tensors foreign to nn and instanceof fail.
    entry: { node: "src/node/index.ts" },
    format: ["esm", "cjs"],
    // declarations without the members marked @internal (engine scratch, storage, op records)
    dts: { compilerOptions: { stripInternal: true } },
    sourcemap: true,
    target: "node20",
    platform: "node",
    shims: true,
    external: ["chainrule"],
    esbuildPlugins: [onlyTheRootEntry("src/node")],
  },
  {
    // The command-line tool: one ESM file with a shebang. Its libraries (argument parsing,
    // progress bar, terminal chart) are bundled and tree-shaken, so installing
    // chainrule pulls none of them; only the wasm Graphviz stays an external dependency.
    entry: { cli: "src/cli/main.ts" },
    noExternal: ["commander", "cli-progress", "asciichart"],
    keepNames: true,
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
