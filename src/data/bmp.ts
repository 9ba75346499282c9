// BMP decoding to RGB (libvips, and so sharp, has none). Written here because the npm decoders
// each drop a case users' datasets have: fast-bmp ignores the colour table (a palette BMP came out
// as its raw indices) and top-down rows; bmp-ts stops at the first row of an odd-width 4-bit file.
// Covered: the Windows headers (BITMAPINFOHEADER and its V4/V5 extensions), 1/4/8-bit palettes,
// 16-bit (5-5-5 or bit fields), 24-bit, 32-bit (plain or bit fields), bottom-up and top-down rows.
// Run-length-compressed files (BI_RLE4/8) are refused by name.

export interface DecodedBmp { data: Uint8Array; width: number; height: number }

const BI_RGB = 0, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6;

/** A bit field's shift and scale to 8 bits. */
function field(mask: number): (v: number) => number {
  if (!mask) return () => 0;
  let shift = 0;
  while (!((mask >>> shift) & 1)) shift++;
  const max = mask >>> shift;
  return (v) => Math.round((((v & mask) >>> shift) * 255) / max);
}

/** Whether bytes begin as a BMP file does ("BM"). */
export function isBmp(buf: Uint8Array): boolean { return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d; }

/** A BMP's size from its header, before anything is decoded; null where the header is not one. */
export function bmpSize(buf: Uint8Array): { width: number; height: number } | null {
  if (!isBmp(buf) || buf.length < 26) return null;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const width = b.readInt32LE(18), height = Math.abs(b.readInt32LE(22));
  return width > 0 && height > 0 ? { width, height } : null;
}

export function decodeBmp(buf: Uint8Array): DecodedBmp {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 26 || b.toString('latin1', 0, 2) !== 'BM') throw new Error('not a BMP file');
  const offset = b.readUInt32LE(10), headerSize = b.readUInt32LE(14);
  if (headerSize < 40) throw new Error(`BMP header of ${headerSize} bytes (OS/2 bitmaps) is not supported`);
  if (b.length < 14 + headerSize) throw new Error('truncated BMP header');
  const width = b.readInt32LE(18), rawHeight = b.readInt32LE(22), bpp = b.readUInt16LE(28), compression = b.readUInt32LE(30);
  const topDown = rawHeight < 0, height = Math.abs(rawHeight);
  if (!(width > 0 && height > 0)) throw new Error(`invalid BMP size ${width}x${rawHeight}`);
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new Error(`compressed BMP (method ${compression}: run-length or embedded JPEG/PNG) is not supported; save it uncompressed or as PNG`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new Error(`${bpp}-bit BMP is not supported`);

  let palette: Uint8Array | null = null;
  if (bpp <= 8) {
    const used = b.readUInt32LE(46) || 1 << bpp;
    const start = 14 + headerSize;
    if (start + used * 4 > offset || start + used * 4 > b.length) throw new Error('truncated BMP colour table');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < Math.min(used, 256); i++) {
      palette[i * 3] = b[start + i * 4 + 2]; palette[i * 3 + 1] = b[start + i * 4 + 1]; palette[i * 3 + 2] = b[start + i * 4];
    }
  }
  // Bit fields: in the header (V2+), or right after a 40-byte header.
  let masks: [number, number, number] | null = null;
  if (bpp === 16 || bpp === 32) {
    if (compression !== BI_RGB) {
      const at = 14 + 40;
      if (at + 12 > b.length) throw new Error('truncated BMP bit fields');
      masks = [b.readUInt32LE(at), b.readUInt32LE(at + 4), b.readUInt32LE(at + 8)];
    } else masks = bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff];
  }
  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  if (offset + rowBytes * height > b.length) throw new Error(`truncated BMP: ${width}x${height} at ${bpp} bits needs ${offset + rowBytes * height} bytes, the file has ${b.length}`);

  const out = new Uint8Array(width * height * 3);
  const [fr, fg, fb] = masks ? masks.map(field) : [null, null, null];
  for (let y = 0; y < height; y++) {
    const row = offset + (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (palette) {
        const bit = x * bpp;
        const k = (b[row + (bit >> 3)] >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        out[o] = palette[k * 3]; out[o + 1] = palette[k * 3 + 1]; out[o + 2] = palette[k * 3 + 2];
      } else if (bpp === 24) {
        const p = row + x * 3;
        out[o] = b[p + 2]; out[o + 1] = b[p + 1]; out[o + 2] = b[p];
      } else {
        const v = bpp === 16 ? b.readUInt16LE(row + x * 2) : b.readUInt32LE(row + x * 4);
        out[o] = fr!(v); out[o + 1] = fg!(v); out[o + 2] = fb!(v);
      }
    }
  }
  return { data: out, width, height };
}
