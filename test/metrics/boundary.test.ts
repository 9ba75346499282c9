// Boundary F1 (BF score) against a hand-computed case and a brute-force reference written here
// (each boundary pixel's distance to every boundary pixel of its class), on random label maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundaryF1, defaultTolerance } from '../../src/metrics/boundary.ts';
import { Rng } from '../../src/util/random.ts';

const close = (a: number | null | undefined, b: number, msg = '') => assert.ok(a != null && Math.abs(a - b) < 1e-12, `${msg}: ${a} != ${b}`);

test('boundary F1 by hand: a vertical edge one pixel off matches within a tolerance of 1, not of 0.5; a class only predicted scores 0', () => {
  const w = 6, h = 4;
  // Truth: columns 0-2 class 0, 3-5 class 1. Prediction: the edge a column to the right.
  const gt: number[] = Array.from({ length: w * h }, (_, i) => (i % w < 3 ? 0 : 1));
  const pred: number[] = Array.from({ length: w * h }, (_, i) => (i % w < 4 ? 0 : 1));
  // Boundary pixels: truth class 0 at x=2, class 1 at x=3; prediction class 0 at x=3, class 1 at x=4.
  assert.deepEqual(new BoundaryF1(2, { tolerance: 1 }).add(pred, gt, w, h), [1, 1]);
  assert.deepEqual(new BoundaryF1(2, { tolerance: 0.5 }).add(pred, gt, w, h), [0, 0]);
  // A third class predicted in one pixel, never true: 0 for it; absent from both: null.
  const with2 = pred.slice(); with2[0] = 2;
  const f = new BoundaryF1(4, { tolerance: 1 }).add(with2, gt, w, h);
  assert.equal(f[2], 0);
  assert.equal(f[3], null);
  // Class 0's predicted boundary now also has (1,0) and (0,1), beside pixel 0: (1,0) is 1 from the
  // truth's x=2 column, (0,1) 2. Precision: x=3 (4 pixels) and (1,0) of 6 = 5/6; recall: the
  // truth's x=2 column, each 1 from x=3: 4/4.
  close(f[0], (2 * (5 / 6) * 1) / (5 / 6 + 1), 'class 0');
  // Ignored truth: no boundary there, and predicted boundary pixels on it not judged.
  const ign = gt.map((v, i) => (i % w >= 4 ? 255 : v));
  const only = new BoundaryF1(2, { tolerance: 1, ignoreIndex: 255 }).add(pred, ign, w, h);
  // Truth class 1 is columns 3 only (4 and 5 ignored): its boundary x=3 (its edge against class 0 and against void).
  // Prediction class 1 starts at x=4: all ignored, so it has no judged boundary pixel: 0 for class 1.
  assert.deepEqual(only, [1, 0]);
  // Means over images: a class scored in one image of two is that image's value.
  const acc = new BoundaryF1(4, { tolerance: 1 });
  acc.add(with2, gt, w, h);
  acc.add(gt, gt, w, h);
  const s = acc.scores();
  close(s.perClass[0], (f[0]! + 1) / 2, 'class 0 over two images');
  assert.equal(s.perClass[2], 0);
  assert.equal(s.perClass[3], null);
  close(s.mean, (s.perClass[0]! + s.perClass[1]! + 0) / 3, 'mean');
  close(defaultTolerance(480, 360), 0.0075 * 600, 'MATLAB default');
});

/** The reference: boundary pixels by their definition, distances by trying every pair. */
function bruteForce(pred: number[], gt: number[], w: number, h: number, k: number, tol: number, ignore: number): (number | null)[] {
  const boundary = (l: number[], x: number, y: number) => [[1, 0], [-1, 0], [0, 1], [0, -1]].some(([dx, dy]) => {
    const xx = x + dx, yy = y + dy;
    return xx >= 0 && yy >= 0 && xx < w && yy < h && l[yy * w + xx] !== l[y * w + x];
  });
  const out: (number | null)[] = [];
  for (let c = 0; c < k; c++) {
    const P: [number, number][] = [], G: [number, number][] = [];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (gt[i] === ignore) continue;
      if (gt[i] === c && boundary(gt, x, y)) G.push([x, y]);
      if (pred[i] === c && boundary(pred, x, y)) P.push([x, y]);
    }
    if (!P.length && !G.length) { out.push(null); continue; }
    if (!P.length || !G.length) { out.push(0); continue; }
    const within = (a: [number, number][], b: [number, number][]) => a.filter(([x, y]) => b.some(([u, v]) => (x - u) ** 2 + (y - v) ** 2 <= tol * tol)).length;
    const p = within(P, G) / P.length, r = within(G, P) / G.length;
    out.push(p + r > 0 ? (2 * p * r) / (p + r) : 0);
  }
  return out;
}

