/// <reference lib="dom" />
// `pixelwise/web`: a model package's ONNX file run in the browser with onnxruntime-web (wasm), giving
// the same result as the Node library: label map, classes with areas, colour mask and overlay as
// ImageData. Preprocessing, argmax and drawing are the very modules Node uses (normalize.ts,
// pillow_resize.ts, label_map.ts, colorize.ts), so a page and a server agree pixel for pixel.
//
//   import { load } from 'pixelwise/web';
//   const seg = await load('/v1/models/voc');          // folder URL holding model.json + the ONNX file
//   const r = await seg.segment(imgElement);          // r.labels, r.classes, r.overlay({ alpha: 0.5 })
import * as ort from 'onnxruntime-web';
import type { RgbImage } from '../data/image_io.js';
import type { ClassInfo } from '../data/classes.js';
import type { ModelCard } from '../models/package.js';
import { normalizeNchw } from '../data/normalize.js';
import { pillowBilinear, pillowNearest, pillowTarget } from '../data/pillow_resize.js';
import { argmaxChw, argmaxPadded, classAreas, type ClassArea } from '../inference/label_map.js';
import { resizeChw } from '../inference/chw.js';
import { colorize, overlay } from '../render/colorize.js';

export type { ClassArea, ClassInfo, ModelCard, RgbImage };

/** What `segment` takes: anything drawable on a canvas, ImageData, or raw RGB. */
export type WebImageInput = ImageData | RgbImage | HTMLImageElement | HTMLCanvasElement | ImageBitmap | OffscreenCanvas;

export interface WebSegmentation {
  labels: Uint8Array; width: number; height: number;
  /** Classes present, largest first, with pixel counts and area shares. */
  classes: ClassArea[];
  /** The RGB pixels the model saw (before its own resize). */
  image: RgbImage;
  /** Milliseconds: preprocessing, the ONNX Runtime run, postprocessing. */
  timings: { preprocess: number; inference: number; postprocess: number };
  colorMask(): ImageData;
  /** The colour mask blended over the photo; `hide` lists class ids drawn as the photo alone. */
  overlay(o?: { alpha?: number; hide?: number[] }): ImageData;
}

export interface WebSegmenter {
  readonly card: ModelCard;
  segment(input: WebImageInput): Promise<WebSegmentation>;
  dispose(): Promise<void>;
}

export interface WebLoadOptions {
  /** Where onnxruntime-web finds its .wasm files (ort.env.wasm.wasmPaths), e.g. '/vendor/ort/'. */
  wasmPaths?: string;
  /** wasm threads (needs a cross-origin isolated page; default: what onnxruntime-web picks). */
  threads?: number;
}

