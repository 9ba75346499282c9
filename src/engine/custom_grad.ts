// tf.customGrad with the inputs as one array and the save function apart (its own signature puts
// `save` after a variable number of tensors, which TypeScript cannot type).
import * as tf from '@tensorflow/tfjs-core';

export type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];

export function customGrad(f: (args: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: GradFunc }): (...xs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) =>
    f(args.slice(0, -1) as tf.Tensor[], args[args.length - 1] as tf.GradSaveFunc)) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...xs: tf.Tensor[]) => tf.Tensor;
}
