// A label map's regions as polygons, for the labelling tools that store outlines rather than masks
// (Ultralytics YOLO segmentation, labelme). Each 4-connected region of one class becomes one closed
// outline along pixel edges, in corner coordinates (pixel (x, y) spans x..x+1, y..y+1, as the
// tools and polygon.ts read them), so that filling it by pixel centres gives back exactly the
// region's pixels. A region's holes are joined to its outline by horizontal cuts walked there and
// back: a cut encloses nothing and lies between pixel rows, so the fill stays exact (even-odd or
// nonzero) in tools whose polygons cannot hold holes. Only the vertices where the outline turns are
// kept. With a tolerance, each outline is thinned by Douglas-Peucker (no point of the exact outline
// farther than the tolerance from the thinned one; the cuts kept as they are): fewer points to edit
// in a labelling tool, no longer exact at the edges.

import { argumentError, checkedLabelMap } from '../util/errors.js';

/** One region's outline: its class, the polygon (x0, y0, x1, y1, ...) and the region's pixel count. */
export interface Outline { label: number; xy: number[]; area: number }

// Pixel sides, walked with the region on the right (y points down): the top edge eastwards, the
// right edge southwards, the bottom westwards, the left northwards. Outer outlines turn clockwise
// on the image (positive shoelace area), holes anticlockwise.
const TOP = 0, RIGHT = 1, BOTTOM = 2, LEFT = 3;

/**
 * The outlines of every region whose class `wanted` accepts, in the order of their top-left pixel.
 * `tolerance` (pixels, default 0: exact) thins them.
 */
export function labelOutlines(labels: Uint8Array, w: number, h: number, wanted: (label: number) => boolean, tolerance = 0): Outline[] {
  checkedLabelMap(labels, w, h);
  if (!(tolerance >= 0 && Number.isFinite(tolerance))) throw argumentError('tolerance', tolerance, 'a distance in pixels, 0 (exact) or more');
  const { comp, compLabel, compArea } = regions(labels, w, h, wanted);
  const same = (x: number, y: number, label: number) => x >= 0 && y >= 0 && x < w && y < h && labels[y * w + x] === label;
  const visited = new Uint8Array(w * h);
  const loops: { comp: number; xy: number[] }[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (comp[i] < 0) continue;
    const label = labels[i];
    for (let side = TOP; side <= LEFT; side++) {
      if (visited[i] & (1 << side)) continue;
      const [nx, ny] = side === TOP ? [x, y - 1] : side === RIGHT ? [x + 1, y] : side === BOTTOM ? [x, y + 1] : [x - 1, y];
      if (same(nx, ny, label)) continue;
      loops.push({ comp: comp[i], xy: traceLoop(x, y, side, label, w, same, visited) });
    }
  }
  const outer: number[][] = new Array(compLabel.length);
  const holes: number[][][] = compLabel.map(() => []);
  for (const l of loops) {
    if (shoelace(l.xy) > 0) outer[l.comp] = l.xy;
    else holes[l.comp].push(l.xy);
  }
  return compLabel.map((label, c) => {
    const exact = withoutStraightVertices(joinHoles(outer[c], holes[c], w), tolerance > 0);
    return { label, xy: tolerance > 0 ? thinned(exact.xy, exact.pinned, tolerance) : exact.xy, area: compArea[c] };
  });
}

/** 4-connected regions of the wanted classes: each pixel's region (-1: none), each region's class and size. */
function regions(labels: Uint8Array, w: number, h: number, wanted: (label: number) => boolean) {
  const comp = new Int32Array(w * h).fill(-1);
  const compLabel: number[] = [], compArea: number[] = [];
  const stack = new Int32Array(w * h);
  const ok = new Uint8Array(256);
  for (let v = 0; v < 256; v++) ok[v] = wanted(v) ? 1 : 0;
  for (let s = 0; s < w * h; s++) {
    if (comp[s] >= 0 || !ok[labels[s]]) continue;
    const c = compLabel.length, label = labels[s];
    let top = 0, area = 0;
    stack[top++] = s; comp[s] = c;
    while (top > 0) {
      const i = stack[--top];
      area++;
      const x = i % w;
      if (x > 0 && comp[i - 1] < 0 && labels[i - 1] === label) { comp[i - 1] = c; stack[top++] = i - 1; }
      if (x < w - 1 && comp[i + 1] < 0 && labels[i + 1] === label) { comp[i + 1] = c; stack[top++] = i + 1; }
      if (i >= w && comp[i - w] < 0 && labels[i - w] === label) { comp[i - w] = c; stack[top++] = i - w; }
      if (i + w < w * h && comp[i + w] < 0 && labels[i + w] === label) { comp[i + w] = c; stack[top++] = i + w; }
    }
    compLabel.push(label); compArea.push(area);
  }
  return { comp, compLabel, compArea };
}

