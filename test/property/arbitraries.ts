/**
 * fast-check arbitraries for the property suites: random small tensor programs (chains of 1–4
 * ops from the op table) and random scalar programs (DAGs of `Value` ops).
 *
 * A tensor program starts from one input `t0 = x0` and applies steps `tₖ = step(tₖ₋₁, new inputs)`.
 * Its structure (ops, shapes, axes, keepDims, operand order, constants) is drawn by fast-check, so
 * it shrinks and prints; the input VALUES are drawn from the library's `Rng` under a seed that is
 * part of the program, from ranges that keep every op in its smooth domain:
 *
 * - while drawing, each step's value range is tracked by interval arithmetic, and an op with a
 *   restricted domain is only offered when the range fits (log, sqrt and pow bases need values
 *   ≥ 0.2; exp, square and every op that can enlarge values need bounded ones);
 * - at the drawn point, {@link smoothAt} checks that no intermediate value lies within
 *   {@link MARGIN} of a kink (relu, abs and leakyRelu at 0, clamp bounds, ties of maximum/minimum
 *   and of max/min/argmax) or a domain edge; the properties discard such points with `fc.pre`.
 *
 * Each step also states the shape it must produce (computed here from the broadcasting, reduction
 * and indexing rules, independently of the library), which the properties check.
 */
import fc from "fast-check";
import {
  add,
  atan2,
  type BinaryFunction,
  concat,
  type DType,
  div,
  maximum,
  minimum,
  mul,
  noGrad,
  type OpName,
  pow,
  Rng,
  remainder,
  scalarOps,
  stack,
  sub,
  type Tensor,
  tensor,
  type Value,
  where,
} from "../../src/index";
import { unaryTable } from "../../src/tensor/ops/elementwise";
import { awayFromZero, type Sampler, sampled, uniform } from "../tensor/fixtures";

// ---- replay and budget ----

/** Reads an integer environment variable (undefined when unset); anything else is an error. */
function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * fast-check parameters of one property: `defaultRuns` runs, unless `CHAINRULE_FC_RUNS` says
 * otherwise; `CHAINRULE_FC_SEED` (and `CHAINRULE_FC_PATH`, from a failure report) replay a run.
 */
export function fcParams(defaultRuns: number): fc.Parameters<unknown> {
  const seed = envInt("CHAINRULE_FC_SEED");
  const path = process.env.CHAINRULE_FC_PATH;
  return {
    numRuns: envInt("CHAINRULE_FC_RUNS") ?? defaultRuns,
    ...(seed !== undefined ? { seed } : {}),
    ...(seed !== undefined && path ? { path } : {}),
    // programs whose drawn point is near a kink are discarded; allow for it
    maxSkipsPerRun: 1000,
  };
}

// ---- shapes ----

/** Largest number of elements of any intermediate tensor (keeps every check fast). */
export const MAX_SIZE = 48;
/** How far (absolute) every intermediate value must stay from a kink or domain edge. */
export const MARGIN = 0.02;
/** Ops that can enlarge values are only offered while |values| ≤ this. */
const GROW_LIMIT = 10;

type Shape = readonly number[];

const sizeOf = (s: Shape): number => s.reduce((p, d) => p * d, 1);
const fmt = (s: Shape): string => `[${s.join(",")}]`;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** The axis `a` written as itself or as its negative alias (`a − rank`). */
const aliasOf = (a: number, rank: number) => fc.constantFrom(a, a - rank);
const norm = (a: number, rank: number) => (a < 0 ? a + rank : a);

