/**
 * Executed doc comments: every `@example` in the JSDoc of src/ runs, and the values it claims are
 * the values it computes (STYLE.md convention 7: "an `@example` with its real output").
 *
 * The convention, for anyone writing a doc comment:
 *
 * - An example is the text after an `@example` line, up to the next `@tag` line or the end of the
 *   comment, with each line's leading ` * ` removed. It is a complete TypeScript snippet that
 *   imports nothing: every export of the public API (`import * as cr from "chainrule"`: `tensor`,
 *   `value`, `nn`, `losses`, …) and every export of the file it documents (internal helpers
 *   included) are in scope as plain names; the file's own exports win a clash. Variables the
 *   example uses it defines itself. It may use top-level `await`.
 * - It is written to test/docs/.tmp/doc-examples/ as its own ES module and imported; it must run
 *   without throwing. What it prints with console.log is silenced, not checked. The global random
 *   generator is re-seeded at random before each example, as in a new process: an example that
 *   shows random numbers must call `manualSeed` itself.
 * - A claimed value is an expression statement followed, on the line where the statement ends,
 *   by a `//` comment whose text starts with a JSON value (number, string, boolean, null, array,
 *   object; strings and keys in double quotes):
 *
 *       tensor([[1, 2], [3, 4]]).shape;  // [2, 2]
 *       grad(f)(tensor(2)).item();       // 12  (3x²)
 *       r.layers[1].delta.shape;         // [2]: δ² = ∂C/∂z²
 *
 *   The rule: the expected value is the longest prefix of the comment that parses as JSON and is
 *   followed by the end of the comment, by whitespace, or by one of `: , ; (`; whatever follows
 *   it is a remark for the reader. The statement's value (awaited if it is a promise) must deeply
 *   equal the expected value: typed arrays compare as arrays, objects by their own enumerable
 *   keys, numbers to 1e-12 relative (|actual − expected| ≤ 1e-12·max(|actual|, |expected|)).
 * - A comment that does not start with a JSON value (`// ln 4`, `// a standard normal sample`),
 *   a comment after a declaration (`const y = f(x); // …`), and comment-only lines (`// digraph
 *   g { … }`, a printed table) are illustrations: they are not checked. Prefer a checked value
 *   whenever the output is short enough to write as JSON.
 *
 * The generated modules are deleted after the run; test/docs/.tmp/ is git-ignored.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as cr from "chainrule";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ROOT } from "./markdown";

const TMP = join(ROOT, "test/docs/.tmp/doc-examples");
const SRC = join(ROOT, "src");

/** One `@example` block of a doc comment. */
interface DocExample {
  /** Repository-relative path of the source file ("src/graph/dot.ts"). */
  file: string;
  /** 1-based line of the `@example` tag in that file. */
  line: number;
  /** The example's code, comment margins removed. */
  code: string;
  /** "src/graph/dot.ts:74": how tests and messages name the example. */
  id: string;
}

/** A checked claim: the expression of a statement and the value its comment claims. */
interface Claim {
  /** 1-based line in the source file where the statement ends (where its comment is). */
  line: number;
  expression: string;
  expected: unknown;
  /** The comment's text, for messages. */
  comment: string;
}

/** Every .ts file under src/, sorted, repository-relative. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? sourceFiles(join(dir, e.name))
        : e.name.endsWith(".ts")
          ? [relative(ROOT, join(dir, e.name)).split("\\").join("/")]
          : [],
    )
    .sort();
}

/** The `@example` blocks of a source file's `/** … *\/` comments. */
function extractExamples(file: string, text: string): DocExample[] {
  const lines = text.split("\n");
  const examples: DocExample[] = [];
  let inDoc = false;
  let current: { line: number; body: string[] } | null = null;
  const finish = () => {
    if (current) {
      // leading blank lines stay, so that line k of the code is line `line + k` of the file
      const code = current.body.join("\n").trimEnd();
      examples.push({ file, line: current.line, code, id: `${file}:${current.line}` });
    }
    current = null;
  };
  lines.forEach((raw, i) => {
    if (!inDoc) {
      if (!raw.trimStart().startsWith("/**")) return;
      inDoc = true;
      raw = raw.replace("/**", "");
    }
    const end = raw.indexOf("*/");
    const content = (end >= 0 ? raw.slice(0, end) : raw).replace(/^\s*\* ?/, "");
    if (/^\s*@\w/.test(content)) {
      finish();
      if (/^\s*@example\b/.test(content)) current = { line: i + 1, body: [] };
    } else if (current) {
      current.body.push(content.trimEnd());
    }
    if (end >= 0) {
      finish();
      inDoc = false;
    }
  });
  return examples;
}

