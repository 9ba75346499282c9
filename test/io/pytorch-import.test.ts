// PyTorch checkpoints without Python: legacy and zip formats from a tiny pickle writer, layout
// conversion, clear errors; and, with ../shared present, the real ESPNet CamVid checkpoint
// reproducing its reference label maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readTorchCheckpoint } from '../../src/formats/pytorch.ts';
import { readSafetensors } from '../../src/formats/safetensors.ts';
import { convertTorchStateDict } from '../../src/io/torch_convert.ts';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';
import { findPreset } from '../../src/models/presets.ts';
import { readImage } from '../../src/data/image_io.ts';
import { readMask } from '../../src/data/mask_io.ts';
import { predictLabels } from '../../src/inference/predictor.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';
import { P, writeLegacy, writeZip, type T } from './torch_fixture.ts';

const fixture: T[] = [
  { name: 'conv.weight', shape: [2, 3, 1, 1], data: [1, 2, 3, 4, 5, 6] },
  { name: 'bn.running_var', shape: [3], data: [0.5, 0.25, 2] },
  // non-contiguous (a transposed view): size [2, 3], stride [1, 2] over storage 0..5
  { name: 'view', shape: [2, 3], stride: [1, 2], data: [0, 1, 2, 3, 4, 5] },
];

test('legacy and zip PyTorch checkpoints read to the same tensors, strides honoured', () => {
  const d = tempDir();
  writeLegacy(path.join(d, 'legacy.pth'), fixture);
  writeZip(path.join(d, 'zip.pth'), fixture);
  for (const f of ['legacy.pth', 'zip.pth']) {
    const t = readTorchCheckpoint(path.join(d, f));
    assert.deepEqual([...t.keys()], ['conv.weight', 'bn.running_var', 'view'], f);
    assert.deepEqual(t.get('conv.weight')!.shape, [2, 3, 1, 1]);
    assert.deepEqual([...t.get('conv.weight')!.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...t.get('bn.running_var')!.data], [0.5, 0.25, 2]);
    assert.deepEqual([...t.get('view')!.data], [0, 2, 4, 1, 3, 5], `${f}: strided view`);
  }
});

test('a tensor whose size and stride reach past its storage is refused at once as damaged (a fuzzed file read for minutes; a longer one was zero-filled)', () => {
  const d = tempDir();
  for (const [name, t] of [
    // bench:fuzz's mutant: 3.2 billion values of a 6-value storage.
    ['huge', { name: 'w', shape: [1073741826, 3], stride: [33554435, 1], data: [1, 2, 3, 4, 5, 6] }],
    ['longer', { name: 'w', shape: [8], data: [1, 2, 3, 4, 5, 6] }],
    ['offset', { name: 'w', shape: [2, 2], data: [1, 2, 3, 4, 5, 6], offset: 3 }],
  ] as [string, T][]) {
    for (const write of [writeLegacy, writeZip]) {
      const file = path.join(d, `${name}-${write.name}.pth`);
      write(file, [t]);
      const t0 = Date.now();
      assert.throws(() => readTorchCheckpoint(file), (e: Error) => e instanceof UserError && /tensor w of size .* reaches past its storage of 6 values; the file is damaged/.test(e.message), `${name}, ${write.name}`);
      assert.ok(Date.now() - t0 < 2000, `${name}, ${write.name}: refused in ${Date.now() - t0} ms`);
    }
  }
  // A view that stays inside its storage still reads.
  writeZip(path.join(d, 'inside.pth'), [{ name: 'w', shape: [2, 2], data: [1, 2, 3, 4, 5, 6], offset: 2 }]);
  assert.deepEqual([...readTorchCheckpoint(path.join(d, 'inside.pth')).get('w')!.data], [3, 4, 5, 6]);
});

test('unsupported pickle content and non-checkpoints fail with one clear error', () => {
  const d = tempDir();
  fs.writeFileSync(path.join(d, 'evil.pth'), Buffer.concat([new P().op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19).stop(), new P().op(0x4d, 0xe9, 0x03).stop(), new P().op(0x7d).stop(),
    new P().global('os', 'system').op(0x29, 0x52).stop()]));
  assert.throws(() => readTorchCheckpoint(path.join(d, 'evil.pth')), (e: Error) => e instanceof UserError && /unsupported object os\.system/.test(e.message));
  fs.writeFileSync(path.join(d, 'op.pth'), Uint8Array.from([0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e, 0x80, 2, 0xff]));
  assert.throws(() => readTorchCheckpoint(path.join(d, 'op.pth')), /unsupported pickle opcode 0xff/);
  fs.writeFileSync(path.join(d, 'text.pth'), 'hello');
  assert.throws(() => readTorchCheckpoint(path.join(d, 'text.pth')), /not a PyTorch checkpoint/);
});

