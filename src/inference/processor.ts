// The one image processor: what a model's card says about its input and output, applied. The image
// side resizes an image to the network's size by the card's input rule and brings results back to
// the image's size; the network side normalises, pads to the stride (NCHW) and crops what the
// network gives back. Every runtime (TF.js, ONNX Runtime in Node and in the browser) goes through
// here. No Node imports: the browser module uses this same code.
import type { RgbImage } from '../data/image_io.js';
import type { CardOutput, InputRule, ModelCard, ResizeFilterName } from '../models/card.js';
import { normalizeNchw } from '../data/normalize.js';
import { channelsOf, isRgb8, resizeSamples, sampleTypeOf, type PixelImage } from '../data/pixels.js';
import { pillowBicubic, pillowBilinear, pillowNearest } from '../data/pillow_resize.js';
import { opencvLinear, opencvNearest } from '../data/opencv_resize.js';
import { resizeArgmaxChw, resizeChw, resizeChwRows, scoreStrips, setRowsChw } from './chw.js';
import { argmaxChw, argmaxPadded, probabilities8 } from './label_map.js';
import { UserError, argumentError } from '../util/errors.js';

/** A resize filter for 8-bit RGB images (the card names one per input rule). */
export type ResizeFn = (img: RgbImage, width: number, height: number) => RgbImage | Promise<RgbImage>;
/** Filters by name; Pillow's and OpenCV's are built in, sharp's is given by the Node side (open.ts). */
export type ResizeFilters = Partial<Record<ResizeFilterName, ResizeFn>>;
export const BUILT_IN_FILTERS: ResizeFilters = {
  pillow: (im, w, h) => pillowBilinear(im, w, h), 'pillow-bicubic': (im, w, h) => pillowBicubic(im, w, h), 'opencv-linear': (im, w, h) => opencvLinear(im, w, h),
};

/** The network's input size [width, height] for an image of w x h under an input rule. */
export function netSize(rule: InputRule, w: number, h: number): [number, number] {
  if (rule.kind === 'native') return [w, h];
  if (rule.kind === 'fixed') return [rule.size[1], rule.size[0]];
  const m = rule.multiple;
  return [Math.max(m, Math.floor(w / m) * m), Math.max(m, Math.floor(h / m) * m)];
}

interface Size { width: number; height: number }

/** Same-size images as one network input: normalised, zero-padded to the stride, NCHW. */
export interface Encoded {
  x: Float32Array;
  dims: [number, number, number, number];
  /** The images' size inside the padded input. */
  width: number; height: number;
}

/** Log-probabilities stand in for logits where a network gives probabilities (softmax(log p) = p). */
const LOG_FLOOR = -30;

export class ImageProcessor {
  readonly numClasses: number;
  readonly output: CardOutput;
  /** The network's output is at 1 / scale of its input on each side (the card's output.scale). */
  readonly scale: number;
  constructor(readonly card: ModelCard, private readonly filters: ResizeFilters = {}) {
    this.numClasses = card.model.numClasses;
    this.output = card.output;
    this.scale = card.output.scale ?? 1;
  }

  /** The size of the network's results for an input of `net`'s size. */
  outSize(net: Size): Size {
    return { width: net.width / this.scale, height: net.height / this.scale };
  }

  /** Whether the network's results for `net` are at `img`'s size already (nothing to resize back). */
  atImageSize(net: Size, img: Size): boolean {
    const o = this.outSize(net);
    return o.width === img.width && o.height === img.height;
  }

  /** An output's sizes: n, the padded [ph, pw] and each image's [h, w], at the network's output scale. */
  private outDims(e: Encoded): { n: number; ph: number; pw: number; h: number; w: number } {
    const s = this.scale, [n, , ph, pw] = e.dims;
    return { n, ph: ph / s, pw: pw / s, h: e.height / s, w: e.width / s };
  }

  get rule(): InputRule { return this.card.input.rule; }
  /** Whether every image is resized to one size (such inputs are never tiled). */
  get fixedSize(): boolean { return this.rule.kind === 'fixed'; }

