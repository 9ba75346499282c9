// The library's front door (load -> segment) and the label-map helpers it reports with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { convertAnnotations, evaluateSamples, ExportBuilder, load, quantizeModel, verifyDataset, type ImageInput } from '../src/index.ts';
import { classAreas, classHistogram } from '../src/inference/label_map.ts';
import { readImage, type RgbImage } from '../src/data/image_io.ts';
import { bmpFile, tempDir } from './helpers.ts';
import { readSafetensors, writeSafetensors } from '../src/formats/safetensors.ts';
import { TRAIN_CONFIG_KEYS } from '../src/train/config.ts';

const PHOTOS = path.resolve(import.meta.dirname, '../assets/photos');
const ROOT_ENTRY = new URL('../src/index.ts', import.meta.url).href;
const TRAIN_ENTRY = new URL('../src/train/index.ts', import.meta.url).href;
const BATCH_ENTRY = new URL('../src/batch/index.ts', import.meta.url).href;

/** In a new process (this one's loader flags, so the sources run under tsx as the compiled ones do under node): import `entry`, segment the photo with load() when asked, and list the TF.js files loaded. */
function importIn(entry: string, segment: boolean) {
  const code = `import { createRequire } from 'node:module';
const m = await import(${JSON.stringify(entry)});
let classes = null;
if (${segment}) { const seg = await m.load('voc'); classes = (await seg.segment(${JSON.stringify(path.join(PHOTOS, 'chelsea.png'))})).classes.length; await seg.dispose(); }
const tf = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@tensorflow'));
process.stdout.write(JSON.stringify({ exports: Object.keys(m), classes, tf }));`;
  const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { exports: string[]; classes: number | null; tf: string[] };
}

test('the entry points: `pixelwise` imports and segments with an ONNX model without loading TF.js, nor does `pixelwise/batch`; `pixelwise/train` holds the TF.js side', () => {
  const root = importIn(ROOT_ENTRY, true);
  assert.deepEqual(root.tf, [], 'TF.js files loaded by `pixelwise` and load(voc)');
  assert.ok(root.classes! > 0);
  for (const name of ['load', 'openSegmenter', 'createSegmenter', 'openCard', 'writeCard', 'evaluateSamples', 'quantizeModel', 'ExportBuilder', 'labelOutlines']) assert.ok(root.exports.includes(name), name);
  const trainSide = importIn(TRAIN_ENTRY, false);
  for (const name of ['train', 'SegModel', 'getArch', 'ENCODERS', 'loadModelPackage', 'readCard', 'initEngine', 'predictLabels', 'segmentationLoss', 'learningRate', 'recomputeBatchNormStats']) {
    assert.ok(trainSide.exports.includes(name), name);
    assert.ok(!root.exports.includes(name), `${name} is in both entries`);
  }
  assert.ok(trainSide.tf.some((f) => f.includes('tfjs-core')), 'the check sees TF.js when it is loaded');
  assert.deepEqual(importIn(BATCH_ENTRY, false).tf, [], 'TF.js files loaded by `pixelwise/batch`');
});

