// The library's front door: `load()` a model by shipped name or folder, `segment()` an image given
// as a path, an encoded Buffer or raw RGB, get the label map and the classes present.
//   const seg = await load('voc');            // or load() for the default, or a folder
//   const r = await seg.segment('photo.jpg'); // r.labels, r.width, r.height, r.classes
//   await r.background({ keep: ['person'], blur: 12 }); // PNG; r.overlay(), r.cutout(['person']), ...
import { localPath, shortened } from '../util/local_path.js';
import { dataUrlBytes } from '../util/data_url.js';
import { decodeImageBuffer, readImage, type RgbImage } from '../data/image_io.js';
import type { ModelCard } from '../models/card.js';
import { probabilityOf } from './label_map.js';
import { shippedModels } from '../models/shipped.js';
import { makeSegmentation, type Segmentation } from './result.js';

export type { Segmentation, BackgroundOptions, Cutout, RenderOptions, Rendered, RawPixels } from './result.js';
import type { Segmenter } from './segmenter.js';
import { probabilitiesOf } from './probabilities.js';
import { openOptionsSchema, openSegmenter, type OpenOptions } from './open.js';
import { TILING_HINTS } from './segmenter.js';
import { evaluateSegmenter, type EvaluateOptions, type Evaluation, type EvaluationData } from './evaluate_model.js';
import { checkedOptions, signalOption } from '../util/call_options.js';
import * as z from 'zod/mini';
import '../util/zod.js'; // zod's English messages
import type { RuntimeKind } from './network.js';
import { UserError } from '../util/errors.js';
import { Lifetime } from '../util/lifetime.js';
import { channelsOf, checkedRgb8, type PixelImage, type SampleType } from '../data/pixels.js';
import { decodeRaster, readModelInput } from '../data/raster.js';
import { displayRgb } from '../data/display_bands.js';

/**
 * An image file path, an encoded image (any format sharp reads, and BMP; TIFF and 16-bit PNG as stored for
 * models of other bands), raw 8-bit RGB or RGBA pixels (an ImageData's layout: alpha dropped), or raw samples of any
 * bands (`channels`, `sampleType`).
 */
export type ImageInput = string | URL | Uint8Array | ArrayBuffer | RgbImage | PixelImage;

export interface SegmentationModel {
  readonly card: ModelCard;
  readonly runtime: RuntimeKind;
  segment(input: ImageInput, o?: SegmentOptions): Promise<Segmentation>;
  /** Scores the model on folders of images and masks: mIoU, per-class IoU, pixel accuracy (evaluate_model.ts). */
  evaluate(data: EvaluationData, o?: EvaluateOptions): Promise<Evaluation>;
  dispose(): Promise<void>;
}

/** `load()` takes the options of `openSegmenter` (runtime, backend, threads, TTA, tiling, ...). */
export type LoadOptions = OpenOptions;

export interface SegmentOptions {
  /** Keep class probabilities (default true): cut-outs, background effects and probability() need
   * them. false is faster (the label map comes straight from the runtime) and keeps only the
   * label map: one byte a pixel instead of one per class and pixel, for very large images. */
  probabilities?: boolean;
  /** Stops a segmentation of many passes (tiles of a large image, TTA scales) between two passes. */
  signal?: AbortSignal;
}

const segmentOptionsSchema = z.strictObject({
  probabilities: z.optional(z.boolean()),
  signal: z.optional(signalOption),
} satisfies { [K in keyof Required<SegmentOptions>]: z.ZodMiniType });

/** Options of load() given to segment() instead: where they belong. */
const LOAD_OPTION_HINTS = Object.fromEntries([
  ...Object.keys(openOptionsSchema.shape).map((k) => [k, `${k} is an option of load()`]),
  ...Object.keys(TILING_HINTS).map((k) => [k, `tiling.${k} is an option of load()`]),
]);

/**
 * An input as the readers take it: a path, bytes or pixels. A file: URL (object or string) is its
 * path, a base64 data: URL and an ArrayBuffer their bytes; a network URL is refused (pixelwise reads
 * nothing from the network), as is anything ImageInput does not name, whatever a JavaScript caller passed.
 */
function checkedInput(input: unknown): string | Uint8Array | RgbImage | PixelImage {
  const file = localPath(input, 'image', FROM_THE_NETWORK);
  if (file !== undefined) {
    if (!file.trim()) throw new UserError('image: an empty path; give a file path, an encoded image (Buffer or Uint8Array) or raw pixels { data, width, height }', 2, 'image');
    const data = dataUrlBytes(file);
    if (data) return data;
    if (/^data:/i.test(file)) throw new UserError(`image ${shortened(file)}: a data: URL that is not base64; give its bytes`, 2, 'image');
    return file;
  }
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (input instanceof Uint8Array || (typeof input === 'object' && input !== null && 'data' in input)) return input as Uint8Array | RgbImage | PixelImage;
  const what = input == null ? String(input) : Array.isArray(input) ? 'an array' : typeof input === 'object' ? 'an object without data' : `a ${typeof input}`;
  throw new UserError(`image: got ${what}; give a file path, an encoded image (Buffer or Uint8Array) or raw pixels { data, width, height }`, 2, 'image');
}