/** NumPy broadcasting of two shapes (assumed compatible). */
function broadcast(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  return range(n).map((i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
}

/**
 * A shape that broadcasts with `s`, with a small broadcast result: each of `s`'s trailing dims kept
 * or set to 1 (a size-1 dim may grow to 2 or 3), some leading dims dropped (down to 0-d), or one
 * new leading dim added.
 */
function partnerShape(s: Shape): fc.Arbitrary<number[]> {
  return fc
    .record({
      drop: fc.integer({ min: 0, max: s.length }),
      lead: fc.constantFrom<number[]>([], [], [1], [2], [3]),
      dims: fc.tuple(...s.map((d) => (d === 1 ? fc.constantFrom(1, 1, 2, 3) : fc.constantFrom(d, d, 1)))),
    })
    .map(({ drop, lead, dims }) => (drop > 0 ? dims.slice(drop) : [...lead, ...dims]))
    .filter((b) => sizeOf(broadcast(s, b)) <= MAX_SIZE);
}

/** The first input's shape: rank 0–3, dims 1–3. */
export const shapeArb: fc.Arbitrary<number[]> = fc.array(fc.integer({ min: 1, max: 3 }), {
  minLength: 0,
  maxLength: 3,
});

// ---- inputs ----

/** How an input's values are drawn: uniform on [lo, hi), or `away`: ±[lo, hi) (never near 0). */
export interface Leaf {
  readonly name: string;
  readonly shape: Shape;
  readonly lo: number;
  readonly hi: number;
  readonly away: boolean;
}

const samplerOf = (l: Leaf): Sampler => (l.away ? awayFromZero(l.lo, l.hi) : uniform(l.lo, l.hi));
const intervalOf = (l: Leaf): [number, number] => (l.away ? [-l.hi, l.hi] : [l.lo, l.hi]);
const leafText = (l: Leaf) =>
  `${l.name}: ${fmt(l.shape)} ${l.away ? `±[${l.lo}, ${l.hi})` : `in [${l.lo}, ${l.hi})`}`;

/** Value ranges the first input is drawn from. */
const FIRST_RANGES = [
  { lo: -1.5, hi: 1.5, away: false },
  { lo: 0.3, hi: 2, away: false },
  { lo: 0.2, hi: 1.5, away: true },
  { lo: -3, hi: 3, away: false },
] as const;

// ---- steps and programs ----

/** One step of a program: `t' = run(t, leaves)`. */
export interface Step {
  /** The table ops this step records (a where step also records its comparison, etc.). */
  readonly ops: readonly OpName[];
  /** The step as code, e.g. `t1 = t0.sum([-1, 0], true)`. */
  readonly text: string;
  /** New inputs the step takes (differentiated like the first one). */
  readonly leaves: readonly Leaf[];
  /** The shape the step must produce. */
  readonly shape: Shape;
  /** Runs the step; constants are made in `t`'s dtype. */
  readonly run: (t: Tensor, leaves: readonly Tensor[]) => Tensor;
  /** False when `t` (and the leaves) are within MARGIN of a kink or a domain edge of the step. */
  readonly smooth?: (t: Tensor, leaves: readonly Tensor[]) => boolean;
}

/** A random program: the first input, 1–4 steps, the dtype and the seed of the input values. */
export interface Program {
  readonly dtype: DType;
  readonly first: Leaf;
  readonly steps: readonly Step[];
  readonly seed: number;
}

/** A program as readable code (what fast-check prints for a counterexample). */
export function programText(p: Program): string {
  const lines = [`${p.dtype} program, input values from Rng(${p.seed})`, `  ${leafText(p.first)}`];
  for (const s of p.steps) {
    for (const l of s.leaves) lines.push(`  ${leafText(l)}`);
    lines.push(`  ${s.text}   // → ${fmt(s.shape)}`);
  }
  return lines.join("\n");
}

/** Every input of the program (first input, then each step's leaves), drawn from its seed. */
export function inputsOf(p: Program, dtype: DType = p.dtype): Tensor[] {
  const rng = new Rng(p.seed);
  const leaves = [p.first, ...p.steps.flatMap((s) => s.leaves)];
  return leaves.map((l) => sampled(rng, l.shape, samplerOf(l), dtype));
}

/** Runs the program on its inputs and returns every intermediate `[t0, t1, …]`. */
export function trace(p: Program, xs: readonly Tensor[]): Tensor[] {
  const ts = [xs[0] as Tensor];
  let k = 1;
  for (const s of p.steps) {
    const leaves = xs.slice(k, k + s.leaves.length);
    k += s.leaves.length;
    ts.push(s.run(ts[ts.length - 1] as Tensor, leaves));
  }
  return ts;
}

/** Runs the program on its inputs: the last intermediate. */
export const runProgram = (p: Program, xs: readonly Tensor[]): Tensor => trace(p, xs).at(-1) as Tensor;

/**
 * Whether the program is smooth at `xs`: every intermediate is finite and every step is at least
 * MARGIN away from its kinks and domain edges (see the file comment).
 */
export function smoothAt(p: Program, xs: readonly Tensor[]): boolean {
  return noGrad(() => {
    let k = 1;
    let t = xs[0] as Tensor;
    for (const s of p.steps) {
      const leaves = xs.slice(k, k + s.leaves.length);
      k += s.leaves.length;
      if (s.smooth && !s.smooth(t, leaves)) return false;
      t = s.run(t, leaves);
      if (!t.data.every(Number.isFinite)) return false;
    }
    return true;
  });
}

/** The generator's view of the current intermediate: its shape and an interval holding its values. */
interface State {
  readonly shape: Shape;
  readonly lo: number;
  readonly hi: number;
  /** The index of the current intermediate (t0, t1, …). */
  readonly k: number;
  /** The number of inputs so far (the next leaf is x{leaves}). */
  readonly leaves: number;
}

/** A step as drawn, before it is numbered: `expr` writes it as code given the current tensor's name. */
interface Draft {
  readonly ops: readonly OpName[];
  readonly expr: (cur: string) => string;
  readonly leaves?: readonly Leaf[];
  readonly shape: Shape;
  readonly run: Step["run"];
  readonly smooth?: Step["smooth"];
  /** An interval holding the result's values. */
  readonly lo: number;
  readonly hi: number;
}

/** One kind of step: which ops it records, when it fits the current state, how it is drawn. */
interface Candidate {
  readonly ops: readonly OpName[];
  readonly when?: (s: State) => boolean;
  readonly draw: (s: State) => fc.Arbitrary<Draft>;
}

type Interval = readonly [number, number];

/** Interval product. */
function mulI(a: Interval, b: Interval): [number, number] {
  const c = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
  return [Math.min(...c), Math.max(...c)];
}
const union = (a: Interval, b: Interval): [number, number] => [Math.min(a[0], b[0]), Math.max(a[1], b[1])];

const minAbs = (t: Tensor): number => t.abs().min().item();
/** No element within MARGIN of any of `kinks`. */
const awayFrom =
  (...kinks: number[]) =>
  (t: Tensor): boolean =>
    kinks.every((c) => minAbs(t.sub(c)) >= MARGIN);
/** Every element ≥ MARGIN (the domain of log, sqrt and pow bases). */
const positive = (t: Tensor): boolean => t.min().item() >= MARGIN;
/** In every group reduced over `axes`, the largest (`min`: smallest) element leads the rest by MARGIN. */
function noTies(t: Tensor, axes: number | readonly number[] | undefined, which: "max" | "min"): boolean {
  const s = which === "max" ? t : t.neg();
  return s.ge(s.max(axes, true).sub(MARGIN)).sum(axes, true).max().item() === 1;
}

/** A constant in `t`'s dtype. */
const constant = (data: readonly number[], shape: Shape, t: Tensor): Tensor =>
  tensor(data, { shape, dtype: t.dtype });
const constText = (data: readonly number[], shape: Shape) =>
  `tensor([${data.join(", ")}], { shape: ${fmt(shape)} })`;

/** Row-major values as nested arrays of `shape` (rank ≥ 1). */
function nest(values: readonly number[], shape: Shape): unknown[] {
  if (shape.length === 1) return [...values];
  const inner = sizeOf(shape.slice(1));
  return range(shape[0] as number).map((i) => nest(values.slice(i * inner, (i + 1) * inner), shape.slice(1)));
}

const mag = (s: { lo: number; hi: number }) => Math.max(Math.abs(s.lo), Math.abs(s.hi));
const small = (s: State) => mag(s) <= GROW_LIMIT;
const ranked = (s: State) => s.shape.length >= 1;

/** An axis of a rank-r tensor, possibly negative (a 0-d tensor accepts 0 and −1). */
const axisArb = (r: number) => (r === 0 ? fc.constantFrom(0, -1) : fc.integer({ min: -r, max: r - 1 }));

// ---- elementwise unary ----

function unary(
  op: OpName,
  call: string,
  run: (t: Tensor) => Tensor,
  interval: (lo: number, hi: number) => [number, number],
  extra: { when?: (s: State) => boolean; smooth?: (t: Tensor) => boolean } = {},
): Candidate {
  const smooth = extra.smooth;
  return {
    ops: [op],
    when: extra.when,
    draw: (s) => {
      const [lo, hi] = interval(s.lo, s.hi);
      return fc.constant<Draft>({
        ops: [op],
        expr: (c) => `${c}.${call}`,
        shape: s.shape,
        run: (t) => run(t),
        smooth: smooth ? (t) => smooth(t) : undefined,
        lo,
        hi,
      });
    },
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));
const towardOne = (x: number) => (x === 0 ? 0 : Math.sign(x));
const squareI = (lo: number, hi: number): [number, number] => [
  lo > 0 ? lo * lo : hi < 0 ? hi * hi : 0,
  Math.max(lo * lo, hi * hi),
];

const inUnit = (s: State) => s.lo >= -0.9 && s.hi <= 0.9;
/** An interval holding floor, ceil, trunc and round of [lo, hi]. */
const roundedI = (lo: number, hi: number): [number, number] => [Math.floor(lo), Math.ceil(hi)];
/** No element within MARGIN of an integer plus `offset` (where the rounding ops jump). */
const awayFromJumps = (t: Tensor, offset: number): boolean => {
  const u = t.sub(offset);
  return minAbs(u.sub(u.round())) >= MARGIN;
};

const unaries: Candidate[] = [
  unary(
    "neg",
    "neg()",
    (t) => t.neg(),
    (lo, hi) => [-hi, -lo],
  ),
  unary(
    "exp",
    "exp()",
    (t) => t.exp(),
    (lo, hi) => [Math.exp(lo), Math.exp(hi)],
    {
      when: (s) => s.hi <= 2.5,
    },
  ),
  unary(
    "log",
    "log()",
    (t) => t.log(),
    (lo, hi) => [Math.log(lo), Math.log(hi)],
    {
      when: (s) => s.lo >= 0.2,
      smooth: positive,
    },
  ),
  unary(
    "sqrt",
    "sqrt()",
    (t) => t.sqrt(),
    (lo, hi) => [Math.sqrt(lo), Math.sqrt(hi)],
    {
      when: (s) => s.lo >= 0.2,
      smooth: positive,
    },
  ),
  unary(
    "abs",
    "abs()",
    (t) => t.abs(),
    (lo, hi) => [lo > 0 ? lo : hi < 0 ? -hi : 0, Math.max(-lo, hi)],
    {
      smooth: awayFrom(0),
    },
  ),
  unary(
    "sin",
    "sin()",
    (t) => t.sin(),
    () => [-1, 1],
  ),
  unary(
    "cos",
    "cos()",
    (t) => t.cos(),
    () => [-1, 1],
  ),
  unary(
    "tanh",
    "tanh()",
    (t) => t.tanh(),
    (lo, hi) => [Math.tanh(lo), Math.tanh(hi)],
  ),
  unary(
    "sigmoid",
    "sigmoid()",
    (t) => t.sigmoid(),
    (lo, hi) => [sigmoid(lo), sigmoid(hi)],
  ),
  unary(
    "relu",
    "relu()",
    (t) => t.relu(),
    (lo, hi) => [Math.max(lo, 0), Math.max(hi, 0)],
    {
      smooth: awayFrom(0),
    },
  ),
  // gelu ≥ −0.17 everywhere and ≤ max(x, 0)
  unary(
    "gelu",
    "gelu()",
    (t) => t.gelu(),
    (lo, hi) => [lo >= 0 ? 0 : -0.2, Math.max(hi, 0)],
  ),
  unary(
    "softplus",
    "softplus()",
    (t) => t.softplus(),
    (lo, hi) => [softplus(lo), softplus(hi)],
  ),
  unary(
    "erf",
    "erf()",
    (t) => t.erf(),
    (lo, hi) => [towardOne(lo), towardOne(hi)],
  ),
  unary("square", "square()", (t) => t.square(), squareI, { when: (s) => mag(s) <= 3 }),
  // away from the poles ±π/2
  unary(
    "tan",
    "tan()",
    (t) => t.tan(),
    (lo, hi) => [Math.tan(lo), Math.tan(hi)],
    { when: (s) => mag(s) <= 1.2 },
  ),
  // inside (−1, 1), away from the edges where the derivative is infinite
  unary(
    "asin",
    "asin()",
    (t) => t.asin(),
    (lo, hi) => [Math.asin(lo), Math.asin(hi)],
    { when: inUnit },
  ),
  unary(
    "acos",
    "acos()",
    (t) => t.acos(),
    (lo, hi) => [Math.acos(hi), Math.acos(lo)],
    { when: inUnit },
  ),
  unary(
    "reciprocal",
    "reciprocal()",
    (t) => t.reciprocal(),
    (lo, hi) => [1 / hi, 1 / lo],
    {
      when: (s) => (s.lo >= 0.3 || s.hi <= -0.3) && small(s),
    },
  ),
  unary(
    "rsqrt",
    "rsqrt()",
    (t) => t.rsqrt(),
    (lo, hi) => [1 / Math.sqrt(hi), 1 / Math.sqrt(lo)],
    {
      when: (s) => s.lo >= 0.2,
      smooth: positive,
    },
  ),
  unary(
    "log1p",
    "log1p()",
    (t) => t.log1p(),
    (lo, hi) => [Math.log1p(lo), Math.log1p(hi)],
    {
      when: (s) => s.lo >= -0.8,
    },
  ),
  // piecewise constant: away from the jumps (integers; half-integers for round)
  ...(["floor", "ceil", "trunc"] as const).map((op) =>
    unary(op, `${op}()`, (t) => t[op](), roundedI, { smooth: (t) => awayFromJumps(t, 0) }),
  ),
  unary("round", "round()", (t) => t.round(), roundedI, { smooth: (t) => awayFromJumps(t, 0.5) }),
  unary(
    "clone",
    "clone()",
    (t) => t.clone(),
    (lo, hi) => [lo, hi],
  ),
  unary(
    "astype",
    "astype(t.dtype)",
    (t) => t.astype(t.dtype),
    (lo, hi) => [lo, hi],
  ),
  {
    ops: ["leakyRelu"],
    draw: (s) =>
      fc.constantFrom(undefined, 0.2, -0.5).map((slope): Draft => {
        const k = slope ?? 0.01;
        const f = (x: number) => (x > 0 ? x : k * x);
        const c = [f(s.lo), f(s.hi), 0];
        return {
          ops: ["leakyRelu"],
          expr: (cur) => `${cur}.leakyRelu(${slope ?? ""})`,
          shape: s.shape,
          run: (t) => t.leakyRelu(slope),
          smooth: awayFrom(0),
          lo: Math.min(...c),
          hi: Math.max(...c),
        };
      }),
  },
  {
    ops: ["clamp"],
    // bounds inside the current range, at least 0.1 apart: both, min only (max null or absent), max only
    draw: (s) =>
      fc
        .record({
          u: fc.integer({ min: 1, max: 9 }),
          v: fc.integer({ min: 1, max: 9 }),
          which: fc.constantFrom("both", "min", "min, null", "max"),
        })
        .map(({ u, v, which }): Draft => {
          const at = (w: number) => Number((s.lo + ((s.hi - s.lo) * w) / 10).toFixed(3));
          const a = at(Math.min(u, v));
          const b = Math.max(at(Math.max(u, v)), a + 0.1);
          const min = which === "max" ? null : a;
          const max = which === "both" || which === "max" ? b : null;
          const args = which === "min" ? `${a}` : `${min}, ${max}`;
          const f = (x: number) => Math.min(Math.max(x, min ?? x), max ?? x);
          return {
            ops: ["clamp"],
            expr: (cur) => `${cur}.clamp(${args})`,
            shape: s.shape,
            run: (t) => (which === "min" ? t.clamp(a) : t.clamp(min, max)),
            smooth: awayFrom(...[min, max].filter((x): x is number => x !== null)),
            lo: f(s.lo),
            hi: f(s.hi),
          };
        }),
  },
  {
    ops: ["hardtanh"],
    // the default bounds ±1, or narrower ones; away from both bounds
    draw: (s) =>
      fc.constantFrom<[number, number] | null>(null, [-0.5, 0.25]).map((bounds): Draft => {
        const [min, max] = bounds ?? [-1, 1];
        const f = (x: number) => Math.min(Math.max(x, min), max);
        return {
          ops: ["hardtanh"],
          expr: (cur) => `${cur}.hardtanh(${bounds ? bounds.join(", ") : ""})`,
          shape: s.shape,
          run: (t) => (bounds ? t.hardtanh(min, max) : t.hardtanh()),
          smooth: awayFrom(min, max),
          lo: f(s.lo),
          hi: f(s.hi),
        };
      }),
  },
];

/**
 * Every other method of the unary table, with no entry of its own here: an op added to the table
 * (elu was) is drawn as `t.op()` with its default arguments wherever its values over a fine grid
 * of the current range are finite and bounded. That grid's extremes, widened by 1 % of the span,
 * are the result's interval (exact for the monotone activations; the margin covers curvature
 * between grid points), and points within MARGIN of 0, where activations have their kinks, are
 * avoided.
 */
const GRID = 257;
function sampledRange(op: string, lo: number, hi: number): [number, number] | null {
  const xs = tensor(Array.from({ length: GRID }, (_, i) => lo + ((hi - lo) * i) / (GRID - 1)));
  const ys = Array.from((xs as unknown as Record<string, () => Tensor>)[op]?.call(xs).data ?? []);
  if (ys.length !== GRID || !ys.every(Number.isFinite)) return null;
  const [min, max] = [Math.min(...ys), Math.max(...ys)];
  const pad = 0.01 * (max - min) + 1e-12;
  return mag({ lo: min, hi: max }) <= GROW_LIMIT ? [min - pad, max + pad] : null;
}

const explicit = new Set(unaries.flatMap((c) => c.ops));
for (const row of Object.values(unaryTable())) {
  if (!row.method || explicit.has(row.name as OpName)) continue;
  const op = row.name as OpName;
  const call = (t: Tensor) => (t as unknown as Record<string, () => Tensor>)[op]?.call(t) as Tensor;
  unaries.push(
    unary(op, `${op}()`, call, (lo, hi) => sampledRange(op, lo, hi) ?? [lo, hi], {
      when: (s) => sampledRange(op, s.lo, s.hi) !== null,
      smooth: awayFrom(0),
    }),
  );
}

// ---- elementwise binary: the current tensor with a new input or a number, on either side ----

type Operand = Tensor | number;

interface BinarySpec {
  readonly op: "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum" | "atan2" | "remainder";
  readonly root: BinaryFunction;
  /** How a new input on the other side is drawn, when the current tensor is on the left / right. */
  readonly otherRight: Omit<Leaf, "name" | "shape">;
  readonly otherLeft: Omit<Leaf, "name" | "shape">;
  /** Numbers used as the other operand (on the right / on the left). */
  readonly numbersRight: readonly number[];
  readonly numbersLeft: readonly number[];
  /** The result's interval from the left and right operands' intervals. */
  readonly interval: (a: Interval, b: Interval) => [number, number];
  /** When the current tensor may be the left / the right operand (default: always). */
  readonly curLeft?: (s: State) => boolean;
  readonly curRight?: (s: State) => boolean;
  /** False near a kink or a domain edge, given the (broadcast) left and right operands. */
  readonly smooth?: (a: Tensor, b: Tensor) => boolean;
}

const powI = (a: Interval, b: Interval): [number, number] => {
  // aᵇ with a > 0 is monotone in each argument: the extremes are at the corners
  const c = [a[0] ** b[0], a[0] ** b[1], a[1] ** b[0], a[1] ** b[1]];
  return [Math.min(...c), Math.max(...c)];
};
const fine = { lo: -1.5, hi: 1.5, away: false } as const;
const noTie = (a: Tensor, b: Tensor) => minAbs(a.sub(b)) >= MARGIN;

const binaries: BinarySpec[] = [
  {
    op: "add",
    root: add,
    otherRight: fine,
    otherLeft: fine,
    numbersRight: [0.7, -1.5],
    numbersLeft: [1.5],
    interval: (a, b) => [a[0] + b[0], a[1] + b[1]],
  },
  {
    op: "sub",
    root: sub,
    otherRight: fine,
    otherLeft: fine,
    numbersRight: [0.7, -1.5],
    numbersLeft: [1.5],
    interval: (a, b) => [a[0] - b[1], a[1] - b[0]],
  },
  {
    op: "mul",
    root: mul,
    otherRight: fine,
    otherLeft: fine,
    numbersRight: [0.7, -1.5],
    numbersLeft: [-1.5],
    interval: mulI,
    curLeft: small,
    curRight: small,
  },
  {
    op: "div",
    root: div,
    // divisors stay away from 0
    otherRight: { lo: 0.5, hi: 1.5, away: true },
    otherLeft: fine,
    numbersRight: [0.7, -1.5],
    numbersLeft: [1.5],
    interval: (a, b) => mulI(a, [1 / b[1], 1 / b[0]]),
    curLeft: small,
    curRight: (s) => (s.lo >= 0.3 || s.hi <= -0.3) && small(s),
    smooth: (_a, b) => minAbs(b) >= MARGIN,
  },
  {
    op: "pow",
    root: pow,
    // the current tensor as a positive base with exponents in [−2, 2), or as the exponent of bases in [0.5, 2)
    otherRight: { lo: -2, hi: 2, away: false },
    otherLeft: { lo: 0.5, hi: 2, away: false },
    numbersRight: [2, 0.5, -1, 1.5],
    numbersLeft: [2, 0.5],
    interval: powI,
    curLeft: (s) => s.lo >= 0.2 && s.hi <= 4,
    curRight: (s) => mag(s) <= 3,
    smooth: (a) => positive(a),
  },
  {
    op: "maximum",
    root: maximum,
    otherRight: fine,
    otherLeft: fine,
    numbersRight: [0.25, -0.25],
    numbersLeft: [-0.25],
    interval: (a, b) => [Math.max(a[0], b[0]), Math.max(a[1], b[1])],
    smooth: noTie,
  },
  {
    op: "minimum",
    root: minimum,
    otherRight: fine,
    otherLeft: fine,
    numbersRight: [0.25, -0.25],
    numbersLeft: [0.25],
    interval: (a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1])],
    smooth: noTie,
  },
  {
    op: "atan2",
    root: atan2,
    // a new input as a stays away from 0 (the branch cut a = 0, b < 0, and the origin)
    otherRight: fine,
    otherLeft: { lo: 0.2, hi: 1.5, away: true },
    numbersRight: [0.7, -1.5],
    numbersLeft: [1.5, -0.5],
    interval: () => [-Math.PI, Math.PI],
    // each element: |a| or b at least MARGIN (off the branch cut and the origin)
    smooth: (a, b) => maximum(a.abs(), b).min().item() >= MARGIN,
  },
  {
    op: "remainder",
    root: remainder,
    // divisors away from 0; the result lies between 0 and the divisor
    otherRight: { lo: 0.5, hi: 2, away: true },
    otherLeft: { lo: -3, hi: 3, away: false },
    numbersRight: [0.7, -1.5, 2],
    numbersLeft: [1.5, -2.5],
    interval: (_a, b) => [Math.min(b[0], 0), Math.max(b[1], 0)],
    curRight: (s) => (s.lo >= 0.3 || s.hi <= -0.3) && small(s),
    // a at least MARGIN from the jumps at a = k·b
    smooth: (a, b) => {
      const q = a.div(b);
      return minAbs(b) >= MARGIN && minAbs(q.sub(q.round()).mul(b)) >= MARGIN;
    },
  },
];

