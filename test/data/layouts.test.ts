// The standard dataset layouts, each as a small fixture in its real folder structure: recognised,
// paired by its own rules (suffixes, subfolders, split lists), its mask values mapped to class ids
// exactly; folders with mask suffixes and subfolders; one-line errors and pairing hints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { detectLayout, resolveLayout } from '../../src/data/layouts.ts';
import { loadSamples, pairSamples, type DatasetSpec } from '../../src/data/dataset.ts';
import { readCheckedMask } from '../../src/data/loader.ts';
import { encodeLabelPng } from '../../src/data/mask_io.ts';
import { CITYSCAPES_CLASSES, VOC_CLASSES } from '../../src/data/class_sets.ts';
import { UserError } from '../../src/util/errors.ts';
import { cliMessage } from '../../src/cli/flags.ts';
import { tempDir, writeGreyPng, writeRgb } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');
const W = 8, H = 4;
const img = (f: string) => writeRgb(f, new Uint8Array(W * H * 3).fill(100), W, H);
const grey = (f: string, values: number[]) => writeGreyPng(f, Uint8Array.from({ length: W * H }, (_, i) => values[i % values.length]), W, H);
const palette = (f: string, values: number[]) => {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, encodeLabelPng(Uint8Array.from({ length: W * H }, (_, i) => values[i % values.length]), W, H, VOC_CLASSES.map((c) => c.color)));
};

/** Class ids of a split's samples as training reads them (the layout's label map applied). */
function classIds(r: ReturnType<typeof resolveLayout>): Map<string, number[]> {
  const spec: DatasetSpec = { ...r.pairing, numClasses: r.classes!.length, ignoreIndex: r.ignoreIndex, labelMap: new Map(r.labelMap) };
  return new Map(loadSamples(spec).map((s) => [s.id, Array.from(readCheckedMask(s.mask!, spec, { width: W, height: H }).slice(0, 8))]));
}

async function cityscapes(root: string) {
  for (const [split, city, n] of [['train', 'aachen', '000000_000019'], ['train', 'bochum', '000000_000313'], ['val', 'frankfurt', '000000_000294']]) {
    const base = `${city}_${n}`;
    await img(path.join(root, 'leftImg8bit', split, city, `${base}_leftImg8bit.png`));
    // labelIds: road 7, car 26, unlabelled 0, bicycle 33, license plate -1 (stored as 255), terrain 22.
    grey(path.join(root, 'gtFine', split, city, `${base}_gtFine_labelIds.png`), [7, 26, 0, 33, 255, 22, 8, 24]);
    // The other files of gtFine are not masks.
    grey(path.join(root, 'gtFine', split, city, `${base}_gtFine_instanceIds.png`), [26000]);
    await img(path.join(root, 'gtFine', split, city, `${base}_gtFine_color.png`));
    fs.writeFileSync(path.join(root, 'gtFine', split, city, `${base}_gtFine_polygons.json`), '{}');
  }
}

test('cityscapes: leftImg8bit/SPLIT/CITY with gtFine labelIds, paired across cities, labelIds -> trainIds (the rest void)', async () => {
  const root = tempDir();
  await cityscapes(root);
  assert.deepEqual(detectLayout(root), { layout: 'cityscapes', root });
  const r = resolveLayout('auto', root, 'train');
  assert.equal(r.classes!.length, 19);
  const ids = classIds(r);
  assert.deepEqual([...ids.keys()], ['aachen/aachen_000000_000019', 'bochum/bochum_000000_000313']);
  // road 0, car 13, void, bicycle 18, void, terrain 9, sidewalk 1, person 11.
  assert.deepEqual(ids.get('aachen/aachen_000000_000019'), [0, 13, 255, 18, 255, 9, 1, 11]);
  assert.equal(classIds(resolveLayout('cityscapes', root, 'val')).size, 1);
  assert.throws(() => resolveLayout('cityscapes', root, 'test'), (e: Error) => e instanceof UserError && cliMessage(e).startsWith(`--split test: no ${path.join(root, 'leftImg8bit', 'test')} (splits here: train, val)`));
});

