// Polygon rasterisation for annotation import. Coordinates are continuous image coordinates (the
// top-left corner of the top-left pixel is (0, 0), as COCO, labelme, CVAT and Label Studio store
// them); a pixel belongs to a polygon when its centre (x + 0.5, y + 0.5) is inside. Inside is
// decided per row by the crossings of the row's centre line with the edges (an edge holds its lower
// end and not its upper one, so a vertex on the line is counted once), by the even-odd rule
// (pycocotools' for self-intersecting outlines) or the nonzero winding rule.
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

/** Sets `value` wherever a pixel centre lies within `r` of (cx, cy). */
export function fillCircle(out: Uint8Array, w: number, h: number, cx: number, cy: number, r: number, value: number): void {
  const y0 = Math.max(0, Math.ceil(cy - r - 0.5)), y1 = Math.min(h - 1, Math.floor(cy + r - 0.5));
  for (let y = y0; y <= y1; y++) for (let x = Math.max(0, Math.ceil(cx - r - 0.5)); x <= Math.min(w - 1, Math.floor(cx + r - 0.5)); x++) {
    if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) out[y * w + x] = value;
  }
}
