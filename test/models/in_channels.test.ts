// Inputs of other than 3 bands: the first convolution of a pretrained RGB start adapted by smp's
// rule (sum for 1 band; input i from RGB kernel i mod 3, scaled by 3 / N), by hand; a 3-band model
// loads the same weights as before; 1- and 6-band models loaded from an RGB start compute, on
// equal bands, what the RGB model computes on the same grey image as RGB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { adaptFirstConv } from '../../src/models/in_channels.ts';

test('smp\'s first-conv rule, by hand: 1 band sums the RGB kernels; 4 and 5 bands repeat them scaled by 3 / N', () => {
  // A 1x1 kernel, 3 inputs, 2 outputs: HWIO [1, 1, 3, 2] = r(1, 2) g(3, 4) b(5, 6).
  const k = [1, 2, 3, 4, 5, 6];
  assert.deepEqual(Array.from(adaptFirstConv(k, [1, 1, 3, 2], 1).data), [9, 12]);
  const four = adaptFirstConv(k, [1, 1, 3, 2], 4);
  assert.deepEqual(four.shape, [1, 1, 4, 2]);
  assert.deepEqual(Array.from(four.data), [1, 2, 3, 4, 5, 6, 1, 2].map((v) => Math.fround(v * 0.75)));
  assert.deepEqual(Array.from(adaptFirstConv(k, [1, 1, 3, 2], 5).data), [1, 2, 3, 4, 5, 6, 1, 2, 3, 4].map((v) => Math.fround(v * 0.6)));
});

test('models of 1, 4 and 6 bands from an RGB start: the first convolution adapted (1 and 6 bands compute what RGB computes on grey), the rest as the file holds it; 3 bands load unchanged', async () => {
  await initEngine('wasm');
  const rgb = new SegModel({ arch: 'unet', numClasses: 3, width: 4, depth: 2, seed: 5 });
  const named = await rgb.namedWeights();
  const src = new Map(named.map((w) => [w.name, { shape: w.shape, data: w.data as Float32Array }]));
  const same = new SegModel({ arch: 'unet', numClasses: 3, width: 4, depth: 2, seed: 9 });
  same.loadNamedWeights(src, 'rgb');
  const again = await same.namedWeights();
  again.forEach((w, i) => assert.deepEqual(Array.from(w.data), Array.from(named[i].data), w.name));
  // A grey image (1 band) and 6 equal bands through the adapted models = the grey image as RGB
  // through the RGB one (BatchNorm in inference mode).
  const [h, w] = [16, 16];
  const plane = Float32Array.from({ length: h * w }, (_, i) => Math.sin(i));
  const bands = (n: number) => { const x = new Float32Array(h * w * n); for (let i = 0; i < h * w; i++) for (let c = 0; c < n; c++) x[i * n + c] = plane[i]; return tf.tensor4d(x, [1, h, w, n]); };
  const x3 = bands(3);
  const y3 = rgb.forward(x3, false);
  const a = y3.dataSync();
  for (const n of [1, 6]) {
    const m = new SegModel({ arch: 'unet', numClasses: 3, width: 4, depth: 2, seed: 9, inChannels: n });
    m.loadNamedWeights(src, 'rgb');
    const xn = bands(n), yn = m.forward(xn, false);
    const b = yn.dataSync();
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    assert.ok(d < 1e-4, `${n} bands: outputs differ by ${d}`);
    tf.dispose([xn, yn]);
    m.dispose();
  }
  // 4 bands: the kernel as the rule makes it.
  const nir = new SegModel({ arch: 'unet', numClasses: 3, width: 4, depth: 2, seed: 9, inChannels: 4 });
  nir.loadNamedWeights(src, 'rgb');
  const first = named.find((x) => x.shape.length === 4 && x.shape[2] === 3)!;
  const got = (await nir.namedWeights()).find((x) => x.name === first.name)!;
  assert.deepEqual(got.shape, [first.shape[0], first.shape[1], 4, first.shape[3]]);
  assert.deepEqual(Array.from(got.data), Array.from(adaptFirstConv(first.data, first.shape, 4).data));
  tf.dispose([x3, y3]);
  rgb.dispose(); same.dispose(); nir.dispose();
});