/** What a network URL given as an image is refused with. */
const FROM_THE_NETWORK = 'download the image and give its path or its bytes';

/** `name`: what errors call an encoded image given as bytes. */
export async function toRgbImage(given: ImageInput, name = 'image'): Promise<RgbImage> {
  const input = checkedInput(given);
  if (typeof input === 'string') return readImage(input);
  if (input instanceof Uint8Array) return decodeImageBuffer(input, name);
  return checkedRgb8(input);
}

/** An input as a model of these bands takes it: 8-bit RGB (toRgbImage), or as stored. */
export async function toModelInput(given: ImageInput, bands: { channels: number; sampleType?: SampleType }, name = 'image'): Promise<PixelImage> {
  if (bands.channels === 3 && (bands.sampleType ?? 'uint8') === 'uint8') return toRgbImage(given, name);
  const input = checkedInput(given);
  if (typeof input === 'string') return readModelInput(input, bands);
  const im = input instanceof Uint8Array ? await decodeRaster(Buffer.from(input.buffer, input.byteOffset, input.byteLength), name) : input;
  const c = channelsOf(im), { width, height } = im;
  const typed = im.data instanceof Uint8Array || im.data instanceof Uint16Array || im.data instanceof Float32Array;
  if (!typed || !(width > 0) || !(height > 0) || im.data.length !== width * height * c) {
    throw new UserError(`raw image: expected { data: Uint8Array, Uint16Array or Float32Array of width*height*channels samples, width, height, channels }, got ${im.data?.length} samples for ${width}x${height}x${c}`, 2, 'image');
  }
  if (c !== bands.channels) throw new UserError(`image: ${c} band${c === 1 ? '' : 's'} but the model takes ${bands.channels} (its card's input.channels)`, 2, 'image');
  return im;
}

/**
 * Opens a model: a shipped name (`voc`, `cityscapes`; default `voc`) or a model/run folder. With
 * the default model, `background({ keep: ['person'] })` takes its matte from the shipped portrait
 * model (`person`, opened on first use), as `predict --effect` does.
 */
export async function load(model?: string, o: LoadOptions = {}): Promise<SegmentationModel> {
  o = checkedOptions(openOptionsSchema, o, 'load()', TILING_HINTS);
  const seg: Segmenter = await openSegmenter(model, o);
  let portrait: Promise<Segmenter> | undefined;
  const lifetime = new Lifetime(`model ${model ?? 'voc'}`);
  const personMatte = model === undefined && shippedModels().includes('person')
    ? (image: RgbImage) => lifetime.run(async () => {
      portrait ??= openSegmenter('person', { threads: o.threads, runtime: o.runtime === 'tfjs' ? 'auto' : o.runtime });
      const [{ prob8 }] = await probabilitiesOf(await portrait, [image]);
      return probabilityOf(prob8, 2, [1]);
    })
    : undefined;
  const model_: SegmentationModel = {
    card: seg.card,
    runtime: seg.runtime,
    segment: (input: ImageInput, given: SegmentOptions = {}) => lifetime.run(async (): Promise<Segmentation> => {
      const so = checkedOptions(segmentOptionsSchema, given, 'segment()', LOAD_OPTION_HINTS);
      const image = await toModelInput(input, seg.card.input);
      so.signal?.throwIfAborted();
      const call = { signal: so.signal };
      // Overlays and effects draw on RGB: the first three bands (or the one grey band) of other images.
      const shown = displayRgb(image);
      if (so.probabilities === false) return makeSegmentation(shown, (await seg.predictBatch([image], call))[0], null, seg.card.classes);
      const [{ labels, prob8 }] = await probabilitiesOf(seg, [image], call);
      return makeSegmentation(shown, labels, prob8, seg.card.classes, personMatte);
    }),
    evaluate: (data: EvaluationData, given?: EvaluateOptions) => lifetime.run(() => evaluateSegmenter(seg, data, given)),
    dispose: () => lifetime.dispose(async () => {
      await seg.dispose();
      if (portrait) await (await portrait).dispose();
    }),
  };
  internals.set(model_, { model, options: o, segmenter: seg, hold: (end) => lifetime.hold(end), personMatte });
  return model_;
}

/** What the library's applications (video/) run a loaded model with: its segmenter, a hold on its lifetime, the portrait matte. */
export interface ModelInternals {
  /** What load() was given: the model and its checked options (to open it again, in worker threads). */
  model: string | undefined;
  options: LoadOptions;
  segmenter: Segmenter;
  /** Marks a stream in flight until the returned function is called; dispose() ends it with `end`. Throws once disposed. */
  hold(end: () => Promise<void>): () => void;
  personMatte?: (image: RgbImage) => Promise<Float32Array>;
}
const internals = new WeakMap<SegmentationModel, ModelInternals>();

/** The internals of a model load() returned; anything else is refused naming the argument. */
export function modelInternals(model: unknown): ModelInternals {
  const m = typeof model === 'object' && model !== null ? internals.get(model as SegmentationModel) : undefined;
  if (!m) throw new UserError(`model: expected a model from load(), e.g. await load('cityscapes'); got ${model === null ? 'null' : typeof model === 'string' ? `the string ${JSON.stringify(model)} (load() it first)` : typeof model}`, 2, 'model');
  return m;
}
