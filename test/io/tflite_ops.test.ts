// TensorFlow Lite operators as the importer converts them (src/io/tflite_onnx.ts), each against a
// reference written here from TFLite's own definitions (its reference kernels' loops: padding
// from the output size, the cells a window covers, a transposed convolution's scatter and crop):
// a graph of an RGB input, a 1x1 convolution to C channels and the operator under test, written
// with flatbuffers' Builder, converted, and run in ONNX Runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { readTflite } from '../../src/formats/tflite.ts';
import { tfliteToOnnx } from '../../src/io/tflite_onnx.ts';
import { buildTflite, conv2d, OP, type OpSpec, type OptionField, type TensorSpec } from '../formats/tflite_files.ts';

/** NHWC values with their shape. */
interface Nhwc { v: Float32Array; shape: [number, number, number, number] }

let seed = 7;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 * 2 - 1; };
const randoms = (n: number) => Float32Array.from({ length: n }, rand);
const at = (x: Nhwc, y: number, xx: number, c: number) => x.v[(y * x.shape[2] + xx) * x.shape[3] + c];

/** The 1x1 convolution every graph starts with: 3 input channels to `c`. */
function conv1x1(img: Nhwc, w: Float32Array, b: Float32Array, c: number): Nhwc {
  const [, h, wd] = img.shape, v = new Float32Array(h * wd * c);
  for (let p = 0; p < h * wd; p++) for (let k = 0; k < c; k++) { let s = b[k]; for (let i = 0; i < 3; i++) s += w[k * 3 + i] * img.v[p * 3 + i]; v[p * c + k] = s; }
  return { v, shape: [1, h, wd, c] };
}

/** TFLite's padding before a window (ComputePaddingWithOffset): half the total, the odd one after. */
const padBefore = (inSize: number, outSize: number, k: number, stride: number) => Math.floor(Math.max((outSize - 1) * stride + k - inSize, 0) / 2);

/**
 * Builds input -> 1x1 conv (C channels) -> `op` (its output tensor last), converts and runs it; the
 * result as NHWC, with the reference of the conv's output for the test to compute from.
 */
async function run(size: [number, number], c: number, outShape: number[], op: (mid: number, out: number) => { ops: OpSpec[]; tensors: TensorSpec[] }) {
  const [h, w] = size;
  const cw = randoms(c * 3), cb = randoms(c), img: Nhwc = { v: randoms(h * w * 3), shape: [1, h, w, 3] };
  const base: TensorSpec[] = [{ shape: [1, h, w, 3], name: 'image' }, { shape: [c, 1, 1, 3], data: cw }, { shape: [c], data: cb }, { shape: [1, h, w, c], name: 'mid' }];
  const extra = op(3, -1);
  const tensors = [...base, ...extra.tensors];
  const out = tensors.length;
  const { ops } = op(3, out);
  tensors.push({ shape: outShape, name: 'out' });
  const conv = conv2d([0, 1, 2], 3);
  const net = tfliteToOnnx(readTflite(buildTflite(tensors, [conv, ...ops], [0], [out]), 'ops.tflite'), 'ops.tflite');
  const session = await ort.InferenceSession.create(net.onnx);
  const nchw = new Float32Array(h * w * 3);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < 3; k++) nchw[k * h * w + p] = img.v[p * 3 + k];
  const r = await session.run({ input: new ort.Tensor('float32', nchw, [1, 3, h, w]) });
  const y = r.logits, [n, oc, oh, ow] = y.dims as number[], yv = y.data as Float32Array;
  const got: Nhwc = { v: new Float32Array(yv.length), shape: [n, oh, ow, oc] };
  for (let k = 0; k < oc; k++) for (let p = 0; p < oh * ow; p++) got.v[p * oc + k] = yv[k * oh * ow + p];
  await session.release();
  return { got, mid: conv1x1(img, cw, cb, c), output: net.output };
}