/** Loads `model.json` and its ONNX file from a folder URL, or takes them as given. */
export async function load(model: string | { card: ModelCard; onnx: Uint8Array | ArrayBuffer }, o: WebLoadOptions = {}): Promise<WebSegmenter> {
  if (o.wasmPaths) ort.env.wasm.wasmPaths = o.wasmPaths;
  if (o.threads) ort.env.wasm.numThreads = o.threads;
  let card: ModelCard, bytes: Uint8Array;
  if (typeof model === 'string') {
    const base = model.replace(/\/?$/, '/');
    card = await fetchOk(base + 'model.json').then((r) => r.json()) as ModelCard;
    if (!card.onnx) throw new Error(`${base}model.json: the model has no ONNX file (export one with \`pixelwise export\`)`);
    const buf: ArrayBuffer = await (await fetchOk(base + card.onnx)).arrayBuffer();
    bytes = new Uint8Array(buf);
  } else {
    card = model.card;
    bytes = model.onnx instanceof Uint8Array ? model.onnx : new Uint8Array(model.onnx as ArrayBuffer);
  }
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return {
    card,
    segment: (input) => segmentWith(session, card, toRgb(input)),
    dispose: () => session.release(),
  };
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

/** The pipeline of the Node ONNX Runtime path (segmenter.ts + onnx_runtime.ts), with the same modules. */
async function segmentWith(session: ort.InferenceSession, card: ModelCard, image: RgbImage): Promise<WebSegmentation> {
  const t0 = performance.now();
  const C = card.model.numClasses, stride = card.model.stride ?? 32;
  // The card's resize rule: Pillow BILINEAR to the authors' size (exact); `resize` (sharp's
  // bilinear in Node) is approximated by the same Pillow filter here.
  const rule = card.pillowResize ?? (card.resize ? { size: card.resize } : undefined);
  const net = rule ? pillowBilinear(image, ...pillowTarget(rule, image.width, image.height)) : image;
  const { width: w, height: h } = net;
  const ph = Math.ceil(h / stride) * stride, pw = Math.ceil(w / stride) * stride;
  const x = normalizeNchw([net], card.normalization, ph, pw);
  const t1 = performance.now();
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, ph, pw]) });
  const logits = out[session.outputNames[0]].data as Float32Array;
  const t2 = performance.now();
  let labels: Uint8Array;
  if (card.pillowResize || !rule) {
    labels = argmaxPadded(logits, 0, C, ph, pw, w, h);
    if (rule) labels = pillowNearest(labels, w, h, image.width, image.height);
  } else {
    // As Node does for `resize`: scores cropped, resized back bilinearly, then the argmax.
    const map = new Float32Array(C * h * w);
    for (let k = 0; k < C; k++) for (let y = 0; y < h; y++) map.set(logits.subarray((k * ph + y) * pw, (k * ph + y) * pw + w), (k * h + y) * w);
    labels = argmaxChw(resizeChw(map, C, h, w, image.height, image.width), C);
  }
  const t3 = performance.now();
  return fromLabels(image, labels, card.classes, { preprocess: t1 - t0, inference: t2 - t1, postprocess: t3 - t2 });
}

/** A result object for a label map from elsewhere (the server's API), with the same renderers. */
export function fromLabels(image: RgbImage, labels: Uint8Array, classes: ClassInfo[], timings: WebSegmentation['timings'] = { preprocess: 0, inference: 0, postprocess: 0 }): WebSegmentation {
  const { width, height } = image;
  const palette = classes.map((c) => c.color);
  return {
    labels, width, height, image, timings, classes: classAreas(labels, classes),
    colorMask: () => toImageData(colorize(labels, width, height, palette)),
    overlay({ alpha = 0.5, hide = [] } = {}) {
      const shown = hide.length ? labels.map((l) => (hide.includes(l) ? 255 : l)) : labels; // 255: no class, no colour
      const mask = colorize(shown, width, height, palette);
      const blended = overlay(image, mask, alpha);
      if (hide.length) for (let p = 0; p < shown.length; p++) if (shown[p] === 255) blended.data.set(image.data.subarray(p * 3, p * 3 + 3), p * 3);
      return toImageData(blended);
    },
  };
}

/** RGB (3 bytes a pixel) from whatever the page has. */
export function toRgb(input: WebImageInput): RgbImage {
  if ('data' in input && !(input instanceof ImageData)) return input;
  const rgba = input instanceof ImageData ? input : rgbaOf(input);
  const n = rgba.width * rgba.height, data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) { data[p * 3] = rgba.data[p * 4]; data[p * 3 + 1] = rgba.data[p * 4 + 1]; data[p * 3 + 2] = rgba.data[p * 4 + 2]; }
  return { data, width: rgba.width, height: rgba.height };
}

function rgbaOf(src: Exclude<WebImageInput, ImageData | RgbImage>): ImageData {
  const width = 'naturalWidth' in src ? src.naturalWidth : src.width;
  const height = 'naturalHeight' in src ? src.naturalHeight : src.height;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(src, 0, 0);
  return ctx.getImageData(0, 0, width, height);
}

/** RGB -> ImageData (opaque), for putImageData on a canvas. */
export function toImageData(rgb: RgbImage): ImageData {
  const n = rgb.width * rgb.height, rgba = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) { rgba[p * 4] = rgb.data[p * 3]; rgba[p * 4 + 1] = rgb.data[p * 3 + 1]; rgba[p * 4 + 2] = rgb.data[p * 3 + 2]; rgba[p * 4 + 3] = 255; }
  return new ImageData(rgba, rgb.width, rgb.height);
}
