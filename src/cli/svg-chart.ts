/**
 * A small, dependency-free SVG line chart for training curves: one or more series on a shared
 * x axis, each with its own y range, drawn with round ticks, a title and a legend that keep out
 * of the plot area.
 *
 * Layout, top to bottom: the title, a legend band (one swatch and name per series, wrapped onto
 * more rows when they do not fit), the plot area framed by its axes, the x tick labels and the x
 * axis label. Tick labels sit outside the plot to the left (first series) and right (second).
 */

export interface Series {
  name: string;
  values: readonly number[];
  color: string;
  /** x position of each value, in the same units as the other series (default 0, 1, 2, …). */
  xs?: readonly number[];
  /** y range to cover; defaults to the data's range. The axis extends it to round ticks. */
  range?: [number, number];
  /** Format of the axis ticks (default: the tick with as many decimals as its step needs). */
  format?: (v: number) => string;
}

/** Round ticks covering a range: see {@link niceTicks}. */
export interface Ticks {
  /** The tick values, ascending, `step` apart: the first ≤ the range's low end, the last ≥ its high end. */
  ticks: number[];
  /** The distance between ticks: 1, 2, 2.5 or 5 times a power of ten. */
  step: number;
  /** Decimals needed to write every tick exactly (`step` 0.25 → 2, 250 → 0). */
  decimals: number;
}

/** Multiples of a power of ten that ticks step by (2.5 gives 0, 250, 500, 750, 1000). */
export const TICK_MULTIPLES = [1, 2, 2.5, 5] as const;
/** Fewest and most ticks {@link niceTicks} returns. */
export const MIN_TICKS = 3;
export const MAX_TICKS = 8;

/**
 * "Nice numbers" ticks (Heckbert's labelling): the step is 1, 2, 2.5 or 5 × 10ᵏ, the ticks are
 * the multiples of the step from ⌊lo/step⌋·step to ⌈hi/step⌉·step, and among the steps giving
 * 3 to 8 ticks the one whose ticks waste least of the axis (coverage (hi − lo)/(last − first)),
 * with about 5 ticks, is chosen. Ticks are rounded to the step's decimals, so they carry no
 * floating-point noise (0.30000000000000004 is 0.3). An empty range (lo = hi) is widened around
 * its value; non-finite or reversed bounds are taken as [0, 1] or swapped.
 *
 * @example
 * niceTicks(0, 1249).ticks;  // [0, 250, 500, 750, 1000, 1250]
 * niceTicks(0, 2.45).ticks;  // [0, 0.5, 1, 1.5, 2, 2.5]
 * niceTicks(0.8, 1).ticks;   // [0.8, 0.85, 0.9, 0.95, 1]
 */
export function niceTicks(lo: number, hi: number): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (hi - lo < Math.max(Math.abs(lo), Math.abs(hi)) * 1e-12 || hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const span = hi - lo;
  const top = Math.floor(Math.log10(span));
  let best: (Ticks & { score: number }) | undefined;
  for (let k = top - 2; k <= top + 1; k++) {
    for (const m of TICK_MULTIPLES) {
      const step = m * 10 ** k;
      // a tick within a millionth of a step of the bound counts as on it (1249.9999999 → 1250 is fine)
      const first = Math.floor(lo / step + 1e-9);
      const last = Math.ceil(hi / step - 1e-9);
      const count = last - first + 1;
      if (count < MIN_TICKS || count > MAX_TICKS) continue;
      const decimals = Math.max(0, -k + (m === 2.5 ? 1 : 0));
      const coverage = span / ((last - first) * step);
      const score = coverage - 0.05 * Math.abs(count - 5) - (m === 2.5 ? 0.05 : 0);
      if (best === undefined || score > best.score + 1e-12) {
        const ticks = Array.from({ length: count }, (_, i) => roundTo((first + i) * step, decimals));
        best = { ticks, step: roundTo(step, decimals), decimals, score };
      }
    }
  }
  // some step always fits: 10^top over a span of 1–10 × 10^top gives 2–11 ticks, 2 × or 5 × fewer
  const { ticks, step, decimals } = best as Ticks & { score: number };
  return { ticks, step, decimals };
}

