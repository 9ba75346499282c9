/// <reference lib="dom" />
// `pixelwise/web`: a model package's ONNX file run in the browser with onnxruntime-web (wasm), giving
// the same result as the Node library: label map, classes with areas, colour mask and overlay as
// ImageData. The card, the segmenter factory, the processor and the drawing are the very modules
// Node uses (card.ts, segmenter.ts, processor.ts, colorize.ts), so a page and a server agree pixel
// for pixel; only the network runtime (onnxruntime-web) is the browser's own.
//
//   import { load } from 'pixelwise/web';
//   const seg = await load('/v1/models/voc');          // folder URL holding model.json + the ONNX file
//   const r = await seg.segment(imgElement);          // r.labels, r.classes, r.overlay({ alpha: 0.5 })
import * as ort from 'onnxruntime-web';
import type { RgbImage } from '../data/image_io.js';
import type { ClassInfo } from '../data/classes.js';
import { parseCard, variantCards, type ModelCard } from '../models/card.js';
import { argmaxPadded, classAreas, classIds, confidenceMasks, probabilityOf, type ClassArea } from '../inference/label_map.js';
import { enlargesEnough, labelsFromHead, linearResizeTail, probeInput, type ResizeTail } from '../inference/onnx_tail.js';
import { fixedInputSize } from '../formats/onnx_view.js';
import { chosenEffect, composite, coverBox, effectOptionsShape, gaussianBlur, greyscale, matte, parseColor, solidColour } from '../render/compose.js';
import { byAspect, createSegmenter, type Segmenter } from '../inference/segmenter.js';
import { probabilitiesOf } from '../inference/probabilities.js';
import { withSmoothing } from '../inference/smoothing.js';
import { BUILT_IN_FILTERS } from '../inference/processor.js';
import { pillowBilinear } from '../data/pillow_resize.js';
import { checkedRgb8 } from '../data/pixels.js';
import { Lifetime } from '../util/lifetime.js';
import { UserError, argumentError, checkedLabelMap } from '../util/errors.js';
import type { Network } from '../inference/network.js';
import { checkedAlpha, colorize, overlay } from '../render/colorize.js';
import { checkedOptions, fnOption } from '../util/call_options.js';
import * as z from 'zod/mini';
import '../util/zod.js'; // zod's English messages

export type { ClassArea, ClassInfo, ModelCard, RgbImage };
export { UserError };

/**
 * What `segment` takes: anything drawable on a canvas (an image, a canvas, a video element's current
 * frame, a WebCodecs VideoFrame, an ImageBitmap), an encoded image as a Blob, ImageData, or raw RGB.
 */
export type WebImageInput = ImageData | RgbImage | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | VideoFrame | ImageBitmap | OffscreenCanvas | Blob;

export interface WebSegmentation {
  labels: Uint8Array; width: number; height: number;
  /** Classes present, largest first, with pixel counts and area shares. */
  classes: ClassArea[];
  /** The RGB pixels the model saw (before its own resize). */
  image: RgbImage;
  /** Milliseconds: the ONNX Runtime runs (`inference`) and the rest (`postprocess`, pre- and post-processing together; `preprocess` 0). */
  timings: { preprocess: number; inference: number; postprocess: number };
  colorMask(): ImageData;
  /** The colour mask blended over the photo; `hide` lists class ids drawn as the photo alone. */
  overlay(o?: { alpha?: number; hide?: number[] }): ImageData;
  /** Per pixel, the probability (0..1) of any of these classes (segmented with `{ probabilities: true }`). */
  probability(classes: (string | number)[]): Float32Array;
  /** One mask per class, in class order, each pixel's probability (0..1): MediaPipe's confidence masks. */
  confidenceMasks(): Float32Array[];
  /** The image with everything but `keep` blurred, recoloured, replaced or greyed, with Node's soft matte. */
  background(o: WebBackgroundOptions): ImageData;
}

