// Bootstrap intervals: equal to a brute-force resampling over pixels with the same draws; covering
// a known truth about 95% of the time; paired differences; compare's gate end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ConfusionMatrix } from '../../src/metrics/confusion.ts';
import { imageConfusion } from '../../src/metrics/per_image.ts';
import { bootstrapScores, pairedBootstrap, pairedScoreBootstrap } from '../../src/metrics/bootstrap.ts';
import { Rng } from '../../src/util/random.ts';
import { writeSyntheticDataset } from '../../src/data/synthetic.ts';
import { tempDir } from '../helpers.ts';

const K = 3;
/** n images of random truth and a prediction right with probability `acc` (per image, it varies). */
function images(n: number, px: number, seed: number, acc = 0.8) {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const a = Math.min(0.99, Math.max(0.3, acc + rng.uniform(-0.15, 0.15)));
    const gt = Uint8Array.from({ length: px }, () => (rng.next() < 0.05 ? 255 : rng.int(K)));
    const pred = gt.map((g) => (g !== 255 && rng.next() < a ? g : rng.int(K)));
    return { gt, pred };
  });
}

/** numpy's linear percentile, written here apart from the library's. */
const pctl = (v: number[], q: number) => { const s = [...v].sort((x, y) => x - y); const p = (q / 100) * (s.length - 1); const lo = Math.floor(p); return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (p - lo); };

test('bootstrap = brute force: the same draws (same seed) scored from the raw pixels give the same interval', () => {
  const data = images(25, 300, 3);
  const scratch = new Float64Array(K * K);
  const sparse = data.map((d, i) => imageConfusion(String(i), d.pred, d.gt, K, { ignoreIndex: 255 }, scratch));
  const B = 200, seed = 42;
  const ours = bootstrapScores(sparse, K, { ignoreIndex: 255 }, B, seed);
  // Brute force: every resample's images drawn in turn, all their pixels counted again.
  const rng = new Rng(seed);
  const m: number[] = [], c1: number[] = [];
  for (let b = 0; b < B; b++) {
    const cm = new ConfusionMatrix(K, { ignoreIndex: 255 });
    for (let i = 0; i < data.length; i++) { const j = rng.int(data.length); cm.add(data[j].pred, data[j].gt); }
    const s = cm.scores();
    m.push(s.mIoU); c1.push(s.perClass[1].iou!);
  }
  assert.ok(Math.abs(ours.mIoU.low - pctl(m, 2.5)) < 1e-12 && Math.abs(ours.mIoU.high - pctl(m, 97.5)) < 1e-12, `${JSON.stringify(ours.mIoU)} vs ${pctl(m, 2.5)}, ${pctl(m, 97.5)}`);
  assert.ok(Math.abs(ours.perClass[1]!.low - pctl(c1, 2.5)) < 1e-12 && Math.abs(ours.perClass[1]!.high - pctl(c1, 97.5)) < 1e-12);
  assert.deepEqual(bootstrapScores(sparse, K, { ignoreIndex: 255 }, B, seed), ours, 'seeded: the same answer twice');
});

test('the 95% interval covers the true mIoU about 95% of the time (synthetic population with known truth)', () => {
  // Population: each image's accuracy varies; the truth is the mIoU of the expected confusion matrix,
  // estimated once from a very large draw.
  const big = new ConfusionMatrix(K, { ignoreIndex: 255 });
  for (const d of images(3000, 200, 7)) big.add(d.pred, d.gt);
  const truth = big.scores().mIoU;
  let covered = 0;
  const draws = 120;
  const scratch = new Float64Array(K * K);
  for (let t = 0; t < draws; t++) {
    const sample = images(30, 200, 1000 + t).map((d, i) => imageConfusion(String(i), d.pred, d.gt, K, { ignoreIndex: 255 }, scratch));
    const r = bootstrapScores(sample, K, { ignoreIndex: 255 }, 400, t + 1);
    if (r.mIoU.low <= truth && truth <= r.mIoU.high) covered++;
  }
  const share = covered / draws;
  assert.ok(share >= 0.88 && share <= 0.995, `coverage ${(100 * share).toFixed(1)}%`);
});

test('paired bootstrap: a model against itself differs by exactly 0; a better model is better in every resample', () => {
  const data = images(20, 300, 5);
  const scratch = new Float64Array(K * K);
  const a = data.map((d, i) => imageConfusion(String(i), d.pred, d.gt, K, { ignoreIndex: 255 }, scratch));
  const same = pairedBootstrap(a, a, K, { ignoreIndex: 255 }, 200, 1);
  assert.deepEqual([same.mIoU.diff, same.mIoU.low, same.mIoU.high, same.bBetter], [0, 0, 0, 0]);
  const b = data.map((d, i) => imageConfusion(String(i), d.gt.map((g, j) => (g === 255 ? d.pred[j] : g)), d.gt, K, { ignoreIndex: 255 }, scratch)); // perfect
  const better = pairedBootstrap(a, b, K, { ignoreIndex: 255 }, 200, 1);
  assert.equal(better.bBetter, 1);
  assert.ok(better.mIoU.low > 0);
});

