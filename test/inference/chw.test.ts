// Class-score planes resized (src/inference/chw.ts): the fused resize + argmax gives exactly the
// labels of resizing every plane and taking the argmax (ties, NaN, up- and down-scaling), and
// resizeChw itself matches bilinear sampling with half-pixel centres written out here, its
// WebAssembly kernel (simd/chw_resize.wat) giving the JS loop's values bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeArgmaxChw, resizeChw } from '../../src/inference/chw.ts';
import { argmaxChw } from '../../src/inference/label_map.ts';

function scores(n: number, seed: number): Float32Array {
  let r = seed;
  const rand = () => ((r = (r * 1103515245 + 12345) >>> 0) / 2 ** 32);
  // Few distinct values: many exact ties after interpolation; a few NaNs.
  return Float32Array.from({ length: n }, () => (rand() < 0.01 ? NaN : Math.round(rand() * 4) / 2));
}

test('resizeArgmaxChw: the labels of argmaxChw(resizeChw(...)) without the resized planes', () => {
  for (const [c, h, w, th, tw] of [[12, 24, 32, 12, 16], [3, 7, 5, 20, 13], [21, 17, 19, 17, 19], [1, 4, 4, 9, 3], [151, 9, 11, 5, 7], [151, 40, 60, 300, 500], [12, 90, 120, 720, 960]]) {
    const s = scores(c * h * w, c * 7 + th);
    const want = argmaxChw(resizeChw(s, c, h, w, th, tw, { simd: false }), c, { simd: false });
    assert.deepEqual(resizeArgmaxChw(s, c, h, w, th, tw), want, `${c} classes, ${w}x${h} -> ${tw}x${th}: kernels`);
    assert.deepEqual(resizeArgmaxChw(s, c, h, w, th, tw, { simd: false }), want, `${c} classes, ${w}x${h} -> ${tw}x${th}: JS loop`);
  }
});

test('resizeChw: bilinear with half-pixel centres, edges clamped', () => {
  const [h, w, th, tw] = [3, 4, 5, 7];
  const s = Float32Array.from({ length: 2 * h * w }, (_, i) => (i * 37) % 11);
  for (const simd of [true, false]) {
  const out = resizeChw(s, 2, h, w, th, tw, { simd });
  const at = (k: number, y: number, x: number) => s[k * h * w + Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
  for (let k = 0; k < 2; k++) for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
    const fy = Math.max(0, (y + 0.5) * h / th - 0.5), fx = Math.max(0, (x + 0.5) * w / tw - 0.5);
    const y0 = Math.floor(fy), x0 = Math.floor(fx), ay = fy - y0, ax = fx - x0;
    const want = (1 - ay) * ((1 - ax) * at(k, y0, x0) + ax * at(k, y0, x0 + 1)) + ay * ((1 - ax) * at(k, y0 + 1, x0) + ax * at(k, y0 + 1, x0 + 1));
    assert.ok(Math.abs(out[(k * th + y) * tw + x] - want) < 1e-5, `${simd ? 'wasm' : 'JS'}: plane ${k} at ${x},${y}`);
  }
  }
});

test('resizeChw: the WebAssembly kernel gives the float32 values of the JS loop bit for bit', () => {
  let r = 11;
  const rand = () => ((r = (r * 1103515245 + 12345) >>> 0) / 2 ** 32);
  // Up, down, one to one, odd widths, single pixels, a shipped model's sizes, far down and up (one
  // strip of output rows reading many source rows, many strips reading the same two), a plane
  // larger than the module may hold whole; NaN and infinities.
  for (const [c, h, w, th, tw] of [[19, 129, 257, 540, 961], [151, 65, 65, 400, 600], [12, 360, 480, 720, 960], [3, 7, 5, 1, 1], [2, 1, 1, 9, 3], [4, 100, 51, 33, 77], [2, 40, 40, 40, 40], [2, 2000, 30, 7, 5], [1, 3, 2, 2500, 700], [1, 1200, 1600, 2400, 3200]]) {
    const s = Float32Array.from({ length: c * h * w }, () => { const u = rand(); return u < 0.001 ? NaN : u < 0.002 ? Infinity : u < 0.003 ? -Infinity : (rand() - 0.5) * 60; });
    const wasm = resizeChw(s, c, h, w, th, tw), js = resizeChw(s, c, h, w, th, tw, { simd: false });
    const a = new Uint32Array(wasm.buffer), b = new Uint32Array(js.buffer);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(wasm[i]) && Number.isNaN(js[i]))) differ++;
    assert.equal(differ, 0, `${c} classes, ${w}x${h} -> ${tw}x${th}: ${differ} values differ`);
  }
});

test('resizeArgmaxChw settles enlarged cells from their four source pixels: the labels of every plane resized, near-ties, ties, NaN and infinities included', () => {
  let r = 5;
  const rand = () => ((r = (r * 1103515245 + 12345) >>> 0) / 2 ** 32);
  // Smooth class scores (regions as a network gives them), with pixels where two classes are a
  // float32 step or two apart, exact ties, and a few non-finite values.
  const smooth = (c: number, h: number, w: number, special: boolean) => {
    const s = new Float32Array(c * h * w), f = Array.from({ length: c }, () => [rand() * 0.5, rand() * 0.5, rand() * 6, rand() * 6, (rand() - 0.5) * 8]);
    for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) s[(k * h + y) * w + x] = f[k][4] + 3 * Math.sin(f[k][0] * x + f[k][2]) * Math.cos(f[k][1] * y + f[k][3]);
    if (special) {
      for (let i = 0; i < h * w; i += 7) {
        const k = Math.floor(rand() * (c - 1)), u = rand(), a = s[k * h * w + i];
        s[(k + 1) * h * w + i] = u < 0.3 ? a : u < 0.6 ? a + (Math.fround(a * (1 + 2 ** -23)) - a) : u < 0.62 ? NaN : u < 0.63 ? Infinity : u < 0.64 ? -Infinity : Math.fround(a - 1e-6);
      }
    }
    return s;
  };
  for (const [c, h, w, th, tw] of [[150, 16, 16, 300, 451], [21, 33, 33, 513, 513], [19, 65, 129, 540, 960], [2, 8, 8, 8, 64], [5, 1, 7, 3, 50], [12, 30, 40, 31, 41], [3, 2, 2, 1000, 3]]) {
    for (const special of [false, true]) {
      const s = smooth(c, h, w, special);
      const want = resizeArgmaxChw(s, c, h, w, th, tw, { settle: false, simd: false });
      const got = resizeArgmaxChw(s, c, h, w, th, tw);
      let differ = 0;
      for (let i = 0; i < want.length; i++) if (want[i] !== got[i]) differ++;
      assert.equal(differ, 0, `${c} classes, ${w}x${h} -> ${tw}x${th}${special ? ' (near-ties, NaN, infinities)' : ''}: ${differ} labels differ`);
    }
  }
  // Class 1 a float32 step above class 0 at every source pixel: a margin of one step everywhere.
  const [c, h, w, th, tw] = [3, 20, 20, 300, 300];
  const s = smooth(c, h, w, false);
  for (let i = 0; i < h * w; i++) {
    const a = Math.abs(s[i]) + 10;
    s[i] = a; s[h * w + i] = a + (Math.fround(a * (1 + 2 ** -23)) - a); s[2 * h * w + i] = 0;
  }
  const want = resizeArgmaxChw(s, c, h, w, th, tw, { settle: false, simd: false }), got = resizeArgmaxChw(s, c, h, w, th, tw);
  assert.deepEqual(got, want);
});