export interface WebBackgroundOptions {
  /** Classes kept as they are (names or ids); everything else gets the effect. */
  keep: (string | number)[];
  /** Exactly one: Gaussian blur sigma in pixels, a colour (#RRGGBB or [r, g, b]), a picture (covering the frame), grey, or transparent (the rest's alpha 0). */
  blur?: number; color?: string | [number, number, number]; image?: WebImageInput; grey?: boolean; transparent?: boolean;
  /** The kept classes' probability per pixel from elsewhere (e.g. the `person` model's), instead of this result's. */
  probability?: Float32Array;
}

export interface WebSegmentOptions {
  /** Keep class probabilities (for probability() and background()); default false: the label map only. */
  probabilities?: boolean;
}

export interface WebSegmenter {
  readonly card: ModelCard;
  /** The runtime in use and why (under auto with WebGPU: settled by the first image). */
  readonly runtimeCheck: RuntimeCheck;
  /**
   * Whether label maps come from the graph cut before its last Resize (the low-resolution class
   * scores, resized and argmaxed in the page, with the Resize's own arithmetic), as the Node
   * runtime takes them for the same graph; else from the whole graph's full-size scores.
   */
  readonly labelsFromHead: boolean;
  segment(input: WebImageInput, o?: WebSegmentOptions): Promise<WebSegmentation>;
  /**
   * Segments a playing video frame by frame (requestVideoFrameCallback; animation frames where a
   * browser lacks it), calling `onResult` with each result. A frame that arrives while the previous
   * one is still being segmented is dropped, not queued; `smooth` mixes each frame's class scores
   * with the previous frames' (the Node `--smooth`). Stopped by the handle's stop().
   */
  segmentStream(video: HTMLVideoElement, onResult: (r: WebSegmentation) => void, o?: WebStreamOptions): WebStream;
  dispose(): Promise<void>;
}

export interface WebStreamOptions extends WebSegmentOptions {
  /** Weight of the past frames' scores, 0 (off, the default) to below 1. */
  smooth?: number;
  /** A frame that could not be segmented (the stream goes on). */
  onError?: (e: Error) => void;
}

export interface WebStream {
  /** Takes no more frames; the frame being segmented, if any, still reports. */
  stop(): void;
  /** Frames segmented and frames dropped (arrived while busy) so far. */
  readonly frames: number;
  readonly dropped: number;
}

export type WebRuntime = 'wasm' | 'webgpu';
const WEB_RUNTIMES = ['auto', 'wasm', 'webgpu'];

/** Which runtime a model runs on, and why. */
export interface RuntimeCheck {
  runtime: WebRuntime;
  /** WebGPU's label map against wasm's on the first image (share of equal pixels), when both ran. */
  agreement?: number;
  /** Why it is not WebGPU, when it is not. */
  reason?: string;
}

/** WebGPU stays when its first label map agrees with wasm's on at least this share of pixels. */
export const DEFAULT_MIN_AGREEMENT = 0.99;

export interface WebLoadOptions {
  /**
   * auto (default): WebGPU where the browser has it, checked against wasm on the first image and
   * replaced by wasm when they disagree or WebGPU cannot run the model; wasm; or webgpu (no check).
   * WebGPU needs onnxruntime-web's WebGPU build (ort.webgpu.min.mjs).
   */
  runtime?: 'auto' | WebRuntime;
  /** auto: the agreement WebGPU must reach (default DEFAULT_MIN_AGREEMENT). */
  minAgreement?: number;
  /** Told the runtime chosen (after the first image's check, under auto with WebGPU). */
  onRuntime?: (c: RuntimeCheck) => void;
  /** Where onnxruntime-web finds its .wasm files (ort.env.wasm.wasmPaths), e.g. '/vendor/ort/'. */
  wasmPaths?: string;
  /** wasm threads (needs a cross-origin isolated page; default: what onnxruntime-web picks). */
  threads?: number;
}

