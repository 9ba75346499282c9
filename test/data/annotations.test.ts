// Annotation import: the mask encodings (COCO RLE both forms, Label Studio brush RLE) exact both
// ways; polygons against a point-in-polygon reference written here; COCO, labelme, CVAT (XML and
// Segmentation mask) and Label Studio files made by hand converted to exact label maps; the drawing
// rules (crowd as ignore, order, classes by name); one-line errors and the skipped-shape report.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeBinary } from '@thi.ng/rle-pack';
import { zipSync } from 'fflate';
import { countsToString, decodeBrushRle, decodeCocoRle, encodeBrushRle, encodeCocoRle, maskToCounts, stringToCounts } from '../../src/formats/mask_rle.ts';
import { fillEllipse, fillPolygon } from '../../src/data/polygon.ts';
import { convertAnnotations } from '../../src/data/annotations/convert.ts';
import { topLevelKeys } from '../../src/data/annotations/sniff.ts';
import { drawBits, maskRegion } from '../../src/data/annotations/types.ts';
import { loadSamples } from '../../src/data/dataset.ts';
import { readMask } from '../../src/data/mask_io.ts';
import { Rng } from '../../src/util/random.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir, writeRgb, writeRgbPng } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');

test('COCO RLE: a compressed string of pycocotools decodes to its size and encodes back to the same string; list and string forms agree', () => {
  // From a COCO RLE in the wild (size 50x70); its run lengths must add up to 3500 pixels.
  const s = '0g05b08J4M2N2NA^O1`0OCO=0E090H080IO68DH;>@C>a0_O_O`0j0OWOF<:CM72I24NL43JM92FN;1ENKO72L0LO91J0MO92INO0NO122OO0M031O000NO31OO11MO40N011MO41MO21L06OL021L06OL021L06OL021L060J040L060J040L060J040L060J040L060J040L060J040L060KO31L060KO31L06OL021L06OL021L06OL021MO41MO21MO40N100NO310O00M0310O00NO1220NO92IONO91KOMO72M0<1EO:2GN63KM34OLM73JF<;=1G_O_Ob0=AC`07EH=1IO71H090F0:1DO>1_O1b0>2N2N3L6H]O';
  const counts = stringToCounts(s)!;
  assert.equal(counts.reduce((a, b) => a + b, 0), 50 * 70);
  assert.equal(countsToString(counts), s);
  const mask = decodeCocoRle({ size: [50, 70], counts: s })!;
  assert.deepEqual(encodeCocoRle(mask, 50, 70), { size: [50, 70], counts: s });
  assert.deepEqual(decodeCocoRle({ size: [50, 70], counts }), mask);
  // By hand: [[0, 1, 1], [0, 0, 1]] (2 x 3) column-major is 0 0 | 1 0 | 1 1: runs 3, 1, 1, 1... read:
  // column 0 = (0, 0), column 1 = (1, 0), column 2 = (1, 1) -> 0 0 1 0 1 1 -> runs [2, 1, 1, 2].
  const small = Uint8Array.from([0, 1, 1, 0, 0, 1]);
  assert.deepEqual(maskToCounts(small, 2, 3), [2, 1, 1, 2]);
  assert.deepEqual(decodeCocoRle({ size: [2, 3], counts: [2, 1, 1, 2] }), small);
  // Large runs and negative deltas (a count smaller than the one two before) survive the string form.
  const wild = [0, 1_000_000, 3, 999_000, 1, 70, 5];
  assert.deepEqual(stringToCounts(countsToString(wild)), wild);
  assert.equal(decodeCocoRle({ size: [2, 3], counts: [2, 1, 1] }), null, 'counts that do not add up');
  assert.equal(stringToCounts('abc\u0001'), null);
});

test('Label Studio brush RLE: an RGBA image packed by rle-pack (as its front end does) decodes to the alpha mask; ours round-trips', () => {
  const [h, w] = [5, 7];
  const rng = new Rng(3);
  const mask = Uint8Array.from({ length: h * w }, () => (rng.next() < 0.4 ? 1 : 0));
  const rgba = new Uint8Array(h * w * 4);
  mask.forEach((m, i) => { if (m) { rgba[i * 4] = 200; rgba[i * 4 + 3] = 255; } });
  assert.deepEqual(decodeBrushRle(Array.from(encodeBinary(rgba, rgba.length)), h, w), mask);
  assert.deepEqual(decodeBrushRle(encodeBrushRle(mask, h, w), h, w), mask);
  assert.equal(decodeBrushRle(encodeBrushRle(mask, h, w), h + 1, w), null, 'the wrong size');
});

/** Crossing-number test of one point against a polygon (the classic ray cast), the reference. */
function insideRef(px: number, py: number, xy: number[]): boolean {
  let inside = false;
  for (let i = 0, j = xy.length / 2 - 1; i < xy.length / 2; j = i++) {
    const [xi, yi, xj, yj] = [xy[2 * i], xy[2 * i + 1], xy[2 * j], xy[2 * j + 1]];
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

test('polygons: pixel centres inside by the even-odd rule agree with a ray-cast reference on random, concave and self-intersecting outlines (>= 99.9%; differences only where a centre lies on an edge)', () => {
  const [w, h] = [160, 120];
  const rng = new Rng(17);
  let same = 0, all = 0, onEdge = 0;
  for (let t = 0; t < 40; t++) {
    const n = 3 + rng.int(12);
    // Half of them on the half-pixel grid, where centres fall exactly on edges and vertices.
    const grid = t % 2 === 0;
    const xy = Array.from({ length: 2 * n }, (_, k) => { const v = rng.uniform(-10, (k % 2 ? h : w) + 10); return grid ? Math.round(v * 2) / 2 : v; });
    const ours = new Uint8Array(w * h);
    fillPolygon(ours, w, h, xy, 1);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      all++;
      const ref = insideRef(x + 0.5, y + 0.5, xy);
      if ((ours[y * w + x] === 1) === ref) same++;
      else onEdge++;
    }
  }
  assert.ok(same / all >= 0.999, `${((100 * same) / all).toFixed(3)}% equal`);
  // The reference and ours split ties differently (a centre exactly on a vertical edge): only on the grid.
  assert.ok(onEdge < all * 0.001, `${onEdge} pixels differ`);
  // Off the grid no centre lies on an edge: exact agreement.
  const xy = [10.2, 5.3, 150.7, 20.1, 80.4, 110.9, 60.3, 40.2, 30.1, 90.6];
  const ours = new Uint8Array(w * h);
  fillPolygon(ours, w, h, xy, 1);
  for (let i = 0; i < w * h; i++) assert.equal(ours[i] === 1, insideRef((i % w) + 0.5, Math.floor(i / w) + 0.5, xy), `pixel ${i}`);
  // Nonzero fills the centre of a pentagram, even-odd leaves it out.
  const star = [50, 5, 79, 95, 3, 40, 97, 40, 21, 95];
  const eo = new Uint8Array(w * h), nz = new Uint8Array(w * h);
  fillPolygon(eo, w, h, star, 1, 'evenodd');
  fillPolygon(nz, w, h, star, 1, 'nonzero');
  assert.equal(eo[50 * w + 50], 0);
  assert.equal(nz[50 * w + 50], 1);
});

test('ellipses: pixel centres inside agree with a reference by the two foci (distances adding up to at most the major axis) on random turned ellipses', () => {
  const [w, h] = [90, 70];
  const rng = new Rng(5);
  let all = 0, differ = 0;
  for (let t = 0; t < 60; t++) {
    const [cx, cy] = [rng.uniform(-10, w + 10), rng.uniform(-10, h + 10)];
    const [rx, ry, deg] = [rng.uniform(0.3, 40), rng.uniform(0.3, 40), t % 3 === 0 ? 0 : rng.uniform(-360, 360)];
    const ours = new Uint8Array(w * h);
    fillEllipse(ours, w, h, cx, cy, rx, ry, deg, 1);
    // The major axis: along the turned x axis when rx >= ry, else along the turned y axis (y points down).
    const [a, b] = rx >= ry ? [rx, ry] : [ry, rx];
    const th = (deg * Math.PI) / 180;
    const [ux, uy] = rx >= ry ? [Math.cos(th), Math.sin(th)] : [-Math.sin(th), Math.cos(th)];
    const f = Math.sqrt(a * a - b * b);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const [px, py] = [x + 0.5, y + 0.5];
      const d = Math.hypot(px - cx - f * ux, py - cy - f * uy) + Math.hypot(px - cx + f * ux, py - cy + f * uy);
      all++;
      if (Math.abs(d - 2 * a) < 1e-9) continue; // on the outline: either answer
      if ((ours[y * w + x] === 1) !== d <= 2 * a) differ++;
    }
  }
  assert.equal(differ, 0, `${differ} of ${all} pixels differ`);
});

const W = 12, H = 8;
async function imagesDir(names: string[]): Promise<string> {
  const d = tempDir();
  for (const n of names) await writeRgb(path.join(d, n), new Uint8Array(W * H * 3).fill(90), W, H);
  return d;
}
const labelsOf = (file: string) => Array.from(readMask(file).data);
/** Expected label maps drawn from rectangles of whole pixels [x0, x1) x [y0, y1). */
function rects(...r: [number, number, number, number, number][]): number[] {
  const out = new Array(W * H).fill(0);
  for (const [x0, y0, x1, y1, v] of r) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[y * W + x] = v;
  return out;
}

