// Pre-annotation exports: predict --export coco,labelstudio,cvat on the shipped photos, read back
// (1) by decoders written here or by the package Label Studio itself uses, independent of the
// encoders, and (2) through convert (the import path): both give predict's own label maps exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { decodeBinary } from '@thi.ng/rle-pack';
import { unzipSync } from 'fflate';
import { readMask } from '../../src/data/mask_io.ts';
import { tempDir } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');
const PHOTOS = path.resolve('assets/photos');
const photos = fs.readdirSync(PHOTOS).filter((f) => f.endsWith('.png')).sort();

/** pycocotools' compressed counts, decoded as its C source describes (written apart from src/formats/mask_rle.ts). */
function cocoCounts(s: string): number[] {
  const cnts: number[] = [];
  for (let p = 0; p < s.length;) {
    let x = 0, k = 0, more = 1;
    while (more) {
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20; p++; k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (cnts.length > 2) x += cnts[cnts.length - 2];
    cnts.push(x);
  }
  return cnts;
}

test('predict --export coco,labelstudio,cvat: each export decodes (independent decoders) and converts back to predict\'s label maps exactly', async () => {
  const out = path.join(tempDir(), 'pred');
  const p = spawnSync(process.execPath, [BIN, 'predict', PHOTOS, '--model', 'voc-fast', '--out', out, '--export', 'coco,labelstudio,cvat', '--image-url-prefix', '/data/local-files/?d=photos/', '--quiet'], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  const truth = new Map(photos.map((f) => [f, readMask(path.join(out, `${f.replace(/\.png$/, '')}_labels.png`))]));

  // COCO: categories are the classes but background (id = class id + 1); every non-background pixel is in exactly one annotation.
  const coco = JSON.parse(fs.readFileSync(path.join(out, 'coco.json'), 'utf8'));
  assert.equal(coco.categories.length, 20);
  assert.equal(coco.categories[0].name, 'aeroplane');
  for (const im of coco.images) {
    const t = truth.get(im.file_name)!;
    const got = new Uint8Array(im.width * im.height);
    for (const a of coco.annotations.filter((x: { image_id: number }) => x.image_id === im.id)) {
      const counts = cocoCounts(a.segmentation.counts);
      assert.equal(counts.reduce((s: number, v: number) => s + v, 0), im.width * im.height);
      let i = 0, area = 0;
      counts.forEach((n, k) => { for (let j = i; j < i + n; j++) if (k % 2) { got[(j % im.height) * im.width + Math.floor(j / im.height)] = a.category_id - 1; area++; } i += n; });
      assert.equal(a.area, area);
      assert.ok(a.score > 0 && a.score <= 1);
    }
    assert.deepEqual(got, t.data, `${im.file_name}: COCO`);
  }

  // Label Studio: the brush RLE decoded by @thi.ng/rle-pack, the mask in alpha.
  const tasks = JSON.parse(fs.readFileSync(path.join(out, 'labelstudio.json'), 'utf8'));
  const classNames = (JSON.parse(fs.readFileSync(path.resolve('models/voc-fast/model.json'), 'utf8')).classes as { name: string }[]).map((c) => c.name);
  for (const task of tasks) {
    const file = task.data.image.replace('/data/local-files/?d=photos/', '');
    const t = truth.get(file)!;
    const got = new Uint8Array(t.width * t.height);
    for (const r of task.predictions[0].result) {
      const rgba = decodeBinary(Uint8Array.from(r.value.rle));
      assert.equal(rgba.length, t.width * t.height * 4);
      const id = classNames.indexOf(r.value.brushlabels[0]);
      for (let i = 0; i < got.length; i++) if (rgba[i * 4 + 3]) got[i] = id;
    }
    assert.deepEqual(got, t.data, `${file}: Label Studio`);
  }
  const config = fs.readFileSync(path.join(out, 'labelstudio-config.xml'), 'utf8');
  assert.match(config, /<BrushLabels name="tag" toName="image">/);
  assert.equal((config.match(/<Label value=/g) ?? []).length, 20);

  // CVAT: labelmap colours -> ids on the SegmentationClass PNGs.
  const zip = unzipSync(fs.readFileSync(path.join(out, 'cvat.zip')));
  const labelmap = new TextDecoder().decode(zip['labelmap.txt']).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  const byColour = new Map(labelmap.map(([n, c]) => [c, n === 'background' ? 0 : classNames.indexOf(n)]));
  assert.deepEqual(new TextDecoder().decode(zip['ImageSets/Segmentation/default.txt']).trim().split('\n'), photos.map((f) => f.replace(/\.png$/, '')));
  for (const f of photos) {
    const { data, info } = await sharp(Buffer.from(zip[`SegmentationClass/${f}`])).raw().toBuffer({ resolveWithObject: true });
    const t = truth.get(f)!;
    const got = new Uint8Array(info.width * info.height);
    for (let i = 0; i < got.length; i++) got[i] = byColour.get(`${data[i * info.channels]},${data[i * info.channels + 1]},${data[i * info.channels + 2]}`)!;
    assert.deepEqual(got, t.data, `${f}: CVAT`);
  }

  // Back through convert, onto the model's classes by name (Label Studio's tasks hold predictions
  // only, pre-annotations not yet reviewed: --predictions reads them as labels).
  for (const [from, file] of [['coco', 'coco.json'], ['labelstudio', 'labelstudio.json'], ['cvat-mask', 'cvat.zip']]) {
    const back = path.join(tempDir(), 'back');
    const c = spawnSync(process.execPath, [BIN, 'convert', '--from', from, path.join(out, file), '--images', PHOTOS, '--out', back, '--class-file', 'voc', '--quiet', ...(from === 'labelstudio' ? ['--predictions'] : [])], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    for (const f of photos) assert.deepEqual(readMask(path.join(back, 'masks', f)).data, truth.get(f)!.data, `${f}: ${from} through convert`);
  }
});

test('predict --export yolo,labelme: outlines in the layouts the tools read, which convert back to predict\'s label maps exactly; labelme files edited since are never written over; thinned outlines', async () => {
  const out = path.join(tempDir(), 'pred');
  const p = spawnSync(process.execPath, [BIN, 'predict', PHOTOS, '--model', 'voc-fast', '--out', out, '--export', 'yolo,labelme', '--quiet'], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  const truth = new Map(photos.map((f) => [f, readMask(path.join(out, `${f.replace(/\.png$/, '')}_labels.png`))]));
  const classNames = (JSON.parse(fs.readFileSync(path.resolve('models/voc-fast/model.json'), 'utf8')).classes as { name: string }[]).map((c) => c.name);

  // YOLO: CVAT's Ultralytics layout; the classes by index without background; rows of a class index
  // and x y pairs in fractions of the image.
  const zip = unzipSync(fs.readFileSync(path.join(out, 'yolo.zip')));
  const yaml = new TextDecoder().decode(zip['data.yaml']);
  assert.match(yaml, /^path: \.\ntrain: train\.txt\nnames:\n  0: aeroplane\n  1: bicycle\n/);
  assert.match(yaml, /\n  19: tvmonitor\n$/);
  assert.deepEqual(new TextDecoder().decode(zip['train.txt']).trim().split('\n'), photos.map((f) => `images/train/${f}`));
  const dataset = tempDir();
  fs.mkdirSync(path.join(dataset, 'images', 'train'), { recursive: true });
  for (const [name, bytes] of Object.entries(zip)) { fs.mkdirSync(path.join(dataset, path.dirname(name)), { recursive: true }); fs.writeFileSync(path.join(dataset, name), bytes); }
  for (const f of photos) {
    fs.copyFileSync(path.join(PHOTOS, f), path.join(dataset, 'images', 'train', f));
    const rows = new TextDecoder().decode(zip[`labels/train/${f.replace(/\.png$/, '.txt')}`]).trim().split('\n').map((r) => r.split(' ').map(Number));
    const present = new Set([...truth.get(f)!.data].filter((v) => v !== 0));
    assert.deepEqual(new Set(rows.map((r) => r[0] + 1)), present, `${f}: a row for each class present`);
    for (const r of rows) assert.ok(r.length >= 7 && r.length % 2 === 1 && r.slice(1).every((v) => v >= 0 && v <= 1), `${f}: ${r.slice(0, 5).join(' ')}...`);
  }
  const fromYolo = path.join(tempDir(), 'back');
  const c = spawnSync(process.execPath, [BIN, 'convert', '--from', 'yolo', path.join(dataset, 'data.yaml'), '--images', path.join(dataset, 'images', 'train'), '--out', fromYolo, '--class-file', 'voc', '--quiet'], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  for (const f of photos) assert.deepEqual(readMask(path.join(fromYolo, 'masks', f)).data, truth.get(f)!.data, `${f}: yolo through convert`);

  // Thinned (1 pixel): fewer points, nearly every pixel as it was, the class rows unchanged.
  const { ExportBuilder } = await import('../../src/data/annotations/export.ts');
  const { fillPolygon } = await import('../../src/data/polygon.ts');
  const classes = JSON.parse(fs.readFileSync(path.resolve('models/voc-fast/model.json'), 'utf8')).classes;
  const thin = new ExportBuilder(classes, ['yolo'], { fromName: '', toName: '', imageUrlPrefix: '', modelVersion: '' }, { outlineTolerance: 1 });
  for (const f of photos) await thin.add({ name: f, width: truth.get(f)!.width, height: truth.get(f)!.height, labels: truth.get(f)!.data });
  for (const { name, rows } of thin.yoloLabels()) {
    const t = truth.get(name)!;
    const exactRows = new TextDecoder().decode(zip[`labels/train/${name.replace(/\.png$/, '.txt')}`]).trim().split('\n');
    const thinRows = rows.trim().split('\n');
    assert.deepEqual(thinRows.map((r) => r.split(' ')[0]), exactRows.map((r) => r.split(' ')[0]), `${name}: one row per region, as exact`);
    assert.ok(thinRows.join(' ').split(' ').length < exactRows.join(' ').split(' ').length * 0.5, `${name}: fewer points`);
    const got = new Uint8Array(t.data.length);
    for (const r of thinRows) { const [c, ...xy] = r.split(' ').map(Number); fillPolygon(got, t.width, t.height, xy.map((v, k) => v * (k % 2 ? t.height : t.width)), c + 1); }
    const same = got.reduce((n, v, i) => n + (v === t.data[i] ? 1 : 0), 0);
    assert.ok(same / got.length > 0.99, `${name}: ${same} of ${got.length} pixels as they were`);
  }

  // labelme: NAME.json beside the others, imagePath leading to the photo from the JSON's folder.
  for (const f of photos) {
    const j = JSON.parse(fs.readFileSync(path.join(out, 'labelme', f.replace(/\.png$/, '.json')), 'utf8'));
    assert.equal(path.resolve(out, 'labelme', j.imagePath), path.join(PHOTOS, f));
    assert.equal(j.imageWidth, truth.get(f)!.width);
    assert.ok(j.shapes.length > 0 && j.shapes.every((s: { shape_type: string; label: string }) => s.shape_type === 'polygon' && classNames.includes(s.label)));
  }
  const fromLabelme = path.join(tempDir(), 'back');
  const l = spawnSync(process.execPath, [BIN, 'convert', '--from', 'labelme', path.join(out, 'labelme'), '--images', PHOTOS, '--out', fromLabelme, '--class-file', 'voc', '--quiet'], { encoding: 'utf8' });
  assert.equal(l.status, 0, l.stderr);
  for (const f of photos) assert.deepEqual(readMask(path.join(fromLabelme, 'masks', f)).data, truth.get(f)!.data, `${f}: labelme through convert`);

  // Run again: files as written are replaced; one saved from labelme with a shape removed is refused, untouched.
  const again = () => spawnSync(process.execPath, [BIN, 'predict', PHOTOS, '--model', 'voc-fast', '--out', out, '--export', 'labelme', '--quiet'], { encoding: 'utf8' });
  assert.equal(again().status, 0);
  const edited = path.join(out, 'labelme', 'coffee.json');
  const j = JSON.parse(fs.readFileSync(edited, 'utf8'));
  j.shapes.pop();
  fs.writeFileSync(edited, JSON.stringify(j, null, 2));
  const before = fs.readFileSync(edited, 'utf8');
  const r = again();
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `pixelwise: --out ${out}: labelme/coffee.json was changed since pixelwise wrote it (edited in labelme?), and this export would write over it; move it away or give another --out\n`);
  assert.equal(fs.readFileSync(edited, 'utf8'), before);
});

test('predict --export labelstudio: an image name with URL characters (space, #, %, &) percent-encoded in the task, as Label Studio quotes paths; it converts back', () => {
  const images = tempDir();
  const name = 'a b#1%&.png';
  fs.copyFileSync(path.join(PHOTOS, 'chelsea.png'), path.join(images, name));
  const out = path.join(tempDir(), 'pred');
  const p = spawnSync(process.execPath, [BIN, 'predict', images, '--model', 'voc-fast', '--out', out, '--export', 'labelstudio', '--image-url-prefix', '/data/local-files/?d=imgs/', '--quiet'], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  const task = JSON.parse(fs.readFileSync(path.join(out, 'labelstudio.json'), 'utf8'))[0];
  assert.equal(task.data.image, '/data/local-files/?d=imgs/a%20b%231%25%26.png');
  assert.equal(new URL(task.data.image, 'http://ls').searchParams.get('d'), `imgs/${name}`, 'the URL Label Studio reads names the file');
  const back = path.join(tempDir(), 'back');
  const c = spawnSync(process.execPath, [BIN, 'convert', '--from', 'labelstudio', path.join(out, 'labelstudio.json'), '--images', images, '--out', back, '--class-file', 'voc', '--predictions', '--quiet'], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  assert.deepEqual(readMask(path.join(back, 'masks', 'a b#1%&.png')).data, readMask(path.join(out, 'a b#1%&_labels.png')).data);
});

test('predict --export labelstudio --ls-regions polygon: PolygonLabels regions (outlines in percent) that convert back to predict\'s label maps exactly; thinned by --outline-tolerance; the options refused apart from their export', () => {
  const out = path.join(tempDir(), 'pred');
  const p = spawnSync(process.execPath, [BIN, 'predict', PHOTOS, '--model', 'voc-fast', '--out', out, '--export', 'labelstudio', '--ls-regions', 'polygon', '--quiet'], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  assert.match(fs.readFileSync(path.join(out, 'labelstudio-config.xml'), 'utf8'), /<PolygonLabels name="tag" toName="image">[\s\S]*<\/PolygonLabels>/);
  const tasks = JSON.parse(fs.readFileSync(path.join(out, 'labelstudio.json'), 'utf8'));
  const points = (t: { predictions: { result: { value: { points: number[][] } }[] }[] }[]) => t.flatMap((x) => x.predictions[0].result).reduce((n, r) => n + r.value.points.length, 0);
  assert.ok(tasks.every((t: { predictions: { result: { type: string }[] }[] }) => t.predictions[0].result.length && t.predictions[0].result.every((r) => r.type === 'polygonlabels')));
  const back = path.join(tempDir(), 'back');
  const c = spawnSync(process.execPath, [BIN, 'convert', '--from', 'labelstudio', path.join(out, 'labelstudio.json'), '--images', PHOTOS, '--out', back, '--class-file', 'voc', '--predictions', '--quiet'], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  for (const f of photos) assert.deepEqual(readMask(path.join(back, 'masks', f)).data, readMask(path.join(out, f.replace('.png', '_labels.png'))).data, f);
  // Thinned: fewer points to edit.
  const thin = path.join(tempDir(), 'thin');
  assert.equal(spawnSync(process.execPath, [BIN, 'predict', PHOTOS, '--model', 'voc-fast', '--out', thin, '--export', 'labelstudio', '--ls-regions', 'polygon', '--outline-tolerance', '1', '--quiet']).status, 0);
  assert.ok(points(JSON.parse(fs.readFileSync(path.join(thin, 'labelstudio.json'), 'utf8'))) < points(tasks) / 2);
  for (const [args, msg] of [
    [['--export', 'coco', '--ls-regions', 'polygon'], '--ls-regions goes with --export labelstudio'],
    [['--export', 'labelstudio', '--outline-tolerance', '1'], '--outline-tolerance goes with --export yolo, labelme, cvat-xml, or labelstudio with --ls-regions polygon'],
  ] as const) {
    const r = spawnSync(process.execPath, [BIN, 'predict', path.join(PHOTOS, 'chelsea.png'), '--model', 'voc-fast', '--out', path.join(tempDir(), 'x'), ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(msg), r.stderr);
  }
});

test('predict --export cvat-xml: CVAT for images 1.1 XML, a polygon per region, that converts back to predict\'s label maps exactly (CVAT draws polygons as pycocotools does); names XML must escape', () => {
  const images = tempDir();
  for (const f of photos) fs.copyFileSync(path.join(PHOTOS, f), path.join(images, f === 'chelsea.png' ? 'cat & "mouse" <1>.png' : f));
  const out = path.join(tempDir(), 'pred');
  const p = spawnSync(process.execPath, [BIN, 'predict', images, '--model', 'voc-fast', '--out', out, '--export', 'cvat-xml', '--quiet'], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  const xml = fs.readFileSync(path.join(out, 'cvat.xml'), 'utf8');
  assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<annotations>\n  <version>1\.1<\/version>/);
  assert.ok(xml.includes('name="cat &amp; &quot;mouse&quot; &lt;1>.png"'), 'the name escaped');
  assert.ok(/<polygon label="cat" source="auto" occluded="0" z_order="0" points="\d+,\d+;/.test(xml));
  const back = path.join(tempDir(), 'back');
  const c = spawnSync(process.execPath, [BIN, 'convert', '--from', 'cvat', path.join(out, 'cvat.xml'), '--images', images, '--out', back, '--class-file', 'voc', '--quiet'], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  for (const f of fs.readdirSync(images)) assert.deepEqual(readMask(path.join(back, 'masks', f)).data, readMask(path.join(out, f.replace('.png', '_labels.png'))).data, f);
});

test('predict --export refuses a folder that holds other files, or a file where an export writes a folder, in one line', () => {
  const out = tempDir();
  fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
  const p = spawnSync(process.execPath, [BIN, 'predict', path.join(PHOTOS, photos[0]), '--model', 'voc-fast', '--out', out, '--export', 'coco'], { encoding: 'utf8' });
  assert.equal(p.status, 2);
  assert.equal(p.stderr, `pixelwise: --out ${out}: holds files that pixelwise did not write (notes.txt); --export writes into a new or empty folder, or one of an earlier predict, rank or video\n`);
  // A file named labelme where the labelme export writes its folder: refused before the first image, not after the last.
  const lm = tempDir();
  fs.writeFileSync(path.join(lm, 'labelme'), '');
  const l = spawnSync(process.execPath, [BIN, 'predict', path.join(PHOTOS, photos[0]), '--model', 'voc-fast', '--out', lm, '--export', 'labelme'], { encoding: 'utf8' });
  assert.equal(l.status, 2);
  assert.equal(l.stderr, `pixelwise: --out ${lm}: labelme is a file, where the labelme export writes its folder; move it away or give another --out\n`);
  assert.deepEqual(fs.readdirSync(lm), ['labelme']);
  const q = spawnSync(process.execPath, [BIN, 'predict', path.join(PHOTOS, photos[0]), '--model', 'voc-fast', '--out', path.join(out, 'x'), '--export', 'coco,voc'], { encoding: 'utf8' });
  assert.equal(q.stderr, 'pixelwise: --export coco,voc: unknown format voc; use coco, labelstudio, cvat, cvat-xml, yolo, labelme, supervisely (comma-separated)\n');
});

const CAMVID_VAL = path.resolve('../shared/data/camvid/val');
test('CamVid val with the camvid-fast model: COCO, Label Studio, CVAT (masks and XML polygons), YOLO, labelme and Supervisely exports convert back to the label maps exactly', { skip: !fs.existsSync(CAMVID_VAL) && `${CAMVID_VAL} not found` }, () => {
  const images = path.join(tempDir(), 'val');
  fs.mkdirSync(images);
  for (const f of fs.readdirSync(CAMVID_VAL).sort().slice(0, 12)) fs.copyFileSync(path.join(CAMVID_VAL, f), path.join(images, f));
  const out = path.join(tempDir(), 'pred');
  const p = spawnSync(process.execPath, [BIN, 'predict', images, '--model', 'camvid-fast', '--out', out, '--export', 'coco,labelstudio,cvat,cvat-xml,yolo,labelme,supervisely', '--quiet'], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  // YOLO's labels are found from data.yaml by its rule: .../images/train/NAME -> .../labels/train/NAME.txt.
  const yolo = tempDir();
  for (const [name, bytes] of Object.entries(unzipSync(fs.readFileSync(path.join(out, 'yolo.zip'))))) { fs.mkdirSync(path.join(yolo, path.dirname(name)), { recursive: true }); fs.writeFileSync(path.join(yolo, name), bytes); }
  fs.cpSync(images, path.join(yolo, 'images', 'train'), { recursive: true });
  for (const [from, file, imageDir] of [['coco', 'coco.json', images], ['labelstudio', 'labelstudio.json', images], ['cvat-mask', 'cvat.zip', images], ['cvat', 'cvat.xml', images],
    ['yolo', path.join(yolo, 'data.yaml'), path.join(yolo, 'images', 'train')], ['labelme', 'labelme', images], ['supervisely', 'supervisely', '']]) {
    const back = path.join(tempDir(), 'back');
    // Supervisely's project holds its images (copied there by the export).
    const c = spawnSync(process.execPath, [BIN, 'convert', '--from', from, path.resolve(out, file), ...(imageDir ? ['--images', imageDir] : []), '--out', back, '--class-file', 'camvid', '--quiet', ...(from === 'labelstudio' ? ['--predictions'] : [])], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    // Supervisely's masks keep their images' folders in the project (ds0/img/).
    const masks = from === 'supervisely' ? path.join(back, 'masks', 'ds0', 'img') : path.join(back, 'masks');
    for (const f of fs.readdirSync(images)) assert.deepEqual(readMask(path.join(masks, f)).data, readMask(path.join(out, `${f.replace(/\.png$/, '')}_labels.png`)).data, `${f}: ${from}`);
  }
});

test('ExportBuilder refuses an unknown format and a label map or confidence of another size than the image by name', async () => {
  const { ExportBuilder } = await import('../../src/data/annotations/export.ts');
  const { UserError } = await import('../../src/util/errors.ts');
  const classes = [{ name: 'background', color: [0, 0, 0] as [number, number, number] }, { name: 'cat', color: [255, 0, 0] as [number, number, number] }];
  const names = { fromName: 'tag', toName: 'image', imageUrlPrefix: '/data/', modelVersion: 'm' };
  assert.throws(() => new ExportBuilder(classes, ['coco', 'voc' as never], names), (e: Error) => e instanceof UserError && e.argument === 'formats' && e.message === 'formats voc: unknown export format; use coco, labelstudio, cvat, cvat-xml, yolo, labelme, supervisely');
  assert.throws(() => new ExportBuilder(classes, ['yolo'], names, { outlineTolerance: -1 }), (e: Error) => e instanceof UserError && e.argument === 'outlineTolerance' && e.message === 'outlineTolerance -1: a distance in pixels, 0 (exact) or more');
  const b = new ExportBuilder(classes, ['coco', 'labelstudio'], names);
  await assert.rejects(b.add({ name: 'a.png', width: 3, height: 2, labels: new Uint8Array(5) }), (e: Error) => e instanceof UserError && e.message === 'labels: 5 values for a 3x2 image; expected 6, one per pixel');
  await assert.rejects(b.add({ name: 'a.png', width: 3, height: 2, labels: new Uint8Array(6), confidence: new Float32Array(4) }), (e: Error) => e instanceof UserError && e.message === 'confidence: 4 values for 6 pixels of a.png; give one per pixel');
  await b.add({ name: 'a.png', width: 3, height: 2, labels: new Uint8Array([0, 1, 1, 0, 0, 1]) });
  assert.equal((b.coco() as { annotations: unknown[] }).annotations.length, 1);
});

test('the exports\' scores from confidenceSums equal those from the per-pixel confidence (hand-computed), so a resumed run exports what one run does', async () => {
  const { ExportBuilder, confidenceSums } = await import('../../src/data/annotations/export.ts');
  const { UserError } = await import('../../src/util/errors.ts');
  const classes = (['background', 'cat', 'dog'] as const).map((name, i) => ({ name, color: [i * 80, 0, 0] as [number, number, number] }));
  const names = { fromName: 'tag', toName: 'image', imageUrlPrefix: '/data/', modelVersion: 'm' };
  // 2x3: background, cat, cat / dog, dog, cat.
  const labels = Uint8Array.from([0, 1, 1, 2, 2, 1]);
  const confidence = Float32Array.from([0.5, 0.25, 0.75, 1, 0.5, 0.5]);
  const sums = confidenceSums(labels, confidence);
  assert.deepEqual(sums, { total: 3.5, byLabel: [0.5, 1.5, 1.5] });
  const built = async (p: { confidence?: Float32Array; confidenceSums?: typeof sums }) => {
    const b = new ExportBuilder(classes, ['coco', 'labelstudio'], names);
    await b.add({ name: 'a.png', width: 3, height: 2, labels, ...p });
    return { coco: (b.coco() as { annotations: { category_id: number; score: number }[] }).annotations, ls: b.labelStudio() as { predictions: { score: number; result: { score: number }[] }[] }[] };
  };
  const direct = await built({ confidence });
  // cat: (0.25 + 0.75 + 0.5) / 3; dog: (1 + 0.5) / 2; the image: 3.5 / 6.
  assert.deepEqual(direct.coco.map((a) => [a.category_id, a.score]), [[2, 0.5], [3, 0.75]]);
  assert.equal(direct.ls[0].predictions[0].score, Math.round((3.5 / 6) * 1e4) / 1e4);
  assert.deepEqual(direct.ls[0].predictions[0].result.map((r) => r.score), [0.5, 0.75]);
  assert.deepEqual(await built({ confidenceSums: JSON.parse(JSON.stringify(sums)) }), direct);
  assert.throws(() => confidenceSums(labels, new Float32Array(5)), (e: Error) => e instanceof UserError && e.argument === 'confidence');
  const b = new ExportBuilder(classes, ['coco'], names);
  await assert.rejects(b.add({ name: 'a.png', width: 3, height: 2, labels, confidenceSums: { total: Number.NaN, byLabel: [] } }),
    (e: Error) => e instanceof UserError && e.argument === 'confidenceSums' && e.message === 'confidenceSums of a.png: not a total and sums by label; give what confidenceSums(labels, confidence) returns');
});

test('exports refuse two images they cannot tell apart: one name twice, or (CVAT masks, paired by the name less its extension) a.png and a.jpg; predict checks before its first image', async () => {
  const { ExportBuilder } = await import('../../src/data/annotations/export.ts');
  const { UserError } = await import('../../src/util/errors.ts');
  const classes = [{ name: 'background', color: [0, 0, 0] as [number, number, number] }, { name: 'cat', color: [255, 0, 0] as [number, number, number] }];
  const names = { fromName: 'tag', toName: 'image', imageUrlPrefix: '', modelVersion: 'm' };
  const p = (name: string) => ({ name, width: 3, height: 2, labels: new Uint8Array([0, 1, 1, 0, 0, 1]) });
  const cvat = new ExportBuilder(classes, ['coco', 'cvat'], names);
  await cvat.add(p('a.png'));
  await assert.rejects(cvat.add(p('a.jpg')), (e: Error) => e instanceof UserError && e.argument === 'name' && e.message === 'name: "a.png" and "a.jpg" would share the CVAT mask SegmentationClass/a.png (CVAT pairs masks with images by the name less its extension); rename one, or export them in separate runs');
  await cvat.add(p('sub/a.jpg'));
  const yolo = new ExportBuilder(classes, ['yolo', 'labelme'], names);
  await yolo.add(p('a.png'));
  await assert.rejects(yolo.add(p('a.jpg')), (e: Error) => e instanceof UserError && e.message === 'name: "a.png" and "a.jpg" would share the YOLO label file labels/train/a.txt; rename one, or export them in separate runs');
  const coco = new ExportBuilder(classes, ['coco', 'labelstudio'], names);
  await coco.add(p('a.png'));
  await coco.add(p('a.jpg'));
  await assert.rejects(coco.add(p('a.png')), (e: Error) => e instanceof UserError && e.message === 'name: two images are named "a.png", and the labelling tools pair regions with images by file name; rename one, or export them in separate runs');
  assert.equal((coco.coco() as { images: unknown[] }).images.length, 2);

  const dir = tempDir();
  fs.copyFileSync(path.join(PHOTOS, photos[0]), path.join(dir, 'a.png'));
  await sharp(path.join(PHOTOS, photos[0])).jpeg().toFile(path.join(dir, 'a.jpg'));
  const out = path.join(tempDir(), 'pred');
  const q = spawnSync(process.execPath, [BIN, 'predict', dir, '--model', 'voc-fast', '--out', out, '--export', 'coco,cvat'], { encoding: 'utf8' });
  assert.equal(q.status, 2);
  assert.equal(q.stderr, 'pixelwise: --export: "a.jpg" and "a.png" would share the CVAT mask SegmentationClass/a.png (CVAT pairs masks with images by the name less its extension); predict them in separate runs\n');
  assert.equal(fs.existsSync(out), false, 'nothing written');
});

test('a Supervisely export refuses an image in a subfolder by name (its dataset holds images in one folder)', async () => {
  const { exportNamesProblem } = await import('../../src/data/annotations/export.ts');
  assert.equal(exportNamesProblem(['a.png', 'sub/b.png'], ['coco', 'supervisely']), '"sub/b.png" is in a subfolder, and a Supervisely dataset holds its images in one folder by name');
  assert.equal(exportNamesProblem(['a.png', 'sub/b.png'], ['coco']), null);
});
