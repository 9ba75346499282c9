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