function binaryCandidate(b: BinarySpec): Candidate {
  const sides = (s: State) => [
    ...((b.curLeft?.(s) ?? true) ? [true] : []),
    ...((b.curRight?.(s) ?? true) ? [false] : []),
  ];
  return {
    ops: [b.op],
    when: (s) => sides(s).length > 0,
    draw: (s) =>
      fc
        .record({
          curLeft: fc.constantFrom(...sides(s)),
          shape: fc.option(partnerShape(s.shape), { freq: 4 }),
          pick: fc.nat(),
          method: fc.boolean(),
        })
        .map(({ curLeft, shape, pick, method }): Draft => {
          const numbers = curLeft ? b.numbersRight : b.numbersLeft;
          const n = numbers[pick % numbers.length] as number;
          const leaf: Leaf | null =
            shape === null
              ? null
              : { name: `x${s.leaves}`, shape, ...(curLeft ? b.otherRight : b.otherLeft) };
          const other: Interval = leaf ? intervalOf(leaf) : [n, n];
          const cur: Interval = [s.lo, s.hi];
          const [lo, hi] = curLeft ? b.interval(cur, other) : b.interval(other, cur);
          const operands = (t: Tensor, ls: readonly Tensor[]): [Operand, Operand] => {
            const o = leaf ? (ls[0] as Tensor) : n;
            return curLeft ? [t, o] : [o, t];
          };
          const useMethod = curLeft && method;
          const smooth = b.smooth;
          return {
            ops: [b.op],
            expr: (c) => {
              const o = leaf ? leaf.name : String(n);
              return useMethod
                ? `${c}.${b.op}(${o})`
                : curLeft
                  ? `${b.op}(${c}, ${o})`
                  : `${b.op}(${o}, ${c})`;
            },
            leaves: leaf ? [leaf] : [],
            shape: leaf ? broadcast(s.shape, leaf.shape) : s.shape,
            run: (t, ls) => {
              const [x, y] = operands(t, ls);
              return useMethod ? (t[b.op] as (o: Operand) => Tensor).call(t, y) : (b.root(x, y) as Tensor);
            },
            smooth: smooth
              ? (t, ls) => {
                  const [x, y] = operands(t, ls).map((v) =>
                    typeof v === "number" ? constant([v], [], t) : v,
                  );
                  return smooth(x as Tensor, y as Tensor);
                }
              : undefined,
            lo,
            hi,
          };
        }),
  };
}

