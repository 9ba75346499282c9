// Convolutions of the wasm backend run through ONNX Runtime's native CPU kernels (MLAS: AVX2 /
// AVX-512 where the CPU has them) instead of XNNPACK compiled to 128-bit wasm SIMD: wider vectors,
// so a shorter training step (`npm run bench`, docs/benchmarks.md).
// TF.js keeps the graph, autodiff, optimizer and every other op; only these kernels move:
//  - 1x1 convolutions at stride 1 (MobileNet's expansions and projections) as matrix products
//    over the pixels on the tensors as they lie: forward x W, input gradient dy W^T, filter
//    gradient x^T dy (no layout transposes, no padded copies);
//  - Conv2D / FusedConv2D (linear or relu, optional bias): ONNX Conv;
//  - Conv2DBackpropInput: Conv of dy with the flipped, in/out-swapped filter (stride 1), or
//    ConvTranspose (strided: transposed convolutions' forward pass);
//  - Conv2DBackpropFilter: GEMMs with the pixels as K (MatMul per tap on shifted views of the
//    padded input at stride 1, else the column matrix times dy; the JS side in im2col.ts).
// Each is a one-node ONNX graph (plus layout transposes: TF.js is NHWC, ONNX Conv is NCHW), built
// once per attribute set and run through ort_native.ts. Anything else (other activations,
// geometry these graphs do not cover, onnxruntime-node missing) returns null and the caller
// falls back to the XNNPACK formulations.
import * as tf from '@tensorflow/tfjs-core';
import { int, int64Init, ints, type O } from '../../formats/onnx_proto.js';
import { columns, shiftedGrid, toChannelsFirst, type ColsGeometry } from './im2col.js';
import { convInfo, pair, type ConvAttrs } from './conv_geometry.js';
import { flipSpatial, graph, ortKernelsAvailable, run, runViews, session, type WasmBackend } from './ort_native.js';
import { nchwcBlock, nchwcConvGraph, nchwcFits } from './ort_nchwc.js';


/** How many convolutions of each kind ran through ONNX Runtime (tests check the path is taken). */
export const ortConvCalls = { forward: 0, backpropInput: 0, backpropFilter: 0, nchwc: 0 };

const toNchw = (from: string, to: string): O.INodeProto => ({ opType: 'Transpose', input: [from], output: [to], attribute: [ints('perm', [0, 3, 1, 2])] });
const toNhwc = (from: string, to: string): O.INodeProto => ({ opType: 'Transpose', input: [from], output: [to], attribute: [ints('perm', [0, 2, 3, 1])] });

function convNode(input: string[], output: string, strides: number[], dilations: number[], pads: number[]): O.INodeProto {
  return { opType: 'Conv', input, output: [output], attribute: [ints('strides', strides), ints('dilations', dilations), ints('pads', pads)] };
}

// ---- the three kernels -------------------------------------------------------------------------
/** A 1x1 filter at stride 1 without padding: the convolution is a matrix product over the pixels. */
const isPointwise = (filterShape: number[], strides: number[], pads: number[]) =>
  filterShape[0] === 1 && filterShape[1] === 1 && strides[0] === 1 && strides[1] === 1 && pads.every((p) => p === 0);

/**
 * Windows that tile the input exactly (filter = stride, no padding or dilation, the input a whole
 * number of windows: U-Net's 2x2/2 transposed convolutions): the convolution is a matrix product
 * per window position, the input's windows a reshuffle of its elements.
 */
