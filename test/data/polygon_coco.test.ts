// COCO polygons rasterised as pycocotools rasterises them (annToMask: rleFrPoly), the masks every
// COCO training pipeline sees: against pycocotools' own output on seeded random polygons, convex,
// self-intersecting, off the image and degenerate (test/fixtures/pycocotools_polygons.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { unpackBits } from '../helpers.ts';
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
