// Dataset pairing, mask encodings, label maps, split lists and `verify` problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { encode as encodePng } from 'fast-png';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readMask, encodeLabelPng, parseLabelMap } from '../../src/data/mask_io.ts';
import { pairSamples, loadSamples, looksBinary255, readSplitList, splitListText } from '../../src/data/dataset.ts';
import { verifyDataset } from '../../src/data/verify.ts';
import { readImage } from '../../src/data/image_io.ts';
import { medianFrequencyWeights } from '../../src/data/stats.ts';
import { UserError } from '../../src/util/errors.ts';
import { cliMessage } from '../../src/cli/flags.ts';
import { bmpFile, lowBitPng, tempDir, writeGreyPng, writeRgb, writeRgbPng } from '../helpers.ts';

const W = 4, H = 3;
const labels = Uint8Array.from([0, 1, 2, 3, 1, 1, 2, 2, 0, 3, 3, 0]);
const colors: [number, number, number][] = [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]];

test('masks: grey index, palette index and RGB colour encodings give the same class ids', () => {
  const d = tempDir();
  writeGreyPng(path.join(d, 'grey.png'), labels, W, H);
  fs.writeFileSync(path.join(d, 'pal.png'), encodeLabelPng(labels, W, H, colors));
  const rgb = new Uint8Array(W * H * 3);
  labels.forEach((l, i) => rgb.set(colors[l], i * 3));
  writeRgbPng(path.join(d, 'rgb.png'), rgb, W, H);
  const g = readMask(path.join(d, 'grey.png'));
  const p = readMask(path.join(d, 'pal.png'));
  const r = readMask(path.join(d, 'rgb.png'), { colors });
  assert.equal(g.mode, 'index'); assert.equal(p.mode, 'palette'); assert.equal(r.mode, 'rgb');
  assert.deepEqual([...g.data], [...labels]);
  assert.deepEqual([...p.data], [...labels]);
  assert.deepEqual([...r.data], [...labels]);
  // RGB without a class list is refused with a clear message; unknown colours are counted.
  assert.throws(() => readMask(path.join(d, 'rgb.png')), (e: Error) => e instanceof UserError && /pass options\.classFile with each class's colour/.test(e.message) && /pass --class-file/.test(cliMessage(e)));
  const partial = readMask(path.join(d, 'rgb.png'), { colors: colors.slice(0, 2), unknownLabel: 255 });
  assert.equal(partial.unknownColors, labels.filter((l) => l >= 2).length);
  assert.ok([...partial.data].every((v, i) => (labels[i] < 2 ? v === labels[i] : v === 255)));
});

test('a grey mask saved as RGB or RGBA (red, green and blue equal) reads as class ids, unless the class colours account for every pixel; a 0/255 one is found binary', async () => {
  const d = tempDir();
  const asChannels = (values: Uint8Array, c: number) => Uint8Array.from({ length: values.length * c }, (_, i) => (i % c === 3 ? 255 : values[Math.floor(i / c)]));
  writeRgbPng(path.join(d, 'rgb.png'), asChannels(labels, 3), W, H);
  fs.writeFileSync(path.join(d, 'rgba.png'), encodePng({ width: W, height: H, data: asChannels(labels, 4), depth: 8, channels: 4 }));
  for (const f of ['rgb.png', 'rgba.png']) {
    for (const o of [{}, { colors }]) {
      const m = readMask(path.join(d, f), { ...o, unknownLabel: 255 });
      assert.deepEqual([[...m.data], m.mode, m.unknownColors], [[...labels], 'index', 0], `${f} ${o.colors ? 'with' : 'without'} colours`);
    }
  }
  // Greys that are the classes' colours (a palette of black and white) map by the colours.
  const bw = Uint8Array.from([0, 255, 255, 0]);
  writeRgbPng(path.join(d, 'bw.png'), asChannels(bw, 3), 2, 2);
  const byColour = readMask(path.join(d, 'bw.png'), { colors: [[0, 0, 0], [255, 255, 255]] });
  assert.deepEqual([[...byColour.data], byColour.mode], [[0, 1, 1, 0], 'rgb']);
  assert.deepEqual([...readMask(path.join(d, 'bw.png')).data], [...bw]);
  // A real colour mask still needs its colours.
  writeRgbPng(path.join(d, 'colour.png'), Uint8Array.from([0, 0, 0, 255, 0, 0, 255, 0, 0, 0, 0, 0]), 2, 2);
  assert.throws(() => readMask(path.join(d, 'colour.png')), (e: Error) => e instanceof UserError && /RGB colour mask/.test(e.message));
  fs.mkdirSync(path.join(d, 'img'));
  await writeRgb(path.join(d, 'img', 'bw.png'), new Uint8Array(12), 2, 2);
  assert.equal(await looksBinary255([{ id: 'bw', image: path.join(d, 'img', 'bw.png'), mask: path.join(d, 'bw.png') }]), true);
});

test('label map: 255:1 turns a 0/255 binary mask into classes 0/1; bad specs are refused', () => {
  const d = tempDir();
  writeGreyPng(path.join(d, 'b.png'), Uint8Array.from([0, 255, 255, 0]), 2, 2);
  assert.deepEqual([...readMask(path.join(d, 'b.png'), { labelMap: parseLabelMap('255:1') }).data], [0, 1, 1, 0]);
  assert.throws(() => parseLabelMap('255-1'), /^UserError: labelMap 255-1: expected comma-separated FROM:TO/);
  assert.throws(() => parseLabelMap('300:1'), /^UserError: labelMap 300:1/);
});

test('pairing by stem across image formats, split lists, binary detection', async () => {
  const d = tempDir();
  const img = new Uint8Array(W * H * 3).fill(100);
  await writeRgb(path.join(d, 'img', 'a.jpg'), img, W, H);
  await writeRgb(path.join(d, 'img', 'b.png'), img, W, H);
  await writeRgb(path.join(d, 'img', 'c.webp'), img, W, H);
  const px = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 13) % 256);
  fs.writeFileSync(path.join(d, 'img', 'd.bmp'), bmpFile(px, W, H, 24));
  writeGreyPng(path.join(d, 'msk', 'a.png'), Uint8Array.from(labels.map((l) => (l ? 255 : 0))), W, H);
  writeGreyPng(path.join(d, 'msk', 'b.png'), Uint8Array.from(labels.map((l) => (l ? 255 : 0))), W, H);
  writeGreyPng(path.join(d, 'msk', 'z.png'), labels, W, H);
  const r = pairSamples({ images: path.join(d, 'img'), masks: path.join(d, 'msk') });
  assert.deepEqual(r.samples.map((s) => s.id), ['a', 'b']);
  assert.deepEqual(r.imagesWithoutMask.map((f) => path.basename(f)), ['c.webp', 'd.bmp']);
  assert.deepEqual((await readImage(path.join(d, 'img', 'd.bmp'))).data, px, 'BMP decodes exactly');
  assert.deepEqual(r.masksWithoutImage.map((f) => path.basename(f)), ['z.png']);
  assert.ok(await looksBinary255(r.samples));
  // Scans without a lesion first (masks of background alone): judged on the masks that mark something.
  const empty = path.join(d, 'empty.png'), bw = path.join(d, 'msk', 'a.png'), ones = path.join(d, 'ones.png');
  writeGreyPng(empty, new Uint8Array(W * H), W, H);
  writeGreyPng(ones, Uint8Array.from(labels.map((l) => (l ? 1 : 0))), W, H);
  const at = (masks: string[]) => masks.map((mask, i) => ({ id: String(i), image: bw, mask }));
  assert.equal(await looksBinary255(at([...Array(10).fill(empty), bw, bw])), true);
  assert.equal(await looksBinary255(at([...Array(10).fill(empty), bw, ones])), false);
  assert.equal(await looksBinary255(at(Array(10).fill(empty))), false);
  // A CamVid-style list: first token is a path, only its stem matters.
  fs.writeFileSync(path.join(d, 'list.txt'), '/SegNet/CamVid/train/b.png /SegNet/CamVid/trainannot/b.png\n');
  const spec = { images: path.join(d, 'img'), masks: path.join(d, 'msk'), list: path.join(d, 'list.txt'), numClasses: 2, ignoreIndex: 255 };
  assert.deepEqual(loadSamples(spec).map((s) => s.id), ['b']);
  fs.writeFileSync(path.join(d, 'bad.txt'), 'nothere\n');
  assert.throws(() => loadSamples({ ...spec, list: path.join(d, 'bad.txt') }), /no image/);
  assert.throws(() => loadSamples({ ...spec, list: undefined }), (e: Error) => e instanceof UserError && /c\.webp: no mask/.test(e.message));
  const decoded = await readImage(path.join(d, 'img', 'c.webp'));
  assert.equal(decoded.width, W); assert.equal(decoded.data.length, W * H * 3);
});

