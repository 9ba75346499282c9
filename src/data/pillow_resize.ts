// Pillow's (9.x) BILINEAR, BICUBIC and NEAREST resizes, reproduced exactly: models imported from
// PyTorch repositories were trained and evaluated on images resized by Pillow (transformers'
// processors resize with it too: BICUBIC for some), and their published label maps are Pillow
// NEAREST resizes. Pillow's BILINEAR and BICUBIC are antialiasing filters (support widens with the
// downscale factor), 22-bit fixed point, horizontal pass first into an 8-bit intermediate;
// neither sharp's nor TF.js's resizes give the same pixels.
import type { RgbImage } from './image_io.js';
import { simdResize, type AxisCoeffs } from './simd/resize.js';

const BITS = 22;

/** A resampling filter: its support at scale 1, and its weight at a distance `d` scaled by `fs` (the downscale factor, at least 1). */
interface Filter { support: number; weight(d: number, fs: number): number }

const BILINEAR: Filter = { support: 1, weight: (d, fs) => { const t = Math.abs(d / fs); return t < 1 ? 1 - t : 0; } };
/** Pillow's bicubic (a = -0.5): negative lobes, so sums may leave 0..255 and are clipped. */
const BICUBIC: Filter = {
  support: 2,
  weight: (d, fs) => {
    const a = -0.5, x = Math.abs(d * (1 / fs));
    return x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : x < 2 ? (((x - 5) * x + 8) * x - 4) * a : 0;
  },
};

/** Per output index: first source index, tap count, fixed-point weights (Pillow's precompute_coeffs). */
function coeffs(inSize: number, outSize: number, f: Filter): AxisCoeffs {
  const scale = inSize / outSize;
  const fs = Math.max(scale, 1), support = f.support * fs;
  const taps = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2), weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let k = 0; k < xmax; k++) {
      w[k] = f.weight(k + xmin - center + 0.5, fs);
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

const HALF = 1 << (BITS - 1);
/** Sums are integers within int32 (bicubic's below 0 too): an int32 shift is Pillow's floor division, then 0..255. */
const clip8 = (v: number) => { const x = v >> BITS; return x > 255 ? 255 : x < 0 ? 0 : x; };

/**
 * The passes in JS (the SIMD module's fallback). Integer sums are exact whatever their order, so
 * each pass walks memory in order: the vertical pass adds whole source rows into a row of
 * accumulators.
 */
function horizontalPass(src: Uint8Array, w: number, h: number, ow: number, { bounds, weights, taps }: AxisCoeffs): Uint8Array {
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

function verticalPass(src: Uint8Array, w: number, oh: number, { bounds, weights, taps }: AxisCoeffs): Uint8Array {
  const len = w * 3;
  const out = new Uint8Array(oh * len);
  const acc = new Int32Array(len); // exact: sums stay within int32
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

/**
 * Pillow `Image.resize((width, height), Image.BILINEAR)` of an 8-bit RGB image: in WebAssembly SIMD
 * where the engine has it (simd/resize.wat), else in JS; the same bytes. `simd`: false for JS
 * only; true to require SIMD (an Error where it cannot run: the tests' check of that path).
 */
export function pillowBilinear(img: RgbImage, width: number, height: number, o: { simd?: boolean } = {}): RgbImage {
  return resample(img, width, height, BILINEAR, o);
}

/** Pillow `Image.resize((width, height), Image.BICUBIC)` of an 8-bit RGB image, as pillowBilinear. */
export function pillowBicubic(img: RgbImage, width: number, height: number, o: { simd?: boolean } = {}): RgbImage {
  return resample(img, width, height, BICUBIC, o);
}

function resample(img: RgbImage, width: number, height: number, f: Filter, o: { simd?: boolean }): RgbImage {
  const hx = width !== img.width ? coeffs(img.width, width, f) : null;
  const vy = height !== img.height ? coeffs(img.height, height, f) : null;
  const fast = o.simd !== false && (hx || vy) ? simdResize(img.data, img.width, img.height, width, height, hx, vy) : null;
  if (fast) return { data: fast, width, height };
  if (o.simd === true && (hx || vy)) throw new Error(`SIMD resize unavailable for ${img.width}x${img.height} -> ${width}x${height}`);
  let data = img.data;
  if (hx) data = horizontalPass(data, img.width, img.height, width, hx);
  if (vy) data = verticalPass(data, width, height, vy);
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
    // An upscale repeats source rows: the output row is then a copy of the one above.
    if (y > 0 && ys[y] === ys[y - 1]) { out.copyWithin(y * width, (y - 1) * width, y * width); continue; }
    const row = ys[y] * w;
    for (let x = 0; x < width; x++) out[y * width + x] = src[row + xs[x]];
  }
  return out;
}
