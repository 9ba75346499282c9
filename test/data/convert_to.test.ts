// convert --to: a dataset's masks written as the labelling tools' files read back, through convert
// --from (each tool's reader), to the same masks, the ignore label unlabelled; Label Studio's as
// annotations; refusals in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { unzipSync } from 'fflate';
import { inflateSync } from 'node:zlib';
import { decode as decodePng } from 'fast-png';
import { readMask } from '../../src/data/mask_io.ts';
import { Rng } from '../../src/util/random.ts';
import { tempDir, writeGreyPng, writeRgb } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });
const FORMATS = 'coco,labelstudio,cvat,cvat-xml,yolo,labelme,supervisely';

/** `out`'s exports read back by convert --from; each image's mask. */
function readBack(out: string, images: string, classFile: string): Map<string, Map<string, Uint8Array>> {
  const yolo = tempDir();
  for (const [name, bytes] of Object.entries(unzipSync(fs.readFileSync(path.join(out, 'yolo.zip'))))) { fs.mkdirSync(path.join(yolo, path.dirname(name)), { recursive: true }); fs.writeFileSync(path.join(yolo, name), bytes); }
  fs.cpSync(images, path.join(yolo, 'images', 'train'), { recursive: true });
  const got = new Map<string, Map<string, Uint8Array>>();
  for (const [from, file, imageDir] of [['coco', 'coco.json', images], ['labelstudio', 'labelstudio.json', images], ['cvat-mask', 'cvat.zip', images], ['cvat', 'cvat.xml', images],
    ['yolo', path.join(yolo, 'data.yaml'), path.join(yolo, 'images', 'train')], ['labelme', 'labelme', images], ['supervisely', 'supervisely', '']]) {
    const back = path.join(tempDir(), 'back');
    // Label Studio's tasks carry the masks as annotations: read without --predictions. Supervisely's project holds its images.
    const c = run('convert', '--from', from, path.resolve(out, file), ...(imageDir ? ['--images', imageDir] : []), '--out', back, '--class-file', classFile, '--quiet');
    assert.equal(c.status, 0, `${from}: ${c.stderr}`);
    // Supervisely's masks keep their dataset's folder (ds0/).
    const files = (fs.readdirSync(path.join(back, 'masks'), { recursive: true }) as string[]).filter((f) => f.endsWith('.png'));
    got.set(from, new Map(files.map((f) => [path.basename(f), readMask(path.join(back, 'masks', f)).data])));
  }
  return got;
}

