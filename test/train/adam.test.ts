// The trainer's Adam: the updates of TF.js's Adam, and a state saved and restored mid-run continues
// bit for bit as the run that was never interrupted (the property `--resume` relies on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { Adam } from '../../src/train/adam.ts';
import { Rng } from '../../src/util/random.ts';

/** Runs `steps` updates of a small quadratic problem from `w0`, with gradients that vary per step. */
function run(opt: tf.Optimizer, w: tf.Variable, from: number, steps: number): void {
  for (let s = from; s < from + steps; s++) {
    const target = tf.tensor1d(Array.from({ length: w.size }, (_, i) => Math.sin(i + s)));
    const { grads } = opt.computeGradients(() => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar, [w]);
    opt.applyGradients(grads);
    tf.dispose([target, ...Object.values(grads)]);
  }
}

test('Adam: the updates of TF.js Adam; saved and restored after step 7 of 20, it ends bit for bit as the uninterrupted run', async () => {
  await initEngine('wasm');
  const rng = new Rng(5);
  const w0 = Array.from({ length: 64 }, () => rng.uniform(-2, 2));

  const ref = tf.variable(tf.tensor1d(w0), true, 'adam-ref');
  run(tf.train.adam(0.05), ref, 0, 20);
  const ours = tf.variable(tf.tensor1d(w0), true, 'adam-ours');
  const whole = new Adam(0.05);
  run(whole, ours, 0, 20);
  const a = ref.dataSync(), b = ours.dataSync();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `weight ${i}: ${a[i]} vs TF.js ${b[i]}`);

  const resumed = tf.variable(tf.tensor1d(w0), true, 'adam-resumed');
  const first = new Adam(0.05);
  run(first, resumed, 0, 7);
  const saved = await Promise.all((await first.getWeights()).map(async (s) => ({ name: s.name, data: await s.tensor.data(), shape: s.tensor.shape, dtype: s.tensor.dtype })));
  first.dispose();
  const second = new Adam(0.05);
  await second.setWeights(saved.map((s) => ({ name: s.name, tensor: tf.tensor(s.data, s.shape, s.dtype) })));
  assert.equal(second.iterations, 7);
  run(second, resumed, 7, 13);
  assert.deepEqual([...resumed.dataSync()], [...ours.dataSync()]);
  tf.dispose([ref, ours, resumed]);
  whole.dispose(); second.dispose();
});
