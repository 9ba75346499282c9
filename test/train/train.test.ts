// Training end to end on a generated dataset: the loss falls, an interrupted run resumed from
// its checkpoint ends with exactly the weights of an uninterrupted one, and no tensors leak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { writeSyntheticDataset, SYNTHETIC_CLASSES } from '../../src/data/synthetic.ts';
import { train } from '../../src/train/trainer.ts';
import type { SplitSpec, TrainConfig } from '../../src/train/config.ts';
import { DEFAULT_AUGMENT } from '../../src/data/augment.ts';
import { IMAGENET_NORM } from '../../src/data/normalize.ts';
import { readSafetensors } from '../../src/formats/safetensors.ts';
import { spawnSync } from 'node:child_process';
import { loadModelPackage } from '../../src/models/package.ts';
import { tempDir } from '../helpers.ts';
import { cliMessage } from '../../src/cli/flags.ts';
import { UserError } from '../../src/util/errors.ts';
import { readSplitList } from '../../src/data/dataset.ts';

const quiet = { quiet: true, log: () => {} };

async function setup() {
  await initEngine('wasm');
  const d = tempDir();
  const tr = await writeSyntheticDataset(path.join(d, 'train'), 8, 32, 32, 1);
  const va = await writeSyntheticDataset(path.join(d, 'val'), 4, 32, 32, 2);
  // Labelled (`train` with its masks), as every test here needs.
  const cfg: TrainConfig & { train: SplitSpec } = {
    model: { arch: 'unet', numClasses: 4, width: 4, depth: 2 }, train: tr, val: va, classes: SYNTHETIC_CLASSES,
    ignoreIndex: 255, labelMap: [], inputSize: [32, 32], batchSize: 4, epochs: 3, lr: 1e-2, schedule: 'poly', warmupSteps: 0,
    loss: 'ce', focalGamma: 2, augment: DEFAULT_AUGMENT, norm: IMAGENET_NORM, seed: 7, valBatchSize: 4, backend: 'wasm',
  };
  return { d, cfg };
}

