// `pixelwise import --from DIR` of TF DeepLab's per-tensor .npy weights: every array lands in its
// layer with its layout converted (a round trip through files named and laid out as TF DeepLab
// writes them, generated here), and the imported VOC model computes what Google's TFLite runtime
// computed on the shared photos (../shared/data/tflite/reference_outputs, skipped when absent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { decode } from 'fast-png';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { readSafetensors } from '../../src/formats/safetensors.ts';
import { openModel } from '../../src/inference/open.ts';
import { ImageProcessor } from '../../src/inference/processor.ts';
import { Rng } from '../../src/util/random.ts';
import { tempDir } from '../helpers.ts';

const NPY = path.resolve('../shared/data/tflite/deeplabv3_mnv2_voc_trainval_npy');
const REF = path.resolve('../shared/data/tflite/reference_outputs');
const noRefs = !fs.existsSync(REF) && `${REF} not found (Google's reference outputs)`;
const cli = (...a: string[]) => spawnSync(process.execPath, ['bin/pixelwise.js', ...a], { encoding: 'utf8' });

/** A v1 .npy file of float32 data (C order). */
function writeNpy(file: string, shape: number[], data: Float32Array): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const pre = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(pre);
  pre[6] = 1; pre.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}
function readNpyF32(file: string): { data: Float32Array; shape: number[] } {
  const b = fs.readFileSync(file), hl = b.readUInt16LE(8), header = b.subarray(10, 10 + hl).toString('latin1');
  const shape = (/'shape': \(([^)]*)\)/.exec(header)![1]).split(',').filter((s) => s.trim()).map(Number);
  const body = b.subarray(10 + hl);
  return { data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)), shape };
}

/** TF DeepLab's scope for a layer of the zoo's network (Keras encoder names, TF head names). */
function tfScope(layer: string): string {
  if (layer === 'Conv1') return 'MobilenetV2_Conv';
  const m = /^(?:block_(\d+)|expanded_conv)_(expand|depthwise|project)$/.exec(layer);
  if (m) return `MobilenetV2_expanded_conv${m[1] ? `_${m[1]}` : ''}_${m[2]}`;
  return layer;
}

test('TF DeepLab .npy import: every kernel and folded bias lands in its layer, OHWI -> HWIO, biases as BatchNorm beta with gamma 1, mean 0, var 1 - eps', async () => {
  await initEngine('wasm');
  const model = new SegModel({ arch: 'mobilenetv2_deeplabv3', numClasses: 21, layout: 'tf', outputStride: 8 });
  const dir = path.join(tempDir(), 'weights');
  fs.mkdirSync(dir);
  const rng = new Rng(3), written = new Map<string, { data: Float32Array; shape: number[] }>();
  const put = (name: string, shape: number[]) => {
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1));
    written.set(name, { data, shape });
    writeNpy(path.join(dir, `${name}.npy`), shape, data);
  };
  for (const l of model.net.layers) {
    const k = l.weights.find((w) => /kernel$/.test(w.name));
    if (!k) continue;
    const [h, w, i, o] = k.shape as number[];
    const scope = l.name === 'logits_semantic' ? 'logits_semantic' : tfScope(l.name);
    if (l.getClassName().includes('Depthwise')) put(`${scope}_depthwise`, [1, h, w, i]); // [1, k, k, C]
    else put(`${scope}_Conv2D`, [o, h, w, i]);
    const block = /^block_(\d+)_depthwise$/.exec(l.name);
    if (l.name === 'logits_semantic') put('logits_semantic_biases', [o]);
    else if (block && Number(block[1]) >= 7) put(`${scope.replace(/_depthwise$/, '')}_depthwise_BatchNorm_FusedBatchNorm`, [i]);
    else put(`${scope}${l.getClassName().includes('Depthwise') ? '_depthwise' : '_Conv2D'}_bn_offset`, [l.getClassName().includes('Depthwise') ? i : o]);
  }
  assert.equal(written.size, 110, 'TF DeepLab MobileNetV2 VOC has 110 arrays');
  const out = path.join(tempDir(), 'pkg');
  const r = cli('import', '--from', path.dirname(dir), '--preset', 'deeplabv3-voc', '--no-onnx', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const got = readSafetensors(path.join(out, 'weights.safetensors')).tensors;
  const g = (name: string) => { const t = got.get(name); assert.ok(t, name); return t!.data as Float32Array; };
  let checked = 0;
  for (const [name, a] of written) {
    if (/_Conv2D$/.test(name)) {
      const layer = name === 'logits_semantic_Conv2D' ? 'logits_semantic' : model.net.layers.find((l) => tfScope(l.name) === name.replace(/_Conv2D$/, ''))!.name;
      const [O, H, W, I] = a.shape, k = g(`${layer}/kernel`);
      for (let o = 0; o < O; o++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let i = 0; i < I; i++) assert.equal(k[((h * W + w) * I + i) * O + o], a.data[((o * H + h) * W + w) * I + i]);
      checked++;
    } else if (/_depthwise_depthwise$/.test(name)) {
      const layer = model.net.layers.find((l) => tfScope(l.name) === name.replace(/_depthwise$/, ''))!.name;
      assert.deepEqual(g(`${layer}/depthwise_kernel`), a.data); // [1, k, k, C] and [k, k, C, 1] share their order
      checked++;
    } else if (name === 'logits_semantic_biases') {
      assert.deepEqual(g('logits_semantic/bias'), a.data);
      checked++;
    } else {
      const scope = name.replace(/_(Conv2D_bn_offset|depthwise_bn_offset|BatchNorm_FusedBatchNorm)$/, '').replace(/_depthwise_depthwise$/, '_depthwise');
      const conv = model.net.layers.find((l) => tfScope(l.name) === scope)!.name;
      const bn = conv === 'Conv1' ? 'bn_Conv1' : `${conv}_BN`;
      const eps = (model.net.getLayer(bn).getConfig() as { epsilon: number }).epsilon;
      assert.deepEqual(g(`${bn}/beta`), a.data, name);
      assert.ok(g(`${bn}/gamma`).every((v) => v === 1) && g(`${bn}/moving_mean`).every((v) => v === 0) && g(`${bn}/moving_variance`).every((v) => v === Math.fround(1 - eps)), bn);
      checked++;
    }
  }
  assert.equal(checked, 110);
  // A missing array and a stray one are refused by name, in one line.
  fs.renameSync(path.join(dir, 'aspp0_Conv2D.npy'), path.join(dir, 'stray_thing.npy'));
  const bad = cli('import', '--from', path.dirname(dir), '--preset', 'deeplabv3-voc', '--out', path.join(tempDir(), 'x'));
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /^pixelwise: \S+: no layer of mobilenetv2_deeplabv3 takes the array stray_thing; is it TF DeepLab/);
  fs.rmSync(path.join(dir, 'stray_thing.npy'));
  const missing = cli('import', '--from', dir, '--preset', 'deeplabv3-voc', '--out', path.join(tempDir(), 'y'));
  assert.match(missing.stderr, /weights do not fit mobilenetv2_deeplabv3 \(missing 1: aspp0\/kernel\)/);
  for (const x of [bad, missing]) assert.equal(x.stderr.trim().split('\n').length, 1, x.stderr);
  model.dispose();
});

