// ONNX export beyond the per-architecture checks of test/models/model_tester.ts: logit resizing, the
// exported package through the CLI with --runtime onnx, the label maps from the graph's argmax.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { decode } from 'fast-png';
import { initEngine } from '../../src/engine/backend.ts';
import { SegModel } from '../../src/models/seg_model.ts';

import { exportOnnx } from '../../src/io/onnx_export.ts';
import { specializeOnnx } from '../../src/inference/onnx_static.ts';
import { OnnxNetwork, offerSpecialisation, shareSpecialisations } from '../../src/inference/onnx_runtime.ts';
import { onnx } from '../../src/formats/onnx_proto.ts';
import { resizeChw } from '../../src/inference/chw.ts';
import { writeSafetensors } from '../../src/formats/safetensors.ts';
import { writeCard } from '../../src/models/package.ts';
import { buildCard } from '../../src/models/card.ts';
import { defaultClasses } from '../../src/data/classes.ts';
import { IMAGENET_NORM } from '../../src/data/normalize.ts';
import { writeSyntheticDataset } from '../../src/data/synthetic.ts';
import { Rng } from '../../src/util/random.ts';
import { tempDir } from '../helpers.ts';
import { perturbBatchNorm } from '../models/model_tester.ts';

test('bilinear logit resize matches TF.js resizeBilinear (half-pixel centres)', async () => {
  await initEngine('wasm');
  const rng = new Rng(3);
  const [c, h, w, th, tw] = [3, 5, 7, 11, 4];
  const src = Float32Array.from({ length: c * h * w }, () => rng.uniform(-1, 1));
  const ours = resizeChw(src, c, h, w, th, tw);
  const ref = tf.tidy(() => tf.transpose(tf.image.resizeBilinear(tf.transpose(tf.tensor3d(src, [c, h, w]), [1, 2, 0]) as tf.Tensor3D, [th, tw], false, true), [2, 0, 1]).dataSync() as Float32Array);
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(ours[i] - ref[i]) < 1e-5, `at ${i}: ${ours[i]} vs ${ref[i]}`);
});

test('pixelwise export -> predict --runtime onnx gives the TF.js label maps (odd image size)', async () => {
  await initEngine('wasm');
  const d = tempDir();
  const m = new SegModel({ arch: 'unet', numClasses: 4, width: 4, depth: 3, seed: 5 });
  perturbBatchNorm(m, new Rng(4));
  writeSafetensors(path.join(d, 'pkg', 'weights.safetensors'), await m.namedWeights());
  writeCard(path.join(d, 'pkg'), buildCard({ model: m.spec, classes: defaultClasses(4), input: { normalization: IMAGENET_NORM, stride: m.stride, rule: { kind: 'fixed', size: [40, 56], filter: 'sharp' } }, weights: 'weights.safetensors' }));
  m.dispose();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 2, 45, 37, 3);
  const bin = path.resolve('bin/pixelwise.js');
  const run = (...a: string[]) => spawnSync(process.execPath, [bin, ...a], { encoding: 'utf8' });
  const e = run('export', '--model', path.join(d, 'pkg'), '--out', path.join(d, 'm.onnx'));
  assert.equal(e.status, 0, e.stderr);
  assert.ok(fs.existsSync(path.join(d, 'm.model', 'model.json')));
  for (const [rt, model] of [['tfjs', path.join(d, 'pkg')], ['onnx', path.join(d, 'pkg')], ['onnx', path.join(d, 'm.model')]]) {
    const r = run('predict', '--model', model, ds.images, '--out', path.join(d, `out-${rt}-${path.basename(model)}`), '--runtime', rt, '--quiet');
    assert.equal(r.status, 0, r.stderr);
  }
  for (const f of ['sample_000_labels.png', 'sample_001_labels.png']) {
    const a = decode(fs.readFileSync(path.join(d, 'out-tfjs-pkg', f))).data;
    for (const other of ['out-onnx-pkg', 'out-onnx-m.model']) {
      const b = decode(fs.readFileSync(path.join(d, other, f))).data;
      let same = 0;
      for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
      assert.ok(same / a.length >= 0.999, `${other}/${f}: ${same}/${a.length} identical`);
    }
  }
  const bad = run('predict', '--model', path.join(d, 'm.model'), ds.images, '--runtime', 'tfjs', '--out', d);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr.trim(), /^pixelwise: --runtime tfjs: the model \S+m\.model is an ONNX-only model \(no weights for TF\.js\); use the onnx or auto runtime$/);
});

