// Precise BN: BatchNorm statistics recomputed from training crops are the mean of the statistics
// each micro-batch is normalised with in training (checked against plain loops over the input),
// and a network given those of one micro-batch predicts in inference what it computed in training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { recomputeBatchNormStats, type StatsBatch } from '../../src/train/precise_bn.ts';
import { Rng } from '../../src/util/random.ts';

async function* of(batches: StatsBatch[]): AsyncGenerator<StatsBatch> { for (const b of batches) yield b; }

test('moving statistics become the mean over micro-batches of their per-channel mean and (biased) variance', async () => {
  await initEngine('wasm');
  const [H, W] = [5, 7];
  const net = tfl.sequential({ layers: [tfl.layers.batchNormalization({ inputShape: [H, W, 3], momentum: 0.9 })] });
  const forward = (x: tf.Tensor4D) => net.apply(x) as tf.Tensor4D;
  const rng = new Rng(5);
  // Two batches of 3 samples, micro-batches of 2: groups [0,1], [2], [3,4], [5]. Channels with
  // different offsets and scales, so a mix-up of channels or groups shows.
  const batches: StatsBatch[] = [0, 1].map(() => ({
    x: Float32Array.from({ length: 3 * H * W * 3 }, (_, i) => (i % 3) * 4 - 3 + rng.uniform(-1, 1) * (1 + (i % 3))), n: 3, height: H, width: W,
  }));
  const samples = batches.flatMap((b) => [0, 1, 2].map((s) => b.x.subarray(s * H * W * 3, (s + 1) * H * W * 3)));
  const groups = [[0, 1], [2], [3, 4], [5]];
  const expectMean = [0, 0, 0], expectVar = [0, 0, 0];
  for (const g of groups) {
    for (let c = 0; c < 3; c++) {
      const v: number[] = [];
      for (const s of g) for (let p = 0; p < H * W; p++) v.push(samples[s][p * 3 + c]);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      expectMean[c] += mean / groups.length;
      expectVar[c] += v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length / groups.length;
    }
  }
  const r = await recomputeBatchNormStats({ net, forward }, of(batches), 2);
  assert.deepEqual(r, { layers: 1, samples: 6 });
  const [, , mm, mv] = net.layers[0].getWeights();
  const got = [Array.from(mm.dataSync()), Array.from(mv.dataSync())];
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(got[0][c] - expectMean[c]) < 1e-5, `mean ${c}: ${got[0][c]} vs ${expectMean[c]}`);
    assert.ok(Math.abs(got[1][c] - expectVar[c]) < 1e-4, `variance ${c}: ${got[1][c]} vs ${expectVar[c]}`);
  }
  // The layer is itself again: inference uses the new moving statistics.
  const x = tf.tensor4d(samples[0], [1, H, W, 3]);
  const y = forward(x).dataSync();
  const eps = (net.layers[0].getConfig() as { epsilon: number }).epsilon;
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(y[c] - (samples[0][c] - got[0][c]) / Math.sqrt(got[1][c] + eps)) < 1e-4);
  tf.dispose(x);
});

test('a network given the statistics of one micro-batch predicts it in inference as it computed it in training', async () => {
  await initEngine('wasm');
  const [N, H, W] = [2, 32, 32];
  const m = new SegModel({ arch: 'mobilenetv2_deeplabv3plus', numClasses: 4, seed: 2 });
  const rng = new Rng(9);
  const x = Float32Array.from({ length: N * H * W * 3 }, () => rng.uniform(-1, 1));
  const training = tf.tidy(() => m.forward(tf.tensor4d(x, [N, H, W, 3]), true)); // also moves the moving averages a little
  const before = tf.tidy(() => m.forward(tf.tensor4d(x, [N, H, W, 3]), false));
  const r = await recomputeBatchNormStats(m, of([{ x, n: N, height: H, width: W }]), N);
  assert.ok(r.layers > 20, `${r.layers} BatchNorm layers`);
  const after = tf.tidy(() => m.forward(tf.tensor4d(x, [N, H, W, 3]), false));
  const diff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
  const scale = tf.tidy(() => tf.max(tf.abs(training)).dataSync()[0]);
  assert.ok(diff(after, training) < 1e-3 * scale, `inference after: ${diff(after, training)} from training (scale ${scale})`);
  assert.ok(diff(before, training) > 0.05 * scale, `the moving averages before were not already the batch's (${diff(before, training)})`);
  tf.dispose([training, before, after]);
  m.dispose();
});
