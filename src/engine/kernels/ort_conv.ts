// Convolutions of the wasm backend run through ONNX Runtime's native CPU kernels (MLAS: AVX2 /
// AVX-512 where the CPU has them) instead of XNNPACK compiled to 128-bit wasm SIMD: a U-Net
// training step is 1.77x faster on one thread (`npm run bench`, docs/benchmarks.md).
// TF.js keeps the graph, autodiff, optimizer and every other op; only these kernels move:
//  - Conv2D / FusedConv2D (linear or relu, optional bias): ONNX Conv;
//  - Conv2DBackpropInput: Conv of dy with the flipped, in/out-swapped filter (stride 1), or
//    ConvTranspose (strided: transposed convolutions' forward pass);
//  - Conv2DBackpropFilter: Conv of x with dy as the filter, batch and channel axes swapped.
// Each is a one-node ONNX graph (plus layout transposes: TF.js is NHWC, ONNX Conv is NCHW), built
// once per attribute set and run through ort_native.ts. Anything else (other activations,
// geometry these graphs do not cover, onnxruntime-node missing) returns null and the caller
// falls back to the XNNPACK formulations.
import * as tf from '@tensorflow/tfjs-core';
import { int64Init, ints, type O } from '../../io/onnx_proto.js';
import { convInfo, pair, type ConvAttrs } from './conv_geometry.js';
import { graph, ortKernelsAvailable, run, session, type WasmBackend } from './ort_native.js';

const INT64_MIN = -(2n ** 63n); // Slice end meaning 'through the start' with step -1

/** How many convolutions of each kind ran through ONNX Runtime (tests check the path is taken). */
export const ortConvCalls = { forward: 0, backpropInput: 0, backpropFilter: 0 };

const toNchw = (from: string, to: string): O.INodeProto => ({ opType: 'Transpose', input: [from], output: [to], attribute: [ints('perm', [0, 3, 1, 2])] });
const toNhwc = (from: string, to: string): O.INodeProto => ({ opType: 'Transpose', input: [from], output: [to], attribute: [ints('perm', [0, 2, 3, 1])] });

function convNode(input: string[], output: string, strides: number[], dilations: number[], pads: number[]): O.INodeProto {
  return { opType: 'Conv', input, output: [output], attribute: [ints('strides', strides), ints('dilations', dilations), ints('pads', pads)] };
}

// ---- the three kernels -------------------------------------------------------------------------
function padsOf(info: tf.backend_util.Conv2DInfo): number[] {
  const p = info.padInfo;
  return [p.top, p.left, p.bottom, p.right];
}

/** Whether ONNX Conv's output size equals TF.js's (they differ where TF.js 4.22 sizes a
 *  non-square filter with numeric padding by its height only): if not, the TF.js kernel decides. */
function sameOutput(info: tf.backend_util.Conv2DInfo, pads: number[]): boolean {
  const o = (len: number, k: number, s: number, a: number, b: number) => Math.floor((len + a + b - k) / s) + 1;
  return o(info.inHeight, info.effectiveFilterHeight, info.strideHeight, pads[0], pads[2]) === info.outHeight
    && o(info.inWidth, info.effectiveFilterWidth, info.strideWidth, pads[1], pads[3]) === info.outWidth;
}

