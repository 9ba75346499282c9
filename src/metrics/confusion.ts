// Confusion matrix (rows = ground truth, columns = prediction) and the standard segmentation
// scores derived from it.
import { UserError, argumentError } from '../util/errors.js';

export interface ClassScore { name: string; iou: number | null; accuracy: number | null; dice: number | null; gtPixels: number; predPixels: number }
export interface Scores {
  pixelAccuracy: number;
  meanAccuracy: number;
  mIoU: number;
  fwIoU: number;
  meanDice: number;
  perClass: ClassScore[];
  pixels: number;
  confusion: number[][];
}

export interface ConfusionOptions {
  /** Pixels with this ground truth are dropped entirely. */
  ignoreIndex?: number;
  /**
   * Pixels with this ground truth stay in the matrix (their own row), so predictions on them
   * count as false positives of the predicted class; the void class is left out of the means.
   */
  voidIndex?: number;
  /** More classes kept in the matrix but left out of the means, as the void class (a class map's classes no pair scores). */
  unscored?: number[];
}

/** A prediction checked against the truth it is scored on (`of`: what that is, and where): one class id per pixel of the same image. */
export function checkSamePixels(pred: ArrayLike<number>, truth: ArrayLike<number>, of = 'ground truth'): void {
  if (pred?.length !== truth?.length) throw new UserError(`pred: ${pred?.length} pixels against ${truth?.length} of ${of}; give label maps of the same image`, 2, 'pred');
}

export class ConfusionMatrix {
  readonly counts: Float64Array;
  /** Ground-truth pixels with a label >= numClasses that is not the ignore label (bad masks). */
  outOfRange = 0;
  constructor(readonly numClasses: number, readonly opts: ConfusionOptions = {}) {
    // Past 4096 classes the matrix alone would take over 128 MB.
    if (!(Number.isInteger(numClasses) && numClasses >= 1 && numClasses <= 4096)) throw argumentError('numClasses', numClasses, 'expected a whole number of classes, 1 to 4096');
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /** Adds one label map pair; pred and gt hold class ids for the same pixels. */
  add(pred: ArrayLike<number>, gt: ArrayLike<number>): void {
    checkSamePixels(pred, gt);
    const k = this.numClasses, c = this.counts, ign = this.opts.ignoreIndex ?? -1;
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i];
      if (g === ign) continue;
      if (g >= k) { this.outOfRange++; continue; }
      const p = pred[i];
      if (p < k) c[g * k + p]++;
    }
  }

  merge(other: ConfusionMatrix): void { for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i]; }

  scores(classNames?: string[]): Scores {
    const k = this.numClasses, c = this.counts;
    // The void class and an ignore label that is itself a class id (CamVid: 11) are not scored.
    const voidIdx = this.opts.voidIndex ?? -1, ignoreIdx = this.opts.ignoreIndex ?? -1;
    const unscored = new Set(this.opts.unscored ?? []);
    const scored = [...Array(k).keys()].filter((i) => i !== voidIdx && i !== ignoreIdx && !unscored.has(i));
    const row = new Float64Array(k), col = new Float64Array(k);
    for (let g = 0; g < k; g++) for (let p = 0; p < k; p++) { row[g] += c[g * k + p]; col[p] += c[g * k + p]; }
    let total = 0, correct = 0;
    for (const g of scored) { total += row[g]; correct += c[g * k + g]; }
    const perClass: ClassScore[] = scored.map((i) => {
      const tp = c[i * k + i];
      const union = row[i] + col[i] - tp;
      return {
        name: classNames?.[i] ?? `class ${i}`,
        iou: union > 0 ? tp / union : null,
        accuracy: row[i] > 0 ? tp / row[i] : null,
        dice: row[i] + col[i] > 0 ? (2 * tp) / (row[i] + col[i]) : null,
        gtPixels: row[i],
        predPixels: col[i],
      };
    });
    const mean = (xs: (number | null)[]) => {
      const v = xs.filter((x): x is number => x != null);
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
    };
    let fw = 0;
    perClass.forEach((s) => { if (s.iou != null && total > 0) fw += (s.gtPixels / total) * s.iou; });
    return {
      pixelAccuracy: total > 0 ? correct / total : 0,
      meanAccuracy: mean(perClass.map((s) => s.accuracy)),
      mIoU: mean(perClass.map((s) => s.iou)),
      fwIoU: fw,
      meanDice: mean(perClass.map((s) => s.dice)),
      perClass,
      pixels: total,
      confusion: [...Array(k).keys()].map((g) => Array.from(c.subarray(g * k, (g + 1) * k))),
    };
  }
}
