// What users do with a segmentation besides looking at it (PixelLib's tune_bg and extract
// objects): change everything but the kept classes (blur, a colour, another picture, grey), or
// cut classes out as transparent PNGs. Every edge is soft: the per-pixel weight is the
// probability of the kept classes (alpha in 0..1), not a stair-stepped label mask. No Node
// imports: the browser module composes with these same functions (effects.ts adds sharp's
// blur and resize for Node).
import type { Rgb } from '../data/classes.js';
import type { RgbImage } from '../data/image_io.js';
import { UserError, argumentError } from '../util/errors.js';
import * as z from 'zod/mini';
import '../util/zod.js'; // zod's English messages

export type Effect = { blur: number } | { color: Rgb } | { image: RgbImage } | { grey: true };

/** Parses --effect: blur[=SIGMA] | color=#RRGGBB | grey | replace=IMAGE (the image path is returned to read). */
export function parseEffect(v: string): { kind: 'blur'; sigma: number } | { kind: 'color'; color: Rgb } | { kind: 'grey' } | { kind: 'replace'; file: string } | { kind: 'transparent' } {
  const [k, arg] = [v.split('=')[0], v.includes('=') ? v.slice(v.indexOf('=') + 1) : undefined];
  if (k === 'blur') {
    const sigma = arg == null ? 12 : Number(arg);
    if (!(sigma >= 0.3 && sigma <= 1000)) throw argumentError('effect', v, "blur's sigma must be 0.3..1000 pixels (e.g. blur=12)");
    return { kind: 'blur', sigma };
  }
  if (k === 'color' || k === 'colour') return { kind: 'color', color: parseColor(arg ?? '', `effect ${v}`, 'effect') };
  if ((k === 'grey' || k === 'gray') && arg == null) return { kind: 'grey' };
  if (k === 'replace' && arg) return { kind: 'replace', file: arg };
  if (k === 'transparent' && arg == null) return { kind: 'transparent' };
  throw argumentError('effect', v, 'use blur[=SIGMA], color=#RRGGBB, grey, replace=IMAGE or transparent');
}

/** The keys of a background effect and their types, as a JavaScript caller may pass them (see util/call_options.ts; values checked below). */
export const effectOptionsShape = {
  keep: z.unknown(), blur: z.optional(z.number()), color: z.optional(z.unknown()), image: z.optional(z.unknown()), grey: z.optional(z.boolean()), transparent: z.optional(z.boolean()),
};

/**
 * Which effect background options give (exactly one of blur, color, image, grey, transparent), a
 * blur's sigma checked as --effect checks it: the Node and browser results' background() both ask here.
 */
export function chosenEffect(o: { blur?: number; color?: unknown; image?: unknown; grey?: boolean; transparent?: boolean }): 'blur' | 'color' | 'image' | 'grey' | 'transparent' {
  const given = (['blur', 'color', 'image', 'grey', 'transparent'] as const).filter((k) => o[k] != null && o[k] !== false);
  if (given.length !== 1) throw new UserError(`background: give exactly one of blur, color, image, grey, transparent (got ${given.join(', ') || 'none'})`);
  if (given[0] === 'blur' && !(o.blur! >= 0.3 && o.blur! <= 1000)) throw new UserError(`background blur ${o.blur}: expected a sigma of 0.3 to 1000 pixels, e.g. 12`);
  return given[0];
}

/** A parsed --effect as background options (the replacement picture already read). */
export function effectFields(e: ReturnType<typeof parseEffect>, replacement?: RgbImage): { blur?: number; color?: Rgb; grey?: boolean; image?: RgbImage; transparent?: boolean } {
  return e.kind === 'blur' ? { blur: e.sigma } : e.kind === 'color' ? { color: e.color } : e.kind === 'grey' ? { grey: true } : e.kind === 'transparent' ? { transparent: true } : { image: replacement };
}

export function parseColor(v: string, what: string, argument?: string): Rgb {
  const m = /^#?([0-9a-f]{6})$/i.exec(v.trim());
  if (!m) throw new UserError(`${what}: expected a colour as #RRGGBB, e.g. #00ff00`, 2, argument);
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** ITU-R BT.601 luma in all three channels. */
export function greyscale(photo: RgbImage): RgbImage {
  const d = photo.data, out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 3) {
    const y = Math.round(0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]);
    out[i] = y; out[i + 1] = y; out[i + 2] = y;
  }
  return { data: out, width: photo.width, height: photo.height };
}

