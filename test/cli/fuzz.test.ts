/**
 * Fuzzing the expression parser and `chainrule grad` (run in-process with `runCli`): random
 * strings (UTF-16 code units, full Unicode with lone surrogates, graphemes) and random token
 * soups and well-formed expressions from the grammar's own tokens. Whatever the input: the
 * parser throws only `ExpressionError`; the command returns 0 with its output (and at most
 * warnings on stderr) or 1 with a short message on stderr (never a stack trace, never anything on
 * stdout); every call ends quickly.
 *
 * Failures print fast-check's seed and path; replay one with
 * `FUZZ_SEED=<seed> npx vitest run test/cli/fuzz.test.ts` (`FUZZ_RUNS` changes the count).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { functionNames } from "../../src/cli/expression";
import { runCli } from "../../src/cli/program";
import { ExpressionError, parseExpression } from "../../src/expression";

const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const numRuns = Number(process.env.FUZZ_RUNS ?? 200);
const runs = (n = numRuns): fc.Parameters<unknown> => ({
  numRuns: n,
  ...(seed === undefined ? {} : { seed }),
});

/** The most one parse or one command may take (they take milliseconds). */
const MAX_MS = 2000;

async function cli(args: string[]) {
  let out = "";
  let err = "";
  const t0 = performance.now();
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err, ms: performance.now() - t0 };
}

/** What every run of the command must satisfy. */
function checkRun(r: { code: number; out: string; err: string; ms: number }, label: string): void {
  expect(r.ms, label).toBeLessThan(MAX_MS);
  expect([0, 1], label).toContain(r.code);
  if (r.code === 0) {
    // stderr has only warnings (a binding the expression does not use), one a line
    for (const line of r.err.split("\n").filter((l) => l !== "")) expect(line, label).toMatch(/^warning: \S/);
    // the result, the help, or the version (`-V`, which commander reads as its version flag)
    expect(r.out, label).toMatch(/^(f = |\{"value":|Usage: |\d+\.\d+\.\d+\n$)/);
    return;
  }
  expect(r.out, label).toBe("");
  expect(r.err, label).not.toMatch(/\n\s+at /); // no stack trace
  const lines = r.err.trimEnd().split("\n");
  // one message line; an expression error adds the expression and a caret under the position
  if (lines[0]?.startsWith("error at position ")) {
    expect(lines, label).toHaveLength(3);
    expect(lines[2], label).toMatch(/^ *\^$/);
  } else {
    expect(lines, label).toHaveLength(1);
    expect(lines[0], label).toMatch(/^(chainrule: |error: )\S/);
  }
}

const strings = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);

const VARIABLES = ["x", "y", "α", "w_1", "constructor", "__proto__", "toString", "z"]; // z is never bound
const BINDINGS = ["x=1.5", "y=-2", "α=3", "w_1=0", "constructor=2", "__proto__=-1", "toString=0.5"];

/** Tokens of the grammar, and some that are not in it. */
const TOKENS = [
  ...VARIABLES,
  ...functionNames,
  "0",
  "1",
  "2.5",
  "1e308",
  "1e-320",
  "pi",
  "e",
  "+",
  "-",
  "*",
  "/",
  "^",
  "@",
  "**",
  "(",
  ")",
  ",",
  " ",
  "!",
  "'",
  "=",
  "[",
  "]",
  "?",
  ":",
  '"',
  ";",
  "\n",
  "%",
  ".",
  "foo",
  "and",
  "mod",
];

/** A well-formed expression built from the grammar, nested at most `depth` levels. */
const expression: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("x", "y", "α", "w_1", "constructor", "__proto__", "toString", "pi", "e"),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((v) => `(${v})`),
    fc
      .tuple(tie("expr"), fc.constantFrom("+", "-", "*", "/", "^"), tie("expr"))
      .map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie("expr").map((a) => `-${a}`),
    fc
      .tuple(fc.constantFrom(...functionNames), tie("expr"), tie("expr"))
      .map(([f, a, b]) =>
        ["pow", "max", "min", "atan2", "remainder"].includes(f) ? `${f}(${a}, ${b})` : `${f}(${a})`,
      ),
  ),
})).expr;

describe("fuzzing the expression parser", () => {
  it("throws nothing but ExpressionError on random strings, quickly", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          strings,
          fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => t.join("")),
        ),
        (s) => {
          const t0 = performance.now();
          try {
            parseExpression(s);
          } catch (err) {
            expect(err).toBeInstanceOf(ExpressionError);
            const position = (err as ExpressionError).position;
            expect(Number.isInteger(position) && position >= 0 && position <= s.length).toBe(true);
          }
          expect(performance.now() - t0).toBeLessThan(MAX_MS);
        },
      ),
      runs(numRuns * 2),
    );
  });
});

describe("fuzzing chainrule grad in-process", () => {
  // found by the property below (seed -1300458978): the parser's message quoted a raw newline
  it.each(["\u0000\n", "a\n+", "\u2028", "x\r\ny"])("keeps the error to three lines for %j", async (s) => {
    checkRun(await cli(["grad", s]), JSON.stringify(s));
  });

  it("answers random strings with a result or a one-message error and exit code 1", async () => {
    await fc.assert(
      fc.asyncProperty(
        strings,
        fc.array(fc.oneof(fc.constantFrom(...BINDINGS), strings), { maxLength: 3 }),
        async (s, b) => {
          checkRun(await cli(["grad", s, ...b]), JSON.stringify([s, ...b]));
        },
      ),
      runs(),
    );
  });

  it("answers token soups from the grammar the same way", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 25 }).map((t) => t.join("")),
        fc.boolean(),
        async (s, json) => {
          const args = ["grad", s, ...BINDINGS, ...(json ? ["--json"] : [])];
          checkRun(await cli(args), JSON.stringify(args));
        },
      ),
      runs(),
    );
  });

  it("evaluates every well-formed expression, and --json is always valid JSON", async () => {
    await fc.assert(
      fc.asyncProperty(expression, async (s) => {
        const r = await cli(["grad", s, ...BINDINGS, "--json"]);
        checkRun(r, s);
        expect(r.code, `${s}\n${r.err}`).toBe(0);
        const parsed = JSON.parse(r.out) as { value: unknown; grads: Record<string, unknown> };
        const isNumber = (v: unknown) =>
          typeof v === "number" || ["NaN", "Infinity", "-Infinity"].includes(v as string);
        expect(isNumber(parsed.value)).toBe(true);
        expect(Object.keys(parsed.grads)).toEqual(BINDINGS.map((b) => b.split("=")[0]));
        for (const g of Object.values(parsed.grads)) expect(isNumber(g)).toBe(true);
      }),
      runs(),
    );
  });
});
