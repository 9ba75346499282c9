// Depthwise-convolution gradients for the wasm backend, which ships none (so ESPNetv2's depthwise
// layers could not train). Input gradient: dy with zeros inserted between rows/columns (stride),
// padded, correlated with the flipped filter by a depthwise convolution. Filter gradient: for each
// filter tap, the (strided) shifted input times dy, summed over batch and positions.
import * as tf from '@tensorflow/tfjs-core';
import { convInfo, padOrCrop, pair, type ConvAttrs } from './conv_geometry.js';

export interface DepthwiseInputAttrs extends ConvAttrs { inputShape: [number, number, number, number] }
export interface DepthwiseFilterAttrs extends ConvAttrs { filterShape: [number, number, number, number] }

/** dy [n, oh, ow, c] with s-1 zeros between rows and columns: [n, (oh-1)*sh+1, (ow-1)*sw+1, c]. */
export function insertZeros(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape;
  const spread = tf.reshape(tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]), [n, oh * sh, ow * sw, c]);
  return tf.slice(spread, [0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c]) as tf.Tensor4D;
}

export function depthwiseBackpropInputImpl(dy: tf.Tensor4D, filter: tf.Tensor4D, a: DepthwiseInputAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = a.inputShape;
    const [fh, fw, , m] = filter.shape;
    const [sh, sw] = pair(a.strides), [dh, dw] = pair(a.dilations);
    const { padInfo } = convInfo(a.inputShape, filter.shape, a);
    const dyz = insertZeros(dy, sh, sw);
    const top = (fh - 1) * dh - padInfo.top, left = (fw - 1) * dw - padInfo.left;
    const bottom = h - dyz.shape[1] - top + (fh - 1) * dh, right = w - dyz.shape[2] - left + (fw - 1) * dw;
    const src = padOrCrop(dyz, top, bottom, left, right);
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [fh, fw, c * m, 1]) as tf.Tensor4D;
    const g = tf.depthwiseConv2d(src, flipped, 1, 'valid', 'NHWC', [dh, dw]); // [n, h, w, c*m]
    return (m === 1 ? g : tf.reshape(tf.sum(tf.reshape(g, [n, h, w, c, m]), 4), [n, h, w, c])) as tf.Tensor4D;
  });
}

export function depthwiseBackpropFilterImpl(x: tf.Tensor4D, dy: tf.Tensor4D, a: DepthwiseFilterAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw, c, m] = a.filterShape;
    const [sh, sw] = pair(a.strides), [dh, dw] = pair(a.dilations);
    const { padInfo, outHeight: oh, outWidth: ow } = convInfo(x.shape, a.filterShape, a);
    const [n, h, w] = x.shape;
    const needH = (oh - 1) * sh + (fh - 1) * dh + 1, needW = (ow - 1) * sw + (fw - 1) * dw + 1;
    const xp = padOrCrop(x, padInfo.top, needH - h - padInfo.top, padInfo.left, needW - w - padInfo.left);
    const dy5 = tf.reshape(dy, [n, oh, ow, c, m]);
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const tap = tf.stridedSlice(xp, [0, i * dh, j * dw, 0], [n, i * dh + (oh - 1) * sh + 1, j * dw + (ow - 1) * sw + 1, c], [1, sh, sw, 1]);
        taps.push(tf.sum(tf.mul(tf.reshape(tap, [n, oh, ow, c, 1]), dy5), [0, 1, 2])); // [c, m]
      }
    }
    return tf.reshape(tf.stack(taps), [fh, fw, c, m]) as tf.Tensor4D;
  });
}

/**
 * tf.depthwiseConv2d with gradients at any dilation: tfjs-core's own gradient refuses dilations
 * above 1, so dilated calls carry the two functions above as their gradient (any backend).
 */
export function depthwiseConv(x: tf.Tensor4D, f: tf.Tensor4D, strides: number, pad: 'same' | 'valid', dilation: number): tf.Tensor4D {
  if (dilation === 1) return tf.depthwiseConv2d(x, f, strides, pad, 'NHWC', 1);
  const attrs = { strides, pad, dilations: dilation };
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ff, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xx, ff]);
    return {
      value: tf.depthwiseConv2d(xx, ff, strides, pad, 'NHWC', dilation),
      gradFunc: (dy: tf.Tensor, [xs, fs]: tf.Tensor[]) => [
        depthwiseBackpropInputImpl(dy as tf.Tensor4D, fs as tf.Tensor4D, { ...attrs, inputShape: xs.shape as [number, number, number, number] }),
        depthwiseBackpropFilterImpl(xs as tf.Tensor4D, dy as tf.Tensor4D, { ...attrs, filterShape: fs.shape as [number, number, number, number] }),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, f) as tf.Tensor4D;
}
