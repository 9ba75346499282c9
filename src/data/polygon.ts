// Polygon rasterisation for annotation import. Coordinates are continuous image coordinates (the
// top-left corner of the top-left pixel is (0, 0), as COCO, labelme, CVAT and Label Studio store
// them); a pixel belongs to a polygon when its centre (x + 0.5, y + 0.5) is inside. Inside is
// decided per row by the crossings of the row's centre line with the edges (an edge holds its lower
// end and not its upper one, so a vertex on the line is counted once), by the even-odd rule or the
// nonzero winding rule. Two tools' own rasterisers are reproduced where their files are read:
// pycocotools' for COCO polygons (fillPolygonCoco) and OpenCV's fillPoly for Supervisely's outlines
// in pixel indices (fillPolygonInclusive).
export type FillRule = 'evenodd' | 'nonzero';

/** Sets `value` in `out` [h, w] wherever a pixel centre is inside the polygon `xy` (x0, y0, x1, y1, ...). */
export function fillPolygon(out: Uint8Array, w: number, h: number, xy: ArrayLike<number>, value: number, rule: FillRule = 'evenodd'): void {
  const n = Math.floor(xy.length / 2);
  if (n < 3) return;
  let minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) { minY = Math.min(minY, xy[2 * i + 1]); maxY = Math.max(maxY, xy[2 * i + 1]); }
  const y0 = Math.max(0, Math.ceil(minY - 0.5)), y1 = Math.min(h - 1, Math.floor(maxY - 0.5));
  const xs: number[] = [], dirs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const yc = y + 0.5;
    xs.length = 0; dirs.length = 0;
    for (let i = 0; i < n; i++) {
      const ax = xy[2 * i], ay = xy[2 * i + 1];
      const j = (i + 1) % n;
      const bx = xy[2 * j], by = xy[2 * j + 1];
      if (ay === by) continue;
      const up = ay < by;
      const lo = up ? ay : by, hi = up ? by : ay;
      if (yc < lo || yc >= hi) continue;
      xs.push(ax + ((yc - ay) * (bx - ax)) / (by - ay));
      dirs.push(up ? 1 : -1);
    }
    if (!xs.length) continue;
    const order = xs.map((_, k) => k).sort((a, b) => xs[a] - xs[b]);
    let winding = 0;
    for (let k = 0; k < order.length - 1; k++) {
      winding += rule === 'evenodd' ? 1 : dirs[order[k]];
      const inside = rule === 'evenodd' ? winding % 2 === 1 : winding !== 0;
      if (!inside) continue;
      // Pixels whose centre x + 0.5 lies in [xa, xb).
      const from = Math.max(0, Math.ceil(xs[order[k]] - 0.5)), to = Math.min(w, Math.ceil(xs[order[k + 1]] - 0.5));
      if (to > from) out.fill(value, y * w + from, y * w + to);
    }
  }
}

/**
 * Sets `value` wherever a pixel centre lies inside the ellipse of centre (cx, cy) and radii rx, ry,
 * turned by `degrees` about its centre, clockwise on the image (y points down), as CVAT and Label
 * Studio turn shapes. A circle is rx = ry.
 */
export function fillEllipse(out: Uint8Array, w: number, h: number, cx: number, cy: number, rx: number, ry: number, degrees: number, value: number): void {
  const c = Math.cos((degrees * Math.PI) / 180), s = Math.sin((degrees * Math.PI) / 180);
  // Half extents of the turned ellipse's bounding box.
  const ex = Math.hypot(rx * c, ry * s), ey = Math.hypot(rx * s, ry * c);
  const y0 = Math.max(0, Math.ceil(cy - ey - 0.5)), y1 = Math.min(h - 1, Math.floor(cy + ey - 0.5));
  const x0 = Math.max(0, Math.ceil(cx - ex - 0.5)), x1 = Math.min(w - 1, Math.floor(cx + ex - 0.5));
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
    const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
    // Into the ellipse's own axes: the inverse turn.
    const u = dx * c + dy * s, v = dy * c - dx * s;
    if ((u / rx) ** 2 + (v / ry) ** 2 <= 1) out[y * w + x] = value;
  }
}

/**
 * Sets `value` on the pixels OpenCV's fillPoly sets for polygons in pixel indices (x0, y0, x1, y1,
 * ...: a vertex is a pixel's centre, as Supervisely stores outlines and draws them), the rings
 * together as in one fillPoly call: each edge's 8-connected line, and per row the pixels between
 * pairs of edge crossings (even-odd over all rings), both ends included, the crossings in OpenCV's
 * 16-bit fixed point.
 */
