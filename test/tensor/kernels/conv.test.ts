/**
 * The convolution kernels alone: im2col against a direct reading of its formula, and col2im as
 * its adjoint (⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩) over strides, dilations and asymmetric padding;
 * the batch layout (rows `ld` apart), the channel reorderings and the scratch buffers.
 */
import { describe, expect, it } from "vitest";
import {
  col2im,
  gatherChannels,
  im2col,
  scatterChannels,
  scratch,
  type Window,
} from "../../../src/tensor/kernels/conv";

const GEOMETRIES: [string, Omit<Window, "oh" | "ow">, number, number][] = [
  [
    "3×3 kernel, no padding",
    { c: 2, h: 4, w: 5, kh: 3, kw: 3, sh: 1, sw: 1, pt: 0, pl: 0, dh: 1, dw: 1 },
    0,
    0,
  ],
  ["stride 2, padding 1", { c: 1, h: 5, w: 4, kh: 2, kw: 3, sh: 2, sw: 2, pt: 1, pl: 1, dh: 1, dw: 1 }, 1, 1],
  [
    "dilation [2,1], asymmetric padding",
    { c: 3, h: 6, w: 3, kh: 2, kw: 2, sh: 1, sw: 2, pt: 0, pl: 1, dh: 2, dw: 1 },
    1,
    0,
  ],
  [
    "padding wider than the image: whole taps read only zeros",
    { c: 1, h: 2, w: 2, kh: 3, kw: 4, sh: 3, sw: 3, pt: 3, pl: 3, dh: 1, dw: 2 },
    3,
    3,
  ],
];

function complete(g: Omit<Window, "oh" | "ow">, pb: number, pr: number): Window {
  const oh = Math.floor((g.h + g.pt + pb - g.dh * (g.kh - 1) - 1) / g.sh) + 1;
  const ow = Math.floor((g.w + g.pl + pr - g.dw * (g.kw - 1) - 1) / g.sw) + 1;
  return { ...g, oh, ow };
}

describe.each(GEOMETRIES)("%s", (_, partial, pb, pr) => {
  const g = complete(partial, pb, pr);
  const size = g.c * g.h * g.w;
  const rows = g.c * g.kh * g.kw;
  const l = g.oh * g.ow;
  const x = Float64Array.from({ length: size + 3 }, (_, i) => Math.sin(i * 1.3) + 0.1 * i);

  it("im2col reads x[c, oy·sh − pt + i·dh, ox·sw − pl + j·dw] (0 outside), from the offsets", () => {
    const cols = new Float64Array(rows * l + 2).fill(Number.NaN);
    im2col(x, 3, g, cols, 2);
    for (let c = 0; c < g.c; c++)
      for (let i = 0; i < g.kh; i++)
        for (let j = 0; j < g.kw; j++)
          for (let oy = 0; oy < g.oh; oy++)
            for (let ox = 0; ox < g.ow; ox++) {
              const y = oy * g.sh - g.pt + i * g.dh;
              const xx = ox * g.sw - g.pl + j * g.dw;
              const inside = y >= 0 && y < g.h && xx >= 0 && xx < g.w;
              const want = inside ? (x[3 + (c * g.h + y) * g.w + xx] as number) : 0;
              expect(cols[2 + ((c * g.kh + i) * g.kw + j) * l + oy * g.ow + ox]).toBe(want);
            }
  });

  it("col2im is its adjoint, and adds into x", () => {
    const c = Float64Array.from({ length: rows * l }, (_, i) => Math.cos(i * 0.7));
    const cols = new Float64Array(rows * l);
    im2col(x, 0, g, cols, 0);
    const back = new Float64Array(size).fill(1);
    col2im(c, 0, g, back, 0);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < rows * l; i++) lhs += (cols[i] as number) * (c[i] as number);
    for (let i = 0; i < size; i++) rhs += (x[i] as number) * ((back[i] as number) - 1);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * Math.max(1, Math.abs(lhs)));
  });
});

describe("the batch layout", () => {
  const g = complete({ c: 2, h: 4, w: 3, kh: 2, kw: 2, sh: 1, sw: 2, pt: 1, pl: 0, dh: 1, dw: 1 }, 1, 1);
  const rows = g.c * g.kh * g.kw;
  const l = g.oh * g.ow;
  const img = g.c * g.h * g.w;
  const n = 3;
  const x = Float64Array.from({ length: n * img }, (_, i) => Math.cos(i * 0.37));

  it("im2col with rows ld = n·l apart puts the images' columns side by side", () => {
    const batch = new Float64Array(rows * n * l);
    for (let i = 0; i < n; i++) im2col(x, i * img, g, batch, i * l, n * l);
    const one = new Float64Array(rows * l);
    for (let i = 0; i < n; i++) {
      im2col(x, i * img, g, one, 0);
      for (let r = 0; r < rows; r++)
        for (let p = 0; p < l; p++) expect(batch[r * n * l + i * l + p]).toBe(one[r * l + p]);
    }
  });

  it("col2im with the same ld is the adjoint of the batched im2col", () => {
    const c = Float64Array.from({ length: rows * n * l }, (_, i) => Math.sin(i * 0.9));
    const cols = new Float64Array(rows * n * l);
    const back = new Float64Array(n * img);
    for (let i = 0; i < n; i++) {
      im2col(x, i * img, g, cols, i * l, n * l);
      col2im(c, i * l, g, back, i * img, n * l);
    }
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < cols.length; i++) lhs += (cols[i] as number) * (c[i] as number);
    for (let i = 0; i < back.length; i++) rhs += (x[i] as number) * (back[i] as number);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * Math.max(1, Math.abs(lhs)));
  });

  it("scatterChannels reads [cout, m·l] back as [m, cout, l] plus the bias; gatherChannels undoes it", () => {
    const m = 2;
    const cout = 3;
    const ll = 4;
    const prod = Float64Array.from({ length: cout * m * ll }, (_, i) => i);
    const y = new Float64Array(1 + m * cout * ll).fill(-1);
    scatterChannels(prod, m, cout, ll, y, 1, Float64Array.from([100, 200, 300]));
    expect(y[0]).toBe(-1);
    // y[image 1, channel 2, position 3] = prod[(2·m + 1)·l + 3] + bias[2]
    expect(y[1 + (1 * cout + 2) * ll + 3]).toBe((2 * m + 1) * ll + 3 + 300);
    const plain = new Float64Array(m * cout * ll);
    scatterChannels(prod, m, cout, ll, plain, 0, null);
    const again = new Float64Array(cout * m * ll);
    gatherChannels(plain, 0, m, cout, ll, again);
    expect(Array.from(again)).toEqual(Array.from(prod));
  });
});

describe("scratch", () => {
  it("keeps two buffers per float dtype, grown on demand and reused", () => {
    const a = scratch(new Float32Array(1), 0, 10);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBeGreaterThanOrEqual(10);
    expect(scratch(new Float32Array(1), 0, 5)).toBe(a);
    expect(scratch(new Float32Array(1), 1, 5)).not.toBe(a);
    const big = scratch(new Float32Array(1), 0, a.length + 1);
    expect(big.length).toBe(a.length + 1);
    expect(scratch(new Float64Array(1), 0, 3)).toBeInstanceOf(Float64Array);
  });
});
