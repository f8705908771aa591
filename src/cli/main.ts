/**
 * The `chainrule` command line. The only Node-specific entry point of the package.
 */
import { Command } from "commander";
import { explainBackward, renderSvg, toDot, toHtml } from "../graph/index";
import { runDemo } from "./demo";
import { functionNames } from "./expression";
import { ExpressionError, formatExpressionError, gradCommand } from "./grad-command";
import { trainMoons } from "./moons-demo";

const program = new Command();
program.name("chainrule").description("Reverse-mode automatic differentiation you can see and check.");

program
  .command("grad")
  .description("differentiate an expression: prints its value and ∂f/∂ every variable")
  .argument(
    "<expression>",
    `e.g. "tanh(a*b + c)"; + - * / ^, unary minus, parentheses, and ${functionNames.join(" ")}`,
  )
  .argument("[bindings...]", "variable values, e.g. a=2 b=-3 c=10")
  .option("--json", 'print {"value": …, "grads": {…}}')
  .option("--explain", "print the chain rule as it was applied, one row per edge")
  .option("--format <format>", "format of --explain: text, markdown or latex", "text")
  .option("--dot <file>", "write the graph as Graphviz DOT")
  .option("--svg <file>", "write the graph as SVG (rendered in-process)")
  .option("--html <file>", "write a self-contained interactive page: the graph, each node's chain-rule steps")
  .allowUnknownOption() // an expression may start with "-" ("-x^2"): unknown "options" are operands
  .action(
    async (
      expression: string,
      bindings: string[],
      opts: {
        json?: boolean;
        explain?: boolean;
        format: string;
        dot?: string;
        svg?: string;
        html?: string;
      },
    ) => {
      if (!["text", "markdown", "latex"].includes(opts.format)) {
        throw new Error(`--format must be text, markdown or latex, got ${opts.format}`);
      }
      const format = opts.format as "text" | "markdown" | "latex";
      try {
        const out = await gradCommand(expression, bindings, opts, {
          toDot: (root) => toDot(root),
          renderSvg: (dot) => renderSvg(dot),
          explain: (root) => explainBackward(root, { format }),
          toHtml: (root) => toHtml(root, { title: `f = ${expression}` }),
        });
        console.log(out);
      } catch (err) {
        if (err instanceof ExpressionError) throw new CliError(formatExpressionError(expression, err));
        throw err;
      }
    },
  );

program
  .command("demo")
  .description("train an MLP on 10,000 MNIST digits with a live progress bar; write its pictures to out/")
  .option("--epochs <n>", "training epochs", "10")
  .option("--train <n>", "training examples", "8000")
  .option("--test <n>", "test examples", "2000")
  .option("--seed <n>", "random seed", "0")
  .option("--out <dir>", "output directory", "out")
  .action(async (opts: { epochs: string; train: string; test: string; seed: string; out: string }) => {
    await runDemo({
      epochs: positiveInt(opts.epochs, "--epochs"),
      train: positiveInt(opts.train, "--train"),
      test: positiveInt(opts.test, "--test"),
      seed: Number(opts.seed),
      outDir: opts.out,
    });
  });

program
  .command("moons")
  .description("micrograd's demo: a scalar 2-16-16-1 MLP learns the two moons")
  .option("--steps <n>", "training steps", "100")
  .action((opts: { steps: string }) => {
    const steps = positiveInt(opts.steps, "--steps");
    console.log("nn.scalar.MLP(2, [16, 16, 1]) on 100 two-moons points (seed 1337), one Value per weight\n");
    const t0 = performance.now();
    const { accuracy, losses } = trainMoons({
      steps,
      onStep: (step, loss, acc) => {
        if (step % 10 === 0 || step === steps - 1) {
          console.log(
            `step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}  accuracy ${(acc * 100).toFixed(0)}%`,
          );
        }
      },
    });
    const ms = (performance.now() - t0) / steps;
    console.log(
      `\nfinal loss ${losses.at(-1)?.toFixed(4)}, accuracy ${(accuracy * 100).toFixed(0)}% (${ms.toFixed(1)} ms per step)`,
    );
  });

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got ${text}`);
  return n;
}

/** An error whose message is already formatted for the terminal. */
class CliError extends Error {}

program.exitOverride();
program.configureOutput({ writeErr: (text) => process.stderr.write(text) });

program.parseAsync(process.argv).catch((err: unknown) => {
  const code = (err as { code?: string }).code;
  if (code === "commander.helpDisplayed" || code === "commander.version") return;
  if (typeof code === "string" && code.startsWith("commander.")) {
    process.exitCode = 2; // commander printed its one-line message already
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  console.error(err instanceof CliError ? message : `chainrule: ${message}`);
  process.exitCode = 1;
});
