/**
 * prelu(x, weight): the leaky ReLU whose slope is learned, one per channel (axis 1), as
 * `torch.nn.functional.prelu`. Forward through the broadcasting `zip` kernel, backward written
 * with differentiable ops (so double backward works).
 */
import { ChainruleError, describe, fmtShape } from "../../errors";
import { zip } from "../kernels/elementwise";
import { type OpDef, Tensor } from "../tensor";
import { apply } from "./apply";
import { gt, mul, where } from "./elementwise";
import { sum } from "./reduce";
import { reshape } from "./shape";
import { allocFloat, checkTensor, lift } from "./util";

const preluOf = (a: number, w: number): number => (a > 0 ? a : w * a);

/**
 * The shape `weight` takes to broadcast along x's channel axis (axis 1): [C, 1, …, 1] with one 1
 * per dimension after the channel axis, or [] for a single slope. Throws unless weight is 0-d or
 * 1-D with 1 element or C = x.shape[1] elements (C = 1 below two dimensions), as PyTorch.
 */
function channelShape(x: Tensor, weight: Tensor): number[] {
  if (weight.ndim > 1) {
    throw new ChainruleError(
      `prelu: weight must be 0-d or 1-D (one slope, or one per channel), got shape ${fmtShape(weight.shape)}`,
    );
  }
  if (weight.size === 1) return [];
  const n = `weight ${fmtShape(weight.shape)} has ${weight.size} slopes`;
  if (x.ndim < 2) {
    throw new ChainruleError(
      `prelu: ${n}, but the input ${fmtShape(x.shape)} has fewer than 2 dimensions, so one channel: give 1 slope`,
    );
  }
  const channels = x.shape[1] as number;
  if (weight.size !== channels) {
    throw new ChainruleError(
      `prelu: ${n}, but the input ${fmtShape(x.shape)} has ${channels} channels (axis 1): give 1 or ${channels}`,
    );
  }
  return [channels, ...x.shape.slice(2).map(() => 1)];
}

/**
 * prelu(x, w): x where x > 0, else w_c·x, with w_c the slope of x's channel c (axis 1).
 * ∂/∂x = ḡ where x > 0 else ḡ·w_c; ∂/∂w_c = Σ ḡ·x over the elements of channel c with x ≤ 0
 * (every axis but the channel axis; all of them for a single slope).
 */
export const preluOp: OpDef<undefined, readonly [Tensor, Tensor]> = {
  name: "prelu",
  saves: "inputs",
  forward: ([x, w]) => {
    const wShape = channelShape(x, w);
    const out = allocFloat(x, x.size);
    zip(x._s.data, x.shape, w._s.data, wShape, out, x.shape, preluOf);
    return { shape: x.shape, data: out };
  },
  backward: (g, { inputs: [x, w], needs }) => {
    const wShape = channelShape(x, w);
    const positive = gt(x, 0);
    const gx = needs[0] ? where(positive, g, mul(g, reshape(w, wShape))) : null;
    let gw: Tensor | null = null;
    if (needs[1]) {
      const perElement = where(positive, 0, mul(g, x));
      // a single slope collects every element; one per channel, all but axis 1
      const axes = wShape.length === 0 ? undefined : x.shape.map((_, i) => i).filter((i) => i !== 1);
      gw = reshape(sum(perElement, axes), w.shape);
    }
    return [gx, gw];
  },
};

/**
 * PReLU (`torch.nn.functional.prelu`): x where x > 0, else weight·x, with `weight` one slope
 * (shape [1] or []) or one per channel (shape [C], C = x.shape[1]) broadcast along axis 1. A
 * number weight is a constant slope.
 *
 * ∂/∂x = ḡ where x > 0, else ḡ·weight (prelu′(0) = weight); ∂/∂weight = Σ ḡ·x over the
 * elements with x ≤ 0, per channel.
 *
 * @example
 * const x = tensor([[-2, 3], [4, -1]]);
 * prelu(x, tensor([0.5, 0.1])).toArray(); // [[-1, 3], [4, -0.1]]
 * x.prelu(tensor([0.25])).toArray();      // [[-0.5, 3], [4, -0.25]]
 */
export function prelu(x: Tensor, weight: Tensor | number): Tensor {
  checkTensor(x, "prelu");
  if (typeof weight !== "number" && !(weight instanceof Tensor)) {
    throw new ChainruleError(`prelu: weight must be a Tensor or a number, got ${describe(weight)}`);
  }
  return apply(preluOp, [x, lift(weight, x, "prelu")], undefined);
}
