// Tiled inference: tile placement, exact blending (a per-pixel scorer gives the same result tiled
// and whole), agreement with whole-image inference on a real model, automatic tiling of large
// images, and multi-scale test-time augmentation composed with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { tileStarts, tiledScores, withTiling, DEFAULT_TILING } from '../../src/inference/tiling.ts';
import { type Segmenter } from '../../src/inference/segmenter.ts';
import { openSegmenter } from '../../src/inference/open.ts';
import { buildCard } from '../../src/models/card.ts';
import { readImage, type RgbImage } from '../../src/data/image_io.ts';
import { labelsFromScores, probabilities8 } from '../../src/inference/label_map.ts';
import { probabilitiesOf } from '../../src/inference/probabilities.ts';
import { initEngine } from '../../src/engine/backend.ts';
import { CAMVID_CLASSES } from '../../src/data/classes.ts';

const PHOTO = path.resolve(import.meta.dirname, '../../assets/photos/astronaut.png');

test('tile origins: even steps, the last tile flush with the far edge', () => {
  assert.deepEqual(tileStarts(512, 512, 0.25), [0]);
  assert.deepEqual(tileStarts(300, 512, 0.25), [0]);
  assert.deepEqual(tileStarts(1000, 512, 0.25), [0, 384, 488]);
  assert.deepEqual(tileStarts(1024, 512, 0), [0, 512]);
  assert.deepEqual(tileStarts(700, 256, 0.5), [0, 128, 256, 384, 444]);
});

/** A segmenter whose class scores depend on each pixel alone (a 1x1 "network"): tiling must not change them. */
function pointwise(): Segmenter {
  const C = CAMVID_CLASSES.length;
  const scores = (im: { data: ArrayLike<number>; width: number; height: number }) => {
    const px = im.width * im.height, s = new Float32Array(C * px);
    for (let p = 0; p < px; p++) for (let k = 0; k < C; k++) s[k * px + p] = Math.sin(im.data[p * 3] * 0.05 + k) + im.data[p * 3 + 1] * 0.01 * (k % 3) - im.data[p * 3 + 2] * 0.002 * k;
    return s;
  };
  const card = { model: { arch: 'pointwise', numClasses: C }, classes: CAMVID_CLASSES } as unknown as Segmenter['card'];
  return {
    runtime: 'onnx', card,
    predictBatch: async (imgs) => imgs.map((im) => labelsFromScores(scores(im), C)),
    scoresBatch: async (imgs) => imgs.map((im) => { const s = scores(im); return { scores: s, labels: labelsFromScores(s, C) }; }),
    dispose: async () => {},
  };
}

test('blending: tiled scores of a per-pixel scorer equal the whole image\'s, for any tile size and overlap', async () => {
  const im = await readImage(PHOTO);
  const inner = pointwise(), C = inner.card.model.numClasses;
  const [whole] = await inner.scoresBatch([im]);
  for (const [tile, overlap] of [[128, 0.25], [200, 0.5], [512, 0], [96, 0.1]] as const) {
    const t = await tiledScores(inner, im, tile, overlap, 'scores');
    assert.deepEqual(t.labels, whole.labels, `tile ${tile}, overlap ${overlap}: labels`);
    let d = 0;
    for (let i = 0; i < C * im.width * im.height; i++) d = Math.max(d, Math.abs(t.scores![i] - whole.scores[i]));
    assert.ok(d < 1e-4, `tile ${tile}, overlap ${overlap}: scores differ by ${d}`);
  }
});

test('a tiling of very many network passes is said before it starts, once; an ordinary one is not', async () => {
  const im = { data: new Uint8Array(300 * 200 * 3).fill(90), width: 300, height: 200 };
  const passes = (tile: number, overlap: number) => tileStarts(300, tile, overlap).length * tileStarts(200, tile, overlap).length;
  assert.ok(passes(32, 0.9) > 2000 && passes(64, 0.25) < 2000);
  for (const [tile, overlap, said] of [[32, 0.9, 1], [64, 0.25, 0]] as const) {
    const lines: string[] = [];
    const seg = withTiling(pointwise(), { ...DEFAULT_TILING, tile, overlap, log: (l) => lines.push(l) });
    await seg.predictBatch([im, im]);
    assert.deepEqual(lines, said ? [`note: 300x200 in 32-pixel tiles with 90% overlap is ${passes(32, 0.9).toLocaleString('en-US')} network passes; a larger options.tiling.tile or a smaller options.tiling.overlap is faster`] : []);
  }
});

