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
