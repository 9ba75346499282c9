// Images beyond 8-bit RGB through training, evaluation and prediction (the CLI, end to end):
// a 4-band 16-bit GeoTIFF set whose labels only the 4th band carries, and 16-bit grey PNGs whose
// classes differ only below their 8th bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { decode, encode } from 'fast-png';
import { writeArrayBuffer, fromArrayBuffer } from 'geotiff';
import { tempDir, writeGreyPng, writeRgbPng } from '../helpers.ts';
import { readImage } from '../../src/data/image_io.ts';
import { readRaster } from '../../src/data/raster.ts';
import { load } from '../../src/inference/load.ts';
import { buildServer } from '../../src/serve/server.ts';
import { DEFAULT_SERVE } from '../../src/serve/options.ts';
import { Rng } from '../../src/util/random.ts';

const BIN = path.resolve('bin/pixelwise.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
const ok = (r: ReturnType<typeof cli>) => { assert.equal(r.status, 0, r.stderr); return r; };
const S = 32;
const GEO = { ProjectedCSTypeGeoKey: 32633, ModelPixelScale: [10, 10, 0], ModelTiepoint: [0, 0, 0, 500000, 4100000, 0], GeoKeyDirectory: [1, 1, 0, 1, 3072, 0, 1, 32633] };

/** A random axis-aligned rectangle of class 1 on class 0. */
function rectMask(rng: Rng): Uint8Array {
  const m = new Uint8Array(S * S), x0 = rng.int(S / 2), y0 = rng.int(S / 2), x1 = x0 + 6 + rng.int(S / 2 - 4), y1 = y0 + 6 + rng.int(S / 2 - 4);
  for (let y = y0; y < Math.min(S, y1); y++) for (let x = x0; x < Math.min(S, x1); x++) m[y * S + x] = 1;
  return m;
}

/** 4 bands of uint16: three of noise, the 4th high where the mask is 1 (its value `band4(label)`). */
function fourBands(mask: Uint8Array, rng: Rng, band4: (label: number) => number): Uint16Array {
  const d = new Uint16Array(S * S * 4);
  for (let p = 0; p < S * S; p++) {
    for (let k = 0; k < 3; k++) d[p * 4 + k] = rng.int(65536);
    d[p * 4 + 3] = band4(mask[p]);
  }
  return d;
}

const writeTiff = (file: string, d: Uint16Array) => fs.writeFileSync(file, Buffer.from(writeArrayBuffer(d, {
  width: S, height: S, SamplesPerPixel: 4, BitsPerSample: [16, 16, 16, 16], PlanarConfiguration: 1, ...GEO,
} as never)));

test('a 4-band 16-bit GeoTIFF model trains, uses its 4th band, and predicts GeoTIFF label maps', async (tc) => {
  const d = tempDir('pw-bands-');
  const rng = new Rng(4);
  const signal = (l: number) => (l ? 50000 : 15000) + rng.int(8000) - 4000;
  for (const split of ['train', 'val', 'zeroed']) for (const k of ['img', 'mask']) fs.mkdirSync(path.join(d, split, k), { recursive: true });
  for (let i = 0; i < 16; i++) {
    const split = i < 12 ? 'train' : 'val';
    const mask = rectMask(rng), bands = fourBands(mask, rng, signal);
    writeTiff(path.join(d, split, 'img', `t${i}.tif`), bands);
    writeGreyPng(path.join(d, split, 'mask', `t${i}.png`), mask, S, S);
    if (split === 'val') {
      for (let p = 0; p < S * S; p++) bands[p * 4 + 3] = 0;
      writeTiff(path.join(d, 'zeroed', 'img', `t${i}.tif`), bands);
      writeGreyPng(path.join(d, 'zeroed', 'mask', `t${i}.png`), mask, S, S);
    }
  }
  const run = path.join(d, 'run');
  const t = ok(cli('train', '--arch', 'unet', '--width', '8', '--depth', '2', '--images', path.join(d, 'train/img'), '--masks', path.join(d, 'train/mask'),
    '--classes', '2', '--input-size', `${S}x${S}`, '--batch-size', '4', '--epochs', '12', '--lr', '1e-2', '--quiet', '--workers', '0', '--out', run));
  assert.match(t.stderr, /images read as stored: 4 bands of uint16/);
  const card = JSON.parse(fs.readFileSync(path.join(run, 'model.json'), 'utf8'));
  assert.equal(card.input.channels, 4);
  assert.equal(card.input.sampleType, 'uint16');
  assert.equal(card.model.inChannels, 4);
  assert.equal(card.input.normalization.mean.length, 4);
  // The 4th band's mean, as computed from the training images (samples / 65535), is between the two levels.
  assert.ok(card.input.normalization.mean[3] > 15000 / 65535 && card.input.normalization.mean[3] < 50000 / 65535);
  const miou = (split: string) => JSON.parse(ok(cli('evaluate', '--model', run, '--images', path.join(d, split, 'img'), '--masks', path.join(d, split, 'mask'), '--json', '--report', path.join(d, 'report-' + split))).stdout).mIoU;
  const withBand = miou('val'), zeroed = miou('zeroed');
  tc.diagnostic(`val mIoU with the 4th band ${(100 * withBand).toFixed(2)}, with it zeroed ${(100 * zeroed).toFixed(2)}`);
  assert.ok(withBand > 0.9, `val mIoU with the 4th band ${withBand}`);
  assert.ok(zeroed < withBand - 0.3, `val mIoU with the 4th band zeroed ${zeroed} (with it ${withBand})`);

  // predict: PNG outputs on the chosen bands, and a GeoTIFF label map with the input's georeferencing.
  const out = path.join(d, 'pred');
  ok(cli('predict', '--model', run, path.join(d, 'val/img/t12.tif'), '--out', out, '--display-bands', '4,3,2'));
  for (const f of ['t12_labels.png', 't12_overlay.png', 't12_labels.tif']) assert.ok(fs.existsSync(path.join(out, f)), f);
  const buf = fs.readFileSync(path.join(out, 't12_labels.tif'));
  const img = await (await fromArrayBuffer(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))).getImage();
  assert.deepEqual(img.getOrigin().slice(0, 2), [500000, 4100000]);
  assert.deepEqual(img.getResolution().slice(0, 2), [10, -10]);
  const labels = (await img.readRasters({ interleave: true })) as unknown as Uint8Array;
  const png = decode(fs.readFileSync(path.join(out, 't12_labels.png')));
  assert.deepEqual(Array.from(labels), Array.from(png.data as Uint8Array), 'the GeoTIFF holds the PNG label map');
  // The library: the file's bytes and its decoded samples give the CLI's label map.
  const model = await load(run);
  try {
    const bytes = fs.readFileSync(path.join(d, 'val/img/t12.tif'));
    assert.deepEqual(Array.from((await model.segment(new Uint8Array(bytes))).labels), Array.from(labels));
    const raster = await readRaster(path.join(d, 'val/img/t12.tif'));
    assert.deepEqual(Array.from((await model.segment(raster)).labels), Array.from(labels));
    await assert.rejects(model.segment({ data: new Uint8Array(S * S * 3), width: S, height: S }), /3 bands but the model takes 4/);
  } finally { await model.dispose(); }
  // A package: its ONNX graph takes 4 bands, and ONNX Runtime gives the TF.js label map.
  const pkg = path.join(d, 'models', 'four');
  ok(cli('export', '--model', run, '--package', pkg));
  const onnxOut = path.join(d, 'pred-onnx');
  ok(cli('predict', '--model', pkg, '--runtime', 'onnx', path.join(d, 'val/img/t12.tif'), '--out', onnxOut));
  const viaOnnx = decode(fs.readFileSync(path.join(onnxOut, 't12_labels.png'))).data as Uint8Array;
  const differ = viaOnnx.reduce((n, v, i) => n + (v !== labels[i] ? 1 : 0), 0);
  assert.ok(differ <= 2, `ONNX Runtime differs from TF.js on ${differ} pixels`);
  // serve: a GeoTIFF upload is read as stored, as the library reads it.
  const server = await buildServer({ ...DEFAULT_SERVE, threads: 1, modelsDir: path.join(d, 'models') });
  try {
    const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const r = await fetch(`${url}/v1/segment?model=four&output=json&labels=true`, { method: 'POST', body: fs.readFileSync(path.join(d, 'val/img/t12.tif')), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(r.status, 200, await r.clone().text());
    const j = await r.json();
    const served = new Uint8Array(Buffer.from(j.labels, 'base64'));
    assert.ok(served.reduce((n, v, i) => n + (v !== labels[i] ? 1 : 0), 0) <= 2, 'served label map = the CLI\'s');
  } finally { await server.close(); }

  // Bad input: an RGB photo for a 4-band model, and display bands it does not have.
  writeRgbPng(path.join(d, 'rgb.png'), new Uint8Array(S * S * 3), S, S);
  fs.writeFileSync(path.join(d, 'three.tif'), Buffer.from(writeArrayBuffer(new Uint16Array(S * S * 3), { width: S, height: S, SamplesPerPixel: 3, BitsPerSample: [16, 16, 16], PlanarConfiguration: 1, ...GEO } as never)));
  for (const [args, pattern] of [
    [[path.join(d, 'rgb.png')], /rgb\.png: 3 bands but the model takes 4/],
    [[path.join(d, 'three.tif')], /three\.tif: 3 bands but the model takes 4/],
    [[path.join(d, 'val/img/t12.tif'), '--display-bands', '5,3,2'], /--display-bands 5,3,2: .*bands 1\.\.4/],
  ] as const) {
    const r = cli('predict', '--model', run, ...args, '--out', path.join(d, 'bad'));
    assert.notEqual(r.status, 0);
    const lines = r.stderr.trim().split('\n').filter((l) => l.trim());
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], pattern);
  }
});

