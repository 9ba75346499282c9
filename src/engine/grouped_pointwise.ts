// A grouped 1x1 convolution at stride 1 as one node of the gradient tape over the grouped
// products of kernels/ort_grouped.ts (wasm backend with ONNX Runtime's kernels only).
import * as tf from '@tensorflow/tfjs-core';
import { GROUPED_POINTWISE, GROUPED_POINTWISE_FILTER_GRAD, GROUPED_POINTWISE_INPUT_GRAD, groupedPointwiseFits } from './kernels/ort_grouped.js';
import { customGrad } from './custom_grad.js';

/** Whether `groupedPointwiseConv` runs here for `groups` groups of a inputs and b outputs, and is the faster way. */
export function hasGroupedPointwise(groups: number, a: number, b: number): boolean {
  return tf.getKernel(GROUPED_POINTWISE, tf.getBackend()) != null && groupedPointwiseFits(groups, a, b);
}

/** x [n, h, w, groups * a] convolved with the HWIO filter w [1, 1, a, groups * b] in `groups` groups. */
export function groupedPointwiseConv(x: tf.Tensor4D, w: tf.Tensor4D, groups: number): tf.Tensor4D {
  const attrs = { groups };
  return customGrad(([xi, wi], save) => {
    save([xi, wi]);
    return {
      value: tf.engine().runKernel(GROUPED_POINTWISE, { x: xi, w: wi }, attrs) as tf.Tensor,
      gradFunc: (dy, [sx, sw]) => [
        tf.engine().runKernel(GROUPED_POINTWISE_INPUT_GRAD, { dy, w: sw }, attrs) as tf.Tensor,
        tf.engine().runKernel(GROUPED_POINTWISE_FILTER_GRAD, { x: sx, dy }, attrs) as tf.Tensor,
      ],
    };
  })(x, w) as tf.Tensor4D;
}