test('pixelwise/train: a model built before initEngine says so; train() in a new process starts the engine itself; a configuration it cannot use is refused by argument name', () => {
  const SYNTH = new URL('../src/data/synthetic.ts', import.meta.url).href, ROOT = ROOT_ENTRY;
  const dir = tempDir();
  const code = `const { train, SegModel } = await import(${JSON.stringify(TRAIN_ENTRY)});
let early = 'built';
try { new SegModel({ arch: 'unet', numClasses: 4, width: 4, depth: 2 }); } catch (e) { early = e.name + ': ' + e.message; }
const { DEFAULT_AUGMENT, IMAGENET_NORM } = await import(${JSON.stringify(ROOT)});
const { writeSyntheticDataset, SYNTHETIC_CLASSES } = await import(${JSON.stringify(SYNTH)});
const tr = await writeSyntheticDataset(${JSON.stringify(path.join(dir, 'train'))}, 8, 32, 32, 1);
const base = { model: { arch: 'unet', numClasses: 4, width: 4, depth: 2 }, train: tr, classes: SYNTHETIC_CLASSES, ignoreIndex: 255, labelMap: [],
  inputSize: [32, 32], batchSize: 4, epochs: 1, lr: 1e-2, schedule: 'poly', warmupSteps: 0, loss: 'ce', focalGamma: 2, augment: DEFAULT_AUGMENT,
  norm: IMAGENET_NORM, seed: 7, valBatchSize: 4, backend: 'wasm', workers: 0, preciseBn: 0 };
const quiet = { log: () => {}, quiet: true };
const refusals = [];
for (const bad of [{ epochs: 0 }, { batchSize: 2.5 }, { schedule: 'step' }, { classes: SYNTHETIC_CLASSES.slice(0, 3) }, { ignoreIndex: 300 }, { classWeights: [1, 2] },
  { augment: { ...DEFAULT_AUGMENT, brightness: 3 } }, { augment: { ...DEFAULT_AUGMENT, scale: [2, 0.5] } }, { earlyStop: 3 }]) {
  try { await train({ ...base, ...bad }, ${JSON.stringify(path.join(dir, 'bad'))}, false, quiet); refusals.push('trained'); } catch (e) { refusals.push(e.argument + ' | ' + e.message); }
}
try { await train(null, ${JSON.stringify(path.join(dir, 'bad'))}, false, quiet); refusals.push('trained'); } catch (e) { refusals.push(e.argument + ' | ' + e.message); }
const r = await train(base, ${JSON.stringify(path.join(dir, 'run'))}, false, quiet);
process.stdout.write(JSON.stringify({ early, refusals }));`;
  const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { early: string; refusals: string[] };
  // Building a model needs the engine started (TF.js starts wasm asynchronously): said in one line.
  assert.equal(out.early, 'UserError: the TF.js engine is not started: await initEngine() (pixelwise/train) before building or loading a model; train() starts it itself');
  assert.deepEqual(out.refusals, [
    'epochs | epochs 0: expected a whole number, 1 or more',
    'batchSize | batchSize 2.5: expected a whole number, 1 or more',
    'schedule | schedule step: use poly, cosine, constant',
    'classes | classes: 3 for a network of 4 outputs; give one class (name, color) for each',
    'ignoreIndex | ignoreIndex 300: expected a label 0..255 (masks hold 8-bit class ids)',
    "classWeights | classWeights 1,2: expected 'auto' or one weight for each of the 4 classes",
    // A jitter of 3 scaled some pictures by a negative factor (black); a scale range upside down.
    'augment.brightness | augment.brightness 3: expected a jitter of 0 (none) to below 1 (a factor of 1 +- the jitter)',
    'augment.scale | augment.scale 2,0.5: expected [min, max] with 0 < min <= max, e.g. [0.75, 1.5]',
    // A misspelt setting (earlyStopPatience) trained all the epochs without a word.
    `options | earlyStop 3: not a setting of train() (its settings: ${Object.keys(TRAIN_CONFIG_KEYS).join(', ')})`,
    'config | config: train() takes an object; got null',
  ]);
  assert.ok(fs.existsSync(path.join(dir, 'run', 'model.json')), 'the run trained and wrote its card');
});

test('classAreas: pixel counts and shares of the classes present, largest first', () => {
  const classes = ['a', 'b', 'c', 'd'].map((name) => ({ name, color: [0, 0, 0] as [number, number, number] }));
  const labels = Uint8Array.from([2, 2, 2, 0, 2, 0, 3, 9]); // 9: beyond the class list, not counted
  assert.deepEqual(classHistogram(labels, 4), [2, 0, 4, 1]);
  assert.deepEqual(classAreas(labels, classes), [
    { id: 2, name: 'c', pixels: 4, share: 0.5 }, { id: 0, name: 'a', pixels: 2, share: 0.25 }, { id: 3, name: 'd', pixels: 1, share: 0.125 },
  ]);
});

