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
 * The block positions ox in [lo, hi) whose tap j reads inside a row of width w: those with
 * 0 ≤ ox·sw − pl + j·dw < w (the others read the padding). hi ≤ lo when none does.
 */
function columnRange(g: Window, j: number): [number, number] {
  const first = g.pl - j * g.dw; // ox·sw must be ≥ first and < first + w
  const lo = Math.max(0, Math.ceil(first / g.sw));
  const hi = Math.min(g.ow, Math.floor((first + g.w - 1) / g.sw) + 1);
  return [lo, hi];
}

/**
 * Writes the columns of one image: cols[(ch·kh + i)·kw + j, oy·ow + ox] =
 * x[ch, oy·sh − pt + i·dh, ox·sw − pl + j·dw] (0 outside the image). cols has c·kh·kw rows, each
 * `ld` entries apart (default oh·ow, one image's columns; N·oh·ow puts the images of a batch side
 * by side), and this image's oh·ow entries of row r start at colsOff + r·ld; x is the image from
 * `xOff`.
 */
export function im2col(
  x: FloatArray,
  xOff: number,
  g: Window,
  cols: FloatArray,
  colsOff: number,
  ld = g.oh * g.ow,
): void {
  const { c, h, w, kh, kw, sh, sw, pt, dh, oh, ow } = g;
  let row = colsOff;
  for (let ch = 0; ch < c; ch++) {
    const plane = xOff + ch * h * w;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const range = columnRange(g, j);
        const lo = range[0];
        const hi = range[1];
        const shift = j * g.dw - g.pl;
        let o = row;
        for (let oy = 0; oy < oh; oy++, o += ow) {
          const y = oy * sh - pt + i * dh;
          // rows are short (tens of entries): plain loops beat fill()'s call
          if (y < 0 || y >= h || hi <= lo) {
            for (let ox = 0; ox < ow; ox++) cols[o + ox] = 0;
            continue;
          }
          for (let ox = 0; ox < lo; ox++) cols[o + ox] = 0;
          const line = plane + y * w + shift;
          if (sw === 1) for (let ox = lo; ox < hi; ox++) cols[o + ox] = x[line + ox] as number;
          else for (let ox = lo; ox < hi; ox++) cols[o + ox] = x[line + ox * sw] as number;
          for (let ox = hi; ox < ow; ox++) cols[o + ox] = 0;
        }
        row += ld;
      }
    }
  }
}

/**
 * The adjoint of im2col (same layout and `ld`): adds each column entry back to the pixel it was
 * read from (x[ch, y, x] += cols[…]; padding positions are dropped). x must be zeroed by the
 * caller.
 */
export function col2im(
  cols: FloatArray,
  colsOff: number,
  g: Window,
  x: FloatArray,
  xOff: number,
  ld = g.oh * g.ow,
): void {
  const { c, h, w, kh, kw, sh, sw, pt, dh, oh, ow } = g;
  let row = colsOff;
  for (let ch = 0; ch < c; ch++) {
    const plane = xOff + ch * h * w;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const range = columnRange(g, j);
        const lo = range[0];
        const hi = range[1];
        const shift = j * g.dw - g.pl;
        let o = row;
        for (let oy = 0; oy < oh; oy++, o += ow) {
          const y = oy * sh - pt + i * dh;
          if (y < 0 || y >= h) continue;
          const line = plane + y * w + shift;
          for (let ox = lo; ox < hi; ox++) {
            const at = line + ox * sw;
            x[at] = (x[at] as number) + (cols[o + ox] as number);
          }
        }
        row += ld;
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

/**
 * Puts conv2d's product back in NCHW order: y[yOff + (i·cout + o)·l + p] = prod[(o·m + i)·l + p]
 * + bias[o] for the m images of a chunk (prod is [cout, m·l], the images side by side).
 */
export function scatterChannels(
  prod: FloatArray,
  m: number,
  cout: number,
  l: number,
  y: FloatArray,
  yOff: number,
  bias: FloatArray | null,
): void {
  for (let o = 0; o < cout; o++) {
    const b = bias ? (bias[o] as number) : 0;
    for (let i = 0; i < m; i++) {
      const src = (o * m + i) * l;
      const dst = yOff + (i * cout + o) * l;
      if (bias) for (let p = 0; p < l; p++) y[dst + p] = (prod[src + p] as number) + b;
      else y.set(prod.subarray(src, src + l), dst);
    }
  }
}

/**
 * The inverse reading of scatterChannels: out[(o·m + i)·l + p] = g[gOff + (i·cout + o)·l + p] for
 * the m images of a chunk (ḡ [m, cout, l] → [cout, m·l], the images side by side).
 */
export function gatherChannels(
  g: FloatArray,
  gOff: number,
  m: number,
  cout: number,
  l: number,
  out: FloatArray,
): void {
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < m; i++) {
      const src = gOff + (i * cout + o) * l;
      out.set(g.subarray(src, src + l), (o * m + i) * l);
    }
  }
}

/** Reused buffers, two per float dtype (see `scratch`). */
const buffers = {
  f32: [new Float32Array(0), new Float32Array(0)],
  f64: [new Float64Array(0), new Float64Array(0)],
};

/**
 * A reused buffer of at least `size` entries of `like`'s dtype, slot 0 or 1 (two live at once):
 * the columns and products of a convolution, which never leave the op that asks for them.
 * Fresh large arrays are costly (the pages are zeroed and faulted in), and conv2d needs one per
 * step; reusing them keeps the working set still. Contents are whatever the last user left.
 */
export function scratch(like: FloatArray, slot: 0 | 1, size: number): FloatArray {
  const list = like instanceof Float32Array ? buffers.f32 : buffers.f64;
  let buf = list[slot] as FloatArray;
  if (buf.length < size) {
    buf = like instanceof Float32Array ? new Float32Array(size) : new Float64Array(size);
    list[slot] = buf as never;
  }
  return buf;
}