function close(got: Nhwc, want: Nhwc, what: string) {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  let worst = 0;
  for (let i = 0; i < want.v.length; i++) worst = Math.max(worst, Math.abs(got.v[i] - want.v[i]) / Math.max(1, Math.abs(want.v[i])));
  assert.ok(worst < 1e-5, `${what}: off by ${worst}`);
}

const opts = (type: number, fields: OptionField[]) => ({ type, fields });
const i32 = (a: number[]) => Int32Array.from(a);

test('tflite ops: MAX_POOL_2D (SAME and VALID) takes the maximum of the cells each window covers', async () => {
  for (const [padding, kh, kw, sh, sw] of [[0, 3, 3, 2, 2], [1, 2, 3, 1, 2]]) {
    const [h, w, c] = [5, 6, 2];
    const oh = padding === 0 ? Math.ceil(h / sh) : Math.floor((h - kh + sh) / sh), ow = padding === 0 ? Math.ceil(w / sw) : Math.floor((w - kw + sw) / sw);
    // Pool2DOptions { padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4 } (BuiltinOptions 5).
    const { got, mid } = await run([h, w], c, [1, oh, ow, c], (m, out) => ({ tensors: [], ops: [{ code: OP.MAX_POOL_2D, inputs: [m], outputs: [out], options: opts(5, [
      { slot: 0, kind: 'byte', value: padding }, { slot: 1, kind: 'int', value: sw }, { slot: 2, kind: 'int', value: sh }, { slot: 3, kind: 'int', value: kw }, { slot: 4, kind: 'int', value: kh }]) }] }));
    const pt = padding === 0 ? padBefore(h, oh, kh, sh) : 0, pl = padding === 0 ? padBefore(w, ow, kw, sw) : 0;
    const want: Nhwc = { v: new Float32Array(oh * ow * c), shape: [1, oh, ow, c] };
    for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) for (let k = 0; k < c; k++) {
      let best = -Infinity;
      for (let dy = 0; dy < kh; dy++) for (let dx = 0; dx < kw; dx++) {
        const iy = y * sh - pt + dy, ix = x * sw - pl + dx;
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) best = Math.max(best, at(mid, iy, ix, k));
      }
      want.v[(y * ow + x) * c + k] = best;
    }
    close(got, want, `max pool ${padding ? 'VALID' : 'SAME'} ${kh}x${kw}/${sh}x${sw}`);
  }
});

test('tflite ops: SOFTMAX with beta over the channels; a graph ending in it gives probabilities', async () => {
  const [h, w, c] = [3, 4, 5];
  // SoftmaxOptions { beta 0 } (BuiltinOptions 9).
  const { got, mid, output } = await run([h, w], c, [1, h, w, c], (m, out) => ({ tensors: [], ops: [{ code: OP.SOFTMAX, inputs: [m], outputs: [out], options: opts(9, [{ slot: 0, kind: 'float', value: 0.5 }]) }] }));
  const want: Nhwc = { v: new Float32Array(h * w * c), shape: [1, h, w, c] };
  for (let p = 0; p < h * w; p++) {
    const e = Array.from({ length: c }, (_, k) => Math.exp(0.5 * mid.v[p * c + k])), sum = e.reduce((a, b) => a + b);
    e.forEach((v, k) => { want.v[p * c + k] = v / sum; });
  }
  close(got, want, 'softmax');
  assert.equal(output, 'probabilities');
});