/** Loads `model.json` and its ONNX file from a folder URL, or takes them as given. */
const webLoadOptionsSchema = z.strictObject({
  runtime: z.optional(z.string()), minAgreement: z.optional(z.number()), onRuntime: z.optional(fnOption),
  wasmPaths: z.optional(z.string()), threads: z.optional(z.number()),
} satisfies { [K in keyof Required<WebLoadOptions>]: z.ZodMiniType });
const webSegmentOptionsShape = { probabilities: z.optional(z.boolean()) } satisfies { [K in keyof Required<WebSegmentOptions>]: z.ZodMiniType };
const webSegmentOptionsSchema = z.strictObject(webSegmentOptionsShape);
const webStreamOptionsSchema = z.strictObject({
  ...webSegmentOptionsShape, smooth: z.optional(z.number()), onError: z.optional(fnOption),
} satisfies { [K in keyof Required<WebStreamOptions>]: z.ZodMiniType });

const webBackgroundSchema = z.strictObject({
  ...effectOptionsShape, probability: z.optional(z.custom<Float32Array>((v) => v instanceof Float32Array, 'expected a Float32Array, one probability per pixel')),
} satisfies { [K in keyof Required<WebBackgroundOptions>]: z.ZodMiniType });
const webOverlaySchema = z.strictObject({ alpha: z.optional(z.number()), hide: z.optional(z.array(z.number(), 'expected a list of class ids')) });

