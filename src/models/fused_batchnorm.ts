// Runs every BatchNormalization layer of a network through the fused training-mode kernels
// (engine/batchnorm_train.ts) when it is called in training on a backend that has them. Each
// layer instance's `call` is wrapped: the layers, their weights, names and serialised form stay
// tfjs-layers' own (checkpoints, export and import are unchanged), and inference, other axes and
// other backends run tfjs-layers' code as before. The running statistics are updated as
// tfjs-layers updates them: v <- v - (v - batch) * (1 - momentum).
//
// A BatchNormalization whose only consumer is a PReLU (one slope per channel) or a plain ReLU
// runs with it as one op (engine/batchnorm_train.ts: its output computed in the same pass, never
// stored); the activation layer then passes the already activated tensor on.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batchNormPreluTraining, batchNormTraining, hasFusedBatchNorm, hasFusedBatchNormPrelu } from '../engine/batchnorm_train.js';

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
    const act = activationAfter(net, layer);
    if (act) fusedWithActivation.add(layer);
    layer.call = (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const axis = cfg.axis < 0 ? cfg.axis + x.rank : cfg.axis;
      if (!kwargs.training || axis !== x.rank - 1 || x.dtype !== 'float32' || !hasFusedBatchNorm()) return own(inputs, kwargs);
      const c = x.shape[axis];
      const fused = act && hasFusedBatchNormPrelu(x);
      const { y, mean, variance } = fused
        ? batchNormPreluTraining(x, gamma.read(), beta.read(), act.alpha(c), cfg.epsilon)
        : batchNormTraining(x, gamma.read(), beta.read(), cfg.epsilon);
      if (fused) activated.add(y);
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

/** Outputs of a BatchNormalization that already carry the activation after it. */
const activated = new WeakSet<tf.Tensor>();
const fusedWithActivation = new WeakSet<tfl.layers.Layer>();

/**
 * Whether `layer` is a BatchNormalization run with the activation after it: its output tensor is
 * already activated, and only that tensor object tells the activation layer so. Code that runs the
 * layers apart (gradient checkpointing's segments) must keep the two in one run.
 */
export const fusedWithNext = (layer: tfl.layers.Layer): boolean => fusedWithActivation.has(layer);

/**
 * The PReLU (slopes shared over every axis but the channels) or plain ReLU that is the only consumer
 * of `bn`'s output, wrapped to pass on a tensor `activated` holds; null if there is none.
 */
function activationAfter(net: tfl.LayersModel, bn: tfl.layers.Layer): { alpha: (c: number) => tf.Tensor } | null {
  if (bn.inboundNodes.length !== 1 || bn.outboundNodes.length !== 1 || net.outputLayers.includes(bn)) return null;
  const act = bn.outboundNodes[0].outboundLayer;
  if (act.inboundNodes.length !== 1 || act.inboundNodes[0].inboundLayers.length !== 1) return null;
  const kind = act.getClassName(), cfg = act.getConfig() as { maxValue?: number | null; sharedAxes?: number[] | number | null };
  let alpha: (c: number) => tf.Tensor;
  if (kind === 'ReLU' && cfg.maxValue == null) alpha = (c) => tf.zeros([c]);
  else if (kind === 'PReLU' && act.weights.length === 1) {
    const w = act.weights[0];
    // One slope per channel: every axis but the last is shared.
    if (w.shape.slice(0, -1).some((d) => d !== 1)) return null;
    alpha = (c) => tf.reshape(w.read(), [c]);
  } else return null;
  const own: Call = act.call.bind(act);
  act.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return activated.has(x) ? x.clone() : own(inputs, kwargs);
  };
  return { alpha };
}
