// COCO polygons rasterised as pycocotools rasterises them (annToMask: rleFrPoly), the masks every
// COCO training pipeline sees: against pycocotools' own output on seeded random polygons, convex,
// self-intersecting, off the image and degenerate (test/fixtures/pycocotools_polygons.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, unpackBits, writeRgb } from '../helpers.ts';
import { convertAnnotations } from '../../src/data/annotations/convert.ts';
import { readMask } from '../../src/data/mask_io.ts';
import { fillPolygon, fillPolygonCoco } from '../../src/data/polygon.ts';

const fixture = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/pycocotools_polygons.json'), 'utf8')) as { cases: { w: number; h: number; xy: number[]; mask: string }[] };

test(`fillPolygonCoco: the pixels pycocotools gives ${fixture.cases.length} polygons, where the pixel-centre rule differs on some edge pixels`, () => {
  let centreRuleDiffers = 0;
  for (const [k, c] of fixture.cases.entries()) {
    const want = unpackBits(c.mask, c.w * c.h);
    const got = new Uint8Array(c.w * c.h);
    fillPolygonCoco(got, c.w, c.h, c.xy, 1);
    assert.deepEqual(got, want, `case ${k}: ${JSON.stringify(c.xy)} on ${c.w}x${c.h}`);
    const centre = new Uint8Array(c.w * c.h);
    fillPolygon(centre, c.w, c.h, c.xy, 1);
    if (centre.some((v, i) => v !== want[i])) centreRuleDiffers++;
  }
  // Why COCO needs its own rasteriser: the centre rule misses pycocotools' masks on most of these.
  assert.ok(centreRuleDiffers > fixture.cases.length / 2, `${centreRuleDiffers} of ${fixture.cases.length}`);
});

test('fillPolygonCoco: an outline far off the image (a damaged file) is drawn by pixel centres, not walked for billions of steps', { timeout: 30000 }, () => {
  const out = new Uint8Array(10 * 10);
  fillPolygonCoco(out, 10, 10, [-1e9, -1e9, 1e9, -1e9, 1e9, 1e9, -1e9, 1e9], 1);
  assert.ok(out.every((v) => v === 1));
});

test('convert draws COCO polygons and CVAT polygons and boxes (CVAT\'s mask export draws them with pycocotools) as pycocotools does', async () => {
  const cases = fixture.cases.filter((c) => c.xy.length >= 6).slice(0, 6);
  const images = tempDir();
  for (const [k, c] of cases.entries()) await writeRgb(path.join(images, `p${k}.png`), new Uint8Array(c.w * c.h * 3).fill(60), c.w, c.h);
  const coco = path.join(tempDir(), 'coco.json');
  fs.writeFileSync(coco, JSON.stringify({
    images: cases.map((c, k) => ({ id: k + 1, file_name: `p${k}.png`, width: c.w, height: c.h })), categories: [{ id: 1, name: 'thing' }],
    annotations: cases.map((c, k) => ({ id: k + 1, image_id: k + 1, category_id: 1, iscrowd: 0, segmentation: [c.xy] })),
  }));
  const cvat = path.join(tempDir(), 'annotations.xml');
  fs.writeFileSync(cvat, `<?xml version="1.0" encoding="utf-8"?><annotations><version>1.1</version>${cases.map((c, k) =>
    `<image id="${k}" name="p${k}.png" width="${c.w}" height="${c.h}"><polygon label="thing" points="${Array.from({ length: c.xy.length / 2 }, (_, i) => `${c.xy[2 * i]},${c.xy[2 * i + 1]}`).join(';')}" z_order="0"></polygon></image>`).join('')}</annotations>`);
  for (const [from, input] of [['coco', coco], ['cvat', cvat]] as const) {
    const out = path.join(tempDir(), 'out');
    await convertAnnotations({ from, input, images, out });
    for (const [k, c] of cases.entries()) assert.deepEqual(readMask(path.join(out, 'masks', `p${k}.png`)).data, unpackBits(c.mask, c.w * c.h), `${from}: case ${k}`);
  }
});
