/**
 * The demo's training-curve chart: round ticks ("nice numbers") on every axis, and a layout in
 * which the title, the legend, the plot area and the tick labels never overlap.
 */
import { describe, expect, it } from "vitest";
import {
  CHART_FONT,
  lineChart,
  MAX_TICKS,
  MIN_TICKS,
  niceTicks,
  type Series,
  TICK_MULTIPLES,
  textWidth,
} from "../../src/cli/svg-chart";

describe("niceTicks", () => {
  it("steps by round numbers that cover the range", () => {
    expect(niceTicks(0, 1249).ticks).toEqual([0, 250, 500, 750, 1000, 1250]);
    expect(niceTicks(0, 2.45).ticks).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(niceTicks(0.8, 1).ticks).toEqual([0.8, 0.85, 0.9, 0.95, 1]);
    expect(niceTicks(-3.2, 7.9).ticks).toEqual([-4, -2, 0, 2, 4, 6, 8]);
  });

  it("writes ticks with the decimals of the step, without float noise", () => {
    const label = (lo: number, hi: number) => {
      const t = niceTicks(lo, hi);
      return t.ticks.map((v) => v.toFixed(t.decimals));
    };
    expect(label(0, 2.45)).toEqual(["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"]);
    expect(label(0.1, 0.7)).toEqual(["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]);
    expect(label(0, 0.6)).toEqual(["0.0", "0.2", "0.4", "0.6"]);
    expect(niceTicks(0.1, 0.5).ticks).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]); // not 0.30000000000000004
    expect(label(0, 999)).toEqual(["0", "200", "400", "600", "800", "1000"]);
  });

  it("for any range: 3 to 8 ticks, a 1/2/2.5/5 × 10^k step, multiples of it, covering the range", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let trial = 0; trial < 2000; trial++) {
      const scale = 10 ** Math.floor(rand() * 16 - 8);
      const a = (rand() * 2 - 1) * scale * 10;
      const b = a + rand() * scale * (rand() < 0.5 ? 1 : 30);
      const { ticks, step, decimals } = niceTicks(a, b);
      const at = `range [${a}, ${b}] gives ${ticks.join(", ")}`;
      expect(ticks.length, at).toBeGreaterThanOrEqual(MIN_TICKS);
      expect(ticks.length, at).toBeLessThanOrEqual(MAX_TICKS);
      const power = 10 ** Math.floor(Math.log10(step) + 1e-9);
      const multiple = step / power;
      expect(
        TICK_MULTIPLES.some((m) => Math.abs(m - multiple) < 1e-9),
        `${at}: step ${step}`,
      ).toBe(true);
      for (const [i, t] of ticks.entries()) {
        const k = t / step;
        expect(Math.abs(k - Math.round(k)), `${at}: ${t} is not a multiple of ${step}`).toBeLessThan(1e-6);
        expect(Number(t.toFixed(decimals)), `${at}: ${t} has float noise`).toBe(t);
        if (i > 0) expect(Math.abs(t - (ticks[i - 1] as number) - step), at).toBeLessThan(step * 1e-9);
      }
      const [first, last] = [ticks[0] as number, ticks.at(-1) as number];
      if (b > a) {
        expect(first, at).toBeLessThanOrEqual(a + step * 1e-6);
        expect(last, at).toBeGreaterThanOrEqual(b - step * 1e-6);
        expect((b - a) / (last - first), `${at}: too loose`).toBeGreaterThan(0.3);
      }
    }
  });

  it("widens an empty range and survives non-finite bounds", () => {
    expect(niceTicks(0, 0).ticks).toEqual([-1, -0.5, 0, 0.5, 1]);
    const around5 = niceTicks(5, 5).ticks;
    expect(around5[0]).toBeLessThan(5);
    expect(around5.at(-1)).toBeGreaterThan(5);
    expect(niceTicks(Number.NaN, Number.POSITIVE_INFINITY).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(2, 1).ticks).toEqual(niceTicks(1, 2).ticks);
  });
});

