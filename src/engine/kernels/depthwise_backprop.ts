// Depthwise-convolution gradients for the wasm backend, which ships none (so ESPNetv2's depthwise
// layers could not train). Input gradient: dy with zeros inserted between rows/columns (stride),
// padded, correlated with the flipped filter by a depthwise convolution. Filter gradient: for each
// filter tap, the (strided) shifted input times dy, summed over batch and positions.
import * as tf from '@tensorflow/tfjs-core';
import { convInfo, padOrCrop, pair, type ConvAttrs } from './conv_geometry.js';
import { simdDepthwiseAvailable, simdDepthwiseFilterGrad, simdDepthwiseForward, simdDepthwiseForwardAvailable, simdDepthwiseInputGrad, type DepthwiseFilterGeometry } from './simd/depthwise.js';
import { heapPadChannels, heapRepeatChannels } from './simd/channels.js';
import type { WasmBackend } from './ort_native.js';

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

/**
 * The input gradient on the wasm backend: the SIMD pass (simd/depthwise.wat) for multiplier 1 and a
 * multiple of 4 channels, else the formulation above.
 */
export function depthwiseInputGradWasm(backend: WasmBackend, dy: tf.Tensor4D, filter: tf.Tensor4D, a: DepthwiseInputAttrs): tf.Tensor4D | tf.TensorInfo {
  const g = depthwiseFilterGeometry(a.inputShape, { ...a, filterShape: filter.shape });
  return simdDepthwiseInputGrad(backend, dy, filter, a.inputShape, g) ?? depthwiseBackpropInputImpl(dy, filter, a);
}

/** The kernel of depthwise convolutions at strides and dilations both above 1 (wasm only). */
export const DEPTHWISE_STRIDED_DILATED = 'PixelwiseDepthwiseStridedDilated';

/** Whether depthwiseConv takes strides and dilations both above 1 here, for c channels at multiplier m. */
export function stridedDilatedDepthwise(c: number, m: number): boolean {
  return tf.getKernel(DEPTHWISE_STRIDED_DILATED, tf.getBackend()) != null && simdDepthwiseForwardAvailable(tf.backend(), c, m);
}

/** The forward pass of DEPTHWISE_STRIDED_DILATED on the wasm heap. */
export function depthwiseStridedDilatedWasm(backend: WasmBackend, x: tf.TensorInfo, f: tf.TensorInfo, a: ConvAttrs): tf.TensorInfo {
  const out = simdDepthwiseForward(backend, x, f, depthwiseFilterGeometry(x.shape, { ...a, filterShape: f.shape as [number, number, number, number] }));
  if (!out) throw new Error('depthwise convolution at strides and dilations above 1: no SIMD kernel on this backend');
  return out;
}

/** What the SIMD filter gradient (simd/depthwise.ts) needs of a depthwise convolution's geometry. */
export function depthwiseFilterGeometry(xShape: number[], a: DepthwiseFilterAttrs): DepthwiseFilterGeometry {
  const { padInfo, outHeight, outWidth } = convInfo(xShape as [number, number, number, number], a.filterShape, a);
  return { filterShape: a.filterShape, outHeight, outWidth, strides: pair(a.strides), dilations: pair(a.dilations), top: padInfo.top, left: padInfo.left };
}

/**
 * The filter gradient on the wasm backend: the SIMD pass (simd/depthwise.wat) wherever it applies
 * once the problem is reshaped into its form, else the formulation below. A depth multiplier m > 1
 * is the multiplier-1 problem over x with each channel repeated m times (dy's channels c*m + k and
 * the filter's [c, m] are already in that order); channels short of a multiple of 4 are padded
 * with zeros, whose gradient rows are dropped.
 */