test('voc: JPEGImages with palette SegmentationClass (255 void), the split from ImageSets; found inside VOCdevkit/VOC2012', async () => {
  const top = tempDir();
  const root = path.join(top, 'VOCdevkit', 'VOC2012');
  for (const id of ['2007_000032', '2007_000039', '2007_000063']) {
    await writeRgb(path.join(root, 'JPEGImages', `${id}.jpg`).replace('.jpg', '.png'), new Uint8Array(W * H * 3), W, H);
    fs.renameSync(path.join(root, 'JPEGImages', `${id}.png`), path.join(root, 'JPEGImages', `${id}.jpg`));
    palette(path.join(root, 'SegmentationClass', `${id}.png`), [0, 1, 15, 255]);
  }
  // A JPEG named .jpg must be a JPEG for sharp: rewrite them as real JPEGs.
  const sharp = (await import('sharp')).default;
  for (const f of fs.readdirSync(path.join(root, 'JPEGImages'))) {
    const p = path.join(root, 'JPEGImages', f);
    fs.writeFileSync(p, await sharp(fs.readFileSync(p)).jpeg().toBuffer());
  }
  fs.mkdirSync(path.join(root, 'ImageSets', 'Segmentation'), { recursive: true });
  fs.writeFileSync(path.join(root, 'ImageSets', 'Segmentation', 'train.txt'), '2007_000032\n2007_000063\n');
  fs.writeFileSync(path.join(root, 'ImageSets', 'Segmentation', 'val.txt'), '2007_000039\n');
  assert.deepEqual(detectLayout(top), { layout: 'voc', root });
  const r = resolveLayout('voc', top, 'train');
  const ids = classIds(r);
  assert.deepEqual([...ids.keys()], ['2007_000032', '2007_000063']);
  assert.deepEqual(ids.get('2007_000032'), [0, 1, 15, 255, 0, 1, 15, 255]);
  assert.throws(() => resolveLayout('voc', top, 'trainaug'), (e: Error) => e instanceof UserError && /^--split trainaug: no .*trainaug\.txt \(splits here: train, val\)$/.test(cliMessage(e)));

  // The SBD-augmented split: its list names images whose masks are in SegmentationClassAug only
  // (grey indices, as the augmented set is distributed), in its two-path line form.
  await writeRgb(path.join(root, 'JPEGImages', '2008_000002.png'), new Uint8Array(W * H * 3), W, H);
  fs.writeFileSync(path.join(root, 'JPEGImages', '2008_000002.jpg'), await sharp(fs.readFileSync(path.join(root, 'JPEGImages', '2008_000002.png'))).jpeg().toBuffer());
  fs.rmSync(path.join(root, 'JPEGImages', '2008_000002.png'));
  fs.mkdirSync(path.join(root, 'SegmentationClassAug'));
  for (const id of ['2007_000032', '2008_000002']) grey(path.join(root, 'SegmentationClassAug', `${id}.png`), [20, 0, 255, 7]);
  fs.writeFileSync(path.join(root, 'ImageSets', 'Segmentation', 'train_aug.txt'), '/JPEGImages/2007_000032.jpg /SegmentationClassAug/2007_000032.png\n/JPEGImages/2008_000002.jpg /SegmentationClassAug/2008_000002.png\n');
  const aug = resolveLayout('voc', top, 'train_aug');
  assert.equal(aug.pairing.masks, path.join(root, 'SegmentationClassAug'));
  assert.deepEqual([...classIds(aug).entries()], [['2007_000032', [20, 0, 255, 7, 20, 0, 255, 7]], ['2008_000002', [20, 0, 255, 7, 20, 0, 255, 7]]]);
  assert.equal(resolveLayout('voc', top, 'train').pairing.masks, path.join(root, 'SegmentationClass'), 'the official split keeps the official masks');
  // A copy with only the augmented masks is still a VOC folder.
  const augOnly = tempDir();
  fs.cpSync(root, augOnly, { recursive: true });
  fs.rmSync(path.join(augOnly, 'SegmentationClass'), { recursive: true });
  assert.deepEqual(detectLayout(augOnly), { layout: 'voc', root: augOnly });
  assert.equal(resolveLayout('auto', augOnly, 'train_aug').pairing.masks, path.join(augOnly, 'SegmentationClassAug'));
});

test('ade20k: images/annotations with training/validation; 0 = other reduced to void by default (k -> k - 1), kept as class 0 of 151 when asked', async () => {
  const root = path.join(tempDir(), 'ADEChallengeData2016');
  await img(path.join(root, 'images', 'training', 'ADE_train_00000001.jpg').replace('.jpg', '.png'));
  grey(path.join(root, 'annotations', 'training', 'ADE_train_00000001.png'), [0, 1, 150, 13]);
  await img(path.join(root, 'images', 'validation', 'ADE_val_00000001.png'));
  grey(path.join(root, 'annotations', 'validation', 'ADE_val_00000001.png'), [0]);
  assert.equal(detectLayout(path.dirname(root))!.layout, 'ade20k');
  const reduced = resolveLayout('ade20k', path.dirname(root), 'train'); // train: an alias of training
  assert.equal(reduced.split, 'training');
  assert.equal(reduced.classes!.length, 150);
  assert.deepEqual(classIds(reduced).get('ADE_train_00000001'), [255, 0, 149, 12, 255, 0, 149, 12]);
  const kept = resolveLayout('ade20k', root, 'training', { reduceZeroLabel: false });
  assert.equal(kept.classes!.length, 151);
  assert.equal(kept.classes![0].name, 'other');
  assert.deepEqual(classIds(kept).get('ADE_train_00000001'), [0, 1, 150, 13, 0, 1, 150, 13]);
  assert.equal(resolveLayout('ade20k', root, 'val').split, 'validation');
});

