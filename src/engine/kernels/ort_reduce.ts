// Sum and Mean of large float32 tensors through ONNX Runtime. tfjs-backend-wasm reduces only the
// innermost axis and transposes the whole tensor first otherwise; BatchNorm's statistics and
// gradients reduce NHWC activations over N, H and W, i.e. a full transpose per call (about 15%
// of a U-Net training step). ONNX Runtime reduces over leading axes in one vectorised pass.
import * as tf from '@tensorflow/tfjs-core';
import { int, int64Init, ints } from '../../io/onnx_proto.js';
import { graph, ortKernelsAvailable, run, session, type WasmBackend } from './ort_native.js';

/** Below this many elements the wasm kernel is as fast as the call into ONNX Runtime. */
const MIN_ELEMENTS = 1 << 14;

export function ortReduce(backend: WasmBackend, x: tf.TensorInfo, axis: number | number[], keepDims: boolean,
  op: 'ReduceSum' | 'ReduceMean'): tf.TensorInfo | null {
  if (!ortKernelsAvailable() || x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) < MIN_ELEMENTS) return null;
  const axes = tf.util.parseAxisParam(axis, x.shape);
  // Only reductions that keep the innermost axis: the wasm kernel reduces the innermost axis in
  // place, and ONNX Runtime's inner-axis sum (Eigen's) groups the terms by the buffer's alignment,
  // which varies between calls on the wasm heap, so the same sum could round two ways and training
  // would not repeat bit for bit. Over leading axes it adds whole rows in order: deterministic.
  if (axes.length === 0 || axes.includes(x.shape.length - 1)) return null;
  const [reduced] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
  const outShape = keepDims ? tf.backend_util.expandShapeToKeepDim(reduced, axes) : reduced;
  const keep = int('keepdims', keepDims ? 1 : 0);
  const s = session(`${op}|${x.shape.length}|${axes}|${keepDims}`, () => op === 'ReduceSum'
    // opset 13: ReduceSum takes its axes as an input, ReduceMean as an attribute.
    ? graph([{ opType: op, input: ['x', 'axes'], output: ['y'], attribute: [keep] }], [['x', x.shape.length]], 'y', [int64Init('axes', axes)], outShape.length)
    : graph([{ opType: op, input: ['x'], output: ['y'], attribute: [keep, ints('axes', axes)] }], [['x', x.shape.length]], 'y', [], outShape.length));
  return run(backend, s, { x }, 'y', outShape);
}