test('split lists: a stem keeps its dots (frame.0001; before: read as frame, "no image"); written lists read back to their images, a name no line can hold refused', async () => {
  const d = tempDir();
  const img = new Uint8Array(W * H * 3).fill(100);
  const names = ['frame.0001.png', 'frame.0002.png', 'x.png.png', 'sub/2021.05.03 cam1.jpg', 'a b.png'];
  for (const n of names) {
    await writeRgb(path.join(d, 'img', n), img, W, H);
    writeGreyPng(path.join(d, 'msk', n.replace(/\.\w+$/, '.png')), labels, W, H);
  }
  const spec = { images: path.join(d, 'img'), masks: path.join(d, 'msk'), recursive: true, numClasses: 2, ignoreIndex: 255 };
  const ids = loadSamples(spec).map((s) => s.id).sort();
  assert.deepEqual(ids, ['a b', 'frame.0001', 'frame.0002', 'sub/2021.05.03 cam1', 'x.png']);
  // Stems as a user writes them, and the names as written by splitListText: the same images.
  const list = path.join(d, 'list.txt');
  fs.writeFileSync(list, '# held out\nframe.0001\nsub/2021.05.03 cam1\n\n');
  assert.deepEqual(loadSamples({ ...spec, list }).map((s) => s.id), ['frame.0001', 'sub/2021.05.03 cam1']);
  fs.writeFileSync(list, splitListText(names, list));
  assert.deepEqual(readSplitList(list), ['frame.0001', 'frame.0002', 'x.png', 'sub/2021.05.03 cam1', 'a b']);
  assert.deepEqual(loadSamples({ ...spec, list }).map((s) => s.id).sort(), ids);
  // Accents spelt decomposed (a mask named on macOS) and composed: one image, its mask, its list entry.
  const nfc = 'caf\u00e9', nfd = 'cafe\u0301';
  await writeRgb(path.join(d, 'img', `${nfd}.png`), img, W, H);
  writeGreyPng(path.join(d, 'msk', `${nfc}.png`), labels, W, H);
  fs.writeFileSync(list, `${nfd}.png\n`);
  const accented = loadSamples({ ...spec, list });
  assert.deepEqual(accented.map((s) => [s.id, path.basename(s.image), path.basename(s.mask!)]), [[nfc, `${nfd}.png`, `${nfc}.png`]]);
  for (const bad of ['a\nb.png', '#1.png', ' lead.png', 'a.png b.png']) {
    assert.throws(() => splitListText(['ok.png', bad], list), (e: Error) => e instanceof UserError && e.message === `${list}: the image ${JSON.stringify(bad)} cannot be named in a list of one name a line (a line break, a leading "#" or space, or two image names in one); rename the file`, JSON.stringify(bad));
  }
});

