// Calibration of class probabilities: over valid pixels, the top probability (confidence) against
// whether the top class is right, in 15 equal-width bins. Expected calibration error (ECE) is the
// pixel-weighted mean gap |accuracy - confidence| over the bins; the reliability diagram draws
// each bin's accuracy against its confidence.
import { expectArgs } from '../util/call_options.js';
import { argumentError } from '../util/errors.js';
export const ECE_BINS = 15;

export class CalibrationBins {
  readonly count = new Float64Array(ECE_BINS);
  readonly confidence = new Float64Array(ECE_BINS);
  readonly correct = new Float64Array(ECE_BINS);

  /** One image: CHW class scores (logits), its truth, the ignore label. */
  add(scores: Float32Array, c: number, gt: ArrayLike<number>, ignore: number): void {
    const px = gt.length;
    for (let i = 0; i < px; i++) {
      const g = gt[i];
      if (g === ignore || g >= c) continue;
      let max = -Infinity, arg = 0;
      for (let k = 0; k < c; k++) { const v = scores[k * px + i]; if (v > max) { max = v; arg = k; } }
      let z = 0;
      for (let k = 0; k < c; k++) z += Math.exp(scores[k * px + i] - max);
      const conf = 1 / z;
      const b = Math.min(ECE_BINS - 1, Math.floor(conf * ECE_BINS));
      this.count[b]++; this.confidence[b] += conf; if (arg === g) this.correct[b]++;
    }
  }

  ece(): number {
    const n = this.count.reduce((a, b) => a + b, 0);
    let e = 0;
    for (let b = 0; b < ECE_BINS; b++) if (this.count[b]) e += (this.count[b] / n) * Math.abs(this.correct[b] / this.count[b] - this.confidence[b] / this.count[b]);
    return n ? e : 0;
  }

  /** Per bin: its range, pixels, mean confidence and accuracy (null when empty). */
  bins(): { from: number; to: number; pixels: number; confidence: number | null; accuracy: number | null }[] {
    return Array.from({ length: ECE_BINS }, (_, b) => ({
      from: b / ECE_BINS, to: (b + 1) / ECE_BINS, pixels: this.count[b],
      confidence: this.count[b] ? this.confidence[b] / this.count[b] : null, accuracy: this.count[b] ? this.correct[b] / this.count[b] : null,
    }));
  }

  /** The reliability diagram as SVG: accuracy bars per confidence bin, the diagonal of perfect calibration. */
  svg(title: string): string {
    const [W, H, m] = [420, 420, 50];
    const x = (v: number) => m + v * (W - 2 * m), y = (v: number) => H - m - v * (H - 2 * m);
    const bars = this.bins().map((b) => (b.accuracy == null ? '' : `<rect x="${x(b.from) + 1}" y="${y(b.accuracy)}" width="${x(b.to) - x(b.from) - 2}" height="${y(0) - y(b.accuracy)}" fill="#1f77b4" opacity="0.8"/>`
      + `<rect x="${x(b.from) + 1}" y="${Math.min(y(b.accuracy), y(b.confidence!))}" width="${x(b.to) - x(b.from) - 2}" height="${Math.abs(y(b.accuracy) - y(b.confidence!))}" fill="#d62728" opacity="0.35"/>`)).join('');
    const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1].map((t) => `<text x="${x(t)}" y="${H - m + 16}" text-anchor="middle" font-size="11">${t}</text><text x="${m - 8}" y="${y(t) + 4}" text-anchor="end" font-size="11">${t}</text>`).join('');
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="${W}" height="${H}" fill="#fff"/>`
      + `<text x="${W / 2}" y="24" text-anchor="middle" font-size="14">${esc(title)}: ECE ${(100 * this.ece()).toFixed(2)}%</text>${bars}`
      + `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#555" stroke-dasharray="4 3"/>`
      + `<rect x="${x(0)}" y="${y(1)}" width="${x(1) - x(0)}" height="${y(0) - y(1)}" fill="none" stroke="#000"/>${ticks}`
      + `<text x="${W / 2}" y="${H - 12}" text-anchor="middle" font-size="12">confidence (top probability)</text>`
      + `<text x="14" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${H / 2})">accuracy</text></svg>\n`;
  }
}

/** The most class scores a fit keeps by default (float32: 256 MB); a model of many classes is fitted on fewer pixels. */
export const MAX_FIT_SCORES = 2 ** 26;

