// The command line as a user meets it: bad input gives one clear line and a non-zero exit (no
// stack trace); train -> evaluate --json -> predict writes what it promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import sharp from 'sharp';
import { writeSyntheticDataset, SYNTHETIC_CLASSES } from '../../src/data/synthetic.ts';
import { initEngine } from '../../src/engine/backend.ts';
import { loadModelPackage } from '../../src/models/package.ts';
import { readImage } from '../../src/data/image_io.ts';
import { predictLabels } from '../../src/inference/predictor.ts';
import { tempDir, writeGreyPng } from '../helpers.ts';
import { defaultPalette } from '../../src/data/classes.ts';

const BIN = path.resolve('bin/pixelwise.js');
// Commands run in a folder of their own: what they write by default (evaluate's eval/) lands there.
const CWD = tempDir('pw-cli-cwd-');
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000, cwd: CWD });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function assertOneLineError(r: ReturnType<typeof cli>, pattern: RegExp) {
  assert.notEqual(r.code, 0, `expected failure, got 0: ${r.out}`);
  const lines = r.err.trim().split('\n').filter((l) => l.trim() && !l.startsWith('(run with --help'));
  assert.equal(lines.length, 1, `expected one line, got:\n${r.err}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.err, /^\s+at /m, 'stack trace printed');
}

test('bad input: one clear line, non-zero exit, no stack trace', async () => {
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 2, 16, 16, 1);
  assertOneLineError(cli('train', '--model', 'unet', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--out', d), /--model unet: train takes the architecture as --arch unet/);
  assertOneLineError(cli('train', '--arch', 'nonet', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--out', d), /nonet.*unet, fcn8/);
  assertOneLineError(cli('train', '--images', path.join(d, 'nope'), '--masks', ds.masks, '--classes', '4', '--input-size', '16x16', '--out', path.join(d, 'r')), /--images .*nope: folder not found/);
  // A file where the folder goes: said as such (before: "folder not found", for a file that is there).
  assertOneLineError(cli('evaluate', '--model', 'voc-fast', '--images', path.resolve('assets/photos/chelsea.png'), '--masks', ds.masks), /--images \S+chelsea\.png: a file, not a folder; give the folder that holds it/);
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--input-size', '16by16', '--out', d), /input-size.*HEIGHTxWIDTH/);
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--out', path.join(d, 'r2')), /--input-size HxW is required/);
  const bad = path.join(d, 'bad-recipe.json');
  fs.writeFileSync(bad, JSON.stringify({ arch: 'unet', 'input-size': '16by16' }));
  assertOneLineError(cli('train', '--config', bad), /--config .*bad-recipe.json: "input-size": 16by16: expected HEIGHTxWIDTH/);
  fs.writeFileSync(bad, JSON.stringify({ 'learning-rate': 0.1 }));
  assertOneLineError(cli('train', '--config', bad), /"learning-rate" is not an option of train/);
  fs.writeFileSync(bad, '{"arch": ');
  assertOneLineError(cli('train', '--config', bad), /--config .*: not valid JSON/);
  // A YAML recipe: the parser quotes the file, line break and all; still one line.
  fs.writeFileSync(bad, 'train: [\n  epochs: 2\n');
  assertOneLineError(cli('train', '--config', bad), /--config .*: not valid JSON \(.*train: \[ .*\)$/);
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--classes', '2', '--class-file', 'camvid', '--input-size', '16x16', '--out', path.join(d, 'r3')), /--classes 2 does not match the 12 classes/);
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--checkpoint-blocks', 'some', '--input-size', '16x16', '--out', d), /--checkpoint-blocks some: expected a number of segments/);
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--batch-size', '0', '--input-size', '16x16', '--out', d), /batch-size.*positive/);
  assertOneLineError(cli('predict', '--model', path.join(d, 'missing-run'), ds.images), /--model .*missing-run: no such folder and no shipped model/);
  assertOneLineError(cli('predict', '--model', d, path.join(d, 'nothing.png')), /nothing\.png: no such file/);
  // `-` as video takes it: said that images come from files (before: "-: no such file or folder").
  assertOneLineError(cli('predict', '--model', 'voc-fast', '-', '--out', path.join(d, 'p')), /^pixelwise: -: images are read from files and folders, not from a stream on stdin/);
  assertOneLineError(cli('evaluate', '--model', d, '--images', ds.images, '--masks', ds.masks), /no model\.json/);
  assertOneLineError(cli('train', '--resume', ds.images), /not a training run folder/);
  // An empty value (a shell variable not set) is refused before any work, whatever parses it.
  const photo = path.resolve('assets/photos/chelsea.png');
  assertOneLineError(cli('predict', photo, '--model', 'voc-fast', '--out', ''), /^pixelwise: --out: an empty value; give one \(a shell variable that is not set expands to nothing\)$/);
  assertOneLineError(cli('predict', photo, '--model', 'voc-fast', '--out', path.join(d, 'p'), '--effect', 'blur', '--keep', ' '), /^pixelwise: --keep: an empty value/);
  assertOneLineError(cli('predict', photo, '--model', 'voc-fast', '--out', path.join(d, 'p'), '--tile', ''), /^error: option '--tile <px>' argument '' is invalid\. an empty value/);
  assertOneLineError(cli('predict', '', '--model', 'voc-fast', '--out', path.join(d, 'p')), /^pixelwise: an empty inputs argument \(""\)/);
  assertOneLineError(cli('video', photo, '--model', 'camvid-live', '--out', ''), /^pixelwise: --out: an empty value/);
  assert.ok(!fs.existsSync(path.join(d, 'p')), 'nothing written');
  // Outputs that could not be what was meant, refused before any work: a video file not named as
  // the MP4 it would be, two outputs on one path, a per-image table on the report's or the class file.
  assertOneLineError(cli('video', photo, '--out', path.join(d, 'v.avi')), /^pixelwise: --out .*v\.avi: video files are written as MP4 \(H\.264\) or WebM \(VP9\); name it .*v\.mp4 \(or \.m4v, \.mov, \.webm\)$/);
  assertOneLineError(cli('video', photo, '--out', path.join(d, 'v.mp4'), '--mask-video', `${d}/./v.mp4`), /^pixelwise: --mask-video .*v\.mp4: --out names it too; give each output its own path$/);
  assertOneLineError(cli('video', photo, '--out', path.join(d, 'v.mp4'), '--labels-dir', path.join(d, 'v.mp4')), /^pixelwise: --labels-dir .*: --out names it too/);
  assertOneLineError(cli('evaluate', '--model', 'voc-fast', '--images', ds.images, '--masks', ds.masks, '--report', path.join(d, 'rep'), '--per-image', path.join(d, 'rep', 'scores.json')), /^pixelwise: --per-image .*scores\.json: is --report's scores\.json; name another file$/);
  const classFile = path.join(d, 'classes.json');
  fs.writeFileSync(classFile, JSON.stringify([{ name: 'a' }, { name: 'b' }]));
  assertOneLineError(cli('evaluate', '--model', 'voc-fast', '--images', ds.images, '--masks', ds.masks, '--class-file', classFile, '--per-image', classFile), /^pixelwise: --per-image .*classes\.json: is --class-file; name another file$/);
  assert.equal(fs.readFileSync(classFile, 'utf8'), JSON.stringify([{ name: 'a' }, { name: 'b' }]));
  assert.ok(!fs.existsSync(path.join(d, 'v.mp4')) && !fs.existsSync(path.join(d, 'rep', 'scores.json')));
  // Normalisation that cannot be (a std of 0 divides by it), and a weight list that is no list: one line, nothing written.
  const tflite = '../shared/data/tflite/coral/deeplabv3_mnv2_dm05_pascal_quant.tflite';
  assertOneLineError(cli('import', '--from', tflite, '--classes', '21', '--std', '0,1,1', '--out', path.join(d, 'imp')), /^error: option '--std <r,g,b>' argument '0,1,1' is invalid\. expected numbers above 0, one per band/);
  assertOneLineError(cli('import', '--from', tflite, '--classes', '21', '--mean', 'a,b,c', '--out', path.join(d, 'imp')), /^error: option '--mean <r,g,b>' argument 'a,b,c' is invalid\. expected comma-separated numbers, one per band/);
  assert.ok(!fs.existsSync(path.join(d, 'imp')));
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--input-size', '16x16', '--class-weights', 'a,b', '--out', path.join(d, 'cw')), /^pixelwise: --class-weights a,b: expected auto or one comma-separated number per class$/);
  // Numbers that cannot be what was meant, refused as their options parse them (before: a hundred
  // networks started for minutes, a frame rate of 0 blamed on the stream, every upload refused, a
  // demo that trained before refusing, a library name for the flag).
  assertOneLineError(cli('video', photo, '--out', path.join(d, 'w.mp4'), '--workers', '100'), /^error: option '--workers <n>' argument '100' is invalid\. at most \d+ on this machine's \d+ cores/);
  assertOneLineError(cli('serve', '--workers', '100'), /^error: option '--workers <n>' argument '100' is invalid\. at most/);
  assertOneLineError(cli('video', '-', '--out', '-', '--input-format', 'raw', '--frame-size', '4x4', '--fps', '0'), /^error: option '--fps <n>' argument '0' is invalid\. expected a number above 0$/);
  assertOneLineError(cli('serve', '--max-pixels', '0'), /^error: option '--max-pixels <n>' argument '0' is invalid/);
  assertOneLineError(cli('demo', '--train', '--epochs', '-1'), /^error: option '--epochs <n>' argument '-1' is invalid/);
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--input-size', '16x16', '--loss', 'focal', '--focal-gamma', '-2', '--out', path.join(d, 'fg')), /^pixelwise: --focal-gamma -2: expected 0 or above$/);
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--input-size', '16x16', '--workers', '100', '--out', path.join(d, 'wk')), /^pixelwise: --workers 100: at most \d+ on this machine's/);
  // /dev/null as the output (before: "is a file ... (or remove the file)"; video: "name it /dev/null.mp4").
  assertOneLineError(cli('predict', photo, '--out', '/dev/null'), /^pixelwise: --out \/dev\/null: is a device or pipe, not a folder; name a folder$/);
  assertOneLineError(cli('video', photo, '--out', '/dev/null'), /^pixelwise: --out \/dev\/null: is not a regular file; name a file to write$/);
  // More classes than a byte of a label map holds: before, trained, class ids from 256 up wrapped
  // round in every label map (class 300's pixels labelled 44).
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--classes', '300', '--input-size', '16x16', '--out', path.join(d, 'c300')), /^pixelwise: --classes 300: at most 256 \(label maps and masks hold one byte a pixel\)$/);
  const c300 = path.join(d, 'c300.json');
  fs.writeFileSync(c300, JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ name: `c${i}`, color: [i % 256, 0, 0] }))));
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--class-file', c300, '--input-size', '16x16', '--out', path.join(d, 'c300')), /c300\.json: lists 300 classes; label maps and masks hold one byte a pixel, 256 classes at most$/);
  assert.ok(!fs.existsSync(path.join(d, 'c300')));
  // Training settings that would change nothing (given here or in a recipe), or move every pixel out of the crop.
  const base = ['train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--input-size', '16x16', '--out', path.join(d, 'tp')];
  assertOneLineError(cli(...base, '--focal-gamma', '3'), /^pixelwise: --focal-gamma goes with --loss focal; without it, it would change nothing$/);
  assertOneLineError(cli(...base, '--val-list', 'val.txt'), /^pixelwise: --val-list goes with --val-images and --val-masks/);
  assertOneLineError(cli(...base, '--no-augment', '--aug-rotate', '10'), /^pixelwise: --aug-rotate goes with augmentation \(not --no-augment\)/);
  assertOneLineError(cli(...base, '--aug-elastic', '100'), /^pixelwise: --aug-elastic 100: a displacement as large as the crop \(16x16\) moves the pixels out of it/);
  const recipe = path.join(d, 'recipe.json');
  fs.writeFileSync(recipe, JSON.stringify({ 'focal-gamma': 3 }));
  assertOneLineError(cli(...base, '--config', recipe), /^pixelwise: --focal-gamma goes with --loss focal/);
  assert.ok(!fs.existsSync(path.join(d, 'tp')));
  // A folder holding a rank.csv of the user's own (no scores.jsonl of an earlier rank): not written over.
  fs.mkdirSync(path.join(d, 'ranked'));
  fs.writeFileSync(path.join(d, 'ranked', 'rank.csv'), 'mine');
  assertOneLineError(cli('rank', '--images', ds.images, '--model', 'voc-fast', '--out', path.join(d, 'ranked')), /^pixelwise: --out .*ranked: holds rank\.csv that no earlier rank wrote \(there is no scores\.jsonl\)/);
  assert.equal(fs.readFileSync(path.join(d, 'ranked', 'rank.csv'), 'utf8'), 'mine');
  // export never writes over another package's graph, nor into the shipped models; a package's own graph may be exported again.
  const other = path.join(d, 'other-pkg');
  fs.cpSync(path.resolve('models/camvid-fast'), other, { recursive: true });
  const graph = fs.readFileSync(path.join(other, 'model.onnx'));
  assertOneLineError(cli('export', '--model', 'voc-fast', '--out', path.join(other, 'model.onnx')), /^pixelwise: --out .*other-pkg\/model\.onnx: a file of the model package .*other-pkg \(its model\.json names it\); writing another model there would break that package/);
  assert.ok(fs.readFileSync(path.join(other, 'model.onnx')).equals(graph));
  assertOneLineError(cli('export', '--model', 'voc-fast', '--out', path.resolve('models/voc-fast/model.onnx')), /^pixelwise: --out .*models\/voc-fast\/model\.onnx: inside the shipped models/);
  assert.equal(cli('export', '--model', other, '--out', path.join(other, 'model.onnx')).code, 0);
  // A package that is a graph alone (most shipped models, imports, 8-bit packages): its graphs as they are, with its card.
  const exported = cli('export', '--model', 'person', '--out', path.join(d, 'person.onnx'));
  assert.equal(exported.code, 0, exported.err);
  assert.match(exported.out, /^wrote .*person\.model\/model\.json; its package also holds model-144x256\.onnx$/m);
  for (const f of ['model.onnx', 'model-144x256.onnx']) assert.ok(fs.readFileSync(path.join(d, 'person.model', f)).equals(fs.readFileSync(path.resolve('models/person', f))), f);
  assert.ok(fs.readFileSync(path.join(d, 'person.onnx')).equals(fs.readFileSync(path.resolve('models/person/model.onnx'))));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(d, 'person.model', 'model.json'), 'utf8')), JSON.parse(fs.readFileSync(path.resolve('models/person/model.json'), 'utf8')));
  assertOneLineError(cli('export', '--model', 'person', '--weights', 'best', '--out', path.join(d, 'p2.onnx')), /^pixelwise: --weights best: person is an ONNX graph with no TF\.js weights to replace/);
  assertOneLineError(cli('export', '--model', 'person', '--package', path.join(d, 'p3')), /^pixelwise: --model person: a model package, not a training run \(no train\.json\)/);
  // Into its own folder: its graph may be written again, never its other graphs (per-aspect, 8-bit) or weights.
  const copy = path.join(d, 'person-copy');
  fs.cpSync(path.resolve('models/person'), copy, { recursive: true });
  assertOneLineError(cli('export', '--model', copy, '--out', path.join(copy, 'model-144x256.onnx')), /^pixelwise: --out .*person-copy\/model-144x256\.onnx: a file of the model package .*person-copy \(its model\.json names it\)/);
  assert.ok(fs.readFileSync(path.join(copy, 'model-144x256.onnx')).equals(fs.readFileSync(path.resolve('models/person/model-144x256.onnx'))));
  assert.equal(cli('export', '--model', copy, '--out', path.join(copy, 'model.onnx')).code, 0);
  // Label maps (frame_000001.png, ...) are never written over frames extracted as CVAT names them, nor over the export's frames.
  const extracted = path.join(d, 'extracted');
  fs.mkdirSync(extracted);
  fs.copyFileSync(photo, path.join(extracted, 'frame_000001.png'));
  assertOneLineError(cli('video', photo, '--out', path.join(d, 'v.mp4'), '--labels-dir', extracted), /^pixelwise: --labels-dir .*extracted: holds images named as the label maps are \(frame_000001\.png: extracted frames\?\)/);
  assertOneLineError(cli('video', photo, '--out', path.join(d, 'v.mp4'), '--labels-dir', path.join(d, 'ex', 'frames'), '--export', 'coco', '--export-dir', path.join(d, 'ex')), /^pixelwise: --labels-dir .*frames: the export writes the frames there/);
  assert.ok(fs.readFileSync(path.join(extracted, 'frame_000001.png')).equals(fs.readFileSync(photo)));
  // serve's folders and addresses are checked at start, not at the first request that needs them.
  assertOneLineError(cli('serve', '--ls-files', path.join(d, 'nowhere'), '--port', '0'), /^pixelwise: --ls-files .*nowhere: no such folder/);
  assertOneLineError(cli('serve', '--ls-url', 'localhost:8080', '--port', '0'), /^pixelwise: --ls-url localhost:8080: expected Label Studio's address, e\.g\. http:\/\/localhost:8080$/);
  assertOneLineError(cli('serve', '--runs', photo, '--port', '0'), /^pixelwise: --runs .*chelsea\.png: is a file, not a folder of training runs$/);
  assertOneLineError(cli('serve', '--ls-train', photo, '--port', '0'), /^pixelwise: --ls-train .*chelsea\.png: is a file, not a folder; name a folder/);
  // A ~ no shell expanded (quoted, or in a recipe) would make a folder named ~ in the working folder.
  assertOneLineError(cli('predict', photo, '--model', 'voc-fast', '--out', '~/preds'), /^pixelwise: --out ~\/preds: starts with ~, which only a shell expands \(unquoted\); give the full path/);
  assert.ok(!fs.existsSync(path.join(CWD, '~')));
  // Commander's own refusals exit 2 at every depth.
  const noQueue = cli('batch', 'submit', '--model', 'voc-fast', '--images', ds.images, '--out', path.join(d, 'b'));
  assert.equal(noQueue.code, 2);
  assert.match(noQueue.err, /required option '--queue <url>' not specified/);
  // A mask with a label beyond the class count stops training before it starts, naming the file.
  writeGreyPng(path.join(ds.masks, 'sample_001.png'), new Uint8Array(256).fill(9), 16, 16);
  assertOneLineError(cli('train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--input-size', '16x16', '--epochs', '1', '--out', path.join(d, 'r4'), '--quiet'),
    /sample_001\.png: label 9 is neither one of the 4 class ids \(0\.\.3\) nor the ignore label 255/);
  // A truncated or empty mask: one line naming it, and the process ends by itself (progress bars,
  // timers and worker threads do not keep it alive), with the progress bars on.
  const good = fs.readFileSync(path.join(ds.masks, 'sample_000.png'));
  for (const content of [good.subarray(0, 40), Buffer.alloc(0)]) {
    fs.writeFileSync(path.join(ds.masks, 'sample_001.png'), content);
    const r = spawnSync(process.execPath, [BIN, 'train', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--input-size', '16x16', '--epochs', '1', '--out', path.join(d, 'r5')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, 'ended by itself, not by the test\'s timeout');
    assertOneLineError({ code: r.status, out: r.stdout, err: r.stderr.split('\n').filter((l) => !/^\w+ \[[#-]*\]/.test(l)).join('\n') }, /sample_001\.png: cannot read mask/);
  }
  writeGreyPng(path.join(ds.masks, 'sample_001.png'), new Uint8Array(256).fill(9), 16, 16);
  const v = cli('verify', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--quiet');
  assert.equal(v.code, 1);
  assert.match(v.out, /sample_001\.png: labels >= --classes 4/);
});

test('train -> evaluate --json -> predict through the CLI', async () => {
  const d = tempDir();
  const tr = await writeSyntheticDataset(path.join(d, 'train'), 8, 32, 32, 1);
  const va = await writeSyntheticDataset(path.join(d, 'val'), 3, 32, 32, 2);
  fs.writeFileSync(path.join(d, 'classes.json'), JSON.stringify(SYNTHETIC_CLASSES));
  const run = path.join(d, 'run');
  // Most options from a recipe; --epochs on the command line wins over the recipe's.
  const recipe = path.join(d, 'recipe.json');
  fs.writeFileSync(recipe, JSON.stringify({
    _comment: 'a test recipe', arch: 'unet', width: 4, depth: 2, images: tr.images, masks: tr.masks, 'val-images': va.images, 'val-masks': va.masks,
    classes: 4, 'class-file': path.join(d, 'classes.json'), 'input-size': '32x32', 'batch-size': 4, epochs: 3, lr: 5e-3, 'aug-scale': [0.9, 1.1], flip: false, quiet: true,
    'checkpoint-blocks': 2,
  }));
  const t = cli('train', '--config', recipe, '--epochs', '2', '--out', run);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /done: 2 epochs/);
  assert.match(t.err, /gradient checkpointing: 2 segments \(\d+, \d+ layers\)/);
  const saved = JSON.parse(fs.readFileSync(path.join(run, 'train.json'), 'utf8'));
  assert.deepEqual([saved.epochs, saved.lr, saved.model.width, saved.augment.flip, saved.augment.scale, saved.checkpointBlocks], [2, 5e-3, 4, false, [0.9, 1.1], 2]);

  const e = cli('evaluate', '--model', run, '--images', va.images, '--masks', va.masks, '--json');
  assert.equal(e.code, 0, e.err);
  const j = JSON.parse(e.out);
  for (const k of ['pixelAccuracy', 'meanAccuracy', 'mIoU', 'fwIoU', 'perClass']) assert.ok(k in j, k);
  assert.deepEqual(Object.keys(j.perClass), SYNTHETIC_CLASSES.map((c) => c.name));
  assert.ok(typeof j.perClass.disc.iou === 'number' || j.perClass.disc.iou === null);
  assert.equal(j.pixels, 3 * 32 * 32);
  // By default the report goes to eval/<model folder's name> in the working directory, never into the model's folder.
  assert.ok(fs.existsSync(path.join(CWD, 'eval', path.basename(run), 'scores.md')));
  assert.ok(!fs.existsSync(path.join(run, 'eval')));
  // A near-zero probability threshold for one class predicts it nearly everywhere.
  const th = cli('evaluate', '--model', run, '--images', va.images, '--masks', va.masks, '--json', '--threshold', 'disc=0.000001');
  assert.equal(th.code, 0, th.err);
  assert.ok(JSON.parse(th.out).perClass.disc.predPixels > 0.9 * 3 * 32 * 32);
  assertOneLineError(cli('evaluate', '--model', run, '--images', va.images, '--masks', va.masks, '--threshold', 'nosuch=0.4'), /--threshold nosuch=0.4: no class nosuch/);
  assertOneLineError(cli('evaluate', '--model', run, '--images', va.images, '--masks', va.masks, '--threshold', 'disc=2'), /CLASS=P/);
  // --record: the scores into the run's card (the same as --json gave), the mIoU first among its
  // scores with the command; recording again replaces that entry; a run-changing option or a
  // shipped model named by name is refused.
  for (let i = 0; i < 2; i++) {
    const r = cli('evaluate', '--model', run, '--images', va.images, '--masks', va.masks, '--record', '--quiet');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /recorded in .*model\.json/);
  }
  const rec = JSON.parse(fs.readFileSync(path.join(run, 'model.json'), 'utf8'));
  assert.equal(rec.evaluation.mIoU, j.mIoU);
  assert.equal(rec.evaluation.pixelAccuracy, j.pixelAccuracy);
  assert.equal(rec.evaluation.images, 3);
  assert.deepEqual(Object.keys(rec.evaluation.perClassIoU), SYNTHETIC_CLASSES.map((c) => c.name));
  const recorded = rec.scores.filter((x: { source: string }) => x.source.startsWith('measured by pixelwise evaluate'));
  assert.equal(recorded.length, 1, 'a second --record replaces the first');
  assert.deepEqual(rec.scores[0], recorded[0]);
  assert.equal(rec.scores[0].value, +(100 * j.mIoU).toFixed(2));
  assert.match(rec.scores[0].source, /^measured by pixelwise evaluate: pixelwise evaluate --model .* --record --quiet$/);
  // With an added 8-bit graph, --precision int8 --record writes its scores into the card's int8 block, the rest as it was.
  assertOneLineError(cli('evaluate', '--model', run, '--images', va.images, '--masks', va.masks, '--record', '--precision', 'int8'), /^pixelwise: --record: records the model as it runs by default \(float32\); drop --precision int8/);
  const qz = cli('quantize', '--model', run, '--calibration', tr.images, '--images', '2', '--check', '1', '--min-agreement', '0', '--quiet');
  assert.equal(qz.code, 0, qz.err);
  const e8 = cli('evaluate', '--model', run, '--images', va.images, '--masks', va.masks, '--precision', 'int8', '--json');
  assert.equal(e8.code, 0, e8.err);
  const r8 = cli('evaluate', '--model', run, '--images', va.images, '--masks', va.masks, '--precision', 'int8', '--record', '--quiet');
  assert.equal(r8.code, 0, r8.err);
  const rec8 = JSON.parse(fs.readFileSync(path.join(run, 'model.json'), 'utf8'));
  assert.equal(rec8.int8.evaluation.mIoU, JSON.parse(e8.out).mIoU);
  assert.match(rec8.int8.evaluation.command, /--precision int8 --record/);
  assert.deepEqual([rec8.evaluation, rec8.scores], [rec.evaluation, rec.scores], 'the float model\'s record unchanged');
  assertOneLineError(cli('evaluate', '--model', run, '--images', va.images, '--masks', va.masks, '--record', '--tta', 'flip'), /^pixelwise: --record: records the model as it runs by default; drop --tta/);
  assertOneLineError(cli('evaluate', '--model', 'voc', '--images', va.images, '--masks', va.masks, '--record'), /^pixelwise: --record: voc is a shipped model \(the installed package\); give its folder's path/);

  const out = path.join(d, 'pred');
  const p = cli('predict', '--model', run, va.images, '--out', out, '--alpha', '0.4', '--quiet');
  assert.equal(p.code, 0, p.err);
  // The label map equals the library's prediction, is indexed, and embeds the class colours.
  await initEngine('wasm');
  const { model, card } = loadModelPackage(run);
  const img = await readImage(path.join(va.images, 'sample_000.png'));
  const expected = await predictLabels(model, img, { norm: card.input.normalization });
  model.dispose();
  const png = decode(fs.readFileSync(path.join(out, 'sample_000_labels.png')));
  assert.equal(png.width, 32);
  assert.ok(png.palette, 'label map has a palette');
  assert.deepEqual(png.palette!.slice(0, 4).map((c) => c.slice(0, 3)), SYNTHETIC_CLASSES.map((c) => c.color));
  assert.deepEqual([...png.data], [...expected]);
  for (const kind of ['color', 'overlay', 'legend']) {
    const meta = await sharp(path.join(out, `sample_000_${kind}.png`)).metadata();
    if (kind !== 'legend') assert.deepEqual([meta.width, meta.height], [32, 32]);
    else assert.ok(meta.width! > 0);
  }
  // Overlay = photo * (1 - alpha) + colour * alpha, pixel by pixel.
  const col = await sharp(path.join(out, 'sample_000_color.png')).raw().toBuffer();
  const ov = await sharp(path.join(out, 'sample_000_overlay.png')).raw().toBuffer();
  for (let i = 0; i < ov.length; i += 97) assert.ok(Math.abs(ov[i] - (img.data[i] * 0.6 + col[i] * 0.4)) <= 1);

  // The run as a package to ship: best weights, ONNX, curves, and a card with the training summary
  // and the validation scores from the run's own files; it predicts the run's label maps.
  const about = path.join(d, 'about.json');
  fs.writeFileSync(about, JSON.stringify({ licence: 'CC0 (test)', initialisation: 'random', recipe: 'recipe.json' }));
  const pk = cli('export', '--model', run, '--package', path.join(d, 'pkg'), '--about', about);
  assert.equal(pk.code, 0, pk.err);
  assert.match(pk.out, /wrote .*pkg: weights .* MB, model\.onnx .* MB, val mIoU \d+\.\d\d/);
  for (const f of ['model.json', 'weights.safetensors', 'model.onnx', 'curves.png']) assert.ok(fs.existsSync(path.join(d, 'pkg', f)), f);
  const pcard = JSON.parse(fs.readFileSync(path.join(d, 'pkg', 'model.json'), 'utf8'));
  const best = JSON.parse(fs.readFileSync(path.join(run, 'best_scores.json'), 'utf8'));
  assert.equal(pcard.licence, 'CC0 (test)');
  assert.deepEqual([pcard.training.epochs, pcard.training.initialisation, pcard.training.recipe, pcard.evaluation.mIoU], [2, 'random', 'recipe.json', best.mIoU]);
  assert.deepEqual(Object.keys(pcard.evaluation.perClassIoU), SYNTHETIC_CLASSES.map((c) => c.name));
  // The shipped weights' epoch: the first whose validation reached the best mIoU; a finished run has no planned epochs left.
  const vals = fs.readFileSync(path.join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.val);
  const top = Math.max(...vals.map((e) => e.val.mIoU));
  assert.deepEqual([pcard.training.bestEpoch, pcard.training.plannedEpochs], [vals.find((e) => e.val.mIoU === top).epoch, undefined]);
  const pp = cli('predict', '--model', path.join(d, 'pkg'), path.join(va.images, 'sample_000.png'), '--out', path.join(d, 'pred-pkg'), '--quiet');
  assert.equal(pp.code, 0, pp.err);
  assert.deepEqual([...decode(fs.readFileSync(path.join(d, 'pred-pkg', 'sample_000_labels.png'))).data], [...expected]);
  // A run resized by sharp's filter, packaged with Pillow's (the about file's resizeFilter): the
  // card's rule keeps its size and takes the filter; a filter pixelwise does not have is one line.
  const resized = path.join(d, 'run-resized');
  fs.cpSync(run, resized, { recursive: true });
  const rcard = JSON.parse(fs.readFileSync(path.join(resized, 'model.json'), 'utf8'));
  rcard.input.rule = { kind: 'fixed', size: [32, 32], filter: 'sharp' };
  fs.writeFileSync(path.join(resized, 'model.json'), JSON.stringify(rcard));
  fs.writeFileSync(about, JSON.stringify({ licence: 'x', resizeFilter: 'pillow' }));
  assert.equal(cli('export', '--model', resized, '--package', path.join(d, 'pkg3'), '--about', about).code, 0);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(d, 'pkg3', 'model.json'), 'utf8')).input.rule, { kind: 'fixed', size: [32, 32], filter: 'pillow' });
  fs.writeFileSync(about, JSON.stringify({ resizeFilter: 'lanczos' }));
  assertOneLineError(cli('export', '--model', resized, '--package', path.join(d, 'pkg4'), '--about', about), /--about .*about\.json: resizeFilter: /);
  fs.writeFileSync(about, JSON.stringify({ licence: 'x', colour: 'blue' }));
  assertOneLineError(cli('export', '--model', run, '--package', path.join(d, 'pkg2'), '--about', about), /--about .*about\.json: .*colour/);
});

test('SIGTERM/SIGINT during training saves a checkpoint promptly, exits 130, and --resume continues', async () => {
  const { spawn } = await import('node:child_process');
  const d = tempDir();
  const tr = await writeSyntheticDataset(path.join(d, 'train'), 16, 32, 32, 1);
  const run = path.join(d, 'run');
  const child = spawn(process.execPath, [BIN, 'train', '--arch', 'unet', '--width', '4', '--depth', '2', '--images', tr.images, '--masks', tr.masks,
    '--classes', '4', '--input-size', '32x32', '--batch-size', '2', '--epochs', '50', '--out', run, '--workers', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b) => { err += b; });
  // Wait until training is under way (first epoch logged), then interrupt.
  const t0 = Date.now();
  while (!fs.existsSync(path.join(run, 'log.jsonl')) && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  const sent = Date.now();
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.ok(Date.now() - sent < 10_000, `took ${Date.now() - sent} ms to stop`);
  assert.equal(code, 130, err);
  assert.match(err, /saved .*last\.safetensors/);
  // The library's run says what it saved; the command line says how to go on.
  assert.ok(err.includes(`continue with --resume ${run}\n`), err);
  const r = cli('train', '--resume', run, '--epochs', '2', '--quiet', '--workers', '0');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /resumed/);
  // What --resume may change is applied, said and recorded; what defines the run is refused.
  const lr = cli('train', '--resume', run, '--epochs', '3', '--lr', '0.0005', '--quiet', '--workers', '0');
  assert.equal(lr.code, 0, lr.err);
  assert.match(lr.err, /--resume: learning rate 0\.0005 \(--lr\) instead of the run's 0\.001; train\.json records it/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(run, 'train.json'), 'utf8')).lr, 0.0005);
  assertOneLineError(cli('train', '--resume', run, '--batch-size', '4', '--loss', 'dice'), /--batch-size, --loss cannot change on resume/);
});

test('a command started with an IPC channel stops as on SIGTERM when its parent is killed (SIGKILL), checkpoint saved', async () => {
  const { spawn } = await import('node:child_process');
  const d = tempDir();
  const tr = await writeSyntheticDataset(path.join(d, 'train'), 16, 32, 32, 1);
  const run = path.join(d, 'run'), log = path.join(d, 'child.log');
  const args = ['train', '--arch', 'unet', '--width', '4', '--depth', '2', '--images', tr.images, '--masks', tr.masks,
    '--classes', '4', '--input-size', '32x32', '--batch-size', '2', '--epochs', '50', '--out', run, '--workers', '0'];
  // A parent as serve --ls-train is one: it starts the command with an IPC channel and its output in a file, then dies unannounced.
  const parentCode = `const fs = require('node:fs'); const out = fs.openSync(${JSON.stringify(log)}, 'a');
    const c = require('node:child_process').spawn(process.execPath, ${JSON.stringify([BIN, ...args])}, { stdio: ['ignore', out, out, 'ipc'] });
    process.stdout.write(String(c.pid) + '\\n'); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = Number(await new Promise<string>((r) => parent.stdout.once('data', (b) => r(String(b)))));
  const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
  try {
    const t0 = Date.now();
    while (!fs.existsSync(path.join(run, 'log.jsonl')) && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 100));
    assert.ok(alive(), fs.readFileSync(log, 'utf8'));
    parent.kill('SIGKILL');
    const sent = Date.now();
    while (alive() && Date.now() - sent < 20_000) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!alive(), `the child still runs ${Date.now() - sent} ms after its parent was killed`);
    assert.match(fs.readFileSync(log, 'utf8'), /stopped by SIGTERM|saved .*last\.safetensors/);
    assert.ok(fs.existsSync(path.join(run, 'last.safetensors')));
  } finally {
    parent.kill('SIGKILL');
    if (alive()) process.kill(pid, 'SIGKILL');
  }
});