  /**
   * The images at the network's size (the same objects when the rule keeps them as they are). The
   * card's filter resizes 8-bit RGB; other images (bands, 16-bit, float) are resized bilinearly at
   * full precision (pixels.ts).
   */
  async toNetwork<T extends PixelImage>(imgs: T[]): Promise<T[]> {
    this.checkBands(imgs);
    const rule = this.rule;
    if (rule.kind === 'native') return imgs;
    const f = { ...BUILT_IN_FILTERS, ...this.filters }[rule.filter];
    if (!f) throw argumentError('filters', rule.filter, `the card resizes with ${rule.filter}'s filter: give that function in the segmenter's options.filters (openSegmenter gives sharp's)`);
    return Promise.all(imgs.map(async (im) => {
      const [w, h] = netSize(rule, im.width, im.height);
      if (w === im.width && h === im.height) return im;
      return (isRgb8(im) ? await f(im, w, h) : resizeSamples(im, w, h)) as T;
    }));
  }

  /** Images whose bands or samples are not the card's are refused, naming both. */
  checkBands(imgs: PixelImage[]): void {
    const c = this.card.input.channels, type = this.card.input.sampleType ?? 'uint8';
    for (const im of imgs) {
      if (channelsOf(im) !== c) throw argumentError('images', `${channelsOf(im)} bands`, `the model takes ${c} (its card's input.channels)${c === 3 ? ': read images as RGB' : ''}`);
      const t = sampleTypeOf(im);
      // 8-bit images feed a model of deeper samples as they are (their full scale is the same).
      if (t !== type && !(t === 'uint8' && type !== 'uint8')) throw argumentError('images', `${t} samples`, `the model was trained on ${type} samples (its card's input.sampleType)`);
    }
  }

  /** Label map from the network's output size (for an input of `net`'s) back to the image's (the card's nearest: Pillow's or OpenCV's). */
  labelsBack(labels: Uint8Array, net: Size, img: Size): Uint8Array {
    const o = this.outSize(net);
    return (this.output.nearest === 'opencv' ? opencvNearest : pillowNearest)(labels, o.width, o.height, img.width, img.height);
  }

  /** Class scores (CHW) from the network's output size back to the image's (bilinear, half-pixel centres). */
  scoresBack(scores: Float32Array, net: Size, img: Size): Float32Array {
    if (this.atImageSize(net, img)) return scores;
    const o = this.outSize(net);
    return resizeChw(scores, this.numClasses, o.height, o.width, img.height, img.width);
  }

  /**
   * probabilities8 of scoresBack's result, strip by strip of rows: the same values without the
   * full-size scores (C floats a pixel: gigabytes for a large photo), one byte a class and pixel.
   */
  probabilitiesBack(scores: Float32Array, net: Size, img: Size): Uint8Array {
    const C = this.numClasses, { width: tw, height: th } = img;
    if (this.atImageSize(net, img)) return probabilities8(scores, C);
    const o = this.outSize(net), out = new Uint8Array(C * th * tw);
    for (const [from, to] of scoreStrips(C, th, tw)) {
      setRowsChw(out, probabilities8(resizeChwRows(scores, C, o.height, o.width, th, tw, from, to), C), C, from, to - from, tw, th);
    }
    return out;
  }

  /**
   * The label map at the image's size from class scores at the network's: the argmax of
   * scoresBack's result, computed row by row without keeping it (same labels, a row of memory).
   */
  labelsFromScoresBack(scores: Float32Array, net: Size, img: Size): Uint8Array {
    if (this.atImageSize(net, img)) return argmaxChw(scores, this.numClasses);
    const o = this.outSize(net);
    return resizeArgmaxChw(scores, this.numClasses, o.height, o.width, img.height, img.width);
  }

  encode(imgs: PixelImage[]): Encoded {
    this.checkBands(imgs);
    const { width, height } = imgs[0];
    const s = this.card.input.stride, ph = Math.ceil(height / s) * s, pw = Math.ceil(width / s) * s;
    return { x: normalizeNchw(imgs, this.card.input.normalization, ph, pw), dims: [imgs.length, this.card.input.channels, ph, pw], width, height };
  }

