// Batches for training and validation: decoded samples cached in memory (decoding a PNG costs
// more than augmenting it), a per-epoch seeded shuffle, augmentation, normalisation, and
// prefetching of the next batches while the current training step runs.
import sharp from 'sharp';
import { readImage, resizeRgb, type RgbImage } from './image_io.js';
import { readMask } from './mask_io.js';
import { augmentPair, NO_AUGMENT, type AugmentConfig, type Pair } from './augment.js';
import type { DatasetSpec, Sample } from './dataset.js';
import { Rng } from '../util/random.js';
import { UserError } from '../util/errors.js';

import { normalizeSamplesInto, type Normalization } from './normalize.js';
import { readRaster } from './raster.js';
import { resizeSamples, SAMPLE_MAX, sampleTypeOf, type PixelImage } from './pixels.js';

/** `soft`: a teacher's class probabilities for the batch's (augmented) images, NHWC, when distilling. */
export interface Batch { x: Float32Array; y: Int32Array; n: number; height: number; width: number; ids: string[]; soft?: Float32Array }

/** A teacher: class probabilities [n, h, w, classes] for same-size images, as the student sees them. */
export type SoftTargets = (imgs: PixelImage[]) => Promise<Float32Array>;

/** A teacher of whole images: 8-bit class probabilities (HWC, `c` classes) at the image's size. */
export type ImageTargets = (img: PixelImage) => Promise<{ data: Uint8Array; c: number }>;

export async function resizeMaskNearest(mask: Uint8Array, w: number, h: number, tw: number, th: number): Promise<Uint8Array> {
  if (w === tw && h === th) return mask;
  // extractChannel: sharp otherwise turns a 1-channel raw image into 3-channel sRGB on output.
  const out = await sharp(mask, { raw: { width: w, height: h, channels: 1 } })
    .resize(tw, th, { fit: 'fill', kernel: 'nearest' }).extractChannel(0).raw().toBuffer();
  if (out.length !== tw * th) throw new Error(`mask resize produced ${out.length} values for ${tw}x${th}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * A sample's mask as class ids, refused (one line naming the file) when it cannot be what it
 * claims: colours outside the class list, another size than its image, labels beyond the classes
 * that are not the ignore label. Training and evaluation read masks through this one check.
 */
export function readCheckedMask(file: string, spec: DatasetSpec, image: { width: number; height: number }): Uint8Array {
  const m = readMask(file, { colors: spec.colors, unknownLabel: spec.ignoreIndex, labelMap: spec.labelMap });
  if (m.mode === 'rgb' && m.unknownColors) {
    throw new UserError(`${file}: ${m.unknownColors} pixels have colours that are not in the class list (an RGB colour mask needs each class's colour: options.classFile); run \`pixelwise verify\``);
  }
  if (m.width !== image.width || m.height !== image.height) {
    throw new UserError(`${file}: mask is ${m.width}x${m.height} but its image is ${image.width}x${image.height}; run \`pixelwise verify\``);
  }
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i];
    if (v >= spec.numClasses && v !== spec.ignoreIndex) {
      const hint = v === 255 && spec.numClasses === 2 ? ' (binary 0/255 mask: add options.labelMap 255:1)' : '';
      throw new UserError(`${file}: label ${v} is neither one of the ${spec.numClasses} class ids (0..${spec.numClasses - 1}) nor the ignore label ${spec.ignoreIndex}${hint}; run \`pixelwise verify\``);
    }
  }
  return m.data;
}

/** A teacher's probabilities resized with their image: bilinear as any band, so each pixel stays a mixture of distributions. */
function resizeSoft(soft: { data: Uint8Array; c: number }, from: { width: number; height: number }, tw: number, th: number): void {
  soft.data = resizeSamples({ data: soft.data, width: from.width, height: from.height, channels: soft.c }, tw, th).data as Uint8Array;
}

/**
 * A sample's image and mask. `bands`: the images are read as stored (raster.ts: that many bands, at
 * their own sample depth) instead of as 8-bit RGB. `teacher`: its probabilities of the image as read
 * (before `resize`, which then resizes them too).
 */
