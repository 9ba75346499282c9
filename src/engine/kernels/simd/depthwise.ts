// Loads the SIMD depthwise filter gradient (depthwise.wat) against the TF.js wasm heap, as
// channels.ts does: the module imports the backend's own WebAssembly.Memory and works on tensors
// in place. Null where the backend exposes no memory, the engine lacks WebAssembly SIMD, or the
// geometry is not what the kernel covers (depth multiplier 1, a multiple of 4 channels): the caller
// then runs its tfjs-core formulation.
import type * as tf from '@tensorflow/tfjs-core';
import { wasmBase64 } from './depthwise_wasm.js';
import { heapModule } from './heap_module.js';
import type { WasmBackend } from '../ort_native.js';
import { heapCopyRows, heapPadChannels } from './channels.js';

interface Exports {
  forward(x: number, f: number, out: number, n: number, h: number, w: number, c4: number, oh: number, ow: number,
    fh: number, fw: number, sh: number, sw: number, dh: number, dw: number, top: number, left: number): void;
  filterGrad(x: number, dy: number, out: number, n: number, h: number, w: number, c4: number, oh: number, ow: number,
    fh: number, fw: number, sh: number, sw: number, dh: number, dw: number, top: number, left: number): void;
  inputGrad(dy: number, f: number, dx: number, n: number, h: number, w: number, c4: number, oh: number, ow: number,
    fh: number, fw: number, sh: number, sw: number, dh: number, dw: number, top: number, left: number): void;
}

/** How many filter gradients ran here (tests check the path is taken). */
export const simdDepthwiseCalls = { filterGrad: 0, forward: 0, inputGrad: 0 };

const module = heapModule<Exports>(wasmBase64);
const kernels = (backend: object) => module.get(backend);

export interface DepthwiseFilterGeometry {
  filterShape: [number, number, number, number];
  outHeight: number; outWidth: number;
  strides: [number, number]; dilations: [number, number]; top: number; left: number;
}

/**
 * The filter gradient [fh, fw, c, 1] of a depthwise convolution of x [n, h, w, c] whose output
 * gradient is dy, allocated as `outShape` (the same elements in another shape); `fill`, if given,
 * first writes x and dy (tensors allocated but not yet filled).
 */