/**
 * Labelled pixels' class scores for fitting a temperature, sampled at an even stride over each
 * image (so that every image counts alike), in typed arrays that grow with what is added: the
 * stride sets the pixel count from `pixels` (at most `maxScores / classes` of them) over `images`
 * images the size of the first.
 */
export class ScoreSample {
  readonly stride: number;
  private scores: Float32Array;
  private truth: Uint8Array;
  private n = 0;
  private images = 0;

  constructor(readonly classes: number, o: { images: number; firstPixels: number; pixels: number; maxScores?: number }) {
    expectArgs('new ScoreSample', [['classes', classes, 'number'], ['options', o, 'object']]);
    for (const k of ['images', 'firstPixels', 'pixels'] as const) expectArgs('new ScoreSample', [[`options.${k}`, o[k], 'number']]);
    if (!(Number.isInteger(classes) && classes >= 1 && classes <= 256)) throw argumentError('classes', classes, 'expected a whole number of classes, 1 to 256');
    const budget = Math.max(1, Math.min(o.pixels, Math.floor((o.maxScores ?? MAX_FIT_SCORES) / classes)));
    this.stride = Math.max(1, Math.ceil((o.images * o.firstPixels) / budget));
    this.truth = new Uint8Array(Math.max(1, Math.min(budget, 1 << 16)));
    this.scores = new Float32Array(this.truth.length * classes);
  }

  /** One image: CHW class scores and its truth; pixels of the ignore label (or no class) are left out. */
  add(scores: Float32Array, gt: ArrayLike<number>, ignore: number): void {
    const k = this.classes, px = gt.length;
    // Each image starts at another offset into the stride, so that no column pattern repeats.
    for (let p = (this.images++ * 7919) % this.stride; p < px; p += this.stride) {
      const g = gt[p];
      if (g === ignore || g >= k) continue;
      if (this.n === this.truth.length) {
        const s = new Float32Array(this.scores.length * 2), t = new Uint8Array(this.truth.length * 2);
        s.set(this.scores); t.set(this.truth);
        this.scores = s; this.truth = t;
      }
      for (let c = 0; c < k; c++) this.scores[this.n * k + c] = scores[c * px + p];
      this.truth[this.n++] = g;
    }
  }

  /** The pixels sampled so far, as fitTemperature takes them. */
  samples(): { scores: Float32Array; truth: Uint8Array; c: number } {
    return { scores: this.scores.subarray(0, this.n * this.classes), truth: this.truth.subarray(0, this.n), c: this.classes };
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * The temperature t minimising the mean negative log-likelihood of the truth under softmax(scores / t),
 * over pixels given as [scores of C classes, truth] samples; golden-section search on log t.
 */
export function fitTemperature(samples: { scores: Float32Array; truth: Uint8Array; c: number }, range: [number, number] = [0.05, 20]): { temperature: number; nllBefore: number; nllAfter: number } {
  expectArgs('fitTemperature', [['samples', samples, 'object']]);
  expectArgs('fitTemperature', [['samples.scores', samples.scores, 'object'], ['samples.truth', samples.truth, 'bytes'], ['samples.c', samples.c, 'number']]);
  const { scores, truth, c } = samples;
  const n = truth.length;
  const nll = (t: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < c; k++) max = Math.max(max, scores[i * c + k] / t);
      let z = 0;
      for (let k = 0; k < c; k++) z += Math.exp(scores[i * c + k] / t - max);
      s += Math.log(z) + max - scores[i * c + truth[i]] / t;
    }
    return s / Math.max(1, n);
  };
  let [a, b] = [Math.log(range[0]), Math.log(range[1])];
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = b - g * (b - a), x2 = a + g * (b - a), f1 = nll(Math.exp(x1)), f2 = nll(Math.exp(x2));
  for (let it = 0; it < 40; it++) {
    if (f1 < f2) { b = x2; x2 = x1; f2 = f1; x1 = b - g * (b - a); f1 = nll(Math.exp(x1)); }
    else { a = x1; x1 = x2; f1 = f2; x2 = a + g * (b - a); f2 = nll(Math.exp(x2)); }
  }
  const t = Math.exp((a + b) / 2);
  return { temperature: t, nllBefore: nll(1), nllAfter: nll(t) };
}