test('COCO: polygons of several parts, RLE in both forms, crowd as ignore under objects, later objects over earlier; classes by category id, by name onto a class file', async () => {
  const images = await imagesDir(['a.png', 'b.png', 'c.png']);
  const crowd = new Uint8Array(W * H); for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) crowd[y * W + x] = 1;
  const blob = new Uint8Array(W * H); for (let y = 5; y < 8; y++) for (let x = 9; x < 12; x++) blob[y * W + x] = 1;
  const coco = {
    images: [{ id: 1, file_name: 'a.png', width: W, height: H }, { id: 2, file_name: 'sub/b.png', width: W, height: H }, { id: 3, file_name: 'c.png', width: W, height: H }],
    categories: [{ id: 7, name: 'dog' }, { id: 3, name: 'cat' }],
    annotations: [
      { id: 10, image_id: 1, category_id: 3, iscrowd: 0, segmentation: [[1, 1, 4, 1, 4, 3, 1, 3], [8, 0, 10, 0, 10, 2, 8, 2]] }, // cat: two parts
      { id: 11, image_id: 1, category_id: 7, iscrowd: 0, segmentation: [[3, 2, 6, 2, 6, 5, 3, 5]] }, // dog over the cat's corner
      { id: 12, image_id: 2, category_id: 3, iscrowd: 1, segmentation: { size: [H, W], counts: maskToCounts(crowd, H, W) } },
      { id: 13, image_id: 2, category_id: 7, iscrowd: 0, segmentation: [[2, 2, 5, 2, 5, 6, 2, 6]] }, // over the crowd
      { id: 14, image_id: 2, category_id: 3, iscrowd: 0, segmentation: encodeCocoRle(blob, H, W) },
    ],
  };
  const file = path.join(images, 'instances.json');
  fs.writeFileSync(file, JSON.stringify(coco));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'coco', input: file, images, out });
  assert.deepEqual(r.classes.map((c) => c.name), ['background', 'cat', 'dog']); // categories by id
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'a.png')), rects([1, 1, 4, 3, 1], [8, 0, 10, 2, 1], [3, 2, 6, 5, 2]));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'b.png')), rects([0, 0, 6, 4, 255], [2, 2, 5, 6, 2], [9, 5, 12, 8, 1]));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'c.png')), rects(), 'an image without annotations is background');
  assert.equal(r.crowdIgnored, 1);
  // Crowd regions as their class (CVAT's COCO export marks every mask as a crowd): in file order with the rest.
  const outClass = path.join(tempDir(), 'out');
  const rc = await convertAnnotations({ from: 'coco', input: file, images, out: outClass, crowd: 'class' });
  assert.equal(rc.crowdIgnored, 0);
  assert.deepEqual(labelsOf(path.join(outClass, 'masks', 'b.png')), rects([0, 0, 6, 4, 1], [2, 2, 5, 6, 2], [9, 5, 12, 8, 1]));
  assert.deepEqual(rc.shapesPerClass, [0, 3, 2]); // cat: annotations 10, 12 (the crowd), 14; dog: 11, 13
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'classes.json'), 'utf8')).length, 3);
  // Onto a class file by name: dog is not in it (skipped, reported).
  const cls = path.join(images, 'cls.json');
  fs.writeFileSync(cls, JSON.stringify([{ name: 'Background', color: [0, 0, 0] }, { name: 'x', color: [1, 1, 1] }, { name: 'Cat', color: [9, 9, 9] }]));
  const out2 = path.join(tempDir(), 'out');
  const r2 = await convertAnnotations({ from: 'coco', input: file, images, out: out2, classes: JSON.parse(fs.readFileSync(cls, 'utf8')) });
  assert.deepEqual(labelsOf(path.join(out2, 'masks', 'a.png')), rects([1, 1, 4, 3, 2], [8, 0, 10, 2, 2]));
  assert.deepEqual(r2.skipped.map((s) => `${s.image}, ${s.what}: ${s.reason}`), ['a.png, annotation 11: label "dog" is not in the class list', 'sub/b.png, annotation 13: label "dog" is not in the class list']);

  // One-line errors: a format it does not read; an image the folder lacks; a polygon of 2 points (or skipped when asked).
  await assert.rejects(convertAnnotations({ from: 'pascal' as 'coco', input: file, images, out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && e.message === 'from pascal: use coco, labelme, cvat, cvat-mask, labelstudio, yolo, via, supervisely');
  const bad = { ...coco, images: [...coco.images, { id: 4, file_name: 'missing.jpg', width: W, height: H }] };
  fs.writeFileSync(file, JSON.stringify(bad));
  await assert.rejects(convertAnnotations({ from: 'coco', input: file, images, out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && e.message === `${file}: image "missing.jpg" is not in options.images ${images}; point options.images at the folder the export's images are in`);
  const thin = { ...coco, annotations: [...coco.annotations, { id: 15, image_id: 3, category_id: 3, segmentation: [[1, 1, 5, 5]] }] };
  fs.writeFileSync(file, JSON.stringify(thin));
  await assert.rejects(convertAnnotations({ from: 'coco', input: file, images, out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && e.message === `${file}: c.png, annotation 15: a polygon with fewer than 3 points (2); fix the file or pass options.skipInvalid to skip such shapes`);
  const out3 = path.join(tempDir(), 'o');
  const r3 = await convertAnnotations({ from: 'coco', input: file, images, out: out3, skipInvalid: true });
  assert.deepEqual(r3.skipped, [{ image: 'c.png', what: 'annotation 15', reason: 'a polygon with fewer than 3 points (2)', lost: true }]);
  // Its mask would mark the object as background (before: listed for training all the same): left out of the list.
  assert.deepEqual(r3.leftOut, ['c.png']);
  assert.deepEqual(fs.readFileSync(path.join(out3, 'list.txt'), 'utf8').split('\n').filter(Boolean).sort(), ['a.png', 'b.png']);
  // With a bbox (every COCO annotation has one; CVAT's COCO export of boxes has an empty segmentation),
  // the object's box is drawn as the ignore label instead, and the image kept.
  const boxed = { ...coco, annotations: [...coco.annotations,
    { id: 15, image_id: 3, category_id: 3, segmentation: [[1, 1, 5, 5]], bbox: [1, 1, 4, 4] },
    { id: 16, image_id: 3, category_id: 7, segmentation: [], bbox: [8, 4, 3, 2] },
    { id: 17, image_id: 3, category_id: 7, segmentation: [[9, 0, 12, 0, 12, 3, 9, 3]] }] }; // drawn over the ignore box of 16
  fs.writeFileSync(file, JSON.stringify(boxed));
  const out4 = path.join(tempDir(), 'o');
  const r4 = await convertAnnotations({ from: 'coco', input: file, images, out: out4, skipInvalid: true });
  assert.deepEqual(labelsOf(path.join(out4, 'masks', 'c.png')), rects([1, 1, 5, 5, 255], [8, 4, 11, 6, 255], [9, 0, 12, 3, 2]));
  assert.deepEqual([r4.boxesIgnored, r4.leftOut, r4.skipped.map((k) => k.reason)], [2, [], ['a polygon with fewer than 3 points (2); its bbox is drawn as the ignore label', 'an empty segmentation; its bbox is drawn as the ignore label']]);
  assert.equal(fs.readFileSync(path.join(out4, 'list.txt'), 'utf8').split('\n').filter(Boolean).length, 3);
  // The CLI: the same error as one line, exit 2.
  const c = spawnSync(process.execPath, [BIN, 'convert', '--from', 'coco', file, '--images', images, '--out', path.join(tempDir(), 'o')], { encoding: 'utf8' });
  assert.equal(c.status, 2);
  assert.equal(c.stderr, `pixelwise: ${file}: c.png, annotation 15: a polygon with fewer than 3 points (2); fix the file or pass --skip-invalid to skip such shapes\n`);
});

test('classes by name: two COCO categories spelt alike are one class; a class file naming one class twice is refused in one line', async () => {
  const images = await imagesDir(['a.png']);
  const coco = {
    images: [{ id: 1, file_name: 'a.png', width: W, height: H }],
    categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'Cat ' }, { id: 3, name: 'dog' }],
    annotations: [
      { id: 10, image_id: 1, category_id: 1, segmentation: [[1, 1, 4, 1, 4, 3, 1, 3]] },
      { id: 11, image_id: 1, category_id: 2, segmentation: [[8, 0, 10, 0, 10, 2, 8, 2]] },
      { id: 12, image_id: 1, category_id: 3, segmentation: [[3, 4, 6, 4, 6, 6, 3, 6]] },
    ],
  };
  const file = path.join(images, 'instances.json');
  fs.writeFileSync(file, JSON.stringify(coco));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'coco', input: file, images, out });
  assert.deepEqual(r.classes.map((c) => c.name), ['background', 'cat', 'dog']);
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'a.png')), rects([1, 1, 4, 3, 1], [8, 0, 10, 2, 1], [3, 4, 6, 6, 2]));
  const cls = path.join(images, 'cls.json');
  fs.writeFileSync(cls, JSON.stringify([{ name: 'background', color: [0, 0, 0] }, { name: 'cat', color: [1, 1, 1] }, { name: 'CAT', color: [2, 2, 2] }]));
  const c = spawnSync(process.execPath, [BIN, 'convert', '--from', 'coco', file, '--images', images, '--class-file', cls, '--out', path.join(tempDir(), 'o')], { encoding: 'utf8' });
  assert.equal(c.status, 2);
  assert.equal(c.stderr, `pixelwise: ${cls}: classes 1 and 2 are both named "CAT"; give each class its own name\n`);
});

test('convert writes over its own files only: a dataset folder with its own classes.json or masks is refused, untouched; an earlier conversion, finished or stopped part way, is converted into again', async () => {
  const images = await imagesDir(['a.png']);
  const coco = { images: [{ id: 1, file_name: 'a.png', width: W, height: H }], categories: [{ id: 1, name: 'cat' }], annotations: [{ id: 10, image_id: 1, category_id: 1, segmentation: [[1, 1, 4, 1, 4, 3, 1, 3]] }] };
  const file = path.join(tempDir(), 'instances.json');
  fs.writeFileSync(file, JSON.stringify(coco));
  // The images' own folder, holding the user's class file; another holding hand-made masks.
  fs.writeFileSync(path.join(images, 'classes.json'), '{"mine": true}');
  const handMade = tempDir();
  fs.mkdirSync(path.join(handMade, 'masks'));
  fs.writeFileSync(path.join(handMade, 'masks', 'a.png'), 'my mask');
  for (const [out, names] of [[images, 'classes.json'], [handMade, 'masks/']]) {
    await assert.rejects(convertAnnotations({ from: 'coco', input: file, images, out }), (e: Error) => e instanceof UserError && e.message === `out ${out}: holds ${names} that no earlier conversion wrote (there is no report.json of convert's); convert would write over them; give a new or empty folder`);
  }
  assert.equal(fs.readFileSync(path.join(images, 'classes.json'), 'utf8'), '{"mine": true}');
  assert.equal(fs.readFileSync(path.join(handMade, 'masks', 'a.png'), 'utf8'), 'my mask');
  assert.ok(!fs.existsSync(path.join(images, 'masks')));
  // Into an earlier conversion: again, and after one stopped before its end (its first report only).
  const out = path.join(tempDir(), 'out');
  await convertAnnotations({ from: 'coco', input: file, images, out });
  const first = fs.readFileSync(path.join(out, 'masks', 'a.png'));
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  fs.writeFileSync(path.join(out, 'report.json'), JSON.stringify({ format: report.format, input: file, masks: report.masks, partial: true }));
  fs.rmSync(path.join(out, 'classes.json'));
  const again = await convertAnnotations({ from: 'coco', input: file, images, out });
  assert.equal(again.images, 1);
  assert.ok(fs.readFileSync(path.join(out, 'masks', 'a.png')).equals(first));
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).partial, undefined);
});

test('labelme: polygon, rectangle, circle and a line (skipped: no area), made by hand', async () => {
  const images = await imagesDir(['frame.png']);
  const j = {
    imagePath: 'frame.png', imageWidth: W, imageHeight: H, shapes: [
      { label: 'road', points: [[0, 6], [12, 6], [12, 8], [0, 8]], shape_type: 'polygon' },
      { label: 'car', points: [[1, 1], [4, 3]], shape_type: 'rectangle' },
      { label: 'sign', points: [[9.5, 2.5], [10.5, 2.5]], shape_type: 'circle' }, // radius 1 about the centre of pixel (9, 2)
      { label: 'lane', points: [[0, 5], [12, 5]], shape_type: 'line' },
    ],
  };
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'frame.json'), JSON.stringify(j));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'labelme', input: dir, images, out });
  assert.deepEqual(r.classes.map((c) => c.name), ['background', 'road', 'car', 'sign']);
  const want = rects([0, 6, 12, 8, 1], [1, 1, 4, 3, 2]);
  for (const [x, y] of [[9, 2], [8, 2], [10, 2], [9, 1], [9, 3]]) want[y * W + x] = 3; // centres within 1 of (9.5, 2.5)
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'frame.png')), want);
  assert.deepEqual(r.skipped, [{ image: 'frame.png', what: 'shape 3 (lane)', reason: 'a line has no area' }]);
});

