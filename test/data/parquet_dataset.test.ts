// Hugging Face datasets in Parquet (convert --from parquet): files written here as `datasets`
// writes them (Image features as structs of bytes and path, the features in the file's
// "huggingface" metadata, snappy pages, split by file name), read back into images, masks, classes
// and split lists byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { encode } from 'fast-png';
import { parquetWriteFile } from 'hyparquet-writer';
import { splitOfFile } from '../../src/data/parquet_dataset.ts';
import { tempDir } from '../helpers.ts';

const W = 24, H = 16;
/** Node 22.15 and later compress zstd (the pages of many Hub datasets); Node 20 does not. */
const zstd = (zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Buffer }).zstdCompressSync;
const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/pixelwise.js', ...args], { encoding: 'utf8' });

/** A row: a photo (PNG or JPEG) and a grey mask of values 0..2 with a band of 255 (void). */
async function row(seed: number, jpeg: boolean) {
  const rgb = Buffer.from(Array.from({ length: W * H * 3 }, (_, i) => (i * 7 + seed * 31) % 256));
  const image = new Uint8Array(await (jpeg ? sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).jpeg() : sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png()).toBuffer());
  const values = Uint8Array.from({ length: W * H }, (_, i) => (Math.floor(i / W) === 3 ? 255 : (Math.floor((i % W) / 8) + seed) % 3));
  return { image, mask: encode({ width: W, height: H, data: values, depth: 8, channels: 1 }), values };
}

function writeSplit(file: string, rows: { image: Uint8Array; mask: Uint8Array }[], names: (string | null)[], maskColumn = 'annotation', codec: 'SNAPPY' | 'GZIP' | 'ZSTD' = 'SNAPPY', features = true) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const imageFeatures = { image: { _type: 'Image' }, [maskColumn]: { _type: 'Image' }, id: { dtype: 'int32', _type: 'Value' } };
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'image', data: rows.map((r, i) => ({ bytes: r.image, path: names[i] })) },
      { name: maskColumn, data: rows.map((r, i) => ({ bytes: r.mask, path: names[i] ? names[i]!.replace(/\.\w+$/, '_mask.png') : null })) },
      { name: 'id', data: rows.map((_, i) => i) },
    ],
    schema: [
      { name: 'root', num_children: 3 },
      { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: maskColumn, repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'id', type: 'INT32', repetition_type: 'OPTIONAL' },
    ],
    kvMetadata: features ? [{ key: 'huggingface', value: JSON.stringify({ info: { features: imageFeatures } }) }] : [],
    rowGroupSize: 2, // rows are read a row group at a time: several here
    ...(codec === 'GZIP' ? { codec, compressors: { GZIP: (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b)) } } : {}),
    ...(codec === 'ZSTD' ? { codec, compressors: { ZSTD: (b: Uint8Array) => new Uint8Array(zstd!(b)) } } : {}),
  });
}

test('splits by file name, else by folder', () => {
  const root = '/d';
  assert.equal(splitOfFile('/d/data/train-00000-of-00002-abc.parquet', root), 'train');
  assert.equal(splitOfFile('/d/data/validation-00000-of-00001.parquet', root), 'val');
  assert.equal(splitOfFile('/d/data/test-00000-of-00001.parquet', root), 'test');
  assert.equal(splitOfFile('/d/default/validation/0000.parquet', root), 'val');
  assert.equal(splitOfFile('/d/0000.parquet', root), 'train');
});

