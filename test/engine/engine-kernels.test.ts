// The project's own wasm kernels against the cpu backend, on random shapes, strides, dilations
// and paddings; and whole conv/transposed-conv gradients through tf.grads on both backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, wasmTensorBytes } from '../../src/engine/backend.ts';
import { Rng } from '../../src/util/random.ts';
import { im2colLimit, ortConvCalls } from '../../src/engine/kernels/ort_conv.ts';
import { configureOrtKernels, MAX_SESSIONS, sessionCount } from '../../src/engine/kernels/ort_native.ts';
import { depthwiseConv } from '../../src/engine/kernels/depthwise_backprop.ts';
import { simdDepthwiseCalls } from '../../src/engine/kernels/simd/depthwise.ts';
import { simdPoolCalls } from '../../src/engine/kernels/simd/channels.ts';
import { fusedActivationCalls } from '../../src/engine/kernels/activation_grads.ts';
import * as tfl from '@tensorflow/tfjs-layers';
import { fuseBatchNormTraining } from '../../src/models/fused_batchnorm.ts';
import { hasFusedBatchNorm } from '../../src/engine/batchnorm_train.ts';
import { hasFusedSoftmaxCrossEntropy, softmaxCrossEntropy } from '../../src/engine/softmax_ce.ts';
import { softmaxCeCalls } from '../../src/engine/kernels/softmax_ce.ts';
import { canonical } from '../../src/engine/kernels/ort_reduce.ts';

type Shape4 = [number, number, number, number];
const rng = new Rng(1234);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function relErr(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  assert.equal(a.length, b.length);
  let num = 0, den = 1e-12;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return num / den;
}

async function onBackend<T>(name: 'cpu' | 'wasm', f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(name);
  const out = tf.tidy(f);
  const arr = Array.isArray(out) ? out : [out];
  const data = await Promise.all(arr.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(arr);
  return data;
}

/** A dilated filter as the equivalent dense filter with zeros between the taps (cpu reference). */
function dilateFilter(w: Float32Array, s: Shape4, dh: number, dw: number): [Float32Array, Shape4] {
  const [fh, fw, ci, co] = s;
  const eh = (fh - 1) * dh + 1, ew = (fw - 1) * dw + 1;
  const out = new Float32Array(eh * ew * ci * co);
  for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) for (let k = 0; k < ci * co; k++) {
    out[((i * dh) * ew + j * dw) * ci * co + k] = w[(i * fw + j) * ci * co + k];
  }
  return [out, [eh, ew, ci, co]];
}

interface Case { x: Shape4; f: Shape4; s: [number, number]; d: [number, number]; pad: 'same' | 'valid' | number }

function randomCase(): Case {
  const k = 1 + rng.int(4), k2 = rng.next() < 0.7 ? k : 1 + rng.int(4);
  const dil = rng.next() < 0.3 ? 1 + rng.int(3) : 1;
  const str = dil > 1 ? 1 : 1 + rng.int(3);
  const pads: Case['pad'][] = ['same', 'valid', rng.int(3)];
  const h = 5 + rng.int(14), w = 5 + rng.int(14);
  const pad = pads[rng.int(3)];
  return {
    // TF.js 4.22 sizes a numerically padded conv by the filter height and row stride alone (and
    // its own wasm kernel then writes out of bounds): square filters and strides there. Input
    // channels below 8 and from 8 up (the two formulations of the filter gradient).
    x: [1 + rng.int(3), h, w, rng.next() < 0.5 ? 1 + rng.int(6) : 8 + rng.int(5)], f: [k, typeof pad === 'number' ? k : k2, 0, 1 + rng.int(6)],
    s: [str, typeof pad === 'number' || rng.next() < 0.8 ? str : 1], d: [dil, dil], pad,
  };
}

test('wasm backend is the default and has our kernels', async () => {
  const name = await initEngine('wasm');
  assert.equal(name, 'wasm');
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
});

