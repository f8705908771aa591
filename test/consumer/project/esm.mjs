// The package through `import`: the root entry and chainrule/node together, as one engine.
import {
  ChainruleError,
  getBackend,
  getMaxThreads,
  nn,
  randn,
  setBackend,
  setNumThreads,
  Tensor,
  tensor,
  version,
} from "chainrule";
import { loadIris, loadModel, saveModel } from "chainrule/node";

const out = {};
const iris = loadIris({ seed: 0 });
out.loaderTensorIsTensor = iris.train.x instanceof Tensor;
out.linearShape = new nn.Linear(4, 3).forward(iris.train.x).shape;
try {
  await loadModel(new nn.Linear(4, 3), "no-such-model.json");
} catch (e) {
  out.loadError = { isChainruleError: e instanceof ChainruleError, name: e.name, message: e.message };
}
const model = new nn.MLP(4, [8, 3]);
await saveModel(model, "out/esm-model.json");
const loaded = new nn.MLP(4, [8, 3]);
await loadModel(loaded, "out/esm-model.json");
out.roundTrip = JSON.stringify(loaded.stateDict()) === JSON.stringify(model.stateDict());
out.json = JSON.stringify(tensor([[1, 2]]));
out.className = Tensor.name;
out.version = version;
// the installed build's kernels: wasm on both cores agrees with one thread and with the JS kernels
{
  const a = randn([300, 300], { dtype: "float32" });
  const product = () => Array.from(a.matmul(a).data);
  const two = product();
  await new Promise((r) => setTimeout(r, 100)); // the helper thread starts asynchronously
  const again = product();
  setNumThreads(1);
  const one = product();
  setBackend("js");
  const js = product();
  setBackend("wasm");
  out.kernels = {
    backend: getBackend(),
    maxThreads: getMaxThreads(),
    sameOnThreads:
      JSON.stringify(two) === JSON.stringify(one) && JSON.stringify(again) === JSON.stringify(one),
    jsError: Math.max(...js.map((v, i) => Math.abs(v - one[i]))),
  };
}
console.log(JSON.stringify(out));