export async function load(model: string | { card: unknown; onnx: Uint8Array | ArrayBuffer }, given: WebLoadOptions = {}): Promise<WebSegmenter> {
  const o = checkedOptions(webLoadOptionsSchema, given, 'load()');
  if (typeof model !== 'string' && !(typeof model === 'object' && model !== null && 'card' in model && 'onnx' in model)) {
    throw new UserError(`model: got ${model === null ? 'null' : typeof model === 'object' ? 'an object without card and onnx' : `a ${typeof model}`}; give a model folder's URL or { card, onnx }`, 2, 'model');
  }
  if (o.runtime !== undefined && !WEB_RUNTIMES.includes(o.runtime)) throw argumentError('runtime', o.runtime, `use ${WEB_RUNTIMES.join(', ')}`);
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1)) throw argumentError('threads', o.threads, 'expected a whole number of wasm threads, 1 or more');
  if (o.wasmPaths) ort.env.wasm.wasmPaths = o.wasmPaths;
  if (o.threads) ort.env.wasm.numThreads = o.threads;
  let raw: unknown, where: string;
  if (typeof model === 'string') {
    const base = model.replace(/\/?$/, '/');
    where = base + 'model.json';
    raw = await fetchOk(where).then((r) => r.json());
  } else {
    where = 'card';
    raw = model.card;
  }
  // The architecture registry is not in the browser: a card must record its stride (every card
  // pixelwise writes does; the server hands out cards as read, migrated).
  const parsed = parseCard(raw, () => undefined);
  if ('error' in parsed) throw new UserError(`${where}: ${parsed.error}`, 2, 'model');
  const { card } = parsed;
  // The ONNX file of each network the card names (variants: the same network at other sizes).
  const cards = typeof model === 'string' ? variantCards(card) : [variantCards(card)[0]];
  let graphs: Uint8Array[];
  if (typeof model === 'string') {
    if (!card.onnx) throw new UserError(`${where}: the model has no ONNX file (export one with \`pixelwise export\`)`, 2, 'model');
    graphs = [];
    for (const c of cards) graphs.push(new Uint8Array(await (await fetchOk(model.replace(/\/?$/, '/') + c.onnx)).arrayBuffer()));
  } else graphs = [model.onnx instanceof Uint8Array ? model.onnx : new Uint8Array(model.onnx as ArrayBuffer)];
  // sharp is not in the browser: a card resized by sharp's linear filter is resized by Pillow's
  // here (close, not the same bytes); Pillow-resized cards give exactly the Node result.
  const segmenterOf = (n: Network, c: ModelCard) => createSegmenter(n, c, { filters: { sharp: BUILT_IN_FILTERS.pillow } });
  const build = async (ep: WebRuntime) => {
    const nets: OrtWebNetwork[] = [];
    try {
      for (const g of graphs) nets.push(await OrtWebNetwork.create(g, ep, card.model.numClasses));
    } catch (e) { await Promise.all(nets.map((n) => n.dispose())); throw e; }
    const parts = nets.map((n, i) => segmenterOf(n, cards[i]));
    return { ep, nets, seg: parts.length > 1 ? byAspect(parts, card) : parts[0] };
  };
  const wanted = o.runtime ?? 'auto';
  const check: RuntimeCheck = { runtime: 'wasm' };
  let gpu: Awaited<ReturnType<typeof build>> | null = null;
  if (wanted !== 'wasm') {
    const why = await webGpuMissing();
    if (why) check.reason = why;
    else {
      try { gpu = await build('webgpu'); } catch (e) { check.reason = `WebGPU could not run the model (${(e as Error).message.split('\n')[0]})`; }
    }
    if (!gpu && wanted === 'webgpu') throw new UserError(`${where}: runtime webgpu: ${check.reason}`, 2, 'runtime');
  }
  // auto: WebGPU, checked against wasm on the first image; wasm where it is missing or disagrees.
  let active = gpu && wanted === 'webgpu' ? gpu : await build('wasm');
  let reference = gpu && wanted === 'auto' ? active : null;
  if (gpu && wanted === 'auto') active = gpu;
  if (gpu && wanted === 'webgpu') check.runtime = 'webgpu';
  const seg = { get current() { return active.seg; } };
  const networks = { get all() { return [...active.nets, ...(reference?.nets ?? [])]; } };
  /** The first image on both runtimes: WebGPU stays if its label map agrees with wasm's (once, however many calls wait on it). */
  let checking: Promise<void> | null = null;
  const firstCheck = (image: RgbImage) => (checking ??= compareRuntimes(image));
  const compareRuntimes = async (image: RgbImage) => {
    if (!reference || active === reference) return;
    const [a] = await active.seg.predictBatch([image]), [b] = await reference.seg.predictBatch([image]);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    check.agreement = same / a.length;
    const keep = check.agreement >= (o.minAgreement ?? DEFAULT_MIN_AGREEMENT);
    const [kept, dropped] = keep ? [active, reference] : [reference, active];
    if (!keep) check.reason = `WebGPU's label map agrees with wasm's on ${(100 * check.agreement).toFixed(2)}% of pixels, below ${(100 * (o.minAgreement ?? DEFAULT_MIN_AGREEMENT)).toFixed(2)}%: running on wasm`;
    check.runtime = kept.ep;
    active = kept; reference = null;
    await dropped.seg.dispose();
    o.onRuntime?.(check);
  };
  if (!gpu || wanted !== 'auto') o.onRuntime?.(check);
  const lifetime = new Lifetime(`model ${typeof model === 'string' ? model : '(card and ONNX given)'}`);
  const network = { get ms() { return networks.all.reduce((t, n) => t + n.ms, 0); } };
  const segmentWith = async (s: Segmenter, image: RgbImage, so: WebSegmentOptions & { smooth?: number }) => {
    const t0 = performance.now(), ran = network.ms;
    let labels: Uint8Array, prob8: Uint8Array | null = null;
    // Smoothing mixes scores: it takes the scores path (probabilitiesOf takes it too for a smoothed segmenter).
    if (so.probabilities) {
      const [r] = await probabilitiesOf(s, [image]);
      labels = r.labels; prob8 = r.prob8;
    } else if (so.smooth) [{ labels }] = await s.scoresBatch([image]);
    else [labels] = await s.predictBatch([image]);
    const inference = network.ms - ran, total = performance.now() - t0;
    return fromLabels(image, labels, card.classes, { preprocess: 0, inference, postprocess: total - inference }, prob8);
  };
  return {
    card,
    get runtimeCheck() { return { ...check }; },
    get labelsFromHead() { return active.nets.every((n) => n.labelsFromHead); },
    segment: (input, given = {}) => lifetime.run(async () => {
      const so = checkedOptions(webSegmentOptionsSchema, given, 'segment()');
      const image = await toRgbAsync(input);
      await firstCheck(image);
      return segmentWith(seg.current, image, so);
    }),
    segmentStream(video, onResult, given = {}) {
      const so = checkedOptions(webStreamOptionsSchema, given, 'segmentStream()');
      // Its own smoothing state; the model stays the segmenter's (not disposed with the stream).
      let smoothed: Segmenter | null = null, smoothedFor: Segmenter | null = null;
      let stopped = false, busy = false, frames = 0, dropped = 0;
      const v = video as HTMLVideoElement & { requestVideoFrameCallback?: (cb: (now: number, m: { presentedFrames: number }) => void) => number };
      let lastPresented = -1;
      const next = () => { if (!stopped) { if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(onFrame); else requestAnimationFrame(() => onFrame()); } };
      const onFrame = (_now?: number, meta?: { presentedFrames: number }) => {
        // A disposed model ends its streams.
        if (lifetime.disposed) stopped = true;
        if (stopped) return;
        // Frames the video showed without a callback (the page was busy, e.g. wasm on this thread) were dropped too.
        if (meta) { if (lastPresented >= 0) dropped += Math.max(0, meta.presentedFrames - lastPresented - 1); lastPresented = meta.presentedFrames; }
        if (busy || !video.videoWidth) { if (busy) dropped++; next(); return; }
        busy = true;
        const image = toRgb(video);
        next();
        lifetime.run(async () => {
          await firstCheck(image);
          // Its own smoothing state, over the runtime the check kept (the model is not disposed with the stream).
          if (smoothedFor !== seg.current) { smoothed = withSmoothing(seg.current, so.smooth ?? 0); smoothedFor = seg.current; }
          return segmentWith(smoothed!, image, so);
        })
          .then((r) => { frames++; onResult(r); })
          .catch((e: Error) => so.onError?.(e))
          .finally(() => { busy = false; });
      };
      next();
      return { stop: () => { stopped = true; }, get frames() { return frames; }, get dropped() { return dropped; } };
    },
    dispose: () => lifetime.dispose(async () => { await active.seg.dispose(); if (reference && reference !== active) await reference.seg.dispose(); }),
  };
}