test('CVAT for images XML: polygon, box and mask layered by z_order; Segmentation mask 1.1 (zip and folder): colours through labelmap.txt', async () => {
  const images = await imagesDir(['f0.png']);
  // The mask: a 3 x 2 box at (8, 5), rle over it row-major from 0s: 0 1 1 / 1 1 0 -> 1, 4, 1.
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
  <meta><task><labels><label><name>car</name><color>#fa3253</color></label><label><name>person</name><color>#FA3253</color></label><label><name>tree</name></label></labels></task></meta>
  <image id="0" name="f0.png" width="${W}" height="${H}">
    <box label="car" occluded="0" source="manual" xtl="0" ytl="0" xbr="6" ybr="4" z_order="1"></box>
    <polygon label="person" occluded="0" source="manual" points="4,2;8,2;8,6;4,6" z_order="0"></polygon>
    <mask label="tree" source="manual" occluded="0" rle="1, 4, 1" left="8" top="5" width="3" height="2" z_order="0"></mask>
    <polyline label="car" points="0,7;11,7" z_order="0"></polyline>
  </image>
</annotations>`;
  const file = path.join(images, 'annotations.xml');
  fs.writeFileSync(file, xml);
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'cvat', input: file, images, out });
  assert.deepEqual(r.classes.map((c) => c.name), ['background', 'car', 'person', 'tree']);
  // Colours as CVAT shows them (the label's <color>); one CVAT gave two labels moved to the nearest free one; none given: the palette's.
  assert.deepEqual(r.classes.map((c) => c.color), [[0, 0, 0], [250, 50, 83], [250, 51, 83], [128, 128, 0]]);
  // person (z 0) first, then tree (z 0), then car (z 1) over both.
  const want = rects([4, 2, 8, 6, 2], [0, 0, 6, 4, 1]);
  for (const [x, y] of [[9, 5], [10, 5], [8, 6], [9, 6]]) want[y * W + x] = 3;
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'f0.png')), want);
  assert.equal(r.skipped.length, 1);

  // Segmentation mask 1.1: labelmap.txt + SegmentationClass colour PNGs.
  const colour = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) if (i % W >= 6) colour.set([250, 50, 83], i * 3); else if (i >= 6 * W) colour.set([51, 221, 255], i * 3);
  const png = path.join(tempDir(), 'x.png');
  writeRgbPng(png, colour, W, H);
  const files = { 'labelmap.txt': new TextEncoder().encode('# label:color_rgb:parts:actions\nbackground:0,0,0::\ncar:250,50,83::\nperson:51,221,255::\n'), 'SegmentationClass/f0.png': fs.readFileSync(png) };
  const zip = path.join(tempDir(), 'export.zip');
  fs.writeFileSync(zip, zipSync(files));
  const out2 = path.join(tempDir(), 'out');
  const r2 = await convertAnnotations({ from: 'cvat-mask', input: zip, images, out: out2, classes: [{ name: 'background', color: [0, 0, 0] }, { name: 'person', color: [1, 1, 1] }, { name: 'car', color: [2, 2, 2] }] });
  assert.equal(r2.images, 1);
  assert.deepEqual(labelsOf(path.join(out2, 'masks', 'f0.png')), rects([0, 6, 6, 8, 1], [6, 0, 12, 8, 2]));
  // Without a class file: labelmap.txt's colours.
  const r3 = await convertAnnotations({ from: 'cvat-mask', input: zip, images, out: path.join(tempDir(), 'out') });
  assert.deepEqual(r3.classes, [{ name: 'background', color: [0, 0, 0] }, { name: 'car', color: [250, 50, 83] }, { name: 'person', color: [51, 221, 255] }]);
  // A mask pairs with its image by the name less the extension: JPEG photos (JPEGImages/f1.jpg), in subfolders too.
  const jpegs = await imagesDir(['f1.jpg', 'sub/f2.jpeg']);
  const zip2 = path.join(tempDir(), 'export.zip');
  fs.writeFileSync(zip2, zipSync({ ...files, 'SegmentationClass/f1.png': files['SegmentationClass/f0.png'], 'SegmentationClass/sub/f2.png': files['SegmentationClass/f0.png'] }));
  const out4 = path.join(tempDir(), 'out');
  await assert.rejects(convertAnnotations({ from: 'cvat-mask', input: zip2, images: jpegs, out: out4 }), (e: Error) => e instanceof UserError && e.message === `${zip2}: image "f0.*" is not in options.images ${jpegs}; point options.images at the folder the export's images are in`);
  fs.copyFileSync(path.join(jpegs, 'f1.jpg'), path.join(jpegs, 'f0.webp'));
  const r4 = await convertAnnotations({ from: 'cvat-mask', input: zip2, images: jpegs, out: out4 });
  assert.equal(r4.images, 3);
  for (const m of ['f0.png', 'f1.png', 'sub/f2.png']) assert.deepEqual(labelsOf(path.join(out4, 'masks', m)), rects([6, 0, 12, 8, 1], [0, 6, 6, 8, 2]), m);
});

test('a tool\'s zip download is read as it is: extracted into OUT/export, the export\'s file and images folder found in it; a YOLO zip refused saying what to give; a zip slip, a zip without the images and one of several exports refused', async () => {
  const images = await imagesDir(['a.png', 'b.png']);
  const png = (n: string) => new Uint8Array(fs.readFileSync(path.join(images, n)));
  // In CVAT's order, its "annotations" past the first 64 KB (a large task's images list puts it there).
  const coco = {
    licenses: [{ name: '', id: 0, url: '' }], info: { description: 'a large task '.repeat(6000) },
    categories: [{ id: 1, name: 'cat' }],
    images: [{ id: 1, file_name: 'a.png', width: W, height: H }, { id: 2, file_name: 'b.png', width: W, height: H }],
    annotations: [{ id: 1, image_id: 1, category_id: 1, iscrowd: 0, segmentation: [[1, 1, 4, 1, 4, 3, 1, 3]] }, { id: 2, image_id: 2, category_id: 1, iscrowd: 0, segmentation: [], bbox: [2, 2, 3, 3] }],
  };
  const json = new TextEncoder().encode(JSON.stringify(coco));
  // As CVAT's "COCO 1.0" with images downloads it, with a stray picture beside (not the images folder).
  const zip = path.join(tempDir(), 'task.zip');
  // One entry named with Windows's separators, as zips made there may be.
  fs.writeFileSync(zip, zipSync({ 'annotations/instances_default.json': json, 'images/default/a.png': png('a.png'), 'images\\default\\b.png': png('b.png'), 'preview.png': png('a.png'), '__MACOSX/._a.png': new Uint8Array(4) }));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'coco', input: zip, out });
  assert.equal(r.imagesDir, path.join(out, 'export', 'images', 'default'));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'a.png')), rects([1, 1, 4, 3, 1]));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'b.png')), rects([2, 2, 5, 5, 255]));
  assert.ok(!fs.existsSync(path.join(out, 'export', '__MACOSX')), 'macOS resource forks are not extracted');
  // The same as the export unzipped by hand.
  const file = path.join(images, 'instances.json');
  fs.writeFileSync(file, json);
  const byHand = path.join(tempDir(), 'out');
  await convertAnnotations({ from: 'coco', input: file, images, out: byHand });
  for (const m of ['a.png', 'b.png']) assert.deepEqual(labelsOf(path.join(out, 'masks', m)), labelsOf(path.join(byHand, 'masks', m)));
  // Converted again into the same folder (its own extracted download replaced).
  assert.equal((await convertAnnotations({ from: 'coco', input: zip, out })).images, 2);
  // The CLI says where the images are for training.
  const c = spawnSync(process.execPath, [BIN, 'convert', '--from', 'coco', zip, '--out', path.join(tempDir(), 'o')], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /train with: --images \S+export\/images\/default --masks /);

  // One COCO file per split folder beside its images (Roboflow's download): one dataset, its split kept.
  // Its category 0 names the dataset, the supercategory of the others, and marks nothing: no class.
  const grouped = [{ id: 0, name: 'pets', supercategory: 'none' }, { id: 1, name: 'cat', supercategory: 'pets' }];
  const split = (file: string, ids: number[]) => new TextEncoder().encode(JSON.stringify({ ...coco, categories: grouped, images: coco.images.filter((im) => ids.includes(im.id)), annotations: coco.annotations.filter((a) => ids.includes(a.image_id)) }));
  const rf = path.join(tempDir(), 'roboflow.zip');
  fs.writeFileSync(rf, zipSync({ 'README.roboflow.txt': new Uint8Array(1), 'train/_annotations.coco.json': split('train', [1]), 'train/a.png': png('a.png'), 'valid/_annotations.coco.json': split('valid', [2]), 'valid/b.png': png('b.png'), 'test/_annotations.coco.json': split('test', [1]), 'test/a.png': png('a.png') }));
  const rfOut = path.join(tempDir(), 'out');
  const rr = await convertAnnotations({ from: 'coco', input: rf, out: rfOut });
  assert.equal(rr.imagesDir, path.join(rfOut, 'export'));
  assert.deepEqual(rr.classes.map((c) => c.name), ['background', 'cat']);
  const listed = (f: string) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
  assert.deepEqual([listed(rr.split!.train), listed(rr.split!.val), listed(rr.split!.test!)], [['train/a.png'], ['valid/b.png'], ['test/a.png']]);
  // The lists pair as training reads them (train/a.png and test/a.png: one name in two splits).
  for (const [list, ids] of [[rr.split!.train, ['train/a']], [rr.split!.test!, ['test/a']]] as const) {
    assert.deepEqual(loadSamples({ images: rr.imagesDir, masks: rr.masks, list, recursive: true, numClasses: 2, ignoreIndex: 255 }).map((x) => x.id), ids);
  }
  assert.deepEqual(labelsOf(path.join(rfOut, 'masks', 'valid', 'b.png')), rects([2, 2, 5, 5, 255]));
  assert.deepEqual(labelsOf(path.join(rfOut, 'masks', 'test', 'a.png')), labelsOf(path.join(out, 'masks', 'a.png')));
  // CVAT's subsets: annotations/instances_Train.json with its images in images/Train/ (one name in both subsets).
  const cv = path.join(tempDir(), 'cvat-coco.zip');
  const subset = (ids: number[]) => new TextEncoder().encode(JSON.stringify({ ...coco, images: coco.images.filter((im) => ids.includes(im.id)).map((im) => ({ ...im, file_name: 'a.png' })), annotations: coco.annotations.filter((a) => ids.includes(a.image_id)) }));
  fs.writeFileSync(cv, zipSync({ 'annotations/instances_Train.json': subset([1]), 'annotations/instances_Validation.json': subset([2]), 'images/Train/a.png': png('a.png'), 'images/Validation/a.png': png('b.png') }));
  const cvOut = path.join(tempDir(), 'out');
  const rc = await convertAnnotations({ from: 'coco', input: cv, out: cvOut });
  assert.deepEqual([listed(rc.split!.train), listed(rc.split!.val)], [['images/Train/a.png'], ['images/Validation/a.png']]);
  assert.deepEqual(labelsOf(path.join(cvOut, 'masks', 'images', 'Train', 'a.png')), rects([1, 1, 4, 3, 1]));
  assert.deepEqual(labelsOf(path.join(cvOut, 'masks', 'images', 'Validation', 'a.png')), rects([2, 2, 5, 5, 255]));
  // A share asked for: the hash's split over all of them instead.
  const rh = await convertAnnotations({ from: 'coco', input: rf, out: path.join(tempDir(), 'out'), valFraction: 0.5 });
  assert.deepEqual([rh.split!.counts.reduce((a, b) => a + b), rh.split!.test], [3, undefined]);

  // A YOLO segmentation download (Roboflow's, Ultralytics' layout): labels by YOLO's rule, its split by its folders.
  const yz = path.join(tempDir(), 'yolo.zip');
  const te = (t: string) => new TextEncoder().encode(t);
  fs.writeFileSync(yz, zipSync({ 'data.yaml': te('train: ../train/images\nval: ../valid/images\nnames: [cat]\n'), 'train/images/a.png': png('a.png'), 'train/labels/a.txt': te(`0 ${[1, 1, 4, 1, 4, 3, 1, 3].map((v, k) => v / (k % 2 ? H : W)).join(' ')}\n`), 'valid/images/b.png': png('b.png') }));
  const yOut = path.join(tempDir(), 'out');
  const ry = await convertAnnotations({ from: 'yolo', input: yz, out: yOut });
  assert.deepEqual([listed(ry.split!.train), listed(ry.split!.val)], [['train/images/a.png'], ['valid/images/b.png']]);
  assert.deepEqual(labelsOf(path.join(yOut, 'masks', 'train', 'images', 'a.png')), labelsOf(path.join(out, 'masks', 'a.png')));

  // CVAT's Segmentation mask download with its images (JPEGImages/): extracted, read mask by mask, the images found in it.
  const colour = new Uint8Array(W * H * 3);
  for (let y = 1; y < 3; y++) for (let x = 1; x < 4; x++) colour.set([250, 50, 83], (y * W + x) * 3);
  const maskPng = path.join(tempDir(), 'm.png');
  writeRgbPng(maskPng, colour, W, H);
  const cm = path.join(tempDir(), 'cvat-masks.zip');
  fs.writeFileSync(cm, zipSync({ 'labelmap.txt': te('# label:color_rgb:parts:actions\nbackground:0,0,0::\ncat:250,50,83::\n'), 'SegmentationClass/a.png': new Uint8Array(fs.readFileSync(maskPng)), 'JPEGImages/a.png': png('a.png'), 'ImageSets/Segmentation/default.txt': te('a\n') }));
  const cmOut = path.join(tempDir(), 'out');
  const rm = await convertAnnotations({ from: 'cvat-mask', input: cm, out: cmOut });
  assert.equal(rm.imagesDir, path.join(cmOut, 'export', 'JPEGImages'));
  assert.deepEqual(labelsOf(path.join(cmOut, 'masks', 'a.png')), rects([1, 1, 4, 3, 1]));

  const refused = async (entries: Record<string, Uint8Array>, from: string, message: (z: string) => string) => {
    const z = path.join(tempDir(), 'dl.zip');
    fs.writeFileSync(z, zipSync(entries));
    const o = path.join(tempDir(), 'o');
    await assert.rejects(convertAnnotations({ from: from as 'coco', input: z, out: o }), (e: Error) => e instanceof UserError && e.message === message(z), from);
    assert.ok(!fs.existsSync(o), `${from}: nothing left behind`);
  };
  await refused({ 'annotations/instances_default.json': json }, 'coco', (z) => `${z}: none of the 2 images its export names (a.png, ...) is in the zip (downloaded without its images?); give options.images, the folder they are in`);
  await refused({ 'a/instances.json': json, 'b/instances.json': json }, 'coco', (z) => `${z}: 2 COCO JSON files in the zip (a/instances.json, b/instances.json); unzip it and convert each with its images folder`);
  await refused({ 'readme.txt': new Uint8Array(1) }, 'cvat', (z) => `${z}: no XML annotation file in the zip; is it the tool's cvat download?`);
  await refused({ 'labelmap.txt': new Uint8Array(1), 'SegmentationClass/a.png': png('a.png') }, 'cvat', (z) => `${z}: no XML annotation file in the zip; it looks like a CVAT Segmentation mask download: options.from cvat-mask`);
  // A setting refused before the download is extracted: nothing written.
  const early = path.join(tempDir(), 'o');
  await assert.rejects(convertAnnotations({ from: 'coco', input: zip, out: early, valFraction: 2 }), (e: Error) => e instanceof UserError && /^valFraction 2: /.test(e.message));
  assert.ok(!fs.existsSync(early));
  // A download cut short: the archive's fault, not the disk's.
  // Cut inside an entry, and between entries (the streaming reader passes over that in silence: its end record is missing).
  const cut = path.join(tempDir(), 'cut.zip'), whole = fs.readFileSync(zip), firstEntry = 30 + whole.readUInt16LE(26) + whole.readUInt16LE(28) + whole.readUInt32LE(18);
  for (const keep of [200, firstEntry]) {
    fs.writeFileSync(cut, whole.subarray(0, keep));
    await assert.rejects(convertAnnotations({ from: 'coco', input: cut, out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && /^\S+cut\.zip: (not a readable zip \(.*\); download the export again|the zip stops before its end \(cut short\?\); download the export again)$/.test(e.message), `cut at ${keep}`);
  }
  // A full disk while extracting: the disk's fault, said so (before: "labels/a.txt does not decompress (ENOSPC ...); download the export again").
  const full = mock.method(fs, 'writeSync', () => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }); });
  try {
    const o = path.join(tempDir(), 'o');
    await assert.rejects(convertAnnotations({ from: 'yolo', input: yz, out: o }), (e: Error) => e instanceof UserError && e.message === `${yz}: cannot extract it into ${o} (the disk is full); free space, or give another output folder`);
    assert.ok(!fs.existsSync(o));
  } finally { full.mock.restore(); }
  await refused({ '..\\escape.json': json }, 'coco', (z) => `${z}: the entry "..\\escape.json" would be written out of the folder it is extracted to; the zip is not a tool's download`);
  await refused({ 'readme.txt': new Uint8Array(1) }, 'yolo', (z) => `${z}: no dataset YAML (data.yaml) in the zip; is it the tool's yolo download?`);
  await assert.rejects(convertAnnotations({ from: 'cvat-mask', input: zip, images: tempDir(), out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && e.message === `${zip}: not a CVAT Segmentation mask export (no labelmap.txt)`);
  // Archives no tool downloads as: said as such (before: "not valid JSON").
  const gz = path.join(tempDir(), 'instances.json.gz');
  fs.writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0]));
  await assert.rejects(convertAnnotations({ from: 'coco', input: gz, images: tempDir(), out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && e.message === `${gz}: a gzip-compressed file; unpack it (gunzip instances.json.gz) and give the export's file in it`);
});

