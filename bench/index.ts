/**
 * `npm run bench`: chainrule's own benchmark suites, scalar then tensor. Name a suite to run
 * only that one (`npm run bench -- scalar`); arguments after `tensor` filter its cases
 * (`npm run bench -- tensor matmul`; `npm run bench -- tensor W6` times only the CNN demo's
 * training step). JSON results land in bench/results/.
 * The comparison with other libraries is separate: bench/compare (see bench/README.md).
 */
import { runScalar } from "./scalar";
import { runTensor } from "./tensor";

const [suite, ...filters] = process.argv.slice(2);
if (suite !== undefined && suite !== "scalar" && suite !== "tensor") {
  console.error(`unknown suite ${suite}: expected "scalar" or "tensor"`);
  process.exit(2);
}
if (suite === undefined || suite === "scalar") await runScalar();
if (suite === undefined || suite === "tensor") await runTensor(filters);
