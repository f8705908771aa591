/**
 * Recurrent layers: `RNN`, `LSTM` and `GRU` (`torch.nn.RNN/LSTM/GRU`), with PyTorch's parameter
 * names (`weight_ih_l0 weight_hh_l0 bias_ih_l0 bias_hh_l0`, `_l1`, …, `_reverse` for the backward
 * direction), shapes, gate order, initialisation and state layout, so a `stateDict` lines up with
 * PyTorch's key for key.
 *
 * Every layer runs the same way: the input projections of all time steps at once (one `linear`
 * of x [L·N, in] by W_ihᵀ), then a loop over time for the recurrence (one `linear` of h by W_hhᵀ
 * per step and the cell's elementwise gates), then `stack` of the hidden states. Everything is
 * built from differentiable tensor ops, so gradients of gradients work.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
// "../nn/module", not "./module": dependency-cruiser (npm run depcheck) compiles each file alone
// under the name "module.ts", and TypeScript 6 then crashes on a class extending an import from
// "./module" with a constructor
import { Module } from "../nn/module";
import { checkResultShape } from "../tensor/broadcast";
import { zeros } from "../tensor/creation";
import { allocate, type FloatDType } from "../tensor/dtype";
import {
  add,
  chunk,
  concat,
  mul,
  relu,
  reshape,
  sigmoid,
  split,
  squeeze,
  stack,
  sub,
  tanh,
  transpose,
  unsqueeze,
} from "../tensor/ops/all";
import { Tensor } from "../tensor/tensor";
import { checkBoolean, checkOneOf, checkOptions } from "../validate";
import { dropout, linear } from "./functional";
import * as init from "./init";
import { floatDTypeOption } from "./layer";

/** Options shared by `nn.RNN`, `nn.LSTM` and `nn.GRU`. */
export interface RecurrentOptions {
  /** Stacked layers (default 1): layer k + 1 reads layer k's output sequence. */
  numLayers?: number;
  /** Whether each layer has `bias_ih_lk` and `bias_hh_lk` (default true). */
  bias?: boolean;
  /** Input and output as [N, L, features] instead of [L, N, features] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on each layer's output except the last, in training only (default 0). */
  dropout?: number;
  /** Also run each layer backwards in time and concatenate both outputs (default false). */
  bidirectional?: boolean;
  /** The parameters' dtype, "float64" (default) or "float32". */
  dtype?: FloatDType;
}

/** Options of `nn.RNN`: the shared ones and the nonlinearity. */
export interface RNNOptions extends RecurrentOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

/** The four weights of one layer and direction; the biases are null with `bias: false`. */
interface CellWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
}

/**
 * One time step of a cell: `xt` [N, G·H] is x_t·W_ihᵀ + b_ih (computed for all steps at once),
 * `h` and `c` [N, H] the previous states (`c` only for the LSTM); returns the new [h, c].
 */
type Step = (xt: Tensor, h: Tensor, c: Tensor | null, w: CellWeights) => [Tensor, Tensor | null];

/** h' = tanh(x_t·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (relu instead of tanh with nonlinearity "relu"). */
const rnnStep =
  (act: (x: Tensor) => Tensor): Step =>
  (xt, h, _c, w) => [act(add(xt, linear(h, w.wHh, w.bHh))), null];

const tanhStep = rnnStep(tanh);
const reluStep = rnnStep(relu);

/**
 * The LSTM cell, gates in PyTorch's order i, f, g, o:
 *   [i, f, g, o] = x_t·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh   (split in four blocks of H)
 *   c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)
 *   h' = σ(o) ⊙ tanh(c')
 */
const lstmStep: Step = (xt, h, c, w) => {
  const [i, f, g, o] = chunk(add(xt, linear(h, w.wHh, w.bHh)), 4, 1) as [Tensor, Tensor, Tensor, Tensor];
  const c2 = add(mul(sigmoid(f), c as Tensor), mul(sigmoid(i), tanh(g)));
  return [mul(sigmoid(o), tanh(c2)), c2];
};

/**
 * The GRU cell, gates in PyTorch's order r, z, n (the hidden projection of n is gated by r
 * before it is added, so W_hh·h and b_hh stay together):
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr),   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *   h' = (1 − z) ⊙ n + z ⊙ h  =  n + z ⊙ (h − n)
 */
const gruStep: Step = (xt, h, _c, w) => {
  const [xr, xz, xn] = chunk(xt, 3, 1) as [Tensor, Tensor, Tensor];
  const [hr, hz, hn] = chunk(linear(h, w.wHh, w.bHh), 3, 1) as [Tensor, Tensor, Tensor];
  const r = sigmoid(add(xr, hr));
  const z = sigmoid(add(xz, hz));
  const n = tanh(add(xn, mul(r, hn)));
  return [add(n, mul(z, sub(h, n))), null];
};

