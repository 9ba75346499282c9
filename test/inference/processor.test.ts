// The one processor and segmenter factory (src/inference/processor.ts, segmenter.ts) around a
// network written here in plain JS whose answer is known: class k scores the pixel's normalised
// channel k, so the label map is the argmax of each pixel's colour, by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCard, type InputRule } from '../../src/models/card.ts';
import { ImageProcessor, netSize } from '../../src/inference/processor.ts';
import { createSegmenter } from '../../src/inference/segmenter.ts';
import type { Network } from '../../src/inference/network.ts';
import { defaultClasses } from '../../src/data/classes.ts';
import { pillowBilinear, pillowNearest } from '../../src/data/pillow_resize.ts';
import type { RgbImage } from '../../src/data/image_io.ts';

const NORM = { mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
const card = (rule?: InputRule, kind: 'logits' | 'probabilities' | 'labels' = 'logits') => buildCard({
  model: { arch: 'test', numClasses: 3 }, classes: defaultClasses(3), input: { normalization: NORM, stride: 8, rule },
  ...(kind !== 'logits' ? { output: { kind, resizeBack: 'labels' as const } } : {}),
});

/** Scores [n, 3, h, w] = the input's channels (logits), their softmax (probabilities), or the argmax (labels, [n, 1, h, w]). */
class ColourNetwork implements Network {
  readonly runtime = 'tfjs' as const;
  readonly shapes: string[] = [];
  constructor(private readonly kind: 'logits' | 'probabilities' | 'labels' = 'logits') {}
  async run(x: Float32Array, dims: [number, number, number, number]): Promise<Float32Array> {
    const [n, , h, w] = dims, px = h * w;
    this.shapes.push(dims.join('x'));
    if (this.kind === 'logits') return x.slice();
    const out = new Float32Array(this.kind === 'labels' ? n * px : x.length);
    for (let i = 0; i < n; i++) for (let p = 0; p < px; p++) {
      const v = [0, 1, 2].map((k) => x[(i * 3 + k) * px + p]);
      if (this.kind === 'labels') { out[i * px + p] = v.indexOf(Math.max(...v)); continue; }
      const e = v.map((a) => Math.exp(a)), z = e[0] + e[1] + e[2];
      for (let k = 0; k < 3; k++) out[(i * 3 + k) * px + p] = e[k] / z;
    }
    return out;
  }
  async dispose() {}
}

function image(w: number, h: number, seed: number): RgbImage {
  let s = seed;
  const data = Uint8Array.from({ length: w * h * 3 }, () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s & 255; });
  return { data, width: w, height: h };
}
/** The argmax of each pixel's colour (first of equals), by hand. */
const colourArgmax = (im: RgbImage) => Uint8Array.from({ length: im.width * im.height }, (_, p) => {
  const [r, g, b] = im.data.subarray(p * 3, p * 3 + 3);
  return r >= g && r >= b ? 0 : g >= b ? 1 : 2;
});

test('processor: input sizes by rule; normalised, zero-padded NCHW input; crops back', () => {
  assert.deepEqual(netSize({ kind: 'native' }, 37, 29), [37, 29]);
  assert.deepEqual(netSize({ kind: 'fixed', size: [20, 30], filter: 'pillow' }, 37, 29), [30, 20]);
  assert.deepEqual(netSize({ kind: 'multiple', multiple: 16, filter: 'pillow' }, 37, 29), [32, 16]);
  assert.deepEqual(netSize({ kind: 'multiple', multiple: 32, filter: 'pillow' }, 20, 70), [32, 64], 'never below one multiple');
  const p = new ImageProcessor(card());
  const im = image(5, 3, 1);
  const e = p.encode([im]);
  assert.deepEqual(e.dims, [1, 3, 8, 8]);
  assert.equal(e.x[(1 * 8 + 2) * 8 + 4], Math.fround(im.data[(2 * 5 + 4) * 3 + 1] / 255), 'channel 1 at (4, 2)');
  assert.equal(e.x[(0 * 8 + 3) * 8 + 0], 0, 'padding rows are 0');
  assert.equal(e.x[(2 * 8 + 0) * 8 + 5], 0, 'padding columns are 0');
  const [scores] = p.scores(e.x, e);
  assert.equal(scores.length, 3 * 5 * 3);
  assert.equal(scores[1 * 15 + 2 * 5 + 4], e.x[(1 * 8 + 2) * 8 + 4]);
});

test('segmenter: native size, batches, output kinds logits/probabilities/labels agree with the colour argmax', async () => {
  const imgs = [image(13, 11, 2), image(13, 11, 3)];
  for (const kind of ['logits', 'probabilities', 'labels'] as const) {
    const seg = createSegmenter(new ColourNetwork(kind), card(undefined, kind));
    const labels = await seg.predictBatch(imgs);
    imgs.forEach((im, i) => assert.deepEqual(labels[i], colourArgmax(im), `${kind}: predictBatch`));
    const scored = await seg.scoresBatch(imgs);
    imgs.forEach((im, i) => assert.deepEqual(scored[i].labels, colourArgmax(im), `${kind}: scoresBatch`));
    assert.equal(scored[0].scores.length, 3 * 13 * 11);
  }
});

test('segmenter: a Pillow input rule resizes in, label maps come back by Pillow NEAREST; --input-size overrides it', async () => {
  const im = image(50, 37, 4);
  const net = new ColourNetwork();
  const seg = createSegmenter(net, card({ kind: 'multiple', multiple: 16, filter: 'pillow' }));
  const small = pillowBilinear(im, 48, 32);
  assert.deepEqual((await seg.predictBatch([im]))[0], pillowNearest(colourArgmax(small), 48, 32, 50, 37));
  assert.deepEqual(net.shapes, ['1x3x32x48']);
  const fixed = createSegmenter(new ColourNetwork(), card(), { inputSize: [24, 40] });
  assert.deepEqual((await fixed.predictBatch([im]))[0], pillowNearest(colourArgmax(pillowBilinear(im, 40, 24)), 40, 24, 50, 37));
});

test('segmenter: a large image is tiled and gives the whole image\'s labels (a per-pixel network)', async () => {
  const im = image(300, 200, 5);
  const net = new ColourNetwork();
  const seg = createSegmenter(net, card(), { tiling: { tile: 128, overlap: 0.25 } });
  assert.deepEqual((await seg.predictBatch([im]))[0], colourArgmax(im));
  assert.ok(net.shapes.length > 1 && net.shapes.every((s) => s === '1x3x128x128'), net.shapes.join(' '));
});
