// Label maps to outlines: each region's outline, filled by pixel centres with a crossing-number test
// written here (apart from src/data/polygon.ts), gives back exactly that region's pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelOutlines } from '../../src/data/outlines.ts';
import { UserError } from '../../src/util/errors.ts';

/** Whether the point (px, py) is inside the polygon by the even-odd crossing count. */
function inside(xy: number[], px: number, py: number): boolean {
  let odd = false;
  for (let i = 0, n = xy.length / 2, j = n - 1; i < n; j = i++) {
    const xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
    if ((yi > py) !== (yj > py) && px < xi + ((py - yi) * (xj - xi)) / (yj - yi)) odd = !odd;
  }
  return odd;
}

/** The 4-connected regions by flood fill: their count, per class. */
function regionCount(labels: Uint8Array, w: number, h: number, wanted: (l: number) => boolean): number {
  const seen = new Uint8Array(w * h);
  let n = 0;
  for (let s = 0; s < w * h; s++) {
    if (seen[s] || !wanted(labels[s])) continue;
    n++;
    const todo = [s]; seen[s] = 1;
    while (todo.length) {
      const i = todo.pop()!, x = i % w, y = Math.floor(i / w);
      for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]]) {
        const j = ny * w + nx;
        if (nx >= 0 && ny >= 0 && nx < w && ny < h && !seen[j] && labels[j] === labels[i]) { seen[j] = 1; todo.push(j); }
      }
    }
  }
  return n;
}

test('a ring: one outline, the hole joined by a cut along the row line, walked there and back', () => {
  const ring = new Uint8Array([1, 1, 1, 1, 0, 1, 1, 1, 1]);
  assert.deepEqual(labelOutlines(ring, 3, 3, (l) => l !== 0), [{ label: 1, area: 8, xy: [0, 0, 3, 0, 3, 3, 0, 3, 0, 1, 1, 1, 1, 2, 2, 2, 2, 1, 0, 1] }]);
});

test('regions that touch only at a corner are two outlines; a region at the image edge is outlined along it', () => {
  assert.deepEqual(labelOutlines(new Uint8Array([1, 0, 0, 1]), 2, 2, (l) => l === 1).map((o) => o.xy), [[0, 0, 1, 0, 1, 1, 0, 1], [1, 1, 2, 1, 2, 2, 1, 2]]);
  assert.deepEqual(labelOutlines(new Uint8Array([2, 2, 2, 2, 2, 2]), 3, 2, (l) => l === 2), [{ label: 2, area: 6, xy: [0, 0, 3, 0, 3, 2, 0, 2] }]);
  assert.deepEqual(labelOutlines(new Uint8Array([0, 0, 0, 0]), 2, 2, (l) => l !== 0), []);
  assert.throws(() => labelOutlines(new Uint8Array(3), 2, 2, (l) => l !== 0), (e: Error) => e instanceof UserError && e.argument === 'labels');
});

test('random label maps (noise and blobs, holes, islands in holes, corner contacts): every outline fills exactly its region, one outline per region, no vertex where the outline goes straight on', () => {
  let s = 7;
  const rnd = () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
  for (let t = 0; t < 300; t++) {
    const w = 1 + Math.floor(rnd() * 24), h = 1 + Math.floor(rnd() * 24), classes = 2 + Math.floor(rnd() * 3);
    let labels = Uint8Array.from({ length: w * h }, () => Math.floor(rnd() * classes));
    if (t % 2) {
      // Blobs: a few rounds of the majority of each 3x3 neighbourhood.
      for (let k = 0; k < 2; k++) {
        const from = labels;
        labels = Uint8Array.from(from, (_, i) => {
          const x = i % w, y = Math.floor(i / w), votes = new Array(classes).fill(0);
          for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (x + dx >= 0 && y + dy >= 0 && x + dx < w && y + dy < h) votes[from[(y + dy) * w + x + dx]]++;
          return votes.indexOf(Math.max(...votes));
        });
      }
    }
    const wanted = (l: number) => l !== 0;
    const outlines = labelOutlines(labels, w, h, wanted);
    assert.equal(outlines.length, regionCount(labels, w, h, wanted), `map ${t}: one outline per region`);
    const got = new Uint8Array(w * h);
    for (const o of outlines) {
      assert.ok(o.xy.every((v, k) => Number.isInteger(v) && v >= 0 && v <= (k % 2 ? h : w)), `map ${t}: corner coordinates inside the image`);
      const n = o.xy.length / 2;
      for (let i = 0; i < n; i++) {
        const a = (i + n - 1) % n, b = (i + 1) % n;
        const cross = (o.xy[2 * i] - o.xy[2 * a]) * (o.xy[2 * b + 1] - o.xy[2 * i + 1]) - (o.xy[2 * i + 1] - o.xy[2 * a + 1]) * (o.xy[2 * b] - o.xy[2 * i]);
        const dot = (o.xy[2 * i] - o.xy[2 * a]) * (o.xy[2 * b] - o.xy[2 * i]) + (o.xy[2 * i + 1] - o.xy[2 * a + 1]) * (o.xy[2 * b + 1] - o.xy[2 * i + 1]);
        assert.ok(cross !== 0 || dot < 0, `map ${t}: vertex ${i} goes straight on`);
      }
      let area = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        if (!inside(o.xy, x + 0.5, y + 0.5)) continue;
        assert.equal(got[y * w + x], 0, `map ${t}: pixel ${x},${y} in two outlines`);
        got[y * w + x] = o.label; area++;
      }
      assert.equal(area, o.area, `map ${t}: the outline's pixels are its region's count`);
    }
    assert.deepEqual(got, Uint8Array.from(labels, (l) => (wanted(l) ? l : 0)), `map ${t}: the outlines fill the label map`);
  }
});