export async function loadPair(s: Sample, spec: DatasetSpec, resize?: [number, number], bands?: number, teacher?: ImageTargets): Promise<Pair> {
  // A dataset without masks (images a teacher labels, distillation): every pixel the ignore label.
  if (!s.mask && spec.masks) throw new UserError(`${s.image}: no mask`);
  const maskOf = (img: { width: number; height: number }) => (s.mask ? readCheckedMask(s.mask, spec, img) : new Uint8Array(img.width * img.height).fill(spec.ignoreIndex));
  if (bands != null) {
    let img: PixelImage = await readRaster(s.image);
    if (img.channels !== bands) throw new UserError(`${s.image}: ${img.channels} band${img.channels === 1 ? '' : 's'} but the run's images have ${bands} (options.channels); every image needs the same bands`);
    let mask = maskOf(img);
    const soft = teacher && await teacher(img);
    if (resize) {
      const [th, tw] = resize;
      mask = await resizeMaskNearest(mask, img.width, img.height, tw, th);
      if (soft) resizeSoft(soft, img, tw, th);
      img = resizeSamples(img, tw, th);
    }
    return { image: img.data, mask, width: img.width, height: img.height, channels: bands, ...(soft ? { soft } : {}) };
  }
  let img: RgbImage = await readImage(s.image);
  let mask = maskOf(img);
  const soft = teacher && await teacher(img);
  if (resize) {
    const [th, tw] = resize;
    mask = await resizeMaskNearest(mask, img.width, img.height, tw, th);
    if (soft) resizeSoft(soft, img, tw, th);
    img = await resizeRgb(img, tw, th);
  }
  return { image: img.data, mask, width: img.width, height: img.height, ...(soft ? { soft } : {}) };
}

export interface LoaderOptions {
  batchSize: number;
  /** Crop size [h, w] for training; undefined = whole image (validation). */
  crop?: [number, number];
  resize?: [number, number];
  augment: AugmentConfig;
  norm: Normalization;
  seed: number;
  shuffle: boolean;
  prefetch?: number;
  /** Decoded samples are kept in memory when they fit this many MB (default DEFAULT_CACHE_MB). */
  cacheMb?: number;
  /** Distillation: each batch also carries this teacher's probabilities for its images. */
  teacher?: SoftTargets;
  /**
   * Distillation instead from the teacher's probabilities of each whole image as read (before
   * `resize`), computed once when it is decoded (kept with it) and warped with each crop; 0 where a
   * crop leaves the image (no target).
   */
  teacherImage?: ImageTargets;
  /** Images read as stored with this many bands (any sample depth) instead of as 8-bit RGB. */
  bands?: number;
}

/** Decoded-sample cache budget by default; larger datasets are decoded per batch (prefetched) instead. */
export const DEFAULT_CACHE_MB = 4096;

export class SegLoader {
  private cache = new Map<string, Promise<Pair>>();
  /** Whether every decoded sample is kept in memory (decided by warm()). */
  cacheAll = true;
  constructor(readonly samples: Sample[], readonly spec: DatasetSpec, readonly opts: LoaderOptions) {}

  get batchesPerEpoch(): number { return Math.ceil(this.samples.length / this.opts.batchSize); }

  pair(s: Sample): Promise<Pair> {
    let p = this.cache.get(s.id);
    if (!p) {
      p = loadPair(s, this.spec, this.opts.resize, this.opts.bands, this.opts.teacherImage);
      if (this.cacheAll) this.cache.set(s.id, p);
    }
    return p;
  }

