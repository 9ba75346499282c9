// Images as the pipeline takes them, with no Node imports (the browser module uses this too): 8-bit
// RGB (the common case, with its fast paths) or any number of bands of 8-bit, 16-bit or float
// samples. An image with no `channels` is 8-bit RGB.
import type { RgbImage } from './image_io.js';
import { UserError } from '../util/errors.js';

export type SampleType = 'uint8' | 'uint16' | 'float32';
export const SAMPLE_TYPES: SampleType[] = ['uint8', 'uint16', 'float32'];
export type Samples = Uint8Array | Uint16Array | Float32Array;

/** The value a sample type's full scale maps to 1 (floats are taken as they are). */
export const SAMPLE_MAX: Record<SampleType, number> = { uint8: 255, uint16: 65535, float32: 1 };

/** Pixel-interleaved samples, `channels` per pixel (3 when absent), row-major. */
export interface PixelImage { data: Samples; width: number; height: number; channels?: number; sampleType?: SampleType }

export const channelsOf = (im: PixelImage): number => im.channels ?? 3;

export function sampleTypeOf(im: PixelImage | Samples): SampleType {
  const d = ArrayBuffer.isView(im) ? im : im.data;
  return d instanceof Uint16Array ? 'uint16' : d instanceof Float32Array ? 'float32' : 'uint8';
}

/** Whether an image is 8-bit RGB (the 8-bit filters, lookup tables and overlays apply as they are). */
export function isRgb8(im: PixelImage): im is RgbImage {
  return channelsOf(im) === 3 && im.data instanceof Uint8Array;
}

/**
 * Raw 8-bit pixels as a caller gave them (Node's and the browser's segment()) as RGB: RGB as it is,
 * RGBA (an ImageData's layout, as canvas libraries give it) without its alpha, as decoding drops a
 * file's; anything else refused in one line.
 */
export function checkedRgb8(im: { data?: unknown; width?: unknown; height?: unknown; channels?: unknown }): RgbImage {
  const { data, width, height, channels } = im as { data?: unknown; width: number; height: number; channels?: number };
  const bytes = data instanceof Uint8Array || data instanceof Uint8ClampedArray ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
  const n = width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height) ? width * height : NaN;
  if (bytes && bytes.length === n * 3 && (channels ?? 3) === 3) return { data: bytes, width, height };
  if (bytes && bytes.length === n * 4 && (channels ?? 4) === 4) {
    const rgb = new Uint8Array(n * 3);
    for (let p = 0; p < n; p++) { rgb[p * 3] = bytes[p * 4]; rgb[p * 3 + 1] = bytes[p * 4 + 1]; rgb[p * 3 + 2] = bytes[p * 4 + 2]; }
    return { data: rgb, width, height };
  }
  throw new UserError(`raw image: expected { data: Uint8Array of width*height*3 RGB (or *4 RGBA) bytes, width, height }, got ${(data as { length?: number } | undefined)?.length} bytes for ${width}x${height}`, 2, 'image');
}

/** A zeroed sample array of the same type as `like`. */
export function samplesLike(like: Samples, length: number): Samples {
  return like instanceof Uint16Array ? new Uint16Array(length) : like instanceof Float32Array ? new Float32Array(length) : new Uint8Array(length);
}

/** The same image with other samples (size and bands kept or given). */
export function withSamples(im: PixelImage, data: Samples, width = im.width, height = im.height): PixelImage {
  return im.channels == null ? { data, width, height } : { data, width, height, channels: im.channels, sampleType: im.sampleType ?? sampleTypeOf(data) };
}

/**
 * Bilinear resize (half-pixel centres, edge clamped) of any bands and sample type; integer samples
 * are rounded. For images other than 8-bit RGB, whose filters (Pillow's, sharp's) are 8-bit RGB.
 */
export function resizeSamples(im: PixelImage, width: number, height: number): PixelImage {
  const { width: w, height: h } = im, c = channelsOf(im);
  if (w === width && h === height) return im;
  const out = samplesLike(im.data, width * height * c), src = im.data;
  const round = out instanceof Float32Array ? 0 : 0.5;
  const max = out instanceof Uint16Array ? 65535 : out instanceof Uint8Array ? 255 : Infinity;
  const sx = w / width, sy = h / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5)), y0 = Math.floor(fy), y1 = Math.min(h - 1, y0 + 1), ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5)), x0 = Math.floor(fx), x1 = Math.min(w - 1, x0 + 1), tx = fx - x0;
      const a = (y0 * w + x0) * c, b = (y0 * w + x1) * c, d = (y1 * w + x0) * c, e = (y1 * w + x1) * c, o = (y * width + x) * c;
      for (let k = 0; k < c; k++) {
        const v = (src[a + k] * (1 - tx) + src[b + k] * tx) * (1 - ty) + (src[d + k] * (1 - tx) + src[e + k] * tx) * ty + round;
        out[o + k] = v > max ? max : v;
      }
    }
  }
  return withSamples(im, out, width, height);
}