test('CVAT for images XML: a box turned about its centre and ellipses (turned, and a circle) drawn exactly; an ellipse without a radius refused in one line', async () => {
  const images = await imagesDir(['f0.png']);
  const xml = (body: string) => `<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
  <meta><task><labels><label><name>pole</name></label><label><name>cell</name></label><label><name>dot</name></label></labels></task></meta>
  <image id="0" name="f0.png" width="${W}" height="${H}">${body}</image>
</annotations>`;
  const file = path.join(images, 'annotations.xml');
  // A 4 x 2 box (0..4, 0..2) turned 90 degrees about its centre (2, 1) stands 2 x 4: x 1..3, y -1..3.
  // An ellipse of radii 3 x 1 about (6, 4) turned 90 degrees is 1 wide and 3 tall: centres x 5.5 and 6.5
  // (0.5 from the axis) lie inside where |dy| <= 3 * sqrt(1 - 0.25) = 2.6, i.e. rows 1.5 ... 6.5.
  // A circle of radius 1 about (10, 1): centres (9.5, 0.5), (10.5, 0.5), (9.5, 1.5), (10.5, 1.5), at 0.71.
  fs.writeFileSync(file, xml(`
    <box label="pole" xtl="0" ytl="0" xbr="4" ybr="2" rotation="90" z_order="0"></box>
    <ellipse label="cell" cx="6" cy="4" rx="3" ry="1" rotation="90" z_order="0"></ellipse>
    <ellipse label="dot" cx="10" cy="1" rx="1" ry="1" z_order="0"></ellipse>`));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'cvat', input: file, images, out });
  assert.deepEqual(r.skipped, []);
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'f0.png')), rects([1, 0, 3, 3, 1], [5, 1, 7, 7, 2], [9, 0, 11, 2, 3]));
  // A box without rotation is the axis-aligned box, as before.
  fs.writeFileSync(file, xml('<box label="pole" xtl="0" ytl="0" xbr="4" ybr="2"></box>'));
  await convertAnnotations({ from: 'cvat', input: file, images, out });
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'f0.png')), rects([0, 0, 4, 2, 1]));
  fs.writeFileSync(file, xml('<ellipse label="cell" cx="6" cy="4" rx="0" ry="1"></ellipse>'));
  await assert.rejects(convertAnnotations({ from: 'cvat', input: file, images, out }), (e: Error) => e instanceof UserError && e.message === `${file}: f0.png, <ellipse> 0 (cell): an ellipse of radius 0 x 1 (both must be above 0); fix the file or pass options.skipInvalid to skip such shapes`);
});

test('CVAT for video XML: tracks by frame onto frame_NNNNNN images (any extension), shapes out of view left out; frames without an image listed, none at all refused', async () => {
  const images = tempDir();
  for (const n of ['frame_000000.PNG', 'frame_000002.png']) await writeRgb(path.join(images, n), new Uint8Array(W * H * 3).fill(90), W, H);
  // As CVAT writes it: every frame of each track (interpolated), the car out of view on frame 2.
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
  <meta><task><size>3</size><mode>interpolation</mode><labels><label><name>road</name></label><label><name>car</name></label></labels>
    <original_size><width>${W}</width><height>${H}</height></original_size></task></meta>
  <track id="0" label="car" source="manual">
    <box frame="0" outside="0" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="4" ybr="3" z_order="1"></box>
    <box frame="1" outside="0" occluded="0" keyframe="0" xtl="2" ytl="1" xbr="5" ybr="3" z_order="1"></box>
    <box frame="2" outside="1" occluded="0" keyframe="1" xtl="3" ytl="1" xbr="6" ybr="3" z_order="1"></box>
  </track>
  <track id="1" label="road" source="manual">
    <polygon frame="0" outside="0" occluded="0" keyframe="1" points="0,2;12,2;12,8;0,8" z_order="0"></polygon>
    <polygon frame="1" outside="0" occluded="0" keyframe="0" points="0,2;12,2;12,8;0,8" z_order="0"></polygon>
    <polygon frame="2" outside="0" occluded="0" keyframe="1" points="0,4;12,4;12,8;0,8" z_order="0"></polygon>
  </track>
</annotations>`;
  const file = path.join(tempDir(), 'annotations.xml');
  fs.writeFileSync(file, xml);
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'cvat', input: file, images, out });
  assert.deepEqual(r.classes.map((c) => c.name), ['background', 'road', 'car']);
  assert.deepEqual(r.absent, ['frame_000001']);
  assert.deepEqual(fs.readdirSync(path.join(out, 'masks')).sort(), ['frame_000000.png', 'frame_000002.png']);
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'frame_000000.png')), rects([0, 2, 12, 8, 1], [1, 1, 4, 3, 2]));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'frame_000002.png')), rects([0, 4, 12, 8, 1]));
  // Without the meta's label list (a hand-made file), the labels the shapes use, in order of first use.
  fs.writeFileSync(file, xml.replace(/<labels>.*<\/labels>/, ''));
  const r2 = await convertAnnotations({ from: 'cvat', input: file, images, out: path.join(tempDir(), 'out') });
  assert.deepEqual(r2.classes.map((c) => c.name), ['background', 'car', 'road']);
  const none = tempDir();
  await assert.rejects(convertAnnotations({ from: 'cvat', input: file, images: none, out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && e.message === `${file}: none of the 3 frames it lists has an image in options.images ${none} (frame_000000.png, ...); extract the video's frames there, numbered from 0 (ffmpeg -i VIDEO -start_number 0 DIR/frame_%06d.png)`);
});

