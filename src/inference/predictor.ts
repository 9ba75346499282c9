// Image -> label map with a SegModel on TF.js: resize rule, normalisation, padding to the
// network's stride, logits resized back to the original size, argmax.
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '../data/image_io.js';
import { normalizeInto, type Normalization } from '../data/loader.js';
import type { SegModel } from '../models/seg_model.js';

export interface PredictOptions { norm: Normalization; resize?: [number, number] }

/** Class-id map [h*w] at the image's own size. */
export function predictLabels(model: SegModel, img: RgbImage, o: PredictOptions): Uint8Array {
  return predictBatch(model, [img], o)[0];
}

/** Same-size images in one forward pass. */
export function predictBatch(model: SegModel, imgs: RgbImage[], o: PredictOptions): Uint8Array[] {
  const { width, height } = imgs[0];
  const px = width * height;
  const x = new Float32Array(imgs.length * px * 3);
  imgs.forEach((im, i) => normalizeInto(x, i * px * 3, im.data, o.norm));
  const labels = tf.tidy(() => {
    let input = tf.tensor4d(x, [imgs.length, height, width, 3]);
    if (o.resize && (o.resize[0] !== height || o.resize[1] !== width)) {
      input = tf.image.resizeBilinear(input, o.resize, false, true);
    }
    let logits = model.forward(input, false);
    if (logits.shape[1] !== height || logits.shape[2] !== width) {
      logits = tf.image.resizeBilinear(logits, [height, width], false, true);
    }
    return tf.argMax(logits, -1);
  });
  const data = labels.dataSync() as Int32Array;
  labels.dispose();
  return imgs.map((_, i) => Uint8Array.from(data.subarray(i * px, (i + 1) * px)));
}
