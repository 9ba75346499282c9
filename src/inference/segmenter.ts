// The one segmenter factory: a network (any runtime, network.ts) and its card make a segmenter, the
// processor (processor.ts) doing every image rule. Test-time augmentation, scales, tiling, border
// context and the input rule wrap it, in that order from the inside. No Node imports: the browser
// module builds its segmenters here too. Opening a model from disk is open.ts's.
import { channelsOf, samplesLike, withSamples, type PixelImage } from '../data/pixels.js';
import { withFixedInput, type ModelCard } from '../models/card.js';
import type { Network, RuntimeKind } from './network.js';
import { ImageProcessor, netSize, type ResizeFilters } from './processor.js';
import { DEFAULT_TILING, withScales, withTiling, type TileOptions } from './tiling.js';
import { cropChw, cropLabels, predictWithTta, reflectPad, TTA_MODES, ttaScores, type TtaMode } from './tta.js';
import { labelsFromScores, probabilities8, type ClassThreshold } from './label_map.js';
import { argumentError } from '../util/errors.js';
import * as z from 'zod/mini';
import '../util/zod.js'; // zod's English messages
import { fnOption } from '../util/call_options.js';

export interface Scored { labels: Uint8Array; scores: Float32Array }
/** A label map and its 8-bit class probabilities (label_map.ts probabilities8: C planes at the image's size). */
export interface Probable { labels: Uint8Array; prob8: Uint8Array }

/**
 * Per call: `signal` stops work made of many passes (tiles, scales) between two passes, with the
 * signal's reason; a single pass runs to its end.
 */
export interface CallOptions { signal?: AbortSignal }

export interface Segmenter {
  readonly runtime: RuntimeKind;
  /** The card its rules come from (with `inputSize` applied). */
  readonly card: ModelCard;
  /** The class-probability threshold its label maps apply, if any (see labelsFromScores). */
  readonly threshold?: ClassThreshold;
  /** Label maps at each image's size (a batch of one size is one forward pass; mixed sizes go image by image). */
  predictBatch(imgs: PixelImage[], o?: CallOptions): Promise<Uint8Array[]>;
  /** Label maps (as predictBatch makes them) and class scores (logits, CHW, at each image's size;
   * test-time augmentation included): the scores give probabilities, for soft-edged effects. */
  scoresBatch(imgs: PixelImage[], o?: CallOptions): Promise<Scored[]>;
  /**
   * Label maps and 8-bit class probabilities, where a segmenter can give them without the
   * full-size scores (probabilitiesOf calls it, else scoresBatch).
   */
  probabilitiesBatch?(imgs: PixelImage[], o?: CallOptions): Promise<Probable[]>;
  dispose(): Promise<void>;
}

export interface SegmenterOptions {
  tta?: TtaMode;
  /** Multi-scale test-time augmentation: scores averaged over these scales (default [1]). */
  scales?: number[];
  /** Tiling of large images (default: automatic above 4 megapixels; see tiling.ts). */
  tiling?: Partial<TileOptions>;
  /** Predict this class (name or id) wherever its probability reaches `prob` (instead of the argmax). */
  threshold?: { cls: string; prob: number };
  /** Mirror-pad every image by this many pixels (context at the borders), crop the result. */
  reflectPad?: number;
  /**
   * The network sees every image resized to [h, w] (Pillow BILINEAR, or BICUBIC where the card's own
   * rule is) and label maps come back by nearest neighbour (scores at a fraction of the input as the
   * card says): the card's input rule is replaced (speed against detail, e.g. video).
   */
  inputSize?: [number, number];
  /** Resize filters beyond Pillow's (Node: sharp's). */
  filters?: ResizeFilters;
  log?: (l: string) => void;
}

/**
 * SegmenterOptions as a JavaScript caller may pass them: the keys and their types (values are
 * checked where they are used). Calls that take these options check them with call_options.ts.
 */
export const segmenterOptionsShape = {
  tta: z.optional(z.enum(TTA_MODES as [TtaMode, ...TtaMode[]])),
  scales: z.optional(z.array(z.number(), 'expected a list of scales between 0.25 and 4, e.g. [0.75, 1, 1.25]')),
  tiling: z.optional(z.strictObject({
    tile: z.optional(z.number()), overlap: z.optional(z.number()), pixelBudget: z.optional(z.number()), autoTile: z.optional(z.number()), log: z.optional(fnOption),
  })),
  threshold: z.optional(z.strictObject({ cls: z.string(), prob: z.number() }, 'expected { cls, prob }, e.g. { cls: \'membrane\', prob: 0.4 }')),
  reflectPad: z.optional(z.number()),
  inputSize: z.optional(z.tuple([z.number(), z.number()], 'expected [height, width] in whole pixels, e.g. [512, 1024]')),
  filters: z.optional(z.record(z.string(), fnOption)),
  log: z.optional(fnOption),
} satisfies { [K in keyof Required<SegmenterOptions>]: z.ZodMiniType };

