// Data-parallel training: replicas load identical weights every step, and a parallel step equals
// the single-thread step (batch halves made identical so BatchNorm batch statistics agree).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { DataParallel } from '../../src/train/parallel.ts';
import { segmentationLoss } from '../../src/train/losses.ts';
import { Rng } from '../../src/util/random.ts';

for (const blocks of [0, 3]) test(`data-parallel step over a worker thread equals the single-thread step; replicas stay identical${blocks ? '; both threads recomputing activations (--checkpoint-blocks 3)' : ''}`, async () => {
  await initEngine('wasm');
  const [B, H, W, K] = [4, 32, 48, 3];
  const rng = new Rng(5);
  const half = Float32Array.from({ length: (B / 2) * H * W * 3 }, () => rng.uniform(-1, 1));
  const halfY = Int32Array.from({ length: (B / 2) * H * W }, () => (rng.next() < 0.1 ? 255 : rng.int(K)));
  const x = new Float32Array(B * H * W * 3); x.set(half); x.set(half, half.length);
  const y = new Int32Array(B * H * W); y.set(halfY); y.set(halfY, halfY.length);
  const lossOptions = { numClasses: K, ignoreIndex: 255 };

  const single = new SegModel({ arch: 'unet', numClasses: K, width: 4, depth: 2, seed: 3 });
  const par = new SegModel({ arch: 'unet', numClasses: K, width: 4, depth: 2, seed: 3 });
  // SGD: weight differences then reflect gradient differences directly (Adam magnifies rounding in
  // near-zero gradients).
  const optA = tf.train.sgd(0.05), optB = tf.train.sgd(0.05);
  par.setCheckpointBlocks(blocks);
  const dp = await DataParallel.start(par, { loss: 'ce', options: lossOptions }, B, 1, 'wasm', blocks);
  const before = tf.memory().numTensors;
  try {
    for (let step = 0; step < 3; step++) {
      const la = tf.tidy(() => optA.minimize(() => segmentationLoss('ce', single.forward(tf.tensor4d(x, [B, H, W, 3]), true),
        tf.tensor3d(y, [B, H, W], 'int32'), lossOptions), true, single.trainableVariables)!.dataSync()[0]);
      const lb = await dp.step({ x, y, n: B, height: H, width: W, ids: [] }, optB);
      assert.ok(Math.abs(la - lb) < 1e-5, `step ${step}: loss ${la} vs ${lb}`);
      assert.deepEqual(dp.lastChecksums.workers, [dp.lastChecksums.main], 'worker computed on different weights');
    }
    const wa = await single.namedWeights(), wb = await par.namedWeights();
    for (let i = 0; i < wa.length; i++) {
      let d = 0;
      for (let j = 0; j < wa[i].data.length; j++) d = Math.max(d, Math.abs(wa[i].data[j] - wb[i].data[j]));
      assert.ok(d < 1e-5, `${wa[i].name} differs by ${d}`);
    }
    assert.ok(tf.memory().numTensors <= before + 2 * par.trainableVariables.length, 'tensor count grows');
  } finally {
    await dp.close();
    single.dispose(); par.dispose();
  }
});
