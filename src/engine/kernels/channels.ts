// SplitV and Concat along the channel (last) axis as one strided block copy per input or output,
// inside WebAssembly on the heap (simd/channels.wat; JS loops where it does not load): channel
// concatenations (U-Net's skip connections, ESPNetv2's branches and pyramid levels) and their
// gradients. tfjs-backend-wasm splits through a strided slice per output, and concatenates with a
// TypedArray.set per pixel and input, a JS call per block. Other axes return null (the wasm kernel runs).
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackend } from './ort_native.js';
import { heapCopyRows } from './simd/channels.js';


export function splitLastAxis(backend: WasmBackend, x: tf.TensorInfo, attrs: { numOrSizeSplits: number | number[]; axis: number | number[] }): tf.TensorInfo[] | null {
  const rank = x.shape.length;
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
  if (x.dtype !== 'float32' || axis !== rank - 1 || rank < 2) return null;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis) as number[];
  const outs = sizes.map((s) => backend.makeOutput([...x.shape.slice(0, -1), s], 'float32'));
  // Heap offsets and views are taken after every allocation (one may grow the heap).
  const c = x.shape[rank - 1], rows = x.shape.reduce((a, b) => a * b, 1) / c;
  const copy = heapCopyRows(backend);
  let from = 0;
  sizes.forEach((s, k) => {
    if (copy) copy(x, from, c, outs[k], 0, s, rows, s);
    else {
      const src = backend.typedArrayFromHeap(x), d = backend.typedArrayFromHeap(outs[k]);
      for (let r = 0; r < rows; r++) {
        const a = r * c + from, b = r * s;
        for (let j = 0; j < s; j++) d[b + j] = src[a + j];
      }
    }
    from += s;
  });
  return outs;
}

/** Concat along the last axis (float32 inputs of equal leading shape), else null. */
export function concatLastAxis(backend: WasmBackend, xs: tf.TensorInfo[], attrs: { axis: number }): tf.TensorInfo | null {
  if (!xs.length) return null;
  const rank = xs[0].shape.length;
  const axis = tf.util.parseAxisParam(attrs.axis, xs[0].shape)[0];
  if (axis !== rank - 1 || rank < 2 || xs.some((x) => x.dtype !== 'float32' || x.shape.length !== rank)) return null;
  const sizes = xs.map((x) => x.shape[rank - 1]), c = sizes.reduce((a, b) => a + b, 0);
  const out = backend.makeOutput([...xs[0].shape.slice(0, -1), c], 'float32');
  const rows = out.shape.reduce((a, b) => a * b, 1) / c;
  const copy = heapCopyRows(backend);
  let from = 0;
  sizes.forEach((s, k) => {
    if (copy) copy(xs[k], 0, s, out, from, c, rows, s);
    else {
      const src = backend.typedArrayFromHeap(xs[k]), dst = backend.typedArrayFromHeap(out);
      for (let r = 0; r < rows; r++) {
        const a = r * s, b = r * c + from;
        for (let j = 0; j < s; j++) dst[b + j] = src[a + j];
      }
    }
    from += s;
  });
  return out;
}