test('compare A B: the report, and the gate: exit 1 only when B is worse by more than X with 95% confidence', () => {
  const d = tempDir();
  const BIN = path.resolve('bin/pixelwise.js');
  const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });
  return (async () => {
    const tr = await writeSyntheticDataset(path.join(d, 'train'), 8, 32, 32, 1);
    const va = await writeSyntheticDataset(path.join(d, 'val'), 12, 32, 32, 2);
    const trainArgs = (out: string, epochs: string) => ['train', '--images', tr.images, '--masks', tr.masks, '--classes', '4', '--arch', 'unet', '--width', '4', '--depth', '2', '--input-size', '32x32', '--batch-size', '4', '--lr', '0.01', '--epochs', epochs, '--out', out, '--quiet'];
    assert.equal(run(...trainArgs(path.join(d, 'good'), '12')).status, 0);
    assert.equal(run(...trainArgs(path.join(d, 'weak'), '1')).status, 0);
    const cmp = (b: string, x: string, report: string) => run('compare', path.join(d, 'good'), b, '--images', va.images, '--masks', va.masks, '--report', report, '--fail-if-worse', x, '--bootstrap', '300', '--quiet');
    const worse = cmp(path.join(d, 'weak'), '0', path.join(d, 'r1'));
    assert.equal(worse.status, 1, worse.stderr + worse.stdout);
    assert.match(worse.stdout, /FAIL: B is worse than A by more than 0 points with 95% confidence/);
    const j = JSON.parse(fs.readFileSync(path.join(d, 'r1', 'compare.json'), 'utf8'));
    assert.ok(j.mIoU.high < 0 && j.failed === true && j.count === 12);
    assert.equal(j.differMost.length, 8);
    assert.ok(fs.existsSync(path.join(d, 'r1', 'differ.jpg')) && fs.existsSync(path.join(d, 'r1', 'compare.md')));
    const lenient = cmp(path.join(d, 'weak'), '100', path.join(d, 'r2'));
    assert.equal(lenient.status, 0, lenient.stderr);
    const itself = cmp(path.join(d, 'good'), '0', path.join(d, 'r3'));
    assert.equal(itself.status, 0);
    assert.match(itself.stdout, /B - A \+0\.00 points, 95% interval \[\+0\.00, \+0\.00\]/);

    // Without masks: B against A's label maps, as counted here from the library's label maps.
    const { openSegmenter } = await import('../../src/inference/open.ts');
    const { readImage } = await import('../../src/data/image_io.ts');
    const files = fs.readdirSync(va.images).sort();
    const imgs = await Promise.all(files.map((f) => readImage(path.join(va.images, f))));
    const labelsOf = async (m: string, precision?: 'int8') => { const s = await openSegmenter(m, precision ? { precision } : {}); try { return await s.predictBatch(imgs); } finally { await s.dispose(); } };
    const agreement = async (a: string, b: string, precision: 'int8' | undefined, report: string) => {
      const r = run('compare', a, b, '--images', va.images, '--report', report, '--quiet', ...(precision ? ['--precision-b', precision] : []));
      assert.equal(r.status, 0, r.stderr);
      const [la, lb] = [await labelsOf(a), await labelsOf(b, precision)];
      let same = 0, all = 0;
      const inter = new Array(4).fill(0), union = new Array(4).fill(0);
      const sameOf = la.map(() => 0);
      la.forEach((m, i) => m.forEach((v, j) => { const p = lb[i][j]; all++; union[v]++; if (p === v) { same++; sameOf[i]++; inter[v]++; } else union[p]++; }));
      // The 95% interval of the share agreeing, images drawn again with replacement (1000 times, seed 1).
      const rng = new Rng(1), shares: number[] = [];
      for (let b = 0; b < 1000; b++) {
        let s = 0, n = 0;
        for (let i = 0; i < la.length; i++) { const j = rng.int(la.length); s += sameOf[j]; n += la[j].length; }
        shares.push(s / n);
      }
      const at = (q: number) => pctl(shares, 100 * q);
      const ious = union.flatMap((u, c) => (u ? [inter[c] / u] : []));
      const j = JSON.parse(fs.readFileSync(path.join(report, 'agreement.json'), 'utf8'));
      assert.equal(j.count, 12);
      assert.ok(Math.abs(j.agreement - same / all) < 1e-12, `${j.agreement} against ${same / all}`);
      assert.ok(Math.abs(j.mIoU - ious.reduce((x, v) => x + v, 0) / ious.length) < 1e-12);
      assert.ok(fs.existsSync(path.join(report, 'differ.jpg')) && fs.existsSync(path.join(report, 'agreement.md')));
      assert.ok(Math.abs(j.agreementInterval.low - at(0.025)) < 1e-12 && Math.abs(j.agreementInterval.high - at(0.975)) < 1e-12, JSON.stringify(j.agreementInterval));
      assert.ok(j.mIoUInterval.low <= j.mIoU && j.mIoU <= j.mIoUInterval.high);
      assert.match(r.stdout, new RegExp(`^B agrees with A on ${(100 * same / all).toFixed(2)}% of pixels \\[${(100 * at(0.025)).toFixed(2)}, ${(100 * at(0.975)).toFixed(2)}\\]; `));
      return same / all;
    };
    assert.ok(await agreement(path.join(d, 'good'), path.join(d, 'weak'), undefined, path.join(d, 'r4')) < 1);
    assert.equal(await agreement(path.join(d, 'good'), path.join(d, 'good'), undefined, path.join(d, 'r5')), 1);
    // A model against its own 8-bit graph.
    assert.equal(run('quantize', '--model', path.join(d, 'good'), '--calibration', tr.images, '--quiet').status, 0);
    await agreement(path.join(d, 'good'), path.join(d, 'good'), 'int8', path.join(d, 'r6'));
    // What scores against masks is refused without them, in one line.
    const gate = run('compare', path.join(d, 'good'), path.join(d, 'weak'), '--images', va.images, '--fail-if-worse', '1', '--report', path.join(d, 'r7'));
    assert.equal(gate.status, 2, gate.stderr);
    assert.equal(gate.stderr.trim(), `pixelwise: --fail-if-worse: scores against masks, and --images ${va.images} comes without them (--masks DIR); without masks compare reports how far B agrees with A`);
  })();
});

