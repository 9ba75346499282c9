// Resample's area mode (adaptive average pooling, PyTorch's windows) and its gradient, against
// the definition written out in loops: output (i, j) is the mean of input rows
// [floor(i*H/h), ceil((i+1)*H/h)) and the like columns; the gradient spreads dy[i, j] evenly
// over that window. Sizes that shrink unevenly and that grow (ESPNetv2's pyramid scales).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { Resample } from '../../src/models/layers.ts';
import { Rng } from '../../src/util/random.ts';
import { resampleCalls } from '../../src/engine/kernels/resample.ts';

const windows = (I: number, O: number) => Array.from({ length: O }, (_, o) => [Math.floor((o * I) / O), Math.ceil(((o + 1) * I) / O)]);

test('Resample area: values and gradient equal adaptive average pooling written out, shrinking and growing', async () => {
  await initEngine('wasm');
  const rng = new Rng(5);
  const before = resampleCalls.simd;
  for (const [H, W, h, w, c] of [[10, 14, 6, 9, 3], [8, 6, 12, 9, 6], [7, 7, 3, 3, 8]]) {
    const n = 2;
    const xv = Float32Array.from({ length: n * H * W * c }, () => rng.uniform(-1, 1));
    const dyv = Float32Array.from({ length: n * h * w * c }, () => rng.uniform(-1, 1));
    const layer = new Resample({ name: `area_${H}_${h}`, mode: 'area', size: [h, w] });
    const x = tf.tensor4d(xv, [n, H, W, c]);
    const y = layer.apply(x) as tf.Tensor;
    const [g] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a) as tf.Tensor, tf.tensor4d(dyv, [n, h, w, c]))))([x]);
    const wantY = new Float32Array(n * h * w * c), wantG = new Float32Array(n * H * W * c);
    const rows = windows(H, h), cols = windows(W, w);
    for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) {
      const [r0, r1] = rows[i], [c0, c1] = cols[j], area = (r1 - r0) * (c1 - c0), o = ((b * h + i) * w + j) * c + k;
      for (let r = r0; r < r1; r++) for (let q = c0; q < c1; q++) {
        const p = ((b * H + r) * W + q) * c + k;
        wantY[o] += xv[p] / area;
        wantG[p] += dyv[o] / area;
      }
    }
    const close = (a: Float32Array, b: Float32Array) => a.every((v, i) => Math.abs(v - b[i]) < 1e-5);
    assert.ok(close(y.dataSync() as Float32Array, wantY), `values ${H}x${W} -> ${h}x${w}`);
    assert.ok(close(g.dataSync() as Float32Array, wantG), `gradient ${H}x${W} -> ${h}x${w}`);
    tf.dispose([x, y, g]);
  }
  // Channel counts 3, 6 and 8 cover the SIMD pass's scalar tail, both parts, and whole vectors.
  assert.ok(resampleCalls.simd > before, 'the SIMD resampling kernel ran');
});

test('Resample bilinear (align corners): the gradient on wasm equals the interpolation\'s adjoint written out, up and down', async () => {
  await initEngine('wasm');
  const rng = new Rng(6);
  // Output o samples input o * (I - 1) / (O - 1): dy goes to the two neighbours by their weights, per axis.
  const axis = (I: number, O: number) => Array.from({ length: O }, (_, o) => {
    const src = O > 1 ? (o * (I - 1)) / (O - 1) : 0, i0 = Math.min(I - 1, Math.floor(src));
    return { i0, i1: Math.min(I - 1, i0 + 1), f: src - i0 };
  });
  const before = resampleCalls.simd;
  for (const [H, W, h, w, c] of [[9, 13, 18, 26, 4], [16, 12, 7, 5, 5], [33, 33, 129, 129, 4]]) {
    const n = 2;
    const xv = Float32Array.from({ length: n * H * W * c }, () => rng.uniform(-1, 1));
    const dyv = Float32Array.from({ length: n * h * w * c }, () => rng.uniform(-1, 1));
    const layer = new Resample({ name: `bilinear_${H}_${h}`, mode: 'bilinear', size: [h, w] });
    const [ours] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a) as tf.Tensor, tf.tensor4d(dyv, [n, h, w, c]))))([tf.tensor4d(xv, [n, H, W, c])]);
    const got = ours.dataSync() as Float32Array;
    const want = new Float64Array(n * H * W * c), ry = axis(H, h), rx = axis(W, w);
    for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) {
      const d = dyv[((b * h + i) * w + j) * c + k], { i0: y0, i1: y1, f: fy } = ry[i], { i0: x0, i1: x1, f: fx } = rx[j];
      const at = (y: number, x: number) => ((b * H + y) * W + x) * c + k;
      want[at(y0, x0)] += d * (1 - fy) * (1 - fx); want[at(y0, x1)] += d * (1 - fy) * fx;
      want[at(y1, x0)] += d * fy * (1 - fx); want[at(y1, x1)] += d * fy * fx;
    }
    assert.ok(got.every((v, i) => Math.abs(v - want[i]) < 1e-4), `${H}x${W} -> ${h}x${w}`);
  }
  assert.ok(resampleCalls.simd > before, 'the SIMD resampling kernel ran');
});