/** The bool-valued binary ops a `where` condition is drawn from (comparisons and logical ops). */
const COMPARISONS = ["eq", "ne", "gt", "lt", "ge", "le", "logicalAnd", "logicalOr", "logicalXor"] as const;

/** where(cond, t, other) or where(cond, other, t), cond a comparison `cmp` of two constant grids. */
const whereCandidate = (cmp: (typeof COMPARISONS)[number]): Candidate => ({
  ops: ["where", cmp],
  draw: (s) =>
    partnerShape(s.shape).chain((condShape) => {
      const both = broadcast(s.shape, condShape);
      const n = sizeOf(condShape);
      const grid = fc.array(fc.integer({ min: -1, max: 1 }), { minLength: n, maxLength: n });
      return fc
        .record({
          ga: grid,
          gb: grid,
          curFirst: fc.boolean(),
          other: fc.option(partnerShape(both), { freq: 3 }),
          n: fc.constantFrom(0.5, -1),
        })
        .map(({ ga, gb, curFirst, other, n: number }): Draft => {
          const leaf: Leaf | null = other === null ? null : { name: `x${s.leaves}`, shape: other, ...fine };
          const cond = (t: Tensor) => constant(ga, condShape, t)[cmp](constant(gb, condShape, t));
          const [lo, hi] = union([s.lo, s.hi], leaf ? intervalOf(leaf) : [number, number]);
          return {
            ops: ["where", cmp],
            expr: (c) => {
              const o = leaf ? leaf.name : String(number);
              const condText = `${constText(ga, condShape)}.${cmp}(${constText(gb, condShape)})`;
              return `where(${condText}, ${curFirst ? `${c}, ${o}` : `${o}, ${c}`})`;
            },
            leaves: leaf ? [leaf] : [],
            shape: leaf ? broadcast(both, leaf.shape) : both,
            run: (t, ls) => {
              const o = leaf ? (ls[0] as Tensor) : number;
              return curFirst ? where(cond(t), t, o) : where(cond(t), o, t);
            },
            lo,
            hi,
          };
        });
    }),
});

// ---- reductions and the softmax family ----

type Axes = number | number[] | undefined;

/** Reduction axes of a rank-r tensor: all (undefined), one (maybe negative), or several in any order. */
function axesArb(r: number): fc.Arbitrary<Axes> {
  if (r === 0) return fc.constantFrom<Axes>(undefined, 0, -1, [0], [-1]);
  return fc.oneof(
    fc.constant<Axes>(undefined),
    axisArb(r),
    fc
      .shuffledSubarray(range(r), { minLength: 1 })
      .chain((ax) => fc.tuple(...ax.map((a) => aliasOf(a, r))))
      .map((ax): Axes => ax),
  );
}

/** The reduced shape and the number of elements per group. */
function reduced(shape: Shape, axes: Axes, keepDims: boolean): { shape: number[]; group: number } {
  const r = shape.length;
  const set = new Set(
    axes === undefined ? range(r) : (Array.isArray(axes) ? axes : [axes]).map((a) => norm(a, Math.max(r, 1))),
  );
  const out: number[] = [];
  let group = 1;
  shape.forEach((d, i) => {
    if (set.has(i)) {
      group *= d;
      if (keepDims) out.push(1);
    } else out.push(d);
  });
  return { shape: out, group };
}

const axesText = (axes: Axes) => (axes === undefined ? "undefined" : JSON.stringify(axes));

function reduction(
  op: "sum" | "mean" | "max" | "min" | "logSumExp" | "prod",
  interval: (lo: number, hi: number, group: number) => [number, number],
  when?: (s: State) => boolean,
): Candidate {
  return {
    ops: [op],
    when,
    draw: (s) =>
      fc
        .record({ axes: axesArb(s.shape.length), keepDims: fc.boolean(), form: fc.nat(2) })
        .map(({ axes, keepDims, form }): Draft => {
          const { shape, group } = reduced(s.shape, axes, keepDims);
          // the call as written: t.sum(), t.sum(axes) or t.sum(axes, keepDims)
          const args =
            keepDims || form === 2 ? [axes, keepDims] : axes !== undefined || form === 1 ? [axes] : [];
          const [lo, hi] = interval(s.lo, s.hi, group);
          return {
            ops: [op],
            expr: (c) =>
              `${c}.${op}(${args.map((a) => (typeof a === "boolean" ? String(a) : axesText(a as Axes))).join(", ")})`,
            shape,
            run: (t) => (t[op] as (...a: unknown[]) => Tensor).apply(t, args),
            smooth: op === "max" || op === "min" ? (t) => noTies(t, axes, op) : undefined,
            lo,
            hi,
          };
        }),
  };
}

function softmaxCandidate(op: "softmax" | "logSoftmax"): Candidate {
  return {
    ops: [op],
    draw: (s) =>
      fc.option(axisArb(s.shape.length), { nil: undefined }).map((axis): Draft => {
        const r = s.shape.length;
        const group = r === 0 ? 1 : (s.shape[norm(axis ?? -1, r)] as number);
        return {
          ops: [op],
          expr: (c) => `${c}.${op}(${axis ?? ""})`,
          shape: s.shape,
          run: (t) => t[op](axis),
          lo: op === "softmax" ? 0 : s.lo - s.hi - Math.log(group),
          hi: op === "softmax" ? 1 : 0,
        };
      }),
  };
}

/** Running sums along one axis: an entry sums up to n of the values (n the axis's length). */
const cumsumCandidate: Candidate = {
  ops: ["cumsum"],
  when: small,
  draw: (s) =>
    axisArb(s.shape.length).map((axis): Draft => {
      const r = s.shape.length;
      const n = r === 0 ? 1 : (s.shape[norm(axis, r)] as number);
      return {
        ops: ["cumsum"],
        expr: (c) => `${c}.cumsum(${axis})`,
        shape: s.shape,
        run: (t) => t.cumsum(axis),
        lo: Math.min(s.lo, n * s.lo),
        hi: Math.max(s.hi, n * s.hi),
      };
    }),
};

/** |product| of n values of magnitude ≤ m: at most m when m ≤ 1, else mⁿ. */
const productBound = (m: number, n: number) => (m <= 1 ? m : m ** n);

/** Running products along one axis: an entry multiplies up to n of the values. */
const cumprodCandidate: Candidate = {
  ops: ["cumprod"],
  when: small,
  draw: (s) =>
    axisArb(s.shape.length).map((axis): Draft => {
      const r = s.shape.length;
      const n = r === 0 ? 1 : (s.shape[norm(axis, r)] as number);
      const b = Math.max(productBound(mag(s), n), mag(s));
      return {
        ops: ["cumprod"],
        expr: (c) => `${c}.cumprod(${axis})`,
        shape: s.shape,
        run: (t) => t.cumprod(axis),
        lo: -b,
        hi: b,
      };
    }),
};

