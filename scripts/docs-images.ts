/**
 * The pictures of the documentation, drawn by chainrule itself: each is a small graph built with
 * the public API, turned into DOT by `toDot` and into SVG by `renderSvg` (Graphviz as
 * WebAssembly, no system binary).
 *
 *     npx tsx scripts/docs-images.ts            writes docs/images/*.svg
 *     npx tsx scripts/docs-images.ts some/dir   writes them somewhere else
 *
 * The SVGs are checked in; test/docs/images.test.ts regenerates them and fails when a checked-in
 * picture differs from what this script draws now, or when a guide links a picture that is not
 * here. Each picture is built by the same code as the sample next to it in the guide.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  expandToScalars,
  type GraphRoot,
  losses,
  manualSeed,
  nn,
  type RenderSvgOptions,
  recordScopes,
  renderSvg,
  sub,
  tensor,
  type Value,
  value,
} from "chainrule";

/** One picture: its file name under docs/images/, and how to draw it. */
interface Picture {
  file: string;
  /** Where the guide uses it, for readers of this script. */
  usedIn: string;
  /** What it shows, for readers who cannot see it: the SVG's `aria-label`. */
  alt: string;
  draw: () => Promise<string>;
}

/** L = tanh(a·b + c) with a = 2, b = −3, c = 10: micrograd's first example. */
function tanhNeuron(labelled: boolean): Value {
  const a = value(2, "a");
  const b = value(-3, "b");
  const c = value(10, "c");
  const e = a.mul(b);
  const d = e.add(c);
  const L = d.tanh();
  if (labelled) {
    e.label = "e";
    d.label = "d";
    L.label = "L";
  }
  L.backward();
  return L;
}

/** A 2-3-1 tanh/sigmoid MLP on one example with a BCE loss, recorded with module scopes. */
function smallMlp(): { model: nn.MLP; loss: GraphRoot } {
  manualSeed(0);
  const model = new nn.MLP(2, [3, 1], { activation: "tanh", outputActivation: "sigmoid" });
  const x = tensor([[0.5, -1]], { label: "x" });
  const y = tensor([[1]], { label: "y" });
  const loss = recordScopes(() => losses.bce(model.forward(x), y));
  loss.label = "loss";
  loss.backward();
  return { model, loss };
}

/** micrograd's MLP on Values, 2-2-1, on one example: L = (out − 1)². */
export function scalarMlp(): { model: nn.scalar.MLP; L: Value } {
  manualSeed(1);
  const model = new nn.scalar.MLP(2, [2, 1]);
  const out = model.forward([value(0.5, "x1"), value(-1.5, "x2")])[0] as Value;
  const L = out.sub(1).pow(2);
  L.label = "L";
  L.backward();
  return { model, L };
}

/** z = w·x + b, a = σ(z), L = −(y log a + (1 − y) log(1 − a)) with three features (lecture 002). */
function logisticRegression(): Value {
  const x = [1.2, 0.7, -2.0];
  const y = 1;
  const w = [0.5, -0.25, 0.1].map((wi, i) => value(wi, `w${i + 1}`));
  const b = value(1, "b");
  let z: Value = b;
  w.forEach((wi, i) => {
    z = z.add(wi.mul(x[i] as number));
  });
  z.label = "z";
  const a = z.sigmoid();
  a.label = "a";
  const L = a
    .log()
    .mul(y)
    .add(
      sub(1, a)
        .log()
        .mul(1 - y),
    )
    .neg();
  L.label = "L";
  L.backward();
  return L;
}

const svg = (root: GraphRoot, options: RenderSvgOptions = {}) => renderSvg(root, options);

export const pictures: readonly Picture[] = [
  {
    file: "tanh-neuron.svg",
    alt: "The graph of L = tanh(a·b + c): a record per value with its data and grad, an ellipse per op",
    usedIn: "docs/drawing-graphs.md (toDot)",
    draw: () => svg(tanhNeuron(true)),
  },
  {
    file: "tanh-neuron-numbered.svg",
    alt: "The same graph top to bottom, values numbered #1 L to #6 a in backward order, without gradients",
    usedIn: "docs/drawing-graphs.md (numbering, next to explainBackward)",
    draw: () => svg(tanhNeuron(true), { numbering: true, rankdir: "TB", showGrad: false, precision: 3 }),
  },
  {
    file: "cli-tanh.svg",
    alt: "The graph of tanh(a*b + c) as the command line draws it",
    usedIn: 'docs/drawing-graphs.md (what `chainrule grad "tanh(a*b + c)" … --svg g.svg` writes)',
    draw: () => svg(tanhNeuron(false)),
  },
  {
    file: "mlp-clusters.svg",
    alt: "A 2-3-1 MLP with a BCE loss, its two Linear layers drawn in labelled boxes",
    usedIn: "docs/drawing-graphs.md (clusters by module)",
    draw: () => {
      const { model, loss } = smallMlp();
      const [hidden, , output] = model.layers();
      return svg(loss, {
        clusters: { "0: Linear(2, 3)": hidden as nn.Linear, "2: Linear(3, 1)": output as nn.Linear },
      });
    },
  },
  {
    file: "mlp-collapsed.svg",
    alt: "The same MLP with each layer folded into one node",
    usedIn: "docs/drawing-graphs.md (collapse)",
    draw: () => svg(smallMlp().loss, { collapse: true }),
  },
  {
    file: "scalar-mlp.svg",
    alt: "micrograd's 2-2-1 MLP on Values, top to bottom: every weight and bias a node named by its path, as layers.0.neurons.1.w.0",
    usedIn: "docs/drawing-graphs.md (the module option)",
    draw: () => {
      const { model, L } = scalarMlp();
      return svg(L, { module: model, numbering: true });
    },
  },
  {
    file: "linear-expanded.svg",
    alt: "A Linear(3, 2) layer with sigmoids expanded to one Value per weight, product and sum",
    usedIn: "docs/drawing-graphs.md (expandToScalars)",
    draw: () => {
      manualSeed(1);
      const layer = new nn.Linear(3, 2);
      const ex = expandToScalars(layer, tensor([0.5, -1, 2]), { activation: "sigmoid" });
      const [a0, a1] = ex.outputs as [Value, Value];
      const s = a0.add(a1);
      s.label = "s";
      s.backward();
      return svg(s, { precision: 3 });
    },
  },
  {
    file: "logistic-regression.svg",
    alt: "Logistic regression as a graph: w·x + b, sigmoid, the cross-entropy loss",
    usedIn: "docs/backprop-by-hand.md (logistic regression)",
    draw: () => svg(logisticRegression(), { precision: 4 }),
  },
];

/**
 * Gives the `<svg>` element `role="img"` and an `aria-label`: Graphviz's only `<title>` sits in
 * the first group, and an image in the docs should say what it shows (Biome's
 * noSvgWithoutTitle rule checks it). Nothing else of the library's SVG is changed.
 */
function labelled(svgText: string, alt: string): string {
  const escaped = alt.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return svgText.replace(/^<svg /, `<svg role="img" aria-label="${escaped}" `);
}

/** Draws every picture: file name → SVG text. */
export async function drawPictures(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const p of pictures) out.set(p.file, labelled(await p.draw(), p.alt));
  return out;
}

/** Writes every picture into `dir`; returns the paths written. */
export async function writePictures(dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [file, text] of await drawPictures()) {
    const path = join(dir, file);
    writeFileSync(path, text);
    written.push(path);
  }
  return written;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const dir = process.argv[2] ?? fileURLToPath(new URL("../docs/images/", import.meta.url));
  for (const path of await writePictures(dir)) console.log(`wrote ${path}`);
}
