/**
 * End-to-end tests in headless Chromium (`npm run test:e2e`), kept out of `npm test`: they need
 * Debian's chromium (`apt-get install -y --no-install-recommends chromium`, as .ci/run does).
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // one browser at a time on a 2-core machine
    fileParallelism: false,
  },
});
