// Sum's and Mean's gradients (engine/reduce_grad.ts) against dy spread over each reduced window,
// written out; and a cast to a tensor's own dtype on wasm (kernels/index.ts shares the buffer)
// keeps its values after the original is disposed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { Rng } from '../../src/util/random.ts';

test('Sum and Mean gradients equal dy broadcast over the reduced axes (divided by the count for Mean), on wasm and cpu', async () => {
  await initEngine('wasm');
  const rng = new Rng(9);
  const shape = [2, 3, 4, 5];
  const xv = Float32Array.from({ length: 120 }, () => rng.uniform(-1, 1));
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    for (const axes of [[1, 2], [3], [0, 1, 2, 3], [0, 2]]) {
      for (const op of ['sum', 'mean'] as const) {
        const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const count = axes.reduce((p, a) => p * shape[a], 1);
        const dyv = Float32Array.from({ length: kept.reduce((p, d) => p * d, 1) }, () => rng.uniform(-1, 1));
        const [g] = tf.grads((x: tf.Tensor) => tf.sum(tf.mul(tf[op](x, axes, true), tf.tensor(dyv, kept))))([tf.tensor(xv, shape)]);
        const got = g.dataSync();
        for (let i = 0; i < 120; i++) {
          // The index of x's element in the kept shape: reduced axes collapse to 0.
          let rest = i, j = 0;
          const idx = shape.map((_, a) => { const stride = shape.slice(a + 1).reduce((p, d) => p * d, 1); const v = Math.floor(rest / stride); rest %= stride; return v; });
          idx.forEach((v, a) => { j = j * kept[a] + (axes.includes(a) ? 0 : v); });
          const want = op === 'sum' ? dyv[j] : dyv[j] / count;
          assert.ok(Math.abs(got[i] - want) < 1e-7, `${backend} ${op} over [${axes}] at ${i}: ${got[i]} vs ${want}`);
        }
        g.dispose();
      }
    }
  }
  await tf.setBackend('wasm');
});

test('a float cast to float on wasm holds its values after the original is disposed', async () => {
  await initEngine('wasm');
  const x = tf.tensor([1.5, -2, 3.25]);
  const y = tf.cast(x, 'float32');
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1.5, -2, 3.25]);
  const z = tf.cast(y, 'int32');
  assert.deepEqual(Array.from(z.dataSync()), [1, -2, 3]);
  tf.dispose([y, z]);
});