test('names that differ in case alone pair (as a case-blind Windows or macOS folder pairs them) when nothing matches exactly and the match is unique', async () => {
  const d = tempDir();
  const img = new Uint8Array(W * H * 3).fill(100);
  for (const n of ['IMG_1.PNG', 'Cat.jpg', 'a.png', 'A.png']) await writeRgb(path.join(d, 'img', n), img, W, H);
  for (const n of ['img_1.png', 'cat.png', 'a.png', 'X.png']) writeGreyPng(path.join(d, 'msk', n), labels, W, H);
  const r = pairSamples({ images: path.join(d, 'img'), masks: path.join(d, 'msk') });
  assert.deepEqual(r.samples.map((x) => [x.id, path.basename(x.image), path.basename(x.mask!)]).sort(), [['Cat', 'Cat.jpg', 'cat.png'], ['IMG_1', 'IMG_1.PNG', 'img_1.png'], ['a', 'a.png', 'a.png']]);
  // a.png has its own mask: A.png takes none of it.
  assert.deepEqual([r.imagesWithoutMask.map((f) => path.basename(f)), r.masksWithoutImage.map((f) => path.basename(f))], [['A.png'], ['X.png']]);
  const list = path.join(d, 'list.txt');
  fs.writeFileSync(list, 'img_1\nCAT.JPG\n');
  assert.deepEqual(pairSamples({ images: path.join(d, 'img'), masks: path.join(d, 'msk'), list }).samples.map((x) => path.basename(x.mask!)), ['img_1.png', 'cat.png']);
});

