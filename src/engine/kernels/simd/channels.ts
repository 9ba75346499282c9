// Loads the SIMD channel passes (channels.wat) against the TF.js wasm heap: the module imports the
// backend's own WebAssembly.Memory, so it reads and writes tensors in place, by their heap offsets.
// One instance per backend (each data-parallel worker has its own heap). Null where the backend
// exposes no memory or the engine lacks WebAssembly SIMD: callers then run their JS loops.
import type * as tf from '@tensorflow/tfjs-core';
import { wasmBase64 } from './channels_wasm.js';
import { heapModule } from './heap_module.js';
import type { WasmBackend } from '../ort_native.js';

interface Exports {
  sums(a: number, b: number, sa: number, sb: number, n: number, c4: number, o1: number, o2: number): void;
  affine(out: number, a: number, b: number, sa: number, sb: number, fa: number, fb: number, f0: number, n: number, c4: number): void;
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

export function simdChannelPasses(backend: WasmBackend, c: number): ChannelPasses | null {
  const k = c % 4 === 0 ? channelKernels(backend) : null;
  if (!k) return null;
  // A parameter block of `parts` vectors of c floats (a float64 vector takes two).
  const withParams = <T>(parts: ArrayLike<number>[], f: (ptr: number, view: Float32Array) => T): T => {
    const block = backend.makeOutput([parts.length * c], 'float32');
    try {
      const view = backend.typedArrayFromHeap(block);
      parts.forEach((p, i) => view.set(p, i * c));
      return f(view.byteOffset, view);
    } finally {
      backend.disposeData(block.dataId);
    }
  };
  const at = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
  const pixels = (t: tf.TensorInfo) => t.shape.reduce((p, d) => p * d, 1) / c;
  const zeros = new Float32Array(c);
  return {
    sums: (a, b, sa, sb) => withParams([sa, sb, zeros, zeros, zeros, zeros], (p, view) => {
      k.sums(at(a), at(b), p, p + 4 * c, pixels(a), 4 * c, p + 8 * c, p + 16 * c);
      const sums = new Float64Array(view.buffer, view.byteOffset + 8 * c, 2 * c);
      return [sums.slice(0, c), sums.slice(c, 2 * c)];
    }),
    affine: (out, a, b, sa, sb, fa, fb, f0) => withParams([sa, sb, fa, fb, f0], (p) => {
      k.affine(at(out), at(a), at(b), p, p + 4 * c, p + 8 * c, p + 12 * c, p + 16 * c, pixels(a), 4 * c);
    }),
  };
}
