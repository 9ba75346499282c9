// trainConfig(): a library caller gives the settings that define a run and gets the configuration
// `pixelwise train` would write for the same flags (its train.json), starting weights included,
// and train() on it learns the command line's weights to the bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeSyntheticDataset } from '../../src/data/synthetic.ts';
import { KERAS_TF_NORM, IMAGENET_NORM } from '../../src/data/normalize.ts';
import { CAMVID_CLASSES, defaultClasses } from '../../src/data/classes.ts';
import { DEFAULT_AUGMENT } from '../../src/data/augment.ts';
import { trainConfig } from '../../src/train/build_config.ts';
import { TRAIN_DEFAULTS } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { readSafetensors } from '../../src/formats/safetensors.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';

/** A train.json as JSON keeps it, without this machine's settings (read from the environment each run). */
function runSettings(cfg: object): Record<string, unknown> {
  const { cacheMb: _c, ortKernels: _o, ...rest } = JSON.parse(JSON.stringify(cfg)) as Record<string, unknown>;
  return rest;
}

test('trainConfig() with the settings of a command gives its train.json, the shipped encoder start included, and trains its weights exactly', async () => {
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 2, 32, 32, 1);
  const cliRun = path.join(d, 'cli');
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'train', '--arch', 'mobilenet_unet', '--images', ds.images, '--masks', ds.masks,
    '--classes', '4', '--input-size', '32x32', '--epochs', '1', '--batch-size', '2', '--out', cliRun, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines: string[] = [];
  const cfg = trainConfig({ model: 'mobilenet_unet', train: { images: ds.images, masks: ds.masks }, classes: 4, inputSize: [32, 32], epochs: 1, batchSize: 2 }, (l) => lines.push(l));
  assert.deepEqual(runSettings(cfg), runSettings(JSON.parse(fs.readFileSync(path.join(cliRun, 'train.json'), 'utf8'))));
  // What the command line would have chosen, spelt out: its defaults and the encoder's shipped start.
  assert.equal(cfg.model.layout, 'tf');
  assert.deepEqual(cfg.norm, KERAS_TF_NORM);
  assert.match(cfg.encoderWeights ?? '', /deeplabv3-voc$/);
  assert.deepEqual(lines, ['encoder: starts from the shipped deeplabv3-voc weights (encoderWeights none for random initialisation)']);
  assert.deepEqual(cfg.classes, defaultClasses(4));
  assert.deepEqual(cfg.augment, DEFAULT_AUGMENT);
  assert.equal(cfg.lr, TRAIN_DEFAULTS.lr);
  assert.equal(cfg.valBatchSize, 2);

  const libRun = path.join(d, 'lib');
  await train(cfg, libRun, false, { quiet: true, log: () => {} });
  const a = readSafetensors(path.join(cliRun, 'last.safetensors')).tensors, b = readSafetensors(path.join(libRun, 'last.safetensors')).tensors;
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [k, t] of a) assert.deepEqual(b.get(k)!.data, t.data, k);
});

