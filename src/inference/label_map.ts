// Label-map operations in one place: class scores (CHW) -> class ids (argmax, or a probability
// threshold for one class), and label map -> the classes present with their pixel counts.
import type { ClassInfo } from '../data/classes.js';
import { UserError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';
import { simdArgmax } from './simd/argmax.js';
import { simdProbabilities8 } from './simd/softmax.js';

/** Where the SIMD kernels may run (tests turn them off to check the JS loops). */
export interface SimdOptions { simd?: boolean }

/**
 * The label map of image `i` of a batch of padded logits [n, C, ph, pw]: argmax over the classes
 * of its top-left w x h, cropping as it goes. The first of equal scores wins; a NaN never does.
 */
export function argmaxPadded(logits: Float32Array, i: number, C: number, ph: number, pw: number, w: number, h: number, opts: SimdOptions = {}): Uint8Array {
  if (opts.simd !== false) {
    const labels = simdArgmax(logits, i, C, ph, pw, w, h);
    if (labels) return labels;
  }
  const out = new Uint8Array(w * h), best = new Float32Array(w * h), plane = ph * pw;
  for (let k = 0; k < C; k++) {
    const base = (i * C + k) * plane;
    for (let y = 0; y < h; y++) {
      const row = base + y * pw, o = y * w;
      for (let x = 0; x < w; x++) {
        const v = logits[row + x];
        if (k === 0 || v > best[o + x]) { best[o + x] = v; out[o + x] = k; }
      }
    }
  }
  return out;
}

export function argmaxChw(map: Float32Array, c: number, opts: SimdOptions = {}): Uint8Array {
  if (opts.simd !== false) {
    const px = map.length / c, labels = simdArgmax(map, 0, c, 1, px, px, 1);
    if (labels) return labels;
  }
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

/** The label map of CHW class scores: the argmax, or with one class's probability threshold. */
export function labelsFromScores(map: Float32Array, c: number, threshold?: ClassThreshold): Uint8Array {
  return threshold ? thresholdChw(map, c, threshold) : argmaxChw(map, c);
}

/**
 * Softmax of CHW class scores, quantised to 0..255 per class and pixel (a quarter of the float
 * memory): in WebAssembly SIMD where the engine has it (simd/softmax.ts, single precision), else
 * in this loop.
 */
export function probabilities8(map: Float32Array, c: number, opts: SimdOptions = {}): Uint8Array {
  const simd = opts.simd !== false ? simdProbabilities8(map, c) : null;
  if (simd) return simd;
  const px = map.length / c, out = new Uint8Array(map.length);
  // In chunks of pixels, each exponential computed once and kept (in double precision, as
  // Math.exp returns it) for the normaliser and the output alike.
  const chunk = 4096;
  const max = new Float32Array(chunk), z = new Float32Array(chunk), e = new Float64Array(c * chunk);
  for (let p0 = 0; p0 < px; p0 += chunk) {
    const n = Math.min(chunk, px - p0);
    max.set(map.subarray(p0, p0 + n));
    for (let k = 1; k < c; k++) for (let i = 0, q = k * px + p0; i < n; i++, q++) if (map[q] > max[i]) max[i] = map[q];
    z.fill(0);
    for (let k = 0; k < c; k++) {
      for (let i = 0, q = k * px + p0, j = k * chunk; i < n; i++, q++, j++) { e[j] = Math.exp(map[q] - max[i]); z[i] += e[j]; }
    }
    for (let k = 0; k < c; k++) for (let i = 0, j = k * chunk, q = k * px + p0; i < n; i++, j++, q++) out[q] = Math.round((255 * e[j]) / z[i]);
  }
  return out;
}

/** Per pixel, the probability of the class its label map gives (0..1), from CHW class scores. */
export function labelProbability(map: Float32Array, c: number, labels: Uint8Array): Float32Array {
  const px = map.length / c, out = new Float32Array(px);
  for (let p = 0; p < px; p++) {
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, map[k * px + p]);
    let z = 0;
    for (let k = 0; k < c; k++) z += Math.exp(map[k * px + p] - max);
    out[p] = Math.exp(map[labels[p] * px + p] - max) / z;
  }
  return out;
}

/** Per pixel, the probability (0..1) that it belongs to any of `ids`, from probabilities8(). */
export function probabilityOf(prob8: Uint8Array, c: number, ids: number[]): Float32Array {
  const px = prob8.length / c, out = new Float32Array(px);
  for (const k of ids) for (let p = 0; p < px; p++) out[p] += prob8[k * px + p];
  for (let p = 0; p < px; p++) out[p] = Math.min(1, out[p] / 255);
  return out;
}

/** One confidence mask per class (MediaPipe's convention), each pixel's probability 0..1, from probabilities8(). */
export function confidenceMasks(prob8: Uint8Array, c: number): Float32Array[] {
  const px = prob8.length / c;
  return Array.from({ length: c }, (_, k) => Float32Array.from(prob8.subarray(k * px, (k + 1) * px), (v) => v / 255));
}

/** A comma-separated list of class names or ids (--keep, --cutout, keep=): its items, trimmed. */
export function classList(v: string): string[] {
  return v.split(',').map((x) => x.trim()).filter(Boolean);
}

/** Class ids from names or ids (a name may also be a number in the class list); `what` names the option in a refusal. */
export function classIds(classes: ClassInfo[], wanted: (string | number)[], what: string): number[] {
  if (!Array.isArray(wanted)) throw new UserError(`${what} ${String(wanted)}: expected a list of class names or ids, e.g. [${JSON.stringify(String(wanted))}]`);
  return wanted.map((w) => {
    const byName = classes.findIndex((c) => c.name === String(w));
    const id = byName >= 0 ? byName : /^\d+$/.test(String(w)) ? Number(w) : -1;
    if (id < 0 || id >= classes.length) throw new UserError(`${what} ${w}: no such class in this model (classes: ${classes.map((c) => c.name).join(', ')})`);
    return id;
  });
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
  expectArgs('classAreas', [['classes', classes, 'array']]);
  return classHistogram(labels, classes.length)
    .map((pixels, id) => ({ id, name: classes[id].name, pixels, share: pixels / Math.max(1, labels.length) }))
    .filter((a) => a.pixels > 0).sort((a, b) => b.pixels - a.pixels || a.id - b.id);
}
