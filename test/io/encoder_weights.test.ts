// --encoder-weights: torchvision-named checkpoints and Keras H5 weight files load into the encoder
// (and only the encoder), with layouts converted; wrong or incomplete files are refused by name.
// The files are written here in each naming scheme (no download).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { writeSafetensors } from '../../src/formats/safetensors.ts';
import { loadEncoderWeights, layoutForEncoderWeights } from '../../src/io/encoder_weights.ts';
import { archNormalization } from '../../src/models/registry.ts';
import { KERAS_TF_NORM } from '../../src/data/normalize.ts';
import { Rng } from '../../src/util/random.ts';
import { tempDir } from '../helpers.ts';

const rng = new Rng(5);
const rand = (shape: number[]) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1));
const weightsOf = async (m: SegModel) => new Map((await m.namedWeights()).map((w) => [w.name, w]));

/** torchvision resnet18's state_dict keys and shapes (PyTorch layouts), fc included. */
function torchvisionResnet18(): Map<string, { shape: number[]; data: Float32Array }> {
  const t = new Map<string, { shape: number[]; data: Float32Array }>();
  const put = (k: string, shape: number[]) => t.set(k, { shape, data: rand(shape) });
  const bnTensors = (p: string, c: number) => { for (const s of ['weight', 'bias', 'running_mean']) put(`${p}.${s}`, [c]); t.set(`${p}.running_var`, { shape: [c], data: Float32Array.from({ length: c }, () => rng.uniform(0.5, 1.5)) }); };
  put('conv1.weight', [64, 3, 7, 7]); bnTensors('bn1', 64);
  let cin = 64;
  [64, 128, 256, 512].forEach((c, i) => {
    for (let b = 0; b < 2; b++) {
      const p = `layer${i + 1}.${b}`;
      put(`${p}.conv1.weight`, [c, b === 0 ? cin : c, 3, 3]); bnTensors(`${p}.bn1`, c);
      put(`${p}.conv2.weight`, [c, c, 3, 3]); bnTensors(`${p}.bn2`, c);
      if (b === 0 && i > 0) { put(`${p}.downsample.0.weight`, [c, cin, 1, 1]); bnTensors(`${p}.downsample.1`, c); }
    }
    cin = c;
  });
  put('fc.weight', [1000, 512]); put('fc.bias', [1000]);
  return t;
}

