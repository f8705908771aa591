/**
 * The command line end to end: spawns `src/cli/main.ts` with tsx, as a user would run it, and
 * checks stdout, stderr and the exit code.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("chainrule grad", () => {
  it("prints the value and gradients and exits 0", () => {
    const r = run("grad", "tanh(a*b + c)", "a=2", "b=-3", "c=10");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^f = 0\.99932929973906\d*\n∂f\/∂a = -0\.00402285204907\d*\n/);
  });

  it("accepts an expression starting with a minus and prints JSON", () => {
    const r = run("grad", "-x^2", "x=3", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ value: -9, grads: { x: -6 } });
  });

  it("explains the chain rule and writes DOT and SVG", () => {
    const dir = mkdtempSync(join(tmpdir(), "chainrule-cli-"));
    const r = run(
      "grad",
      "a*b",
      "a=2",
      "b=3",
      "--explain",
      "--format",
      "markdown",
      "--dot",
      join(dir, "g.dot"),
      "--svg",
      join(dir, "g.svg"),
    );
    expect(r.code).toBe(0);
    expect(r.out.split("\n").filter((l) => l.startsWith("|"))).toHaveLength(4);
    expect(readFileSync(join(dir, "g.dot"), "utf8")).toMatch(/^digraph/);
    expect(readFileSync(join(dir, "g.svg"), "utf8")).toMatch(/<svg/);
  });

  it("keeps stdout pure JSON with --explain and files, which go into new directories and are reported on stderr", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "chainrule-cli-")), "missing", "dir");
    const svg = join(dir, "g.svg");
    const r = run("grad", "x^2", "x=3", "z=1", "--json", "--explain", "--format", "latex", "--svg", svg);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { value: number; grads: Record<string, number>; explanation: string };
    expect([json.value, json.grads]).toEqual([9, { x: 6, z: 0 }]);
    expect(json.explanation).toMatch(/^\\begin\{array\}/);
    expect(r.err.split("\n")).toEqual([
      "warning: z=1 is not used by the expression (variables: x)",
      expect.stringMatching(new RegExp(`^wrote ${svg.replace(/[\\.]/g, "\\$&")} \\(\\d+\\.\\d kB\\)$`)),
      "",
    ]);
    expect(readFileSync(svg, "utf8")).toMatch(/<svg/);
  });

  it("reports bad input on stderr without a stack trace and exits non-zero", () => {
    for (const [args, message] of [
      [["grad", "foo(x)", "x=1"], /^error at position 1: unknown function 'foo'/],
      [["grad", "x*y", "x=1"], /^error at position 3: unbound variable 'y'/],
      [["grad", "x +", "x=1"], /^error at position \d+: syntax error/],
      [["grad", "x", "x=abc"], /^chainrule: bad value for x/],
    ] as const) {
      const r = run(...args);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe("");
    }
  });
});
