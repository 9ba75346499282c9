// Label maps with their 8-bit class probabilities from any segmenter: the soft renderers' input
// (background effects, cut-outs, confidence masks).
import { probabilities8 } from './label_map.js';
import type { PixelImage } from '../data/pixels.js';
import type { CallOptions, Probable, Segmenter } from './segmenter.js';

/**
 * Label maps and probabilities8 of the class scores at each image's size: from the segmenter's
 * probabilitiesBatch where it has one (the same values, without the full-size float scores), else
 * from scoresBatch.
 */
export async function probabilitiesOf(seg: Segmenter, imgs: PixelImage[], o?: CallOptions): Promise<Probable[]> {
  if (seg.probabilitiesBatch) return seg.probabilitiesBatch(imgs, o);
  const C = seg.card.model.numClasses;
  return (await seg.scoresBatch(imgs, o)).map((r) => ({ labels: r.labels, prob8: probabilities8(r.scores, C) }));
}
