/**
 * The consumer suite (`npm run test:consumer`): the package as users get it. It packs the
 * repository with `npm pack` (which builds it), installs the tarball into a new empty project and
 * uses it there — no aliases to src/. Kept out of `npm test`: it builds, installs and starts
 * Chromium (Debian's chromium; .ci/run installs it).
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/consumer/**/*.consumer.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // one project, installed once
    fileParallelism: false,
  },
});
