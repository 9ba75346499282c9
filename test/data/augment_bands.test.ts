// Augmentation of images beyond 8-bit RGB: every band resampled at its own depth, what leaves the
// source filled per band, colour jitter on the first three bands only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentPair, jitterRgbBands, warpPair, DEFAULT_AUGMENT, type Pair } from '../../src/data/augment.ts';
import { Rng } from '../../src/util/random.ts';

const [W, H] = [16, 12];

function pair(channels: number, make: (p: number, k: number) => number, Type: Uint8ArrayConstructor | Uint16ArrayConstructor | Float32ArrayConstructor): Pair {
  const image = new Type(W * H * channels);
  for (let p = 0; p < W * H; p++) for (let k = 0; k < channels; k++) image[p * channels + k] = make(p, k);
  return { image, mask: new Uint8Array(W * H), width: W, height: H, channels };
}

test('colour jitter moves the first three bands and leaves the others (and grey images) as they are', () => {
  const p = pair(5, (i, k) => 1000 * (k + 1) + (i % 97), Uint16Array);
  const before = Uint16Array.from(p.image as Uint16Array);
  jitterRgbBands(p.image, 5, new Rng(3), { ...DEFAULT_AUGMENT, brightness: 0.3, contrast: 0.3, saturation: 0.3 });
  let moved = 0;
  for (let i = 0; i < before.length; i++) {
    if (i % 5 >= 3) assert.equal(p.image[i], before[i], `band ${i % 5 + 1} changed`);
    else if (p.image[i] !== before[i]) moved++;
  }
  assert.ok(moved > before.length / 5, 'the RGB bands moved');
  const grey = pair(1, (i) => i, Uint8Array);
  const g0 = Uint8Array.from(grey.image as Uint8Array);
  jitterRgbBands(grey.image, 1, new Rng(3), DEFAULT_AUGMENT);
  assert.deepEqual(Array.from(grey.image), Array.from(g0));
});

test('an identity warp keeps 16-bit and float samples exactly; outside the source each band is its fill', () => {
  for (const Type of [Uint16Array, Float32Array]) {
    const p = pair(4, (i, k) => (Type === Float32Array ? (i * 0.001 + k) : 40000 + i * 7 + k), Type);
    const same = warpPair(p, { scale: 1, angle: 0, flip: false, offsetX: 0, offsetY: 0 }, W, H, 255);
    assert.equal(same.image.constructor, Type);
    assert.deepEqual(Array.from(same.image), Array.from(p.image));
    // Shifted left by 4 pixels: the last 4 columns lie outside the source.
    const shifted = warpPair(p, { scale: 1, angle: 0, flip: false, offsetX: 4, offsetY: 0 }, W, H, 255, [11, 22, 33, 44]);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 4;
      if (x >= W - 4) { assert.deepEqual(Array.from(shifted.image.subarray(o, o + 4)), [11, 22, 33, 44]); assert.equal(shifted.mask[y * W + x], 255); }
      else assert.deepEqual(Array.from(shifted.image.subarray(o, o + 4)), Array.from(p.image.subarray(((y * W) + x + 4) * 4, ((y * W) + x + 4) * 4 + 4)));
    }
  }
  // The whole augmentation keeps the bands and the sample type.
  const a = augmentPair(pair(4, (i) => i * 100, Uint16Array), new Rng(1), DEFAULT_AUGMENT, 8, 8, 255, [0, 0, 0, 30000]);
  assert.equal(a.channels, 4);
  assert.ok(a.image instanceof Uint16Array && a.image.length === 8 * 8 * 4);
});
