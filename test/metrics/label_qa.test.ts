// Label QA: hand-made masks with each kind of mistake are named as such; a clean one is not; on
// real CamVid val masks corrupted in the test, verify --model puts the corrupted ones first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { imageQa, labelQaCross, thumbnail } from '../../src/metrics/label_qa.ts';
import { readMask, encodeLabelPng } from '../../src/data/mask_io.ts';
import { Rng } from '../../src/util/random.ts';
import { tempDir } from '../helpers.ts';

const [W, H, K] = [40, 30, 4];
const names = ['bg', 'road', 'car', 'tree'];
/** Four classes in vertical bands with ragged edges. */
function scene(seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: W * H }, (_, i) => Math.max(0, Math.min(K - 1, Math.floor(((i % W) / W) * K + rng.uniform(-0.3, 0.3)))));
}

test('each kind of label mistake is named; a mask with a little noise is not', () => {
  const pred = scene(1);
  const noisy = pred.map((v, i) => (i % 23 === 0 ? (v + 1) % K : v));
  assert.deepEqual(imageQa(noisy, pred, K, 255, names).findings, []);
  const shifted = pred.map((v) => (v > 0 ? v - 1 : 0)); // ids one lower
  const f1 = imageQa(shifted, pred, K, 255, names).findings;
  assert.deepEqual(f1.map((f) => f.kind), ['offset']);
  assert.match(f1[0].message, /^class ids look shifted by -1: moved by \+1, the mask agrees with the model on/);
  const swapped = pred.map((v) => (v === 1 ? 2 : v === 2 ? 1 : v));
  const f2 = imageQa(swapped, pred, K, 255, names).findings;
  assert.ok(f2.some((f) => f.kind === 'swap' && f.message.startsWith('classes road and car look swapped')), JSON.stringify(f2));
  const ignoreAsClass = pred.map((v) => (v === 3 ? 255 : v));
  const f3 = imageQa(ignoreAsClass, pred, K, 255, names).findings;
  assert.deepEqual(f3.map((f) => f.kind), ['ignore-as-class']);
  assert.match(f3[0].message, /where the model sees tree .*options.labelMap 255:3/);
  // Another image's mask: it agrees with that image's prediction, not its own.
  const other = scene(2).map((v) => K - 1 - v);
  const masks = [thumbnail(pred, W, H), thumbnail(other, W, H)];
  const preds = [thumbnail(other, W, H), thumbnail(pred, W, H)]; // the masks of 0 and 1 exchanged
  const cross = labelQaCross(masks, preds, [0, 1], 255, ['a.png', 'b.png']);
  assert.equal(cross.get(0)?.kind, 'other-image');
  assert.match(cross.get(0)!.message, /^the mask looks like b\.png's/);
});

const CAMVID = path.resolve('../shared/data/camvid');
test('verify --model on CamVid val masks, three of twelve corrupted (classes swapped, ids shifted, another image\'s mask): the three come first', { skip: !fs.existsSync(CAMVID) && `${CAMVID} not found` }, () => {
  const d = tempDir();
  const [images, masks] = [path.join(d, 'images'), path.join(d, 'masks')];
  fs.mkdirSync(images); fs.mkdirSync(masks);
  const files = fs.readdirSync(path.join(CAMVID, 'val')).sort().filter((_, i) => i % 8 === 0).slice(0, 12);
  for (const f of files) { fs.copyFileSync(path.join(CAMVID, 'val', f), path.join(images, f)); fs.copyFileSync(path.join(CAMVID, 'valannot', f), path.join(masks, f)); }
  const rewrite = (f: string, fn: (v: number) => number, from = f) => {
    const m = readMask(path.join(CAMVID, 'valannot', from));
    fs.writeFileSync(path.join(masks, f), encodeLabelPng(m.data.map((v) => (v === 11 ? 11 : fn(v))), m.width, m.height, []));
  };
  rewrite(files[2], (v) => (v === 0 ? 1 : v === 1 ? 0 : v)); // Sky <-> Building
  rewrite(files[5], (v) => (v < 10 ? v + 1 : v)); // ids one up
  rewrite(files[8], (v) => v, files[11]); // another image's mask
  const out = path.join(d, 'qa');
  const r = spawnSync(process.execPath, [BIN(), 'verify', '--images', images, '--masks', masks, '--classes', '12', '--ignore-index', '11', '--class-file', 'camvid', '--model', 'camvid', '--report', out, '--worst', '4', '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const qa = JSON.parse(fs.readFileSync(path.join(out, 'qa.json'), 'utf8'));
  const top3 = qa.slice(0, 3).map((x: { image: string }) => path.basename(x.image)).sort();
  assert.deepEqual(top3, [files[2], files[5], files[8]].sort(), JSON.stringify(qa.slice(0, 5), null, 1));
  const kinds = new Map(qa.slice(0, 3).map((x: { image: string; findings: { kind: string }[] }) => [path.basename(x.image), x.findings.map((f) => f.kind)]));
  assert.ok((kinds.get(files[2]) as string[]).includes('swap'));
  assert.ok((kinds.get(files[5]) as string[]).includes('offset'));
  assert.ok((kinds.get(files[8]) as string[]).includes('other-image'));
  assert.ok(fs.statSync(path.join(out, 'qa.jpg')).size > 10_000);
  // The flagged as a split list, most suspect first: convert --to writes just them for a labelling tool.
  const flagged = fs.readFileSync(path.join(out, 'flagged.txt'), 'utf8').trim().split('\n');
  assert.deepEqual(flagged, qa.filter((x: { findings: unknown[] }) => x.findings.length).map((x: { image: string }) => path.basename(x.image)));
  assert.deepEqual(flagged.slice(0, 3).sort(), top3);
  const ls = path.join(d, 'review');
  const c = spawnSync(process.execPath, [BIN(), 'convert', '--to', 'labelstudio', '--images', images, '--masks', masks, '--class-file', 'camvid', '--ignore-index', '11', '--list', path.join(out, 'flagged.txt'), '--out', ls, '--quiet'], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  const tasks = JSON.parse(fs.readFileSync(path.join(ls, 'labelstudio.json'), 'utf8'));
  assert.deepEqual(tasks.map((t: { data: { image: string } }) => t.data.image).sort(), [...flagged].sort());
});

function BIN() { return path.resolve('bin/pixelwise.js'); }

test('imageQa refuses a prediction of another size than the mask by name (it was scored on the shorter part)', async () => {
  const { UserError } = await import('../../src/util/errors.ts');
  assert.throws(() => imageQa(new Uint8Array(4), new Uint8Array(3), 2, 255, ['a', 'b']), (e: Error) => e instanceof UserError && e.argument === 'pred' && e.message === 'pred: 3 pixels against 4 of the mask; give label maps of the same image');
});