export function ortConv2d(backend: WasmBackend, x: tf.TensorInfo, filter: tf.TensorInfo, attrs: ConvAttrs,
  bias?: tf.TensorInfo, activation: string = 'linear'): tf.TensorInfo | null {
  if (!ortKernelsAvailable() || (activation !== 'linear' && activation !== 'relu') || x.dtype !== 'float32') return null;
  const info = convInfo(x.shape, filter.shape, attrs);
  const pads = padsOf(info);
  if (pads.some((p) => p < 0) || !sameOutput(info, pads)) return null;
  const strides = pair(attrs.strides), dil = pair(attrs.dilations);
  const key = `fwd|${strides}|${dil}|${pads}|${bias ? 'b' : ''}|${activation}`;
  const s = session(key, () => {
    const nodes: O.INodeProto[] = [toNchw('x', 'xc'), { opType: 'Transpose', input: ['w'], output: ['wc'], attribute: [ints('perm', [3, 2, 0, 1])] }];
    nodes.push(convNode(bias ? ['xc', 'wc', 'b'] : ['xc', 'wc'], 'yc', strides, dil, pads));
    if (activation === 'relu') nodes.push({ opType: 'Relu', input: ['yc'], output: ['yr'] });
    nodes.push(toNhwc(activation === 'relu' ? 'yr' : 'yc', 'y'));
    const inputs: [string, number][] = [['x', 4], ['w', 4]];
    if (bias) inputs.push(['b', 1]);
    return graph(nodes, inputs, 'y');
  });
  const feeds: Record<string, tf.TensorInfo> = { x, w: filter };
  if (bias) feeds.b = bias;
  ortConvCalls.forward++;
  return run(backend, s, feeds, 'y', [info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
}

export function ortConv2dBackpropInput(backend: WasmBackend, dy: tf.TensorInfo, filter: tf.TensorInfo,
  attrs: ConvAttrs & { inputShape: number[] }): tf.TensorInfo | null {
  if (!ortKernelsAvailable()) return null;
  const strides = pair(attrs.strides);
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  if (!sameOutput(info, padsOf(info))) return null;
  const [fh, fw] = filter.shape;
  const dil = pair(attrs.dilations);
  const [n, h, w, ci] = attrs.inputShape;
  const [, oh, ow] = dy.shape;
  const { top, left } = info.padInfo;
  if (strides[0] === 1 && strides[1] === 1) {
    // dx = conv(dy, flipped filter): pad dy so that the output spans the input exactly.
    const pt = (fh - 1) * dil[0] - top, pl = (fw - 1) * dil[1] - left;
    const pb = h - oh + (fh - 1) * dil[0] - pt, pr = w - ow + (fw - 1) * dil[1] - pl;
    if ([pt, pl, pb, pr].some((p) => p < 0)) return null;
    const pads = [pt, pl, pb, pr];
    const s = session(`bpi|${dil}|${pads}`, () => graph([
      toNchw('dy', 'dyc'),
      // Flip both spatial axes (Slice with step -1), then HWIO -> [ci, co, kh, kw].
      { opType: 'Slice', input: ['w', 'st', 'en', 'ax', 'sp'], output: ['wf'] },
      { opType: 'Transpose', input: ['wf'], output: ['wt'], attribute: [ints('perm', [2, 3, 0, 1])] },
      convNode(['dyc', 'wt'], 'dxc', [1, 1], dil, pads),
      toNhwc('dxc', 'dx'),
    ], [['dy', 4], ['w', 4]], 'dx', [int64Init('st', [-1, -1]), int64Init('en', [INT64_MIN, INT64_MIN]), int64Init('ax', [0, 1]), int64Init('sp', [-1, -1])]));
    ortConvCalls.backpropInput++;
    return run(backend, s, { dy, w: filter }, 'dx', [n, h, w, ci]);
  }
  // Strided (transposed convolutions: U-Net's 2x2/2 up path): ONNX ConvTranspose, with the far
  // side's padding chosen so the output is exactly the input size (rows the forward conv never
  // read come back as output_padding).
  const far = (o: number, k: number, s: number, d: number, len: number, begin: number) => s * (o - 1) + (k - 1) * d + 1 - len - begin;
  let pb = far(oh, fh, strides[0], dil[0], h, top), pr = far(ow, fw, strides[1], dil[1], w, left);
  const opad = [Math.max(0, -pb), Math.max(0, -pr)];
  pb = Math.max(0, pb); pr = Math.max(0, pr);
  if (top < 0 || left < 0 || opad[0] >= Math.max(strides[0], dil[0]) || opad[1] >= Math.max(strides[1], dil[1])) return null;
  const pads = [top, left, pb, pr];
  const s = session(`bpit|${strides}|${dil}|${pads}|${opad}`, () => graph([
    toNchw('dy', 'dyc'),
    { opType: 'Transpose', input: ['w'], output: ['wt'], attribute: [ints('perm', [3, 2, 0, 1])] }, // [co, ci, kh, kw]
    { opType: 'ConvTranspose', input: ['dyc', 'wt'], output: ['dxc'], attribute: [ints('strides', strides), ints('dilations', dil), ints('pads', pads), ints('output_padding', opad)] },
    toNhwc('dxc', 'dx'),
  ], [['dy', 4], ['w', 4]], 'dx'));
  ortConvCalls.backpropInput++;
  return run(backend, s, { dy, w: filter }, 'dx', [n, h, w, ci]);
}

export function ortConv2dBackpropFilter(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo,
  attrs: ConvAttrs & { filterShape: number[] }): tf.TensorInfo | null {
  if (!ortKernelsAvailable()) return null;
  const [fh, fw, ci, co] = attrs.filterShape;
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  if (!sameOutput(info, padsOf(info))) return null;
  const strides = pair(attrs.strides), dil = pair(attrs.dilations);
  const [, h, w] = x.shape;
  const { outHeight: oh, outWidth: ow, padInfo } = info;
  // Rows/cols of padded input the last tap reaches: pad the far side to exactly that.
  const bottom = (oh - 1) * strides[0] + (fh - 1) * dil[0] + 1 - h - padInfo.top;
  const right = (ow - 1) * strides[1] + (fw - 1) * dil[1] + 1 - w - padInfo.left;
  if (bottom < 0 || right < 0 || padInfo.top < 0 || padInfo.left < 0) return null;
  const pads = [padInfo.top, padInfo.left, bottom, right];
  // x^T [ci, n, H, W] convolved with dy^T [co, n, oh, ow] as the filter (stride and dilation swap).
  const s = session(`bpf|${strides}|${dil}|${pads}`, () => graph([
    { opType: 'Transpose', input: ['x'], output: ['xs'], attribute: [ints('perm', [3, 0, 1, 2])] },
    { opType: 'Transpose', input: ['dy'], output: ['dys'], attribute: [ints('perm', [3, 0, 1, 2])] },
    convNode(['xs', 'dys'], 'g', dil, strides, pads),
    { opType: 'Transpose', input: ['g'], output: ['dw'], attribute: [ints('perm', [2, 3, 0, 1])] },
  ], [['x', 4], ['dy', 4]], 'dw'));
  ortConvCalls.backpropFilter++;
  return run(backend, s, { x, dy }, 'dw', [fh, fw, ci, co]);
}
