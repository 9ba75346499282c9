// A class's confidence mask as a picture: MediaPipe's convention, one 8-bit grey PNG, 255 = certain.
import { encode } from 'fast-png';

/** An 8-bit grey PNG of per-pixel probabilities (0..1, row-major, width x height): 0 -> 0, 1 -> 255. */
export function probabilityPng(p: Float32Array, width: number, height: number): Uint8Array {
  if (p.length !== width * height) throw new RangeError(`probabilityPng: ${p.length} values for ${width}x${height}`);
  const grey = Uint8Array.from(p, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
  return encode({ width, height, data: grey, depth: 8, channels: 1 });
}
