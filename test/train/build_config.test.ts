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
import { defaultClasses } from '../../src/data/classes.ts';
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
  refused({ ...base, classes: 'cat' }, 'classes', /^classes "cat": expected a number of classes/);
  refused({ ...base, model: 'unett' }, 'arch', /unett/);
  refused({ ...base, model: { arch: 'unet', widthMult: 2 } }, 'widthMult', /not an option of unet/);
  refused({ ...base, epoch: 3 }, 'options', /^epoch 3: not a setting of trainConfig\(\)/);
  refused({ ...base, epochs: 0 }, 'epochs', /^epochs 0: expected a whole number/);
  refused({ ...base, encoderWeights: path.join(d, 'missing.pth') }, 'encoderWeights', /^encoderWeights .*missing\.pth: not found/);
  refused({ ...base, initWeights: path.join(d, 'missing.safetensors') }, 'initWeights', /^initWeights .*missing\.safetensors: file not found/);
  refused({ ...base, numClasses: 3 }, 'options', /^numClasses 3: not a setting/);
  refused({ ...base, model: { arch: 'unet', numClasses: 5 } }, 'classes', /^classes: 3 for a network of 5 outputs/);
  assert.deepEqual(fs.readdirSync(d), ['ds'], 'nothing written');
});