test('verify names every problem: missing pair, size mismatch, unreadable file, bad label', async () => {
  const d = tempDir();
  const img = new Uint8Array(W * H * 3).fill(50);
  for (const n of ['ok', 'size', 'label', 'lonely']) await writeRgb(path.join(d, 'img', `${n}.png`), img, W, H);
  fs.writeFileSync(path.join(d, 'img', 'broken.png'), 'not a png');
  writeGreyPng(path.join(d, 'msk', 'ok.png'), labels, W, H);
  writeGreyPng(path.join(d, 'msk', 'size.png'), new Uint8Array(2 * 2), 2, 2);
  writeGreyPng(path.join(d, 'msk', 'label.png'), Uint8Array.from(labels.map((l, i) => (i === 0 ? 9 : l))), W, H);
  writeGreyPng(path.join(d, 'msk', 'broken.png'), labels, W, H);
  const r = await verifyDataset({ images: path.join(d, 'img'), masks: path.join(d, 'msk'), numClasses: 4, ignoreIndex: 255 });
  const joined = r.problems.join('\n');
  assert.match(joined, /lonely\.png: no mask/);
  assert.match(joined, /size\.png: mask is 2x2 but its image is 4x3/);
  assert.match(joined, /label\.png: labels >= options\.numClasses 4 .*9 \(1 px\)/);
  assert.match(joined, /broken\.png: unreadable image/);
  assert.equal(r.problems.length, 4);
  // A clean dataset: the class histogram counts every pixel of every mask.
  const clean = await verifyDataset({ images: path.join(d, 'img'), masks: path.join(d, 'msk'), list: undefined, numClasses: 10, ignoreIndex: 255 });
  assert.equal(clean.histogram[9], 1);
});

test('median-frequency class weights', () => {
  const w = medianFrequencyWeights([50, 30, 20, 0]);
  // freqs .5 .3 .2; median .3 -> .6, 1, 1.5; absent class 0
  assert.deepEqual(w.map((x) => +x.toFixed(6)), [0.6, 1, 1.5, 0]);
});

