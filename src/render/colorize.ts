// Label maps to pictures: colour masks and overlays on the photo. No Node dependencies: the
// browser module draws with the same code (the legend, rasterised by sharp, is in legend.ts).
import type { Rgb } from '../data/classes.js';
import type { RgbImage } from '../data/image_io.js';

export function colorize(labels: Uint8Array, width: number, height: number, palette: Rgb[]): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < labels.length; i++) {
    const c = palette[labels[i]] ?? [0, 0, 0];
    out[i * 3] = c[0]; out[i * 3 + 1] = c[1]; out[i * 3 + 2] = c[2];
  }
  return { data: out, width, height };
}

/** Alpha-blends the colour mask over the photo (alpha = mask opacity). */
export function overlay(photo: RgbImage, mask: RgbImage, alpha: number): RgbImage {
  const out = new Uint8Array(photo.data.length);
  const a = Math.min(1, Math.max(0, alpha)), b = 1 - a;
  for (let i = 0; i < out.length; i++) out[i] = photo.data[i] * b + mask.data[i] * a + 0.5;
  return { data: out, width: photo.width, height: photo.height };
}

/**
 * overlay(photo, colorize(labels, ...), alpha) in one pass and without the mask image: the same
 * arithmetic, with photo·(1 - alpha) and colour·alpha looked up in tables (video frames).
 */
export function overlayLabels(photo: RgbImage, labels: Uint8Array, palette: Rgb[], alpha: number): RgbImage {
  const a = Math.min(1, Math.max(0, alpha)), b = 1 - a;
  const pb = new Float64Array(256).map((_, v) => v * b);
  const ca = new Float64Array(256 * 3);
  for (let k = 0; k < 256; k++) for (let c = 0; c < 3; c++) ca[k * 3 + c] = (palette[k]?.[c] ?? 0) * a;
  const src = photo.data, out = new Uint8Array(src.length);
  for (let i = 0, j = 0; i < labels.length; i++, j += 3) {
    const k = labels[i] * 3;
    out[j] = pb[src[j]] + ca[k] + 0.5;
    out[j + 1] = pb[src[j + 1]] + ca[k + 1] + 0.5;
    out[j + 2] = pb[src[j + 2]] + ca[k + 2] + 0.5;
  }
  return { data: out, width: photo.width, height: photo.height };
}
