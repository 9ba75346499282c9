// What verify tells a user who does not know a dataset's classes: every value its masks hold, with
// pixel counts, and the --classes that reads them (0/255 as two classes, gaps packed by a label map).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { classesFromValues, maskValues } from '../../src/data/verify.ts';
import { tempDir, writeGreyPng, writeRgb } from '../helpers.ts';

const W = 4, H = 2;
const img = (f: string) => writeRgb(f, new Uint8Array(W * H * 3).fill(90), W, H);
const grey = (f: string, values: number[]) => writeGreyPng(f, Uint8Array.from(values), W, H);

test('maskValues counts every value of every mask; RGB colour masks and unreadable masks are counted apart', async () => {
  const d = tempDir();
  await img(path.join(d, 'images', 'a.png')); grey(path.join(d, 'masks', 'a.png'), [0, 0, 0, 255, 255, 255, 255, 255]);
  await img(path.join(d, 'images', 'b.png')); grey(path.join(d, 'masks', 'b.png'), [0, 0, 255, 255, 255, 255, 255, 255]);
  const r = maskValues({ images: path.join(d, 'images'), masks: path.join(d, 'masks') });
  assert.deepEqual(r, { masks: 2, values: [[0, 5], [255, 11]], colourMasks: 0, problems: [] });
  // A colour mask (red and green), and a file that is no PNG.
  await img(path.join(d, 'images', 'c.png'));
  await writeRgb(path.join(d, 'masks', 'c.png'), Uint8Array.from({ length: W * H * 3 }, (_, i) => (i % 3 === (Math.floor(i / 3) % 2) ? 200 : 0)), W, H);
  await img(path.join(d, 'images', 'e.png')); fs.writeFileSync(path.join(d, 'masks', 'e.png'), 'not a png');
  const r2 = maskValues({ images: path.join(d, 'images'), masks: path.join(d, 'masks') });
  assert.deepEqual([r2.masks, r2.values, r2.colourMasks, r2.problems.length], [4, [[0, 5], [255, 11]], 1, 1]);
  assert.match(r2.problems[0], /e\.png: cannot read mask/);
  // Files without their pair are said, as verify says them with --classes.
  await img(path.join(d, 'images', 'lone.png'));
  assert.deepEqual(maskValues({ images: path.join(d, 'images'), masks: path.join(d, 'masks') }).problems[0], `${path.join(d, 'images', 'lone.png')}: no mask with the same name in ${path.join(d, 'masks')}`);
});

test('classesFromValues: the --classes that reads the values found', () => {
  assert.equal(classesFromValues([0, 255]), '--classes 2 (0 and 255: 255 read as class 1; or --classes 1 for one sigmoid output)');
  assert.equal(classesFromValues([0, 1, 2, 3]), '--classes 4 (ids 0..3)');
  assert.equal(classesFromValues([0, 1, 2, 255]), '--classes 3 (ids 0..2, 255 the ignore label)');
  assert.equal(classesFromValues([0, 1, 5, 7]), '--classes 8 (ids 0..7; 2, 3, 4, 6 never appear: --label-map 5:2,7:3 --classes 4 packs the 4 found)');
  assert.equal(classesFromValues([255]), 'every pixel is 255, the ignore label: no class to learn');
  assert.equal(classesFromValues([0, 20]), '--classes 21 (ids 0..20; 19 of them never appear: --label-map 20:1 --classes 2 packs the 2 found)');
});

test('the CLI: verify without --classes lists the mask values and suggests --classes; train without it says where to find it', async () => {
  const d = tempDir();
  await img(path.join(d, 'images', 'a.png')); grey(path.join(d, 'masks', 'a.png'), [0, 1, 1, 2, 2, 2, 255, 255]);
  const BIN = path.resolve('bin/pixelwise.js');
  const v = spawnSync(process.execPath, [BIN, 'verify', '--images', path.join(d, 'images'), '--masks', path.join(d, 'masks'), '--quiet'], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout, `1 mask; no --classes given: the values they hold

value        pixels    share
    0             1   12.50%
    1             2   25.00%
    2             3   37.50%
  255             2   25.00%

suggested: --classes 3 (ids 0..2, 255 the ignore label); then verify again with it
`);
  // Nothing paired: said in one line, exit 1, no table.
  fs.mkdirSync(path.join(d, 'none'));
  const e = spawnSync(process.execPath, [BIN, 'verify', '--images', path.join(d, 'none'), '--masks', path.join(d, 'masks'), '--quiet'], { encoding: 'utf8' });
  assert.deepEqual([e.status, e.stdout], [1, `${path.join(d, 'masks', 'a.png')}: no image with the same name in ${path.join(d, 'none')}\n${path.join(d, 'none')}: no images (jpg/png/bmp/webp/tiff/avif/gif) found\n`]);
  const t = spawnSync(process.execPath, [BIN, 'train', '--images', path.join(d, 'images'), '--masks', path.join(d, 'masks'), '--input-size', '2x4', '--out', path.join(d, 'run')], { encoding: 'utf8' });
  assert.equal(t.status, 2);
  assert.equal(t.stderr, 'pixelwise: --classes is required: the number of classes the masks hold (`pixelwise verify` with the same --images and --masks lists the values they hold), or --class-file (or --resume RUN_DIR)\n');
});