test('ONNX Runtime label maps (argmax appended to the graph) equal argmax of its logits and the TF.js labels', async () => {
  await initEngine('wasm');
  const { modelSegmenter, predictBatch } = await import('../../src/inference/predictor.ts');
  const { argmaxChw } = await import('../../src/inference/label_map.ts');
  const rng = new Rng(21);
  const m = new SegModel({ arch: 'unet', numClasses: 5, width: 4, depth: 3, seed: 8 });
  perturbBatchNorm(m, rng);
  const ort = await OnnxNetwork.create(exportOnnx(m), 5, 2);
  assert.ok(ort.labelsInGraph, 'label maps should come from the ArgMax appended to the graph');
  const imgs = [0, 1].map(() => ({ data: Uint8Array.from({ length: 37 * 29 * 3 }, () => rng.int(256)), width: 37, height: 29 }));
  const o = { norm: IMAGENET_NORM };
  const seg = modelSegmenter(m, o, {}, ort);
  const fused = await seg.predictBatch(imgs);
  const viaLogits = (await seg.scoresBatch(imgs)).map((r) => argmaxChw(r.scores, 5));
  const tfjs = await predictBatch(m, imgs, o);
  for (let i = 0; i < 2; i++) {
    assert.deepEqual([...fused[i]], [...viaLogits[i]]);
    let same = 0;
    for (let p = 0; p < fused[i].length; p++) if (fused[i][p] === tfjs[i][p]) same++;
    assert.ok(same / fused[i].length >= 0.999, `${same}/${fused[i].length}`);
  }
  await ort.dispose();
  m.dispose();
});

test('a graph specialised to one input shape has no shape computations or Ifs left and gives the generic graph\'s logits', async () => {
  await initEngine('wasm');
  const ort = await import('onnxruntime-node');
  // ESPNetv2: bilinear resampling to computed sizes and area resampling with an If per layer.
  const m = new SegModel({ arch: 'espnetv2', numClasses: 4, widthMult: 0.5, seed: 5 });
  const generic = exportOnnx(m);
  const dims = [1, 3, 64, 96];
  const fixed = await specializeOnnx(ort, generic, dims);
  const ops = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType!);
  const count = (list: string[], op: string) => list.filter((o) => o === op).length;
  assert.ok(count(ops(generic), 'If') > 0 && count(ops(generic), 'Shape') > 0, 'the generic export computes shapes');
  assert.deepEqual([count(ops(fixed), 'If'), count(ops(fixed), 'Shape')], [0, 0]);
  assert.ok(ops(fixed).length < ops(generic).length, 'nodes folded away');
  const rng = new Rng(9);
  const x = new ort.Tensor('float32', Float32Array.from({ length: 3 * 64 * 96 }, () => rng.uniform(-2, 2)), dims);
  const run = async (bytes: Uint8Array) => {
    const s = await ort.InferenceSession.create(bytes);
    const out = (await s.run({ input: x })).logits.data as Float32Array;
    await s.release();
    return out;
  };
  const [a, b] = [await run(generic), await run(fixed)];
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(a[i])); }
  assert.ok(diff <= 1e-5 * scale, `specialised vs generic: ${diff} (scale ${scale})`);
  m.dispose();
});

