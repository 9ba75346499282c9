// The argmax over classes (src/inference/label_map.ts and its SIMD kernel, simd/argmax.ts) against
// a per-pixel loop written here: first of equal scores wins, a NaN never wins, crops and batch
// images, class counts from 1 to 256, strips cut mid-row and between rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmaxChw, argmaxPadded } from '../../src/inference/label_map.ts';
import { simdArgmax } from '../../src/inference/simd/argmax.ts';

/** Per pixel, scanning classes in order, the class whose score beats every earlier one. */
function reference(s: Float32Array, i: number, C: number, ph: number, pw: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let best = 0, v = s[((i * C) * ph + y) * pw + x];
    for (let k = 1; k < C; k++) {
      const u = s[((i * C + k) * ph + y) * pw + x];
      if (u > v) { v = u; best = k; }
    }
    out[y * w + x] = best;
  }
  return out;
}

/** Scores with many ties (few distinct values), NaNs and infinities, from a fixed seed. */
function scores(n: number, seed: number): Float32Array {
  let r = seed;
  const rand = () => ((r = (r * 1103515245 + 12345) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: n }, () => {
    const u = rand();
    return u < 0.02 ? NaN : u < 0.03 ? -Infinity : u < 0.04 ? Infinity : Math.round(rand() * 6) - 3;
  });
}

test('argmax: SIMD and JS paths equal a per-pixel loop (ties, NaN, infinities, crops, batch index)', () => {
  const cases: [number, number, number, number, number, number][] = [
    // n, C, ph, pw, w, h
    [1, 1, 5, 7, 7, 5], [1, 2, 3, 5, 5, 3], [2, 12, 17, 33, 29, 15], [3, 21, 16, 16, 16, 16],
    [1, 151, 9, 1000, 999, 9], [1, 256, 4, 1100, 1100, 4], [2, 7, 1, 1, 1, 1],
  ];
  for (const [n, C, ph, pw, w, h] of cases) {
    const s = scores(n * C * ph * pw, C * 131 + pw);
    for (let i = 0; i < n; i++) {
      const want = reference(s, i, C, ph, pw, w, h), at = `C ${C}, ${pw}x${ph} cropped to ${w}x${h}, image ${i}`;
      const simd = simdArgmax(s, i, C, ph, pw, w, h);
      assert.ok(simd, `${at}: the SIMD kernel ran`);
      assert.deepEqual(simd, want, `${at}: SIMD`);
      assert.deepEqual(argmaxPadded(s, i, C, ph, pw, w, h), want, `${at}: argmaxPadded`);
      assert.deepEqual(argmaxPadded(s, i, C, ph, pw, w, h, { simd: false }), want, `${at}: JS`);
    }
  }
});

test('argmax: class planes larger than a strip (cut mid-row uncropped, between rows cropped)', () => {
  // 151 classes of 1000 x 9 pixels: 5.4 MB, several 1 MB strips either way.
  const C = 151, ph = 9, pw = 1000, s = scores(C * ph * pw, 7);
  assert.deepEqual(argmaxChw(s, C), reference(s, 0, C, 1, ph * pw, ph * pw, 1));
  assert.deepEqual(argmaxChw(s, C, { simd: false }), reference(s, 0, C, 1, ph * pw, ph * pw, 1));
  assert.deepEqual(argmaxPadded(s, 0, C, ph, pw, 997, 8), reference(s, 0, C, ph, pw, 997, 8));
});

test('argmax: the kernel declines more than 256 classes (ids are bytes)', () => {
  assert.equal(simdArgmax(scores(300 * 20, 3), 0, 300, 4, 5, 5, 4), null);
});
