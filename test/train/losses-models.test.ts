// Losses against hand computation; architectures on any input size and class count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { descendingOrder, segmentationLoss } from '../../src/train/losses.ts';
import { Rng } from '../../src/util/random.ts';
import { SegModel } from '../../src/models/seg_model.ts';

import { learningRate } from '../../src/train/schedule.ts';

test('cross-entropy with ignore label and class weights matches a hand computation', async () => {
  await initEngine('wasm');
  // 1x1x3 pixels, 2 classes. logits rows, labels [0, 1, 255].
  const logits = tf.tensor4d([2, 0, 0, 1, 5, -5], [1, 1, 3, 2]);
  const labels = tf.tensor3d([0, 1, 255], [1, 1, 3], 'int32');
  const lse = (a: number, b: number) => Math.log(Math.exp(a) + Math.exp(b));
  const n0 = lse(2, 0) - 2, n1 = lse(0, 1) - 1;
  const ce = (await segmentationLoss('ce', logits, labels, { numClasses: 2, ignoreIndex: 255 }).data())[0];
  assert.ok(Math.abs(ce - (n0 + n1) / 2) < 1e-6, `ce ${ce}`);
  const wce = (await segmentationLoss('ce', logits, labels, { numClasses: 2, ignoreIndex: 255, classWeights: [1, 3] }).data())[0];
  assert.ok(Math.abs(wce - (n0 + 3 * n1) / 4) < 1e-6, `weighted ce ${wce}`);
  const focal0 = (await segmentationLoss('focal', logits, labels, { numClasses: 2, ignoreIndex: 255, focalGamma: 0 }).data())[0];
  assert.ok(Math.abs(focal0 - ce) < 1e-6);
  const p0 = Math.exp(-n0), p1 = Math.exp(-n1);
  const f2 = (await segmentationLoss('focal', logits, labels, { numClasses: 2, ignoreIndex: 255, focalGamma: 2 }).data())[0];
  assert.ok(Math.abs(f2 - ((1 - p0) ** 2 * n0 + (1 - p1) ** 2 * n1) / 2) < 1e-6);
  // Dice: near-perfect logits give a loss near 0; the ignored pixel does not matter.
  const good = tf.tensor4d([20, -20, -20, 20, 0, 0], [1, 1, 3, 2]);
  const d = (await segmentationLoss('dice', good, labels, { numClasses: 2, ignoreIndex: 255 }).data())[0];
  assert.ok(d < 1e-3, `dice ${d}`);
  const cd = (await segmentationLoss('ce+dice', good, labels, { numClasses: 2, ignoreIndex: 255 }).data())[0];
  assert.ok(cd < 1e-3);
});

test('Lovasz-softmax equals 1 - IoU on hard predictions and its gradient matches finite differences', async () => {
  await initEngine('wasm');
  // 1x2x4 pixels, 3 classes; the last pixel is ignored (label 255, predicted class 2).
  const labels = [0, 0, 1, 1, 2, 2, 0, 255];
  const pred = [0, 1, 1, 1, 2, 0, 0, 2];
  const hard = tf.tensor4d(pred.flatMap((k) => [0, 1, 2].map((c) => (c === k ? 30 : -30))), [1, 2, 4, 3]);
  const y = tf.tensor3d(labels, [1, 2, 4], 'int32');
  // IoU by hand over the 7 valid pixels: class 0: inter 2 (px 0, 6), union 4 (px 0, 1, 5, 6);
  // class 1: inter 2, union 3; class 2: inter 1, union 2.
  const expected = ((1 - 2 / 4) + (1 - 2 / 3) + (1 - 1 / 2)) / 3;
  const o = { numClasses: 3, ignoreIndex: 255 };
  const l = (await segmentationLoss('lovasz', hard, y, o).data())[0];
  assert.ok(Math.abs(l - expected) < 1e-5, `lovasz ${l} vs ${expected}`);
  const perfect = tf.tensor4d(labels.flatMap((k) => [0, 1, 2].map((c) => (c === (k === 255 ? 0 : k) ? 30 : -30))), [1, 2, 4, 3]);
  assert.ok((await segmentationLoss('lovasz', perfect, y, o).data())[0] < 1e-6);
  // Soft logits: the Lovasz gradient alone (through the sort's inverse-permutation gather)
  // against central differences; the sort order does not change within +-e here.
  const v = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) * 2);
  const f = (a: Float32Array) => tf.tidy(() => segmentationLoss('lovasz', tf.tensor4d(a, [1, 2, 4, 3]), y, o).dataSync()[0]);
  const g = tf.tidy(() => tf.grad((x: tf.Tensor) => segmentationLoss('lovasz', x as tf.Tensor4D, y, o))(tf.tensor4d(v, [1, 2, 4, 3])).dataSync());
  assert.ok(g.some((d) => Math.abs(d) > 1e-2), 'Lovasz gradient vanished');
  for (const i of [0, 4, 9, 13, 17, 22]) {
    const e = 1e-2, a = v.slice(), b = v.slice();
    a[i] += e; b[i] -= e;
    const num = (f(a) - f(b)) / (2 * e);
    assert.ok(Math.abs(num - g[i]) < 2e-3, `d/dlogit[${i}]: ${g[i]} vs ${num}`);
  }
});

