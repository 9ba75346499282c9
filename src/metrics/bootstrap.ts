// Bootstrap confidence intervals over images: resample the images with replacement (seeded), sum
// their confusion matrices, score; the 2.5th and 97.5th percentiles of the scores are the 95%
// interval. Pixels within an image are not independent, images are: the image is the unit. A paired
// bootstrap of two models draws the same images for both, so their difference keeps its pairing.
import type { ConfusionOptions, Scores } from './confusion.js';
import { sumConfusions, type ImageConfusion } from './per_image.js';
import { Rng } from '../util/random.js';
import { UserError, argumentError } from '../util/errors.js';

export interface Interval { low: number; high: number }
export interface BootstrapResult { mIoU: Interval; pixelAccuracy: Interval; perClass: (Interval | null)[]; resamples: number; seed: number }

/** numpy's default (linear) percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (!n) return NaN;
  const pos = (q / 100) * (n - 1), lo = Math.floor(pos), hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Multiplicities of n images in one resample (n draws with replacement). */
export function resampleWeights(rng: Rng, n: number): Uint32Array {
  const w = new Uint32Array(n);
  for (let i = 0; i < n; i++) w[rng.int(n)]++;
  return w;
}

const interval = (values: number[]): Interval => {
  const s = Float64Array.from(values).sort();
  return { low: percentile(s, 2.5), high: percentile(s, 97.5) };
};

/** Scores of B resamples: `each` gets every resample's weights (the same draws for every caller with the same seed). */
export function forEachResample(n: number, resamples: number, seed: number, each: (w: Uint32Array) => void): void {
  // No images, or no resamples, gave intervals of [0, 0] as if measured.
  if (!(n >= 1)) throw new UserError('images: none to resample; score at least one image', 2, 'images');
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw argumentError('resamples', resamples, 'expected a whole number of resamples, 1 or more');
  const rng = new Rng(seed);
  for (let b = 0; b < resamples; b++) each(resampleWeights(rng, n));
}

/** 95% intervals of mIoU, pixel accuracy and every scored class's IoU. */
export function bootstrapScores(images: ImageConfusion[], k: number, o: ConfusionOptions, resamples = 1000, seed = 1): BootstrapResult {
  const m: number[] = [], pa: number[] = [];
  const per: number[][] = sumConfusions(images, k, o).scores().perClass.map(() => []);
  forEachResample(images.length, resamples, seed, (w) => {
    const s = sumConfusions(images, k, o, w).scores();
    m.push(s.mIoU); pa.push(s.pixelAccuracy);
    s.perClass.forEach((c, i) => { if (c.iou != null) per[i].push(c.iou); });
  });
  return { mIoU: interval(m), pixelAccuracy: interval(pa), perClass: per.map((v) => (v.length ? interval(v) : null)), resamples, seed };
}

export interface PairedResult {
  /** B - A: mIoU and per class, with 95% intervals. */
  mIoU: { diff: number } & Interval;
  perClass: ({ diff: number } & Interval | null)[];
  /** Share of resamples in which B's mIoU is above A's. */
  bBetter: number;
  resamples: number; seed: number;
}

/** Paired bootstrap of any score of weighted images (the same draws for A and B): B - A and its 95% interval. */
export function pairedScoreBootstrap(n: number, score: (model: 'a' | 'b', weights?: Uint32Array) => number, resamples = 1000, seed = 1): { diff: number } & Interval {
  const d: number[] = [];
  forEachResample(n, resamples, seed, (w) => { d.push(score('b', w) - score('a', w)); });
  return { diff: score('b') - score('a'), ...interval(d) };
}

/** Paired bootstrap of model B against model A on the same images (aligned arrays). */
export function pairedBootstrap(a: ImageConfusion[], b: ImageConfusion[], k: number, o: ConfusionOptions, resamples = 1000, seed = 1): PairedResult {
  if (a?.length !== b?.length) throw new UserError(`b: ${b?.length} images against ${a?.length} for a; a paired bootstrap scores both models on the same images`, 2, 'b');
  const full = (x: ImageConfusion[]) => sumConfusions(x, k, o).scores();
  const [sa, sb] = [full(a), full(b)];
  const d: number[] = [];
  const perD: number[][] = sa.perClass.map(() => []);
  let better = 0;
  forEachResample(a.length, resamples, seed, (w) => {
    const [ra, rb]: Scores[] = [sumConfusions(a, k, o, w).scores(), sumConfusions(b, k, o, w).scores()];
    d.push(rb.mIoU - ra.mIoU);
    if (rb.mIoU > ra.mIoU) better++;
    ra.perClass.forEach((c, i) => { const cb = rb.perClass[i]; if (c.iou != null && cb.iou != null) perD[i].push(cb.iou - c.iou); });
  });
  return {
    mIoU: { diff: sb.mIoU - sa.mIoU, ...interval(d) },
    perClass: sa.perClass.map((c, i) => (c.iou != null && sb.perClass[i].iou != null && perD[i].length ? { diff: sb.perClass[i].iou! - c.iou!, ...interval(perD[i]) } : null)),
    bBetter: better / resamples, resamples, seed,
  };
}
