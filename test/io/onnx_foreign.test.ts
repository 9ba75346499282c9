// `pixelwise import --from X.onnx` (or a Hugging Face / transformers.js folder) on graphs built here
// as other tools export them: label maps against the graph's arithmetic computed by hand in this
// file (Pillow's resize from the project's tested module; the convolution, the bilinear upsampling of
// the scores and the argmax written out below); the card read from the folder's configuration
// files; refusals in one line with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { onnx, type O } from '../../src/formats/onnx_proto.ts';
import { DT, attrInt, attrInts, floats, model, value, writeKerasGraph, writeSegformerFolder, CAFFE_MEAN, CAFFE_STD, SEGFORMER_MEAN, SEGFORMER_STD } from './onnx_graphs.ts';
import { load } from '../../src/index.ts';
import { readCard } from '../../src/models/package.ts';
import { pillowBilinear, pillowNearest } from '../../src/data/pillow_resize.ts';
import { Rng } from '../../src/util/random.ts';
import { openSegmenter } from '../../src/inference/open.ts';
import { bilinearChw, tempDir } from '../helpers.ts';

const cli = (...a: string[]) => spawnSync(process.execPath, ['bin/pixelwise.js', ...a], { encoding: 'utf8' });
const rng = new Rng(7);
const randoms = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
const image = (w: number, h: number) => ({ data: Uint8Array.from({ length: w * h * 3 }, () => rng.int(256)), width: w, height: h });

/** (pixel / 255 - mean) / std per channel, CHW. */
function normalise(im: { data: Uint8Array; width: number; height: number }, mean: number[], std: number[]): Float32Array {
  const px = im.width * im.height, out = new Float32Array(3 * px);
  for (let p = 0; p < px; p++) for (let c = 0; c < 3; c++) out[c * px + p] = (im.data[p * 3 + c] / 255 - mean[c]) / std[c];
  return out;
}

/** A convolution without padding, kernel k, stride k (patches), CHW in and out. */
function patchConv(x: Float32Array, h: number, w: number, W: Float32Array, b: Float32Array, co: number, k: number): Float32Array {
  const oh = h / k, ow = w / k, out = new Float32Array(co * oh * ow);
  for (let o = 0; o < co; o++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) {
    let s = b[o];
    for (let c = 0; c < 3; c++) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) s += W[((o * 3 + c) * k + i) * k + j] * x[(c * h + y * k + i) * w + xx * k + j];
    out[(o * oh + y) * ow + xx] = s;
  }
  return out;
}

/** Bilinear resize with half-pixel centres (PyTorch's align_corners=False), CHW, stored in float32. */
const upsample = (x: Float32Array, c: number, h: number, w: number, H: number, W: number) => Float32Array.from(bilinearChw(x, c, h, w, H, W));

/** Argmax over classes per pixel, and the margin of the best over the second (near-ties may go either way in another summation order). */
function argmax(s: Float32Array, c: number): { labels: Uint8Array; margin: Float32Array } {
  const px = s.length / c, labels = new Uint8Array(px), margin = new Float32Array(px);
  for (let p = 0; p < px; p++) {
    let best = 0, second = -Infinity;
    for (let k = 1; k < c; k++) {
      const v = s[k * px + p];
      if (v > s[best * px + p]) { second = s[best * px + p]; best = k; } else if (v > second) second = v;
    }
    if (c > 1 && second === -Infinity) second = s[(best === 0 ? 1 : 0) * px + p];
    labels[p] = best; margin[p] = s[best * px + p] - second;
  }
  return { labels, margin };
}

function assertSameLabels(got: Uint8Array, want: Uint8Array, margin: Float32Array | null, what: string): void {
  assert.equal(got.length, want.length);
  let differ = 0, decided = 0;
  for (let p = 0; p < got.length; p++) if (got[p] !== want[p]) { differ++; if (!margin || margin[p] > 1e-4) decided++; }
  assert.equal(decided, 0, `${what}: ${differ} pixels differ, ${decided} of them not near-ties`);
}

