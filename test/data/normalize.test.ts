// Network input from 8-bit RGB (src/data/normalize.ts): each sample as PyTorch's to_tensor +
// normalize compute it in float32 (every step rounded), planes in RGB or BGR order, images of a
// batch one after another, the padding beyond each image zero; the SIMD kernel and the lookup loop
// alike, on sizes that are and are not multiples of its 16 pixels, one strip and several.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeNchw, normalizationTable, IMAGENET_NORM, KERAS_CAFFE_NORM } from '../../src/data/normalize.ts';
import { simdNormalizeRgb } from '../../src/data/simd/normalize.ts';

test('normalizeNchw: float32 steps per sample, channel order, batch layout and zero padding (SIMD and lookup loop)', () => {
  const f = Math.fround;
  // [w, h, pw, ph]: padded and not; 35 pixels (2 x 16 + 3); 60,000 (two strips); padded rows of 301.
  for (const [w, h, pw, ph] of [[7, 5, 9, 8], [7, 5, 7, 5], [300, 200, 300, 200], [301, 130, 320, 136], [16, 1, 16, 1]]) {
    const imgs = [0, 1].map((s) => ({ data: Uint8Array.from({ length: w * h * 3 }, (_, i) => ((i * 37) ^ (i >> 7)) + s * 101 & 255), width: w, height: h }));
    for (const norm of [IMAGENET_NORM, KERAS_CAFFE_NORM]) {
      const order = norm.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
      const want = new Float32Array(2 * 3 * ph * pw);
      for (let i = 0; i < 2; i++) for (let k = 0; k < 3; k++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
        want[((i * 3 + k) * ph + y) * pw + xx] = f(f(f(imgs[i].data[(y * w + xx) * 3 + order[k]] / 255) - f(norm.mean[k])) / f(norm.std[k]));
      }
      for (const simd of [true, false]) {
        const x = normalizeNchw(imgs, norm, ph, pw, { simd });
        assert.equal(x.length, want.length);
        let first = -1;
        for (let p = 0; p < x.length && first < 0; p++) if (!Object.is(x[p], want[p])) first = p;
        assert.equal(first, -1, `${w}x${h} in ${pw}x${ph}, ${norm.channelOrder ?? 'RGB'}, simd ${simd}: first difference at ${first} (${x[first]} against ${want[first]})`);
      }
    }
  }
});

test('the SIMD normalisation runs on this engine (Node has WebAssembly SIMD): not the fallback', () => {
  const { lut } = normalizationTable(IMAGENET_NORM);
  const rgb = Uint8Array.from({ length: 40 * 3 }, (_, i) => i);
  const x = new Float32Array(3 * 40);
  const targets = [0, 1, 2].map((k) => ({ plane: k * 40, mean: IMAGENET_NORM.mean[k], std: IMAGENET_NORM.std[k], lut: lut[k] }));
  assert.equal(simdNormalizeRgb(rgb, 40, 1, 40, x, targets), true);
  for (let k = 0; k < 3; k++) for (let p = 0; p < 40; p++) assert.equal(x[k * 40 + p], lut[k][rgb[p * 3 + k]]);
});