async function camvid(root: string) {
  for (const split of ['train', 'val']) for (const n of ['0001TP_006690', '0001TP_006720']) {
    await img(path.join(root, split, `${split}_${n}.png`));
    grey(path.join(root, `${split}annot`, `${split}_${n}.png`), [0, 3, 8, 11]);
  }
}

test('camvid: SPLIT/ with SPLITannot/, 11 = Unlabelled (the ignore label)', async () => {
  const root = tempDir();
  await camvid(root);
  const r = resolveLayout('auto', root, 'val');
  assert.equal(r.layout, 'camvid');
  assert.equal(r.ignoreIndex, 11);
  assert.deepEqual(classIds(r).get('val_0001TP_006690'), [0, 3, 8, 11, 0, 3, 8, 11]);
  fs.rmSync(path.join(root, 'valannot'), { recursive: true });
  assert.throws(() => resolveLayout('camvid', root, 'val'), (e: Error) => e instanceof UserError && cliMessage(e).includes(`no ${path.join(root, 'valannot')} beside`));
});

test('roboflow: the "Semantic Segmentation Masks" download (train/, valid/, test/ with NAME_mask.png beside each image and _classes.csv): classes by pixel value, val read as valid; train validates on valid', async () => {
  const root = tempDir();
  const classes = 'Pixel Value, Class\r\n0, background\r\n1, crack\r\n2, "pot hole"\r\n';
  for (const [split, names] of [['train', ['a', 'b.rf.5d1f']], ['valid', ['c']], ['test', ['d']]] as const) {
    for (const n of names) { await img(path.join(root, split, `${n}.png`)); grey(path.join(root, split, `${n}_mask.png`), [0, 1, 2, 1]); }
    fs.writeFileSync(path.join(root, split, '_classes.csv'), classes);
  }
  fs.writeFileSync(path.join(root, 'README.roboflow.txt'), 'exported via roboflow.com');
  assert.deepEqual(detectLayout(root), { layout: 'roboflow', root });
  const r = resolveLayout('auto', root, 'train');
  assert.deepEqual(r.classes!.map((c) => c.name), ['background', 'crack', 'pot hole']);
  assert.deepEqual([...classIds(r).entries()], [['a', [0, 1, 2, 1, 0, 1, 2, 1]], ['b.rf.5d1f', [0, 1, 2, 1, 0, 1, 2, 1]]]);
  assert.deepEqual([resolveLayout('roboflow', root, 'val').split, resolveLayout('roboflow', root, 'validation').split], ['valid', 'valid']);
  // Pixel values that skip some: mapped onto 0, 1, 2 in order, the values it skips void.
  fs.writeFileSync(path.join(root, 'test', '_classes.csv'), 'Pixel Value, Class\n0, background\n2, crack\n1, "pot hole"\n');
  const skipping = resolveLayout('roboflow', root, 'test');
  assert.deepEqual(skipping.classes!.map((c) => c.name), ['background', 'pot hole', 'crack']);
  fs.writeFileSync(path.join(root, 'test', '_classes.csv'), 'Pixel Value, Class\n0, background\n3, crack\n');
  assert.deepEqual(classIds(resolveLayout('roboflow', root, 'test')).get('d'), [0, 255, 255, 255, 0, 255, 255, 255]);
  fs.writeFileSync(path.join(root, 'test', '_classes.csv'), 'Pixel Value, Class\n0, background\ncrack\n');
  assert.throws(() => resolveLayout('roboflow', root, 'test'), (e: Error) => e instanceof UserError && cliMessage(e) === `--data ${path.join(root, 'test', '_classes.csv')}: row 3 "crack" is not "PIXEL VALUE, CLASS" (a value 0..254 and a name)`);
  fs.rmSync(path.join(root, 'test'), { recursive: true });
  // The CLI: recognised, and training validates on valid/ with the classes' names.
  const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });
  const v = run('verify', '--data', root, '--quiet');
  assert.equal(v.status, 0, v.stderr + v.stdout);
  assert.match(v.stdout, /roboflow layout \(recognised\), split train\n2 pairs OK/);
  const out = path.join(root, 'run');
  const t = run('train', '--data', root, '--arch', 'unet', '--width', '4', '--depth', '2', '--input-size', '4x8', '--epochs', '1', '--batch-size', '2', '--out', out, '--quiet');
  assert.equal(t.status, 0, t.stderr);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'train.json'), 'utf8'));
  assert.deepEqual([cfg.model.numClasses, cfg.classes[2].name, cfg.val.images], [3, 'pot hole', path.join(root, 'valid')]);
});