test('TF DeepLab .npy import: the VOC train+val model gives Google\'s label maps and logits on the shared photos', { skip: noRefs }, async (t) => {
  const out = path.join(tempDir(), 'voc');
  const r = cli('import', '--from', NPY, '--preset', 'deeplabv3-voc', '--no-weights', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const { network, card } = await openModel(out, { runtime: 'onnx', threads: 2 });
  const proc = new ImageProcessor(card);
  for (const img of ['astronaut', 'chelsea', 'coffee', 'dashcam_t4']) {
    const u8 = Uint8Array.from(readNpyF32Bytes(path.join(REF, 'inputs', `${img}_513x513_u8.npy`)));
    const e = proc.encode([{ data: u8, width: 513, height: 513 }]);
    const scores = await network.run(e.x, e.dims);
    const labels = proc.argmax(scores, e)[0];
    const ref = decode(fs.readFileSync(path.join(REF, 'deeplabv3_mnv2_voc_trainval_npy', `${img}_argmax.png`))).data as Uint8Array;
    const stride = ref.length / labels.length;
    let same = 0;
    for (let p = 0; p < labels.length; p++) if (labels[p] === ref[p * stride]) same++;
    // Logits at 65x65 = every 8th pixel of the align-corners 513 output (an exact grid).
    const lg = readNpyF32(path.join(REF, 'deeplabv3_mnv2_voc_trainval_npy', `${img}_logits_65x65x21_f32.npy`)).data;
    let diff = 0;
    for (let i = 0; i < 65; i++) for (let j = 0; j < 65; j++) for (let k = 0; k < 21; k++) diff = Math.max(diff, Math.abs(scores[(k * 513 + 8 * i) * 513 + 8 * j] - lg[(i * 65 + j) * 21 + k]));
    t.diagnostic(`${img}: ${(100 * same / labels.length).toFixed(3)}% of pixels equal; logits differ by at most ${diff.toExponential(2)}`);
    assert.ok(same / labels.length >= 0.999, img);
    assert.ok(diff <= 1e-3, `${img}: ${diff}`);
  }
  await network.dispose();
});

/** The bytes of a uint8 .npy file. */
function readNpyF32Bytes(file: string): Uint8Array {
  const b = fs.readFileSync(file), hl = b.readUInt16LE(8);
  return new Uint8Array(b.subarray(10 + hl));
}