export function depthwiseFilterGradWasm(backend: WasmBackend, x: tf.Tensor4D, dy: tf.Tensor4D, a: DepthwiseFilterAttrs): tf.Tensor4D | tf.TensorInfo {
  const [fh, fw, c, m] = a.filterShape;
  const g = depthwiseFilterGeometry(x.shape, a);
  if (m === 1 && c % 4 === 0) return simdDepthwiseFilterGrad(backend, x, dy, g) ?? depthwiseBackpropFilterImpl(x, dy, a);
  if (!simdDepthwiseAvailable(backend) || x.dtype !== 'float32') return depthwiseBackpropFilterImpl(x, dy, a);
  // The reshaped problem written straight into heap tensors (a broadcast or tile through TF.js
  // ops cost more than the gradient itself).
  const cm = c * m, c4 = Math.ceil(cm / 4) * 4;
  const [n, h, w] = x.shape;
  const dye = c4 > cm ? heapPadChannels(backend, dy, cm, c4) : null;
  if (c4 > cm && !dye) return depthwiseBackpropFilterImpl(x, dy, a);
  const xe = backend.makeOutput([n, h, w, c4], 'float32');
  const repeat = heapRepeatChannels(backend);
  const out = simdDepthwiseFilterGrad(backend, xe, dye ?? dy, { ...g, filterShape: [fh, fw, c4, 1] }, [fh, fw, c4, 1], (heap) => {
    // The padding channels are written as zeros: the heap may hold NaN there, and NaN x 0 is NaN.
    if (repeat) repeat(x, xe, c, m, c4);
    else {
      const X = heap(x), XE = heap(xe);
      for (let p = 0, src = 0, dst = 0; p < n * h * w; p++) {
        for (let ch = 0; ch < c; ch++, src++) for (let k = 0; k < m; k++) XE[dst++] = X[src];
        for (let z = cm; z < c4; z++) XE[dst++] = 0;
      }
    }
  })!;
  backend.disposeData(xe.dataId);
  if (dye) backend.disposeData(dye.dataId);
  // [fh, fw, c4, 1] -> [fh, fw, c, m]: the first cm of each tap's c4 values.
  const result = backend.makeOutput([fh, fw, c, m], 'float32');
  const O = backend.typedArrayFromHeap(out), R = backend.typedArrayFromHeap(result);
  for (let t = 0; t < fh * fw; t++) R.set(O.subarray(t * c4, t * c4 + cm), t * cm);
  backend.disposeData(out.dataId);
  return result;
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
export function depthwiseConv(x: tf.Tensor4D, f: tf.Tensor4D, strides: number, pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding, dilation: number): tf.Tensor4D {
  if (dilation === 1) return tf.depthwiseConv2d(x, f, strides, pad, 'NHWC', 1);
  const attrs = { strides, pad, dilations: dilation };
  // Strides and dilations both above 1: XNNPACK refuses, the project's SIMD kernel runs it (the
  // caller checks stridedDilatedDepthwise first).
  const forward = (xx: tf.Tensor4D, ff: tf.Tensor4D) => (strides > 1
    ? tf.engine().runKernel(DEPTHWISE_STRIDED_DILATED, { x: xx, filter: ff }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D
    : tf.depthwiseConv2d(xx, ff, strides, pad, 'NHWC', dilation));
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ff, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xx, ff]);
    return {
      value: forward(xx, ff),
      // On wasm through the registered kernels (their SIMD passes); elsewhere the formulations above.
      gradFunc: (dy: tf.Tensor, [xs, fs]: tf.Tensor[]) => [
        tf.getBackend() === 'wasm'
          ? tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: fs }, { ...attrs, inputShape: xs.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D
          : depthwiseBackpropInputImpl(dy as tf.Tensor4D, fs as tf.Tensor4D, { ...attrs, inputShape: xs.shape as [number, number, number, number] }),
        tf.getBackend() === 'wasm'
          ? tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x: xs, dy }, { ...attrs, filterShape: fs.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D
          : depthwiseBackpropFilterImpl(xs as tf.Tensor4D, dy as tf.Tensor4D, { ...attrs, filterShape: fs.shape as [number, number, number, number] }),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, f) as tf.Tensor4D;
}
