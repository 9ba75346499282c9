// Gradients of PReLU, ClipByValue (ReLU6) and ReLU that run as one fused pass on the wasm backend
// (kernels/activation_grads.ts). tfjs-core differentiates each into several full-size elementwise
// ops (PReLU: a comparison, two selects, two products and a reduction), which made activations a
// large share of a MobileNetV2 or ESPNetv2 training step. Elsewhere (cpu), tfjs-core's formulas.
import * as tf from '@tensorflow/tfjs-core';
import { CLIP_GRAD, PRELU_GRAD, RELU_GRAD } from './kernels/activation_grads.js';

const fused = (name: string, ...ts: tf.Tensor[]) => tf.getKernel(name, tf.getBackend()) != null && ts.every((t) => t.dtype === 'float32');

export function registerActivationGradients(): void {
  tf.registerGradient({
    kernelName: tf.Prelu,
    inputsToSave: ['x', 'alpha'],
    gradFunc: (dy, saved) => {
      const [x, alpha] = saved;
      const g = dy as tf.Tensor;
      // One slope per channel of the last axis: the fused pass; any other broadcast: tfjs-core's.
      if (fused(PRELU_GRAD, x, alpha, g) && alpha.size === x.shape[x.rank - 1] && alpha.shape.slice(0, -1).every((d) => d === 1)) {
        const [dx, dalpha] = tf.engine().runKernel(PRELU_GRAD, { x, alpha, dy: g }, {}) as tf.Tensor[];
        return { x: () => dx, alpha: () => dalpha };
      }
      const mask = tf.greater(x, 0);
      return {
        x: () => tf.where(mask, g, tf.mul(g, alpha)),
        alpha: () => {
          let res = tf.where(mask, tf.zerosLike(g), tf.mul(g, x));
          const axes = tf.backend_util.getReductionAxes(alpha.shape, g.shape);
          if (axes.length) res = tf.sum(res, axes);
          return tf.reshape(res, alpha.shape);
        },
      };
    },
  });
  tf.registerGradient({
    kernelName: tf.ClipByValue,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { clipValueMin: lo, clipValueMax: hi } = attrs as unknown as { clipValueMin: number; clipValueMax: number };
      const g = dy as tf.Tensor;
      if (fused(CLIP_GRAD, x, g)) return { x: () => tf.engine().runKernel(CLIP_GRAD, { x, dy: g }, { lo, hi }) as tf.Tensor };
      return { x: () => tf.where(tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)), g, tf.zerosLike(g)) };
    },
  });
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const g = dy as tf.Tensor;
      if (fused(RELU_GRAD, x, g)) return { x: () => tf.engine().runKernel(RELU_GRAD, { x, dy: g }, {}) as tf.Tensor };
      return { x: () => tf.mul(g, tf.step(tf.cast(x, 'float32'))) };
    },
  });
}
