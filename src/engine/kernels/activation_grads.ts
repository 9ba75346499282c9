// Activation gradients as single passes over the wasm heap (simd/activations.wat, with a JS loop
// where the engine has no SIMD): PReLU's input and slope gradients together, ClipByValue's (ReLU6)
// and ReLU's masks. engine/activation_grad.ts routes tfjs-core's gradients here on wasm.
import type * as tf from '@tensorflow/tfjs-core';
import { wasmBase64 } from './simd/activations_wasm.js';
import { heapModule } from './simd/heap_module.js';
import { pixelGroup } from './simd/channels.js';
import type { WasmBackend } from './ort_native.js';

export const PRELU_GRAD = 'PixelwisePreluGrad';
export const CLIP_GRAD = 'PixelwiseClipGrad';
export const RELU_GRAD = 'PixelwiseReluGrad';

interface Exports {
  preluGrad(x: number, dy: number, alpha: number, dx: number, dalpha: number, n: number, c4: number): void;
  clipGrad(x: number, dy: number, dx: number, n4: number, lo: number, hi: number): void;
  reluGrad(x: number, dy: number, dx: number, n4: number): void;
}
const module = heapModule<Exports>(wasmBase64);

/** How many fused gradients ran (tests check the path is taken). */
export const fusedActivationCalls = { prelu: 0, clip: 0, relu: 0 };
const size = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

/** [dx, dalpha] of y = x > 0 ? x : alpha * x, alpha one slope per channel (the last axis). */
export function preluGrad(backend: WasmBackend, x: tf.TensorInfo, alpha: tf.TensorInfo, dy: tf.TensorInfo): tf.TensorInfo[] {
  const c = size(alpha), n = size(x) / c;
  const dx = backend.makeOutput(x.shape, 'float32'), da = backend.makeOutput(alpha.shape, 'float32');
  const X = backend.typedArrayFromHeap(x), D = backend.typedArrayFromHeap(dy), A = backend.typedArrayFromHeap(alpha);
  const DX = backend.typedArrayFromHeap(dx), DA = backend.typedArrayFromHeap(da);
  DA.fill(0);
  // Channels off a multiple of 4: g pixels at a time as g*c channels (slopes repeated, their
  // gradients' g copies added), where the pixel count allows.
  const g = pixelGroup(c, n);
  const k = g ? module.get(backend) : null;
  if (k && g === 1) k.preluGrad(X.byteOffset, D.byteOffset, A.byteOffset, DX.byteOffset, DA.byteOffset, n, 4 * c);
  else if (k) {
    const block = backend.makeOutput([2 * g * c], 'float32'); // tiled slopes, then their gradients
    const B = backend.typedArrayFromHeap(block);
    const A2 = backend.typedArrayFromHeap(alpha); // views again: the allocation may have moved the heap
    for (let j = 0; j < g; j++) B.set(A2.subarray(0, c), j * c);
    B.fill(0, g * c);
    k.preluGrad(backend.typedArrayFromHeap(x).byteOffset, backend.typedArrayFromHeap(dy).byteOffset, B.byteOffset, backend.typedArrayFromHeap(dx).byteOffset,
      B.byteOffset + 4 * g * c, n / g, 4 * g * c);
    const DA2 = backend.typedArrayFromHeap(da);
    for (let j = 0; j < g; j++) for (let ch = 0; ch < c; ch++) DA2[ch] += B[g * c + j * c + ch];
    backend.disposeData(block.dataId);
  } else {
    for (let p = 0, i = 0; p < n; p++) {
      for (let ch = 0; ch < c; ch++, i++) {
        if (X[i] > 0) DX[i] = D[i];
        else { DX[i] = D[i] * A[ch]; DA[ch] += D[i] * X[i]; }
      }
    }
  }
  fusedActivationCalls.prelu++;
  return [dx, da];
}

/** dx = lo <= x <= hi ? dy : 0 (hi Infinity and strict 0 < x: ReLU's). */
function maskGrad(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, relu: boolean, lo = 0, hi = Infinity): tf.TensorInfo {
  const n = size(x);
  const dx = backend.makeOutput(x.shape, 'float32');
  const X = backend.typedArrayFromHeap(x), D = backend.typedArrayFromHeap(dy), DX = backend.typedArrayFromHeap(dx);
  const k = module.get(backend), n4 = k ? n >> 2 : 0;
  if (k && relu) k.reluGrad(X.byteOffset, D.byteOffset, DX.byteOffset, n4);
  else if (k) k.clipGrad(X.byteOffset, D.byteOffset, DX.byteOffset, n4, lo, hi);
  for (let i = 4 * n4; i < n; i++) DX[i] = (relu ? X[i] > 0 : X[i] >= lo && X[i] <= hi) ? D[i] : 0;
  fusedActivationCalls[relu ? 'relu' : 'clip']++;
  return dx;
}

export const clipGrad = (backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, lo: number, hi: number) => maskGrad(backend, x, dy, false, lo, hi);
export const reluGrad = (backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo) => maskGrad(backend, x, dy, true);
