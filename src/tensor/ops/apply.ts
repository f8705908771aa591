/**
 * `apply`: how every op call becomes a graph node. The op families (elementwise.ts, reduce.ts, …),
 * custom ops and the nn-level fused ops all end here.
 */
import { anomaly, anomalyForward } from "../../autograd/anomaly";
import { isGradEnabled } from "../../autograd/grad-mode";
import { tagScope } from "../../autograd/scope";
import { floatOf, isFloat, promoteTypes } from "../dtype";
import type { OpDef } from "../op-def";
import { Tensor } from "../tensor";
import { astypeOp } from "./shape";

/**
 * Turns an op call into exactly one graph node: runs the forward (which validates and throws
 * before anything exists), wraps the result, and, while recording (outside `noGrad`), links it
 * to its inputs. Every op is recorded, so any computation can be drawn; the result requires grad
 * when the op is differentiable and some input requires grad.
 */
export function apply<A, I extends readonly Tensor[]>(def: OpDef<A, I>, given: I, attrs: A): Tensor {
  const inputs = def.dtypes === "any" ? given : (toCommonFloat(given) as unknown as I);
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
  // only floating results carry gradients (an int32 sum or a bool comparison never does)
  w._requiresGrad = def.backward !== undefined && isFloat(t.dtype) && inputs.some((x) => x.requiresGrad);
  tagScope(t);
  // anomaly mode: NaN/±Infinity from finite inputs throws here (nothing refers to t yet)
  if (anomaly.on) anomalyForward(def.name, inputs, t, w._requiresGrad, def.saves ?? "both");
  return t;
}

/**
 * The inputs of a floating-point-only op, converted to their common floating dtype (PyTorch's
 * promotion, with int32 and bool going to float64): each conversion is a recorded `astype`
 * node, differentiable between float dtypes. Inputs that already agree pass through unchanged.
 */
function toCommonFloat(inputs: readonly Tensor[]): readonly Tensor[] {
  const first = inputs[0];
  if (first === undefined) return inputs;
  let dtype = first.dtype;
  let same = true;
  for (let i = 1; i < inputs.length; i++) {
    const d = (inputs[i] as Tensor).dtype;
    if (d !== dtype) {
      same = false;
      dtype = promoteTypes(dtype, d);
    }
  }
  if (same && isFloat(dtype)) return inputs;
  const target = floatOf(dtype);
  return inputs.map((x) => (x.dtype === target ? x : apply(astypeOp, [x], { dtype: target })));
}

/**
 * Operands converted to their common dtype (`promoteTypes`: bool < int32 < float32 < float64),
 * each conversion a recorded `astype`; operands that already agree pass through unchanged.
 */
export function promote<T extends readonly Tensor[]>(ts: T): T {
  let dtype = (ts[0] as Tensor).dtype;
  let same = true;
  for (const t of ts) {
    if (t.dtype !== dtype) same = false;
    dtype = promoteTypes(dtype, t.dtype);
  }
  if (same) return ts;
  return ts.map((x) => (x.dtype === dtype ? x : apply(astypeOp, [x], { dtype }))) as unknown as T;
}