test('tflite ops: PAD (zeros), PADV2 (a given value) and MIRROR_PAD (REFLECT) add the rows and columns their paddings give', async () => {
  const [h, w, c] = [3, 4, 2];
  const pads = [[0, 0], [1, 2], [2, 1], [0, 0]];
  const [oh, ow] = [h + 3, w + 3];
  const padded = (mid: Nhwc, fill: (y: number, x: number, k: number) => number) => {
    const v = new Float32Array(oh * ow * c);
    for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) for (let k = 0; k < c; k++) {
      const iy = y - pads[1][0], ix = x - pads[2][0];
      v[(y * ow + x) * c + k] = iy >= 0 && iy < h && ix >= 0 && ix < w ? at(mid, iy, ix, k) : fill(iy, ix, k);
    }
    return { v, shape: [1, oh, ow, c] } as Nhwc;
  };
  const paddings: TensorSpec = { shape: [4, 2], data: i32(pads.flat()) };
  const pad = await run([h, w], c, [1, oh, ow, c], (m, out) => ({ tensors: [paddings], ops: [{ code: OP.PAD, inputs: [m, 4], outputs: [out] }] }));
  close(pad.got, padded(pad.mid, () => 0), 'PAD');
  const padV2 = await run([h, w], c, [1, oh, ow, c], (m, out) => ({ tensors: [paddings, { shape: [], data: Float32Array.of(-1.5) }], ops: [{ code: OP.PADV2, inputs: [m, 4, 5], outputs: [out] }] }));
  close(padV2.got, padded(padV2.mid, () => -1.5), 'PADV2');
  // REFLECT: the edge row or column is not repeated (x[-1] = x[1]).
  const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  // MirrorPadOptions { mode 0 (0 = REFLECT) } (BuiltinOptions 77).
  const mirror = await run([h, w], c, [1, oh, ow, c], (m, out) => ({ tensors: [paddings], ops: [{ code: OP.MIRROR_PAD, inputs: [m, 4], outputs: [out], options: opts(77, [{ slot: 0, kind: 'byte', value: 0 }]) }] }));
  close(mirror.got, padded(mirror.mid, (y, x, k) => at(mirror.mid, reflect(y, h), reflect(x, w), k)), 'MIRROR_PAD');
});

test('tflite ops: TRANSPOSE_CONV (SAME and VALID, outputs of either size a stride allows, bias) scatters each input cell through the filter and crops as TFLite\'s kernel does', async () => {
  const [h, w, ci, co, kh, kw, st] = [3, 4, 2, 3, 3, 3, 2];
  for (const [padding, oh, ow] of [[0, 6, 8], [0, 5, 7], [1, 7, 9], [1, 8, 10]]) {
    const filter = randoms(co * kh * kw * ci), bias = randoms(co);
    // TransposeConvOptions { padding 0, stride_w 1, stride_h 2 } (BuiltinOptions 49); inputs: output shape, weights (OHWI), input, bias.
    const { got, mid } = await run([h, w], ci, [1, oh, ow, co], (m, out) => ({
      tensors: [{ shape: [4], data: i32([1, oh, ow, co]) }, { shape: [co, kh, kw, ci], data: filter }, { shape: [co], data: bias }],
      ops: [{ code: OP.TRANSPOSE_CONV, inputs: [4, 5, m, 6], outputs: [out], options: opts(49, [{ slot: 0, kind: 'byte', value: padding }, { slot: 1, kind: 'int', value: st }, { slot: 2, kind: 'int', value: st }]) }],
    }));
    // TFLite's reference kernel: the padding of a forward convolution from the output's size to the input's.
    const fwd = (n: number, k: number) => (padding === 0 ? Math.ceil(n / st) : Math.floor((n - k + st) / st));
    const pt = padding === 0 ? padBefore(oh, fwd(oh, kh), kh, st) : 0, pl = padding === 0 ? padBefore(ow, fwd(ow, kw), kw, st) : 0;
    const want: Nhwc = { v: new Float32Array(oh * ow * co), shape: [1, oh, ow, co] };
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let i = 0; i < ci; i++) for (let dy = 0; dy < kh; dy++) for (let dx = 0; dx < kw; dx++) {
      const oy = y * st - pt + dy, ox = x * st - pl + dx;
      if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
      for (let o = 0; o < co; o++) want.v[(oy * ow + ox) * co + o] += at(mid, y, x, i) * filter[((o * kh + dy) * kw + dx) * ci + i];
    }
    for (let p = 0; p < oh * ow; p++) for (let o = 0; o < co; o++) want.v[p * co + o] += bias[o];
    close(got, want, `transpose conv ${padding ? 'VALID' : 'SAME'} to ${oh}x${ow}`);
  }
});

