// Segmentation losses over logits [n, h, w, classes] and integer labels [n, h, w]. Pixels with the
// ignore label contribute nothing to any loss (nor to its normaliser).
import * as tf from '@tensorflow/tfjs-core';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { hasFusedSoftmaxCrossEntropy, softmaxCrossEntropy } from '../engine/softmax_ce.js';

import { LOSSES, type LossName } from './choices.js';

/**
 * Knowledge distillation (Hinton et al., 2015): the loss becomes (1 - weight) x the task loss +
 * weight x temperature^2 x the mean over pixels of KL(teacher || student), both distributions the
 * softmax of logits / temperature. Every pixel counts, labelled or not: the teacher also speaks
 * for pixels the masks leave void.
 */
export interface DistillOptions { weight: number; temperature: number }
/** Half the loss from the labels, half from the teacher, at the plain softmax. */
export const DEFAULT_DISTILL: DistillOptions = { weight: 0.5, temperature: 1 };

export interface LossOptions { numClasses: number; ignoreIndex: number; classWeights?: number[]; focalGamma?: number; distill?: DistillOptions }

/** `onehot` is built when a loss asks for it (the fused cross-entropy does not). */
interface Prepared { valid: tf.Tensor; onehot: () => tf.Tensor; safe: tf.Tensor }

function prepare(labels: tf.Tensor, o: LossOptions): Prepared {
  const valid = tf.cast(tf.logicalAnd(tf.notEqual(labels, o.ignoreIndex), tf.less(labels, o.numClasses)), 'float32');
  const safe = tf.where(tf.cast(valid, 'bool'), labels, tf.zerosLike(labels));
  let onehot: tf.Tensor | undefined;
  return { valid, safe, onehot: () => (onehot ??= tf.oneHot(tf.cast(safe, 'int32'), o.numClasses)) };
}

function pixelWeights(p: Prepared, o: LossOptions): tf.Tensor {
  if (!o.classWeights) return p.valid;
  if (o.classWeights.length !== o.numClasses) {
    throw argumentError('classWeights', o.classWeights.join(','), `${o.classWeights.length} values for a model of ${o.numClasses} classes`);
  }
  return tf.mul(p.valid, tf.gather(tf.tensor1d(o.classWeights), tf.cast(p.safe, 'int32')));
}

