// Gradients of a batch computed a few samples at a time (micro-batches) and combined exactly:
// each micro-batch's mean-loss gradient is weighted by its loss normaliser (the sum of its valid
// pixels' class weights, as the data-parallel shards are), so for cross-entropy the result equals
// the whole batch's gradient while only one micro-batch's activations are alive at a time.
// BatchNorm layers see the statistics of their micro-batch, as they see those of their shard in
// data-parallel training (no synchronised BatchNorm).
import * as tf from '@tensorflow/tfjs-core';
import type { SegModel } from '../models/seg_model.js';
import { segmentationLoss, type LossOptions } from './losses.js';
import type { LossName } from './choices.js';
import { shardWeight } from './parallel_protocol.js';

export interface Shard { x: Float32Array; y: Int32Array; n: number; height: number; width: number }
export interface LossSpec { loss: LossName; options: LossOptions }

/** Weighted-mean gradients (aligned with `vars`), the batch loss and its normaliser. */
export interface Accumulated { loss: number; weight: number; grads: tf.Tensor[] }

export function accumulatedGradients(model: SegModel, vars: tf.Variable[], spec: LossSpec, s: Shard, micro: number): Accumulated {
  const px = s.height * s.width;
  const m = Math.max(1, Math.min(micro, s.n));
  const parts: { from: number; to: number; weight: number }[] = [];
  for (let from = 0; from < s.n; from += m) {
    const to = Math.min(s.n, from + m);
    parts.push({ from, to, weight: shardWeight(s.y.subarray(from * px, to * px), spec.options) });
  }
  const total = parts.reduce((a, p) => a + p.weight, 0);
  let acc: tf.Tensor[] | null = null;
  let loss = 0;
  for (const p of parts) {
    const k = p.to - p.from;
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => segmentationLoss(spec.loss, model.forward(
      tf.tensor4d(s.x.subarray(p.from * px * 3, p.to * px * 3), [k, s.height, s.width, 3]), true),
    tf.tensor3d(s.y.subarray(p.from * px, p.to * px), [k, s.height, s.width], 'int32'), spec.options)), vars);
    const c = parts.length === 1 ? 1 : p.weight / Math.max(total, 1e-12);
    loss += c * value.dataSync()[0];
    const scaled = c === 1 ? vars.map((v) => grads[v.name]) : tf.tidy(() => vars.map((v) => tf.mul(grads[v.name], c)));
    if (c !== 1) tf.dispose(Object.values(grads));
    value.dispose();
    if (!acc) acc = scaled;
    else { const prev: tf.Tensor[] = acc; acc = tf.tidy(() => prev.map((g, j) => tf.add(g, scaled[j]))); tf.dispose([...prev, ...scaled]); }
  }
  return { loss, weight: total, grads: acc! };
}