test('torch -> TF.js layouts: conv OIHW->HWIO, transposed conv IOHW->HW(O)(I), BN and PReLU names', async () => {
  await initEngine('wasm');
  const m = new SegModel({ arch: 'espnet', numClasses: 5 });
  const convLayer = m.net.getLayer('conv.conv');
  const [kh, kw, ci, co] = (convLayer.getWeights()[0].shape) as number[];
  const w = new Float32Array(co * ci * kh * kw).map((_, i) => i);
  const up = new Float32Array(5 * 5 * 2 * 2).map((_, i) => 1000 + i);
  const r = convertTorchStateDict(m, new Map([
    ['conv.conv.weight', { shape: [co, ci, kh, kw], data: w, dtype: 'float32' }],
    ['classifier.weight', { shape: [5, 5, 2, 2], data: up, dtype: 'float32' }],
    ['br.weight', { shape: [5], data: Float32Array.from([1, 2, 3, 4, 5]), dtype: 'float32' }],
    ['br.running_var', { shape: [5], data: Float32Array.from([4, 5, 6, 7, 8]), dtype: 'float32' }],
    ['conv.act.weight', { shape: [5], data: Float32Array.from([7, 8, 9, 10, 11]), dtype: 'float32' }],
    ['br.num_batches_tracked', { shape: [], data: Float32Array.from([1]), dtype: 'int64' }],
    ['nonsense.weight', { shape: [1], data: Float32Array.from([1]), dtype: 'float32' }],
  ]), 'fixture');
  const k = r.weights.get('conv.conv/kernel')!;
  assert.deepEqual(k.shape, [kh, kw, ci, co]);
  for (const [h, x, i, o] of [[0, 0, 0, 0], [1, 2, 5, 2], [2, 1, ci - 1, 1]]) {
    assert.equal(k.data[((h * kw + x) * ci + i) * co + o], w[((o * ci + i) * kh + h) * kw + x]);
  }
  const u = r.weights.get('classifier/kernel')!; // torch [in, out, kh, kw] -> [kh, kw, out, in]
  assert.deepEqual(u.shape, [2, 2, 5, 5]);
  // tf[h=1, w=0, out=2, in=4] == torch[in=4, out=2, h=1, w=0]
  assert.equal(u.data[((1 * 2 + 0) * 5 + 2) * 5 + 4], up[((4 * 5 + 2) * 2 + 1) * 2 + 0]);
  assert.deepEqual([...r.weights.get('br/gamma')!.data], [1, 2, 3, 4, 5]);
  assert.deepEqual([...r.weights.get('br/moving_variance')!.data], [4, 5, 6, 7, 8]);
  assert.deepEqual(r.weights.get('conv.act/alpha')!.shape, [1, 1, 5]);
  assert.deepEqual(r.skipped, ['br.num_batches_tracked']);
  assert.deepEqual(r.unexpected, ['nonsense.weight']);
  m.dispose();
});

const ESP = path.resolve('../shared/data/espnet-camvid');
const SAMPLES = path.resolve('../shared/data/camvid/reference-test-samples/images');
test('ESPNet CamVid .pth (legacy format): equals its safetensors copy; reproduces the reference label maps', { skip: !fs.existsSync(ESP) && '../shared/data/espnet-camvid not present' }, async () => {
  await initEngine('wasm');
  const pth = readTorchCheckpoint(path.join(ESP, 'espnet_p_2_q_8_camvid.pth'));
  const st = readSafetensors(path.join(ESP, 'espnet_p_2_q_8_camvid.safetensors')).tensors;
  assert.equal(pth.size, 189);
  for (const [k, t] of pth) assert.deepEqual(t.data, Float32Array.from(st.get(k)!.data), k);
  const m = new SegModel({ arch: 'espnet', numClasses: 12 });
  const r = convertTorchStateDict(m, pth, 'espnet');
  assert.deepEqual(r.unexpected, []);
  m.loadNamedWeights(r.weights, 'espnet');
  const norm = findPreset('espnet', 'camvid')!.normalization!;
  for (const id of ['0001TP_008550', 'Seq05VD_f01620', 'Seq05VD_f05100']) {
    const pred = await predictLabels(m, await readImage(path.join(SAMPLES, `${id}.png`)), { norm });
    const ref = readMask(path.join(ESP, 'reference_outputs', `pred_${id}.png`)).data;
    let same = 0;
    for (let i = 0; i < ref.length; i++) if (pred[i] === ref[i]) same++;
    assert.ok(same / ref.length >= 0.999, `${id}: ${((100 * same) / ref.length).toFixed(3)}% identical`);
  }
  m.dispose();
});
