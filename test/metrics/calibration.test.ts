// Calibration: ECE against a hand computation, the temperature fit recovering a known temperature,
// a card's temperature dividing every score while label maps stay the same, and calibrate's CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CalibrationBins, ScoreSample, fitTemperature } from '../../src/metrics/calibration.ts';
import { openSegmenter } from '../../src/inference/open.ts';
import { readImage } from '../../src/data/image_io.ts';
import { writeSyntheticDataset } from '../../src/data/synthetic.ts';
import { Rng } from '../../src/util/random.ts';
import { tempDir } from '../helpers.ts';

test('ECE: the pixel-weighted gap between accuracy and confidence per bin, by hand', () => {
  // 4 pixels, 2 classes, CHW logits. Confidences: sigmoid(|d|) of the logit gap d.
  const d = [Math.log(9), Math.log(9), Math.log(1.5), 0]; // p = 0.9, 0.9, 0.6, 0.5
  const scores = Float32Array.from([...d, 0, 0, 0, 0]); // class 0's logits, then class 1's (0)
  const gt = [0, 1, 0, 1]; // right, wrong, right, wrong (a tie goes to class 0)
  const b = new CalibrationBins();
  b.add(scores, 2, gt, 255);
  // Bins (15 wide): 0.9 -> bin 13 (2 pixels, accuracy 0.5), 0.6 -> bin 9 (1, 1.0), 0.5 -> bin 7 (1, 0.0).
  const want = (2 / 4) * Math.abs(0.5 - 0.9) + (1 / 4) * Math.abs(1 - 0.6) + (1 / 4) * Math.abs(0 - 0.5);
  assert.ok(Math.abs(b.ece() - want) < 1e-7, `${b.ece()} vs ${want}`); // float32 logits
  assert.match(b.svg('t'), /ECE 42\.50%/);
});

test('the fitted temperature recovers the one the labels were drawn with', () => {
  const rng = new Rng(4);
  const c = 4, n = 20000, T = 2.5;
  const scores = new Float32Array(n * c), truth = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: c }, () => rng.normal() * 4);
    z.forEach((v, k) => { scores[i * c + k] = v; });
    const e = z.map((v) => Math.exp(v / T)), s = e.reduce((a, x) => a + x, 0);
    let u = rng.next() * s, k = 0;
    while (u > e[k] && k < c - 1) { u -= e[k]; k++; }
    truth[i] = k;
  }
  const f = fitTemperature({ scores, truth, c });
  assert.ok(Math.abs(f.temperature - T) < 0.15, `fitted ${f.temperature}`);
  assert.ok(f.nllAfter < f.nllBefore);
});

test('a card temperature divides every score (probabilities soften) and leaves the label maps as they were', async () => {
  const dir = path.join(tempDir(), 'hot');
  fs.cpSync(path.resolve('models/voc-fast'), dir, { recursive: true });
  const card = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...card, temperature: 2 }));
  const img = await readImage(path.resolve('assets/photos/chelsea.png'));
  const [a, b] = [await openSegmenter('voc-fast'), await openSegmenter(dir)];
  try {
    const [[ra], [rb]] = [await a.scoresBatch([img]), await b.scoresBatch([img])];
    for (let i = 0; i < ra.scores.length; i += 997) assert.equal(rb.scores[i], Math.fround(ra.scores[i] / 2));
    assert.deepEqual(rb.labels, ra.labels);
    assert.deepEqual((await b.predictBatch([img]))[0], (await a.predictBatch([img]))[0]);
  } finally { await a.dispose(); await b.dispose(); }
});

