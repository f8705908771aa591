/**
 * The `chainrule` command line as a function: `runCli(args, io)` parses the arguments, runs the
 * command, writes to `io` and resolves to the exit code, so tests can run it in-process. Every
 * failure is reported as a short message on stderr (never a stack trace) with exit code 1.
 */
import { Command } from "commander";
import { ChainruleError } from "../errors";
import { explainBackward, renderSvg, toDot, toHtml } from "../graph/index";
import { version } from "../version";
import { DatasetMissingError, MNIST_DIGITS, MNIST_PACKAGE_SIZE, runDemo } from "./demo";
import { functionNames } from "./expression";
import { ExpressionError, formatExpressionError, gradCommand } from "./grad-command";
import { DEMO_MODELS, type DemoModel } from "./mnist-demo";
import { trainMoons } from "./moons-demo";

/** Where the command line writes: whole chunks of text (lines end with `\n`). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** An error whose message is already formatted for the terminal. */
class CliError extends Error {}

const FORMATS = ["text", "markdown", "latex"] as const;

function program(io: CliIo): Command {
  const say = (line = "") => io.out(`${line}\n`);
  const cli = new Command();
  cli
    .name("chainrule")
    .description("Reverse-mode automatic differentiation you can see and check.")
    .version(version, "-V, --version", "print the version");
  // before the commands are added: subcommands copy these settings when they are created
  cli.exitOverride();
  cli.configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });

  cli
    .command("grad")
    .description("differentiate an expression: prints its value and ∂f/∂ every variable")
    .argument(
      "<expression>",
      `e.g. "tanh(a*b + c)"; + - * / ^ (power is ^, not **), unary minus, parentheses, and ${functionNames.join(" ")}; e and pi are the constants e and π unless bound (e=2 makes e a variable)`,
    )
    .argument(
      "[bindings...]",
      "variable values, e.g. a=2 b=-3 c=10 (any variable name of the expression); a binding the expression does not use is a warning on stderr (an error with --strict)",
    )
    .option(
      "--json",
      'print {"value": …, "grads": {…}} (with --explain also "explanation": the text of --explain in its --format) and nothing else on stdout; NaN and ±Infinity are written as the strings "NaN", "Infinity", "-Infinity"',
    )
    .option("--explain", "print the chain rule as it was applied, one row per edge")
    .option(
      "--format <format>",
      "format of --explain: text (the default), markdown or latex; only with --explain (it formats nothing else)",
    )
    .option("--strict", "reject a binding the expression does not use")
    .option("--dot <file>", "write the graph as Graphviz DOT")
    .option("--svg <file>", "write the graph as SVG (rendered in-process)")
    .option(
      "--html <file>",
      "write a self-contained interactive page: the graph, each node's chain-rule steps",
    )
    .addHelpText(
      "after",
      "\nThe directories of --dot, --svg and --html files are created when missing, and each file written is reported as one line, e.g. 'wrote out/f.svg (12.3 kB)' (on stderr with --json).",
    )
    .allowUnknownOption() // an expression may start with "-" ("-x^2"): unknown "options" are operands
    .action(
      async (
        expression: string,
        bindings: string[],
        opts: {
          json?: boolean;
          explain?: boolean;
          format?: string;
          strict?: boolean;
          dot?: string;
          svg?: string;
          html?: string;
        },
      ) => {
        const format = (opts.format ?? "text") as (typeof FORMATS)[number];
        if (!(FORMATS as readonly string[]).includes(format)) {
          throw new ChainruleError(`--format must be text, markdown or latex, got '${format}'`);
        }
        if (opts.format !== undefined && !opts.explain) {
          throw new ChainruleError(
            `--format ${format} formats the --explain table and nothing else: add --explain (or drop --format)`,
          );
        }
        try {
          const out = await gradCommand(
            expression,
            bindings,
            { ...opts, log: (line) => io.err(`${line}\n`) },
            {
              toDot: (root) => toDot(root),
              renderSvg: (root) => renderSvg(root),
              explain: (root) => explainBackward(root, { format }),
              toHtml: (root) => toHtml(root, { title: `f = ${expression}` }),
            },
          );
          say(out);
        } catch (err) {
          if (err instanceof ExpressionError) throw new CliError(formatExpressionError(expression, err));
          throw err;
        }
      },
    );

  cli
    .command("demo")
    .description(
      `train an MLP (or, with --model cnn, a CNN) on 10,000 MNIST digits with a live progress bar; write its pictures and the trained model (.safetensors, .onnx) to out/; needs the mnist package (${MNIST_PACKAGE_SIZE} installed)`,
    )
    .option("--model <name>", `the network: ${DEMO_MODELS.join(" or ")}`, "mlp")
    .option("--epochs <n>", "training epochs (default: 10 for mlp, 8 for cnn)")
    .option("--train <n>", "training examples", "8000")
    .option("--test <n>", "test examples", "2000")
    .option("--seed <n>", "random seed (an integer)", "0")
    .option("--out <dir>", "output directory", "out")
    .action(
      async (opts: {
        model: string;
        epochs?: string;
        train: string;
        test: string;
        seed: string;
        out: string;
      }) => {
        // every option is checked before anything is printed
        if (!(DEMO_MODELS as readonly string[]).includes(opts.model)) {
          throw new ChainruleError(`--model must be ${DEMO_MODELS.join(" or ")}, got '${opts.model}'`);
        }
        const train = positiveInt(opts.train, "--train");
        const test = positiveInt(opts.test, "--test");
        if (train + test > MNIST_DIGITS) {
          throw new ChainruleError(
            `--train ${train} + --test ${test} is more than the ${MNIST_DIGITS.toLocaleString("en")} digits of the mnist package`,
          );
        }
        const options = {
          model: opts.model as DemoModel,
          ...(opts.epochs === undefined ? {} : { epochs: positiveInt(opts.epochs, "--epochs") }),
          train,
          test,
          seed: integer(opts.seed, "--seed", Number.MIN_SAFE_INTEGER),
          outDir: opts.out,
        };
        try {
          await runDemo({ ...options, log: say, ...(io === processIo ? {} : { progress: false }) });
        } catch (err) {
          // its message is the how-to-install text, several lines: shown as it is
          if (err instanceof DatasetMissingError) throw new CliError(err.message);
          throw err;
        }
      },
    );

  cli
    .command("moons")
    .description("micrograd's demo: a scalar 2-16-16-1 MLP learns the two moons")
    .option("--steps <n>", "training steps", "100")
    .action((opts: { steps: string }) => {
      const steps = positiveInt(opts.steps, "--steps");
      say("nn.scalar.MLP(2, [16, 16, 1]) on 100 two-moons points (seed 1337), one Value per weight\n");
      const t0 = performance.now();
      const { accuracy, losses } = moons(steps, say);
      const ms = (performance.now() - t0) / steps;
      say(
        `\nfinal loss ${losses.at(-1)?.toFixed(4)}, accuracy ${(accuracy * 100).toFixed(0)}% (${ms.toFixed(1)} ms per step)`,
      );
    });

  return cli;
}

