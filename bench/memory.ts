/**
 * W4: memory over a long training run. `npx tsx bench/memory.ts [steps]` runs the MNIST demo's
 * training step (784-256-10, batch 128, float32, SGD with momentum; bench/compare/mnist.ts's
 * network) `steps` times (10,000 by default) and prints, every tenth of the run, the process's
 * resident memory, the JavaScript heap and the typed-array memory after a garbage collection
 * (run with `node --expose-gc` through tsx for exact figures: `npx tsx --expose-gc bench/memory.ts`).
 * Memory is flat when the last reading is within a few percent of the first after warm-up: every
 * step's graph, activations and gradients are freed, and the WebAssembly kernels' memory stays
 * at the size of the largest product.
 */
import { losses, manualSeed, nn, optim, randn } from "../src/index";

const steps = Number(process.argv[2] ?? 10_000);
manualSeed(0);
const model = new nn.MLP(784, [256, 10], { dtype: "float32" });
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const x = randn([128, 784], { dtype: "float32" });
const y = Array.from({ length: 128 }, (_, i) => i % 10);
const gc = (globalThis as { gc?: () => void }).gc;

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
function reading(step: number): { step: number; rss: number; heap: number; arrays: number } {
  // twice: array buffers are freed after the collection that frees their views
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { step, rss: m.rss, heap: m.heapUsed, arrays: m.arrayBuffers };
}

console.log(
  `W4: ${steps} MNIST MLP steps${gc ? "" : " (no --expose-gc: readings include garbage not yet collected)"}`,
);
console.log("| step | RSS MB | JS heap MB | typed arrays MB | ms/step |");
console.log("|---|---|---|---|---|");
const rows: ReturnType<typeof reading>[] = [];
let t = performance.now();
for (let s = 1; s <= steps; s++) {
  opt.zeroGrad();
  const loss = losses.crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
  if (s % Math.max(1, Math.floor(steps / 10)) === 0) {
    const now = performance.now();
    const r = reading(s);
    rows.push(r);
    console.log(
      `| ${s} | ${mb(r.rss)} | ${mb(r.heap)} | ${mb(r.arrays)} | ${((now - t) / (steps / 10)).toFixed(2)} |`,
    );
    t = performance.now();
  }
}
const [first, last] = [rows[0], rows[rows.length - 1]];
if (first && last) {
  const change = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
  console.log(
    `\nfrom step ${first.step} to ${last.step}: RSS ${change(first.rss, last.rss)}, heap ${change(first.heap, last.heap)}, typed arrays ${change(first.arrays, last.arrays)}`,
  );
}
