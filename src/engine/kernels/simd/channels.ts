// Loads the SIMD channel passes (channels.wat) against the TF.js wasm heap: the module imports the
// backend's own WebAssembly.Memory, so it reads and writes tensors in place, by their heap offsets.
// One instance per backend (each data-parallel worker has its own heap). Null where the backend
// exposes no memory or the engine lacks WebAssembly SIMD: callers then run their JS loops.
import type * as tf from '@tensorflow/tfjs-core';
import { wasmBase64 } from './channels_wasm.js';
import { heapModule } from './heap_module.js';
import type { WasmBackend } from '../ort_native.js';

interface Exports {
  sums(a: number, b: number, sa: number, sb: number, n: number, c4: number, o1: number, o2: number, acc: number): void;
  affine(out: number, a: number, b: number, sa: number, sb: number, fa: number, fb: number, f0: number, n: number, c4: number): void;
  affinePrelu(out: number, a: number, sa: number, fa: number, f0: number, alpha: number, n: number, c4: number): void;
  preluSums(dy: number, x: number, sx: number, fa: number, f0: number, alpha: number, n: number, c4: number, o1: number, o2: number, oa: number, acc: number): void;
  preluAffineGrad(out: number, dy: number, x: number, sx: number, fa: number, f0: number, alpha: number, ga: number, gm: number, gb: number, n: number, c4: number): void;
  copyRows(src: number, dst: number, rows: number, bytes: number, srcStride: number, dstStride: number): void;
  maxPool2Grad(x: number, dy: number, dx: number, n: number, h: number, w: number, c4: number, oh: number, ow: number): void;
  resampleRuns(src: number, dst: number, idx: number, wt: number, outer: number, out: number, len: number, run: number, k: number): void;
  repeatChannels(src: number, dst: number, n: number, c: number, m: number, c4: number): void;
}

const module = heapModule<Exports>(wasmBase64);
const channelKernels = (backend: object) => module.get(backend);

/**
 * Per-channel passes over channels-last tensors [..., c]; c a multiple of 4 (else null). Vectors
 * are per channel. Every call allocates its parameter block on the heap first, then takes offsets.
 */
export interface ChannelPasses {
  /** [sum(a - sa), sum((a - sa) * (b - sb))] per channel, in float64. */
  sums(a: tf.TensorInfo, b: tf.TensorInfo, sa: ArrayLike<number>, sb: ArrayLike<number>): [Float64Array, Float64Array];
  /** out = fa * (a - sa) + fb * (b - sb) + f0 per channel. */
  affine(out: tf.TensorInfo, a: tf.TensorInfo, b: tf.TensorInfo, sa: ArrayLike<number>, sb: ArrayLike<number>,
    fa: ArrayLike<number>, fb: ArrayLike<number>, f0: ArrayLike<number>): void;
}

/** `f` with a heap block holding `parts` (vectors of c floats; a float64 vector takes two), freed after. */
function withParams<T>(backend: WasmBackend, c: number, parts: ArrayLike<number>[], f: (ptr: number, view: Float32Array) => T): T {
  const block = backend.makeOutput([parts.length * c], 'float32');
  try {
    const view = backend.typedArrayFromHeap(block);
    parts.forEach((p, i) => view.set(p, i * c));
    return f(view.byteOffset, view);
  } finally {
    backend.disposeData(block.dataId);
  }
}