test('fast label PNG (libpng + palette patch) decodes to the same indices and palette as fast-png', async () => {
  const { encodeLabelPngFast } = await import('../../src/render/label_png.ts');
  const { decode } = await import('fast-png');
  const w = 37, h = 23;
  const lab = Uint8Array.from({ length: w * h }, (_, i) => (i * 7 + (i >> 5)) % 13);
  const pal = Array.from({ length: 13 }, (_, i) => [i * 19, 250 - i * 11, (i * 53) % 256] as [number, number, number]);
  const a = decode(await encodeLabelPngFast(lab, w, h, pal));
  const b = decode(encodeLabelPng(lab, w, h, pal));
  assert.deepEqual([...a.data], [...lab]);
  assert.deepEqual([...a.data], [...b.data]);
  assert.deepEqual(a.palette!.map((c) => c.slice(0, 3)), b.palette!.map((c) => c.slice(0, 3)));
  const rgb = await (await import('sharp')).default(await encodeLabelPngFast(lab, w, h, pal)).raw().toBuffer();
  assert.deepEqual([...rgb.subarray(0, 6)], [...pal[lab[0]], ...pal[lab[1]]]);
  // Both label PNGs read as indexed (video's --labels-dir writes over them); an RGB PNG does not.
  const { isIndexedPngHead } = await import('../../src/render/label_png.ts');
  assert.ok(isIndexedPngHead(await encodeLabelPngFast(lab, w, h, pal)) && isIndexedPngHead(encodeLabelPng(lab, w, h, pal)));
  assert.ok(!isIndexedPngHead(await (await import('sharp')).default(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()));
});

test('--resize: masks are resized with nearest neighbour to one label per pixel, aligned with the image', async () => {
  const { loadPair } = await import('../../src/data/loader.ts');
  const d = tempDir();
  const w = 40, h = 30;
  // Left half class 1, right half class 2, top two rows ignore; image red = 100 * class.
  const mask = Uint8Array.from({ length: w * h }, (_, i) => (i < 2 * w ? 255 : (i % w) < w / 2 ? 1 : 2));
  const img = new Uint8Array(w * h * 3);
  mask.forEach((m, i) => { img[i * 3] = m === 255 ? 0 : 100 * m; });
  await writeRgb(path.join(d, 'a.png'), img, w, h);
  writeGreyPng(path.join(d, 'm.png'), mask, w, h);
  const p = await loadPair({ id: 'a', image: path.join(d, 'a.png'), mask: path.join(d, 'm.png') }, { images: d, numClasses: 3, ignoreIndex: 255 }, [15, 20]);
  assert.equal(p.mask.length, 20 * 15);
  assert.equal(p.image.length, 20 * 15 * 3);
  assert.deepEqual(new Set(p.mask), new Set([255, 1, 2]));
  for (let y = 2; y < 15; y++) for (const x of [2, 17]) {
    const k = p.mask[y * 20 + x];
    assert.equal(k, x < 10 ? 1 : 2);
    assert.ok(Math.abs(p.image[(y * 20 + x) * 3] - 100 * k) < 30);
  }
});

test('loader: beyond the cache budget samples are decoded per batch, with identical batches', async () => {
  const { SegLoader } = await import('../../src/data/loader.ts');
  const { IMAGENET_NORM } = await import('../../src/data/normalize.ts');
  const { writeSyntheticDataset } = await import('../../src/data/synthetic.ts');
  const { DEFAULT_AUGMENT } = await import('../../src/data/augment.ts');
  const d = tempDir();
  const ds = await writeSyntheticDataset(d, 6, 24, 16, 4);
  const spec = { images: ds.images, masks: ds.masks, numClasses: 4, ignoreIndex: 255 };
  const opts = { batchSize: 4, crop: [16, 16] as [number, number], augment: DEFAULT_AUGMENT, norm: IMAGENET_NORM, seed: 3, shuffle: true };
  const batches = async (cacheMb: number) => {
    const L = new SegLoader(loadSamples(spec), spec, { ...opts, cacheMb });
    await L.warm();
    const out = [];
    for await (const b of L.epoch(1)) out.push(b);
    return { cached: L.cacheAll, out };
  };
  const a = await batches(4096), b = await batches(0);
  assert.equal(a.cached, true);
  assert.equal(b.cached, false);
  assert.equal(a.out.length, 2);
  for (let i = 0; i < 2; i++) { assert.deepEqual(a.out[i].x, b.out[i].x); assert.deepEqual(a.out[i].y, b.out[i].y); }
});

test('masks of 1, 2 and 4 bits per pixel (grey and palette) read as one class id per pixel', () => {
  const d = tempDir();
  // 13 pixels a row: rows end mid-byte, so row starts must be honoured.
  const w = 13, h = 5;
  for (const depth of [1, 2, 4] as const) {
    const values = Uint8Array.from({ length: w * h }, (_, i) => (i * 7 + (i >> 3)) % (1 << depth));
    fs.writeFileSync(path.join(d, `g${depth}.png`), lowBitPng(values, w, h, depth));
    const pal = Array.from({ length: 1 << depth }, (_, i) => [i * 10, 0, 0] as [number, number, number]);
    fs.writeFileSync(path.join(d, `p${depth}.png`), lowBitPng(values, w, h, depth, pal));
    const g = readMask(path.join(d, `g${depth}.png`)), p = readMask(path.join(d, `p${depth}.png`));
    assert.deepEqual([g.mode, g.width, g.height, p.mode], ['index', w, h, 'palette']);
    assert.deepEqual([...g.data], [...values], `${depth}-bit grey`);
    assert.deepEqual([...p.data], [...values], `${depth}-bit palette`);
  }
  // A half-and-half binary mask is half class 1 (read as packed bytes it was 93.75 / 6.25).
  const half = Uint8Array.from({ length: 16 * 16 }, (_, i) => (i % 16 < 8 ? 1 : 0));
  fs.writeFileSync(path.join(d, 'half.png'), lowBitPng(half, 16, 16, 1));
  const m = readMask(path.join(d, 'half.png'));
  assert.equal(m.data.reduce((a, b) => a + b, 0), 128);
});

test('BMP: palettes of 1, 4 and 8 bits through their colour table, bottom-up and top-down rows, 24-bit', async () => {
  const d = tempDir();
  const w = 7, h = 3;
  const pal: [number, number, number][] = Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 8, (i * 37) % 256]);
  for (const bpp of [1, 4, 8] as const) {
    const idx = Uint8Array.from({ length: w * h }, (_, i) => (i * 5) % (1 << Math.min(bpp, 4)));
    const expected = Uint8Array.from([...idx].flatMap((k) => pal[k]));
    for (const topDown of [false, true]) {
      const f = path.join(d, `p${bpp}${topDown ? 'td' : ''}.bmp`);
      fs.writeFileSync(f, bmpFile(idx, w, h, bpp, pal.slice(0, 1 << Math.min(bpp, 4)), topDown));
      const im = await readImage(f);
      assert.deepEqual([im.width, im.height], [w, h]);
      assert.deepEqual(im.data, expected, `${bpp}-bit palette${topDown ? ', top-down' : ''}`);
    }
  }
  const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 29) % 256);
  fs.writeFileSync(path.join(d, 'td24.bmp'), bmpFile(rgb, w, h, 24, undefined, true));
  assert.deepEqual((await readImage(path.join(d, 'td24.bmp'))).data, rgb, 'top-down 24-bit');
});

