// SplitV and Concat along the channel (last) axis as plain JS copy loops: channel concatenations
// (U-Net's skip connections, ESPNetv2's branches and pyramid levels) and their gradients.
// tfjs-backend-wasm splits through a strided slice per output, and concatenates with a
// TypedArray.set per pixel and input, whose call costs more than the copy for a few channels; a copy
// loop per input does the same without calls. Other axes return null (the wasm kernel runs).
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackend } from './ort_native.js';

type Backend = Pick<WasmBackend, 'makeOutput' | 'typedArrayFromHeap'>;

export function splitLastAxis(backend: Backend, x: tf.TensorInfo, attrs: { numOrSizeSplits: number | number[]; axis: number | number[] }): tf.TensorInfo[] | null {
  const rank = x.shape.length;
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
  if (x.dtype !== 'float32' || axis !== rank - 1 || rank < 2) return null;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis) as number[];
  const outs = sizes.map((s) => backend.makeOutput([...x.shape.slice(0, -1), s], 'float32'));
  // Views after every allocation (one may grow the heap).
  const src = backend.typedArrayFromHeap(x), dst = outs.map((o) => backend.typedArrayFromHeap(o));
  const c = x.shape[rank - 1], rows = src.length / c;
  let from = 0;
  sizes.forEach((s, k) => {
    const d = dst[k];
    for (let r = 0; r < rows; r++) {
      const a = r * c + from, b = r * s;
      for (let j = 0; j < s; j++) d[b + j] = src[a + j];
    }
    from += s;
  });
  return outs;
}


/** Channel blocks this wide are copied by TypedArray.set, narrower ones element by element. */
const WIDE = 16;

/** Concat along the last axis (float32 inputs of equal leading shape), else null. */
export function concatLastAxis(backend: Backend, xs: tf.TensorInfo[], attrs: { axis: number }): tf.TensorInfo | null {
  if (!xs.length) return null;
  const rank = xs[0].shape.length;
  const axis = tf.util.parseAxisParam(attrs.axis, xs[0].shape)[0];
  if (axis !== rank - 1 || rank < 2 || xs.some((x) => x.dtype !== 'float32' || x.shape.length !== rank)) return null;
  const sizes = xs.map((x) => x.shape[rank - 1]), c = sizes.reduce((a, b) => a + b, 0);
  const out = backend.makeOutput([...xs[0].shape.slice(0, -1), c], 'float32');
  const dst = backend.typedArrayFromHeap(out), srcs = xs.map((x) => backend.typedArrayFromHeap(x));
  const rows = dst.length / c;
  let from = 0;
  sizes.forEach((s, k) => {
    const src = srcs[k];
    if (s >= WIDE) for (let r = 0; r < rows; r++) dst.set(src.subarray(r * s, (r + 1) * s), r * c + from);
    else {
      for (let r = 0; r < rows; r++) {
        const a = r * s, b = r * c + from;
        for (let j = 0; j < s; j++) dst[b + j] = src[a + j];
      }
    }
    from += s;
  });
  return out;
}