test('a transformers.js folder (onnx/model.onnx, config.json, preprocessor_config.json): scores at a quarter size straight to the image, the card from its files, one image a pass', async () => {
  const d = tempDir(), src = path.join(d, 'tiny-segformer');
  const W = randoms(4 * 3 * 4 * 4, 0.5), b = randoms(4, 0.1);
  writeSegformerFolder(src, W, b);
  const mean = SEGFORMER_MEAN, std = SEGFORMER_STD;
  const out = path.join(d, 'pkg');
  const r = cli('import', '--from', src, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /imported .*model\.onnx into .* \(ONNX, 1 node, 4 classes, input 32x32 \(width x height\), scores at 1\/4 of it\)\n$/);
  const card = readCard(out);
  assert.deepEqual(card.input.rule, { kind: 'fixed', size: [32, 32], filter: 'pillow' });
  assert.deepEqual(card.input.normalization.mean.map((v) => +v.toFixed(9)), mean);
  assert.deepEqual(card.input.normalization.std.map((v) => +v.toFixed(9)), std);
  assert.deepEqual(card.classes.map((c) => c.name), ['sky', 'tree', 'road', 'car']);
  assert.equal(card.licence, 'apache-2.0');
  assert.equal(card.source, 'test/tiny-segformer');
  assert.equal(card.parameters, 4 * 3 * 16 + 4);

  assert.deepEqual(card.output, { kind: 'logits', resizeBack: 'scores', scale: 4 });

  // By hand: Pillow BILINEAR to 32x32, normalised, the patch convolution, the 8x8 scores upsampled
  // straight to 45x37 (as transformers' post-processing), the argmax.
  const imgs = [image(45, 37), image(45, 37)];
  // Both in one call: one batch of two, which the graph (batch 1) takes image by image.
  const seg = await openSegmenter(out, { runtime: 'onnx' });
  try {
    const both = await seg.predictBatch(imgs);
    for (const [i, im] of imgs.entries()) {
      const s = patchConv(normalise(pillowBilinear(im, 32, 32), mean, std), 32, 32, W, b, 4, 4);
      const { labels, margin } = argmax(upsample(s, 4, 8, 8, 37, 45), 4);
      assertSameLabels(both[i], labels, margin, `image ${i}`);
    }
  } finally { await seg.dispose(); }
});

