/**
 * The columns of a table of chain-rule steps, one row per edge of the backward pass, as
 * `explainBackward` prints it and the HTML viewer draws it. No imports: the viewer's script
 * bundles this module into the page.
 */
export const STEP_COLUMNS = [
  "step",
  "node",
  "op",
  "∂L/∂out",
  "∂out/∂in",
  "local",
  "contribution",
  "into",
] as const;
