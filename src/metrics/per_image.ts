// Each image's own confusion matrix, kept sparse (only the (truth, prediction) pairs that occur),
// so that per-image scores and bootstrap resamples need no second pass over the pixels.
import { ConfusionMatrix, checkSamePixels, type ConfusionOptions, type Scores } from './confusion.js';
import { expectArgs } from '../util/call_options.js';

export interface ImageConfusion {
  id: string;
  /** Cells g * k + p that are non-zero, and their pixel counts. */
  cells: Int32Array;
  counts: Float64Array;
}

/** Counts one image's pairs into a sparse matrix (`scratch`: a zeroed k x k buffer, left zeroed). */
export function imageConfusion(id: string, pred: ArrayLike<number>, gt: ArrayLike<number>, k: number, o: ConfusionOptions, scratch: Float64Array): ImageConfusion {
  expectArgs('imageConfusion', [['o', o, 'object']]);
  checkSamePixels(pred, gt, `ground truth in ${id}`);
  const ign = o.ignoreIndex ?? -1;
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i];
    if (g === ign || g >= k) continue;
    const p = pred[i];
    if (p < k) scratch[g * k + p]++;
  }
  const cells: number[] = [], counts: number[] = [];
  for (let j = 0; j < scratch.length; j++) if (scratch[j]) { cells.push(j); counts.push(scratch[j]); scratch[j] = 0; }
  return { id, cells: Int32Array.from(cells), counts: Float64Array.from(counts) };
}

/** The matrix of images `weights[i]` times each (a bootstrap resample), or all once. */
export function sumConfusions(images: ImageConfusion[], k: number, o: ConfusionOptions, weights?: ArrayLike<number>): ConfusionMatrix {
  expectArgs('sumConfusions', [['images', images, 'array'], ['o', o, 'object']]);
  const cm = new ConfusionMatrix(k, o);
  images.forEach((im, i) => {
    const w = weights ? weights[i] : 1;
    if (!w) return;
    for (let j = 0; j < im.cells.length; j++) cm.counts[im.cells[j]] += w * im.counts[j];
  });
  return cm;
}

export interface ImageScore { id: string; mIoU: number; pixelAccuracy: number; pixels: number }

/** An image's mIoU (over the classes in its truth or prediction) and pixel accuracy. */
export function imageScore(im: ImageConfusion, k: number, o: ConfusionOptions): ImageScore {
  expectArgs('imageScore', [['im', im, 'object'], ['o', o, 'object']]);
  const s: Scores = sumConfusions([im], k, o).scores();
  return { id: im.id, mIoU: s.mIoU, pixelAccuracy: s.pixelAccuracy, pixels: s.pixels };
}