/**
 * The expected value a comment claims: the longest prefix that parses as JSON and is followed by
 * the end, whitespace, or one of `: , ; (`. `undefined` when there is none (prose).
 */
function leadingJson(comment: string): { value: unknown } | undefined {
  const text = comment.trim();
  for (let end = text.length; end > 0; end--) {
    if (end < text.length && !/[\s:,;(]/.test(text[end] as string)) continue;
    try {
      return { value: JSON.parse(text.slice(0, end)) };
    } catch {
      // not JSON up to here: try a shorter prefix
    }
  }
  return undefined;
}

/**
 * The example as a module: its claims are collected into an exported array instead of being
 * discarded. Returns the module's code and the claims, in order.
 */
function instrument(
  example: DocExample,
  names: string[],
  fileModule: string,
): { code: string; claims: Claim[] } {
  const source = ts.createSourceFile(
    "example.ts",
    example.code,
    ts.ScriptTarget.ES2022,
    true,
    ts.ScriptKind.TS,
  );
  const claims: Claim[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  for (const statement of source.statements) {
    if (!ts.isExpressionStatement(statement)) continue;
    const comment = ts
      .getTrailingCommentRanges(example.code, statement.end)
      ?.find((c) => c.kind === ts.SyntaxKind.SingleLineCommentTrivia);
    if (!comment) continue;
    const commentText = example.code.slice(comment.pos + 2, comment.end);
    const expected = leadingJson(commentText);
    if (!expected) continue;
    const expression = statement.expression.getText(source);
    edits.push({
      start: statement.getStart(source),
      end: statement.end,
      text: `__claims.push(await (${expression}));`,
    });
    claims.push({
      line: example.line + source.getLineAndCharacterOfPosition(statement.end).line + 1,
      expression,
      expected: expected.value,
      comment: commentText.trim(),
    });
  }
  let body = example.code;
  for (const { start, end, text } of edits.reverse()) body = body.slice(0, start) + text + body.slice(end);
  const code = [
    `// ${example.id}, generated by test/docs/doc-examples.test.ts`,
    `import * as __api from "chainrule";`,
    `import * as __file from ${JSON.stringify(fileModule)};`,
    "export const __claims: unknown[] = [];",
    `const { ${names.join(", ")} } = { ...__api, ...__file } as any;`,
    // a block of its own, so that the example may declare names the scope already has
    "{",
    body,
    "}",
    "",
  ].join("\n");
  return { code, claims };
}

/** Plain arrays for typed arrays, so that a claim is written as JSON. */
function plain(value: unknown): unknown {
  return ArrayBuffer.isView(value) && !(value instanceof DataView)
    ? Array.from(value as Float64Array)
    : value;
}

/** Where `actual` differs from `expected` ("" when they agree), as a path and a reason. */
function difference(actual: unknown, expected: unknown, path = "value"): string {
  actual = plain(actual);
  if (typeof expected === "number") {
    if (typeof actual !== "number")
      return `${path}: expected the number ${expected}, got ${describeValue(actual)}`;
    const ok =
      actual === expected ||
      Math.abs(actual - expected) <= 1e-12 * Math.max(Math.abs(actual), Math.abs(expected));
    return ok ? "" : `${path}: expected ${expected}, got ${actual}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${describeValue(actual)}`;
    if (actual.length !== expected.length) {
      return `${path}: expected ${expected.length} elements, got ${actual.length}: ${describeValue(actual)}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const d = difference(actual[i], expected[i], `${path}[${i}]`);
      if (d) return d;
    }
    return "";
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      return `${path}: expected an object, got ${describeValue(actual)}`;
    }
    const want = Object.keys(expected).sort();
    const have = Object.keys(actual).sort();
    if (want.join() !== have.join())
      return `${path}: expected the keys ${want.join(", ")}, got ${have.join(", ")}`;
    for (const key of want) {
      const d = difference(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (d) return d;
    }
    return "";
  }
  return actual === expected
    ? ""
    : `${path}: expected ${JSON.stringify(expected)}, got ${describeValue(actual)}`;
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(plain(value)) ?? String(value);
  } catch {
    return String(value);
  }
}

const examples = sourceFiles().flatMap((file) =>
  extractExamples(file, readFileSync(join(ROOT, file), "utf8")),
);
const files = [...new Set(examples.map((e) => e.file))];
const apiNames = Object.keys(cr);

beforeAll(() => {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
});

afterAll(() => {
  if (!process.env.KEEP_DOC_SAMPLES) rmSync(TMP, { recursive: true, force: true });
});

async function run(example: DocExample): Promise<{ claims: Claim[]; actual: unknown[] }> {
  const fileModule = await import(/* @vite-ignore */ pathToFileURL(join(ROOT, example.file)).href);
  const names = [...new Set([...apiNames, ...Object.keys(fileModule)])].filter(
    (n) => n !== "default" && /^[A-Za-z_$][\w$]*$/.test(n),
  );
  const path = join(TMP, `${example.file.replace(/[\\/]/g, "_")}.${example.line}.ts`);
  const specifier = relative(dirname(path), join(ROOT, example.file)).split("\\").join("/");
  const { code, claims } = instrument(
    example,
    names,
    specifier.startsWith(".") ? specifier : `./${specifier}`,
  );
  writeFileSync(path, code);
  // a new process would start from a random seed: so does every example
  cr.manualSeed((Math.random() * 2 ** 32) | 0);
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    const module = await import(/* @vite-ignore */ pathToFileURL(path).href);
    return { claims, actual: module.__claims as unknown[] };
  } finally {
    log.mockRestore();
  }
}

describe("@example blocks in doc comments", () => {
  it("are found in src/, with claimed values to check", () => {
    expect(examples.length).toBeGreaterThanOrEqual(30);
    const claims = examples.flatMap((e) => instrument(e, [], "").claims);
    expect(claims.length).toBeGreaterThanOrEqual(50);
  });

  it("parse a claimed value from a comment's leading JSON", () => {
    expect(leadingJson(" [2, 2]")).toEqual({ value: [2, 2] });
    expect(leadingJson(" 12  (3x²)")).toEqual({ value: 12 });
    expect(leadingJson(" [2]: δ² = ∂C/∂z²")).toEqual({ value: [2] });
    expect(leadingJson(' "a\\\\|b"')).toEqual({ value: "a\\|b" });
    expect(leadingJson(' { "raw": "x" }')).toEqual({ value: { raw: "x" } });
    expect(leadingJson(" true")).toEqual({ value: true });
    expect(leadingJson(" ln 4")).toBeUndefined();
    expect(leadingJson(" 2x = [2, 4]")).toBeUndefined();
    expect(leadingJson(" a standard normal sample")).toBeUndefined();
  });

  for (const file of files) {
    describe(file, () => {
      for (const example of examples.filter((e) => e.file === file)) {
        it(`example at line ${example.line}`, async () => {
          const { claims, actual } = await run(example);
          expect(actual.length, `${example.id}: claims evaluated`).toBe(claims.length);
          const problems = claims.flatMap((claim, k) => {
            const d = difference(actual[k], claim.expected);
            return d ? [`${file}:${claim.line}: ${claim.expression} // ${claim.comment}: ${d}`] : [];
          });
          expect(problems, example.id).toEqual([]);
        });
      }
    });
  }
});