/** x rounded to `decimals` places, without −0. */
function roundTo(x: number, decimals: number): number {
  const r = Number(x.toFixed(Math.min(decimals, 20)));
  return r === 0 ? 0 : r;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Font sizes (px) of the chart's texts. */
export const CHART_FONT = { title: 16, text: 12 } as const;

/**
 * A generous estimate of a sans-serif text's width in px: 0.62 em per character (Helvetica and
 * DejaVu Sans average 0.5–0.6 em; digits 0.56). The layout reserves this much room for labels.
 */
export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.62;
}

/** Renders the series as an SVG document (left axis for the first series, right for the second). */
export function lineChart(
  title: string,
  xLabel: string,
  series: readonly Series[],
  width = 720,
  height = 360,
): string {
  const font = CHART_FONT;
  // y axes: round ticks over each series' range; the axis spans the first to the last tick
  const axes = series.map((s) => {
    const finite = s.values.filter(Number.isFinite);
    const [lo, hi] = s.range ?? [
      finite.reduce((m, x) => Math.min(m, x), Number.POSITIVE_INFINITY),
      finite.reduce((m, x) => Math.max(m, x), Number.NEGATIVE_INFINITY),
    ];
    const t = niceTicks(lo, hi);
    const fmt = s.format ?? ((v: number) => v.toFixed(t.decimals));
    return { ...t, lo: t.ticks[0] as number, hi: t.ticks.at(-1) as number, labels: t.ticks.map(fmt) };
  });
  const xValues = series.flatMap((s) => (s.xs ? [...s.xs] : [0, s.values.length - 1]));
  const xt = niceTicks(Math.min(0, ...xValues), Math.max(1, ...xValues));
  const [xLo, xHi] = [xt.ticks[0] as number, xt.ticks.at(-1) as number];

  // horizontal room: tick labels of the left (first) and right (second) axes
  const labelRoom = (k: number) =>
    Math.max(0, ...(axes[k]?.labels ?? []).map((l) => textWidth(l, font.text))) + 16;
  const xTickHalf = textWidth(xt.ticks.at(-1)?.toFixed(xt.decimals) ?? "", font.text) / 2;
  const left = Math.max(labelRoom(0), xTickHalf + 8, 40);
  const right = series.length > 1 ? Math.max(labelRoom(1), xTickHalf + 8) : Math.max(xTickHalf + 8, 24);

  // vertical bands: title, legend rows, plot, x ticks and label
  const titleY = 8 + font.title; // baseline
  const legendTop = titleY + 14;
  const rowHeight = font.text + 8;
  const items = series.map((s) => {
    const name = fitText(s.name, font.text, width - 16 - 14);
    return { s, name, w: 14 + textWidth(name, font.text) };
  });
  type LegendItem = { s: Series; name: string; w: number; x: number };
  const rows: LegendItem[][] = [[]];
  let cursor = left;
  for (const item of items) {
    if ((rows.at(-1) as LegendItem[]).length > 0 && cursor + item.w > width - right) {
      rows.push([]);
      cursor = left;
    }
    // a name too long to start at the axis starts at the picture's edge
    if (cursor + item.w > width - 8) cursor = Math.max(8, width - 8 - item.w);
    (rows.at(-1) as LegendItem[]).push({ ...item, x: cursor });
    cursor += item.w + 24;
  }
  // two series on one row: each name over its own axis (the second right-aligned)
  const only = rows[0] as LegendItem[];
  if (rows.length === 1 && only.length === 2) {
    const second = only[1] as LegendItem;
    second.x = width - right - second.w;
  }
  const legendBottom = legendTop + rows.length * rowHeight;
  const plot = {
    x: left,
    y: legendBottom + 12, // half a tick label above the top tick
    w: width - left - right,
    h: height - (legendBottom + 12) - 48,
  };
  const px = (x: number) => plot.x + (plot.w * (x - xLo)) / (xHi - xLo);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="${font.text}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text class="title" x="${width / 2}" y="${titleY}" text-anchor="middle" font-size="${font.title}" font-weight="bold">${esc(title)}</text>`,
  ];
  rows.forEach((row, r) => {
    const y = legendTop + r * rowHeight + font.text; // baseline
    for (const { s, name, x } of row) {
      parts.push(
        `<rect class="legend-swatch" x="${x}" y="${y - 10}" width="10" height="10" fill="${s.color}"/>`,
        `<text class="legend" x="${x + 14}" y="${y}" fill="${s.color}">${esc(name)}</text>`,
      );
    }
  });
  // grid lines at the first axis's ticks, then the frame
  const py = (k: number, v: number) => {
    const a = axes[k] as (typeof axes)[number];
    return plot.y + plot.h - (plot.h * (v - a.lo)) / (a.hi - a.lo);
  };
  for (const v of axes[0]?.ticks ?? []) {
    const y = fix(py(0, v));
    parts.push(`<line x1="${plot.x}" y1="${y}" x2="${plot.x + plot.w}" y2="${y}" stroke="#e5e5e5"/>`);
  }
  parts.push(
    `<rect class="plot" x="${plot.x}" y="${fix(plot.y)}" width="${fix(plot.w)}" height="${fix(plot.h)}" fill="none" stroke="#333"/>`,
  );
  for (const x of xt.ticks) {
    const sx = fix(px(x));
    parts.push(
      `<line x1="${sx}" y1="${fix(plot.y + plot.h)}" x2="${sx}" y2="${fix(plot.y + plot.h + 5)}" stroke="#333"/>`,
      `<text class="tick-x" x="${sx}" y="${fix(plot.y + plot.h + 8 + font.text)}" text-anchor="middle">${esc(x.toFixed(xt.decimals))}</text>`,
    );
  }
  parts.push(
    `<text class="x-label" x="${fix(plot.x + plot.w / 2)}" y="${height - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
  );
  series.forEach((s, k) => {
    const a = axes[k] as (typeof axes)[number];
    if (k < 2) {
      const axisX = k === 0 ? plot.x : plot.x + plot.w;
      parts.push(
        `<line x1="${axisX}" y1="${fix(plot.y)}" x2="${axisX}" y2="${fix(plot.y + plot.h)}" stroke="${s.color}" stroke-width="2"/>`,
      );
      a.ticks.forEach((v, i) => {
        const y = fix(py(k, v));
        const [x1, tx, anchor] = k === 0 ? [axisX - 5, axisX - 8, "end"] : [axisX + 5, axisX + 8, "start"];
        parts.push(
          `<line x1="${axisX}" y1="${y}" x2="${x1}" y2="${y}" stroke="${s.color}"/>`,
          `<text class="tick-y" x="${tx}" y="${fix(py(k, v) + font.text * 0.35)}" text-anchor="${anchor}" fill="${s.color}">${esc(a.labels[i] as string)}</text>`,
        );
      });
    }
    const points: string[] = [];
    s.values.forEach((v, i) => {
      const x = s.xs ? (s.xs[i] as number) : i;
      if (!Number.isFinite(v) || !Number.isFinite(x)) return; // a diverged step is left out
      points.push(`${px(x).toFixed(1)},${py(k, Math.min(a.hi, Math.max(a.lo, v))).toFixed(1)}`);
    });
    if (points.length <= 50) {
      // few points (one per epoch): mark each
      for (const p of points) {
        const [cx, cy] = p.split(",");
        parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
      }
    }
    parts.push(
      `<polyline class="series" fill="none" stroke="${s.color}" stroke-width="1.5" stroke-linejoin="round" points="${points.join(" ")}"/>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** `text`, cut with "…" to at most `room` px wide (estimated). */
function fitText(text: string, fontSize: number, room: number): string {
  if (textWidth(text, fontSize) <= room) return text;
  const chars = [...text];
  const keep = Math.max(1, Math.floor(room / (fontSize * 0.62)) - 1);
  return `${chars.slice(0, keep).join("")}…`;
}

/** A coordinate with at most one decimal. */
function fix(x: number): number {
  return Math.round(x * 10) / 10;
}