export function simdDepthwiseFilterGrad(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, g: DepthwiseFilterGeometry, outShape?: number[],
  fill?: (heap: (t: tf.TensorInfo) => Float32Array) => void): tf.TensorInfo | null {
  const [fh, fw, c, m] = g.filterShape;
  if (m !== 1 || c % 4 || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const k = kernels(backend);
  if (!k) return null;
  const out = backend.makeOutput(outShape ?? [fh, fw, c, 1], 'float32');
  // Views and offsets only after the allocation: it may grow (and move) the heap. `fill` writes
  // inputs the caller allocated but has not filled yet.
  fill?.((t) => backend.typedArrayFromHeap(t));
  const o = backend.typedArrayFromHeap(out);
  o.fill(0);
  const [n, h, w] = x.shape;
  k.filterGrad(backend.typedArrayFromHeap(x).byteOffset, backend.typedArrayFromHeap(dy).byteOffset, o.byteOffset, n, h, w, 4 * c,
    g.outHeight, g.outWidth, fh, fw, g.strides[0], g.strides[1], g.dilations[0], g.dilations[1], g.top, g.left);
  simdDepthwiseCalls.filterGrad++;
  return out;
}

/** Whether the SIMD module loads on this backend's heap at all. */
export const simdDepthwiseAvailable = (backend: object) => kernels(backend) != null;

/** Whether `simdDepthwiseForward` runs on this backend for c channels at depth multiplier m. */
export const simdDepthwiseForwardAvailable = (backend: object, c: number, m: number) => m === 1 && c % 4 === 0 && simdDepthwiseAvailable(backend);

/** y [n, oh, ow, c] of a depthwise convolution (multiplier 1) at any strides and dilations together. */
export function simdDepthwiseForward(backend: WasmBackend, x: tf.TensorInfo, f: tf.TensorInfo, g: DepthwiseFilterGeometry): tf.TensorInfo | null {
  if (x.dtype !== 'float32') return null;
  const [n, h, w] = x.shape;
  return pass('forward', backend, x, f, [n, h, w], [n, g.outHeight, g.outWidth, g.filterShape[2]], g);
}

/**
 * dx [n, h, w, c] of a depthwise convolution (multiplier 1, c a multiple of 4) of an input of
 * `inputShape` whose output gradient is dy, at any strides and dilations; f [fh, fw, c, 1]. Null
 * where the kernel does not run here.
 */
export function simdDepthwiseInputGrad(backend: WasmBackend, dy: tf.TensorInfo, f: tf.TensorInfo, inputShape: number[], g: DepthwiseFilterGeometry): tf.TensorInfo | null {
  if (dy.dtype !== 'float32') return null;
  const [n, h, w] = inputShape;
  return pass('inputGrad', backend, dy, f, [n, h, w], [n, h, w, g.filterShape[2]], g);
}

/**
 * simdDepthwiseInputGrad for any channel count: off a multiple of 4, dy and the filter are copied
 * into zero-padded channels first and the result's first c channels copied out. Worth the copies
 * at a stride (average pooling's gradient over ESPNetv2's 6-channel maps); at stride 1 XNNPACK's
 * formulation is as fast.
 */
export function simdDepthwiseInputGradAnyChannels(backend: WasmBackend, dy: tf.TensorInfo, f: tf.TensorInfo, inputShape: number[], g: DepthwiseFilterGeometry): tf.TensorInfo | null {
  const [fh, fw, c, m] = g.filterShape;
  if (c % 4 === 0 || m !== 1) return simdDepthwiseInputGrad(backend, dy, f, inputShape, g);
  const copy = heapCopyRows(backend);
  if (!copy || !simdDepthwiseAvailable(backend) || dy.dtype !== 'float32' || f.dtype !== 'float32') return null;
  const c4 = Math.ceil(c / 4) * 4, [n, h, w] = inputShape;
  const dyp = heapPadChannels(backend, dy, c, c4)!, fp = heapPadChannels(backend, f, c, c4)!;
  const outp = simdDepthwiseInputGrad(backend, dyp, fp, [n, h, w, c4], { ...g, filterShape: [fh, fw, c4, 1] });
  backend.disposeData(dyp.dataId);
  backend.disposeData(fp.dataId);
  if (!outp) return null;
  const out = backend.makeOutput([n, h, w, c], 'float32');
  copy(outp, 0, c4, out, 0, c, n * h * w, c);
  backend.disposeData(outp.dataId);
  return out;
}

/** One of the passes that take a tensor and the filter taps into a zeroed output; n, h, w: the convolution's input. */
function pass(kind: 'forward' | 'inputGrad', backend: WasmBackend, t: tf.TensorInfo, f: tf.TensorInfo, [n, h, w]: number[], outShape: number[], g: DepthwiseFilterGeometry): tf.TensorInfo | null {
  const [fh, fw, c, m] = g.filterShape;
  if (!simdDepthwiseForwardAvailable(backend, c, m) || f.dtype !== 'float32') return null;
  const k = kernels(backend)!;
  const out = backend.makeOutput(outShape, 'float32');
  const o = backend.typedArrayFromHeap(out);
  o.fill(0);
  k[kind](backend.typedArrayFromHeap(t).byteOffset, backend.typedArrayFromHeap(f).byteOffset, o.byteOffset, n, h, w, 4 * c,
    g.outHeight, g.outWidth, fh, fw, g.strides[0], g.strides[1], g.dilations[0], g.dilations[1], g.top, g.left);
  simdDepthwiseCalls[kind]++;
  return out;
}