test('torchvision resnet18 weights load into the encoder: OIHW -> HWIO, BatchNorm statistics, decoder untouched', async () => {
  await initEngine('wasm');
  const d = tempDir();
  const file = path.join(d, 'resnet18.safetensors');
  const tv = torchvisionResnet18();
  writeSafetensors(file, [...tv].map(([name, v]) => ({ name, ...v })));
  assert.deepEqual(layoutForEncoderWeights('resnet18_unet', file), { layout: 'torchvision' });
  const m = new SegModel({ arch: 'resnet18_unet', numClasses: 3, seed: 4 });
  const before = await weightsOf(m);
  assert.equal(await loadEncoderWeights(m, file), tv.size - 2 /* fc.weight, fc.bias: the ImageNet head */);
  const after = await weightsOf(m);
  // conv1: torch [64, 3, 7, 7] -> ours [7, 7, 3, 64]
  const k = after.get('conv1_conv/kernel')!, src = tv.get('conv1.weight')!.data;
  for (const [o, i, y, x] of [[0, 0, 0, 0], [63, 2, 6, 5], [17, 1, 3, 4]]) assert.equal(k.data[((y * 7 + x) * 3 + i) * 64 + o], src[((o * 3 + i) * 7 + y) * 7 + x]);
  assert.deepEqual(after.get('conv4_block1_0_bn/moving_mean')!.data, tv.get('layer3.0.downsample.1.running_mean')!.data);
  assert.deepEqual(after.get('conv5_block2_2_bn/gamma')!.data, tv.get('layer4.1.bn2.weight')!.data);
  for (const name of ['dec1a_conv/kernel', 'classifier/kernel', 'up2/kernel']) assert.deepEqual(after.get(name)!.data, before.get(name)!.data, `${name} changed`);
  // A tensor of another network, and an incomplete file, are named.
  writeSafetensors(path.join(d, 'extra.safetensors'), [...tv, ['layer5.0.conv1.weight', { shape: [1], data: new Float32Array(1) }] as [string, { shape: number[]; data: Float32Array }]].map(([name, v]) => ({ name, ...v })));
  await assert.rejects(loadEncoderWeights(m, path.join(d, 'extra.safetensors')), /1 tensors fit no layer of the resnet18 encoder \(first: layer5\.0\.conv1\.weight\)/);
  writeSafetensors(path.join(d, 'short.safetensors'), [...tv].filter(([k]) => !k.startsWith('layer4.1.bn2')).map(([name, v]) => ({ name, ...v })));
  await assert.rejects(loadEncoderWeights(m, path.join(d, 'short.safetensors')), /missing 4: conv5_block2_2_bn\//);
  m.dispose();
});

test('Keras H5 weights (save_weights layout) load into a MobileNetV2 encoder by Keras layer names', async () => {
  await initEngine('wasm');
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  const d = tempDir();
  const file = path.join(d, 'mobilenet_v2_notop.h5');
  const src = new SegModel({ arch: 'mobilenetv2_unet', numClasses: 3, seed: 1 });
  const srcWeights = await weightsOf(src);
  // The Keras Applications file layout: root attr layer_names; per layer a group with attr
  // weight_names and datasets <layer>/<layer>/<weight>:0.
  const layers = [...new Set([...srcWeights.keys()].map((k) => k.split('/')[0]))].filter((l) => /^(Conv1|bn_Conv1|expanded_conv_|block_|Conv_1)/.test(l));
  const f = new h5wasm.File(file, 'w');
  f.create_attribute('layer_names', layers);
  for (const l of layers) {
    const g = f.create_group(l);
    const names = [...srcWeights.keys()].filter((k) => k.startsWith(`${l}/`));
    g.create_attribute('weight_names', names.map((n) => `${n}:0`));
    const sub = g.create_group(l);
    for (const n of names) { const w = srcWeights.get(n)!; sub.create_dataset({ name: `${n.split('/')[1]}:0`, data: w.data, shape: w.shape, dtype: '<f' }); }
  }
  f.close();
  src.dispose();
  assert.deepEqual(layoutForEncoderWeights('mobilenetv2_unet', file), {});
  assert.deepEqual(archNormalization('mobilenetv2_unet', 'keras'), KERAS_TF_NORM);
  const m = new SegModel({ arch: 'mobilenetv2_unet', numClasses: 3, seed: 2 });
  const before = await weightsOf(m);
  const n = await loadEncoderWeights(m, file);
  const after = await weightsOf(m);
  assert.equal(n, [...srcWeights.keys()].filter((k) => layers.includes(k.split('/')[0])).length);
  assert.deepEqual(after.get('block_5_depthwise/depthwise_kernel')!.data, srcWeights.get('block_5_depthwise/depthwise_kernel')!.data);
  assert.deepEqual(after.get('Conv_1_bn/moving_variance')!.data, srcWeights.get('Conv_1_bn/moving_variance')!.data);
  assert.deepEqual(after.get('classifier/kernel')!.data, before.get('classifier/kernel')!.data, 'decoder untouched');
  assert.ok(tf.memory().numTensors > 0);
  m.dispose();
  await assert.rejects(loadEncoderWeights(new SegModel({ arch: 'espnet', numClasses: 6 }), file), /whole network without a separate encoder/);
});

test('the ESPNetv2 encoder under any decoder starts from an EdgeNets model: shipped weights by name, or the EdgeNets .pth via --encoder-weights', async () => {
  await initEngine('wasm');
  const { readSafetensors } = await import('../../src/formats/safetensors.ts');
  const shipped = readSafetensors(path.join('models', 'cityscapes-fast', 'weights.safetensors')).tensors;
  const m = new SegModel({ arch: 'espnetv2_pspnet', numClasses: 12, widthMult: 2 });
  assert.equal(m.stride, 16, 'ESPNetv2 has output stride 16 only; pspnet follows it');
  const before = await weightsOf(m);
  m.loadNamedWeights(shipped, 'cityscapes', { strict: false, keepMismatched: true, keepMissing: true });
  const after = await weightsOf(m);
  const encoder = [...after.keys()].filter((k) => k.startsWith('base_net.'));
  assert.ok(encoder.length > 300, `${encoder.length} encoder tensors`);
  for (const k of encoder) assert.deepEqual(after.get(k)!.data, shipped.get(k)!.data, k);
  for (const k of after.keys()) if (!k.startsWith('base_net.')) assert.deepEqual(after.get(k)!.data, before.get(k)!.data, `${k}: the decoder must stay new`);
  m.dispose();
  const pth = path.join('..', 'shared', 'data', 'edgenets', 'espnetv2_s_2.0_city_1024x512.pth');
  if (!(await import('node:fs')).existsSync(pth)) { process.stderr.write(`skipping the .pth half: ${pth} not found\n`); return; }
  const m2 = new SegModel({ arch: 'espnetv2_unet', numClasses: 12, widthMult: 2, ...layoutForEncoderWeights('espnetv2_unet', pth) });
  const n = await loadEncoderWeights(m2, pth);
  const w2 = await weightsOf(m2);
  assert.equal(n, [...w2.keys()].filter((k) => k.startsWith('base_net.')).length, 'every encoder tensor');
  for (const [k, t] of w2) if (k.startsWith('base_net.')) assert.deepEqual(t.data, shipped.get(k)!.data, k);
  m2.dispose();
});

test('MobileNetV2 architectures start from the shipped TF DeepLab start by default (its layout and normalisation); --encoder-weights none is random; a model folder gives its encoder', async () => {
  const { spawnSync } = await import('node:child_process');
  const fs = await import('node:fs');
  const { writeSyntheticDataset } = await import('../../src/data/synthetic.ts');
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 2, 32, 32, 1);
  const train = (out: string, ...extra: string[]) => spawnSync(process.execPath, ['bin/pixelwise.js', 'train', '--arch', 'mobilenet_unet', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--input-size', '32x32', '--epochs', '1', '--batch-size', '2', '--lr', '1e-5', '--no-augment', '--out', out, ...extra], { encoding: 'utf8' });
  const r = train(path.join(d, 'start'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /encoder: starts from the shipped deeplabv3-voc weights \(--encoder-weights none for random initialisation\)/);
  const cfg = JSON.parse(fs.readFileSync(path.join(d, 'start', 'train.json'), 'utf8'));
  assert.equal(cfg.model.layout, 'tf');
  assert.deepEqual(cfg.norm, KERAS_TF_NORM);
  // One step at lr 1e-5 from the start: the stem is still the start's (random weights would be far off).
  const { readSafetensors } = await import('../../src/formats/safetensors.ts');
  const start = readSafetensors('models/deeplabv3-voc/weights.safetensors').tensors.get('Conv1/kernel')!.data as Float32Array;
  const trained = readSafetensors(path.join(d, 'start', 'last.safetensors')).tensors.get('Conv1/kernel')!.data as Float32Array;
  assert.ok(start.every((v, i) => Math.abs(v - trained[i]) < 1e-3), 'the stem starts from the shipped weights');
  const none = train(path.join(d, 'none'), '--encoder-weights', 'none');
  assert.equal(none.status, 0, none.stderr);
  assert.doesNotMatch(none.stderr + none.stdout, /starts from the shipped/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(d, 'none', 'train.json'), 'utf8')).model.layout, undefined);
  // A model folder as --encoder-weights: exactly its encoder's tensors, the decoder left alone.
  await initEngine('wasm');
  const m = new SegModel({ arch: 'mobilenetv2_deeplabv3plus', numClasses: 5, layout: 'tf' });
  const before = await weightsOf(m);
  const n = await loadEncoderWeights(m, 'models/deeplabv3-voc');
  const after = await weightsOf(m), src = readSafetensors('models/deeplabv3-voc/weights.safetensors').tensors;
  assert.equal(n, [...after.keys()].filter((k) => /^(Conv1|bn_Conv1|expanded_conv_|block_)/.test(k)).length);
  assert.deepEqual(after.get('block_16_project/kernel')!.data, src.get('block_16_project/kernel')!.data);
  for (const k of ['dec_low_conv/kernel', 'aspp0/kernel']) assert.deepEqual(after.get(k)!.data, before.get(k)!.data, `decoder untouched: ${k}`);
  assert.deepEqual(layoutForEncoderWeights('mobilenetv2_unet', 'models/deeplabv3-voc'), { layout: 'tf' });
  m.dispose();
});

test('starting weights: a folder without a card, an ONNX-only package and another encoder\'s start are one-line refusals naming the option', async () => {
  const { spawnSync } = await import('node:child_process');
  const fs = await import('node:fs');
  const { writeSyntheticDataset } = await import('../../src/data/synthetic.ts');
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 2, 32, 32, 1);
  fs.mkdirSync(path.join(d, 'empty'));
  for (const [extra, why] of [
    [['--arch', 'mobilenet_unet', '--encoder-weights', path.join(d, 'empty')], /^pixelwise: --encoder-weights \S+: a folder without model\.json/],
    // The shipped start imported from the same file as the graph is named (by the sha256 both cards record).
    [['--arch', 'mobilenet_unet', '--init-weights', 'models/voc'], /^pixelwise: --init-weights models\/voc: an ONNX-only package has no trainable weights; .*; the shipped start deeplabv3-voc holds the trainable weights of the same source \(deeplabv3_mnv2_voc_trainval_npy\): give deeplabv3-voc\n$/],
    [['--init-weights', 'cityscapes'], /^pixelwise: --init-weights cityscapes: an ONNX-only package has no trainable weights; .*: give edgetpu-deeplab-cityscapes\n$/],
    [['--arch', 'unet', '--encoder-weights', 'deeplabv3-voc'], /^pixelwise: --encoder-weights \S+: its network \(mobilenetv2_deeplabv3\) has a mobilenetv2 encoder, not unet's unet/],
  ] as const) {
    const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--input-size', '32x32', '--epochs', '1', '--out', path.join(d, `r${Math.random()}`), ...extra], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, why);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
