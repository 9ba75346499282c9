// Label maps to pictures: colour masks and overlays on the photo. No Node dependencies: the
// browser module draws with the same code (the legend, rasterised by sharp, is in legend.ts).
import type { Rgb } from '../data/classes.js';
import type { RgbImage } from '../data/image_io.js';
import { wasmBase64 } from './simd/overlay_wasm.js';
import { lazyModule, layout, reserve, type OwnMemory } from '../util/wasm_module.js';
import { UserError, argumentError, checkedLabelMap } from '../util/errors.js';

interface OverlayKernel extends OwnMemory {
  overlay(src: number, labels: number, n: number, dst: number, table: number, last: number): void;
}
const kernel = lazyModule<OverlayKernel>(wasmBase64);

/** A label map as a colour mask: each class id's colour in `palette` (black for ids it has none for). */
export function colorize(labels: Uint8Array, width: number, height: number, palette: Rgb[]): RgbImage {
  labels = checkedLabelMap(labels, width, height);
  if (!Array.isArray(palette)) throw argumentError('palette', palette, 'expected an array of [r, g, b] colours, one per class id');
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < labels.length; i++) {
    const c = palette[labels[i]] ?? [0, 0, 0];
    out[i * 3] = c[0]; out[i * 3 + 1] = c[1]; out[i * 3 + 2] = c[2];
  }
  return { data: out, width, height };
}

/** An overlay's opacity as a caller gave it: 0..1 (the command line and the server check theirs before). */
export function checkedAlpha(alpha: unknown): number {
  if (!(typeof alpha === 'number' && alpha >= 0 && alpha <= 1)) throw argumentError('alpha', alpha, 'expected an opacity from 0 to 1');
  return alpha;
}

/** Alpha-blends the colour mask over the photo (alpha = mask opacity). */
export function overlay(photo: RgbImage, mask: RgbImage, alpha: number): RgbImage {
  const a = checkedAlpha(alpha), b = 1 - a;
  const n = photo?.width * photo?.height * 3;
  if (!(photo?.data?.length === n && n > 0)) throw new UserError(`photo: expected { data: width*height*3 RGB bytes, width, height }, got ${photo?.data?.length} bytes for ${photo?.width}x${photo?.height}`, 2, 'photo');
  if (!(mask?.width === photo.width && mask?.height === photo.height && mask.data?.length === n)) throw new UserError(`mask: ${mask?.width}x${mask?.height} (${mask?.data?.length} bytes) over a ${photo.width}x${photo.height} photo; give a colour mask of the photo's size (colorize)`, 2, 'mask');
  const out = new Uint8Array(n);
  for (let i = 0; i < out.length; i++) out[i] = photo.data[i] * b + mask.data[i] * a + 0.5;
  return { data: out, width: photo.width, height: photo.height };
}

/**
 * overlay(photo, colorize(labels, ...), alpha) in one pass and without the mask image: the same
 * arithmetic, with photo·(1 - alpha) and colour·alpha looked up in tables (video frames).
 */
export function overlayLabels(photo: RgbImage, labels: Uint8Array, palette: Rgb[], alpha: number, o: { wasm?: boolean } = {}): RgbImage {
  const a = Math.min(1, Math.max(0, alpha)), b = 1 - a;
  // Every result as a table, per class and channel, of the 256 source values: one lookup per byte
  // (a fifth faster than the arithmetic per pixel on video frames; the same bytes).
  // Rows 0..classes-1 hold the palette's colours; row `classes` (labels past the palette) none.
  const classes = Math.min(palette.length, 255);
  const table = new Uint8Array((classes + 1) * 768);
  for (let k = 0; k <= classes; k++) {
    for (let c = 0; c < 3; c++) {
      const base = (k * 3 + c) * 256, ca = (palette[k]?.[c] ?? 0) * a;
      for (let v = 0; v < 256; v++) table[base + v] = v * b + ca + 0.5;
    }
  }
  const out = blendByLabel(photo.data, labels, table, classes, o);
  return { data: out, width: photo.width, height: photo.height };
}

/**
 * The lookups of overlayLabels: in WebAssembly (simd/overlay.wat, faster) where it loads, else
 * in JS. `wasm`: false for JS only; true to require WebAssembly (an Error where it cannot run).
 */
function blendByLabel(src: Uint8Array, labels: Uint8Array, table: Uint8Array, last: number, o: { wasm?: boolean }): Uint8Array {
  const k = o.wasm === false ? null : kernel.get();
  const { at: [t, l, s, d], end } = layout([table.length, labels.length, src.length, src.length]);
  if (k && reserve(k, end)) {
    const heap = new Uint8Array(k.memory.buffer);
    heap.set(table, t); heap.set(labels, l); heap.set(src, s);
    k.overlay(s, l, labels.length, d, t, last);
    return heap.slice(d, d + src.length);
  }
  if (o.wasm === true) throw new Error('WebAssembly overlay unavailable');
  const out = new Uint8Array(src.length);
  for (let i = 0, j = 0; i < labels.length; i++, j += 3) {
    const b = (labels[i] < last ? labels[i] : last) * 768;
    out[j] = table[b + src[j]];
    out[j + 1] = table[b + 256 + src[j + 1]];
    out[j + 2] = table[b + 512 + src[j + 2]];
  }
  return out;
}
