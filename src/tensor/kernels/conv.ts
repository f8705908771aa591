/**
 * Convolution data movement: im2col (unfold) and its adjoint col2im (fold), for one NCHW image
 * at a time. Plain loops over typed arrays; convolution itself is im2col followed by `gemm`.
 */
import type { FloatArray } from "../dtype";

/** The geometry of a 2-D sliding window over one image of `c` channels. */
export interface Window {
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  /** Zero padding added above and to the left (the bottom/right padding only changes oh/ow). */
  readonly pt: number;
  readonly pl: number;
  readonly dh: number;
  readonly dw: number;
  /** Output (block) grid: oh·ow = L columns. */
  readonly oh: number;
  readonly ow: number;
}

/**
 * Writes the columns of one image: cols[(ch·kh + i)·kw + j, oy·ow + ox] =
 * x[ch, oy·sh − pt + i·dh, ox·sw − pl + j·dw] (0 outside the image). cols has c·kh·kw rows of
 * oh·ow entries, from `colsOff`; x is the image from `xOff`.
 */
export function im2col(x: FloatArray, xOff: number, g: Window, cols: FloatArray, colsOff: number): void {
  const { c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow } = g;
  const l = oh * ow;
  let row = colsOff;
  for (let ch = 0; ch < c; ch++) {
    const plane = xOff + ch * h * w;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let o = row;
        for (let oy = 0; oy < oh; oy++) {
          const y = oy * sh - pt + i * dh;
          if (y < 0 || y >= h) {
            cols.fill(0, o, o + ow);
            o += ow;
            continue;
          }
          const line = plane + y * w;
          let xx = j * dw - pl;
          for (let ox = 0; ox < ow; ox++, xx += sw)
            cols[o++] = xx >= 0 && xx < w ? (x[line + xx] as number) : 0;
        }
        row += l;
      }
    }
  }
}

/**
 * The adjoint of im2col: adds each column entry back to the pixel it was read from
 * (x[ch, y, x] += cols[…]; padding positions are dropped). x must be zeroed by the caller.
 */
export function col2im(cols: FloatArray, colsOff: number, g: Window, x: FloatArray, xOff: number): void {
  const { c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow } = g;
  const l = oh * ow;
  let row = colsOff;
  for (let ch = 0; ch < c; ch++) {
    const plane = xOff + ch * h * w;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let o = row;
        for (let oy = 0; oy < oh; oy++) {
          const y = oy * sh - pt + i * dh;
          if (y < 0 || y >= h) {
            o += ow;
            continue;
          }
          const line = plane + y * w;
          let xx = j * dw - pl;
          for (let ox = 0; ox < ow; ox++, xx += sw, o++) {
            if (xx >= 0 && xx < w) x[line + xx] = (x[line + xx] as number) + (cols[o] as number);
          }
        }
        row += l;
      }
    }
  }
}

/** c[i·n + j] += bias[i] for every column j of an m×n block from `off` (per-channel bias). */
export function addChannelBias(
  c: FloatArray,
  off: number,
  bias: FloatArray,
  bOff: number,
  m: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const b = bias[bOff + i] as number;
    const s = off + i * n;
    for (let j = s; j < s + n; j++) c[j] = (c[j] as number) + b;
  }
}