/** Keys of the tiling options a caller may give at the top level by mistake. */
export const TILING_HINTS = Object.fromEntries(['tile', 'overlap', 'pixelBudget', 'autoTile'].map((k) => [k, `did you mean options.tiling.${k}?`]));

/** A network and its card as a segmenter: image rules outside, the network inside. */
export function createSegmenter(network: Network, card: ModelCard, o: SegmenterOptions = {}): Segmenter {
  return imageSide(networkSide(network, card, o), o);
}

/**
 * The network side of a segmenter, at the network's input size: the runtime (with TTA), scales and
 * tiles. Inputs resized to one size (a `fixed` input rule) are never tiled.
 */
export function networkSide(network: Network, card: ModelCard, o: SegmenterOptions = {}): Segmenter {
  if (o.reflectPad != null && (o.reflectPad < 0 || !Number.isInteger(o.reflectPad))) throw argumentError('reflectPad', o.reflectPad, 'expected a whole number of pixels >= 0');
  if (o.tta !== undefined && !TTA_MODES.includes(o.tta)) throw argumentError('tta', o.tta, `use ${TTA_MODES.join(', ')}`);
  if (o.scales !== undefined && !(Array.isArray(o.scales) && o.scales.length)) throw argumentError('scales', JSON.stringify(o.scales), 'expected a list of scales between 0.25 and 4, e.g. [0.75, 1, 1.25]');
  const fixed = network.inputSize;
  if (o.inputSize && fixed && (checkedSize(o.inputSize)[0] !== fixed[0] || o.inputSize[1] !== fixed[1])) {
    throw argumentError('inputSize', o.inputSize.join('x'), `this model's graph takes ${fixed.join('x')} (height x width) only: its ONNX file fixes the size; leave the input size out`);
  }
  // Quarter turns give a graph of one size that is not square its width for its height.
  if (fixed && fixed[0] !== fixed[1] && o.tta === 'd4') throw argumentError('tta', 'd4', `this model's graph takes ${fixed.join('x')} (height x width) only: its ONNX file fixes the size, and quarter turns would give it ${fixed[1]}x${fixed[0]}; flip and flip2 can run`);
  // Scales resize the network's input: a graph of one size cannot take them.
  if (fixed && o.scales?.some((s) => s !== 1)) throw argumentError('scales', o.scales.join(','), `this model's graph takes ${fixed.join('x')} (height x width) only: its ONNX file fixes the size, so other scales cannot run; mirror TTA (flip, flip2, d4) can`);
  const effective = o.inputSize ? withFixedInput(card, checkedSize(o.inputSize)) : card;
  const proc = new ImageProcessor(effective, o.filters);
  const core = runtimeSegmenter(network, proc, o.tta ?? 'none', resolveThreshold(effective, o.threshold));
  const scaled = withScales(core, o.scales ?? [1]);
  const tiled = withTiling(scaled, { ...DEFAULT_TILING, log: o.log, ...o.tiling }); // checks the tiling options either way
  if (!proc.fixedSize) return tiled;
  if (o.tiling?.tile) o.log?.(`note: this model resizes every image to ${netSize(proc.rule, 1, 1).join('x')} (width x height); tiles (options.tiling.tile ${o.tiling.tile}) are not used`);
  return scaled;
}

/**
 * The image side, around a network side: border context outside, then the card's input rule. Pure
 * JS on the images (and sharp's own threads), so a threaded segmenter runs it on the calling
 * thread while the network works on the previous batch.
 */
export function imageSide(inner: Segmenter, o: Pick<SegmenterOptions, 'reflectPad' | 'filters'> = {}): Segmenter {
  return withReflectPad(withInputRule(inner, new ImageProcessor(inner.card, o.filters)), o.reflectPad ?? 0);
}

