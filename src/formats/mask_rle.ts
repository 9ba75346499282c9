// The run-length encodings labelling tools store binary masks in, both directions, in one place
// (read by `convert`, written by the exports):
// - COCO RLE (pycocotools' maskApi.c): run lengths over the mask in column-major order, starting
//   with a run of 0s, as a list or as its compressed string (each count, after the first three less
//   the count two before it, in 5-bit groups with a continuation bit and a sign bit, ASCII 48+);
// - Label Studio's brush RLE: @thi.ng/rle-pack over the RGBA bytes of the mask image, the mask in
//   alpha (as Label Studio's front end encodes it and its converter decodes it).
// Masks here are row-major bytes, 1 = inside.
import { checkedLabelMap } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { decodeBinary, encodeBinary } from '@thi.ng/rle-pack';

export interface CocoRle { size: [number, number]; counts: number[] | string }

/** Run lengths (column-major, 0s first) of a row-major mask [h, w]. */
export function maskToCounts(mask: Uint8Array, h: number, w: number): number[] {
  const counts: number[] = [];
  let value = 0, run = 0;
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) {
    const v = mask[y * w + x] ? 1 : 0;
    if (v !== value) { counts.push(run); run = 0; value = v; }
    run++;
  }
  counts.push(run);
  return counts;
}

/** The row-major mask [h, w] of column-major run lengths; null when they do not add up to h x w. */
export function countsToMask(counts: number[], h: number, w: number): Uint8Array | null {
  // The runs must cover h x w exactly: checked before the mask is allocated (a stated size may be huge).
  if (!Array.isArray(counts)) return null;
  let total = 0;
  for (const n of counts) { if (!(n >= 0) || !Number.isInteger(n)) return null; total += n; }
  if (total !== h * w) return null;
  const mask = new Uint8Array(h * w);
  let i = 0;
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k];
    if (!(n >= 0) || !Number.isInteger(n) || i + n > h * w) return null;
    if (k % 2) for (let j = i; j < i + n; j++) mask[(j % h) * w + Math.floor(j / h)] = 1;
    i += n;
  }
  return i === h * w ? mask : null;
}

/** pycocotools' rleToString. */
export function countsToString(counts: number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i] - (i > 2 ? counts[i - 2] : 0);
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x = Math.floor(x / 32); // an arithmetic shift that also holds beyond 32 bits
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** pycocotools' rleFrString; null for a character outside its alphabet. */
export function stringToCounts(s: string): number[] | null {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0, k = 0, more = true;
    while (more) {
      if (p >= s.length) return null;
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) return null;
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++; k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** A COCO RLE (either form) as a row-major mask; null when it is not a valid one for its size. */
export function decodeCocoRle(rle: CocoRle): Uint8Array | null {
  expectArgs('decodeCocoRle', [['rle', rle, 'object']]);
  expectArgs('decodeCocoRle', [['rle.size', rle.size, 'array']]);
  const [h, w] = rle.size;
  const counts = typeof rle.counts === 'string' ? stringToCounts(rle.counts) : rle.counts;
  return counts ? countsToMask(counts, h, w) : null;
}

/** A row-major mask as COCO's compressed RLE, as pycocotools' mask.encode writes it. */
export function encodeCocoRle(mask: Uint8Array, h: number, w: number): { size: [number, number]; counts: string } {
  checkedLabelMap(mask, w, h, 'mask');
  return { size: [h, w], counts: countsToString(maskToCounts(mask, h, w)) };
}

/** Label Studio brush RLE of a row-major mask [h, w]: RGBA with the mask in alpha (255 inside). */
export function encodeBrushRle(mask: Uint8Array, h: number, w: number): number[] {
  checkedLabelMap(mask, w, h, 'mask');
  const rgba = new Uint8Array(h * w * 4);
  for (let i = 0; i < h * w; i++) if (mask[i]) rgba.fill(255, i * 4, i * 4 + 4);
  return Array.from(encodeBinary(rgba, rgba.length));
}

/** A Label Studio brush RLE as a row-major mask [h, w] (alpha >= 128 inside); null when it does not hold h x w RGBA pixels. */
export function decodeBrushRle(rle: number[], h: number, w: number): Uint8Array | null {
  let rgba: ArrayLike<number>;
  try { rgba = decodeBinary(Uint8Array.from(rle)); } catch { return null; }
  if (rgba.length !== h * w * 4) return null;
  const mask = new Uint8Array(h * w);
  for (let i = 0; i < h * w; i++) mask[i] = rgba[i * 4 + 3] >= 128 ? 1 : 0;
  return mask;
}
