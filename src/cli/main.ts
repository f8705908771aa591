/**
 * The `chainrule` command line. The only Node-specific entry point of the package.
 */
import { Command } from "commander";
import { runDemo } from "./demo";
import { trainMoons } from "./moons-demo";

const program = new Command();
program.name("chainrule").description("Reverse-mode automatic differentiation you can see and check.");

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

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`chainrule: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