export function fillPolygonInclusive(out: Uint8Array, w: number, h: number, rings: ArrayLike<number>[], value: number): void {
  const ONE = 65536;
  const edges: { y0: number; y1: number; x: number; dx: number }[] = [];
  for (const xy of rings) {
    const n = Math.floor(xy.length / 2);
    const v = Array.from({ length: 2 * n }, (_, k) => Math.round(xy[k]));
    for (let i = 0; i < n; i++) {
      const j = (i + n - 1) % n;
      const ax = v[2 * j], ay = v[2 * j + 1], bx = v[2 * i], by = v[2 * i + 1];
      openCvLine(out, w, h, ax, ay, bx, by, value);
      if (ay === by) continue;
      const [tx, ty] = ay < by ? [ax, ay] : [bx, by];
      edges.push({ y0: ty, y1: Math.max(ay, by), x: tx * ONE, dx: Math.trunc(((bx - ax) * ONE) / (by - ay)) });
    }
  }
  if (edges.length < 2) return;
  const yMin = Math.max(0, Math.min(...edges.map((e) => e.y0))), yMax = Math.min(h, Math.max(...edges.map((e) => e.y1)));
  const xs: number[] = [];
  for (let y = yMin; y < yMax; y++) {
    xs.length = 0;
    for (const e of edges) if (e.y0 <= y && y < e.y1) xs.push(e.x + (y - e.y0) * e.dx);
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const x1 = Math.max(0, Math.floor((xs[k] + ONE - 1) / ONE)), x2 = Math.min(w - 1, Math.floor(xs[k + 1] / ONE));
      if (x2 >= x1) out.fill(value, y * w + x1, y * w + x2 + 1);
    }
  }
}

/**
 * An 8-connected line as OpenCV's LineIterator walks it: from the left end, a step along the longer
 * axis each pixel and across it when the error (in doubled units) is below zero, so that ties break
 * as OpenCV's do.
 */
function openCvLine(out: Uint8Array, w: number, h: number, ax: number, ay: number, bx: number, by: number, value: number): void {
  if (ax < 0 || ax >= w || ay < 0 || ay >= h || bx < 0 || bx >= w || by < 0 || by >= h) {
    const clipped = openCvClip(w, h, ax, ay, bx, by);
    if (!clipped) return;
    [ax, ay, bx, by] = clipped;
  }
  if (bx < ax) [ax, ay, bx, by] = [bx, by, ax, ay];
  const dx = bx - ax, dy = Math.abs(by - ay), sy = by < ay ? -1 : 1;
  const steep = dy > dx;
  const major = steep ? dy : dx, minor = steep ? dx : dy;
  let err = major - 2 * minor;
  let x = ax, y = ay;
  for (let k = 0; k <= major; k++) {
    if (x >= 0 && y >= 0 && x < w && y < h) out[y * w + x] = value;
    const across = err < 0;
    err += across ? 2 * major - 2 * minor : -2 * minor;
    if (steep) { y += sy; if (across) x += 1; } else { x += 1; if (across) y += sy; }
  }
}

/**
 * A line's ends moved onto the image as OpenCV's clipLine moves them (each end onto the edge it
 * crosses, the other coordinate truncated toward zero), or null when the line misses the image: the
 * line drawn starts where OpenCV's starts, so its pixels are OpenCV's.
 */
function openCvClip(w: number, h: number, x1: number, y1: number, x2: number, y2: number): [number, number, number, number] | null {
  const right = w - 1, bottom = h - 1;
  const code = (x: number, y: number) => (x < 0 ? 1 : 0) + (x > right ? 2 : 0) + (y < 0 ? 4 : 0) + (y > bottom ? 8 : 0);
  let c1 = code(x1, y1), c2 = code(x2, y2);
  if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
    if (c1 & 12) {
      const a = c1 < 8 ? 0 : bottom;
      x1 += Math.trunc(((a - y1) * (x2 - x1)) / (y2 - y1)); y1 = a;
      c1 = (x1 < 0 ? 1 : 0) + (x1 > right ? 2 : 0);
    }
    if (c2 & 12) {
      const a = c2 < 8 ? 0 : bottom;
      x2 += Math.trunc(((a - y2) * (x2 - x1)) / (y2 - y1)); y2 = a;
      c2 = (x2 < 0 ? 1 : 0) + (x2 > right ? 2 : 0);
    }
    if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
      if (c1) {
        const a = c1 === 1 ? 0 : right;
        y1 += Math.trunc(((a - x1) * (y2 - y1)) / (x2 - x1)); x1 = a; c1 = 0;
      }
      if (c2) {
        const a = c2 === 1 ? 0 : right;
        y2 += Math.trunc(((a - x2) * (y2 - y1)) / (x2 - x1)); x2 = a; c2 = 0;
      }
    }
  }
  return (c1 | c2) === 0 ? [x1, y1, x2, y2] : null;
}

