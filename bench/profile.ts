/**
 * A plain loop over one scalar workload, for profilers (benny's harness would dominate a
 * profile). Bundle it and run it under Node's profiler:
 *
 *   npx esbuild bench/profile.ts --bundle --platform=node --format=esm --outfile=/tmp/profile.mjs
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof /tmp/profile.mjs step     # or: chain, w3
 *   node --trace-gc /tmp/profile.mjs step | grep -c Scavenge           # GC activity
 *
 * Open the .cpuprofile in Chrome DevTools (Performance tab) or VS Code.
 */
import { chainruleW3Step, w3Data } from "./compare/mnist";
import { chain, scalarMoonsStep } from "./workloads";

const what = process.argv[2] ?? "step";
if (what === "step") {
  const step = scalarMoonsStep().step;
  for (let i = 0; i < 50; i++) step(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < 300; i++) step();
  console.log(`MLP step: ${((performance.now() - t0) / 300).toFixed(2)} ms`);
} else if (what === "chain") {
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    chain();
    console.log(`chain: ${(performance.now() - t0).toFixed(0)} ms`);
  }
} else if (what === "w3") {
  const step = chainruleW3Step(w3Data());
  for (let i = 0; i < 100; i++) step(); // warm-up
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 300; i++) step();
    console.log(`W3 step: ${((performance.now() - t0) / 300).toFixed(3)} ms`);
  }
} else {
  console.error(`unknown workload ${what}: expected "step", "chain" or "w3"`);
  process.exit(2);
}
