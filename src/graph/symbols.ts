/**
 * The local derivative of every tensor op, in words, for explanations: one entry per op name
 * (every name of `opTable`, the fused `nn` ops and the losses), one string per input.
 *
 * For an *elementwise* op the string is ∂out/∂in at each element, multiplied with ḡ = ∂L/∂out
 * element by element (`b` for `mul`'s first input). For every other op the local derivative is
 * a Jacobian, so the string says what it does to ḡ (`ḡ·Bᵀ` for `matmul`'s first input). Scalar
 * `Value`s carry their own strings (`scalarOps[name].symbols`); the two tables use the same
 * notation: a, b the operands, x the input, y the result, n the number of averaged elements.
 * Explanations replace these letters with the operands' names (`nameFormula`, `operandLetters`).
 */
import { binaryTable, type UnaryTable, unaryTable } from "../tensor/ops/all";
import { formatNumber } from "./format";
import { latexMath } from "./latex";
import { isAtomicText, type NodeName } from "./names";

/** One op's local derivatives. */
export interface OpSymbols {
  /** One string per input (the last one repeats for variadic ops such as `concat`). */
  readonly local: readonly string[];
  /** ∂out/∂in is elementwise (a diagonal Jacobian when the shapes match). */
  readonly elementwise: boolean;
}

const ew = (...local: string[]): OpSymbols => ({ local, elementwise: true });

/** The symbols of the binary table's rows, by op name (the comparisons: "not differentiable"). */
function binarySymbols(): { readonly [K in keyof typeof binaryTable]: OpSymbols } {
  const out: Record<string, OpSymbols> = {};
  for (const [name, row] of Object.entries(binaryTable)) {
    out[name] = row.scalar === undefined && row.op.backward === undefined ? NONE : ew(...row.symbols);
  }
  return out as { readonly [K in keyof typeof binaryTable]: OpSymbols };
}

/** The symbols of the unary table's rows, by op name. */
function unarySymbols(): { readonly [K in keyof UnaryTable]: OpSymbols } {
  const out: Record<string, OpSymbols> = {};
  for (const row of Object.values(unaryTable())) out[row.name] = ew(row.symbol);
  return out as { readonly [K in keyof UnaryTable]: OpSymbols };
}
const map = (...local: string[]): OpSymbols => ({ local, elementwise: false });
const NONE = map("not differentiable");
const RESHAPE = map("reshape(ḡ, x.shape)");
const ONE = ew("1");

/**
 * The table, keyed by op name. Every `opTable` name appears (a test checks it), plus `linear`,
 * `dropout` and the losses of `losses`.
 *
 * @example
 * tensorSymbols.mul.local;     // ["b", "a"]
 * tensorSymbols.matmul.local;  // ["ḡ·Bᵀ", "Aᵀ·ḡ"]
 */
