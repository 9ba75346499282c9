// Images beyond 8-bit RGB read as stored: 16-bit PNG samples exact (the 8-bit path squashes them),
// grey as one band, a multi-band GeoTIFF written with the geotiff package read back with its
// georeferencing; per-band statistics by hand; verify reports the bands and refuses mixed ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { encode } from 'fast-png';
import { writeArrayBuffer, fromArrayBuffer } from 'geotiff';
import { BandStats, geoTiffLabels, readRaster } from '../../src/data/raster.ts';
import { readImage } from '../../src/data/image_io.ts';
import { tempDir, writeGreyPng, writeRgb } from '../helpers.ts';

test('16-bit PNG: samples read exactly (classes that differ below the 8th bit stay apart); the 8-bit path cannot tell them apart', async () => {
  const d = tempDir();
  const [w, h] = [8, 4];
  const data = Uint16Array.from({ length: w * h }, (_, i) => 30000 + (i % 2)); // 30000 and 30001
  const file = path.join(d, 'ct.png');
  fs.writeFileSync(file, encode({ width: w, height: h, data, depth: 16, channels: 1 }));
  const r = await readRaster(file);
  assert.deepEqual([r.channels, r.sampleType, r.width, r.height], [1, 'uint16', w, h]);
  assert.deepEqual(Array.from(r.data), Array.from(data));
  const eight = await readImage(file);
  assert.equal(new Set(eight.data).size, 1, 'the 8-bit read makes both values one');
});

test('grey 8-bit PNG: one band; RGB: three', async () => {
  const d = tempDir();
  writeGreyPng(path.join(d, 'g.png'), Uint8Array.from({ length: 12 }, (_, i) => i * 20), 4, 3);
  const g = await readRaster(path.join(d, 'g.png'));
  assert.deepEqual([g.channels, g.sampleType], [1, 'uint8']);
  assert.deepEqual(Array.from(g.data), Array.from({ length: 12 }, (_, i) => i * 20));
  await writeRgb(path.join(d, 'c.png'), new Uint8Array(12 * 3).fill(7), 4, 3);
  assert.equal((await readRaster(path.join(d, 'c.png'))).channels, 3);
});

test('a 5-band 16-bit GeoTIFF written with the geotiff package: every band and its georeferencing', async () => {
  const d = tempDir();
  const [w, h, c] = [6, 4, 5];
  const data = Uint16Array.from({ length: w * h * c }, (_, i) => (i * 997) % 65536);
  const buf = writeArrayBuffer(data, { width: w, height: h, SamplesPerPixel: c, BitsPerSample: new Array(c).fill(16), PlanarConfiguration: 1, ModelPixelScale: [10, 10, 0], GeoKeyDirectory: [1, 1, 0, 1, 3072, 0, 1, 32633] });
  const file = path.join(d, 'scene.tif');
  fs.writeFileSync(file, Buffer.from(buf));
  const r = await readRaster(file);
  assert.deepEqual([r.width, r.height, r.channels, r.sampleType], [w, h, c, 'uint16']);
  assert.deepEqual(Array.from(r.data), Array.from(data));
  const img = await (await fromArrayBuffer(buf)).getImage();
  assert.deepEqual(r.geo!.origin, img.getOrigin());
  assert.deepEqual(r.geo!.resolution, img.getResolution());
  assert.deepEqual(r.geo!.tags.ModelPixelScale, [10, 10, 0]);
  // Float samples stay floats.
  const f = Float32Array.from({ length: w * h * 2 }, (_, i) => i / 7 - 1);
  fs.writeFileSync(path.join(d, 'f.tif'), Buffer.from(writeArrayBuffer(f, { width: w, height: h, SamplesPerPixel: 2, BitsPerSample: [32, 32], SampleFormat: [3, 3], PlanarConfiguration: 1 } as never)));
  const rf = await readRaster(path.join(d, 'f.tif'));
  assert.deepEqual([rf.channels, rf.sampleType], [2, 'float32']);
  assert.deepEqual(Array.from(rf.data), Array.from(f));
});

test('per-band mean and std of samples over full scale, by hand; verify reports them and refuses mixed bands', async () => {
  const s = new BandStats();
  s.add({ data: Uint16Array.from([0, 65535, 65535, 65535]), width: 2, height: 1, channels: 2, sampleType: 'uint16' });
  assert.deepEqual(s.mean(), [0.5, 1]);
  assert.deepEqual(s.std(), [0.5, 0]);
  const d = tempDir();
  for (const n of ['a', 'b']) { await writeRgb(path.join(d, 'images', `${n}.png`), new Uint8Array(12).fill(51), 2, 2); writeGreyPng(path.join(d, 'masks', `${n}.png`), new Uint8Array(4), 2, 2); }
  const run = () => spawnSync(process.execPath, [path.resolve('bin/pixelwise.js'), 'verify', '--images', path.join(d, 'images'), '--masks', path.join(d, 'masks'), '--classes', '2', '--quiet'], { encoding: 'utf8' });
  const ok = run();
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /images: 3 bands of uint8; per band \(samples \/ 255\): mean 0\.2000, 0\.2000, 0\.2000; std 0\.0000, 0\.0000, 0\.0000/);
  writeGreyPng(path.join(d, 'images', 'b.png'), new Uint8Array(4), 2, 2);
  const mixed = run();
  assert.equal(mixed.status, 1);
  assert.match(mixed.stdout, /b\.png: 1 bands of uint8 where the first image has 3 of uint8; a dataset's images share their bands/);
});

test('a label map as a GeoTIFF keeps its source image\'s georeferencing', async () => {
  const d = tempDir();
  const [w, h] = [5, 3];
  const src = path.join(d, 'scene.tif');
  fs.writeFileSync(src, Buffer.from(writeArrayBuffer(new Uint16Array(w * h * 4).fill(9), { width: w, height: h, SamplesPerPixel: 4, BitsPerSample: [16, 16, 16, 16], PlanarConfiguration: 1, ModelPixelScale: [0.5, 0.5, 0], ModelTiepoint: [0, 0, 0, 440720, 3751320, 0], ProjectedCSTypeGeoKey: 32611, GeoKeyDirectory: [1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32611] } as never)));
  const scene = await readRaster(src);
  const labels = Uint8Array.from({ length: w * h }, (_, i) => i % 4);
  const out = path.join(d, 'scene_labels.tif');
  fs.writeFileSync(out, geoTiffLabels(labels, w, h, scene.geo!));
  const back = await readRaster(out);
  assert.deepEqual([back.channels, back.sampleType, back.width, back.height], [1, 'uint8', w, h]);
  assert.deepEqual(Array.from(back.data), Array.from(labels));
  assert.deepEqual(scene.geo!.origin, [440720, 3751320, 0]); // UTM 11N, as written
  assert.deepEqual(back.geo!.origin, scene.geo!.origin);
  assert.deepEqual(back.geo!.resolution, scene.geo!.resolution);
  assert.deepEqual(back.geo!.tags.GeoKeyDirectory, scene.geo!.tags.GeoKeyDirectory);
});