test('pairing refuses what it cannot pair for sure: two images with one stem, a JPEG mask; verify names both', async () => {
  const d = tempDir();
  const img = new Uint8Array(W * H * 3).fill(80);
  await writeRgb(path.join(d, 'img', 'a.png'), img, W, H);
  fs.writeFileSync(path.join(d, 'img', 'a.bmp'), bmpFile(img, W, H, 24));
  await writeRgb(path.join(d, 'img', 'b.png'), img, W, H);
  writeGreyPng(path.join(d, 'msk', 'a.png'), labels, W, H);
  await writeRgb(path.join(d, 'msk', 'b.jpg'), new Uint8Array(W * H * 3), W, H);
  const r = pairSamples({ images: path.join(d, 'img'), masks: path.join(d, 'msk') });
  assert.deepEqual(r.sameStem.map(([a, b]) => [path.basename(a), path.basename(b)]), [['a.bmp', 'a.png']]);
  assert.deepEqual(r.lossyMasks.map((f) => path.basename(f)), ['b.jpg']);
  assert.deepEqual(r.imagesWithoutMask, [], 'the image with a JPEG mask is not reported as unpaired');
  const spec = { images: path.join(d, 'img'), masks: path.join(d, 'msk'), numClasses: 4, ignoreIndex: 255 };
  assert.throws(() => loadSamples(spec), (e: Error) => e instanceof UserError && /a\.png: has the same name as a\.bmp/.test(e.message));
  const v = await verifyDataset(spec);
  assert.ok(v.problems.some((p) => /a\.png: has the same name as a\.bmp/.test(p)), v.problems.join('\n'));
  assert.ok(v.problems.some((p) => /b\.jpg: masks must be PNG files/.test(p)), v.problems.join('\n'));
  fs.rmSync(path.join(d, 'img', 'a.bmp'));
  assert.throws(() => loadSamples(spec), (e: Error) => e instanceof UserError && /b\.jpg: masks must be PNG files/.test(e.message));
  // Every mask a JPEG: each one said, and the images not said to be missing.
  fs.rmSync(path.join(d, 'img', 'a.png'));
  fs.rmSync(path.join(d, 'msk', 'a.png'));
  assert.deepEqual((await verifyDataset(spec)).problems, [`${path.join(d, 'msk', 'b.jpg')}: masks must be PNG files (JPG compression changes class ids along every edge); save the masks as PNG`]);
  // A lossless mask of another kind: the same refusal, without the word about compression.
  fs.renameSync(path.join(d, 'msk', 'b.jpg'), path.join(d, 'msk', 'b.bmp'));
  assert.deepEqual((await verifyDataset(spec)).problems, [`${path.join(d, 'msk', 'b.bmp')}: masks are read from PNG files only; save the masks as PNG`]);
});