test('Label Studio JSON: a brush RLE and a polygon in percent, the upload name matched to the image file', async () => {
  const images = await imagesDir(['street.png']);
  const brush = new Uint8Array(W * H); for (let x = 0; x < W; x++) brush[7 * W + x] = 1;
  const task = [{
    id: 5, data: { image: '/data/upload/3/1a2b3c4d-street.png' },
    annotations: [{ result: [
      { type: 'brushlabels', original_width: W, original_height: H, from_name: 'tag', to_name: 'image', value: { format: 'rle', rle: encodeBrushRle(brush, H, W), brushlabels: ['Road'] } },
      { type: 'polygonlabels', original_width: W, original_height: H, value: { points: [[25, 25], [50, 25], [50, 75], [25, 75]], polygonlabels: ['Car'] } },
    ] }],
  }];
  const file = path.join(tempDir(), 'export.json');
  fs.writeFileSync(file, JSON.stringify(task));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'labelstudio', input: file, images, out });
  assert.deepEqual(r.classes.map((c) => c.name), ['background', 'Road', 'Car']);
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'street.png')), rects([0, 7, 12, 8, 1], [3, 2, 6, 6, 2]));
});

test('Label Studio JSON: ellipses and turned rectangles in percent; the image among other strings in "data"; the same project as a JSON-MIN export gives the same mask', async () => {
  const images = await imagesDir(['cells.png']);
  // Ellipse: centre (50%, 50%) = (6, 4), radii 25% of 12 = 3 and 12.5% of 8 = 1: rows 3.5 and 4.5
  // (0.5 from the axis) inside where |dx| <= 3 * sqrt(0.75) = 2.6, i.e. centres 3.5 ... 8.5.
  // Rectangles: top-left (0, 0), 2 x 4 px, not turned; and corner (11, 7), 4 x 1, turned 180 degrees
  // about that corner: x 7..11, y 6..7.
  const task = [{
    id: 9, data: { caption: 'two cells', image: '/data/local-files/?d=slides%2Fcells.png' },
    annotations: [{ result: [
      { type: 'ellipselabels', to_name: 'image', original_width: W, original_height: H, value: { x: 50, y: 50, radiusX: 25, radiusY: 12.5, rotation: 0, ellipselabels: ['Cell'] } },
      { type: 'rectanglelabels', to_name: 'image', original_width: W, original_height: H, value: { x: 0, y: 0, width: (2 / W) * 100, height: 50, rotation: 0, rectanglelabels: ['Slide'] } },
      { type: 'rectanglelabels', to_name: 'image', original_width: W, original_height: H, value: { x: (11 / W) * 100, y: (7 / H) * 100, width: (4 / W) * 100, height: (1 / H) * 100, rotation: 180, rectanglelabels: ['Slide'] } },
    ] }],
  }];
  const file = path.join(tempDir(), 'export.json');
  fs.writeFileSync(file, JSON.stringify(task));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'labelstudio', input: file, images, out });
  assert.deepEqual(r.skipped, []);
  assert.deepEqual(r.classes.map((c) => c.name), ['background', 'Cell', 'Slide']);
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'cells.png')), rects([3, 3, 9, 5, 1], [0, 0, 2, 4, 2], [7, 6, 11, 7, 2]));
  // The same project exported as JSON-MIN (as Label Studio's converter writes it: a record per
  // annotation, newest first, the task's data and per control its regions' values with the
  // original size and no type): the same mask; an older annotation's record and a task not yet
  // annotated (no annotation_id) are not drawn.
  const sized = (v: object) => ({ ...v, original_width: W, original_height: H });
  const min = [
    { caption: 'two cells', image: '/data/local-files/?d=slides%2Fcells.png', id: 9, tag: task[0].annotations[0].result.map((r) => sized(r.value)), annotator: 1, annotation_id: 31, created_at: '2026-12-01T10:00:00Z', updated_at: '2026-12-01T10:00:00Z', lead_time: 12.5 },
    { caption: 'two cells', image: '/data/local-files/?d=slides%2Fcells.png', id: 9, tag: [sized({ x: 0, y: 0, width: 100, height: 100, rotation: 0, rectanglelabels: ['Slide'] })], annotator: 2, annotation_id: 30, created_at: '2026-11-30T10:00:00Z', updated_at: '2026-11-30T10:00:00Z', lead_time: 3 },
    { image: '/data/upload/1/other.png', id: 10, annotator: null, annotation_id: null, created_at: null, updated_at: null, lead_time: null },
  ];
  fs.writeFileSync(file, JSON.stringify(min));
  const minOut = path.join(tempDir(), 'out');
  const rm = await convertAnnotations({ from: 'labelstudio', input: file, images, out: minOut });
  assert.deepEqual([rm.images, rm.unannotated, rm.classes.map((c) => c.name)], [1, ['/data/upload/1/other.png'], ['background', 'Cell', 'Slide']]);
  assert.deepEqual(labelsOf(path.join(minOut, 'masks', 'cells.png')), labelsOf(path.join(out, 'masks', 'cells.png')));
  // A control of separate <Labels> (its regions' label list is "labels"): read by the region's fields.
  fs.writeFileSync(file, JSON.stringify([{ image: 'cells.png', id: 1, outline: [sized({ points: [[0, 0], [50, 0], [50, 50], [0, 50]], closed: true, labels: ['Cell'] })], annotator: 1, annotation_id: 1, lead_time: 1 }]));
  const labelsOut = path.join(tempDir(), 'out');
  await convertAnnotations({ from: 'labelstudio', input: file, images, out: labelsOut });
  assert.deepEqual(labelsOf(path.join(labelsOut, 'masks', 'cells.png')), rects([0, 0, 6, 4, 1]));
  // Structure that is not Label Studio's: one line naming where, and the fix.
  fs.writeFileSync(file, JSON.stringify([{ id: 2, data: { image: 'cells.png' }, annotations: 'x' }, 'y']));
  await assert.rejects(convertAnnotations({ from: 'labelstudio', input: file, images, out }), (e: Error) => e instanceof UserError && e.message === `${file}: task 2: "annotations" is not a list; the file is damaged or not the tool's export; export it again`);
  fs.writeFileSync(file, JSON.stringify(['y']));
  await assert.rejects(convertAnnotations({ from: 'labelstudio', input: file, images, out }), (e: Error) => e instanceof UserError && e.message === `${file}: task #0 is not an object; the file is damaged or not the tool's export; export it again`);
});

test('YOLO segmentation labels: polygons and boxes in fractions of the image, names from data.yaml (labels by YOLO\'s images -> labels rule) or classes.txt beside a labels folder; an image without labels is background', async () => {
  const root = tempDir();
  const images = path.join(root, 'images', 'train');
  fs.mkdirSync(path.join(images, 'sub'), { recursive: true });
  for (const n of ['a.png', 'b.png', 'sub/c.png']) await writeRgb(path.join(images, n), new Uint8Array(W * H * 3).fill(90), W, H);
  const labels = path.join(root, 'labels', 'train');
  fs.mkdirSync(path.join(labels, 'sub'), { recursive: true });
  // a: road, a polygon over x 0.25..0.5 (3..6 px), y 0.25..0.75 (2..6 px); then car, a box of centre
  // (0.5, 0.5) and size 0.5 x 0.25: x 3..9, y 3..5, over it. c: sky along the top row (y 0..1 px).
  fs.writeFileSync(path.join(labels, 'a.txt'), '1 0.25 0.25 0.5 0.25 0.5 0.75 0.25 0.75\n0 0.5 0.5 0.5 0.25\n\n');
  fs.writeFileSync(path.join(labels, 'sub', 'c.txt'), '2 0 0 1 0 1 0.125 0 0.125\r\n');
  const yaml = path.join(root, 'data.yaml');
  fs.writeFileSync(yaml, 'path: .\ntrain: images/train\nval: images/val\nnames:\n  0: car\n  1: road\n  2: sky\n');
  const want = { 'a.png': rects([3, 2, 6, 6, 2], [3, 3, 9, 5, 1]), 'b.png': rects(), 'sub/c.png': rects([0, 0, 12, 1, 3]) };
  for (const input of [yaml, labels]) {
    if (input === labels) fs.writeFileSync(path.join(root, 'labels', 'classes.txt'), 'car\nroad\nsky\n');
    const out = path.join(tempDir(), 'out');
    const r = await convertAnnotations({ from: 'yolo', input, images, out });
    assert.deepEqual(r.classes.map((c) => c.name), ['background', 'car', 'road', 'sky'], input);
    assert.equal(r.images, 3);
    for (const [name, labelsWant] of Object.entries(want)) assert.deepEqual(labelsOf(path.join(out, 'masks', name)), labelsWant, `${input}: ${name}`);
  }
  // One line each: a class index beyond the names, a label file whose image is missing, no class names.
  fs.writeFileSync(path.join(labels, 'a.txt'), '3 0.25 0.25 0.5 0.25 0.5 0.75\n');
  const o = path.join(tempDir(), 'o');
  await assert.rejects(convertAnnotations({ from: 'yolo', input: yaml, images, out: o }), (e: Error) => e instanceof UserError && e.message === `${yaml}: a.png, a.txt line 1: class 3 is not one of the dataset's class indices, 0 to 2; fix the file or pass options.skipInvalid to skip such shapes`);
  fs.writeFileSync(path.join(labels, 'a.txt'), '');
  fs.writeFileSync(path.join(labels, 'd.txt'), '0 0 0 1 0 1 1\n');
  await assert.rejects(convertAnnotations({ from: 'yolo', input: labels, images, out: o }), (e: Error) => e instanceof UserError && e.message === `${labels}: d.txt labels an image that is not in options.images ${images}; point options.images at the folder the labels' images are in`);
  fs.rmSync(path.join(root, 'labels', 'classes.txt'));
  await assert.rejects(convertAnnotations({ from: 'yolo', input: labels, images, out: o }), (e: Error) => e instanceof UserError && e.message.startsWith(`${labels}: no class names (classes.txt or obj.names`));
});

test('entries naming one image (a Label Studio task imported twice, the same upload under two prefixes) are drawn together on one mask and reported; two images that would share a mask (a.png, a.jpg) are refused', async () => {
  const images = await imagesDir(['street.png']);
  const task = (id: number, prefix: string, points: number[][] | null) => ({
    id, data: { image: `/data/upload/3/${prefix}-street.png` },
    annotations: points ? [{ result: [{ type: 'polygonlabels', original_width: W, original_height: H, value: { points, polygonlabels: ['Car'] } }] }] : [],
  });
  const file = path.join(tempDir(), 'export.json');
  // Task 1 annotated; task 2 the same image, not annotated (its empty mask wiped task 1's before); task 3 another car.
  fs.writeFileSync(file, JSON.stringify([task(1, '1a2b3c4d', [[25, 25], [50, 25], [50, 75], [25, 75]]), task(2, '5e6f7a8b', null), task(3, '9c0d1e2f', [[75, 0], [100, 0], [100, 25], [75, 25]])]));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'labelstudio', input: file, images, out });
  assert.equal(r.images, 1);
  assert.deepEqual(r.merged, [{ image: 'street.png', entries: ['/data/upload/3/1a2b3c4d-street.png', '/data/upload/3/9c0d1e2f-street.png'] }]);
  assert.deepEqual(r.unannotated, [], 'task 2 is not annotated, but its image is, by tasks 1 and 3');
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'street.png')), rects([3, 2, 6, 6, 1], [9, 0, 12, 2, 1]));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).merged, r.merged);

  await writeRgb(path.join(images, 'street.jpg'), new Uint8Array(W * H * 3).fill(90), W, H);
  const coco = { images: [{ id: 1, file_name: 'street.png' }, { id: 2, file_name: 'street.jpg' }], categories: [{ id: 1, name: 'car' }], annotations: [] };
  const cf = path.join(tempDir(), 'coco.json');
  fs.writeFileSync(cf, JSON.stringify(coco));
  const o2 = path.join(tempDir(), 'out');
  await assert.rejects(convertAnnotations({ from: 'coco', input: cf, images, out: o2 }), (e: Error) => e instanceof UserError && e.message === `${cf}: ${path.join(images, 'street.png')} and ${path.join(images, 'street.jpg')} would share the mask ${path.join(o2, 'masks', 'street.png')} (masks pair with images by the name less its extension); rename one`);
  assert.equal(fs.existsSync(o2), false, 'nothing written');
});

