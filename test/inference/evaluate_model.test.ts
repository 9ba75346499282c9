// load()'s evaluate(): scores against masks made from the model's own label maps with known
// changes, so that the confusion matrix and every score are computed here by hand; the same
// numbers as `pixelwise evaluate --json`; refusals by argument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { load } from '../../src/inference/load.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir, writeGreyPng } from '../helpers.ts';

const PHOTOS = ['chelsea.png', 'coffee.png'];

test('evaluate(): the confusion matrix and scores of masks with known changes, as computed by hand and as the command reports them', async () => {
  const d = tempDir();
  const seg = await load('voc-fast', { threads: 1 });
  const k = seg.card.model.numClasses;
  const conf = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const images = path.join(d, 'images'), masks = path.join(d, 'masks');
  fs.mkdirSync(images);
  for (const [n, file] of PHOTOS.entries()) {
    fs.copyFileSync(path.join('assets/photos', file), path.join(images, file));
    const r = await seg.segment(path.join(images, file), { probabilities: false });
    // The truth: the prediction, a block of class 3 + n, a block of 200 (read as class 0 by the
    // label map) and a block of 255 (ignored).
    const gt = Uint8Array.from(r.labels);
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) {
        const i = y * r.width + x;
        if (x < 60 && y < 40) gt[i] = 3 + n;
        else if (x >= 100 && x < 130 && y < 50) gt[i] = 200;
        else if (y >= r.height - 20) gt[i] = 255;
      }
    }
    writeGreyPng(path.join(masks, file), gt, r.width, r.height);
    for (let i = 0; i < gt.length; i++) {
      if (gt[i] === 255) continue;
      conf[gt[i] === 200 ? 0 : gt[i]][r.labels[i]]++;
    }
  }
  const e = await seg.evaluate({ images, masks }, { labelMap: [[200, 0]] });
  await seg.dispose();
  assert.deepEqual(e.confusion, conf);
  assert.equal(e.images, 2);
  const pixels = conf.flat().reduce((a, b) => a + b, 0);
  assert.equal(e.pixels, pixels);
  assert.equal(e.pixelAccuracy, conf.reduce((a, row, c) => a + row[c], 0) / pixels);
  const ious: number[] = [];
  for (let c = 0; c < k; c++) {
    const tp = conf[c][c], fn = conf[c].reduce((a, b) => a + b, 0) - tp, fp = conf.reduce((a, row) => a + row[c], 0) - tp;
    const name = seg.card.classes[c].name, got = e.perClass.find((p) => p.name === name)!;
    const union = tp + fp + fn;
    if (union === 0) { assert.equal(got.iou, null, name); continue; } // neither true nor predicted: not in the mean
    assert.ok(Math.abs(got.iou! - tp / union) < 1e-12, name);
    ious.push(tp / union);
  }
  assert.ok(Math.abs(e.mIoU - ious.reduce((a, b) => a + b, 0) / ious.length) < 1e-12);
  assert.ok(e.mIoU < 1 && e.mIoU > 0.3, String(e.mIoU));

  const cli = spawnSync(process.execPath, ['bin/pixelwise.js', 'evaluate', '--model', 'voc-fast', '--images', images, '--masks', masks, '--label-map', '200:0', '--json', '--report', path.join(d, 'report'), '--threads', '1'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const j = JSON.parse(cli.stdout);
  for (const key of ['mIoU', 'pixelAccuracy', 'meanAccuracy', 'fwIoU', 'pixels'] as const) assert.equal(e[key], j[key], key);
});

test('evaluate(): refusals name the argument; nothing to score is said', async () => {
  const d = tempDir();
  const seg = await load('voc-fast', { threads: 1 });
  const images = path.join(d, 'images'), masks = path.join(d, 'masks');
  fs.mkdirSync(images);
  fs.copyFileSync('assets/photos/chelsea.png', path.join(images, 'a.png'));
  writeGreyPng(path.join(masks, 'a.png'), new Uint8Array(451 * 300).fill(255), 451, 300);
  const refused = async (p: Promise<unknown>, argument: string, re: RegExp) => assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof UserError, String(e));
    assert.equal((e as UserError).argument, argument, e.message);
    assert.match(e.message, re);
    return true;
  });
  const call = seg.evaluate as (...a: unknown[]) => Promise<unknown>;
  await refused(call(null), 'data', /^data: evaluate\(\) takes/);
  await refused(call({ images }), 'masks', /^masks: evaluate\(\) takes \{ images, masks \}/);
  await refused(call({ images, masks }, { ignoreIndex: 300 }), 'ignoreIndex', /ignoreIndex/);
  await refused(call({ images, masks }, { labelMap: [[1, 99]] }), 'labelMap', /maps to a class the model lacks/);
  await refused(call({ images, masks }, { ignore: 3 }), 'options', /ignore/);
  await refused(call({ images: path.join(d, 'none'), masks }), 'images', /none/);
  await refused(call({ images, masks }), 'masks', /no pixel was scored \(every ground-truth pixel is the ignore label 255\)/);
  const ac = new AbortController();
  ac.abort(new Error('stopped'));
  await assert.rejects(call({ images, masks }, { signal: ac.signal }), /stopped/);
  writeGreyPng(path.join(masks, 'a.png'), new Uint8Array(451 * 300).fill(77), 451, 300);
  await assert.rejects(call({ images, masks }), /a\.png: label 77 is neither one of the 21 class ids \(0\.\.20\) nor the ignore label 255/);
  await seg.dispose();
  await refused(call({ images, masks }), 'model', /disposed|dispose/);
});

