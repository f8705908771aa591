/**
 * Properties of random small tensor programs: chains of 1–4 ops from the op table on random
 * broadcastable shapes (size-1 dims, 0-d), random axes (negative too), keepDims, operand order
 * and dtype, with inputs in each op's smooth domain (see ./arbitraries.ts).
 *
 * Replay and budget (see test/property/README.md): a failure prints the program, its `seed` and
 * `path`; run it again with
 *   CHAINRULE_FC_SEED=<seed> CHAINRULE_FC_PATH=<path> npx vitest run test/property -t "<test name>"
 * and run longer with CHAINRULE_FC_RUNS=<runs per property>.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DType,
  gradcheck,
  gradgradcheck,
  noGrad,
  type OpName,
  opTable,
  Rng,
  type Tensor,
  tensor,
} from "../../src/index";
import { centralDiff } from "../helpers/close";
import { sampled, uniform } from "../tensor/fixtures";
import {
  CANDIDATES,
  fcParams,
  inputsOf,
  NOT_GENERATED,
  type Program,
  programArb,
  runProgram,
  smoothAt,
  trace,
} from "./arbitraries";

/**
 * float32 against float64, as max error / max(1, max |float64 value|) per tensor: about 80 float32
 * ulps (epsilon 1.2e-7). Over 3,000 random programs the largest error seen was 2.9e-7.
 */
const F32_TOL = 1e-5;

/** The fixed random weights w of the scalar loss Σ program(x) ⊙ w (drawn from the program's seed). */
const weightsOf = (p: Program, shape: readonly number[], dtype: DType): Tensor =>
  sampled(new Rng(p.seed ^ 0x5eed), shape, uniform(-1, 1), dtype);

/** The scalar loss Σ program(x) ⊙ w. */
const lossOf =
  (p: Program) =>
  (...xs: Tensor[]): Tensor => {
    const y = runProgram(p, xs);
    return y.mul(weightsOf(p, y.shape, y.dtype)).sum();
  };

/** Fresh leaves that require grad. */
const leaves = (xs: readonly Tensor[]): Tensor[] =>
  xs.map((x) => {
    x.requiresGrad = true;
    return x;
  });

/** The same values as float64 tensors. */
const widen = (xs: readonly Tensor[]): Tensor[] =>
  xs.map((x) => tensor(x.data, { shape: x.shape, dtype: "float64" }));

/** max |a − e| / max(1, max |e|): the error relative to the size of the expected tensor. */
function scaledError(a: Tensor, e: Tensor): number {
  const scale = Math.max(1, ...Array.from(e.data, Math.abs));
  let err = 0;
  a.data.forEach((v, i) => {
    err = Math.max(err, Math.abs(v - (e.data[i] as number)));
  });
  return err / scale;
}

/** A smooth program and its float64 inputs (points near a kink are discarded). */
function smoothInputs(p: Program): Tensor[] {
  const xs = inputsOf(p, "float64");
  fc.pre(smoothAt(p, xs));
  return xs;
}

/** Every op the generator draws (the table minus NOT_GENERATED), each focused on in turn below. */
const DRAWN = (Object.keys(opTable) as OpName[]).filter((op) => !(op in NOT_GENERATED));

describe("random programs", () => {
  it("are drawn from every op of the table, except the adjoints exercised by backward passes", () => {
    const drawn = new Set(CANDIDATES.flatMap((c) => c.ops));
    for (const op of Object.keys(opTable)) {
      expect([op, drawn.has(op as OpName)]).toEqual([op, !(op in NOT_GENERATED)]);
    }
  });

  it("give every step the shape of the broadcasting, reduction and indexing rules, in the program's dtype", () => {
    fc.assert(
      fc.property(programArb(), (p) => {
        const ts = noGrad(() => trace(p, inputsOf(p)));
        p.steps.forEach((s, i) => {
          const t = ts[i + 1] as Tensor;
          expect([s.text, t.shape]).toEqual([s.text, s.shape]);
          expect(t.dtype).toBe(p.dtype);
        });
      }),
      fcParams(200),
    );
  });
});

describe.each(DRAWN)("random programs using %s", (op) => {
  const programs = programArb({ focus: op });

  it("have first derivatives matching central differences: gradcheck, and a hand-written one", () => {
    fc.assert(
      fc.property(programs, (p) => {
        const xs = smoothInputs(p);
        // the library's check, entry by entry
        const r = gradcheck(lossOf(p), xs);
        expect(r.failures).toEqual([]);
        // independently: ⟨∇L, d⟩ against (L(x + hd) − L(x − hd)) / 2h for a random direction d
        const ws = leaves(xs.map((x) => tensor(x)));
        lossOf(p)(...ws).backward();
        const rng = new Rng(p.seed ^ 0xd1);
        const ds = ws.map((x) => Float64Array.from({ length: x.size }, () => rng.uniform(-1, 1)));
        let analytic = 0;
        ws.forEach((x, i) => {
          const g = x.grad?.data ?? new Float64Array(x.size);
          for (let j = 0; j < x.size; j++)
            analytic += (g[j] as number) * ((ds[i] as Float64Array)[j] as number);
        });
        const along = (h: number) =>
          noGrad(() => {
            const moved = ws.map((x, i) =>
              tensor(
                Array.from(x.data, (v, j) => v + h * ((ds[i] as Float64Array)[j] as number)),
                { shape: x.shape },
              ),
            );
            return lossOf(p)(...moved).item();
          });
        const numeric = centralDiff(along, 0, 1e-6);
        expect(Math.abs(analytic - numeric)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(numeric)));
      }),
      fcParams(8),
    );
  });

  it("have second derivatives matching central differences of the first (gradgradcheck)", () => {
    fc.assert(
      fc.property(programs, (p) => {
        const r = gradgradcheck((...xs) => runProgram(p, xs), smoothInputs(p), { seed: p.seed });
        expect(r.failures).toEqual([]);
      }),
      fcParams(4),
    );
  });

  it("agree in float32 with float64 on the same inputs, forward and backward, and stay float32", () => {
    fc.assert(
      fc.property(programs, (p) => {
        const narrow = leaves(inputsOf(p, "float32"));
        const wide = leaves(widen(narrow));
        fc.pre(smoothAt(p, wide));
        const y32 = runProgram(p, narrow);
        const y64 = runProgram(p, wide);
        const w32 = weightsOf(p, y32.shape, "float32");
        y32.mul(w32).sum().backward();
        y64
          .mul(widen([w32])[0] as Tensor)
          .sum()
          .backward();
        expect(y32.dtype).toBe("float32");
        expect(scaledError(y32, y64)).toBeLessThanOrEqual(F32_TOL);
        narrow.forEach((x, i) => {
          const g32 = x.grad as Tensor;
          const g64 = (wide[i] as Tensor).grad as Tensor;
          expect(g32.dtype).toBe("float32");
          expect(scaledError(g32, g64)).toBeLessThanOrEqual(F32_TOL);
        });
      }),
      fcParams(6),
    );
  });
});