test('networks sharing specialised graphs (a worker pool) build each shape\'s graph once and all run it', async () => {
  await initEngine('wasm');
  const m = new SegModel({ arch: 'espnetv2', numClasses: 4, widthMult: 0.5, seed: 6 });
  const bytes = exportOnnx(m);
  // The pool's side, as threaded.ts plays it between threads: the first to ask builds, the graph goes to the others.
  const requests: boolean[] = [], published: string[] = [];
  const claimed = new Set<string>();
  shareSpecialisations({
    request: async (key) => { const yes = !claimed.has(key); claimed.add(key); requests.push(yes); return yes; },
    publish: (key, graph) => { published.push(key); if (graph) offerSpecialisation(key, graph); },
  });
  try {
    const [a, b] = [await OnnxNetwork.create(bytes, 4, 1), await OnnxNetwork.create(bytes, 4, 1)];
    const rng = new Rng(10);
    const x = Float32Array.from({ length: 3 * 64 * 96 }, () => rng.uniform(-2, 2));
    const first = await a.run(x, [1, 3, 64, 96]);
    await b.run(x, [1, 3, 64, 96]);
    assert.deepEqual([a.specialisedFor, b.specialisedFor], [null, null], 'one run of a shape builds nothing');
    const again = await a.run(x, [1, 3, 64, 96]); // the same shape twice: a builds and publishes
    const fromB = await b.run(x, [1, 3, 64, 96]); // b takes a's graph
    assert.deepEqual([a.specialisedFor, b.specialisedFor], ['1x3x64x96', '1x3x64x96']);
    assert.deepEqual([requests, published], [[true], ['1x3x64x96']], 'built once, by the first to ask');
    let diff = 0;
    for (let i = 0; i < first.length; i++) diff = Math.max(diff, Math.abs(first[i] - again[i]), Math.abs(first[i] - fromB[i]));
    assert.ok(diff <= 1e-4, `specialised vs generic logits: ${diff}`);
    await a.dispose(); await b.dispose();
  } finally {
    shareSpecialisations(null);
    m.dispose();
  }
});

test('an external ONNX file with a hand-written card (README\'s version 2, and version 1) runs with its input rule', async () => {
  await initEngine('wasm');
  const { openSegmenter } = await import('../../src/inference/open.ts');
  const { modelSegmenter } = await import('../../src/inference/predictor.ts');
  const { pillowBilinear, pillowNearest } = await import('../../src/data/pillow_resize.ts');
  const m = new SegModel({ arch: 'unet', numClasses: 3, width: 4, depth: 2, seed: 4 });
  perturbBatchNorm(m, new Rng(2));
  const d = tempDir();
  const classes = defaultClasses(3);
  const norm = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
  const cards = {
    v2: { format: 'pixelwise-model', version: 2, onnx: 'net.onnx', model: { arch: 'onnx', numClasses: 3 }, classes,
      input: { rule: { kind: 'fixed', size: [48, 40], filter: 'pillow' }, channels: 3, normalization: norm, stride: 4 }, output: { kind: 'logits', resizeBack: 'labels' } },
    v1: { format: 'pixelwise-model', version: 1, onnx: 'net.onnx', model: { arch: 'onnx', numClasses: 3, stride: 4 }, classes, normalization: norm, pillowResize: { size: [48, 40] } },
  };
  const rng = new Rng(9);
  const img = { data: Uint8Array.from({ length: 71 * 53 * 3 }, () => rng.int(256)), width: 71, height: 53 };
  // By hand: Pillow BILINEAR to 40x48, the network on it, the label map back by Pillow NEAREST.
  const [atNet] = await modelSegmenter(m, { norm: norm as typeof IMAGENET_NORM }).predictBatch([pillowBilinear(img, 40, 48)]);
  const expected = pillowNearest(atNet, 40, 48, 71, 53);
  for (const [v, card] of Object.entries(cards)) {
    const dir = path.join(d, v);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'net.onnx'), exportOnnx(m));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(card));
    const seg = await openSegmenter(dir);
    assert.equal(seg.runtime, 'onnx');
    const [labels] = await seg.predictBatch([img]);
    let same = 0;
    for (let p = 0; p < labels.length; p++) if (labels[p] === expected[p]) same++;
    assert.ok(same / labels.length >= 0.999, `${v}: ${same}/${labels.length} pixels as by hand`);
    await seg.dispose();
  }
  m.dispose();
});

