// Bundled with esbuild for the browser (platform "browser": a Node-only import fails the build),
// then run in headless Chromium: a training step, the WebAssembly kernels, renderSvg and toHtml.
import {
  getBackend,
  losses,
  manualSeed,
  nn,
  optim,
  randn,
  renderSvg,
  setBackend,
  tensor,
  toHtml,
} from "chainrule";

declare global {
  interface Window {
    chainruleResult?: Record<string, unknown>;
    chainruleError?: string;
  }
}

async function main(): Promise<void> {
  manualSeed(0);
  const model = new nn.MLP(2, [8, 2]);
  const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
  const x = tensor([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const y = [0, 1, 1, 0];
  const before = losses.crossEntropy(model.forward(x), y);
  opt.zeroGrad();
  before.backward();
  opt.step();
  const after = losses.crossEntropy(model.forward(x), y);
  // the WebAssembly SIMD kernels load from the bundle's bytes and agree with the JS reference
  const backend = getBackend();
  const a = randn([40, 50], { dtype: "float32" });
  const b = randn([50, 30], { dtype: "float32" });
  const wasm = Array.from(a.matmul(b).data);
  setBackend("js");
  const js = Array.from(a.matmul(b).data);
  setBackend(backend);
  const matmulError = Math.max(...wasm.map((v, i) => Math.abs(v - (js[i] as number))));
  const svg = await renderSvg(after);
  const html = await toHtml(after);
  window.chainruleResult = {
    lossBefore: before.item(),
    lossAfter: after.item(),
    backend,
    matmulError,
    svg: svg.slice(svg.indexOf("<svg"), svg.indexOf("<svg") + 4),
    html,
  };
}

main().catch((err: unknown) => {
  window.chainruleError = err instanceof Error ? (err.stack ?? err.message) : String(err);
});
