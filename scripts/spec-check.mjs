// Runs the shared API contract's checker against the built package. The checker lives beside the
// repository (../shared/spec-check.mjs), not in it: say so plainly when it is not there.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const checker = fileURLToPath(new URL("../../shared/spec-check.mjs", import.meta.url));
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
if (!existsSync(checker)) {
  console.error(`spec-check: the contract's checker is not here (${checker}).`);
  console.error(
    "It ships with the project's shared/ folder, next to this repository; without it there is nothing to check.",
  );
  process.exit(2);
}
if (!existsSync(dist)) {
  console.error("spec-check: no build in dist/: run `npm run build` first.");
  process.exit(2);
}
const run = spawnSync(process.execPath, [checker], {
  stdio: "inherit",
  cwd: fileURLToPath(new URL("..", import.meta.url)),
});
process.exit(run.status ?? 1);
