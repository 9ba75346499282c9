// Test-time augmentation maps mirrored scores back to their pixels before averaging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flipRgb, orientRgb, predictWithTta } from '../../src/inference/tta.ts';
import { argmaxChw, thresholdChw } from '../../src/inference/label_map.ts';
import type { RgbImage } from '../../src/data/image_io.ts';

test('flip TTA un-mirrors the scores before averaging', async () => {
  const w = 7, h = 3;
  const img: RgbImage = { data: Uint8Array.from({ length: w * h * 3 }, (_, i) => i % 251), width: w, height: h };
  assert.deepEqual(flipRgb(flipRgb(img, true), true).data, img.data);
  assert.deepEqual(flipRgb(flipRgb(img, false), false).data, img.data);
  // A quarter turn (transpose, then mirror x): pixel (x, y) of the 3x7 result is (y, h-1-x).
  const r = orientRgb(img, { transpose: true, flipX: true, flipY: false });
  assert.deepEqual([r.width, r.height], [h, w]);
  for (let y = 0; y < w; y++) for (let x = 0; x < h; x++) assert.equal(r.data[(y * h + x) * 3], img.data[((h - 1 - x) * w + y) * 3]);
  // Scores: class 0 = the red value, class 1 = 30. A mirrored copy's scores mapped back to the
  // right pixels average to the red value itself, so TTA must equal the plain prediction.
  const logits = async (imgs: RgbImage[]) => imgs.map((im) => {
    const m = new Float32Array(2 * w * h);
    for (let p = 0; p < w * h; p++) { m[p] = im.data[p * 3]; m[w * h + p] = 30; }
    return m;
  });
  const plain = await predictWithTta(logits, [img], 2, 'none');
  assert.deepEqual(await predictWithTta(logits, [img], 2, 'flip'), plain);
  assert.deepEqual(await predictWithTta(logits, [img], 2, 'flip2'), plain);
  assert.deepEqual(await predictWithTta(logits, [img], 2, 'd4'), plain);
  assert.ok(plain[0].some((v) => v === 0) && plain[0].some((v) => v === 1));
  assert.deepEqual([...argmaxChw(Float32Array.from([1, 5, 3, 2]), 2)], [1, 0]);
});

test('reflect padding mirrors the borders and cropping restores the original frame', async () => {
  const { reflectPad, cropLabels } = await import('../../src/inference/tta.ts');
  const w = 4, h = 3;
  const img: RgbImage = { data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i % 3 === 0 ? i / 3 : 0)), width: w, height: h };
  const p = reflectPad(img, 2);
  assert.deepEqual([p.width, p.height], [8, 7]);
  const red = (x: number, y: number) => p.data[(y * 8 + x) * 3];
  // row y=2 is original row 0: [0 1 2 3] mirrored to [2 1 | 0 1 2 3 | 2 1]
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((x) => red(x, 2)), [2, 1, 0, 1, 2, 3, 2, 1]);
  // column x=2 is original column 0: rows [0 4 8] mirrored to [8 4 | 0 4 8 | 4 0]
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((y) => red(2, y)), [8, 4, 0, 4, 8, 4, 0]);
  const labels = Uint8Array.from({ length: 8 * 7 }, (_, i) => p.data[i * 3]);
  assert.deepEqual([...cropLabels(labels, w, h, 2)], Array.from({ length: 12 }, (_, i) => i));
});

test('a class probability threshold overrides the argmax only where that class reaches it', () => {
  // 3 classes x 3 pixels (CHW). Softmax of pixel 0: [0.2447, 0.6652, 0.0900] (logits 1, 2, 0);
  // pixel 1: [0.4223, 0.1554, 0.4223] (logits 1, 0, 1: a tie between 0 and 2); pixel 2: class 0 sure.
  const map = Float32Array.from([1, 1, 9, 2, 0, 0, 0, 1, 0]);
  assert.deepEqual([...argmaxChw(map, 3)], [1, 0, 0]);
  assert.deepEqual([...thresholdChw(map, 3, { classId: 0, prob: 0.5 })], [1, 2, 0]); // 0.4223 < 0.5: best other class
  assert.deepEqual([...thresholdChw(map, 3, { classId: 0, prob: 0.4 })], [1, 0, 0]);
  assert.deepEqual([...thresholdChw(map, 3, { classId: 0, prob: 0.24 })], [0, 0, 0]);
  assert.deepEqual([...thresholdChw(map, 3, { classId: 2, prob: 0.09 })], [2, 2, 0]);
});
