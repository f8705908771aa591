/** `TransformerEncoderLayer` (`torch.nn.TransformerEncoderLayer`), with PyTorch's child names. */
import { ChainruleError, describe, fmtShape } from "../errors";
// "../nn/module", not "./module": dependency-cruiser (npm run depcheck) compiles each file alone
// under the name "module.ts", and TypeScript 6 then crashes on a class extending an import from
// "./module" with a constructor
import { Module } from "../nn/module";
import type { FloatDType } from "../tensor/dtype";
import { Tensor } from "../tensor/tensor";
import { checkBoolean, checkOneOf, checkOptions } from "../validate";
import { MultiheadAttention } from "./attention";
import * as init from "./init";
import { floatDTypeOption } from "./layer";
import { Dropout, Linear } from "./layers";
import { LayerNorm } from "./norm";

/** Options of `nn.TransformerEncoderLayer`. */
export interface TransformerEncoderLayerOptions {
  /** Hidden width of the feed-forward block; default 2048. */
  dimFeedforward?: number;
  /** Dropout probability (attention weights, feed-forward, both residual branches); default 0.1. */
  dropout?: number;
  /** The feed-forward activation: "relu" (default) or "gelu" (the exact erf form). */
  activation?: "relu" | "gelu";
  /** LayerNorm's eps; default 1e-5. */
  layerNormEps?: number;
  /** Inputs are [N, L, E] (default true, unlike PyTorch's default); false: [L, N, E]. */
  batchFirst?: boolean;
  /** Normalise before each block (pre-norm) instead of after the residual sum (default false). */
  normFirst?: boolean;
  /** Biases in the linear layers and the norms; default true. */
  bias?: boolean;
  /** The parameters' dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/** Arguments of `TransformerEncoderLayer.forward` after the input. */
export interface TransformerEncoderLayerForwardOptions {
  /** Attention mask [L, S] or [N·H, L, S] (bool: true = not allowed), as `MultiheadAttention`'s `attnMask`. */
  srcMask?: Tensor | null;
  /** [N, S] (bool: true at padding positions, which are ignored). */
  srcKeyPaddingMask?: Tensor | null;
  /** Apply the causal mask (each position attends to itself and earlier ones only). */
  isCausal?: boolean;
}

/** PyTorch's default `nn.Linear` init: weight and bias U(−1/√in, 1/√in) (kaiming_uniform, a = √5). */
function torchLinearInit(layer: Linear): Linear {
  const bound = 1 / Math.sqrt(layer.inFeatures);
  init.uniform(layer.weight, -bound, bound);
  if (layer.bias) init.uniform(layer.bias, -bound, bound);
  return layer;
}

/**
 * A transformer encoder layer (`torch.nn.TransformerEncoderLayer`): self-attention and a
 * feed-forward block, each with a residual connection and a LayerNorm. With
 * sa(x) = dropout1(self_attn(x, x, x)) and ff(x) = dropout2(linear2(dropout(act(linear1(x))))):
 *
 *     post-norm (default):  x = norm1(x + sa(x));        x = norm2(x + ff(x))
 *     pre-norm (normFirst): x = x + sa(norm1(x));        x = x + ff(norm2(x))
 *
 * Children as PyTorch's (`self_attn linear1 dropout linear2 norm1 norm2 dropout1 dropout2`), so a
 * PyTorch `state_dict()` loads key for key; linear layers start with PyTorch's default init.
 * Dropout acts only in training mode (`eval()` turns it off).
 *
 * @example
 * const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, normFirst: true });
 * layer.forward(randn([3, 5, 8]), { isCausal: true }).shape; // [3, 5, 8]
 * layer.namedParameters().map(([name]) => name).slice(0, 6);
 * // ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias", "linear1.weight", "linear1.bias"]
 */
export class TransformerEncoderLayer extends Module {
  readonly self_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly normFirst: boolean;
  readonly activation: "relu" | "gelu";
  readonly batchFirst: boolean;

  constructor(dModel: number, nHead: number, options?: TransformerEncoderLayerOptions) {
    super();
    const op = "TransformerEncoderLayer";
    for (const [name, v] of [
      ["dModel", dModel],
      ["nHead", nHead],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new ChainruleError(`${op}: ${name} must be a positive integer, got ${describe(v)}`);
    }
    if (dModel % nHead !== 0)
      throw new ChainruleError(`${op}: dModel ${dModel} must be divisible by nHead ${nHead}`);
    const o = checkOptions(options, op);
    const ff = o.dimFeedforward ?? 2048;
    if (!Number.isInteger(ff) || ff <= 0)
      throw new ChainruleError(`${op}: dimFeedforward must be a positive integer, got ${describe(ff)}`);
    const p = o.dropout ?? 0.1;
    if (typeof p !== "number" || !(p >= 0 && p < 1))
      throw new ChainruleError(`${op}: dropout must be a number in [0, 1), got ${describe(p)}`);
    const eps = o.layerNormEps ?? 1e-5;
    if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0)
      throw new ChainruleError(`${op}: layerNormEps must be a finite number ≥ 0, got ${describe(eps)}`);
    this.activation = checkOneOf(o.activation ?? "relu", ["relu", "gelu"] as const, op, "activation");
    this.batchFirst = checkBoolean(o.batchFirst, op, "batchFirst", true);
    this.normFirst = checkBoolean(o.normFirst, op, "normFirst", false);
    const bias = checkBoolean(o.bias, op, "bias", true);
    const dtype = floatDTypeOption(o.dtype, op);
    this.self_attn = new MultiheadAttention(dModel, nHead, {
      dropout: p,
      bias,
      batchFirst: this.batchFirst,
      dtype,
    });
    this.linear1 = torchLinearInit(new Linear(dModel, ff, { bias, dtype }));
    this.dropout = new Dropout(p);
    this.linear2 = torchLinearInit(new Linear(ff, dModel, { bias, dtype }));
    this.norm1 = new LayerNorm(dModel, { eps, bias, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, bias, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
  }

  /** The layer applied to `src` [N, L, E] ([L, N, E] without `batchFirst`, [L, E] unbatched). */
  forward(src: Tensor, options?: TransformerEncoderLayerForwardOptions): Tensor {
    const op = "TransformerEncoderLayer";
    if (!(src instanceof Tensor))
      throw new ChainruleError(`${op}: src must be a Tensor, got ${describe(src)}`);
    const e = this.self_attn.embedDim;
    if ((src.ndim !== 3 && src.ndim !== 2) || src.shape[src.ndim - 1] !== e)
      throw new ChainruleError(
        `${op}: src must be ${this.batchFirst ? `[N, L, ${e}]` : `[L, N, ${e}]`} or [L, ${e}], got ${fmtShape(src.shape)}`,
      );
    const o = checkOptions(options, `${op}.forward`);
    const sa = (x: Tensor) =>
      this.dropout1.forward(
        this.self_attn.forward(x, x, x, {
          attnMask: o.srcMask ?? null,
          keyPaddingMask: o.srcKeyPaddingMask ?? null,
          needWeights: false,
          isCausal: o.isCausal ?? false,
        })[0],
      );
    const ff = (x: Tensor) => {
      const h = this.linear1.forward(x);
      const a = this.activation === "gelu" ? h.gelu() : h.relu();
      return this.dropout2.forward(this.linear2.forward(this.dropout.forward(a)));
    };
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(ff(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(ff(x)));
    }
    return x;
  }
}
