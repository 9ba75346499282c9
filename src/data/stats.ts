// Per-class pixel statistics of a set of masks and the class weights they suggest.
export function classHistogram(masks: Iterable<Uint8Array>, numClasses: number, ignoreIndex: number): number[] {
  const h = new Float64Array(256);
  for (const m of masks) for (let i = 0; i < m.length; i++) h[m[i]]++;
  return Array.from(h.subarray(0, numClasses)).map((v, i) => (i === ignoreIndex ? 0 : v));
}

/** Median-frequency balancing (Eigen & Fergus 2015), clipped to [0.1, 10]; absent classes get 0. */
export function medianFrequencyWeights(hist: number[]): number[] {
  const total = hist.reduce((a, b) => a + b, 0);
  const freqs = hist.map((c) => (total > 0 ? c / total : 0));
  const present = freqs.filter((f) => f > 0).sort((a, b) => a - b);
  if (!present.length) return hist.map(() => 1);
  const mid = present.length >> 1;
  const median = present.length % 2 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
  return freqs.map((f) => (f > 0 ? Math.min(10, Math.max(0.1, median / f)) : 0));
}
