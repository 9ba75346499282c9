// `pixelwise import` of graphs written by PyTorch's own exporter (torch.onnx.export, as Hugging Face
// Optimum and torchvision users export), against PyTorch's label maps of the shipped photos
// (test/fixtures/torch_exports, made by bench/torch_exports.py with Debian's python3-torch): a
// SegFormer as a transformers.js folder (its preprocessing from preprocessor_config.json), a
// torchvision-style DeepLabV3 of any input size, a binary U-Net of fixed size ending in a Sigmoid.
// Every pixel must agree but where PyTorch's best two scores are within 1e-3 (another summation
// order may break such a tie either way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readCard } from '../../src/models/package.ts';
import { load } from '../../src/inference/load.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';
import { cli, differences, labelMaps, type ReferenceCase } from './reference_maps.ts';

const FIX = path.resolve(import.meta.dirname, '../fixtures/torch_exports');
const IMAGENET = ['--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225'];

const reference = JSON.parse(fs.readFileSync(path.join(FIX, 'reference.json'), 'utf8')) as { torch: string; cases: ReferenceCase[] };
const cases = (model: string) => reference.cases.filter((c) => c.model === model);

test('a SegFormer exported by torch.onnx as a transformers.js folder: its processor\'s preprocessing, the quarter-size logits straight to the photo as transformers\' post-processing, PyTorch\'s label maps', async () => {
  const out = path.join(tempDir(), 'segformer');
  const r = cli('import', '--from', path.join(FIX, 'tiny-segformer'), '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\(ONNX, \d+ nodes, 5 classes, input 256x256 \(width x height\), scores at 1\/4 of it\)\n$/);
  // Nothing added: the graph as it came.
  assert.deepEqual(fs.readFileSync(path.join(out, 'model.onnx')), fs.readFileSync(path.join(FIX, 'tiny-segformer', 'onnx', 'model.onnx')));
  const card = readCard(out);
  assert.deepEqual(card.input.rule, { kind: 'fixed', size: [256, 256], filter: 'pillow' });
  assert.deepEqual(card.output, { kind: 'logits', resizeBack: 'scores', scale: 4 });
  assert.deepEqual(card.classes.map((c) => c.name), ['wall', 'building', 'sky', 'floor', 'tree']);
  assert.equal(card.licence, 'mit');
  assert.equal(card.source, 'pixelwise-fixtures/tiny-segformer');
  // A class list of another length: the count is the graph's, so the list is named.
  const other = cli('import', '--from', path.join(FIX, 'tiny-segformer'), '--class-file', 'voc', '--out', path.join(tempDir(), 'no'));
  assert.equal(other.status, 2);
  assert.equal(other.stderr, 'pixelwise: --class-file voc: names 21 classes, and the graph gives 5 class scores; give a class list of 5\n');
  const list = cases('tiny-segformer');
  for (const [i, labels] of (await labelMaps(out, list)).entries()) {
    const { differ, decided } = differences(labels, list[i]);
    assert.equal(decided, 0, `${list[i].image}: ${differ} pixels differ from PyTorch's, ${decided} of them not near-ties`);
  }
});

test('the SegFormer folder with a processor that resizes with BICUBIC (resample 3, as BEiT\'s and DPT\'s): Pillow\'s bicubic in, PyTorch\'s label maps, and not bilinear\'s', async () => {
  const d = tempDir(), src = path.join(d, 'bicubic'), out = path.join(d, 'pkg');
  fs.cpSync(path.join(FIX, 'tiny-segformer'), src, { recursive: true });
  const pre = JSON.parse(fs.readFileSync(path.join(src, 'preprocessor_config.json'), 'utf8'));
  fs.writeFileSync(path.join(src, 'preprocessor_config.json'), JSON.stringify({ ...pre, resample: 3 }));
  const r = cli('import', '--from', src, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readCard(out).input.rule, { kind: 'fixed', size: [256, 256], filter: 'pillow-bicubic' });
  const list = cases('tiny-segformer-bicubic');
  for (const [i, labels] of (await labelMaps(out, list)).entries()) {
    const { differ, decided } = differences(labels, list[i]);
    assert.equal(decided, 0, `${list[i].image}: ${differ} pixels differ from PyTorch's, ${decided} of them not near-ties`);
    // The bilinear folder's label maps are not these: the filter matters.
    assert.ok(differences(labels, cases('tiny-segformer')[i]).decided > 0, `${list[i].image}: bicubic and bilinear inputs give other label maps`);
  }
});

test('a torchvision-style DeepLabV3 of any size (outputs out and aux): each photo at its own size as PyTorch runs it; --pad-multiple 32 pads it', async () => {
  const d = tempDir(), own = path.join(d, 'own'), padded = path.join(d, 'padded');
  const r = cli('import', '--from', path.join(FIX, 'deeplabv3.onnx'), ...IMAGENET, '--class-file', 'voc', '--out', own);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /21 classes, any input size \(each image at its own\); adapted: its other output left unused\)/);
  assert.equal(readCard(own).input.stride, 1);
  assert.deepEqual(readCard(own).output, { kind: 'logits', resizeBack: 'scores' });
  const list = cases('deeplabv3');
  for (const [i, labels] of (await labelMaps(own, list)).entries()) {
    const { differ, decided } = differences(labels, list[i]);
    assert.equal(decided, 0, `${list[i].image}: ${differ} pixels differ from PyTorch's, ${decided} of them not near-ties`);
  }
  // Padded, the image pooling of its ASPP averages the padding too: other label maps.
  const p = cli('import', '--from', path.join(FIX, 'deeplabv3.onnx'), ...IMAGENET, '--pad-multiple', '32', '--out', padded);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /any input size \(padded to multiples of 32\)/);
  assert.equal(readCard(padded).input.stride, 32);
  const chelsea = list.find((c) => c.image === 'chelsea.png')!; // 451x300: padded to 480x320
  assert.ok(differences((await labelMaps(padded, [chelsea]))[0], chelsea).decided > 0, 'padding changes the label map');
});

