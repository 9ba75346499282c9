// Augmentation: identity is exact, flips mirror, image and mask stay aligned, seeds reproduce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentPair, warpPair, NO_AUGMENT, DEFAULT_AUGMENT, type Pair } from '../../src/data/augment.ts';
import { Rng } from '../../src/util/random.ts';

function labelledPair(w: number, h: number): Pair {
  // Vertical bands of 4 classes; the image colour encodes the class (class k -> red 60k+20).
  const mask = new Uint8Array(w * h), image = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const k = Math.floor((4 * x) / w) ^ (y < h / 2 ? 0 : 1);
    mask[y * w + x] = k;
    image.set([60 * k + 20, 100, 200 - 40 * k], (y * w + x) * 3);
  }
  return { image, mask, width: w, height: h };
}

test('identity transform reproduces image and mask exactly', () => {
  const p = labelledPair(40, 30);
  const out = warpPair(p, { scale: 1, angle: 0, flip: false, offsetX: 0, offsetY: 0 }, 40, 30, 255);
  assert.deepEqual(out.image, p.image);
  assert.deepEqual(out.mask, p.mask);
});

test('horizontal flip mirrors image and mask', () => {
  const p = labelledPair(40, 30);
  const out = warpPair(p, { scale: 1, angle: 0, flip: true, offsetX: 0, offsetY: 0 }, 40, 30, 255);
  for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) {
    assert.equal(out.mask[y * 40 + x], p.mask[y * 40 + 39 - x]);
    assert.equal(out.image[(y * 40 + x) * 3], p.image[(y * 40 + 39 - x) * 3]);
  }
});

test('random scale/rotate/crop/flip/elastic keeps image and mask aligned; mask values stay labels; seeded', () => {
  const p = labelledPair(64, 48);
  for (let s = 0; s < 20; s++) {
    const cfg = { ...DEFAULT_AUGMENT, brightness: 0, contrast: 0, saturation: 0, elastic: s % 2 ? 4 : 0 };
    const out = augmentPair(p, new Rng(s), cfg, 32, 32, 255);
    let checked = 0;
    for (let y = 1; y < 31; y++) for (let x = 1; x < 31; x++) {
      const i = y * 32 + x, k = out.mask[i];
      assert.ok(k === 255 || k < 4, `mask value ${k}`);
      // Interior pixels (all 4 neighbours share the label) must carry that label's colour.
      if (k === 255 || [i - 1, i + 1, i - 32, i + 32].some((j) => out.mask[j] !== k)) continue;
      assert.ok(Math.abs(out.image[i * 3] - (60 * k + 20)) <= 31, `seed ${s}: pixel ${x},${y} red ${out.image[i * 3]} for class ${k}`);
      checked++;
    }
    assert.ok(checked > 100);
    const again = augmentPair(p, new Rng(s), cfg, 32, 32, 255);
    assert.deepEqual(again.mask, out.mask);
    assert.deepEqual(again.image, out.image);
  }
});

test('colour jitter changes the image, never the mask; NO_AUGMENT with a full crop is identity', () => {
  const p = labelledPair(32, 32);
  const out = augmentPair(p, new Rng(3), { ...NO_AUGMENT, brightness: 0.3, contrast: 0.3, saturation: 0.3 }, 32, 32, 255);
  assert.deepEqual(out.mask, p.mask);
  assert.notDeepEqual(out.image, p.image);
  const id = augmentPair(p, new Rng(3), NO_AUGMENT, 32, 32, 255);
  assert.deepEqual(id.image, p.image);
});

test('elastic deformation changes the warp and is reproducible from the seed', async () => {
  const p = labelledPair(64, 48);
  const cfg = { ...NO_AUGMENT, elastic: 6 };
  const a = augmentPair(p, new Rng(1), cfg, 64, 48, 255);
  assert.notDeepEqual(a.mask, p.mask, 'elastic changed nothing');
  assert.deepEqual(augmentPair(p, new Rng(1), cfg, 64, 48, 255).mask, a.mask);
  const { sampleAffine } = await import('../../src/data/augment.ts');
  const params = sampleAffine(new Rng(2), cfg, 64, 48, 64, 48);
  assert.equal(params.elastic!.d.length, 3 * 3 * 2);
});
