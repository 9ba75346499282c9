// BatchNorm statistics recomputed from training images before a model is validated or saved
// ("precise BN", Wu & Johnson, "Rethinking 'Batch' in BatchNorm", 2021). During training the
// moving statistics follow the last few micro-batches (momentum 0.9 over micro-batches of one or
// two crops), so the statistics a checkpoint holds swing with whichever crops came last and the
// validation score swings with them although the weights barely moved. Here each BatchNorm layer
// is given, instead, the mean over many micro-batches of the statistics it normalised them with in
// training: the same micro-batch size, the same augmented crops, so inference sees what training saw.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { SegModel } from '../models/seg_model.js';
import { expectArgs } from '../util/call_options.js';

/** Training samples NHWC (normalised), as the loader yields them. */
export interface StatsBatch { x: Float32Array; n: number; height: number; width: number }

interface Tracked {
  layer: tfl.layers.Layer;
  call: tfl.layers.Layer['call'];
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
  sumMean: tf.Tensor | null;
  sumVariance: tf.Tensor | null;
}

/** BatchNormalization layers over the last axis with moving statistics, gamma and beta. */
function batchNormLayers(net: tfl.LayersModel): Omit<Tracked, 'sumMean' | 'sumVariance'>[] {
  const out: Omit<Tracked, 'sumMean' | 'sumVariance'>[] = [];
  for (const layer of net.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const cfg = layer.getConfig() as { axis?: number };
    const w = (name: string) => layer.weights.find((v) => v.originalName.endsWith(`/${name}`));
    const movingMean = w('moving_mean'), movingVariance = w('moving_variance');
    if (!movingMean || !movingVariance || (cfg.axis !== -1 && cfg.axis !== 3)) continue;
    out.push({ layer, call: layer.call, movingMean, movingVariance });
  }
  return out;
}

/**
 * Replaces every BatchNorm layer's moving mean and variance by the mean, over the micro-batches of
 * `micro` samples taken from `batches`, of the batch statistics the layer normalises them with in
 * training. Returns the number of layers updated and of samples seen (0 and 0 when the network
 * has no BatchNorm or no samples came; the statistics then stay as they were).
 */
export async function recomputeBatchNormStats(model: Pick<SegModel, 'net' | 'forward'>, batches: AsyncIterable<StatsBatch>, micro: number, onProgress?: (samples: number) => void): Promise<{ layers: number; samples: number }> {
  expectArgs('recomputeBatchNormStats', [['model', model, 'object'], ['batches', batches, 'object'], ['micro', micro, 'number']]);
  const tracked: Tracked[] = batchNormLayers(model.net).map((t) => ({ ...t, sumMean: null, sumVariance: null }));
  if (!tracked.length) return { layers: 0, samples: 0 };
  let groups = 0, samples = 0;
  try {
    for (const t of tracked) {
      const cfg = t.layer.getConfig() as { epsilon: number };
      const gamma = t.layer.weights.find((v) => v.originalName.endsWith('/gamma'));
      const beta = t.layer.weights.find((v) => v.originalName.endsWith('/beta'));
      t.layer.call = (inputs) => {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
        const axes = [...Array(x.rank - 1).keys()];
        const { mean, variance } = tf.moments(x, axes);
        const keep = (sum: tf.Tensor | null, v: tf.Tensor) => { const s = sum ? tf.add(sum, v) : tf.clone(v); sum?.dispose(); return tf.keep(s); };
        t.sumMean = keep(t.sumMean, mean);
        t.sumVariance = keep(t.sumVariance, variance);
        return tf.batchNorm(x, mean, variance, beta?.read(), gamma?.read(), cfg.epsilon);
      };
    }
    const m = Math.max(1, micro);
    for await (const b of batches) {
      const bands = b.x.length / (b.n * b.height * b.width), px = b.height * b.width * bands;
      for (let from = 0; from < b.n; from += m) {
        const k = Math.min(m, b.n - from);
        // tidy: the layer wrappers keep their running sums; everything else of the pass goes.
        tf.tidy(() => { model.forward(tf.tensor4d(b.x.subarray(from * px, (from + k) * px), [k, b.height, b.width, bands]), false); });
        groups++; samples += k;
      }
      onProgress?.(samples);
    }
    if (groups > 0) {
      for (const t of tracked) {
        if (!t.sumMean || !t.sumVariance) continue; // a layer the forward pass never reached
        const mean = tf.div(t.sumMean, groups), variance = tf.div(t.sumVariance, groups);
        t.movingMean.write(mean);
        t.movingVariance.write(variance);
        tf.dispose([mean, variance]);
      }
    }
  } finally {
    for (const t of tracked) { t.layer.call = t.call; tf.dispose([t.sumMean, t.sumVariance].filter((v): v is tf.Tensor => !!v)); }
  }
  return { layers: groups > 0 ? tracked.length : 0, samples };
}
