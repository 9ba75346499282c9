// The column matrix of a convolution's input for its filter gradient, built in JS: rows are
// (tap, input channel), columns the output pixels of the batch, so that dW = cols . dy is one
// row-major GEMM whose result is already in HWIO order. ONNX Runtime builds the same matrix from
// Slice and Concat far more slowly (its strided slices copy element by element); here the input is
// first made channels-first, after which a row of the matrix is made of runs of input rows copied
// with TypedArray.set (one run per sample and channel at stride 1 with 'same' geometry).

export interface ColsGeometry {
  /** Samples, input height, width, channels (the input is NHWC). */
  n: number; h: number; w: number; ci: number;
  oh: number; ow: number; fh: number; fw: number;
  strides: [number, number]; dilations: [number, number];
  /** Padding before the first row and column. */
  top: number; left: number;
}

/** NHWC -> [ci, n, h, w]. */
export function toChannelsFirst(x: Float32Array, n: number, h: number, w: number, ci: number, out: Float32Array): Float32Array {
  const plane = n * h * w;
  for (let p = 0; p < plane; p++) {
    const src = p * ci;
    for (let c = 0; c < ci; c++) out[c * plane + p] = x[src + c];
  }
  return out;
}

/**
 * Writes the column matrix [fh * fw * ci, n * oh * ow] of `xc` ([ci, n, h, w]) into `out`: row
 * (i * fw + j) * ci + c holds, for every output pixel, the input value tap (i, j) of channel c
 * reads (zero in the padding).
 */
export function columns(xc: Float32Array, g: ColsGeometry, out: Float32Array): Float32Array {
  const { n, h, w, ci, oh, ow, fh, fw, top, left } = g;
  const [sh, sw] = g.strides, [dh, dw] = g.dilations;
  const K = n * oh * ow;
  for (let i = 0; i < fh; i++) {
    // Output rows whose input row is inside the image: oy in [y0, y1).
    const yoff = i * dh - top;
    const y0 = Math.min(oh, Math.max(0, Math.ceil(-yoff / sh)));
    const y1 = Math.max(y0, Math.min(oh, Math.floor((h - 1 - yoff) / sh) + 1));
    for (let j = 0; j < fw; j++) {
      // Output columns whose input column is inside the image: ox in [x0, x1).
      const xoff = j * dw - left;
      const x0 = Math.min(ow, Math.max(0, Math.ceil(-xoff / sw)));
      const x1 = Math.max(x0, Math.min(ow, Math.floor((w - 1 - xoff) / sw) + 1));
      for (let c = 0; c < ci; c++) {
        const row = ((i * fw + j) * ci + c) * K;
        for (let b = 0; b < n; b++) {
          tapRows(xc, out, (c * n + b) * h * w, row + b * oh * ow, { y0, y1, x0, x1, yoff, xoff, w, oh, ow, sh, sw });
        }
      }
    }
  }
  return out;
}

/** One sample's rows of one (tap, channel) row of the matrix. */
function tapRows(xc: Float32Array, out: Float32Array, plane: number, d0: number,
  o: { y0: number; y1: number; x0: number; x1: number; yoff: number; xoff: number; w: number; oh: number; ow: number; sh: number; sw: number }): void {
  const { y0, y1, x0, x1, yoff, xoff, w, oh, ow, sh, sw } = o;
  out.fill(0, d0, d0 + y0 * ow);
  out.fill(0, d0 + y1 * ow, d0 + oh * ow);
  if (x1 === x0 || y1 === y0) { out.fill(0, d0 + y0 * ow, d0 + y1 * ow); return; }
  if (sh === 1 && sw === 1 && ow === w) {
    // Rows follow each other in both: one copy from (y0, x0) to (y1 - 1, x1 - 1); the columns
    // outside [x0, x1) then hold the neighbouring rows' values and are zeroed.
    const s = plane + (y0 + yoff) * w + xoff;
    out.set(xc.subarray(s + x0, s + (y1 - y0 - 1) * w + x1), d0 + y0 * ow + x0);
    for (let oy = y0; oy < y1; oy++) {
      const d = d0 + oy * ow;
      for (let ox = 0; ox < x0; ox++) out[d + ox] = 0;
      for (let ox = x1; ox < ow; ox++) out[d + ox] = 0;
    }
    return;
  }
  for (let oy = y0; oy < y1; oy++) {
    const d = d0 + oy * ow;
    out.fill(0, d, d + x0);
    out.fill(0, d + x1, d + ow);
    const s = plane + (oy * sh + yoff) * w + xoff;
    if (sw === 1) out.set(xc.subarray(s + x0, s + x1), d + x0);
    else for (let ox = x0; ox < x1; ox++) out[d + ox] = xc[s + ox * sw];
  }
}

/** A stride-1 filter gradient as shifted views (see shiftedGrid). */
export interface ShiftedGrid { Hp: number; Wp: number; L: number; offsets: number[] }

/**
 * Stride-1 convolutions need no column matrix. With x zero-padded to the exact grid the taps read,
 * [n, Hp, Wp, ci] with Hp = oh + (fh-1)·dh and Wp = ow + (fw-1)·dw, and dy placed on the same grid
 * (channels-first, zero where no output is), tap (i, j) reads, for grid position p, x at p + i·dh·Wp
 * + j·dw: so dW[i, j]^T = dyT[:, 0:L] . x[off:off+L, :] with `off` that shift, a plain GEMM on a
 * view of x. L is the last valid position + 1; positions past any sample's outputs carry dy = 0.
 * Writes xPad ([n·Hp·Wp, ci]) and dyT ([co, L]).
 */
export function shiftedGrid(x: Float32Array, dy: Float32Array, g: ColsGeometry, co: number, xPad: Float32Array, dyT: Float32Array): ShiftedGrid {
  const { n, h, w, ci, oh, ow, fh, fw, top, left } = g;
  const [dh, dw] = g.dilations;
  const Hp = oh + (fh - 1) * dh, Wp = ow + (fw - 1) * dw;
  const L = n * Hp * Wp - (fh - 1) * dh * Wp - (fw - 1) * dw;
  xPad.fill(0, 0, n * Hp * Wp * ci);
  const cols = Math.max(0, Math.min(w, Wp - left));
  for (let b = 0; b < n; b++) {
    for (let y = Math.max(0, -top); y < Math.min(h, Hp - top); y++) {
      const s = ((b * h + y) * w) * ci, d = ((b * Hp + y + top) * Wp + left) * ci;
      if (left >= 0) xPad.set(x.subarray(s, s + cols * ci), d);
    }
  }
  dyT.fill(0, 0, co * L);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const s = ((b * oh + oy) * ow + ox) * co, p = (b * Hp + oy) * Wp + ox;
        for (let c = 0; c < co; c++) dyT[c * L + p] = dy[s + c];
      }
    }
  }
  const offsets: number[] = [];
  for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) offsets.push(i * dh * Wp + j * dw);
  return { Hp, Wp, L, offsets };
}
