// Runs every BatchNormalization layer of a network through the fused training-mode kernels
// (engine/batchnorm_train.ts) when it is called in training on a backend that has them. Each
// layer instance's `call` is wrapped: the layers, their weights, names and serialised form stay
// tfjs-layers' own (checkpoints, export and import are unchanged), and inference, other axes and
// other backends run tfjs-layers' code as before. The running statistics are updated as
// tfjs-layers updates them: v <- v - (v - batch) * (1 - momentum).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batchNormTraining, hasFusedBatchNorm } from '../engine/batchnorm_train.js';

interface BatchNormConfig { axis: number; momentum: number; epsilon: number; center: boolean; scale: boolean }
type Call = tfl.layers.Layer['call'];

/** Wraps the network's BatchNormalization layers; returns how many were wrapped. */
export function fuseBatchNormTraining(net: tfl.LayersModel): number {
  let wrapped = 0;
  for (const layer of net.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const cfg = layer.getConfig() as unknown as BatchNormConfig;
    const weight = (name: string) => layer.weights.find((w) => w.originalName.endsWith(`/${name}`));
    const [gamma, beta, movingMean, movingVariance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(weight);
    if (!cfg.center || !cfg.scale || !gamma || !beta || !movingMean || !movingVariance) continue;
    const own: Call = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const axis = cfg.axis < 0 ? cfg.axis + x.rank : cfg.axis;
      if (!kwargs.training || axis !== x.rank - 1 || x.dtype !== 'float32' || !hasFusedBatchNorm()) return own(inputs, kwargs);
      const { y, mean, variance } = batchNormTraining(x, gamma.read(), beta.read(), cfg.epsilon);
      tf.tidy(() => {
        for (const [v, batch] of [[movingMean, mean], [movingVariance, variance]] as const) {
          const old = v.read();
          v.write(tf.sub(old, tf.mul(tf.sub(old, batch), 1 - cfg.momentum)));
        }
      });
      tf.dispose([mean, variance]);
      return y;
    };
    wrapped++;
  }
  return wrapped;
}