for (const [viaOrt, chunked] of [[true, false], [true, true], [false, false]]) test(`Conv2D, FusedConv2D, Conv2DBackpropFilter and Conv2DBackpropInput match cpu on 60 random geometries (${viaOrt ? `ONNX Runtime kernels${chunked ? ', filter gradients one sample per call' : ''}` : 'XNNPACK formulations'})`, async () => {
  await initEngine('wasm');
  configureOrtKernels({ enabled: viaOrt });
  const limit = im2colLimit.bytes;
  if (chunked) im2colLimit.bytes = 1;
  const calls0 = { ...ortConvCalls };
  let checked = 0;
  for (let t = 0; t < 60; t++) {
    const c = randomCase();
    // The first few: 1x1 at stride 1 without padding (a matrix product over the pixels on ONNX Runtime).
    if (t < 4) Object.assign(c, { f: [1, 1, 0, c.f[3]], s: [1, 1], d: [1, 1], pad: (['valid', 'same', 0, 'same'] as const)[t] });
    c.f[2] = c.x[3];
    const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, c.d, c.pad as 'same');
    if (info.outHeight <= 0 || info.outWidth <= 0) continue;
    const dyShape: Shape4 = [c.x[0], info.outHeight, info.outWidth, c.f[3]];
    const xv = rand(size(c.x)), dyv = rand(size(dyShape)), wv = rand(size(c.f));
    const [wd, fdShape] = dilateFilter(wv, c.f, c.d[0], c.d[1]);
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };

    // Forward: plain, and fused with a bias and relu.
    const bv = rand(c.f[3]);
    const fwd = (b: 'cpu' | 'wasm', w: Float32Array, s: Shape4, dil: [number, number]) => onBackend(b, () => [
      tf.conv2d(tf.tensor4d(xv, c.x), tf.tensor4d(w, s), c.s, c.pad, 'NHWC', dil),
      tf.fused.conv2d({ x: tf.tensor4d(xv, c.x), filter: tf.tensor4d(w, s), strides: c.s, pad: c.pad, dilations: dil, bias: tf.tensor1d(bv), activation: 'relu' }),
    ]);
    // (With ONNX Runtime off the forward pass is tfjs-backend-wasm's own, not checked here: it
    // mis-pads even filters with stride 3.)
    const oursF = viaOrt ? await fwd('wasm', wv, c.f, c.d) : [], refF = viaOrt ? await fwd('cpu', wd, fdShape, [1, 1]) : [];
    for (let i = 0; i < oursF.length; i++) assert.ok(relErr(oursF[i], refF[i]) < 1e-4, `forward ${i} ${JSON.stringify(c)}: rel err ${relErr(oursF[i], refF[i])}`);

    // Filter gradient. cpu has no dilation support: reference = taps of the dense-equivalent filter.
    const [ours] = await onBackend('wasm', () => tf.engine().runKernel('Conv2DBackpropFilter',
      { x: tf.tensor4d(xv, c.x), dy: tf.tensor4d(dyv, dyShape) },
      { ...attrs, dilations: c.d, filterShape: c.f } as never) as tf.Tensor);
    const [refDense] = await onBackend('cpu', () => tf.engine().runKernel('Conv2DBackpropFilter',
      { x: tf.tensor4d(xv, c.x), dy: tf.tensor4d(dyv, dyShape) },
      { ...attrs, filterShape: fdShape } as never) as tf.Tensor);
    const ref = tf.tidy(() => tf.stridedSlice(tf.tensor4d(refDense, fdShape), [0, 0, 0, 0], fdShape,
      [c.d[0], c.d[1], 1, 1]).dataSync() as Float32Array);
    const e1 = relErr(ours, ref);
    assert.ok(e1 < 1e-4, `backprop filter ${JSON.stringify(c)}: rel err ${e1}`);

    // Input gradient (also the forward pass of a transposed convolution).
    const [oursX] = await onBackend('wasm', () => tf.engine().runKernel('Conv2DBackpropInput',
      { dy: tf.tensor4d(dyv, dyShape), filter: tf.tensor4d(wv, c.f) },
      { ...attrs, dilations: c.d, inputShape: c.x } as never) as tf.Tensor);
    const [refX] = await onBackend('cpu', () => tf.engine().runKernel('Conv2DBackpropInput',
      { dy: tf.tensor4d(dyv, dyShape), filter: tf.tensor4d(wd, fdShape) },
      { ...attrs, inputShape: c.x } as never) as tf.Tensor);
    const e2 = relErr(oursX, refX);
    assert.ok(e2 < 1e-4, `backprop input ${JSON.stringify(c)}: rel err ${e2}`);
    checked++;
  }
  assert.ok(checked >= 40, `only ${checked} valid geometries`);
  const ran = (['forward', 'backpropInput', 'backpropFilter'] as const).map((k) => ortConvCalls[k] - calls0[k]);
  // With ONNX Runtime on, most geometries take its path (TF.js-specific sizes fall back).
  if (viaOrt) assert.ok(ran.every((n) => n >= 20), `ONNX Runtime kernels ran ${ran.join('/')} times`);
  else assert.deepEqual(ran, [0, 0, 0]);
  configureOrtKernels({ enabled: true });
  im2colLimit.bytes = limit;
  await tf.setBackend('wasm');
});

test('convolutions over whole channel blocks (ONNX Runtime\'s NCHWc kernels, the filter reordered in the graph) match cpu: forward with bias and ReLU, input gradient', async (t) => {
  await initEngine('wasm');
  const { nchwcBlock } = await import('../../src/engine/kernels/ort_nchwc.ts');
  const B = nchwcBlock();
  if (!B) { t.skip('no NCHWc kernels in this ONNX Runtime build on this machine'); return; }
  const before = ortConvCalls.nchwc;
  const r = new Rng(31);
  const cases: { x: Shape4; f: Shape4; s: number; d: number; pad: 'same' | 'valid' }[] = [
    { x: [2, 9, 11, B], f: [3, 3, B, 2 * B], s: 1, d: 1, pad: 'same' },
    { x: [1, 12, 10, 2 * B], f: [3, 3, 2 * B, B], s: 2, d: 1, pad: 'same' },
    { x: [2, 13, 9, B], f: [3, 3, B, B], s: 1, d: 2, pad: 'same' },
    { x: [1, 8, 8, B], f: [5, 3, B, B], s: 1, d: 1, pad: 'valid' },
  ];
  for (const c of cases) {
    const xv = Float32Array.from({ length: size(c.x) }, () => r.uniform(-1, 1)), wv = Float32Array.from({ length: size(c.f) }, () => r.uniform(-1, 1));
    const bv = Float32Array.from({ length: c.f[3] }, () => r.uniform(-1, 1));
    const run = (b: 'cpu' | 'wasm') => onBackend(b, () => {
      const x = tf.tensor4d(xv, c.x), w = tf.tensor4d(wv, c.f), bias = tf.tensor1d(bv);
      const y = tf.fused.conv2d({ x, filter: w, strides: c.s, pad: c.pad, dilations: c.d, bias, activation: 'relu' });
      const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, w, c.s, c.pad, 'NHWC', c.d))))([x]);
      return [y, dx];
    });
    const ours = await run('wasm'), ref = await run('cpu');
    assert.ok(relErr(ours[0], ref[0]) < 1e-5, `forward ${JSON.stringify(c)}: ${relErr(ours[0], ref[0])}`);
    assert.ok(relErr(ours[1], ref[1]) < 1e-5, `input gradient ${JSON.stringify(c)}: ${relErr(ours[1], ref[1])}`);
  }
  // Every forward pass (two a case: the fused one, and the one under the gradient), and the input
  // gradients at stride 1, ran on the blocked kernels.
  assert.equal(ortConvCalls.nchwc - before, 2 * cases.length + cases.filter((c) => c.s === 1).length);
});

