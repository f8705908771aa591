/** Lookup tables: `Embedding`. */
import { ChainruleError, describe } from "../errors";
import { checkResultShape } from "../tensor/broadcast";
import { allocate, type FloatDType } from "../tensor/dtype";
import { writeData } from "../tensor/storage";
import { type IndexLike, Tensor } from "../tensor/tensor";
import { checkOptions } from "../validate";
import { embedding } from "./functional";
import * as init from "./init";
import { floatDTypeOption, Layer } from "./layer";

/** Options of `nn.Embedding`. */
export interface EmbeddingOptions {
  /** A row that starts at zero and never receives a gradient (negative counts from the end). */
  paddingIdx?: number | null;
  /** The weight's dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/**
 * A lookup table (`torch.nn.Embedding`): `weight` [num, dim], drawn from N(0, 1) with the global
 * generator (see `manualSeed`); `forward(indices)` returns the rows `indices` names, with shape
 * [...indices.shape, dim]. Indices are an int32 tensor, a float tensor holding integers, or a
 * (nested) array, each in [0, num). With `paddingIdx`, that row starts at zero and gets no
 * gradient (its output rows still read the current weight).
 *
 * @example
 * const emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
 * emb.forward(tensor([[1, 2], [0, 5]], { dtype: "int32" })).shape; // [2, 2, 3]
 * emb.forward([0]).toArray(); // [[0, 0, 0]]
 */
export class Embedding extends Layer {
  /** The table, [num, dim], trainable. */
  readonly weight: Tensor;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The padding row (normalised to [0, num)), or null. */
  readonly paddingIdx: number | null;

  constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingOptions) {
    super();
    for (const [name, v] of [
      ["numEmbeddings", numEmbeddings],
      ["embeddingDim", embeddingDim],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new ChainruleError(`Embedding: ${name} must be a positive integer, got ${describe(v)}`);
    }
    const o = checkOptions(options, "Embedding");
    const dtype = floatDTypeOption(o.dtype, "Embedding");
    let pad: number | null = null;
    const p = o.paddingIdx;
    if (p !== undefined && p !== null) {
      if (!Number.isInteger(p) || p < -numEmbeddings || p >= numEmbeddings)
        throw new ChainruleError(
          `Embedding: paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings}), got ${describe(p)}`,
        );
      pad = p < 0 ? p + numEmbeddings : p;
    }
    checkResultShape([numEmbeddings, embeddingDim], "Embedding");
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = pad;
    this.weight = new Tensor(allocate(dtype, numEmbeddings * embeddingDim), [numEmbeddings, embeddingDim], {
      requiresGrad: true,
    });
    init.normal(this.weight, 1);
    if (pad !== null) writeData(this.weight, (d) => d.fill(0, pad * embeddingDim, (pad + 1) * embeddingDim));
  }

  /** The rows of `weight` named by `indices`: shape [...indices.shape, embeddingDim]. */
  forward(indices: IndexLike): Tensor {
    return embedding(indices, this.weight, this.paddingIdx);
  }
}