/** A text element's or rect's box from its attributes (text: estimated from its characters). */
interface Box {
  what: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const attr = (tag: string, name: string): string | undefined =>
  new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

function boxes(svg: string): Box[] {
  const out: Box[] = [];
  for (const m of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const tag = m[1] as string;
    const text = (m[2] as string).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    const size = Number(attr(tag, "font-size") ?? CHART_FONT.text);
    const x = Number(attr(tag, "x"));
    const y = Number(attr(tag, "y"));
    const w = textWidth(text, size);
    const anchor = attr(tag, "text-anchor") ?? "start";
    const x0 = anchor === "middle" ? x - w / 2 : anchor === "end" ? x - w : x;
    out.push({
      what: `${attr(tag, "class")} "${text}"`,
      x0,
      y0: y - 0.8 * size,
      x1: x0 + w,
      y1: y + 0.25 * size,
    });
  }
  for (const m of svg.matchAll(/<rect([^>]*)\/>/g)) {
    const tag = m[1] as string;
    const cls = attr(tag, "class");
    if (cls === undefined) continue; // the background
    const x = Number(attr(tag, "x"));
    const y = Number(attr(tag, "y"));
    out.push({
      what: cls,
      x0: x,
      y0: y,
      x1: x + Number(attr(tag, "width")),
      y1: y + Number(attr(tag, "height")),
    });
  }
  return out;
}

const overlap = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

function expectReadable(svg: string): void {
  const width = Number(attr(svg.slice(0, svg.indexOf(">")), "width"));
  const height = Number(attr(svg.slice(0, svg.indexOf(">")), "height"));
  const all = boxes(svg);
  const plot = all.find((b) => b.what === "plot") as Box;
  expect(plot, "the plot area").toBeDefined();
  const title = all.filter((b) => b.what.startsWith("title"));
  const legend = all.filter((b) => b.what.startsWith("legend"));
  expect(title).toHaveLength(1);
  expect(legend.length).toBeGreaterThan(0);
  for (const b of all) {
    expect(b.x0, `${b.what} inside the picture`).toBeGreaterThanOrEqual(0);
    expect(b.y0, `${b.what} inside the picture`).toBeGreaterThanOrEqual(0);
    expect(b.x1, `${b.what} inside the picture`).toBeLessThanOrEqual(width);
    expect(b.y1, `${b.what} inside the picture`).toBeLessThanOrEqual(height);
  }
  // title, legend entries and every label outside the plot area and clear of each other
  const labels = all.filter((b) => b.what !== "plot");
  for (const b of labels) expect(overlap(b, plot), `${b.what} overlaps the plot area`).toBe(false);
  for (const [i, a] of labels.entries()) {
    for (const b of labels.slice(i + 1)) {
      const sameEntry = a.what.startsWith("legend") && b.what.startsWith("legend");
      if (!sameEntry) expect(overlap(a, b), `${a.what} overlaps ${b.what}`).toBe(false);
    }
  }
  const texts = legend.filter((b) => b.what.startsWith("legend "));
  for (const [i, a] of texts.entries())
    for (const b of texts.slice(i + 1)) expect(overlap(a, b), `${a.what} overlaps ${b.what}`).toBe(false);
  // the title has room above the plot: at least a line of text between them
  expect(plot.y0 - (title[0] as Box).y1).toBeGreaterThan(CHART_FONT.text);
  // every curve point lies in the plot area
  for (const m of svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)) {
    for (const p of (m[1] as string).split(" ")) {
      const [x, y] = p.split(",").map(Number) as [number, number];
      expect(x >= plot.x0 - 0.1 && x <= plot.x1 + 0.1 && y >= plot.y0 - 0.1 && y <= plot.y1 + 0.1, p).toBe(
        true,
      );
    }
  }
}

/** The demo's chart: loss per step (left axis) and test accuracy per epoch (right axis, in %). */
function demoSeries(steps: number, epochs: number): Series[] {
  const losses = Array.from({ length: steps }, (_, i) => 2.3 * Math.exp(-i / 60) + 0.05 + 0.1 * Math.sin(i));
  const accuracies = Array.from({ length: epochs }, (_, e) => 0.92 + 0.01 * e);
  return [
    {
      name: "training loss (per step)",
      values: losses,
      color: "#1f77b4",
      range: [0, losses.reduce((m, x) => Math.max(m, x), 0)],
    },
    {
      name: "test accuracy (per epoch)",
      values: accuracies,
      xs: accuracies.map((_, e) => ((e + 1) * steps) / epochs - 1),
      color: "#d62728",
      range: [0.8, 1],
      format: (v) => `${(v * 100).toFixed(0)}%`,
    },
  ];
}

const texts = (svg: string, cls: string) =>
  [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, "g"))].map((m) => m[1]);

describe("lineChart", () => {
  it("labels the axes with round ticks", () => {
    const svg = lineChart("chainrule: MLP on MNIST", "training step", demoSeries(1250, 5));
    expect(texts(svg, "tick-x")).toEqual(["0", "250", "500", "750", "1000", "1250"]);
    expect(texts(svg, "tick-y")).toEqual([
      ...["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"],
      ...["80%", "85%", "90%", "95%", "100%"],
    ]);
    expect(texts(svg, "x-label")).toEqual(["training step"]);
  });

  it("keeps the title, the legend and the labels apart and out of the plot area", () => {
    expectReadable(lineChart("chainrule: MLP on MNIST", "training step", demoSeries(1250, 5)));
    expectReadable(lineChart("chainrule: CNN on MNIST", "training step", demoSeries(3750, 3)));
    // long names in a narrow chart wrap onto more legend rows
    const long = demoSeries(200, 2).map((s) => ({ ...s, name: `${s.name}, a longer description` }));
    const narrow = lineChart("a narrow chart", "step", long, 420, 320);
    expectReadable(narrow);
    const legendRows = new Set(
      [...narrow.matchAll(/class="legend" x="[^"]*" y="([^"]*)"/g)].map((m) => m[1]),
    );
    expect(legendRows.size).toBe(2);
    // a name longer than the chart is wide is cut
    const cut = lineChart(
      "t",
      "x",
      [{ ...long[0], name: "a very long name ".repeat(10) } as Series],
      300,
      200,
    );
    expectReadable(cut);
    expect(texts(cut, "legend")[0]).toMatch(/^a very long name .*…$/);
  });

  it("leaves out non-finite values and escapes its texts", () => {
    const svg = lineChart("a < b & c", "x", [
      { name: "loss", values: [1, Number.NaN, 0.5, 0.25], color: "#000" },
    ]);
    expect(svg).toContain("a &lt; b &amp; c");
    const points = /points="([^"]*)"/.exec(svg)?.[1]?.split(" ") ?? [];
    expect(points).toHaveLength(3);
    expect(svg).not.toContain("NaN");
    expectReadable(svg);
  });
});
