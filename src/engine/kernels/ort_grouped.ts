// Grouped 1x1 convolutions (ESPNetv2's EESP units: 4 groups of 128 or 64 channels) as ONNX
// Runtime's batched matrix products, one per group, forward and both gradients. The alternative,
// one dense convolution with a block-diagonal filter, multiplies by groups - 1 zero blocks for
// each one that counts; the transposes that bring each group's channels together cost less
// wherever a group has a few dozen channels in and out (groupedPointwiseFits).
// Channels-last x [pixels, groups * a] is viewed as [pixels, groups, a]; the HWIO filter
// [1, 1, a, groups * b] as [a, groups, b].
import type * as tf from '@tensorflow/tfjs-core';
import { ints, type O } from '../../formats/onnx_proto.js';
import { graph, ortKernelsAvailable, run, session, type WasmBackend } from './ort_native.js';

export const GROUPED_POINTWISE = 'PixelwiseGroupedPointwise';
export const GROUPED_POINTWISE_INPUT_GRAD = 'PixelwiseGroupedPointwiseInputGrad';
export const GROUPED_POINTWISE_FILTER_GRAD = 'PixelwiseGroupedPointwiseFilterGrad';

/** How many grouped products ran (tests check the path is taken). */
export const groupedPointwiseCalls = { forward: 0, inputGrad: 0, filterGrad: 0 };

/** Whether groups of a inputs and b outputs run faster as grouped products than as one dense convolution. */
export const groupedPointwiseFits = (groups: number, a: number, b: number) => ortKernelsAvailable() && groups > 1 && a >= 32 && b >= 32;

const T = (from: string, to: string, perm: number[]): O.INodeProto => ({ opType: 'Transpose', input: [from], output: [to], attribute: [ints('perm', perm)] });
const matMul = (a: string, b: string, out: string): O.INodeProto => ({ opType: 'MatMul', input: [a, b], output: [out] });
const pixels = (t: tf.TensorInfo) => t.shape.slice(0, -1).reduce((p, d) => p * d, 1);

/** y [..., groups * b] = each group's x [..., a] times its filter block [a, b]. */
export function groupedPointwise(backend: WasmBackend, x: tf.TensorInfo, w: tf.TensorInfo, groups: number): tf.TensorInfo {
  const P = pixels(x), a = w.shape[2], b = w.shape[3] / groups;
  const s = session('gpw|fwd', () => graph([T('x', 'xg', [1, 0, 2]), T('w', 'wg', [1, 0, 2]), matMul('xg', 'wg', 'yg'), T('yg', 'y', [1, 0, 2])], [['x', 3], ['w', 3]], 'y', [], 3));
  groupedPointwiseCalls.forward++;
  return run(backend, s, { x, w }, 'y', [...x.shape.slice(0, -1), groups * b], { x: [P, groups, a], w: [a, groups, b], out: [P, groups, b] });
}

/** dx [..., groups * a] = each group's dy [..., b] times its filter block transposed. */
export function groupedPointwiseInputGrad(backend: WasmBackend, dy: tf.TensorInfo, w: tf.TensorInfo, groups: number): tf.TensorInfo {
  const P = pixels(dy), a = w.shape[2], b = w.shape[3] / groups;
  const s = session('gpw|bpi', () => graph([T('dy', 'dyg', [1, 0, 2]), T('w', 'wg', [1, 2, 0]), matMul('dyg', 'wg', 'dxg'), T('dxg', 'dx', [1, 0, 2])], [['dy', 3], ['w', 3]], 'dx', [], 3));
  groupedPointwiseCalls.inputGrad++;
  return run(backend, s, { dy, w }, 'dx', [...dy.shape.slice(0, -1), groups * a], { dy: [P, groups, b], w: [a, groups, b], out: [P, groups, a] });
}

/** dW [1, 1, a, groups * b]: each group's x^T dy over the pixels. */
export function groupedPointwiseFilterGrad(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, groups: number): tf.TensorInfo {
  const P = pixels(x), a = x.shape[x.shape.length - 1] / groups, b = dy.shape[dy.shape.length - 1] / groups;
  const s = session('gpw|bpf', () => graph([T('x', 'xg', [1, 2, 0]), T('dy', 'dyg', [1, 0, 2]), matMul('xg', 'dyg', 'dwg'), T('dwg', 'dw', [1, 0, 2])], [['x', 3], ['dy', 3]], 'dw', [], 3));
  groupedPointwiseCalls.filterGrad++;
  return run(backend, s, { x, dy }, 'dw', [1, 1, a, groups * b], { x: [P, groups, a], dy: [P, groups, b], out: [a, groups, b] });
}
