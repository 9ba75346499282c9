// Input normalisation in one place, with no Node dependencies: training (TF.js), ONNX Runtime in
// Node and onnxruntime-web in the browser all build their network inputs here, so every runtime
// sees bit-identical inputs.
import type { RgbImage } from './image_io.js';

/**
 * Network input = (pixel / 255 - mean) / std per channel, channels in `channelOrder` (default RGB;
 * mean and std are given in that order).
 */
export interface Normalization { mean: [number, number, number]; std: [number, number, number]; channelOrder?: 'RGB' | 'BGR' }
export const IMAGENET_NORM: Normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** Keras Applications' "caffe" preprocessing (VGG16, ResNet50): BGR, minus the ImageNet mean in 0-255 units, no scaling. */
export const KERAS_CAFFE_NORM: Normalization = { channelOrder: 'BGR', mean: [103.939 / 255, 116.779 / 255, 123.68 / 255], std: [1 / 255, 1 / 255, 1 / 255] };
/** Keras Applications' "tf" preprocessing (MobileNetV2): x / 127.5 - 1. */
export const KERAS_TF_NORM: Normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/**
 * Per output channel, the normalised value of each 8-bit level, computed as PyTorch's
 * to_tensor + normalize do in float32 ((v / 255 - mean) / std, each step rounded), so imported
 * models see bit-identical inputs. Output channel k reads source channel `source[k]`.
 */
export function normalizationTable(norm: Normalization): { lut: Float32Array[]; source: [number, number, number] } {
  const f = Math.fround;
  const lut = [0, 1, 2].map((k) => Float32Array.from({ length: 256 }, (_, v) => f(f(f(v / 255) - f(norm.mean[k])) / f(norm.std[k]))));
  return { lut, source: norm.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2] };
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
 * the rest zero (= the mean colour after normalisation).
 */
export function normalizeNchw(src: RgbImage[], norm: Normalization, ph: number, pw: number): Float32Array {
  const { width: w, height: h } = src[0];
  const plane = ph * pw;
  const x = new Float32Array(src.length * 3 * plane);
  const { lut, source } = normalizationTable(norm);
  src.forEach((im, i) => {
    for (let k = 0; k < 3; k++) {
      const base = (i * 3 + k) * plane, ch = source[k], t = lut[k];
      for (let yy = 0; yy < h; yy++) {
        const row = base + yy * pw;
        for (let xx = 0, p = yy * w * 3 + ch; xx < w; xx++, p += 3) x[row + xx] = t[im.data[p]];
      }
    }
  });
  return x;
}
