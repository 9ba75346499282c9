// Pillow's (9.x) BILINEAR and NEAREST resizes, reproduced exactly: models imported from PyTorch
// repositories were trained and evaluated on images resized by Pillow, and their published label
// maps are Pillow NEAREST resizes. Pillow's BILINEAR is an antialiasing filter (support widens with
// the downscale factor), 22-bit fixed point, horizontal pass first into an 8-bit intermediate;
// neither sharp's nor TF.js's bilinear gives the same pixels.
import type { RgbImage } from './image_io.js';
import type { PillowResize } from '../models/package.js';

const BITS = 22;

interface Coeffs { bounds: Int32Array; weights: Int32Array; taps: number }

/** Per output index: first source index, tap count, fixed-point weights (Pillow's precompute_coeffs). */
function bilinearCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const fs = Math.max(scale, 1), support = fs;
  const taps = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2), weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let k = 0; k < xmax; k++) {
      const t = Math.abs((k + xmin - center + 0.5) / fs);
      w[k] = t < 1 ? 1 - t : 0;
      sum += w[k];
    }
    for (let k = 0; k < xmax; k++) {
      const v = sum !== 0 ? w[k] / sum : w[k];
      weights[i * taps + k] = v < 0 ? Math.trunc(-0.5 + v * (1 << BITS)) : Math.trunc(0.5 + v * (1 << BITS));
    }
    bounds[i * 2] = xmin; bounds[i * 2 + 1] = xmax;
  }
  return { bounds, weights, taps };
}

/**
 * One separable pass over an interleaved 8-bit image (c channels), along x or y. Integer sums are
 * exact whatever their order, so each pass walks memory in order: the vertical pass adds whole
 * source rows into a row of accumulators. Sums stay below 2^31 (255 x 2^22 plus rounding).
 */
function pass(src: Uint8Array, w: number, h: number, c: number, outLen: number, horizontal: boolean): Uint8Array {
  const { bounds, weights, taps } = bilinearCoeffs(horizontal ? w : h, outLen);
  return horizontal ? horizontalPass(src, w, h, c, outLen, bounds, weights, taps) : verticalPass(src, w, c, outLen, bounds, weights, taps);
}

const HALF = 1 << (BITS - 1);
/** Sums are integers in [0, 2^31) (weights >= 0): an int32 shift is Pillow's floor division. */
const clip8 = (v: number) => { const x = v >> BITS; return x > 255 ? 255 : x; };

function horizontalPass(src: Uint8Array, w: number, h: number, c: number, ow: number, bounds: Int32Array, weights: Int32Array, taps: number): Uint8Array {
  if (c !== 3) return horizontalPassAny(src, w, h, c, ow, bounds, weights, taps);
  const out = new Uint8Array(ow * h * 3);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0, o = y * ow * 3; x < ow; x++, o += 3) {
      const n = bounds[x * 2 + 1], wb = x * taps;
      let r = HALF, g = HALF, b = HALF;
      for (let k = 0, q = row + bounds[x * 2] * 3; k < n; k++, q += 3) {
        const wk = weights[wb + k];
        r += src[q] * wk; g += src[q + 1] * wk; b += src[q + 2] * wk;
      }
      out[o] = clip8(r); out[o + 1] = clip8(g); out[o + 2] = clip8(b);
    }
  }
  return out;
}

function horizontalPassAny(src: Uint8Array, w: number, h: number, c: number, ow: number, bounds: Int32Array, weights: Int32Array, taps: number): Uint8Array {
  const out = new Uint8Array(ow * h * c);
  for (let y = 0; y < h; y++) {
    const row = y * w * c, orow = y * ow * c;
    for (let x = 0; x < ow; x++) {
      const n = bounds[x * 2 + 1], wb = x * taps, p = row + bounds[x * 2] * c;
      for (let ch = 0; ch < c; ch++) {
        let acc = HALF;
        for (let k = 0, q = p + ch; k < n; k++, q += c) acc += src[q] * weights[wb + k];
        out[orow + x * c + ch] = clip8(acc);
      }
    }
  }
  return out;
}

function verticalPass(src: Uint8Array, w: number, c: number, oh: number, bounds: Int32Array, weights: Int32Array, taps: number): Uint8Array {
  const len = w * c;
  const out = new Uint8Array(oh * len);
  const acc = new Int32Array(len); // exact: sums stay below 2^31
  for (let y = 0; y < oh; y++) {
    const first = bounds[y * 2], n = bounds[y * 2 + 1], wb = y * taps;
    acc.fill(HALF);
    for (let k = 0; k < n; k++) {
      const wk = weights[wb + k], s = (first + k) * len;
      for (let i = 0; i < len; i++) acc[i] += src[s + i] * wk;
    }
    const o = y * len;
    for (let i = 0; i < len; i++) out[o + i] = clip8(acc[i]);
  }
  return out;
}

/** Pillow `Image.resize((width, height), Image.BILINEAR)` of an 8-bit RGB image. */
export function pillowBilinear(img: RgbImage, width: number, height: number): RgbImage {
  let data = img.data, w = img.width;
  if (width !== img.width) { data = pass(data, w, img.height, 3, width, true); w = width; }
  if (height !== img.height) data = pass(data, w, img.height, 3, height, false);
  return { data, width, height };
}

/** Source index per output index: Pillow accumulates the position in double precision. */
function nearestIndex(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize), s = inSize / outSize;
  let x = 0.5 * s;
  for (let j = 0; j < outSize; j++, x += s) idx[j] = Math.min(inSize - 1, Math.trunc(x));
  return idx;
}

/** Pillow `Image.resize((width, height), Image.NEAREST)` of a single-channel map (label maps). */
export function pillowNearest(src: Uint8Array, w: number, h: number, width: number, height: number): Uint8Array {
  if (w === width && h === height) return src;
  const xs = nearestIndex(w, width), ys = nearestIndex(h, height);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = ys[y] * w;
    for (let x = 0; x < width; x++) out[y * width + x] = src[row + xs[x]];
  }
  return out;
}

/** The network input size [width, height] of an image under a Pillow resize rule. */
export function pillowTarget(rule: PillowResize, w: number, h: number): [number, number] {
  if (rule.size) return [rule.size[1], rule.size[0]];
  const m = rule.multiple ?? 1;
  return [Math.max(m, Math.floor(w / m) * m), Math.max(m, Math.floor(h / m) * m)];
}