test('calibrate: the temperature goes into the card (a copy with --out); a shipped model is not changed in place', async () => {
  const d = tempDir();
  const BIN = path.resolve('bin/pixelwise.js');
  const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });
  const tr = await writeSyntheticDataset(path.join(d, 'train'), 8, 32, 32, 1);
  const va = await writeSyntheticDataset(path.join(d, 'val'), 6, 32, 32, 2);
  const model = path.join(d, 'run');
  assert.equal(run('train', '--images', tr.images, '--masks', tr.masks, '--classes', '4', '--arch', 'unet', '--width', '4', '--depth', '2', '--input-size', '32x32', '--epochs', '3', '--lr', '0.01', '--out', model, '--quiet').status, 0);
  const before = run('evaluate', '--model', model, '--images', va.images, '--masks', va.masks, '--json', '--quiet', '--bootstrap', '0', '--report', path.join(d, 'e1'));
  const c = run('calibrate', '--model', model, '--images', va.images, '--masks', va.masks, '--quiet');
  assert.equal(c.status, 0, c.stderr);
  const t = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8')).temperature;
  assert.ok(t > 0 && t !== 1, `temperature ${t}`);
  assert.match(c.stdout, /^temperature \d+\.\d{4} \(fitted on [\d,]+ pixels/);
  const after = run('evaluate', '--model', model, '--images', va.images, '--masks', va.masks, '--json', '--quiet', '--bootstrap', '0', '--report', path.join(d, 'e2'));
  assert.equal(JSON.parse(after.stdout).mIoU, JSON.parse(before.stdout).mIoU, 'label maps unchanged');
  const shipped = run('calibrate', '--model', 'voc-fast', '--images', va.images, '--masks', va.masks);
  assert.equal(shipped.status, 2);
  assert.equal(shipped.stderr, 'pixelwise: --model voc-fast: a shipped model is not changed in place; give --out DIR for a calibrated copy\n');
  const byPath = run('calibrate', '--model', 'models/voc-fast', '--images', va.images, '--masks', va.masks);
  assert.equal(byPath.stderr, 'pixelwise: --model models/voc-fast: a shipped model is not changed in place; give --out DIR for a calibrated copy\n');
});

test('ScoreSample: every stride-th labelled pixel of each image, from a moving offset; few pixels for many classes; buffers grow', () => {
  // 2 classes; a budget of 4 pixels over 2 images of 6 pixels: stride 3.
  const s = new ScoreSample(2, { images: 2, firstPixels: 6, pixels: 4 });
  assert.equal(s.stride, 3);
  // Image 0 (offset 0): pixels 0 and 3; pixel 3 is the ignore label (9), so pixel 0 alone.
  const scores0 = Float32Array.of(0, 1, 2, 3, 4, 5, /* class 1 */ 10, 11, 12, 13, 14, 15);
  s.add(scores0, [1, 0, 0, 9, 0, 0], 9);
  // Image 1, larger than the first (offset 7919 % 3 = 2): pixels 2, 5, 8 (of 9); 8 holds no class (label 5).
  const scores1 = Float32Array.from({ length: 18 }, (_, i) => 100 + i);
  s.add(scores1, [0, 0, 1, 0, 0, 0, 0, 0, 5], 9);
  const got = s.samples();
  assert.deepEqual([...got.truth], [1, 1, 0]);
  assert.deepEqual([...got.scores], [0, 10, 102, 111, 105, 114]);
  assert.equal(got.c, 2);
  // 150 classes and 2M pixels asked: at most 2^26 scores kept, so 447392 pixels; over 4 images of 513x563 pixels, stride 3.
  const many = new ScoreSample(150, { images: 4, firstPixels: 513 * 563, pixels: 2_000_000 });
  assert.equal(many.stride, Math.ceil((4 * 513 * 563) / Math.floor(2 ** 26 / 150)));
  assert.equal(many.stride, 3);
  // A small cap, many pixels: the buffers grow past their first size and keep what they held.
  const big = new ScoreSample(3, { images: 1, firstPixels: 200_000, pixels: 200_000 });
  const px = 200_000, sc = Float32Array.from({ length: 3 * px }, (_, i) => i), gt = Uint8Array.from({ length: px }, (_, i) => i % 3);
  big.add(sc, gt, 255);
  const b = big.samples();
  assert.equal(b.truth.length, px);
  for (const p of [0, 65535, 65536, 199_999]) assert.deepEqual([b.truth[p], ...b.scores.subarray(3 * p, 3 * p + 3)], [p % 3, p, px + p, 2 * px + p]);
});
