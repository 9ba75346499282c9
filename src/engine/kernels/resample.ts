// One axis of a separable resampling as a kernel on the wasm heap (simd/channels.wat
// resampleRuns): the bilinear gradients and adaptive pooling of models/layers.ts, which otherwise
// read the tensor out to JavaScript, loop there and upload the result.
import * as tf from '@tensorflow/tfjs-core';
import { heapResampleRuns } from './simd/channels.js';
import type { WasmBackend } from './ort_native.js';

export const RESAMPLE_AXIS = 'PixelwiseResampleAxis';

/** Taps of a resampling matrix: `k` (index, weight) pairs for each of its rows. */
export interface ResampleAttrs { idx: Int32Array; wt: Float32Array; out: number; axis: 1 | 2 }

/** How many resamplings ran on the SIMD pass (tests check the path is taken). */
export const resampleCalls = { simd: 0 };

/** Whether the active backend runs RESAMPLE_AXIS (the wasm backend with the SIMD module loaded). */
export function hasResampleAxis(): boolean {
  return tf.getKernel(RESAMPLE_AXIS, tf.getBackend()) != null && heapResampleRuns(tf.backend() as unknown as WasmBackend) != null;
}

/** x [n, h, w, c] (float32) resampled along axis 1 (rows) or 2 (columns) to `out` rows. */
export function resampleAxisWasm(backend: WasmBackend, x: tf.TensorInfo, a: ResampleAttrs): tf.TensorInfo {
  const simd = heapResampleRuns(backend);
  if (!simd) throw new Error('resampling kernel: the SIMD module does not load on this backend (check hasResampleAxis first)');
  const [n, h, w, c] = x.shape;
  const y = backend.makeOutput(a.axis === 1 ? [n, a.out, w, c] : [n, h, a.out, c], 'float32');
  if (a.axis === 1) simd(x, y, a.idx, a.wt, n, a.out, h, w * c);
  else simd(x, y, a.idx, a.wt, n * h, a.out, w, c);
  resampleCalls.simd++;
  return y;
}