test('bootstrap: no images, no resamples, or two models scored on different images are refused by name (intervals of [0, 0] before, a plain Error)', async () => {
  const { UserError } = await import('../../src/util/errors.ts');
  const one = imageConfusion('a', new Uint8Array([0, 1]), new Uint8Array([0, 1]), 2, {}, new Float64Array(4));
  assert.throws(() => bootstrapScores([], 2, {}), (e: Error) => e instanceof UserError && e.argument === 'images' && e.message === 'images: none to resample; score at least one image');
  assert.throws(() => bootstrapScores([one], 2, {}, 0), (e: Error) => e instanceof UserError && e.argument === 'resamples' && /^resamples 0: expected a whole number/.test(e.message));
  assert.throws(() => pairedBootstrap([one], [one, one], 2, {}), (e: Error) => e instanceof UserError && e.argument === 'b' && e.message === 'b: 2 images against 1 for a; a paired bootstrap scores both models on the same images');
  assert.equal(bootstrapScores([one], 2, {}, 10).resamples, 10);
});

test('boundary F1 of weighted images = the images added that many times; the paired interval of any score = brute-force draws', async () => {
  const { BoundaryF1 } = await import('../../src/metrics/boundary.ts');
  const data = images(6, 16 * 16, 5);
  const all = new BoundaryF1(K), twice = new BoundaryF1(K);
  data.forEach((d) => all.add(d.pred, d.gt, 16, 16));
  const w = Uint32Array.from([2, 0, 1, 0, 3, 0]);
  w.forEach((n, i) => { for (let j = 0; j < n; j++) twice.add(data[i].pred, data[i].gt, 16, 16); });
  const [sw, st] = [all.scores(w), twice.scores()];
  assert.ok(Math.abs(sw.mean - st.mean) < 1e-12 && sw.perClass.every((v, c) => Math.abs(v! - st.perClass[c]!) < 1e-12), `${JSON.stringify(sw)} vs ${JSON.stringify(st)}`);
  // Any score of weighted images: here the weighted mean of a number per image, for A and B.
  const va = data.map((_, i) => i / 10), vb = data.map((_, i) => (i % 3) / 7);
  const mean = (v: number[], wt?: Uint32Array) => { let s = 0, n = 0; v.forEach((x, i) => { const k = wt ? wt[i] : 1; s += k * x; n += k; }); return s / n; };
  const ours = pairedScoreBootstrap(data.length, (m, wt) => mean(m === 'a' ? va : vb, wt), 300, 9);
  const rng = new Rng(9), d: number[] = [];
  for (let b = 0; b < 300; b++) {
    let sa = 0, sb = 0;
    for (let i = 0; i < data.length; i++) { const j = rng.int(data.length); sa += va[j]; sb += vb[j]; }
    d.push((sb - sa) / data.length);
  }
  assert.ok(Math.abs(ours.diff - (mean(vb) - mean(va))) < 1e-12);
  assert.ok(Math.abs(ours.low - pctl(d, 2.5)) < 1e-12 && Math.abs(ours.high - pctl(d, 97.5)) < 1e-12, `${JSON.stringify(ours)} vs ${pctl(d, 2.5)}, ${pctl(d, 97.5)}`);
});
