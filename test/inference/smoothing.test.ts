// Temporal smoothing as a segmenter wrapper (src/inference/smoothing.ts): the exponential average of
// the class scores, computed by hand, in call order even when calls overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCard } from '../../src/models/card.ts';
import { createSegmenter } from '../../src/inference/segmenter.ts';
import { withSmoothing } from '../../src/inference/smoothing.ts';
import { argmaxChw } from '../../src/inference/label_map.ts';
import { defaultClasses } from '../../src/data/classes.ts';
import { ColourNetwork, image } from './colour_network.ts';

const card = buildCard({ model: { arch: 'test', numClasses: 3 }, classes: defaultClasses(3), input: { normalization: { mean: [0, 0, 0], std: [1, 1, 1] }, stride: 1 } });

test('smoothing: scores are the exponential average of the frames so far, in call order; labels their argmax', async () => {
  const frames = [1, 2, 3, 4].map((s) => image(9, 7, s));
  const plain = createSegmenter(new ColourNetwork(), card);
  const raw = (await plain.scoresBatch(frames)).map((r) => r.scores);
  const seg = withSmoothing(createSegmenter(new ColourNetwork(), card), 0.75);
  // All four in flight at once, as the video pipeline keeps batches in flight.
  const got = await Promise.all(frames.map((f) => seg.scoresBatch([f])));
  let ema = raw[0].slice();
  got.forEach(([r], i) => {
    if (i > 0) ema = ema.map((v, k) => 0.75 * v + 0.25 * raw[i][k]);
    r.scores.forEach((v, k) => assert.ok(Math.abs(v - ema[k]) < 1e-6, `frame ${i}, value ${k}: ${v} vs ${ema[k]}`));
    assert.deepEqual(r.labels, argmaxChw(r.scores, 3));
  });
  assert.equal(withSmoothing(plain, 0), plain, '0 is off');
  assert.throws(() => withSmoothing(plain, 1), /smooth 1: must be at least 0 and below 1/);
});
