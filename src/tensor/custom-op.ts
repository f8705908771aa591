/**
 * User-defined ops, like PyTorch's `autograd.Function`: a forward computed without recording
 * and a backward the engine calls with ḡ. Written with tensor ops, the backward is itself
 * differentiable (double backward works).
 */
import { noGrad } from "../autograd/grad-mode";
import { ChainruleError, describe, fmtShape } from "../errors";
import { apply } from "./ops/apply";
import { disown } from "./storage";
import { type BackwardContext, type OpDef, Tensor } from "./tensor";

/** The definition of a custom op. */
export interface CustomOpSpec {
  /** The label of the op's nodes in diagrams and explanations. */
  name: string;
  /** Computes the result from the inputs; it runs under `noGrad` (nothing inside is recorded). */
  forward: (...inputs: Tensor[]) => Tensor;
  /** Returns ∂L/∂input for each input (or `null`), given ḡ = ∂L/∂result. */
  backward: (
    grad: Tensor,
    ctx: { inputs: readonly Tensor[]; result: Tensor },
  ) => readonly (Tensor | null | undefined)[];
}

/**
 * Creates a differentiable op from a forward and a backward.
 *
 * @example
 * const square = customOp({
 *   name: "mySquare",
 *   forward: (x) => x.mul(x),
 *   backward: (g, { inputs: [x] }) => [g.mul(x).mul(2)],
 * });
 * square(tensor([3], { requiresGrad: true })).op; // "mySquare"
 */
export function customOp(spec: CustomOpSpec): (...inputs: Tensor[]) => Tensor {
  if (spec === null || typeof spec !== "object")
    throw new ChainruleError(`customOp: expected { name, forward, backward }, got ${describe(spec)}`);
  const { name, forward, backward } = spec;
  if (typeof name !== "string" || name.length === 0)
    throw new ChainruleError("customOp: name must be a non-empty string");
  if (typeof forward !== "function" || typeof backward !== "function") {
    throw new ChainruleError(`customOp ${name}: forward and backward must be functions`);
  }
  const def: OpDef = {
    name,
    forward: (inputs) => {
      const out = noGrad(() => forward(...inputs));
      if (!(out instanceof Tensor))
        throw new ChainruleError(`${name}: forward must return a Tensor, got ${describe(out)}`);
      return { shape: out.shape, data: out._s.data, storage: out._s };
    },
    backward: (g, ctx: BackwardContext<undefined>) => {
      const grads = backward(g, { inputs: ctx.inputs, result: ctx.result });
      if (!Array.isArray(grads) || grads.length !== ctx.inputs.length) {
        throw new ChainruleError(
          `${name} backward: must return one gradient (or null) per input (${ctx.inputs.length})`,
        );
      }
      grads.forEach((gi, i) => {
        if (gi !== null && gi !== undefined && !(gi instanceof Tensor)) {
          throw new ChainruleError(
            `${name} backward: gradient ${i} must be a Tensor or null, got ${describe(gi)}`,
          );
        }
        const x = ctx.inputs[i] as Tensor;
        if (gi instanceof Tensor && gi.dtype !== x.dtype) {
          throw new ChainruleError(
            `${name} backward: gradient ${i} is ${gi.dtype} ${fmtShape(gi.shape)}, input is ${x.dtype}`,
          );
        }
        // user code may keep what it returns: `.grad` must get a copy, never this tensor
        if (gi instanceof Tensor) disown(gi);
      });
      return grads;
    },
  };
  return (...inputs: Tensor[]) => {
    inputs.forEach((x, i) => {
      if (!(x instanceof Tensor))
        throw new ChainruleError(`${name}: input ${i} must be a Tensor, got ${describe(x)}`);
    });
    return apply(def, inputs, undefined);
  };
}