test('learning-rate schedules: poly and cosine go from base to 0, warm-up ramps', () => {
  assert.equal(learningRate('poly', 0.1, 0, 100), 0.1);
  assert.ok(learningRate('poly', 0.1, 100, 100) === 0);
  assert.ok(Math.abs(learningRate('cosine', 0.1, 50, 100) - 0.05) < 1e-12);
  assert.ok(Math.abs(learningRate('constant', 0.1, 70, 100) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRate('poly', 0.1, 0, 100, 10) - 0.01) < 1e-12);
  assert.throws(() => learningRate('step' as never, 0.1, 5, 100, 10), /^UserError: schedule step: unknown schedule; use one of poly, cosine, constant$/);
});

test('espnetv2 trains on wasm: loss and every gradient equal the cpu backend (depthwise, dilated, resample gradients)', async () => {
  await initEngine('wasm');
  const m = new SegModel({ arch: 'espnetv2', numClasses: 5, widthMult: 0.5, seed: 3 });
  const x = tf.randomNormal([2, 48, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const vars = m.trainableVariables;
  const run = async (b: string) => {
    await tf.setBackend(b);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(m.forward(x, true))) as tf.Scalar, vars);
    const g = await Promise.all(vars.map((v) => grads[v.name].data() as Promise<Float32Array>));
    const l = (await value.data())[0];
    tf.dispose([value, ...Object.values(grads)]);
    return { l, g };
  };
  const a = await run('wasm'), b = await run('cpu');
  await tf.setBackend('wasm');
  assert.ok(Math.abs(a.l - b.l) < 1e-5 * Math.abs(b.l), `loss ${a.l} vs ${b.l}`);
  // Per variable, relative to its largest gradient (BatchNorm gammas in training mode have
  // near-zero gradients whose digits are rounding noise: those are compared absolutely).
  a.g.forEach((g, i) => {
    let err = 0, scale = 1e-4;
    for (let k = 0; k < g.length; k++) { err = Math.max(err, Math.abs(g[k] - b.g[i][k])); scale = Math.max(scale, Math.abs(b.g[i][k])); }
    assert.ok(err / scale < 1e-3, `${vars[i].name}: gradient differs by ${err} (scale ${scale})`);
  });
  x.dispose(); m.dispose();
});

test('descendingOrder sorts each row by decreasing value, ties in index order, as tf.topk does', () => {
  const rng = new Rng(77);
  const rows = 3, n = 1000;
  // Few distinct values: many ties.
  const v = Float32Array.from({ length: rows * n }, () => Math.round(rng.uniform(0, 1) * 20) / 20);
  const got = descendingOrder(v, rows, n)!;
  for (let r = 0; r < rows; r++) {
    const want = Array.from({ length: n }, (_, j) => j).sort((a, b) => v[r * n + b] - v[r * n + a] || a - b);
    assert.deepEqual(Array.from(got.subarray(r * n, (r + 1) * n)), want, `row ${r}`);
  }
  assert.equal(descendingOrder(Float32Array.of(0.5, 2), 1, 2), null, 'values above 1 are refused');
});
