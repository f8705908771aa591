/**
 * `Value` and 0-d `Tensor` agree op for op: random scalar programs (DAGs of every `Value` op that
 * has a tensor counterpart, with reused nodes, numbers on either side, inputs anywhere in [−4, 4]
 * including kinks, ties and NaN-producing domains) give the same forward values and gradients on
 * Values and on 0-d float64 tensors, to 1e-12 relative.
 *
 * Replay and budget: see the top of programs.test.ts and test/property/README.md
 * (CHAINRULE_FC_SEED, CHAINRULE_FC_PATH, CHAINRULE_FC_RUNS).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { opTable, scalarOps, type Tensor, tensor, Value } from "../../src/index";
import { evalScalar, fcParams, SCALAR_OPS, scalarProgramArb } from "./arbitraries";

/**
 * a and b agree to 1e-12 relative to `scale` (at least 1 and |b|); NaN matches NaN, ±∞ itself.
 * Forward values use scale |b|; a gradient uses {@link gradientScales} (a sum of large terms that
 * cancel is only defined to roundoff of those terms).
 */
const same = (a: number, b: number, scale = 0): boolean =>
  a === b ||
  (Number.isNaN(a) && Number.isNaN(b)) ||
  Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b), scale);

/**
 * For each node, the size its gradient's rounding error is relative to: the gradient again, with
 * every local derivative replaced by its absolute value (S(last) = 1, S(u) = Σ |∂c/∂u|·S(c) over
 * the children c), so that terms which cancel, here or further down, still count.
 */
function gradientScales(vs: readonly Value[]): Map<Value, number> {
  const scale = new Map<Value, number>([[vs.at(-1) as Value, 1]]);
  for (let i = vs.length - 1; i >= 0; i--) {
    const c = vs[i] as Value;
    const sc = scale.get(c) ?? 0;
    if (sc === 0 || c.parents.length === 0) continue;
    const locals = [...c._vjp(1)];
    c.parents.forEach((u, k) => {
      const term = Math.abs(locals[k] as number) * sc;
      scale.set(u, (scale.get(u) ?? 0) + (Number.isFinite(term) ? term : 0));
    });
  }
  return scale;
}

/** The smallest positive normal double: 1/x overflows to ∞ below it. */
const MIN_NORMAL = 2 ** -1022;
const subnormal = (x: number) => x !== 0 && Math.abs(x) < MIN_NORMAL;

/** A node of a case the engines are known to disagree on (see KNOWN below). */
function knownMismatch(v: Value): boolean {
  const x = v.parents[0]?.data ?? 0;
  return (v.op === "gelu" && x < -5) || subnormal(v.data);
}

describe("Value and 0-d Tensor", () => {
  it("cover every Value op that the tensor op table also has", () => {
    expect([...SCALAR_OPS].sort()).toEqual(Object.keys(scalarOps).concat("leakyRelu").sort());
    for (const op of SCALAR_OPS) expect(op in opTable, op).toBe(true);
  });

  it("agree op for op on random scalar programs: forward values and every node's gradient", () => {
    fc.assert(
      fc.property(scalarProgramArb, (p) => {
        const vs = evalScalar(p, (x) => new Value(x));
        const ts = evalScalar(p, (x) => tensor(x, { requiresGrad: true }));
        for (const t of ts) if (!t.isLeaf) t.retainGrad();
        (vs.at(-1) as Value).backward();
        (ts.at(-1) as Tensor).backward();
        // KNOWN: (reported in issue 9) Value's log′ and div′ are local reciprocals (1/x, 1/b), which
        // overflow to ∞ for a subnormal x or b, where Tensor computes ḡ/x:
        //   const v = new Value(1e-310); v.log().mul(1e-20).backward(); v.grad  // Infinity
        //   const t = tensor(1e-310, { requiresGrad: true }); t.log().mul(1e-20).backward(); t.grad  // 1e290
        // KNOWN: (reported in issue 9) Tensor's gelu′ takes Φ(x) as ½(1 + erf(x/√2)), which cancels to
        // nothing for x < −5 (as PyTorch's formula); Value's uses the accurate Φ kernel:
        //   const v = new Value(-9); v.gelu().backward(); const t = tensor(-9, { requiresGrad: true });
        //   t.gelu().backward(); (t.grad.item() - v.grad) / v.grad  // 0.012 (relative)
        // Programs meeting any of these cases are skipped until the engines agree; drop the line to check them.
        fc.pre(!vs.some((v) => knownMismatch(v)));
        const scales = gradientScales(vs);
        const disagreements = vs
          .map((v, i) => {
            const t = ts[i] as Tensor;
            return { node: `n${i}`, value: [v.data, t.item()], grad: [v.grad, t.grad?.item() ?? 0], v };
          })
          .filter(
            ({ value: [a, b], grad: [ga, gb], v }) =>
              !same(a as number, b as number) || !same(ga as number, gb as number, scales.get(v)),
          )
          .map(({ v: _, ...row }) => row);
        expect(disagreements).toEqual([]);
      }),
      fcParams(500),
    );
  });
});
