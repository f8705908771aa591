/**
 * The report's hand side: σ′(zˡ) read from the scalar op table, and BP1–BP4 recomputed with
 * tensor ops (mul, matmul, transpose, sum) in float64 from autodiff's neighbouring quantities.
 *
 * chainrule's `Linear` works on row vectors, so with Δˡ the rows δˡ of a batch (one row for one
 * example): Δˡ = g ⊙ σ′(Zˡ) with g = ∇ₐC (BP1) or Δˡ⁺¹·Wˡ⁺¹ (BP2), ∂C/∂bˡ = Σ rows of Δˡ (BP3),
 * ∂C/∂Wˡ = (Δˡ)ᵀ·Aˡ⁻¹ (BP4).
 */
import type { Conv2d } from "../nn/conv";
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
export function sigmaPrime(s: Pick<Stage, "activation" | "scalar">, z: Tensor, a: Tensor): Tensor | null {
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

/** A Conv2d layer's window: stride, padding [top, bottom, left, right], dilation, groups. */
export interface ConvGeometry {
  stride: [number, number];
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

const twoOf = (p: number | readonly number[]): [number, number] =>
  typeof p === "number" ? [p, p] : [p[0] as number, p[1] as number];

/** The geometry of an `nn.Conv2d` (its "same" padding resolved as conv2d does: any odd extra at the bottom/right). */
export function convGeometry(m: Conv2d): ConvGeometry {
  const stride = twoOf(m.stride);
  const dilation = twoOf(m.dilation);
  let padding: [number, number, number, number];
  if (m.padding === "valid") padding = [0, 0, 0, 0];
  else if (m.padding === "same") {
    const t = dilation[0] * (m.kernelSize[0] - 1);
    const s = dilation[1] * (m.kernelSize[1] - 1);
    padding = [t >> 1, t - (t >> 1), s >> 1, s - (s >> 1)];
  } else {
    const [ph, pw] = twoOf(m.padding);
    padding = [ph, ph, pw, pw];
  }
  return { stride, padding, dilation, groups: m.groups };
}

/** The backward equations of z = conv2d(a, W) + b, recomputed from δ = ∂C/∂z. */
export interface ConvEquations {
  /** BP2's first half: ∂C/∂a = convTranspose2d(δ, W), each δ spread back over the window it came from. */
  gradInput: Tensor;
  /** BP4: ∂C/∂W = Σₙ δₙ ⋆ aₙ (conv2dWeight: δ correlated with the input). */
  gradWeight: Tensor;
  /** BP3: ∂C/∂b = Σ_{n, y, x} δ. */
  gradBias: Tensor;
}

/**
 * BP2's first half, BP3 and BP4 of a convolution, in plain float64 loops over the definition
 * z[n, o, y, x] = b[o] + Σ_{c, i, j} W[o, c, i, j]·a[n, g·C/G + c, y·sh − pt + i·dh, x·sw − pl + j·dw]
 * (zero outside the image), independent of the graph's conv2d/convTranspose2d/conv2dWeight ops:
 * every product term W·a sends δ[n, o, y, x]·a to ∂C/∂W and δ[n, o, y, x]·W to ∂C/∂a.
 * `input` [N, C, H, W] or unbatched [C, H, W]; `delta` likewise; results in `dtype`.
 */
export function convEquations(
  input: Tensor,
  weight: Tensor,
  delta: Tensor,
  geo: ConvGeometry,
  dtype: DType,
): ConvEquations {
  const batched = input.ndim === 4;
  const [n, c, h, w] = (batched ? input.shape : [1, ...input.shape]) as number[] as [
    number,
    number,
    number,
    number,
  ];
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  const oh = delta.shape[delta.ndim - 2] as number;
  const ow = delta.shape[delta.ndim - 1] as number;
  const [sh, sw] = geo.stride;
  const [dh, dw] = geo.dilation;
  const pt = geo.padding[0];
  const pl = geo.padding[2];
  const og = o / geo.groups;
  const a = readData(input);
  const W = readData(weight);
  const d = readData(delta);
  const gA = new Float64Array(input.size);
  const gW = new Float64Array(weight.size);
  const gB = new Float64Array(o);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < o; k++) {
      const c0 = Math.floor(k / og) * cg;
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          const dv = d[((b * o + k) * oh + y) * ow + x] as number;
          gB[k] = (gB[k] as number) + dv;
          for (let ci = 0; ci < cg; ci++) {
            for (let i = 0; i < kh; i++) {
              const yy = y * sh - pt + i * dh;
              if (yy < 0 || yy >= h) continue;
              for (let j = 0; j < kw; j++) {
                const xx = x * sw - pl + j * dw;
                if (xx < 0 || xx >= w) continue;
                const ai = ((b * c + c0 + ci) * h + yy) * w + xx;
                const wi = ((k * cg + ci) * kh + i) * kw + j;
                gW[wi] = (gW[wi] as number) + dv * (a[ai] as number);
                gA[ai] = (gA[ai] as number) + dv * (W[wi] as number);
              }
            }
          }
        }
      }
    }
  }
  return {
    gradInput: new Tensor(gA, input.shape).astype(dtype),
    gradWeight: new Tensor(gW, weight.shape).astype(dtype),
    gradBias: new Tensor(gB, [o]).astype(dtype),
  };
}

/**
 * BP2's first half, BP3 and BP4 of a Linear stage z = a·Wᵀ + b in float64 tensor ops on detached
 * values, from δ = ∂C/∂z: ∂C/∂a = δ·W, ∂C/∂W = δᵀ·a (rows summed over the batch), ∂C/∂b = Σ rows of δ.
 */
export function linearEquations(
  input: Tensor,
  weight: Tensor,
  hasBias: boolean,
  delta: Tensor,
  dtype: DType,
): { gradInput: Tensor; gradWeight: Tensor; gradBias: Tensor | null } {
  const rows = asRows(f64(delta));
  return {
    gradInput: rows.matmul(f64(weight)).reshape(input.shape).astype(dtype),
    gradWeight: rows
      .transpose()
      .matmul(asRows(f64(input)))
      .astype(dtype),
    gradBias: hasBias ? rows.sum(0).astype(dtype) : null,
  };
}

/** max |a − b| in float64 (NaN when any difference is NaN, 0 for empty tensors), for the stage checks. */
export function maxError(a: Tensor, b: Tensor): number {
  return maxAbsDiff(a, b);
}
