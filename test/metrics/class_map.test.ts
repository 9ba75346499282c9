// Scoring a model on a dataset of other classes: the class map's groups, misses and unscored
// classes on a hand-computed case; through `evaluate --class-map` on a shipped model against IoUs
// counted here from the library's label maps; on the real CamVid val with the Cityscapes model,
// against a table written here (SegNet's grouping); one-line refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ConfusionMatrix } from '../../src/metrics/confusion.ts';
import { IGNORED, OTHER, classMapping } from '../../src/metrics/class_map.ts';
import { openSegmenter } from '../../src/inference/open.ts';
import { readImage } from '../../src/data/image_io.ts';
import { CAMVID_CLASSES } from '../../src/data/class_sets.ts';
import { UserError } from '../../src/util/errors.ts';
import { cliMessage } from '../../src/cli/flags.ts';
import { tempDir, writeGreyPng } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');
const close = (a: number | null | undefined, b: number, msg = '') => assert.ok(a != null && Math.abs(a - b) < 1e-12, `${msg}: ${a} != ${b}`);
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });

test('a class map joins classes by pairs and by name; a model class in no pair is a miss, a dataset class in none unscored (hand-computed)', () => {
  const model = ['road', 'car', 'truck', 'sky', 'tree'];
  const dataset = ['Road', 'Vehicle', 'Building', 'void'];
  const map = classMapping(model, dataset, [['car', 'Vehicle'], ['truck', 'Vehicle']], 3);
  assert.deepEqual(map.names, ['Road', 'Vehicle', 'Building', OTHER]);
  assert.deepEqual(map.groups, [{ name: 'Road', model: ['road'], dataset: ['Road'] }, { name: 'Vehicle', model: ['car', 'truck'], dataset: ['Vehicle'] }]);
  assert.deepEqual([map.leftOut, map.notScored, map.unscored], [['sky', 'tree'], ['Building'], [2, 3]]);
  // gt (dataset ids):   Road Road Vehicle Vehicle Building Building void Road
  // pred (model ids):   road sky  car     truck   road     tree     road car
  const gt = [0, 0, 1, 1, 2, 2, 3, 0], pred = [0, 3, 1, 2, 0, 4, 0, 1];
  const cm = new ConfusionMatrix(map.names.length, { ignoreIndex: IGNORED, unscored: map.unscored });
  cm.add(pred.map((p) => map.pred[p]), gt.map((g) => map.truth[g]));
  const s = cm.scores(map.names);
  // Road: truth at 0, 1, 7 (hit, miss by sky, Vehicle); predicted at 0 and 4 (Building's): 1 / (3 + 2 - 1).
  // Vehicle: truth at 2, 3 (both hit); predicted at 2, 3, 7: 2 / (2 + 3 - 2). The void pixel is not counted.
  assert.deepEqual(s.perClass.map((c) => c.name), ['Road', 'Vehicle']);
  close(s.perClass[0].iou, 1 / 4, 'Road');
  close(s.perClass[1].iou, 2 / 3, 'Vehicle');
  close(s.mIoU, (1 / 4 + 2 / 3) / 2, 'mIoU');
  close(s.pixelAccuracy, 3 / 5, 'pixel accuracy');
  // One model class onto two dataset classes (a finer dataset): one group, named after the model's class.
  const fine = classMapping(['road', 'car'], ['Road', 'Lane Marking', 'Car'], { road: ['Road', 'Lane Marking'] });
  assert.deepEqual(fine.names, ['road', 'Car']);
  assert.deepEqual([fine.truth[0], fine.truth[1], fine.truth[2], fine.truth[3]], [0, 0, 1, 254]);
  // Names in any case and spacing; auto joins the same names only; refusals in one line naming the classes.
  assert.deepEqual(classMapping(['Traffic_Sign'], ['traffic sign'], 'auto').names, ['traffic sign']);
  const refused = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof UserError && re.test(cliMessage(e)));
  refused(() => classMapping(model, dataset, [['lorry', 'Vehicle']]), /^--class-map the pairs given: "lorry" is none of the model's classes \(road, car, truck, sky, tree\)$/);
  refused(() => classMapping(model, dataset, { car: 'void' }, 3), /"void" is none of the dataset's classes \(Road, Vehicle, Building\)$/);
  refused(() => classMapping(['a'], ['b'], 'auto'), /^--class-map auto: joins none of the model's classes \(a\) to the dataset's \(b\); pair them as MODEL=DATASET$/);
  refused(() => classMapping(['a'], ['b'], 'voc-camvid'), /^--class-map voc-camvid: no such built-in map \(auto, cityscapes-camvid\), nor pairs$/);
});

test('evaluate --class-map: the shipped person model on a dataset of three classes, IoUs as counted here from the library\'s label maps; refusals in one line', async () => {
  const d = tempDir();
  const images = path.join(d, 'images'), masks = path.join(d, 'masks');
  fs.mkdirSync(images); fs.mkdirSync(masks);
  const seg = await openSegmenter('person', { threads: 2 });
  const cases: { pred: Uint8Array; gt: Uint8Array }[] = [];
  for (const name of ['astronaut', 'chelsea']) {
    fs.copyFileSync(path.resolve('assets/photos', `${name}.png`), path.join(images, `${name}.png`));
    const img = await readImage(path.join(images, `${name}.png`));
    const [pred] = await seg.predictBatch([img]);
    // Truth: the model's person where it says so, but a band of the top rows a "tree" (2), the
    // left columns "human" whatever it said (1), a square void (255); elsewhere "ground" (0).
    const gt = new Uint8Array(pred.length);
    for (let i = 0; i < gt.length; i++) {
      const x = i % img.width, y = Math.floor(i / img.width);
      gt[i] = y < 20 ? 2 : x < 30 ? 1 : x >= 100 && x < 140 && y >= 100 && y < 140 ? 255 : pred[i] === 1 ? 1 : 0;
    }
    writeGreyPng(path.join(masks, `${name}.png`), gt, img.width, img.height);
    cases.push({ pred, gt });
  }
  await seg.dispose();
  fs.writeFileSync(path.join(d, 'classes.json'), JSON.stringify([{ name: 'ground', color: [0, 0, 0] }, { name: 'human', color: [255, 0, 0] }, { name: 'tree', color: [0, 255, 0] }]));
  // Counted here: person -> human, background -> ground; tree unscored (its pixels' predictions still count).
  const iou = (model: number, data: number) => {
    let tp = 0, gtN = 0, predN = 0;
    for (const { pred, gt } of cases) for (let i = 0; i < gt.length; i++) {
      if (gt[i] === 255) continue;
      if (gt[i] === data) gtN++;
      if (pred[i] === model) predN++;
      if (gt[i] === data && pred[i] === model) tp++;
    }
    return tp / (gtN + predN - tp);
  };
  const r = run('evaluate', '--model', 'person', '--images', images, '--masks', masks, '--class-file', path.join(d, 'classes.json'),
    '--class-map', 'person=human,background=ground', '--json', '--bootstrap', '0', '--report', path.join(d, 'rep'), '--quiet', '--boundary');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /class map: 2 classes scored \(background -> ground; person -> human\); the dataset's tree not scored \(no model class\)/);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j.perClass), ['ground', 'human']);
  assert.equal(j.confusion.length, 3, 'tree stays in the matrix');
  close(j.perClass.ground.iou, iou(0, 0), 'ground');
  close(j.perClass.human.iou, iou(1, 1), 'human');
  close(j.mIoU, (iou(0, 0) + iou(1, 1)) / 2, 'mIoU');
  assert.deepEqual(j.classMap.datasetClassesNotScored, ['tree']);
  // The same pairs from a JSON file.
  fs.writeFileSync(path.join(d, 'map.json'), JSON.stringify({ person: 'human', background: ['ground'] }));
  const f = run('evaluate', '--model', 'person', '--images', images, '--masks', masks, '--class-file', path.join(d, 'classes.json'), '--class-map', path.join(d, 'map.json'), '--json', '--bootstrap', '0', '--report', path.join(d, 'rep2'), '--quiet');
  assert.equal(f.status, 0, f.stderr);
  assert.equal(JSON.parse(f.stdout).mIoU, j.mIoU);
  for (const [args, msg] of [
    [['--class-map', 'person=humans'], /^pixelwise: --class-map the pairs given: "humans" is none of the dataset's classes \(ground, human, tree\)$/],
    [['--class-map', 'person'], /^pixelwise: --class-map person: "person" is not MODEL=DATASET/],
    [['--class-map', 'auto', '--record'], /^pixelwise: --class-map: scores the map's classes, not the model's; drop --record$/],
  ] as const) {
    const e = run('evaluate', '--model', 'person', '--images', images, '--masks', masks, '--class-file', path.join(d, 'classes.json'), ...args, '--report', path.join(d, 'rep3'));
    assert.notEqual(e.status, 0);
    assert.match(e.stderr.trim(), msg);
    assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
  }
  const noClasses = run('evaluate', '--model', 'person', '--images', images, '--masks', masks, '--class-map', 'auto', '--report', path.join(d, 'rep3'));
  assert.match(noClasses.stderr.trim(), /^pixelwise: --class-map auto: needs the dataset's classes: --data in a standard layout, or --class-file \(the dataset's class list\)$/);

  // compare: the person model (A, mapped) against a model of the dataset's own three classes (B),
  // both scored in the map's classes; each IoU as counted here from its label maps.
  const runDir = path.join(d, 'run');
  const t = run('train', '--arch', 'unet', '--width', '4', '--depth', '2', '--images', images, '--masks', masks, '--classes', '3', '--class-file', path.join(d, 'classes.json'),
    '--input-size', '64x64', '--epochs', '1', '--batch-size', '2', '--out', runDir, '--quiet', '--workers', '0');
  assert.equal(t.status, 0, t.stderr);
  const own = await openSegmenter(runDir, { threads: 2 });
  const predB: Uint8Array[] = [];
  for (const name of ['astronaut', 'chelsea']) predB.push((await own.predictBatch([await readImage(path.join(images, `${name}.png`))]))[0]);
  await own.dispose();
  const c = run('compare', 'person', runDir, '--images', images, '--masks', masks, '--class-file', path.join(d, 'classes.json'), '--class-map', 'person=human,background=ground',
    '--bootstrap', '10', '--report', path.join(d, 'cmp'), '--quiet', '--boundary');
  assert.equal(c.status, 0, c.stderr);
  const cj = JSON.parse(fs.readFileSync(path.join(d, 'cmp', 'compare.json'), 'utf8'));
  close(cj.mIoU.a, j.mIoU, 'A as evaluate --class-map scores it');
  close(cj.boundaryF1.a, j.meanBoundaryF1, 'A\'s boundary F1 as evaluate --boundary gives it');
  assert.match(c.stdout, /^boundary F1 A [\d.]+, B [\d.]+: B - A [+-][\d.]+ points, 95% interval \[[+-][\d.]+, [+-][\d.]+\]/m);
  assert.ok(cj.boundaryF1.low <= cj.boundaryF1.diff + 1e-12 && cj.boundaryF1.diff <= cj.boundaryF1.high + 1e-12 && Math.abs(cj.boundaryF1.diff - (cj.boundaryF1.b - cj.boundaryF1.a)) < 1e-12);
  // B: its tree predictions (class 2, not scored) are misses of the truth's class there.
  const saved = cases.map((x) => x.pred);
  cases.forEach((x, i) => { x.pred = predB[i]; });
  close(cj.perClass.ground.b, iou(0, 0), 'B ground');
  close(cj.perClass.human.b, iou(1, 1), 'B human');
  close(cj.mIoU.b, (iou(0, 0) + iou(1, 1)) / 2, 'B mIoU');
  cases.forEach((x, i) => { x.pred = saved[i]; });
  assert.ok(fs.existsSync(path.join(d, 'cmp', 'differ.jpg')));
  const both = run('compare', runDir, runDir, '--images', images, '--masks', masks, '--class-file', path.join(d, 'classes.json'), '--class-map', 'auto', '--report', path.join(d, 'cmp2'));
  assert.match(both.stderr.trim(), /^pixelwise: --class-map auto: both models predict the dataset's classes; leave it out$/);
  const without = run('compare', 'person', runDir, '--images', images, '--masks', masks, '--report', path.join(d, 'cmp2'));
  assert.match(without.stderr.trim(), /predicts other classes than person \(3 against 2\); compare models of the same classes, or score both in the dataset's with --class-map$/);
});

const CAMVID = path.resolve('../shared/data/camvid');
test('evaluate --class-map cityscapes-camvid: the Cityscapes model on CamVid val, as a table written here scores it', { skip: !fs.existsSync(CAMVID) && `${CAMVID} not found` }, async () => {
  // Four val images in a CamVid folder of their own (links), so that the command scores just them.
  const files = fs.readdirSync(path.join(CAMVID, 'val')).filter((f) => f.endsWith('.png')).sort().slice(0, 4);
  const d = tempDir(), root = path.join(d, 'camvid');
  for (const sub of ['train', 'trainannot', 'val', 'valannot']) fs.mkdirSync(path.join(root, sub), { recursive: true });
  for (const f of files) for (const sub of ['val', 'valannot']) fs.symlinkSync(path.join(CAMVID, sub, f), path.join(root, sub, f));
  const scored = run('evaluate', '--model', 'cityscapes', '--data', root, '--class-map', 'cityscapes-camvid', '--json', '--bootstrap', '0', '--report', path.join(d, 'rep'), '--quiet');
  assert.equal(scored.status, 0, scored.stderr);
  const j = JSON.parse(scored.stdout);
  // Cityscapes trainId -> CamVid class (SegNet's grouping), 11 (Unlabelled) the ignore label.
  const TO_CAMVID = [3, 4, 1, 1, 7, 2, 6, 6, 5, 5, 0, 9, 10, 8, 8, 8, 8, 10, 10];
  const seg = await openSegmenter('cityscapes', { threads: 2 });
  const tp = new Array(11).fill(0), gtN = new Array(11).fill(0), predN = new Array(11).fill(0);
  for (const f of files) {
    const [pred] = await seg.predictBatch([await readImage(path.join(CAMVID, 'val', f))]);
    const gt = (await readImage(path.join(CAMVID, 'valannot', f))).data;
    for (let i = 0; i < pred.length; i++) {
      const g = gt[i * 3] ?? gt[i], p = TO_CAMVID[pred[i]];
      if (g === 11) continue;
      gtN[g]++; predN[p]++;
      if (g === p) tp[g]++;
    }
  }
  await seg.dispose();
  CAMVID_CLASSES.slice(0, 11).forEach((c, k) => {
    if (gtN[k] + predN[k] === 0) return;
    assert.ok(Math.abs(j.perClass[c.name].iou - tp[k] / (gtN[k] + predN[k] - tp[k])) < 1e-12, c.name);
  });
});