test('transposed convolutions whose windows tile the input (2x2/2, 3x3/3: matrix products and reshuffles on ONNX Runtime) match cpu: forward and filter gradient', async () => {
  await initEngine('wasm');
  const r = new Rng(41);
  const before = { ...ortConvCalls };
  for (const [n, oh, ow, k, ci, co] of [[2, 5, 7, 2, 6, 10], [1, 4, 3, 3, 8, 4], [3, 6, 6, 2, 16, 32]]) {
    const dyv = Float32Array.from({ length: n * oh * ow * co }, () => r.uniform(-1, 1)), wv = Float32Array.from({ length: k * k * ci * co }, () => r.uniform(-1, 1));
    const gv = Float32Array.from({ length: n * oh * k * ow * k * ci }, () => r.uniform(-1, 1));
    const run = (b: 'cpu' | 'wasm') => onBackend(b, () => {
      const dy = tf.tensor4d(dyv, [n, oh, ow, co]), w = tf.tensor4d(wv, [k, k, ci, co]), g = tf.tensor4d(gv, [n, oh * k, ow * k, ci]);
      const up = (f: tf.Tensor) => tf.conv2dTranspose(dy, f as tf.Tensor4D, [n, oh * k, ow * k, ci], k, 'valid');
      return [up(w), tf.grad((f: tf.Tensor) => tf.sum(tf.mul(up(f), g)))(w)];
    });
    const ours = await run('wasm'), ref = await run('cpu');
    assert.ok(relErr(ours[0], ref[0]) < 1e-5, `forward ${[n, oh, ow, k, ci, co]}: ${relErr(ours[0], ref[0])}`);
    assert.ok(relErr(ours[1], ref[1]) < 1e-5, `filter gradient ${[n, oh, ow, k, ci, co]}: ${relErr(ours[1], ref[1])}`);
  }
  assert.ok(ortConvCalls.backpropInput - before.backpropInput >= 3 && ortConvCalls.backpropFilter - before.backpropFilter >= 3, 'ONNX Runtime ran them');
});

test('conv2d and conv2dTranspose gradients through tf.grads match cpu', async () => {
  await initEngine('wasm');
  const cases: { x: Shape4; f: Shape4; s: number; pad: 'same' | 'valid' }[] = [
    { x: [2, 16, 16, 3], f: [3, 3, 3, 8], s: 1, pad: 'same' },
    { x: [2, 15, 17, 4], f: [3, 3, 4, 5], s: 2, pad: 'same' },
    { x: [1, 12, 12, 6], f: [1, 1, 6, 4], s: 1, pad: 'valid' },
    { x: [2, 9, 11, 2], f: [5, 3, 2, 3], s: 2, pad: 'valid' },
  ];
  for (const c of cases) {
    const xv = rand(size(c.x)), wv = rand(size(c.f));
    const run = (b: 'cpu' | 'wasm') => onBackend(b, () => {
      const x = tf.tensor4d(xv, c.x), w = tf.tensor4d(wv, c.f);
      const g = tf.grads((a: tf.Tensor, b2: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b2 as tf.Tensor4D, c.s, c.pad))));
      return g([x, w]);
    });
    const [ox, ow] = await run('wasm');
    const [rx, rw] = await run('cpu');
    assert.ok(relErr(ox, rx) < 1e-4, `conv2d dx ${JSON.stringify(c)}`);
    assert.ok(relErr(ow, rw) < 1e-4, `conv2d dw ${JSON.stringify(c)}`);
  }
  // Transposed convolution (U-Net up path): forward, d/dinput and d/dfilter.
  for (const [k, s] of [[2, 2], [3, 2], [3, 1], [4, 2]]) {
    const xs: Shape4 = [2, 7, 6, 5], fs: Shape4 = [k, k, 4, 5];
    const out: Shape4 = [2, 7 * s, 6 * s, 4];
    const xv = rand(size(xs)), wv = rand(size(fs));
    const run = (b: 'cpu' | 'wasm') => onBackend(b, () => {
      const x = tf.tensor4d(xv, xs), w = tf.tensor4d(wv, fs);
      const f = (a: tf.Tensor, b2: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, b2 as tf.Tensor4D, out, s, 'same');
      const y = f(x, w);
      const g = tf.grads((a: tf.Tensor, b2: tf.Tensor) => tf.sum(tf.square(f(a, b2))))([x, w]);
      return [y, ...g];
    });
    const ours = await run('wasm');
    const ref = await run('cpu');
    for (let i = 0; i < 3; i++) assert.ok(relErr(ours[i], ref[i]) < 1e-4, `conv2dTranspose k${k} s${s} output ${i}`);
  }
  await tf.setBackend('wasm');
});

test('BatchNorm gradient (ours, no Tile) equals the gradient of the same formula in elementary ops', async () => {
  await initEngine('wasm');
  const shape: Shape4 = [2, 5, 6, 7];
  const xv = rand(size(shape)), rv = rand(size(shape));
  const c = 7;
  const mv = rand(c), vv = Float32Array.from(rand(c), (v) => 0.5 + Math.abs(v)), sv = rand(c), ov = rand(c);
  for (const b of ['cpu', 'wasm'] as const) {
    const run = (k: number) => onBackend(b, () => {
      const r = tf.tensor4d(rv, shape);
      const f = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(r, k === 0
        ? tf.batchNorm(x as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3)
        : tf.add(tf.mul(tf.mul(tf.sub(x, m), tf.rsqrt(tf.add(v, 1e-3))), s), o)));
      return tf.grads(f)([tf.tensor4d(xv, shape), tf.tensor1d(mv), tf.tensor1d(vv), tf.tensor1d(sv), tf.tensor1d(ov)]);
    });
    const fused = await run(0), elementary = await run(1);
    for (let i = 0; i < 5; i++) assert.ok(relErr(fused[i], elementary[i]) < 1e-4, `${b}: gradient ${['x', 'mean', 'variance', 'scale', 'offset'][i]}`);
  }
  await tf.setBackend('wasm');
});