const at = (backend: WasmBackend, t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
const pixelsOf = (t: tf.TensorInfo, c: number) => t.shape.reduce((p, d) => p * d, 1) / c;

export function simdChannelPasses(backend: WasmBackend, c: number): ChannelPasses | null {
  const k = c % 4 === 0 ? channelKernels(backend) : null;
  if (!k) return null;
  const zeros = new Float32Array(c);
  return {
    // Then float64 o1, o2 (two vectors' room each) and float32 scratch for the partial sums.
    sums: (a, b, sa, sb) => withParams(backend, c, [sa, sb, zeros, zeros, zeros, zeros, zeros, zeros], (p, view) => {
      k.sums(at(backend, a), at(backend, b), p, p + 4 * c, pixelsOf(a, c), 4 * c, p + 8 * c, p + 16 * c, p + 24 * c);
      const sums = new Float64Array(view.buffer, view.byteOffset + 8 * c, 2 * c);
      return [sums.slice(0, c), sums.slice(c, 2 * c)];
    }),
    affine: (out, a, b, sa, sb, fa, fb, f0) => withParams(backend, c, [sa, sb, fa, fb, f0], (p) => {
      k.affine(at(backend, out), at(backend, a), at(backend, b), p, p + 4 * c, p + 8 * c, p + 12 * c, p + 16 * c, pixelsOf(a, c), 4 * c);
    }),
  };
}

/**
 * The passes of an affine map per channel followed by a PReLU (slope per channel; 0 for a ReLU),
 * z = fa * (x - sx) + f0: c a multiple of 4 and SIMD only (else null).
 */
export interface PreluPasses {
  /** out = prelu(z). */
  affinePrelu(out: tf.TensorInfo, x: tf.TensorInfo, sx: ArrayLike<number>, fa: ArrayLike<number>, f0: ArrayLike<number>, alpha: ArrayLike<number>): void;
  /** With g = z > 0 ? dy : dy * alpha: [sum(g), sum(g * (x - sx)), sum over z <= 0 of dy * z] per channel, in float64. */
  sums(dy: tf.TensorInfo, x: tf.TensorInfo, sx: ArrayLike<number>, fa: ArrayLike<number>, f0: ArrayLike<number>, alpha: ArrayLike<number>): [Float64Array, Float64Array, Float64Array];
  /** out = ga * (g - gm) + gb * (x - sx). */
  affineGrad(out: tf.TensorInfo, dy: tf.TensorInfo, x: tf.TensorInfo, sx: ArrayLike<number>, fa: ArrayLike<number>, f0: ArrayLike<number>, alpha: ArrayLike<number>,
    ga: ArrayLike<number>, gm: ArrayLike<number>, gb: ArrayLike<number>): void;
}

export function simdPreluPasses(backend: WasmBackend, c: number): PreluPasses | null {
  const k = c % 4 === 0 ? channelKernels(backend) : null;
  if (!k) return null;
  const zeros = new Float32Array(c);
  return {
    affinePrelu: (out, x, sx, fa, f0, alpha) => withParams(backend, c, [sx, fa, f0, alpha], (p) => {
      k.affinePrelu(at(backend, out), at(backend, x), p, p + 4 * c, p + 8 * c, p + 12 * c, pixelsOf(x, c), 4 * c);
    }),
    sums: (dy, x, sx, fa, f0, alpha) => withParams(backend, c, [sx, fa, f0, alpha, zeros, zeros, zeros, zeros, zeros, zeros, zeros, zeros, zeros], (p, view) => {
      k.preluSums(at(backend, dy), at(backend, x), p, p + 4 * c, p + 8 * c, p + 12 * c, pixelsOf(x, c), 4 * c, p + 16 * c, p + 24 * c, p + 32 * c, p + 40 * c);
      const sums = new Float64Array(view.buffer, view.byteOffset + 16 * c, 3 * c);
      return [sums.slice(0, c), sums.slice(c, 2 * c), sums.slice(2 * c, 3 * c)];
    }),
    affineGrad: (out, dy, x, sx, fa, f0, alpha, ga, gm, gb) => withParams(backend, c, [sx, fa, f0, alpha, ga, gm, gb], (p) => {
      k.preluAffineGrad(at(backend, out), at(backend, dy), at(backend, x), p, p + 4 * c, p + 8 * c, p + 12 * c, p + 16 * c, p + 20 * c, p + 24 * c, pixelsOf(x, c), 4 * c);
    }),
  };
}

/**
 * Copies `rows` blocks of `count` floats from src (from float `srcAt`, a block every `srcStride`
 * floats) to dst (from `dstAt`, every `dstStride`) inside WebAssembly; null where the module does
 * not load (the caller copies in JS).
 */
export function heapCopyRows(backend: WasmBackend): ((src: tf.TensorInfo, srcAt: number, srcStride: number, dst: tf.TensorInfo, dstAt: number, dstStride: number, rows: number, count: number) => void) | null {
  const k = channelKernels(backend);
  if (!k) return null;
  return (src, srcAt, srcStride, dst, dstAt, dstStride, rows, count) =>
    k.copyRows(at(backend, src) + 4 * srcAt, at(backend, dst) + 4 * dstAt, rows, 4 * count, 4 * srcStride, 4 * dstStride);
}

/** How many pooling gradients ran here (tests check the path is taken). */
export const simdPoolCalls = { maxPool2Grad: 0 };

/**
 * Max pooling's gradient over 2x2 windows at stride 2, c a multiple of 4 (simd/channels.wat):
 * writes every window of dx; rows and columns past the windows are the caller's. Null where the
 * module does not load or c is not a multiple of 4.
 */
export function heapMaxPool2Grad(backend: WasmBackend, c: number): ((x: tf.TensorInfo, dy: tf.TensorInfo, dx: tf.TensorInfo) => void) | null {
  const k = c % 4 === 0 ? channelKernels(backend) : null;
  if (!k) return null;
  return (x, dy, dx) => {
    const [n, h, w] = x.shape, [, oh, ow] = dy.shape;
    simdPoolCalls.maxPool2Grad++;
    k.maxPool2Grad(at(backend, x), at(backend, dy), at(backend, dx), n, h, w, 4 * c, oh, ow);
  };
}

/**
 * For c channels off a multiple of 4: how many pixels the SIMD passes take at a time, as one row of
 * k*c channels (a multiple of 4; the per-channel vectors repeated k times), or 0 where the pixel
 * count does not divide by k. 1 for a multiple of 4.
 */
export function pixelGroup(c: number, pixels: number): number {
  const k = c % 2 ? 4 : c % 4 ? 2 : 1;
  return pixels % k === 0 ? k : 0;
}

/**
 * One axis of a separable resampling on the heap (channels.wat resampleRuns): src is `outer` blocks
 * of `len` rows of `run` floats; row i of each output block is the sum over its taps t of
 * wt[i*k + t] * src row idx[i*k + t], k = idx.length / out. Null where the module does not load.
 */
export function heapResampleRuns(backend: WasmBackend): ((src: tf.TensorInfo, dst: tf.TensorInfo, idx: Int32Array, wt: Float32Array, outer: number, out: number, len: number, run: number) => void) | null {
  const k = channelKernels(backend);
  if (!k) return null;
  return (src, dst, idx, wt, outer, out, len, run) => {
    const block = backend.makeOutput([2 * idx.length], 'float32'); // taps' indices, then weights
    try {
      const view = backend.typedArrayFromHeap(block);
      new Int32Array(view.buffer, view.byteOffset, idx.length).set(idx);
      view.set(wt, idx.length);
      k.resampleRuns(at(backend, src), at(backend, dst), view.byteOffset, view.byteOffset + 4 * idx.length, outer, out, len, run, idx.length / out);
    } finally {
      backend.disposeData(block.dataId);
    }
  };
}

/**
 * Each of src's pixels' c channels repeated m times, then zeros up to c4 floats a pixel, into dst
 * (channels.wat repeatChannels). Null where the module does not load.
 */
export function heapRepeatChannels(backend: WasmBackend): ((src: tf.TensorInfo, dst: tf.TensorInfo, c: number, m: number, c4: number) => void) | null {
  const k = channelKernels(backend);
  if (!k) return null;
  return (src, dst, c, m, c4) => k.repeatChannels(at(backend, src), at(backend, dst), pixelsOf(src, c), c, m, c4);
}

/**
 * t [..., c] copied into a new tensor [..., c4] whose channels past c are zeros (channel counts off
 * a multiple of 4 brought to the SIMD passes' form). Null where the module does not load.
 */
export function heapPadChannels(backend: WasmBackend, t: tf.TensorInfo, c: number, c4: number): tf.TensorInfo | null {
  const copy = heapCopyRows(backend);
  if (!copy) return null;
  const p = backend.makeOutput([...t.shape.slice(0, -1), c4], 'float32');
  backend.typedArrayFromHeap(p).fill(0);
  copy(t, 0, c, p, 0, c4, pixelsOf(t, c), c);
  return p;
}
