/**
 * Linear algebra: matmul with torch.matmul semantics, transpose, permute and outer.
 */
import { ChainruleError, fmtShape } from "../../errors";
import {
  broadcastShapes,
  broadcastStrides,
  checkResultShape,
  normalizeAxis,
  sizeOf,
  stridesOf,
} from "../broadcast";
import { gemm } from "../kernels/backend";
import { permute as permuteKernel } from "../kernels/layout";
import type { OpDef, Tensor } from "../tensor";
import { apply } from "./apply";
import { mul } from "./elementwise";
import { reshape, sumTo, unsqueeze } from "./shape";
import { alloc, allocFloat, checkTensor, floatData } from "./util";

/**
 * torch.matmul. A 1-D left operand is read as a row [1, k], a 1-D right operand as a column
 * [k, 1] (the added dimension is dropped from the result); leading (batch) dimensions broadcast.
 *
 * ∂/∂A = ḡ · Bᵀ and ∂/∂B = Aᵀ · ḡ on the 2-D views, summed over broadcast batch dimensions.
 */
export const matmulOp: OpDef<undefined, readonly [Tensor, Tensor]> = {
  name: "matmul",
  saves: "inputs",
  forward: ([x, y]) => {
    const a = x;
    const b = y;
    if (a.ndim === 0 || b.ndim === 0) {
      throw new ChainruleError(
        `matmul: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}: both operands need at least 1 dimension (use mul for scalars)`,
      );
    }
    const as = a.ndim === 1 ? [1, a.shape[0] as number] : a.shape;
    const bs = b.ndim === 1 ? [b.shape[0] as number, 1] : b.shape;
    const m = as[as.length - 2] as number;
    const k = as[as.length - 1] as number;
    const kb = bs[bs.length - 2] as number;
    const n = bs[bs.length - 1] as number;
    if (k !== kb) {
      throw new ChainruleError(
        `matmul: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}: inner dimensions ${k} and ${kb} differ`,
      );
    }
    const aBatch = as.slice(0, -2);
    const bBatch = bs.slice(0, -2);
    let batch: number[];
    try {
      batch = broadcastShapes(aBatch, bBatch, "matmul");
    } catch {
      throw new ChainruleError(
        `matmul: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}: batch dimensions ${fmtShape(aBatch)} and ${fmtShape(bBatch)} cannot be broadcast`,
      );
    }
    const count = sizeOf(batch);
    const shape = [...batch];
    if (a.ndim > 1) shape.push(m);
    if (b.ndim > 1) shape.push(n);
    const out = allocFloat(a, checkResultShape(shape, "matmul"));
    const aStrides = broadcastStrides(aBatch, batch);
    const bStrides = broadcastStrides(bBatch, batch);
    const bStr = stridesOf(batch);
    for (let i = 0; i < count; i++) {
      let ai = 0;
      let bi = 0;
      for (let d = 0, rest = i; d < batch.length; d++) {
        const idx = Math.floor(rest / (bStr[d] as number));
        rest -= idx * (bStr[d] as number);
        ai += idx * (aStrides[d] as number);
        bi += idx * (bStrides[d] as number);
      }
      gemm(floatData(a), ai * m * k, floatData(b), bi * k * n, out, i * m * n, m, k, n);
    }
    return { shape, data: out };
  },
  backward: (g, { inputs: [x, y], needs }) => {
    const a = x;
    const b = y;
    const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
    const b2 = b.ndim === 1 ? unsqueeze(b, -1) : b;
    // ḡ with the dimensions dropped for 1-D operands put back: shape [...batch, m, n]
    let g2 = g;
    if (a.ndim === 1) g2 = unsqueeze(g2, b.ndim === 1 ? 0 : -2);
    if (b.ndim === 1) g2 = unsqueeze(g2, -1);
    if (a2.ndim === 2 && b2.ndim === 2) {
      // the plain 2-D product: the transposes are read by the kernel, not materialised
      return [
        needs[0] ? reshape(mm(g2, b2, false, true), a.shape) : null,
        needs[1] ? reshape(mm(a2, g2, true, false), b.shape) : null,
      ];
    }
    const ga = needs[0] ? reshape(sumTo(matmul(g2, transpose(b2, -2, -1)), a2.shape), a.shape) : null;
    const gb = needs[1] ? reshape(sumTo(matmul(transpose(a2, -2, -1), g2), b2.shape), b.shape) : null;
    return [ga, gb];
  },
};

/** Which operands of `mm` are read transposed. */
export interface MmFlags {
  readonly aT: boolean;
  readonly bT: boolean;
}

/**
 * op(A)·op(B) for 2-D A and B, where op(X) is X or Xᵀ as the flags say (BLAS gemm's transa and
 * transb): the matrix products of matmul's and linear's backward passes, which read the
 * transposed operand in place instead of materialising it. Internal: users call `matmul`.
 *
 * With C = op(A)·op(B), ∂op(A) = ḡ·op(B)ᵀ and ∂op(B) = op(A)ᵀ·ḡ; transposing back where an
 * operand was read transposed, each is again one `mm`:
 *   ∂A = ḡ·op(B)ᵀ = mm(ḡ, B, false, ¬bT)      (aT false)
 *   ∂A = op(B)·ḡᵀ = mm(B, ḡ, bT, true)        (aT true)
 *   ∂B = op(A)ᵀ·ḡ = mm(A, ḡ, ¬aT, false)      (bT false)
 *   ∂B = ḡᵀ·op(A) = mm(ḡ, A, true, aT)        (bT true)
 */
