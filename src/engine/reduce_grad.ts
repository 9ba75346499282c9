// Gradients of Sum and Mean whose tensor of ones is made by the backend (OnesLike). tfjs-core
// builds it of the input's full size in JavaScript (allocated, filled, copied into the backend):
// for the global average pools of a training step, external allocations that keep V8's collector
// busy. (A broadcast would save the product, but the wasm backend broadcasts through a slow Tile.)
// Values are the same: Mean's (dy / n) * 1 is (dy * 1) / n.
import * as tf from '@tensorflow/tfjs-core';

function expandedDy(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): { dy: tf.Tensor; count: number } {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const shape = x.shape.slice();
  let count = 1;
  for (const a of axes) { count *= shape[a]; shape[a] = 1; }
  return { dy: tf.reshape(dy, shape), count };
}

export function registerReductionGradients(): void {
  tf.registerGradient({
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return { x: () => tf.mul(expandedDy(dy as tf.Tensor, x, (attrs as unknown as { axis: number | number[] }).axis).dy, tf.onesLike(x)) };
    },
  });
  tf.registerGradient({
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return {
        x: () => {
          const e = expandedDy(dy as tf.Tensor, x, (attrs as unknown as { axis: number | number[] }).axis);
          return tf.mul(tf.div(e.dy, e.count), tf.onesLike(x));
        },
      };
    },
  });
}
