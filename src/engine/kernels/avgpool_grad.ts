// Average pooling's gradient without padding (ESPNetv2 pads explicitly, then pools 3x3 at stride 2,
// as PyTorch's count_include_pad does) is the input gradient of a depthwise convolution whose taps
// all hold 1 / window: one SIMD pass (simd/depthwise.wat). tfjs-backend-wasm's kernel took a visible
// share of an ESPNetv2 training step. Other geometries return null (the wasm kernel runs).
import * as tf from '@tensorflow/tfjs-core';
import { simdDepthwiseAvailable, simdDepthwiseInputGradAnyChannels } from './simd/depthwise.js';
import type { WasmBackend } from './ort_native.js';

export function avgPoolGradSimd(backend: WasmBackend, dy: tf.TensorInfo, input: tf.TensorInfo,
  attrs: { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: string }): tf.TensorInfo | null {
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1,
    attrs.pad as 'valid', attrs.dimRoundingMode as 'floor' | undefined);
  const { inChannels: c, filterHeight: fh, filterWidth: fw, padInfo } = info;
  if (padInfo.top || padInfo.left || padInfo.bottom || padInfo.right || !simdDepthwiseAvailable(backend)) return null;
  const taps = backend.makeOutput([fh, fw, c, 1], 'float32');
  backend.typedArrayFromHeap(taps).fill(1 / (fh * fw));
  const out = simdDepthwiseInputGradAnyChannels(backend, dy, taps, input.shape, {
    filterShape: [fh, fw, c, 1], outHeight: info.outHeight, outWidth: info.outWidth,
    strides: [info.strideHeight, info.strideWidth], dilations: [1, 1], top: 0, left: 0,
  });
  backend.disposeData(taps.dataId);
  return out;
}