/**
 * What `RNN`, `LSTM` and `GRU` share: the options, the parameters (created in PyTorch's order,
 * all U(−1/√H, 1/√H) from the seeded global generator) and the loop over layers, directions and
 * time steps. Not exported: use one of the three.
 */
abstract class RecurrentBase extends Module {
  // the first layer's parameters, typed (every parameter is an own property named as in PyTorch)
  /** [G·H, inputSize], G = 1 (RNN), 4 (LSTM) or 3 (GRU). */
  declare readonly weight_ih_l0: Tensor;
  /** [G·H, H]. */
  declare readonly weight_hh_l0: Tensor;
  /** [G·H], absent with `bias: false`. */
  declare readonly bias_ih_l0?: Tensor;
  /** [G·H], absent with `bias: false`. */
  declare readonly bias_hh_l0?: Tensor;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** The layer's name in error messages ("RNN", "LSTM" or "GRU"). */
  private readonly kind: string;
  /** Gate blocks per weight: 1 (RNN), 4 (LSTM) or 3 (GRU). */
  private readonly gates: number;

  constructor(kind: string, gates: number, inputSize: number, hiddenSize: number, o: RecurrentOptions) {
    super();
    for (const [name, v] of [
      ["inputSize", inputSize],
      ["hiddenSize", hiddenSize],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new ChainruleError(`${kind}: ${name} must be a positive integer, got ${describe(v)}`);
    }
    const numLayers = o.numLayers ?? 1;
    if (!Number.isInteger(numLayers) || numLayers <= 0)
      throw new ChainruleError(`${kind}: numLayers must be a positive integer, got ${describe(o.numLayers)}`);
    const p = o.dropout ?? 0;
    if (typeof p !== "number" || !(p >= 0 && p < 1))
      throw new ChainruleError(`${kind}: dropout must be a number in [0, 1), got ${describe(o.dropout)}`);
    const bias = checkBoolean(o.bias, kind, "bias", true);
    const batchFirst = checkBoolean(o.batchFirst, kind, "batchFirst", false);
    const bidirectional = checkBoolean(o.bidirectional, kind, "bidirectional", false);
    const dtype = floatDTypeOption(o.dtype, kind);
    checkResultShape([gates * hiddenSize, Math.max(inputSize, 2 * hiddenSize)], kind);
    this.kind = kind;
    this.gates = gates;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = p;
    this.bidirectional = bidirectional;
    // PyTorch's order: per layer, per direction, weight_ih weight_hh bias_ih bias_hh
    const bound = 1 / Math.sqrt(hiddenSize);
    const param = (shape: number[]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return init.uniform(new Tensor(allocate(dtype, size), shape, { requiresGrad: true }), -bound, bound);
    };
    const D = bidirectional ? 2 : 1;
    for (let k = 0; k < numLayers; k++) {
      const inK = k === 0 ? inputSize : D * hiddenSize;
      for (const suffix of bidirectional ? ["", "_reverse"] : [""]) {
        const shapes: [string, number[]][] = [
          [`weight_ih_l${k}${suffix}`, [gates * hiddenSize, inK]],
          [`weight_hh_l${k}${suffix}`, [gates * hiddenSize, hiddenSize]],
        ];
        if (bias)
          shapes.push(
            [`bias_ih_l${k}${suffix}`, [gates * hiddenSize]],
            [`bias_hh_l${k}${suffix}`, [gates * hiddenSize]],
          );
        for (const [name, shape] of shapes)
          Object.defineProperty(this, name, {
            value: param(shape),
            enumerable: true,
            writable: true,
            configurable: true,
          });
      }
    }
  }

  /** The weights of layer `k` in direction `suffix` ("" or "_reverse"), read by name each call. */
  private cellWeights(k: number, suffix: string): CellWeights {
    const own = this as unknown as Record<string, Tensor | undefined>;
    return {
      wIh: own[`weight_ih_l${k}${suffix}`] as Tensor,
      wHh: own[`weight_hh_l${k}${suffix}`] as Tensor,
      bIh: own[`bias_ih_l${k}${suffix}`] ?? null,
      bHh: own[`bias_hh_l${k}${suffix}`] ?? null,
    };
  }

  /**
   * Checks `x` and returns it as [L, N, in] (time first, batched) with whether it was unbatched.
   */
  private sequence(x: Tensor): [Tensor, boolean] {
    const want = this.batchFirst ? "[N, L, " : "[L, N, ";
    if (!(x instanceof Tensor) || (x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== this.inputSize) {
      const got = x instanceof Tensor ? fmtShape(x.shape) : describe(x);
      throw new ChainruleError(
        `${this.kind}: input must be ${want}${this.inputSize}] (or [L, ${this.inputSize}] unbatched), got ${got}`,
      );
    }
    if (x.shape[this.batchFirst && x.ndim === 3 ? 1 : 0] === 0)
      throw new ChainruleError(
        `${this.kind}: the sequence must have at least one step, got ${fmtShape(x.shape)}`,
      );
    if (x.ndim === 2) return [unsqueeze(x, 1), true];
    return [this.batchFirst ? transpose(x, 0, 1) : x, false];
  }

  /** Checks an initial state (h0 or c0) and returns it as [numLayers·D, N, H], or zeros if absent. */
  private initialState(
    s: Tensor | null | undefined,
    name: string,
    n: number,
    unbatched: boolean,
    dtype: FloatDType,
  ): Tensor {
    const D = this.bidirectional ? 2 : 1;
    const want = unbatched ? [this.numLayers * D, this.hiddenSize] : [this.numLayers * D, n, this.hiddenSize];
    if (s === undefined || s === null) return zeros([this.numLayers * D, n, this.hiddenSize], { dtype });
    if (!(s instanceof Tensor) || s.ndim !== want.length || want.some((d, i) => s.shape[i] !== d)) {
      const got = s instanceof Tensor ? fmtShape(s.shape) : describe(s);
      throw new ChainruleError(`${this.kind}: ${name} must be ${fmtShape(want)}, got ${got}`);
    }
    return unbatched ? unsqueeze(s, 1) : s;
  }

  /**
   * The shared forward: output [L, N, D·H] (batch layout as the input) and the final states
   * [numLayers·D, N, H] (`c` only for the LSTM). Dropout applies to every layer's output but the
   * last, in training only.
   */
  protected run(
    x: Tensor,
    h0: Tensor | null | undefined,
    c0: Tensor | null | undefined,
    step: Step,
  ): [Tensor, Tensor, Tensor | null] {
    const [seq0, unbatched] = this.sequence(x);
    const [L, N] = seq0.shape as [number, number, number];
    const dtype = this.cellWeights(0, "").wIh.dtype as FloatDType;
    const hAll = this.initialState(h0, "h0", N, unbatched, dtype);
    const cAll = step === lstmStep ? this.initialState(c0, "c0", N, unbatched, dtype) : null;
    const hStart = split(hAll, 1, 0);
    const cStart = cAll ? split(cAll, 1, 0) : null;
    const H = this.hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    const hN: Tensor[] = [];
    const cN: Tensor[] = [];
    let seq = seq0;
    for (let k = 0; k < this.numLayers; k++) {
      const inK = seq.shape[2] as number;
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const w = this.cellWeights(k, d === 0 ? "" : "_reverse");
        // the input projections of all L steps in one product: [L·N, in] → [L, N, G·H]
        const xs = split(
          reshape(linear(reshape(seq, [L * N, inK]), w.wIh, w.bIh), [L, N, this.gates * H]),
          1,
          0,
        );
        let h = reshape(hStart[k * D + d] as Tensor, [N, H]);
        let c = cStart ? reshape(cStart[k * D + d] as Tensor, [N, H]) : null;
        const hs: Tensor[] = new Array(L);
        for (let s = 0; s < L; s++) {
          const t = d === 0 ? s : L - 1 - s; // the reverse direction reads the sequence backwards
          [h, c] = step(reshape(xs[t] as Tensor, [N, this.gates * H]), h, c, w);
          hs[t] = h;
        }
        outs.push(stack(hs, 0));
        hN.push(h);
        if (c) cN.push(c);
      }
      seq = D === 1 ? (outs[0] as Tensor) : concat(outs, 2);
      if (this.dropout > 0 && this.training && k < this.numLayers - 1) seq = dropout(seq, this.dropout, true);
    }
    let out = seq;
    let hOut = stack(hN, 0);
    let cOut = cN.length > 0 ? stack(cN, 0) : null;
    if (unbatched) {
      out = squeeze(out, 1);
      hOut = squeeze(hOut, 1);
      cOut = cOut ? squeeze(cOut, 1) : null;
    } else if (this.batchFirst) out = transpose(out, 0, 1);
    return [out, hOut, cOut];
  }
}

/**
 * An Elman RNN (`torch.nn.RNN`): per layer and time step
 * h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) (relu with `nonlinearity: "relu"`).
 * Parameters `weight_ih_lk` [H, in] (layer 0) or [H, D·H], `weight_hh_lk` [H, H], `bias_ih_lk`
 * and `bias_hh_lk` [H] (`_reverse` for the backward direction), all U(−1/√H, 1/√H).
 *
 * `forward(x, h0?)` takes x [L, N, inputSize] ([N, L, inputSize] with `batchFirst`, or [L,
 * inputSize] unbatched) and h0 [numLayers·D, N, H] (zeros when absent; D = 2 if bidirectional);
 * returns `[output, hN]`: output [L, N, D·H] (the last layer's h_t for every t, in the input's
 * layout), hN [numLayers·D, N, H] (every layer's last h).
 *
 * Options (all three layers): `numLayers` stacked layers (layer k + 1 reads layer k's output),
 * `bias`, `batchFirst`, `dropout` on every layer's output but the last (training only, as
 * PyTorch), `bidirectional` (D = 2: `_reverse` weights run the sequence backwards and the two
 * outputs are concatenated; hN lists l0, l0_reverse, l1, …), `dtype`.
 *
 * @example
 * const rnn = new nn.RNN(3, 4, { numLayers: 2 });
 * const [out, hN] = rnn.forward(zeros([5, 2, 3]));
 * [out.shape, hN.shape]; // [[5, 2, 4], [2, 2, 4]]
 * rnn.namedParameters().slice(0, 4).map(([name, p]) => [name, p.shape]); // [["weight_ih_l0", [4, 3]], ["weight_hh_l0", [4, 4]], ["bias_ih_l0", [4]], ["bias_hh_l0", [4]]]
 */
export class RNN extends RecurrentBase {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options?: RNNOptions) {
    const o = checkOptions(options, "RNN");
    const nonlinearity =
      o.nonlinearity === undefined
        ? "tanh"
        : checkOneOf(o.nonlinearity, ["tanh", "relu"], "RNN", "nonlinearity");
    super("RNN", 1, inputSize, hiddenSize, o);
    this.nonlinearity = nonlinearity;
  }

