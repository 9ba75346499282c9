// Pretrained ESPNetv2 (EdgeNets) against the authors' PyTorch outputs, and the shipped models.
// The reference comparisons need ../shared/data/edgenets and skip without it; the shipped-model
// checks run on a clean clone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { initEngine } from '../../src/engine/backend.ts';
import { readSafetensors } from '../../src/formats/safetensors.ts';
import { readCard } from '../../src/models/package.ts';
import { MODELS_DIR } from '../../src/models/shipped.ts';
import { openSegmenter } from '../../src/inference/open.ts';
import { readImage } from '../../src/data/image_io.ts';
import { pillowBilinear, pillowNearest } from '../../src/data/pillow_resize.ts';
import { CHECKPOINTS, compareLabelMaps, compareLogits, EDGENETS, hasEdgenets, importCheckpoint, openOrt } from './edgenets_reference.ts';

const skip = hasEdgenets() ? false : `${EDGENETS} not found (the EdgeNets weights and reference outputs live in ../shared/data)`;

test('ESPNetv2 logits equal PyTorch on the stored input tensors (TF.js and ONNX Runtime, max abs diff <= 1e-4)', { skip }, async () => {
  await initEngine('wasm');
  for (const ck of CHECKPOINTS) {
    const m = importCheckpoint(ck), ort = await openOrt(m);
    const rows = await compareLogits(ck, m, ort);
    assert.equal(rows.length, 2, ck);
    for (const r of rows) {
      assert.ok(r.tfjs <= 1e-4, `${ck} ${r.file}: TF.js max abs diff ${r.tfjs}`);
      assert.ok(r.onnx <= 1e-4, `${ck} ${r.file}: ONNX Runtime max abs diff ${r.onnx}`);
    }
    await ort.dispose(); m.dispose();
  }
});

test('ESPNetv2 label maps from the image files equal PyTorch at network and original resolution (>= 99.9% per image; ONNX Runtime on every image, TF.js on three)', { skip }, async () => {
  await initEngine('wasm');
  for (const ck of CHECKPOINTS) {
    const m = importCheckpoint(ck), ort = await openOrt(m);
    // TF.js on three images per checkpoint (its wasm forward at 1024x512 is the suite's slowest
    // step; the parity test runs it on every shipped model); `npm run bench:pretrained` runs all.
    const rows = await compareLabelMaps(ck, m, ort, 3);
    assert.ok(rows.length >= 9, `${ck}: ${rows.length} reference images`);
    assert.equal(rows.filter((r) => !Number.isNaN(r.tfjsNet)).length, 3);
    for (const r of rows) {
      for (const k of ['tfjsNet', 'tfjsOrig', 'onnxNet', 'onnxOrig'] as const) if (!Number.isNaN(r[k])) assert.ok(r[k] >= 0.999, `${ck} ${r.image} ${k}: ${(100 * r[k]).toFixed(4)}% equal`);
    }
    await ort.dispose(); m.dispose();
  }
});

test('shipped voc-fast and cityscapes weights are exactly the re-imported EdgeNets checkpoints', { skip }, async () => {
  await initEngine('wasm');
  for (const [name, ck] of [['voc-fast', 'espnetv2_s_2.0_pascal_384x384'], ['cityscapes-fast', 'espnetv2_s_2.0_city_1024x512']]) {
    const dir = path.join(MODELS_DIR, name), card = readCard(dir);
    const file = path.join(EDGENETS, `${ck}.pth`);
    assert.equal(card.provenance?.sha256, crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'), `${name}: source sha256`);
    const shipped = readSafetensors(path.join(dir, card.weights)).tensors;
    const m = importCheckpoint(ck);
    const fresh = await m.namedWeights();
    assert.equal(shipped.size, fresh.length, name);
    for (const w of fresh) {
      const s = shipped.get(w.name);
      assert.ok(s, `${name}: ${w.name} missing`);
      assert.deepEqual(s.shape, w.shape, w.name);
      assert.ok(Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength).equals(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)), `${name}: ${w.name} differs`);
    }
    m.dispose();
  }
});

test('the shipped models find the cat, the astronaut and the road in the shipped photos (ONNX and TF.js agree)', async () => {
  await initEngine('wasm');
  const photos = path.resolve(import.meta.dirname, '../../assets/photos');
  const share = (labels: Uint8Array, id: number) => labels.reduce((n, v) => n + (v === id ? 1 : 0), 0) / labels.length;
  const voc = await openSegmenter(undefined), fast = await openSegmenter('voc-fast'), fastTf = await openSegmenter('voc-fast', { runtime: 'tfjs' });
  assert.equal(voc.runtime, 'onnx');
  const cat = await readImage(path.join(photos, 'chelsea.png')), astro = await readImage(path.join(photos, 'astronaut.png'));
  for (const s of [voc, fast]) {
    const [c] = await s.predictBatch([cat]), [a] = await s.predictBatch([astro]);
    assert.equal(c.length, cat.width * cat.height);
    assert.ok(share(c, 8) > 0.5, `cat share ${share(c, 8)}`);
    assert.ok(share(a, 15) > 0.2, `person share ${share(a, 15)}`);
  }
  const [c] = await fast.predictBatch([cat]), [ct] = await fastTf.predictBatch([cat]);
  assert.ok(share(ct.map((v, i) => (v === c[i] ? 1 : 0)), 1) > 0.999, 'TF.js and ONNX Runtime label maps agree');
  const city = await openSegmenter('cityscapes'), cityFast = await openSegmenter('cityscapes-fast');
  for (const s of [city, cityFast]) {
    const [d] = await s.predictBatch([await readImage(path.join(photos, 'dashcam.png'))]);
    assert.ok(share(d, 0) > 0.25 && share(d, 10) > 0.25, `road ${share(d, 0)}, sky ${share(d, 10)}`);
  }
  for (const s of [voc, fast, fastTf, city, cityFast]) await s.dispose();
});