/** The orders p a norm step draws (each smooth away from 0, and ±∞ away from ties of |x|). */
const NORM_ORDERS = [2, 1, 3, 1.5, 0.5, -1, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY] as const;

/** t.norm(p, axes, keepDims): values in [0, n^(1/p)·m] (p > 0), [0, m] (p < 0, ±∞), [0, n] (p = 0). */
const normCandidate: Candidate = {
  ops: ["norm"],
  when: small,
  draw: (s) =>
    fc
      .record({ axes: axesArb(s.shape.length), keepDims: fc.boolean(), p: fc.constantFrom(...NORM_ORDERS) })
      .map(({ axes, keepDims, p }): Draft => {
        const { shape, group } = reduced(s.shape, axes, keepDims);
        const m = mag(s);
        const hi = p === 0 ? group : p > 0 && Number.isFinite(p) ? group ** (1 / p) * m : m;
        const extreme =
          p === Number.POSITIVE_INFINITY ? "max" : p === Number.NEGATIVE_INFINITY ? "min" : null;
        return {
          ops: ["norm"],
          expr: (c) => `${c}.norm(${p}, ${axesText(axes)}, ${keepDims})`,
          shape,
          run: (t) => t.norm(p, axes, keepDims),
          smooth: (t) => awayFrom(0)(t) && (extreme === null || noTies(t.abs(), axes, extreme)),
          lo: 0,
          hi,
        };
      }),
};

const reductions: Candidate[] = [
  cumsumCandidate,
  cumprodCandidate,
  normCandidate,
  reduction(
    "prod",
    (lo, hi, n) => {
      const b = Math.max(productBound(Math.max(Math.abs(lo), Math.abs(hi)), n), Math.abs(lo), Math.abs(hi));
      return [-b, b];
    },
    small,
  ),
  reduction("sum", (lo, hi, n) => [n * lo, n * hi], small),
  reduction("mean", (lo, hi) => [lo, hi]),
  reduction("max", (lo, hi) => [lo, hi]),
  reduction("min", (lo, hi) => [lo, hi]),
  reduction("logSumExp", (lo, hi, n) => [lo, hi + Math.log(n)], small),
  softmaxCandidate("softmax"),
  softmaxCandidate("logSoftmax"),
];

// ---- linear algebra ----

/**
 * t @ x or x @ t with a new input x: a vector, a matrix, or a batch of matrices (with a 1-D or 2-D t).
 */
const matmulCandidate: Candidate = {
  ops: ["matmul"],
  when: (s) => ranked(s) && small(s),
  draw: (s) =>
    fc
      .record({
        curLeft: fc.boolean(),
        kind: fc.constantFrom("vector", "matrix", "batch"),
        m: fc.integer({ min: 1, max: 3 }),
        b: fc.integer({ min: 1, max: 3 }),
      })
      .filter(({ kind }) => kind !== "batch" || s.shape.length <= 2)
      .map(({ curLeft, kind, m, b }) => {
        const S = s.shape;
        const r = S.length;
        let other: number[];
        let out: number[];
        let k: number;
        if (curLeft) {
          // t [..., k] @ x
          k = S[r - 1] as number;
          const rows = S.slice(0, -1);
          if (kind === "vector") [other, out] = [[k], rows];
          else if (kind === "matrix")
            [other, out] = [
              [k, m],
              [...rows, m],
            ];
          else
            [other, out] = [
              [b, k, m],
              [b, ...rows, m],
            ];
        } else {
          // x @ t, t [k] or [..., k, n]
          k = (r === 1 ? S[0] : S[r - 2]) as number;
          const cols = r === 1 ? [] : [...S.slice(0, -2), S[r - 1] as number];
          const batchCols = r === 1 ? [] : [S[r - 1] as number];
          if (kind === "vector") [other, out] = [[k], cols];
          else if (kind === "matrix")
            [other, out] = [[m, k], r === 1 ? [m] : [...S.slice(0, -2), m, S[r - 1] as number]];
          else
            [other, out] = [
              [b, m, k],
              [b, m, ...batchCols],
            ];
        }
        return { curLeft, other, out, k };
      })
      .filter(({ other, out }) => sizeOf(other) <= MAX_SIZE && sizeOf(out) <= MAX_SIZE)
      .map(({ curLeft, other, out, k }): Draft => {
        const leaf: Leaf = { name: `x${s.leaves}`, shape: other, lo: -1, hi: 1, away: false };
        const bound = k * mag(s);
        return {
          ops: ["matmul"],
          expr: (c) => (curLeft ? `${c}.matmul(${leaf.name})` : `${leaf.name}.matmul(${c})`),
          leaves: [leaf],
          shape: out,
          run: (t, [x]) => (curLeft ? t.matmul(x as Tensor) : (x as Tensor).matmul(t)),
          lo: -bound,
          hi: bound,
        };
      }),
};

/** A step that only moves values around: same interval. */
const moved = (s: State, d: Omit<Draft, "lo" | "hi">): Draft => ({ ...d, lo: s.lo, hi: s.hi });

const transposeCandidate: Candidate = {
  ops: ["transpose"],
  when: ranked,
  draw: (s) => {
    const r = s.shape.length;
    const pair = fc.tuple(axisArb(r), axisArb(r)).map((p): [number, number] | null => p);
    return (r >= 2 ? fc.oneof(fc.constant(null), pair) : pair).map((dims): Draft => {
      const [a, b] = dims ?? [-2, -1];
      const shape = [...s.shape];
      [shape[norm(a, r)], shape[norm(b, r)]] = [s.shape[norm(b, r)] as number, s.shape[norm(a, r)] as number];
      return moved(s, {
        ops: ["transpose"],
        expr: (c) => `${c}.transpose(${dims ? dims.join(", ") : ""})`,
        shape,
        run: (t) => (dims ? t.transpose(a, b) : t.transpose()),
      });
    });
  },
};

const flipCandidate: Candidate = {
  ops: ["flip"],
  draw: (s) => {
    const r = s.shape.length;
    return fc
      .subarray(range(r))
      .chain((axes) => fc.tuple(...axes.map((a) => aliasOf(a, r))))
      .map(
        (axes): Draft =>
          moved(s, {
            ops: ["flip"],
            expr: (c) => `${c}.flip(${axes.join(", ")})`,
            shape: [...s.shape],
            run: (t) => t.flip(...axes),
          }),
      );
  },
};

const rollCandidate: Candidate = {
  ops: ["roll"],
  draw: (s) => {
    const r = s.shape.length;
    const axis = r === 0 ? fc.constant(undefined) : fc.option(axisArb(r), { nil: undefined });
    return fc.tuple(fc.integer({ min: -5, max: 5 }), axis).map(
      ([shift, a]): Draft =>
        moved(s, {
          ops: ["roll"],
          expr: (c) => `${c}.roll(${shift}${a === undefined ? "" : `, ${a}`})`,
          shape: [...s.shape],
          run: (t) => t.roll(shift, a),
        }),
    );
  },
};

const triangleCandidate: Candidate = {
  ops: ["triu", "tril"],
  when: (s) => s.shape.length >= 2,
  draw: (s) =>
    fc.tuple(fc.constantFrom("triu" as const, "tril" as const), fc.integer({ min: -2, max: 2 })).map(
      ([op, k]): Draft => ({
        ops: [op],
        expr: (c) => `${c}.${op}(${k})`,
        shape: [...s.shape],
        run: (t) => t[op](k),
        // zeros join the values
        lo: Math.min(s.lo, 0),
        hi: Math.max(s.hi, 0),
      }),
    ),
};

const permuteCandidate: Candidate = {
  ops: ["permute"],
  draw: (s) => {
    const r = s.shape.length;
    return fc
      .shuffledSubarray(range(r), { minLength: r, maxLength: r })
      .chain((p) => fc.tuple(...p.map((a) => aliasOf(a, r))))
      .map(
        (dims): Draft =>
          moved(s, {
            ops: ["permute"],
            expr: (c) => `${c}.permute(${dims.join(", ")})`,
            shape: dims.map((d) => s.shape[norm(d, r)] as number),
            run: (t) => t.permute(...dims),
          }),
      );
  },
};

// ---- shape and indexing ----

const primeFactors = (n: number): number[] => {
  const f: number[] = [];
  for (let p = 2; n > 1; p++) for (; n % p === 0; n /= p) f.push(p);
  return f;
};

const reshapeCandidate: Candidate = {
  ops: ["reshape"],
  draw: (s) => {
    const n = sizeOf(s.shape);
    const f = primeFactors(n);
    return fc
      .record({
        slots: fc.integer({ min: f.length === 0 ? 0 : 1, max: 3 }),
        into: fc.array(fc.nat(), { minLength: f.length, maxLength: f.length }),
        one: fc.option(fc.nat()),
        minus: fc.option(fc.nat()),
        spread: fc.boolean(),
      })
      .map(({ slots, into, one, minus, spread }): Draft => {
        const shape: number[] = Array.from({ length: slots }, () => 1);
        f.forEach((p, i) => {
          const j = (into[i] as number) % slots;
          shape[j] = (shape[j] as number) * p;
        });
        if (one !== null) shape.splice(one % (shape.length + 1), 0, 1);
        const args = [...shape];
        if (minus !== null && args.length > 0) args[minus % args.length] = -1;
        return moved(s, {
          ops: ["reshape"],
          expr: (c) => `${c}.reshape(${spread ? args.join(", ") : fmt(args)})`,
          shape,
          run: (t) => (spread ? t.reshape(...args) : t.reshape(args)),
        });
      });
  },
};

