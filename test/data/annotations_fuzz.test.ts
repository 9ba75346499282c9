// Structural fuzzing of convert's readers: valid COCO, Label Studio, labelme (with and without an images folder), CVAT (images and video), YOLO, VIA and Supervisely exports
// whose values are replaced at random (null, numbers out of range, strings, empty lists and objects,
// deleted keys; CVAT attributes and YOLO tokens likewise). Every mutant converts or fails with a
// UserError (the CLI's one-line message), never another exception, and none takes long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { convertAnnotations, type AnnotationFormat } from '../../src/data/annotations/convert.ts';
import { encodeBrushRle, encodeCocoRle } from '../../src/formats/mask_rle.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/random.ts';
import { tempDir, writeRgb } from '../helpers.ts';

const W = 12, H = 8;
const VALUES: unknown[] = [null, 0, -1, 1e12, -1e12, 0.5, 'x', '', [], {}, true, [[]], [1], '1e999', 99999999, 'a.png', '../a.png', 2 ** 31];

/** A copy of `v` with one to three of its values replaced or deleted. */
function mutateJson(v: unknown, rng: Rng): unknown {
  const c = structuredClone(v);
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (o: unknown) => {
    if (o && typeof o === 'object') for (const k of Object.keys(o)) { slots.push([o as Record<string, unknown>, Array.isArray(o) ? Number(k) : k]); walk((o as Record<string, unknown>)[k]); }
  };
  walk(c);
  for (let i = 1 + rng.int(3); i > 0; i--) {
    const [o, k] = slots[rng.int(slots.length)];
    if (rng.next() < 0.15 && !Array.isArray(o)) delete (o as Record<string, unknown>)[k];
    else (o as Record<string | number, unknown>)[k] = VALUES[rng.int(VALUES.length)];
  }
  return c;
}

function mutateTokens(text: string, pattern: RegExp, values: string[], rng: Rng): string {
  let out = text;
  const hits = [...text.matchAll(pattern)];
  for (let i = 1 + rng.int(3); i > 0; i--) {
    const h = hits[rng.int(hits.length)];
    out = out.replace(h[0], h[0].replace(h[2], values[rng.int(values.length)]));
  }
  return out;
}

