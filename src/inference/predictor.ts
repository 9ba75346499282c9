// Image -> label map with a SegModel on TF.js: resize rule, normalisation, padding to the
// network's stride, logits resized back to the original size, argmax.
import * as tf from '@tensorflow/tfjs-core';
import { resizeRgb, type RgbImage } from '../data/image_io.js';
import { normalizeInto, type Normalization } from '../data/normalize.js';
import type { SegModel } from '../models/seg_model.js';

export interface PredictOptions { norm: Normalization; resize?: [number, number] }

/** Class-id map [h*w] at the image's own size. */
export async function predictLabels(model: SegModel, img: RgbImage, o: PredictOptions): Promise<Uint8Array> {
  return (await predictBatch(model, [img], o))[0];
}

/**
 * The card's resize rule applied to the input, with sharp on 8-bit pixels exactly as the training
 * loader does, so every runtime sees what training saw.
 */
export async function resizeForModel(imgs: RgbImage[], resize?: [number, number]): Promise<RgbImage[]> {
  if (!resize) return imgs;
  return Promise.all(imgs.map((im) => resizeRgb(im, resize[1], resize[0])));
}

/** Same-size images in one forward pass. */
export async function predictBatch(model: SegModel, imgs: RgbImage[], o: PredictOptions): Promise<Uint8Array[]> {
  const { width, height } = imgs[0];
  const src = await resizeForModel(imgs, o.resize);
  const { width: w, height: h } = src[0];
  const px = w * h;
  const x = new Float32Array(src.length * px * 3);
  src.forEach((im, i) => normalizeInto(x, i * px * 3, im.data, o.norm));
  const labels = tf.tidy(() => {
    const input = tf.tensor4d(x, [src.length, h, w, 3]);
    let logits = model.forward(input, false);
    if (logits.shape[1] !== height || logits.shape[2] !== width) {
      logits = tf.image.resizeBilinear(logits, [height, width], false, true);
    }
    return tf.argMax(logits, -1);
  });
  const data = labels.dataSync() as Int32Array;
  labels.dispose();
  const opx = width * height;
  return imgs.map((_, i) => Uint8Array.from(data.subarray(i * opx, (i + 1) * opx)));
}

/** Class scores (logits) per image, CHW at the image's own size: for test-time augmentation. */
export async function predictLogitsBatch(model: SegModel, imgs: RgbImage[], o: PredictOptions): Promise<Float32Array[]> {
  const { width, height } = imgs[0];
  const src = await resizeForModel(imgs, o.resize);
  const { width: w, height: h } = src[0];
  const x = new Float32Array(src.length * w * h * 3);
  src.forEach((im, i) => normalizeInto(x, i * w * h * 3, im.data, o.norm));
  const chw = tf.tidy(() => {
    let logits = model.forward(tf.tensor4d(x, [src.length, h, w, 3]), false);
    if (h !== height || w !== width) logits = tf.image.resizeBilinear(logits, [height, width], false, true);
    return tf.transpose(logits, [0, 3, 1, 2]);
  });
  const data = chw.dataSync() as Float32Array;
  chw.dispose();
  const per = data.length / imgs.length;
  return imgs.map((_, i) => data.slice(i * per, (i + 1) * per));
}