test('convert --from parquet: images and masks byte for byte, classes from id2label.json, one list per split; verify reads the result; refusals in one line', async () => {
  const d = tempDir(), root = path.join(d, 'hf');
  const train = await Promise.all([0, 1, 2, 3, 4].map((i) => row(i, i % 2 === 1)));
  const val = await Promise.all([5, 6, 7].map((i) => row(i, false)));
  // Rows named by their source file, but two of them alike and one not named: made unique.
  writeSplit(path.join(root, 'data', 'train-00000-of-00001.parquet'), train, ['street/a.png', 'b.jpg', null, 'a.png', 'e.jpg']);
  writeSplit(path.join(root, 'data', 'validation-00000-of-00001.parquet'), val, ['v0.png', 'v1.png', 'v2.png']);
  fs.writeFileSync(path.join(root, 'id2label.json'), JSON.stringify({ 0: 'road', 1: 'car', 2: 'person' }));
  const out = path.join(d, 'out');
  const r = cli('convert', '--from', 'parquet', root, '--out', out, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote 8 images \(columns image, annotation\) to .* 3 classes to .*classes\.json \(from id2label\.json\)$/m);
  assert.match(r.stdout, /^splits: train 5 \(.*train\.txt\), val 3 \(.*val\.txt\)$/m);
  const trainNames = fs.readFileSync(path.join(out, 'train.txt'), 'utf8').trim().split('\n');
  // The extension is the bytes' format, whatever the source's name said.
  assert.deepEqual(trainNames, ['a.png', 'b.jpg', 'train_000002.png', 'train_000003.jpg', 'e.png']);
  assert.deepEqual(fs.readFileSync(path.join(out, 'val.txt'), 'utf8').trim().split('\n'), ['v0.png', 'v1.png', 'v2.png']);
  for (const [i, name] of trainNames.entries()) {
    assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(out, 'images', name))), train[i].image, name);
    assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(out, 'masks', name.replace(/\.\w+$/, '.png')))), train[i].mask, name);
  }
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'classes.json'), 'utf8')).map((c: { name: string }) => c.name), ['road', 'car', 'person']);
  const line = /^train with: (.*)$/m.exec(r.stdout)![1];
  const args = line.split(' ').map((a) => a.replace(/^'|'$/g, ''));
  const v = cli('verify', ...args.filter((a, i) => !/^--val/.test(a) && !/^--val/.test(args[i - 1] ?? '')), '--quiet');
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /5 (image|pair)/);

  // Without id2label.json: classes named by the masks' values. --val-fraction holds val out of train. Gzip
  // pages, and no features in the metadata: the image columns found by their structs.
  const bare = path.join(d, 'bare');
  writeSplit(path.join(bare, 'train.parquet'), train, [null, null, null, null, null], 'label', 'GZIP', false);
  const b = cli('convert', '--from', 'parquet', path.join(bare, 'train.parquet'), '--out', path.join(d, 'out2'), '--val-fraction', '0.4', '--quiet');
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /3 classes to .* \(named class 0\.\. by the masks' values: no id2label\.json beside the files; give --class-file for names\)/);
  const held = fs.readFileSync(path.join(d, 'out2', 'val.txt'), 'utf8').trim().split('\n'), kept = fs.readFileSync(path.join(d, 'out2', 'train.txt'), 'utf8').trim().split('\n');
  assert.equal(held.length + kept.length, 5);
  assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(d, 'out2', 'masks', 'train_000004.png'))), train[4].mask);
  assert.ok(held.length >= 1 && kept.length >= 1);

  const refused = (args: string[], re: RegExp) => {
    const x = cli('convert', '--from', 'parquet', ...args);
    assert.equal(x.status, 2, x.stdout + x.stderr);
    assert.match(x.stderr.trim(), re);
    assert.equal(x.stderr.trim().split('\n').length, 1, x.stderr);
  };
  const jpegMasks = path.join(d, 'jpeg', 'train.parquet');
  writeSplit(jpegMasks, [{ image: train[0].image, mask: train[1].image }], ['x.png']);
  refused([jpegMasks, '--out', path.join(d, 'o3')], /row 0: the annotation column holds JPEG masks \(lossy compression changes class ids along every edge\); masks are read from PNG files only/);
  refused([d + '/nothing', '--out', path.join(d, 'o4')], /nothing: no such file or folder$/);
  refused([path.join(root, 'id2label.json'), '--out', path.join(d, 'o4')], /id2label\.json: not a \.parquet file/);
  refused([root, '--out', path.join(d, 'o5'), '--mask-column', 'segmentation'], /^pixelwise: --mask-column segmentation: .*train-00000-of-00001\.parquet has no such column \(columns: image, annotation, id\)$/);
  refused([root, '--out', path.join(d, 'o5b'), '--mask-column', 'id'], /^pixelwise: --mask-column id: in .*train-00000-of-00001\.parquet, not a column of encoded images \(those: image, annotation\)$/);
  refused([root, '--out', path.join(d, 'o6'), '--images', d], /^pixelwise: --images .*(not parquet|--from FORMAT)/);
  refused([root, '--out', path.join(d, 'o7'), '--val-fraction', '0.2'], /^pixelwise: --val-fraction 0\.2: the dataset has a validation split \(3 images\); leave it out$/);
});

test('convert --from parquet reads zstd pages where Node has zstd', { skip: !zstd && `Node ${process.versions.node} has no zstd (22.15 or later)` }, async () => {
  const d = tempDir(), rows = await Promise.all([1, 2].map((i) => row(i, false)));
  writeSplit(path.join(d, 'hf', 'train-00000-of-00001.parquet'), rows, ['p.png', 'q.png'], 'label', 'ZSTD');
  const r = cli('convert', '--from', 'parquet', path.join(d, 'hf'), '--out', path.join(d, 'out'), '--quiet');
  assert.equal(r.status, 0, r.stderr);
  for (const [i, n] of ['p', 'q'].entries()) assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(d, 'out', 'masks', `${n}.png`))), rows[i].mask);
});
