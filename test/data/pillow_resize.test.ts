// Pillow's BILINEAR as implemented (passes that walk memory in order) equals the definition
// computed pixel by pixel: the same fixed-point weights, each output a sum over its source window.
// Pillow's BICUBIC equals Pillow's own output (test/fixtures/pillow_bicubic.json, made by
// bench/pillow_bicubic.py with Debian's python3-pil).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pillowBicubic, pillowBilinear, pillowNearest } from '../../src/data/pillow_resize.ts';
import { Rng } from '../../src/util/random.ts';

/** Pillow's resample (horizontal pass first, 8-bit intermediate), one output value at a time. */
function reference(src: Uint8Array, w: number, h: number, W: number, H: number): Uint8Array {
  const coeffs = (inSize: number, outSize: number) => Array.from({ length: outSize }, (_, i) => {
    const scale = inSize / outSize, support = Math.max(scale, 1);
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5)), hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const raw = Array.from({ length: hi - lo }, (_, k) => Math.max(0, 1 - Math.abs((k + lo - center + 0.5) / support)));
    const sum = raw.reduce((a, b) => a + b, 0);
    return { lo, ws: raw.map((v) => Math.trunc(0.5 + (sum ? v / sum : v) * (1 << 22))) };
  });
  const clip = (v: number) => Math.min(255, Math.max(0, Math.floor(v / (1 << 22))));
  let cur = src, cw = w;
  if (W !== w) {
    const cx = coeffs(w, W), next = new Uint8Array(W * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
      next[(y * W + x) * 3 + c] = clip(cx[x].ws.reduce((a, wk, k) => a + wk * cur[(y * cw + cx[x].lo + k) * 3 + c], 1 << 21));
    }
    cur = next; cw = W;
  }
  if (H !== h) {
    const cy = coeffs(h, H), next = new Uint8Array(cw * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < cw; x++) for (let c = 0; c < 3; c++) {
      next[(y * cw + x) * 3 + c] = clip(cy[y].ws.reduce((a, wk, k) => a + wk * cur[((cy[y].lo + k) * cw + x) * 3 + c], 1 << 21));
    }
    cur = next;
  }
  return cur;
}

test('pillowBilinear (SIMD and JS) equals the pixel-by-pixel definition on down-, up- and mixed resizes', () => {
  const rng = new Rng(4);
  const sizes = [[96, 54, 96, 32], [96, 54, 51, 25], [37, 23, 100, 7], [48, 36, 38, 38], [13, 17, 5, 40], [1, 1, 3, 3], [64, 64, 64, 64], [4, 9, 5, 3], [240, 135, 96, 96], [7, 300, 31, 2]];
  for (const [w, h, W, H] of sizes) {
    // Extremes too: all-255 rows test the clip, all-0 the rounding.
    const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i % 97 < 5 ? 255 : i % 89 < 3 ? 0 : rng.int(256)));
    const want = reference(data, w, h, W, H);
    // SIMD required where it runs (the vertical pass needs rows of 16 bytes; else the default, JS), and JS.
    const simdRuns = W * 3 >= 16 || H === h;
    for (const simd of [simdRuns ? true : undefined, false]) {
      const got = pillowBilinear({ data, width: w, height: h }, W, H, { simd });
      assert.deepEqual([got.width, got.height], [W, H]);
      assert.deepEqual(got.data, want, `${w}x${h} -> ${W}x${H} (${simd ? 'SIMD' : 'JS'})`);
    }
  }
});

test('pillowBilinear runs a video frame in WebAssembly SIMD by default and leaves its input as it was', () => {
  const data = Uint8Array.from({ length: 960 * 540 * 3 }, (_, i) => (i * 7919) & 255);
  const copy = data.slice();
  const a = pillowBilinear({ data, width: 960, height: 540 }, 384, 384);
  assert.deepEqual(data, copy);
  assert.deepEqual(a.data, pillowBilinear({ data, width: 960, height: 540 }, 384, 384, { simd: true }).data, 'the default is the SIMD path');
  assert.deepEqual(a.data, pillowBilinear({ data, width: 960, height: 540 }, 384, 384, { simd: false }).data);
  // Rows under 16 bytes take the JS loops; requiring SIMD there says so.
  assert.throws(() => pillowBilinear({ data: new Uint8Array(8 * 8 * 3), width: 8, height: 8 }, 4, 3, { simd: true }), /SIMD resize unavailable/);
});

test('pillowNearest picks Pillow\'s source pixel for every output pixel (up, down, mixed)', () => {
  const rng = new Rng(5);
  // Pillow accumulates the source position in double precision, starting half a step in.
  const index = (n: number, m: number) => { const s = n / m; let x = 0.5 * s; return Array.from({ length: m }, () => { const i = Math.min(n - 1, Math.trunc(x)); x += s; return i; }); };
  for (const [w, h, W, H] of [[384, 384, 960, 540], [17, 9, 5, 31], [40, 30, 40, 30], [3, 3, 1, 1]]) {
    const src = Uint8Array.from({ length: w * h }, () => rng.int(21));
    const xs = index(w, W), ys = index(h, H);
    const want = Uint8Array.from({ length: W * H }, (_, p) => src[ys[Math.floor(p / W)] * w + xs[p % W]]);
    assert.deepEqual(pillowNearest(src, w, h, W, H), want, `${w}x${h} -> ${W}x${H}`);
  }
});

test('pillowBicubic (JS, and SIMD where it runs) gives Pillow\'s own bytes: down, up, one axis, 1-pixel sides, overshoot clipped', () => {
  const fixture = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/pillow_bicubic.json'), 'utf8')) as { cases: { w: number; h: number; ow: number; oh: number; src: string; out: string }[] };
  let simdRuns = 0;
  for (const c of fixture.cases) {
    const img = { data: new Uint8Array(Buffer.from(c.src, 'base64')), width: c.w, height: c.h };
    const want = new Uint8Array(Buffer.from(c.out, 'base64')), what = `${c.w}x${c.h} -> ${c.ow}x${c.oh}`;
    assert.deepEqual(pillowBicubic(img, c.ow, c.oh, { simd: false }).data, want, `${what} (JS)`);
    let simd: Uint8Array | null = null;
    try { simd = pillowBicubic(img, c.ow, c.oh, { simd: true }).data; } catch { /* too small a row for the SIMD passes */ }
    if (simd) { simdRuns++; assert.deepEqual(simd, want, `${what} (SIMD)`); }
  }
  assert.ok(simdRuns >= fixture.cases.length / 2, `SIMD ran on ${simdRuns} cases`);
  // A frame of hard edges: SIMD and JS agree where Pillow's sums leave 0..255.
  const rng = new Rng(5), frame = { data: Uint8Array.from({ length: 300 * 200 * 3 }, () => (rng.next() < 0.5 ? 0 : 255)), width: 300, height: 200 };
  for (const [w, h] of [[640, 480], [123, 77], [300, 91]]) assert.deepEqual(pillowBicubic(frame, w, h, { simd: true }).data, pillowBicubic(frame, w, h, { simd: false }).data, `${w}x${h}`);
});