test('kitti: training/image_2 with training/semantic (Cityscapes labelIds -> trainIds), found inside data_semantics; its unlabelled testing split refused in one line', async () => {
  const top = tempDir();
  const root = path.join(top, 'data_semantics');
  for (const n of ['000000_10', '000001_10']) {
    await img(path.join(root, 'training', 'image_2', `${n}.png`));
    grey(path.join(root, 'training', 'semantic', `${n}.png`), [7, 26, 0, 33, 255, 22, 8, 24]);
    await img(path.join(root, 'training', 'semantic_rgb', `${n}.png`));
    await img(path.join(root, 'testing', 'image_2', `${n}.png`));
  }
  assert.deepEqual(detectLayout(top), { layout: 'kitti', root });
  const r = resolveLayout('auto', top, 'train');
  assert.equal(r.split, 'training');
  assert.equal(r.classes!.length, 19);
  assert.deepEqual([...classIds(r).entries()], [['000000_10', [0, 13, 255, 18, 255, 9, 1, 11]], ['000001_10', [0, 13, 255, 18, 255, 9, 1, 11]]]);
  assert.throws(() => resolveLayout('kitti', root, 'testing'), (e: Error) => e instanceof UserError && cliMessage(e) === `--split testing: no ${path.join(root, 'testing', 'semantic')} (KITTI labels its training split only)`);
  assert.throws(() => resolveLayout('kitti', root, 'val'), (e: Error) => e instanceof UserError && cliMessage(e) === `--split val: no ${path.join(root, 'val')} (splits here: testing, training)`);
});

test('bdd100k: images/10k/SPLIT with labels/sem_seg/masks/SPLIT (trainIds, 19 and up void), found inside bdd100k/; the 2018 release (seg/, NAME_train_id.png) too', async () => {
  const top = tempDir();
  const root = path.join(top, 'bdd100k');
  for (const [split, n] of [['train', '0a0a0b1a-7c39d841'], ['val', '7d2f7975-e0c1c5a7']]) {
    await img(path.join(root, 'images', '10k', split, `${n}.png`));
    grey(path.join(root, 'labels', 'sem_seg', 'masks', split, `${n}.png`), [0, 13, 255, 18, 19, 10, 1, 11]);
    await img(path.join(root, 'labels', 'sem_seg', 'colormaps', split, `${n}.png`));
  }
  await img(path.join(root, 'images', '10k', 'test', 'ac6d4f42-00000000.png'));
  assert.deepEqual(detectLayout(top), { layout: 'bdd100k', root });
  const r = resolveLayout('auto', top, 'val');
  assert.equal(r.classes![13].name, CITYSCAPES_CLASSES[13].name);
  assert.deepEqual([...classIds(r).entries()], [['7d2f7975-e0c1c5a7', [0, 13, 255, 18, 255, 10, 1, 11]]]);
  const old = path.join(tempDir(), 'bdd100k');
  for (const [split, n] of [['train', '0a0a0b1a-7c39d841'], ['val', '7d2f7975-e0c1c5a7']]) {
    await img(path.join(old, 'seg', 'images', split, `${n}.png`));
    grey(path.join(old, 'seg', 'labels', split, `${n}_train_id.png`), [2, 255, 18, 200]);
    await img(path.join(old, 'seg', 'color_labels', split, `${n}_train_color.png`));
  }
  const o = resolveLayout('bdd100k', path.dirname(old), 'train');
  assert.equal(o.root, old);
  assert.deepEqual([...classIds(o).entries()], [['0a0a0b1a-7c39d841', [2, 255, 18, 255, 2, 255, 18, 255]]]);
});

/** A Mapillary Vistas config of `labels` (name, readable, evaluate), each its own colour. */
const mapillaryConfig = (labels: [string, string, boolean][]) => JSON.stringify({
  labels: labels.map(([name, readable, evaluate], i) => ({ name, readable, color: [i * 40, 255 - i * 40, 7], instances: false, evaluate })),
  version: 'test', mapping: 'public', folder_structure: '{split}/{content}/{key:.{22}}.{ext}',
});
async function mapillary(root: string, version: 'v1.2' | 'v2.0' | 'v1.1') {
  for (const [split, n] of [['training', '__CRyFzoDOXn6unQ6a3DnQ'], ['validation', '_1Gn_xkw7sa_i9GU4mkxxQ']]) {
    await img(path.join(root, split, 'images', `${n}.png`));
    // Label PNGs are palette images, as Vistas ships them; the palette here is VOC's (the indices matter).
    palette(path.join(root, split, ...(version === 'v1.1' ? [] : [version]), 'labels', `${n}.png`), [0, 1, 2, 3]);
  }
}

