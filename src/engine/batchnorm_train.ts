// Training-mode BatchNorm (batch statistics over all but the last axis) as one node of the
// gradient tape over the project's fused kernels (kernels/batchnorm_train.ts): the backward pass
// differentiates through the batch statistics in one kernel instead of through tf.moments' ops.
import * as tf from '@tensorflow/tfjs-core';
import { BATCHNORM_PRELU_TRAIN, BATCHNORM_PRELU_TRAIN_GRAD, BATCHNORM_TRAIN, BATCHNORM_TRAIN_GRAD, batchNormPreluAvailable } from './kernels/batchnorm_train.js';
import type { WasmBackend } from './kernels/ort_native.js';
import { customGrad } from './custom_grad.js';

/** Whether the active backend has the fused kernels (the wasm backend with the project's kernels). */
export function hasFusedBatchNorm(): boolean {
  return tf.getKernel(BATCHNORM_TRAIN, tf.getBackend()) != null && tf.getKernel(BATCHNORM_TRAIN_GRAD, tf.getBackend()) != null;
}

/**
 * y = (x - mean) / sqrt(variance + eps) * gamma + beta with the batch's mean and (biased)
 * variance, as tfjs-layers computes it in training. `mean` and `variance` are for the running
 * statistics: the caller disposes them; gradients reach x, gamma and beta through y only.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const attrs = { varianceEpsilon: eps };
  let stats: tf.Tensor[] = [];
  const y = customGrad(([xi, g, b], save) => {
    const [value, mean, variance] = tf.engine().runKernel(BATCHNORM_TRAIN, { x: xi, gamma: g, beta: b }, attrs) as tf.Tensor[];
    save([xi, g, mean, variance]);
    // Kept: customGrad's forward pass runs in a tidy that would dispose all but `value`.
    stats = [tf.keep(mean), tf.keep(variance)];
    return {
      value,
      gradFunc: (dy, [sx, sg, sm, sv]) => tf.engine().runKernel(BATCHNORM_TRAIN_GRAD, { dy, x: sx, gamma: sg, mean: sm, variance: sv }, attrs) as tf.Tensor[],
    };
  })(x, gamma, beta);
  return { y, mean: stats[0], variance: stats[1] };
}

/** Whether the active backend runs BatchNorm and a PReLU after it as one op on x (channels last). */
export function hasFusedBatchNormPrelu(x: tf.Tensor): boolean {
  return tf.getKernel(BATCHNORM_PRELU_TRAIN, tf.getBackend()) != null && tf.getKernel(BATCHNORM_PRELU_TRAIN_GRAD, tf.getBackend()) != null
    && batchNormPreluAvailable(tf.backend() as unknown as WasmBackend, x.shape[x.rank - 1], x);
}

/**
 * prelu(batchnorm(x)) with the batch's statistics, alpha [c] one slope per channel (zeros: a ReLU),
 * as one node of the gradient tape: the BatchNorm output is never stored (the backward pass
 * recomputes it from x). Gradients reach x, gamma, beta and alpha; mean and variance as in
 * batchNormTraining.
 */
export function batchNormPreluTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, alpha: tf.Tensor, eps: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const attrs = { varianceEpsilon: eps };
  let stats: tf.Tensor[] = [];
  const y = customGrad(([xi, g, b, a], save) => {
    const [value, mean, variance] = tf.engine().runKernel(BATCHNORM_PRELU_TRAIN, { x: xi, gamma: g, beta: b, alpha: a }, attrs) as tf.Tensor[];
    save([xi, g, b, a, mean, variance]);
    stats = [tf.keep(mean), tf.keep(variance)];
    return {
      value,
      gradFunc: (dy, [sx, sg, sb, sa, sm, sv]) =>
        tf.engine().runKernel(BATCHNORM_PRELU_TRAIN_GRAD, { dy, x: sx, gamma: sg, beta: sb, alpha: sa, mean: sm, variance: sv }, attrs) as tf.Tensor[],
    };
  })(x, gamma, beta, alpha);
  return { y, mean: stats[0], variance: stats[1] };
}
