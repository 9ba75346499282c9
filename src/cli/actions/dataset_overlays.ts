// `verify --overlays DIR`: each pair drawn as its mask's colours over its image, to see at a glance
// that masks sit on their images (image-segmentation-keras's visualize_dataset), and a contact sheet.
import path from 'node:path';
import { loadSamples, type DatasetSpec } from '../../data/dataset.js';
import { readCheckedMask } from '../../data/loader.js';
import { readImage } from '../../data/image_io.js';
import type { ClassInfo } from '../../data/classes.js';
import { colorize, overlay } from '../../render/colorize.js';
import { overviewJpeg, stackJpeg } from '../../render/overview.js';
import sharp from 'sharp';
import { writeFileAtomic } from '../../util/fs.js';

/** How many pairs the contact sheet shows. */
const SHEET_PAIRS = 12;

/**
 * Writes DIR/NAME_overlay.png for every pair of `spec` (its subfolders kept), the mask's class
 * colours at `alpha` over the image, the ignore label and ids without a class left as the photo;
 * and DIR/overview.jpg, some pairs spread over the dataset, image beside overlay. Returns the number written.
 */
export async function writeDatasetOverlays(spec: DatasetSpec, classes: ClassInfo[], dir: string, alpha: number, onImage?: (done: number, total: number) => void): Promise<number> {
  const samples = loadSamples(spec), palette = classes.map((c) => c.color);
  // The contact sheet's pairs spread over the dataset (neighbours are often frames of one scene).
  const shown = new Set(Array.from({ length: Math.min(SHEET_PAIRS, samples.length) }, (_, j) => Math.floor((j * samples.length) / Math.min(SHEET_PAIRS, samples.length))));
  const strips: Buffer[] = [];
  for (const [i, s] of samples.entries()) {
    const img = await readImage(s.image);
    const mask = readCheckedMask(s.mask!, spec, img);
    const drawn = overlay(img, colorize(mask, img.width, img.height, palette), alpha);
    for (let p = 0; p < mask.length; p++) if (mask[p] >= classes.length) drawn.data.set(img.data.subarray(p * 3, p * 3 + 3), p * 3);
    const rel = path.relative(spec.images, s.image);
    writeFileAtomic(path.join(dir, path.dirname(rel), `${path.basename(rel, path.extname(rel))}_overlay.png`), await sharp(drawn.data, { raw: { width: drawn.width, height: drawn.height, channels: 3 } }).png().toBuffer());
    if (shown.has(i)) strips.push(await overviewJpeg([{ image: img, caption: rel.split(path.sep).join('/') }, { image: drawn, caption: 'mask over image' }], 160));
    onImage?.(i + 1, samples.length);
  }
  if (strips.length) writeFileAtomic(path.join(dir, 'overview.jpg'), await stackJpeg(strips));
  return samples.length;
}