  /** Runs the sequence: `[output, hN]` (see the class). */
  forward(x: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const [out, hN] = this.run(x, h0, null, this.nonlinearity === "tanh" ? tanhStep : reluStep);
    return [out, hN];
  }
}

/**
 * Long short-term memory (`torch.nn.LSTM`): per layer and time step, gates in PyTorch's order
 * i, f, g, o,
 *
 *   [i, f, g, o] = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh
 *   c_t = σ(f) ⊙ c_{t−1} + σ(i) ⊙ tanh(g)
 *   h_t = σ(o) ⊙ tanh(c_t)
 *
 * Parameters `weight_ih_lk` [4H, in], `weight_hh_lk` [4H, H], `bias_ih_lk` and `bias_hh_lk`
 * [4H] (rows in the gate order), all U(−1/√H, 1/√H).
 *
 * `forward(x, [h0, c0]?)` takes x as `nn.RNN` does and both initial states [numLayers·D, N, H]
 * (zeros when absent); returns `[output, [hN, cN]]`.
 *
 * @example
 * const lstm = new nn.LSTM(2, 3, { batchFirst: true });
 * const [out, [hN, cN]] = lstm.forward(zeros([4, 6, 2]));
 * [out.shape, hN.shape, cN.shape]; // [[4, 6, 3], [1, 4, 3], [1, 4, 3]]
 * lstm.weight_ih_l0.shape; // [12, 2]
 */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions) {
    super("LSTM", 4, inputSize, hiddenSize, checkOptions(options, "LSTM"));
  }

  /** Runs the sequence: `[output, [hN, cN]]` (see the class). */
  forward(x: Tensor, state?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (state !== undefined && state !== null && (!Array.isArray(state) || state.length !== 2))
      throw new ChainruleError(`LSTM: the initial state must be [h0, c0], got ${describe(state)}`);
    const [out, hN, cN] = this.run(x, state?.[0], state?.[1], lstmStep);
    return [out, [hN, cN as Tensor]];
  }
}

/**
 * Gated recurrent unit (`torch.nn.GRU`): per layer and time step, gates in PyTorch's order r, z, n,
 *
 *   r = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
 *   z = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
 *   n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1} + b_hn))
 *   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 *
 * Parameters `weight_ih_lk` [3H, in], `weight_hh_lk` [3H, H], `bias_ih_lk` and `bias_hh_lk`
 * [3H] (rows in the gate order), all U(−1/√H, 1/√H). `forward(x, h0?)` as `nn.RNN`.
 *
 * @example
 * const gru = new nn.GRU(2, 3);
 * const [out, hN] = gru.forward(zeros([4, 2]));
 * [out.shape, hN.shape]; // [[4, 3], [1, 3]]
 * Object.keys(gru.stateDict()); // ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
 */
export class GRU extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions) {
    super("GRU", 3, inputSize, hiddenSize, checkOptions(options, "GRU"));
  }

  /** Runs the sequence: `[output, hN]` (see the class). */
  forward(x: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const [out, hN] = this.run(x, h0, null, gruStep);
    return [out, hN];
  }
}
