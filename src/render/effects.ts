// Background effects in Node: the backdrop drawn with sharp (blur, cover resize); the rest of the
// compositing is compose.ts's, shared with the browser module.
import sharp from 'sharp';
import type { RgbImage } from '../data/image_io.js';
import { greyscale, solidColour, type Effect } from './compose.js';

/** The picture that replaces the background, at the photo's size. */
export async function backdrop(photo: RgbImage, e: Effect): Promise<RgbImage> {
  const { width, height } = photo;
  const raw = { raw: { width, height, channels: 3 as const } };
  if ('blur' in e) {
    const data = await sharp(photo.data, raw).blur(e.blur).raw().toBuffer();
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
  }
  if ('color' in e) return solidColour(width, height, e.color);
  if ('image' in e) {
    // Cover the frame (scale to fill, centre crop), as a desktop wallpaper does.
    const im = e.image;
    const data = await sharp(im.data, { raw: { width: im.width, height: im.height, channels: 3 } }).resize(width, height, { fit: 'cover' }).raw().toBuffer();
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
  }
  return greyscale(photo);
}

