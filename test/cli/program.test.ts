/**
 * The command line in-process: `runCli(args, io)` returns the exit code and writes to `io`, as
 * `chainrule` does with the process's streams (test/cli/main.test.ts runs the real process).
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDemo } from "../../src/cli/demo";
import { runCli } from "../../src/cli/program";
import { ChainruleError } from "../../src/index";

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