test('encodeLabelPng refuses a label map of another size than width x height by name (it was a TypeError)', () => {
  assert.throws(() => encodeLabelPng(labels.subarray(1), W, H, colors), (e: Error) => e instanceof UserError && e.argument === 'labels' && e.message === 'labels: 11 values for a 4x3 image; expected 12, one per pixel');
});

test('decodeImageBuffer: bytes that are no image are refused naming them as an image (not as an upload, the server\'s word)', async () => {
  const { decodeImageBuffer } = await import('../../src/data/image_io.ts');
  await assert.rejects(decodeImageBuffer(Buffer.from('not an image')), (e: Error) => e instanceof UserError && /^image: cannot decode image/.test(e.message));
});

test('folders walked with their subfolders: a link back up is walked once (no image twice), and training pairs by subfolder likewise', async () => {
  const { filesUnder, collectInputs, outputNames } = await import('../../src/data/image_list.ts');
  const dir = tempDir();
  const rgb = new Uint8Array(8 * 6 * 3).fill(40);
  await writeRgb(path.join(dir, 'a', 'x.png'), rgb, 8, 6);
  await writeRgb(path.join(dir, 'b', 'x.png'), rgb, 8, 6);
  await writeRgb(path.join(dir, 'top.png'), rgb, 8, 6);
  fs.symlinkSync('..', path.join(dir, 'a', 'up'));
  const png = (f: string) => f.endsWith('.png');
  assert.deepEqual(filesUnder(dir, true, png), ['a/x.png', 'b/x.png', 'top.png']);
  assert.deepEqual(filesUnder(dir, false, png), ['top.png']);
  // A file given again (by itself, by another path, through a link) is taken once, as first given.
  const repeated: string[][] = [];
  const elsewhere = tempDir();
  fs.symlinkSync(path.join(dir, 'top.png'), path.join(elsewhere, 'top-link.png'));
  const given = collectInputs([dir, path.join(dir, 'a', 'x.png'), `${dir}/b/../top.png`, path.join(elsewhere, 'top-link.png')], { recursive: true, onRepeated: (file, first) => repeated.push([file, first]) });
  assert.deepEqual(given.map((g) => g.name), ['a/x.png', 'b/x.png', 'top.png']);
  assert.deepEqual(repeated, [[path.join(dir, 'a', 'x.png'), path.join(dir, 'a', 'x.png')], [`${dir}/b/../top.png`, path.join(dir, 'top.png')], [path.join(elsewhere, 'top-link.png'), path.join(dir, 'top.png')]]);
  assert.deepEqual(outputNames(['a/x.png', 'b/x.png', 'top.png', 'x.png']), ['a/x', 'b/x', 'top', 'x']);
  const masks = tempDir();
  for (const n of ['a/x', 'b/x', 'top']) writeGreyPng(path.join(masks, `${n}.png`), new Uint8Array(8 * 6), 8, 6);
  assert.deepEqual(loadSamples({ images: dir, masks, numClasses: 2, ignoreIndex: 255, recursive: true }).map((s) => path.relative(dir, s.image)), ['a/x.png', 'b/x.png', 'top.png']);
  // A named pipe called like an image (before: listed, and reading it blocked the process for ever,
  // deaf to SIGTERM): left out of a folder's listing; given by name, refused naming it.
  const pipe = path.join(dir, 'b', 'pipe.png');
  if (spawnSync('mkfifo', [pipe]).status === 0) {
    assert.deepEqual(filesUnder(dir, true, png), ['a/x.png', 'b/x.png', 'top.png']);
    assert.deepEqual(collectInputs([path.join(dir, 'b')]).map((g) => g.name), ['x.png']);
    assert.throws(() => collectInputs([pipe]), (e: Error) => e instanceof UserError && e.message === `${pipe}: not a file or folder (a pipe, socket or device); save the image and give its path`);
  }
});

