/**
 * The report's hand side: σ′(zˡ) read from the scalar op table, and BP1–BP4 recomputed with
 * tensor ops (mul, matmul, transpose, sum) in float64 from autodiff's neighbouring quantities.
 *
 * chainrule's `Linear` works on row vectors, so with Δˡ the rows δˡ of a batch (one row for one
 * example): Δˡ = g ⊙ σ′(Zˡ) with g = ∇ₐC (BP1) or Δˡ⁺¹·Wˡ⁺¹ (BP2), ∂C/∂bˡ = Σ rows of Δˡ (BP3),
 * ∂C/∂Wˡ = (Δˡ)ᵀ·Aˡ⁻¹ (BP4).
 */
import type { DType } from "../tensor/dtype";
import { readData } from "../tensor/storage";
import { Tensor } from "../tensor/tensor";
import type { Stage, StageActivation } from "./stages";
import { localSymbol } from "./symbols";

/** BP1–BP4 recomputed from autodiff's values one step away, and how far they are from autodiff's. */
export interface BackpropEquations {
  /** BP1 (last layer) or BP2: ∇ₐC ⊙ σ′(zᴸ), or (δˡ⁺¹·Wˡ⁺¹) ⊙ σ′(zˡ). */
  delta: Tensor;
  /** BP3: δˡ (summed over the rows of a batch). */
  gradBias: Tensor | null;
  /** BP4: δˡ(aˡ⁻¹)ᵀ, or (δˡ)ᵀ·aˡ⁻¹ for a batch. */
  gradWeight: Tensor;
  /** max |equation − autodiff| for δ, ∂C/∂b and ∂C/∂W. */
  maxError: { delta: number; gradBias: number; gradWeight: number };
}

/** What the equations of one layer read: its own quantities from the forward pass and autodiff. */
export interface LayerQuantities {
  inFeatures: number;
  /** aˡ⁻¹: [in] or [n, in]. */
  input: Tensor;
  bias: Tensor | null;
  z: Tensor;
  a: Tensor;
  gradA: Tensor;
  delta: Tensor;
  gradWeight: Tensor;
  gradBias: Tensor | null;
  /** σ′(zˡ), or null for softmax. */
  sigmaPrime: Tensor | null;
}

/** The next layer's quantities that BP2 reads: δˡ⁺¹ and Wˡ⁺¹. */
export interface NextLayer {
  delta: Tensor;
  weight: Tensor;
}

/**
 * σ′ in words, as the report prints it: the activation's local derivative from the unary table
 * (`localSymbol`), written in z and a = σ(z) instead of x and y.
 */
export function sigmaPrimeFormula(activation: StageActivation): string {
  if (activation === "identity") return "1";
  if (activation === "softmax") return "softmax Jacobian diag(a) − a·aᵀ (not elementwise)";
  return localSymbol(activation, 0).replace(/\bx\b/g, "z").replace(/\by\b/g, "a");
}

/**
 * σ′(zˡ) entry by entry, from the activation's local derivative in the scalar op table (the one
 * `Value.backward` uses) at zᵢ with result aᵢ; all ones for "identity"; null for softmax, whose
 * Jacobian is not diagonal.
 */
export function sigmaPrime(s: Stage, z: Tensor, a: Tensor): Tensor | null {
  if (s.activation === "softmax") return null;
  const local = s.scalar?.local[0];
  const zd = readData(z);
  const ad = readData(a);
  const out = new Float64Array(z.size);
  for (let i = 0; i < out.length; i++) out[i] = local ? local(zd[i] as number, 0, ad[i] as number) : 1;
  return new Tensor(out, z.shape).astype(z.dtype);
}

const f64 = (t: Tensor): Tensor => t.astype("float64");

/** The rows of a tensor that is one example [k] or a batch [n, k], as a matrix [n, k]. */
function asRows(t: Tensor): Tensor {
  const cols = t.shape[t.ndim - 1] as number;
  return t.reshape([t.size / cols, cols]);
}

/**
 * BP1/BP2, BP3 and BP4 recomputed in float64 with tensor ops from autodiff's neighbouring
 * quantities (BP2 from δˡ⁺¹ and Wˡ⁺¹, BP3 and BP4 from δˡ), stored in the model's dtype.
 */
export function equations(
  layer: LayerQuantities,
  next: NextLayer | undefined,
  dtype: DType,
): BackpropEquations {
  // g = ∂C/∂aˡ: ∇ₐC (autodiff) for the last layer, δˡ⁺¹·Wˡ⁺¹ for the others (BP2's (wᵀδ) part).
  const g = next === undefined ? f64(layer.gradA) : f64(next.delta).matmul(f64(next.weight));
  let delta: Tensor;
  if (layer.sigmaPrime) {
    delta = g.mul(f64(layer.sigmaPrime));
  } else {
    // softmax: δ_j = a_j (g_j − Σ_k a_k g_k), the Jacobian-vector product row by row
    const a = f64(layer.a);
    delta = a.mul(g.sub(a.mul(g).sum(-1, true)));
  }
  delta = delta.astype(dtype);
  // BP3 and BP4 from autodiff's δˡ
  const rows = asRows(f64(layer.delta));
  const gradWeight = rows
    .transpose()
    .matmul(asRows(f64(layer.input)))
    .astype(dtype);
  const gradBias = layer.bias ? rows.sum(0).astype(dtype) : null;
  return {
    delta,
    gradBias,
    gradWeight,
    maxError: {
      delta: maxAbsDiff(delta, layer.delta),
      gradBias: gradBias && layer.gradBias ? maxAbsDiff(gradBias, layer.gradBias) : 0,
      gradWeight: maxAbsDiff(gradWeight, layer.gradWeight),
    },
  };
}

/** max |a − b| in float64; NaN when any difference is NaN, 0 for empty tensors. */
function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.size === 0) return 0;
  return f64(a).sub(f64(b)).abs().max().item();
}