test('16-bit grey PNGs whose classes differ below the 8th bit train to a high mIoU; read as 8 bits they are one value', async (tc) => {
  const d = tempDir('pw-16bit-');
  const rng = new Rng(7);
  for (const split of ['train', 'val']) for (const k of ['img', 'mask']) fs.mkdirSync(path.join(d, split, k), { recursive: true });
  for (let i = 0; i < 14; i++) {
    const split = i < 10 ? 'train' : 'val';
    const mask = rectMask(rng);
    // High byte 0x80 everywhere: class 0 around 0x8020, class 1 around 0x80a0 (noise +-24).
    const v = Uint16Array.from(mask, (l) => 0x8000 + (l ? 0xa0 : 0x20) + rng.int(49) - 24);
    fs.writeFileSync(path.join(d, split, 'img', `g${i}.png`), encode({ width: S, height: S, data: v, depth: 16, channels: 1 }));
    writeGreyPng(path.join(d, split, 'mask', `g${i}.png`), mask, S, S);
  }
  // What the 8-bit path sees: one grey level for both classes.
  const eight = await readImage(path.join(d, 'val/img/g10.png'));
  assert.equal(new Set(eight.data).size, 1, 'the 8-bit reading keeps one value');
  const run = path.join(d, 'run');
  const t = ok(cli('train', '--arch', 'unet', '--width', '8', '--depth', '2', '--images', path.join(d, 'train/img'), '--masks', path.join(d, 'train/mask'),
    '--classes', '2', '--input-size', `${S}x${S}`, '--batch-size', '4', '--epochs', '12', '--lr', '1e-2', '--quiet', '--workers', '0', '--out', run));
  assert.match(t.stderr, /images read as stored: 1 band of uint16/);
  const card = JSON.parse(fs.readFileSync(path.join(run, 'model.json'), 'utf8'));
  assert.deepEqual([card.input.channels, card.input.sampleType], [1, 'uint16']);
  const e = JSON.parse(ok(cli('evaluate', '--model', run, '--images', path.join(d, 'val/img'), '--masks', path.join(d, 'val/mask'), '--json', '--report', path.join(d, 'report'))).stdout);
  tc.diagnostic(`val mIoU of the 16-bit model ${(100 * e.mIoU).toFixed(2)}`);
  assert.ok(e.mIoU > 0.9, `val mIoU ${e.mIoU}`);
});

