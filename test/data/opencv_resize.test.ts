// OpenCV's INTER_LINEAR and INTER_NEAREST resizes as reproduced here give OpenCV's own bytes
// (test/fixtures/opencv_resize.json, made by bench/opencv_resize.py with Debian's python3-opencv):
// random images down, up, each axis alone, exact halvings, 1-pixel sides and every tail of a row
// after OpenCV's vector loops; larger sources computed by the same formula on both sides and the
// shipped photos, compared by their sha256.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { opencvLinear, opencvNearest } from '../../src/data/opencv_resize.ts';
import { readImage } from '../../src/data/image_io.ts';

interface Case { w: number; h: number; ow: number; oh: number; src?: string; out?: string; formula?: boolean; sha256?: string }
const fixture = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/opencv_resize.json'), 'utf8')) as
  { linear: Case[]; photos: { photo: string; ow: number; oh: number; sha256: string }[]; nearest: Case[] };
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const sha = (a: Uint8Array) => crypto.createHash('sha256').update(a).digest('hex');

/** bench/opencv_resize.py's formula image: ((x * 7 + y * 13 + k * 29 + (x * y) % 17) & 255), k only for 3 channels. */
function formula(w: number, h: number, c: number): Uint8Array {
  const a = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) a[(y * w + x) * c + k] = (x * 7 + y * 13 + (c > 1 ? k * 29 : 0) + ((x * y) % 17)) & 255;
  return a;
}

test('opencvLinear gives cv2.resize INTER_LINEAR\'s bytes: down, up, one axis, exact halvings, 1-pixel sides, every row tail', () => {
  assert.ok(fixture.linear.length >= 50);
  for (const c of fixture.linear) {
    const what = `${c.w}x${c.h} -> ${c.ow}x${c.oh}`;
    const got = opencvLinear({ data: c.formula ? formula(c.w, c.h, 3) : bytes(c.src!), width: c.w, height: c.h }, c.ow, c.oh);
    assert.equal(got.width, c.ow); assert.equal(got.height, c.oh);
    if (c.formula) assert.equal(sha(got.data), c.sha256, what);
    else assert.deepEqual(got.data, bytes(c.out!), what);
  }
});

test('opencvLinear of the shipped photos gives cv2.resize\'s bytes (image-segmentation-keras\'s 608x416 input among them)', async () => {
  const dir = path.resolve(import.meta.dirname, '../../assets/photos');
  for (const p of fixture.photos) {
    const img = await readImage(path.join(dir, `${p.photo}.png`));
    assert.equal(sha(opencvLinear(img, p.ow, p.oh).data), p.sha256, `${p.photo} -> ${p.ow}x${p.oh}`);
  }
});

test('opencvNearest gives cv2.resize INTER_NEAREST\'s label maps, which are not Pillow NEAREST\'s', () => {
  for (const c of fixture.nearest) {
    const what = `${c.w}x${c.h} -> ${c.ow}x${c.oh}`;
    const got = opencvNearest(c.formula ? formula(c.w, c.h, 1) : bytes(c.src!), c.w, c.h, c.ow, c.oh);
    if (c.formula) assert.equal(sha(got), c.sha256, what);
    else assert.deepEqual(got, bytes(c.out!), what);
  }
  // A 3-pixel row to 6: OpenCV repeats by floor(x / 2) (0 0 1 1 2 2), as Pillow does by centres;
  // to 4: OpenCV floor(x * 3 / 4) = 0 0 1 2, Pillow floor((x + 0.5) * 3 / 4) = 0 1 1 2.
  assert.deepEqual([...opencvNearest(Uint8Array.of(10, 11, 12), 3, 1, 6, 1)], [10, 10, 11, 11, 12, 12]);
  assert.deepEqual([...opencvNearest(Uint8Array.of(10, 11, 12), 3, 1, 4, 1)], [10, 10, 11, 12]);
});
