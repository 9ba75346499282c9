// Network input from 8-bit RGB (src/data/normalize.ts): each sample as PyTorch's to_tensor +
// normalize compute it in float32 (every step rounded), planes in RGB or BGR order, images of a
// batch one after another, the padding beyond each image zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeNchw, IMAGENET_NORM, KERAS_CAFFE_NORM } from '../../src/data/normalize.ts';

test('normalizeNchw: float32 steps per sample, channel order, batch layout and zero padding', () => {
  const f = Math.fround;
  const [w, h, pw, ph] = [7, 5, 9, 8];
  const imgs = [0, 1].map((s) => ({ data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37 + s * 101) & 255), width: w, height: h }));
  for (const norm of [IMAGENET_NORM, KERAS_CAFFE_NORM]) {
    const x = normalizeNchw(imgs, norm, ph, pw);
    assert.equal(x.length, 2 * 3 * ph * pw);
    const order = norm.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
    for (let i = 0; i < 2; i++) for (let k = 0; k < 3; k++) for (let y = 0; y < ph; y++) for (let xx = 0; xx < pw; xx++) {
      const got = x[((i * 3 + k) * ph + y) * pw + xx];
      const want = y < h && xx < w ? f(f(f(imgs[i].data[(y * w + xx) * 3 + order[k]] / 255) - f(norm.mean[k])) / f(norm.std[k])) : 0;
      assert.equal(got, want, `${norm.channelOrder ?? 'RGB'} image ${i} plane ${k} at ${xx},${y}`);
    }
  }
});
