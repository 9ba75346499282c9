// MaxPool's gradient for non-overlapping windows (pool size = stride, no padding: U-Net's and
// VGG's 2x2/2 pools) as one pass (SIMD for 2x2 windows over a multiple of 4 channels, else JS):
// each window's dy goes to its first maximum (TF.js's rule: row-major window order, strictly
// greater replaces). tfjs-backend-wasm's kernel took a visible
// share of a U-Net training step for these four pools. Other geometries return null (the wasm kernel runs).
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackend } from './ort_native.js';
import { heapMaxPool2Grad } from './simd/channels.js';


export function maxPoolGradTiled(backend: WasmBackend, dy: tf.TensorInfo, input: tf.TensorInfo,
  attrs: { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: string }): tf.TensorInfo | null {
  if (input.dtype !== 'float32') return null;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1,
    attrs.pad as 'valid', attrs.dimRoundingMode as 'floor' | undefined);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const fh = info.effectiveFilterHeight, fw = info.effectiveFilterWidth;
  if (fh !== sh || fw !== sw || info.padInfo.top !== 0 || info.padInfo.left !== 0 || oh * sh > h || ow * sw > w) return null;
  const out = backend.makeOutput(input.shape, 'float32');
  // 2x2 windows over a multiple of 4 channels: one SIMD pass that writes every window.
  const simd = fh === 2 && fw === 2 ? heapMaxPool2Grad(backend, c) : null;
  if (simd) {
    if (oh * 2 !== h || ow * 2 !== w) backend.typedArrayFromHeap(out).fill(0); // pixels no window covers
    simd(input, dy, out);
    return out;
  }
  // Views after the allocation (it may grow the heap). makeOutput's memory is not zeroed.
  const x = backend.typedArrayFromHeap(input), g = backend.typedArrayFromHeap(dy), dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const o = ((b * oh + oy) * ow + ox) * c;
        const corner = ((b * h + oy * sh) * w + ox * sw) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity, at = -1;
          for (let i = 0; i < fh; i++) {
            for (let j = 0; j < fw; j++) {
              const p = corner + (i * w + j) * c + ch;
              if (x[p] > best) { best = x[p]; at = p; }
            }
          }
          if (at >= 0) dx[at] += g[o + ch];
        }
      }
    }
  }
  return out;
}
