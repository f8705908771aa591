/**
 * THE op table: every tensor op chainrule records, by name. Each entry is one `OpDef` with its
 * forward kernel and its backward formula side by side (see the family files). Tests walk this
 * table: an op added here is gradchecked automatically.
 */
import type { OpDef } from "../tensor";
import * as e from "./elementwise";
import * as ix from "./indexing";
import * as l from "./linalg";
import * as p from "./prelu";
import * as r from "./reduce";
import * as s from "./shape";

/** Every recorded tensor op by name (see the file comment). */
export const opTable = {
  // elementwise, unary: one row each in elementwise.ts (neg, exp, …, clamp)
  ...unaryOpDefs(),
  // elementwise, binary (broadcasting)
  add: e.addOp,
  sub: e.subOp,
  mul: e.mulOp,
  div: e.divOp,
  pow: e.powOp,
  maximum: e.maximumOp,
  minimum: e.minimumOp,
  atan2: e.atan2Op,
  remainder: e.remainderOp,
  where: e.whereOp,
  prelu: p.preluOp,
  reluBackward: e.reluBackwardOp,
  // reductions and the softmax family
  sum: r.sumOp,
  mean: r.meanOp,
  max: r.maxOp,
  min: r.minOp,
  logSumExp: r.logSumExpOp,
  cumsum: r.cumsumOp,
  prod: r.prodOp,
  cumprod: r.cumprodOp,
  norm: r.normOp,
  softmax: r.softmaxOp,
  logSoftmax: r.logSoftmaxOp,
  // linear algebra
  matmul: l.matmulOp,
  mm: l.mmOp,
  transpose: l.transposeOp,
  permute: l.permuteOp,
  // shape and indexing (and the adjoints their backwards use)
  reshape: s.reshapeOp,
  flatten: s.flattenOp,
  squeeze: s.squeezeOp,
  unsqueeze: s.unsqueezeOp,
  expand: s.expandOp,
  sumTo: s.sumToOp,
  slice: ix.sliceOp,
  sliceBackward: ix.sliceBackwardOp,
  gather: ix.gatherOp,
  scatterAdd: ix.scatterAddOp,
  indexSelect: ix.indexSelectOp,
  indexAdd: ix.indexAddOp,
  concat: s.concatOp,
  stack: s.stackOp,
  flip: s.flipOp,
  roll: s.rollOp,
  triu: s.triuOp,
  tril: s.trilOp,
  pad: s.padOp,
  padBackward: s.padBackwardOp,
  maskedFill: ix.maskedFillOp,
  maskedSelect: ix.maskedSelectOp,
  maskedSelectBackward: ix.maskedSelectBackwardOp,
  scatter: ix.scatterOp,
  clone: s.cloneOp,
  astype: s.astypeOp,
  // not differentiable
  floorDivide: e.floorDivideOp,
  eq: e.eqOp,
  ne: e.neOp,
  gt: e.gtOp,
  lt: e.ltOp,
  ge: e.geOp,
  le: e.leOp,
  logicalAnd: e.logicalAndOp,
  logicalOr: e.logicalOrOp,
  logicalXor: e.logicalXorOp,
  logicalNot: e.logicalNotOp,
  argmax: r.argmaxOp,
  argmin: r.argminOp,
  all: r.allOp,
  any: r.anyOp,
  argsort: r.argsortOp,
  topk: r.topkOp,
} as const satisfies Record<string, OpDef<never, never>>;

/** The `OpDef` of every row of the unary table, by name. */
function unaryOpDefs(): { readonly [K in keyof e.UnaryTable]: e.UnaryTable[K]["op"] } {
  const table = e.unaryTable();
  return Object.fromEntries(Object.entries(table).map(([k, row]) => [k, row.op])) as {
    readonly [K in keyof e.UnaryTable]: e.UnaryTable[K]["op"];
  };
}

/** The name of a tensor op in the table. */
export type OpName = keyof typeof opTable;
