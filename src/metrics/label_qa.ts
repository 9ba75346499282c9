// Model-assisted label QA: a mask checked against a model's prediction for its image. A mask the
// model disagrees with is suspect; some disagreements have a shape that names the likely mistake:
// - ids offset by one: the mask with every class id moved by +1 or -1 agrees far better;
// - two classes swapped: exchanging classes A and B in the mask agrees far better;
// - the ignore label used as a class: it covers much of the mask, where the model sees one class;
// - a mask of another image: it agrees far better with another image's prediction (checked on
//   small thumbnails, by labelQaCross).
import { checkSamePixels } from './confusion.js';
import { expectArgs } from '../util/call_options.js';

export interface QaThresholds {
  /** Agreement a fix must add (share of valid pixels) to be named. */
  gain: number;
  /** Share of the mask the ignore label must cover to be suspected of being a class. */
  ignoreShare: number;
}
export const DEFAULT_QA: QaThresholds = { gain: 0.15, ignoreShare: 0.2 };

export interface QaFinding { kind: 'offset' | 'swap' | 'ignore-as-class' | 'other-image'; message: string; agreementIfFixed: number }

export interface ImageQa {
  /** Share of valid mask pixels where the mask and the prediction agree. */
  agreement: number;
  /** Mean IoU between mask and prediction over the classes in either. */
  iou: number;
  /** Classes by pixels in which mask and prediction disagree: [mask class, predicted class, pixels], largest first. */
  confusions: [number, number, number][];
  findings: QaFinding[];
}

/** The agreement of `mask` (values remapped by `map`) with `pred` over valid pixels. */
function agreementOf(mask: Uint8Array, pred: Uint8Array, ignore: number, map?: (v: number) => number): number {
  let same = 0, valid = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === ignore) continue;
    valid++;
    if ((map ? map(mask[i]) : mask[i]) === pred[i]) same++;
  }
  return valid ? same / valid : 1;
}

export function imageQa(mask: Uint8Array, pred: Uint8Array, numClasses: number, ignore: number, names: string[], t: QaThresholds = DEFAULT_QA): ImageQa {
  expectArgs('imageQa', [['mask', mask, 'bytes'], ['pred', pred, 'bytes'], ['numClasses', numClasses, 'number'], ['names', names, 'array']]);
  checkSamePixels(pred, mask, 'the mask');
  const k = numClasses;
  const cm = new Float64Array(k * k);
  let valid = 0, ignored = 0;
  const underIgnore = new Float64Array(k);
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i], p = pred[i];
    if (m === ignore) { ignored++; if (p < k) underIgnore[p]++; continue; }
    if (m >= k || p >= k) continue;
    cm[m * k + p]++; valid++;
  }
  let same = 0;
  for (let c = 0; c < k; c++) same += cm[c * k + c];
  const agreement = valid ? same / valid : 1;
  let iouSum = 0, iouN = 0;
  for (let c = 0; c < k; c++) {
    let row = 0, col = 0;
    for (let j = 0; j < k; j++) { row += cm[c * k + j]; col += cm[j * k + c]; }
    const union = row + col - cm[c * k + c];
    if (union > 0) { iouSum += cm[c * k + c] / union; iouN++; }
  }
  const confusions: [number, number, number][] = [];
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) if (a !== b && cm[a * k + b] > 0) confusions.push([a, b, cm[a * k + b]]);
  confusions.sort((x, y) => y[2] - x[2]);
  const findings: QaFinding[] = [];
  const name = (c: number) => names[c] ?? String(c);
  for (const d of [1, -1]) {
    const fixed = agreementOf(mask, pred, ignore, (v) => v + d);
    if (fixed - agreement >= t.gain) findings.push({ kind: 'offset', agreementIfFixed: fixed, message: `class ids look shifted by ${d > 0 ? '-1' : '+1'}: moved by ${d > 0 ? '+1' : '-1'}, the mask agrees with the model on ${pct(fixed)} of its pixels instead of ${pct(agreement)}` });
  }
  // Swaps: among the largest confusions, a pair seen both ways or a one-way one that a swap would fix.
  const tried = new Set<string>();
  for (const [a, b] of confusions.slice(0, 6)) {
    const key = [Math.min(a, b), Math.max(a, b)].join();
    if (tried.has(key)) continue;
    tried.add(key);
    const fixed = agreementOf(mask, pred, ignore, (v) => (v === a ? b : v === b ? a : v));
    if (fixed - agreement >= t.gain) findings.push({ kind: 'swap', agreementIfFixed: fixed, message: `classes ${name(a)} and ${name(b)} look swapped: exchanged, the mask agrees on ${pct(fixed)} instead of ${pct(agreement)}` });
  }
  // An offset and a swap are both remappings of the mask's ids: the one that fixes most explains it.
  const remaps = findings.filter((f) => f.kind === 'offset' || f.kind === 'swap').sort((a, b) => b.agreementIfFixed - a.agreementIfFixed);
  findings.length = 0;
  if (remaps.length) findings.push(remaps[0]);
  const total = valid + ignored;
  if (total && ignored / total >= t.ignoreShare) {
    let top = 0;
    for (let c = 1; c < k; c++) if (underIgnore[c] > underIgnore[top]) top = c;
    if (underIgnore[top] / ignored >= 0.6) {
      findings.push({ kind: 'ignore-as-class', agreementIfFixed: agreement, message: `the ignore label ${ignore} covers ${pct(ignored / total)} of the mask, where the model sees ${name(top)} (${pct(underIgnore[top] / ignored)}): is ${ignore} a class? (options.labelMap ${ignore}:${top})` });
    }
  }
  return { agreement, iou: iouN ? iouSum / iouN : 1, confusions: confusions.slice(0, 5), findings };
}

/** A label map shrunk to at most `side` pixels a side by nearest neighbour (for cross-image checks). */
export function thumbnail(labels: Uint8Array, w: number, h: number, side = 64): { data: Uint8Array; width: number; height: number } {
  const s = Math.min(1, side / Math.max(w, h));
  const tw = Math.max(1, Math.round(w * s)), th = Math.max(1, Math.round(h * s));
  const data = new Uint8Array(tw * th);
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) data[y * tw + x] = labels[Math.min(h - 1, Math.floor(((y + 0.5) * h) / th)) * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / tw))];
  return { data, width: tw, height: th };
}

/**
 * For each image whose mask agrees poorly with its own prediction: the other image whose
 * prediction its mask agrees with best, when that is better by `gain` (thumbnails of equal size only).
 */
export function labelQaCross(masks: ReturnType<typeof thumbnail>[], preds: ReturnType<typeof thumbnail>[], suspects: number[], ignore: number, names: string[], t: QaThresholds = DEFAULT_QA): Map<number, QaFinding> {
  const out = new Map<number, QaFinding>();
  for (const i of suspects) {
    const m = masks[i];
    const own = agreementOf(m.data, preds[i].data, ignore);
    let best = -1, bestA = own;
    preds.forEach((p, j) => {
      if (j === i || p.width !== m.width || p.height !== m.height) return;
      const a = agreementOf(m.data, p.data, ignore);
      if (a > bestA) { bestA = a; best = j; }
    });
    if (best >= 0 && bestA - own >= t.gain) out.set(i, { kind: 'other-image', agreementIfFixed: bestA, message: `the mask looks like ${names[best]}'s: it agrees with that image's prediction on ${pct(bestA)} of its pixels, with its own image's on ${pct(own)}` });
  }
  return out;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
