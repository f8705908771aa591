/**
 * Functional autograd: `gradients` (torch.autograd.grad), `grad`, `valueAndGrad`, `jacobian`
 * and `hessian`. None of them reads or writes `.grad`.
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { zeros } from "../tensor/creation";
import { add, reshape, stack } from "../tensor/ops/all";
import { readData } from "../tensor/storage";
import { seedGradient, Tensor } from "../tensor/tensor";
import { checkBoolean, checkInt, checkOptions, fail } from "../validate";
import { backprop, topoSort } from "./engine";
import { enableGrad, withGradMode } from "./grad-mode";

/** Options of {@link gradients}. */
export interface GradientsOptions {
  /** ∂L/∂output for each output (required for outputs with more than one element). */
  gradOutputs?: readonly (Tensor | null | undefined)[];
  /** Record the backward pass, so the returned gradients are differentiable. */
  createGraph?: boolean;
  /** Return `null` for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * ∂(Σ outputs)/∂input for each input, like `torch.autograd.grad`: returns one tensor per input
 * without touching any `.grad`. With `createGraph`, the results are part of the graph and can
 * be differentiated again.
 *
 * @example
 * const x = tensor([1, 2], { requiresGrad: true });
 * const [g] = gradients(x.mul(x).sum(), [x]);
 * g?.toArray();          // [2, 4]  (2x)
 * x.grad;                // null: gradients leaves .grad alone
 */
export function gradients(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options?: GradientsOptions & { allowUnused?: false },
): Tensor[];
export function gradients(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradientsOptions,
): (Tensor | null)[];
export function gradients(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options?: GradientsOptions,
): (Tensor | null)[] {
  const opts = checkOptions(options, "gradients");
  const createGraph = checkBoolean(opts.createGraph, "gradients", "createGraph", false);
  const allowUnused = checkBoolean(opts.allowUnused, "gradients", "allowUnused", false);
  const gradOutputs = opts.gradOutputs;
  if (gradOutputs !== undefined && gradOutputs !== null && !Array.isArray(gradOutputs))
    fail("gradients", "gradOutputs", "an array (one gradient or null per output)", gradOutputs);
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  outs.forEach((t, i) => {
    if (!(t instanceof Tensor))
      throw new ChainruleError(`gradients: output ${i} must be a Tensor, got ${describe(t)}`);
    if (!t.requiresGrad)
      throw new ChainruleError(`gradients: output ${i} ${fmtShape(t.shape)} does not require grad`);
  });
  ins.forEach((t, i) => {
    if (!(t instanceof Tensor))
      throw new ChainruleError(`gradients: input ${i} must be a Tensor, got ${describe(t)}`);
    if (!t.requiresGrad)
      throw new ChainruleError(`gradients: input ${i} ${fmtShape(t.shape)} does not require grad`);
  });
  const seeds = outs.map((t, i) => seedGradient(t, gradOutputs?.[i] ?? undefined, "gradients"));
  const { nodes, grads } = withGradMode(createGraph, () =>
    backprop<Tensor, Tensor>(outs, seeds, (a, b) => add(a, b)),
  );
  const found = new Map<Tensor, Tensor | undefined>();
  nodes.forEach((n, i) => {
    found.set(n, grads[i]);
  });
  return ins.map((x, i) => {
    const g = found.get(x);
    if (g !== undefined) return g;
    if (allowUnused) return null;
    throw new ChainruleError(
      `gradients: input ${i} ${fmtShape(x.shape)} was not used to compute the outputs (pass allowUnused: true to get null)`,
    );
  });
}

/** Options of {@link grad} and {@link valueAndGrad}. */
export interface GradOptions {
  /** Which arguments to differentiate: one index (one gradient) or several (an array). */
  argnums?: number | readonly number[];
}

/** A gradient, or one per differentiated argument. */
export type GradResult = Tensor | Tensor[];

/**
 * Turns a scalar function of tensors into the function computing its gradient(s).
 *
 * Arguments need not have `requiresGrad`. `argnums` entries are integer argument positions; a
 * repeated entry gets the same gradient again (as in JAX: `argnums: [0, 0]` gives ∂f/∂x twice).
 * Options and arguments are checked (`ChainruleError`). If `f`'s result depends on a tensor that requires grad
 * besides the differentiated arguments' copies (the call is part of another recording: an outer
 * `grad`, an argument or a closed-over tensor that requires grad), the result stays
 * differentiable, so `grad(grad(f))` and mixed partials work; otherwise it is detached.
 *
 * @example
 * const f = (x: Tensor) => x.pow(3);
 * grad(f)(tensor(2)).item();        // 12  (3x²)
 * grad(grad(f))(tensor(2)).item();  // 12  (6x)
 */
export function grad<Args extends unknown[]>(
  f: (...args: Args) => Tensor,
  options: { argnums: readonly number[] },
): (...args: Args) => Tensor[];
export function grad<Args extends unknown[]>(
  f: (...args: Args) => Tensor,
  options: { argnums: number },
): (...args: Args) => Tensor;
export function grad(f: (x: Tensor) => Tensor, options?: GradOptions): (x: Tensor) => Tensor;
export function grad<Args extends [Tensor, Tensor, ...Tensor[]]>(
  f: (...args: Args) => Tensor,
  options?: GradOptions,
): (...args: Args) => Tensor[];
export function grad<Args extends unknown[]>(
  f: (...args: Args) => Tensor,
  options?: GradOptions,
): (...args: Args) => GradResult;
export function grad<Args extends unknown[]>(
  f: (...args: Args) => Tensor,
  options?: GradOptions,
): (...args: Args) => GradResult {
  const opts = checkOptions(options, "grad");
  return (...args: Args) => valueAndGradImpl(f, opts, args, "grad")[1];
}

/** Like {@link grad}, returning `[value, gradients]`. */
export function valueAndGrad<Args extends unknown[]>(
  f: (...args: Args) => Tensor,
  options: { argnums: readonly number[] },
): (...args: Args) => [Tensor, Tensor[]];
export function valueAndGrad<Args extends unknown[]>(
  f: (...args: Args) => Tensor,
  options: { argnums: number },
): (...args: Args) => [Tensor, Tensor];
export function valueAndGrad(
  f: (x: Tensor) => Tensor,
  options?: GradOptions,
): (x: Tensor) => [Tensor, Tensor];
export function valueAndGrad<Args extends [Tensor, Tensor, ...Tensor[]]>(
  f: (...args: Args) => Tensor,
  options?: GradOptions,
): (...args: Args) => [Tensor, Tensor[]];
export function valueAndGrad<Args extends unknown[]>(
  f: (...args: Args) => Tensor,
  options?: GradOptions,
): (...args: Args) => [Tensor, GradResult];
export function valueAndGrad<Args extends unknown[]>(
  f: (...args: Args) => Tensor,
  options?: GradOptions,
): (...args: Args) => [Tensor, GradResult] {
  const opts = checkOptions(options, "valueAndGrad");
  return (...args: Args) => valueAndGradImpl(f, opts, args, "valueAndGrad");
}

function valueAndGradImpl<Args extends unknown[]>(
  f: (...args: Args) => Tensor,
  options: GradOptions,
  args: Args,
  op: string,
): [Tensor, GradResult] {
  if (typeof f !== "function") throw new ChainruleError(`${op}: expected a function, got ${describe(f)}`);
  const tensorArgs = args.map((a, i) => (a instanceof Tensor ? i : -1)).filter((i) => i >= 0);
  const argnums = options.argnums ?? (tensorArgs.length === 1 ? (tensorArgs[0] as number) : tensorArgs);
  if (typeof argnums !== "number" && !Array.isArray(argnums))
    fail(op, "argnums", "an integer or an array of integers", argnums);
  const list = typeof argnums === "number" ? [argnums] : Array.from(argnums);
  if (list.length === 0) throw new ChainruleError(`${op}: no tensor arguments to differentiate`);
  for (const i of list) {
    checkInt(i, op, "argnums entry", 0);
    if (!(args[i] instanceof Tensor)) {
      throw new ChainruleError(
        `${op}: argument ${i} must be a Tensor to be differentiated, got ${describe(args[i])}`,
      );
    }
  }
  const call = [...args] as Args;
  const fresh: Tensor[] = [];
  // one leaf per argument: a repeated argnum gets the same gradient again (as in JAX)
  const leafOf = new Map<number, Tensor>();
  const leaves = list.map((i) => {
    const known = leafOf.get(i);
    if (known !== undefined) return known;
    const x = args[i] as Tensor;
    let leaf = x;
    if (!x.requiresGrad) {
      leaf = x.detach();
      leaf.requiresGrad = true;
      call[i] = leaf;
      fresh.push(leaf);
    }
    leafOf.set(i, leaf);
    return leaf;
  });
  return enableGrad(() => {
    const y = f(...call);
    if (!(y instanceof Tensor))
      throw new ChainruleError(`${op}: the function must return a Tensor, got ${describe(y)}`);
    if (y.size !== 1) {
      throw new ChainruleError(
        `${op}: the function must return a one-element tensor, got shape ${fmtShape(y.shape)}`,
      );
    }
    const nested = dependsOnOuterGraph(y, fresh);
    const gs = y.requiresGrad
      ? gradients([y], leaves, { createGraph: nested, allowUnused: true })
      : leaves.map(() => null);
    const out = gs.map((g, k) => {
      const x = leaves[k] as Tensor;
      const full = g ?? zeros(x.shape, { dtype: x.dtype });
      return nested ? full : full.detach();
    });
    const value = nested ? y : y.detach();
    return [value, typeof argnums === "number" ? (out[0] as Tensor) : out];
  });
}

/**
 * Whether `y` depends on a tensor that requires grad other than the leaves this call created:
 * then the call is part of another recording (an outer `grad`, a closed-over parameter, an
 * argument that already requires grad) and its results must stay differentiable.
 */
function dependsOnOuterGraph(y: Tensor, own: readonly Tensor[]): boolean {
  return topoSort([y]).some((node) => node.isLeaf && !own.includes(node));
}

/**
 * The Jacobian of `f` at `x`: a tensor of shape [...out, ...in] with J[i…, j…] = ∂f(x)[i…]/∂x[j…].
 * One backward pass per output element. Differentiable when `x` requires grad or `f` uses other
 * tensors that do (an outer recording); detached otherwise.
 */
export function jacobian(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new ChainruleError(`jacobian: x must be a Tensor, got ${describe(x)}`);
  const own = !x.requiresGrad;
  const leaf = own ? x.detach() : x;
  if (own) leaf.requiresGrad = true;
  return enableGrad(() => {
    const y = f(leaf);
    if (!(y instanceof Tensor))
      throw new ChainruleError(`jacobian: the function must return a Tensor, got ${describe(y)}`);
    const nested = dependsOnOuterGraph(y, own ? [leaf] : []);
    const rows: Tensor[] = [];
    for (let i = 0; i < y.size; i++) {
      if (!y.requiresGrad) {
        rows.push(zeros(x.shape, { dtype: x.dtype }));
        continue;
      }
      const seed = zeros(y.shape, { dtype: y.dtype });
      readData(seed)[i] = 1; // a fresh tensor no op has seen: not an in-place write
      const [g] = gradients([y], [leaf], { gradOutputs: [seed], createGraph: nested, allowUnused: true });
      rows.push(g ?? zeros(x.shape, { dtype: x.dtype }));
    }
    const shape = [...y.shape, ...x.shape];
    const j = rows.length === 0 ? zeros(shape, { dtype: x.dtype }) : reshape(stack(rows), shape);
    return nested ? j : j.detach();
  });
}

/**
 * The Hessian of a scalar `f` at `x`: shape [...in, ...in], H[i…, j…] = ∂²f/∂x[i…]∂x[j…],
 * computed as the Jacobian of the (differentiable) gradient.
 */
export function hessian(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new ChainruleError(`hessian: x must be a Tensor, got ${describe(x)}`);
  const g = grad(f);
  return jacobian((v) => g(v) as Tensor, x);
}