test('an NHWC graph of any size ending in Softmax, and a one-channel Sigmoid graph: adapted at their ends, labels as by hand', async () => {
  const d = tempDir();
  const W = randoms(5 * 3, 1), b = randoms(5, 0.2);
  const nhwc = path.join(d, 'nhwc.onnx');
  fs.writeFileSync(nhwc, model([
    { opType: 'Transpose', input: ['image'], output: ['nchw'], attribute: [attrInts('perm', [0, 3, 1, 2])] },
    { opType: 'Conv', input: ['nchw', 'w', 'b'], output: ['s'], attribute: [attrInts('kernel_shape', [1, 1])] },
    { opType: 'Softmax', input: ['s'], output: ['p'], attribute: [attrInt('axis', 1)] },
    { opType: 'Transpose', input: ['p'], output: ['probs'], attribute: [attrInts('perm', [0, 2, 3, 1])] },
  ], [floats('w', W, [5, 3, 1, 1]), floats('b', b, [5])], [value('image', DT.FLOAT, ['N', 'H', 'W', 3])], [value('probs', DT.FLOAT, ['N', 'H', 'W', 5])]));
  const out = path.join(d, 'nhwc');
  const r = cli('import', '--from', nhwc, '--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5', '--class-file', path.join(d, 'classes.json'), '--out', out);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^pixelwise: .*classes\.json/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(!fs.existsSync(out), 'nothing written');
  const ok = cli('import', '--from', nhwc, '--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5', '--out', out);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /5 classes, any input size \(each image at its own\); adapted: a Transpose from NCHW before its NHWC input, a Transpose of its NHWC scores to NCHW\)/);
  const card = readCard(out);
  assert.deepEqual(card.output, { kind: 'probabilities', resizeBack: 'scores' });
  assert.equal(card.input.stride, 1);
  const im = image(45, 37), x = normalise(im, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]), px = 45 * 37;
  const s = new Float32Array(5 * px);
  for (let k = 0; k < 5; k++) for (let p = 0; p < px; p++) s[k * px + p] = b[k] + W[k * 3] * x[p] + W[k * 3 + 1] * x[px + p] + W[k * 3 + 2] * x[2 * px + p];
  const want = argmax(s, 5);
  let seg = await load(out, { runtime: 'onnx' });
  try { assertSameLabels((await seg.segment(im, { probabilities: false })).labels, want.labels, want.margin, 'nhwc'); } finally { await seg.dispose(); }

  const sig = path.join(d, 'sigmoid.onnx');
  fs.writeFileSync(sig, model([
    { opType: 'Conv', input: ['x', 'w', 'b'], output: ['z'], attribute: [attrInts('kernel_shape', [1, 1])] },
    { opType: 'Sigmoid', input: ['z'], output: ['mask'] },
  ], [floats('w', W.slice(0, 3), [1, 3, 1, 1]), floats('b', b.slice(0, 1), [1])], [value('x', DT.FLOAT, ['N', 3, 'H', 'W'])], [value('mask', DT.FLOAT, ['N', 1, 'H', 'W'])], 11));
  const out2 = path.join(d, 'sigmoid');
  const r2 = cli('import', '--from', sig, '--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5', '--out', out2);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stdout, /2 classes, .*its final Sigmoid cut, its one sigmoid logit as the scores \[0, z\] of background and foreground/);
  assert.deepEqual(readCard(out2).classes.map((c) => c.name), ['background', 'foreground']);
  const z = Float32Array.from({ length: px }, (_, p) => b[0] + W[0] * x[p] + W[1] * x[px + p] + W[2] * x[2 * px + p]);
  seg = await load(out2, { runtime: 'onnx' });
  try {
    const got = (await seg.segment(im, { probabilities: false })).labels;
    assertSameLabels(got, Uint8Array.from(z, (v) => (v > 0 ? 1 : 0)), Float32Array.from(z, Math.abs), 'sigmoid');
  } finally { await seg.dispose(); }
});

test('a float16 graph (transformers.js\'s model_fp16.onnx): a Cast before its input and after its scores', async () => {
  const d = tempDir(), file = path.join(d, 'model_fp16.onnx'), out = path.join(d, 'fp16');
  const i64 = (name: string, v: number[]): O.ITensorProto => ({ name, dataType: DT.INT64, dims: [v.length], int64Data: v });
  // The scores are the first two bands of the normalised image: the label is 1 where green > red.
  fs.writeFileSync(file, model([{ opType: 'Slice', input: ['x', 'starts', 'ends', 'axes'], output: ['s'] }],
    [i64('starts', [0]), i64('ends', [2]), i64('axes', [1])], [value('x', DT.FLOAT16, ['N', 3, 'H', 'W'])], [value('s', DT.FLOAT16, ['N', 2, 'H', 'W'])]));
  const r = cli('import', '--from', file, '--mean', '0,0,0', '--std', '1,1,1', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /adapted: a Cast to its float16 input, a Cast of its float16 scores to float\)/);
  const im = image(37, 29);
  const seg = await load(out, { runtime: 'onnx' });
  try {
    const got = (await seg.segment(im, { probabilities: false })).labels;
    // pixel / 255 in float16 keeps the order of 0..255 (steps of 1/255 against float16's 1/2048 at most).
    const want = Uint8Array.from({ length: 37 * 29 }, (_, p) => (im.data[p * 3 + 1] > im.data[p * 3] ? 1 : 0));
    assertSameLabels(got, want, null, 'fp16');
  } finally { await seg.dispose(); }
});

