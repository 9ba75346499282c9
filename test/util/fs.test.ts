// Logs of JSON lines (predict's and rank's records): a line cut short by a kill spoils itself alone;
// long files refused in one line; folders made without Node's recursive mkdir loop; the readers'
// one line for a file they cannot open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { appendLine, copyFileAtomic, endCutLine, makeDir, readFailure, readJsonLines, readTextFile } from '../../src/util/fs.ts';
import { copyPackage } from '../../src/models/package.ts';
import { MODELS_DIR } from '../../src/models/shipped.ts';
import { writeSyntheticDataset } from '../../src/data/synthetic.ts';
import { readImage } from '../../src/data/image_io.ts';
import { readMask } from '../../src/data/mask_io.ts';
import { readRaster } from '../../src/data/raster.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';

test('readJsonLines passes over a line cut short; endCutLine ends it so that the next line appended reads back', () => {
  const file = path.join(tempDir(), 'log.jsonl');
  assert.deepEqual(readJsonLines(file), [], 'no file: no lines');
  endCutLine(file);
  assert.ok(!fs.existsSync(file), 'no file made');
  appendLine(file, JSON.stringify({ a: 1 }));
  // A kill in the middle of the second line.
  fs.appendFileSync(file, '{"a":2,"b"');
  assert.deepEqual(readJsonLines(file), [{ a: 1 }]);
  // Appended without ending the cut line, the next line would be lost with it.
  endCutLine(file);
  endCutLine(file);
  appendLine(file, JSON.stringify({ a: 3 }));
  assert.deepEqual(readJsonLines(file), [{ a: 1 }, { a: 3 }]);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n{"a":2,"b"\n{"a":3}\n');
});

test('readTextFile: a file longer than a string holds (a sparse 600 MB file) is refused in one line with its size and the remedy; others read', () => {
  const d = tempDir();
  fs.writeFileSync(path.join(d, 'small.xml'), '<annotations/>');
  assert.equal(readTextFile(path.join(d, 'small.xml'), 'split it'), '<annotations/>');
  const big = path.join(d, 'big.xml');
  fs.writeFileSync(big, '<annotations>');
  fs.truncateSync(big, 600 * 2 ** 20);
  try {
    assert.throws(() => readTextFile(big, 'export the task in parts'), (e: Error) => e instanceof UserError && e.message === `${big}: 600 MB, more than one file is read as (512 MB of text); export the task in parts`);
  } finally { fs.rmSync(big); }
});

test('makeDir: makes the missing folders; a file on the way and a pseudo file system that takes no folders are refused in one line, not looped on', () => {
  const d = tempDir();
  makeDir(path.join(d, 'a', 'b', 'c'));
  assert.ok(fs.statSync(path.join(d, 'a', 'b', 'c')).isDirectory());
  makeDir(path.join(d, 'a', 'b')); // there already
  fs.writeFileSync(path.join(d, 'f'), 'x');
  assert.throws(() => makeDir(path.join(d, 'f', 'g')), new RegExp(`${path.join(d, 'f')} is a file, not a folder; choose another path`));
  fs.symlinkSync(path.join(d, 'gone'), path.join(d, 'link'));
  assert.throws(() => makeDir(path.join(d, 'link', 'g')), new RegExp(`${path.join(d, 'link')} is a link to ${path.join(d, 'gone')}, which is not there; create it or choose another path`));
  // Node's recursive mkdir spins here for ever (ENOENT for the folder, EEXIST for /proc).
  if (fs.existsSync('/proc/self')) assert.throws(() => makeDir('/proc/pixelwise-test/x'), /^UserError: \/proc\/pixelwise-test\/x: \/proc does not take new folders; choose another path$/);
});

test('the image, raster and mask readers say a file is missing or a folder in one wording, and pass other errors on', async () => {
  const d = tempDir(), missing = path.join(d, 'nope.png');
  const reasons = async (f: () => unknown) => { try { await f(); } catch (e) { assert.ok(e instanceof UserError); return e.message; } return 'read'; };
  for (const [read, what] of [[readImage, 'image'], [readRaster, 'image'], [readMask, 'mask']] as const) {
    assert.equal(await reasons(() => read(missing)), `${missing}: cannot read ${what} (no such file); check the path`);
    assert.equal(await reasons(() => read(d)), `${d}: a folder, not ${what === 'image' ? 'an' : 'a'} ${what} file; give ${what === 'image' ? 'an' : 'a'} ${what} in it`);
  }
  // Errors other than those three are the reader's to word.
  assert.equal(readFailure(missing, 'image', Object.assign(new Error('EIO'), { code: 'EIO' })), undefined);
  assert.equal(readFailure(missing, 'image', new Error('bad')), undefined);
});

// /dev/full accepts opens and fails every write with ENOSPC: a temp name linked to it is a full disk for that file.
const onFullDisk = (file: string) => fs.symlinkSync('/dev/full', path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`));
const noFullDisk = !fs.existsSync('/dev/full') && 'no /dev/full';

test('a copy onto a full disk (copyFileAtomic: a model package copied by quantize and calibrate --out) is one line naming the file; nothing under its name, no temp file', { skip: noFullDisk }, () => {
  const d = tempDir(), from = path.join(d, 'a.bin'), to = path.join(d, 'b.bin');
  fs.writeFileSync(from, new Uint8Array(1 << 16).fill(7));
  onFullDisk(to);
  assert.throws(() => copyFileAtomic(from, to), (e: Error) => e instanceof UserError && e.message === `${to}: the disk is full; nothing was written under this name (free some space and run again)`);
  assert.deepEqual(fs.readdirSync(d), ['a.bin']);
  copyFileAtomic(from, to);
  assert.deepEqual(fs.readFileSync(to), fs.readFileSync(from));
  // The package copy (before: "internal error: ENOSPC ... copyfile", exit 70, after the whole calibration).
  const pkg = path.join(d, 'pkg');
  makeDir(pkg);
  onFullDisk(path.join(pkg, 'model.onnx'));
  assert.throws(() => copyPackage(path.join(MODELS_DIR, 'voc'), pkg), (e: Error) => e instanceof UserError && e.message === `${path.join(pkg, 'model.onnx')}: the disk is full; nothing was written under this name (free some space and run again)`);
  assert.ok(!fs.existsSync(path.join(pkg, 'model.onnx')) && !fs.existsSync(path.join(pkg, 'model.json')));
});

test('the demo\'s generated dataset onto a full disk: one line naming the image (before: sharp\'s "vips2png: unable to write", an internal error)', { skip: noFullDisk }, async () => {
  const d = tempDir(), image = path.join(d, 'images', 'sample_001.png');
  makeDir(path.dirname(image));
  onFullDisk(image);
  await assert.rejects(writeSyntheticDataset(d, 3, 16, 16), (e: Error) => e instanceof UserError && e.message === `${image}: the disk is full; nothing was written under this name (free some space and run again)`);
  assert.ok(!fs.existsSync(image));
});