  /**
   * Decodes every sample once when the decoded dataset fits the cache budget (errors then surface
   * before training starts); otherwise samples are decoded per batch, ahead of the training step.
   */
  async warm(onProgress?: (done: number) => void): Promise<void> {
    const first = await loadPair(this.samples[0], this.spec, this.opts.resize, this.opts.bands);
    // RGB + mask bytes, and a whole-image teacher's probabilities (a byte per class and pixel).
    const classes = this.opts.teacherImage ? (await this.pair(this.samples[0])).soft!.c : 0;
    const estimate = (first.image.length * 4 / 3 + first.width * first.height * classes) * this.samples.length;
    if (estimate > (this.opts.cacheMb ?? DEFAULT_CACHE_MB) * 2 ** 20) {
      this.cacheAll = false;
      onProgress?.(this.samples.length);
      return;
    }
    let done = 0;
    const queue = [...this.samples];
    const worker = async () => {
      for (let s = queue.shift(); s; s = queue.shift()) { await this.pair(s); onProgress?.(++done); }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }

  /**
   * Mask pixels that are not the ignore label, over the whole dataset when warm() kept every
   * sample (null otherwise: it would take another decoding pass).
   */
  async labelledPixels(): Promise<number | null> {
    if (!this.cacheAll) return null;
    let n = 0;
    for (const s of this.samples) {
      const { mask } = await this.pair(s);
      for (let i = 0; i < mask.length; i++) if (mask[i] !== this.spec.ignoreIndex) n++;
    }
    return n;
  }

  order(epoch: number): Sample[] {
    const idx = [...this.samples];
    return this.opts.shuffle ? new Rng(this.opts.seed * 7919 + epoch).shuffle(idx) : idx;
  }

  async makeBatch(epoch: number, b: number, order: Sample[], withTeacher = true): Promise<Batch> {
    const { batchSize, crop, augment, norm } = this.opts;
    const items = order.slice(b * batchSize, (b + 1) * batchSize);
    const pairs: Pair[] = [];
    for (let i = 0; i < items.length; i++) {
      const src = await this.pair(items[i]);
      if (!crop) { pairs.push(src); continue; }
      const rng = new Rng((this.opts.seed * 1000003 + epoch * 100003 + b * batchSize + i) >>> 0);
      // Images read as stored are normalised by their own statistics: what lies outside the source is their mean.
      const fill = this.opts.bands != null ? norm.mean.map((m) => m * SAMPLE_MAX[sampleTypeOf(src.image)]) : undefined;
      pairs.push(augmentPair(src, rng, augment ?? NO_AUGMENT, crop[1], crop[0], this.spec.ignoreIndex, fill));
    }
    const { width, height } = pairs[0];
    if (pairs.some((p) => p.width !== width || p.height !== height)) {
      throw new UserError(`images in one batch differ in size (${items.map((s) => s.id).join(', ')}); use options.resize HxW or batch size 1`);
    }
    const px = width * height;
    const c = this.opts.bands ?? 3;
    const x = new Float32Array(pairs.length * px * c);
    const y = new Int32Array(pairs.length * px);
    pairs.forEach((p, i) => { normalizeSamplesInto(x, i * px * c, p.image, c, norm); y.set(p.mask, i * px); });
    const soft = !withTeacher ? undefined
      : this.opts.teacher ? await this.opts.teacher(pairs.map((p) => ({ data: p.image, width, height, ...(p.channels != null ? { channels: p.channels } : {}) })))
        : this.opts.teacherImage ? warpedTargets(pairs) : undefined;
    return { x, y, n: pairs.length, height, width, ids: items.map((s) => s.id), ...(soft ? { soft } : {}) };
  }

  /**
   * Batches of the first `images` samples of the order keyed by `key`, augmented and cropped as in
   * training but without the teacher's targets: training inputs for statistics (precise BN).
   */
  async *sampleBatches(key: number, images: number): AsyncGenerator<Batch> {
    const order = this.order(key).slice(0, Math.max(0, images));
    const n = Math.ceil(order.length / this.opts.batchSize);
    for (let b = 0; b < n; b++) yield await this.makeBatch(key, b, order, false);
  }

  /** Batches of one epoch, `prefetch` of them prepared ahead of the consumer. */
  async *epoch(epoch: number, startBatch = 0): AsyncGenerator<Batch> {
    const order = this.order(epoch);
    const n = this.batchesPerEpoch;
    const depth = this.opts.prefetch ?? 2;
    const pending: Promise<Batch>[] = [];
    let next = startBatch;
    const fill = () => { while (pending.length < depth && next < n) pending.push(this.makeBatch(epoch, next++, order)); };
    fill();
    while (pending.length) {
      const batch = await pending.shift()!;
      fill();
      yield batch;
    }
  }
}

/** The crops' warped 8-bit teacher probabilities as distributions (NHWC); a pixel without any stays 0. */
function warpedTargets(pairs: Pair[]): Float32Array {
  const c = pairs[0].soft!.c, px = pairs[0].width * pairs[0].height;
  const out = new Float32Array(pairs.length * px * c);
  pairs.forEach((p, n) => {
    const d = p.soft!.data;
    for (let i = 0; i < px; i++) {
      let sum = 0;
      for (let k = 0; k < c; k++) sum += d[i * c + k];
      if (!sum) continue;
      const o = (n * px + i) * c;
      for (let k = 0; k < c; k++) out[o + k] = d[i * c + k] / sum;
    }
  });
  return out;
}
