/**
 * What an op is: `OpDef`, the forward computation on raw storage beside the backward formula
 * written with differentiable tensor ops. Every op of the tables (ops/) is one of these, and
 * `apply` (tensor.ts) turns a call into one graph node.
 */
import { ChainruleError, fmtShape } from "../errors";
import type { TypedArray } from "./dtype";
import type { Storage } from "./storage";
import type { Tensor } from "./tensor";

/** What an op's forward returns: the result's shape and freshly computed (or shared) storage. */
export interface RawResult {
  readonly shape: readonly number[];
  readonly data: TypedArray;
  /** Set when the result shares its input's memory (reshape-like views). */
  readonly storage?: Storage;
}

/** What an op's backward receives besides ḡ = ∂L/∂result. */
export interface BackwardContext<A, I extends readonly Tensor[] = readonly Tensor[]> {
  /** The op's inputs, as recorded (a tuple type when the op's arity is fixed). */
  readonly inputs: I;
  /** The op's result (differentiable itself when the backward is being recorded). */
  readonly result: Tensor;
  /** The op's non-tensor arguments (axes, shapes, slopes…). */
  readonly attrs: A;
  /** needs[i]: whether input i requires a gradient (skip the work when it does not). */
  readonly needs: readonly boolean[];
}

/**
 * One tensor operation: the graph node's label, the forward computation on raw storage, and the
 * backward formula written with differentiable tensor ops (so gradients of gradients work).
 */
export interface OpDef<A = undefined, I extends readonly Tensor[] = readonly Tensor[]> {
  readonly name: string;
  /** Checks the arguments (throwing `ChainruleError` before anything is created) and computes. */
  readonly forward: (inputs: I, attrs: A) => RawResult;
  /**
   * ∂L/∂inputᵢ for each input given ḡ. A gradient may have the broadcast shape of the result:
   * the engine sums it back to the input's shape (`sumTo`), the one broadcasting rule.
   * Absent for non-differentiable ops (comparisons, argmax), whose results never require grad.
   */
  readonly backward?: (grad: Tensor, ctx: BackwardContext<A, I>) => readonly (Tensor | null | undefined)[];
  /**
   * Which recorded data the backward reads, for the in-place modification check: the inputs,
   * the result, both (default) or none.
   */
  readonly saves?: "inputs" | "result" | "both" | "none";
  /**
   * Which dtypes the forward handles. Absent: floating point only, and `apply` first converts
   * the inputs to their common floating dtype (int32 and bool become float64, float32 with
   * float64 becomes float64), so the kernel sees one float dtype. `"any"`: the op handles every
   * dtype itself (shape ops, comparisons, integer arithmetic, sum/max/min, …).
   */
  readonly dtypes?: "any";
}

/**
 * The in-place modification check, run before an op's backward: the data it `saves` must still
 * have the storage versions recorded when the op ran (`saved`: the inputs', then the result's),
 * else its gradient would be computed from changed numbers, and this throws instead.
 */
export function checkSavedVersions(
  def: OpDef<unknown>,
  inputs: readonly Tensor[],
  result: Tensor,
  saved: readonly number[],
): void {
  const saves = def.saves ?? "both";
  if (saves === "inputs" || saves === "both") {
    inputs.forEach((x, i) => {
      if (x._s.version !== saved[i]) {
        throw new ChainruleError(
          `backward: input ${i} ${fmtShape(x.shape)} of ${def.name} was modified in place after ${def.name} used it ` +
            `(version ${x._s.version}, recorded ${saved[i]}); recompute the forward pass after changing data`,
        );
      }
    });
  }
  if ((saves === "result" || saves === "both") && result._s.version !== saved[inputs.length]) {
    throw new ChainruleError(
      `backward: the result ${fmtShape(result.shape)} of ${def.name} was modified in place after it was computed ` +
        `(version ${result._s.version}, recorded ${saved[inputs.length]}); recompute the forward pass`,
    );
  }
}