test('training-mode BatchNorm (ours on wasm, fused) matches tfjs-layers on cpu: output, running statistics, gradients', async () => {
  await initEngine('wasm');
  const r = new Rng(77);
  // Channels that are multiples of 4 (SIMD wasm) and not (JS), rows not a multiple of the SIMD
  // block (256), six rows; inputs far from zero (the statistics accumulate shifted); rank 2, 4.
  const shapes = [[2, 5, 6, 7], [1, 3, 4, 1], [3, 7, 5, 19], [4, 9], [1, 1, 1, 3], [2, 17, 19, 8], [1, 2, 3, 16], [3, 11, 13, 36], [700, 4]];
  for (const shape of shapes) {
    const c = shape[shape.length - 1], n = size(shape);
    const xv = Float32Array.from({ length: n }, () => 5 + 3 * r.uniform(-1, 1)), dyv = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
    const weights = [0, 1, 2, 3].map((k) => Float32Array.from({ length: c }, () => (k === 3 ? 0.5 + r.next() : r.uniform(-1, 1))));
    const run = (b: 'cpu' | 'wasm') => onBackend(b, () => {
      const net = tfl.sequential({ layers: [tfl.layers.batchNormalization({ inputShape: shape.slice(1), momentum: 0.9, epsilon: 1e-3 })] });
      net.setWeights(weights.map((w) => tf.tensor1d(w)));
      assert.equal(fuseBatchNormTraining(net), 1);
      const x = tf.tensor(xv, shape), dy = tf.tensor(dyv, shape);
      const loss = (t: tf.Tensor) => tf.sum(tf.mul(net.apply(t, { training: true }) as tf.Tensor, dy));
      const y = net.apply(x, { training: true }) as tf.Tensor;
      const g = tf.variableGrads(() => loss(x) as tf.Scalar);
      const gx = tf.grad(loss)(x);
      return [y, gx, ...Object.values(g.grads), ...net.getWeights().slice(2)];
    });
    const ours = await run('wasm'), ref = await run('cpu');
    ['y', 'dx', 'dgamma', 'dbeta', 'moving mean', 'moving variance'].forEach((what, i) => assert.ok(relErr(ours[i], ref[i]) < 2e-5, `${shape}: ${what} ${relErr(ours[i], ref[i])}`));
  }
  // The wasm run went through the fused kernels (the cpu one cannot).
  assert.equal(hasFusedBatchNorm(), false);
  await tf.setBackend('wasm');
  const net = tfl.sequential({ layers: [tfl.layers.batchNormalization({ inputShape: [3, 3, 2] })] });
  fuseBatchNormTraining(net);
  const x = tf.randomNormal([2, 3, 3, 2]);
  const prof = await tf.profile(() => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(net.apply(t, { training: true }) as tf.Tensor))(x)));
  assert.deepEqual(['PixelwiseBatchNormTrain', 'PixelwiseBatchNormTrainGrad'].map((k) => prof.kernelNames.includes(k)), [true, true]);
  x.dispose();
});

test('BatchNorm then PReLU or ReLU (ours on wasm: one op, the BatchNorm output recomputed backward) matches tfjs-layers on cpu: output, statistics, every gradient', async () => {
  await initEngine('wasm');
  const r = new Rng(78);
  for (const act of ['prelu', 'relu'] as const) {
    // Multiples of 4 channels run fused; other channel counts fused over 2 or 4 pixels at a time
    // where the pixel count allows (6, 30 and 7 channels here), else as two ops (checked below).
    for (const shape of [[2, 5, 6, 8], [3, 11, 13, 36], [2, 17, 19, 4], [2, 5, 6, 7], [2, 5, 6, 6], [2, 8, 8, 30], [1, 3, 5, 7]]) {
      const c = shape[shape.length - 1], n = size(shape);
      const xv = Float32Array.from({ length: n }, () => 5 + 3 * r.uniform(-1, 1)), dyv = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
      const weights = [0, 1, 2, 3].map((k) => Float32Array.from({ length: c }, () => (k === 3 ? 0.5 + r.next() : r.uniform(-1, 1))));
      const slopes = Float32Array.from({ length: c }, () => r.uniform(-0.5, 1.5));
      const run = (b: 'cpu' | 'wasm') => onBackend(b, () => {
        const layers: tfl.layers.Layer[] = [tfl.layers.batchNormalization({ inputShape: shape.slice(1), momentum: 0.9, epsilon: 1e-3 })];
        layers.push(act === 'prelu' ? tfl.layers.prelu({ sharedAxes: [1, 2] }) : tfl.layers.reLU());
        const net = tfl.sequential({ layers });
        layers[0].setWeights(weights.map((w) => tf.tensor1d(w)));
        if (act === 'prelu') layers[1].setWeights([tf.tensor(slopes, [1, 1, c])]);
        fuseBatchNormTraining(net);
        const x = tf.tensor(xv, shape), dy = tf.tensor(dyv, shape);
        const loss = (t: tf.Tensor) => tf.sum(tf.mul(net.apply(t, { training: true }) as tf.Tensor, dy));
        const y = net.apply(x, { training: true }) as tf.Tensor;
        const g = tf.variableGrads(() => loss(x) as tf.Scalar);
        const gx = tf.grad(loss)(x);
        const w = layers[0].getWeights();
        return [y, gx, ...Object.values(g.grads), w[2], w[3]];
      });
      const ours = await run('wasm'), ref = await run('cpu');
      const names = ['y', 'dx', 'dgamma', 'dbeta', ...(act === 'prelu' ? ['dalpha'] : []), 'moving mean', 'moving variance'];
      assert.equal(ours.length, names.length);
      names.forEach((what, i) => assert.ok(relErr(ours[i], ref[i]) < 2e-5, `${act} ${shape}: ${what} ${relErr(ours[i], ref[i])}`));
    }
  }
  await tf.setBackend('wasm');
  // 2x3x3 = 18 pixels: 6 channels go 2 pixels at a time, 7 channels would need 4.
  for (const [c, fused] of [[8, true], [6, true], [7, false]] as const) {
    const net = tfl.sequential({ layers: [tfl.layers.batchNormalization({ inputShape: [3, 3, c] }), tfl.layers.prelu({ sharedAxes: [1, 2] })] });
    fuseBatchNormTraining(net);
    const x = tf.randomNormal([2, 3, 3, c]);
    const prof = await tf.profile(() => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(net.apply(t, { training: true }) as tf.Tensor))(x)));
    assert.deepEqual(['PixelwiseBatchNormPreluTrain', 'PixelwiseBatchNormPreluTrainGrad', 'Prelu'].map((k) => prof.kernelNames.includes(k)), [fused, fused, !fused], `${c} channels`);
    x.dispose();
  }
});