test('mapillary: SPLIT/images with SPLIT/v1.2/labels (v1.0/1.1: SPLIT/labels), classes from its config in order, Unlabeled void; mapillary-v2 reads v2.0; both present: v1.2 recognised', async () => {
  const root = tempDir();
  await mapillary(root, 'v1.2');
  fs.writeFileSync(path.join(root, 'config_v1.2.json'), mapillaryConfig([['construction--flat--road', 'Road', true], ['void--unlabeled', 'Unlabeled', false], ['object--vehicle--car', 'Car', true], ['marking--general', 'Road', true]]));
  assert.deepEqual(detectLayout(root), { layout: 'mapillary', root });
  const r = resolveLayout('auto', root, 'val');
  assert.equal(r.split, 'validation');
  // Readable names; a readable name taken keeps the label's full name; colours from the config.
  assert.deepEqual(r.classes!.map((c) => c.name), ['Road', 'Car', 'marking--general']);
  assert.deepEqual(r.classes![1].color, [80, 175, 7]);
  assert.deepEqual(classIds(r).get('_1Gn_xkw7sa_i9GU4mkxxQ'), [0, 255, 1, 2, 0, 255, 1, 2]);
  assert.throws(() => resolveLayout('mapillary-v2', root, 'train'), (e: Error) => e instanceof UserError && cliMessage(e).startsWith('--data') && cliMessage(e).includes('not a mapillary-v2 dataset'));
  // v2.0 beside it: auto still reads v1.2; named, v2.0 with its own config.
  await mapillary(root, 'v2.0');
  fs.writeFileSync(path.join(root, 'config_v2.0.json'), mapillaryConfig([['construction--flat--road', 'Road', true], ['object--vehicle--car', 'Car', true], ['void--ground', 'Ground', true], ['void--unlabeled', 'Unlabeled', false]]));
  assert.equal(detectLayout(root)!.layout, 'mapillary');
  const v2 = resolveLayout('mapillary-v2', root, 'train');
  assert.deepEqual(v2.classes!.map((c) => c.name), ['Road', 'Car', 'Ground']);
  assert.deepEqual(classIds(v2).get('__CRyFzoDOXn6unQ6a3DnQ'), [0, 1, 2, 255, 0, 1, 2, 255]);
  // v1.1's layout: labels directly under the split, config.json.
  const legacy = tempDir();
  await mapillary(legacy, 'v1.1');
  fs.writeFileSync(path.join(legacy, 'config.json'), mapillaryConfig([['a', 'A', true], ['b', 'B', true], ['c', 'C', true], ['void--unlabeled', 'Unlabeled', false]]));
  assert.deepEqual(classIds(resolveLayout('auto', legacy, 'train')).get('__CRyFzoDOXn6unQ6a3DnQ'), [0, 1, 2, 255, 0, 1, 2, 255]);
  // One line each: no config, a config without labels, v1.2 asked of a v2.0-only copy.
  fs.rmSync(path.join(legacy, 'config.json'));
  assert.throws(() => resolveLayout('mapillary', legacy, 'train'), (e: Error) => e instanceof UserError && cliMessage(e) === `--data ${legacy}: no config_v1.2.json or config.json in it (the release's config file, which names its labels)`);
  // Without its config file, training/labels is not taken for Vistas (many a dataset has one): images and masks folders in a split folder.
  assert.deepEqual(detectLayout(legacy), { layout: 'folders', root: legacy });
  fs.writeFileSync(path.join(legacy, 'config.json'), '{"labels": {}}');
  assert.throws(() => resolveLayout('mapillary', legacy, 'train'), (e: Error) => e instanceof UserError && cliMessage(e).startsWith(`--data ${path.join(legacy, 'config.json')}: has no "labels" list`));
  fs.rmSync(path.join(root, 'training', 'v1.2'), { recursive: true });
  assert.throws(() => resolveLayout('mapillary', root, 'train'), (e: Error) => e instanceof UserError && cliMessage(e).endsWith("(the split's labels; --layout mapillary-v2 reads v2.0's)"));
});

