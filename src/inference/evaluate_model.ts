// A loaded model scored on a folder of images and masks (load()'s evaluate()): the confusion matrix
// of its label maps against the masks, with the scores `pixelwise evaluate` reports. The images are
// read as the model takes them (its bands), the masks as evaluation reads them everywhere
// (metrics/evaluate.ts: checked against each image's size, RGB masks by the classes' colours).
import * as z from 'zod/mini';
import { loadSamples, type PairingSpec } from '../data/dataset.js';
import { resolveLayout, type LayoutName } from '../data/layouts.js';
import { evaluateSamples } from '../metrics/evaluate.js';
import type { Scores } from '../metrics/confusion.js';
import { checkedOptions, expectArgs, fnOption, refuseUnknownKeys, signalOption } from '../util/call_options.js';
import { argumentError, UserError } from '../util/errors.js';
import type { Segmenter } from './segmenter.js';

export interface EvaluateOptions {
  /** The mask value left out of the scores (default: the model card's ignore label, else 255). */
  ignoreIndex?: number;
  /** Mask values read as other classes, [from, to] pairs (e.g. [[255, 1]] for masks of 0 and 255). */
  labelMap?: [number, number][];
  /** Images per network run, for images of one size (default 1). */
  batchSize?: number;
  /** Called after each image with the number done. */
  onImage?: (done: number) => void;
  /** Stops the evaluation between two batches (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

const label = z.number().check(z.int(), z.minimum(0), z.maximum(255));
const evaluateOptionsSchema = z.strictObject({
  ignoreIndex: z.optional(label),
  labelMap: z.optional(z.array(z.tuple([label, label]))),
  batchSize: z.optional(z.number().check(z.int(), z.minimum(1))),
  onImage: z.optional(fnOption),
  signal: z.optional(signalOption),
} satisfies { [K in keyof Required<EvaluateOptions>]: z.ZodMiniType });

/**
 * The images and masks to score: folders (or a list file) as pixelwise pairs them everywhere, or a
 * dataset in a standard layout (`data`: its folder; `split`, default val; `layout`, default
 * recognised), whose ignore label and label map are then the defaults, as `evaluate --data` takes it.
 */
export type EvaluationData = (PairingSpec & { masks: string }) | { data: string; split?: string; layout?: LayoutName | 'auto' };

const DATA_KEYS: Record<string, true> = { images: true, masks: true, list: true, imageSuffix: true, maskSuffix: true, recursive: true, data: true, split: true, layout: true };

/** The pairing of `data`, with a layout's ignore label and label map; a layout of other classes than the model's is refused. */
function pairingOf(data: EvaluationData, card: Segmenter['card']): { pairing: PairingSpec & { masks: string }; ignoreIndex?: number; labelMap?: [number, number][] } {
  expectArgs('evaluate', [['data', data, 'object']]);
  refuseUnknownKeys(data, DATA_KEYS, 'evaluate()', 'data setting', 'data');
  const k = card.model.numClasses;
  if ('data' in data && data.data !== undefined) {
    if ('images' in data || 'masks' in data) throw argumentError('data', data.data, 'a dataset in a standard layout; give it or images and masks, not both');
    expectArgs('evaluate', [['data.data', data.data, 'string']]);
    // ADE20K's label 0 is "other": a model that predicts it as its first class of 151 is scored with it.
    const reduceZeroLabel = !(k === 151 && card.classes[0].name.toLowerCase() === 'other');
    const r = resolveLayout(data.layout ?? 'auto', data.data, data.split ?? 'val', { reduceZeroLabel });
    if (r.classes && r.classes.length !== k) throw argumentError('data', data.data, `a ${r.layout} dataset of ${r.classes.length} classes; the model predicts ${k}`);
    return { pairing: r.pairing as PairingSpec & { masks: string }, ignoreIndex: r.ignoreIndex, labelMap: r.labelMap };
  }
  for (const key of ['split', 'layout'] as const) if (key in data) throw argumentError(key, (data as Record<string, unknown>)[key], 'names a split or layout of a dataset; give its folder as data');
  const d = data as PairingSpec;
  for (const key of ['images', 'masks'] as const) {
    if (typeof d[key] !== 'string' || !d[key]) throw new UserError(`${key}: evaluate() takes { images, masks } (folders of images and of their masks) or { data } (a dataset in a standard layout); got ${key} ${JSON.stringify(d[key]) ?? 'undefined'}`, 2, key);
  }
  return { pairing: d as PairingSpec & { masks: string } };
}

export interface Evaluation extends Scores {
  /** The images scored. */
  images: number;
}

/** Scores `seg`'s label maps on `data`; refuses a mask label that is no class of the model nor the ignore label, and data with no pixel to score. */
export async function evaluateSegmenter(seg: Segmenter, data: EvaluationData, given: EvaluateOptions = {}): Promise<Evaluation> {
  const card = seg.card, k = card.model.numClasses;
  const { pairing, ...layout } = pairingOf(data, card);
  const o = checkedOptions<EvaluateOptions>(evaluateOptionsSchema, given, 'evaluate()');
  const ignoreIndex = o.ignoreIndex ?? layout.ignoreIndex ?? card.ignoreIndex ?? 255;
  if (o.labelMap?.some(([, to]) => to >= k && to !== ignoreIndex)) throw argumentError('labelMap', JSON.stringify(o.labelMap), `maps to a class the model lacks (it has ${k}: 0..${k - 1}, or the ignore label ${ignoreIndex})`);
  const { images, masks, list, imageSuffix, maskSuffix, recursive } = pairing;
  const spec = { images, masks, list, imageSuffix, maskSuffix, recursive, numClasses: k, ignoreIndex, labelMap: new Map(o.labelMap ?? layout.labelMap ?? []), colors: card.classes.map((c) => c.color) };
  o.signal?.throwIfAborted();
  const samples = loadSamples(spec);
  const call = { signal: o.signal };
  const cm = await evaluateSamples(async (imgs) => {
    o.signal?.throwIfAborted();
    return seg.predictBatch(imgs, call);
  }, samples, spec, { batchSize: o.batchSize, input: card.input, onImage: o.onImage });
  const scores = cm.scores(card.classes.map((c) => c.name));
  if (scores.pixels === 0) throw new UserError(`${masks}: no pixel was scored (every ground-truth pixel is the ignore label ${ignoreIndex}); check options.ignoreIndex and options.labelMap`, 2, 'masks');
  return { ...scores, images: samples.length };
}
