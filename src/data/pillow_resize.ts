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

const clip8 = (v: number) => (v >= 255 << BITS ? 255 : v <= 0 ? 0 : Math.floor(v / (1 << BITS)));

/** One separable pass over an interleaved 8-bit image (c channels), along x or y. */
function pass(src: Uint8Array, w: number, h: number, c: number, outLen: number, horizontal: boolean): Uint8Array {
  const { bounds, weights, taps } = bilinearCoeffs(horizontal ? w : h, outLen);
  const ow = horizontal ? outLen : w, oh = horizontal ? h : outLen;
  const out = new Uint8Array(ow * oh * c);
  const half = 1 << (BITS - 1);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const i = horizontal ? x : y;
      const first = bounds[i * 2], n = bounds[i * 2 + 1], wb = i * taps;
      for (let ch = 0; ch < c; ch++) {
        let acc = half;
        if (horizontal) for (let k = 0; k < n; k++) acc += src[(y * w + first + k) * c + ch] * weights[wb + k];
        else for (let k = 0; k < n; k++) acc += src[((first + k) * w + x) * c + ch] * weights[wb + k];
        out[(y * ow + x) * c + ch] = clip8(acc);
      }
    }
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
