/**
 * Node-only helpers (file I/O, dataset loaders): `import { … } from "chainrule/node"`.
 *
 * @module chainrule/node
 */
export {
  hasMnist,
  type IrisOptions,
  loadIris,
  loadMnist,
  type MnistOptions,
  type SplitDataset,
} from "./datasets";
export { loadModel, type ModelFile, saveModel, saveOnnx } from "./io";