test('Label Studio tasks not annotated yet get no mask (listed), unless their pre-annotations are asked for; an annotation of nothing is background; list.txt names the images given masks', async () => {
  const images = await imagesDir(['a.png', 'b.png', 'c.png', 'd.png']);
  const car = { type: 'polygonlabels', original_width: W, original_height: H, value: { points: [[25, 25], [50, 25], [50, 75], [25, 75]], polygonlabels: ['Car'] } };
  const tasks = [
    { id: 1, data: { image: '/data/upload/1/a.png' }, annotations: [{ result: [car] }] },
    { id: 2, data: { image: '/data/upload/1/b.png' }, annotations: [], predictions: [{ result: [car] }] }, // pre-annotated only
    { id: 3, data: { image: '/data/upload/1/c.png' }, annotations: [{ result: [car], was_cancelled: true }] }, // skipped by the annotator
    { id: 4, data: { image: '/data/upload/1/d.png' }, annotations: [{ result: [] }] }, // submitted: nothing to label
  ];
  const file = path.join(tempDir(), 'export.json');
  fs.writeFileSync(file, JSON.stringify(tasks));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'labelstudio', input: file, images, out });
  assert.deepEqual(r.unannotated, ['/data/upload/1/b.png', '/data/upload/1/c.png']);
  assert.deepEqual(fs.readdirSync(path.join(out, 'masks')).sort(), ['a.png', 'd.png']);
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'a.png')), rects([3, 2, 6, 6, 1]));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'd.png')), rects());
  assert.equal(fs.readFileSync(r.list, 'utf8'), 'a.png\nd.png\n');
  const out2 = path.join(tempDir(), 'out');
  const r2 = await convertAnnotations({ from: 'labelstudio', input: file, images, out: out2, predictions: true });
  assert.deepEqual(r2.unannotated, ['/data/upload/1/c.png']);
  assert.deepEqual(labelsOf(path.join(out2, 'masks', 'b.png')), rects([3, 2, 6, 6, 1]));
  assert.equal(fs.readFileSync(r2.list, 'utf8'), 'a.png\nb.png\nd.png\n');
});

test('labelme: a folder of train/ and test/ subfolders, each JSON beside its image (one name in both): images found where each JSON points, masks in the same subfolders; other JSON files passed over, listed', async () => {
  const root = tempDir();
  for (const split of ['train', 'test']) {
    fs.mkdirSync(path.join(root, split));
    await writeRgb(path.join(root, split, '1.png'), new Uint8Array(W * H * 3).fill(90), W, H);
    const box = split === 'train' ? [[1, 1], [4, 3]] : [[6, 2], [9, 7]];
    fs.writeFileSync(path.join(root, split, '1.json'), JSON.stringify({ imagePath: '1.png', imageWidth: W, imageHeight: H, shapes: [{ label: 'car', points: box, shape_type: 'rectangle' }] }));
  }
  fs.writeFileSync(path.join(root, 'classes.json'), JSON.stringify([{ name: 'background', color: [0, 0, 0] }]));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'labelme', input: root, images: root, out });
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'train', '1.png')), rects([1, 1, 4, 3, 1]));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'test', '1.png')), rects([6, 2, 9, 7, 1]));
  assert.equal(fs.readFileSync(r.list, 'utf8'), 'test/1.png\ntrain/1.png\n');
  // The list trains as printed: each entry its own subfolder's image (before: both read as "1", which names two images, refused).
  assert.deepEqual(loadSamples({ images: root, masks: path.join(out, 'masks'), list: r.list, recursive: true, numClasses: 2, ignoreIndex: 255 }).map((x) => x.id), ['test/1', 'train/1']);
  assert.deepEqual(r.skipped, [{ image: path.join(root, 'classes.json'), what: 'file', reason: 'not a labelme file (no "imagePath" and "shapes")' }]);
});

test('labelme files holding their images (imageData), no images folder: the images taken into OUT/images by the JSON files\' places (a .bmp stored as PNG bytes named .png), one saved without it copied from beside it; the printed folders verify as a dataset', async () => {
  const root = tempDir();
  const png = async (v: number) => { const f = path.join(tempDir(), 'x.png'); await writeRgb(f, new Uint8Array(W * H * 3).fill(v), W, H); return fs.readFileSync(f); };
  const shapes = (box: number[][]) => [{ label: 'car', points: box, shape_type: 'rectangle' }];
  for (const split of ['train', 'test']) fs.mkdirSync(path.join(root, split));
  // labelme keeps imagePath relative to the JSON file; the image itself need not be there.
  fs.writeFileSync(path.join(root, 'train', 'a.json'), JSON.stringify({ imagePath: '..\\photos\\a.jpg', imageData: (await png(40)).toString('base64'), imageWidth: W, imageHeight: H, shapes: shapes([[1, 1], [4, 3]]) }));
  fs.writeFileSync(path.join(root, 'test', 'a.json'), JSON.stringify({ imagePath: 'a.bmp', imageData: (await png(80)).toString('base64'), imageWidth: W, imageHeight: H, shapes: shapes([[6, 2], [9, 7]]) }));
  fs.writeFileSync(path.join(root, 'test', 'b.png'), await png(120));
  fs.writeFileSync(path.join(root, 'test', 'b.json'), JSON.stringify({ imagePath: 'b.png', imageData: null, imageWidth: W, imageHeight: H, shapes: shapes([[0, 0], [2, 2]]) }));
  const out = path.join(tempDir(), 'out');
  const c = spawnSync(process.execPath, [BIN, 'convert', '--from', 'labelme', root, '--out', out, '--quiet'], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  const images = path.join(out, 'images');
  // The bytes as stored; a PNG named .bmp (labelme stores a BMP as PNG) named for what it is; a .jpg that is a PNG too.
  assert.deepEqual(fs.readdirSync(path.join(images, 'train')), ['a.png']);
  assert.deepEqual(fs.readdirSync(path.join(images, 'test')).sort(), ['a.png', 'b.png']);
  assert.ok(fs.readFileSync(path.join(images, 'test', 'a.png')).equals(await png(80)));
  assert.ok(fs.readFileSync(path.join(images, 'test', 'b.png')).equals(fs.readFileSync(path.join(root, 'test', 'b.png'))));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'train', 'a.png')), rects([1, 1, 4, 3, 1]));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'test', 'a.png')), rects([6, 2, 9, 7, 1]));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'test', 'b.png')), rects([0, 0, 2, 2, 1]));
  assert.equal(fs.readFileSync(path.join(out, 'list.txt'), 'utf8'), 'test/a.png\ntest/b.png\ntrain/a.png\n');
  const line = /^train with: (.*)$/m.exec(c.stdout)![1];
  assert.equal(line, `--images ${images} --masks ${path.join(out, 'masks')} --list ${path.join(out, 'list.txt')} --recursive --class-file ${path.join(out, 'classes.json')} --classes 2`);
  const v = spawnSync(process.execPath, [BIN, 'verify', '--images', images, '--masks', path.join(out, 'masks'), '--recursive', '--classes', '2'], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stdout + v.stderr);

  // Saved without its image and none beside it: one line naming the file and the fix; nothing written.
  fs.rmSync(path.join(root, 'test', 'b.png'));
  const out2 = path.join(tempDir(), 'out');
  const d = spawnSync(process.execPath, [BIN, 'convert', '--from', 'labelme', root, '--out', out2], { encoding: 'utf8' });
  assert.equal(d.status, 2);
  assert.equal(d.stderr, `pixelwise: ${path.join(root, 'test', 'b.json')}: holds no image (no imageData: saved without it) and its image b.png is not beside it; give --images, the folder the images are in\n`);
  assert.equal(fs.existsSync(out2), false);
  // Other formats need the images folder.
  const e = spawnSync(process.execPath, [BIN, 'convert', '--from', 'coco', path.join(root, 'train', 'a.json'), '--out', out2], { encoding: 'utf8' });
  assert.equal(e.stderr, 'pixelwise: --images: the folder of the annotated images is needed for coco (only labelme files hold their images, only a Supervisely project its own)\n');
});

// A bitmap as Supervisely's SDK writes one (data_2_base64: a 1-bit palette PNG by Pillow, zlib, base64), made once with Pillow:
// rows 01100 / 11110 / 01011 / 00010.
const SLY_BITMAP = 'eJzrDPBz5+WS4mJgYOD19HAJAtKsQMzCyAwka/6mgyi2AJ8QVyD9////pTfn3wWyGEuC/IIZHJ7dSANyBDxdHEMq5iR7JPw4IHBQgYGBo4BxZ5FkFxNQjsHT1c9lnVNCEwDUwRsB';