export const tensorSymbols = {
  // elementwise, binary: each row of the binary table carries its symbols (tensor/ops/elementwise.ts)
  ...binarySymbols(),
  where: ew("none (condition)", "[cond ≠ 0]", "[cond = 0]"),
  // elementwise, unary: each row of the unary table carries its symbol (tensor/ops/elementwise.ts)
  ...unarySymbols(),
  reluBackward: ew("0 (x)", "[x > 0]"),
  prelu: map("ḡ if x > 0 else ḡ·w (w: x's channel slope)", "Σ ḡ·x over x ≤ 0, per channel"),
  // reductions and the softmax family
  sum: map("ḡ broadcast over the summed axes"),
  mean: map("ḡ/n broadcast over the averaged axes"),
  max: map("ḡ to the maxima (split among ties)"),
  min: map("ḡ to the minima (split among ties)"),
  logSumExp: map("ḡ·softmax(x)"),
  cumsum: map("cumsum of ḡ from the other end"),
  prod: map("ḡ·(product of the other elements)"),
  cumprod: map("Σ over j ≥ k of ḡ_j·(product of x_i for i ≤ j, i ≠ k)"),
  norm: map("ḡ·x/‖x‖ for p = 2 (0 at x = 0), else ḡ·sign(x)·(|x|/‖x‖)^(p − 1)"),
  softmax: map("y ⊙ (ḡ − Σ ḡ ⊙ y)"),
  logSoftmax: map("ḡ − softmax(x)·Σ ḡ"),
  // linear algebra
  matmul: map("ḡ·Bᵀ", "Aᵀ·ḡ"),
  mm: map("ḡ·op(B)ᵀ", "op(A)ᵀ·ḡ"),
  transpose: map("transpose(ḡ)"),
  permute: map("permute(ḡ, inverse dims)"),
  // shape and indexing
  reshape: RESHAPE,
  flatten: RESHAPE,
  squeeze: RESHAPE,
  unsqueeze: RESHAPE,
  expand: map("sumTo(ḡ, x.shape)"),
  sumTo: map("expand(ḡ, x.shape)"),
  slice: map("ḡ padded with zeros outside the slice"),
  sliceBackward: map("slice(ḡ)"),
  gather: map("scatterAdd(ḡ, index)", "none (index)"),
  scatterAdd: map("ḡ", "gather(ḡ, index)", "none (index)"),
  indexSelect: map("indexAdd(ḡ, indices)"),
  indexAdd: map("ḡ", "indexSelect(ḡ, indices)"),
  concat: map("ḡ sliced at this input's place"),
  stack: map("ḡ selected at this input's index"),
  flip: map("flip(ḡ, same axes)"),
  roll: map("roll(ḡ, −shift)"),
  triu: map("triu(ḡ, k)"),
  tril: map("tril(ḡ, k)"),
  pad: map("ḡ cropped back (constant) or added back where each entry was read (reflect, replicate)"),
  padBackward: map("pad(ḡ)"),
  maskedFill: map("ḡ with the filled entries zeroed", "Σ ḡ at the filled entries"),
  maskedSelect: map("ḡ put back at the mask's positions, zeros elsewhere"),
  maskedSelectBackward: map("maskedSelect(ḡ, mask)"),
  scatter: map("ḡ with the written entries zeroed", "gather(ḡ, index)"),
  clone: ONE,
  astype: ew("1 (ḡ cast back)"),
  // not differentiable (the comparisons are rows of the binary table)
  argmax: NONE,
  argmin: NONE,
  all: NONE,
  any: NONE,
  argsort: NONE,
  logicalNot: NONE,
  topk: NONE,
  // nn: fused layers
  linear: map("ḡ·W", "ḡᵀ·x (summed over the batch)", "Σ_batch ḡ"),
  dropout: ew("mask/(1 − p) (0 where dropped)"),
  unfold: map("fold(ḡ)"),
  fold: map("unfold(ḡ)"),
  conv1d: map("fold(Wᵀ·ḡ)", "Σ_batch ḡ·unfold(x)ᵀ", "Σ_{batch, L} ḡ"),
  conv2d: map("fold(Wᵀ·ḡ)", "Σ_batch ḡ·unfold(x)ᵀ", "Σ_{batch, H, W} ḡ"),
  conv2dWeight: map("fold(ḡᵀ·G) (G: the second input)", "conv2d(x, ḡ)"),
  convTranspose2d: map("conv2d(ḡ, W)", "conv2dWeight(ḡ, x)", "Σ_{batch, H, W} ḡ"),
  maxPool2d: map("ḡ added at each window's maximum"),
  poolSelect: map("ḡ added back at the selected elements"),
  poolScatter: map("ḡ read at the selected elements"),
  avgPool2d: map("ḡ/(kh·kw) spread over each window"),
  adaptiveAvgPool2d: map("ḡ/(window size) spread over each window"),
  avgPoolSpread: map("the window means of ḡ"),
  // nn: losses (n = number of averaged elements with reduction "mean", 1 with "sum")
  crossEntropy: map("(softmax(x) − y)/n (y one-hot or probabilities)", "−logSoftmax(x)/n"),
  nll: map("−onehot(y)/n"),
  mse: map("2(a − b)/n", "−2(a − b)/n"),
  bce: map("(p − t)/(p(1 − p))/n", "(ln(1 − p) − ln p)/n"),
  bceWithLogits: map("(σ(x) − t)/n", "−x/n"),
  hinge: map("−y·[y·s < 1]/n", "−s·[y·s < 1]/n"),
  l1: map("sign(a − b)/n", "−sign(a − b)/n"),
  huber: map("clamp(a − b, −δ, δ)/n", "−clamp(a − b, −δ, δ)/n"),
  smoothL1: map("clamp((a − b)/β, −1, 1)/n", "−clamp((a − b)/β, −1, 1)/n"),
  klDiv: map("−t/n (−exp(t)/n from log t)", "(ln t + 1 − x)/n (exp(t)(t − x + 1)/n from log t)"),
} as const satisfies Record<string, OpSymbols>;

