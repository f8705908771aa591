/** Saving and loading model parameters as JSON files (Node only). */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ChainruleError, describe } from "../errors";
import type { Module, StateDict } from "../nn/module";

/** The file format: the state dict with a header naming the format and its version. */
export interface ModelFile {
  format: "chainrule-state-dict";
  version: 1;
  state: StateDict;
}

/** Writes `module.stateDict()` to `path` as JSON (directories are created). */
export async function saveModel(module: Module, path: string): Promise<void> {
  if (!module || typeof (module as Module).stateDict !== "function") {
    throw new ChainruleError(`saveModel: expected a Module, got ${describe(module)}`);
  }
  const file: ModelFile = { format: "chainrule-state-dict", version: 1, state: module.stateDict() };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(file)}\n`, "utf8");
}

/**
 * Loads parameters saved by `saveModel` into `module`. A missing or malformed file, or one whose
 * names, shapes, dtypes or values do not fit the module, throws `ChainruleError` and leaves the
 * module unchanged.
 */
export async function loadModel<M extends Module>(module: M, path: string): Promise<M> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ChainruleError(`loadModel: cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ChainruleError(`loadModel: ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const file = parsed as Partial<ModelFile> | null;
  if (
    file === null ||
    typeof file !== "object" ||
    file.format !== "chainrule-state-dict" ||
    file.version !== 1
  ) {
    throw new ChainruleError(
      `loadModel: ${path} is not a chainrule model file (format "chainrule-state-dict", version 1)`,
    );
  }
  try {
    module.loadStateDict(file.state);
  } catch (err) {
    throw new ChainruleError(`loadModel: ${path}: ${(err as Error).message}`);
  }
  return module;
}
