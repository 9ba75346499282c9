// A SegModel in hand (training, tests, benchmarks) as a segmenter: the same factory and processor as
// every loaded model, with a card made from the model and its input rule.
import type { PixelImage } from '../data/pixels.js';
import type { Normalization } from '../data/normalize.js';
import { defaultClasses } from '../data/classes.js';
import type { ClassInfo } from '../data/classes.js';
import { buildCard, type InputRule, type ModelCard } from '../models/card.js';
import type { SegModel } from '../models/seg_model.js';
import type { Network } from './network.js';
import { createSegmenter, type Segmenter, type SegmenterOptions } from './segmenter.js';
import { NODE_FILTERS } from './node_filters.js';
import { TfjsNetwork } from './tfjs_network.js';
import { expectArgs } from '../util/call_options.js';

export interface PredictOptions {
  norm: Normalization;
  /** Images resized (sharp) to [h, w] for the network, scores resized back. */
  resize?: [number, number];
  classes?: ClassInfo[];
}

/** A card for a model that has none yet (in training, tests): its spec and stride, the given input rule. */
export function cardForModel(model: SegModel, o: PredictOptions): ModelCard {
  const rule: InputRule | undefined = o.resize ? { kind: 'fixed', size: o.resize, filter: 'sharp' } : undefined;
  return buildCard({
    model: model.spec, classes: o.classes ?? defaultClasses(model.spec.numClasses),
    input: { normalization: o.norm, stride: model.stride, rule },
  });
}

/**
 * A segmenter over `network` (by default the model itself on TF.js, not disposed with the
 * segmenter) with the model's card rules; whole images, no tiling unless asked.
 */
export function modelSegmenter(model: SegModel, o: PredictOptions, so: SegmenterOptions = {}, network: Network = new TfjsNetwork(model, false)): Segmenter {
  return createSegmenter(network, cardForModel(model, o), { filters: NODE_FILTERS, ...so, tiling: { pixelBudget: 0, ...so.tiling } });
}

/** Label maps at each image's size (same-size images in one forward pass). */
export async function predictBatch(model: SegModel, imgs: PixelImage[], o: PredictOptions): Promise<Uint8Array[]> {
  expectArgs('predictBatch', [['model', model, 'object'], ['imgs', imgs, 'array'], ['o', o, 'object']]);
  return modelSegmenter(model, o).predictBatch(imgs);
}

/** Class-id map [h*w] at the image's own size. */
export async function predictLabels(model: SegModel, img: PixelImage, o: PredictOptions): Promise<Uint8Array> {
  expectArgs('predictLabels', [['model', model, 'object'], ['img', img, 'object'], ['o', o, 'object']]);
  return (await predictBatch(model, [img], o))[0];
}
