// Segmentation losses over logits [n, h, w, classes] and integer labels [n, h, w]. Pixels with the
// ignore label contribute nothing to any loss (nor to its normaliser).
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../util/errors.js';

export type LossName = 'ce' | 'dice' | 'focal' | 'ce+dice';
export const LOSSES: LossName[] = ['ce', 'dice', 'focal', 'ce+dice'];

export interface LossOptions { numClasses: number; ignoreIndex: number; classWeights?: number[]; focalGamma?: number }

interface Prepared { valid: tf.Tensor; onehot: tf.Tensor; safe: tf.Tensor }

function prepare(labels: tf.Tensor, o: LossOptions): Prepared {
  const valid = tf.cast(tf.logicalAnd(tf.notEqual(labels, o.ignoreIndex), tf.less(labels, o.numClasses)), 'float32');
  const safe = tf.where(tf.cast(valid, 'bool'), labels, tf.zerosLike(labels));
  return { valid, safe, onehot: tf.oneHot(tf.cast(safe, 'int32'), o.numClasses) };
}

function pixelWeights(p: Prepared, o: LossOptions): tf.Tensor {
  if (!o.classWeights) return p.valid;
  if (o.classWeights.length !== o.numClasses) {
    throw new UserError(`--class-weights has ${o.classWeights.length} values but --classes is ${o.numClasses}`);
  }
  return tf.mul(p.valid, tf.gather(tf.tensor1d(o.classWeights), tf.cast(p.safe, 'int32')));
}

function crossEntropy(logits: tf.Tensor, p: Prepared, o: LossOptions, gamma = 0): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  let nll = tf.neg(tf.sum(tf.mul(p.onehot, logp), -1));
  if (gamma > 0) nll = tf.mul(tf.pow(tf.sub(1, tf.exp(tf.neg(nll))), gamma), nll);
  const w = pixelWeights(p, o);
  return tf.div(tf.sum(tf.mul(nll, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
}

function diceLoss(logits: tf.Tensor, p: Prepared): tf.Scalar {
  const probs = tf.mul(tf.softmax(logits), tf.expandDims(p.valid, -1));
  const target = tf.mul(p.onehot, tf.expandDims(p.valid, -1));
  const axes = [0, 1, 2];
  const inter = tf.sum(tf.mul(probs, target), axes);
  const denom = tf.add(tf.sum(probs, axes), tf.sum(target, axes));
  const dice = tf.div(tf.add(tf.mul(inter, 2), 1), tf.add(denom, 1));
  return tf.sub(1, tf.mean(dice)) as tf.Scalar;
}

export function segmentationLoss(name: LossName, logits: tf.Tensor4D, labels: tf.Tensor3D, o: LossOptions): tf.Scalar {
  return tf.tidy(() => {
    const p = prepare(labels, o);
    switch (name) {
      case 'ce': return crossEntropy(logits, p, o);
      case 'focal': return crossEntropy(logits, p, o, o.focalGamma ?? 2);
      case 'dice': return diceLoss(logits, p);
      case 'ce+dice': return tf.add(crossEntropy(logits, p, o), diceLoss(logits, p)) as tf.Scalar;
      default: throw new UserError(`--loss ${name as string}: unknown loss; use one of ${LOSSES.join(', ')}`);
    }
  });
}
