// Shared geometry for the project's convolution gradient kernels: TF.js's own conv2d info
// (padding, output size) plus the padding each formulation needs on the far side.
import * as tf from '@tensorflow/tfjs-core';

export type Pair = [number, number];
export type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface ConvAttrs {
  strides: number | Pair;
  pad: PadAttr;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | Pair;
  dataFormat?: 'NHWC' | 'NCHW';
}

export function pair(v: number | Pair | undefined, dflt = 1): Pair {
  if (v == null) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs): tf.backend_util.Conv2DInfo {
  if (a.dataFormat != null && a.dataFormat !== 'NHWC') {
    throw new Error(`pixelwise conv kernels support NHWC only (got ${a.dataFormat})`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(a.strides), pair(a.dilations), a.pad as 'same', a.dimRoundingMode, false, 'channelsLast');
}

/** Pads (positive) or crops (negative) axis 1 and 2 of an NHWC tensor. */
export function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let y = x;
  const [, h, w] = x.shape;
  const ct = Math.max(0, -top), cb = Math.max(0, -bottom), cl = Math.max(0, -left), cr = Math.max(0, -right);
  if (ct || cb || cl || cr) y = tf.slice(y, [0, ct, cl, 0], [-1, h - ct - cb, w - cl - cr, -1]);
  const pt = Math.max(0, top), pb = Math.max(0, bottom), pl = Math.max(0, left), pr = Math.max(0, right);
  if (pt || pb || pl || pr) y = tf.pad(y, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  return y;
}
