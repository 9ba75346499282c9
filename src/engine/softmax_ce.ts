// Softmax cross-entropy per pixel as one node of the gradient tape over the project's fused
// kernels (kernels/softmax_ce.ts) where the backend has them; train/losses.ts composes its weights
// and normalisers around it.
import * as tf from '@tensorflow/tfjs-core';
import { SOFTMAX_CE, SOFTMAX_CE_GRAD } from './kernels/softmax_ce.js';
import { customGrad } from './custom_grad.js';

/** Whether the active backend has the fused kernels (the wasm backend with the project's kernels). */
export function hasFusedSoftmaxCrossEntropy(): boolean {
  return tf.getKernel(SOFTMAX_CE, tf.getBackend()) != null && tf.getKernel(SOFTMAX_CE_GRAD, tf.getBackend()) != null;
}

/**
 * -log softmax(logits)[label] for every row of logits (the last axis holds the classes); labels
 * (int32, logits' shape without its last axis) in [0, classes). The gradient reaches logits only.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return customGrad(([z], save) => {
    const [loss, probs] = tf.engine().runKernel(SOFTMAX_CE, { logits: z, labels }, {}) as tf.Tensor[];
    save([probs, labels]);
    return {
      value: loss,
      gradFunc: (dy, [p, l]) => [tf.engine().runKernel(SOFTMAX_CE_GRAD, { probs: p, labels: l, dy }, {}) as tf.Tensor],
    };
  })(logits);
}
