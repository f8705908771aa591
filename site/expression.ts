/**
 * The one place the playground parses formulas: the root entry's `parseExpression` (SPEC §12),
 * the grammar `expr` and the CLI use. Everything else goes through `Expression` and `Operand`
 * from here.
 */
export { type Expression, type Operand, parseExpression } from "../src/index";