test('convert --to: blob masks of four classes, with void, as COCO, Label Studio, CVAT (masks, XML), YOLO and labelme; each converts back to the masks, void unlabelled', async () => {
  const d = tempDir();
  const images = path.join(d, 'images'), masks = path.join(d, 'masks');
  const rng = new Rng(3);
  const want = new Map<string, Uint8Array>();
  for (let n = 0; n < 5; n++) {
    const w = 40 + n * 3, h = 30;
    const cell = 6, cw = Math.ceil(w / cell);
    const coarse = Array.from({ length: cw * Math.ceil(h / cell) }, () => Math.floor(rng.next() * 5));
    const mask = Uint8Array.from({ length: w * h }, (_, i) => { const v = coarse[Math.floor(Math.floor(i / w) / cell) * cw + Math.floor((i % w) / cell)]; return v === 4 ? 255 : v; });
    await writeRgb(path.join(images, `img ${n}.png`), Uint8Array.from({ length: w * h * 3 }, () => Math.floor(rng.next() * 255)), w, h);
    writeGreyPng(path.join(masks, `img ${n}.png`), mask, w, h);
    want.set(`img ${n}.png`, mask.map((v) => (v === 255 ? 0 : v)));
  }
  const classFile = path.join(d, 'classes.json');
  fs.writeFileSync(classFile, JSON.stringify([{ name: 'background', color: [0, 0, 0] }, { name: 'crack', color: [255, 0, 0] }, { name: 'pot hole', color: [0, 255, 0] }, { name: 'patch', color: [0, 0, 255] }]));
  const out = path.join(d, 'out');
  const r = run('convert', '--to', FORMATS, '--images', images, '--masks', masks, '--class-file', classFile, '--out', out, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote the masks of 5 images as coco, labelstudio, cvat, cvat-xml, yolo, labelme, supervisely: /);
  // Supervisely's bitmaps as its SDK decodes them: base64, zlib, a PNG whose alpha is the mask (index 0 transparent).
  const meta = JSON.parse(fs.readFileSync(path.join(out, 'supervisely', 'meta.json'), 'utf8'));
  assert.deepEqual(meta.classes.map((c: { title: string; shape: string }) => [c.title, c.shape]), [['crack', 'bitmap'], ['pot hole', 'bitmap'], ['patch', 'bitmap']]);
  const ann = JSON.parse(fs.readFileSync(path.join(out, 'supervisely', 'ds0', 'ann', 'img 0.png.json'), 'utf8'));
  assert.deepEqual(ann.size, { height: 30, width: 40 });
  for (const o of ann.objects) {
    const png = decodePng(inflateSync(Buffer.from(o.bitmap.data, 'base64')));
    const cls = 1 + meta.classes.findIndex((c: { title: string }) => c.title === o.classTitle);
    const alpha = (v: number) => (png.palette![v] as number[])[3];
    const [x0, y0] = o.bitmap.origin;
    const truth = want.get('img 0.png')!;
    for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) {
      assert.equal(alpha(png.data[y * png.width + x]) === 255, truth[(y0 + y) * 40 + x0 + x] === cls, `${o.classTitle} at ${x0 + x},${y0 + y}`);
    }
  }
  assert.ok(fs.existsSync(path.join(out, 'supervisely', 'ds0', 'img', 'img 0.png')));
  const tasks = JSON.parse(fs.readFileSync(path.join(out, 'labelstudio.json'), 'utf8'));
  assert.ok(tasks.every((t: { annotations?: unknown[]; predictions?: unknown }) => t.annotations?.length === 1 && t.predictions === undefined));
  assert.equal(tasks[0].data.image, 'img%200.png');
  for (const [from, got] of readBack(out, images, classFile)) {
    for (const [f, mask] of want) assert.deepEqual(got.get(f), mask, `${from}: ${f}`);
  }
  // Refusals in one line: no classes, options of the other direction, both directions, a file with --to.
  for (const [args, msg] of [
    [['convert', '--to', 'coco', '--images', images, '--masks', masks, '--out', path.join(d, 'o2')], /^pixelwise: --to coco: needs the classes the masks' values stand for: --class-file FILE/],
    [['convert', '--to', 'coco', '--images', images, '--masks', masks, '--classes', '4', '--crowd', 'class', '--out', path.join(d, 'o3')], /^pixelwise: --crowd goes with --from; without it, it would change nothing$/],
    [['convert', '--from', 'coco', path.join(out, 'coco.json'), '--masks', masks, '--images', images, '--out', path.join(d, 'o4')], /^pixelwise: --masks goes with --to; without it, it would change nothing$/],
    [['convert', '--to', 'coco', path.join(out, 'coco.json'), '--images', images, '--masks', masks, '--classes', '4', '--out', path.join(d, 'o5')], /--to reads --images and --masks \(or --data\), not a file; leave it out$/],
    [['convert', '--to', 'pascal', '--images', images, '--masks', masks, '--classes', '4', '--out', path.join(d, 'o6')], /^pixelwise: --to pascal: unknown format pascal; use coco, labelstudio/],
    [['convert', '--images', images, '--out', path.join(d, 'o7')], /^pixelwise: convert: give --from FORMAT FILE/],
  ] as const) {
    const e = run(...args);
    assert.notEqual(e.status, 0, args.join(' '));
    assert.match(e.stderr.trim(), msg);
    assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
  }
  // --classes N: 0 is background (unlabelled), then class 1, class 2, ...
  const named = run('convert', '--to', 'coco', '--images', images, '--masks', masks, '--classes', '4', '--out', path.join(d, 'o8'), '--quiet');
  assert.equal(named.status, 0, named.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(d, 'o8', 'coco.json'), 'utf8')).categories.map((c: { name: string }) => c.name), ['class 1', 'class 2', 'class 3']);
});