function crossEntropy(logits: tf.Tensor, p: Prepared, o: LossOptions, gamma = 0): tf.Scalar {
  // One fused kernel pair where the backend has it (wasm); tfjs-core's ops elsewhere.
  let nll = hasFusedSoftmaxCrossEntropy() && logits.dtype === 'float32' && logits.shape[logits.rank - 1] === o.numClasses
    ? softmaxCrossEntropy(logits, tf.cast(p.safe, 'int32'))
    : tf.neg(tf.sum(tf.mul(p.onehot(), tf.logSoftmax(logits)), -1));
  if (gamma > 0) nll = tf.mul(tf.pow(tf.sub(1, tf.exp(tf.neg(nll))), gamma), nll);
  const w = pixelWeights(p, o);
  return tf.div(tf.sum(tf.mul(nll, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
}

function diceLoss(logits: tf.Tensor, p: Prepared): tf.Scalar {
  const probs = tf.mul(tf.softmax(logits), tf.expandDims(p.valid, -1));
  const target = tf.mul(p.onehot(), tf.expandDims(p.valid, -1));
  const axes = [0, 1, 2];
  const inter = tf.sum(tf.mul(probs, target), axes);
  const denom = tf.add(tf.sum(probs, axes), tf.sum(target, axes));
  const dice = tf.div(tf.add(tf.mul(inter, 2), 1), tf.add(denom, 1));
  return tf.sub(1, tf.mean(dice)) as tf.Scalar;
}

/**
 * Lovasz-softmax (Berman et al., 2018): the convex surrogate of 1 - IoU, per class over the
 * batch's pixels, averaged over the classes present. Each class sorts its pixel errors
 * |onehot - p| in decreasing order and weights them by the increments of the Jaccard loss along
 * that order; on hard 0/1 predictions it equals 1 - IoU exactly. Ignored pixels get error 0 and
 * no ground truth, so they add nothing.
 */
/**
 * Each row's indices by decreasing value, ties in index order (tf.topk's order), for rows of
 * values in [0, 1]: a radix sort of the values' float32 bits, which order like the values for
 * non-negative floats (far cheaper than a full tf.topk on wasm). Null for a value above 1 or NaN.
 */
export function descendingOrder(values: Float32Array, rows: number, n: number): Int32Array | null {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Int32Array(rows * n), count = new Int32Array(2048);
  let keys = new Uint32Array(n), idx = new Int32Array(n), keys2 = new Uint32Array(n), idx2 = new Int32Array(n);
  for (let r = 0; r < rows; r++) {
    const at = r * n;
    // Indices enter in reverse: the sort is stable and ascending, so read backwards, equal values
    // come out in increasing index order.
    for (let j = 0; j < n; j++) {
      const v = bits[at + n - 1 - j];
      if (v > 0x3f800000) return null; // above 1, or NaN
      keys[j] = v;
      idx[j] = n - 1 - j;
    }
    for (let shift = 0; shift < 33; shift += 11) { // bits of values <= 1 stay below 2^30
      count.fill(0);
      for (let j = 0; j < n; j++) count[(keys[j] >>> shift) & 2047]++;
      for (let d = 0, sum = 0; d < 2048; d++) { const c = count[d]; count[d] = sum; sum += c; }
      for (let j = 0; j < n; j++) {
        const dst = count[(keys[j] >>> shift) & 2047]++;
        keys2[dst] = keys[j];
        idx2[dst] = idx[j];
      }
      [keys, keys2] = [keys2, keys];
      [idx, idx2] = [idx2, idx];
    }
    for (let k = 0; k < n; k++) out[at + k] = idx[n - 1 - k];
  }
  return out;
}

/** x (flattened) at the given positions: out[k] = x[idx[k]], a new float32 tensor [idx.length]. */
function permuted(x: tf.Tensor, idx: Int32Array): tf.Tensor {
  const src = x.dataSync() as Float32Array, out = new Float32Array(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = src[idx[k]];
  return tf.tensor1d(out);
}

function lovaszLoss(logits: tf.Tensor, p: Prepared, o: LossOptions): tf.Scalar {
  const c = o.numClasses;
  const probs = tf.reshape(tf.softmax(logits), [-1, c]);
  const valid = tf.reshape(p.valid, [-1, 1]);
  const fg = tf.mul(tf.reshape(p.onehot(), [-1, c]), valid);
  const errors = tf.transpose(tf.mul(tf.abs(tf.sub(fg, probs)), valid)); // [c, P]
  const fgT = tf.transpose(fg);
  const n = errors.shape[1]!;
  // Sort order, read back once: a permutation's gradient is the inverse permutation, a gather
  // too (TF.js's own gather gradient needs UnsortedSegmentSum, which wasm lacks), and the
  // indices must have no path back to the weights.
  const perm = descendingOrder(errors.dataSync() as Float32Array, c, n) ?? (() => { // NaN errors: topk's order
    const order = tf.topk(errors as tf.Tensor2D, n).indices;
    const p = order.dataSync() as Int32Array;
    order.dispose();
    return p;
  })();
  const inv = new Int32Array(c * n);
  for (let i = 0; i < c; i++) for (let j = 0; j < n; j++) { perm[i * n + j] += i * n; inv[perm[i * n + j]] = i * n + j; }
  // The permutations run in JS on the read-back values: TF.js's Gather on wasm takes most of the
  // loss's time at these sizes.
  const permute = tf.customGrad(((x: tf.Tensor) => ({
    value: permuted(x, perm),
    gradFunc: (dy: tf.Tensor) => permuted(dy, inv),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  const sortedErr = tf.reshape(permute(tf.reshape(errors, [-1])), [c, n]);
  const sortedFg = tf.reshape(permuted(tf.reshape(fgT, [-1]), perm), [c, n]);
  const gts = tf.sum(fgT, 1, true); // from the unsorted labels: no path back through the sort
  const inter = tf.sub(gts, tf.cumsum(sortedFg, 1));
  const union = tf.add(gts, tf.cumsum(tf.sub(1, sortedFg), 1));
  const jac = tf.sub(1, tf.div(inter, union)); // Jaccard loss of the first k pixels predicted positive
  const grad = tf.concat([tf.slice(jac, [0, 0], [c, 1]), tf.sub(tf.slice(jac, [0, 1], [c, n - 1]), tf.slice(jac, [0, 0], [c, n - 1]))], 1);
  const perClass = tf.sum(tf.mul(sortedErr, grad), 1);
  const present = tf.cast(tf.greater(tf.reshape(gts, [c]), 0), 'float32');
  return tf.div(tf.sum(tf.mul(perClass, present)), tf.maximum(tf.sum(present), 1)) as tf.Scalar;
}

/**
 * temperature^2 x the mean over pixels of KL(soft || softmax(logits / temperature)): `soft` holds
 * the teacher's probabilities at that temperature, [n, h, w, classes]. The teacher's entropy is
 * included (it has no gradient), so the term is 0 exactly when the student agrees.
 */
export function distillationLoss(logits: tf.Tensor4D, soft: tf.Tensor4D, temperature: number): tf.Scalar {
  if (!(temperature > 0)) throw argumentError('distillTemperature', temperature, 'must be above 0');
  return tf.tidy(() => {
    const logq = tf.logSoftmax(tf.div(logits, temperature));
    // max(.., 1e-30): a probability of exactly 0 adds 0 x log(1e-30) = 0, not 0 x -Infinity.
    const kl = tf.sum(tf.mul(soft, tf.sub(tf.log(tf.maximum(soft, 1e-30)), logq)), -1);
    return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
  });
}

/**
 * The loss of a batch: `name`'s, mixed with the distillation term when `o.distill` is set and the
 * teacher's probabilities `soft` are given.
 */
export function segmentationLoss(name: LossName, logits: tf.Tensor4D, labels: tf.Tensor3D, o: LossOptions, soft?: tf.Tensor4D): tf.Scalar {
  expectArgs('segmentationLoss', [['name', name, 'string'], ['logits', logits, 'object'], ['labels', labels, 'object'], ['o', o, 'object']]);
  if (o.distill && soft) {
    const d = o.distill;
    // From the teacher alone (images without masks): the task loss would be nought times nothing.
    if (d.weight === 1) return distillationLoss(logits, soft, d.temperature);
    return tf.tidy(() => tf.add(tf.mul(taskLoss(name, logits, labels, o), 1 - d.weight), tf.mul(distillationLoss(logits, soft, d.temperature), d.weight)) as tf.Scalar);
  }
  return taskLoss(name, logits, labels, o);
}

/** The loss against the labels alone. */
export function taskLoss(name: LossName, logits: tf.Tensor4D, labels: tf.Tensor3D, o: LossOptions): tf.Scalar {
  return tf.tidy(() => {
    const p = prepare(labels, o);
    switch (name) {
      case 'ce': return crossEntropy(logits, p, o);
      case 'focal': return crossEntropy(logits, p, o, o.focalGamma ?? 2);
      case 'dice': return diceLoss(logits, p);
      case 'ce+dice': return tf.add(crossEntropy(logits, p, o), diceLoss(logits, p)) as tf.Scalar;
      case 'lovasz': return lovaszLoss(logits, p, o);
      case 'ce+lovasz': return tf.add(crossEntropy(logits, p, o), lovaszLoss(logits, p, o)) as tf.Scalar;
      default: throw argumentError('loss', name as string, `unknown loss; use one of ${LOSSES.join(', ')}`);
    }
  });
}