const tiles = (info: tf.backend_util.Conv2DInfo, pads: number[]) =>
  info.filterHeight === info.strideHeight && info.filterWidth === info.strideWidth && info.dilationHeight === 1 && info.dilationWidth === 1
  && pads.every((p) => p === 0) && info.inHeight === info.outHeight * info.strideHeight && info.inWidth === info.outWidth * info.strideWidth;

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
  if (isPointwise(filter.shape, strides, pads)) {
    // 1x1 at stride 1: y = x W (+ b) over the pixels, channels-last as TF.js keeps them (no layout transposes).
    const [n, h, w, ci] = x.shape, co = filter.shape[3], L = n * h * w;
    const s = session(`fwd|1x1|${bias ? 'b' : ''}|${activation}`, () => {
      const nodes: O.INodeProto[] = [{ opType: 'MatMul', input: ['x', 'w'], output: [bias || activation === 'relu' ? 'p' : 'y'] }];
      if (bias) nodes.push({ opType: 'Add', input: ['p', 'b'], output: [activation === 'relu' ? 'q' : 'y'] });
      if (activation === 'relu') nodes.push({ opType: 'Relu', input: [bias ? 'q' : 'p'], output: ['y'] });
      const inputs: [string, number][] = [['x', 2], ['w', 2]];
      if (bias) inputs.push(['b', 1]);
      return graph(nodes, inputs, 'y', [], 2);
    });
    const feeds: Record<string, tf.TensorInfo> = { x, w: filter };
    if (bias) feeds.b = bias;
    ortConvCalls.forward++;
    return run(backend, s, feeds, 'y', [n, h, w, co], { x: [L, ci], w: [ci, co], out: [L, co] });
  }
  const [kh, kw, ci, co] = filter.shape, block = nchwcBlock();
  if (nchwcFits(block, ci, co)) {
    // Whole channel blocks: ONNX Runtime's blocked direct convolution (ort_nchwc.ts).
    const relu = activation === 'relu';
    const s = session(`fwd|nchwc|${ci}|${co}|${kh}x${kw}|${strides}|${dil}|${pads}|${bias ? 'b' : ''}|${activation}`, () =>
      nchwcConvGraph({ ci, co, kh, kw, strides, dilations: dil, pads, bias: !!bias, relu, transposed: false }, block));
    const feeds: Record<string, tf.TensorInfo> = { x, w: filter };
    if (bias) feeds.b = bias;
    ortConvCalls.forward++;
    ortConvCalls.nchwc++;
    return run(backend, s, feeds, 'y', [info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  }
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
  if (isPointwise(filter.shape, strides, padsOf(info))) {
    // 1x1 at stride 1: dx = dy W^T over the pixels.
    const co = filter.shape[3], L = n * h * w;
    const s = session('bpi|1x1', () => graph([{ opType: 'Gemm', input: ['dy', 'w'], output: ['dx'], attribute: [int('transB', 1)] }], [['dy', 2], ['w', 2]], 'dx', [], 2));
    ortConvCalls.backpropInput++;
    return run(backend, s, { dy, w: filter }, 'dx', [n, h, w, ci], { dy: [L, co], w: [ci, co], out: [L, ci] });
  }
  if (strides[0] === 1 && strides[1] === 1) {
    // dx = conv(dy, flipped filter): pad dy so that the output spans the input exactly.
    const pt = (fh - 1) * dil[0] - top, pl = (fw - 1) * dil[1] - left;
    const pb = h - oh + (fh - 1) * dil[0] - pt, pr = w - ow + (fw - 1) * dil[1] - pl;
    if ([pt, pl, pb, pr].some((p) => p < 0)) return null;
    const pads = [pt, pl, pb, pr];
    const co = filter.shape[3], block = nchwcBlock();
    if (nchwcFits(block, co, ci)) {
      // dy (co channels) convolved with the flipped, transposed filter into ci channels.
      const s = session(`bpi|nchwc|${co}|${ci}|${fh}x${fw}|${dil}|${pads}`, () =>
        nchwcConvGraph({ ci: co, co: ci, kh: fh, kw: fw, strides: [1, 1], dilations: dil, pads, bias: false, relu: false, transposed: true }, block));
      ortConvCalls.backpropInput++;
      ortConvCalls.nchwc++;
      return run(backend, s, { x: dy, w: filter }, 'y', [n, h, w, ci]);
    }
    const flip = flipSpatial('w', 'wf');
    const s = session(`bpi|${dil}|${pads}`, () => graph([
      toNchw('dy', 'dyc'),
      // Flip both spatial axes (Slice with step -1), then HWIO -> [ci, co, kh, kw].
      flip.node,
      { opType: 'Transpose', input: ['wf'], output: ['wt'], attribute: [ints('perm', [2, 3, 0, 1])] },
      convNode(['dyc', 'wt'], 'dxc', [1, 1], dil, pads),
      toNhwc('dxc', 'dx'),
    ], [['dy', 4], ['w', 4]], 'dx', flip.inits));
    ortConvCalls.backpropInput++;
    return run(backend, s, { dy, w: filter }, 'dx', [n, h, w, ci]);
  }
  if (tiles(info, padsOf(info))) {
    // Each dy pixel spreads over its own window: dy [L, co] times W^T [co, fh*fw*ci], then each
    // row's window put in place.
    const co = filter.shape[3], L = n * oh * ow, K = fh * fw * ci;
    const s = session(`bpi|tiles|${[n, oh, ow, fh, fw, ci, co]}`, () => graph([
      { opType: 'Reshape', input: ['w', 'wk'], output: ['wr'] },
      { opType: 'Gemm', input: ['dy', 'wr'], output: ['p'], attribute: [int('transB', 1)] },
      { opType: 'Reshape', input: ['p', 'win'], output: ['pw'] },
      { opType: 'Transpose', input: ['pw'], output: ['pt'], attribute: [ints('perm', [0, 2, 1, 3])] },
      { opType: 'Reshape', input: ['pt', 'nhwc'], output: ['dx'] },
    ], [['dy', 2], ['w', 4]], 'dx', [int64Init('wk', [K, co]), int64Init('win', [n * oh, ow, fh, fw * ci]), int64Init('nhwc', [n, h, w, ci])]));
    ortConvCalls.backpropInput++;
    return run(backend, s, { dy, w: filter }, 'dx', [n, h, w, ci], { dy: [L, co] });
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

/** Bytes of scratch one filter-gradient call may use (JS memory outside the wasm heap, kept for
 * the next call): a batch that needs more runs in chunks of samples, each adding to the last. */
export const im2colLimit = { bytes: 64 * 2 ** 20 };
const scratch = { a: new Float32Array(0), b: new Float32Array(0) };
function scratchView(slot: 'a' | 'b', len: number): Float32Array {
  if (scratch[slot].length < len) scratch[slot] = new Float32Array(len);
  return scratch[slot].subarray(0, len);
}

/**
 * The filter gradient as GEMMs with the input pixels as K, the result in HWIO order: at stride 1
 * one MatMul per tap on shifted views of the padded input (no column matrix; im2col.ts
 * shiftedGrid), strided convolutions the column matrix times dy. (The earlier formulation, a Conv of
 * x with dy as its filter, ran one GEMM per input channel with N = the filter's few taps and re-read
 * dy for each: several forward convolutions' time at full resolution.)
 */
export function ortConv2dBackpropFilter(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo,
  attrs: ConvAttrs & { filterShape: number[] }): tf.TensorInfo | null {
  if (!ortKernelsAvailable()) return null;
  const [fh, fw, ci, co] = attrs.filterShape;
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const { outHeight: oh, outWidth: ow, padInfo } = info;
  if (!sameOutput(info, padsOf(info)) || padInfo.top < 0 || padInfo.left < 0) return null;
  const [n, h, w] = x.shape;
  const strides = pair(attrs.strides);
  const g = { n, h, w, ci, oh, ow, fh, fw, strides, dilations: pair(attrs.dilations), top: padInfo.top, left: padInfo.left };
  // A 1x1 convolution at stride 1 without padding: dW = x^T dy over the pixels, one GEMM on the
  // tensors as they lie (no padded copy, no transposed dy).
  if (isPointwise(attrs.filterShape, strides, padsOf(info))) {
    const out = backend.makeOutput([1, 1, ci, co], 'float32');
    const L = n * h * w;
    const s = session('bpf|1x1', () => graph([{ opType: 'Gemm', input: ['x', 'dy'], output: ['dw'], attribute: [int('transA', 1)] }], [['x', 2], ['dy', 2]], 'dw', [], 2));
    runViews(s, { x: { data: backend.typedArrayFromHeap(x), dims: [L, ci] }, dy: { data: backend.typedArrayFromHeap(dy), dims: [L, co] } }, 'dw', { data: backend.typedArrayFromHeap(out), dims: [ci, co] });
    ortConvCalls.backpropFilter++;
    return out;
  }
  if (tiles(info, padsOf(info))) {
    // The column matrix is a reshuffle of x: [fh, fw, ci] by window position, times dy [L, co].
    const L = n * oh * ow, K = fh * fw * ci;
    const s = session(`bpf|tiles|${[n, oh, ow, fh, fw, ci, co]}`, () => graph([
      { opType: 'Reshape', input: ['x', 'win'], output: ['xw'] },
      { opType: 'Transpose', input: ['xw'], output: ['xt'], attribute: [ints('perm', [1, 3, 4, 0, 2])] },
      { opType: 'Reshape', input: ['xt', 'cols'], output: ['xc'] },
      { opType: 'MatMul', input: ['xc', 'dy'], output: ['dw'] },
    ], [['x', 4], ['dy', 2]], 'dw', [int64Init('win', [n * oh, fh, ow, fw, ci]), int64Init('cols', [K, L])], 2));
    const out = backend.makeOutput([fh, fw, ci, co], 'float32');
    runViews(s, { x: { data: backend.typedArrayFromHeap(x), dims: [n, h, w, ci] }, dy: { data: backend.typedArrayFromHeap(dy), dims: [L, co] } }, 'dw', { data: backend.typedArrayFromHeap(out), dims: [K, co] });
    ortConvCalls.backpropFilter++;
    return out;
  }
  // Few input channels make the shifted GEMMs narrow (N = ci): the column matrix is small then.
  const shifted = strides[0] === 1 && strides[1] === 1 && ci >= 8;
  const taps = fh * fw;
  // Scratch floats per sample: the padded grid and dy on it, or the column matrix (and x channels-first).
  const Hp = oh + (fh - 1) * g.dilations[0], Wp = ow + (fw - 1) * g.dilations[1];
  const perSample = shifted ? Hp * Wp * (ci + co) : h * w * ci + taps * ci * oh * ow;
  const chunk = Math.max(1, Math.min(n, Math.floor(im2colLimit.bytes / (4 * Math.max(1, perSample)))));
  const calls = Math.ceil(n / chunk);
  // Every output buffer before any heap view: an allocation may grow (and detach) the heap.
  const bufs = Array.from({ length: Math.min(calls, 2) }, () => backend.makeOutput([fh, fw, ci, co], 'float32'));
  const xs = backend.typedArrayFromHeap(x), dys = backend.typedArrayFromHeap(dy);
  const xPer = h * w * ci, dyPer = oh * ow * co;
  for (let k = 0; k < calls; k++) {
    const a = k * chunk, b = Math.min(n, a + chunk), m = b - a;
    const xk = xs.subarray(a * xPer, b * xPer), dyk = dys.subarray(a * dyPer, b * dyPer);
    const acc = k > 0 ? { data: backend.typedArrayFromHeap(bufs[(k - 1) % 2]), dims: [taps, ci, co] } : null;
    const out = { data: backend.typedArrayFromHeap(bufs[k % 2]), dims: [taps, ci, co] };
    if (shifted) filterGradShifted(xk, dyk, { ...g, n: m }, co, acc, out);
    else filterGradColumns(xk, dyk, { ...g, n: m }, co, acc, out);
  }
  const result = bufs[(calls - 1) % 2];
  for (const b of bufs) if (b !== result) backend.disposeData(b.dataId);
  ortConvCalls.backpropFilter++;
  return result;
}

type View = { data: Float32Array; dims: number[] };

/** Stride 1: one MatMul per tap on shifted views of the padded input (im2col.ts shiftedGrid). */
function filterGradShifted(x: Float32Array, dy: Float32Array, g: ColsGeometry, co: number, acc: View | null, out: View): void {
  const { n, ci, oh, ow, fh, fw } = g;
  const Hp = oh + (fh - 1) * g.dilations[0], Wp = ow + (fw - 1) * g.dilations[1];
  const xPad = scratchView('a', n * Hp * Wp * ci), dyT = scratchView('b', co * n * Hp * Wp);
  const { L, offsets } = shiftedGrid(x, dy, g, co, xPad, dyT);
  const taps = offsets.length;
  const feeds: Record<string, View> = { dyT: { data: dyT.subarray(0, co * L), dims: [co, L] } };
  offsets.forEach((off, t) => { feeds[`x${t}`] = { data: xPad.subarray(off * ci, (off + L) * ci), dims: [L, ci] }; });
  if (acc) feeds.acc = acc;
  const s = session(`bpf|shifted|${taps}|${acc ? 'acc' : ''}`, () => {
    // dW[tap]^T = dyT . x_tap, [co, ci] each; stacked [taps, co, ci] -> [taps, ci, co] (HWIO).
    const nodes: O.INodeProto[] = offsets.flatMap((_, t) => [
      { opType: 'MatMul', input: ['dyT', `x${t}`], output: [`p${t}`] },
      { opType: 'Unsqueeze', input: [`p${t}`, 'ax0'], output: [`u${t}`] },
    ]);
    nodes.push({ opType: 'Concat', input: offsets.map((_, t) => `u${t}`), output: ['s'], attribute: [int('axis', 0)] });
    nodes.push({ opType: 'Transpose', input: ['s'], output: [acc ? 'sum' : 'dw'], attribute: [ints('perm', [0, 2, 1])] });
    if (acc) nodes.push({ opType: 'Add', input: ['sum', 'acc'], output: ['dw'] });
    const inputs: [string, number][] = [['dyT', 2], ...offsets.map((_, t): [string, number] => [`x${t}`, 2])];
    if (acc) inputs.push(['acc', 3]);
    return graph(nodes, inputs, 'dw', [int64Init('ax0', [0])], 3);
  });
  runViews(s, feeds, 'dw', out);
}

/** Strided: the column matrix (im2col.ts columns) times dy, one MatMul. */
function filterGradColumns(x: Float32Array, dy: Float32Array, g: ColsGeometry, co: number, acc: View | null, out: View): void {
  const { n, h, w, ci, oh, ow, fh, fw } = g;
  const M = fh * fw * ci, K = n * oh * ow;
  const xc = toChannelsFirst(x, n, h, w, ci, scratchView('b', n * h * w * ci));
  const feeds: Record<string, View> = { cols: { data: columns(xc, g, scratchView('a', M * K)), dims: [M, K] }, dy: { data: dy, dims: [K, co] } };
  if (acc) feeds.acc = { data: acc.data, dims: [M, co] };
  // MatMul, not Gemm: ONNX Runtime's Gemm is slower at these shapes.
  const s = session(`bpf|columns|${acc ? 'acc' : ''}`, () => graph(acc
    ? [{ opType: 'MatMul', input: ['cols', 'dy'], output: ['p'] }, { opType: 'Add', input: ['p', 'acc'], output: ['dw'] }]
    : [{ opType: 'MatMul', input: ['cols', 'dy'], output: ['dw'] }],
  acc ? [['cols', 2], ['dy', 2], ['acc', 2]] : [['cols', 2], ['dy', 2]], 'dw', [], 2));
  runViews(s, feeds, 'dw', { data: out.data, dims: [M, co] });
}
