// Label-map operations in one place: class scores (CHW) -> class ids (argmax, or a probability
// threshold for one class), and label map -> the classes present with their pixel counts.
import type { ClassInfo } from '../data/classes.js';

export function argmaxChw(map: Float32Array, c: number): Uint8Array {
  // Plane by plane: sequential reads (a per-pixel loop over classes strides through memory).
  const px = map.length / c, out = new Uint8Array(px);
  const best = map.slice(0, px);
  for (let k = 1; k < c; k++) {
    const plane = map.subarray(k * px, (k + 1) * px);
    for (let p = 0; p < px; p++) if (plane[p] > best[p]) { best[p] = plane[p]; out[p] = k; }
  }
  return out;
}

/** Predict class k wherever its softmax probability reaches t, else the best other class. */
export interface ClassThreshold { classId: number; prob: number }

/**
 * Label map from CHW class scores with a probability threshold for one class. The IoU (and F1)
 * of a thin or rare class peaks at a threshold below 0.5 (about J/(1+J) for a best IoU of J:
 * one more true pixel raises the IoU by 1/U, one more false pixel lowers it by J/U).
 */
export function thresholdChw(map: Float32Array, c: number, t: ClassThreshold): Uint8Array {
  const px = map.length / c, out = argmaxChw(map, c);
  const k = t.classId;
  for (let p = 0; p < px; p++) {
    const lk = map[k * px + p];
    let z = 0, best = -Infinity, arg = 0;
    for (let j = 0; j < c; j++) {
      const v = map[j * px + p];
      z += Math.exp(v - lk);
      if (j !== k && v > best) { best = v; arg = j; }
    }
    out[p] = 1 / z >= t.prob ? k : arg;
  }
  return out;
}

/** A class present in a label map: its id, name, pixel count and share of the image. */
export interface ClassArea { id: number; name: string; pixels: number; share: number }

/** Pixel count per class id (ids beyond the class list are not counted). */
export function classHistogram(labels: Uint8Array, numClasses: number): number[] {
  const h = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) if (labels[i] < numClasses) h[labels[i]]++;
  return h;
}

/** Share of the image of each class id (0 for absent classes). */
export function classShares(labels: Uint8Array, numClasses: number): number[] {
  return classHistogram(labels, numClasses).map((v) => v / Math.max(1, labels.length));
}

/** The classes present in a label map, largest first. */
export function classAreas(labels: Uint8Array, classes: ClassInfo[]): ClassArea[] {
  return classHistogram(labels, classes.length)
    .map((pixels, id) => ({ id, name: classes[id].name, pixels, share: pixels / Math.max(1, labels.length) }))
    .filter((a) => a.pixels > 0).sort((a, b) => b.pixels - a.pixels || a.id - b.id);
}