test('progress off a terminal: nothing for a short task, a line per interval for a long one (no redraws)', async () => {
  const { progressBar } = await import('../../src/util/progress.ts');
  const lines: string[] = [];
  const short = progressBar('epoch 1/3', 100, 'img', false, { tty: false, write: (l) => lines.push(l), everyMs: 60_000 });
  for (let i = 1; i <= 100; i++) short.update(i, { info: '| loss 0.5' });
  short.stop();
  assert.equal(lines.length, 0, 'a task shorter than the interval prints nothing');
  const long = progressBar('decode', 40, 'img', false, { tty: false, write: (l) => lines.push(l), everyMs: 0 });
  for (let i = 1; i <= 3; i++) long.update(i, { info: '| loss 0.25' });
  long.stop();
  assert.equal(lines.length, 4, lines.join(''));
  assert.match(lines[0], /^decode: 1\/40 img, [\d.]+ img\/s(, ETA \S+)? loss 0\.25\n$/);
  assert.ok(lines.every((l) => !l.includes('\r') && !l.includes('\x1b')), 'plain lines');
});

test('verify: an explicit --ignore-index 255 keeps 0/255 masks as they are (no 255 -> 1 guess)', async () => {
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 2, 16, 16, 3);
  for (const f of fs.readdirSync(ds.masks)) writeGreyPng(path.join(ds.masks, f), Uint8Array.from({ length: 256 }, (_, i) => (i % 2 ? 255 : 0)), 16, 16);
  const guessed = cli('verify', '--images', ds.images, '--masks', ds.masks, '--classes', '2', '--quiet');
  assert.equal(guessed.code, 0, guessed.out);
  assert.match(guessed.out, /reading 255 as class 1/);
  assert.match(guessed.out, /; 0 ignored pixels \(label 255\)/);
  const explicit = cli('verify', '--images', ds.images, '--masks', ds.masks, '--classes', '2', '--ignore-index', '255', '--quiet');
  assert.equal(explicit.code, 0, explicit.out);
  assert.doesNotMatch(explicit.out, /reading 255 as class 1/);
  assert.match(explicit.out, /; 256 ignored pixels \(label 255\)/);
});