test('the committed SIMD kernels (simd/*_wasm.ts) are the assembled .wat sources', async () => {
  const { assemble, moduleSource, watSources } = await import('../../scripts/build_wasm.mjs');
  const sources = watSources();
  assert.ok(sources.length >= 2);
  for (const f of sources) {
    const committed = fs.readFileSync(f.replace(/\.wat$/, '_wasm.ts'), 'utf8');
    assert.equal(committed, moduleSource(path.basename(f), await assemble(f)), `${f}: run npm run build:wasm`);
  }
  await tf.setBackend('wasm');
});

test('depthwise conv gradients (ours on wasm, any dilation) match cpu on strides, dilations, multipliers and paddings', async () => {
  await initEngine('wasm');
  const cases: { x: Shape4; f: Shape4; s: number; d: number; pad: 'same' | 'valid' }[] = [
    { x: [2, 12, 14, 6], f: [3, 3, 6, 1], s: 1, d: 1, pad: 'same' },
    { x: [1, 15, 13, 4], f: [3, 3, 4, 1], s: 1, d: 3, pad: 'same' },
    { x: [2, 16, 16, 5], f: [3, 3, 5, 2], s: 2, d: 1, pad: 'same' },
    { x: [1, 11, 9, 3], f: [3, 3, 3, 3], s: 2, d: 1, pad: 'valid' },
    { x: [2, 10, 12, 4], f: [5, 3, 4, 1], s: 1, d: 2, pad: 'valid' },
    // Wider layers, as the zoo's networks have them.
    { x: [2, 16, 16, 8], f: [3, 3, 8, 1], s: 2, d: 1, pad: 'same' },
    { x: [2, 17, 15, 12], f: [5, 5, 12, 1], s: 2, d: 1, pad: 'same' },
    { x: [1, 9, 11, 16], f: [3, 3, 16, 1], s: 1, d: 2, pad: 'same' },
    { x: [3, 8, 10, 20], f: [3, 3, 20, 1], s: 1, d: 1, pad: 'valid' },
    // Strides and dilations together (XNNPACK refuses them): the SIMD forward pass as well.
    { x: [2, 17, 16, 8], f: [3, 3, 8, 1], s: 2, d: 2, pad: 'same' },
    { x: [1, 21, 19, 12], f: [3, 3, 12, 1], s: 2, d: 3, pad: 'valid' },
  ];
  const forwardBefore = simdDepthwiseCalls.forward, inputBefore = simdDepthwiseCalls.inputGrad;
  const simdBefore = simdDepthwiseCalls.filterGrad;
  for (const c of cases) {
    const xv = rand(size(c.x)), wv = rand(size(c.f));
    const ours = await onBackend('wasm', () => {
      const x = tf.tensor4d(xv, c.x), w = tf.tensor4d(wv, c.f);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(depthwiseConv(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, c.d))))([x, w]);
    });
    // Reference: cpu, the dilated filter written out densely (tfjs-core has no dilated gradient).
    const [dv, ds] = dilateFilter(wv, c.f, c.d, c.d);
    const [rx, rwDense] = await onBackend('cpu', () => {
      const x = tf.tensor4d(xv, c.x), w = tf.tensor4d(dv, ds);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad))))([x, w]);
    });
    const [fh, fw, ci, m] = c.f, ew = ds[1];
    const rw = new Float32Array(size(c.f));
    for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) for (let k = 0; k < ci * m; k++) rw[(i * fw + j) * ci * m + k] = rwDense[((i * c.d) * ew + j * c.d) * ci * m + k];
    assert.ok(relErr(ours[0], rx) < 1e-4, `depthwise dx ${JSON.stringify(c)}: ${relErr(ours[0], rx)}`);
    assert.ok(relErr(ours[1], rw) < 1e-4, `depthwise dw ${JSON.stringify(c)}: ${relErr(ours[1], rw)}`);
  }
  // Multipliers above 1 and channel counts off a multiple of 4 are reshaped into the SIMD pass's form.
  assert.equal(simdDepthwiseCalls.filterGrad - simdBefore, cases.length, 'the SIMD filter gradient ran for every case');
  assert.equal(simdDepthwiseCalls.forward - forwardBefore, 2, 'the SIMD forward pass ran for strides and dilations together');
  // The SIMD input gradient: multiplier 1 and a multiple of 4 channels (the others: zeros inserted, padded, flipped, convolved).
  assert.equal(simdDepthwiseCalls.inputGrad - inputBefore, cases.filter((c) => c.f[3] === 1 && c.f[2] % 4 === 0).length, 'the SIMD input gradient ran where it applies');
  await tf.setBackend('wasm');
});

