// The dual-package hazard: `import` and `require` of chainrule in one program load two copies.
import { createRequire } from "node:module";
import * as esm from "chainrule";

const cjs = createRequire(import.meta.url)("chainrule");
const out = { twoCopies: esm.Tensor !== cjs.Tensor };
try {
  new cjs.nn.Linear(2, 2).forward(esm.tensor([[1, 2]]));
} catch (e) {
  out.message = e.message;
  out.esmInstanceof = e instanceof esm.ChainruleError;
  out.cjsInstanceof = e instanceof cjs.ChainruleError;
}
console.log(JSON.stringify(out));
