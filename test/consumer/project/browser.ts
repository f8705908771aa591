// Bundled with esbuild for the browser (platform "browser": a Node-only import fails the build),
// then run in headless Chromium: a training step, renderSvg and toHtml.
import { losses, manualSeed, nn, optim, renderSvg, tensor, toHtml } from "chainrule";

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
  const svg = await renderSvg(after);
  const html = await toHtml(after);
  window.chainruleResult = {
    lossBefore: before.item(),
    lossAfter: after.item(),
    svg: svg.slice(svg.indexOf("<svg"), svg.indexOf("<svg") + 4),
    html,
  };
}

main().catch((err: unknown) => {
  window.chainruleError = err instanceof Error ? (err.stack ?? err.message) : String(err);
});
