// Sum and Mean of large float32 tensors through ONNX Runtime. tfjs-backend-wasm reduces only the
// innermost axis and transposes the whole tensor first otherwise; BatchNorm's statistics and
// gradients reduce NHWC activations over N, H and W, i.e. a full transpose per call (about 15%
// of a U-Net training step). ONNX Runtime reduces over leading axes in one vectorised pass; full
// and trailing-axis reductions are arranged so that every sum repeats bit for bit (see ortReduce).
import * as tf from '@tensorflow/tfjs-core';
import { int, int64Init, ints } from '../../formats/onnx_proto.js';
import { graph, ortKernelsAvailable, run, session, type WasmBackend } from './ort_native.js';
import { gcd } from '../../util/math.js';

/** Below this many elements the wasm kernel is as fast as the call into ONNX Runtime. */
const MIN_ELEMENTS = 1 << 14;

export function ortReduce(backend: WasmBackend, x: tf.TensorInfo, axis: number | number[], keepDims: boolean,
  op: 'ReduceSum' | 'ReduceMean'): tf.TensorInfo | null {
  if (!ortKernelsAvailable() || x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) < MIN_ELEMENTS) return null;
  const axes = tf.util.parseAxisParam(axis, x.shape);
  if (axes.length === 0) return null;
  const [reduced] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
  const outShape = keepDims ? tf.backend_util.expandShapeToKeepDim(reduced, axes) : reduced;
  // The same reduction on the fewest axes (size-1 axes dropped, neighbours of one kind merged): a
  // sum over [..., 4, 1] is a sum over a trailing axis of 4, which ONNX Runtime would run as a
  // strided reduction far slower than the data's size.
  const c = canonical(x.shape, axes);
  if (c.axes.length === 0) return null;
  const view = { ...x, shape: c.shape };
  // ONNX Runtime's inner-axis sum (Eigen's) groups the terms by the buffer's alignment, which varies
  // between calls on the wasm heap: the same sum could round two ways and training would not repeat
  // bit for bit. Over leading axes it adds whole rows in order: deterministic. So a full reduction
  // runs as rows of K over leading axes, and reductions over trailing axes (class scores, channel
  // groups) run here in JS, each output summed in order in double precision.
  if (c.axes.length === c.shape.length) return reduceAll(backend, view, outShape, op);
  if (c.axes.includes(c.shape.length - 1)) return reduceTrailing(backend, view, c.axes, outShape, op);
  const cOut = c.shape.filter((_, i) => !c.axes.includes(i));
  const s = session(`${op}|${c.shape.length}|${c.axes}`, () => op === 'ReduceSum'
    // opset 13: ReduceSum takes its axes as an input, ReduceMean as an attribute.
    ? graph([{ opType: op, input: ['x', 'axes'], output: ['y'], attribute: [int('keepdims', 0)] }], [['x', c.shape.length]], 'y', [int64Init('axes', c.axes)], cOut.length)
    : graph([{ opType: op, input: ['x'], output: ['y'], attribute: [int('keepdims', 0), ints('axes', c.axes)] }], [['x', c.shape.length]], 'y', [], cOut.length));
  return run(backend, s, { x: view }, 'y', outShape, { out: cOut });
}

/** shape and axes with size-1 axes dropped and runs of reduced (or kept) axes merged into one. */
export function canonical(shape: number[], axes: number[]): { shape: number[]; axes: number[] } {
  const out: number[] = [], outAxes: number[] = [];
  let last: boolean | null = null;
  shape.forEach((d, i) => {
    if (d === 1) return;
    const r = axes.includes(i);
    if (r === last) out[out.length - 1] *= d;
    else { out.push(d); if (r) outAxes.push(out.length - 1); last = r; }
  });
  return { shape: out, axes: outAxes };
}

/** Columns of the partial sums of a full reduction: K running sums instead of one (more accurate too). */
const BLOCK = 1024;

/** Sum or mean of all of x: ONNX Runtime sums [n/K, K] over rows (in order), JS adds the K partials. */
function reduceAll(backend: WasmBackend, x: tf.TensorInfo, outShape: number[], op: 'ReduceSum' | 'ReduceMean'): tf.TensorInfo | null {
  const n = tf.util.sizeFromShape(x.shape);
  const k = gcd(n, BLOCK);
  if (k < 16) return null;
  const s = session('ReduceSum|rows', () => graph([{ opType: 'ReduceSum', input: ['x', 'axes'], output: ['y'], attribute: [int('keepdims', 0)] }],
    [['x', 2]], 'y', [int64Init('axes', [0])], 1));
  const partial = run(backend, s, { x: { ...x, shape: [n / k, k] } }, 'y', [k]);
  let total = 0;
  for (const v of backend.typedArrayFromHeap(partial)) total += v; // read before any new allocation
  backend.disposeData(partial.dataId);
  const out = backend.makeOutput(outShape, 'float32');
  backend.typedArrayFromHeap(out)[0] = op === 'ReduceMean' ? total / n : total;
  return out;
}

/** Sum or mean over trailing axes (null for other axis sets: the wasm kernel transposes first). */
function reduceTrailing(backend: WasmBackend, x: tf.TensorInfo, axes: number[], outShape: number[], op: 'ReduceSum' | 'ReduceMean'): tf.TensorInfo | null {
  const rank = x.shape.length;
  if ([...axes].sort((a, b) => a - b).some((a, i) => a !== rank - axes.length + i)) return null;
  const inner = tf.util.sizeFromShape(x.shape.slice(rank - axes.length)), outer = tf.util.sizeFromShape(x.shape) / inner;
  const out = backend.makeOutput(outShape, 'float32');
  const src = backend.typedArrayFromHeap(x), dst = backend.typedArrayFromHeap(out); // views after the allocation
  for (let i = 0, p = 0; i < outer; i++) {
    let acc = 0;
    for (let end = p + inner; p < end; p++) acc += src[p];
    dst[i] = op === 'ReduceMean' ? acc / inner : acc;
  }
  return out;
}