/** Label maps from the whole graph with ONNX Runtime's ArgMax appended, in a session of its own: the reference. */
async function wholeGraphLabels(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Uint8Array> {
  const ortNode = await import('onnxruntime-node');
  const { withLabelsOutput } = await import('../../src/inference/onnx_runtime.ts');
  const whole = await ortNode.InferenceSession.create(withLabelsOutput(bytes)!);
  try {
    return (await whole.run({ [whole.inputNames[0]]: new ortNode.Tensor('float32', x, dims) }, ['pixelwise_labels'])).pixelwise_labels.data as Uint8Array;
  } finally { await whole.release(); }
}

test('shipped models ending in a linear Resize: label maps from the graph cut before it equal the whole graph\'s ArgMax', async () => {
  const { linearResizeTail } = await import('../../src/inference/onnx_tail.ts');
  const { readImage } = await import('../../src/data/image_io.ts');
  const { ImageProcessor } = await import('../../src/inference/processor.ts');
  const { readCard } = await import('../../src/models/package.ts');
  const photos = await Promise.all(['astronaut', 'dashcam'].map((p) => readImage(path.resolve(import.meta.dirname, `../../assets/photos/${p}.png`))));
  // 8-bit (camvid-live) and float with 151 classes (ade20k, two Resizes in a row; one photo, the
  // slowest to run).
  for (const name of ['camvid-live', 'ade20k']) {
    const dir = path.resolve(import.meta.dirname, '../../models', name);
    const card = readCard(dir), proc = new ImageProcessor(card);
    const bytes = fs.readFileSync(path.join(dir, card.onnx!));
    assert.ok(linearResizeTail(bytes), `${name}: its graph ends in a linear Resize`);
    const net = await OnnxNetwork.create(bytes, card.model.numClasses, 2);
    try {
      assert.equal(net.labelsFromHead, true, `${name}: the cut graph gives the label maps`);
      for (const im of name === 'ade20k' ? photos.slice(0, 1) : photos) {
        const { x, dims } = proc.encode(await proc.toNetwork([im]));
        const want = await wholeGraphLabels(bytes, x, dims), got = await net.labels(x, dims);
        let differ = 0;
        for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) differ++;
        assert.equal(differ, 0, `${name}: ${differ} of ${want.length} pixels differ from the whole graph's`);
      }
      // Scores come from the whole graph, opened when first asked.
      const { x, dims } = proc.encode(await proc.toNetwork([photos[0]]));
      assert.equal((await net.run(x, dims)).length, card.model.numClasses * dims[2] * dims[3]);
    } finally {
      await net.dispose();
    }
  }
});

test('the whole graph\'s ArgMax stays for a graph not ending in a linear Resize and for one enlarging the scores less than 3 times a side', async () => {
  const { linearResizeTail } = await import('../../src/inference/onnx_tail.ts');
  await initEngine('wasm');
  const m = new SegModel({ arch: 'unet', numClasses: 3, width: 4, depth: 2, seed: 4 });
  const camvidFast = fs.readFileSync(path.resolve(import.meta.dirname, '../../models/camvid-fast/model.onnx')); // ESPNetv2: a last 2x Resize
  try {
    const unet = exportOnnx(m);
    assert.equal(linearResizeTail(unet), null, 'a U-Net ends in a convolution');
    assert.ok(linearResizeTail(camvidFast));
    const rng = new Rng(12), dims = [1, 3, 64, 64] as [number, number, number, number];
    const x = Float32Array.from({ length: 3 * 64 * 64 }, () => rng.uniform(-2, 2));
    for (const [bytes, C] of [[unet, 3], [camvidFast, 12]] as const) {
      const net = await OnnxNetwork.create(bytes, C, 1);
      try {
        assert.equal(net.labelsFromHead, false);
        assert.deepEqual(await net.labels(x, dims), await wholeGraphLabels(bytes, x, dims));
      } finally { await net.dispose(); }
    }
  } finally { m.dispose(); }
});