/** The distance from (px, py) to the closed polygon's nearest edge. */
function distanceTo(xy: number[], px: number, py: number): number {
  let best = Infinity;
  for (let i = 0, n = xy.length / 2; i < n; i++) {
    const ax = xy[2 * i], ay = xy[2 * i + 1], bx = xy[2 * ((i + 1) % n)], by = xy[2 * ((i + 1) % n) + 1];
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    const t = len2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
    best = Math.min(best, Math.hypot(px - ax - t * dx, py - ay - t * dy));
  }
  return best;
}

test('thinned outlines (a tolerance): fewer points, each one of the exact outline\'s, every exact point within the tolerance of the thinned outline; the holes still cut out', () => {
  let s = 11;
  const rnd = () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
  let exactPoints = 0, thinPoints = 0;
  for (let t = 0; t < 60; t++) {
    const w = 20 + Math.floor(rnd() * 40), h = 20 + Math.floor(rnd() * 40);
    // Discs and rings: outlines with long staircases, and holes.
    const labels = new Uint8Array(w * h);
    for (let k = 0; k < 4; k++) {
      const cx = rnd() * w, cy = rnd() * h, r = 3 + rnd() * 12, hole = rnd() < 0.5 ? r * (0.3 + 0.3 * rnd()) : 0, c = 1 + Math.floor(rnd() * 2);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy); if (d < r && d >= hole) labels[y * w + x] = c; }
    }
    const tolerance = [0.5, 1, 2][t % 3];
    const exact = labelOutlines(labels, w, h, (l) => l !== 0);
    const thin = labelOutlines(labels, w, h, (l) => l !== 0, tolerance);
    assert.equal(thin.length, exact.length);
    for (const [k, o] of thin.entries()) {
      const e = exact[k].xy;
      exactPoints += e.length / 2; thinPoints += o.xy.length / 2;
      assert.ok(o.xy.length >= 6 && o.xy.length <= e.length, `map ${t}: ${o.xy.length / 2} points of ${e.length / 2}`);
      const points = new Set(Array.from({ length: e.length / 2 }, (_, i) => `${e[2 * i]},${e[2 * i + 1]}`));
      for (let i = 0; i < o.xy.length / 2; i++) assert.ok(points.has(`${o.xy[2 * i]},${o.xy[2 * i + 1]}`), `map ${t}: a point not on the exact outline`);
      for (let i = 0; i < e.length / 2; i++) assert.ok(distanceTo(o.xy, e[2 * i], e[2 * i + 1]) <= tolerance + 1e-9, `map ${t}: exact point ${i} farther than ${tolerance} from the thinned outline`);
      // A ring's hole stays out: the centre of each hole pixel well inside the hole is outside the thinned outline.
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        if (labels[y * w + x] === 0 && inside(exact[k].xy, x + 0.5, y + 0.5) === false && distanceTo(e, x + 0.5, y + 0.5) > tolerance + 0.5) {
          assert.equal(inside(o.xy, x + 0.5, y + 0.5), false, `map ${t}: background pixel ${x},${y} far from the outline inside the thinned one`);
        }
      }
    }
    assert.throws(() => labelOutlines(labels, w, h, (l) => l !== 0, -1), (e: Error) => e instanceof UserError && e.argument === 'tolerance');
  }
  assert.ok(thinPoints < exactPoints * 0.6, `${thinPoints} of ${exactPoints} points kept`);
});