/**
 * The closed loop of pixel sides that starts with `side` of pixel (x, y): every lattice point on it,
 * in order. At each corner the walk takes the first side of the region there turning right, then
 * straight on, then left; turning right first keeps regions that touch only at a corner apart.
 */
function traceLoop(x0: number, y0: number, side0: number, label: number, w: number,
  same: (x: number, y: number, label: number) => boolean, visited: Uint8Array): number[] {
  const xy: number[] = [];
  let x = x0, y = y0, side = side0;
  do {
    visited[y * w + x] |= 1 << side;
    // The side's first point, walking with the region on the right.
    if (side === TOP) xy.push(x, y);
    else if (side === RIGHT) xy.push(x + 1, y);
    else if (side === BOTTOM) xy.push(x + 1, y + 1);
    else xy.push(x, y + 1);
    if (side === TOP) {
      if (!same(x + 1, y, label)) side = RIGHT;
      else if (!same(x + 1, y - 1, label)) x += 1;
      else { x += 1; y -= 1; side = LEFT; }
    } else if (side === RIGHT) {
      if (!same(x, y + 1, label)) side = BOTTOM;
      else if (!same(x + 1, y + 1, label)) y += 1;
      else { x += 1; y += 1; side = TOP; }
    } else if (side === BOTTOM) {
      if (!same(x - 1, y, label)) side = LEFT;
      else if (!same(x - 1, y + 1, label)) x -= 1;
      else { x -= 1; y += 1; side = RIGHT; }
    } else {
      if (!same(x, y - 1, label)) side = TOP;
      else if (!same(x - 1, y - 1, label)) y -= 1;
      else { x -= 1; y -= 1; side = BOTTOM; }
    }
  } while (x !== x0 || y !== y0 || side !== side0);
  return xy;
}

function shoelace(xy: number[]): number {
  let s = 0;
  const n = xy.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    s += xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
  }
  return s / 2;
}

/**
 * One outline holding the holes: each hole, taken from the leftmost, is cut into from its leftmost
 * point by a horizontal line to the first point of the outline so far on its left (an outline point
 * of the region lies there: the line leaves the region through its outer edge or through a hole
 * further left, already joined), and walked round before the cut is walked back.
 */
function joinHoles(outer: number[], holes: number[][], w: number): Ring {
  if (!holes.length) return { xy: outer, pinned: new Array(outer.length / 2).fill(false) };
  const xs: number[] = [], ys: number[] = [], next: number[] = [];
  // The cuts' ends, which thinning keeps.
  const ends = new Set<number>();
  const at = new Map<number, number>();
  const key = (x: number, y: number) => y * (w + 1) + x;
  const node = (x: number, y: number) => { xs.push(x); ys.push(y); next.push(-1); return xs.length - 1; };
  const ring = (xy: number[], from: number): number[] => {
    const n = xy.length / 2, ids: number[] = [];
    for (let k = 0; k < n; k++) { const p = (from + k) % n; const id = node(xy[2 * p], xy[2 * p + 1]); ids.push(id); at.set(key(xy[2 * p], xy[2 * p + 1]), id); }
    for (let k = 0; k < n - 1; k++) next[ids[k]] = ids[k + 1];
    return ids;
  };
  const first = ring(outer, 0);
  next[first[first.length - 1]] = first[0];
  const leftmost = (xy: number[]) => {
    let best = 0;
    for (let p = 1; p < xy.length / 2; p++) if (xy[2 * p] < xy[2 * best] || (xy[2 * p] === xy[2 * best] && xy[2 * p + 1] < xy[2 * best + 1])) best = p;
    return best;
  };
  const ordered = holes.map((xy) => ({ xy, from: leftmost(xy) })).sort((a, b) => a.xy[2 * a.from] - b.xy[2 * b.from]);
  for (const { xy, from } of ordered) {
    const hx = xy[2 * from], hy = xy[2 * from + 1];
    let p = -1;
    for (let x = hx - 1; x >= 0 && p < 0; x--) p = at.get(key(x, hy)) ?? -1;
    if (p < 0) throw new Error(`outlines: no outline point left of the hole at (${hx}, ${hy})`);
    const ids = ring(xy, from);
    const backToHole = node(hx, hy), backToOutline = node(xs[p], ys[p]);
    next[ids[ids.length - 1]] = backToHole;
    next[backToHole] = backToOutline;
    next[backToOutline] = next[p];
    next[p] = ids[0];
    for (const e of [p, ids[0], backToHole, backToOutline]) ends.add(e);
  }
  const out: Ring = { xy: [], pinned: [] };
  let id = first[0];
  do { out.xy.push(xs[id], ys[id]); out.pinned.push(ends.has(id)); id = next[id]; } while (id !== first[0]);
  return out;
}