test('tflite ops: DEPTH_TO_SPACE, LEAKY_RELU, PRELU, TANH, ELU, MAXIMUM, MINIMUM and DIV compute their definitions', async () => {
  const [h, w] = [2, 3];
  // DepthToSpaceOptions { block_size 0 } (BuiltinOptions 94): output[y*b + i, x*b + j, k] = input[y, x, (i*b + j)*C + k].
  const d2s = await run([h, w], 8, [1, 4, 6, 2], (m, out) => ({ tensors: [], ops: [{ code: OP.DEPTH_TO_SPACE, inputs: [m], outputs: [out], options: opts(94, [{ slot: 0, kind: 'int', value: 2 }]) }] }));
  const dv = new Float32Array(4 * 6 * 2);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) for (let k = 0; k < 2; k++) dv[(y * 6 + x) * 2 + k] = at(d2s.mid, y >> 1, x >> 1, ((y % 2) * 2 + (x % 2)) * 2 + k);
  close(d2s.got, { v: dv, shape: [1, 4, 6, 2] }, 'DEPTH_TO_SPACE');
  const c = 3, per = [0.5, -2, 0.25];
  const unary = async (code: number, f: (v: number, k: number) => number, what: string, extra: { tensors?: TensorSpec[]; second?: boolean; options?: OpSpec['options'] } = {}) => {
    const r = await run([h, w], c, [1, h, w, c], (m, out) => ({ tensors: extra.tensors ?? [], ops: [{ code, inputs: extra.second ? [m, 4] : [m], outputs: [out], options: extra.options }] }));
    close(r.got, { v: r.mid.v.map((v, i) => f(v, i % c)), shape: [1, h, w, c] }, what);
  };
  // LeakyReluOptions { alpha 0 } (BuiltinOptions 75).
  await unary(OP.LEAKY_RELU, (v) => (v >= 0 ? v : 0.1 * v), 'LEAKY_RELU', { options: opts(75, [{ slot: 0, kind: 'float', value: 0.1 }]) });
  await unary(OP.PRELU, (v, k) => (v >= 0 ? v : per[k] * v), 'PRELU', { tensors: [{ shape: [1, 1, c], data: Float32Array.from(per) }], second: true });
  await unary(OP.TANH, Math.tanh, 'TANH');
  await unary(OP.ELU, (v) => (v >= 0 ? v : Math.exp(v) - 1), 'ELU');
  await unary(OP.MAXIMUM, (v, k) => Math.max(v, per[k]), 'MAXIMUM', { tensors: [{ shape: [c], data: Float32Array.from(per) }], second: true });
  await unary(OP.MINIMUM, (v, k) => Math.min(v, per[k]), 'MINIMUM', { tensors: [{ shape: [c], data: Float32Array.from(per) }], second: true });
  await unary(OP.DIV, (v, k) => v / per[k], 'DIV', { tensors: [{ shape: [c], data: Float32Array.from(per) }], second: true });
});

test('tflite ops: MIRROR_PAD in SYMMETRIC mode is one line naming the operator', () => {
  const tensors: TensorSpec[] = [{ shape: [1, 2, 2, 3] }, { shape: [4, 2], data: i32([0, 0, 1, 1, 1, 1, 0, 0]) }, { shape: [1, 4, 4, 3] }];
  const file = buildTflite(tensors, [{ code: OP.MIRROR_PAD, inputs: [0, 1], outputs: [2], options: opts(77, [{ slot: 0, kind: 'byte', value: 1 }]) }], [0], [2]);
  assert.throws(() => tfliteToOnnx(readTflite(file, 'sym.tflite'), 'sym.tflite'), { message: 'sym.tflite: operator 0 (MIRROR_PAD) in SYMMETRIC mode is not supported (REFLECT is)' });
});

