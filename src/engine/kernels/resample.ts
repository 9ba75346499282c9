// One axis of a separable resampling as a kernel on the wasm heap (simd/channels.wat
// resampleRuns): the bilinear gradients and adaptive pooling of models/layers.ts, which otherwise
// read the tensor out to JavaScript, loop there and upload the result.
import type * as tf from '@tensorflow/tfjs-core';
import { heapResampleRuns } from './simd/channels.js';
import type { WasmBackend } from './ort_native.js';

export const RESAMPLE_AXIS = 'PixelwiseResampleAxis';

/** Taps of a resampling matrix: `k` (index, weight) pairs for each of its rows. */
export interface ResampleAttrs { idx: Int32Array; wt: Float32Array; out: number; axis: 1 | 2 }

/** How many resamplings ran here, and how many on the SIMD pass (tests check the path is taken). */
export const resampleCalls = { kernel: 0, simd: 0 };

/** x [n, h, w, c] (float32) resampled along axis 1 (rows) or 2 (columns) to `out` rows. */
export function resampleAxisWasm(backend: WasmBackend, x: tf.TensorInfo, a: ResampleAttrs): tf.TensorInfo {
  const [n, h, w, c] = x.shape;
  const y = backend.makeOutput(a.axis === 1 ? [n, a.out, w, c] : [n, h, a.out, c], 'float32');
  const outer = a.axis === 1 ? n : n * h, len = a.axis === 1 ? h : w, row = a.axis === 1 ? w * c : c;
  const simd = heapResampleRuns(backend);
  resampleCalls.kernel++;
  if (simd) { simd(x, y, a.idx, a.wt, outer, a.out, len, row); resampleCalls.simd++; }
  else {
    const src = backend.typedArrayFromHeap(x), dst = backend.typedArrayFromHeap(y), k = a.idx.length / a.out;
    dst.fill(0);
    for (let b = 0; b < outer; b++) {
      for (let i = 0; i < a.out; i++) {
        const d0 = (b * a.out + i) * row;
        for (let t = 0; t < k; t++) {
          const wt = a.wt[i * k + t];
          if (wt === 0) continue;
          const s0 = (b * len + a.idx[i * k + t]) * row;
          for (let e = 0; e < row; e++) dst[d0 + e] += wt * src[s0 + e];
        }
      }
    }
  }
  return y;
}
