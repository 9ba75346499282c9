// Training on some of a dataset's classes: the selection's label map by hand, and a run of the CLI on
// RGB masks scored in the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { selectClasses } from '../../src/data/class_selection.ts';
import type { ClassInfo } from '../../src/data/classes.ts';
import { writeSyntheticDataset, SYNTHETIC_CLASSES } from '../../src/data/synthetic.ts';
import { readMask } from '../../src/data/mask_io.ts';
import { datasetSpec } from '../../src/train/trainer.ts';
import type { TrainConfig } from '../../src/train/config.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir, writeRgbPng } from '../helpers.ts';

const named = (...names: string[]): ClassInfo[] => names.map((name, i) => ({ name, color: [i * 10, i * 20, i * 30] }));
const mapOf = (m: [number, number][]) => new Map(m);

test('selectClasses: chosen classes in the order given after background, the others background or ignored, over the dataset\'s own label map (hand-computed)', () => {
  // A Cityscapes-like dataset: mask values 7..10 are classes 0..3 by its own map, 255 is void.
  const four = named('road', 'car', 'person', 'sky');
  const own: [number, number][] = [[7, 0], [8, 1], [9, 2], [10, 3]];
  const s = selectClasses(four, own, 255, ['Person', '1'], 'background');
  assert.deepEqual(s.classes.map((c) => c.name), ['background', 'person', 'car']);
  assert.deepEqual(s.classes[0].color, [0, 0, 0], 'an added background is black');
  assert.deepEqual(s.classes[1].color, four[2].color, 'a chosen class keeps its colour');
  const m = mapOf(s.labelMap);
  assert.equal(s.labelMap.length, 256);
  assert.deepEqual([7, 8, 9, 10, 255].map((v) => m.get(v)), [0, 2, 1, 0, 255]);
  // Values the dataset's map leaves alone are class ids themselves (0..3), or beyond them: kept for the loader to report.
  assert.deepEqual([0, 1, 2, 3, 4, 200].map((v) => m.get(v)), [0, 2, 1, 0, 4, 200]);
  assert.equal(s.ignoreIndex, 255);
  assert.deepEqual(s.maskColors, four.map((c) => c.color));
  assert.deepEqual(s.others, ['road', 'sky']);

  // A dataset with its own background class: the others join it, in its colour.
  const voc = named('background', 'cat', 'dog');
  const v = selectClasses(voc, [], 255, ['dog'], 'background');
  assert.deepEqual(v.classes, [voc[0], voc[2]]);
  assert.deepEqual([0, 1, 2, 255].map((x) => mapOf(v.labelMap).get(x)), [0, 0, 1, 255]);
  assert.deepEqual(v.others, ['cat']);
  // Others ignored: no background class; background itself is then an ordinary class.
  const ig = selectClasses(voc, [], 255, ['dog', 'background'], 'ignore');
  assert.deepEqual(ig.classes.map((c) => c.name), ['dog', 'background']);
  assert.deepEqual([0, 1, 2, 255].map((x) => mapOf(ig.labelMap).get(x)), [1, 255, 0, 255]);

  // CamVid-like: the ignore label is a listed class (Unlabelled = 3); it becomes 255 wherever it is.
  const camvid = named('Sky', 'Road', 'Car', 'Unlabelled');
  const c = selectClasses(camvid, [], 3, ['Road', 'Sky', 'Car'], 'background');
  assert.deepEqual(c.classes.map((x) => x.name), ['background', 'Road', 'Sky', 'Car']);
  assert.deepEqual([0, 1, 2, 3, 4].map((x) => mapOf(c.labelMap).get(x)), [2, 1, 3, 255, 4], 'ids 0..3 now name other classes; the void is 255, no class');
  assert.deepEqual(c.others, []);

  const refused = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof UserError && re.test(e.message));
  refused(() => selectClasses(four, own, 255, ['bus'], 'background'), /^selectClasses bus: no such class in the dataset \(classes: road, car, person, sky\)/);
  refused(() => selectClasses(camvid, [], 3, ['Unlabelled'], 'background'), /^selectClasses Unlabelled: class 3 is the dataset's ignore label/);
  refused(() => selectClasses(four, own, 255, ['car', 'CAR'], 'background'), /^selectClasses car: named twice/);
  refused(() => selectClasses(voc, [], 255, ['background'], 'background'), /background alone leaves nothing to learn/);
  refused(() => selectClasses(four, own, 255, [], 'background'), /^selectClasses : name one class or more/);
  refused(() => selectClasses(four, own, 255, ['car'], 'drop' as never), /^others drop: use background or ignore/);
});

