// Conv2DBackpropFilter for the wasm backend, which ships none (so no conv layer could train).
// Main formulation: the filter gradient *is* a forward convolution once batch and channel axes
// swap roles: dw[i,j,c,o] = sum_{n,y,x} xpad[n, y*s + i*d, x*s + j*d, c] * dy[n, y, x, o], i.e.
// conv2d(x^T [c, H, W, n], dy^T [oH, oW, n, o], stride = d, dilation = s) -> [c, fh, fw, o].
// That lands the work in XNNPACK's convolution, faster than im2col + matMul (bench/). im2col +
// matMul remains for the case TF.js's conv2d cannot express
// (stride and dilation both > 1 on one axis).
import * as tf from '@tensorflow/tfjs-core';
import { convInfo, padOrCrop, pair, type ConvAttrs } from './conv_geometry.js';

export interface BackpropFilterAttrs extends ConvAttrs { filterShape: [number, number, number, number] }

export function conv2dBackpropFilterImpl(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: BackpropFilterAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw, ci, co] = attrs.filterShape;
    const info = convInfo(x.shape, attrs.filterShape, attrs);
    const [sh, sw] = pair(attrs.strides);
    const [dh, dw] = pair(attrs.dilations);
    const { outHeight: oh, outWidth: ow, padInfo } = info;
    const [n, h, w] = x.shape;
    // Rows/cols of padded input the last tap reaches; pad (or crop) the far side to exactly that.
    const needH = (oh - 1) * sh + (fh - 1) * dh + 1;
    const needW = (ow - 1) * sw + (fw - 1) * dw + 1;
    const bottom = needH - h - padInfo.top, right = needW - w - padInfo.left;
    if ((sh === 1 || dh === 1) && (sw === 1 || dw === 1)) {
      // Padding goes to the convolution itself (no padded copy) unless the far side must be cropped.
      const crop = bottom < 0 || right < 0;
      const src = crop ? padOrCrop(x, padInfo.top, bottom, padInfo.left, right) : x;
      const xt = tf.transpose(src, [3, 1, 2, 0]) as tf.Tensor4D; // [ci, H, W, n]
      const f = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, n, co]
      const pad: tf.backend_util.ExplicitPadding = crop ? [[0, 0], [0, 0], [0, 0], [0, 0]] : [[0, 0], [padInfo.top, bottom], [padInfo.left, right], [0, 0]];
      const g = tf.conv2d(xt, f, [dh, dw], pad, 'NHWC', [sh, sw]); // [ci, fh, fw, co]
      return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
    }
    const xp = padOrCrop(x, padInfo.top, bottom, padInfo.left, right);
    const m = n * oh * ow;
    // matMul with transposeA is much slower on wasm than an explicit transpose first.
    const dyT = tf.transpose(tf.reshape(dy, [m, co]));
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const begin = [0, i * dh, j * dw, 0];
        const end = [n, i * dh + (oh - 1) * sh + 1, j * dw + (ow - 1) * sw + 1, ci];
        const s = sh === 1 && sw === 1
          ? tf.slice(xp, begin, [n, oh, ow, ci])
          : tf.stridedSlice(xp, begin, end, [1, sh, sw, 1]);
        taps.push(s);
      }
    }
    const cols = taps.length === 1 ? taps[0] : tf.concat(taps, 3); // [n, oh, ow, fh*fw*ci]
    const g = tf.matMul(dyT, tf.reshape(cols, [m, fh * fw * ci])); // [co, fh*fw*ci]
    return tf.transpose(tf.reshape(g, [co, fh, fw, ci]), [1, 2, 3, 0]) as tf.Tensor4D;
  });
}