test('a Keras model as tf2onnx converts image-segmentation-keras\'s (NHWC, scores flattened to [N, h * w, C] and softmaxed at half size), fed BGR minus the Caffe means (Keras Applications\' "caffe")', async () => {
  const d = tempDir(), file = path.join(d, 'vgg_unet.onnx'), out = path.join(d, 'isk');
  const W = randoms(4 * 3 * 2 * 2, 0.02), b = randoms(4, 0.1);
  writeKerasGraph(file, W, b);
  // Keras Applications' "caffe": BGR, minus the Caffe means in 0..255, no scaling (the channel
  // order's path; image-segmentation-keras's own processing is its preset, test/io/isk_import.test.ts).
  const mean = CAFFE_MEAN, std = CAFFE_STD;
  const r = cli('import', '--from', file, '--mean', mean.join(','), '--std', std.join(','), '--channel-order', 'BGR', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /4 classes, input 48x32 \(width x height\), scores at 1\/2 of it; adapted: a Transpose from NCHW before its NHWC input, its final Softmax cut \(the logits before it\), a Reshape of its \[N, 16 \* 24, 4\] scores to \[N, 16, 24, 4\], a Transpose of its NHWC scores to NCHW\)/);
  assert.deepEqual(readCard(out).output, { kind: 'logits', resizeBack: 'labels', scale: 2 });
  const im = image(61, 41), small = pillowBilinear(im, 48, 32);
  const bgr = { ...small, data: Uint8Array.from(small.data, (_, i) => small.data[i - (i % 3) + 2 - (i % 3)]) };
  // As image-segmentation-keras's predict(): the argmax of the half-size scores, the label map
  // back to the image by nearest neighbour.
  const s = patchConv(normalise(bgr, mean, std), 32, 48, W, b, 4, 2);
  const { labels, margin } = argmax(s, 4);
  const near = pillowNearest(Uint8Array.from(margin, (m) => (m > 1e-4 ? 1 : 0)), 24, 16, 61, 41);
  const seg = await load(out, { runtime: 'onnx' });
  try {
    assertSameLabels((await seg.segment(im, { probabilities: false })).labels, pillowNearest(labels, 24, 16, 61, 41), Float32Array.from(near), 'keras');
  } finally { await seg.dispose(); }
});