async function zooParameters(spec: { arch: string; numClasses: number }): Promise<number> {
  const { SegModel } = await import('../../src/models/seg_model.ts');
  await initEngine('wasm');
  const m = new SegModel(spec);
  const n = m.trainableParamCount();
  m.dispose();
  return n;
}

test('models --json lists the shipped models (parameters = the learned tensors of their weights), presets, decoders, encoders, networks', async () => {
  const r = cli('models', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.shipped.map((s: { name: string }) => s.name), ['ade20k', 'camvid', 'camvid-fast', 'camvid-live', 'cityscapes', 'cityscapes-fast', 'cityscapes-live', 'person', 'voc', 'voc-fast']);
  const { readSafetensors } = await import('../../src/formats/safetensors.ts');
  const { onnx } = await import('../../src/formats/onnx_proto.ts');
  for (const s of j.shipped) {
    // Pixelwise weights: their learned tensors; an imported graph (ONNX only): its constants of rank >= 1 (float, or 8-bit / int32 kept by --qdq).
    // A zoo architecture shipped as ONNX only: the learned tensors of its network.
    const card = JSON.parse(fs.readFileSync(path.join(s.folder, 'model.json'), 'utf8'));
    const learned = fs.existsSync(path.join(s.folder, 'weights.safetensors'))
      ? [...readSafetensors(path.join(s.folder, 'weights.safetensors')).tensors].filter(([k]) => !/moving_(mean|variance)$/.test(k)).reduce((n, [, t]) => n + t.shape.reduce((a, b) => a * b, 1), 0)
      : card.model.arch !== 'tflite' ? await zooParameters(card.model)
      : onnx.ModelProto.decode(fs.readFileSync(path.join(s.folder, 'model.onnx'))).graph!.initializer!.filter((i) => [onnx.TensorProto.DataType.FLOAT, onnx.TensorProto.DataType.UINT8, onnx.TensorProto.DataType.INT8, onnx.TensorProto.DataType.INT32].includes(i.dataType!) && i.dims!.length > 0)
        .reduce((n, i) => n + i.dims!.reduce((a, b) => a * Number(b), 1), 0);
    assert.equal(s.parameters, learned, s.name);
    assert.equal(s.classNames.length, s.classes);
    assert.ok(/MIT|Apache-2\.0/.test(s.licence), s.name);
    // A published score wherever one exists (MediaPipe published none for the selfie model).
    assert.ok(s.scores.length > 0 || s.name === 'person', s.name);
  }
  assert.equal(j.shipped.find((s: { default: boolean }) => s.default).name, 'voc');
  // Starts (weights-only packages) are listed apart, with their cards' provenance, and not as models to segment with.
  const start = j.starts.find((s: { name: string }) => s.name === 'deeplabv3-voc');
  assert.deepEqual(start.defaultFor, ['mobilenetv2']);
  assert.match(start.licence, /Apache-2\.0/);
  assert.match(start.source, /TF DeepLab/);
  const startCard = JSON.parse(fs.readFileSync(path.join(start.folder, 'model.json'), 'utf8'));
  assert.match(startCard.provenance.command, /^pixelwise import --from \S+ --preset deeplabv3-voc --no-onnx --out models\/deeplabv3-voc$/);
  for (const p of ['espnetv2-voc', 'espnetv2-cityscapes']) assert.ok(j.presets.some((x: { name: string }) => x.name === p), p);
  // The presets for ONNX graphs and Keras models: the model's own classes, a line on what each does.
  for (const p of ['image-segmentation-keras', 'keras-caffe', 'keras-tf', 'keras-torch', 'keras-raw']) {
    const row = j.presets.find((x: { name: string }) => x.name === p);
    assert.deepEqual([row?.arch, row?.classes], ['ONNX graph or Keras model', null], p);
  }
  assert.match(j.presets.find((x: { name: string }) => x.name === 'keras-caffe').source, /BGR minus the ImageNet means/);
  const names = (k: string) => j[k].map((x: { name: string }) => x.name);
  for (const d of ['unet', 'fcn8', 'fcn32', 'segnet', 'pspnet', 'deeplabv3plus']) assert.ok(names('decoders').includes(d), d);
  for (const e of ['vgg16', 'resnet50', 'mobilenetv2']) assert.ok(names('encoders').includes(e), e);
  assert.deepEqual(names('networks'), ['espnet', 'espnetv2', 'edgetpu_deeplab_slim']);
  // The Cityscapes start: Google's graph as the zoo's network, made by import --arch.
  const edgetpu = j.starts.find((s: { name: string }) => s.name === 'edgetpu-deeplab-cityscapes');
  assert.match(edgetpu.licence, /Apache-2\.0/);
  assert.match(JSON.parse(fs.readFileSync(path.join(edgetpu.folder, 'model.json'), 'utf8')).provenance.command, /--arch edgetpu_deeplab_slim .*--no-onnx --out models\/edgetpu-deeplab-cityscapes$/);
  assert.equal(j.aliases.vgg_unet, 'vgg16_unet');
  assert.match(cli('models').out, /voc \*\s+mobilenetv2_deeplabv3\s+21/);
});

