// Gradients of a batch computed a few samples at a time (micro-batches) and combined exactly: each
// micro-batch's loss is scaled to its share of the whole batch's loss (the task loss by the share
// of the batch's loss normaliser, the sum of its valid pixels' class weights; the distillation
// term by the share of the batch's pixels), so the shares' gradients add up to the batch's
// gradient for cross-entropy and distillation while only one micro-batch's activations are alive
// at a time. The data-parallel shards are combined the same way (their batch totals come from the
// main thread). BatchNorm layers see the statistics of their micro-batch, as they see those of
// their shard in data-parallel training (no synchronised BatchNorm).
import * as tf from '@tensorflow/tfjs-core';
import type { SegModel } from '../models/seg_model.js';
import { distillationLoss, taskLoss, type LossOptions } from './losses.js';
import type { LossName } from './choices.js';
import { shardWeight } from './parallel_protocol.js';

/** Samples NHWC; `soft`: the teacher's probabilities [n, h, w, classes] when distilling. */
export interface Shard { x: Float32Array; y: Int32Array; n: number; height: number; width: number; soft?: Float32Array }
export interface LossSpec { loss: LossName; options: LossOptions }
/** Of the whole batch a shard belongs to: its loss normaliser and its pixel count. */
export interface BatchTotals { weight: number; pixels: number }

/** Gradients (aligned with `vars`) and loss of this shard's share of the batch loss. */
export interface Accumulated { loss: number; grads: tf.Tensor[] }

/** The batch totals of a shard that is a whole batch. */
export function batchTotals(s: Pick<Shard, 'y' | 'n' | 'height' | 'width'>, o: LossOptions): BatchTotals {
  return { weight: shardWeight(s.y, o), pixels: s.n * s.height * s.width };
}

export function accumulatedGradients(model: SegModel, vars: tf.Variable[], spec: LossSpec, s: Shard, micro: number, totals: BatchTotals = batchTotals(s, spec.options)): Accumulated {
  const px = s.height * s.width;
  const bands = model.spec.inChannels ?? 3;
  const c = spec.options.numClasses;
  const d = spec.options.distill;
  if (d && !s.soft) throw new Error('distillation without the teacher\'s probabilities');
  const m = Math.max(1, Math.min(micro, s.n));
  let acc: tf.Tensor[] | null = null;
  let loss = 0;
  for (let from = 0; from < s.n; from += m) {
    const to = Math.min(s.n, from + m);
    const k = to - from;
    const labels = s.y.subarray(from * px, to * px);
    const taskShare = totals.weight > 0 ? (d ? 1 - d.weight : 1) * shardWeight(labels, spec.options) / totals.weight : 0;
    const distillShare = d ? d.weight * (k * px) / totals.pixels : 0;
    if (taskShare === 0 && distillShare === 0) continue; // nothing to learn here (every pixel ignored)
    // A share of exactly 1 (one pass over a whole batch) multiplies nothing: the plain gradient, bit for bit.
    const scaled = (t: tf.Scalar, share: number): tf.Scalar => (share === 1 ? t : tf.mul(t, share));
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const logits = model.forward(tf.tensor4d(s.x.subarray(from * px * bands, to * px * bands), [k, s.height, s.width, bands]), true);
      const terms: tf.Scalar[] = [];
      if (taskShare > 0) terms.push(scaled(taskLoss(spec.loss, logits, tf.tensor3d(labels, [k, s.height, s.width], 'int32'), spec.options), taskShare));
      if (distillShare > 0) terms.push(scaled(distillationLoss(logits, tf.tensor4d(s.soft!.subarray(from * px * c, to * px * c), [k, s.height, s.width, c]), d!.temperature), distillShare));
      return terms.length === 1 ? terms[0] : tf.addN(terms) as tf.Scalar;
    }), vars);
    loss += value.dataSync()[0];
    value.dispose();
    const part = vars.map((v) => grads[v.name]);
    if (!acc) acc = part;
    else { const prev: tf.Tensor[] = acc; acc = tf.tidy(() => prev.map((g, j) => tf.add(g, part[j]))); tf.dispose([...prev, ...part]); }
  }
  return { loss, grads: acc ?? vars.map((v) => tf.zerosLike(v)) };
}
