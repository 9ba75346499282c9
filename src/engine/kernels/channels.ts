// SplitV along the channel (last) axis as a plain JS copy loop: the gradient of every channel
// concatenation (U-Net's skip connections). tfjs-backend-wasm splits through a strided slice per
// output, a copy loop per output channel block does the same with far fewer calls. (Its Concat, a TypedArray.set per
// pixel and input, is as fast as such a loop and stays.) Other axes return null (the wasm kernel
// runs).
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

