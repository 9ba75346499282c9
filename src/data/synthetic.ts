// A small synthetic segmentation dataset (for the demo and tests): noisy backgrounds with
// discs, boxes and stripes, each class with its own hue range and shape, written as PNG images
// and index masks. Deterministic from a seed.
import path from 'node:path';
import sharp from 'sharp';
import { encodeLabelPng } from './mask_io.js';
import type { ClassInfo } from './classes.js';
import { Rng } from '../util/random.js';
import { makeDir, writeFileAtomic } from '../util/fs.js';

export const SYNTHETIC_CLASSES: ClassInfo[] = [
  { name: 'background', color: [20, 20, 20] },
  { name: 'disc', color: [230, 60, 60] },
  { name: 'box', color: [60, 200, 80] },
  { name: 'stripe', color: [70, 110, 240] },
];

export interface SyntheticSample { image: Uint8Array; mask: Uint8Array; width: number; height: number }

export function syntheticSample(rng: Rng, width: number, height: number): SyntheticSample {
  const image = new Uint8Array(width * height * 3);
  const mask = new Uint8Array(width * height);
  const bg = [rng.uniform(60, 160), rng.uniform(60, 160), rng.uniform(60, 160)];
  for (let i = 0; i < width * height; i++) for (let k = 0; k < 3; k++) image[i * 3 + k] = bg[k] + rng.uniform(-25, 25);
  const paint = (cls: number, inside: (x: number, y: number) => boolean, col: number[]) => {
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      if (!inside(x, y)) continue;
      const i = y * width + x;
      mask[i] = cls;
      for (let k = 0; k < 3; k++) image[i * 3 + k] = Math.max(0, Math.min(255, col[k] + rng.uniform(-20, 20)));
    }
  };
  const tint = (c: number[]) => c.map((v) => v + rng.uniform(-30, 30));
  const n = 2 + rng.int(3);
  for (let s = 0; s < n; s++) {
    const cls = 1 + rng.int(3);
    const cx = rng.uniform(0, width), cy = rng.uniform(0, height);
    const r = rng.uniform(0.08, 0.2) * Math.min(width, height);
    const col = tint(SYNTHETIC_CLASSES[cls].color);
    if (cls === 1) paint(1, (x, y) => (x - cx) ** 2 + (y - cy) ** 2 < r * r, col);
    else if (cls === 2) paint(2, (x, y) => Math.abs(x - cx) < r && Math.abs(y - cy) < r * 0.8, col);
    else {
      const a = rng.uniform(0, Math.PI), c = Math.cos(a), sn = Math.sin(a);
      paint(3, (x, y) => Math.abs((x - cx) * sn - (y - cy) * c) < r * 0.25, col);
    }
  }
  return { image, mask, width, height };
}

/** Writes `count` samples to DIR/images and DIR/masks; returns the two folders. */
export async function writeSyntheticDataset(dir: string, count: number, width: number, height: number, seed = 1): Promise<{ images: string; masks: string }> {
  const images = path.join(dir, 'images'), masks = path.join(dir, 'masks');
  makeDir(images);
  makeDir(masks);
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) {
    const s = syntheticSample(rng, width, height);
    const name = `sample_${String(i).padStart(3, '0')}`;
    writeFileAtomic(path.join(images, `${name}.png`), await sharp(s.image, { raw: { width, height, channels: 3 } }).png().toBuffer());
    writeFileAtomic(path.join(masks, `${name}.png`), encodeLabelPng(s.mask, width, height, SYNTHETIC_CLASSES.map((c) => c.color)));
  }
  return { images, masks };
}
