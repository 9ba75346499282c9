// Applying a model: background effects and cut-outs with soft edges, from the library and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { load } from '../../src/index.ts';
import { boundingBox, composite, cutoutRgba, greyscale, matte, parseColor, parseEffect } from '../../src/render/compose.ts';
import { openSegmenter } from '../../src/inference/open.ts';
import { readImage } from '../../src/data/image_io.ts';
import { probabilities8, probabilityOf } from '../../src/inference/label_map.ts';
import { makeSegmentation } from '../../src/inference/result.ts';
import { tempDir } from '../helpers.ts';
import { colorize, overlay, overlayLabels } from '../../src/render/colorize.ts';
import { Rng } from '../../src/util/random.ts';

const PHOTO = path.resolve(import.meta.dirname, '../../assets/photos/astronaut.png');
const img = (data: number[], width: number, height: number) => ({ data: Uint8Array.from(data), width, height });

test('effect helpers: composite, grey, matte, boxes, cut-outs, option parsing (hand-computed)', () => {
  const photo = img([200, 100, 0, 10, 20, 30, 255, 255, 255], 3, 1), back = img([0, 0, 0, 100, 100, 100, 0, 255, 0], 3, 1);
  assert.deepEqual(Array.from(composite(photo, back, Float32Array.from([1, 0, 0.5])).data), [200, 100, 0, 100, 100, 100, 128, 255, 128]);
  assert.deepEqual(Array.from(greyscale(img([255, 0, 0, 0, 0, 255], 2, 1)).data), [76, 76, 76, 29, 29, 29]);
  assert.deepEqual(Array.from(matte(Float32Array.from([0, 0.25, 0.5, 0.75, 1]))), [0, 0, 0.5, 1, 1]);
  // Labels 4 wide x 3 high; class 2 at (1,0) and (2,1).
  const labels = Uint8Array.from([0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]);
  assert.deepEqual(boundingBox(labels, 4, (l) => l === 2), [1, 0, 3, 2]);
  assert.deepEqual(boundingBox(labels, 4, (l) => l === 2, 2), [0, 0, 4, 3], 'margin clipped to the image');
  assert.equal(boundingBox(labels, 4, (l) => l === 7), null);
  const rgb = img(Array.from({ length: 36 }, (_, i) => i), 4, 3);
  const cut = cutoutRgba(rgb, Float32Array.from({ length: 12 }, (_, i) => i / 11), [1, 0, 3, 2]);
  assert.deepEqual([cut.width, cut.height], [2, 2]);
  assert.deepEqual(Array.from(cut.data), [3, 4, 5, 23, 6, 7, 8, 46, 15, 16, 17, 116, 18, 19, 20, 139]);
  assert.deepEqual(parseEffect('blur'), { kind: 'blur', sigma: 12 });
  assert.deepEqual(parseEffect('blur=3'), { kind: 'blur', sigma: 3 });
  assert.deepEqual(parseEffect('color=#10ff00'), { kind: 'color', color: [16, 255, 0] });
  assert.deepEqual(parseEffect('replace=a b.jpg'), { kind: 'replace', file: 'a b.jpg' });
  assert.throws(() => parseEffect('sepia'), /^UserError: effect sepia: use blur/);
  assert.throws(() => parseColor('green', 'x'), /#RRGGBB/);
  // Probabilities: softmax per pixel, quantised; a class set sums its members.
  const p8 = probabilities8(Float32Array.from([0, 10, 0, 0]), 2); // 2 classes x 2 pixels
  assert.deepEqual(Array.from(p8), [128, 255, 128, 0]);
  assert.deepEqual(Array.from(probabilityOf(p8, 2, [0, 1])), [1, 1]);
});

test('renderers on a generated image with a known label map and probabilities, pixel by pixel', async () => {
  // 4x2 image; classes a, b, c; labels and probabilities chosen by hand.
  const classes = [{ name: 'a', color: [10, 20, 30] }, { name: 'b', color: [200, 0, 0] }, { name: 'c', color: [0, 0, 250] }] as { name: string; color: [number, number, number] }[];
  const photo = img(Array.from({ length: 24 }, (_, i) => 10 * i), 4, 2);
  const labels = Uint8Array.from([0, 1, 1, 2, 0, 1, 2, 2]);
  // Probability of b per pixel (out of 255): 0, 255, 166 (smoothstep 0.5 at 0.65 -> matte 0.84375), 0 ...
  const pb = [0, 255, 166, 0, 51, 204, 102, 0];
  const prob8 = new Uint8Array(3 * 8);
  pb.forEach((v, p) => { prob8[8 + p] = v; prob8[p] = labels[p] === 0 ? 255 - v : 0; prob8[16 + p] = labels[p] === 2 ? 255 - v : 0; });
  const r = makeSegmentation(photo, labels, prob8, classes);
  assert.deepEqual(r.classes.map((c) => [c.name, c.pixels]), [['b', 3], ['c', 3], ['a', 2]]);
  const mask = await r.colorMask({ format: 'raw' }) as { data: Uint8Array };
  assert.deepEqual(Array.from(mask.data.subarray(0, 12)), [10, 20, 30, 200, 0, 0, 200, 0, 0, 0, 0, 250]);
  const ov = await r.overlay({ alpha: 0.5, format: 'raw' }) as { data: Uint8Array };
  assert.deepEqual(Array.from(ov.data.subarray(0, 6)), [5, 15, 25, 115, 20, 25]);
  const out = await r.background({ keep: ['b'], color: [0, 0, 0], format: 'raw' }) as { data: Uint8Array };
  const m = matte(Float32Array.from(pb, (v) => v / 255));
  for (let p = 0; p < 8; p++) for (let k = 0; k < 3; k++) assert.equal(out.data[p * 3 + k], Math.floor(photo.data[p * 3 + k] * m[p] + 0.5), `pixel ${p}`);
  assert.deepEqual([m[0], m[1], m[3]], [0, 1, 0]);
  const [cut] = await r.cutout(['b']);
  assert.deepEqual(cut.box, [0, 0, 4, 2], 'the box of b, widened by 2 within the image');
  const rgba = await sharp(cut.png).raw().toBuffer();
  for (let p = 0; p < 8; p++) assert.equal(rgba[p * 4 + 3], Math.round(m[p] * 255), `alpha of pixel ${p}`);
  assert.deepEqual(Array.from(rgba.subarray(4, 7)), [30, 40, 50]);
});

test('library: background() keeps the person, changes the rest, blends a soft boundary; cutout() crops the class; labels = predict\'s', async () => {
  const seg = await load('voc');
  const r = await seg.segment(PHOTO);
  // The label maps are those of the prediction path (the authors' resize rule).
  const plain = await openSegmenter('voc');
  assert.deepEqual(r.labels, (await plain.predictBatch([await readImage(PHOTO)]))[0]);
  await plain.dispose();
  const person = 15;
  const out = await r.background({ keep: ['person'], color: '#00ff00', format: 'raw' }) as { data: Uint8Array; width: number; height: number };
  assert.deepEqual([out.width, out.height], [r.width, r.height]);
  const a = matte(r.probability(['person']));
  let kept = 0, replaced = 0, mixed = 0;
  for (let p = 0; p < a.length; p++) {
    const px = [out.data[p * 3], out.data[p * 3 + 1], out.data[p * 3 + 2]], ph = [r.image.data[p * 3], r.image.data[p * 3 + 1], r.image.data[p * 3 + 2]];
    if (a[p] === 1) kept++; else if (a[p] === 0) replaced++; else mixed++;
    // Every pixel is the photo and the green blended by the person's opacity.
    assert.deepEqual(px, [0, 255, 0].map((g, k) => Math.floor(ph[k] * a[p] + g * (1 - a[p]) + 0.5)), `pixel ${p}`);
  }
  assert.ok(kept > 0.25 * a.length && replaced > 0.4 * a.length, `kept ${kept}, replaced ${replaced}`);
  assert.ok(mixed > 500, `a soft boundary: ${mixed} blended pixels`);
  // The person kept in the label map is (nearly) all kept or blended in the picture.
  let personReplaced = 0;
  for (let p = 0; p < a.length; p++) if (r.labels[p] === person && a[p] === 0) personReplaced++;
  assert.ok(personReplaced < 0.01 * r.classes.find((c) => c.name === 'person')!.pixels, `${personReplaced} person pixels replaced`);

  const [cut] = await r.cutout(['person', 'cat']); // no cat in this photo: one cut-out
  assert.equal((await r.cutout(['person', 'cat'])).length, 1);
  const box = boundingBox(r.labels, r.width, (l) => l === person, 2)!;
  assert.deepEqual(cut.box, [box[0], box[1], box[2] - box[0], box[3] - box[1]]);
  const decoded = await sharp(cut.png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([decoded.info.width, decoded.info.height, decoded.info.channels], [cut.box[2], cut.box[3], 4]);
  await assert.rejects(r.background({ keep: ['person'], blur: 3, grey: true }), /exactly one of blur, color, image, grey/);
  // A replacement background as segment() takes images: decoded RGB, a path, or an encoded file's bytes; the same picture each way.
  const bgFile = path.join(tempDir(), 'bg.png');
  const bgRgb = { data: Uint8Array.from({ length: r.width * r.height * 3 }, (_, i) => (i * 7) % 251), width: r.width, height: r.height };
  await sharp(bgRgb.data, { raw: { width: r.width, height: r.height, channels: 3 } }).png().toFile(bgFile);
  const viaRgb = await r.background({ keep: ['person'], image: bgRgb, format: 'raw' }) as { data: Uint8Array };
  for (const image of [bgFile, fs.readFileSync(bgFile)]) {
    const got = await r.background({ keep: ['person'], image, format: 'raw' }) as { data: Uint8Array };
    assert.ok(Buffer.from(got.data).equals(Buffer.from(viaRgb.data)), typeof image === 'string' ? 'a path' : 'a Buffer');
  }
  await assert.rejects(r.background({ keep: ['person'], image: path.join(bgFile, 'nope.png') }), /nope\.png: cannot read image/);
  await assert.rejects(r.background({ keep: ['person'], image: Buffer.from('not an image') }), /background image: cannot decode image/);
  await assert.rejects(r.background({ keep: ['person'], image: { data: new Uint8Array(5), width: 2, height: 2 } }), /background: image must be a path, an encoded image/);
  assert.throws(() => r.probability(['unicorn']), /class unicorn: no such class/);
  // Confidence masks, one per class (MediaPipe's convention): each the class's probability; their
  // sum per pixel is 1 up to the 8-bit rounding of each.
  const masks = r.confidenceMasks();
  assert.equal(masks.length, 21);
  assert.deepEqual(masks[person], r.probability(['person']));
  for (let p = 0; p < a.length; p += 101) {
    const sum = masks.reduce((t, m) => t + m[p], 0);
    assert.ok(Math.abs(sum - 1) <= 21 * 0.5 / 255 + 1e-6, `pixel ${p}: masks sum to ${sum}`);
  }
  for (const f of [await r.overlay(), await r.colorMask(), await r.legend(), await r.background({ keep: ['person'], blur: 8, format: 'jpeg' })]) {
    assert.ok((await sharp(f as Buffer).metadata()).width! > 0);
  }
  await seg.dispose();
});

test('CLI: predict --effect --keep --cutout --json writes the effect and cut-outs and reports class areas', () => {
  const out = tempDir();
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'predict', PHOTO, '--effect', 'grey', '--keep', 'person', '--cutout', 'person', '--json', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [rep] = JSON.parse(r.stdout);
  assert.equal(rep.classes.reduce((n: number, c: { pixels: number }) => n + c.pixels, 0), 512 * 512);
  // An effect keeping people, no --model: the shipped portrait model segments it.
  assert.deepEqual(rep.classes.map((c: { name: string }) => c.name).sort(), ['background', 'person']);
  for (const f of ['astronaut_effect.png', 'astronaut_cutout_person.png', 'astronaut_labels.png']) {
    assert.ok(fs.existsSync(path.join(out, f)), f);
    assert.ok(rep.outputs.includes(path.join(out, f)), f);
  }
  const bad = spawnSync(process.execPath, ['bin/pixelwise.js', 'predict', PHOTO, '--keep', 'person', '--out', out], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr.trim(), /^pixelwise: --keep goes with --effect/);
});

test('CLI: predict --probabilities writes each class\'s confidence mask: 255 x its softmax probability (a softmax computed here), named by class whether given by name or id', async () => {
  const out = tempDir();
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'predict', PHOTO, '--model', 'voc', '--probabilities', 'person,0', '--json', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [rep] = JSON.parse(r.stdout);
  const seg = await openSegmenter('voc', {});
  const [s] = await seg.scoresBatch([await readImage(PHOTO)]);
  const C = seg.card.model.numClasses, px = 512 * 512;
  for (const [name, id] of [['person', 15], ['background', 0]] as const) {
    const f = path.join(out, `astronaut_prob_${name}.png`);
    assert.ok(rep.outputs.includes(f), f);
    const meta = await sharp(f).metadata();
    assert.deepEqual([meta.width, meta.height, meta.channels, meta.depth], [512, 512, 1, 'uchar'], 'an 8-bit grey PNG');
    const data = await sharp(f).extractChannel(0).raw().toBuffer();
    let off = 0;
    for (let p = 0; p < px; p++) {
      let max = -Infinity, z = 0;
      for (let k = 0; k < C; k++) max = Math.max(max, s.scores[k * px + p]);
      for (let k = 0; k < C; k++) z += Math.exp(s.scores[k * px + p] - max);
      const want = 255 * Math.exp(s.scores[id * px + p] - max) / z;
      if (Math.abs(data[p] - want) > 0.5 + 1e-3) off++;
    }
    assert.equal(off, 0, `${name}: ${off} pixels off their probability`);
  }
  await seg.dispose();
  const all = tempDir();
  assert.equal(spawnSync(process.execPath, ['bin/pixelwise.js', 'predict', PHOTO, '--model', 'voc', '--probabilities', 'all', '--out', all], { encoding: 'utf8' }).status, 0);
  const masks = fs.readdirSync(all).filter((f) => f.includes('_prob_'));
  assert.equal(masks.length, 21);
  // A pixel's 21 probabilities sum to 1: its masks to 255, each off by at most half a level.
  const sum = new Float64Array(px);
  for (const f of masks) (await sharp(path.join(all, f)).extractChannel(0).raw().toBuffer()).forEach((v, p) => { sum[p] += v; });
  for (let p = 0; p < px; p++) assert.ok(Math.abs(sum[p] - 255) <= 21 * 0.5, `pixel ${p}: ${sum[p]}`);
  const bad = spawnSync(process.execPath, ['bin/pixelwise.js', 'predict', PHOTO, '--model', 'voc', '--probabilities', 'persn', '--out', out], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr.trim(), /^pixelwise: --probabilities persn: no such class in this model \(classes: background, /);
});

test('--effect transparent: an RGBA PNG, the photo\'s colours, alpha the smoothstep of the person probability (computed here); JPEG refused by the library', async () => {
  const out = tempDir();
  const r = spawnSync(process.execPath, ['bin/pixelwise.js', 'predict', PHOTO, '--model', 'person', '--effect', 'transparent', '--out', out, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { data, info } = await sharp(path.join(out, 'astronaut_effect.png')).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [512, 512, 4]);
  const seg = await load('person');
  const res = await seg.segment(PHOTO);
  const p = res.probability(['person']), photo = res.image.data;
  for (let i = 0; i < p.length; i++) {
    const t = Math.min(1, Math.max(0, (p[i] - 0.3) / 0.4));
    assert.equal(data[i * 4 + 3], Math.round(t * t * (3 - 2 * t) * 255), `alpha of pixel ${i}`);
    assert.deepEqual([data[i * 4], data[i * 4 + 1], data[i * 4 + 2]], [photo[i * 3], photo[i * 3 + 1], photo[i * 3 + 2]], `colour of pixel ${i}`);
  }
  await assert.rejects(res.background({ keep: ['person'], transparent: true, format: 'jpeg' }), /^UserError: format jpeg: JPEG keeps no transparency; use png or raw/);
  await assert.rejects(res.background({ keep: ['person'], transparent: true, grey: true }), /give exactly one of blur, color, image, grey, transparent \(got grey, transparent\)/);
  await seg.dispose();
});

test('overlayLabels (one pass, video; WebAssembly and JS) equals overlay(photo, colorize(labels)) byte for byte, unknown class ids included', () => {
  const rng = new Rng(8);
  const [w, h] = [37, 21];
  const photo = { data: Uint8Array.from({ length: w * h * 3 }, () => rng.int(256)), width: w, height: h };
  const palette: [number, number, number][] = [[128, 64, 128], [244, 35, 232], [70, 70, 70], [255, 255, 255]];
  const labels = Uint8Array.from({ length: w * h }, () => rng.int(6)); // ids 4 and 5 have no colour: black
  for (const alpha of [0, 0.3, 0.5, 1]) {
    const want = overlay(photo, colorize(labels, w, h, palette), alpha).data;
    for (const wasm of [true, false]) assert.deepEqual(overlayLabels(photo, labels, palette, alpha, { wasm }).data, want, `alpha ${alpha}, ${wasm ? 'wasm' : 'JS'}`);
  }
});

test('library: with the default model, background() keeping the person takes its matte from the portrait model; a named model uses its own', async () => {
  const def = await load(), named = await load('voc'), portrait = await load('person');
  const opts = { keep: ['person'], grey: true, format: 'raw' as const };
  const r = await def.segment(PHOTO), n = await named.segment(PHOTO), p = await portrait.segment(PHOTO);
  assert.deepEqual(r.labels, n.labels, 'the label map is the default model\'s');
  const viaPortrait = (await r.background(opts)) as { data: Uint8Array }, own = (await n.background(opts)) as { data: Uint8Array };
  assert.deepEqual(viaPortrait.data, ((await p.background(opts)) as { data: Uint8Array }).data);
  assert.notDeepEqual(viaPortrait.data, own.data);
  // Keeping anything else is the model's own matte.
  assert.deepEqual(((await r.background({ ...opts, keep: ['person', 'chair'] })) as { data: Uint8Array }).data, ((await n.background({ ...opts, keep: ['person', 'chair'] })) as { data: Uint8Array }).data);
  for (const s of [def, named, portrait]) await s.dispose();
});

test('compose: the plain-JS Gaussian blur (the browser\'s) is sharp\'s blur within a level or two; cover crops to the frame\'s aspect', async () => {
  const { gaussianBlur, coverBox } = await import('../../src/render/compose.ts');
  const img = await readImage(PHOTO);
  for (const sigma of [2, 12]) {
    const ours = gaussianBlur(img, sigma);
    const ref = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).blur(sigma).raw().toBuffer();
    let sum = 0, worst = 0;
    // Away from the borders (sharp extends them its own way).
    const m = Math.ceil(3 * sigma);
    for (let y = m; y < img.height - m; y++) for (let x = m; x < img.width - m; x++) for (let k = 0; k < 3; k++) {
      const d = Math.abs(ours.data[(y * img.width + x) * 3 + k] - ref[(y * img.width + x) * 3 + k]);
      sum += d; worst = Math.max(worst, d);
    }
    const mean = sum / ((img.height - 2 * m) * (img.width - 2 * m) * 3);
    assert.ok(mean < 1 && worst <= 3, `sigma ${sigma}: mean ${mean.toFixed(3)}, worst ${worst}`);
  }
  assert.deepEqual(coverBox(400, 200, 100, 100), [100, 0, 200, 200]);
  assert.deepEqual(coverBox(200, 400, 200, 100), [0, 150, 200, 100]);
});