/** The network's runs, with mirror TTA, on images at the network's input size. */
function runtimeSegmenter(net: Network, proc: ImageProcessor, tta: TtaMode, threshold?: ClassThreshold): Segmenter {
  const C = proc.numClasses, kind = proc.output.kind;
  // A batch of images of different sizes runs image by image (batched).
  const labelsOf = (imgs: PixelImage[]) => batched(imgs, labelsOfSameSize);
  const labelsOfSameSize = async (imgs: PixelImage[]): Promise<Uint8Array[]> => {
    const e = proc.encode(imgs);
    if (kind === 'labels') return proc.labels(Uint8Array.from(await net.run(e.x, e.dims)), e);
    // The runtime's own argmax where it has one: one byte a pixel back instead of C floats (at the input's size).
    if (net.labels && proc.scale === 1) return proc.labels(await net.labels(e.x, e.dims), e);
    return proc.argmax(await net.run(e.x, e.dims), e);
  };
  const scoresOf = (imgs: PixelImage[]) => batched(imgs, async (x): Promise<Float32Array[]> => {
    if (kind === 'labels') return (await labelsOfSameSize(x)).map((l) => proc.oneHot(l));
    const e = proc.encode(x);
    return proc.scores(await net.run(e.x, e.dims), e);
  });
  return {
    runtime: net.runtime, card: proc.card, threshold,
    async predictBatch(imgs) {
      if (tta === 'none' && !threshold) return labelsOf(imgs);
      return predictWithTta(scoresOf, imgs, C, tta, threshold, proc.scale);
    },
    async scoresBatch(imgs) {
      return (await ttaScores(scoresOf, imgs, C, tta, proc.scale)).map((scores) => ({ scores, labels: labelsFromScores(scores, C, threshold) }));
    },
    dispose: () => net.dispose(),
  };
}

/** Same-size images in one batch, else one at a time. */
async function batched<T>(net: PixelImage[], f: (x: PixelImage[]) => Promise<T[]>): Promise<T[]> {
  return net.every((n) => n.width === net[0].width && n.height === net[0].height) ? f(net) : (await Promise.all(net.map((n) => f([n])))).flat();
}

/** Images resized by the card's input rule before the network, results resized back after. */
function withInputRule(inner: Segmenter, proc: ImageProcessor): Segmenter {
  if (proc.rule.kind === 'native') return inner;
  const C = proc.numClasses, byLabels = proc.output.resizeBack === 'labels';
  return {
    runtime: inner.runtime, card: inner.card, threshold: inner.threshold,
    async predictBatch(imgs: PixelImage[], o?: CallOptions) {
      const net = await proc.toNetwork(imgs);
      if (byLabels) return (await batched(net, (x) => inner.predictBatch(x, o))).map((l, i) => proc.labelsBack(l, net[i], imgs[i]));
      const out = await batched(net, (x) => inner.scoresBatch(x, o));
      return out.map((r, i) => (proc.atImageSize(net[i], imgs[i]) ? r.labels
        : inner.threshold ? labelsFromScores(proc.scoresBack(r.scores, net[i], imgs[i]), C, inner.threshold)
          : proc.labelsFromScoresBack(r.scores, net[i], imgs[i])));
    },
    async scoresBatch(imgs: PixelImage[], o?: CallOptions) {
      const net = await proc.toNetwork(imgs);
      const out = await batched(net, (x) => inner.scoresBatch(x, o));
      return out.map((r, i) => {
        const scores = proc.scoresBack(r.scores, net[i], imgs[i]);
        return { scores, labels: byLabels ? proc.labelsBack(r.labels, net[i], imgs[i]) : proc.atImageSize(net[i], imgs[i]) ? r.labels : labelsFromScores(scores, C, inner.threshold) };
      });
    },
    async probabilitiesBatch(imgs: PixelImage[], o?: CallOptions) {
      const net = await proc.toNetwork(imgs);
      const out = await batched(net, (x) => inner.scoresBatch(x, o));
      return out.map((r, i) => {
        // A threshold reads full-size probabilities in float: scoresBatch's way.
        if (inner.threshold && !byLabels && !proc.atImageSize(net[i], imgs[i])) {
          const scores = proc.scoresBack(r.scores, net[i], imgs[i]);
          return { labels: labelsFromScores(scores, C, inner.threshold), prob8: probabilities8(scores, C) };
        }
        const labels = byLabels ? proc.labelsBack(r.labels, net[i], imgs[i]) : proc.atImageSize(net[i], imgs[i]) ? r.labels : proc.labelsFromScoresBack(r.scores, net[i], imgs[i]);
        return { labels, prob8: proc.probabilitiesBack(r.scores, net[i], imgs[i]) };
      });
    },
    dispose: () => inner.dispose(),
  };
}

