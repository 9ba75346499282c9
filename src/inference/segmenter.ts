// One interface over the two inference runtimes: TF.js (any model, the training engine) and ONNX
// Runtime (exported on the fly from the model package, or an external .onnx named by its card).
// `auto` picks ONNX Runtime, the faster one here (see docs/benchmarks.md), when the model exports.
import path from 'node:path';
import { initEngine } from '../engine/backend.js';
import type { BackendName } from '../engine/backend_names.js';
import type { RgbImage } from '../data/image_io.js';
import { cardFile, loadModelPackage, readCard, type ModelCard } from '../models/package.js';
import type { SegModel } from '../models/seg_model.js';
import { exportOnnx } from '../io/onnx_export.js';
import { OnnxSegmenter } from './onnx_runtime.js';
import { resizeChw } from './chw.js';
import { DEFAULT_TILING, withScales, withTiling, type TileOptions } from './tiling.js';
import { predictBatch, predictLogitsBatch, type PredictOptions } from './predictor.js';
import { cropChw, cropLabels, predictWithTta, reflectPad, ttaScores, type TtaMode } from './tta.js';
import { labelsFromScores, type ClassThreshold } from './label_map.js';
import { UserError, argumentError } from '../util/errors.js';
import { isFile } from '../util/fs.js';
import { pillowBilinear, pillowNearest, pillowTarget } from '../data/pillow_resize.js';
import { findArch } from '../models/registry.js';
import { resolveModelDir } from '../models/shipped.js';
import type { PillowResize } from '../models/package.js';

export interface Scored { labels: Uint8Array; scores: Float32Array }

import type { RuntimeName } from './runtime_names.js';

/**
 * Per call: `signal` stops work made of many passes (tiles, scales) between two passes, with the
 * signal's reason; a single pass runs to its end.
 */
export interface CallOptions { signal?: AbortSignal }

export interface Segmenter {
  readonly runtime: 'tfjs' | 'onnx';
  readonly card: ModelCard;
  /** The class-probability threshold its label maps apply, if any (see labelsFromScores). */
  readonly threshold?: ClassThreshold;
  /** Label maps at each image's size (same-size images). */
  predictBatch(imgs: RgbImage[], o?: CallOptions): Promise<Uint8Array[]>;
  /** Label maps (as predictBatch makes them) and class scores (logits, CHW, at each image's size;
   * test-time augmentation included): the scores give probabilities, for soft-edged effects. */
  scoresBatch(imgs: RgbImage[], o?: CallOptions): Promise<Scored[]>;
  dispose(): Promise<void>;
}

class TfjsSegmenter implements Segmenter {
  readonly runtime = 'tfjs' as const;
  constructor(readonly model: SegModel, readonly card: ModelCard, readonly tta: TtaMode, readonly threshold?: ClassThreshold) {}
  private get opts(): PredictOptions { return { norm: this.card.normalization, resize: this.card.resize }; }
  async predictBatch(imgs: RgbImage[]) {
    if (this.tta === 'none' && !this.threshold) return predictBatch(this.model, imgs, this.opts);
    return predictWithTta((x) => predictLogitsBatch(this.model, x, this.opts), imgs, this.card.model.numClasses, this.tta, this.threshold);
  }
  async scoresBatch(imgs: RgbImage[]) {
    const c = this.card.model.numClasses;
    return (await ttaScores((x) => predictLogitsBatch(this.model, x, this.opts), imgs, c, this.tta)).map((scores) => ({ scores, labels: labelsFromScores(scores, c, this.threshold) }));
  }
  async dispose() { this.model.dispose(); }
}

class OrtSegmenter implements Segmenter {
  readonly runtime = 'onnx' as const;
  constructor(readonly ort: OnnxSegmenter, readonly card: ModelCard, readonly tta: TtaMode, readonly threshold?: ClassThreshold) {}
  private get opts(): PredictOptions { return { norm: this.card.normalization, resize: this.card.resize }; }
  async predictBatch(imgs: RgbImage[]) {
    // Plain predictions take the label maps straight from the graph's argmax.
    if (this.tta === 'none' && !this.threshold) return this.ort.predictBatch(imgs, this.opts);
    return predictWithTta((x) => this.ort.logitsBatch(x, this.opts), imgs, this.card.model.numClasses, this.tta, this.threshold);
  }
  async scoresBatch(imgs: RgbImage[]) {
    const c = this.card.model.numClasses;
    return (await ttaScores((x) => this.ort.logitsBatch(x, this.opts), imgs, c, this.tta)).map((scores) => ({ scores, labels: labelsFromScores(scores, c, this.threshold) }));
  }
  async dispose() { await this.ort.dispose(); }
}

