// GroupConv2D (PyTorch's grouped convolution) against its definition written out in loops: values,
// input gradient and kernel gradient, for every way the layer runs it (one dense convolution with a
// block-diagonal kernel, a depthwise convolution summed over each group's inputs, a depthwise
// convolution, grouped matrix products for 1x1 groups), with ONNX Runtime's kernels on and off,
// at strides and dilations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { configureOrtKernels, ortKernelsEnabled } from '../../src/engine/kernels/ort_native.ts';
import { GroupConv2D } from '../../src/models/layers.ts';
import { groupedPointwiseCalls } from '../../src/engine/kernels/ort_grouped.ts';
import { Rng } from '../../src/util/random.ts';

interface Case { cin: number; filters: number; groups: number; k: number; stride: number; dilation: number }

/** y, dx and dW of sum(y * dy) by the definition: y[b, oy, ox, f] = sum over taps and the inputs of f's group. */
function reference(c: Case, n: number, H: number, W: number, xv: Float32Array, wv: Float32Array, dyv: Float32Array) {
  const { cin, filters: F, groups: g, k, stride: s, dilation: d } = c;
  const a = cin / g, b = F / g, p = ((k - 1) / 2) * d;
  const oh = Math.floor((H - 1) / s) + 1, ow = Math.floor((W - 1) / s) + 1;
  const y = new Float32Array(n * oh * ow * F), dx = new Float32Array(xv.length), dw = new Float32Array(wv.length);
  for (let bi = 0; bi < n; bi++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let f = 0; f < F; f++) {
    const o = ((bi * oh + oy) * ow + ox) * F + f, grp = Math.floor(f / b);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
      const iy = oy * s + i * d - p, ix = ox * s + j * d - p;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      for (let q = 0; q < a; q++) {
        const xi = ((bi * H + iy) * W + ix) * cin + grp * a + q, wi = ((i * k + j) * a + q) * F + f;
        y[o] += xv[xi] * wv[wi];
        dx[xi] += dyv[o] * wv[wi];
        dw[wi] += dyv[o] * xv[xi];
      }
    }
  }
  return { y, dx, dw, oh, ow };
}

const CASES: Case[] = [
  { cin: 128, filters: 64, groups: 4, k: 3, stride: 1, dilation: 1 },
  { cin: 128, filters: 48, groups: 16, k: 3, stride: 1, dilation: 1 },
  { cin: 128, filters: 48, groups: 16, k: 3, stride: 2, dilation: 1 },
  { cin: 128, filters: 64, groups: 64, k: 3, stride: 1, dilation: 2 },
  { cin: 64, filters: 64, groups: 64, k: 3, stride: 2, dilation: 1 },
  { cin: 96, filters: 48, groups: 48, k: 1, stride: 1, dilation: 1 },
  // 1x1 groups of 32 and more channels: grouped matrix products where ONNX Runtime runs them.
  { cin: 128, filters: 128, groups: 4, k: 1, stride: 1, dilation: 1 },
  { cin: 64, filters: 96, groups: 2, k: 1, stride: 1, dilation: 1 },
];

for (const ort of [true, false]) {
  test(`GroupConv2D equals grouped convolution written out: values, input and kernel gradients (ONNX Runtime kernels ${ort ? 'on' : 'off'})`, async () => {
    await initEngine('wasm');
    const was = ortKernelsEnabled();
    configureOrtKernels({ enabled: ort });
    const grouped = { ...groupedPointwiseCalls };
    try {
      const rng = new Rng(3);
      for (const [ci, c] of CASES.entries()) {
        const n = 2, H = 7, W = 6;
        const layer = new GroupConv2D({ name: `g${ort ? 'o' : 'x'}${ci}`, filters: c.filters, kernelSize: c.k, strides: c.stride, dilation: c.dilation, groups: c.groups });
        const xv = Float32Array.from({ length: n * H * W * c.cin }, () => rng.uniform(-1, 1));
        const x = tf.tensor4d(xv, [n, H, W, c.cin]);
        layer.apply(x); // builds the kernel
        const kernel = layer.trainableWeights[0];
        const wv = Float32Array.from({ length: kernel.shape.reduce((p, q) => p! * q!, 1)! }, () => rng.uniform(-1, 1));
        kernel.write(tf.tensor(wv, kernel.shape as number[]));
        const oh = Math.floor((H - 1) / c.stride) + 1, ow = Math.floor((W - 1) / c.stride) + 1;
        const dyv = Float32Array.from({ length: n * oh * ow * c.filters }, () => rng.uniform(-1, 1));
        const dy = tf.tensor4d(dyv, [n, oh, ow, c.filters]);
        const y = layer.apply(x) as tf.Tensor;
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, dy)) as tf.Scalar, [(kernel as unknown as { val: tf.Variable }).val]);
        const [dx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, dy)))([x]);
        const want = reference(c, n, H, W, xv, wv, dyv);
        const close = (got: Float32Array, ref: Float32Array, what: string) => {
          assert.equal(got.length, ref.length, what);
          let worst = 0;
          for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
          assert.ok(worst < 1e-4, `${what} ${JSON.stringify(c)}: max abs diff ${worst}`);
        };
        close(y.dataSync() as Float32Array, want.y, 'values');
        close(dx.dataSync() as Float32Array, want.dx, 'input gradient');
        close(Object.values(grads)[0].dataSync() as Float32Array, want.dw, 'kernel gradient');
        tf.dispose([x, dy, y, value, dx, ...Object.values(grads)]);
        layer.dispose();
      }
      const ran = (['forward', 'inputGrad', 'filterGrad'] as const).every((k) => groupedPointwiseCalls[k] > grouped[k]);
      assert.equal(ran, ort, `grouped products ${ort ? 'ran' : 'did not run'} for the 1x1 cases`);
    } finally {
      configureOrtKernels({ enabled: was });
    }
  });
}
