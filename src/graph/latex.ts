/**
 * Plain text and the derivative notation of the symbol tables (σ(x)(1 − σ(x)), b·aᵇ⁻¹, ḡ·Bᵀ…)
 * as LaTeX math, for `explainBackward(…, { format: "latex" })`. Works with LaTeX, KaTeX and
 * MathJax; anything unrecognised is escaped into `\text{…}`.
 */

const TEXT_ESCAPES: Record<string, string> = {
  "\\": "\\textbackslash{}",
  "{": "\\{",
  "}": "\\}",
  $: "\\$",
  "&": "\\&",
  "#": "\\#",
  "%": "\\%",
  _: "\\_",
  "^": "\\textasciicircum{}",
  "~": "\\textasciitilde{}",
};

/**
 * Escapes arbitrary text for `\text{…}`.
 *
 * @example
 * latexText("w_1 & b"); // "w\\_1 \\& b"
 */
export function latexText(text: string): string {
  return Array.from(text.replace(/\s+/g, " "), (ch) => TEXT_ESCAPES[ch] ?? ch).join("");
}

const SYMBOLS: Record<string, string> = {
  α: "\\alpha",
  β: "\\beta",
  δ: "\\delta",
  σ: "\\sigma",
  φ: "\\phi",
  Φ: "\\Phi",
  π: "\\pi",
  Σ: "\\sum",
  "∂": "\\partial ",
  ḡ: "\\bar{g}",
  "−": "-",
  "·": "\\cdot ",
  "⊙": "\\odot ",
  "≥": "\\geq ",
  "≤": "\\leq ",
  "≠": "\\neq ",
  "½": "\\tfrac{1}{2}",
  "∞": "\\infty ",
  "‖": "\\|",
  "→": "\\to ",
  "…": "\\ldots ",
};

const SUPERSCRIPTS: Record<string, string> = {
  "⁻": "-",
  "¹": "1",
  "²": "2",
  "³": "3",
  "⁰": "0",
  "⁴": "4",
  "⁵": "5",
  "⁶": "6",
  "⁷": "7",
  "⁸": "8",
  "⁹": "9",
  ᵃ: "a",
  ᵇ: "b",
  ˣ: "x",
  ʸ: "y",
  ᵀ: "\\top ",
};

const SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉";

const FUNCTIONS = new Set(["ln", "log", "exp", "sin", "cos", "tan", "tanh", "sinh", "cosh", "max", "min"]);
const SAFE = /[0-9A-Za-z()+\-*/=<>[\],.:;!?|' ]/;

/**
 * Converts a derivative formula to LaTeX math (without `$` delimiters). Characters of the
 * private use area U+E000–U+E0FF pass through unchanged: `nameFormula` marks with them where
 * the operands' names go.
 *
 * @example
 * latexMath("σ(x)(1 − σ(x))"); // "\\sigma(x)(1 - \\sigma(x))"
 * latexMath("b·aᵇ⁻¹");         // "b\\cdot a^{b-1}"
 * latexMath("1 if x > 0 else 0.01"); // "1 \\text{ if } x > 0 \\text{ else } 0.01"
 * latexMath("v₁²");            // "v_{1}^{2}"
 */
export function latexMath(formula: string): string {
  const chars = Array.from(formula);
  let out = "";
  let i = 0;
  const group = (): string => {
    // the operand of √ or ^: a parenthesised group or one character
    if (chars[i] === "(") {
      let depth = 0;
      let j = i;
      for (; j < chars.length; j++) {
        if (chars[j] === "(") depth++;
        else if (chars[j] === ")" && --depth === 0) break;
      }
      const inner = chars.slice(i + 1, j).join("");
      i = j + 1;
      return latexMath(inner);
    }
    const ch = chars[i++];
    return ch === undefined ? "" : latexMath(ch);
  };
  while (i < chars.length) {
    const ch = chars[i] as string;
    if (ch in SUPERSCRIPTS) {
      let sup = "";
      while (i < chars.length && (chars[i] as string) in SUPERSCRIPTS)
        sup += SUPERSCRIPTS[chars[i++] as string];
      out += `^{${sup.trim()}}`;
    } else if (SUBSCRIPTS.includes(ch)) {
      let sub = "";
      while (i < chars.length && SUBSCRIPTS.includes(chars[i] as string))
        sub += String(SUBSCRIPTS.indexOf(chars[i++] as string));
      out += `_{${sub}}`;
    } else if (ch >= "\ue000" && ch <= "\ue0ff") {
      i++;
      out += ch;
    } else if (ch === "√") {
      i++;
      out += `\\sqrt{${group()}}`;
    } else if (ch === "^") {
      i++;
      out += `^{${group()}}`;
    } else if (ch === "_") {
      i++;
      const word = /^[A-Za-z]+/.exec(chars.slice(i).join(""))?.[0] ?? "";
      i += word.length;
      out += word ? `_{\\text{${word}}}` : "\\_";
    } else if (/[A-Za-z]/.test(ch)) {
      const word = /^[A-Za-z]+/.exec(chars.slice(i).join(""))?.[0] as string;
      i += word.length;
      if (word.length === 1) out += word;
      else if (FUNCTIONS.has(word)) out += `\\${word} `;
      else if (chars[i] === "(") out += `\\operatorname{${word}}`;
      else out += `\\text{ ${word} }`;
    } else if (ch in SYMBOLS) {
      i++;
      out += SYMBOLS[ch];
    } else if (SAFE.test(ch)) {
      i++;
      out += ch;
    } else {
      i++;
      out += `\\text{${latexText(ch)}}`;
    }
  }
  return out.trim();
}
