// Uncertainty for active learning: the three per-pixel measures against hand computation, their
// image aggregates; `rank` end to end: the order, resuming, another strategy without rescoring,
// the budget's pre-annotations, and the refusal of a model without probabilities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { imageUncertainty } from '../../src/inference/uncertainty.ts';
import { tempDir } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');
const PHOTOS = path.resolve('assets/photos');

test('entropy, margin and least confidence of each pixel, averaged and over the most uncertain tenth', () => {
  // 2 pixels, 3 classes, CHW logits: pixel 0 = log(0.5, 0.3, 0.2), pixel 1 = (0, 0, 0): uniform.
  const p0 = [0.5, 0.3, 0.2];
  const map = Float32Array.from([Math.log(p0[0]), 0, Math.log(p0[1]), 0, Math.log(p0[2]), 0]);
  const u = imageUncertainty(map, 3, Uint8Array.from([0, 2]));
  const h0 = -p0.reduce((a, p) => a + p * Math.log(p), 0) / Math.log(3);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  near(u.scores.entropy.mean, (h0 + 1) / 2);
  near(u.scores.margin.mean, ((1 - 0.2) + 1) / 2);
  near(u.scores['least-confidence'].mean, (0.5 + 2 / 3) / 2);
  // A tenth of 2 pixels is 1: the most uncertain pixel, the uniform one.
  near(u.scores.entropy.top10, 1);
  near(u.scores.margin.top10, 1);
  assert.deepEqual(u.perClass.map((c) => [c.id, c.pixels]), [[0, 1], [2, 1]]);
  near(u.perClass[1].mean.entropy, 1);
});

test('rank: most uncertain first, resumed without rescoring, another strategy from the same scores, the budget exported (COCO, labelme); a labels-only model refused', () => {
  const d = tempDir();
  const images = path.join(d, 'images');
  fs.mkdirSync(images);
  for (const f of fs.readdirSync(PHOTOS).filter((x) => x.endsWith('.png'))) fs.copyFileSync(path.join(PHOTOS, f), path.join(images, f));
  const out = path.join(d, 'rank');
  const run = (...a: string[]) => spawnSync(process.execPath, [BIN, 'rank', '--images', images, '--model', 'voc-fast', '--out', out, '--quiet', ...a], { encoding: 'utf8' });
  const r1 = run();
  assert.equal(r1.status, 0, r1.stderr);
  const rank = JSON.parse(fs.readFileSync(path.join(out, 'rank.json'), 'utf8'));
  assert.equal(rank.ranked.length, 4);
  const scores = rank.ranked.map((x: { score: number }) => x.score);
  assert.deepEqual(scores, [...scores].sort((a: number, b: number) => b - a), 'most uncertain first');
  assert.ok(rank.ranked.every((x: { scores: { entropy: { mean: number } }; score: number }) => x.score === x.scores.entropy.mean && x.score > 0 && x.score < 1));
  assert.equal(fs.readFileSync(path.join(out, 'rank.csv'), 'utf8').trim().split('\n').length, 5);
  // Again with another strategy: nothing rescored; the order is by margin.
  const r2 = run('--strategy', 'margin', '--aggregate', 'top10', '--budget', '2', '--export', 'coco,labelme');
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stderr, /^4 images scored by an earlier run .*; scoring 0$/m);
  const byMargin = JSON.parse(fs.readFileSync(path.join(out, 'rank.json'), 'utf8'));
  const m = byMargin.ranked.map((x: { scores: { margin: { top10: number } } }) => x.scores.margin.top10);
  assert.deepEqual(m, [...m].sort((a: number, b: number) => b - a));
  assert.equal(fs.readFileSync(path.join(out, 'scores.jsonl'), 'utf8').trim().split('\n').length, 4);
  const coco = JSON.parse(fs.readFileSync(path.join(out, 'coco.json'), 'utf8'));
  assert.deepEqual(coco.images.map((i: { file_name: string }) => i.file_name), byMargin.ranked.slice(0, 2).map((x: { image: string }) => x.image));
  // labelme files of the two selected, pointing at their images.
  assert.deepEqual(fs.readdirSync(path.join(out, 'labelme')).sort(), byMargin.ranked.slice(0, 2).map((x: { image: string }) => x.image.replace(/\.png$/, '.json')).sort());
  for (const x of byMargin.ranked.slice(0, 2)) assert.equal(path.resolve(out, 'labelme', JSON.parse(fs.readFileSync(path.join(out, 'labelme', x.image.replace(/\.png$/, '.json')), 'utf8')).imagePath), path.join(images, x.image));
  // A changed image is scored again.
  const changed = path.join(images, byMargin.ranked[3].image);
  fs.utimesSync(changed, new Date(), new Date(Date.now() + 5000));
  assert.match(run().stderr, /^3 images scored by an earlier run .*; scoring 1$/m);

  const argmax = path.join(d, 'argmax');
  fs.cpSync(path.resolve('models/voc-fast'), argmax, { recursive: true });
  const card = JSON.parse(fs.readFileSync(path.join(argmax, 'model.json'), 'utf8'));
  card.output.kind = 'labels';
  fs.writeFileSync(path.join(argmax, 'model.json'), JSON.stringify(card));
  const r3 = spawnSync(process.execPath, [BIN, 'rank', '--images', images, '--model', argmax, '--out', path.join(d, 'r3')], { encoding: 'utf8' });
  assert.equal(r3.status, 2);
  assert.equal(r3.stderr, `pixelwise: --model ${argmax}: gives label maps only (an argmax graph), no class probabilities to rank by; import the graph without its ArgMax\n`);
});

test('imageUncertainty refuses scores that do not hold classes x pixels of its label map, and fewer than two classes', async () => {
  const { UserError } = await import('../../src/util/errors.ts');
  assert.throws(() => imageUncertainty(new Float32Array(7), 2, new Uint8Array(4)), (e: Error) => e instanceof UserError && e.argument === 'map' && /^map: 7 values for 4 labelled pixels of 2 classes/.test(e.message));
  assert.throws(() => imageUncertainty(new Float32Array(4), 1, new Uint8Array(4)), (e: Error) => e instanceof UserError && e.argument === 'c' && /^c 1: expected the number of classes/.test(e.message));
});
