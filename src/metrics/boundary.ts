// Boundary F1, the BF score (Csurka et al., "What is a good evaluation measure for semantic
// segmentation?", BMVC 2013; MATLAB's bfscore): how well the predicted outlines follow the true
// ones, which region scores such as IoU barely see. Per image and class: precision is the share of
// the predicted boundary pixels of the class within `tolerance` pixels of the true boundary of the
// class, recall the share of the true boundary pixels within it of the predicted one, F1 their
// harmonic mean. A class's score is the mean over the images whose truth or prediction has it.
//
// A boundary pixel is a pixel with a 4-neighbour of another label (the image's edge is none).
// Pixels whose truth is the ignore label hold no true boundary, and predicted boundary pixels on
// them are not judged; a class's outline against such pixels still is one.
import { checkSamePixels } from './confusion.js';
import { argumentError } from '../util/errors.js';

export interface BoundaryOptions {
  /** Pixels within which a boundary pixel matches (default: 0.75% of each image's diagonal, as MATLAB's bfscore). */
  tolerance?: number;
  ignoreIndex?: number;
  /** Classes kept out of the mean (the void class, a class map's unscored classes). */
  unscored?: number[];
}

/** The default tolerance of an image: 0.75% of its diagonal. */
export const defaultTolerance = (width: number, height: number) => 0.0075 * Math.hypot(width, height);

/** Boundary F1 accumulated over images: each image's F1 per class, scored as means over the images. */
export class BoundaryF1 {
  /** Each image's F1 per class, in the order added (for intervals over images). */
  readonly images: (number | null)[][] = [];
  constructor(readonly numClasses: number, readonly opts: BoundaryOptions = {}) {
    if (!(Number.isInteger(numClasses) && numClasses >= 1)) throw argumentError('numClasses', numClasses, 'expected a whole number of classes, 1 or more');
    if (opts.tolerance != null && !(opts.tolerance >= 0 && Number.isFinite(opts.tolerance))) throw argumentError('boundaryTolerance', opts.tolerance, 'expected a distance in pixels, 0 or more');
  }

  /** Scores one image; returns its F1 per class (null where neither its truth nor its prediction has the class's boundary). */
  add(pred: ArrayLike<number>, gt: ArrayLike<number>, width: number, height: number): (number | null)[] {
    checkSamePixels(pred, gt);
    if (pred.length !== width * height) throw argumentError('width', `${width}x${height}`, `not the size of a label map of ${pred.length} pixels`);
    const f = imageBoundaryF1(pred, gt, width, height, this.numClasses, this.opts.tolerance ?? defaultTolerance(width, height), this.opts.ignoreIndex ?? -1);
    this.images.push(f);
    return f;
  }

  /**
   * Each class's mean F1 over the images that have it (null: none has it), and their mean over the
   * scored classes; `weights`: each image counted that many times (a bootstrap resample).
   */
  scores(weights?: ArrayLike<number>): { perClass: (number | null)[]; mean: number } {
    const unscored = new Set(this.opts.unscored ?? []);
    if (this.opts.ignoreIndex != null) unscored.add(this.opts.ignoreIndex);
    const sum = new Float64Array(this.numClasses), count = new Float64Array(this.numClasses);
    this.images.forEach((f, i) => {
      const w = weights ? weights[i] : 1;
      if (w) f.forEach((v, c) => { if (v != null) { sum[c] += w * v; count[c] += w; } });
    });
    const perClass = Array.from(sum, (s, c) => (count[c] ? s / count[c] : null));
    const scored = perClass.filter((v, c): v is number => v != null && !unscored.has(c));
    return { perClass, mean: scored.length ? scored.reduce((a, b) => a + b, 0) / scored.length : 0 };
  }
}

/** Whether pixel i has a 4-neighbour of another label. */
function onBoundary(labels: ArrayLike<number>, i: number, x: number, y: number, w: number, h: number): boolean {
  const v = labels[i];
  return (x > 0 && labels[i - 1] !== v) || (x < w - 1 && labels[i + 1] !== v) || (y > 0 && labels[i - w] !== v) || (y < h - 1 && labels[i + w] !== v);
}

function imageBoundaryF1(pred: ArrayLike<number>, gt: ArrayLike<number>, w: number, h: number, k: number, tol: number, ignore: number): (number | null)[] {
  // Boundary pixels of each class, by pixel index, and their bounding boxes.
  const predPts: number[][] = Array.from({ length: k }, () => []), gtPts: number[][] = Array.from({ length: k }, () => []);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const g = gt[i];
      if (g === ignore) continue;
      if (g < k && onBoundary(gt, i, x, y, w, h)) gtPts[g].push(i);
      const p = pred[i];
      if (p < k && onBoundary(pred, i, x, y, w, h)) predPts[p].push(i);
    }
  }
  const out: (number | null)[] = new Array(k).fill(null);
  const reach = Math.ceil(tol);
  for (let c = 0; c < k; c++) {
    const P = predPts[c], G = gtPts[c];
    if (!P.length && !G.length) continue;
    if (!P.length || !G.length) { out[c] = 0; continue; }
    // The window holding both outlines and the distance within which they can match.
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (const i of [...P, ...G]) { const x = i % w, y = (i - x) / w; if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y; }
    x0 = Math.max(0, x0 - reach); y0 = Math.max(0, y0 - reach); x1 = Math.min(w - 1, x1 + reach); y1 = Math.min(h - 1, y1 + reach);
    const win = { x0, y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
    const matched = (from: number[], to: number[]) => {
      const d2 = squaredDistances(to, win, w);
      let n = 0;
      for (const i of from) { const x = i % w, y = (i - x) / w; if (d2[(y - win.y0) * win.w + (x - win.x0)] <= tol * tol) n++; }
      return n;
    };
    const precision = matched(P, G) / P.length, recall = matched(G, P) / G.length;
    out[c] = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  }
  return out;
}

/**
 * The squared Euclidean distance from each pixel of a window to the nearest of `points` (pixel
 * indices of an image `stride` wide, all inside the window): Felzenszwalb and Huttenlocher's
 * exact transform, columns then rows.
 */
function squaredDistances(points: number[], win: { x0: number; y0: number; w: number; h: number }, stride: number): Float64Array {
  const { w, h } = win, INF = 1e20;
  const d = new Float64Array(w * h).fill(INF);
  for (const i of points) { const x = i % stride, y = (i - x) / stride; d[(y - win.y0) * w + (x - win.x0)] = 0; }
  const n = Math.max(w, h);
  const f = new Float64Array(n), out = new Float64Array(n), v = new Int32Array(n), z = new Float64Array(n + 1);
  const pass = (len: number, get: (j: number) => number, set: (j: number, val: number) => void) => {
    for (let j = 0; j < len; j++) f[j] = get(j);
    lowerEnvelope(f, len, out, v, z);
    for (let j = 0; j < len; j++) set(j, out[j]);
  };
  for (let x = 0; x < w; x++) pass(h, (y) => d[y * w + x], (y, val) => { d[y * w + x] = val; });
  for (let y = 0; y < h; y++) pass(w, (x) => d[y * w + x], (x, val) => { d[y * w + x] = val; });
  return d;
}

/** The 1-D squared distance transform of samples f[0..n) (lower envelope of parabolas). */
function lowerEnvelope(f: Float64Array, n: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0; z[0] = -Infinity; z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) { k--; s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]); }
    k++; v[k] = q; z[k] = s; z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    out[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
  }
}
