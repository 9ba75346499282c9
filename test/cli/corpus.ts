// The bad-input corpus, generated (no committed binaries), and the (command x case) matrix run
// over it: each case is a real command line on broken files, with the outcome it must have. Used by
// test/cli/corpus.test.ts (asserts every outcome) and bench/corpus.ts (writes docs/reliability.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { encode } from 'fast-png';
import { zipSync } from 'fflate';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { SYNTHETIC_CLASSES } from '../../src/data/synthetic.ts';
import { writeSyntheticDataset } from '../../src/data/synthetic.ts';
import { writeSafetensors } from '../../src/formats/safetensors.ts';
import { ffmpegPath } from '../../src/video/ffmpeg.ts';
import { bmpFile, lowBitPng, pngClaiming } from '../helpers.ts';
import { readMask } from '../../src/data/mask_io.ts';
import { buildTflite, OP } from '../formats/tflite_files.ts';

const BIN = path.resolve('bin/pixelwise.js');
const VOC = path.resolve('models/voc-fast');
const PHOTO = path.resolve('assets/photos/chelsea.png');

/** A baseline JPEG whose frame header (SOF0) claims w x h. */
async function jpegClaiming(w: number, h: number): Promise<Buffer> {
  const j = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  const sof = j.indexOf(Buffer.from([0xff, 0xc0]));
  j.writeUInt16BE(h, sof + 5); j.writeUInt16BE(w, sof + 7);
  return j;
}

const half = (b: Buffer) => b.subarray(0, Math.floor(b.length / 2));

export interface Case {
  command: string; name: string; args: string[]; expect: 'error' | 'ok'; message?: RegExp; stdin?: Buffer;
  /** verify reports its findings on stdout (a list, exit 1) rather than as one error line. */
  report?: boolean;
  /** Run without root's privileges (root reads every file, so permission cases need a plain user). */
  unprivileged?: boolean;
  /** Run inside this wrapper (a private mount namespace with a read-only or full file system). */
  wrap?: string[];
  /** Files that must keep their bytes (inputs a command might overwrite). */
  unchanged?: string[];
  /** Send this signal `ms` after `once` exists (Ctrl-C, a service manager's stop mid-run). */
  kill?: { signal: 'SIGINT' | 'SIGTERM'; ms: number; once: string };
  /** Where else a partial output could be left (besides --out): files or folders. */
  outputs?: string[];
  /** The class of failure the case belongs to (docs/reliability.md groups by it). */
  cls?: string;
}

/** `wrap` for a command that must see `dir` as a read-only mount, or a full one (a tmpfs of 16 kB); null where mount namespaces are unavailable. */
function inMount(dir: string, kind: 'read-only' | 'full'): string[] | null {
  if (process.getuid?.() !== 0 || spawnSync('unshare', ['-m', 'true']).status !== 0) return null;
  const script = kind === 'read-only' ? 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"' : 'mount -t tmpfs -o size=16k tmpfs "$1"';
  return ['unshare', '-m', 'sh', '-c', `${script} && shift && exec "$@"`, 'sh', dir];
}

/** The (sorted) sha256 of each file, to show that inputs were left as they were. */
function digests(files: string[]): string[] {
  return files.map((f) => (fs.existsSync(f) ? createHash('sha256').update(fs.readFileSync(f)).digest('hex') : 'missing'));
}

/** How to run a command as an unprivileged user here, or null when that is not possible. */
function unprivileged(): string[] | null {
  if (process.getuid?.() !== 0) return [];
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
  return r.status === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : null;
}
export interface Outcome { command: string; name: string; cls: string; expect: string; code: number | null; timedOut: boolean; lines: number; stackTrace: boolean; leftovers: string[]; overwritten: string[]; internalError: boolean; ms: number; ok: boolean; firstLine: string }