/**
 * Sets `value` on the pixels pycocotools' frPyObjects/annToMask give a polygon (continuous
 * coordinates), the rasterisation COCO datasets are trained with everywhere: the outline is walked
 * at 5 times the resolution, and each column is cut where the walk crosses a pixel column's centre
 * line (from its published algorithm, rleFrPoly). A pixel centre on or near an edge may fall either
 * side of the centre rule of fillPolygon, which this agrees with otherwise.
 */
export function fillPolygonCoco(out: Uint8Array, w: number, h: number, xy: ArrayLike<number>, value: number): void {
  const k = Math.floor(xy.length / 2);
  if (k < 1) return;
  const scale = 5;
  // Vertices on the 5x grid, rounded as C's (int)(v + .5) does (toward zero).
  const x = Array.from({ length: k + 1 }, (_, j) => Math.trunc(scale * xy[2 * (j % k)] + 0.5));
  const y = Array.from({ length: k + 1 }, (_, j) => Math.trunc(scale * xy[2 * (j % k) + 1] + 0.5));
  // Every grid point along the outline, each edge walked along its longer axis. An outline reaching
  // far beyond the image (a damaged file) would be walked for long: drawn by pixel centres instead.
  let steps = 0;
  for (let j = 0; j < k; j++) steps += Math.max(Math.abs(x[j + 1] - x[j]), Math.abs(y[j + 1] - y[j])) + 1;
  if (!(steps <= Math.min(64 * scale * (w + h) * Math.max(4, k), 2e8))) return fillPolygon(out, w, h, xy, value);
  const u = new Int32Array(steps), v = new Int32Array(steps);
  let m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) { [xs, xe] = [xe, xs]; [ys, ye] = [ye, ys]; }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) for (let d = 0; d <= dx; d++, m++) { const t = flip ? dx - d : d; u[m] = t + xs; v[m] = Math.trunc(ys + s * t + 0.5); }
    else for (let d = 0; d <= dy; d++, m++) { const t = flip ? dy - d : d; v[m] = t + ys; u[m] = Math.trunc(xs + s * t + 0.5); }
  }
  // Where the walk crosses a pixel column's centre line: that column's boundary, at the row below.
  const toggles: number[] = [];
  for (let j = 1; j < m; j++) {
    if (u[j] === u[j - 1]) continue;
    const xd = ((u[j] < u[j - 1] ? u[j] : u[j] - 1) + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = ((v[j] < v[j - 1] ? v[j] : v[j - 1]) + 0.5) / scale - 0.5;
    yd = Math.ceil(yd < 0 ? 0 : yd > h ? h : yd);
    toggles.push(xd * h + yd);
  }
  // Column-major runs between the sorted cuts (two cuts at one place cancel); odd runs are inside.
  toggles.push(h * w);
  toggles.sort((a, b) => a - b);
  const runs: number[] = [];
  let prev = 0;
  for (let j = 0; j < toggles.length;) {
    const len = toggles[j] - prev; prev = toggles[j]; j++;
    if (runs.length === 0 || len > 0) { runs.push(len); continue; }
    // A zero-length run joins its neighbours.
    if (j < toggles.length) { const next = toggles[j] - prev; prev = toggles[j]; j++; runs[runs.length - 1] += next; }
  }
  let pos = 0;
  for (let r = 0; r < runs.length; r++) {
    // An inside run, down its columns.
    for (let p = pos, end = pos + runs[r]; r % 2 && p < end;) {
      const col = Math.floor(p / h), row = p - col * h, n = Math.min(end - p, h - row);
      for (let i = 0, o = row * w + col; i < n; i++, o += w) out[o] = value;
      p += n;
    }
    pos += runs[r];
  }
}
