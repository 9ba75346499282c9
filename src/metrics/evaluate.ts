// Scores a model on a labelled dataset: every image predicted at its original resolution and
// compared pixel by pixel with its mask.
import { ConfusionMatrix, type ConfusionOptions } from './confusion.js';
import { readCheckedMask } from '../data/loader.js';
import type { DatasetSpec, Sample } from '../data/dataset.js';
import { readModelInput } from '../data/raster.js';
import type { PixelImage } from '../data/pixels.js';
import { refuseUnknownKeys, expectArgs } from '../util/call_options.js';
import { argumentError } from '../util/errors.js';
import { IGNORED, type ClassMapping } from './class_map.js';

export interface EvalOptions extends ConfusionOptions {
  batchSize?: number; onImage?: (done: number) => void;
  /** Each image's prediction and truth as they are scored (per-image matrices, QA, ...). */
  onPair?: (sample: Sample, pred: Uint8Array, gt: Uint8Array, size: { width: number; height: number }) => void;
  /** The model's input bands (its card's input): images are read as it takes them (default 8-bit RGB). */
  input?: { channels: number; sampleType?: PixelImage['sampleType'] };
  /**
   * Scores a model of other classes than the dataset's (classMapping): its predictions and the
   * masks are mapped into the map's classes, which the matrix (and onPair) then holds.
   */
  classMap?: ClassMapping;
}

/** Any runtime: same-size images in, label maps at their size out. */
export type BatchPredictor = (imgs: PixelImage[]) => Promise<Uint8Array[]> | Uint8Array[];

/** Every key of EvalOptions (the compiler holds this to the interface). */
const EVAL_KEYS: Record<keyof EvalOptions, true> = { ignoreIndex: true, voidIndex: true, unscored: true, batchSize: true, onImage: true, onPair: true, input: true, classMap: true };

export async function evaluateSamples(predict: BatchPredictor, samples: Sample[], spec: DatasetSpec, o: EvalOptions): Promise<ConfusionMatrix> {
  expectArgs('evaluateSamples', [['predict', predict, 'function'], ['samples', samples, 'array'], ['spec', spec, 'object'], ['o', o, 'object']]);
  refuseUnknownKeys(o, EVAL_KEYS, 'evaluateSamples()');
  const map = o.classMap;
  if (map && (o.voidIndex != null || o.unscored)) throw argumentError('classMap', 'with voidIndex or unscored', 'the class map decides what is scored; give one or the other');
  const cm = map ? new ConfusionMatrix(map.names.length, { ignoreIndex: IGNORED, unscored: map.unscored })
    : new ConfusionMatrix(spec.numClasses, { ignoreIndex: o.ignoreIndex ?? spec.ignoreIndex, voidIndex: o.voidIndex, unscored: o.unscored });
  const bs = Math.max(1, o.batchSize ?? 1);
  let done = 0;
  for (let i = 0; i < samples.length; i += bs) {
    const group = samples.slice(i, i + bs);
    const imgs = await Promise.all(group.map((s) => readModelInput(s.image, o.input ?? { channels: 3 })));
    const masks = group.map((s, j) => ({ data: readCheckedMask(s.mask!, spec, imgs[j]) }));
    // One forward pass per run of same-size images.
    let start = 0;
    while (start < imgs.length) {
      let end = start + 1;
      while (end < imgs.length && imgs[end].width === imgs[start].width && imgs[end].height === imgs[start].height) end++;
      const preds = await predict(imgs.slice(start, end));
      preds.forEach((p, j) => {
        let gt = masks[start + j].data;
        if (map) { p = mapped(p, map.pred); gt = mapped(gt, map.truth); }
        cm.add(p, gt);
        o.onPair?.(group[start + j], p, gt, imgs[start + j]);
      });
      start = end;
    }
    done += group.length;
    o.onImage?.(done);
  }
  return cm;
}

/** Each value looked up in `table` (a label map into a class map's classes). */
function mapped(labels: Uint8Array, table: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = table[labels[i]];
  return out;
}
