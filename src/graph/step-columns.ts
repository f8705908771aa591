/**
 * The columns of a table of chain-rule steps, one row per edge of the backward pass, as
 * `explainBackward` prints it and the HTML viewer draws it. No imports: the viewer's script
 * bundles this module into the page.
 *
 * A row reads: the gradient ∂L/∂node has arrived at `node`, made by `op`; the local derivative
 * ∂node/∂into (a formula in the operands' names, and its value `local`); their product, the
 * `contribution` that flows into the operand `into`.
 */
export const STEP_COLUMNS = [
  "step",
  "node",
  "op",
  "∂L/∂node",
  "∂node/∂into",
  "local",
  "contribution",
  "into",
] as const;

/**
 * The columns with L replaced by the name of what is differentiated (the root's label, `Σy` for
 * a root with several elements), in parentheses unless it is one word.
 *
 * @example
 * stepColumns("f")[3];  // "∂f/∂node"
 * stepColumns("Σy")[3]; // "∂(Σy)/∂node"
 */
export function stepColumns(objective: string): string[] {
  const word = /^[\p{L}\p{N}_.′'[\],₀-₉]+$/u.test(objective) && !objective.startsWith("Σ");
  const top = word ? objective : `(${objective})`;
  return STEP_COLUMNS.map((c) => (c === "∂L/∂node" ? `∂${top}/∂node` : c));
}
