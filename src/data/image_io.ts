// Decoding photos to 8-bit RGB (sharp: every common format, EXIF orientation applied) and
// resizing raw RGB buffers. Embedded ICC profiles are ignored, as Pillow and OpenCV ignore them:
// the pixel values are what models trained with those libraries saw (an imported ESPNetv2 labels
// a photo with a "Display" profile 18% differently when its colours are converted first).
import fs from 'node:fs';
import sharp from 'sharp';
import { decodeBmp, isBmp } from './bmp.js';
import { UserError } from '../util/errors.js';
import { readFailure } from '../util/fs.js';
import { IMAGE_KINDS } from './image_exts.js';

export { IMAGE_EXTS, IMAGE_KINDS } from './image_exts.js';

export interface RgbImage { data: Uint8Array; width: number; height: number }

/** libvips (sharp) has no BMP decoder: BMP files are decoded by bmp.ts and handed over as RGB. */
function openImage(file: string): ReturnType<typeof sharp> {
  const fd = fs.openSync(file, 'r');
  const magic = Buffer.alloc(2);
  try { fs.readSync(fd, magic, 0, 2, 0); } finally { fs.closeSync(fd); }
  if (!isBmp(magic)) return sharp(file, { failOn: 'error', ignoreIcc: true });
  const bmp = decodeBmp(fs.readFileSync(file));
  return sharp(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: 3 } });
}

/** The decoder's reason, its first line; libvips says "Unknown error" for some damaged files. */
export function decoderWords(e: unknown): string {
  const first = ((e as Error)?.message ?? String(e)).split('\n')[0].trim();
  return !first || /^unknown error$/i.test(first) ? 'the file is damaged or not an image' : first;
}

export async function readImage(file: string): Promise<RgbImage> {
  try {
    const { data, info } = await openImage(file).rotate().removeAlpha()
      .toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (e) {
    throw readFailure(file, 'image', e) ?? new UserError(`${file}: cannot read image (${decoderWords(e)}); check the file is a valid ${IMAGE_KINDS}`);
  }
}

/** An encoded image (any format sharp reads, and BMP as readImage reads it) as 8-bit RGB; `name` is what errors call it. */
export async function decodeImageBuffer(buf: Uint8Array, name = 'image'): Promise<RgbImage> {
  try {
    if (isBmp(buf)) return decodeBmp(buf);
    const { data, info } = await sharp(buf, { ignoreIcc: true }).rotate().removeAlpha().toColourspace('srgb').raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (e) {
    throw new UserError(`${name}: cannot decode image (${decoderWords(e)})`);
  }
}

export async function resizeRgb(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (img.width === width && img.height === height) return img;
  const out = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  return { data: new Uint8Array(out.buffer, out.byteOffset, out.length), width, height };
}