/**
 * Class probability -> opacity: smoothstep from 0.3 to 0.7. Raw probabilities of a small network
 * hover between 0.1 and 0.9 over wide areas (a half-transparent person); the ramp keeps confident
 * pixels whole and confident background out, while the boundary stays a smooth blend a few
 * pixels wide instead of the label map's stair steps.
 */
export function matte(p: Float32Array, lo = 0.3, hi = 0.7): Float32Array {
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const t = Math.min(1, Math.max(0, (p[i] - lo) / (hi - lo)));
    out[i] = t * t * (3 - 2 * t);
  }
  return out;
}

/** photo where alpha = 1, back where alpha = 0, mixed in between. */
export function composite(photo: RgbImage, back: RgbImage, alpha: Float32Array): RgbImage {
  const p = photo.data, b = back.data, out = new Uint8Array(p.length);
  for (let i = 0, j = 0; j < alpha.length; j++, i += 3) {
    const a = alpha[j], c = 1 - a;
    out[i] = p[i] * a + b[i] * c + 0.5; out[i + 1] = p[i + 1] * a + b[i + 1] * c + 0.5; out[i + 2] = p[i + 2] * a + b[i + 2] * c + 0.5;
  }
  return { data: out, width: photo.width, height: photo.height };
}

/** Box [x0, y0, x1, y1) of the pixels where `inside` holds, widened by `margin` (soft edges reach
 * past the last labelled pixel) within the image; null when there are none. */
export function boundingBox(labels: Uint8Array, width: number, inside: (label: number) => boolean, margin = 0): [number, number, number, number] | null {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let i = 0; i < labels.length; i++) {
    if (!inside(labels[i])) continue;
    const x = i % width, y = (i - x) / width;
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  if (x1 < 0) return null;
  const height = labels.length / width;
  return [Math.max(0, x0 - margin), Math.max(0, y0 - margin), Math.min(width, x1 + 1 + margin), Math.min(height, y1 + 1 + margin)];
}

/** RGBA pixels of the box, alpha = the class probability (soft edges). */
export function cutoutRgba(photo: RgbImage, alpha: Float32Array, box: [number, number, number, number]): { data: Uint8Array; width: number; height: number } {
  const [x0, y0, x1, y1] = box, w = x1 - x0, h = y1 - y0, W = photo.width;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const s = (y + y0) * W + x + x0, o = (y * w + x) * 4;
    out[o] = photo.data[s * 3]; out[o + 1] = photo.data[s * 3 + 1]; out[o + 2] = photo.data[s * 3 + 2];
    out[o + 3] = Math.round(alpha[s] * 255);
  }
  return { data: out, width: w, height: h };
}

/** A frame of one colour. */
export function solidColour(width: number, height: number, color: Rgb): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(color, i);
  return { data, width, height };
}

/**
 * Gaussian blur (standard deviation `sigma` pixels; edges clamped), separable, in plain JS: the
 * browser's background blur. The kernel ends where it falls below 0.2 of its peak, as sharp's
 * blur (libvips' min_ampl 0.2) does in Node, so both look alike.
 */
export function gaussianBlur(img: RgbImage, sigma: number): RgbImage {
  const r = Math.max(1, Math.floor(sigma * Math.sqrt(2 * Math.log(5)))), k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const { width: W, height: H } = img, tmp = new Float32Array(W * H * 3), out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
    let v = 0;
    for (let i = -r; i <= r; i++) v += k[i + r] * img.data[(y * W + Math.min(W - 1, Math.max(0, x + i))) * 3 + c];
    tmp[(y * W + x) * 3 + c] = v;
  }
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
    let v = 0;
    for (let i = -r; i <= r; i++) v += k[i + r] * tmp[(Math.min(H - 1, Math.max(0, y + i)) * W + x) * 3 + c];
    out[(y * W + x) * 3 + c] = v + 0.5;
  }
  return { data: out, width: W, height: H };
}

/** The source box [x, y, w, h] that covers a frame of width x height (scale to fill, centre crop), as a wallpaper does. */
export function coverBox(srcW: number, srcH: number, width: number, height: number): [number, number, number, number] {
  const scale = Math.max(width / srcW, height / srcH), w = width / scale, h = height / scale;
  return [(srcW - w) / 2, (srcH - h) / 2, w, h];
}
