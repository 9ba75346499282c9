// Fast indexed label-map PNGs: libpng (through sharp) compresses the indices as an 8-bit grey
// image, whose pixel stream is byte-for-byte that of an 8-bit palette image; we then set IHDR's
// colour type to 3 (palette) and insert the PLTE chunk. Faster than fast-png's JS encoder.
import sharp from 'sharp';
import type { Rgb } from '../data/classes.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; }
  return t;
})();
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Whether the first 26 bytes of a file are those of an indexed (palette) PNG, as label maps are written. */
export function isIndexedPngHead(head: Uint8Array): boolean {
  // Signature (8) + IHDR chunk: colour type is byte 8 + 8 + 9 = 25 (3: indexed).
  return head.length >= 26 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47 && head[12] === 0x49 && head[13] === 0x48 && head[25] === 3;
}

export async function encodeLabelPngFast(labels: Uint8Array, width: number, height: number, palette: Rgb[]): Promise<Uint8Array> {
  const grey = new Uint8Array(await sharp(labels, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 1, palette: false }).toBuffer());
  // Signature (8) + IHDR chunk (25): colour type is byte 8 + 8 + 9 = 25.
  if (grey[12] !== 0x49 || grey[13] !== 0x48 || grey[24] !== 8 || grey[25] !== 0) throw new Error('unexpected PNG layout from libpng');
  let maxLabel = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
  const n = Math.max(palette.length, maxLabel + 1);
  const plte = new Uint8Array(3 * Math.min(256, n));
  for (let i = 0; i < plte.length / 3; i++) { const c = palette[i] ?? [0, 0, 0]; plte.set([c[0], c[1], c[2]], 3 * i); }
  const ihdr = grey.slice(8, 33);
  ihdr[8 + 9] = 3;
  new DataView(ihdr.buffer).setUint32(21, crc32(ihdr.subarray(4, 21)));
  const rest = grey.subarray(33);
  // Ancillary chunks libpng wrote after IHDR (pHYs) stay valid before or after PLTE.
  const plteChunk = chunk('PLTE', plte);
  const out = new Uint8Array(8 + ihdr.length + plteChunk.length + rest.length);
  out.set(grey.subarray(0, 8), 0);
  out.set(ihdr, 8);
  out.set(plteChunk, 33);
  out.set(rest, 33 + plteChunk.length);
  return out;
}