/** Images mirror-padded before, label maps and scores cropped after. */
function withReflectPad(inner: Segmenter, n: number): Segmenter {
  if (!n) return inner;
  const C = inner.card.model.numClasses;
  return {
    runtime: inner.runtime, card: inner.card, threshold: inner.threshold,
    async predictBatch(imgs: PixelImage[], o?: CallOptions) {
      const out = await inner.predictBatch(imgs.map((im) => reflectPad(im, n)), o);
      return out.map((l, i) => cropLabels(l, imgs[i].width, imgs[i].height, n));
    },
    async scoresBatch(imgs: PixelImage[], o?: CallOptions) {
      const out = await inner.scoresBatch(imgs.map((im) => reflectPad(im, n)), o);
      return out.map((r, i) => { const { width: w, height: h } = imgs[i]; return { labels: cropLabels(r.labels, w, h, n), scores: cropChw(r.scores, C, w, h, n) }; });
    },
    ...(inner.probabilitiesBatch && {
      async probabilitiesBatch(imgs: PixelImage[], o?: CallOptions) {
        const out = await inner.probabilitiesBatch!(imgs.map((im) => reflectPad(im, n)), o);
        return out.map((r, i) => { const { width: w, height: h } = imgs[i]; return { labels: cropLabels(r.labels, w, h, n), prob8: cropChw(r.prob8, C, w, h, n) }; });
      },
    }),
    dispose: () => inner.dispose(),
  };
}

function checkedSize(size: [number, number]): [number, number] {
  if (!(size.length === 2 && size.every((v) => Number.isInteger(v) && v > 0))) throw argumentError('inputSize', size.join('x'), 'expected [height, width] in whole pixels, e.g. [512, 1024]');
  return size;
}

function resolveThreshold(card: ModelCard, t: SegmenterOptions['threshold']): ClassThreshold | undefined {
  if (!t) return undefined;
  const names = card.classes.map((c) => c.name);
  const byName = names.indexOf(t.cls);
  const id = byName >= 0 ? byName : /^\d+$/.test(t.cls) ? Number(t.cls) : -1;
  if (id < 0 || id >= names.length) throw argumentError('threshold', `${t.cls}=${t.prob}`, `no class ${t.cls} in this model (classes: ${names.join(', ')})`);
  if (!(t.prob > 0 && t.prob < 1)) throw argumentError('threshold', `${t.cls}=${t.prob}`, 'expected a probability between 0 and 1 (exclusive), e.g. { cls: \'membrane\', prob: 0.4 }');
  return { classId: id, prob: t.prob };
}

/**
 * One segmenter over networks of the same model at different fixed sizes (a card's variants,
 * variantCards): each image goes to the one whose input aspect ratio is nearest its own; results
 * come back in the images' order. `card`: the card with its variants.
 */
export function byAspect(parts: Segmenter[], card: ModelCard = parts[0].card): Segmenter {
  if (parts.length === 1) return parts[0];
  const pick = (im: PixelImage) => nearestAspect(parts.map((s) => s.card), im.width, im.height);
  const route = async <T>(imgs: PixelImage[], run: (s: Segmenter, x: PixelImage[]) => Promise<T[]>): Promise<T[]> => {
    const which = imgs.map(pick), out: T[] = new Array(imgs.length);
    for (const k of new Set(which)) {
      const idx = which.flatMap((w, i) => (w === k ? [i] : []));
      const got = await run(parts[k], idx.map((i) => imgs[i]));
      idx.forEach((i, j) => { out[i] = got[j]; });
    }
    return out;
  };
  return {
    runtime: parts[0].runtime, card, threshold: parts[0].threshold,
    predictBatch: (imgs, o) => route(imgs, (s, x) => s.predictBatch(x, o)),
    scoresBatch: (imgs, o) => route(imgs, (s, x) => s.scoresBatch(x, o)),
    ...(parts.every((s) => s.probabilitiesBatch) && { probabilitiesBatch: (imgs: PixelImage[], o?: CallOptions) => route(imgs, (s, x) => s.probabilitiesBatch!(x, o)) }),
    async dispose() { for (const s of parts) await s.dispose(); },
  };
}

/** Which of a card's variants (variantCards) takes an image of width x height: the nearest aspect ratio (the first on ties). */
export function nearestAspect(cards: ModelCard[], width: number, height: number): number {
  if (cards.length === 1) return 0;
  const a = Math.log(width / height);
  const off = (c: ModelCard) => { const r = c.input.rule as { size: [number, number] }; return Math.abs(Math.log(r.size[1] / r.size[0]) - a); };
  return cards.reduce((best, c, i) => (off(c) < off(cards[best]) ? i : best), 0);
}