test('average-pool gradient (ours without padding: one SIMD pass, channels padded to a multiple of 4) matches cpu; padded pools unchanged', async () => {
  await initEngine('wasm');
  const before = simdDepthwiseCalls.inputGrad;
  const cases: [Shape4, number, number, 'valid' | 'same'][] = [
    [[2, 13, 13, 8], 3, 2, 'valid'], [[1, 10, 12, 12], 2, 2, 'valid'], [[2, 9, 11, 4], 3, 1, 'valid'], [[1, 12, 10, 6], 3, 2, 'valid'], [[2, 11, 9, 8], 3, 2, 'same'],
  ];
  for (const [shape, k, st, pad] of cases) {
    const out = (v: number) => (pad === 'valid' ? Math.floor((v - k) / st) + 1 : Math.ceil(v / st));
    const dyShape: Shape4 = [shape[0], out(shape[1]), out(shape[2]), shape[3]];
    const xv = rand(size(shape)), dyv = rand(size(dyShape));
    const grad = (b: 'cpu' | 'wasm') => onBackend(b, () => [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, k, st, pad), tf.tensor4d(dyv, dyShape))))(tf.tensor4d(xv, shape))]);
    const [ours] = await grad('wasm'), [ref] = await grad('cpu');
    assert.ok(relErr(ours, ref) < 1e-5, `${shape} pool ${k}/${st} ${pad}: ${relErr(ours, ref)}`);
  }
  assert.equal(simdDepthwiseCalls.inputGrad - before, 4, 'the SIMD pass ran for the unpadded pools (6 channels padded to 8)');
});

test('dilated conv2d gradients (ours; tfjs-core has none) equal those of the zero-inserted dense filter', async () => {
  await initEngine('wasm');
  for (let c = 0; c < 12; c++) {
    const k = [1, 3, 3, 5][rng.int(4)], d = 2 + rng.int(3), pad = (['same', 'valid'] as const)[rng.int(2)];
    const x: Shape4 = [1 + rng.int(2), 6 + rng.int(12) + (pad === 'valid' ? (k - 1) * d : 0), 6 + rng.int(12) + (pad === 'valid' ? (k - 1) * d : 0), 1 + rng.int(5)];
    const f: Shape4 = [k, k, x[3], 1 + rng.int(5)];
    const xv = rand(size(x)), fv = rand(size(f));
    const [dv, ds] = dilateFilter(fv, f, d, d);
    const shrink = pad === 'valid' ? (k - 1) * d : 0;
    const yShape = [x[0], x[1] - shrink, x[2] - shrink, f[3]], rv = rand(size(yShape));
    for (const backend of ['wasm', 'cpu'] as const) {
      const ours = await onBackend(backend, () => {
        const X = tf.tensor4d(xv, x), F = tf.tensor4d(fv, f);
        const R = tf.tensor(rv, yShape);
        return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad, 'NHWC', d), R)))([X, F]);
      });
      const dense = await onBackend(backend, () => {
        const X = tf.tensor4d(xv, x), F = tf.tensor4d(dv, ds);
        const R = tf.tensor(rv, yShape);
        const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), R)))([X, F]);
        return [gx, tf.stridedSlice(gf, [0, 0, 0, 0], ds, [d, d, 1, 1])];
      });
      const label = `${backend} x ${x} k ${k} d ${d} ${pad}`;
      assert.ok(relErr(ours[0], dense[0]) < 1e-4, `${label}: input gradient ${relErr(ours[0], dense[0])}`);
      assert.ok(relErr(ours[1], dense[1]) < 1e-4, `${label}: filter gradient ${relErr(ours[1], dense[1])}`);
    }
  }
});

test('ONNX Runtime kernel sessions stay bounded: beyond MAX_SESSIONS configurations the oldest are released, results unchanged', async () => {
  await initEngine('wasm');
  // Sessions are per convolution configuration (strides, dilations, pads; shapes are dynamic):
  // each explicit padding below is a new one.
  const x = tf.tensor4d(Float32Array.from({ length: 5 * 5 * 2 }, (_, i) => Math.cos(i)), [1, 5, 5, 2]);
  const w = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 2 * 3 }, (_, i) => Math.sin(i)), [3, 3, 2, 3]);
  const conv = (pad: number) => tf.conv2d(x, w, 1, pad);
  const before = sessionCount();
  // Paddings no other test uses, so each makes a session of its own.
  const first = await conv(37).data();
  assert.equal(sessionCount(), before + 1, 'the convolution ran on ONNX Runtime');
  for (let pad = 38; pad < 38 + MAX_SESSIONS + 20; pad++) conv(pad).dispose();
  assert.equal(sessionCount(), MAX_SESSIONS, 'the oldest sessions were released');
  assert.deepEqual([...await conv(37).data()], [...first], 'a released configuration is rebuilt and gives the same result');
  tf.dispose([x, w]);
});

