// A loaded model scored on a folder of images and masks (load()'s evaluate()): the confusion matrix
// of its label maps against the masks, with the scores `pixelwise evaluate` reports. The images are
// read as the model takes them (its bands), the masks as evaluation reads them everywhere
// (metrics/evaluate.ts: checked against each image's size, RGB masks by the classes' colours).
import * as z from 'zod/mini';
import '../util/zod.js'; // zod's English messages
import { loadSamples, type PairingSpec } from '../data/dataset.js';
import { resolveLayout, type LayoutName } from '../data/layouts.js';
import { evaluateSamples } from '../metrics/evaluate.js';
import type { Scores } from '../metrics/confusion.js';
import { classMapping, type ClassGroup, type ClassMapSpec } from '../metrics/class_map.js';
import type { ClassInfo } from '../data/classes.js';
import { predictsAde20kOther } from '../data/class_sets.js';
import { checkedOptions, expectArgs, fnOption, refuseUnknownKeys, signalOption } from '../util/call_options.js';
import { argumentError, UserError } from '../util/errors.js';
import type { Segmenter } from './segmenter.js';

export interface EvaluateOptions {
  /** The mask value left out of the scores (default: the model card's ignore label, else 255). */
  ignoreIndex?: number;
  /** Mask values read as other classes, [from, to] pairs (e.g. [[255, 1]] for masks of 0 and 255). */
  labelMap?: [number, number][];
  /**
   * Scores a model of other classes than the dataset's: 'auto' (classes of the same name), a
   * built-in map ('cityscapes-camvid', ...) or pairs of model and dataset class names
   * (metrics/class_map.ts). The scores are then of the map's classes; the ignore label is the dataset's.
   */
  classMap?: ClassMapSpec;
  /** The dataset's classes, for classMap where the data is folders (a layout gives its own). */
  classes?: ClassInfo[];
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
  classMap: z.optional(z.union([z.string(), z.array(z.tuple([z.string(), z.string()])), z.record(z.string(), z.union([z.string(), z.array(z.string())]))])),
  classes: z.optional(z.array(z.object({ name: z.string(), color: z.tuple([z.number(), z.number(), z.number()]) }))),
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

/** The pairing of `data`, with a layout's ignore label, label map and classes. */
function pairingOf(data: EvaluationData, card: Segmenter['card']): { pairing: PairingSpec & { masks: string }; ignoreIndex?: number; labelMap?: [number, number][]; classes?: ClassInfo[]; layout?: string } {
  expectArgs('evaluate', [['data', data, 'object']]);
  refuseUnknownKeys(data, DATA_KEYS, 'evaluate()', 'data setting', 'data');
  if ('data' in data && data.data !== undefined) {
    if ('images' in data || 'masks' in data) throw argumentError('data', data.data, 'a dataset in a standard layout; give it or images and masks, not both');
    expectArgs('evaluate', [['data.data', data.data, 'string']]);
    const r = resolveLayout(data.layout ?? 'auto', data.data, data.split ?? 'val', { reduceZeroLabel: !predictsAde20kOther(card.classes) });
    return { pairing: r.pairing as PairingSpec & { masks: string }, ignoreIndex: r.ignoreIndex, labelMap: r.labelMap, classes: r.classes, layout: r.layout };
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
  /** With options.classMap: the classes it joined, and those it left out. */
  classMap?: { groups: ClassGroup[]; modelClassesLeftOut: string[]; datasetClassesNotScored: string[] };
}

/** Scores `seg`'s label maps on `data`; refuses a mask label that is no class of the model nor the ignore label, and data with no pixel to score. */
export async function evaluateSegmenter(seg: Segmenter, data: EvaluationData, given: EvaluateOptions = {}): Promise<Evaluation> {
  const card = seg.card;
  const { pairing, ...layout } = pairingOf(data, card);
  const o = checkedOptions<EvaluateOptions>(evaluateOptionsSchema, given, 'evaluate()');
  if (o.classes && !o.classMap) throw argumentError('classes', `(${o.classes.length})`, 'the dataset\'s classes go with options.classMap (a model of other classes); the model\'s own are its card\'s');
  // The classes of the masks: the model's, or with a class map the dataset's.
  const truth = o.classMap ? o.classes ?? layout.classes : card.classes;
  if (!truth) throw argumentError('classMap', typeof o.classMap === 'string' ? o.classMap : JSON.stringify(o.classMap), 'needs the dataset\'s classes: give options.classes, or data as a dataset in a standard layout');
  const k = truth.length;
  if (!o.classMap && layout.classes && layout.classes.length !== k) throw argumentError('data', (data as { data: string }).data, `a ${layout.layout} dataset of ${layout.classes.length} classes; the model predicts ${k} (options.classMap joins the two)`);
  const ignoreIndex = o.ignoreIndex ?? layout.ignoreIndex ?? (o.classMap ? undefined : card.ignoreIndex) ?? 255;
  if (o.labelMap?.some(([, to]) => to >= k && to !== ignoreIndex)) throw argumentError('labelMap', JSON.stringify(o.labelMap), `maps to a class the ${o.classMap ? 'dataset' : 'model'} lacks (it has ${k}: 0..${k - 1}, or the ignore label ${ignoreIndex})`);
  const map = o.classMap ? classMapping(card.classes.map((c) => c.name), truth.map((c) => c.name), o.classMap, ignoreIndex) : undefined;
  const { images, masks, list, imageSuffix, maskSuffix, recursive } = pairing;
  const spec = { images, masks, list, imageSuffix, maskSuffix, recursive, numClasses: k, ignoreIndex, labelMap: new Map(o.labelMap ?? layout.labelMap ?? []), colors: truth.map((c) => c.color) };
  o.signal?.throwIfAborted();
  const samples = loadSamples(spec);
  const call = { signal: o.signal };
  const cm = await evaluateSamples(async (imgs) => {
    o.signal?.throwIfAborted();
    return seg.predictBatch(imgs, call);
  }, samples, spec, { batchSize: o.batchSize, input: card.input, onImage: o.onImage, ...(map ? { classMap: map } : {}) });
  const scores = cm.scores(map ? map.names : card.classes.map((c) => c.name));
  if (scores.pixels === 0) throw new UserError(`${masks}: no pixel was scored (every ground-truth pixel is the ignore label ${ignoreIndex}${map ? ' or a class no model class maps to' : ''}); check options.ignoreIndex, options.labelMap${map ? ' and options.classMap' : ''}`, 2, 'masks');
  return { ...scores, images: samples.length, ...(map ? { classMap: { groups: map.groups, modelClassesLeftOut: map.leftOut, datasetClassesNotScored: map.notScored } } : {}) };
}