test('verify --overlays draws every pair: the mask\'s colours over the image at --alpha (computed here), the ignore label left as the photo; a contact sheet; --alpha alone refused', async () => {
  const d = tempDir();
  const ds = await writeSyntheticDataset(path.join(d, 'ds'), 3, 24, 16, 4);
  // One pixel of sample_000 is the ignore label.
  const first = path.join(ds.masks, 'sample_000.png');
  const { data: m0 } = decode(fs.readFileSync(first));
  const labels = Uint8Array.from(m0 as Uint8Array); labels[5] = 255;
  writeGreyPng(first, labels, 24, 16);
  const out = path.join(d, 'ov');
  const r = cli('verify', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--overlays', out, '--alpha', '0.25', '--quiet');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /3 pairs drawn: .*\*_overlay\.png, contact sheet .*overview\.jpg/);
  assert.deepEqual(fs.readdirSync(out).sort(), ['overview.jpg', 'sample_000_overlay.png', 'sample_001_overlay.png', 'sample_002_overlay.png']);
  for (const name of ['sample_000', 'sample_002']) {
    const photo = (await readImage(path.join(ds.images, `${name}.png`))).data;
    const mask = decode(fs.readFileSync(path.join(ds.masks, `${name}.png`))).data as Uint8Array;
    const drawn = await sharp(path.join(out, `${name}_overlay.png`)).raw().toBuffer();
    for (let p = 0; p < mask.length; p++) for (let k = 0; k < 3; k++) {
      // --classes 4 without a class file: the generated palette's colours.
      const want = mask[p] === 255 ? photo[p * 3 + k] : Math.floor(photo[p * 3 + k] * 0.75 + defaultPalette(4)[mask[p]][k] * 0.25 + 0.5);
      assert.equal(drawn[p * 3 + k], want, `${name} pixel ${p} channel ${k}`);
    }
  }
  assertOneLineError(cli('verify', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--alpha', '0.3'), /^pixelwise: --alpha goes with --overlays/);
  assertOneLineError(cli('verify', '--images', ds.images, '--masks', ds.masks, '--classes', '4', '--overlays', path.join(ds.images, 'drawn')), /^pixelwise: --overlays .*drawn: inside the images folder .*, where the drawings would be read as images; choose a folder outside the dataset's$/);
});

test('models MODEL describes one model from its card: each class with its id and colour, the input rule, the scores, the files; --json the card; an unknown name refused', () => {
  const card = JSON.parse(fs.readFileSync('models/camvid/model.json', 'utf8'));
  const r = cli('models', 'camvid');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  card.classes.forEach((c: { name: string; color: number[] }, i: number) => {
    const hex = '#' + c.color.map((v) => v.toString(16).padStart(2, '0')).join('');
    assert.ok(lines.some((l) => new RegExp(`^\\s+${i}\\s+${c.name}\\s+${hex}`).test(l)), `class ${i} ${c.name} ${hex}`);
  });
  assert.ok(lines.some((l) => l.startsWith(`input: every image resized to ${card.input.rule.size[1]}x${card.input.rule.size[0]} (width x height) (${card.input.rule.filter} filter)`)), r.out);
  for (const s of card.scores) assert.ok(lines.includes(`score: ${s.metric} ${s.value} on ${s.dataset} (${s.source})`), s.dataset);
  assert.match(r.out, /^files: weights weights\.safetensors \(\d+\.\d MB\); ONNX model\.onnx \(\d+\.\d MB\)$/m);
  assert.match(r.out, /^ +11 +Unlabelled +#000000 +\(the ignore label: not scored\)$/m);
  const j = cli('models', path.resolve('models/camvid'), '--json');
  assert.equal(j.code, 0, j.err);
  const parsed = JSON.parse(j.out);
  assert.deepEqual(parsed.classes, card.classes);
  assert.deepEqual(parsed.scores, card.scores);
  assertOneLineError(cli('models', 'camvd'), /^pixelwise: camvd: no such folder and no shipped model of that name \(shipped: ade20k, camvid, /);
  assertOneLineError(cli('models', tempDir()), /^pixelwise: \/.*: no model\.json in it; is this a pixelwise run or model folder\?$/);
});

test('demo: segments the shipped photos with the shipped models; class JSON matches the label maps', async () => {
  const d = tempDir();
  const r = cli('demo', '--out', d);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /chelsea\.png .* voc .* cat \d/);
  assert.match(r.out, /dashcam\.png .* cityscapes .* road \d/);
  assert.match(r.out, /coffee\.png .* ade20k .* wall \d/);
  assert.match(r.out, /astronaut\.png .* person .* person \d/);
  assert.ok(fs.existsSync(path.join(d, 'astronaut-person', 'astronaut-person_effect.png')), 'the person model\'s background effect');
  assert.match(r.out, /npx pixelwise predict/);
  assert.ok(fs.statSync(path.join(d, 'overview.jpg')).size > 10_000);
  for (const name of ['astronaut', 'chelsea', 'coffee', 'dashcam', 'coffee-ade20k', 'astronaut-person']) {
    const labels = decode(fs.readFileSync(path.join(d, name, `${name}_labels.png`)));
    const j = JSON.parse(fs.readFileSync(path.join(d, name, `${name}_classes.json`), 'utf8'));
    assert.deepEqual([j.width, j.height], [labels.width, labels.height]);
    for (const c of j.classes) assert.equal(c.pixels, (labels.data as Uint8Array).reduce((n, v) => n + (v === c.id ? 1 : 0), 0), `${name} ${c.name}`);
    for (const kind of ['color', 'overlay', 'legend']) assert.ok(fs.existsSync(path.join(d, name, `${name}_${kind}.png`)), `${name} ${kind}`);
  }
});

test('evaluate and compare --class-file: RGB masks in a dataset\'s own palette score as their index masks do; a list of other length is refused; settings of an export or of label QA given without it are refused', async () => {
  const d = tempDir();
  const photo = path.resolve('assets/photos/chelsea.png');
  const { width, height } = await sharp(photo).metadata();
  const W = width!, H = height!;
  // Index masks: a cat box on background; the same masks drawn in a palette of the dataset's own.
  const ids = new Uint8Array(W * H);
  for (let y = 40; y < 260; y++) for (let x = 90; x < 360; x++) ids[y * W + x] = 8;
  const palette = Array.from({ length: 21 }, (_, i) => [(i * 37) % 256, 255 - i * 11, (i * 91) % 256]);
  const rgb = new Uint8Array(W * H * 3);
  ids.forEach((v, p) => rgb.set(palette[v], p * 3));
  const images = path.join(d, 'images');
  fs.mkdirSync(images);
  fs.copyFileSync(photo, path.join(images, 'chelsea.png'));
  writeGreyPng(path.join(d, 'index', 'chelsea.png'), ids, W, H);
  fs.mkdirSync(path.join(d, 'rgb'));
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(path.join(d, 'rgb', 'chelsea.png'));
  const classFile = path.join(d, 'palette.json');
  fs.writeFileSync(classFile, JSON.stringify(palette.map((color, i) => ({ name: `c${i}`, color }))));
  const scores = (masks: string, ...more: string[]) => {
    const r = cli('evaluate', '--model', 'voc-fast', '--images', images, '--masks', masks, '--json', '--quiet', '--bootstrap', '0', '--report', path.join(d, `rep-${path.basename(masks)}-${more.length}`), ...more);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  const byIndex = scores(path.join(d, 'index'));
  const byColour = scores(path.join(d, 'rgb'), '--class-file', classFile);
  assert.deepEqual(byColour.perClass, byIndex.perClass);
  assert.equal(byColour.mIoU, byIndex.mIoU);
  // Without the palette, the colours are not the model's: refused naming the mask.
  assertOneLineError(cli('evaluate', '--model', 'voc-fast', '--images', images, '--masks', path.join(d, 'rgb'), '--report', path.join(d, 'r3')), /chelsea\.png: \d+ pixels have colours that are not in the class list/);
  fs.writeFileSync(classFile, JSON.stringify(palette.slice(0, 12).map((color, i) => ({ name: `c${i}`, color }))));
  assertOneLineError(cli('evaluate', '--model', 'voc-fast', '--images', images, '--masks', path.join(d, 'rgb'), '--class-file', classFile, '--report', path.join(d, 'r4')), /^pixelwise: --class-file .*palette\.json: lists 12 classes where voc-fast predicts 21/);
  assertOneLineError(cli('compare', 'voc-fast', 'voc-fast', '--images', images, '--masks', path.join(d, 'rgb'), '--class-file', classFile, '--report', path.join(d, 'r5')), /^pixelwise: --class-file .*palette\.json: lists 12 classes where voc-fast predicts 21/);
  // Settings that would change nothing without what they go with.
  assertOneLineError(cli('predict', photo, '--model', 'voc-fast', '--out', path.join(d, 'p'), '--ls-from-name', 'brush'), /^pixelwise: --ls-from-name goes with --export labelstudio; without it, it would change nothing$/);
  assertOneLineError(cli('predict', photo, '--model', 'voc-fast', '--out', path.join(d, 'p'), '--export', 'coco', '--outline-tolerance', '1'), /^pixelwise: --outline-tolerance goes with --export yolo, labelme, cvat-xml, or labelstudio with --ls-regions polygon/);
  assertOneLineError(cli('verify', '--images', images, '--masks', path.join(d, 'index'), '--classes', '21', '--weights', 'best'), /^pixelwise: --weights goes with --model \(label QA\)/);
  assertOneLineError(cli('video', photo, '--out', path.join(d, 'v.mp4'), '--fps', '10'), /^pixelwise: --fps goes with --input-format raw/);
  assertOneLineError(cli('calibrate', '--model', 'voc-fast', '--images', images, '--masks', path.join(d, 'rgb'), '--class-file', classFile, '--out', path.join(d, 'cal')), /^pixelwise: --class-file .*palette\.json: lists 12 classes where voc-fast predicts 21/);
  assert.ok(!fs.existsSync(path.join(d, 'p')) && !fs.existsSync(path.join(d, 'cal')));
});