test('fuzzing convert\'s readers: every mutant of a COCO, Label Studio, labelme, CVAT, YOLO, VIA or Supervisely export converts or fails with one clear line', async () => {
  const dir = tempDir('pw-fuzz-convert-');
  const images = path.join(dir, 'images');
  fs.mkdirSync(images);
  await writeRgb(path.join(images, 'a.png'), new Uint8Array(W * H * 3).fill(90), W, H);
  const m = new Uint8Array(W * H).fill(1, 10, 40);
  const seeds = {
    coco: { images: [{ id: 1, file_name: 'a.png', width: W, height: H }], categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }], annotations: [
      { id: 1, image_id: 1, category_id: 1, iscrowd: 0, segmentation: [[1, 1, 4, 1, 4, 3, 1, 3]] },
      { id: 2, image_id: 1, category_id: 2, iscrowd: 1, segmentation: encodeCocoRle(m, H, W) },
      { id: 3, image_id: 1, category_id: 2, iscrowd: 0, segmentation: { size: [H, W], counts: [10, 30, 56] } }] },
    labelstudio: [{ id: 1, data: { image: '/data/upload/1/1a2b3c4d-a.png' }, annotations: [{ result: [
      { type: 'brushlabels', to_name: 'image', original_width: W, original_height: H, value: { format: 'rle', rle: encodeBrushRle(m, H, W), brushlabels: ['Road'] } },
      { type: 'polygonlabels', original_width: W, original_height: H, value: { points: [[25, 25], [50, 25], [50, 75]], polygonlabels: ['Car'] } },
      { type: 'rectanglelabels', original_width: W, original_height: H, value: { x: 10, y: 10, width: 20, height: 30, rotation: 30, rectanglelabels: ['Car'] } },
      { type: 'ellipselabels', original_width: W, original_height: H, value: { x: 50, y: 50, radiusX: 10, radiusY: 20, rotation: 10, ellipselabels: ['Cell'] } }] }] }],
    via: { _via_settings: {}, _via_img_metadata: { 'a.png1': { filename: 'a.png', size: 1, file_attributes: {}, regions: [
      { shape_attributes: { name: 'polygon', all_points_x: [1, 4, 4], all_points_y: [1, 1, 3] }, region_attributes: { class: 'car' } },
      { shape_attributes: { name: 'rect', x: 0, y: 5, width: 3, height: 2 }, region_attributes: { kind: { cell: true } } },
      { shape_attributes: { name: 'ellipse', cx: 6, cy: 4, rx: 3, ry: 1, theta: 1 }, region_attributes: {} }] } } },
    labelme: { imagePath: 'a.png', imageWidth: W, imageHeight: H, imageData: fs.readFileSync(path.join(images, 'a.png')).toString('base64'), shapes: [
      { label: 'road', points: [[0, 6], [12, 6], [12, 8]], shape_type: 'polygon' },
      { label: 'car', points: [[1, 1], [4, 3]], shape_type: 'rectangle' },
      { label: 'sign', points: [[9.5, 2.5], [10.5, 2.5]], shape_type: 'circle' }] },
  };
  const sly = { size: { height: H, width: W }, objects: [
    { classTitle: 'road', geometryType: 'polygon', points: { exterior: [[0, 6], [11, 6], [11, 7], [0, 7]], interior: [[[2, 6], [3, 6], [3, 7]]] } },
    { classTitle: 'car', geometryType: 'rectangle', points: { exterior: [[8, 1], [10, 3]], interior: [] } },
    { classTitle: 'person', geometryType: 'bitmap', bitmap: { data: 'eJzrDPBz5+WS4mJgYOD19HAJAtKsQMzCyAwka/6mgyi2AJ8QVyD9////pTfn3wWyGEuC/IIZHJ7dSANyBDxdHEMq5iR7JPw4IHBQgYGBo4BxZ5FkFxNQjsHT1c9lnVNCEwDUwRsB', origin: [7, 2] } }] };
  const slyRoot = path.join(dir, 'sly');
  fs.mkdirSync(path.join(slyRoot, 'ds', 'ann'), { recursive: true });
  fs.mkdirSync(path.join(slyRoot, 'ds', 'img'));
  fs.copyFileSync(path.join(images, 'a.png'), path.join(slyRoot, 'ds', 'img', 'a.png'));
  const cvat = `<?xml version="1.0" encoding="utf-8"?><annotations><version>1.1</version><meta><task><labels><label><name>car</name></label></labels></task></meta>
<image id="0" name="a.png" width="${W}" height="${H}"><box label="car" xtl="0" ytl="0" xbr="6" ybr="4" rotation="10" z_order="1"></box><polygon label="car" points="4,2;8,2;8,6" z_order="0"></polygon>
<mask label="car" rle="1, 4, 1" left="8" top="5" width="3" height="2" z_order="0"></mask><ellipse label="car" cx="6" cy="4" rx="3" ry="1" rotation="90"></ellipse></image></annotations>`;
  const cvatVideo = `<?xml version="1.0" encoding="utf-8"?><annotations><version>1.1</version><meta><task><original_size><width>${W}</width><height>${H}</height></original_size></task></meta>
<track id="0" label="car"><box frame="0" outside="0" xtl="1" ytl="1" xbr="4" ybr="3" z_order="1"></box><polygon frame="1" outside="1" points="0,2;12,2;12,8" z_order="0"></polygon></track></annotations>`;
  fs.copyFileSync(path.join(images, 'a.png'), path.join(images, 'frame_000000.png'));
  const yolo = { root: path.join(dir, 'y'), labels: '0 0.1 0.1 0.5 0.1 0.5 0.5\n1 0.5 0.5 0.2 0.3\n' };
  fs.mkdirSync(path.join(yolo.root, 'images'), { recursive: true });
  fs.mkdirSync(path.join(yolo.root, 'labels'));
  fs.copyFileSync(path.join(images, 'a.png'), path.join(yolo.root, 'images', 'a.png'));
  const rng = new Rng(20261205);
  const findings: string[] = [];
  let runs = 0;
  for (let i = 0; i < 150; i++) {
    for (const from of ['coco', 'labelstudio', 'labelme', 'cvat', 'yolo', 'via', 'supervisely'] as AnnotationFormat[]) {
      let input = path.join(dir, `${from}.in`), imagesDir = images;
      if (from === 'cvat') fs.writeFileSync(input, mutateTokens(i % 2 ? cvatVideo : cvat, /(\w+)="([^"]*)"/g, ['', '-1', '1e12', 'x', 'NaN', '0', '1,2', '99999999', '1;2;3', '0.5', 'Infinity', '-0'], rng));
      else if (from === 'yolo') {
        fs.writeFileSync(path.join(yolo.root, 'labels', 'a.txt'), mutateTokens(yolo.labels, /(^|\s)(\S+)/g, ['-1', '1e12', 'x', 'NaN', '2', '0.5', '99999999', '1e-300', '3', '0 0'], rng));
        fs.writeFileSync(path.join(yolo.root, 'data.yaml'), rng.next() < 0.7 ? 'names: [a, b, c]\n' : ['names: 5', 'names: {0: a, 2: b}', 'names:', ': :', 'names: [a, [b]]', 'names: {x: a}'][rng.int(6)] + '\n');
        input = path.join(yolo.root, 'data.yaml');
        imagesDir = path.join(yolo.root, 'images');
      } else if (from === 'labelme') {
        input = path.join(dir, 'labelme');
        fs.rmSync(input, { recursive: true, force: true });
        fs.mkdirSync(input);
        fs.writeFileSync(path.join(input, 'a.json'), JSON.stringify(mutateJson(seeds.labelme, rng)));
      } else if (from === 'supervisely') {
        input = slyRoot;
        imagesDir = slyRoot;
        fs.writeFileSync(path.join(slyRoot, 'meta.json'), JSON.stringify(mutateJson({ classes: [{ title: 'road', shape: 'polygon' }, { title: 'car', shape: 'rectangle' }] }, rng)));
        fs.writeFileSync(path.join(slyRoot, 'ds', 'ann', 'a.png.json'), JSON.stringify(mutateJson(sly, rng)));
      } else fs.writeFileSync(input, JSON.stringify(mutateJson(seeds[from as 'coco' | 'labelstudio' | 'via'], rng)));
      runs++;
      const t0 = performance.now();
      // labelme: every other mutant without an images folder (the images taken from imageData).
      try { await convertAnnotations({ from, input, images: from === 'labelme' && i % 2 ? undefined : imagesDir, out: path.join(dir, 'out') }); } catch (e) {
        if (!(e instanceof UserError)) findings.push(`${from} #${i}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`.slice(0, 300));
      }
      if (performance.now() - t0 > 5000) findings.push(`${from} #${i}: took ${(performance.now() - t0).toFixed(0)} ms`);
    }
  }
  assert.equal(runs, 1050);
  assert.deepEqual(findings, []);
});
