// predict over folders: --recursive keeps the subfolders in the files and the exports' names, and
// --resume continues a run stopped by Ctrl-C, its files and exports ending byte for byte as one
// uninterrupted run writes them; an image is predicted again whenever its input, its files or the
// settings changed since.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { readMask } from '../../src/data/mask_io.ts';
import { tempDir } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');
const PHOTOS = path.resolve('assets/photos');
const EXPORTS = 'coco,labelstudio,cvat,yolo,labelme';

/** Every file under `dir` by its path there (zips by their members: their entries carry times). */
function contents(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (!fs.statSync(p).isFile() || f === 'predict.jsonl') continue;
    const bytes = fs.readFileSync(p);
    if (f.endsWith('.zip')) for (const [m, b] of Object.entries(unzipSync(bytes))) out.set(`${f}:${m}`, Buffer.from(b).toString('base64'));
    else if (f === 'coco.json') out.set(f, JSON.stringify({ ...JSON.parse(bytes.toString()), info: null }));
    else out.set(f, bytes.toString('base64'));
  }
  return out;
}

test('predict --resume: stopped by SIGINT and resumed, the files and exports equal an uninterrupted run\'s; a changed input, file or setting is predicted again', async () => {
  const d = tempDir();
  const images = path.join(d, 'images');
  fs.mkdirSync(images);
  // Twelve small images: enough that the stop lands before the last.
  for (const k of [1, 2, 3]) {
    for (const f of fs.readdirSync(PHOTOS).filter((x) => x.endsWith('.png'))) await sharp(path.join(PHOTOS, f)).resize(200 + 16 * k).png().toFile(path.join(images, `${k}_${f}`));
  }
  const args = (out: string, ...more: string[]) => [BIN, 'predict', images, '--model', 'voc-fast', '--out', out, '--export', EXPORTS, ...more];
  const ref = path.join(d, 'ref');
  const r0 = spawnSync(process.execPath, args(ref), { encoding: 'utf8' });
  assert.equal(r0.status, 0, r0.stderr);
  const expected = contents(ref);
  assert.equal([...expected.keys()].filter((f) => f.endsWith('_labels.png')).length, 12);

  const out = path.join(d, 'out');
  const record = path.join(out, 'predict.jsonl');
  const lines = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n').filter(Boolean) : []);
  const child = spawn(process.execPath, args(out), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => { stderr += b; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  while (lines().length < 1) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  const finished = lines().length;
  assert.ok(finished >= 1 && finished < 12, `${finished} finished before the stop`);
  assert.equal(stderr, `pixelwise: stopped by SIGINT; the files of ${finished} of 12 images are complete; the same command with --resume predicts the other ${12 - finished}\n`);
  assert.ok(!fs.existsSync(path.join(out, 'coco.json')), 'no export before the last image');

  const resume = (...more: string[]) => spawnSync(process.execPath, [...args(out, '--resume', ...more)], { encoding: 'utf8' });
  const r1 = resume();
  assert.equal(r1.status, 0, r1.stderr);
  assert.match(r1.stderr, new RegExp(`^${finished} of 12 images finished by an earlier run with these settings \\(.*predict\\.jsonl\\); predicting ${12 - finished}$`, 'm'));
  assert.deepEqual(contents(out), expected);
  assert.equal(lines().length, 12, 'each image recorded once');

  // Nothing left to do: nothing is written again.
  const labels = path.join(out, '1_astronaut_labels.png');
  const before = fs.statSync(labels).mtimeMs;
  const r2 = resume();
  assert.match(r2.stderr, /^12 of 12 images finished .*; predicting 0$/m);
  assert.equal(fs.statSync(labels).mtimeMs, before);
  assert.deepEqual(contents(out), expected);

  // The same command without --resume predicts every image again, saying that --resume would not.
  const again = spawnSync(process.execPath, args(out), { encoding: 'utf8' });
  assert.match(again.stderr, /^12 of 12 images were finished by an earlier run with these settings \(.*\): predicting them again \(--resume passes over them\)$/m);
  assert.notEqual(fs.statSync(labels).mtimeMs, before);
  assert.deepEqual(contents(out), expected);

  // Lines edited by hand (outputs that are no files, a confidence that is no number) are passed over
  // without a word; a folder named predict.jsonl is refused in one line.
  const first = JSON.parse(lines()[0]);
  fs.appendFileSync(record, JSON.stringify({ ...first, outputs: [{ file: 5 }] }) + '\n' + JSON.stringify({ ...first, confidence: { total: 'x' } }) + '\n');
  assert.match(resume().stderr, /^12 of 12 images finished .*; predicting 0$/m);
  fs.renameSync(record, path.join(d, 'kept.jsonl'));
  fs.mkdirSync(record);
  const r5 = resume();
  assert.equal(r5.status, 2);
  assert.equal(r5.stderr, `pixelwise: --out ${out}: predict.jsonl there is not a file (predict's record of the images it finished); move it away\n`);
  fs.rmdirSync(record);
  fs.renameSync(path.join(d, 'kept.jsonl'), record);

  // A touched input, and another image's overlay written over, are predicted again.
  fs.utimesSync(path.join(images, '2_chelsea.png'), new Date(), new Date(Date.now() + 5000));
  fs.writeFileSync(path.join(out, '3_coffee_overlay.png'), 'not the overlay');
  const r3 = resume();
  assert.match(r3.stderr, /^10 of 12 images finished .*; predicting 2$/m);
  assert.deepEqual(contents(out), expected);

  // Other settings: predicted again; without --resume, predicted again too.
  const one = (...more: string[]) => spawnSync(process.execPath, [BIN, 'predict', path.join(images, '1_astronaut.png'), '--model', 'voc-fast', '--out', out, '--export', EXPORTS, ...more], { encoding: 'utf8' });
  assert.match(one('--resume', '--alpha', '0.3').stderr, /^0 of 1 images finished .*; predicting 1$/m);
  const overlay = (dir: string) => fs.readFileSync(path.join(dir, '1_astronaut_overlay.png'));
  assert.notDeepEqual(overlay(out), overlay(ref));
  const r4 = one();
  assert.equal(r4.status, 0, r4.stderr);
  assert.doesNotMatch(r4.stderr, /finished by an earlier run/);
  assert.deepEqual(overlay(out), overlay(ref));

  // The model by content: a copy of it is the same model; a copy whose card changed is not.
  const copy = path.join(d, 'copy');
  fs.cpSync(path.resolve('models/voc-fast'), copy, { recursive: true });
  const byCopy = (...more: string[]) => spawnSync(process.execPath, [BIN, 'predict', path.join(images, '1_astronaut.png'), '--model', copy, '--out', out, '--export', EXPORTS, '--resume', ...more], { encoding: 'utf8' });
  assert.match(byCopy().stderr, /^1 of 1 images finished .*; predicting 0$/m);
  fs.appendFileSync(path.join(copy, 'model.json'), '\n');
  assert.match(byCopy().stderr, /^0 of 1 images finished .*; predicting 1$/m);
});

test('predict --recursive: subfolders\' images, their files in the same subfolders, the exports naming them by their paths there and converting back to the label maps exactly', async () => {
  const d = tempDir();
  const tree = path.join(d, 'tree');
  const put = async (rel: string, photo: string) => {
    fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    await sharp(path.join(PHOTOS, photo)).resize(224).toFile(path.join(tree, rel));
  };
  // One name in two subfolders; a JPEG two levels down; a hidden file that is no image.
  await put('top.png', 'coffee.png');
  await put('s1/a.png', 'astronaut.png');
  await put('s2/a.png', 'chelsea.png');
  await put('s3/deep/b.jpg', 'dashcam.png');
  fs.writeFileSync(path.join(tree, 's1', '._a.png'), 'resource fork');
  const predict = (out: string, ...more: string[]) => spawnSync(process.execPath, [BIN, 'predict', ...more, '--model', 'voc-fast', '--out', out, '--quiet'], { encoding: 'utf8' });

  // Without --recursive: the folder's own images, and a line on the subfolders passed over.
  const flat = path.join(d, 'flat');
  const r0 = predict(flat, tree);
  assert.equal(r0.status, 0, r0.stderr);
  assert.equal(r0.stderr, `${tree}: its 3 subfolders not looked in (--recursive takes their images)\n`);
  assert.deepEqual(fs.readdirSync(flat).filter((f) => f.endsWith('_labels.png')), ['top_labels.png']);
  const r1 = predict(path.join(d, 'none'), path.join(tree, 's3'));
  assert.equal(r1.status, 2);
  assert.equal(r1.stderr, `pixelwise: ${path.join(tree, 's3')}: no images (jpg/png/bmp/webp/tiff/avif/gif) in this folder; its 1 subfolder not looked in (--recursive takes their images)\n`);

  // The same images named one by one: the reference label maps.
  const ref = path.join(d, 'ref');
  const files = ['s1/a.png', 's2/a.png', 's3/deep/b.jpg', 'top.png'];
  assert.equal(predict(ref, ...files.map((f) => path.join(tree, f))).status, 0);
  const refLabels = ['a', 'a_png', 'b', 'top'].map((n) => readMask(path.join(ref, `${n}_labels.png`)).data);

  const out = path.join(d, 'out');
  const r2 = predict(out, tree, '--recursive', '--export', EXPORTS);
  assert.equal(r2.status, 0, r2.stderr);
  const stems = ['s1/a', 's2/a', 's3/deep/b', 'top'];
  stems.forEach((s, i) => {
    for (const suffix of ['_labels.png', '_color.png', '_overlay.png', '_legend.png', '_classes.json']) assert.ok(fs.existsSync(path.join(out, s + suffix)), s + suffix);
    assert.deepEqual(readMask(path.join(out, `${s}_labels.png`)).data, refLabels[i], s);
  });
  const coco = JSON.parse(fs.readFileSync(path.join(out, 'coco.json'), 'utf8'));
  assert.deepEqual(coco.images.map((i: { file_name: string }) => i.file_name), files);
  assert.deepEqual(Object.keys(unzipSync(fs.readFileSync(path.join(out, 'yolo.zip')))).filter((f) => f.startsWith('labels/')).sort(), stems.map((s) => `labels/train/${s}.txt`).sort());
  assert.deepEqual(stems.map((s) => fs.existsSync(path.join(out, 'labelme', `${s}.json`))), [true, true, true, true]);

  // Each export read back by convert: the masks keep the subfolders and equal the label maps.
  const yolo = path.join(d, 'yolo');
  for (const [name, bytes] of Object.entries(unzipSync(fs.readFileSync(path.join(out, 'yolo.zip'))))) { fs.mkdirSync(path.join(yolo, path.dirname(name)), { recursive: true }); fs.writeFileSync(path.join(yolo, name), bytes); }
  fs.cpSync(tree, path.join(yolo, 'images', 'train'), { recursive: true });
  for (const [from, file, imageDir] of [['coco', 'coco.json', tree], ['labelstudio', 'labelstudio.json', tree], ['cvat-mask', 'cvat.zip', tree],
    ['yolo', path.join(yolo, 'data.yaml'), path.join(yolo, 'images', 'train')], ['labelme', 'labelme', tree],
    // The zip as written, with the images where they are (before: "no images folder in its path").
    ['yolo', 'yolo.zip', tree]]) {
    const back = path.join(d, `back-${from}-${path.basename(file)}`);
    const c = spawnSync(process.execPath, [BIN, 'convert', '--from', from, path.resolve(out, file), '--images', imageDir, '--out', back, '--class-file', 'voc', '--quiet', ...(from === 'labelstudio' ? ['--predictions'] : [])], { encoding: 'utf8' });
    assert.equal(c.status, 0, `${from}: ${c.stderr}`);
    stems.forEach((s, i) => assert.deepEqual(readMask(path.join(back, 'masks', `${s}.png`)).data, refLabels[i], `${s}: ${from}`));
  }

  // Predictions written inside the tree (a folder in it, or beside the images) are not inputs of the next run.
  for (const inside of [path.join(tree, 'pred'), tree]) {
    assert.match(predict(inside, tree, '--recursive').stdout, /^4 images -> /m);
    const again = predict(inside, tree, '--recursive', '--resume');
    assert.match(again.stdout, /^4 images -> /m, inside);
    assert.match(again.stderr, /^4 of 4 images finished by an earlier run/m, inside);
  }
  // An image given again (the folder and one of its files) is predicted once, saying so.
  const twice = predict(path.join(d, 'twice'), tree, path.join(tree, 'top.png'));
  assert.equal(twice.status, 0, twice.stderr);
  assert.match(twice.stderr, new RegExp(`^1 image given more than once \\(${path.join(tree, 'top.png').replace(/[.]/g, '\\.')}\\): each predicted once$`, 'm'));
  assert.deepEqual(fs.readdirSync(path.join(d, 'twice')).filter((f) => f.endsWith('_labels.png')), ['top_labels.png']);
  // Nor, by their records, for a run writing elsewhere.
  assert.match(predict(path.join(d, 'elsewhere'), tree, '--recursive').stdout, /^4 images -> /m);

  // A second run into the same folder (its subfolders are pixelwise's files) is taken.
  const r3 = predict(out, tree, '--recursive', '--export', 'coco', '--resume');
  assert.equal(r3.status, 0, r3.stderr);
  assert.match(r3.stderr, /^4 of 4 images finished by an earlier run/m);
  fs.writeFileSync(path.join(out, 's1', 'notes.txt'), 'mine');
  const r4 = predict(out, tree, '--recursive', '--export', 'coco');
  assert.equal(r4.status, 2);
  assert.match(r4.stderr, /holds files that pixelwise did not write \(s1\/notes\.txt\)/);
});

test('predict --outputs: the label map and only the pictures asked for, each as the full run writes it; --resume treats other outputs as other settings', () => {
  const run = (out: string, ...more: string[]) => spawnSync(process.execPath, [BIN, 'predict', PHOTOS, '--model', 'person', '--out', out, '--quiet', ...more], { encoding: 'utf8' });
  const d = tempDir(), all = path.join(d, 'all'), some = path.join(d, 'some'), none = path.join(d, 'none');
  assert.equal(run(all).status, 0);
  assert.equal(run(some, '--outputs', 'overlay,classes').status, 0);
  assert.equal(run(none, '--outputs', 'none').status, 0);
  const full = contents(all), partial = contents(some), bare = contents(none);
  const stems = ['astronaut', 'chelsea', 'coffee', 'dashcam'];
  assert.deepEqual([...partial.keys()].sort(), stems.flatMap((s) => [`${s}_classes.json`, `${s}_labels.png`, `${s}_overlay.png`]).sort());
  assert.deepEqual([...bare.keys()].sort(), stems.map((s) => `${s}_labels.png`).sort());
  for (const [f, bytes] of partial) assert.equal(bytes, full.get(f), f);
  // Resumed with the same outputs: nothing to do; with others: predicted again.
  assert.match(run(some, '--outputs', 'overlay,classes', '--resume').stderr, /^4 of 4 images finished by an earlier run with these settings/);
  assert.match(run(some, '--outputs', 'overlay', '--resume').stderr, /^0 of 4 images finished by an earlier run with these settings/);
  // All outputs asked for by name are the default's settings.
  assert.match(run(all, '--outputs', 'color,overlay,legend,classes', '--resume').stderr, /^4 of 4 images finished/);
  const bad = run(d, '--outputs', 'mask');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.trim(), /^pixelwise: --outputs mask: no output mask; name some of color, overlay, legend, classes \(comma-separated; the label map is always written\), or none$/);
});