test('boundary F1 equals the brute-force reference on random blobby label maps, any tolerance, with an ignore label', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 30; trial++) {
    const w = 8 + Math.floor(rng.next() * 40), h = 8 + Math.floor(rng.next() * 30), k = 2 + Math.floor(rng.next() * 4);
    // Blobs: a coarse random grid upsampled, so that regions have outlines of some length.
    const cell = 2 + Math.floor(rng.next() * 5);
    const coarse = (salt: number) => Array.from({ length: Math.ceil(w / cell) * Math.ceil(h / cell) }, () => Math.floor(rng.next() * (k + salt)));
    const up = (c: number[]) => Array.from({ length: w * h }, (_, i) => c[Math.floor(Math.floor(i / w) / cell) * Math.ceil(w / cell) + Math.floor((i % w) / cell)]);
    const gt = up(coarse(1)).map((v) => (v === k ? 255 : v)); // some void
    const pred = up(coarse(0)).map((v, i) => (rng.next() < 0.05 ? Math.floor(rng.next() * k) : v));
    const tol = [0, 1, 1.5, 2.3, 4][trial % 5];
    const got = new BoundaryF1(k, { tolerance: tol, ignoreIndex: 255 }).add(pred, gt, w, h);
    const want = bruteForce(pred, gt, w, h, k, tol, 255);
    want.forEach((v, c) => (v == null ? assert.equal(got[c], null) : close(got[c], v, `trial ${trial} class ${c}`)));
  }
});

test('evaluate --boundary: the person model on two photos against truth shifted by 3 pixels, as the brute-force reference scores it; --boundary-tolerance without --boundary refused', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const { openSegmenter } = await import('../../src/inference/open.ts');
  const { readImage } = await import('../../src/data/image_io.ts');
  const { tempDir, writeGreyPng } = await import('../helpers.ts');
  const d = tempDir();
  const images = path.join(d, 'images'), masks = path.join(d, 'masks');
  fs.mkdirSync(images); fs.mkdirSync(masks);
  const seg = await openSegmenter('person', { threads: 2 });
  const want: (number | null)[][] = [];
  for (const name of ['astronaut', 'chelsea']) {
    fs.copyFileSync(path.resolve('assets/photos', `${name}.png`), path.join(images, `${name}.png`));
    const img = await readImage(path.join(images, `${name}.png`));
    const [pred] = await seg.predictBatch([img]);
    const w = img.width, h = img.height;
    // The truth: the prediction moved 3 pixels right, its first rows void.
    const gt = Array.from({ length: w * h }, (_, i) => (i < 4 * w ? 255 : i % w < 3 ? pred[i] : pred[i - 3]));
    writeGreyPng(path.join(masks, `${name}.png`), Uint8Array.from(gt), w, h);
    want.push(bruteForce(Array.from(pred), gt, w, h, 2, 2, 255));
  }
  await seg.dispose();
  const run = (...a: string[]) => spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), ...a], { encoding: 'utf8' });
  const r = run('evaluate', '--model', 'person', '--images', images, '--masks', masks, '--ignore-index', '255', '--boundary', '--boundary-tolerance', '2', '--json', '--bootstrap', '0', '--report', path.join(d, 'rep'), '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const mean = (c: number) => { const v = want.map((x) => x[c]).filter((x): x is number => x != null); return v.reduce((a, b) => a + b, 0) / v.length; };
  close(j.perClass.background.boundaryF1, mean(0), 'background');
  close(j.perClass.person.boundaryF1, mean(1), 'person');
  close(j.meanBoundaryF1, (mean(0) + mean(1)) / 2, 'mean');
  assert.equal(j.boundaryTolerance, '2 px');
  assert.ok(mean(1) > 0.2 && mean(1) < 0.99, `a 3-pixel shift within 2 pixels matches in part: ${mean(1)}`);
  const refused = run('evaluate', '--model', 'person', '--images', images, '--masks', masks, '--boundary-tolerance', '2', '--report', path.join(d, 'rep2'));
  assert.equal(refused.stderr.trim(), 'pixelwise: --boundary-tolerance 2: sets the tolerance of --boundary; add --boundary');
});
