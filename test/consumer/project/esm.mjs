// The package through `import`: the root entry and chainrule/node together, as one engine.
import { ChainruleError, nn, Tensor, tensor, version } from "chainrule";
import { loadIris, loadModel, saveModel } from "chainrule/node";
import kernelsCheck from "./kernels-check.cjs";

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
out.kernels = await kernelsCheck(await import("chainrule"));
console.log(JSON.stringify(out));