test('trainConfig(): random encoder with none, options by name, and every refusal by field before any work', async () => {
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 2, 16, 16, 1);
  const data = { images: ds.images, masks: ds.masks };
  const random = trainConfig({ model: { arch: 'mobilenet_unet' }, train: data, classes: 3, inputSize: [16, 16], encoderWeights: 'none' });
  assert.equal(random.encoderWeights, undefined);
  assert.equal(random.model.layout, undefined);
  assert.deepEqual(random.norm, IMAGENET_NORM);
  const unet = trainConfig({ model: { arch: 'unet', width: 8, depth: 2 }, train: data, classes: defaultClasses(3), inputSize: [16, 16], workers: 0, valBatchSize: 1 });
  assert.deepEqual(unet.model, { arch: 'unet', numClasses: 3, width: 8, depth: 2 });
  assert.equal(unet.workers, 0);
  assert.equal(unet.valBatchSize, 1);
  assert.equal(unet.batchSize, TRAIN_DEFAULTS.batchSize);

  const refused = (o: unknown, argument: string, re: RegExp) => assert.throws(() => trainConfig(o as Parameters<typeof trainConfig>[0]), (e: Error) => {
    assert.ok(e instanceof UserError, String(e));
    assert.equal((e as UserError).argument, argument, e.message);
    assert.match(e.message, re);
    return true;
  });
  const base = { train: data, classes: 3, inputSize: [16, 16] };
  refused(undefined, 'options', /^options: trainConfig\(\) takes an object/);
  refused({ ...base, train: undefined }, 'train', /^train: trainConfig\(\) needs the training data/);
  refused({ ...base, inputSize: undefined }, 'inputSize', /needs the training crop/);
  refused({ ...base, classes: 0 }, 'classes', /^classes 0: expected a number of classes/);
  refused({ ...base, classes: 'cat' }, 'classes', /^classes cat: no class set of that name \(voc, cityscapes, ade20k, camvid\) and no such class file$/);
  refused({ ...base, classes: true }, 'classes', /^classes true: expected a number of classes, 1\.\.256, a class set/);
  // A built-in set by name, or a class file's path, as --class-file takes them.
  assert.deepEqual(trainConfig({ ...base, classes: 'camvid', workers: 0 } as never).classes, CAMVID_CLASSES);
  const file = path.join(tempDir(), 'classes.json');
  fs.writeFileSync(file, JSON.stringify([{ name: 'sky', color: [0, 0, 255] }, { name: 'ground', color: [0, 255, 0] }, { name: 'tree', color: [0, 128, 0] }]));
  assert.deepEqual(trainConfig({ ...base, classes: file, workers: 0 } as never).classes.map((c) => c.name), ['sky', 'ground', 'tree']);
  fs.writeFileSync(file, '[{"name": "sky"}]');
  refused({ ...base, classes: file }, 'classes', /^classes .*classes\.json: invalid class list/);
  refused({ ...base, model: 'unett' }, 'arch', /unett/);
  refused({ ...base, model: { arch: 'unet', widthMult: 2 } }, 'widthMult', /not an option of unet/);
  refused({ ...base, epoch: 3 }, 'options', /^epoch 3: not a setting of trainConfig\(\)/);
  refused({ ...base, epochs: 0 }, 'epochs', /^epochs 0: expected a whole number/);
  refused({ ...base, encoderWeights: path.join(d, 'missing.pth') }, 'encoderWeights', /^encoderWeights .*missing\.pth: not found/);
  refused({ ...base, initWeights: path.join(d, 'missing.safetensors') }, 'initWeights', /^initWeights .*missing\.safetensors: file not found/);
  refused({ ...base, numClasses: 3 }, 'options', /^numClasses 3: not a setting/);
  refused({ ...base, model: { arch: 'unet', numClasses: 5 } }, 'classes', /^classes: 3 for a network of 5 outputs/);
  // Images alone with a teacher: its classes, unless given.
  const said: string[] = [];
  const distilled = trainConfig({ train: { images: ds.images }, teacher: 'voc-fast', inputSize: [16, 16] }, (l) => said.push(l));
  assert.deepEqual(distilled.classes.map((c) => c.name), JSON.parse(fs.readFileSync('models/voc-fast/model.json', 'utf8')).classes.map((c: { name: string }) => c.name));
  assert.equal(distilled.model.numClasses, 21);
  assert.match(said.join('\n'), /^classes: the teacher's \(21: background, aeroplane, bicycle, bird, \.\.\.\)$/m);
  refused({ train: { images: ds.images }, teacher: path.join(d, 'no-teacher'), inputSize: [16, 16] }, 'teacher', /^teacher \S*no-teacher: no such folder/);
  assert.deepEqual(fs.readdirSync(d), ['ds'], 'nothing written');
});

test('trainConfig({ data }): a dataset in a standard layout gives the splits, classes and ignore label that train --data takes', async () => {
  const d = tempDir();
  // A CamVid tree (SPLIT/ and SPLITannot/): 12 classes, 11 the ignore label.
  const root = path.join(d, 'camvid');
  fs.mkdirSync(root);
  for (const split of ['train', 'val']) {
    const ds = await writeSyntheticDataset(path.join(d, `gen-${split}`), 2, 32, 32, split === 'train' ? 1 : 2);
    fs.renameSync(ds.images, path.join(root, split));
    fs.renameSync(ds.masks, path.join(root, `${split}annot`));
  }
  const run = path.join(d, 'cli');
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'train', '--data', root, '--input-size', '32x32', '--epochs', '1', '--batch-size', '2',
    '--width', '4', '--depth', '2', '--out', run, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines: string[] = [];
  const cfg = trainConfig({ data: root, model: { arch: 'unet', width: 4, depth: 2 }, inputSize: [32, 32], epochs: 1, batchSize: 2 }, (l) => lines.push(l));
  assert.deepEqual(runSettings(cfg), runSettings(JSON.parse(fs.readFileSync(path.join(run, 'train.json'), 'utf8'))));
  assert.equal(cfg.classes.length, 12);
  assert.equal(cfg.ignoreIndex, 11);
  assert.equal(cfg.val?.images, path.join(root, 'val'));
  assert.match(lines[0], /camvid layout, split train$/);
  const noVal = trainConfig({ data: root, inputSize: [32, 32], valFraction: 0.5 });
  assert.equal(noVal.val, undefined);
  assert.throws(() => trainConfig({ data: root, train: { images: root, masks: root }, inputSize: [32, 32] }), /^UserError: data .*: a dataset in a standard layout; give it or train/);
  assert.throws(() => trainConfig({ data: path.join(d, 'none'), inputSize: [32, 32] }), (e: Error) => e instanceof UserError && e.argument === 'data');
  assert.throws(() => trainConfig({ data: root, valSplit: 'test', inputSize: [32, 32] }), UserError);
  // One images and masks folder: no validation split (its "val" would be the training pairs).
  const flat = await writeSyntheticDataset(path.join(d, 'flat'), 2, 32, 32, 3);
  const said: string[] = [];
  const whole = trainConfig({ data: path.dirname(flat.images), classes: 3, inputSize: [32, 32], workers: 0 }, (l) => said.push(l));
  assert.deepEqual([whole.train.images, whole.val], [flat.images, undefined]);
  assert.match(said.join('\n'), /no validation split \(.*flat has no split folders\); give valFraction or val/);
  assert.throws(() => trainConfig({ data: path.dirname(flat.images), classes: 3, valSplit: 'val', inputSize: [32, 32] }), (e: Error) => e instanceof UserError && e.argument === 'valSplit' && /has no split folders/.test(e.message));
  assert.throws(() => trainConfig({ train: { images: root, masks: root }, classes: 2, split: 'val', inputSize: [32, 32] }), /^UserError: split val: names a split or layout of a dataset; give its folder as data/);
});

