// The package through `require`: the CommonJS builds of both entries.
const { ChainruleError, nn, Tensor, tensor, version } = require("chainrule");
const { loadIris, loadModel, saveModel } = require("chainrule/node");
const kernelsCheck = require("./kernels-check.cjs");

async function main() {
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
  await saveModel(model, "out/cjs-model.json");
  const loaded = new nn.MLP(4, [8, 3]);
  await loadModel(loaded, "out/cjs-model.json");
  out.roundTrip = JSON.stringify(loaded.stateDict()) === JSON.stringify(model.stateDict());
  out.json = JSON.stringify(tensor([[1, 2]]));
  out.className = Tensor.name;
  out.version = version;
  out.kernels = await kernelsCheck(require("chainrule"));
  console.log(JSON.stringify(out));
}
main();