test('a 1-band model of 8-bit grey images (--channels 1) reads them as one band, in training and prediction', async () => {
  const d = tempDir('pw-grey-');
  const rng = new Rng(9);
  for (const split of ['train', 'val']) for (const k of ['img', 'mask']) fs.mkdirSync(path.join(d, split, k), { recursive: true });
  for (let i = 0; i < 10; i++) {
    const split = i < 8 ? 'train' : 'val';
    const mask = rectMask(rng);
    writeGreyPng(path.join(d, split, 'img', `m${i}.png`), Uint8Array.from(mask, (l) => (l ? 170 : 80) + rng.int(41) - 20), S, S);
    writeGreyPng(path.join(d, split, 'mask', `m${i}.png`), mask, S, S);
  }
  const run = path.join(d, 'run');
  const t = ok(cli('train', '--arch', 'unet', '--width', '8', '--depth', '2', '--channels', '1', '--images', path.join(d, 'train/img'), '--masks', path.join(d, 'train/mask'),
    '--classes', '2', '--input-size', `${S}x${S}`, '--batch-size', '4', '--epochs', '10', '--lr', '1e-2', '--quiet', '--workers', '0', '--out', run));
  assert.match(t.stderr, /images read as stored: 1 band of uint8/);
  const card = JSON.parse(fs.readFileSync(path.join(run, 'model.json'), 'utf8'));
  assert.deepEqual([card.input.channels, card.input.sampleType, card.model.inChannels], [1, undefined, 1]);
  const e = JSON.parse(ok(cli('evaluate', '--model', run, '--images', path.join(d, 'val/img'), '--masks', path.join(d, 'val/mask'), '--json', '--report', path.join(d, 'report'))).stdout);
  assert.ok(e.mIoU > 0.9, `val mIoU ${e.mIoU}`);
  const out = path.join(d, 'pred');
  ok(cli('predict', '--model', run, path.join(d, 'val/img/m8.png'), '--out', out));
  assert.ok(fs.existsSync(path.join(out, 'm8_overlay.png')));
});