const flattenCandidate: Candidate = {
  ops: ["flatten"],
  draw: (s) =>
    fc.constant(
      moved(s, {
        ops: ["flatten"],
        expr: (c) => `${c}.flatten()`,
        shape: [sizeOf(s.shape)],
        run: (t) => t.flatten(),
      }),
    ),
};

const squeezeCandidate: Candidate = {
  ops: ["squeeze"],
  draw: (s) =>
    fc.option(axisArb(s.shape.length), { nil: undefined }).map((axis): Draft => {
      const r = s.shape.length;
      const shape =
        axis === undefined
          ? s.shape.filter((d) => d !== 1)
          : s.shape.filter((d, i) => !(r > 0 && i === norm(axis, r) && d === 1));
      return moved(s, {
        ops: ["squeeze"],
        expr: (c) => `${c}.squeeze(${axis ?? ""})`,
        shape,
        run: (t) => t.squeeze(axis),
      });
    }),
};

const unsqueezeCandidate: Candidate = {
  ops: ["unsqueeze"],
  draw: (s) =>
    fc.integer({ min: -s.shape.length - 1, max: s.shape.length }).map((axis): Draft => {
      const shape = [...s.shape];
      shape.splice(norm(axis, s.shape.length + 1), 0, 1);
      return moved(s, {
        ops: ["unsqueeze"],
        expr: (c) => `${c}.unsqueeze(${axis})`,
        shape,
        run: (t) => t.unsqueeze(axis),
      });
    }),
};

const expandCandidate: Candidate = {
  ops: ["expand"],
  draw: (s) =>
    fc
      .record({
        lead: fc.constantFrom<number[]>([], [], [1], [2], [3]),
        dims: fc.tuple(
          ...s.shape.map((d) => (d === 1 ? fc.constantFrom(1, 2, 3, -1) : fc.constantFrom(d, -1))),
        ),
        spread: fc.boolean(),
      })
      .map(({ lead, dims, spread }) => ({
        args: [...lead, ...dims],
        shape: [...lead, ...dims.map((d, i) => (d === -1 ? (s.shape[i] as number) : d))],
        spread,
      }))
      .filter(({ shape }) => sizeOf(shape) <= MAX_SIZE)
      .map(
        ({ args, shape, spread }): Draft =>
          moved(s, {
            ops: ["expand"],
            expr: (c) => `${c}.expand(${spread ? args.join(", ") : fmt(args)})`,
            shape,
            run: (t) => (spread ? t.expand(...args) : t.expand(args)),
          }),
      ),
};

/** A non-empty slice along a random axis, its bounds written plain, negative or out of range (clamped). */
const sliceCandidate: Candidate = {
  ops: ["slice"],
  when: ranked,
  draw: (s) => {
    const r = s.shape.length;
    return axisArb(r).chain((axis) => {
      const d = s.shape[norm(axis, r)] as number;
      return fc
        .integer({ min: 0, max: d - 1 })
        .chain((from) =>
          fc.record({
            from: fc.constant(from),
            to: fc.integer({ min: from + 1, max: d }),
            startForm: fc.nat(2),
            endForm: fc.nat(2),
          }),
        )
        .map(({ from, to, startForm, endForm }): Draft => {
          const start = startForm === 0 ? from : startForm === 1 ? from - d : from === 0 ? -d - 2 : from;
          const end =
            endForm === 0 ? to : endForm === 1 ? (to < d ? to - d : undefined) : to === d ? d + 3 : to;
          const shape = [...s.shape];
          shape[norm(axis, r)] = to - from;
          return moved(s, {
            ops: ["slice"],
            expr: (c) => `${c}.slice(${axis}, ${start}${end === undefined ? "" : `, ${end}`})`,
            shape,
            run: (t) => t.slice(axis, start, end),
          });
        });
    });
  },
};

/** gather with a random index (nested array or tensor, repeats allowed). */
const gatherCandidate: Candidate = {
  ops: ["gather"],
  when: ranked,
  draw: (s) => {
    const r = s.shape.length;
    return axisArb(r).chain((axis) => {
      const a = norm(axis, r);
      const d = s.shape[a] as number;
      return fc
        .tuple(...s.shape.map((n, i) => fc.integer({ min: 1, max: i === a ? 3 : n })))
        .chain((shape) => {
          const n = sizeOf(shape);
          return fc.record({
            shape: fc.constant(shape),
            values: fc.array(fc.integer({ min: 0, max: d - 1 }), { minLength: n, maxLength: n }),
            asTensor: fc.boolean(),
          });
        })
        .map(({ shape, values, asTensor }): Draft => {
          const nested = nest(values, shape);
          return moved(s, {
            ops: ["gather"],
            expr: (c) =>
              `${c}.gather(${axis}, ${asTensor ? constText(values, shape) : JSON.stringify(nested)})`,
            shape,
            run: (t) => t.gather(axis, asTensor ? tensor(values, { shape }) : (nested as number[][])),
          });
        });
    });
  },
};

/** t.gather(axis, t.argmax(axis, true)): the max (argmin: min) along an axis through its index (no ties). */
const gatherArgCandidate = (arg: "argmax" | "argmin"): Candidate => ({
  ops: ["gather", arg],
  when: ranked,
  draw: (s) =>
    axisArb(s.shape.length).map((axis) => {
      const shape = [...s.shape];
      shape[norm(axis, s.shape.length)] = 1;
      return moved(s, {
        ops: ["gather", arg],
        expr: (c) => `${c}.gather(${axis}, ${c}.${arg}(${axis}, true))`,
        shape,
        run: (t) => t.gather(axis, t[arg](axis, true)),
        smooth: (t) => noTies(t, axis, arg === "argmax" ? "max" : "min"),
      });
    }),
});

/** Along `axis`, every two elements differ by MARGIN (so a sort's order, and its gradient, is stable nearby). */
function distinctAlong(t: Tensor, axis: number): boolean {
  if (t.ndim === 0 || (t.shape[norm(axis, t.ndim)] as number) < 2) return true;
  const a = norm(axis, t.ndim);
  const n = t.shape[a] as number;
  const v = t.sort(a).values;
  return (
    v
      .slice(a, 1, n)
      .sub(v.slice(a, 0, n - 1))
      .min()
      .item() >= MARGIN
  );
}

/** t.sort(axis, { descending }).values: a permutation along the axis, through argsort and gather. */
const sortCandidate: Candidate = {
  ops: ["argsort", "gather"],
  when: ranked,
  draw: (s) =>
    fc.record({ axis: axisArb(s.shape.length), descending: fc.boolean() }).map(({ axis, descending }) =>
      moved(s, {
        ops: ["argsort", "gather"],
        expr: (c) => `${c}.sort(${axis}, { descending: ${descending} }).values`,
        shape: s.shape,
        run: (t) => t.sort(axis, { descending }).values,
        smooth: (t) => distinctAlong(t, axis),
      }),
    ),
};

/** t.topk(k, axis, { largest }).values: k of the entries along the axis, through topk and gather. */
const topkCandidate: Candidate = {
  ops: ["topk", "gather"],
  when: ranked,
  draw: (s) => {
    const r = s.shape.length;
    return axisArb(r).chain((axis) =>
      fc
        .record({ k: fc.integer({ min: 1, max: s.shape[norm(axis, r)] as number }), largest: fc.boolean() })
        .map(({ k, largest }) => {
          const shape = [...s.shape];
          shape[norm(axis, r)] = k;
          return moved(s, {
            ops: ["topk", "gather"],
            expr: (c) => `${c}.topk(${k}, ${axis}, { largest: ${largest} }).values`,
            shape,
            run: (t) => t.topk(k, axis, { largest }).values,
            smooth: (t) => distinctAlong(t, axis),
          });
        }),
    );
  },
};

const indexSelectCandidate: Candidate = {
  ops: ["indexSelect"],
  when: ranked,
  draw: (s) => {
    const r = s.shape.length;
    return axisArb(r).chain((axis) => {
      const d = s.shape[norm(axis, r)] as number;
      return fc
        .record({
          indices: fc.array(fc.integer({ min: 0, max: d - 1 }), { minLength: 1, maxLength: 3 }),
          form: fc.constantFrom("array", "Int32Array", "tensor"),
        })
        .map(({ indices, form }): Draft => {
          const shape = [...s.shape];
          shape[norm(axis, r)] = indices.length;
          const arg = () =>
            form === "array" ? indices : form === "Int32Array" ? Int32Array.from(indices) : tensor(indices);
          return moved(s, {
            ops: ["indexSelect"],
            expr: (c) =>
              `${c}.indexSelect(${axis}, ${form === "array" ? fmt(indices) : `${form === "tensor" ? "tensor" : "Int32Array.from"}(${fmt(indices)})`})`,
            shape,
            run: (t) => t.indexSelect(axis, arg()),
          });
        });
    });
  },
};

