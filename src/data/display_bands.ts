// An image of any bands and sample depth as 8-bit RGB for people to look at (overlays, effects):
// three chosen bands (1-based, e.g. 4,3,2 for a false-colour near-infrared view), or one band as
// grey. 8-bit samples are shown as they are; deeper ones are stretched from their 2nd to their 98th
// percentile, as GIS viewers show 16-bit and float imagery by default.
import type { RgbImage } from './image_io.js';
import { channelsOf, isRgb8, type PixelImage } from './pixels.js';
import { argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';

/** The 2nd and 98th percentiles of one band (from up to 65536 evenly spaced pixels). */
function stretchOf(im: PixelImage, band: number): [number, number] {
  const c = channelsOf(im), px = im.width * im.height, step = Math.max(1, Math.floor(px / 65536));
  const v: number[] = [];
  for (let p = 0; p < px; p += step) { const x = im.data[p * c + band]; if (Number.isFinite(x)) v.push(x); }
  if (!v.length) return [0, 1];
  v.sort((a, b) => a - b);
  const lo = v[Math.floor(0.02 * (v.length - 1))], hi = v[Math.ceil(0.98 * (v.length - 1))];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** `bands`: 1-based band numbers, three (R, G, B) or one (grey); default the first three, or the first as grey. */
export function displayRgb(im: PixelImage, bands?: number[]): RgbImage {
  expectArgs('displayRgb', [['im', im, 'object']]);
  const c = channelsOf(im);
  if (!bands && isRgb8(im)) return im;
  const pick = bands ?? (c >= 3 ? [1, 2, 3] : [1]);
  if (pick.length !== 1 && pick.length !== 3) throw argumentError('displayBands', pick.join(','), 'give three bands (red, green, blue) or one (grey), numbered from 1');
  for (const b of pick) if (!Number.isInteger(b) || b < 1 || b > c) throw argumentError('displayBands', pick.join(','), `the image has bands 1..${c}`);
  const rgb = pick.length === 3 ? pick : [pick[0], pick[0], pick[0]];
  const eight = im.data instanceof Uint8Array;
  const ranges = rgb.map((b) => (eight ? [0, 255] as [number, number] : stretchOf(im, b - 1)));
  const px = im.width * im.height, out = new Uint8Array(px * 3);
  for (let k = 0; k < 3; k++) {
    const band = rgb[k] - 1, [lo, hi] = ranges[k], s = 255 / (hi - lo);
    for (let p = 0; p < px; p++) {
      const v = (im.data[p * c + band] - lo) * s;
      out[p * 3 + k] = v <= 0 || !(v === v) ? 0 : v >= 255 ? 255 : v + 0.5;
    }
  }
  return { data: out, width: im.width, height: im.height };
}