test('tflite ops: RESHAPE that flattens the map ([1, H, W, C] to [1, H*W, C]) then SOFTMAX, as Keras segmenters end, gives the map\'s probabilities; another reshape is one line', async () => {
  const [h, w, c] = [3, 4, 5];
  // ReshapeOptions { new_shape 0 } is optional: the output tensor's shape says it.
  const { got, mid, output } = await run([h, w], c, [1, h * w, c], (m, out) => ({
    tensors: [{ shape: [3], data: i32([1, h * w, c]) }, { shape: [1, h * w, c], name: 'flat' }],
    ops: [{ code: OP.RESHAPE, inputs: [m, 4], outputs: [5] }, { code: OP.SOFTMAX, inputs: [5], outputs: [out], options: opts(9, [{ slot: 0, kind: 'float', value: 1 }]) }],
  }));
  const want: Nhwc = { v: new Float32Array(h * w * c), shape: [1, h, w, c] };
  for (let p = 0; p < h * w; p++) {
    const e = Array.from({ length: c }, (_, k) => Math.exp(mid.v[p * c + k])), sum = e.reduce((x, y) => x + y);
    e.forEach((v, k) => { want.v[p * c + k] = v / sum; });
  }
  close(got, want, 'reshape + softmax');
  assert.equal(output, 'probabilities');
  const tensors: TensorSpec[] = [{ shape: [1, 2, 2, 3] }, { shape: [2], data: i32([4, 3]) }, { shape: [4, 3] }];
  const file = buildTflite(tensors, [{ code: OP.RESHAPE, inputs: [0, 1], outputs: [2] }], [0], [2]);
  assert.throws(() => tfliteToOnnx(readTflite(file, 'r.tflite'), 'r.tflite'), { message: 'r.tflite: operator 0 (RESHAPE) from [1, 2, 2, 3] to [4, 3] is not supported (only flattening a map\'s rows and columns, [1, H, W, C] to [1, H*W, C])' });
});

test('tflite: a graph converted without a fixed input size (shape_signature -1, placeholder sides of 1) is refused in one line instead of run at 1x1; so is one of two inputs', () => {
  const tensors: TensorSpec[] = [{ shape: [1, 1, 1, 3], signature: [1, -1, -1, 3] }, { shape: [2, 1, 1, 3], data: randoms(6) }, { shape: [2], data: randoms(2) }, { shape: [1, 1, 1, 2], signature: [1, -1, -1, 2] }];
  const file = buildTflite(tensors, [conv2d([0, 1, 2], 3)], [0], [3]);
  const g = readTflite(file, 'free.tflite');
  assert.deepEqual(g.tensors[0].signature, [1, -1, -1, 3]);
  assert.throws(() => tfliteToOnnx(g, 'free.tflite'), { message: 'free.tflite: its input size is not fixed ([1, -1, -1, 3]); pixelwise converts graphs of a fixed size: convert the model again with a fixed input shape (a Keras Input of a given height and width, or the converter given a concrete function of one)' });
  // Two inputs (an image and a previous mask, as MediaPipe's older video segmenters take).
  const two = buildTflite([{ shape: [1, 2, 2, 3], name: 'image' }, { shape: [1, 2, 2, 3], name: 'previous' }, { shape: [1, 2, 2, 3] }], [{ code: OP.MAXIMUM, inputs: [0, 1], outputs: [2] }], [0, 1], [2]);
  assert.throws(() => tfliteToOnnx(readTflite(two, 'two.tflite'), 'two.tflite'), { message: 'two.tflite: the graph takes 2 inputs (image, previous); pixelwise imports graphs of one image input' });
  // A fixed signature (a batch of -1 alone) converts.
  tensors[0].signature = [-1, 1, 1, 3];
  assert.equal(tfliteToOnnx(readTflite(buildTflite(tensors, [conv2d([0, 1, 2], 3)], [0], [3]), 'b.tflite'), 'b.tflite').classes, 2);
});