/** The moons training with a progress line every 10 steps. */
function moons(steps: number, say: (line: string) => void): ReturnType<typeof trainMoons> {
  return trainMoons({
    steps,
    onStep: (step, loss, acc) => {
      if (step % 10 === 0 || step === steps - 1) {
        say(`step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}  accuracy ${(acc * 100).toFixed(0)}%`);
      }
    },
  });
}

function positiveInt(text: string, flag: string): number {
  return integer(text, flag, 1);
}

function integer(text: string, flag: string, min: number): number {
  const n = /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new ChainruleError(
      `${flag} must be ${min === 1 ? "a positive integer" : "an integer"}, got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`,
    );
  }
  return n;
}

/** A thrown value's message, whatever was thrown (never throws itself). */
function messageOf(err: unknown): string {
  try {
    if (err instanceof Error) return err.message || err.name;
    if (typeof err === "string") return err;
    const message = (err as { message?: unknown } | null)?.message;
    return typeof message === "string" ? message : String(err);
  } catch {
    return "unknown error";
  }
}

/**
 * Runs the command line with `args` (without `node` and the script: `["grad", "x^2", "x=3"]`),
 * writing to `io` (default: the process's stdout and stderr). Resolves to the exit code: 0 on
 * success, 1 on any error (bad arguments, a bad expression, a failed file write), reported as
 * one message on stderr without a stack trace. `--help` and `help` resolve to 0; no command at
 * all prints the help on stderr and resolves to 1.
 */
export async function runCli(args: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    await program(io).parseAsync(args as string[], { from: "user" });
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === "commander.helpDisplayed" || code === "commander.version") return 0;
    // `chainrule help` is 0; `chainrule` without a command shows the help on stderr and is 1
    if (code === "commander.help") return (err as { exitCode?: unknown }).exitCode === 1 ? 1 : 0;
    if (typeof code === "string" && code.startsWith("commander.")) return 1; // commander printed its message
    const message = messageOf(err);
    io.err(`${err instanceof CliError ? message : `chainrule: ${message.replace(/\s*\n\s*/g, " ")}`}\n`);
    return 1;
  }
}
