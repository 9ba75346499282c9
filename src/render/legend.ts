// The legend of the classes present, with their area shares: drawn as SVG, rasterised by sharp.
import sharp from 'sharp';
import type { ClassInfo } from '../data/classes.js';
import { expectArgs } from '../util/call_options.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Legend PNG: a swatch, name and pixel share for each class present, largest first. */
export async function legendPng(classes: ClassInfo[], shares: number[]): Promise<Buffer> {
  expectArgs('legendPng', [['classes', classes, 'array'], ['shares', shares, 'array']]);
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