export interface OpenOptions {
  runtime?: RuntimeName;
  /** TF.js backend, for models that TF.js builds (default auto). */
  backend?: BackendName; weights?: string; threads?: number; tta?: TtaMode;
  /** Multi-scale test-time augmentation: scores averaged over these scales (default [1]). */
  scales?: number[];
  /** Tiling of large images (default: automatic above 4 megapixels; see tiling.ts). */
  tiling?: Partial<TileOptions>;
  /** Predict this class (name or id) wherever its probability reaches `prob` (instead of the argmax). */
  threshold?: { cls: string; prob: number };
  /** Mirror-pad every image by this many pixels (context at the borders), crop the result. */
  reflectPad?: number;
  /**
   * The network sees every image resized to [h, w] (Pillow BILINEAR) and label maps come back by
   * nearest neighbour: the model's own input rule is replaced (speed against detail, e.g. video).
   */
  inputSize?: [number, number];
  /** ONNX Runtime: specialise the graph to an input shape that comes twice in a row (see OnnxSegmenter.specialize). */
  specialize?: boolean;
  log?: (l: string) => void;
}

/** Wraps a segmenter so that images are mirror-padded before and label maps cropped after. */
function withReflectPad(inner: Segmenter, n: number): Segmenter {
  if (!n) return inner;
  return {
    runtime: inner.runtime, card: inner.card, threshold: inner.threshold,
    async predictBatch(imgs: RgbImage[], o?: CallOptions) {
      const out = await inner.predictBatch(imgs.map((im) => reflectPad(im, n)), o);
      return out.map((l, i) => cropLabels(l, imgs[i].width, imgs[i].height, n));
    },
    async scoresBatch(imgs: RgbImage[], o?: CallOptions) {
      const out = await inner.scoresBatch(imgs.map((im) => reflectPad(im, n)), o);
      const { width: w, height: h } = imgs[0];
      return out.map((r) => ({ labels: cropLabels(r.labels, w, h, n), scores: cropChw(r.scores, inner.card.model.numClasses, w, h, n) }));
    },
    dispose: () => inner.dispose(),
  };
}

/**
 * Wraps a segmenter so that each image is resized as the model's authors did (Pillow BILINEAR)
 * and the label map is resized back to the image with Pillow NEAREST.
 */
function withPillowResize(inner: Segmenter, rule: PillowResize | undefined): Segmenter {
  if (!rule) return inner;
  const toNet = (imgs: RgbImage[]) => imgs.map((im) => { const [w, h] = pillowTarget(rule, im.width, im.height); return pillowBilinear(im, w, h); });
  const each = async <T>(net: RgbImage[], f: (x: RgbImage[]) => Promise<T[]>): Promise<T[]> =>
    net.every((n) => n.width === net[0].width && n.height === net[0].height) ? f(net) : (await Promise.all(net.map((n) => f([n])))).flat();
  return {
    runtime: inner.runtime, card: inner.card, threshold: inner.threshold,
    async predictBatch(imgs: RgbImage[], o?: CallOptions) {
      const net = toNet(imgs);
      const labels = await each(net, (x) => inner.predictBatch(x, o));
      return labels.map((l, i) => pillowNearest(l, net[i].width, net[i].height, imgs[i].width, imgs[i].height));
    },
    async scoresBatch(imgs: RgbImage[], o?: CallOptions) {
      // Scores go back to the image bilinearly (label maps: Pillow NEAREST, the authors' rule).
      const net = toNet(imgs), c = inner.card.model.numClasses;
      const out = await each(net, (x) => inner.scoresBatch(x, o));
      return out.map((r, i) => ({
        labels: pillowNearest(r.labels, net[i].width, net[i].height, imgs[i].width, imgs[i].height),
        scores: resizeChw(r.scores, c, net[i].height, net[i].width, imgs[i].height, imgs[i].width),
      }));
    },
    dispose: () => inner.dispose(),
  };
}

/** Opens a model (shipped name, training run, imported model, or external ONNX with a card). */
export async function openSegmenter(model: string | undefined, o: OpenOptions = {}): Promise<Segmenter> {
  return withImageRules(await openNetwork(model, o), o);
}

/**
 * The network side of a segmenter: the runtime (with mirror TTA), scales and tiles. Models that
 * resize every input to one size (card.resize, --input-size) are never tiled.
 */