test('CLI: train --select-classes on RGB masks learns background + the chosen classes, reads the masks in the dataset\'s colours; evaluate --class-map auto scores them as counted here', () => {
  const d = tempDir();
  const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/pixelwise.js', ...args], { encoding: 'utf8' });
  const classFile = path.join(d, 'classes.json');
  fs.writeFileSync(classFile, JSON.stringify(SYNTHETIC_CLASSES));
  // Index masks -> RGB masks in the classes' colours.
  const rgbMasks = async (split: string, n: number, seed: number) => {
    const s = await writeSyntheticDataset(path.join(d, split), n, 32, 32, seed);
    const rgb = path.join(d, split, 'rgb');
    for (const f of fs.readdirSync(s.masks)) {
      const m = readMask(path.join(s.masks, f)).data;
      const data = new Uint8Array(m.length * 3);
      m.forEach((k, i) => data.set(SYNTHETIC_CLASSES[k].color, i * 3));
      writeRgbPng(path.join(rgb, f), data, 32, 32);
    }
    return { images: s.images, index: s.masks, rgb };
  };
  return (async () => {
    const tr = await rgbMasks('train', 8, 1), va = await rgbMasks('val', 4, 2);
    const run = path.join(d, 'run');
    const t = cli('train', '--images', tr.images, '--masks', tr.rgb, '--val-images', va.images, '--val-masks', va.rgb, '--class-file', classFile,
      '--select-classes', 'stripe,disc', '--arch', 'unet', '--width', '4', '--depth', '2', '--input-size', '32x32', '--batch-size', '4', '--epochs', '2', '--lr', '0.01', '--precise-bn', '0', '--out', run, '--quiet');
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stderr, /classes: background, stripe, disc; as background: box/);
    const cfg = JSON.parse(fs.readFileSync(path.join(run, 'train.json'), 'utf8')) as TrainConfig;
    assert.deepEqual(cfg.classes, [SYNTHETIC_CLASSES[0], SYNTHETIC_CLASSES[3], SYNTHETIC_CLASSES[1]]);
    assert.deepEqual(cfg.maskColors, SYNTHETIC_CLASSES.map((c) => c.color));
    assert.equal(cfg.ignoreIndex, 255);
    assert.equal(cfg.model.numClasses, 3);
    // The masks as training reads them: the index masks mapped by hand (box -> background).
    const byHand = [0, 2, 0, 1];
    const expected = (index: string, f: string) => readMask(path.join(index, f)).data.map((k) => byHand[k]);
    const spec = datasetSpec(cfg, cfg.val!);
    for (const f of fs.readdirSync(va.rgb)) {
      const read = readMask(path.join(va.rgb, f), { colors: spec.colors, unknownLabel: spec.ignoreIndex, labelMap: spec.labelMap }).data;
      assert.deepEqual(read, expected(va.index, f), f);
    }
    // Scored in the dataset's classes: stripe and disc by name, background a miss, box not scored.
    const p = cli('predict', va.images, '--model', run, '--out', path.join(d, 'pred'), '--quiet');
    assert.equal(p.status, 0, p.stderr);
    const e = cli('evaluate', '--model', run, '--images', va.images, '--masks', va.rgb, '--class-file', classFile, '--class-map', 'auto', '--json', '--quiet');
    assert.equal(e.status, 0, e.stderr);
    const scores = JSON.parse(e.stdout);
    for (const [name, id] of [['stripe', 1], ['disc', 2]] as const) {
      let tp = 0, fp = 0, fn = 0;
      for (const f of fs.readdirSync(va.rgb)) {
        const truth = expected(va.index, f), pred = readMask(path.join(d, 'pred', f.replace(/\.png$/, '_labels.png'))).data;
        for (let i = 0; i < truth.length; i++) {
          if (truth[i] === 255) continue;
          if (pred[i] === id && truth[i] === id) tp++;
          else if (pred[i] === id) fp++;
          else if (truth[i] === id) fn++;
        }
      }
      const iou = scores.perClass[name].iou;
      assert.ok(Math.abs(iou - tp / (tp + fp + fn)) < 1e-9, `${name}: ${iou} vs ${tp}/${tp + fp + fn}`);
    }
    for (const [args, re] of [
      [['--select-classes', 'bus'], /^pixelwise: --select-classes bus: no such class in the dataset \(classes: background, disc, box, stripe\)/],
      [['--select-classes', 'disc', '--classes', '4'], /^pixelwise: --select-classes disc: the model's classes are the ones selected/],
      [['--others', 'ignore'], /^pixelwise: --others ignore: goes with --select-classes/],
      [['--select-classes', 'disc', '--no-class-file'], /^pixelwise: --select-classes disc: the dataset's classes have no names here; give --class-file/],
    ] as [string[], RegExp][]) {
      const named = args.includes('--no-class-file') ? [] : ['--class-file', classFile];
      const r = cli('train', '--images', tr.images, '--masks', tr.rgb, ...named, '--input-size', '32x32', '--out', path.join(d, 'bad'), ...args.filter((a) => a !== '--no-class-file'));
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr.trim(), re);
    }
  })();
});
