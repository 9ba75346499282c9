// The backward pass that releases memory as it goes: the gradients of TF.js's own, bit for bit, a
// lower peak, no leaks, identity-like gradients and a caller's dy left intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { backpropStats, gradients, useFrugalBackprop } from '../../src/engine/frugal_backprop.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { segmentationLoss } from '../../src/train/losses.ts';
import { Rng } from '../../src/util/random.ts';

function lossOf(m: SegModel, x: tf.Tensor4D, y: tf.Tensor3D, k: number) {
  return () => segmentationLoss('ce', m.forward(x, true), y, { numClasses: k, ignoreIndex: 255 }) as tf.Scalar;
}

test('releasing backward pass: the same gradients as TF.js, bit for bit, at a lower peak, with no tensor left behind', async (t) => {
  await initEngine('wasm');
  const rng = new Rng(3);
  for (const [arch, opts] of [['unet', { width: 4, depth: 2 }], ['espnetv2', { widthMult: 0.5 }]] as const) {
    const k = 4;
    const m = new SegModel({ arch, numClasses: k, seed: 2, ...opts });
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 64 * 64 * 3 }, () => rng.uniform(-1, 1)), [2, 64, 64, 3]);
    const y = tf.tensor3d(Int32Array.from({ length: 2 * 64 * 64 }, () => rng.int(k)), [2, 64, 64], 'int32');
    const vars = m.trainableVariables;
    const run = (how: 'tfjs' | 'kept' | 'released') => {
      useFrugalBackprop(how === 'released');
      const engine = tf.engine() as unknown as Parameters<typeof gradients>[0];
      const before = tf.memory().numTensors;
      const r = how === 'kept' ? gradients(engine, lossOf(m, x, y, k), vars, undefined, false, false) : tf.engine().gradients(lossOf(m, x, y, k), vars);
      const out = { loss: r.value.dataSync()[0], grads: r.grads.map((g) => g.dataSync().slice()), peak: backpropStats.peakBytes };
      tf.dispose([r.value, ...r.grads]);
      assert.equal(tf.memory().numTensors, before, `${arch}, ${how}: tensors left behind`);
      return out;
    };
    const stock = run('tfjs'), kept = run('kept'), released = run('released');
    for (const r of [kept, released]) {
      assert.equal(r.loss, stock.loss);
      r.grads.forEach((g, i) => assert.deepEqual(g, stock.grads[i], `${arch}: ${vars[i].name}`));
    }
    t.diagnostic(`${arch}, batch 2, 64x64: live tensors peak at ${(released.peak / 2 ** 20).toFixed(1)} MB released as it goes, ${(kept.peak / 2 ** 20).toFixed(1)} MB kept to the end`);
    assert.ok(released.peak < 0.8 * kept.peak, `${arch}: peak ${released.peak} with release vs ${kept.peak} without`);
    tf.dispose([x, y]); m.dispose();
  }
  useFrugalBackprop(true);
});

test('releasing backward pass: a gradient that is its dy (identity-like) and a caller-owned dy survive', async () => {
  await initEngine('wasm');
  const passThrough = tf.customGrad(((a: tf.Tensor) => ({ value: tf.mul(a, 2), gradFunc: (dy: tf.Tensor) => dy })) as unknown as Parameters<typeof tf.customGrad>[0]);
  const x = tf.tensor1d([1, 2, 3]);
  const dy = tf.tensor1d([1, 10, 100]);
  const g = tf.grad((v: tf.Tensor) => tf.mul(passThrough(passThrough(tf.square(v))), 1))(x, dy);
  assert.deepEqual([...g.dataSync()], [2, 40, 600]); // d(square)/dv = 2v, times dy, through two pass-throughs
  assert.deepEqual([...dy.dataSync()], [1, 10, 100]);
  tf.dispose([x, dy, g]);
});
