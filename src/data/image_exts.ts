// The image files pixelwise reads (sharp decodes them; bmp.ts the BMPs), by extension: what folders
// are listed for, and the words errors use (no decoder import: command definitions read this).
// A GIF is read as its first frame (an animation is a video: `pixelwise video` reads it).
export const IMAGE_EXTS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.avif', '.gif'];
export const IMAGE_KINDS = 'jpg/png/bmp/webp/tiff/avif/gif';
/** Photos that sharp's prebuilt libvips cannot decode (it has no HEVC decoder): named, not passed over. */
export const UNREADABLE_PHOTO_EXTS = ['.heic', '.heif'];

/** The extensions an image's bytes are known by (the first is the one to write), from their signature; null: none pixelwise reads by signature. */
export function imageExtsOf(b: Uint8Array): string[] | null {
  const text = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 8 && b[0] === 0x89 && text(1, 4) === 'PNG') return ['.png'];
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return ['.jpg', '.jpeg'];
  if (b.length >= 12 && text(0, 4) === 'RIFF' && text(8, 12) === 'WEBP') return ['.webp'];
  if (b.length >= 4 && (text(0, 4) === 'II*\0' || text(0, 4) === 'MM\0*')) return ['.tif', '.tiff'];
  if (b.length >= 6 && (text(0, 6) === 'GIF87a' || text(0, 6) === 'GIF89a')) return ['.gif'];
  if (b.length >= 2 && text(0, 2) === 'BM') return ['.bmp'];
  return null;
}