test('class-dict: the CamVid download of Kaggle (SPLIT/ with SPLIT_labels/NAME_L.png colour masks, class_dict.csv): classes and colours from the file, Void the ignore label', async () => {
  const root = tempDir();
  fs.writeFileSync(path.join(root, 'class_dict.csv'), 'name,r,g,b\r\nAnimal,64,128,64\r\nRoad,128,64,128\r\nVoid,0,0,0\r\n');
  const colors = [[64, 128, 64], [128, 64, 128], [0, 0, 0]];
  const rgbMask = async (f: string, ids: number[]) => writeRgb(f, Uint8Array.from({ length: W * H * 3 }, (_, i) => colors[ids[Math.floor(i / 3) % ids.length]][i % 3]), W, H);
  for (const [split, names] of [['train', ['0001TP_006690', '0001TP_006720']], ['val', ['0016E5_07959']]] as const) {
    for (const n of names) { await img(path.join(root, split, `${n}.png`)); await rgbMask(path.join(root, `${split}_labels`, `${n}_L.png`), [1, 0, 2, 1]); }
  }
  await img(path.join(root, 'test', '0001TP_008550.png'));
  assert.deepEqual(detectLayout(root), { layout: 'class-dict', root });
  const r = resolveLayout('auto', root, 'train');
  assert.deepEqual(r.classes!.map((c) => [c.name, c.color]), [['Animal', [64, 128, 64]], ['Road', [128, 64, 128]], ['Void', [0, 0, 0]]]);
  assert.equal(r.ignoreIndex, 2);
  assert.equal(r.pairing.maskSuffix, '_L');
  const spec: DatasetSpec = { ...r.pairing, numClasses: 3, ignoreIndex: 2, labelMap: new Map(r.labelMap), colors: r.classes!.map((c) => c.color) };
  const ids = new Map(loadSamples(spec).map((s) => [s.id, Array.from(readCheckedMask(s.mask!, spec, { width: W, height: H }).slice(0, 8))]));
  assert.deepEqual([...ids.entries()], [['0001TP_006690', [1, 0, 2, 1, 1, 0, 2, 1]], ['0001TP_006720', [1, 0, 2, 1, 1, 0, 2, 1]]]);
  assert.equal(resolveLayout('class-dict', root, 'val').split, 'val');
  assert.throws(() => resolveLayout('class-dict', root, 'test'), (e: Error) => e instanceof UserError && cliMessage(e) === `--split test: no ${path.join(root, 'test_labels')} beside ${path.join(root, 'test')} (splits here with their masks: train, val)`);
  fs.writeFileSync(path.join(root, 'class_dict.csv'), 'name,r,g,b\nAnimal,64,128\n');
  assert.throws(() => resolveLayout('auto', root, 'train'), (e: Error) => e instanceof UserError && cliMessage(e) === `--data ${path.join(root, 'class_dict.csv')}: row 2 "Animal,64,128" is not "NAME,R,G,B" (a name and three values 0..255)`);
});

test('folders: masks named with a suffix beside their images or apart, in subfolders; hints where pairing fails; a missing layout folder in one line', async () => {
  const d = tempDir();
  for (const i of [0, 1]) { await img(path.join(d, 'flat', `img_${i}.png`)); grey(path.join(d, 'flat', `img_${i}_mask.png`), [i]); }
  // Beside their images: the masks are not taken for images.
  const beside = pairSamples({ images: path.join(d, 'flat'), masks: path.join(d, 'flat'), maskSuffix: '_mask' });
  assert.deepEqual(beside.samples.map((s) => [s.id, path.basename(s.mask!)]), [['img_0', 'img_0_mask.png'], ['img_1', 'img_1_mask.png']]);
  // Apart, without the option: the error says which option pairs them.
  for (const i of [0, 1]) { await img(path.join(d, 'images', `img_${i}.png`)); grey(path.join(d, 'masks', `img_${i}_mask.png`), [i]); }
  const spec = { images: path.join(d, 'images'), masks: path.join(d, 'masks'), numClasses: 2, ignoreIndex: 255 };
  assert.throws(() => loadSamples(spec), (e: Error) => e instanceof UserError && e.message.endsWith('(2 images unpaired; the masks are named after their images plus "_mask": add options.maskSuffix _mask)') && cliMessage(e).endsWith('add --mask-suffix _mask)'));
  assert.equal(loadSamples({ ...spec, maskSuffix: '_mask' }).length, 2);
  // Subfolders: paired by their path below the folder (the same name in two folders is two samples).
  for (const sub of ['a', 'b/c']) { await img(path.join(d, 'nested', 'images', sub, 'x.png')); grey(path.join(d, 'nested', 'masks', sub, 'x.png'), [1]); }
  const nested = { images: path.join(d, 'nested', 'images'), masks: path.join(d, 'nested', 'masks'), numClasses: 2, ignoreIndex: 255 };
  assert.throws(() => loadSamples(nested), (e: Error) => e instanceof UserError && e.message.endsWith('no images (jpg/png/bmp/webp/tiff/avif/gif) found; the images are in subfolders: add options.recursive') && cliMessage(e).endsWith('add --recursive'));
  assert.deepEqual(loadSamples({ ...nested, recursive: true }).map((s) => s.id), ['a/x', 'b/c/x']);
  assert.equal(resolveLayout('auto', path.join(d, 'nested'), 'train', { recursive: true }).layout, 'folders');
  // A layout whose folders are missing, and a folder in no layout.
  assert.throws(() => resolveLayout('cityscapes', d, 'train'), (e: Error) => e instanceof UserError && cliMessage(e).startsWith(`--data ${d}: not a cityscapes dataset: expected leftImg8bit/ and gtFine/ in it (found flat, images, masks, nested)`));
  assert.throws(() => resolveLayout('auto', path.join(d, 'flat'), 'train'), (e: Error) => e instanceof UserError && cliMessage(e).startsWith(`--data ${path.join(d, 'flat')}: no known dataset layout here`));
});