/** A closed polygon, and the vertices that thinning keeps. */
interface Ring { xy: number[]; pinned: boolean[] }

/** The polygon without the points where it goes straight on (the pinned ones stay, if asked: thinning needs them). */
function withoutStraightVertices(r: Ring, keepPinned: boolean): Ring {
  const { xy } = r;
  const n = xy.length / 2, out: Ring = { xy: [], pinned: [] };
  for (let i = 0; i < n; i++) {
    const a = (i + n - 1) % n, b = (i + 1) % n;
    const inX = Math.sign(xy[2 * i] - xy[2 * a]), inY = Math.sign(xy[2 * i + 1] - xy[2 * a + 1]);
    const outX = Math.sign(xy[2 * b] - xy[2 * i]), outY = Math.sign(xy[2 * b + 1] - xy[2 * i + 1]);
    if (inX !== outX || inY !== outY || (keepPinned && r.pinned[i])) { out.xy.push(xy[2 * i], xy[2 * i + 1]); out.pinned.push(r.pinned[i]); }
  }
  return out;
}

/**
 * Douglas-Peucker over each stretch between kept vertices (the cuts' ends; an outline without cuts
 * keeps its first vertex and the one farthest from it). A stretch thinned to nothing keeps the
 * outline exact: at least 3 vertices are needed.
 */
function thinned(xy: number[], pinned: boolean[], tolerance: number): number[] {
  const n = xy.length / 2;
  const keep = pinned.slice();
  if (!keep.some(Boolean)) {
    let far = 0, best = -1;
    for (let i = 1; i < n; i++) { const d = (xy[2 * i] - xy[0]) ** 2 + (xy[2 * i + 1] - xy[1]) ** 2; if (d > best) { best = d; far = i; } }
    keep[0] = keep[far] = true;
  }
  const anchors = keep.flatMap((k, i) => (k ? [i] : []));
  for (let k = 0; k < anchors.length; k++) {
    const a = anchors[k], b = k + 1 < anchors.length ? anchors[k + 1] : anchors[0] + n;
    douglasPeucker(xy, n, a, b, tolerance, keep);
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(xy[2 * i], xy[2 * i + 1]);
  return out.length >= 6 ? out : xy;
}

/** Marks in `keep` the vertices strictly between a and b (indices modulo n) that the path needs within `tolerance`. */
function douglasPeucker(xy: number[], n: number, a: number, b: number, tolerance: number, keep: boolean[]): void {
  const stack: [number, number][] = [[a, b]];
  while (stack.length) {
    const [i, j] = stack.pop()!;
    if (j - i < 2) continue;
    const ax = xy[2 * (i % n)], ay = xy[2 * (i % n) + 1], bx = xy[2 * (j % n)], by = xy[2 * (j % n) + 1];
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    let far = -1, best = -1;
    for (let k = i + 1; k < j; k++) {
      const px = xy[2 * (k % n)] - ax, py = xy[2 * (k % n) + 1] - ay;
      // The distance to the segment (to its end point when the segment is a point).
      const t = len2 > 0 ? Math.max(0, Math.min(1, (px * dx + py * dy) / len2)) : 0;
      const d = (px - t * dx) ** 2 + (py - t * dy) ** 2;
      if (d > best) { best = d; far = k; }
    }
    if (best > tolerance * tolerance) {
      keep[far % n] = true;
      stack.push([i, far], [far, j]);
    }
  }
}