test('trainConfig() starting from a package without an architecture trains the package\'s network, as the command line does; one that cannot take its weights is refused naming initWeights', async () => {
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 2, 32, 32, 1);
  const base = { train: { images: ds.images, masks: ds.masks }, classes: 4, inputSize: [32, 32] as [number, number], epochs: 1, batchSize: 2 };
  const lines: string[] = [];
  const cfg = trainConfig({ ...base, initWeights: 'deeplabv3-voc' }, (l) => lines.push(l));
  // The shipped start's card names its network (mobilenetv2_deeplabv3) and its layers' layout (TF DeepLab's).
  const card = JSON.parse(fs.readFileSync('models/deeplabv3-voc/model.json', 'utf8')) as { model: { arch: string } };
  assert.equal(cfg.model.arch, card.model.arch);
  assert.equal(cfg.model.layout, 'tf');
  assert.ok(lines.includes(`architecture: ${card.model.arch}, as deeplabv3-voc is (give one to train another)`), lines.join('\n'));
  // The same from the command line.
  const run = path.join(d, 'cli');
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'train', '--init-weights', 'deeplabv3-voc', '--images', ds.images, '--masks', ds.masks,
    '--classes', '4', '--input-size', '32x32', '--epochs', '1', '--batch-size', '2', '--out', run, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(fs.readFileSync(path.join(run, 'train.json'), 'utf8')) as { model: { arch: string } }).model.arch, card.model.arch);
  // Network options of that network (not of the default U-Net) are taken from the command line.
  const withOption = spawnSync(process.execPath, ['bin/pixelwise.js', 'train', '--init-weights', 'deeplabv3-voc', '--output-stride', '16', '--images', ds.images, '--masks', ds.masks,
    '--classes', '4', '--input-size', '32x32', '--epochs', '1', '--batch-size', '2', '--out', path.join(d, 'cli-os'), '--quiet'], { encoding: 'utf8' });
  assert.equal(withOption.status, 0, withOption.stderr);
  assert.equal((JSON.parse(fs.readFileSync(path.join(d, 'cli-os', 'train.json'), 'utf8')) as { model: { outputStride: number } }).model.outputStride, 16);
  // Asked for: kept, also where only some tensors fit (a U-Net decoder on its MobileNetV2).
  assert.equal(trainConfig({ ...base, model: 'mobilenetv2_unet', initWeights: 'deeplabv3-voc' }).model.arch, 'mobilenetv2_unet');
  // A network whose encoder is not built in the weights' layout.
  assert.throws(() => trainConfig({ ...base, model: 'unet', initWeights: 'deeplabv3-voc' }),
    (e: unknown) => e instanceof UserError && e.argument === 'initWeights' && /deeplabv3-voc: holds a mobilenetv2_deeplabv3's weights in tf layout, which unet cannot take/.test(e.message));
  const refused = spawnSync(process.execPath, ['bin/pixelwise.js', 'train', '--arch', 'unet', '--init-weights', 'deeplabv3-voc', '--images', ds.images, '--masks', ds.masks,
    '--classes', '4', '--input-size', '32x32', '--epochs', '1', '--out', path.join(d, 'cli2'), '--quiet'], { encoding: 'utf8' });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^pixelwise: --init-weights deeplabv3-voc: holds a mobilenetv2_deeplabv3's weights in tf layout, which unet cannot take \(its unet encoder is built in keras layout\)/);
});
