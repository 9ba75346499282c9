// PyTorch checkpoints without Python: legacy and zip formats from a tiny pickle writer, layout
// conversion, clear errors; and, with ../shared present, the real ESPNet CamVid checkpoint
// reproducing its reference label maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { readTorchCheckpoint } from '../src/io/pytorch.ts';
import { readSafetensors } from '../src/io/safetensors.ts';
import { convertTorchStateDict } from '../src/io/torch_convert.ts';
import { initEngine } from '../src/engine/backend.ts';
import { SegModel } from '../src/models/seg_model.ts';
import { findPreset } from '../src/models/presets.ts';
import { readImage } from '../src/data/image_io.ts';
import { readMask } from '../src/data/mask_io.ts';
import { predictLabels } from '../src/inference/predictor.ts';
import { UserError } from '../src/util/errors.ts';
import { tempDir } from './helpers.ts';

// --- a minimal protocol-2 pickle writer, enough for state_dicts ---
class P {
  b: number[] = [0x80, 2];
  op(...x: number[]) { this.b.push(...x); return this; }
  str(s: string) { const e = new TextEncoder().encode(s); this.b.push(0x58, e.length & 255, (e.length >> 8) & 255, 0, 0, ...e); return this; }
  int(n: number) { const v = new DataView(new ArrayBuffer(4)); v.setInt32(0, n, true); this.b.push(0x4a, ...new Uint8Array(v.buffer)); return this; }
  global(m: string, n: string) { this.b.push(0x63, ...new TextEncoder().encode(`${m}\n${n}\n`)); return this; }
  tuple(items: (() => void)[]) { this.op(0x28); items.forEach((f) => f()); return this.op(0x74); }
  stop() { this.b.push(0x2e); return Uint8Array.from(this.b); }
}

interface T { name: string; shape: number[]; stride?: number[]; data: number[]; offset?: number }

function objectPickle(tensors: T[], zip: boolean): Uint8Array {
  const p = new P().global('collections', 'OrderedDict').op(0x29, 0x52, 0x28);
  tensors.forEach((t, i) => {
    p.str(t.name).global('torch._utils', '_rebuild_tensor_v2').tuple([
      () => p.tuple([() => p.str('storage'), () => p.global('torch', 'FloatStorage'), () => p.str(String(i)), () => p.str('cpu'), () => p.int(t.data.length), ...(zip ? [] : [() => p.op(0x4e)])]).op(0x51),
      () => p.int(t.offset ?? 0),
      () => p.tuple(t.shape.map((s) => () => p.int(s))),
      () => p.tuple((t.stride ?? t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1))).map((s) => () => p.int(s))),
      () => p.op(0x89),
      () => p.global('collections', 'OrderedDict').op(0x29, 0x52),
    ]).op(0x52);
  });
  return p.op(0x75).stop();
}

function f32(data: number[]): Uint8Array { return new Uint8Array(Float32Array.from(data).buffer); }

function writeLegacy(file: string, tensors: T[]): void {
  const magic = new P().op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19).stop();
  const proto = new P().op(0x4d, 0xe9, 0x03).stop();
  const sys = new P().op(0x7d).stop();
  const keys = new P().op(0x5d, 0x28); tensors.forEach((_, i) => keys.str(String(i)));
  const parts = [magic, proto, sys, objectPickle(tensors, false), keys.op(0x65).stop()];
  for (const t of tensors) { const n = new DataView(new ArrayBuffer(8)); n.setBigInt64(0, BigInt(t.data.length), true); parts.push(new Uint8Array(n.buffer), f32(t.data)); }
  fs.writeFileSync(file, Buffer.concat(parts));
}

function writeZip(file: string, tensors: T[]): void {
  const files: Record<string, Uint8Array> = { 'ckpt/data.pkl': objectPickle(tensors, true), 'ckpt/version': new TextEncoder().encode('3\n') };
  tensors.forEach((t, i) => { files[`ckpt/data/${i}`] = f32(t.data); });
  fs.writeFileSync(file, zipSync(files, { level: 0 }));
}

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
