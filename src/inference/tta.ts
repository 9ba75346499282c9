// Test-time augmentation: predict the image and its mirror images, map the class scores back and
// average them. Thin structures (membranes, poles) gain most.
import type { RgbImage } from '../data/image_io.js';

export type TtaMode = 'none' | 'flip' | 'flip2';
export const TTA_MODES: TtaMode[] = ['none', 'flip', 'flip2'];

export function argmaxChw(map: Float32Array, c: number): Uint8Array {
  // Plane by plane: sequential reads (a per-pixel loop over classes strides through memory).
  const px = map.length / c, out = new Uint8Array(px);
  const best = map.slice(0, px);
  for (let k = 1; k < c; k++) {
    const plane = map.subarray(k * px, (k + 1) * px);
    for (let p = 0; p < px; p++) if (plane[p] > best[p]) { best[p] = plane[p]; out[p] = k; }
  }
  return out;
}

export function flipRgb(img: RgbImage, horizontal: boolean): RgbImage {
  const { width: w, height: h } = img, out = new Uint8Array(img.data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const sx = horizontal ? w - 1 - x : x, sy = horizontal ? y : h - 1 - y;
    const o = (y * w + x) * 3, i = (sy * w + sx) * 3;
    out[o] = img.data[i]; out[o + 1] = img.data[i + 1]; out[o + 2] = img.data[i + 2];
  }
  return { data: out, width: w, height: h };
}

/** Adds the CHW map, mirrored back, into acc. */
function addFlipped(acc: Float32Array, map: Float32Array, c: number, h: number, w: number, horizontal: boolean): void {
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const sx = horizontal ? w - 1 - x : x, sy = horizontal ? y : h - 1 - y;
    acc[(k * h + y) * w + x] += map[(k * h + sy) * w + sx];
  }
}

export async function predictWithTta(logits: (imgs: RgbImage[]) => Promise<Float32Array[]>, imgs: RgbImage[], c: number, mode: TtaMode): Promise<Uint8Array[]> {
  const base = await logits(imgs);
  if (mode === 'none') return base.map((m) => argmaxChw(m, c));
  const { width: w, height: h } = imgs[0];
  const flips = mode === 'flip2' ? [true, false] : [true];
  for (const horizontal of flips) {
    const maps = await logits(imgs.map((im) => flipRgb(im, horizontal)));
    maps.forEach((m, i) => addFlipped(base[i], m, c, h, w, horizontal));
  }
  return base.map((m) => argmaxChw(m, c));
}

/** Mirror-pads an image by n pixels on every side (U-Net's overlap-tile context at the borders). */
export function reflectPad(img: RgbImage, n: number): RgbImage {
  const { width: w, height: h } = img, W = w + 2 * n, H = h + 2 * n;
  const refl = (i: number, len: number) => { let j = i; while (j < 0 || j >= len) j = j < 0 ? -j : 2 * (len - 1) - j; return j; };
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    const sy = refl(y - n, h);
    for (let x = 0; x < W; x++) {
      const s = (sy * w + refl(x - n, w)) * 3, o = (y * W + x) * 3;
      out[o] = img.data[s]; out[o + 1] = img.data[s + 1]; out[o + 2] = img.data[s + 2];
    }
  }
  return { data: out, width: W, height: H };
}

/** Crops n pixels from every side of a label map of the padded size. */
export function cropLabels(labels: Uint8Array, w: number, h: number, n: number): Uint8Array {
  const W = w + 2 * n, out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) out.set(labels.subarray((y + n) * W + n, (y + n) * W + n + w), y * w);
  return out;
}
