// evaluate --worst K: the K images scored worst, by the per-image mIoU counted here from the
// model's label maps and the masks; and the errors panel by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { load } from '../../src/inference/load.ts';
import { errorImage } from '../../src/cli/actions/worst_sheet.ts';
import { tempDir, writeGreyPng } from '../helpers.ts';

test('errorImage: wrong scored pixels red, the rest darkened to 35%, pixels not scored never red (hand-computed)', () => {
  const img = { data: Uint8Array.from([100, 200, 20, 10, 10, 10, 255, 255, 255, 0, 0, 0]), width: 2, height: 2 };
  const pred = Uint8Array.from([1, 0, 2, 3]), truth = Uint8Array.from([1, 1, 255, 0]);
  const out = errorImage(img, pred, truth, (t) => t !== 255);
  assert.deepEqual(Array.from(out.data), [35, 70, 7, 255, 0, 0, 89, 89, 89, 255, 0, 0]);
});

test('evaluate --worst K: the sheet shows the K lowest per-image mIoU, as counted from the label maps; scores.json lists them', async () => {
  const d = tempDir(), images = path.join(d, 'images'), masks = path.join(d, 'masks');
  fs.mkdirSync(images);
  const seg = await load('person');
  // Masks: the model's own label map with a band of each image's rows flipped (wider bands, lower scores).
  const names = ['astronaut', 'chelsea', 'coffee', 'dashcam'];
  const miou: Record<string, number> = {};
  for (const [i, name] of names.entries()) {
    const file = path.join(images, `${name}.png`);
    await sharp(path.resolve('assets/photos', `${name}.png`)).resize(64, 48, { fit: 'fill' }).png().toFile(file);
    const labels = (await seg.segment(file)).labels;
    const truth = Uint8Array.from(labels);
    for (let p = 0; p < (4 - i) * 6 * 64; p++) truth[p] = 1 - truth[p];
    writeGreyPng(path.join(masks, `${name}.png`), truth, 64, 48);
    // mIoU over the classes in the truth or the prediction.
    const ious: number[] = [];
    for (const c of [0, 1]) {
      let inter = 0, union = 0;
      for (let p = 0; p < truth.length; p++) { const a = labels[p] === c, b = truth[p] === c; inter += Number(a && b); union += Number(a || b); }
      if (union) ious.push(inter / union);
    }
    miou[name] = ious.reduce((a, b) => a + b, 0) / ious.length;
  }
  await seg.dispose();
  const report = path.join(d, 'report');
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'evaluate', '--model', 'person', '--images', images, '--masks', masks, '--worst', '2', '--report', report, '--bootstrap', '0', '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const expected = Object.entries(miou).sort((a, b) => a[1] - b[1]).slice(0, 2);
  const { worst } = JSON.parse(fs.readFileSync(path.join(report, 'scores.json'), 'utf8'));
  assert.deepEqual(worst.map((w: { id: string }) => w.id), expected.map(([n]) => n));
  worst.forEach((w: { mIoU: number }, i: number) => assert.ok(Math.abs(w.mIoU - expected[i][1]) < 1e-9, `${w.mIoU} vs ${expected[i][1]}`));
  const sheet = await sharp(path.join(report, 'worst.jpg')).metadata();
  assert.ok(sheet.width! > 4 * 140 && sheet.height! > 2 * 140, `${sheet.width}x${sheet.height}: two strips of four panels`);
  assert.match(r.stdout, /the 2 worst images .*worst\.jpg/);
});
