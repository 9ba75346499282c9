// Polygons in pixel indices filled as OpenCV's fillPoly fills them (how Supervisely draws its
// outlines): against OpenCV's own output on seeded random polygons, self-intersecting ones, several
// rings at once and vertices off the image included (test/fixtures/opencv_fillpoly.json, made by
// bench/opencv_fillpoly.py with Debian's python3-opencv).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { unpackBits } from '../helpers.ts';
import { fillPolygonInclusive } from '../../src/data/polygon.ts';

const fixture = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/opencv_fillpoly.json'), 'utf8')) as { opencv: string; cases: { w: number; h: number; rings: number[][]; mask: string }[] };

test(`fillPolygonInclusive: the pixels OpenCV ${fixture.opencv}'s fillPoly sets, on ${fixture.cases.length} polygons`, () => {
  for (const [k, c] of fixture.cases.entries()) {
    const want = unpackBits(c.mask, c.w * c.h);
    const got = new Uint8Array(c.w * c.h);
    fillPolygonInclusive(got, c.w, c.h, c.rings, 1);
    assert.deepEqual(got, want, `case ${k}: ${JSON.stringify(c.rings)} on ${c.w}x${c.h}`);
  }
});
