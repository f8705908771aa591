// Type-checked with `tsc --strict` (no skipLibCheck) under moduleResolution nodenext and bundler:
// the root entry and chainrule/node share one set of declarations.
import { ChainruleError, losses, nn, optim, type Tensor, tensor } from "chainrule";
import { loadIris, loadModel, type SplitDataset, saveModel } from "chainrule/node";

const iris: SplitDataset = loadIris({ seed: 0 });
const model = new nn.MLP(4, [8, 3]);
const x: Tensor = iris.train.x;
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
const loss: Tensor = losses.crossEntropy(model.forward(x), iris.train.y);
loss.backward();
opt.step();

export async function roundTrip(path: string): Promise<number> {
  await saveModel(model, path);
  const copy = new nn.MLP(4, [8, 3]);
  await loadModel(copy, path);
  return copy
    .forward(tensor([[1, 2, 3, 4]]))
    .sum()
    .item();
}

export function isChainruleError(e: unknown): e is ChainruleError {
  return e instanceof ChainruleError;
}
