// Temporal smoothing wraps a segmenter: each image's class scores are mixed with the previous
// images' (an exponential average), in the order of the calls, for a stream of frames of one scene.
// Calls may overlap (batches in flight); their averages are still taken in call order.
import type { PixelImage } from '../data/pixels.js';
import { labelsFromScores } from './label_map.js';
import type { CallOptions, Scored, Segmenter } from './segmenter.js';
import { argumentError } from '../util/errors.js';

/** `smooth`: the weight of the past, 0 (off) to below 1. */
export function withSmoothing(inner: Segmenter, smooth: number): Segmenter {
  if (!(smooth >= 0 && smooth < 1)) throw argumentError('smooth', smooth, 'must be at least 0 and below 1');
  if (smooth === 0) return inner;
  const C = inner.card.model.numClasses;
  let ema: Float32Array | null = null;
  let previous: Promise<unknown> = Promise.resolve();
  const scored = (imgs: PixelImage[], o?: CallOptions): Promise<Scored[]> => {
    const run = inner.scoresBatch(imgs, o);
    const mixed = previous.then(() => run).then((out) => out.map((r) => {
      // Into the fresh scores (an earlier result keeps its own array): a frame of another size starts over.
      const s = r.scores;
      if (ema && ema.length === s.length) for (let k = 0; k < s.length; k++) s[k] = smooth * ema[k] + (1 - smooth) * s[k];
      ema = s;
      return { scores: s, labels: labelsFromScores(s, C, inner.threshold) };
    }));
    previous = mixed.catch(() => {});
    return mixed;
  };
  return {
    runtime: inner.runtime, card: inner.card, threshold: inner.threshold,
    predictBatch: async (imgs, o) => (await scored(imgs, o)).map((r) => r.labels),
    scoresBatch: scored,
    dispose: () => inner.dispose(),
  };
}