test('AVIF photos (what phones and browsers save) are images in folders too: listed for predict, paired for training, decoded to their size; HEIC photos, which sharp cannot decode, are named, not passed over in silence', async () => {
  const { collectImages } = await import('../../src/data/image_list.ts');
  const sharp = (await import('sharp')).default;
  const dir = tempDir();
  const rgb = Uint8Array.from({ length: 20 * 12 * 3 }, (_, i) => (i * 7) & 255);
  await sharp(rgb, { raw: { width: 20, height: 12, channels: 3 } }).avif().toFile(path.join(dir, 'a.avif'));
  await writeRgb(path.join(dir, 'b.png'), rgb, 20, 12);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  // A GIF in a folder is read as a named one is (its first frame), not passed over.
  await sharp(rgb, { raw: { width: 20, height: 12, channels: 3 } }).gif().toFile(path.join(dir, 'c.gif'));
  assert.deepEqual(collectImages([dir]).map((f) => path.basename(f)), ['a.avif', 'b.png', 'c.gif']);
  assert.deepEqual([(await readImage(path.join(dir, 'c.gif'))).width, (await readImage(path.join(dir, 'c.gif'))).height], [20, 12]);
  fs.rmSync(path.join(dir, 'c.gif'));
  const img = await readImage(path.join(dir, 'a.avif'));
  assert.deepEqual([img.width, img.height, img.data.length], [20, 12, 20 * 12 * 3]);
  fs.writeFileSync(path.join(dir, 'IMG_0001.HEIC'), 'an iPhone photo');
  const heard: string[][] = [];
  assert.deepEqual(collectImages([dir], (files, why) => heard.push([...files.map((f) => path.basename(f)), why])).map((f) => path.basename(f)), ['a.avif', 'b.png']);
  assert.deepEqual(heard, [['IMG_0001.HEIC', 'pixelwise cannot decode HEIC (sharp has no HEVC decoder): convert them to JPEG or AVIF first']]);
  const only = tempDir();
  fs.writeFileSync(path.join(only, 'IMG_0002.heic'), 'an iPhone photo');
  assert.throws(() => collectImages([only]), (e: Error) => e instanceof UserError && e.message === `${only}: no images (jpg/png/bmp/webp/tiff/avif/gif) in this folder; 1 HEIC photo: pixelwise cannot decode HEIC (sharp has no HEVC decoder): convert them to JPEG or AVIF first`);
  fs.rmSync(path.join(dir, 'IMG_0001.HEIC'));
  const masks = tempDir();
  for (const n of ['a', 'b']) writeGreyPng(path.join(masks, `${n}.png`), new Uint8Array(20 * 12), 20, 12);
  assert.deepEqual(loadSamples({ images: dir, masks, numClasses: 2, ignoreIndex: 255 }).map((s) => path.basename(s.image)), ['a.avif', 'b.png']);
});

test('a split list names images whose names hold spaces; a line of an image and its mask (SBD, SegNet) is its image', async () => {
  const d = tempDir();
  for (const n of ['img 0', 'img 1', 'b']) {
    await writeRgb(path.join(d, 'images', `${n}.png`), new Uint8Array(4 * 3 * 3), 4, 3);
    writeGreyPng(path.join(d, 'masks', `${n}.png`), new Uint8Array(12), 4, 3);
  }
  fs.writeFileSync(path.join(d, 'list.txt'), 'img 1.png\n# a comment\n/JPEGImages/b.jpg /SegmentationClassAug/b.png\n');
  const spec = { images: path.join(d, 'images'), masks: path.join(d, 'masks'), list: path.join(d, 'list.txt'), numClasses: 2, ignoreIndex: 255 };
  assert.deepEqual(loadSamples(spec).map((s) => s.id), ['img 1', 'b']);
});