test('a graph with an auxiliary output (torchvision\'s segmentation models: out, aux): the first kept, the others left unused', async () => {
  const d = tempDir(), file = path.join(d, 'deeplab.onnx'), out = path.join(d, 'tv');
  const W = randoms(2 * 3, 1);
  fs.writeFileSync(file, model([
    { opType: 'Conv', input: ['input', 'w'], output: ['out'], attribute: [attrInts('kernel_shape', [1, 1])] },
    { opType: 'Neg', input: ['out'], output: ['aux'] },
  ], [floats('w', W, [2, 3, 1, 1])], [value('input', DT.FLOAT, ['batch', 3, 'height', 'width'])], [value('out', DT.FLOAT, ['batch', 2, 'height', 'width']), value('aux', DT.FLOAT, ['batch', 2, 'height', 'width'])]));
  const r = cli('import', '--from', file, '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 classes, any input size \(each image at its own\); adapted: its other output left unused\)/);
  const graph = onnx.ModelProto.decode(fs.readFileSync(path.join(out, 'model.onnx')));
  assert.deepEqual(graph.graph!.output!.map((o) => o.name), ['out']);
});

test('a graph ending in ArgMax (an int64 label map [N, 1, H, W]): cast and squeezed, the class count from config.json', async () => {
  const d = tempDir(), src = path.join(d, 'argmax');
  fs.mkdirSync(src);
  const W = randoms(3 * 3, 1);
  fs.writeFileSync(path.join(src, 'model.onnx'), model([
    { opType: 'Conv', input: ['x', 'w'], output: ['s'], attribute: [attrInts('kernel_shape', [1, 1])] },
    { opType: 'ArgMax', input: ['s'], output: ['labels'], attribute: [attrInt('axis', 1), attrInt('keepdims', 1)] },
  ], [floats('w', W, [3, 3, 1, 1])], [value('x', DT.FLOAT, ['N', 3, 'H', 'W'])], [value('labels', DT.INT64, ['N', 1, 'H', 'W'])]));
  fs.writeFileSync(path.join(src, 'config.json'), JSON.stringify({ id2label: { 0: 'a', 1: 'b', 2: 'c' } }));
  fs.writeFileSync(path.join(src, 'preprocessor_config.json'), JSON.stringify({ do_resize: false, do_normalize: false }));
  const out = path.join(d, 'pkg');
  const r = cli('import', '--from', src, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 classes, any input size .*adapted: a Cast of its int64 label map to float\)/);
  assert.equal(readCard(out).output.kind, 'labels');
  // A class file says how many classes a label map has as well.
  const byFile = cli('import', '--from', path.join(src, 'model.onnx'), '--class-file', 'camvid', '--out', path.join(d, 'camvid'));
  assert.equal(byFile.status, 0, byFile.stderr);
  assert.equal(readCard(path.join(d, 'camvid')).classes[0].name, 'Sky');
  const im = image(41, 23), px = 41 * 23, s = new Float32Array(3 * px);
  // No normalisation: pixel / 255 straight in.
  for (let k = 0; k < 3; k++) for (let p = 0; p < px; p++) for (let c = 0; c < 3; c++) s[k * px + p] += W[k * 3 + c] * (im.data[p * 3 + c] / 255);
  const want = argmax(s, 3);
  const seg = await load(out, { runtime: 'onnx' });
  try { assertSameLabels((await seg.segment(im, { probabilities: false })).labels, want.labels, want.margin, 'argmax'); } finally { await seg.dispose(); }
});