/** Why this browser cannot run WebGPU (null when it can). */
async function webGpuMissing(): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown | null> } }).gpu;
  if (!gpu) return 'this browser has no WebGPU (navigator.gpu)';
  try { return (await gpu.requestAdapter()) ? null : 'WebGPU has no adapter here'; } catch (e) { return `WebGPU adapter: ${(e as Error).message}`; }
}

type SessionOptions = ort.InferenceSession.SessionOptions;

/**
 * The onnxruntime-web runtime of the network interface (wasm or WebGPU execution). Where the graph
 * ends in a linear Resize that enlarges the class scores enough (inference/onnx_tail.ts, as the
 * Node runtime decides), label maps come from the graph cut before it: the low-resolution scores
 * leave the runtime, not C full-size planes, and only that graph is opened until the scores
 * themselves are asked for (run: probabilities, smoothing).
 */
class OrtWebNetwork implements Network {
  readonly runtime = 'onnx-web' as const;
  /** Milliseconds spent in runs so far. */
  ms = 0;
  readonly inputSize: [number, number] | null;
  private constructor(private readonly graph: Uint8Array, private readonly opts: SessionOptions, readonly ep: WebRuntime,
    private session: ort.InferenceSession | null, private readonly head: { tail: ResizeTail; session: ort.InferenceSession } | null, private readonly numClasses: number) {
    this.inputSize = fixedInputSize(graph);
  }