test('a binary U-Net of fixed size ending in a Sigmoid: the sigmoid cut, foreground where PyTorch\'s p > 0.5; --pad-multiple refused for it', async () => {
  const d = tempDir(), out = path.join(d, 'unet');
  const r = cli('import', '--from', path.join(FIX, 'unet-sigmoid.onnx'), ...IMAGENET, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 classes, input 128x128 \(width x height\); adapted: its final Sigmoid cut, its one sigmoid logit as the scores \[0, z\] of background and foreground\)/);
  const card = readCard(out);
  assert.deepEqual(card.classes.map((c) => c.name), ['background', 'foreground']);
  assert.deepEqual(card.output, { kind: 'logits', resizeBack: 'labels' });
  const list = cases('unet-sigmoid');
  for (const [i, labels] of (await labelMaps(out, list)).entries()) {
    const { differ, decided } = differences(labels, list[i]);
    assert.equal(decided, 0, `${list[i].image}: ${differ} pixels differ from PyTorch's, ${decided} of them not near-ties`);
  }
  const bad = cli('import', '--from', path.join(FIX, 'unet-sigmoid.onnx'), ...IMAGENET, '--pad-multiple', '8', '--out', path.join(d, 'no'));
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, 'pixelwise: --pad-multiple 8: for a graph that takes any size; this one runs at 128x128 (its own size)\n');
  assert.ok(!fs.existsSync(path.join(d, 'no')));
  // Its graph fixes 128x128: another network input size is refused where it is asked for, naming it.
  await assert.rejects(load(out, { inputSize: [64, 64] }), (e: unknown) => e instanceof UserError && e.argument === 'inputSize' && /^inputSize 64x64: this model's graph takes 128x128 \(height x width\) only/.test(e.message));
  const same = await load(out, { inputSize: [128, 128] });
  await same.dispose();
  const photo = path.resolve('assets/photos/chelsea.png');
  for (const args of [['predict', photo, '--model', out, '--input-size', '64x64', '--out', path.join(d, 'p')], ['quantize', '--model', out, '--calibration', path.resolve('assets/photos'), '--input-size', '64x64', '--out', path.join(d, 'q')]]) {
    const r2 = cli(...args);
    assert.equal(r2.status, 2, `${args[0]}: ${r2.stderr}`);
    assert.match(r2.stderr, /^pixelwise: --input-size 64x64: this model's graph takes 128x128 \(height x width\) only: its ONNX file fixes the size; leave (the input size|--input-size) out\n$/);
  }
  const pth = cli('import', '--from', path.join(d, 'x.pth'), '--pad-multiple', '8', '--out', path.join(d, 'no'));
  assert.equal(pth.status, 2);
  assert.match(pth.stderr, /^pixelwise: --pad-multiple: only for ONNX graphs .*stride\n$/);
});
