// Augmentation applied identically to image and mask: random scale, rotation, horizontal flip
// and crop composed into one affine map (one resampling pass: bilinear for the image, nearest
// for the mask), then brightness/contrast/saturation jitter on the image. Seeded.
import { Rng } from '../util/random.js';
import { SAMPLE_MAX, samplesLike, sampleTypeOf, type Samples } from './pixels.js';
import { argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';

export interface AugmentConfig {
  scale: [number, number];
  rotate: number; // max degrees either way
  flip: boolean;
  brightness: number; // +- fraction
  contrast: number;
  saturation: number;
  /** Elastic deformation (U-Net paper): displacement std in pixels on a coarse grid; 0 = off. */
  elastic?: number;
  /** Control points per side of the elastic grid (default 3). */
  elasticGrid?: number;
}

export const NO_AUGMENT: AugmentConfig = { scale: [1, 1], rotate: 0, flip: false, brightness: 0, contrast: 0, saturation: 0 };
export const DEFAULT_AUGMENT: AugmentConfig = { scale: [0.75, 1.5], rotate: 10, flip: true, brightness: 0.2, contrast: 0.2, saturation: 0.2 };

/**
 * Augmentation settings refused by field (`augment.brightness`, ...) where they cannot be what was
 * meant: a jitter of 1 or more can scale a picture by a negative factor (black, or colours
 * inverted), a scale range upside down or at 0, a negative rotation or displacement.
 */
export function checkAugment(a: AugmentConfig): void {
  const s = a?.scale;
  if (!(Array.isArray(s) && s.length === 2 && s[0] > 0 && s[0] <= s[1] && Number.isFinite(s[1]))) throw argumentError('augment.scale', Array.isArray(s) ? s.join(',') : s, 'expected [min, max] with 0 < min <= max, e.g. [0.75, 1.5]');
  if (!(a.rotate >= 0 && a.rotate <= 180)) throw argumentError('augment.rotate', a.rotate, 'expected the largest rotation either way, 0 to 180 degrees');
  for (const k of ['brightness', 'contrast', 'saturation'] as const) {
    if (!(a[k] >= 0 && a[k] < 1)) throw argumentError(`augment.${k}`, a[k], 'expected a jitter of 0 (none) to below 1 (a factor of 1 +- the jitter)');
  }
  if (a.elastic != null && !(a.elastic >= 0 && Number.isFinite(a.elastic))) throw argumentError('augment.elastic', a.elastic, 'expected a displacement in pixels, 0 (off) or more');
  if (a.elasticGrid != null && !(Number.isInteger(a.elasticGrid) && a.elasticGrid >= 2)) throw argumentError('augment.elasticGrid', a.elasticGrid, 'expected a whole number of control points a side, 2 or more');
}

/**
 * An image (`channels` bands, 3 when absent; any sample type) and its mask; `soft`: a teacher's
 * class probabilities of the whole image (`c` per pixel, 8-bit, HWC), warped with it.
 */
export interface Pair { image: Samples; mask: Uint8Array; width: number; height: number; channels?: number; soft?: { data: Uint8Array; c: number } }

export interface AffineParams {
  scale: number; angle: number; flip: boolean; offsetX: number; offsetY: number;
  /** Optional smooth displacement field: (g x g) control points of [dx, dy] in source pixels. */
  elastic?: { grid: number; d: Float32Array };
}

export function sampleAffine(rng: Rng, cfg: AugmentConfig, w: number, h: number, cw: number, ch: number): AffineParams {
  const scale = cfg.scale[0] === cfg.scale[1] ? cfg.scale[0] : Math.exp(rng.uniform(Math.log(cfg.scale[0]), Math.log(cfg.scale[1])));
  const angle = cfg.rotate ? rng.uniform(-cfg.rotate, cfg.rotate) * Math.PI / 180 : 0;
  const flip = cfg.flip && rng.next() < 0.5;
  // Crop window over the scaled image; when the scaled image is smaller, it sits at a random
  // place inside the window and the rest is padding (ignore label in the mask).
  const sw = w * scale, sh = h * scale;
  const offsetX = sw >= cw ? rng.uniform(0, sw - cw) : -rng.uniform(0, cw - sw);
  const offsetY = sh >= ch ? rng.uniform(0, sh - ch) : -rng.uniform(0, ch - sh);
  const p: AffineParams = { scale, angle, flip, offsetX, offsetY };
  if (cfg.elastic && cfg.elastic > 0) {
    const g = Math.max(2, cfg.elasticGrid ?? 3);
    p.elastic = { grid: g, d: Float32Array.from({ length: g * g * 2 }, () => rng.normal() * cfg.elastic!) };
  }
  return p;
}

/**
 * Resamples image (every band), mask and teacher probabilities (bilinear, as the image) into a cw x
 * ch crop under the affine params. Outside the source the mask is `ignore`, the image is `fill` per
 * band (default 0) and the probabilities are 0 (no target).
 */
export function warpPair(src: Pair, p: AffineParams, cw: number, ch: number, ignore: number, fill?: number[]): Pair {
  const { width: w, height: h } = src;
  const C = src.channels ?? 3;
  const img = samplesLike(src.image, cw * ch * C);
  if (fill?.some((v) => v !== 0)) for (let i = 0; i < img.length; i++) img[i] = fill[i % C];
  const round = img instanceof Float32Array ? 0 : 0.5; // integer samples round to nearest
  const mask = new Uint8Array(cw * ch).fill(ignore);
  const cx = w * p.scale / 2, cy = h * p.scale / 2;
  const cos = Math.cos(p.angle), sin = Math.sin(p.angle);
  const si = src.image, sm = src.mask;
  const soft = src.soft, sc = soft?.c ?? 0, so = soft ? new Uint8Array(cw * ch * sc) : undefined;
  const inv = 1 / p.scale;
  const el = p.elastic;
  // Smooth per-pixel displacement: bicubic-free smoothstep interpolation of the control grid.
  const disp = (u: number, v: number): [number, number] => {
    const g = el!.grid, d = el!.d;
    const gx = (u / Math.max(1, cw - 1)) * (g - 1), gy = (v / Math.max(1, ch - 1)) * (g - 1);
    const x0 = Math.min(g - 2, Math.floor(gx)), y0 = Math.min(g - 2, Math.floor(gy));
    let fx = gx - x0, fy = gy - y0;
    fx = fx * fx * (3 - 2 * fx); fy = fy * fy * (3 - 2 * fy);
    const at = (i: number, j: number, k: number) => d[((j * g) + i) * 2 + k];
    const mix = (k: number) => (at(x0, y0, k) * (1 - fx) + at(x0 + 1, y0, k) * fx) * (1 - fy) + (at(x0, y0 + 1, k) * (1 - fx) + at(x0 + 1, y0 + 1, k) * fx) * fy;
    return [mix(0), mix(1)];
  };
  for (let v = 0; v < ch; v++) {
    for (let u = 0; u < cw; u++) {
      // Output pixel centre -> scaled-image coords -> undo flip and rotation -> source coords.
      let x = u + 0.5 + p.offsetX, y = v + 0.5 + p.offsetY;
      if (p.flip) x = 2 * cx - x;
      const dx = x - cx, dy = y - cy;
      const rx = cos * dx + sin * dy + cx, ry = -sin * dx + cos * dy + cy;
      let sx = rx * inv - 0.5, sy = ry * inv - 0.5;
      if (el) { const [ex, ey] = disp(u, v); sx += ex; sy += ey; }
      const o = v * cw + u;
      const nx = Math.round(sx), ny = Math.round(sy);
      if (nx >= 0 && ny >= 0 && nx < w && ny < h) mask[o] = sm[ny * w + nx];
      else continue; // outside the source: image stays the fill, mask stays ignore
      let x0 = Math.floor(sx), y0 = Math.floor(sy);
      let fx = sx - x0, fy = sy - y0;
      if (x0 < 0) { x0 = 0; fx = 0; } else if (x0 >= w - 1) { x0 = w - 1; fx = 0; }
      if (y0 < 0) { y0 = 0; fy = 0; } else if (y0 >= h - 1) { y0 = h - 1; fy = 0; }
      const x1 = Math.min(x0 + 1, w - 1), y1 = Math.min(y0 + 1, h - 1);
      const a = (y0 * w + x0) * C, b = (y0 * w + x1) * C, c = (y1 * w + x0) * C, d = (y1 * w + x1) * C;
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      for (let k = 0; k < C; k++) {
        img[o * C + k] = si[a + k] * w00 + si[b + k] * w01 + si[c + k] * w10 + si[d + k] * w11 + round;
      }
      if (so) {
        const sd = soft!.data, [pa, pb, pc, pd] = [a / C * sc, b / C * sc, c / C * sc, d / C * sc];
        for (let k = 0; k < sc; k++) so[o * sc + k] = sd[pa + k] * w00 + sd[pb + k] * w01 + sd[pc + k] * w10 + sd[pd + k] * w11 + 0.5;
      }
    }
  }
  return { image: img, mask, width: cw, height: ch, ...(src.channels != null ? { channels: src.channels } : {}), ...(so ? { soft: { data: so, c: sc } } : {}) };
}

/** Brightness, contrast and saturation jitter, in place. */
export function jitterColors(img: Uint8Array, rng: Rng, cfg: AugmentConfig): void {
  if (!cfg.brightness && !cfg.contrast && !cfg.saturation) return;
  const b = 1 + rng.uniform(-cfg.brightness, cfg.brightness);
  const c = 1 + rng.uniform(-cfg.contrast, cfg.contrast);
  const s = 1 + rng.uniform(-cfg.saturation, cfg.saturation);
  const n = img.length / 3;
  let mean = 0;
  for (let i = 0; i < img.length; i += 3) mean += 0.299 * img[i] + 0.587 * img[i + 1] + 0.114 * img[i + 2];
  mean = (mean / n) * b;
  for (let i = 0; i < img.length; i += 3) {
    const r = img[i] * b, g = img[i + 1] * b, bl = img[i + 2] * b;
    const grey = 0.299 * r + 0.587 * g + 0.114 * bl;
    for (let k = 0; k < 3; k++) {
      const v = k === 0 ? r : k === 1 ? g : bl;
      const sat = grey + (v - grey) * s;
      const con = mean + (sat - mean) * c;
      img[i + k] = con < 0 ? 0 : con > 255 ? 255 : con + 0.5;
    }
  }
}

/**
 * Brightness, contrast and saturation jitter of the first three bands (RGB) of an image of
 * `channels` bands, at any sample type, in place; other bands (near-infrared, elevation, ...) are
 * measurements, not colours, and stay as they are. Images of fewer than three bands are left alone.
 */
export function jitterRgbBands(img: Samples, channels: number, rng: Rng, cfg: AugmentConfig): void {
  if (!cfg.brightness && !cfg.contrast && !cfg.saturation) return;
  const b = 1 + rng.uniform(-cfg.brightness, cfg.brightness);
  const c = 1 + rng.uniform(-cfg.contrast, cfg.contrast);
  const s = 1 + rng.uniform(-cfg.saturation, cfg.saturation);
  if (channels < 3) return;
  const type = sampleTypeOf(img), max = type === 'float32' ? Infinity : SAMPLE_MAX[type], round = type === 'float32' ? 0 : 0.5;
  const n = img.length / channels;
  let mean = 0;
  for (let i = 0; i < img.length; i += channels) mean += 0.299 * img[i] + 0.587 * img[i + 1] + 0.114 * img[i + 2];
  mean = (mean / n) * b;
  for (let i = 0; i < img.length; i += channels) {
    const r = img[i] * b, g = img[i + 1] * b, bl = img[i + 2] * b;
    const grey = 0.299 * r + 0.587 * g + 0.114 * bl;
    for (let k = 0; k < 3; k++) {
      const con = mean + (grey + ((k === 0 ? r : k === 1 ? g : bl) - grey) * s - mean) * c;
      img[i + k] = con < 0 && max !== Infinity ? 0 : con > max ? max : con + round;
    }
  }
}

/**
 * `fill`: the image's value per band where the crop leaves the source (default 0, black for
 * photos); bands normalised by their own statistics fill with their mean, which 0 can lie
 * hundreds of standard deviations away from.
 */
export function augmentPair(src: Pair, rng: Rng, cfg: AugmentConfig, cw: number, ch: number, ignore: number, fill?: number[]): Pair {
  expectArgs('augmentPair', [['src', src, 'object'], ['rng', rng, 'object'], ['cfg', cfg, 'object']]);
  const p = sampleAffine(rng, cfg, src.width, src.height, cw, ch);
  const out = warpPair(src, p, cw, ch, ignore, fill);
  // 8-bit RGB keeps its own jitter (bit for bit what runs trained with before).
  if ((out.channels ?? 3) === 3 && out.image instanceof Uint8Array) jitterColors(out.image, rng, cfg);
  else jitterRgbBands(out.image, out.channels ?? 3, rng, cfg);
  return out;
}
