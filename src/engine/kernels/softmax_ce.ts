// Softmax cross-entropy per pixel as two kernels on the wasm heap: the forward pass writes each
// row's loss, log-sum-exp minus the label's score, and the probabilities (softmax over the last
// axis, one SIMD pass per row: simd/softmax.wat, a JS loop where the engine has no SIMD); the
// backward pass is probabilities minus the one-hot label, times the row's gradient. tfjs-core's
// logSoftmax, one-hot product and their gradients made a dozen full passes over the scores.
import type * as tf from '@tensorflow/tfjs-core';
import { wasmBase64 } from './simd/softmax_wasm.js';
import { heapModule } from './simd/heap_module.js';
import type { WasmBackend } from './ort_native.js';

export const SOFTMAX_CE = 'PixelwiseSoftmaxCrossEntropy';
export const SOFTMAX_CE_GRAD = 'PixelwiseSoftmaxCrossEntropyGrad';

interface Exports { softmaxRows(z: number, out: number, stats: number, rows: number, c: number): void }
const module = heapModule<Exports>(wasmBase64);

/** How many forward passes ran on the SIMD module (tests check the path is taken). */
export const softmaxCeCalls = { simd: 0, js: 0 };

type Heap = Pick<WasmBackend, 'makeOutput' | 'typedArrayFromHeap' | 'disposeData'>;
const labelsOf = (backend: Heap, labels: tf.TensorInfo) => backend.typedArrayFromHeap(labels) as unknown as Int32Array | Float32Array;

/** [loss per row (logits' shape without its last axis), probabilities (logits' shape)]; labels one per row, in [0, classes). */
export function softmaxCrossEntropyForward(backend: Heap, logits: tf.TensorInfo, labels: tf.TensorInfo): tf.TensorInfo[] {
  const c = logits.shape[logits.shape.length - 1], rows = logits.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const loss = backend.makeOutput(logits.shape.slice(0, -1), 'float32'), probs = backend.makeOutput(logits.shape, 'float32');
  const stats = backend.makeOutput([rows, 2], 'float32');
  const Z = backend.typedArrayFromHeap(logits), P = backend.typedArrayFromHeap(probs), S = backend.typedArrayFromHeap(stats);
  const k = module.get(backend);
  if (k) { k.softmaxRows(Z.byteOffset, P.byteOffset, S.byteOffset, rows, c); softmaxCeCalls.simd++; } else {
    for (let r = 0; r < rows; r++) {
      let max = -Infinity, sum = 0;
      for (let j = 0; j < c; j++) max = Math.max(max, Z[r * c + j]);
      for (let j = 0; j < c; j++) { const e = Math.exp(Z[r * c + j] - max); P[r * c + j] = e; sum += e; }
      for (let j = 0; j < c; j++) P[r * c + j] /= sum;
      S[2 * r] = max; S[2 * r + 1] = sum;
    }
    softmaxCeCalls.js++;
  }
  const L = backend.typedArrayFromHeap(loss), Y = labelsOf(backend, labels);
  for (let r = 0; r < rows; r++) L[r] = S[2 * r] + Math.log(S[2 * r + 1]) - Z[r * c + Y[r]];
  backend.disposeData(stats.dataId);
  return [loss, probs];
}

/** d loss / d logits = (probabilities - one-hot label) x the row's gradient dy. */
export function softmaxCrossEntropyBackward(backend: Heap, probs: tf.TensorInfo, labels: tf.TensorInfo, dy: tf.TensorInfo): tf.TensorInfo {
  const c = probs.shape[probs.shape.length - 1], rows = probs.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const dx = backend.makeOutput(probs.shape, 'float32');
  const P = backend.typedArrayFromHeap(probs), D = backend.typedArrayFromHeap(dy), DX = backend.typedArrayFromHeap(dx), Y = labelsOf(backend, labels);
  for (let r = 0, i = 0; r < rows; r++) {
    const g = D[r];
    for (let j = 0; j < c; j++, i++) DX[i] = P[i] * g;
    DX[r * c + Y[r]] -= g;
  }
  return dx;
}
