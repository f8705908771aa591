/**
 * `apply`: how every op call becomes a graph node. The op families (elementwise.ts, reduce.ts, …),
 * custom ops and the nn-level fused ops all end here.
 */
import { anomaly, anomalyForward } from "../../autograd/anomaly";
import { isGradEnabled } from "../../autograd/grad-mode";
import { tagScope } from "../../autograd/scope";
import type { OpDef } from "../op-def";
import { Tensor } from "../tensor";

/**
 * Turns an op call into exactly one graph node: runs the forward (which validates and throws
 * before anything exists), wraps the result, and, while recording (outside `noGrad`), links it
 * to its inputs. Every op is recorded, so any computation can be drawn; the result requires grad
 * when the op is differentiable and some input requires grad.
 */
export function apply<A, I extends readonly Tensor[]>(def: OpDef<A, I>, inputs: I, attrs: A): Tensor {
  const raw = def.forward(inputs, attrs);
  const t = raw.storage ? Tensor._view(raw.storage, raw.shape) : new Tensor(raw.data, raw.shape);
  if (!isGradEnabled()) {
    if (anomaly.on) anomalyForward(def.name, inputs, t, false, "none");
    return t;
  }
  const w = t as unknown as {
    parents: readonly Tensor[];
    _op: OpDef<A, I>;
    _attrs: A;
    _versions: number[];
    _requiresGrad: boolean;
  };
  w.parents = inputs;
  w._op = def;
  w._attrs = attrs;
  w._versions = [...inputs.map((x) => x._s.version), t._s.version];
  w._requiresGrad = def.backward !== undefined && inputs.some((x) => x.requiresGrad);
  tagScope(t);
  // anomaly mode: NaN/±Infinity from finite inputs throws here (nothing refers to t yet)
  if (anomaly.on) anomalyForward(def.name, inputs, t, w._requiresGrad, def.saves ?? "both");
  return t;
}