test('folders: split folders of image/ and label/ (the Keras U-Net examples\' membranes) or images/ and masks/; one folder pair at the root is every split (whole); a YOLO labels/ of text files is not masks', async () => {
  const d = tempDir();
  // data/membrane as the Keras U-Net examples keep ISBI: train/image with train/label, test/ unlabelled.
  const unet = path.join(d, 'membrane');
  for (const i of [0, 1]) { await img(path.join(unet, 'train', 'image', `${i}.png`)); grey(path.join(unet, 'train', 'label', `${i}.png`), [0, 255]); }
  await img(path.join(unet, 'test', '0.png'));
  assert.deepEqual(detectLayout(unet), { layout: 'folders', root: unet });
  const train = resolveLayout('auto', unet, 'train');
  assert.deepEqual([train.split, train.whole, train.pairing.images, train.pairing.masks], ['train', undefined, path.join(unet, 'train', 'image'), path.join(unet, 'train', 'label')]);
  assert.equal(loadSamples({ ...train.pairing, numClasses: 2, ignoreIndex: 255 }).length, 2);
  // The unlabelled test/ is no split of it; a split asked for and absent names those there are.
  assert.throws(() => resolveLayout('auto', unet, 'val'), (e: Error) => e instanceof UserError && e.argument === 'split' && e.message === `split val: no ${path.join(unet, 'val')} (splits here: train)`);
  assert.throws(() => resolveLayout('folders', unet, 'test'), (e: Error) => e instanceof UserError && e.message === `split test: no images/ and masks/ (or image/ and label/) in ${path.join(unet, 'test')} (splits here: train)`);
  // Kaggle's way: train/images with train/masks and valid/ (val found by its alias).
  const kaggle = path.join(d, 'kaggle');
  for (const s of ['train', 'valid']) { await img(path.join(kaggle, s, 'images', 'a.png')); grey(path.join(kaggle, s, 'masks', 'a.png'), [1]); }
  const val = resolveLayout('auto', kaggle, 'val');
  assert.deepEqual([val.layout, val.split, val.pairing.masks], ['folders', 'valid', path.join(kaggle, 'valid', 'masks')]);
  // One pair at the root: the whole dataset whichever split is asked (trainers hold no validation split out of it).
  const flat = path.join(d, 'flat');
  await img(path.join(flat, 'img', 'a.png')); grey(path.join(flat, 'mask', 'a.png'), [1]);
  for (const split of ['train', 'val']) assert.deepEqual((({ split: s, whole, pairing }) => [s, whole, pairing.images])(resolveLayout('auto', flat, split)), [split, true, path.join(flat, 'img')]);
  // image-segmentation-keras's dataset1: images_prepped_train/ with annotations_prepped_train/, and test.
  const keras = path.join(d, 'dataset1');
  for (const s of ['train', 'test']) { await img(path.join(keras, `images_prepped_${s}`, '0001TP_006690.png')); grey(path.join(keras, `annotations_prepped_${s}`, '0001TP_006690.png'), [3]); }
  assert.deepEqual(detectLayout(keras), { layout: 'folders', root: keras });
  const kt = resolveLayout('auto', keras, 'test');
  assert.deepEqual([kt.split, kt.pairing.images, kt.pairing.masks], ['test', path.join(keras, 'images_prepped_test'), path.join(keras, 'annotations_prepped_test')]);
  assert.throws(() => resolveLayout('auto', keras, 'val'), (e: Error) => e instanceof UserError && e.message === `split val: no ${path.join(keras, 'images_prepped_val')} (splits here: test, train)`);
  // YOLO's images/ with labels/*.txt: polygons to convert, not masks.
  const yolo = path.join(d, 'yolo');
  await img(path.join(yolo, 'images', 'a.png')); fs.mkdirSync(path.join(yolo, 'labels')); fs.writeFileSync(path.join(yolo, 'labels', 'a.txt'), '0 0.1 0.1 0.5 0.1 0.5 0.5\n');
  assert.equal(detectLayout(yolo), null);
  assert.throws(() => resolveLayout('auto', yolo, 'train'), (e: Error) => e instanceof UserError && e.message === `data ${yolo}: ${path.join(yolo, 'labels')} holds text files, YOLO's polygons, not masks: \`pixelwise convert --from yolo\` draws them as masks (and says how to train on them)`);
  assert.throws(() => resolveLayout('folders', yolo, 'train'), (e: Error) => e instanceof UserError && e.message === `data ${yolo}: not a folders dataset: expected images/ and masks/ (or image/ and label/), split folders holding them, or images_prepped_SPLIT/ and annotations_prepped_SPLIT/ (found images, labels)`);
});