export async function openNetwork(model: string | undefined, o: OpenOptions = {}): Promise<Segmenter> {
  if (o.reflectPad != null && (o.reflectPad < 0 || !Number.isInteger(o.reflectPad))) throw argumentError('reflectPad', o.reflectPad, 'expected a whole number of pixels >= 0');
  const runtime = await openRuntime(resolveModelDir(model), o);
  const scaled = withScales(runtime, o.scales ?? [1]);
  const fixedSize = runtime.card.resize || runtime.card.pillowResize?.size;
  return fixedSize ? scaled : withTiling(scaled, { ...DEFAULT_TILING, log: o.log, ...o.tiling });
}

/**
 * The image side, around a network: border context outside, then the Pillow resize rule of the
 * card (the authors' rule or --input-size). Pure JS on the images, so a threaded segmenter runs it
 * on the calling thread while the network works on the previous batch.
 */
export function withImageRules(network: Segmenter, o: Pick<OpenOptions, 'reflectPad'>): Segmenter {
  return withReflectPad(withPillowResize(network, network.card.pillowResize), o.reflectPad ?? 0);
}

/** The card with its input rule replaced by a Pillow resize to `size` (--input-size). */
function withInputSize(card: ModelCard, size: [number, number] | undefined): ModelCard {
  if (!size) return card;
  if (!size.every((v) => Number.isInteger(v) && v > 0)) throw argumentError('inputSize', size.join('x'), 'expected [height, width] in whole pixels, e.g. [512, 1024]');
  return { ...card, resize: undefined, pillowResize: { size } };
}

/** Input multiple of a card's network: its own record, else its architecture's. */
export function cardStride(card: ModelCard): number {
  if (card.model.stride) return card.model.stride;
  return findArch(card.model.arch)?.stride(card.model) ?? 1;
}

function resolveThreshold(card: ModelCard, t: OpenOptions['threshold']): ClassThreshold | undefined {
  if (!t) return undefined;
  const names = card.classes.map((c) => c.name);
  const byName = names.indexOf(t.cls);
  const id = byName >= 0 ? byName : /^\d+$/.test(t.cls) ? Number(t.cls) : -1;
  if (id < 0 || id >= names.length) throw argumentError('threshold', `${t.cls}=${t.prob}`, `no class ${t.cls} in this model (classes: ${names.join(', ')})`);
  return { classId: id, prob: t.prob };
}

async function openRuntime(dir: string, o0: OpenOptions): Promise<Segmenter> {
  const runtime = o0.runtime ?? 'auto';
  if (!['auto', 'tfjs', 'onnx'].includes(runtime)) throw argumentError('runtime', runtime, 'use auto, tfjs or onnx');
  const card = withInputSize(readCard(dir), o0.inputSize);
  const o = { ...o0, threshold: resolveThreshold(card, o0.threshold) };
  if (card.onnx && !(runtime === 'tfjs' && card.weights)) {
    // A pre-exported ONNX file (shipped and imported models, `pixelwise export`): ONNX Runtime
    // runs it without building the TF.js model.
    if (runtime === 'tfjs') throw argumentError('model', dir, 'an ONNX-only model; use the onnx or auto runtime');
    const file = cardFile(dir, card, 'onnx');
    const ort = await OnnxSegmenter.create(file, card.model.numClasses, cardStride(card), o.threads);
    ort.specialize = !!o.specialize;
    return new OrtSegmenter(ort, card, o.tta ?? 'none', o.threshold);
  }
  // Building the TF.js model (to run it, or to export it for ONNX Runtime) needs the engine; a
  // pre-exported model above does not, and starts without loading it.
  await initEngine(o.backend ?? 'auto');
  const { model } = loadModelPackage(dir, o.weights);
  if (runtime === 'tfjs') return new TfjsSegmenter(model, card, o.tta ?? 'none', o.threshold);
  try {
    const bytes = exportOnnx(model);
    const ort = await OnnxSegmenter.create(bytes, card.model.numClasses, model.stride, o.threads);
    ort.specialize = !!o.specialize;
    model.dispose();
    return new OrtSegmenter(ort, card, o.tta ?? 'none', o.threshold);
  } catch (e) {
    if (runtime === 'onnx') { model.dispose(); throw e instanceof UserError ? e : new UserError(`ONNX Runtime could not run ${dir}: ${(e as Error).message}`); }
    o.log?.(`note: using TF.js (${(e as Error).message.split('\n')[0]})`);
    return new TfjsSegmenter(model, card, o.tta ?? 'none', o.threshold);
  }
}
