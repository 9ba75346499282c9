// The argmax over classes (src/inference/label_map.ts and its SIMD kernel, simd/argmax.ts) against
// a per-pixel loop written here: first of equal scores wins, a NaN never wins, crops and batch
// images, class counts from 1 to 256, strips cut mid-row and between rows. The 8-bit softmax
// (probabilities8 and its SIMD kernel, simd/softmax.ts) against a double-precision one written here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmaxChw, argmaxPadded, probabilities8 } from '../../src/inference/label_map.ts';
import { simdArgmax } from '../../src/inference/simd/argmax.ts';
import { simdProbabilities8 } from '../../src/inference/simd/softmax.ts';

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

/** Per pixel, round(255 x softmax) of the CHW scores in double precision, halves up. */
function softmaxReference(s: Float32Array, C: number): Uint8Array {
  const px = s.length / C, out = new Uint8Array(s.length);
  for (let p = 0; p < px; p++) {
    const v = Array.from({ length: C }, (_, k) => s[k * px + p]);
    const max = v.reduce((m, x) => (x > m ? x : m), v[0]);
    const e = v.map((x) => Math.exp(x - max)), z = e.reduce((a, b) => a + b, 0);
    e.forEach((x, k) => { out[k * px + p] = Math.round((255 * x) / z); });
  }
  return out;
}

/** Logits as networks give them: spread over about +-15, from a fixed seed. */
function logits(n: number, seed: number): Float32Array {
  let r = seed;
  const rand = () => ((r = (r * 1103515245 + 12345) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: n }, () => (rand() + rand() + rand() - 1.5) * 10);
}

test('probabilities8: SIMD (single precision) within 1 of a double-precision softmax, the JS loop equal to it', () => {
  // Pixel counts that are not multiples of 4; 151 x 5000 floats span several strips.
  for (const [C, px] of [[1, 7], [2, 1001], [3, 5], [12, 4099], [21, 3333], [151, 5000]]) {
    const s = logits(C * px, C * 7 + px), want = softmaxReference(s, C), at = `C ${C}, ${px} pixels`;
    const simd = simdProbabilities8(s, C);
    assert.ok(simd, `${at}: the SIMD kernel ran`);
    let off = 0, worst = 0;
    for (let i = 0; i < want.length; i++) { const d = Math.abs(simd[i] - want[i]); worst = Math.max(worst, d); if (d) off++; }
    assert.ok(worst <= 1, `${at}: SIMD off by ${worst}`);
    assert.ok(off <= want.length * 1e-3, `${at}: SIMD differs on ${off} of ${want.length} values`);
    assert.deepEqual(probabilities8(s, C), simd, `${at}: probabilities8 takes the kernel`);
    const js = probabilities8(s, C, { simd: false });
    let jsOff = 0;
    for (let i = 0; i < want.length; i++) if (js[i] !== want[i]) jsOff++;
    // The JS loop sums in single precision: a rare half may round the other way.
    assert.ok(jsOff <= want.length * 1e-4, `${at}: JS differs on ${jsOff} values`);
  }
});

test('probabilities8: ties, certainties, one class, infinities and NaN alike in SIMD and JS', () => {
  // 2 classes x 6 pixels: equal scores; one class 1000 above; -Infinity for one class; NaN in
  // either class; +Infinity (Infinity - Infinity is NaN: no probability).
  const s = Float32Array.from([0, 1000, -Infinity, NaN, 0, Infinity, 0, 0, 0, 0, NaN, 0]);
  const want = [128, 255, 0, 0, 0, 0, 128, 0, 255, 0, 0, 0];
  assert.deepEqual([...probabilities8(s, 2)], want);
  assert.deepEqual([...probabilities8(s, 2, { simd: false })], want);
  const one = logits(9, 1);
  assert.deepEqual([...probabilities8(one, 1)], new Array(9).fill(255));
  assert.deepEqual([...probabilities8(one, 1, { simd: false })], new Array(9).fill(255));
});