test('the CLI on folders datasets: train --data on one folder pair validates on nothing rather than its training images; 0/255 masks read as two classes as with --images', async () => {
  const d = tempDir();
  for (const i of [0, 1, 2]) { await img(path.join(d, 'images', `${i}.png`)); grey(path.join(d, 'masks', `${i}.png`), [0, 255]); }
  const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });
  const v = run('verify', '--data', d, '--classes', '2', '--quiet');
  assert.equal(v.status, 0, v.stderr + v.stdout);
  assert.match(v.stdout, /reading 255 as class 1/);
  assert.match(v.stdout, /^ +1 +class 1 +48 +50\.00%/m);
  const t = run('train', '--data', d, '--classes', '2', '--input-size', `${H}x${W}`, '--arch', 'unet', '--width', '4', '--depth', '1', '--epochs', '1', '--batch-size', '3', '--workers', '0', '--out', path.join(d, 'run'));
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /no validation split \(.* has no split folders\); give --val-fraction 0\.2/);
  assert.doesNotMatch(t.stderr, /are training images too/);
  assert.match(t.stderr, /3 training images, 0 validation/);
  const bad = run('train', '--data', d, '--classes', '2', '--input-size', `${H}x${W}`, '--val-split', 'val', '--out', path.join(d, 'run2'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^pixelwise: --val-split val: .* has no split folders \(one images and masks folder\); give --val-fraction 0\.2/m);
});

test('the CLI: verify --data says which layout it recognised and checks the split; train and evaluate --data take classes, void and splits from the layout', async () => {
  const root = tempDir();
  await camvid(root);
  const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });
  const v = run('verify', '--data', root, '--quiet');
  assert.equal(v.status, 0, v.stderr + v.stdout);
  assert.match(v.stdout, new RegExp(`^layout: ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: camvid layout \\(recognised\\), split train\\n2 pairs OK`));
  assert.match(v.stdout, /\d+ ignored pixels \(label 11\)/);
  const out = path.join(root, 'run');
  const t = run('train', '--data', root, '--arch', 'unet', '--width', '4', '--depth', '2', '--input-size', '4x8', '--epochs', '1', '--batch-size', '2', '--out', out, '--quiet');
  assert.equal(t.status, 0, t.stderr);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'train.json'), 'utf8'));
  assert.equal(cfg.model.numClasses, 12);
  assert.equal(cfg.ignoreIndex, 11);
  assert.equal(cfg.classes[3].name, 'Road');
  assert.equal(cfg.val.images, path.join(root, 'val'));
  assert.ok(fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8').includes('"val"'), 'validated on the val split');
  const e = run('evaluate', '--model', out, '--data', root, '--json', '--quiet', '--report', path.join(root, 'eval'));
  assert.equal(e.status, 0, e.stderr);
  assert.equal(JSON.parse(e.stdout).count, 2);
  // One line each: --layout without --data, --split without --data, a missing split.
  for (const [args, msg] of [
    [['verify', '--layout', 'voc', '--images', root, '--masks', root, '--classes', '3'], /^pixelwise: --layout voc: needs --data ROOT/],
    [['verify', '--split', 'val', '--images', root, '--masks', root, '--classes', '3'], /^pixelwise: --split val: needs --data ROOT/],
    [['verify', '--data', root, '--split', 'test'], /^pixelwise: --split test: no .*test \(splits here: train, val\)/],
  ] as const) {
    const r = run(...args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

const SHARED_CAMVID = path.resolve('../shared/data/camvid');
test('verify --layout camvid on the real CamVid in ../shared', { skip: !fs.existsSync(SHARED_CAMVID) && `${SHARED_CAMVID} not found` }, () => {
  const v = spawnSync(process.execPath, [BIN, 'verify', '--layout', 'camvid', '--data', SHARED_CAMVID, '--quiet'], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /camvid layout, split train\n367 pairs OK/);
});