test('a real model: tiled labels agree with whole-image labels; large images are tiled automatically, said once', async () => {
  await initEngine('wasm');
  const big = await sharp(PHOTO).resize(1024, 1024).raw().toBuffer({ resolveWithObject: true });
  const im = { data: new Uint8Array(big.data), width: 1024, height: 1024 };
  const lines: string[] = [];
  for (const runtime of ['onnx', 'tfjs'] as const) {
    const whole = await openSegmenter('voc-fast', { runtime, tiling: { pixelBudget: 0 } });
    const [a] = await whole.predictBatch([im]);
    await whole.dispose();
    const tiled = await openSegmenter('voc-fast', { runtime, tiling: { pixelBudget: 500_000, autoTile: 512 }, log: (l) => lines.push(l) });
    const [b] = await tiled.predictBatch([im]);
    const [c] = await tiled.predictBatch([im]);
    await tiled.dispose();
    assert.deepEqual(c, b, 'deterministic');
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    // Tiles see less context than the whole image (a person filling the frame is cut in four), so
    // the labels differ somewhat; a seam or misplaced tile would cost far more.
    assert.ok(same / a.length > 0.85, `${runtime}: ${(100 * same / a.length).toFixed(1)}% of pixels agree`);
  }
  assert.deepEqual(lines, Array(2).fill('note: 1024x1024 exceeds 0.5 megapixels; segmenting in 512-pixel tiles with 25% overlap (options.tiling.tile N to choose, options.tiling.pixelBudget 0 to never tile)'));
  assert.throws(() => withTiling(pointwise(), { ...DEFAULT_TILING, overlap: 0.95 }), /^UserError: overlap 0.95: must be between 0 and 0.9/);
});

test('multi-scale test-time augmentation composes with flip and tiling', async () => {
  const im = await readImage(PHOTO);
  const plain = await openSegmenter('voc');
  const [a] = await plain.predictBatch([im]);
  await plain.dispose();
  const ms = await openSegmenter('voc', { tta: 'flip', scales: [0.75, 1, 1.25], tiling: { tile: 256 } });
  const [b] = await ms.scoresBatch([im]);
  await ms.dispose();
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b.labels[i]) same++;
  assert.ok(same / a.length > 0.9, `${(100 * same / a.length).toFixed(1)}% agree with the plain prediction`);
  assert.equal(b.scores.length, 21 * im.width * im.height);
});

test('a real network whose receptive field fits a quarter of the overlap: tiled scores equal whole-image scores', async () => {
  await initEngine('wasm');
  const { SegModel } = await import('../../src/models/seg_model.ts');
  const { writeSafetensors } = await import('../../src/formats/safetensors.ts');
  const { writeCard } = await import('../../src/models/package.ts');
  const { IMAGENET_NORM } = await import('../../src/data/normalize.ts');
  const { defaultClasses } = await import('../../src/data/classes.ts');
  const { tempDir } = await import('../helpers.ts');
  // A U-Net of depth 2 (width 4): its receptive field reaches under 24 pixels to a side (the test fails
  // with weights that do not drop the quarter of the overlap nearest each inner edge).
  const dir = tempDir();
  const m = new SegModel({ arch: 'unet', numClasses: 3, width: 4, depth: 2, seed: 4 });
  writeSafetensors(path.join(dir, 'weights.safetensors'), await m.namedWeights());
  writeCard(dir, buildCard({ model: m.spec, classes: defaultClasses(3), input: { normalization: IMAGENET_NORM, stride: m.stride }, weights: 'weights.safetensors' }));
  m.dispose();
  const seg = await openSegmenter(dir, { runtime: 'tfjs', tiling: { pixelBudget: 0 } });
  const im = await readImage(PHOTO);
  const [whole] = await seg.scoresBatch([im]);
  const t = await tiledScores(seg, im, 192, 0.5, 'scores'); // overlap 96: a quarter is 24 pixels
  let d = 0, s = 0;
  for (let i = 0; i < whole.scores.length; i++) { d = Math.max(d, Math.abs(t.scores![i] - whole.scores[i])); s = Math.max(s, Math.abs(whole.scores[i])); }
  assert.ok(d <= 1e-4 * s, `tiled scores differ by ${d} (scale ${s})`);
  assert.deepEqual(t.labels, whole.labels);
  await seg.dispose();
});

test('tiled probabilities: each band\'s probabilities8 equal probabilities8 of the whole blended scores; withTiling gives them to probabilitiesOf', async () => {
  const im = await readImage(PHOTO);
  const inner = pointwise(), C = inner.card.model.numClasses;
  for (const [tile, overlap] of [[128, 0.25], [200, 0.5]] as const) {
    const s = await tiledScores(inner, im, tile, overlap, 'scores');
    const p = await tiledScores(inner, im, tile, overlap, 'probabilities');
    assert.deepEqual(p.labels, s.labels, `tile ${tile}: labels`);
    assert.deepEqual(p.prob8, probabilities8(s.scores!, C), `tile ${tile}: probabilities`);
  }
  // A segmenter without probabilitiesBatch: scoresBatch's scores, then probabilities8.
  const [plain] = await probabilitiesOf(inner, [im]), [plainScores] = await inner.scoresBatch([im]);
  assert.deepEqual(plain.prob8, probabilities8(plainScores.scores, C));
  const tiled = withTiling(inner, { ...DEFAULT_TILING, tile: 128 });
  const [viaScores] = await tiled.scoresBatch([im]);
  const [direct] = await probabilitiesOf(tiled, [im]);
  assert.ok(tiled.probabilitiesBatch, 'withTiling has probabilitiesBatch');
  assert.deepEqual(direct.labels, viaScores.labels);
  assert.deepEqual(direct.prob8, probabilities8(viaScores.scores, C));
});