  /**
   * Per image, the class scores (CHW, logits or log-probabilities) of its part of the network's
   * output [n, C, ph, pw]: views into `out` where nothing is cropped (the output is rewritten in
   * place for probabilities and a temperature), copies otherwise.
   */
  scores(out: Float32Array, e: Encoded): Float32Array[] {
    this.checkOutput(out, e, true);
    const C = this.numClasses, { n, ph, pw, w, h } = this.outDims(e);
    return Array.from({ length: n }, (_, i) => {
      // Unpadded, an image's scores are a run of the output (which is the caller's to keep): a view.
      const whole = ph === h && pw === w;
      const map = whole ? out.subarray(i * C * h * w, (i + 1) * C * h * w) : new Float32Array(C * h * w);
      if (!whole) for (let k = 0; k < C; k++) for (let y = 0; y < h; y++) {
        map.set(out.subarray(((i * C + k) * ph + y) * pw, ((i * C + k) * ph + y) * pw + w), (k * h + y) * w);
      }
      if (this.output.kind === 'probabilities') for (let p = 0; p < map.length; p++) map[p] = map[p] > 0 ? Math.max(LOG_FLOOR, Math.log(map[p])) : LOG_FLOOR;
      // The calibrated temperature: every consumer of scores (probabilities, mattes, thresholds,
      // uncertainty) sees softmax(scores / t); the argmax is unchanged.
      const t = this.card.temperature;
      if (t && t !== 1) for (let p = 0; p < map.length; p++) map[p] /= t;
      return map;
    });
  }

  /** Per image, the argmax of its part of the network's output [n, C, ph, pw] (cropping as it goes). */
  argmax(out: Float32Array, e: Encoded): Uint8Array[] {
    this.checkOutput(out, e, true);
    const { n, ph, pw, w, h } = this.outDims(e);
    return Array.from({ length: n }, (_, i) => argmaxPadded(out, i, this.numClasses, ph, pw, w, h));
  }

  /** Per image, its part of a label map [n, ph, pw] the network gave. */
  labels(out: Uint8Array, e: Encoded): Uint8Array[] {
    this.checkOutput(out, e, false);
    const { n, ph, pw, w, h } = this.outDims(e);
    return Array.from({ length: n }, (_, i) => {
      const map = new Uint8Array(w * h);
      for (let y = 0; y < h; y++) map.set(out.subarray((i * ph + y) * pw, (i * ph + y) * pw + w), y * w);
      return map;
    });
  }

  /**
   * A network's output checked against the input it was given: [n, C, ph, pw] scores, or an
   * [n, ph, pw] label map. A Network written outside pixelwise (createSegmenter takes any) that
   * answers with another shape would be read past its end or in part.
   */
  private checkOutput(out: Float32Array | Uint8Array, e: Encoded, scores: boolean): void {
    const { n, ph, pw } = this.outDims(e), C = this.numClasses;
    const expected = scores ? n * C * ph * pw : n * ph * pw;
    const type = scores ? Float32Array : Uint8Array;
    if (out instanceof type && out.length === expected) return;
    const shape = scores ? `${n} x ${C} classes x ${ph} x ${pw}` : `${n} x ${ph} x ${pw}`;
    const got = out instanceof type ? `${out.length} values` : `${(out as object | null)?.constructor?.name ?? String(out)}`;
    throw new UserError(`network: ${got} for an input of ${e.dims.join(' x ')}; expected a ${type.name} of ${expected} (${shape}${scores ? '' : ', a label map'})`, 2, 'network');
  }

  /** Scores for a network that gives only a label map: one-hot, as logits (the label's probability ~1). */
  oneHot(labels: Uint8Array): Float32Array {
    const C = this.numClasses, px = labels.length, map = new Float32Array(C * px).fill(LOG_FLOOR);
    for (let p = 0; p < px; p++) map[labels[p] * px + p] = 0;
    return map;
  }
}
