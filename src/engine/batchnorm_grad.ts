// Gradient of FusedBatchNorm without Tile. TF.js's own tiles 1/sqrt(var) to the full activation
// shape and repeats full-size products per partial derivative (Tile alone was a visible share of
// a U-Net step). Here every partial derivative comes from broadcasting and two shared reductions:
//   S1 = sum(dy), S2 = sum(dy * (x - mean)) over all but the channel axis,
//   dx = dy * scale * r, dmean = -scale * r * S1, dvar = -0.5 * scale * r^3 * S2,
//   dscale = r * S2, doffset = S1, with r = 1/sqrt(var + eps).
import * as tf from '@tensorflow/tfjs-core';

export function registerBatchNormGradient(): void {
  tf.registerGradient({
    kernelName: tf.FusedBatchNorm,
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
      const [x, mean, variance, scale] = saved;
      const g = dy as tf.Tensor;
      const channelVectors = mean.rank === 1;
      const axes = channelVectors ? [...Array(x.rank - 1).keys()] : [];
      const reduce = (t: tf.Tensor) => (channelVectors ? tf.sum(t, axes) : t);
      const s = scale ?? tf.scalar(1);
      const r = tf.rsqrt(tf.add(variance, varianceEpsilon));
      // Shared by two partial derivatives each; computed here, in the backward pass's scope (a
      // tensor cached inside one derivative's closure is disposed before the next one runs).
      const s1 = reduce(g), s2 = reduce(tf.mul(g, tf.sub(x, mean)));
      const S1 = () => s1, S2 = () => s2;
      return {
        x: () => tf.mul(g, tf.mul(s, r)),
        mean: () => tf.reshape(tf.neg(tf.mul(tf.mul(s, r), S1())), mean.shape),
        variance: () => tf.reshape(tf.mul(tf.mul(tf.mul(s, tf.pow(r, 3)), -0.5), S2()), mean.shape),
        scale: () => tf.reshape(tf.mul(r, S2()), mean.shape),
        offset: () => tf.reshape(S1(), mean.shape),
      };
    },
  });
}