test('ONNX graphs that are not one image to class scores per pixel: one line naming the file and the fix, nothing written', () => {
  const d = tempDir();
  const norm = ['--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5'];
  const conv = (input: string, out: string): O.INodeProto => ({ opType: 'Conv', input: [input, 'w'], output: [out], attribute: [attrInts('kernel_shape', [1, 1])] });
  const w = floats('w', randoms(6), [2, 3, 1, 1]);
  const cases: [string, Uint8Array | string, string[], RegExp][] = [
    ['junk', 'not a protobuf at all \u0000\u0007', norm, /not an ONNX model/],
    ['two inputs', model([conv('a', 's1'), conv('b', 's2'), { opType: 'Add', input: ['s1', 's2'], output: ['s'] }], [w],
      [value('a', DT.FLOAT, [1, 3, 8, 8]), value('b', DT.FLOAT, [1, 3, 8, 8])], [value('s', DT.FLOAT, [1, 2, 8, 8])]), norm, /takes 2 inputs \(a, b\)/],
    ['no normalisation', model([conv('x', 's')], [w], [value('x', DT.FLOAT, [1, 3, 8, 8])], [value('s', DT.FLOAT, [1, 2, 8, 8])]), [], /give --mean and --std/],
    ['another size', model([conv('x', 's')], [w], [value('x', DT.FLOAT, [1, 3, 8, 8])], [value('s', DT.FLOAT, [1, 2, 8, 8])]), [...norm, '--input-size', '16x16'], /--input-size 16x16: the graph is fixed at 8x8/],
    ['a classifier', model([conv('x', 's'), { opType: 'GlobalAveragePool', input: ['s'], output: ['g'] }, { opType: 'Flatten', input: ['g'], output: ['f'] }], [w],
      [value('x', DT.FLOAT, [1, 3, 8, 8])], [value('f', DT.FLOAT, [1, 2])]), norm, /is not class scores per pixel/],
    ['an image input of uint8', model([conv('x', 's')], [w], [value('x', DT.UINT8, [1, 3, 8, 8])], [value('s', DT.FLOAT, [1, 2, 8, 8])]), norm, /is uint8; pixelwise feeds float32 or float16/],
  ];
  for (const [what, bytes, flags, message] of cases) {
    const file = path.join(d, `${what.replace(/ /g, '_')}.onnx`), out = path.join(d, `out_${what.replace(/ /g, '_')}`);
    fs.writeFileSync(file, bytes);
    const r = cli('import', '--from', file, ...flags, '--out', out);
    assert.equal(r.status, 2, `${what}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: ${r.stderr}`);
    assert.ok(!fs.existsSync(out), `${what}: nothing written`);
  }
  // config.json naming other classes than the graph gives.
  const dir = path.join(d, 'hf');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'model.onnx'), model([conv('x', 's')], [w], [value('x', DT.FLOAT, [1, 3, 8, 8])], [value('s', DT.FLOAT, [1, 2, 8, 8])]));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ id2label: { 0: 'a', 1: 'b', 2: 'c' } }));
  const r = cli('import', '--from', dir, ...norm, '--out', path.join(d, 'out_hf'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /config\.json: id2label names 3 classes for a graph of 2 class scores; give --class-file/);
  // A Hugging Face folder of PyTorch weights alone: the export command that makes an ONNX folder.
  const pt = path.join(d, 'segformer-pt');
  fs.mkdirSync(pt);
  fs.writeFileSync(path.join(pt, 'config.json'), JSON.stringify({ architectures: ['SegformerForSemanticSegmentation'], id2label: { 0: 'a' } }));
  fs.writeFileSync(path.join(pt, 'model.safetensors'), '');
  const ptr = cli('import', '--from', pt, '--out', path.join(d, 'out_pt'));
  assert.equal(ptr.status, 2);
  assert.match(ptr.stderr, /holds SegformerForSemanticSegmentation's PyTorch weights \(config\.json\) and no ONNX export; export it \(optimum-cli export onnx --model \S+segformer-pt \S+segformer-pt-onnx\/\), then import that folder/);
  // A pixelwise package is used as it is.
  const pkg = cli('import', '--from', 'models/voc', '--out', path.join(d, 'out_pkg'));
  assert.equal(pkg.status, 2);
  assert.match(pkg.stderr, /--from models\/voc: is a pixelwise model package already \(model\.json\); give it as --model/);
});

test('shipped models\' own ONNX files imported as foreign graphs: written as they came, the label maps of the shipped packages', async () => {
  // voc declares its 3 bands; person (converted from TFLite) names every dimension (N, C, H, W).
  for (const [name, size, norm] of [['voc', '513x513', '0.5,0.5,0.5'], ['person', '256x256', '0,0,0']] as const) {
    const out = path.join(tempDir(), name);
    const std = name === 'voc' ? '0.5,0.5,0.5' : '1,1,1';
    const r = cli('import', '--from', `models/${name}/model.onnx`, '--input-size', size, '--mean', norm, '--std', std, '--licence', 'Apache-2.0', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${name === 'voc' ? 21 : 2} classes, input ${size} \\(width x height\\)\\)$`, 'm'));
    assert.ok(fs.readFileSync(path.join(out, 'model.onnx')).equals(fs.readFileSync(`models/${name}/model.onnx`)), `${name}: the graph as it came`);
    const photo = 'assets/photos/astronaut.png';
    const [shipped, imported] = [await load(name, { runtime: 'onnx' }), await load(out, { runtime: 'onnx' })];
    try {
      const [a, b] = [await shipped.segment(photo, { probabilities: false }), await imported.segment(photo, { probabilities: false })];
      assert.ok(Buffer.from(a.labels).equals(Buffer.from(b.labels)), `${name}: label maps byte-identical`);
    } finally { await shipped.dispose(); await imported.dispose(); }
  }
});
