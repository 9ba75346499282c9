// The image files pixelwise reads (sharp decodes them; bmp.ts the BMPs), by extension: what folders
// are listed for, and the words errors use (no decoder import: command definitions read this).
// A GIF is read as its first frame (an animation is a video: `pixelwise video` reads it).
export const IMAGE_EXTS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.avif', '.gif'];
export const IMAGE_KINDS = 'jpg/png/bmp/webp/tiff/avif/gif';
/** Photos that sharp's prebuilt libvips cannot decode (it has no HEVC decoder): named, not passed over. */
export const UNREADABLE_PHOTO_EXTS = ['.heic', '.heif'];
