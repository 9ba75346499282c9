// Conv2DBackpropInput for the wasm backend. tfjs-backend-wasm's own is a scalar loop (about half
// of a U-Net training step); it is also the forward pass of every transposed convolution.
// Two formulations, both landing on XNNPACK-backed kernels:
//  - kernel == stride, no padding (U-Net's 2x2/2 up-convolution): one matMul + depthToSpace;
//  - otherwise: zero-insert dy by the stride, pad, and run a stride-1 forward conv2d with the
//    spatially flipped, in/out-swapped filter.
import * as tf from '@tensorflow/tfjs-core';
import { convInfo, padOrCrop, pair, type ConvAttrs } from './conv_geometry.js';

export interface BackpropInputAttrs extends ConvAttrs { inputShape: [number, number, number, number] }

export function conv2dBackpropInputImpl(dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: BackpropInputAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw, ci, co] = filter.shape;
    const info = convInfo(attrs.inputShape, filter.shape, attrs);
    const [sh, sw] = pair(attrs.strides);
    const [dh, dw] = pair(attrs.dilations);
    const [n, h, w] = attrs.inputShape;
    const [, oh, ow] = dy.shape;
    const { top, left } = info.padInfo;

    if (fh === sh && fw === sw && dh === 1 && dw === 1 && top === 0 && left === 0 && sh === sw
      && h === oh * sh && w === ow * sw) {
      const wr = tf.reshape(tf.transpose(filter, [3, 0, 1, 2]), [co, fh * fw * ci]);
      const cols = tf.reshape(tf.matMul(tf.reshape(dy, [n * oh * ow, co]), wr), [n, oh, ow, fh * fw * ci]) as tf.Tensor4D;
      return sh === 1 ? cols : tf.depthToSpace(cols, sh) as tf.Tensor4D;
    }

    let d: tf.Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      // Zero insertion without a scatter: interleave zeros by padding a reshaped view.
      const e = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, co]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
      d = tf.reshape(e, [n, oh * sh, ow * sw, co]);
    }
    const lenH = (oh - 1) * sh + 1, lenW = (ow - 1) * sw + 1; // meaningful extent of d
    const padT = (fh - 1) * dh - top, padL = (fw - 1) * dw - left;
    const padB = h + (fh - 1) * dh - padT - lenH;
    const padR = w + (fw - 1) * dw - padL - lenW;
    // d currently extends (s-1) beyond len: account for those trailing zeros.
    const pb = padB - (d.shape[1] - lenH), pr = padR - (d.shape[2] - lenW);
    const wt = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [fh,fw,co,ci]
    if (padT >= 0 && pb >= 0 && padL >= 0 && pr >= 0) {
      // The convolution pads by itself: no padded copy of dy.
      return tf.conv2d(d, wt, 1, [[0, 0], [padT, pb], [padL, pr], [0, 0]], 'NHWC', [dh, dw]);
    }
    d = padOrCrop(d, padT, pb, padL, pr);
    return tf.conv2d(d, wt, 1, 'valid', 'NHWC', [dh, dw]);
  });
}
