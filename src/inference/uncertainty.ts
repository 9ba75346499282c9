// How unsure a model is of an image, for choosing what to label next (active learning). Per pixel,
// from the softmax of its class scores:
// - entropy: -sum p log p / log C (0 = certain, 1 = every class equally likely);
// - margin: 1 - (p1 - p2), the gap between the two most likely classes;
// - least-confidence: 1 - p1.
// An image's score is their mean over its pixels, and the mean of its most uncertain tenth
// (`top10`: a small unsure object in a big sure scene).
import { UserError, argumentError } from '../util/errors.js';

export const STRATEGIES = ['entropy', 'margin', 'least-confidence'] as const;
export type Strategy = typeof STRATEGIES[number];

export interface ImageUncertainty {
  /** Per strategy: the mean over pixels and the mean of the most uncertain 10%. */
  scores: Record<Strategy, { mean: number; top10: number }>;
  /** Per class predicted in the image (by id): pixels, and the mean of each strategy over them. */
  perClass: { id: number; pixels: number; mean: Record<Strategy, number> }[];
}

/** Uncertainty of one image from its CHW class scores (logits) and its label map. */
export function imageUncertainty(map: Float32Array, c: number, labels: Uint8Array): ImageUncertainty {
  if (!(Number.isInteger(c) && c >= 2)) throw argumentError('c', c, 'expected the number of classes, 2 or more');
  if (!(map instanceof Float32Array) || !(labels instanceof Uint8Array) || map.length !== labels.length * c) throw new UserError(`map: ${map?.length} values for ${labels?.length} labelled pixels of ${c} classes; give the CHW scores (a Float32Array of classes x pixels) and the label map of the same image`, 2, 'map');
  const px = map.length / c;
  const u: Record<Strategy, Float32Array> = { entropy: new Float32Array(px), margin: new Float32Array(px), 'least-confidence': new Float32Array(px) };
  const logC = Math.log(c);
  const p = new Float64Array(c);
  for (let i = 0; i < px; i++) {
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, map[k * px + i]);
    let z = 0;
    for (let k = 0; k < c; k++) { p[k] = Math.exp(map[k * px + i] - max); z += p[k]; }
    let p1 = 0, p2 = 0, h = 0;
    for (let k = 0; k < c; k++) {
      const q = p[k] / z;
      if (q > 0) h -= q * Math.log(q);
      if (q > p1) { p2 = p1; p1 = q; } else if (q > p2) p2 = q;
    }
    u.entropy[i] = c > 1 ? h / logC : 0;
    u.margin[i] = 1 - (p1 - p2);
    u['least-confidence'][i] = 1 - p1;
  }
  const scores = {} as ImageUncertainty['scores'];
  for (const s of Object.keys(u) as Strategy[]) {
    const v = u[s];
    const sorted = Float32Array.from(v).sort();
    const k = Math.max(1, Math.floor(px / 10));
    let top = 0, all = 0;
    for (let i = 0; i < px; i++) all += v[i];
    for (let i = px - k; i < px; i++) top += sorted[i];
    scores[s] = { mean: all / px, top10: top / k };
  }
  const sums = new Map<number, { pixels: number; sum: Record<Strategy, number> }>();
  for (let i = 0; i < px; i++) {
    let e = sums.get(labels[i]);
    if (!e) { e = { pixels: 0, sum: { entropy: 0, margin: 0, 'least-confidence': 0 } }; sums.set(labels[i], e); }
    e.pixels++;
    for (const s of STRATEGIES) e.sum[s] += u[s][i];
  }
  const perClass = [...sums.entries()].sort(([a], [b]) => a - b).map(([id, e]) => ({
    id, pixels: e.pixels, mean: Object.fromEntries(STRATEGIES.map((s) => [s, e.sum[s] / e.pixels])) as Record<Strategy, number>,
  }));
  return { scores, perClass };
}