test('reductions and the training step repeat bit for bit wherever the buffers sit on the wasm heap', async () => {
  // Training resumes must equal uninterrupted runs exactly; a kernel whose rounding depends on its
  // input's alignment breaks that. Shift the heap between calls with allocations of odd sizes.
  await initEngine('wasm');
  const rng = new Rng(9);
  const x = tf.tensor4d(Float32Array.from({ length: 4 * 32 * 32 * 4 }, () => rng.uniform(-1, 1)), [4, 32, 32, 4]);
  const ops: Record<string, () => tf.Tensor> = {
    'sum over the innermost axis': () => tf.sum(x, 3),
    'sum over N, H, W': () => tf.sum(x, [0, 1, 2]),
    'mean over N, H, W': () => tf.mean(x, [0, 1, 2]),
    'log-softmax': () => tf.logSoftmax(x),
    'sum of all': () => tf.sum(x),
  };
  const pads: tf.Tensor[] = [];
  for (const [name, f] of Object.entries(ops)) {
    const ref = f();
    for (let r = 0; r < 12; r++) {
      pads.push(tf.zeros([1 + r * 3]));
      const y = f();
      assert.deepEqual(y.dataSync(), ref.dataSync(), `${name} differs after a heap shift of ${r}`);
      y.dispose();
    }
    ref.dispose();
  }
  tf.dispose([x, ...pads]);
});

test('clones share their buffer on wasm (TF.js clones every tensor it saves); live heap bytes count each buffer once', async () => {
  await initEngine('wasm');
  const base = wasmTensorBytes.live;
  const x = tf.tensor1d([1, 2, 3, 4]);
  assert.equal(wasmTensorBytes.live - base, 16);
  const y = tf.clone(x), z = tf.reshape(x, [2, 2]);
  assert.equal(wasmTensorBytes.live - base, 16, 'a clone or reshape allocates nothing');
  x.dispose();
  assert.deepEqual([...y.dataSync()], [1, 2, 3, 4], 'the clone outlives the original');
  const w = tf.add(y, 1);
  assert.equal(wasmTensorBytes.live - base, 32);
  assert.deepEqual([...y.dataSync()], [1, 2, 3, 4]);
  tf.dispose([y, z]);
  assert.equal(wasmTensorBytes.live - base, 16, 'the buffer goes when its last tensor does');
  w.dispose();
  assert.equal(wasmTensorBytes.live, base);
  // A gradient through saved (cloned) tensors is unchanged by the sharing.
  const a = tf.tensor1d([0.5, -1, 2]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), t)))(a);
  assert.deepEqual([...g.dataSync()], [1, 0, 4]);
  tf.dispose([a, g]);
});

test('max-pool gradient (ours for non-overlapping windows) matches cpu, ties included', async () => {
  await initEngine('wasm');
  const r = new Rng(11);
  const before = simdPoolCalls.maxPool2Grad;
  // 2x2 windows over a multiple of 4 channels take the SIMD pass (odd sizes: a row and a column no window covers).
  for (const [shape, k] of [[[2, 8, 10, 3], 2], [[1, 9, 7, 5], 2], [[3, 12, 12, 4], 3], [[1, 6, 6, 2], 2], [[2, 8, 10, 8], 2], [[1, 9, 7, 12], 2]] as [Shape4, number][]) {
    // Few distinct values (ReLU zeros among them): windows with ties, where the first maximum wins.
    const xv = Float32Array.from({ length: size(shape) }, () => Math.max(0, r.int(5) - 2));
    const dyShape: Shape4 = [shape[0], Math.floor(shape[1] / k), Math.floor(shape[2] / k), shape[3]];
    const dyv = rand(size(dyShape));
    const grad = (b: 'cpu' | 'wasm') => onBackend(b, () => [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, k, k, 'valid'), tf.tensor4d(dyv, dyShape))))(tf.tensor4d(xv, shape))]);
    const [ours] = await grad('wasm'), [ref] = await grad('cpu');
    assert.deepEqual([...ours], [...ref], `${shape} pool ${k}`);
  }
  assert.equal(simdPoolCalls.maxPool2Grad - before, 2, 'the SIMD pass ran for the 2x2 pools over a multiple of 4 channels');
});

test('split and concat along the channel axis (ours: skip connections and their gradient) match cpu; other axes unchanged', async () => {
  await initEngine('wasm');
  const r = new Rng(12);
  for (const [shape, sizes, axis] of [[[2, 5, 7, 12], [5, 7], 3], [[2, 3, 4, 45], [16, 5, 24], 3], [[3, 4, 9], [2, 3, 4], 2], [[2, 5, 7, 6], [2, 3], 1], [[4, 6], 3, 1]] as [number[], number | number[], number][]) {
    const xv = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.uniform(-1, 1));
    const run = (b: 'cpu' | 'wasm') => onBackend(b, () => tf.split(tf.tensor(xv, shape), sizes, axis));
    const ours = await run('wasm'), ref = await run('cpu');
    assert.equal(ours.length, ref.length);
    ours.forEach((o, i) => assert.deepEqual([...o], [...ref[i]], `${shape} ${sizes} axis ${axis} part ${i}`));
    const join = (b: 'cpu' | 'wasm') => onBackend(b, () => [tf.concat(tf.split(tf.tensor(xv, shape), sizes, axis).reverse(), axis)]);
    assert.deepEqual([...(await join('wasm'))[0]], [...(await join('cpu'))[0]], `concat ${shape} ${sizes} axis ${axis}`);
  }
});