test('load(): default model, path / encoded Buffer / raw RGB inputs give the same labels; classes add up', async () => {
  const seg = await load();
  assert.equal(seg.card.classes.length, 21, 'the default model is the VOC one');
  const file = path.join(PHOTOS, 'chelsea.png');
  const a = await seg.segment(file);
  const b = await seg.segment(fs.readFileSync(file));
  const rgb = await readImage(file);
  const c = await seg.segment(rgb);
  // RGBA as canvas libraries give it (an ImageData: Uint8ClampedArray, no channels field): its alpha dropped.
  const rgba = new Uint8ClampedArray(rgb.width * rgb.height * 4).map((_, i) => (i % 4 === 3 ? 77 : rgb.data[(i >> 2) * 3 + (i % 4)]));
  assert.deepEqual((await seg.segment({ data: rgba, width: rgb.width, height: rgb.height } as unknown as RgbImage)).labels, (await seg.segment(rgb)).labels);
  assert.deepEqual([a.width, a.height], [451, 300]);
  assert.equal(a.labels.length, 451 * 300);
  assert.deepEqual(b.labels, a.labels);
  assert.deepEqual(c.labels, a.labels);
  // What else a JavaScript caller holds an image as: a file: URL (object or string), a fetch()'s
  // ArrayBuffer, a canvas's base64 data: URL. A network address is refused, not read.
  const bytes = fs.readFileSync(file);
  for (const other of [pathToFileURL(file), pathToFileURL(file).href, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), `data:image/png;base64,${bytes.toString('base64')}`]) {
    assert.deepEqual((await seg.segment(other as ImageInput)).labels, a.labels, String(other).slice(0, 40));
  }
  await assert.rejects(seg.segment('https://example.com/cat.png'), (e: Error & { argument?: string }) => e.argument === 'image' && e.message === 'image https://example.com/cat.png: pixelwise reads nothing from the network (https:); download the image and give its path or its bytes');
  await assert.rejects(seg.segment(''), (e: Error & { argument?: string }) => e.argument === 'image' && /^image: an empty path/.test(e.message));
  // Without probabilities: the same label map; the soft-edged renderers say what they need.
  const lean = await seg.segment(file, { probabilities: false });
  assert.deepEqual(lean.labels, a.labels);
  await assert.rejects(lean.background({ keep: ['cat'], grey: true }), /segmented with \{ probabilities: false \}/);
  assert.equal(a.classes.reduce((n, k) => n + k.pixels, 0), a.labels.length);
  assert.equal(a.classes[0].name, 'cat');
  assert.equal(a.classes[0].pixels, a.labels.reduce((n, v) => n + (v === 8 ? 1 : 0), 0));
  await assert.rejects(seg.segment({ data: new Uint8Array(5), width: 2, height: 2 }), (e: Error & { argument?: string }) => e.argument === 'image' && /^raw image: expected/.test(e.message));
  await assert.rejects(seg.segment(undefined as unknown as ImageInput), (e: Error & { argument?: string }) => e.argument === 'image' && /^image: got undefined; give a file path/.test(e.message));
  await assert.rejects(seg.segment(path.dirname(file)), (e: Error) => e.message === `${path.dirname(file)}: a folder, not an image file; give an image in it`);
  await assert.rejects(seg.segment(Buffer.from('not an image')), /cannot decode image/);
  await seg.dispose();
  // The library names its argument; the command line words the same error as the flag.
  await assert.rejects(load('no-such-model'), (e: Error & { argument?: string }) => e.argument === 'model' && /^model no-such-model: no such folder and no shipped model/.test(e.message));
  await assert.rejects(load('voc', { tiling: { tile: 8 } }), (e: Error & { argument?: string }) => e.argument === 'tile' && /^tile 8: use at least 32 pixels/.test(e.message));
  const cli = spawnSync(process.execPath, ['bin/pixelwise.js', 'predict', 'assets/photos/chelsea.png', '--model', 'no-such-model', '--out', tempDir()], { encoding: 'utf8' });
  assert.equal(cli.stderr.trim(), "pixelwise: --model no-such-model: no such folder and no shipped model of that name (shipped: ade20k, camvid, camvid-fast, camvid-live, cityscapes, cityscapes-fast, cityscapes-live, person, voc, voc-fast); give a training run folder or a model package");
  const tile = spawnSync(process.execPath, ['bin/pixelwise.js', 'predict', 'assets/photos/chelsea.png', '--tile', '8', '--out', tempDir()], { encoding: 'utf8' });
  assert.equal(tile.stderr.trim(), 'pixelwise: --tile 8: use at least 32 pixels');
});

