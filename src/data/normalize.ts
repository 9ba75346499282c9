// Input normalisation in one place, with no Node dependencies: training (TF.js), ONNX Runtime in
// Node and onnxruntime-web in the browser all build their network inputs here, so every runtime
// sees bit-identical inputs.
import { channelsOf, isRgb8, SAMPLE_MAX, sampleTypeOf, type PixelImage, type Samples, type SampleType } from './pixels.js';
import { argumentError } from '../util/errors.js';
import { simdNormalizeRgb } from './simd/normalize.js';

/**
 * Network input = (sample / full scale - mean) / std per band (full scale: 255 for 8-bit, 65535 for
 * 16-bit, 1 for float samples); one mean and std per band. Three bands may be in `channelOrder`
 * (default RGB; mean and std are given in that order).
 */
export interface Normalization { mean: number[]; std: number[]; channelOrder?: 'RGB' | 'BGR' }
export const IMAGENET_NORM: Normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** Keras Applications' "caffe" preprocessing (VGG16, ResNet50): BGR, minus the ImageNet mean in 0-255 units, no scaling. */
export const KERAS_CAFFE_NORM: Normalization = { channelOrder: 'BGR', mean: [103.939 / 255, 116.779 / 255, 123.68 / 255], std: [1 / 255, 1 / 255, 1 / 255] };
/** Pixel values 0..255 as they are (models that preprocess inside: keras.applications' EfficientNet). */
export const RAW_PIXELS: Normalization = { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] };
/** Keras Applications' "tf" preprocessing (MobileNetV2): x / 127.5 - 1. */
export const KERAS_TF_NORM: Normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/**
 * Per output channel, the normalised value of each 8-bit level, computed as PyTorch's
 * to_tensor + normalize do in float32 ((v / 255 - mean) / std, each step rounded), so imported
 * models see bit-identical inputs. Output channel k reads source channel `source[k]`.
 */
export function normalizationTable(norm: Normalization): { lut: Float32Array[]; source: [number, number, number] } {
  const lut = [0, 1, 2].map((k) => bandTable(norm, k, 'uint8'));
  return { lut, source: norm.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2] };
}

/** Band k's normalised value of every level of an integer sample type, in float32 steps. */
function bandTable(norm: Normalization, k: number, type: 'uint8' | 'uint16'): Float32Array {
  const f = Math.fround, max = SAMPLE_MAX[type];
  return Float32Array.from({ length: max + 1 }, (_, v) => f(f(f(v / max) - f(norm.mean[k])) / f(norm.std[k])));
}

/** Per band, sample -> normalised value: a lookup table for integer samples, arithmetic for floats. */
function bandMaps(norm: Normalization, channels: number, type: SampleType): ((v: number) => number)[] {
  if (norm.mean.length !== channels || norm.std.length !== channels) {
    throw argumentError('normalization', `${norm.mean.length} means and ${norm.std.length} stds`, `the images have ${channels} bands: one mean and one std per band`);
  }
  const f = Math.fround;
  return Array.from({ length: channels }, (_, k) => {
    if (type !== 'float32') { const t = bandTable(norm, k, type); return (v: number) => t[v]; }
    const m = f(norm.mean[k]), s = f(norm.std[k]);
    return (v: number) => f(f(v - m) / s);
  });
}

/** Writes samples of `channels` bands into a normalised float buffer (NHWC) at the given offset. */
export function normalizeSamplesInto(dst: Float32Array, offset: number, data: Samples, channels: number, norm: Normalization): void {
  if (channels === 3 && data instanceof Uint8Array) { normalizeInto(dst, offset, data, norm); return; }
  const maps = bandMaps(norm, channels, sampleTypeOf(data));
  for (let i = 0; i < data.length; i += channels) for (let k = 0; k < channels; k++) dst[offset + i + k] = maps[k](data[i + k]);
}

/** Writes an RGB image into a normalised float buffer (NHWC) at the given offset. */
export function normalizeInto(dst: Float32Array, offset: number, rgb: Uint8Array, norm: Normalization): void {
  const { lut: [l0, l1, l2], source: [c0, c1, c2] } = normalizationTable(norm);
  for (let i = 0, j = offset; i < rgb.length; i += 3, j += 3) {
    dst[j] = l0[rgb[i + c0]]; dst[j + 1] = l1[rgb[i + c1]]; dst[j + 2] = l2[rgb[i + c2]];
  }
}

/**
 * Normalised NCHW input for ONNX models: images (same size) at the top left of ph x pw planes,
 * the rest zero (= the mean colour after normalisation). 8-bit RGB goes through the SIMD kernel
 * (simd/normalize.ts) unless `simd` is false, with the same values as the lookup loop.
 */
export function normalizeNchw(src: PixelImage[], norm: Normalization, ph: number, pw: number, o: { simd?: boolean } = {}): Float32Array {
  const { width: w, height: h } = src[0];
  const plane = ph * pw;
  if (!isRgb8(src[0])) return normalizeBandsNchw(src, norm, ph, pw);
  const x = new Float32Array(src.length * 3 * plane);
  const { lut, source } = normalizationTable(norm);
  const [l0, l1, l2] = lut, [c0, c1, c2] = source;
  src.forEach((im, i) => {
    if (!isRgb8(im)) throw argumentError('images', `${channelsOf(im)} bands of ${sampleTypeOf(im)}`, 'every image of a batch needs the first one\'s 3 bands of uint8');
    const d = im.data, b0 = i * 3 * plane, b1 = b0 + plane, b2 = b1 + plane;
    if (o.simd !== false) {
      // Source channel j feeds output channel k where source[k] = j (BGR models swap the ends).
      const targets = [0, 1, 2].map((j) => { const k = source.indexOf(j); return { plane: b0 + k * plane, mean: norm.mean[k], std: norm.std[k], lut: lut[k] }; });
      if (simdNormalizeRgb(d, w, h, pw, x, targets)) return;
    }
    // One pass over the pixels, writing the three planes (a pass per plane reads the image thrice).
    for (let yy = 0; yy < h; yy++) {
      const end = yy * pw + w;
      for (let o = yy * pw, p = yy * w * 3; o < end; o++, p += 3) {
        x[b0 + o] = l0[d[p + c0]]; x[b1 + o] = l1[d[p + c1]]; x[b2 + o] = l2[d[p + c2]];
      }
    }
  });
  return x;
}

/** normalizeNchw for images of any bands and sample type (each band in its own order). */
function normalizeBandsNchw(src: PixelImage[], norm: Normalization, ph: number, pw: number): Float32Array {
  const { width: w, height: h } = src[0], c = channelsOf(src[0]), plane = ph * pw;
  const maps = bandMaps(norm, c, sampleTypeOf(src[0]));
  const x = new Float32Array(src.length * c * plane);
  src.forEach((im, i) => {
    if (channelsOf(im) !== c || sampleTypeOf(im) !== sampleTypeOf(src[0])) throw argumentError('images', `${channelsOf(im)} bands of ${sampleTypeOf(im)}`, `every image of a batch needs the first one's ${c} bands of ${sampleTypeOf(src[0])}`);
    for (let k = 0; k < c; k++) {
      const base = (i * c + k) * plane, t = maps[k];
      for (let yy = 0; yy < h; yy++) {
        const row = base + yy * pw;
        for (let xx = 0, p = yy * w * c + k; xx < w; xx++, p += c) x[row + xx] = t(im.data[p]);
      }
    }
  });
  return x;
}