test('Supervisely project: polygons (edges included, as OpenCV fills them; interior rings cut out), rectangles (both corner pixels in), bitmaps at their origin, later over earlier; classes from meta.json; the project\'s own images', async () => {
  const root = tempDir();
  fs.mkdirSync(path.join(root, 'ds1', 'ann'), { recursive: true });
  fs.mkdirSync(path.join(root, 'ds1', 'img'));
  await writeRgb(path.join(root, 'ds1', 'img', 'a.png'), new Uint8Array(W * H * 3).fill(90), W, H);
  fs.writeFileSync(path.join(root, 'meta.json'), JSON.stringify({ classes: [{ title: 'road', shape: 'polygon', color: '#808080' }, { title: 'building', shape: 'polygon', color: '#FF0000' }, { title: 'car', shape: 'rectangle', color: '#00FF00' }, { title: 'person', shape: 'bitmap', color: '#0000FF' }], tags: [] }));
  fs.writeFileSync(path.join(root, 'ds1', 'ann', 'a.png.json'), JSON.stringify({ size: { height: H, width: W }, tags: [], objects: [
    { classTitle: 'road', geometryType: 'polygon', points: { exterior: [[0, 6], [11, 6], [11, 7], [0, 7]], interior: [] } },
    { classTitle: 'building', geometryType: 'polygon', points: { exterior: [[1, 1], [6, 1], [6, 5], [1, 5]], interior: [[[3, 2], [4, 2], [4, 3], [3, 3]]] } },
    { classTitle: 'car', geometryType: 'rectangle', points: { exterior: [[8, 1], [10, 3]], interior: [] } },
    { classTitle: 'person', geometryType: 'bitmap', bitmap: { data: SLY_BITMAP, origin: [7, 2] } },
    { classTitle: 'person', geometryType: 'point', points: { exterior: [[0, 0]], interior: [] } },
  ] }));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'supervisely', input: root, out });
  assert.deepEqual(r.classes, [{ name: 'background', color: [0, 0, 0] }, { name: 'road', color: [128, 128, 128] }, { name: 'building', color: [255, 0, 0] }, { name: 'car', color: [0, 255, 0] }, { name: 'person', color: [0, 0, 255] }]);
  assert.equal(r.imagesDir, root);
  // OpenCV includes a polygon's edge pixels: vertices at pixel indices 1..6 cover pixels 1..6; the hole's (3..4) are cleared likewise.
  const want = rects([0, 6, 12, 8, 1], [1, 1, 7, 6, 2], [3, 2, 5, 4, 0], [8, 1, 11, 4, 3]);
  ['01100', '11110', '01011', '00010'].forEach((row, y) => [...row].forEach((v, x) => { if (v === '1') want[(2 + y) * W + 7 + x] = 4; }));
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'ds1', 'img', 'a.png')), want);
  assert.deepEqual(r.skipped, [{ image: 'a.png', what: 'object 4 (person)', reason: 'a point has no area' }]);
  assert.equal(fs.readFileSync(r.list, 'utf8'), 'ds1/img/a.png\n');

  // An object of a geometry convert does not draw, and an annotation without its size: one line each.
  fs.writeFileSync(path.join(root, 'ds1', 'ann', 'a.png.json'), JSON.stringify({ size: { height: H, width: W }, objects: [{ classTitle: 'car', geometryType: 'polygon', points: { exterior: [[1, 1]] } }] }));
  await assert.rejects(convertAnnotations({ from: 'supervisely', input: root, out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && e.message === `${root}: a.png, object 0 (car): a polygon needs points.exterior of at least 3 [x, y] pairs; fix the file or pass options.skipInvalid to skip such shapes`);
  fs.writeFileSync(path.join(root, 'ds1', 'ann', 'a.png.json'), JSON.stringify({ objects: [] }));
  await assert.rejects(convertAnnotations({ from: 'supervisely', input: root, out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && /a\.png\.json: not a Supervisely annotation \(needs "size"/.test(e.message));
});

test('an export past what one JSON file is read as (2 GB; a sparse file) is refused in one line saying to export it in parts', async () => {
  const file = path.join(tempDir(), 'huge.json');
  fs.writeFileSync(file, '{');
  fs.truncateSync(file, 2 ** 31 + 2 ** 27); // sparse: no disk used
  try {
    await assert.rejects(convertAnnotations({ from: 'coco', input: file, images: tempDir(), out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && e.message === `${file}: 2176 MB, more than one file is read as (2 GB); export the project in parts (a task range or a split each)`);
  } finally { fs.rmSync(file); }
});

test('maskRegion and drawBits: a bitmap region cropped to its set pixels and packed a bit a pixel draws the pixels placing the mask pixel by pixel would (random masks, places partly off the image, masks not word-aligned)', () => {
  const rng = new Rng(11);
  for (let t = 0; t < 5000; t++) {
    const mw = 1 + Math.floor(rng.next() * 40), mh = 1 + Math.floor(rng.next() * 9), W = 1 + Math.floor(rng.next() * 40), H = 1 + Math.floor(rng.next() * 12);
    const left = Math.floor(rng.next() * 50) - 10, top = Math.floor(rng.next() * 16) - 5, density = rng.next() * 0.3;
    const backing = new Uint8Array(mw * mh + 3), offset = t % 4;
    const mask = backing.subarray(offset, offset + mw * mh);
    for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < density ? 1 + (i % 200) : 0;
    const want = new Uint8Array(W * H).fill(9), got = new Uint8Array(W * H).fill(9);
    for (let y = 0; y < mh; y++) for (let x = 0; x < mw; x++) {
      const tx = left + x, ty = top + y;
      if (mask[y * mw + x] && tx >= 0 && ty >= 0 && tx < W && ty < H) want[ty * W + tx] = 3;
    }
    const r = maskRegion(mask, mw, mh, left, top);
    assert.equal(r.kind, 'mask');
    if (r.kind === 'mask') {
      assert.ok(r.bits.length <= Math.ceil((mw * mh) / 8));
      drawBits(got, W, H, r, 3);
    }
    assert.deepEqual(got, want, `case ${t}: ${mw}x${mh} at ${left},${top} on ${W}x${H}`);
  }
});

test('topLevelKeys: the keys of the object a JSON file holds, wherever they are (past a megabyte), not those nested or inside strings', () => {
  const d = tempDir();
  const file = (name: string, text: string) => { fs.writeFileSync(path.join(d, name), text); return path.join(d, name); };
  const filler = JSON.stringify(Array.from({ length: 40000 }, (_, i) => ({ id: i, file_name: `dir/img_${i}.png`, note: 'a "quoted" {brace} [bracket] \\ back' })));
  assert.ok(filler.length > 2 << 20);
  const big = file('big.json', `\uFEFF{ "images" : ${filler}, "x": {"annotations": 1, "categories": []}, "weird \\"key\\"": "annotations", "annotations": [] }`);
  assert.deepEqual([...topLevelKeys(big, ['images', 'annotations', 'categories', 'weird \\"key\\"'])].sort(), ['annotations', 'images', 'weird \\"key\\"']);
  assert.deepEqual([...topLevelKeys(file('arr.json', '[{"images": [], "annotations": []}]'), ['images', 'annotations'])], []);
  assert.deepEqual([...topLevelKeys(file('after.json', '{"a": 1} {"images": []}'), ['images'])], [], 'nothing after the object ends');
  assert.deepEqual([...topLevelKeys(file('cut.json', '{"images": [1, 2'), ['images', 'annotations'])], ['images']);
});

test('a Supervisely project downloaded as a tar (GNU, or POSIX pax gzip-compressed; a name past 100 characters) converts as the project folder does; a tar slip, a link, macOS "._" files and a tar cut short', async (t) => {
  // The archives are written by the system's tar, apart from the reader under test (node-tar).
  const hasTar = spawnSync('tar', ['--version'], { encoding: 'utf8' });
  if (hasTar.status !== 0 || !/GNU tar/.test(hasTar.stdout)) { t.skip('GNU tar is not on this machine'); return; }
  const parent = tempDir(), project = path.join(parent, 'Street scenes'), long = `${'frame_'.repeat(20)}0001.png`;
  fs.mkdirSync(path.join(project, 'ds1', 'ann'), { recursive: true });
  fs.mkdirSync(path.join(project, 'ds1', 'img'));
  await writeRgb(path.join(project, 'ds1', 'img', 'a.png'), new Uint8Array(W * H * 3).fill(90), W, H);
  await writeRgb(path.join(project, 'ds1', 'img', long), new Uint8Array(W * H * 3).fill(30), W, H);
  fs.writeFileSync(path.join(project, 'meta.json'), JSON.stringify({ classes: [{ title: 'road', shape: 'polygon', color: '#808080' }, { title: 'car', shape: 'rectangle', color: '#00FF00' }], tags: [] }));
  const ann = (objects: unknown[]) => JSON.stringify({ size: { height: H, width: W }, tags: [], objects });
  fs.writeFileSync(path.join(project, 'ds1', 'ann', 'a.png.json'), ann([{ classTitle: 'road', geometryType: 'polygon', points: { exterior: [[0, 6], [11, 6], [11, 7], [0, 7]], interior: [] } }]));
  fs.writeFileSync(path.join(project, 'ds1', 'ann', `${long}.json`), ann([{ classTitle: 'car', geometryType: 'rectangle', points: { exterior: [[8, 1], [10, 3]], interior: [] } }]));
  const folder = await convertAnnotations({ from: 'supervisely', input: project, out: path.join(tempDir(), 'out') });
  const tarOf = (name: string, ...flags: string[]) => {
    const file = path.join(tempDir(), name);
    const r = spawnSync('tar', [...flags, '-cf', file, '-C', parent, 'Street scenes'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return file;
  };
  const gnu = tarOf('Street scenes.tar', '--format=gnu'), pax = tarOf('project.tar.gz', '--format=pax', '-z');
  for (const tar of [gnu, pax]) {
    const out = path.join(tempDir(), 'out');
    const r = await convertAnnotations({ from: 'supervisely', input: tar, out });
    assert.equal(r.imagesDir, path.join(out, 'export', 'Street scenes'));
    assert.deepEqual([r.images, r.classes, r.shapesPerClass], [2, folder.classes, [0, 1, 1]]);
    for (const name of ['a.png', long]) assert.deepEqual(labelsOf(path.join(out, 'masks', 'ds1', 'img', name)), labelsOf(path.join(folder.masks, 'ds1', 'img', name)), `${path.basename(tar)}: ${name}`);
  }

  // A macOS resource fork (._NAME beside each file) and a link out of the folder: left out, not
  // read as an annotation or followed.
  fs.writeFileSync(path.join(project, 'ds1', 'ann', '._a.png.json'), Buffer.from([0, 5, 22, 7, 0, 2, 0, 0]));
  fs.symlinkSync('/etc/hostname', path.join(project, 'ds1', 'img', 'link.png'));
  // A file with a second name (a hard link: tar stores the second as a link to the first) comes out as two files.
  fs.linkSync(path.join(project, 'ds1', 'img', 'a.png'), path.join(project, 'ds1', 'img', 'same.png'));
  const odd = tarOf('odd.tar');
  const oddOut = path.join(tempDir(), 'out');
  assert.equal((await convertAnnotations({ from: 'supervisely', input: odd, out: oddOut })).images, 2);
  assert.deepEqual(fs.readdirSync(path.join(oddOut, 'export', 'Street scenes', 'ds1', 'ann')).sort(), ['a.png.json', `${long}.json`].sort());
  const img = (n: string) => fs.readFileSync(path.join(oddOut, 'export', 'Street scenes', 'ds1', 'img', n));
  assert.ok(!fs.existsSync(path.join(oddOut, 'export', 'Street scenes', 'ds1', 'img', 'link.png')));
  assert.ok(img('same.png').equals(img('a.png')));
  assert.ok(spawnSync('tar', ['-tvf', odd], { encoding: 'utf8' }).stdout.includes(' link to '), 'the archive holds a hard link');

  // An entry out of the folder (tar -P keeps "../"): refused, nothing left behind.
  fs.writeFileSync(path.join(parent, 'escaped.json'), '{}');
  const slip = path.join(tempDir(), 'slip.tar');
  assert.equal(spawnSync('tar', ['-cPf', slip, path.join(project, 'meta.json'), '../escaped.json'], { cwd: project }).status, 0);
  const slipOut = path.join(tempDir(), 'o');
  await assert.rejects(convertAnnotations({ from: 'supervisely', input: slip, out: slipOut }), (e: Error) => e instanceof UserError && e.message === `${slip}: the entry "${path.join(project, 'meta.json')}" would be written out of the folder it is extracted to; the archive is not a tool's download`);
  assert.ok(!fs.existsSync(slipOut));
  // Cut inside a header, at an entry's end (no end blocks), inside the compressed stream: said as such.
  for (const [tar, keep] of [[gnu, 3000], [gnu, 1024], [pax, 600]] as const) {
    const cut = path.join(tempDir(), path.basename(tar));
    fs.writeFileSync(cut, fs.readFileSync(tar).subarray(0, keep));
    const o = path.join(tempDir(), 'o');
    await assert.rejects(convertAnnotations({ from: 'supervisely', input: cut, out: o }), (e: Error) => e instanceof UserError && e.message === `${cut}: the archive stops before its end (cut short?); download the export again`, `${path.basename(tar)} cut at ${keep}`);
    assert.ok(!fs.existsSync(o));
  }
});

test('a validation hold-out by a hash of each name: about the share asked for, the same side for an image whatever else the export holds, one on each side at least', async () => {
  const { holdOut } = await import('../../src/data/hold_out.ts');
  const names = Array.from({ length: 400 }, (_, i) => `frames/f${i}.png`);
  const all = holdOut(names, 0.2);
  assert.equal(all.train.length + all.val.length, 400);
  assert.ok(all.val.length > 50 && all.val.length < 110, `${all.val.length} of 400 held out`);
  // The first half alone: each image on the side it had among all 400.
  const half = holdOut(names.slice(0, 200), 0.2);
  assert.deepEqual(half.val, all.val.filter((n) => names.indexOf(n) < 200));
  assert.deepEqual(holdOut(['a.png', 'b.png'], 0.01).val.length, 1);
  assert.deepEqual(holdOut(['a.png', 'b.png'], 0.99).train.length, 1);
  // Through convert: train.txt and val.txt beside list.txt.
  const images = await imagesDir(['a.png', 'b.png', 'c.png', 'd.png']);
  const coco = { images: ['a.png', 'b.png', 'c.png', 'd.png'].map((f, i) => ({ id: i + 1, file_name: f })), categories: [{ id: 1, name: 'car' }], annotations: [] };
  const file = path.join(tempDir(), 'coco.json');
  fs.writeFileSync(file, JSON.stringify(coco));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'coco', input: file, images, out, valFraction: 0.5 });
  const want = holdOut(['a.png', 'b.png', 'c.png', 'd.png'], 0.5);
  assert.equal(fs.readFileSync(r.split!.train, 'utf8'), want.train.map((n) => `${n}\n`).join(''));
  assert.equal(fs.readFileSync(r.split!.val, 'utf8'), want.val.map((n) => `${n}\n`).join(''));
  assert.deepEqual(r.split!.counts, [want.train.length, want.val.length]);
  await assert.rejects(convertAnnotations({ from: 'coco', input: file, images, out, valFraction: 1 }), (e: Error) => e instanceof UserError && e.message === 'valFraction 1: the share of images held out for validation, above 0 and below 1 (e.g. 0.2)');
  // Converting into the same folder again, an export of two images, no hold-out: the earlier split
  // files go (they would not match list.txt), the earlier masks stay and are named.
  fs.writeFileSync(file, JSON.stringify({ ...coco, images: coco.images.slice(0, 2) }));
  const again = await convertAnnotations({ from: 'coco', input: file, images, out });
  assert.equal(fs.existsSync(path.join(out, 'train.txt')) || fs.existsSync(path.join(out, 'val.txt')), false);
  assert.deepEqual(again.stale, ['c.png', 'd.png']);
  assert.equal(fs.readFileSync(again.list, 'utf8'), 'a.png\nb.png\n');
});

test('VIA (VGG Image Annotator) 1 and 2: polygons, rects, circles and turned ellipses; the class from the region attribute, "object" without one; a VIA 3 project refused in one line', async () => {
  const images = await imagesDir(['balloon.png', 'cells.png']);
  // VIA 1 (the balloon tutorial's via_region_data.json): regions keyed "0", "1", no attributes.
  const via1 = { 'balloon.png1234': { filename: 'balloon.png', size: 1234, file_attributes: {}, regions: {
    0: { shape_attributes: { name: 'polygon', all_points_x: [1, 4, 4, 1], all_points_y: [1, 1, 3, 3] }, region_attributes: {} },
  } } };
  const file = path.join(tempDir(), 'via_region_data.json');
  fs.writeFileSync(file, JSON.stringify(via1));
  const out = path.join(tempDir(), 'out');
  const r = await convertAnnotations({ from: 'via', input: file, images, out });
  assert.deepEqual(r.classes.map((c) => c.name), ['background', 'object']);
  assert.deepEqual(labelsOf(path.join(out, 'masks', 'balloon.png')), rects([1, 1, 4, 3, 1]));
  // A VIA 2 project: a dropdown "class" beside a text "note", a checkbox; a rect, a circle of radius 1
  // about (10, 1) and an ellipse of radii 3 x 1 about (6, 4) turned by pi/2 (as the CVAT test: x 5..7, y 1..7).
  const region = (shape: object, attrs: object) => ({ shape_attributes: shape, region_attributes: attrs });
  const via2 = { _via_settings: {}, _via_attributes: {}, _via_img_metadata: { 'cells.png99': { filename: 'cells.png', size: 99, file_attributes: {}, regions: [
    region({ name: 'rect', x: 0, y: 5, width: 3, height: 2 }, { class: 'dish', note: 'left' }),
    region({ name: 'ellipse', cx: 6, cy: 4, rx: 3, ry: 1, theta: Math.PI / 2 }, { kind: { cell: true, debris: false } }),
    region({ name: 'circle', cx: 10, cy: 1, r: 1 }, { class: 'cell' }),
    region({ name: 'point', cx: 2, cy: 2 }, { class: 'cell' }),
  ] } } };
  fs.writeFileSync(file, JSON.stringify(via2));
  const out2 = path.join(tempDir(), 'out');
  const r2 = await convertAnnotations({ from: 'via', input: file, images, out: out2 });
  assert.deepEqual(r2.classes.map((c) => c.name), ['background', 'dish', 'cell']);
  assert.deepEqual(labelsOf(path.join(out2, 'masks', 'cells.png')), rects([0, 5, 3, 7, 1], [5, 1, 7, 7, 2], [9, 0, 11, 2, 2]));
  assert.deepEqual(r2.skipped, [{ image: 'cells.png', what: 'region 3 (cell)', reason: 'a point has no area' }]);
  assert.deepEqual([r.classOrder, r2.classOrder], ['first use', 'first use']);
  // The project's dropdown lists its options: the classes in the project's order, whatever the order of first use.
  const listed = { ...via2, _via_attributes: { region: { class: { type: 'dropdown', description: '', options: { cell: '', dish: '', debris: '' }, default_options: {} }, note: { type: 'text', description: '' } }, file: {} } };
  fs.writeFileSync(file, JSON.stringify(listed));
  const out3 = path.join(tempDir(), 'out');
  const r3 = await convertAnnotations({ from: 'via', input: file, images, out: out3 });
  assert.deepEqual([r3.classes.map((c) => c.name), r3.classOrder], [['background', 'cell', 'dish', 'debris'], 'export']);
  assert.deepEqual(labelsOf(path.join(out3, 'masks', 'cells.png')), rects([0, 5, 3, 7, 2], [5, 1, 7, 7, 1], [9, 0, 11, 2, 1]));
  // Two attributes, neither naming the class: refused, naming them.
  via2._via_img_metadata['cells.png99'].regions = [region({ name: 'rect', x: 0, y: 5, width: 3, height: 2 }, { colour: 'red', size: 'big' })];
  fs.writeFileSync(file, JSON.stringify(via2));
  await assert.rejects(convertAnnotations({ from: 'via', input: file, images, out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && e.message === `${file}: cells.png, region 0 (rect): region attributes "colour", "size": none is named label, class, name, type, category, so the class is unclear; fix the file or pass options.skipInvalid to skip such shapes`);
  fs.writeFileSync(file, JSON.stringify({ project: {}, config: {}, attribute: {}, file: {}, metadata: {}, view: {} }));
  await assert.rejects(convertAnnotations({ from: 'via', input: file, images, out: path.join(tempDir(), 'o') }), (e: Error) => e instanceof UserError && e.message === `${file}: a VIA 3 project, which convert does not read; export the annotations from VIA 2 (JSON) or as COCO`);
});

test('image names: labelme on Windows (backslashes), a path out of the images folder (its mask stays under masks/), a "%" in a file name, accents composed in the export and decomposed on disk, a name in another case', async () => {
  const root = tempDir();
  const images = path.join(root, 'images');
  fs.mkdirSync(images);
  for (const n of ['a.png', '100% b.png', 'cafe\u0301.png', 'Shot.PNG']) await writeRgb(path.join(images, n), new Uint8Array(W * H * 3).fill(90), W, H);
  fs.mkdirSync(path.join(root, 'other'));
  await writeRgb(path.join(root, 'other', 'a.png'), new Uint8Array(W * H * 3).fill(90), W, H);
  const json = (imagePath: string) => ({ imagePath, imageWidth: W, imageHeight: H, shapes: [{ label: 'car', points: [[1, 1], [4, 3]], shape_type: 'rectangle' }] });
  for (const [imagePath, mask] of [['..\\images\\a.png', 'a.png'], ['../other/a.png', 'a.png'], ['100% b.png', '100% b.png'], ['caf\u00e9.png', 'cafe\u0301.png'], ['shot.png', 'Shot.png']]) {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'x.json'), JSON.stringify(json(imagePath)));
    const out = path.join(tempDir(), 'out');
    await convertAnnotations({ from: 'labelme', input: dir, images, out });
    assert.deepEqual(fs.readdirSync(out).sort(), ['classes.json', 'list.txt', 'masks', 'report.json'], imagePath);
    assert.deepEqual(fs.readdirSync(path.join(out, 'masks')), [mask], imagePath);
    assert.deepEqual(labelsOf(path.join(out, 'masks', mask)), rects([1, 1, 4, 3, 1]), imagePath);
  }
});

test('encodeCocoRle and encodeBrushRle refuse a mask of another size than h x w by name (it was encoded short or cut)', () => {
  for (const encode of [encodeCocoRle, encodeBrushRle]) {
    assert.throws(() => encode(new Uint8Array(5), 2, 3), (e: Error) => e instanceof UserError && e.argument === 'mask' && e.message === 'mask: 5 values for a 3x2 image; expected 6, one per pixel');
    assert.throws(() => encode(new Uint8Array(7), 2, 3), (e: Error) => e instanceof UserError && /^mask: 7 values/.test(e.message));
  }
});

test('an export given as another tool\'s: the refusal says which tool it looks like', async () => {
  const { sniffFormat } = await import('../../src/data/annotations/sniff.ts');
  const d = tempDir();
  const put = (name: string, text: string | Uint8Array) => { fs.writeFileSync(path.join(d, name), text); return path.join(d, name); };
  const files = {
    coco: put('coco.json', JSON.stringify({ images: [], annotations: [], categories: [] })),
    labelme: put('x.json', JSON.stringify({ imagePath: 'x.png', shapes: [] })),
    labelstudio: put('ls.json', JSON.stringify([{ id: 1, data: { image: 'x.png' }, annotations: [] }])),
    via: put('via.json', JSON.stringify({ 'x.png123': { filename: 'x.png', size: 123, regions: [] } })),
    supervisely: put('sv.json', JSON.stringify({ size: { width: 4, height: 4 }, objects: [] })),
    cvat: put('cvat.xml', '<?xml version="1.0"?>\n<annotations><version>1.1</version></annotations>'),
    'cvat-mask': put('task.zip', zipSync({ 'labelmap.txt': new Uint8Array(0) })),
    yolo: put('data.yaml', 'path: .\ntrain: images/train\nnames:\n  0: cat\n'),
  } as const;
  for (const [format, file] of Object.entries(files)) assert.equal(sniffFormat(file), format, file);
  // Label Studio's JSON-MIN records (no "data"): Label Studio's too.
  assert.equal(sniffFormat(put('min.json', JSON.stringify([{ image: 'x.png', id: 1, tag: [], annotator: 1, annotation_id: 2 }]))), 'labelstudio');
  assert.equal(sniffFormat(put('notes.txt', 'hello')), null);
  assert.equal(sniffFormat(put('other.json', '{"a": 1}')), null);
  const images = await imagesDir(['a.png']);
  await assert.rejects(convertAnnotations({ from: 'labelme', input: files.coco, images, out: path.join(d, 'o') }),
    (e: Error) => e instanceof UserError && e.message === `${files.coco}: not a labelme file (needs "imagePath" and "shapes"); it looks like a COCO export: options.from coco`);
  const c = spawnSync(process.execPath, [BIN, 'convert', files.labelstudio, '--from', 'coco', '--images', images, '--out', path.join(d, 'o2')], { encoding: 'utf8' });
  assert.equal(c.status, 2);
  assert.match(c.stderr, /; it looks like a Label Studio JSON export: --from labelstudio\n$/);
});