/** concat of t and a new input (either order) along a random axis. */
const concatCandidate: Candidate = {
  ops: ["concat"],
  when: ranked,
  draw: (s) => {
    const r = s.shape.length;
    return fc
      .record({ axis: axisArb(r), len: fc.integer({ min: 1, max: 2 }), curFirst: fc.boolean() })
      .map(({ axis, len, curFirst }) => {
        const other = [...s.shape];
        other[norm(axis, r)] = len;
        const shape = [...s.shape];
        shape[norm(axis, r)] = (s.shape[norm(axis, r)] as number) + len;
        return { axis, other, shape, curFirst };
      })
      .filter(({ shape }) => sizeOf(shape) <= MAX_SIZE)
      .map(({ axis, other, shape, curFirst }): Draft => {
        const leaf: Leaf = { name: `x${s.leaves}`, shape: other, ...fine };
        const [lo, hi] = union([s.lo, s.hi], intervalOf(leaf));
        return {
          ops: ["concat"],
          expr: (c) => `concat([${curFirst ? `${c}, ${leaf.name}` : `${leaf.name}, ${c}`}], ${axis})`,
          leaves: [leaf],
          shape,
          run: (t, [x]) => concat(curFirst ? [t, x as Tensor] : [x as Tensor, t], axis),
          lo,
          hi,
        };
      });
  },
};

/** stack of t and a new input of its shape (either order) along a random new axis. */
const stackCandidate: Candidate = {
  ops: ["stack"],
  when: (s) => 2 * sizeOf(s.shape) <= MAX_SIZE,
  draw: (s) => {
    const r = s.shape.length;
    return fc
      .record({ axis: fc.integer({ min: -r - 1, max: r }), curFirst: fc.boolean() })
      .map(({ axis, curFirst }): Draft => {
        const leaf: Leaf = { name: `x${s.leaves}`, shape: s.shape, ...fine };
        const shape = [...s.shape];
        shape.splice(norm(axis, r + 1), 0, 2);
        const [lo, hi] = union([s.lo, s.hi], intervalOf(leaf));
        return {
          ops: ["stack"],
          expr: (c) => `stack([${curFirst ? `${c}, ${leaf.name}` : `${leaf.name}, ${c}`}], ${axis})`,
          leaves: [leaf],
          shape,
          run: (t, [x]) => stack(curFirst ? [t, x as Tensor] : [x as Tensor, t], axis),
          lo,
          hi,
        };
      });
  },
};

/**
 * prelu of t with a new weight input: one slope per channel (axis 1, shape [C]) when t has two
 * dimensions or more, else (or by choice) one shared slope [1]; t stays away from the kink at 0.
 */
const preluCandidate: Candidate = {
  ops: ["prelu"],
  draw: (s) =>
    fc.boolean().map((perChannel): Draft => {
      const channels = perChannel && s.shape.length >= 2 ? (s.shape[1] as number) : 1;
      const leaf: Leaf = { name: `x${s.leaves}`, shape: [channels], ...fine };
      const bound = mag(s) * Math.max(1, fine.hi);
      return {
        ops: ["prelu"],
        expr: (c) => `${c}.prelu(${leaf.name})`,
        leaves: [leaf],
        shape: s.shape,
        run: (t, [w]) => t.prelu(w as Tensor),
        smooth: awayFrom(0),
        lo: -bound,
        hi: bound,
      };
    }),
};

/**
 * pad of the last one or two dimensions: constant (a value in [−1, 1], amounts in [−1, 2], the
 * crop leaving ≥ 1 entry), reflect (amounts < the size) or replicate.
 */
const padCandidate: Candidate = {
  ops: ["pad"],
  when: ranked,
  draw: (s) => {
    const r = s.shape.length;
    return fc
      .record({
        pairs: fc.integer({ min: 1, max: Math.min(r, 2) }),
        mode: fc.constantFrom("constant" as const, "reflect" as const, "replicate" as const),
        amounts: fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 4, maxLength: 4 }),
        value: fc.constantFrom(0, -1, 0.5, 1),
      })
      .map(({ pairs, mode, amounts, value }) => {
        const padding = amounts.slice(0, 2 * pairs).map((p, i) => {
          const n = s.shape[r - 1 - Math.floor(i / 2)] as number;
          // reflect: 0 ≤ amount < n; replicate: ≥ 0; constant: as drawn
          return mode === "reflect"
            ? Math.min(Math.max(p, 0), n - 1)
            : mode === "replicate"
              ? Math.max(p, 0)
              : p;
        });
        const shape = s.shape.map((n, d) => {
          const k = r - 1 - d;
          return k < pairs ? n + (padding[2 * k] as number) + (padding[2 * k + 1] as number) : n;
        });
        return { padding, mode, value, shape };
      })
      .filter(({ shape }) => shape.every((n) => n >= 1) && sizeOf(shape) <= MAX_SIZE)
      .map(({ padding, mode, value, shape }): Draft => {
        const constant = mode === "constant";
        const opts = constant ? (value === 0 ? "" : `, { value: ${value} }`) : `, { mode: "${mode}" }`;
        return {
          ops: ["pad"],
          expr: (c) => `${c}.pad(${fmt(padding)}${opts})`,
          shape,
          run: (t) => t.pad(padding, constant ? { value } : { mode }),
          lo: constant ? Math.min(s.lo, value) : s.lo,
          hi: constant ? Math.max(s.hi, value) : s.hi,
        };
      });
  },
};

/** A 0/1 mask of `shape` with some dimensions drawn as 1 (broadcast), at least one entry true. */
const maskArb = (shape: Shape) =>
  fc
    .tuple(...shape.map((n) => fc.constantFrom(n, 1)))
    .chain((m: number[]) =>
      fc.tuple(
        fc.constant(m),
        fc.array(fc.constantFrom(0, 1), { minLength: sizeOf(m), maxLength: sizeOf(m) }),
      ),
    )
    .filter(([, bits]) => bits.includes(1));

/** maskedFill with a number or with a new 0-d input as the value. */
const maskedFillCandidate: Candidate = {
  ops: ["maskedFill"],
  draw: (s) =>
    fc
      .tuple(maskArb(s.shape), fc.option(fc.constantFrom(0, -1, 0.5), { nil: undefined }))
      .map(([[mShape, bits], value]): Draft => {
        const mask = constText(bits, mShape);
        if (value === undefined) {
          const leaf: Leaf = { name: `x${s.leaves}`, shape: [], ...fine };
          const [lo, hi] = union([s.lo, s.hi], intervalOf(leaf));
          return {
            ops: ["maskedFill"],
            expr: (c) => `${c}.maskedFill(${mask}, ${leaf.name})`,
            leaves: [leaf],
            shape: s.shape,
            run: (t, [v]) => t.maskedFill(tensor(bits, { shape: mShape }), v as Tensor),
            lo,
            hi,
          };
        }
        return {
          ops: ["maskedFill"],
          expr: (c) => `${c}.maskedFill(${mask}, ${value})`,
          shape: s.shape,
          run: (t) => t.maskedFill(tensor(bits, { shape: mShape }), value),
          lo: Math.min(s.lo, value),
          hi: Math.max(s.hi, value),
        };
      }),
};

/** maskedSelect of the true entries of a (possibly broadcast) 0/1 mask: a 1-D result. */
const maskedSelectCandidate: Candidate = {
  ops: ["maskedSelect"],
  draw: (s) =>
    maskArb(s.shape).map(
      ([mShape, bits]): Draft =>
        moved(s, {
          ops: ["maskedSelect"],
          expr: (c) => `${c}.maskedSelect(${constText(bits, mShape)})`,
          // the mask broadcast to t's shape: each true entry of the mask repeats over the 1s
          shape: [(sizeOf(s.shape) / sizeOf(mShape)) * bits.filter((b) => b === 1).length],
          run: (t) => t.maskedSelect(tensor(bits, { shape: mShape })),
        }),
    ),
};

/** scatter along an axis of a new input (an index no larger than t) or of a number. */
const scatterCandidate: Candidate = {
  ops: ["scatter"],
  when: ranked,
  draw: (s) => {
    const r = s.shape.length;
    return axisArb(r).chain((axis) => {
      const a = norm(axis, r);
      const d = s.shape[a] as number;
      return fc
        .tuple(...s.shape.map((n) => fc.integer({ min: 1, max: n })))
        .chain((shape) =>
          fc.record({
            shape: fc.constant(shape),
            values: fc.array(fc.integer({ min: 0, max: d - 1 }), {
              minLength: sizeOf(shape),
              maxLength: sizeOf(shape),
            }),
            value: fc.option(fc.constantFrom(0, 0.5), { nil: undefined }),
          }),
        )
        .map(({ shape, values, value }): Draft => {
          const index = JSON.stringify(nest(values, shape));
          const run = (t: Tensor, src: Tensor | number) =>
            t.scatter(axis, nest(values, shape) as number[][], src);
          if (value !== undefined) {
            return {
              ops: ["scatter"],
              expr: (c) => `${c}.scatter(${axis}, ${index}, ${value})`,
              shape: [...s.shape],
              run: (t) => run(t, value),
              lo: Math.min(s.lo, value),
              hi: Math.max(s.hi, value),
            };
          }
          const leaf: Leaf = { name: `x${s.leaves}`, shape, ...fine };
          const [lo, hi] = union([s.lo, s.hi], intervalOf(leaf));
          return {
            ops: ["scatter"],
            expr: (c) => `${c}.scatter(${axis}, ${index}, ${leaf.name})`,
            leaves: [leaf],
            shape: [...s.shape],
            run: (t, [src]) => run(t, src as Tensor),
            lo,
            hi,
          };
        });
    });
  },
};

