/**
 * The `chainrule` command line. The only Node-specific entry point of the package.
 */
import { Command } from "commander";
import { trainMoons } from "./moons-demo";

const program = new Command();
program.name("chainrule").description("Reverse-mode automatic differentiation you can see and check.");

program
  .command("demo")
  .description("train micrograd's 2-16-16-1 scalar MLP on the two moons and print its progress")
  .option("--steps <n>", "training steps", "100")
  .action((opts: { steps: string }) => {
    const steps = Number(opts.steps);
    console.log("chainrule demo: nn.scalar.MLP(2, [16, 16, 1]) on 100 two-moons points (seed 1337)\n");
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

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`chainrule: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