test('load() and segment() refuse what a JavaScript caller may pass by the argument\'s name, and the command line words it as the flag', async () => {
  type Named = Error & { argument?: string };
  const names = (argument: string, message: RegExp) => (e: Named) => e.argument === argument && message.test(e.message);
  const seg = await load('voc');
  const untyped = seg.segment as (x: unknown) => Promise<unknown>;
  await assert.rejects(untyped(null), names('image', /^image: got null; give a file path, an encoded image/));
  await assert.rejects(untyped(42), names('image', /^image: got a number;/));
  await assert.rejects(seg.segment(Buffer.from('not an image')), (e: Error) => /^image: cannot decode image/.test(e.message));
  // The renderers: a format, a class list given as one name, a blur no Gaussian has.
  const r = await seg.segment(path.join(PHOTOS, 'chelsea.png'));
  await assert.rejects(r.overlay({ format: 'gif' as 'png' }), names('format', /^format gif: use png, jpeg, raw$/));
  await assert.rejects(r.overlay({ alpha: 2 }), names('alpha', /^alpha 2: expected an opacity from 0 to 1$/));
  await assert.rejects(r.colorMask({ format: 'jpeg', quality: 0 }), names('quality', /^quality 0: expected a whole number from 1 to 100$/));
  await assert.rejects(r.background({ keep: 'cat' as unknown as string[], blur: 12 }), (e: Error) => e.message === 'keep cat: expected a list of class names or ids, e.g. ["cat"]');
  await assert.rejects(r.cutout('cat' as unknown as string[]), (e: Error) => /^cutout cat: expected a list/.test(e.message));
  await assert.rejects(r.background({ keep: ['cat'], blur: 0 }), (e: Error) => e.message === 'background blur 0: expected a sigma of 0.3 to 1000 pixels, e.g. 12');
  await assert.rejects(r.background({ keep: ['cat'], blur: 12, grey: true }), (e: Error) => e.message === 'background: give exactly one of blur, color, image, grey, transparent (got blur, grey)');
  // A misspelt renderer option was ignored: the default drawn without a word.
  const untypedResult = r as unknown as Record<'overlay' | 'colorMask' | 'background', (o: unknown) => Promise<unknown>>;
  await assert.rejects(untypedResult.overlay({ alpa: 0.2 }), names('options', /^alpa 0\.2: not an option of overlay\(\) \(its options: format, quality, alpha\)$/));
  await assert.rejects(untypedResult.colorMask({ fromat: 'jpeg' }), names('options', /^fromat jpeg: not an option of colorMask\(\)/));
  await assert.rejects(untypedResult.background({ keep: ['cat'], blur: 12, feather: 2 }), names('options', /^feather 2: not an option of background\(\) \(its options: format, quality, keep, blur, color, image, grey, transparent\)$/));
  await assert.rejects(untypedResult.background({ keep: ['cat'], blur: '12' }), names('blur', /^blur "12": expected a number$/));
  await seg.dispose();
  const loadAny = load as (m: string, o: unknown) => Promise<unknown>;
  // ONNX Runtime's own refusal blamed the model file ("re-create it with pixelwise export").
  await assert.rejects(loadAny('voc', { threads: 0 }), names('threads', /^threads 0: expected a whole number of threads/));
  await assert.rejects(loadAny('voc', { threads: '2' }), names('threads', /^threads "2": /));
  await assert.rejects(loadAny('voc', { tta: 'mirror' }), names('tta', /^tta mirror: use none, flip, flip2, d4/));
  await assert.rejects(loadAny('voc', { scales: 2 }), names('scales', /^scales 2: expected a list of scales/));
  await assert.rejects(loadAny('voc', { scales: [] }), names('scales', /^scales \[\]: /));
  await assert.rejects(loadAny('voc', { threshold: { cls: 'cat', prob: 1.5 } }), names('threshold', /^threshold cat=1\.5: expected a probability between 0 and 1/));
  // Options a JavaScript caller misspells, nests wrongly or gives as another type (they were ignored
  // in silence: `{ tile: 512 }` segmented untiled, `{ backend: 'gpu' }` ran on the default).
  await assert.rejects(loadAny('voc', { tile: 512 }), names('options', /^tile 512: not an option of load\(\); did you mean options\.tiling\.tile\?$/));
  await assert.rejects(loadAny('voc', { tiling: { tiel: 512 } }), names('options', /^tiling\.tiel 512: not an option of load\(\) \(its options under tiling: tile, overlap, pixelBudget, autoTile, log\)$/));
  await assert.rejects(loadAny('voc', { tiling: { tile: '512' } }), names('tiling', /^tiling\.tile "512": expected a number$/));
  await assert.rejects(loadAny('voc', { backend: 'gpu' }), names('backend', /^backend gpu: use auto, wasm, cpu, node$/));
  await assert.rejects(loadAny('voc', { inputSize: '512x512' }), names('inputSize', /^inputSize "512x512": expected \[height, width\]/));
  await assert.rejects(loadAny('voc', { weights: 5 }), names('weights', /^weights 5: expected a checkpoint name/));
  await assert.rejects(loadAny('voc', 'onnx'), names('options', /^options: load\(\) takes an object of options, got "onnx"$/));
  await assert.rejects((load as (m: unknown) => Promise<unknown>)(42), names('model', /^model: got a number; give a shipped model's name \(.*voc.*\) or a model folder's path$/));
  const fast = await load('voc-fast');
  const segmentAny = fast.segment as (x: unknown, o: unknown) => Promise<unknown>;
  const photo = path.join(PHOTOS, 'chelsea.png');
  await assert.rejects(segmentAny(photo, { tta: 'flip' }), names('options', /^tta flip: not an option of segment\(\); tta is an option of load\(\)$/));
  await assert.rejects(segmentAny(photo, { tile: 512 }), names('options', /^tile 512: not an option of segment\(\); tiling\.tile is an option of load\(\)$/));
  await assert.rejects(segmentAny(photo, { probabilities: 'no' }), names('probabilities', /^probabilities "no": expected a boolean$/));
  await assert.rejects(segmentAny(photo, { signal: 1 }), names('signal', /^signal 1: expected an AbortSignal$/));
  // quantizeModel() given an options object in the graph's place: before, "illegal buffer" from the protobuf reader.
  await assert.rejects((quantizeModel as unknown as (o: unknown) => Promise<unknown>)({ model: 'voc' }), names('model', /^model: expected the float ONNX graph's bytes \(a Uint8Array\)/));
  // Field-by-field options of the data functions: a misspelt key (before: "options.images: ... is needed", or ignored).
  await assert.rejects((convertAnnotations as (o: unknown) => Promise<unknown>)({ from: 'coco', input: 'x.json', out: tempDir(), imagez: 'imgs' }), names('options', /^imagez imgs: not an option of convertAnnotations\(\) \(its options: from, input, images, out,/));
  await assert.rejects((verifyDataset as (o: unknown) => Promise<unknown>)({ images: PHOTOS, masks: PHOTOS, numClasses: 2, ignoreIndex: 255, maskSufix: '_mask' }), names('options', /^maskSufix _mask: not an option of verifyDataset\(\)/));
  await assert.rejects((evaluateSamples as (...a: unknown[]) => Promise<unknown>)(() => [], [], { images: PHOTOS, numClasses: 2, ignoreIndex: 255 }, { batchsize: 4 }), names('options', /^batchsize 4: not an option of evaluateSamples\(\)/));
  assert.throws(() => new (ExportBuilder as unknown as new (...a: unknown[]) => unknown)([], ['coco'], { fromName: 'tag', toName: 'image', imageUrlPrefix: '', modelVersion: '', urlname: true }), names('options', /^urlname true: not an option of ExportBuilder\(\) names/));
  // Options as the types name them pass.
  assert.equal((await fast.segment(photo, { probabilities: false, signal: new AbortController().signal })).width, 451);
  await fast.dispose();
  // Weights for a graph that has none to replace are refused, not ignored.
  await assert.rejects(loadAny('voc', { weights: 'best' }), names('weights', /^weights best: .*voc is an ONNX graph with no TF\.js weights to replace/));
  const cli = spawnSync(process.execPath, ['bin/pixelwise.js', 'predict', path.join(PHOTOS, 'chelsea.png'), '--model', 'voc', '--weights', 'best', '--out', tempDir()], { encoding: 'utf8' });
  assert.equal(cli.status, 2);
  assert.match(cli.stderr, /^pixelwise: --weights best: voc is an ONNX graph with no TF\.js weights to replace; a checkpoint applies to training runs and to packages that hold their weights \(\.safetensors\)\n$/);
});

test('load(): a BMP given as bytes is read as its file is (sharp reads no BMP)', async () => {
  const seg = await load('voc');
  const png = await seg.segment(path.join(PHOTOS, 'chelsea.png'));
  const rgb = await readImage(path.join(PHOTOS, 'chelsea.png'));
  const bmp = bmpFile(rgb.data, rgb.width, rgb.height, 24);
  const file = path.join(tempDir(), 'chelsea.bmp');
  fs.writeFileSync(file, bmp);
  assert.deepEqual((await seg.segment(bmp)).labels, png.labels);
  assert.deepEqual((await seg.segment(file)).labels, png.labels);
  await seg.dispose();
});

test('dispose(): a segment() in flight finishes first, later calls are refused naming the model, a second dispose() is a no-op (ONNX Runtime and TF.js alike)', async () => {
  const file = path.join(PHOTOS, 'chelsea.png');
  for (const runtime of ['onnx', 'tfjs'] as const) {
    const seg = await load('camvid-fast', { runtime });
    const want = (await seg.segment(file)).labels;
    const inFlight = seg.segment(file);
    await seg.dispose();
    assert.deepEqual((await inFlight).labels, want, `${runtime}: the call in flight ran to its end`);
    await assert.rejects(seg.segment(file), (e: Error) => e.name === 'UserError' && /^model camvid-fast: disposed; load\(\) it again/.test(e.message), runtime);
    await seg.dispose();
  }
  // The wasm backend's module added process handlers that rethrow every uncaught error from its
  // own minified source; started, it leaves none.
  const rethrowers = [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')].filter((l) => /ExitStatus|throw reason/.test(String(l)));
  assert.deepEqual(rethrowers.map(String), []);
});

test('load(): weights given for a package that also holds its ONNX graph are the weights run (the graph holds the card\'s own)', async () => {
  const dir = path.join(tempDir(), 'camvid');
  fs.cpSync(path.resolve(import.meta.dirname, '../models/camvid'), dir, { recursive: true });
  // Other weights: the class score of Pedestrian (id 9) raised far above the rest, so every pixel is Pedestrian.
  const own = readSafetensors(path.join(dir, 'weights.safetensors'));
  const tensors = [...own.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data.slice() }));
  const bias = tensors.find((t) => t.name === 'logits_semantic/bias')!;
  bias.data[9] += 1e4;
  writeSafetensors(path.join(dir, 'pedestrians.safetensors'), tensors);
  const frame = path.join(PHOTOS, 'dashcam.png');
  const plain = await load(dir);
  const r = await plain.segment(frame, { probabilities: false });
  assert.ok(r.classes.length > 3 && r.classes[0].name !== 'Pedestrian', JSON.stringify(r.classes.slice(0, 3)));
  await plain.dispose();
  const other = await load(dir, { weights: 'pedestrians' });
  const o = await other.segment(frame, { probabilities: false });
  assert.deepEqual(o.classes.map((c) => [c.name, c.pixels]), [['Pedestrian', o.width * o.height]]);
  await other.dispose();
});

// Both trained by pixelwise: camvid (EdgeTPU-DeepLab-slim from Google's Cityscapes model) and
// camvid-fast (ESPNetv2 from the EdgeNets Cityscapes model).
for (const name of ['camvid', 'camvid-fast']) test(`the shipped ${name} model: a dash-cam frame is mostly road and sky, the cars are found, both runtimes agree`, async () => {
  const onnx = await load(name);
  assert.equal(onnx.card.classes.length, 12);
  const file = path.join(PHOTOS, 'dashcam.png');
  const r = await onnx.segment(file, { probabilities: false });
  const share = (name: string) => r.classes.find((c) => c.name === name)?.share ?? 0;
  assert.ok(share('Road') > 0.3 && share('Sky') > 0.2, JSON.stringify(r.classes.slice(0, 4)));
  assert.ok(share('Car') > 0.01, `cars: ${share('Car')}`);
  // The lower middle of the frame is road.
  const at = (x: number, y: number) => r.labels[Math.round(y * r.height) * r.width + Math.round(x * r.width)];
  assert.equal(onnx.card.classes[at(0.3, 0.9)].name, 'Road');
  const tfjs = await load(name, { runtime: 'tfjs' });
  const t = await tfjs.segment(file, { probabilities: false });
  const same = t.labels.reduce((n, v, i) => n + (v === r.labels[i] ? 1 : 0), 0) / t.labels.length;
  assert.ok(same > 0.999, `TF.js and ONNX Runtime agree on ${(100 * same).toFixed(3)}% of the pixels`);
});
