// Label maps to pictures: colour masks, overlays on the photo, and a legend of the classes
// present (drawn as SVG and rasterised by sharp).
import sharp from 'sharp';
import type { ClassInfo, Rgb } from '../data/classes.js';
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

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Legend PNG: a swatch, name and pixel share for each class present, largest first. */
export async function legendPng(classes: ClassInfo[], shares: number[]): Promise<Buffer> {
  const rows = classes.map((c, i) => ({ c, share: shares[i] ?? 0 })).filter((r) => r.share > 0).sort((a, b) => b.share - a.share);
  const h = 16 + rows.length * 26, w = 260;
  const body = rows.map((r, k) => {
    const y = 8 + k * 26;
    const [R, G, B] = r.c.color;
    return `<rect x="10" y="${y}" width="20" height="20" fill="rgb(${R},${G},${B})" stroke="#333"/>` +
      `<text x="40" y="${y + 15}" font-family="sans-serif" font-size="14">${esc(r.c.name)}</text>` +
      `<text x="${w - 10}" y="${y + 15}" font-family="sans-serif" font-size="14" text-anchor="end">${(r.share * 100).toFixed(1)}%</text>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="white"/>${body}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
