// tfjs-layers internals pixelwise relies on (this is the one module that reaches them; the version
// is pinned, see versions.ts): the tf.Variable behind a layer's weight, which the trainer updates
// in place and the data-parallel workers share.
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The variable a LayerVariable holds (tfjs-layers keeps it in a private field, `val`). */
export function variableOf(w: tfl.LayerVariable): tf.Variable {
  return (w as unknown as { val: tf.Variable }).val;
}