test('--input-size: the network sees the image resized to HxW (Pillow bilinear); the labels come back by nearest neighbour', async () => {
  const photos = path.resolve(import.meta.dirname, '../../assets/photos');
  const img = await readImage(path.join(photos, 'dashcam.png'));
  const [h, w] = [192, 320]; // multiples of 32: the model's own rule leaves the resized image as it is
  const sized = await openSegmenter('cityscapes-fast', { inputSize: [h, w] }), plain = await openSegmenter('cityscapes-fast');
  const [got] = await sized.predictBatch([img]);
  const [small] = await plain.predictBatch([pillowBilinear(img, w, h)]);
  assert.deepEqual(got, pillowNearest(small, w, h, img.width, img.height));
  const [full] = await plain.predictBatch([img]);
  assert.notDeepEqual(got, full, 'the resize changed nothing: is the option applied?');
  const big = { data: new Uint8Array(3000 * 2000 * 3), width: 3000, height: 2000 };
  const [l] = await sized.predictBatch([big]); // a fixed network size is never tiled
  assert.equal(l.length, 3000 * 2000);
  await assert.rejects(openSegmenter('cityscapes-fast', { inputSize: [0, 10] }), /^UserError: inputSize 0x10: expected \[height, width\]/);
  for (const s of [sized, plain]) await s.dispose();
});

test('cityscapes-live is cityscapes-fast at a fixed 448x256: the same label maps as cityscapes-fast with inputSize [256, 448], road and sky found', async () => {
  const photos = path.resolve(import.meta.dirname, '../../assets/photos');
  const live = await openSegmenter('cityscapes-live'), sized = await openSegmenter('cityscapes-fast', { inputSize: [256, 448] });
  assert.deepEqual(live.card.input.rule, { kind: 'fixed', size: [256, 448], filter: 'pillow' });
  for (const f of ['dashcam.png', 'astronaut.png']) {
    const img = await readImage(path.join(photos, f));
    const [a] = await live.predictBatch([img]), [b] = await sized.predictBatch([img]);
    assert.deepEqual(a, b, f);
    if (f === 'dashcam.png') {
      const share = (id: number) => a.reduce((n, v) => n + (v === id ? 1 : 0), 0) / a.length;
      assert.ok(share(0) > 0.25 && share(10) > 0.25, `road ${share(0)}, sky ${share(10)}`);
    }
  }
  for (const s of [live, sized]) await s.dispose();
});

test('camvid-live is camvid\'s 8-bit graph at a fixed 480x640: labels close to camvid\'s with inputSize [480, 640], the float graph it names, road and sky found', async () => {
  const photos = path.resolve(import.meta.dirname, '../../assets/photos');
  const live = await openSegmenter('camvid-live'), sized = await openSegmenter('camvid', { inputSize: [480, 640] });
  assert.deepEqual(live.card.input.rule, { kind: 'fixed', size: [480, 640], filter: 'pillow' });
  assert.equal(live.card.precision, 'int8');
  // Quantised from the shipped float graph (a retrained camvid needs a new camvid-live).
  const floatSha = crypto.createHash('sha256').update(fs.readFileSync(path.resolve(import.meta.dirname, '../../models/camvid/model.onnx'))).digest('hex');
  assert.equal(live.card.provenance?.sha256, floatSha, 'camvid-live was not made from the shipped camvid: rerun the command in its card');
  const img = await readImage(path.join(photos, 'dashcam.png'));
  const [a] = await live.predictBatch([img]), [b] = await sized.predictBatch([img]);
  let same = 0;
  for (let p = 0; p < a.length; p++) if (a[p] === b[p]) same++;
  assert.ok(same / a.length > 0.97, `8-bit labels equal the float graph's at 480x640 on ${(100 * same / a.length).toFixed(2)}%`);
  assert.notDeepEqual(a, b, 'the 8-bit graph gave the float labels to the pixel: is it the graph that runs?');
  const share = (id: number) => a.reduce((n, v) => n + (v === id ? 1 : 0), 0) / a.length;
  assert.ok(share(3) > 0.2 && share(0) > 0.2, `Road ${share(3)}, Sky ${share(0)}`); // CamVid ids: Sky 0, Road 3
  for (const s of [live, sized]) await s.dispose();
});