test('interrupted + resumed training equals uninterrupted training; loss falls; no leaks', async () => {
  const { d, cfg } = await setup();
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  const full = await train(cfg, path.join(d, 'full'), false, { ...quiet, onStep: (_, l) => losses.push(l) });
  assert.equal(full.state.epoch, 3);
  assert.equal(full.state.step, 6);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by a training run');
  assert.ok(losses[5] < losses[0], `loss did not fall: ${losses.join(', ')}`);

  // Interrupt in the middle of epoch 2 (after step 3), then resume.
  const ac = new AbortController();
  const part = await train(cfg, path.join(d, 'part'), false, { ...quiet, signal: ac.signal, onStep: (s) => { if (s.step === 3) ac.abort(); } });
  assert.ok(part.interrupted);
  assert.deepEqual([part.state.epoch, part.state.batch, part.state.step], [1, 1, 3]);
  const resumed = await train(cfg, path.join(d, 'part'), true, quiet);
  assert.equal(resumed.state.step, 6);

  const a = readSafetensors(path.join(d, 'full', 'last.safetensors')).tensors;
  const b = readSafetensors(path.join(d, 'part', 'last.safetensors')).tensors;
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [k, t] of a) {
    const u = b.get(k)!;
    let diff = 0;
    for (let i = 0; i < t.data.length; i++) diff = Math.max(diff, Math.abs(t.data[i] - u.data[i]));
    assert.equal(diff, 0, `${k} differs by ${diff}`);
  }
  // The run folder is a usable model package with log, curves and both checkpoints.
  for (const f of ['train.json', 'model.json', 'log.jsonl', 'curves.png', 'best.safetensors', 'last.safetensors']) {
    assert.ok(fs.existsSync(path.join(d, 'full', f)), f);
  }
  const log = fs.readFileSync(path.join(d, 'full', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(log.length, 3);
  assert.ok(log.every((e) => e.val && e.val.mIoU >= 0 && e.val.mIoU <= 1));
  const pkg = loadModelPackage(path.join(d, 'full'));
  assert.equal(pkg.card.classes.length, 4);
  pkg.model.dispose();
});

test('--init-weights starts a new run from given weights (fine-tuning)', async () => {
  const { d, cfg } = await setup();
  const first = await train({ ...cfg, epochs: 1 }, path.join(d, 'a'), false, quiet);
  assert.equal(first.state.epoch, 1);
  const src = path.join(d, 'a', 'last.safetensors');
  await train({ ...cfg, epochs: 1, lr: 0, initWeights: src }, path.join(d, 'b'), false, quiet);
  // With lr 0 the weights stay those loaded (BatchNorm statistics move with the data).
  const a = readSafetensors(src).tensors, b = readSafetensors(path.join(d, 'b', 'last.safetensors')).tensors;
  for (const [k, t] of a) {
    if (k.startsWith('optimizer/') || /moving_/.test(k)) continue;
    assert.deepEqual(b.get(k)!.data, t.data, k);
  }
  // Fine-tuning to another class count: every tensor but the head's is loaded; the head starts new.
  const logs: string[] = [];
  const five = [...SYNTHETIC_CLASSES, { name: 'extra', color: [1, 2, 3] as [number, number, number] }];
  await train({ ...cfg, model: { ...cfg.model, numClasses: 5 }, classes: five, epochs: 1, lr: 0, initWeights: src }, path.join(d, 'c'), false, { ...quiet, log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => /2 tensors start new \(classifier\/kernel, classifier\/bias\)/.test(l)), logs.join('\n'));
  const c = readSafetensors(path.join(d, 'c', 'last.safetensors')).tensors;
  assert.deepEqual(c.get('enc1a_conv/kernel')!.data, a.get('enc1a_conv/kernel')!.data);
  assert.deepEqual(c.get('classifier/kernel')!.shape, [1, 1, 4, 5]);
});

test('numerical guard: a NaN gradient stops the run before it touches the weights (checkpoint kept, resumable); --on-nan skip skips the step', async () => {
  const { d, cfg } = await setup();
  const before = tf.memory().numTensors;
  const logs: string[] = [];
  const stopDir = path.join(d, 'stop');
  await assert.rejects(train(cfg, stopDir, false, { quiet: true, log: (l) => logs.push(l), injectNaN: (s) => s === 3 }), (e: Error) => {
    assert.match(e.message, /non-finite gradients at epoch 2, step 3; the weights were not updated; likely causes: a learning rate too high for this model \(learningRate .*The last checkpoint, .*last\.safetensors, holds the run before it; onNaN skip/);
    assert.match(cliMessage(e as UserError), /\(--lr .*; --on-nan skip skips/, 'the command line words the arguments as flags');
    return true;
  });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by a stopped run');
  // The checkpoint is epoch 1's, and the run resumes from it to the end.
  const resumed = await train(cfg, stopDir, true, quiet);
  assert.equal(resumed.state.step, 6);

  // Skipping, with a data-parallel worker: the step is logged and left out; every weight stays finite.
  const skipped: string[] = [];
  const r = await train({ ...cfg, onNaN: 'skip', workers: 1 }, path.join(d, 'skip'), false, { quiet: true, log: (l) => skipped.push(l), injectNaN: (s) => s === 3 });
  assert.equal(r.state.step, 6);
  assert.ok(skipped.some((l) => /epoch 2, step 3: non-finite gradients; step skipped \(onNaN skip\)/.test(l)), skipped.join('\n'));
  for (const [k, t] of readSafetensors(path.join(d, 'skip', 'last.safetensors')).tensors) assert.ok(t.data.every(Number.isFinite), k);
  // Always poisoned: skipping gives up after 20 in a row.
  await assert.rejects(train({ ...cfg, onNaN: 'skip', epochs: 12 }, path.join(d, 'skip-all'), false, { ...quiet, injectNaN: () => true }), /20 non-finite steps in a row/);
});

test('a dataset beyond the decode cache streams: memory stays flat across epochs', async (t) => {
  const d = tempDir();
  // 120 samples of 256x256 decode to ~31 MB per epoch (a leak of them would show at once); a 1 MB
  // budget makes the loader decode per batch; 32x32 crops keep the steps cheap.
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 120, 256, 256, 5);
  const r = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'train', '--arch', 'unet', '--width', '4', '--depth', '2', '--images', ds.images, '--masks', ds.masks,
    '--classes', '4', '--input-size', '32x32', '--batch-size', '8', '--epochs', '10', '--out', path.join(d, 'run'), '--quiet'], { encoding: 'utf8', env: { ...process.env, PIXELWISE_CACHE_MB: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const log = fs.readFileSync(path.join(d, 'run', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(log.length, 10);
  // The memory a leak would hold: RSS with the main thread's JavaScript heap counted as in use
  // rather than as reserved. V8 may grow its reserve over the epochs and keep it (Node 24's young
  // generation does, lifting RSS by some 100 MB with no more in use); a leaked sample is held
  // (in use) either way.
  const held = log.map((e) => (e.rssMb - e.heapReservedMb + e.heapUsedMb) as number);
  // It saws up and down with garbage collection; its floor must not rise: a leak of the decoded
  // samples (31 MB an epoch) would lift the floor of epochs 6-10 some 150 MB above that of epochs
  // 1-5. Garbage-collection timing alone has moved it by up to 68 MB (runs that fell back later).
  const rise = Math.min(...held.slice(5)) - Math.min(...held.slice(0, 5));
  const shown = `RSS per epoch ${log.map((e) => e.rssMb).join(', ')} MB, JS heap reserved ${log.map((e) => e.heapReservedMb).join(', ')}, in use ${log.map((e) => e.heapUsedMb).join(', ')}`;
  t.diagnostic(`${shown}; the floor rose ${rise} MB`);
  assert.ok(rise < 100, `${shown}: the floor of what is held rose ${rise} MB`);
});

test('1-bit binary masks train to the same weights as the same masks saved as 8-bit 0/255 (read 255 -> 1)', async () => {
  const { d, cfg } = await setup();
  const { readMask } = await import('../../src/data/mask_io.ts');
  const { lowBitPng, writeGreyPng } = await import('../helpers.ts');
  // A binary task from the synthetic set: class 0 against the rest.
  for (const [name, split] of [['train', cfg.train], ['val', cfg.val!]] as const) {
    for (const f of fs.readdirSync(split.masks)) {
      const m = readMask(path.join(split.masks, f));
      const fg = m.data.map((v) => (v > 0 ? 1 : 0));
      fs.mkdirSync(path.join(d, `${name}-1bit`), { recursive: true });
      fs.writeFileSync(path.join(d, `${name}-1bit`, f), lowBitPng(fg, m.width, m.height, 1));
      writeGreyPng(path.join(d, `${name}-8bit`, f), fg.map((v) => v * 255), m.width, m.height);
    }
  }
  const binary = (bits: string): TrainConfig => ({
    ...cfg, epochs: 2, model: { ...cfg.model, numClasses: 2 }, classes: SYNTHETIC_CLASSES.slice(0, 2),
    train: { ...cfg.train, masks: path.join(d, `train-${bits}`) }, val: { ...cfg.val!, masks: path.join(d, `val-${bits}`) },
    labelMap: bits === '8bit' ? [[255, 1]] : [],
  });
  const one = await train(binary('1bit'), path.join(d, 'one'), false, quiet);
  const eight = await train(binary('8bit'), path.join(d, 'eight'), false, quiet);
  assert.equal(one.state.bestMIoU, eight.state.bestMIoU);
  assert.ok(one.state.bestMIoU > 0, 'both classes are present and scored');
  const a = readSafetensors(path.join(d, 'one', 'last.safetensors')).tensors, b = readSafetensors(path.join(d, 'eight', 'last.safetensors')).tensors;
  for (const [k, t] of a) if (!k.startsWith('optimizer/')) assert.deepEqual(t.data, b.get(k)!.data, k);
});

test('a run cut short says what it trained in words that match its log; --max-minutes keeps its budget', async () => {
  const { d, cfg } = await setup();
  const { trainedText } = await import('../../src/train/trainer.ts');
  const { finishedEpochs, readLog } = await import('../../src/train/run_log.ts');
  const ac = new AbortController();
  const r = await train({ ...cfg, epochs: 3, batchSize: 2 }, path.join(d, 'cut'), false, { ...quiet, signal: ac.signal, onStep: (s) => { if (s.step === 5) ac.abort(); } });
  // 4 batches an epoch: stopped after the first batch of epoch 2.
  assert.equal(trainedText(r), '1 epoch and 1/4 batches of epoch 2');
  assert.deepEqual([r.interrupted, r.outOfTime], [true, false]);
  assert.deepEqual(readLog(path.join(d, 'cut', 'log.jsonl')).map((e) => [e.epoch, !!e.partial]), [[1, false]]);
  // A budget of 4 s: the run (decoding and validation included) ends within it, resumable.
  const t0 = Date.now();
  const timed = await train({ ...cfg, epochs: 500, maxMinutes: 4 / 60 }, path.join(d, 'timed'), false, quiet);
  const secs = (Date.now() - t0) / 1000;
  assert.ok(secs < 4 * 1.25, `--max-minutes 0.067 ran ${secs.toFixed(1)} s`);
  assert.ok(timed.state.epoch >= 1 && timed.state.epoch < 500);
  assert.deepEqual([timed.interrupted, timed.outOfTime], [false, true]);
  // Stopped by the budget mid-epoch, the epoch's entry is marked partial with its batches, the
  // summary says the same, and the dashboard counts finished epochs only.
  const log = readLog(path.join(d, 'timed', 'log.jsonl'));
  const last = log.at(-1)!;
  if (timed.state.batch > 0) {
    assert.deepEqual([last.epoch, last.partial, last.batches], [timed.state.epoch + 1, true, timed.state.batch]);
    assert.match(trainedText(timed), new RegExp(`^${timed.state.epoch} epochs? and ${timed.state.batch}/2 batches of epoch ${timed.state.epoch + 1}$`));
  } else assert.equal(last.epoch, timed.state.epoch);
  assert.equal(finishedEpochs(log), timed.state.epoch);
  assert.equal(timed.bestPartial, !!log.find((e) => e.epoch === timed.state.bestEpoch && e.val)?.partial);
});

test('binary mode (--classes 1): one sigmoid output; its loss is binary cross-entropy; label maps are sigmoid > 0.5 on both runtimes; the CLI trains, verifies and evaluates it', async () => {
  const { d, cfg } = await setup();
  const tfl = await import('@tensorflow/tfjs-layers');
  const { SegModel } = await import('../../src/models/seg_model.ts');
  const { segmentationLoss } = await import('../../src/train/losses.ts');
  // The loss over the scores [0, z] is binary cross-entropy on z, written out: mean of log(1 + e^z) - y z.
  const model = new SegModel({ arch: 'unet', numClasses: 2, binary: true, width: 4, depth: 2, seed: 4 });
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tensor3d(Int32Array.from({ length: 2 * 32 * 32 }, (_, i) => (i * 7919) % 3 === 0 ? 1 : 0), [2, 32, 32], 'int32');
  const scores = model.forward(x);
  const head = tfl.model({ inputs: model.net.inputs, outputs: model.net.getLayer('binary_scores').input as import('@tensorflow/tfjs-layers').SymbolicTensor });
  assert.equal(head.outputs[0].shape[3], 1, 'the network has one output channel');
  const z = (head.predict(x) as tf.Tensor).dataSync(), yv = y.dataSync();
  let bce = 0;
  for (let i = 0; i < z.length; i++) bce += Math.log1p(Math.exp(z[i])) - yv[i] * z[i];
  bce /= z.length;
  const ce = segmentationLoss('ce', scores, y, { numClasses: 2, ignoreIndex: 255 }).dataSync()[0];
  assert.ok(Math.abs(ce - bce) < 1e-5, `cross-entropy ${ce} = binary cross-entropy ${bce}`);
  model.dispose();

  // Through the CLI on 1-bit masks: train, verify, evaluate; the run's label maps are z > 0.
  const { lowBitPng } = await import('../helpers.ts');
  const { readMask } = await import('../../src/data/mask_io.ts');
  for (const [name, split] of [['train', cfg.train], ['val', cfg.val!]] as const) {
    for (const f of fs.readdirSync(split.masks)) {
      const m = readMask(path.join(split.masks, f));
      fs.mkdirSync(path.join(d, `${name}-bin`), { recursive: true });
      fs.writeFileSync(path.join(d, `${name}-bin`, f), lowBitPng(m.data.map((v) => (v > 0 ? 1 : 0)), m.width, m.height, 1));
    }
  }
  const bin = path.resolve('bin/pixelwise.js'), run = path.join(d, 'binary-run');
  const tr = spawnSync(process.execPath, [bin, 'train', '--classes', '1', '--images', cfg.train.images, '--masks', path.join(d, 'train-bin'), '--val-images', cfg.val!.images, '--val-masks', path.join(d, 'val-bin'),
    '--arch', 'unet', '--width', '4', '--depth', '2', '--input-size', '32x32', '--epochs', '2', '--quiet', '--workers', '0', '--out', run], { encoding: 'utf8' });
  assert.equal(tr.status, 0, tr.stderr);
  assert.match(tr.stderr, /binary segmentation \(--classes 1\): one sigmoid output/);
  const { card, model: trained } = loadModelPackage(run);
  assert.deepEqual([card.model.numClasses, card.model.binary, card.classes.map((c) => c.name)], [2, true, ['background', 'foreground']]);
  const ve = spawnSync(process.execPath, [bin, 'verify', '--classes', '1', '--images', cfg.val!.images, '--masks', path.join(d, 'val-bin'), '--quiet'], { encoding: 'utf8' });
  assert.equal(ve.status, 0, ve.stdout);
  assert.match(ve.stdout, /background[\s\S]*foreground/);
  const ev = spawnSync(process.execPath, [bin, 'evaluate', '--model', run, '--images', cfg.val!.images, '--masks', path.join(d, 'val-bin'), '--json', '--report', path.join(d, 'rep')], { encoding: 'utf8' });
  assert.equal(ev.status, 0, ev.stderr);
  assert.deepEqual(Object.keys(JSON.parse(ev.stdout).perClass), ['background', 'foreground']);
  const { readImage } = await import('../../src/data/image_io.ts');
  const { openSegmenter } = await import('../../src/inference/open.ts');
  const img = await readImage(path.join(cfg.val!.images, fs.readdirSync(cfg.val!.images)[0]));
  const { normalizeInto } = await import('../../src/data/normalize.ts');
  const xin = new Float32Array(img.width * img.height * 3);
  normalizeInto(xin, 0, img.data, card.input.normalization);
  const trainedHead = tfl.model({ inputs: trained.net.inputs, outputs: trained.net.getLayer('binary_scores').input as import('@tensorflow/tfjs-layers').SymbolicTensor });
  const zt = (trainedHead.predict(tf.tensor4d(xin, [1, img.height, img.width, 3])) as tf.Tensor).dataSync();
  const expected = Uint8Array.from(zt, (v) => (v > 0 ? 1 : 0));
  for (const runtime of ['tfjs', 'onnx'] as const) {
    const seg = await openSegmenter(run, { runtime });
    const [labels] = await seg.predictBatch([img]);
    assert.deepEqual([...labels], [...expected], `${runtime}: label map = sigmoid(z) > 0.5`);
    await seg.dispose();
  }
  trained.dispose();
});

test('validation images that are training images (the same files) are said before training; held-out ones are not', async () => {
  const { d, cfg } = await setup();
  const run = async (val: TrainConfig['val'], dir: string) => {
    const lines: string[] = [];
    const ac = new AbortController();
    await train({ ...cfg, val, epochs: 1 }, path.join(d, dir), false, { quiet: true, log: (l) => lines.push(l), signal: ac.signal, onStep: () => ac.abort() });
    return lines.filter((l) => /validation images are training images/.test(l));
  };
  assert.deepEqual(await run(cfg.train, 'same'), ['8 of the 8 validation images are training images too (the same files): the validation scores will flatter the model; validate on images held out of training']);
  // Through a link to the training folder, too.
  const link = path.join(d, 'link');
  fs.symlinkSync(cfg.train.images, link);
  assert.equal((await run({ ...cfg.train, images: link }, 'linked')).length, 1);
  assert.deepEqual(await run(cfg.val, 'held-out'), []);
});

test('valFraction: a share of the training pairs held out and validated on, listed in val.txt; an image keeps its side as the folder grows; refusals name the option', async () => {
  const { d, cfg } = await setup();
  const trainOnce = async (dir: string, split: TrainConfig['train']) => {
    const lines: string[] = [];
    const out = path.join(d, dir);
    await train({ ...cfg, train: split, val: undefined, valFraction: 0.4, epochs: 1 }, out, false, { quiet: true, log: (l) => lines.push(l) });
    // val.txt names the images (with their extension) as a split list: read back, the held-out ids.
    const held = readSplitList(path.join(out, 'val.txt'));
    assert.deepEqual(fs.readFileSync(path.join(out, 'val.txt'), 'utf8').trim().split('\n'), held.map((id) => `${id}.png`));
    return { lines, held, out };
  };
  const first = await trainOnce('first', cfg.train);
  const all = fs.readdirSync(cfg.train.images).map((f) => f.replace(/\.png$/, '')).sort();
  assert.ok(first.held.length >= 1 && first.held.length < all.length, first.held.join(','));
  assert.ok(first.held.every((n) => all.includes(n)));
  assert.ok(first.lines.some((l) => l.includes(`validation: ${first.held.length} of the 8 training pairs held out`)), first.lines.join('\n'));
  assert.ok(first.lines.some((l) => l.includes(`${8 - first.held.length} training images, ${first.held.length} validation`)), first.lines.join('\n'));
  const log = fs.readFileSync(path.join(first.out, 'log.jsonl'), 'utf8');
  assert.match(log, /"val":\{"mIoU"/);
  // Twelve more pairs beside the eight: each of the eight keeps its side.
  const more = await writeSyntheticDataset(path.join(d, 'more'), 12, 32, 32, 5);
  for (const sub of ['images', 'masks'] as const) for (const f of fs.readdirSync(more[sub])) fs.copyFileSync(path.join(more[sub], f), path.join(cfg.train[sub], `more_${f}`));
  const grown = await trainOnce('grown', cfg.train);
  assert.deepEqual(grown.held.filter((n) => all.includes(n)), first.held);
  assert.ok(grown.held.length > first.held.length && grown.held.length < 20, grown.held.join(','));
  for (const [bad, re] of [[{ valFraction: 1 }, /^--val-fraction 1: the share of training pairs held out for validation, above 0 and below 1/], [{ valFraction: 0.2, val: cfg.val }, /^--val-fraction 0\.2: holds validation images out of the training pairs; give it or a validation split/]] as const) {
    await assert.rejects(train({ ...cfg, val: undefined, ...bad }, path.join(d, 'bad'), false, quiet), (e: Error) => e instanceof UserError && re.test(cliMessage(e)));
  }
});

test('the learning-rate range test: the rate grows exponentially from minLr to maxLr, one loss a step, the run thrown away; suggestions read off the smoothed curve; the CLI writes its curve where the run then trains', async () => {
  const { findLearningRate, suggestions } = await import('../../src/train/lr_find.ts');
  const { d, cfg } = await setup();
  const before = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('pixelwise-lr-find-')).length;
  const r = await findLearningRate({ ...cfg, workers: 0 }, { steps: 40, minLr: 1e-5, maxLr: 1, quiet: true });
  assert.equal(r.points.length, 40);
  r.points.forEach((p, i) => assert.ok(Math.abs(p.lr - 1e-5 * 1e5 ** (i / 39)) < 1e-12 * p.lr, `step ${i}: ${p.lr}`));
  assert.ok(r.points.every((p) => Number.isFinite(p.loss)));
  // Smoothing as fastai's: an exponential average with bias correction.
  let avg = 0;
  r.points.forEach((p, i) => { avg = 0.98 * avg + 0.02 * p.loss; assert.ok(Math.abs(p.smoothed - avg / (1 - 0.98 ** (i + 1))) < 1e-9); });
  assert.ok(r.suggested >= 1e-5 && r.suggested <= 1);
  assert.equal(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('pixelwise-lr-find-')).length, before, 'the short run is removed');
  // The suggestions on a hand-made curve: flat, a fall from step 10 to 20, then a climb.
  const curve = Array.from({ length: 30 }, (_, i) => ({ step: i, lr: 10 ** (-6 + i / 5), loss: 0, smoothed: i < 10 ? 2 : i <= 20 ? 2 - (i - 9) * 0.1 : 0.9 + (i - 20) * 0.3 }));
  const s = suggestions(curve);
  // The longest strict fall has 12 points (a flat one, then steps 10..20), ending at 20; fastai
  // starts it at 20 - 12 = 8, and goes a third and a half of a third of its length on: 8 + 4 + 2.
  assert.equal(s.suggested, curve[14].lr);
  assert.equal(s.minimumTenth, curve[20].lr / 10);
  assert.ok(s.steepest >= curve[9].lr && s.steepest <= curve[20].lr);
  await assert.rejects(findLearningRate(cfg, { steps: 5 }), (e: Error) => e instanceof UserError && e.argument === 'steps');
  // The CLI: its curve and suggestion in --out, which a run then takes.
  const out = path.join(d, 'lr');
  const args = ['train', '--arch', 'unet', '--width', '4', '--depth', '2', '--images', cfg.train.images, '--masks', cfg.train.masks, '--classes', '4', '--input-size', '32x32', '--batch-size', '4', '--out', out, '--workers', '0', '--quiet'];
  // Too few steps: refused before the data is read or the test announced.
  const few = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), ...args, '--find-lr', '5'], { encoding: 'utf8' });
  assert.deepEqual([few.status, few.stdout, few.stderr], [2, '', 'pixelwise: --find-lr 5: expected a whole number of steps, 10 to 100000\n']);
  const f = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), ...args, '--find-lr', '20'], { encoding: 'utf8' });
  assert.equal(f.status, 0, f.stderr);
  assert.match(f.stdout, /^suggested: --lr \S+ \(the valley of the loss; steepest fall at \S+, a tenth of its minimum \S+\)/);
  assert.deepEqual(fs.readdirSync(out).sort(), ['lr_find.json', 'lr_find.png']);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'lr_find.json'), 'utf8')).points.length, 20);
  const t = spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), ...args, '--epochs', '1'], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  assert.ok(fs.existsSync(path.join(out, 'last.safetensors')));
});