  static async create(graph: Uint8Array, ep: WebRuntime, numClasses: number): Promise<OrtWebNetwork> {
    const opts: SessionOptions = { executionProviders: [ep], graphOptimizationLevel: 'all' };
    const tail = numClasses <= 256 ? linearResizeTail(graph) : null;
    let head: { tail: ResizeTail; session: ort.InferenceSession } | null = null;
    if (tail) {
      let session: ort.InferenceSession | null = null;
      try {
        session = await ort.InferenceSession.create(tail.head, opts);
        const probe = probeInput(tail);
        const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', probe.data, probe.dims) });
        if (enlargesEnough(out[tail.output].dims, probe.dims)) head = { tail, session };
      } catch { /* the whole graph, which says why if it cannot run either */ }
      if (!head) await session?.release();
    }
    return new OrtWebNetwork(graph, opts, ep, head ? null : await ort.InferenceSession.create(graph, opts), head, numClasses);
  }

  /** Whether label maps come from the graph cut before its last Resize. */
  get labelsFromHead(): boolean { return this.head != null; }

  async run(x: Float32Array, dims: [number, number, number, number]): Promise<Float32Array> {
    this.session ??= await ort.InferenceSession.create(this.graph, this.opts);
    const t0 = performance.now();
    const out = await this.session.run({ [this.session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
    this.ms += performance.now() - t0;
    return out[this.session.outputNames[0]].data as Float32Array;
  }

  async labels(x: Float32Array, dims: [number, number, number, number]): Promise<Uint8Array> {
    if (this.head) {
      const { session, tail } = this.head, t0 = performance.now();
      const out = (await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) }))[tail.output];
      this.ms += performance.now() - t0;
      const labels = labelsFromHead(await out.getData(), out.dims, dims, tail.mode);
      out.dispose();
      if (labels) return labels;
    }
    const [n, , h, w] = dims, scores = await this.run(x, dims), labels = new Uint8Array(n * h * w);
    for (let i = 0; i < n; i++) labels.set(argmaxPadded(scores, i, this.numClasses, h, w, w, h), i * h * w);
    return labels;
  }

  async dispose(): Promise<void> {
    await this.head?.session.release();
    await this.session?.release();
  }
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new UserError(`${url}: HTTP ${r.status}`, 2, 'model');
  return r;
}

const NO_PROBABILITIES = 'this result has no probabilities: segment with { probabilities: true }';

/** A result object for a label map from elsewhere (the server's API), with the same renderers. */
export function fromLabels(image: RgbImage, labels: Uint8Array, classes: ClassInfo[], timings: WebSegmentation['timings'] = { preprocess: 0, inference: 0, postprocess: 0 },
  prob8: Uint8Array | null = null): WebSegmentation {
  image = checkedRgb8(image);
  const { width, height } = image;
  labels = checkedLabelMap(labels, width, height);
  const palette = classes.map((c) => c.color);
  const probability = (wanted: (string | number)[]) => {
    if (!prob8) throw new UserError(NO_PROBABILITIES);
    return probabilityOf(prob8, classes.length, classIds(classes, wanted, 'class'));
  };
  return {
    labels, width, height, image, timings, classes: classAreas(labels, classes),
    probability,
    confidenceMasks() {
      if (!prob8) throw new UserError(NO_PROBABILITIES);
      return confidenceMasks(prob8, classes.length);
    },
    background(given) {
      const o = checkedOptions(webBackgroundSchema, given, 'background()');
      const kind = chosenEffect(o);
      const alpha = matte(o.probability ?? probability(o.keep));
      if (alpha.length !== width * height) throw new UserError(`probability: ${alpha.length} values for ${width}x${height} pixels; give one per pixel`, 2, 'probability');
      if (kind === 'transparent') {
        // The photo, its alpha the matte: the kept classes opaque, the rest clear.
        const out = toImageData(image);
        for (let p = 0; p < alpha.length; p++) out.data[p * 4 + 3] = Math.round(alpha[p] * 255);
        return out;
      }
      const back = kind === 'blur' ? gaussianBlur(image, o.blur!)
        : kind === 'color' ? solidColour(width, height, typeof o.color === 'string' ? parseColor(o.color, 'background color') : o.color!)
          : kind === 'image' ? cover(toRgb(o.image!), width, height) : greyscale(image);
      return toImageData(composite(image, back, alpha));
    },
    colorMask: () => toImageData(colorize(labels, width, height, palette)),
    overlay(given) {
      const { alpha = 0.5, hide = [] } = checkedOptions(webOverlaySchema, given, 'overlay()');
      const shown = hide.length ? labels.map((l) => (hide.includes(l) ? 255 : l)) : labels; // 255: no class, no colour
      const mask = colorize(shown, width, height, palette);
      const blended = overlay(image, mask, checkedAlpha(alpha));
      if (hide.length) for (let p = 0; p < shown.length; p++) if (shown[p] === 255) blended.data.set(image.data.subarray(p * 3, p * 3 + 3), p * 3);
      return toImageData(blended);
    },
  };
}