test('evaluate({ data }): a dataset in a standard layout gives the val split, its ignore label and label map, as evaluate --data does', async () => {
  const d = tempDir();
  // A CamVid tree (SPLIT/ and SPLITannot/): 12 classes, 11 the ignore label; camvid-live predicts those 12.
  const root = path.join(d, 'camvid');
  fs.mkdirSync(path.join(root, 'val'), { recursive: true });
  fs.mkdirSync(path.join(root, 'valannot'));
  for (const [n, file] of PHOTOS.entries()) {
    fs.copyFileSync(path.join('assets/photos', file), path.join(root, 'val', file));
    const { width, height } = await sharp(path.join('assets/photos', file)).metadata() as { width: number; height: number };
    // Road below, sky above, 11 (Unlabelled) in a band between: ignored by the layout's default.
    const gt = new Uint8Array(width * height).map((_, i) => { const y = Math.floor(i / width); return y < height / 2 - 10 ? 0 : y < height / 2 + 10 ? 11 : 3 + n; });
    writeGreyPng(path.join(root, 'valannot', file), gt, width, height);
  }
  // The layout is recognised by train/ and trainannot/.
  fs.cpSync(path.join(root, 'val'), path.join(root, 'train'), { recursive: true });
  fs.cpSync(path.join(root, 'valannot'), path.join(root, 'trainannot'), { recursive: true });
  const seg = await load('camvid-live', { threads: 1 });
  const byLayout = await seg.evaluate({ data: root });
  const byFolders = await seg.evaluate({ images: path.join(root, 'val'), masks: path.join(root, 'valannot') }, { ignoreIndex: 11 });
  assert.deepEqual(byLayout, byFolders);
  assert.equal(byLayout.confusion.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0), byLayout.pixels);
  assert.equal(byLayout.confusion[11].reduce((a, b) => a + b, 0), 0, 'the ignore label is not scored');
  const cli = spawnSync(process.execPath, ['bin/pixelwise.js', 'evaluate', '--model', 'camvid-live', '--data', root, '--json', '--report', path.join(d, 'report'), '--threads', '1'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(byLayout.mIoU, JSON.parse(cli.stdout).mIoU);
  const refused = async (p: Promise<unknown>, argument: string, re: RegExp) => assert.rejects(p, (e: Error) => e instanceof UserError && (e as UserError).argument === argument && re.test(e.message));
  const call = seg.evaluate as (...a: unknown[]) => Promise<unknown>;
  await refused(call({ data: root, images: root }), 'data', /give it or images and masks, not both/);
  await refused(call({ images: root, masks: root, split: 'val' }), 'split', /give its folder as data/);
  await refused(call({ data: root, splits: 'val' }), 'data', /^splits val: not a data setting of evaluate\(\)/);
  await refused(call({ data: root, split: 'test' }), 'split', /^split test: no .*test \(splits here: train, val\)/);
  await seg.dispose();
  const voc = await load('voc-fast', { threads: 1 });
  await refused((voc.evaluate as (...a: unknown[]) => Promise<unknown>)({ data: root }), 'data', /a camvid dataset of 12 classes; the model predicts 21 \(options.classMap joins the two\)/);
  await voc.dispose();

  // A model of other classes, joined to the dataset's by a class map: as evaluate --class-map scores it.
  const cs = await load('cityscapes', { threads: 1 });
  const mapped = await cs.evaluate({ data: root }, { classMap: 'cityscapes-camvid' });
  const cmd = spawnSync(process.execPath, ['bin/pixelwise.js', 'evaluate', '--model', 'cityscapes', '--data', root, '--class-map', 'cityscapes-camvid', '--json', '--report', path.join(d, 'report2'), '--threads', '1'], { encoding: 'utf8' });
  assert.equal(cmd.status, 0, cmd.stderr);
  const j = JSON.parse(cmd.stdout);
  assert.equal(mapped.mIoU, j.mIoU);
  assert.deepEqual(mapped.perClass.map((c) => c.name), Object.keys(j.perClass));
  assert.deepEqual(mapped.classMap, j.classMap);
  const camvidClasses = JSON.parse(fs.readFileSync('models/camvid/model.json', 'utf8')).classes;
  const mappedByFolders = await cs.evaluate({ images: path.join(root, 'val'), masks: path.join(root, 'valannot') }, { classMap: 'cityscapes-camvid', classes: camvidClasses, ignoreIndex: 11 });
  assert.equal(mappedByFolders.mIoU, mapped.mIoU);
  const callCs = cs.evaluate as (...a: unknown[]) => Promise<unknown>;
  await refused(callCs({ images: path.join(root, 'val'), masks: path.join(root, 'valannot') }, { classMap: 'cityscapes-camvid' }), 'classMap', /needs the dataset's classes/);
  await refused(callCs({ data: root }, { classes: camvidClasses }), 'classes', /go with options.classMap/);
  await cs.dispose();
});
