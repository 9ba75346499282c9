// The one processor and segmenter factory (src/inference/processor.ts, segmenter.ts) around a
// network written here in plain JS whose answer is known: class k scores the pixel's normalised
// channel k, so the label map is the argmax of each pixel's colour, by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCard, withFixedInput, type CardOutput, type InputRule } from '../../src/models/card.ts';
import { ImageProcessor, netSize } from '../../src/inference/processor.ts';
import { byAspect, createSegmenter } from '../../src/inference/segmenter.ts';
import { probabilitiesOf } from '../../src/inference/probabilities.ts';
import { probabilities8 } from '../../src/inference/label_map.ts';
import { ColourNetwork, colourArgmax, image, pooled } from './colour_network.ts';
import { defaultClasses } from '../../src/data/classes.ts';
import { pillowBicubic, pillowBilinear, pillowNearest } from '../../src/data/pillow_resize.ts';
import { bilinearChw } from '../helpers.ts';

const NORM = { mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
const card = (rule?: InputRule, kind: 'logits' | 'probabilities' | 'labels' = 'logits') => buildCard({
  model: { arch: 'test', numClasses: 3 }, classes: defaultClasses(3), input: { normalization: NORM, stride: 8, rule },
  ...(kind !== 'logits' ? { output: { kind, resizeBack: 'labels' as const } } : {}),
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

test('segmenter: a Network (createSegmenter takes any) whose output is not [n, C, h, w] scores or an [n, h, w] label map is refused by name, not read in part', async () => {
  const { UserError } = await import('../../src/util/errors.ts');
  const im = image(13, 11, 2); // padded to 16 x 16 by the stride 8
  const answering = (kind: 'logits' | 'labels', out: (n: number) => Float32Array) => createSegmenter({ runtime: 'onnx', run: async (_x, dims) => out(dims[0]), dispose: async () => {} }, card(undefined, kind));
  const refused = (message: string) => (e: Error) => e instanceof UserError && e.argument === 'network' && e.message === message;
  // Half the resolution, one class short, and a label map of the padded size less a row.
  await assert.rejects(answering('logits', (n) => new Float32Array(n * 3 * 8 * 8)).predictBatch([im]), refused('network: 192 values for an input of 1 x 3 x 16 x 16; expected a Float32Array of 768 (1 x 3 classes x 16 x 16)'));
  await assert.rejects(answering('logits', (n) => new Float32Array(n * 2 * 16 * 16)).scoresBatch([im]), refused('network: 512 values for an input of 1 x 3 x 16 x 16; expected a Float32Array of 768 (1 x 3 classes x 16 x 16)'));
  await assert.rejects(answering('labels', (n) => new Float32Array(n * 15 * 16)).predictBatch([im]), refused('network: 240 values for an input of 1 x 3 x 16 x 16; expected a Uint8Array of 256 (1 x 16 x 16, a label map)'));
  await assert.rejects(answering('logits', () => [0, 1] as unknown as Float32Array).predictBatch([im]), refused('network: Array for an input of 1 x 3 x 16 x 16; expected a Float32Array of 768 (1 x 3 classes x 16 x 16)'));
  // The right shape is taken as it is: all-zero scores are class 0 everywhere.
  assert.deepEqual(await answering('logits', (n) => new Float32Array(n * 3 * 16 * 16)).predictBatch([im]), [new Uint8Array(13 * 11)]);
});

test('segmenter: a Pillow input rule resizes in, label maps come back by Pillow NEAREST; --input-size overrides it', async () => {
  const im = image(50, 37, 4);
  const net = new ColourNetwork();
  const seg = createSegmenter(net, card({ kind: 'multiple', multiple: 16, filter: 'pillow' }));
  const small = pillowBilinear(im, 48, 32);
  assert.deepEqual((await seg.predictBatch([im]))[0], pillowNearest(colourArgmax(small), 48, 32, 50, 37));
  assert.deepEqual(net.shapes, ['1x3x32x48']);
  // A card resized by sharp's filter, outside Node's openSegmenter (no sharp given): one line naming the option.
  await assert.rejects(createSegmenter(new ColourNetwork(), card({ kind: 'fixed', size: [8, 8], filter: 'sharp' })).predictBatch([im]), /^UserError: filters sharp: .*options\.filters/);
  const fixed = createSegmenter(new ColourNetwork(), card(), { inputSize: [24, 40] });
  assert.deepEqual((await fixed.predictBatch([im]))[0], pillowNearest(colourArgmax(pillowBilinear(im, 40, 24)), 40, 24, 50, 37));
  // A card resized by Pillow's bicubic keeps its filter at another size.
  const bicubic = createSegmenter(new ColourNetwork(), card({ kind: 'fixed', size: [16, 16], filter: 'pillow-bicubic' }), { inputSize: [24, 40] });
  assert.deepEqual(bicubic.card.input.rule, { kind: 'fixed', size: [24, 40], filter: 'pillow-bicubic' });
  assert.deepEqual((await bicubic.predictBatch([im]))[0], pillowNearest(colourArgmax(pillowBicubic(im, 40, 24)), 40, 24, 50, 37));
});

test('segmenter: a large image is tiled and gives the whole image\'s labels (a per-pixel network)', async () => {
  const im = image(300, 200, 5);
  const net = new ColourNetwork();
  const seg = createSegmenter(net, card(), { tiling: { tile: 128, overlap: 0.25 } });
  assert.deepEqual((await seg.predictBatch([im]))[0], colourArgmax(im));
  assert.ok(net.shapes.length > 1 && net.shapes.every((s) => s === '1x3x128x128'), net.shapes.join(' '));
});

test('segmenter: a card that resizes scores back gives the argmax of the bilinearly resized class scores (written out here)', async () => {
  const im = image(50, 37, 6);
  const scoresCard = buildCard({
    model: { arch: 'test', numClasses: 3 }, classes: defaultClasses(3), input: { normalization: NORM, stride: 8, rule: { kind: 'fixed', size: [24, 32], filter: 'pillow' } },
    output: { kind: 'logits', resizeBack: 'scores' },
  });
  const [labels] = await createSegmenter(new ColourNetwork(), scoresCard).predictBatch([im]);
  // The network's scores: each class is its channel of the resized image, normalised.
  const small = pillowBilinear(im, 32, 24), f = Math.fround;
  const score = (k: number, y: number, x: number) => f(small.data[(y * 32 + x) * 3 + k] / 255);
  const want = new Uint8Array(50 * 37);
  for (let y = 0; y < 37; y++) for (let x = 0; x < 50; x++) {
    // Half-pixel centres, clamped at the edges.
    const fy = Math.max(0, (y + 0.5) * 24 / 37 - 0.5), fx = Math.max(0, (x + 0.5) * 32 / 50 - 0.5);
    const y0 = Math.min(23, Math.floor(fy)), x0 = Math.min(31, Math.floor(fx)), y1 = Math.min(23, y0 + 1), x1 = Math.min(31, x0 + 1);
    const ay = fy - y0, ax = fx - x0;
    let best = -Infinity;
    for (let k = 0; k < 3; k++) {
      const top = score(k, y0, x0) * (1 - ax) + score(k, y0, x1) * ax, bot = score(k, y1, x0) * (1 - ax) + score(k, y1, x1) * ax;
      const v = f(top * (1 - ay) + bot * ay);
      if (k === 0 || v > best) { best = v; want[y * 50 + x] = k; }
    }
  }
  assert.deepEqual(labels, want);
});

test('segmenter: probabilitiesOf gives scoresBatch\'s label maps and probabilities8 of its scores, strip by strip, without the full-size scores', async () => {
  // 1400 rows of 1000: several strips of rows; scores resized back, labels resized back, a
  // threshold (full-size scores), and a native-size card (no input rule, not tiled: scoresBatch's path).
  const im = image(1000, 1400, 9);
  const fixed = (resizeBack: 'scores' | 'labels') => buildCard({
    model: { arch: 'test', numClasses: 3 }, classes: defaultClasses(3), input: { normalization: NORM, stride: 8, rule: { kind: 'fixed', size: [48, 40], filter: 'pillow' } },
    output: { kind: 'logits', resizeBack },
  });
  const cases: [string, ReturnType<typeof createSegmenter>][] = [
    ['scores back', createSegmenter(new ColourNetwork(), fixed('scores'))],
    ['labels back', createSegmenter(new ColourNetwork(), fixed('labels'))],
    ['a threshold', createSegmenter(new ColourNetwork(), fixed('scores'), { threshold: { cls: '1', prob: 0.34 } })],
    ['native size', createSegmenter(new ColourNetwork(), card(), { tiling: { pixelBudget: 0 } })],
    ['border context', createSegmenter(new ColourNetwork(), fixed('scores'), { reflectPad: 7 })],
    ['two sizes by aspect', byAspect([createSegmenter(new ColourNetwork(), fixed('scores')), createSegmenter(new ColourNetwork(), withFixedInput(fixed('scores'), [40, 56]))])],
  ];
  // A second image of another size and aspect in the same batch.
  const imgs = [im, image(61, 37, 4)];
  for (const [name, seg] of cases) {
    const want = await seg.scoresBatch(imgs);
    const got = await probabilitiesOf(seg, imgs);
    // Every factory-made segmenter has one (native size: tiling's, which passes whole images to scoresBatch).
    assert.ok(seg.probabilitiesBatch, `${name}: has probabilitiesBatch`);
    for (let i = 0; i < imgs.length; i++) {
      assert.equal(got[i].labels.length, imgs[i].width * imgs[i].height, `${name}: image ${i}'s size`);
      assert.deepEqual(got[i].labels, want[i].labels, `${name}: image ${i}'s labels`);
      assert.deepEqual(got[i].prob8, probabilities8(want[i].scores, 3), `${name}: image ${i}'s probabilities`);
    }
  }
});

test('segmenter: a network whose scores come at half its input (card output.scale 2) takes them straight to the image: scores or labels back, mirror TTA and scales on its grid, probabilities, a threshold; the card and --input-size refuse what cannot be', async () => {
  const C = 3, k = 2;
  const scaleCard = (resizeBack: 'scores' | 'labels', size: [number, number] = [12, 16]) => buildCard({
    model: { arch: 'test', numClasses: C }, classes: defaultClasses(C), input: { normalization: NORM, stride: 1, rule: { kind: 'fixed', size, filter: 'pillow' } },
    output: { kind: 'logits', resizeBack, scale: k },
  });
  // By hand: the network's scores (each class the mean of a 2x2 block of its channel / 255).
  const scoresOf = (im: { data: Uint8Array; width: number; height: number }) => {
    const px = im.width * im.height, x = new Float32Array(C * px);
    for (let p = 0; p < px; p++) for (let c = 0; c < C; c++) x[c * px + p] = im.data[p * 3 + c] / 255;
    return pooled(x, C, im.height, im.width, k);
  };
  const bilinear = (s: ArrayLike<number>, h: number, w: number, H: number, W: number) => bilinearChw(s, C, h, w, H, W);
  // Labels of scores with the margin of the best over the second (a near-tie may go either way in float32).
  const argmaxOf = (s: Float64Array | Float32Array) => {
    const px = s.length / C, labels = new Uint8Array(px), margin = new Float64Array(px);
    for (let p = 0; p < px; p++) {
      const v = [0, 1, 2].map((c) => s[c * px + p]), order = [0, 1, 2].sort((a, b) => v[b] - v[a] || a - b);
      labels[p] = order[0]; margin[p] = v[order[0]] - v[order[1]];
    }
    return { labels, margin };
  };
  const same = (got: Uint8Array, want: { labels: Uint8Array; margin: Float64Array }, what: string) => {
    assert.equal(got.length, want.labels.length, `${what}: size`);
    let decided = 0;
    for (let p = 0; p < got.length; p++) if (got[p] !== want.labels[p] && want.margin[p] > 1e-5) decided++;
    assert.equal(decided, 0, `${what}: ${decided} pixels differ outside near-ties`);
  };

  const im = image(23, 17, 12), small = pillowBilinear(im, 16, 12), S = scoresOf(small);
  const up = bilinear(S, 6, 8, 17, 23);
  same((await createSegmenter(new ColourNetwork('logits', k), scaleCard('scores')).predictBatch([im]))[0], argmaxOf(up), 'scores straight back');
  // An image at the network's size: its scores still go back (from 8x6).
  const [atNet] = await createSegmenter(new ColourNetwork('logits', k), scaleCard('scores')).predictBatch([small]);
  same(atNet, argmaxOf(bilinear(S, 6, 8, 12, 16)), 'an image of the network\'s size');
  // Labels back: the argmax on the 8x6 grid, the label map by Pillow NEAREST.
  const [byLabels] = await createSegmenter(new ColourNetwork('logits', k), scaleCard('labels')).predictBatch([im]);
  assert.deepEqual(byLabels, pillowNearest(argmaxOf(S).labels, 8, 6, 23, 17));

  // Mirror TTA: the mirrored image's scores mirrored back on the 8x6 grid, averaged.
  const flipped = { ...small, data: Uint8Array.from(small.data, (_, i) => { const p = Math.floor(i / 3), y = Math.floor(p / 16), x = p % 16; return small.data[(y * 16 + 15 - x) * 3 + (i % 3)]; }) };
  const Sf = scoresOf(flipped), avg = new Float32Array(S.length);
  for (let c = 0; c < C; c++) for (let y = 0; y < 6; y++) for (let x = 0; x < 8; x++) avg[(c * 6 + y) * 8 + x] = (S[(c * 6 + y) * 8 + x] + Sf[(c * 6 + y) * 8 + 7 - x]) / 2;
  same((await createSegmenter(new ColourNetwork('logits', k), scaleCard('scores'), { tta: 'flip' }).predictBatch([im]))[0], argmaxOf(bilinear(avg, 6, 8, 17, 23)), 'flip TTA');

  // Scales 1 and 2: the 32x24 image's 16x12 scores brought to the 8x6 grid, averaged.
  const S2 = bilinear(scoresOf(pillowBilinear(small, 32, 24)), 12, 16, 6, 8), mean = Float32Array.from(S, (v, i) => (v + S2[i]) / 2);
  same((await createSegmenter(new ColourNetwork('logits', k), scaleCard('scores'), { scales: [1, 2] }).predictBatch([im]))[0], argmaxOf(bilinear(mean, 6, 8, 17, 23)), 'scales 1 and 2');

  // Probabilities: those of the scores straight back; a threshold reads them.
  const seg = createSegmenter(new ColourNetwork('logits', k), scaleCard('scores'));
  const [p] = await probabilitiesOf(seg, [im]);
  same(p.labels, argmaxOf(up), 'probabilitiesOf\'s labels');
  assert.deepEqual(p.prob8, probabilities8(Float32Array.from(up), C));
  const [t] = await createSegmenter(new ColourNetwork('logits', k), scaleCard('scores'), { threshold: { cls: '1', prob: 0.34 } }).predictBatch([im]);
  // Class 1 where its probability reaches 0.34, else the better of the other two.
  const px = 23 * 17, wantT = { labels: new Uint8Array(px), margin: new Float64Array(px) };
  for (let q = 0; q < px; q++) {
    const v = [0, 1, 2].map((c) => up[c * px + q]), e = v.map(Math.exp), p1 = e[1] / (e[0] + e[1] + e[2]);
    wantT.labels[q] = p1 >= 0.34 ? 1 : v[0] >= v[2] ? 0 : 2;
    wantT.margin[q] = Math.min(Math.abs(p1 - 0.34), p1 >= 0.34 ? Infinity : Math.abs(v[0] - v[2]));
  }
  same(t, wantT, 'a threshold');

  // --input-size: sides that 2 divides (the scores' grid then 7x5), the scores still back bilinearly
  // (not the label map by nearest from a grid twice as coarse); others refused by name.
  const [resized] = await createSegmenter(new ColourNetwork('logits', k), scaleCard('scores'), { inputSize: [10, 14] }).predictBatch([im]);
  same(resized, argmaxOf(bilinear(scoresOf(pillowBilinear(im, 14, 10)), 5, 7, 17, 23)), '--input-size 10x14');
  assert.notDeepEqual(resized, pillowNearest(argmaxOf(scoresOf(pillowBilinear(im, 14, 10))).labels, 7, 5, 23, 17), 'not the 7x5 label map by nearest');
  const [resizedLabels] = await createSegmenter(new ColourNetwork('logits', k), scaleCard('labels'), { inputSize: [10, 14] }).predictBatch([im]);
  assert.deepEqual(resizedLabels, pillowNearest(argmaxOf(scoresOf(pillowBilinear(im, 14, 10))).labels, 7, 5, 23, 17));
  assert.throws(() => createSegmenter(new ColourNetwork('logits', k), scaleCard('scores'), { inputSize: [13, 16] }), /^UserError: inputSize 13x16: this model's scores come at 1\/2 of its input: give sides that are multiples of 2 \(e\.g\. 14x16\)$/);
  // A card whose scale cannot be: an input of any size, a label map, a padding stride.
  const refused: [Parameters<typeof buildCard>[0]['input'], CardOutput, RegExp][] = [
    [{ normalization: NORM, stride: 1 }, { kind: 'logits', resizeBack: 'scores', scale: 2 }, /output\.scale: 2 needs a fixed input size/],
    [{ normalization: NORM, stride: 1, rule: { kind: 'fixed', size: [12, 15], filter: 'pillow' } }, { kind: 'logits', resizeBack: 'scores', scale: 2 }, /output\.scale: 2 needs a fixed input size whose sides it divides/],
    [{ normalization: NORM, stride: 8, rule: { kind: 'fixed', size: [12, 16], filter: 'pillow' } }, { kind: 'logits', resizeBack: 'scores', scale: 2 }, /input\.stride 1/],
    [{ normalization: NORM, stride: 1, rule: { kind: 'fixed', size: [12, 16], filter: 'pillow' } }, { kind: 'labels', resizeBack: 'labels', scale: 2 }, /output\.scale: a label map comes at the input's size/],
  ];
  for (const [input, output, why] of refused) {
    assert.throws(() => buildCard({ model: { arch: 'test', numClasses: C }, classes: defaultClasses(C), input, output }), why);
  }
});