export const mmOp: OpDef<MmFlags, readonly [Tensor, Tensor]> = {
  name: "mm",
  saves: "inputs",
  forward: ([a, b], { aT, bT }) => {
    const [ar, ac] = a.shape as [number, number];
    const [br, bc] = b.shape as [number, number];
    const [m, k] = aT ? [ac, ar] : [ar, ac];
    const [kb, n] = bT ? [bc, br] : [br, bc];
    if (a.ndim !== 2 || b.ndim !== 2 || k !== kb) {
      const op = (t: Tensor, tr: boolean) => `${fmtShape(t.shape)}${tr ? "ᵀ" : ""}`;
      throw new ChainruleError(
        `mm: ${op(a, aT)} · ${op(b, bT)}: needs two matrices with matching inner dimensions`,
      );
    }
    const out = allocFloat(a, checkResultShape([m, n], "mm"));
    gemm(floatData(a), 0, floatData(b), 0, out, 0, m, k, n, bT, aT);
    return { shape: [m, n], data: out };
  },
  backward: (g, { inputs: [a, b], attrs: { aT, bT }, needs }) => [
    needs[0] ? (aT ? mm(b, g, bT, true) : mm(g, b, false, !bT)) : null,
    needs[1] ? (bT ? mm(g, a, true, aT) : mm(a, g, !aT, false)) : null,
  ],
};

/** op(A)·op(B) for 2-D A and B (see `mmOp`); one "mm" node. */
export function mm(a: Tensor, b: Tensor, aT = false, bT = false): Tensor {
  checkTensor(a, "mm");
  checkTensor(b, "mm", "right operand");
  return apply(mmOp, [a, b], { aT, bT });
}

/** Reorders dimensions. ∂ = ḡ permuted by the inverse permutation. */
export const permuteOp: OpDef<{ perm: readonly number[] }, readonly [Tensor]> = {
  name: "permute",
  saves: "none",
  dtypes: "any",
  forward: ([x], { perm }) => {
    const t = x;
    const out = alloc(t, t.size);
    const shape = perm.map((p) => t.shape[p] as number);
    permuteKernel(t._s.data, t.shape, perm, out);
    return { shape, data: out };
  },
  backward: (g, { attrs: { perm } }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [apply(permuteOp, [g], { perm: inverse })];
  },
};

/** Swaps two dimensions (recorded as its own node). ∂ = ḡ with the same two swapped. */
export const transposeOp: OpDef<{ perm: readonly number[] }, readonly [Tensor]> = {
  ...permuteOp,
  name: "transpose",
  backward: (g, { attrs: { perm } }) => [apply(transposeOp, [g], { perm })],
};

export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "matmul");
  checkTensor(b, "matmul", "right operand");
  return apply(matmulOp, [a, b], undefined);
}

export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkTensor(x, "transpose");
  if (x.ndim < 2 && (dim0 === -2 || dim1 === -2)) {
    throw new ChainruleError(`transpose: a tensor of shape ${fmtShape(x.shape)} has fewer than 2 dimensions`);
  }
  const d0 = normalizeAxis(dim0, x.ndim, "transpose", x.shape);
  const d1 = normalizeAxis(dim1, x.ndim, "transpose", x.shape);
  const perm = x.shape.map((_, i) => (i === d0 ? d1 : i === d1 ? d0 : i));
  return apply(transposeOp, [x], { perm });
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor(x, "permute");
  const list = dims.length === 1 && Array.isArray(dims[0]) ? (dims[0] as unknown as number[]) : dims;
  if (list.length !== x.ndim) {
    throw new ChainruleError(
      `permute: ${JSON.stringify(list)} lists ${list.length} dimensions, the tensor ${fmtShape(x.shape)} has ${x.ndim}`,
    );
  }
  const perm = list.map((d) => normalizeAxis(d, x.ndim, "permute", x.shape));
  if (new Set(perm).size !== perm.length)
    throw new ChainruleError(`permute: ${JSON.stringify(list)} repeats a dimension of ${fmtShape(x.shape)}`);
  return apply(permuteOp, [x], { perm });
}

/**
 * The outer product of two 1-D tensors (`torch.outer`): out[i, j] = a[i]·b[j], shape [n, m].
 * Composed of differentiable ops (a as a column times b, broadcast), so the graph shows the
 * `unsqueeze` and the `mul`. ∂/∂a = ḡ·b, ∂/∂b = ḡᵀ·a.
 *
 * @example
 * outer(tensor([1, 2]), tensor([3, 4, 5])).toArray(); // [[3, 4, 5], [6, 8, 10]]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "outer");
  checkTensor(b, "outer", "right operand");
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ChainruleError(
      `outer: both operands must be 1-D, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  return mul(unsqueeze(a, 1), b);
}