/**
 * The local derivative of input `i` of a tensor op, in words, or `∂op/∂xᵢ` for ops not in the
 * table (custom ops).
 *
 * @example
 * localSymbol("sigmoid", 0);  // "σ(x)(1 − σ(x))"
 * localSymbol("myOp", 1);     // "∂myOp/∂x1"
 */
export function localSymbol(op: string, i: number): string {
  const entry = (tensorSymbols as Record<string, OpSymbols>)[op];
  if (entry === undefined || entry.local.length === 0) return `∂${op}/∂x${i}`;
  return entry.local[Math.min(i, entry.local.length - 1)] as string;
}

/**
 * Whether a tensor op's local derivative is elementwise (false for unknown ops).
 *
 * @example
 * isElementwise("tanh");   // true
 * isElementwise("matmul"); // false
 */
export function isElementwise(op: string): boolean {
  return (tensorSymbols as Record<string, OpSymbols>)[op]?.elementwise === true;
}

/** Which operand a letter of a formula stands for (its index), or `"result"` for the op's result. */
export type LetterRole = number | "result";

/**
 * The letters of the formulas of ops whose operands are not simply (a, b) or (x): by op name.
 * Letters not listed here are words of the formula (`n`, `index`, `slope`, …).
 */
const OPERAND_LETTERS: Readonly<Record<string, Readonly<Record<string, LetterRole>>>> = {
  where: { cond: 0 },
  reluBackward: { x: 0 },
  prelu: { x: 0, w: 1 },
  matmul: { A: 0, B: 1 },
  mm: { A: 0, B: 1 },
  linear: { x: 0, W: 1 },
  conv1d: { x: 0, W: 1 },
  conv2d: { x: 0, W: 1 },
  conv2dWeight: { x: 0, G: 1 },
  convTranspose2d: { x: 0, W: 1 },
  crossEntropy: { x: 0, y: 1 },
  nll: { y: 1 },
  mse: { a: 0, b: 1 },
  l1: { a: 0, b: 1 },
  huber: { a: 0, b: 1 },
  smoothL1: { a: 0, b: 1 },
  bce: { p: 0, t: 1 },
  bceWithLogits: { x: 0, t: 1 },
  hinge: { s: 0, y: 1 },
  klDiv: { x: 0, t: 1 },
};

const BINARY: Readonly<Record<string, LetterRole>> = { a: 0, b: 1 };
const UNARY: Readonly<Record<string, LetterRole>> = { x: 0, y: "result" };

/**
 * What the letters of an op's formulas stand for: a, b for the two operands of an elementwise
 * binary op (`Value`'s binary ops are those), x for the input and y for the result of a
 * one-operand op, and the op's own letters for the others (A, B for `matmul`; x, W for
 * `linear`; p, t for `bce`…). Letters for operands the node does not have are left alone.
 *
 * @example
 * operandLetters("mul", 2);    // {"a": 0, "b": 1}
 * operandLetters("tanh", 1);   // {"x": 0, "y": "result"}
 * operandLetters("matmul", 2); // {"A": 0, "B": 1}
 */
export function operandLetters(op: string, operands: number): Readonly<Record<string, LetterRole>> {
  const own = OPERAND_LETTERS[op];
  const letters = own ?? (op in binaryTable ? BINARY : operands === 1 ? UNARY : {});
  const out: Record<string, LetterRole> = {};
  for (const [letter, role] of Object.entries(letters))
    if (role === "result" || role < operands) out[letter] = role;
  return out;
}

/** Superscript letters and signs that a formula's placeholders can appear in (aᵇ⁻¹, eˣ). */
const SUPER: Record<string, string> = {
  ᵃ: "a",
  ᵇ: "b",
  ˣ: "x",
  ʸ: "y",
  "⁻": "−",
  "⁰": "0",
  "¹": "1",
  "²": "2",
  "³": "3",
  "⁴": "4",
  "⁵": "5",
  "⁶": "6",
  "⁷": "7",
  "⁸": "8",
  "⁹": "9",
};

/** The private-use character that stands for a placeholder while a formula is rewritten. */
const SENTINEL = 0xe000;
const RESULT_SENTINEL = 0xe0ff;
const SENTINELS = /[\ue000-\ue0ff]/g;