/** Writes the corpus under `root` and returns the matrix of cases over it. */
export async function buildCorpus(root: string): Promise<Case[]> {
  const p = (...s: string[]) => path.join(root, ...s);
  const good = await writeSyntheticDataset(p('good'), 4, 32, 32, 1);
  const photo = fs.readFileSync(PHOTO);
  const jpeg = await sharp(PHOTO).jpeg().toBuffer(), webp = await sharp(PHOTO).webp().toBuffer(), tiff = await sharp(PHOTO).tiff().toBuffer();
  const corruptPng = Buffer.from(photo); for (let i = 200; i < corruptPng.length; i += 97) corruptPng[i] ^= 0x5a;
  const badImages: [string, string, Buffer][] = [
    ['truncated PNG', 'a.png', half(photo)], ['corrupt PNG', 'a.png', corruptPng], ['truncated JPEG', 'a.jpg', half(jpeg)],
    ['truncated WebP', 'a.webp', half(webp)], ['truncated TIFF', 'a.tif', half(tiff)], ['zero-byte file', 'a.png', Buffer.alloc(0)],
    ['text named .jpg', 'a.jpg', Buffer.from('this is not an image\n')], ['PNG header 100000x100000', 'a.png', pngClaiming(100000, 100000)],
    ['JPEG header 65000x65000', 'a.jpg', await jpegClaiming(65000, 65000)],
  ];
  const cases: Case[] = [];
  const ds = (name: string) => { const d = p('ds', name); fs.cpSync(p('good'), d, { recursive: true }); return { images: path.join(d, 'images'), masks: path.join(d, 'masks'), dir: d }; };
  const train = (x: { images: string; masks: string }, extra: string[] = []) => ['train', '--images', x.images, '--masks', x.masks, '--classes', '4', '--input-size', '32x32', '--epochs', '1', '--out', p('runs', String(cases.length)), ...extra];
  const verify = (x: { images: string; masks: string }) => ['verify', '--images', x.images, '--masks', x.masks, '--classes', '4', '--quiet'];
  const predictOut = () => ['--out', p('pred', String(cases.length))];

  for (const [name, file, bytes] of badImages) {
    // As a training image (replacing sample_001's image) and as a photo to predict.
    const x = ds(`img-${cases.length}`);
    fs.rmSync(path.join(x.images, 'sample_001.png'));
    fs.writeFileSync(path.join(x.images, 'sample_001' + path.extname(file)), bytes);
    cases.push({ command: 'train', name: `image: ${name}`, args: train(x), expect: 'error', message: /sample_001/ });
    cases.push({ command: 'verify', name: `image: ${name}`, args: verify(x), report: true, expect: 'error', message: /sample_001\.\w+: unreadable image/ });
    fs.mkdirSync(p('photos'), { recursive: true });
    const f = p('photos', `${cases.length}-${file}`);
    fs.writeFileSync(f, bytes);
    cases.push({ command: 'predict', name: `image: ${name}`, args: ['predict', f, ...predictOut()], expect: 'error', message: new RegExp(path.basename(f).replace('.', '\\.')) });
  }
  // Masks.
  const masks: [string, (m: string) => void, RegExp][] = [
    ['truncated mask', (m) => fs.writeFileSync(m, half(fs.readFileSync(m))), /sample_001\.png: cannot read mask/],
    ['zero-byte mask', (m) => fs.writeFileSync(m, Buffer.alloc(0)), /sample_001\.png: cannot read mask/],
    ['mask of the wrong size', (m) => fs.writeFileSync(m, encode({ width: 16, height: 16, data: new Uint8Array(256), channels: 1, depth: 8 })), /sample_001.*(size|16x16)/],
    ['RGB mask, no class file', (m) => fs.writeFileSync(m, encode({ width: 32, height: 32, data: Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => [200, 30, 60][i % 3]), channels: 3, depth: 8 })), /sample_001.*(RGB|colour|class-file)/i],
    // A grey mask saved as RGB reads as class ids: its value past --classes is said as one.
    ['grey mask saved as RGB, a value past --classes', (m) => fs.writeFileSync(m, encode({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(200), channels: 3, depth: 8 })), /sample_001.*200/],
    ['16-bit mask with ids beyond 8 bits', (m) => fs.writeFileSync(m, encode({ width: 32, height: 32, data: new Uint16Array(32 * 32).fill(300), channels: 1, depth: 16 })), /sample_001.*16-bit mask value 300/],
    ['labels beyond the class count', (m) => fs.writeFileSync(m, encode({ width: 32, height: 32, data: new Uint8Array(32 * 32).fill(9), channels: 1, depth: 8 })), /sample_001.*9/],
    ['mask without an image (mismatched stems)', (m) => fs.renameSync(m, m.replace('sample_001', 'other_001')), /sample_001|other_001/],
  ];
  for (const [name, make, message] of masks) {
    const x = ds(`mask-${cases.length}`);
    make(path.join(x.masks, 'sample_001.png'));
    cases.push({ command: 'train', name, args: train(x), expect: 'error', message });
    cases.push({ command: 'verify', name, args: verify(x), report: true, expect: 'error', message });
  }
  // A 16-bit mask whose ids fit in 8 bits is read as it is (some tools write label maps so).
  const x16 = ds('mask16-ok');
  fs.writeFileSync(path.join(x16.masks, 'sample_001.png'), encode({ width: 32, height: 32, data: new Uint16Array(32 * 32).fill(2), channels: 1, depth: 16 }));
  cases.push({ command: 'train', name: '16-bit mask with ids below 256 (accepted)', args: train(x16, ['--quiet', '--width', '4', '--depth', '2']), expect: 'ok' });
  const empty = { images: p('empty', 'images'), masks: p('empty', 'masks') };
  fs.mkdirSync(empty.images, { recursive: true }); fs.mkdirSync(empty.masks, { recursive: true });
  cases.push({ command: 'train', name: 'empty folders', args: train(empty), expect: 'error', message: /no images|empty/i });
  cases.push({ command: 'evaluate', name: 'empty folders', args: ['evaluate', '--model', VOC, '--images', empty.images, '--masks', empty.masks], expect: 'error', message: /no images|empty/i });
  // Paths: spaces and non-ASCII names work; a symlink loop is refused.
  const odd = p('odd näme dir'); fs.cpSync(p('good'), odd, { recursive: true });
  cases.push({ command: 'train', name: 'spaces and non-ASCII in paths', args: train({ images: path.join(odd, 'images'), masks: path.join(odd, 'masks') }, ['--quiet', '--width', '4', '--depth', '2']), expect: 'ok' });
  fs.copyFileSync(PHOTO, p('photos', 'chat noir é.png'));
  cases.push({ command: 'predict', name: 'spaces and non-ASCII in paths', args: ['predict', p('photos', 'chat noir é.png'), '--out', p('pred ü')], expect: 'ok' });
  // Outputs never land on inputs: a photo whose name is another photo's output name.
  fs.mkdirSync(p('clash'), { recursive: true });
  fs.copyFileSync(PHOTO, p('clash', 'cat.png')); fs.copyFileSync(PHOTO, p('clash', 'cat_overlay.png'));
  cases.push({ command: 'predict', name: 'an output would overwrite an input', args: ['predict', p('clash'), '--out', p('clash')], expect: 'error', message: /would overwrite the input .*cat_overlay\.png/ });
  cases.push({ command: 'video', name: 'an output would overwrite an input', args: ['video', p('real.mp4'), '--out', p('real.mp4')], expect: 'error', message: /that is the input video/ });
  // Unreadable files (as a plain user: root reads everything).
  if (unprivileged()) {
    fs.chmodSync(root, 0o755);
    const x = ds('unreadable');
    fs.chmodSync(path.join(x.masks, 'sample_001.png'), 0o000);
    fs.mkdirSync(p('out-any'), { mode: 0o777 }); fs.chmodSync(p('out-any'), 0o777);
    cases.push({ command: 'train', name: 'unreadable mask (permissions)', args: train(x).slice(0, -2).concat(['--out', p('out-any', 'run')]), unprivileged: true, expect: 'error', message: /sample_001\.png: cannot read mask \(permission denied\)/ });
    fs.copyFileSync(PHOTO, p('locked.png')); fs.chmodSync(p('locked.png'), 0o000);
    cases.push({ command: 'predict', name: 'unreadable image (permissions)', args: ['predict', p('locked.png'), '--out', p('out-any', 'pred')], unprivileged: true, expect: 'error', message: /locked\.png: cannot read image \(permission denied\)/ });
  }
  fs.mkdirSync(p('loop'), { recursive: true }); fs.symlinkSync(p('loop', 'b.png'), p('loop', 'a.png')); fs.symlinkSync(p('loop', 'a.png'), p('loop', 'b.png'));
  cases.push({ command: 'predict', name: 'symlink loop', args: ['predict', p('loop', 'a.png'), ...predictOut()], expect: 'error', message: /a\.png/ });
  // Model files.
  const pkg = (name: string, edit: (d: string) => void) => { const d = p('models', name); fs.cpSync(VOC, d, { recursive: true }); edit(d); return d; };
  const badModels: [string, string][] = [
    ['corrupt model.json', pkg('json', (d) => fs.writeFileSync(path.join(d, 'model.json'), '{"format": "pixelwise-model", '))],
    ['model.json of the wrong shape', pkg('schema', (d) => fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify({ format: 'pixelwise-model', model: { arch: 7 } })))],
    ['truncated ONNX file', pkg('onnx', (d) => fs.writeFileSync(path.join(d, 'model.onnx'), half(fs.readFileSync(path.join(d, 'model.onnx')))))],
    ['truncated weights', pkg('weights', (d) => { fs.rmSync(path.join(d, 'model.onnx')); const c = JSON.parse(fs.readFileSync(path.join(d, 'model.json'), 'utf8')); delete c.onnx; fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify(c)); fs.writeFileSync(path.join(d, 'weights.safetensors'), half(fs.readFileSync(path.join(d, 'weights.safetensors')))); })],
  ];
  for (const [name, dir] of badModels) {
    cases.push({ command: 'predict', name, args: ['predict', PHOTO, '--model', dir, ...predictOut()], expect: 'error', message: /models\// });
    // export rebuilds the ONNX file from the weights: a broken ONNX file is no obstacle to it.
    const rebuilds = name === 'truncated ONNX file';
    cases.push({ command: 'export', name, args: ['export', '--model', dir, '--out', p('exported', String(cases.length))], expect: rebuilds ? 'ok' : 'error', message: /models\// });
  }
  // A package that is a graph alone (no weights to rebuild it from): export copies it, and says when it is damaged.
  const graphOnly = p('models', 'graph-only');
  fs.cpSync(path.resolve('models/camvid-live'), graphOnly, { recursive: true });
  fs.writeFileSync(path.join(graphOnly, 'model.onnx'), half(fs.readFileSync(path.join(graphOnly, 'model.onnx'))));
  cases.push({ command: 'export', name: 'graph-only package with a truncated ONNX file', args: ['export', '--model', graphOnly, '--out', p('exported', 'graph-only.onnx')], expect: 'error', message: /graph-only\/model\.onnx: not a readable ONNX graph/ });
  cases.push({ command: 'export', name: '--package of a model package (not a training run)', args: ['export', '--model', 'voc', '--package', p('exported', 'pkg')], expect: 'error', message: /--model voc: a model package, not a training run/ });
  cases.push({ command: 'evaluate', name: 'truncated ONNX file', args: ['evaluate', '--model', badModels[2][1], '--images', good.images, '--masks', good.masks], expect: 'error', message: /model\.onnx/ });
  // Checkpoints and foreign weights.
  const run = p('run-bad');
  fs.mkdirSync(run, { recursive: true });
  fs.writeFileSync(path.join(run, 'train.json'), '{"model": {"arch": "unet"');
  cases.push({ command: 'train', name: 'corrupt train.json (--resume)', args: ['train', '--resume', run], expect: 'error', message: /train\.json/ });
  const run2 = p('run-trunc');
  const okRun = spawnSync(process.execPath, [BIN, ...train(good, ['--quiet', '--arch', 'unet', '--width', '4', '--depth', '2']).slice(0, -2), '--out', run2], { encoding: 'utf8' });
  if (okRun.status !== 0) throw new Error(`corpus: the reference run failed: ${okRun.stderr}`);
  fs.writeFileSync(path.join(run2, 'last.safetensors'), half(fs.readFileSync(path.join(run2, 'last.safetensors'))));
  cases.push({ command: 'train', name: 'truncated checkpoint (--resume)', args: ['train', '--resume', run2, '--epochs', '2'], expect: 'error', message: /last\.safetensors/ });
  fs.writeFileSync(p('bad.safetensors'), Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123, 34]));
  cases.push({ command: 'train', name: 'corrupt --init-weights', args: train(good, ['--init-weights', p('bad.safetensors')]), expect: 'error', message: /bad\.safetensors/ });
  // Distillation: a teacher that is not a model, of other classes, or a weight without a teacher.
  cases.push({ command: 'train', name: 'missing --teacher', args: train(good, ['--teacher', p('no-teacher')]), expect: 'error', message: /^pixelwise: --teacher \S*no-teacher: no such folder/ });
  cases.push({ command: 'train', name: '--teacher of other classes', args: train(good, ['--teacher', VOC]), expect: 'error', message: /^pixelwise: --teacher \S+: predicts 21 classes/ });
  cases.push({ command: 'train', name: '--distill-weight without --teacher', args: train(good, ['--distill-weight', '0.5']), expect: 'error', message: /^pixelwise: --distill-weight needs --teacher/ });
  cases.push({ command: 'train', name: '--distill-weight out of range', args: train(good, ['--teacher', run2, '--distill-weight', '2']), expect: 'error', message: /^pixelwise: --distill-weight 2: .*0\.\.1/ });
  cases.push({ command: 'predict', name: 'corrupt --weights', args: ['predict', PHOTO, '--model', run2, '--weights', p('bad.safetensors'), ...predictOut()], expect: 'error', message: /bad\.safetensors/ });
  fs.writeFileSync(p('bad.pth'), Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)]));
  cases.push({ command: 'import', name: 'corrupt .pth', args: ['import', '--preset', 'espnetv2-voc', '--from', p('bad.pth'), '--out', p('imported')], expect: 'error', message: /bad\.pth/ });
  fs.writeFileSync(p('text.pth'), 'not a checkpoint');
  cases.push({ command: 'import', name: 'text file as .pth', args: ['import', '--preset', 'espnetv2-voc', '--from', p('text.pth'), '--out', p('imported2')], expect: 'error', message: /text\.pth/ });
  // A preset named like a property every object has (was taken for a preset: an internal error for .tflite).
  cases.push({ command: 'import', name: '--preset named like an object property', args: ['import', '--preset', 'toString', '--from', p('text.pth'), '--out', p('imported12')], expect: 'error', message: /^pixelwise: --preset toString: unknown; available: / });
  cases.push({ command: 'import', name: '--input-size not a multiple of 32 for a checkpoint', args: ['import', '--preset', 'espnetv2-voc', '--from', p('text.pth'), '--input-size', '300x500', '--out', p('imported4')], expect: 'error', message: /^pixelwise: --input-size 300x500: this network needs sides that are multiples of 32 \(e\.g\. 288x512\)$/ });
  writeSafetensors(p('empty.safetensors'), []);
  cases.push({ command: 'import', name: 'safetensors without the model\'s tensors', args: ['import', '--preset', 'espnetv2-voc', '--from', p('empty.safetensors'), '--out', p('imported3')], expect: 'error', message: /empty\.safetensors|missing/ });
  // ONNX graphs made elsewhere: cut short, text, a model folder whose processor file is cut short.
  fs.writeFileSync(p('cut.onnx'), fs.readFileSync('models/person/model.onnx').subarray(0, 200_000));
  cases.push({ command: 'import', name: 'truncated .onnx', args: ['import', '--from', p('cut.onnx'), '--mean', '0,0,0', '--std', '1,1,1', '--out', p('imported5')], expect: 'error', message: /^pixelwise: \S*cut\.onnx: not an ONNX model/ });
  fs.writeFileSync(p('text.onnx'), 'not a graph');
  cases.push({ command: 'import', name: 'text file as .onnx', args: ['import', '--from', p('text.onnx'), '--out', p('imported6')], expect: 'error', message: /^pixelwise: \S*text\.onnx: not an ONNX model/ });
  fs.mkdirSync(p('hf-model/onnx'), { recursive: true });
  fs.copyFileSync('models/person/model.onnx', p('hf-model/onnx/model.onnx'));
  fs.writeFileSync(p('hf-model/preprocessor_config.json'), '{"do_resize": true, "size": {"hei');
  cases.push({ command: 'import', name: 'model folder with a truncated preprocessor_config.json', args: ['import', '--from', p('hf-model'), '--out', p('imported7')], expect: 'error', message: /^pixelwise: \S*preprocessor_config\.json: not valid JSON/ });
  // A padding for a graph of fixed size; an input size its scores (a quarter of the input) cannot follow.
  const fixtures = path.resolve('test/fixtures/torch_exports');
  cases.push({ command: 'import', name: '--pad-multiple for a graph of fixed size', args: ['import', '--from', `${fixtures}/unet-sigmoid.onnx`, '--mean', '0,0,0', '--std', '1,1,1', '--pad-multiple', '8', '--out', p('imported8')], expect: 'error', message: /^pixelwise: --pad-multiple 8: for a graph that takes any size; this one runs at 128x128 \(its own size\)$/ });
  // A preset that resizes to the graph's size, for a graph of any size; a preset of another importer.
  cases.push({ command: 'import', name: 'the image-segmentation-keras preset for a graph of any size', args: ['import', '--from', `${fixtures}/deeplabv3.onnx`, '--preset', 'image-segmentation-keras', '--out', p('imported9')], expect: 'error', message: /^pixelwise: --preset image-segmentation-keras: resizes every image to the graph's input size, and this graph takes any size; give --input-size HxW, the size it was trained at$/ });
  cases.push({ command: 'import', name: 'a checkpoint preset for an ONNX graph', args: ['import', '--from', `${fixtures}/unet-sigmoid.onnx`, '--preset', 'deeplabv3-voc', '--out', p('imported10')], expect: 'error', message: /^pixelwise: --preset deeplabv3-voc: not one for an ONNX graph or a Keras model; available: image-segmentation-keras, keras-caffe, keras-tf, keras-torch, keras-raw$/ });
  // HDF5 cut short (a Keras model, and encoder weights): HDF5's own error stack is not printed.
  const keras = fs.readFileSync(path.resolve('test/fixtures/keras/unet_tutorial.h5'));
  fs.writeFileSync(p('cut.h5'), keras.subarray(0, 3000));
  cases.push({ command: 'import', name: 'a Keras .h5 cut short', args: ['import', '--from', p('cut.h5'), '--mean', '0,0,0', '--std', '1,1,1', '--out', p('imported11')], expect: 'error', message: /^pixelwise: \S*cut\.h5: not a readable HDF5 file \(damaged or cut short\)$/ });
  fs.writeFileSync(p('cut.keras'), fs.readFileSync(path.resolve('test/fixtures/keras_zoo/oxford_pets.keras')).subarray(0, 5000));
  cases.push({ command: 'import', name: 'a Keras 3 archive cut short', args: ['import', '--from', p('cut.keras'), '--mean', '0,0,0', '--std', '1,1,1', '--out', p('imported13')], expect: 'error', message: /^pixelwise: \S*cut\.keras: a damaged zip \(.+\); save the model again$/ });
  // TF.js models: a graph model (a TensorFlow graph), and a layers model whose weight shard was not copied.
  fs.writeFileSync(p('graph-model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
  cases.push({ command: 'import', name: 'a TF.js graph model', args: ['import', '--from', p('graph-model.json'), '--out', p('imported14')], expect: 'error', message: /^pixelwise: \S*graph-model\.json: a TF\.js graph model \(a TensorFlow graph, converted from a SavedModel\); pixelwise reads TF\.js layers models \(Keras\): convert the source model to ONNX \(tf2onnx\) or TensorFlow Lite and import that$/ });
  fs.mkdirSync(p('tfjs-no-shard'), { recursive: true });
  fs.writeFileSync(p('tfjs-no-shard', 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { layers: [] } }, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'c/kernel', shape: [3, 3, 3, 8], dtype: 'float32' }] }] }));
  cases.push({ command: 'import', name: 'a TF.js layers model folder without its weight shard', args: ['import', '--from', p('tfjs-no-shard'), '--out', p('imported15')], expect: 'error', message: /^pixelwise: \S*model\.json: its weight shard group1-shard1of1\.bin is not beside it \(\S+\); copy the model's \.bin files with its model\.json$/ });
  // A TFLite graph converted without a fixed input size (its shapes hold placeholder sides of 1).
  fs.writeFileSync(p('free-size.tflite'), buildTflite([{ shape: [1, 1, 1, 3], signature: [1, -1, -1, 3] }, { shape: [1, 1, 1, 3], signature: [1, -1, -1, 3] }], [{ code: OP.TANH, inputs: [0], outputs: [1] }], [0], [1]));
  cases.push({ command: 'import', name: 'a TFLite graph of no fixed input size', args: ['import', '--from', p('free-size.tflite'), '--mean', '0,0,0', '--std', '1,1,1', '--out', p('imported16')], expect: 'error', message: /^pixelwise: \S*free-size\.tflite: its input size is not fixed \(\[1, -1, -1, 3\]\); pixelwise converts graphs of a fixed size/ });
  cases.push({ command: 'train', name: '--encoder-weights: an .h5 cut short', args: train(ds('h5'), ['--arch', 'vgg_unet', '--encoder-weights', p('cut.h5')]), expect: 'error', message: /cut\.h5: not a readable HDF5 file \(damaged or cut short\)$/ });
  const quarter = p('segformer');
  const imported = spawnSync(process.execPath, [BIN, 'import', '--from', `${fixtures}/tiny-segformer`, '--out', quarter], { encoding: 'utf8' });
  if (imported.status !== 0) throw new Error(`corpus: import of the SegFormer fixture: ${imported.stderr}`);
  cases.push({ command: 'predict', name: '--input-size its scores at a quarter cannot follow', args: ['predict', PHOTO, '--model', quarter, '--input-size', '250x250', ...predictOut()], expect: 'error', message: /^pixelwise: --input-size 250x250: this model's scores come at 1\/4 of its input: give sides that are multiples of 4 \(e\.g\. 252x252\)$/ });
  const fixedGraph = p('fixed-unet');
  const importedFixed = spawnSync(process.execPath, [BIN, 'import', '--from', `${fixtures}/unet-sigmoid.onnx`, '--mean', '0,0,0', '--std', '1,1,1', '--out', fixedGraph], { encoding: 'utf8' });
  if (importedFixed.status !== 0) throw new Error(`corpus: import of the fixed-size U-Net fixture: ${importedFixed.stderr}`);
  cases.push({ command: 'predict', name: '--tta scales on a graph of one size', args: ['predict', PHOTO, '--model', fixedGraph, '--tta', 'flip,0.75,1', ...predictOut()], expect: 'error', message: /^pixelwise: --tta 0\.75,1: this model's graph takes 128x128 \(height x width\) only: its ONNX file fixes the size, so other scales cannot run; mirror TTA \(flip, flip2, d4\) can$/ });
  cases.push({ command: 'predict', name: '--input-size other than the size its graph fixes', args: ['predict', PHOTO, '--model', fixedGraph, '--input-size', '64x64', ...predictOut()], expect: 'error', message: /^pixelwise: --input-size 64x64: this model's graph takes 128x128 \(height x width\) only: its ONNX file fixes the size; leave the input size out$/ });
  // Annotation exports.
  fs.writeFileSync(p('coco-missing.json'), JSON.stringify({ images: [{ id: 1, file_name: 'nowhere.jpg', width: 4, height: 4 }], annotations: [], categories: [] }));
  cases.push({ command: 'convert', name: 'COCO image not in --images', args: ['convert', '--from', 'coco', p('coco-missing.json'), '--images', good.images, '--out', p('conv1')], expect: 'error', message: /nowhere\.jpg" is not in --images/ });
  fs.writeFileSync(p('coco-trunc.json'), '{"images": [{"id": 1, "file_na');
  cases.push({ command: 'convert', name: 'truncated COCO JSON', args: ['convert', '--from', 'coco', p('coco-trunc.json'), '--images', good.images, '--out', p('conv2')], expect: 'error', message: /coco-trunc\.json: not valid JSON/ });
  fs.writeFileSync(p('cvat-bad.xml'), '<annotations><image id="0" name="a.png"><polygon label="x" points="1,1;2,2"/>');
  cases.push({ command: 'convert', name: 'unclosed CVAT XML', args: ['convert', '--from', 'cvat', p('cvat-bad.xml'), '--images', good.images, '--out', p('conv3')], expect: 'error', message: /cvat-bad\.xml/ });
  // Hugging Face datasets (Parquet).
  const numbers = Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'id', data: [1, 2, 3] }, { name: 'caption', data: ['a', 'b', 'c'] }] }));
  fs.mkdirSync(p('pq'), { recursive: true });
  fs.writeFileSync(p('pq', 'train-truncated.parquet'), half(numbers));
  cases.push({ command: 'convert', name: 'Parquet: truncated file', args: ['convert', '--from', 'parquet', p('pq', 'train-truncated.parquet'), '--out', p('conv4')], expect: 'error', message: /train-truncated\.parquet: not a readable Parquet file/ });
  fs.writeFileSync(p('pq', 'text.parquet'), 'id,caption\n1,a\n');
  cases.push({ command: 'convert', name: 'Parquet: text named .parquet', args: ['convert', '--from', 'parquet', p('pq', 'text.parquet'), '--out', p('conv5')], expect: 'error', message: /text\.parquet: not a readable Parquet file/ });
  fs.writeFileSync(p('pq', 'numbers.parquet'), numbers);
  cases.push({ command: 'convert', name: 'Parquet: no image columns', args: ['convert', '--from', 'parquet', p('pq', 'numbers.parquet'), '--out', p('conv6')], expect: 'error', message: /numbers\.parquet: cannot tell the image and mask columns apart \(columns: id, caption; of images: none\)/ });
  fs.writeFileSync(p('synthetic-classes.json'), JSON.stringify(SYNTHETIC_CLASSES));
  cases.push({ command: 'train', name: '--select-classes naming no class', args: ['train', '--images', good.images, '--masks', good.masks, '--class-file', p('synthetic-classes.json'), '--select-classes', 'dsc', '--input-size', '32x32', '--epochs', '1', '--out', p('runs', String(cases.length))], expect: 'error', message: /^pixelwise: --select-classes dsc: no such class in the dataset \(classes: background, disc, box, stripe\)/ });
  // A class file that is a mask (named by mistake), and a labels.txt numbered out of order: refused, not read as names.
  cases.push({ command: 'train', name: '--class-file a mask PNG', args: ['train', '--images', good.images, '--masks', good.masks, '--class-file', path.join(good.masks, 'sample_000.png'), '--input-size', '32x32', '--epochs', '1', '--out', p('runs', String(cases.length))], expect: 'error', message: /^pixelwise: .*sample_000\.png: binary data, not a class list \(an image or a mask\?\)/ });
  fs.writeFileSync(p('labels-gap.txt'), '0\tbackground\n1\tdisc\n3\tbox\n');
  cases.push({ command: 'train', name: '--class-file a labels.txt with a gap in its ids', args: ['train', '--images', good.images, '--masks', good.masks, '--class-file', p('labels-gap.txt'), '--input-size', '32x32', '--epochs', '1', '--out', p('runs', String(cases.length))], expect: 'error', message: /^pixelwise: .*labels-gap\.txt: line "3\tbox" gives class 3 where 2 comes next; number the classes 0, 1, 2, \.\.\. in order/ });
  const noMasks = (extra: string[]) => ['train', '--images', good.images, ...extra, '--input-size', '32x32', '--epochs', '1', '--out', p('runs', String(cases.length))];
  cases.push({ command: 'train', name: 'images without masks or a teacher', args: noMasks([]), expect: 'error', message: /^pixelwise: --masks is required with --images \(.*or --teacher MODEL to learn from a model's probabilities on the images alone\)/ });
  cases.push({ command: 'train', name: 'images without masks: a loss of masks', args: noMasks(['--teacher', VOC, '--loss', 'dice']), expect: 'error', message: /^pixelwise: --loss dice: applies to masks, and --images .* has none/ });
  cases.push({ command: 'train', name: 'images without masks: other classes ignored', args: noMasks(['--teacher', VOC, '--select-classes', 'person', '--others', 'ignore']), expect: 'error', message: /^pixelwise: --others ignore: without masks every pixel has the teacher's probabilities/ });
  cases.push({ command: 'train', name: '--teacher-view without a teacher', args: ['train', '--images', good.images, '--masks', good.masks, '--classes', '4', '--teacher-view', 'image', '--input-size', '32x32', '--epochs', '1', '--out', p('runs', String(cases.length))], expect: 'error', message: /^pixelwise: --teacher-view needs --teacher MODEL/ });
  cases.push({ command: 'train', name: 'images without masks: a teacher that is not there', args: noMasks(['--teacher', p('no-teacher')]), expect: 'error', message: /^pixelwise: --teacher .*no-teacher: no such folder/ });
  cases.push({ command: 'predict', name: '--probabilities naming no class', args: ['predict', PHOTO, '--model', VOC, '--probabilities', 'persn', ...predictOut()], expect: 'error', message: /^pixelwise: --probabilities persn: no such class in this model/ });
  // The evaluation and ranking commands.
  cases.push({ command: 'compare', name: 'without masks: a gate that needs them', args: ['compare', VOC, VOC, '--images', good.images, '--boundary', '--report', p('cmp2')], expect: 'error', message: /^pixelwise: --boundary: scores against masks, and --images .* comes without them/ });
  cases.push({ command: 'compare', name: '--precision-b of a model without an 8-bit graph', args: ['compare', VOC, VOC, '--images', good.images, '--precision-b', 'int8', '--report', p('cmp3')], expect: 'error', message: /^pixelwise: --precision-b int8: .* has no 8-bit graph; make one with pixelwise quantize/ });
  cases.push({ command: 'compare', name: 'models of other classes', args: ['compare', VOC, path.resolve('models/camvid'), '--images', good.images, '--masks', good.masks, '--report', p('cmp')], expect: 'error', message: /predicts other classes than/ });
  cases.push({ command: 'calibrate', name: 'a shipped model in place', args: ['calibrate', '--model', 'voc-fast', '--images', good.images, '--masks', good.masks], expect: 'error', message: /not changed in place; give --out/ });
  cases.push({ command: 'evaluate', name: '--per-image of another kind', args: ['evaluate', '--model', VOC, '--images', good.images, '--masks', good.masks, '--per-image', p('per.txt'), '--report', p('ev')], expect: 'error', message: /--per-image .*\.csv or \.json/ });
  fs.writeFileSync(p('classmap-trunc.json'), '{"person": "hum');
  cases.push({ command: 'evaluate', name: '--class-map naming no class', args: ['evaluate', '--model', VOC, '--images', good.images, '--masks', good.masks, '--class-file', 'camvid', '--class-map', 'persn=Pedestrian', '--report', p('ev2')], expect: 'error', message: /^pixelwise: --class-map the pairs given: "persn" is none of the model's classes \(background, aeroplane/ });
  cases.push({ command: 'evaluate', name: '--class-map a truncated JSON file', args: ['evaluate', '--model', VOC, '--images', good.images, '--masks', good.masks, '--class-file', 'camvid', '--class-map', p('classmap-trunc.json'), '--report', p('ev3')], expect: 'error', message: /^pixelwise: --class-map .*classmap-trunc\.json: not valid JSON/ });
  cases.push({ command: 'evaluate', name: '--class-map a missing JSON file', args: ['evaluate', '--model', VOC, '--images', good.images, '--masks', good.masks, '--class-file', 'camvid', '--class-map', p('nowhere.json'), '--report', p('ev4')], expect: 'error', message: /^pixelwise: --class-map .*nowhere\.json: no such file; give a JSON file of pairs/ });
  fs.mkdirSync(p('mapillary', 'training', 'images'), { recursive: true });
  fs.mkdirSync(p('mapillary', 'training', 'v1.2', 'labels'), { recursive: true });
  cases.push({ command: 'verify', name: 'a Mapillary Vistas copy without its config file', args: ['verify', '--data', p('mapillary'), '--layout', 'mapillary'], expect: 'error', message: /no config_v1\.2\.json or config\.json in it/ });
  cases.push({ command: 'rank', name: 'an empty folder', args: ['rank', '--images', p('empty-dir'), '--model', VOC, '--out', p('rank')], expect: 'error', message: /no images/ });
  fs.mkdirSync(p('empty-dir'), { recursive: true });
  // Videos.
  fs.writeFileSync(p('fake.mp4'), 'not a video');
  cases.push({ command: 'video', name: 'text named .mp4', args: ['video', p('fake.mp4'), '--out', p('v.mp4')], expect: 'error', message: /fake\.mp4/ });
  const real = p('real.mp4');
  spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', '1', '-pix_fmt', 'yuv420p', real]);
  fs.writeFileSync(p('cut.mp4'), half(fs.readFileSync(real)));
  cases.push({ command: 'video', name: 'truncated MP4', args: ['video', p('cut.mp4'), '--out', p('v2.mp4')], expect: 'error', message: /cut\.mp4/ });
  cases.push({ command: 'video', name: 'not a video on stdin', args: ['video', '-', '--out', '-'], stdin: Buffer.from('garbage'), expect: 'error', message: /stdin/ });
  cases.push({ command: 'video', name: '--effect transparent into H.264', args: ['video', p('real.mp4'), '--effect', 'transparent', '--out', p('clear.mp4')], expect: 'error', message: /^pixelwise: --out .*clear\.mp4: H\.264 keeps no transparency/ });
  // Listing and serving.
  cases.push({ command: 'models', name: 'unknown option', args: ['models', '--bogus'], expect: 'error', message: /unknown option '--bogus'/ });
  cases.push({ command: 'serve', name: '--models folder missing', args: ['serve', '--models', p('nope'), '--port', '0'], expect: 'error', message: /--models .*nope/ });
  cases.push({ command: 'serve', name: 'port out of range', args: ['serve', '--port', '70000'], expect: 'error', message: /--port 70000/ });
  await roundTwo(root, cases, { good, run2, real });
  return cases;
}

/** The classes of failure the second outside check found (issue 24), each with cases of its own. */
async function roundTwo(root: string, cases: Case[], made: { good: { images: string; masks: string }; run2: string; real: string }): Promise<void> {
  const p = (...s: string[]) => path.join(root, 'r2', ...s);
  fs.mkdirSync(p(), { recursive: true });
  const ff = (args: string[]) => { const r = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args]); if (r.status !== 0) throw new Error(`corpus: ffmpeg ${args.join(' ')}: ${r.stderr}`); };
  const add = (cls: string, c: Case) => cases.push({ ...c, cls });
  const copyDs = (name: string) => { const d = p('ds', name); fs.cpSync(path.dirname(made.good.images), d, { recursive: true }); return { images: path.join(d, 'images'), masks: path.join(d, 'masks'), dir: d }; };
  const train = (x: { images: string; masks: string }, extra: string[] = [], o: { out?: string; classes?: number } = {}) => ['train', '--images', x.images, '--masks', x.masks, '--classes', String(o.classes ?? 4), '--input-size', '32x32', '--epochs', '1', '--width', '4', '--depth', '2', '--quiet', '--out', o.out ?? p('runs', String(cases.length)), ...extra];

  // Video: encoder failures end in one line; odd sizes and rotation work; signals leave nothing.
  const HANG = 'video: encoder failures, odd sizes, rotation, signals';
  ff(['-f', 'lavfi', '-i', 'testsrc=size=65x49:rate=10', '-t', '1', '-c:v', 'mjpeg', p('odd.avi')]);
  add(HANG, { command: 'video', name: 'odd frame size 65x49 (padded for H.264)', args: ['video', p('odd.avi'), '--out', p('odd.mp4'), '--max-frames', '3', '--quiet'], expect: 'ok' });
  ff(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', '1', '-pix_fmt', 'yuv420p', p('plain.mp4')]);
  ff(['-i', p('plain.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90', p('rotated.mp4')]);
  add(HANG, { command: 'video', name: 'phone video with rotation metadata', args: ['video', p('rotated.mp4'), '--out', p('rotated-out.mp4'), '--max-frames', '3', '--quiet'], expect: 'ok' });
  add(HANG, { command: 'video', name: '--mask-video into a missing folder', args: ['video', made.real, '--out', p('mv.mp4'), '--mask-video', p('no', 'such', 'dir', 'm.mp4'), '--max-frames', '3', '--quiet'], expect: 'ok' });
  fs.mkdirSync(p('a-folder'));
  add(HANG, { command: 'video', name: '--out naming a folder', args: ['video', made.real, '--out', p('a-folder')], expect: 'error', message: /--out .*a-folder: is a folder/ });
  fs.mkdirSync(p('ro'));
  const ro = inMount(p('ro'), 'read-only');
  if (ro) {
    add(HANG, { command: 'video', name: '--out on a read-only mount', args: ['video', made.real, '--out', p('ro', 'v.mp4')], wrap: ro, expect: 'error', message: /--out .*read-only/ });
    add('output paths checked before the work', { command: 'predict', name: '--out on a read-only mount', args: ['predict', PHOTO, '--out', p('ro', 'pred')], wrap: ro, expect: 'error', message: /--out .*read-only/ });
    add('output paths checked before the work', { command: 'train', name: '--out on a read-only mount', args: train(made.good, [], { out: p('ro', 'run') }), wrap: ro, expect: 'error', message: /--out .*read-only/ });
  }
  fs.mkdirSync(p('full'));
  const full = inMount(p('full'), 'full');
  // A run of our own with whole checkpoints (the round-one run's last.safetensors is truncated on purpose).
  const run = p('good-run');
  const made2 = spawnSync(process.execPath, [BIN, ...train(made.good, [], { out: run })], { encoding: 'utf8' });
  if (made2.status !== 0) throw new Error(`corpus: the reference run failed: ${made2.stderr}`);
  // Long enough that a signal lands mid-run.
  ff(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '40', '-pix_fmt', 'yuv420p', p('long.mp4')]);
  // Noise barely compresses, so the encoder meets the full disk within its first frames out.
  ff(['-f', 'lavfi', '-i', "nullsrc=size=320x240:rate=25,geq=lum='random(1)*255':cb=128:cr=128", '-t', '4', '-pix_fmt', 'yuv420p', p('noise.mp4')]);
  if (full) add('data loss', { command: 'video', name: 'full disk during video', args: ['video', p('noise.mp4'), '--model', 'person', '--out', p('full', 'v.mp4'), '--quiet'], wrap: full, outputs: [p('full', 'v.mp4')], expect: 'error', message: /v\.mp4: the disk is full/ });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    add(HANG, { command: 'video', name: `${signal} during video`, args: ['video', p('long.mp4'), '--out', p(`sig-${signal}.mp4`), '--mask-video', p(`sig-${signal}-mask.mp4`), '--quiet'], outputs: [p(`sig-${signal}-mask.mp4`)], kill: { signal, ms: 1500, once: p(`sig-${signal}.mp4.partial.mp4`) }, expect: 'error', message: new RegExp(`stopped by ${signal}`) });
  }

  // A command without its own signal handling (predict): one line, the shell's code, no temp file
  // beside the outputs (Node's default action could land inside an atomic write).
  fs.mkdirSync(p('many'));
  for (let i = 0; i < 60; i++) fs.copyFileSync(PHOTO, p('many', `img${String(i).padStart(2, '0')}.png`));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    add('signals during predict (continued by --resume)', { command: 'predict', name: `${signal} during predict`, args: ['predict', p('many'), '--model', 'camvid-fast', '--out', p(`sig-predict-${signal}`), '--quiet'], kill: { signal, ms: 300, once: p(`sig-predict-${signal}`, 'img00_labels.png') }, expect: 'error', message: new RegExp(`stopped by ${signal}; the files of \\d+ of \\d+ images are complete; the same command with --resume predicts the other \\d+$`) });
  }

  // Output paths that cannot be used are refused before the work, naming the option.
  const OUT = 'output paths checked before the work';
  fs.writeFileSync(p('a-file'), 'not a folder\n');
  add(OUT, { command: 'predict', name: '--out naming an existing file', args: ['predict', PHOTO, '--out', p('a-file')], unchanged: [p('a-file')], expect: 'error', message: /--out .*a-file: is a file/ });
  add(OUT, { command: 'train', name: '--out naming an existing file', args: train(made.good, [], { out: p('a-file') }), unchanged: [p('a-file')], expect: 'error', message: /--out .*a-file: is a file/ });
  add(OUT, { command: 'evaluate', name: '--report naming an existing file', args: ['evaluate', '--model', VOC, '--images', made.good.images, '--masks', made.good.masks, '--report', p('a-file')], unchanged: [p('a-file')], expect: 'error', message: /--report .*a-file: is a file/ });
  add(OUT, { command: 'export', name: '--package naming an existing file', args: ['export', '--model', made.run2, '--package', p('a-file')], unchanged: [p('a-file')], expect: 'error', message: /--package .*a-file: is a file/ });
  add(OUT, { command: 'export', name: '--out naming a folder', args: ['export', '--model', made.run2, '--out', p('a-folder')], expect: 'error', message: /--out .*a-folder: is a folder; name a file \(e\.g\. .*a-folder\/out\.onnx\)/ });
  add(OUT, { command: 'video', name: '--labels-dir naming an existing file', args: ['video', made.real, '--out', p('ld.mp4'), '--labels-dir', p('a-file')], unchanged: [p('a-file')], outputs: [p('ld.mp4')], expect: 'error', message: /--labels-dir .*a-file: is a file/ });
  add(OUT, { command: 'train', name: '--out below a file', args: train(made.good, [], { out: p('a-file', 'run') }), expect: 'error', message: /a-file is a file, not a folder/ });
  // /proc takes no new folders, and Node's recursive mkdir spins there for ever (not even Ctrl-C ends it).
  if (fs.existsSync('/proc/self')) {
    add(OUT, { command: 'predict', name: '--out below /proc', args: ['predict', PHOTO, '--out', '/proc/pixelwise-out'], expect: 'error', message: /\/proc\/pixelwise-out: \/proc does not take new folders; choose another path/ });
    add(OUT, { command: 'export', name: '--out file below /proc', args: ['export', '--model', made.run2, '--out', '/proc/pixelwise-out/m.onnx'], expect: 'error', message: /--out \/proc\/pixelwise-out\/m\.onnx: cannot create its folder \/proc\/pixelwise-out \(\/proc does not take new folders\)/ });
  }
  add(OUT, { command: 'predict', name: '--input-size 99999x99999', args: ['predict', PHOTO, '--input-size', '99999x99999', '--out', p('big')], expect: 'error', message: /input-size/ });
  add(OUT, { command: 'predict', name: '--input-size 9999x9999 (over 32 megapixels)', args: ['predict', PHOTO, '--input-size', '9999x9999', '--out', p('big2')], expect: 'error', message: /--input-size 9999x9999: at most 32 megapixels/ });

  // Silent wrong results: masks read as they are, settings that cannot learn refused.
  const WRONG = 'silent wrong results';
  const oneBit = copyDs('one-bit');
  for (const f of fs.readdirSync(oneBit.masks)) {
    const m = readMask(path.join(oneBit.masks, f));
    fs.writeFileSync(path.join(oneBit.masks, f), lowBitPng(m.data.map((v) => (v > 0 ? 1 : 0)), m.width, m.height, 1));
  }
  add(WRONG, { command: 'train', name: '1-bit binary masks', args: train(oneBit, [], { classes: 2, out: p('runs', 'one-bit') }), expect: 'ok' });
  add(WRONG, { command: 'train', name: '--classes 1 (binary mode: one sigmoid output)', args: train(oneBit, [], { classes: 1 }), expect: 'ok' });
  fs.writeFileSync(p('three-classes.json'), JSON.stringify([{ name: 'a', color: [1, 0, 0] }, { name: 'b', color: [2, 0, 0] }, { name: 'c', color: [3, 0, 0] }]));
  add(WRONG, { command: 'train', name: '--classes 1 with a class file of three classes', args: train(oneBit, ['--class-file', p('three-classes.json')], { classes: 1 }), expect: 'error', message: /--classes 1 \(binary\): .*three-classes\.json lists 3 classes/ });
  add(WRONG, { command: 'verify', name: '--classes 1 (binary masks)', args: ['verify', '--images', oneBit.images, '--masks', oneBit.masks, '--classes', '1', '--quiet'], expect: 'ok' });
  const bmps = p('bmp'); fs.mkdirSync(bmps);
  const pal: [number, number, number][] = [[250, 20, 20], [20, 250, 20], [20, 20, 250]];
  const idx = Uint8Array.from({ length: 40 * 30 }, (_, i) => ((i % 40) >> 4) % 3);
  fs.writeFileSync(path.join(bmps, 'palette.bmp'), bmpFile(idx, 40, 30, 8, pal));
  fs.writeFileSync(path.join(bmps, 'top-down.bmp'), bmpFile(idx, 40, 30, 8, pal, true));
  add(WRONG, { command: 'predict', name: '8-bit palette and top-down BMP', args: ['predict', bmps, '--out', p('bmp-out'), '--quiet'], expect: 'ok' });
  const photoMask = copyDs('photo-mask');
  fs.copyFileSync(PHOTO, path.join(photoMask.masks, 'sample_001.png'));
  add(WRONG, { command: 'evaluate', name: 'an RGB photo given as a mask', args: ['evaluate', '--model', VOC, '--images', photoMask.images, '--masks', photoMask.masks, '--report', p('rep1')], expect: 'error', message: /sample_001\.png: (mask is|\d+ pixels have colours)/ });
  const outOfRange = copyDs('out-of-range');
  for (const f of fs.readdirSync(outOfRange.masks)) fs.writeFileSync(path.join(outOfRange.masks, f), encode({ width: 32, height: 32, data: new Uint8Array(32 * 32).fill(77), channels: 1, depth: 8 }));
  add(WRONG, { command: 'evaluate', name: 'masks all out of range', args: ['evaluate', '--model', VOC, '--images', outOfRange.images, '--masks', outOfRange.masks, '--report', p('rep2')], expect: 'error', message: /label 77 is neither one of the 21 class ids \(0\.\.20\) nor the ignore label 255/ });
  const allIgnored = copyDs('all-ignored');
  for (const f of fs.readdirSync(allIgnored.masks)) fs.writeFileSync(path.join(allIgnored.masks, f), encode({ width: 32, height: 32, data: new Uint8Array(32 * 32).fill(255), channels: 1, depth: 8 }));
  add(WRONG, { command: 'train', name: 'every mask pixel is the ignore label', args: train(allIgnored), expect: 'error', message: /every mask pixel is the ignore label 255/ });
  add(WRONG, { command: 'evaluate', name: 'every mask pixel is the ignore label', args: ['evaluate', '--model', VOC, '--images', allIgnored.images, '--masks', allIgnored.masks, '--report', p('rep3')], expect: 'error', message: /no pixel was scored/ });
  add(WRONG, { command: 'train', name: '--lr -1', args: train(made.good, ['--lr', '-1']), expect: 'error', message: /--lr -1: the learning rate must be above 0/ });
  add(WRONG, { command: 'train', name: '--aug-color 3 (pictures scaled by negative factors)', args: train(made.good, ['--aug-color', '3']), expect: 'error', message: /--aug-color 3: expected a jitter of 0 \(none\) to below 1/ });
  add(WRONG, { command: 'train', name: '--class-weights 0,0,0,0', args: train(made.good, ['--class-weights', '0,0,0,0']), expect: 'error', message: /--class-weights 0,0,0,0/ });
  add(WRONG, { command: 'train', name: '--resume with another --arch', args: ['train', '--resume', run, '--arch', 'fcn8', '--epochs', '2'], unchanged: [path.join(run, 'train.json'), path.join(run, 'last.safetensors')], expect: 'error', message: /--arch cannot change on resume/ });
  const stems = copyDs('same-stem');
  fs.copyFileSync(path.join(stems.images, 'sample_001.png'), path.join(stems.images, 'sample_001.bmp'));
  add(WRONG, { command: 'verify', name: 'two images with one stem (a.bmp, a.png)', args: ['verify', '--images', stems.images, '--masks', stems.masks, '--classes', '4', '--quiet'], report: true, expect: 'error', message: /sample_001\.png: has the same name as sample_001\.bmp/ });
  add(WRONG, { command: 'train', name: 'two images with one stem (a.bmp, a.png)', args: train(stems), expect: 'error', message: /has the same name as sample_001\.bmp/ });
  const jpegMask = copyDs('jpeg-mask');
  await sharp(path.join(jpegMask.masks, 'sample_001.png')).jpeg().toFile(path.join(jpegMask.masks, 'sample_001.jpg'));
  fs.rmSync(path.join(jpegMask.masks, 'sample_001.png'));
  add(WRONG, { command: 'verify', name: 'a JPEG mask', args: ['verify', '--images', jpegMask.images, '--masks', jpegMask.masks, '--classes', '4', '--quiet'], report: true, expect: 'error', message: /sample_001\.jpg: masks must be PNG files/ });
  add(WRONG, { command: 'train', name: '--channels 0', args: train(made.good, ['--channels', '0']), expect: 'error', message: /--channels 0: expected auto or a band count 1\.\.64/ });
  add(WRONG, { command: 'train', name: '--channels 4 on RGB images', args: train(made.good, ['--channels', '4']), expect: 'error', message: /sample_\d+\.png: 3 bands but --channels 4/ });
  add(WRONG, { command: 'predict', name: '--display-bands beyond an RGB image\'s', args: ['predict', PHOTO, '--display-bands', '4,3,2', '--out', p('disp')], expect: 'error', message: /--display-bands 4,3,2: .*bands 1\.\.3/ });
  add(WRONG, { command: 'batch', name: '--queue not a Redis URL', args: ['batch', 'status', '--queue', 'http://localhost:6379'], expect: 'error', message: /--queue http:\/\/localhost:6379: expected a redis:\/\/ or rediss:\/\/ URL/ });
  add(WRONG, { command: 'predict', name: '--weights last (by name)', args: ['predict', PHOTO, '--model', run, '--weights', 'last', '--out', p('w-last')], expect: 'ok' });
  add(WRONG, { command: 'predict', name: '--weights with the checkpoint\'s path', args: ['predict', PHOTO, '--model', run, '--weights', path.join(run, 'last.safetensors'), '--out', p('w-path')], expect: 'ok' });
  // A package holding its weights and a pre-exported graph ran the graph whatever --weights said.
  add(WRONG, { command: 'predict', name: '--weights naming no checkpoint of a package with its graph', args: ['predict', PHOTO, '--model', VOC, '--weights', 'nope', '--out', p('w-nope')], expect: 'error', message: /--weights nope: no such checkpoint/ });
  add(WRONG, { command: 'predict', name: '--weights for a graph without weights (shipped voc)', args: ['predict', PHOTO, '--model', 'voc', '--weights', 'best', '--out', p('w-voc')], expect: 'error', message: /--weights best: \S*voc is an ONNX graph with no TF\.js weights to replace/ });

  // Data loss: outputs never replace inputs or foreign folders.
  const LOSS = 'data loss';
  const dup = p('dup'); fs.mkdirSync(dup);
  await sharp(PHOTO).jpeg().toFile(path.join(dup, 'a.jpg')); fs.copyFileSync(PHOTO, path.join(dup, 'a.png')); fs.copyFileSync(PHOTO, path.join(dup, 'a__labels.png'));
  const dupInputs = ['a.jpg', 'a.png', 'a__labels.png'].map((f) => path.join(dup, f));
  add(LOSS, { command: 'predict', name: 'duplicate stems beside an input named like an output (a.jpg, a.png, a__labels.png)', args: ['predict', dup, '--out', dup, '--quiet'], unchanged: dupInputs, expect: 'ok' });
  const dup2 = p('dup2'); fs.mkdirSync(dup2);
  await sharp(PHOTO).jpeg().toFile(path.join(dup2, 'a.jpg')); fs.copyFileSync(PHOTO, path.join(dup2, 'a.png')); fs.copyFileSync(PHOTO, path.join(dup2, 'a_png_labels.png'));
  add(LOSS, { command: 'predict', name: 'a renamed duplicate\'s output would be an input (a_png_labels.png)', args: ['predict', dup2, '--out', dup2], unchanged: ['a.jpg', 'a.png', 'a_png_labels.png'].map((f) => path.join(dup2, f)), expect: 'error', message: /would overwrite the input .*a_png_labels\.png/ });
  const pkgDir = p('a-package'); fs.cpSync(VOC, pkgDir, { recursive: true });
  const broken = copyDs('broken-val');
  fs.writeFileSync(path.join(broken.images, 'sample_002.png'), 'not an image');
  add(LOSS, { command: 'train', name: '--out a model package (with a broken validation image)', args: train(made.good, ['--val-images', broken.images, '--val-masks', broken.masks], { out: pkgDir }), unchanged: fs.readdirSync(pkgDir).map((f) => path.join(pkgDir, f)), expect: 'error', message: /--out .*a-package: holds a model package/ });
  const other = p('other-files'); fs.mkdirSync(other); fs.writeFileSync(path.join(other, 'notes.txt'), 'mine\n');
  add(LOSS, { command: 'train', name: '--out a folder of other files', args: train(made.good, [], { out: other }), unchanged: [path.join(other, 'notes.txt')], expect: 'error', message: /holds files that are not a training run/ });

  // Folders walked with their subfolders, predict's record of finished images, tools' downloads.
  const WALK = 'folders, records and downloads';
  const tree = p('tree'); fs.mkdirSync(path.join(tree, 'a', 'b'), { recursive: true });
  fs.copyFileSync(PHOTO, path.join(tree, 'a', 'b', 'x.png'));
  fs.symlinkSync('../..', path.join(tree, 'a', 'b', 'up'));
  add(WALK, { command: 'predict', name: '--recursive over a link back up (a loop)', args: ['predict', tree, '--recursive', '--out', p('tree-out'), '--quiet'], unchanged: [path.join(tree, 'a', 'b', 'x.png')], expect: 'ok' });
  add(WALK, { command: 'predict', name: 'a folder of subfolders alone, without --recursive', args: ['predict', path.join(tree, 'a'), '--out', p('tree-out2')], expect: 'error', message: /a: no images .* its 1 subfolder not looked in \(--recursive takes their images\)$/ });
  // A named pipe called like an image: listed, it blocked the process for ever (deaf to SIGTERM).
  const piped = copyDs('piped');
  if (spawnSync('mkfifo', [path.join(piped.images, 'pipe.png')]).status === 0) {
    add(WALK, { command: 'predict', name: 'a named pipe called like an image in the folder', args: ['predict', piped.images, '--out', p('piped-out'), '--quiet'], expect: 'ok' });
    add(WALK, { command: 'train', name: 'a named pipe called like an image among the training images', args: train(piped), expect: 'ok' });
  }
  // A recipe whose next stage is itself: the finished run was resumed and trained again, for ever.
  const selfish = p('selfish.json');
  fs.writeFileSync(selfish, JSON.stringify({ images: made.good.images, masks: made.good.masks, classes: 4, 'input-size': '32x32', epochs: 1, out: p('selfish'), then: selfish }));
  add(WALK, { command: 'train', name: 'a recipe naming itself as its next stage (--then)', args: ['train', '--config', selfish], expect: 'error', message: /--then .*selfish\.json: stage .* the run folder of this run/ });
  const dirRecord = p('record-dir'); fs.mkdirSync(path.join(dirRecord, 'predict.jsonl'), { recursive: true });
  add(WALK, { command: 'predict', name: '--resume with predict.jsonl a folder', args: ['predict', PHOTO, '--out', dirRecord, '--resume'], expect: 'error', message: /--out .*record-dir: predict\.jsonl there is not a file/ });
  const junkRecord = p('record-junk'); fs.mkdirSync(junkRecord);
  fs.writeFileSync(path.join(junkRecord, 'predict.jsonl'), Buffer.concat([Buffer.from('{"image": 7, "outputs": [{"file": null}]}\n[1,2]\nnull\n'), Buffer.from([0xff, 0xfe, 0, 1, 2])]));
  add(WALK, { command: 'predict', name: '--resume with a record of junk', args: ['predict', PHOTO, '--out', junkRecord, '--resume', '--quiet'], expect: 'ok' });
  const zip = p('task.zip');
  fs.writeFileSync(zip, zipSync({ 'annotations.xml': new TextEncoder().encode('<annotations/>'), 'images/x.png': fs.readFileSync(PHOTO) }));
  add(WALK, { command: 'convert', name: 'a CVAT zip download of an empty task', args: ['convert', '--from', 'cvat', zip, '--out', p('conv')], expect: 'error', message: /task\.zip: the export names no images \(an empty task or project\?\)/ });
  const coco = new TextEncoder().encode(JSON.stringify({ images: [{ id: 1, file_name: 'x.png' }], categories: [{ id: 1, name: 'cat' }], annotations: [] }));
  const whole = zipSync({ 'annotations/instances_default.json': coco, 'images/x.png': fs.readFileSync(PHOTO) }, { level: 0 });
  const cut = p('cut.zip'); fs.writeFileSync(cut, whole.subarray(0, whole.length >> 1));
  add(WALK, { command: 'convert', name: 'a zip download cut short', args: ['convert', '--from', 'coco', cut, '--out', p('conv-cut')], expect: 'error', message: /cut\.zip: (not a readable zip|the zip stops before its end)/ });
  const slip = p('slip.zip'); fs.writeFileSync(slip, zipSync({ '../../escaped.json': coco }));
  add(WALK, { command: 'convert', name: 'a zip whose entry leaves its folder (zip slip)', args: ['convert', '--from', 'coco', slip, '--out', p('conv-slip')], expect: 'error', message: /slip\.zip: the entry "\.\.\/\.\.\/escaped\.json" would be written out of the folder/ });
  const tar = p('project.tar'); const head = Buffer.alloc(1024); head.write('meta.json', 0); head.write('ustar', 257); fs.writeFileSync(tar, head);
  add(WALK, { command: 'convert', name: 'a damaged tar download (a header\'s checksum wrong)', args: ['convert', '--from', 'supervisely', tar, '--out', p('conv-tar')], expect: 'error', message: /project\.tar: not a readable tar archive \(TAR_ENTRY_INVALID: checksum failure\); download the export again/ });
}

/** Progress-bar lines (printed off a terminal every few seconds) are not messages. */
const messageLines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() && !/^\s*[\w ]+\/?\d*\s*\[[#-]*\]|^\s*\w+ \d+ \w+ \|/.test(l) && !l.startsWith('(run with --help'));

/** Runs every case, `parallel` at a time; outcomes in the cases' order. */
export async function runCases(cases: Case[], root: string, parallel = 2): Promise<Outcome[]> {
  const out: Outcome[] = new Array(cases.length);
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < cases.length) { const i = next++; out[i] = await runCase(cases[i], root); }
  }));
  return out;
}

interface Ran { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function run(args: string[], stdin: Buffer | undefined, timeoutMs: number, prefix: string[], cwd: string, kill?: Case['kill']): Promise<Ran> {
  return new Promise((resolve) => {
    const [cmd, ...rest] = [...prefix, process.execPath, BIN, ...args];
    const p = spawn(cmd, rest, { stdio: ['pipe', 'pipe', 'pipe'], cwd, env: prefix.length ? { ...process.env, HOME: os.tmpdir() } : process.env });
    let stdout = '', stderr = '';
    p.stdout.on('data', (b) => { stdout += b; });
    p.stderr.on('data', (b) => { stderr += b; });
    p.stdin.on('error', () => {});
    p.stdin.end(stdin ?? '');
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    let stop: NodeJS.Timeout | undefined;
    const watch = kill ? setInterval(() => {
      if (!fs.existsSync(kill.once)) return;
      clearInterval(watch);
      stop = setTimeout(() => p.kill(kill.signal), kill.ms);
    }, 50) : undefined;
    p.on('close', (status, signal) => { clearTimeout(timer); clearInterval(watch); clearTimeout(stop); resolve({ status, signal, stdout, stderr }); });
  });
}

export async function runCase(c: Case, root: string, timeoutMs = 90_000): Promise<Outcome> {
  const t0 = Date.now();
  const before = digests(c.unchanged ?? []);
  const prefix = [...(c.wrap ?? []), ...(c.unprivileged ? unprivileged() ?? [] : [])];
  const r = await run(c.args, c.stdin, timeoutMs, prefix, root, c.kill);
  const ms = Date.now() - t0;
  const lines = messageLines(r.stderr);
  // Outputs left under a final name by a failed command: files it created that are empty, or any temp/partial file.
  const leftovers = outputsOf(c, root).filter((f) => /\.tmp$|\.partial/.test(f) || (c.expect === 'error' && fs.statSync(f).size === 0));
  const after = digests(c.unchanged ?? []);
  const overwritten = (c.unchanged ?? []).filter((_, i) => before[i] !== after[i]);
  const timedOut = r.signal === 'SIGKILL';
  const stackTrace = /^\s+at .+:\d+:\d+\)?$/m.test(r.stderr);
  const internalError = /internal error/.test(r.stderr);
  const said = c.report ? r.stdout : lines[0] ?? '';
  const exitOk = c.kill ? r.status === (c.kill.signal === 'SIGINT' ? 130 : 143) : r.status !== 0 && r.status !== null;
  const ok = !timedOut && !stackTrace && !internalError && leftovers.length === 0 && overwritten.length === 0 && (c.expect === 'ok' ? r.status === 0
    : exitOk && (c.report ? lines.length === 0 : lines.length === 1) && (!c.message || c.message.test(said)));
  return { command: c.command, name: c.name, cls: c.cls ?? 'bad input files (round one)', expect: c.expect, code: r.status, timedOut, lines: lines.length, stackTrace, leftovers, overwritten, internalError, ms, ok, firstLine: said.split('\n').find((l) => l.trim()) ?? '' };
}

/** The files a case's command wrote: under its --out (file or folder) and its other outputs, if any. */
function outputsOf(c: Case, root: string): string[] {
  const i = c.args.indexOf('--out');
  const outs = [...(i >= 0 ? [c.args[i + 1]] : []), ...(c.outputs ?? [])];
  return outs.flatMap((out) => {
    if (!out || out === '-' || !out.startsWith(root)) return [];
    const dir = path.dirname(out);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
    // Inside a folder output, and beside any output: OUT.partial.mp4 sits next to the name it was meant for.
    const beside = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(out))).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
    return [...(fs.existsSync(out) && fs.statSync(out).isDirectory() ? listFiles(out) : []), ...beside];
  });
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(f)); else if (e.isFile()) out.push(f);
  }
  return out;
}
