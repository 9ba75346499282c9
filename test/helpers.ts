// Fixtures the tests generate: temp folders, small images and masks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import zlib from 'node:zlib';
import { encode } from 'fast-png';

export function tempDir(prefix = 'pw-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function writeRgb(file: string, data: Uint8Array, width: number, height: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(data, { raw: { width, height, channels: 3 } }).toFile(file);
}

export function writeGreyPng(file: string, data: Uint8Array, width: number, height: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encode({ width, height, data, depth: 8, channels: 1 }));
}

export function writeRgbPng(file: string, data: Uint8Array, width: number, height: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encode({ width, height, data, depth: 8, channels: 3 }));
}

/** A PNG whose header claims w x h, with 100 bytes of pixel data behind it (sharp reads the header). */
export function pngClaiming(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(100))), chunk('IEND', Buffer.alloc(0))]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * A 1-, 2- or 4-bit PNG written byte by byte from the PNG specification (rows start on a byte,
 * leftmost pixel in the most significant bits): grey, or palette indices with `palette`.
 */
export function lowBitPng(values: ArrayLike<number>, width: number, height: number, depth: 1 | 2 | 4, palette?: [number, number, number][]): Buffer {
  const rowBytes = Math.ceil((width * depth) / 8);
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      raw[y * (rowBytes + 1) + 1 + (bit >> 3)] |= values[y * width + x] << (8 - depth - (bit & 7));
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = depth; ihdr[9] = palette ? 3 : 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), pngChunk('IHDR', ihdr),
    ...(palette ? [pngChunk('PLTE', Buffer.from(palette.flat()))] : []), pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

/**
 * A BMP written byte by byte from the format's definition (BITMAPINFOHEADER, rows padded to 4
 * bytes, bottom-up unless `topDown`): `bpp` 1/4/8 with a palette (values are indices), or 24 (RGB
 * values, stored BGR).
 */
export function bmpFile(values: ArrayLike<number>, width: number, height: number, bpp: 1 | 4 | 8 | 24, palette?: [number, number, number][], topDown = false): Buffer {
  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  const pal = Buffer.alloc((palette?.length ?? 0) * 4);
  palette?.forEach(([r, g, b], i) => { pal[i * 4] = b; pal[i * 4 + 1] = g; pal[i * 4 + 2] = r; });
  const px = Buffer.alloc(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const row = (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      if (bpp === 24) { for (let c = 0; c < 3; c++) px[row + x * 3 + 2 - c] = values[(y * width + x) * 3 + c]; continue; }
      const bit = x * bpp;
      px[row + (bit >> 3)] |= values[y * width + x] << (8 - bpp - (bit & 7));
    }
  }
  const off = 14 + 40 + pal.length;
  const b = Buffer.alloc(off + px.length);
  b.write('BM', 0, 'latin1'); b.writeUInt32LE(b.length, 2); b.writeUInt32LE(off, 10);
  b.writeUInt32LE(40, 14); b.writeInt32LE(width, 18); b.writeInt32LE(topDown ? -height : height, 22);
  b.writeUInt16LE(1, 26); b.writeUInt16LE(bpp, 28); b.writeUInt32LE(px.length, 34); b.writeUInt32LE(palette?.length ?? 0, 46);
  pal.copy(b, 54); px.copy(b, off);
  return b;
}

/** A mask stored 1 bit a pixel, row-major, most significant bit first, base64 (the reference fixtures), as 0/1 bytes. */
export function unpackBits(base64: string, pixels: number): Uint8Array {
  const bits = Buffer.from(base64, 'base64');
  return Uint8Array.from({ length: pixels }, (_, i) => (bits[i >> 3] >> (7 - (i & 7))) & 1);
}

/**
 * A bilinear resize of c planes (CHW) from h x w to H x W with half-pixel centres clamped at the
 * edges (PyTorch's align_corners=False, ONNX's half_pixel), in double precision: the references of
 * the tests of scores resized back.
 */
export function bilinearChw(x: ArrayLike<number>, c: number, h: number, w: number, H: number, W: number): Float64Array {
  const out = new Float64Array(c * H * W);
  const tap = (o: number, n: number, N: number) => { const f = Math.max(0, (o + 0.5) * (n / N) - 0.5), i0 = Math.min(n - 1, Math.floor(f)); return [i0, Math.min(n - 1, i0 + 1), f - i0] as const; };
  for (let k = 0; k < c; k++) for (let y = 0; y < H; y++) {
    const [y0, y1, fy] = tap(y, h, H);
    for (let xx = 0; xx < W; xx++) {
      const [x0, x1, fx] = tap(xx, w, W), at = (yy: number, xq: number) => x[(k * h + yy) * w + xq];
      out[(k * H + y) * W + xx] = (at(y0, x0) * (1 - fx) + at(y0, x1) * fx) * (1 - fy) + (at(y1, x0) * (1 - fx) + at(y1, x1) * fx) * fy;
    }
  }
  return out;
}
