// One picture of several results: images scaled to a common height, side by side, each with a
// caption underneath (the demo's overview, the README's opening picture).
import sharp, { type OverlayOptions } from 'sharp';
import type { RgbImage } from '../data/image_io.js';

export interface Tile { image: RgbImage; caption: string }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function overviewJpeg(tiles: Tile[], height = 300, gap = 8): Promise<Buffer> {
  const captionH = 26;
  const scaled = await Promise.all(tiles.map(async (t) => {
    const width = Math.max(1, Math.round((t.image.width * height) / t.image.height));
    const png = await sharp(t.image.data, { raw: { width: t.image.width, height: t.image.height, channels: 3 } })
      .resize(width, height, { kernel: 'lanczos3' }).png().toBuffer();
    return { png, width, caption: t.caption };
  }));
  const total = scaled.reduce((n, s) => n + s.width, 0) + gap * (scaled.length + 1);
  let x = gap;
  const layers: OverlayOptions[] = [];
  const text: string[] = [];
  for (const s of scaled) {
    layers.push({ input: s.png, left: x, top: gap });
    text.push(`<text x="${x + s.width / 2}" y="${gap + height + 18}" text-anchor="middle" font-family="sans-serif" font-size="14">${esc(s.caption)}</text>`);
    x += s.width + gap;
  }
  const h = gap + height + captionH + gap / 2;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${h}">${text.join('')}</svg>`;
  layers.push({ input: Buffer.from(svg), left: 0, top: 0 });
  return sharp({ create: { width: total, height: h, channels: 3, background: '#ffffff' } }).composite(layers).jpeg({ quality: 85 }).toBuffer();
}

/** Pictures (encoded) stacked top to bottom on white, as one JPEG: a contact sheet of overview rows. */
export async function stackJpeg(parts: Buffer[]): Promise<Buffer> {
  const metas = await Promise.all(parts.map((x) => sharp(x).metadata()));
  let y = 0;
  const layers = parts.map((x, i) => { const l = { input: x, left: 0, top: y }; y += metas[i].height!; return l; });
  return sharp({ create: { width: Math.max(...metas.map((m) => m.width!)), height: y, channels: 3, background: '#ffffff' } }).composite(layers).jpeg({ quality: 85 }).toBuffer();
}