test('activation gradients (ours on wasm, one pass: PReLU, ClipByValue, ReLU) equal tfjs-core\'s formulas on cpu, boundaries included', async () => {
  await initEngine('wasm');
  const before = { ...fusedActivationCalls };
  for (const shape of [[2, 7, 9, 8], [1, 5, 6, 6], [3, 4, 4, 1], [1, 5, 5, 6]] as Shape4[]) {
    const n = size(shape), c = shape[3];
    // Values on the kinks (0 and 6) exactly, both signs, and beyond 6.
    const xv = Float32Array.from(rand(n), (v, i) => (i % 11 === 0 ? 0 : i % 13 === 0 ? 6 : v * 8 - 1));
    const dyv = rand(n), av = Float32Array.from(rand(c), (v) => v * 0.5);
    const grads = (backend: 'wasm' | 'cpu') => onBackend(backend, () => {
      const x = tf.tensor4d(xv, shape), dy = tf.tensor4d(dyv, shape), a = tf.tensor3d(av, [1, 1, c]);
      const [gx, ga] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.mul(tf.prelu(p, q), dy))([x, a]);
      const [gc] = tf.grads((p: tf.Tensor) => tf.mul(tf.clipByValue(p, 0, 6), dy))([x]);
      const [gr] = tf.grads((p: tf.Tensor) => tf.mul(tf.relu(p), dy))([x]);
      return [gx, ga, gc, gr];
    });
    const ours = await grads('wasm'), ref = await grads('cpu');
    for (const [i, what] of ['prelu dx', 'prelu dalpha', 'clip dx', 'relu dx'].entries()) {
      if (what === 'prelu dalpha') assert.ok(relErr(ours[i], ref[i]) < 1e-5, `${what} ${shape}: ${relErr(ours[i], ref[i])}`);
      else assert.deepEqual(Array.from(ours[i], (v) => v + 0), Array.from(ref[i], (v) => v + 0), `${what} ${shape}`); // -0 and 0 alike
    }
  }
  // The wasm side ran the fused kernels, not tfjs-core's formulas.
  assert.deepEqual(Object.entries(fusedActivationCalls).map(([k, v]) => v - before[k as keyof typeof before]), [4, 4, 4]);
  await tf.setBackend('wasm');
});

test('softmax cross-entropy (ours on wasm: one SIMD pass per row, the gradient in one pass) equals tfjs-core\'s logSoftmax on cpu, loss and gradient', async () => {
  await initEngine('wasm');
  assert.ok(hasFusedSoftmaxCrossEntropy());
  const before = softmaxCeCalls.simd;
  const r = new Rng(21);
  // Class counts on the 4-lane path, with a tail, and below one lane; scores far apart (saturated
  // softmax: a loss near 0 and one near 160) and close together.
  for (const [rows, c, scale] of [[300, 12, 3], [257, 21, 10], [64, 3, 1], [50, 7, 80]] as const) {
    const zv = Float32Array.from({ length: rows * c }, () => r.uniform(-scale, scale));
    const yv = Int32Array.from({ length: rows }, () => r.int(c));
    const gv = Float32Array.from({ length: rows }, () => r.uniform(0, 2));
    const run = (fused: boolean) => () => {
      const z = tf.tensor2d(zv, [rows, c]), y = tf.tensor1d(yv, 'int32'), g = tf.tensor1d(gv);
      const loss = (t: tf.Tensor) => (fused ? softmaxCrossEntropy(t, y) : tf.neg(tf.sum(tf.mul(tf.oneHot(y, c), tf.logSoftmax(t)), -1)));
      return [loss(z), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(loss(t), g)))(z)];
    };
    const [ours, oursG] = await onBackend('wasm', run(true)), [ref, refG] = await onBackend('cpu', run(false));
    for (let i = 0; i < rows; i++) assert.ok(Math.abs(ours[i] - ref[i]) <= 1e-5 * Math.max(1, Math.abs(ref[i])), `${c} classes, row ${i}: loss ${ours[i]} vs ${ref[i]}`);
    for (let i = 0; i < rows * c; i++) assert.ok(Math.abs(oursG[i] - refG[i]) <= 2e-6 * Math.max(1, gv[Math.floor(i / c)]), `${c} classes, gradient ${i}: ${oursG[i]} vs ${refG[i]}`);
  }
  assert.equal(softmaxCeCalls.simd - before, 8, 'the SIMD pass ran (the loss, and again under the gradient, per case)');
  await tf.setBackend('wasm');
});

test('Sum and Mean through ONNX Runtime (ours on wasm) match cpu over leading, middle, trailing and all axes, size-1 axes among them', async () => {
  await initEngine('wasm');
  const r = new Rng(31);
  const cases: [number[], number[]][] = [
    [[4, 32, 32, 8, 4, 1], [4]], [[4, 32, 32, 8, 4, 1], [4, 5]], [[2, 64, 64, 12], [0, 1, 2]], [[2, 64, 64, 12], [3]],
    [[1, 128, 1, 160], [1]], [[8, 1, 4096], [0, 1]], [[3, 50, 7, 20], [1, 3]], [[2, 64, 64, 12], [0, 1, 2, 3]],
  ];
  for (const [shape, axes] of cases) {
    const xv = Float32Array.from({ length: size(shape) }, () => r.uniform(-1, 1));
    for (const keep of [false, true]) {
      const run = (b: 'cpu' | 'wasm') => onBackend(b, () => [tf.sum(tf.tensor(xv, shape), axes, keep), tf.mean(tf.tensor(xv, shape), axes, keep)]);
      const ours = await run('wasm'), ref = await run('cpu');
      for (const i of [0, 1]) assert.ok(relErr(ours[i], ref[i]) < 1e-5, `${i ? 'mean' : 'sum'} ${shape} over [${axes}] keepDims ${keep}: ${relErr(ours[i], ref[i])}`);
    }
  }
  await tf.setBackend('wasm');
  const y = tf.sum(tf.zeros([4, 32, 32, 8, 4, 1]), [4], true);
  assert.deepEqual(y.shape, [4, 32, 32, 8, 1, 1]);
  y.dispose();
  assert.deepEqual(canonical([4, 32, 32, 64, 4, 1], [4]), { shape: [262144, 4], axes: [1] });
  assert.deepEqual(canonical([2, 1, 3, 5, 7], [0, 1, 2]), { shape: [6, 35], axes: [0] });
  assert.deepEqual(canonical([2, 3, 5, 7], [1, 3]), { shape: [2, 3, 5, 7], axes: [1, 3] });
});