/** `img` scaled to fill width x height and centre-cropped (as Node's background image). */
function cover(img: RgbImage, width: number, height: number): RgbImage {
  const [x, y, w, h] = coverBox(img.width, img.height, width, height).map(Math.round);
  const crop = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) crop.set(img.data.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + w) * 3), r * w * 3);
  return pillowBilinear({ data: crop, width: w, height: h }, width, height);
}

/** RGB from whatever the page has, Blobs (encoded images) included. */
export async function toRgbAsync(input: WebImageInput): Promise<RgbImage> {
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    const bitmap = await createImageBitmap(input);
    try { return toRgb(bitmap); } finally { bitmap.close(); }
  }
  return toRgb(input);
}

/** RGB (3 bytes a pixel) from whatever the page has (a Blob: toRgbAsync). */
export function toRgb(input: WebImageInput): RgbImage {
  if (typeof Blob !== 'undefined' && input instanceof Blob) throw new UserError('input: a Blob is an encoded image: segment() reads it (toRgbAsync)', 2, 'input');
  // Raw RGB, raw RGBA and ImageData as they are (checkedRgb8 drops an alpha); the rest drawn first.
  return checkedRgb8('data' in input ? input : rgbaOf(input as Exclude<WebImageInput, ImageData | RgbImage | Blob>));
}

function rgbaOf(src: Exclude<WebImageInput, ImageData | RgbImage | Blob>): ImageData {
  // Each source's own pixel size: an image's natural size, a video's frame size, a VideoFrame's display size.
  const [width, height] = 'videoWidth' in src ? [src.videoWidth, src.videoHeight]
    : 'naturalWidth' in src ? [src.naturalWidth, src.naturalHeight]
      : 'displayWidth' in src ? [src.displayWidth, src.displayHeight] : [src.width, src.height];
  if (!width || !height) throw new UserError('input: the image or video has no pixels yet (not loaded, or no frame decoded)', 2, 'input');
  // One canvas, reused: a stream reads a frame many times a second, and a new canvas each time
  // is a new pixel buffer outside the JS heap until a garbage collection.
  if (!scratch || scratch.canvas.width !== width || scratch.canvas.height !== height) {
    const canvas = new OffscreenCanvas(width, height);
    scratch = { canvas, ctx: canvas.getContext('2d', { willReadFrequently: true })! };
  }
  scratch.ctx.clearRect(0, 0, width, height);
  scratch.ctx.drawImage(src, 0, 0);
  return scratch.ctx.getImageData(0, 0, width, height);
}
let scratch: { canvas: OffscreenCanvas; ctx: OffscreenCanvasRenderingContext2D } | null = null;

/** RGB -> ImageData (opaque), for putImageData on a canvas. */
export function toImageData(rgb: RgbImage): ImageData {
  const n = rgb.width * rgb.height, rgba = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) { rgba[p * 4] = rgb.data[p * 3]; rgba[p * 4 + 1] = rgb.data[p * 3 + 1]; rgba[p * 4 + 2] = rgb.data[p * 3 + 2]; rgba[p * 4 + 3] = 255; }
  return new ImageData(rgba, rgb.width, rgb.height);
}