/**
 * A formula with its letters replaced by names, in text and in LaTeX: `b·aᵇ⁻¹` with a = x,
 * b = n reads `n·x^(n−1)` and `n\cdot x^{n-1}`; `σ(x)(1 − σ(x))` with x = v₁ reads
 * `σ(v₁)(1 − σ(v₁))`. A name that is not one symbol is put in parentheses where it needs them
 * (`x·(-3)`), and a digit before a name gets a `·` (`2x` → `2·v₁`). Letters are replaced only
 * as whole words, so a name is never rewritten again.
 *
 * @param formula a formula of the symbol tables
 * @param letters what its letters stand for (`operandLetters`)
 * @param name the name of an operand (by index) or of the result
 * @example
 * const names = [{ text: "x", latex: "x" }, { text: "2", latex: "2" }];
 * nameFormula("b·aᵇ⁻¹", { a: 0, b: 1 }, (r) => names[r as number]!).text; // "2·x^(2−1)"
 */
export function nameFormula(
  formula: string,
  letters: Readonly<Record<string, LetterRole>>,
  name: (role: LetterRole) => NodeName,
): NodeName {
  const keys = Object.keys(letters);
  if (keys.length === 0) return { text: formula, latex: latexMath(formula) };
  // superscripts holding a letter (aᵇ⁻¹, eˣ) become ^(…), where a name can stand
  const lifted = formula.replace(/[ᵃᵇˣʸ⁻⁰¹²³⁴-⁹]+/g, (run) => {
    const plain = Array.from(run, (c) => SUPER[c] as string).join("");
    return Array.from(run).some((c) => /[ᵃᵇˣʸ]/.test(c) && (SUPER[c] as string) in letters)
      ? `^(${plain})`
      : run;
  });
  // a whole word: no letter or digit around it, but superscripts may follow (x², Aᵀ)
  const pattern = new RegExp(
    `(?<![\\p{Ll}\\p{Lu}\\p{Lo}_])(${keys.join("|")})(?![\\p{Ll}\\p{Lu}\\p{Lo}\\p{Nd}_])`,
    "gu",
  );
  const marked = lifted.replace(pattern, (letter, _g, offset: number, whole: string) => {
    const role = letters[letter] as LetterRole;
    const mark = String.fromCharCode(role === "result" ? RESULT_SENTINEL : SENTINEL + role);
    return offset > 0 && /\p{N}/u.test(whole[offset - 1] as string) ? `·${mark}` : mark;
  });
  const roleOf = (mark: string): LetterRole => {
    const code = mark.charCodeAt(0);
    return code === RESULT_SENTINEL ? "result" : code - SENTINEL;
  };
  // a name needs no parentheses alone, inside (…), or as a whole superscript
  const enclosed = (s: string, at: number, len: number): boolean =>
    s.length === len || (s[at - 1] === "(" && s[at + len] === ")");
  const text = marked
    .replace(/\^\(([\ue000-\ue0ff])\)/g, (whole, mark: string) => {
      const t = name(roleOf(mark)).text;
      return isAtomicText(t) ? `^${mark}` : whole;
    })
    .replace(SENTINELS, (mark, at: number, s: string) => {
      const t = name(roleOf(mark)).text;
      return enclosed(s, at, 1) || isAtomicText(t) ? t : `(${t})`;
    });
  const tex = latexMath(marked);
  const latex = tex.replace(SENTINELS, (mark, at: number, s: string) => {
    const l = name(roleOf(mark)).latex;
    return /^-/.test(l) && !enclosed(s, at, 1) ? `(${l})` : l;
  });
  return { text, latex };
}

const SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/**
 * The power rule for a constant exponent c, in the letter a: c·aᶜ⁻¹ worked out (`2·a` for
 * c = 2, `3·a²`, `0.5·a^(−0.5)`), to be named with `nameFormula`.
 *
 * @example
 * powerRule(2); // "2·a"
 * powerRule(3); // "3·a²"
 * powerRule(1); // "1"
 */
export function powerRule(c: number): string {
  const e = c - 1;
  if (c === 0) return "0";
  let power: string;
  if (e === 0) power = "";
  else if (e === 1) power = "a";
  else if (Number.isInteger(e) && Math.abs(e) < 10)
    power = `a${e < 0 ? "⁻" : ""}${SUPERSCRIPT_DIGITS[Math.abs(e)]}`;
  else power = `a^(${formatNumber(e).replace("-", "−")})`;
  const coef = formatNumber(c).replace("-", "−");
  if (power === "") return coef;
  if (coef === "1") return power;
  if (coef === "−1") return `−${power}`;
  return `${coef}·${power}`;
}
