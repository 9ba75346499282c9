// Test-time augmentation: predict the image and its mirror images, map the class scores back and
// average them. Thin structures (membranes, poles) gain most.
import { channelsOf, samplesLike, withSamples, type PixelImage } from '../data/pixels.js';
import { labelsFromScores, type ClassThreshold } from './label_map.js';

export type TtaMode = 'none' | 'flip' | 'flip2' | 'd4';
export const TTA_MODES: TtaMode[] = ['none', 'flip', 'flip2', 'd4'];

/** One symmetry of the square: transpose first (swap x and y), then mirror x and/or y. */
export interface Orientation { transpose: boolean; flipX: boolean; flipY: boolean }

const ORIENTATIONS: Record<TtaMode, Orientation[]> = {
  none: [],
  flip: [{ transpose: false, flipX: true, flipY: false }],
  flip2: [{ transpose: false, flipX: true, flipY: false }, { transpose: false, flipX: false, flipY: true }],
  // The 7 non-identity elements of the dihedral group: mirrors and 90-degree rotations, for
  // imagery without a preferred orientation (microscopy, aerial) and models trained on rotations.
  d4: [false, true].flatMap((transpose) => [[false, false], [true, false], [false, true], [true, true]]
    .filter(([fx, fy]) => transpose || fx || fy).map(([flipX, flipY]) => ({ transpose, flipX, flipY }))),
};

/**
 * For each pixel of the oriented (w' x h') frame, the index of its source pixel in the original
 * w x h frame. The same table maps the image forwards and the scores back.
 */
function sourceIndex(w: number, h: number, o: Orientation): { index: Uint32Array; width: number; height: number } {
  const W = o.transpose ? h : w, H = o.transpose ? w : h, index = new Uint32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const x1 = o.flipX ? W - 1 - x : x, y1 = o.flipY ? H - 1 - y : y;
    index[y * W + x] = o.transpose ? x1 * w + y1 : y1 * w + x1;
  }
  return { index, width: W, height: H };
}

export function orientRgb<T extends PixelImage>(img: T, o: Orientation): T {
  const { index, width, height } = sourceIndex(img.width, img.height, o);
  const c = channelsOf(img), out = samplesLike(img.data, img.data.length);
  for (let p = 0; p < index.length; p++) {
    const i = index[p] * c, q = p * c;
    for (let k = 0; k < c; k++) out[q + k] = img.data[i + k];
  }
  return withSamples(img, out, width, height) as T;
}

/** Mirrors an image left-right (horizontal) or upside down. */
export function flipRgb<T extends PixelImage>(img: T, horizontal: boolean): T {
  return orientRgb(img, { transpose: false, flipX: horizontal, flipY: !horizontal });
}

/** Class scores (CHW logits at each image's size) averaged over the image and its orientations. */
export async function ttaScores<T extends PixelImage>(logits: (imgs: T[]) => Promise<Float32Array[]>, imgs: T[], c: number, mode: TtaMode, scale = 1): Promise<Float32Array[]> {
  const base = await logits(imgs);
  // The scores' grid: the images' at 1 / scale (a network whose output is smaller than its input).
  const w = imgs[0].width / scale, h = imgs[0].height / scale;
  const px = w * h;
  const n = ORIENTATIONS[mode].length + 1;
  for (const o of ORIENTATIONS[mode]) {
    const { index } = sourceIndex(w, h, o);
    const maps = await logits(imgs.map((im) => orientRgb(im, o)));
    // Each oriented score goes back to its source pixel before averaging.
    maps.forEach((m, i) => {
      const acc = base[i];
      for (let k = 0; k < c; k++) {
        const a = acc.subarray(k * px, (k + 1) * px), s = m.subarray(k * px, (k + 1) * px);
        for (let p = 0; p < px; p++) a[index[p]] += s[p];
      }
    });
  }
  if (n > 1) for (const m of base) for (let i = 0; i < m.length; i++) m[i] /= n; // a mean: probabilities stay calibrated
  return base;
}

export async function predictWithTta<T extends PixelImage>(logits: (imgs: T[]) => Promise<Float32Array[]>, imgs: T[], c: number, mode: TtaMode,
  threshold?: ClassThreshold, scale = 1): Promise<Uint8Array[]> {
  return (await ttaScores(logits, imgs, c, mode, scale)).map((m) => labelsFromScores(m, c, threshold));
}

/** Mirror-pads an image by n pixels on every side (U-Net's overlap-tile context at the borders). */
export function reflectPad<T extends PixelImage>(img: T, n: number): T {
  const { width: w, height: h } = img, W = w + 2 * n, H = h + 2 * n, c = channelsOf(img);
  const refl = (i: number, len: number) => { let j = i; while (j < 0 || j >= len) j = j < 0 ? -j : 2 * (len - 1) - j; return j; };
  const out = samplesLike(img.data, W * H * c);
  for (let y = 0; y < H; y++) {
    const sy = refl(y - n, h);
    for (let x = 0; x < W; x++) {
      const s = (sy * w + refl(x - n, w)) * c, o = (y * W + x) * c;
      for (let k = 0; k < c; k++) out[o + k] = img.data[s + k];
    }
  }
  return withSamples(img, out, W, H) as T;
}

/** Crops n pixels from every side of c planes (CHW) of the padded size. */
export function cropChw(map: Float32Array, c: number, w: number, h: number, n: number): Float32Array;
export function cropChw(map: Uint8Array, c: number, w: number, h: number, n: number): Uint8Array;
export function cropChw(map: Float32Array | Uint8Array, c: number, w: number, h: number, n: number): Float32Array | Uint8Array {
  const W = w + 2 * n, H = h + 2 * n, out = map instanceof Float32Array ? new Float32Array(c * w * h) : new Uint8Array(c * w * h);
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) out.set(map.subarray(k * W * H + (y + n) * W + n, k * W * H + (y + n) * W + n + w), k * w * h + y * w);
  return out;
}

/** Crops n pixels from every side of a label map of the padded size. */
export function cropLabels(labels: Uint8Array, w: number, h: number, n: number): Uint8Array {
  return cropChw(labels, 1, w, h, n);
}
