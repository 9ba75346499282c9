// `evaluate --worst K`: the K images the model scored worst on (per-image mIoU), each as image |
// truth | prediction | errors, stacked into one contact sheet: where to look first.
import { loadSamples, type DatasetSpec } from '../../data/dataset.js';
import { readCheckedMask } from '../../data/loader.js';
import { readModelInput } from '../../data/raster.js';
import { displayRgb } from '../../data/display_bands.js';
import type { Rgb } from '../../data/classes.js';
import type { RgbImage } from '../../data/image_io.js';
import { imageScore, type ImageConfusion } from '../../metrics/per_image.js';
import type { ConfusionOptions } from '../../metrics/confusion.js';
import type { ClassMapping } from '../../metrics/class_map.js';
import type { Segmenter } from '../../inference/segmenter.js';
import { colorize } from '../../render/colorize.js';
import { overviewJpeg, stackJpeg } from '../../render/overview.js';
import { writeFileAtomic } from '../../util/fs.js';

const ERROR: Rgb = [255, 0, 0];

/** The image darkened, the pixels the prediction gets wrong in red (pixels not scored left dark). */
export function errorImage(img: RgbImage, pred: Uint8Array, truth: Uint8Array, scored: (t: number) => boolean): RgbImage {
  const data = new Uint8Array(img.data.length);
  for (let p = 0; p < truth.length; p++) {
    if (scored(truth[p]) && pred[p] !== truth[p]) data.set(ERROR, p * 3);
    else for (let k = 0; k < 3; k++) data[p * 3 + k] = Math.round(img.data[p * 3 + k] * 0.35);
  }
  return { data, width: img.width, height: img.height };
}

/**
 * Writes the sheet of the `count` lowest-scoring images to `file`; returns them (id, mIoU). With a
 * class map, truth and prediction are drawn in the map's classes (`palette` then colours those).
 */
export async function writeWorstSheet(file: string, images: ImageConfusion[], k: number, cmOpts: ConfusionOptions, count: number, spec: DatasetSpec,
  palette: Rgb[], seg: Segmenter, map?: ClassMapping): Promise<{ id: string; mIoU: number }[]> {
  const worst = images.map((im) => imageScore(im, k, cmOpts)).filter((s) => s.pixels > 0).sort((a, b) => a.mIoU - b.mIoU).slice(0, count);
  const byId = new Map(loadSamples(spec).map((s) => [s.id, s]));
  const unscored = new Set(cmOpts.unscored ?? []);
  const scored = (t: number) => t < k && t !== cmOpts.ignoreIndex && !unscored.has(t);
  const strips: Buffer[] = [];
  for (const w of worst) {
    const s = byId.get(w.id)!;
    const input = await readModelInput(s.image, seg.card.input), img = displayRgb(input);
    let truth = readCheckedMask(s.mask!, spec, img), [pred] = await seg.predictBatch([input]);
    if (map) { truth = truth.map((t) => map.truth[t]); pred = pred.map((p) => map.pred[p]); }
    strips.push(await overviewJpeg([
      { image: img, caption: `${w.id}: mIoU ${(100 * w.mIoU).toFixed(1)}` },
      { image: colorize(truth, img.width, img.height, palette), caption: 'truth' },
      { image: colorize(pred, img.width, img.height, palette), caption: 'prediction' },
      { image: errorImage(img, pred, truth, scored), caption: 'errors (red)' },
    ], 140));
  }
  if (strips.length) writeFileAtomic(file, await stackJpeg(strips));
  return worst.map((w) => ({ id: w.id, mIoU: w.mIoU }));
}