/** Every kind of step the program generator takes. */
export const CANDIDATES: readonly Candidate[] = [
  ...unaries,
  ...binaries.map(binaryCandidate),
  ...COMPARISONS.map(whereCandidate),
  ...reductions,
  matmulCandidate,
  transposeCandidate,
  flipCandidate,
  rollCandidate,
  triangleCandidate,
  permuteCandidate,
  reshapeCandidate,
  flattenCandidate,
  squeezeCandidate,
  unsqueezeCandidate,
  expandCandidate,
  sliceCandidate,
  gatherCandidate,
  gatherArgCandidate("argmax"),
  gatherArgCandidate("argmin"),
  sortCandidate,
  topkCandidate,
  indexSelectCandidate,
  padCandidate,
  maskedFillCandidate,
  maskedSelectCandidate,
  scatterCandidate,
  concatCandidate,
  stackCandidate,
  preluCandidate,
];

/**
 * Table ops the generator never calls directly, each with where it is exercised instead: the
 * adjoints that backward passes record (gradgradcheck differentiates them) and abs's derivative.
 * The fused nn ops (`nnOpTable`: linear, unfold, fold, conv2d, convTranspose2d, the losses) are
 * outside `OpName` and never drawn: their gradcheck/gradgradcheck cases are the op-table test's
 * `nnCases`, their values and gradients the torch-reference fixtures (convTranspose2d's:
 * conv-transpose-reference.json).
 */
export const NOT_GENERATED: Readonly<Partial<Record<OpName, string>>> = {
  sumTo: "the backward of every broadcasting binary op and of expand",
  sliceBackward: "the backward of slice",
  mm: "the backward of matmul (2-D) and linear",
  scatterAdd: "the backward of gather",
  indexAdd: "the backward of indexSelect",
  padBackward: "the backward of pad (reflect, replicate)",
  maskedSelectBackward: "the backward of maskedSelect",
  reluBackward: "the backward of relu",
  all: "bool results, never differentiated: values, NaN and every dtype in forward-values and dtype tests",
  any: "bool results, never differentiated: values, NaN and every dtype in forward-values and dtype tests",
  floorDivide: "piecewise constant, not differentiable: values, signs and dtypes in promotion.test.ts",
  logicalNot: "a bool result, never differentiated: values (NaN, 0, every dtype) in promotion.test.ts",
};

/** Where a program must use an op: at the first step from `at` on where one of its candidates fits. */
interface Focus {
  readonly op: OpName;
  readonly at: number;
}

function stepsArb(s: State, n: number, focus: Focus | null): fc.Arbitrary<Step[]> {
  if (n === 0) return fc.constant([]);
  let fits = CANDIDATES.filter((c) => c.when?.(s) ?? true);
  if (focus !== null && s.k >= focus.at) {
    const op = focus.op;
    const focused = fits.filter((c) => c.ops.includes(op));
    if (focused.length > 0) {
      fits = focused;
      focus = null;
    }
  }
  const rest = focus;
  return fc.oneof(...fits.map((c) => c.draw(s))).chain((d) => {
    const step: Step = {
      ops: d.ops,
      text: `t${s.k + 1} = ${d.expr(`t${s.k}`)}`,
      leaves: d.leaves ?? [],
      shape: d.shape,
      run: d.run,
      smooth: d.smooth,
    };
    const next: State = {
      shape: d.shape,
      lo: d.lo,
      hi: d.hi,
      k: s.k + 1,
      leaves: s.leaves + step.leaves.length,
    };
    return stepsArb(next, n - 1, rest).map((more) => [step, ...more]);
  });
}

/**
 * Random programs of 1–`maxSteps` steps (see the file comment). With `focus`, every program uses
 * that op, at a random step where its domain conditions allow it.
 */
export function programArb(options: { maxSteps?: number; focus?: OpName } = {}): fc.Arbitrary<Program> {
  const { maxSteps = 4, focus } = options;
  return fc
    .record({
      dtype: fc.constantFrom<DType>("float64", "float32"),
      shape: shapeArb,
      range: fc.constantFrom(...FIRST_RANGES),
      length: fc.integer({ min: 1, max: maxSteps }),
      seed: fc.nat(),
    })
    .chain(({ length, ...rest }) =>
      fc.integer({ min: 0, max: length - 1 }).map((at) => ({ ...rest, length, at })),
    )
    .chain(({ dtype, shape, range: r, length, seed, at }) => {
      const first: Leaf = { name: "x0", shape, ...r };
      const [lo, hi] = intervalOf(first);
      const f = focus === undefined ? null : { op: focus, at };
      return stepsArb({ shape, lo, hi, k: 0, leaves: 1 }, length, f).map((steps) => {
        const p: Program = { dtype, first, steps, seed };
        return Object.assign(p, { [fc.toStringMethod]: () => programText(p) });
      });
    })
    .filter((p) => focus === undefined || p.steps.some((s) => s.ops.includes(focus)));
}

// ---- scalar programs: the same ops on Values and on 0-d tensors ----

/** The binary root functions (they take a number on either side). */
const ROOTS = { add, sub, mul, div, pow, maximum, minimum, atan2, remainder } as const;

/** Every `Value` op that has a tensor counterpart of the same name: all of `scalarOps`, and leakyRelu. */
export const SCALAR_OPS = [...(Object.keys(scalarOps) as (keyof typeof scalarOps)[]), "leakyRelu"] as const;
export type ScalarOpName = (typeof SCALAR_OPS)[number];

/**
 * One op of a scalar program: operands are earlier nodes (inputs and results), by index modulo the
 * number of nodes so far, so nodes are reused (a DAG: gradients meet and add up); a binary op's
 * second operand may be a number, on the right (a method call) or on the left (the root function).
 */
export interface ScalarStep {
  readonly op: ScalarOpName;
  readonly a: number;
  readonly b: number | { readonly n: number; readonly left: boolean };
  readonly slope: number;
}

/** Random inputs and 1–6 random ops over them. */
export interface ScalarProgram {
  readonly inputs: readonly number[];
  readonly steps: readonly ScalarStep[];
}

/**
 * Values anywhere in [−4, 4], 0 and −0 included (kinks, ties and NaN-producing domains included),
 * but none of magnitude below 1e-100 (KNOWN, see value-tensor.test.ts: local derivatives such as
 * 1/x overflow there in Value but not in Tensor); such draws become ±0.
 */
const scalarValue = fc
  .double({ min: -4, max: 4, noNaN: true })
  .map((x) => (Math.abs(x) < 1e-100 ? x * 0 : x));

export const scalarProgramArb: fc.Arbitrary<ScalarProgram> = fc
  .record({
    inputs: fc.array(scalarValue, { minLength: 1, maxLength: 3 }),
    steps: fc.array(
      fc.record({
        op: fc.constantFrom(...SCALAR_OPS),
        a: fc.nat(),
        b: fc.oneof(fc.nat(), fc.record({ n: scalarValue, left: fc.boolean() })),
        slope: fc.constantFrom(0.01, 0.2, -0.5),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  })
  .map((p) => Object.assign(p, { [fc.toStringMethod]: () => scalarProgramText(p) }));

/** The scalar program's nodes (inputs, then one per step), built with `leaf` and each node's methods. */
export function evalScalar<T extends Value | Tensor>(p: ScalarProgram, leaf: (x: number) => T): T[] {
  const nodes = p.inputs.map(leaf);
  for (const s of p.steps) {
    const a = nodes[s.a % nodes.length] as T;
    const methods = a as unknown as Record<ScalarOpName, (...args: unknown[]) => T>;
    if (s.op === "leakyRelu") nodes.push(methods.leakyRelu(s.slope));
    else if (scalarOps[s.op].arity === 1) nodes.push(methods[s.op]());
    else if (typeof s.b === "number") nodes.push(methods[s.op](nodes[s.b % nodes.length]));
    else if (!s.b.left) nodes.push(methods[s.op](s.b.n));
    else nodes.push((ROOTS[s.op as keyof typeof ROOTS] as unknown as (x: number, y: T) => T)(s.b.n, a));
  }
  return nodes;
}

/** The scalar program as code (what fast-check prints for a counterexample). */
export function scalarProgramText(p: ScalarProgram): string {
  const num = (x: number) => (Object.is(x, -0) ? "-0" : String(x));
  const lines = p.inputs.map((x, i) => `  n${i} = ${num(x)}`);
  let count = p.inputs.length;
  for (const s of p.steps) {
    const a = `n${s.a % count}`;
    const call =
      s.op === "leakyRelu"
        ? `${a}.leakyRelu(${s.slope})`
        : scalarOps[s.op].arity === 1
          ? `${a}.${s.op}()`
          : typeof s.b === "number"
            ? `${a}.${s.op}(n${s.b % count})`
            : s.b.left
              ? `${s.op}(${num(s.b.n)}, ${a})`
              : `${a}.${s.op}(${num(s.b.n)})`;
    lines.push(`  n${count} = ${call}`);
    count++;
  }
  return lines.join("\n");
}
