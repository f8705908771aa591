/**
 * A small, dependency-free SVG line chart for training curves: one or more series on a shared
 * x axis, each with its own y range, drawn with labelled axes.
 */

export interface Series {
  name: string;
  values: readonly number[];
  color: string;
  /** x position of each value, in the same units as the other series (default 0, 1, 2, …). */
  xs?: readonly number[];
  /** Fixed y range; defaults to the data's range. */
  range?: [number, number];
  /** Format of the axis ticks. */
  format?: (v: number) => string;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Renders the series as an SVG document (left axis for the first series, right for the second). */
export function lineChart(
  title: string,
  xLabel: string,
  series: readonly Series[],
  width = 720,
  height = 360,
): string {
  const pad = { left: 64, right: 64, top: 40, bottom: 48 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const xMax = series.reduce((m, s) => Math.max(m, s.xs ? (s.xs.at(-1) ?? 0) : s.values.length - 1), 1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<line x1="${pad.left}" y1="${pad.top + h}" x2="${pad.left + w}" y2="${pad.top + h}" stroke="#333"/>`,
    `<text x="${pad.left + w / 2}" y="${height - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const x = pad.left + (w * i) / 5;
    parts.push(
      `<text x="${x}" y="${pad.top + h + 18}" text-anchor="middle">${Math.round((xMax * i) / 5)}</text>`,
    );
  }
  series.forEach((s, k) => {
    const finite = s.values.filter(Number.isFinite);
    const [lo, hi] = s.range ?? [
      finite.reduce((m, x) => Math.min(m, x), Number.POSITIVE_INFINITY),
      finite.reduce((m, x) => Math.max(m, x), Number.NEGATIVE_INFINITY),
    ];
    const span = hi - lo || 1;
    const fmt = s.format ?? ((v: number) => v.toFixed(2));
    const axisX = k === 0 ? pad.left : pad.left + w;
    parts.push(`<line x1="${axisX}" y1="${pad.top}" x2="${axisX}" y2="${pad.top + h}" stroke="${s.color}"/>`);
    for (let i = 0; i <= 4; i++) {
      const v = lo + (span * i) / 4;
      const y = pad.top + h - (h * i) / 4;
      const anchor = k === 0 ? "end" : "start";
      const tx = k === 0 ? axisX - 6 : axisX + 6;
      parts.push(
        `<text x="${tx}" y="${y + 4}" text-anchor="${anchor}" fill="${s.color}">${esc(fmt(v))}</text>`,
      );
    }
    const points = s.values
      .map((v, i) => {
        const x = pad.left + (w * (s.xs ? (s.xs[i] as number) : i)) / xMax;
        const y = pad.top + h - (h * (Math.min(hi, Math.max(lo, v)) - lo)) / span;
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      })
      .join(" ");
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${points}"/>`);
    parts.push(
      `<text x="${pad.left + 10 + k * 200}" y="${pad.top - 8}" fill="${s.color}">■ ${esc(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
