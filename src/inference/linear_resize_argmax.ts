// The label map of class scores resized bilinearly, without the resized scores: ONNX Runtime's
// Resize (mode linear) followed by ArgMax over the classes, computed together. A graph that ends in
// such a Resize spends more on it and the ArgMax than on its last convolutions where there are many
// classes (C full-size float planes written, read back, and copied out); here most output pixels
// are settled from the low-resolution scores alone:
// - an output pixel is a weighted mean (weights >= 0) of four source pixels; a class that beats
//   every other at all four by more than the rounding error of that mean beats it at the pixel too,
//   so a cell of pixels whose four corners agree so is filled with that class;
// - elsewhere a class whose largest corner score is below the smallest corner score of another
//   class cannot win in the cell; the few classes left are computed pixel by pixel, in float32 and
//   in ONNX Runtime's order of operations (its CPU kernel, UpsampleBilinear), so the label map is
//   the one its Resize and ArgMax give, the first class winning ties as ArgMax's does (as its x86-64
//   and WebAssembly builds compute them: a build that fuses the multiply-adds rounds otherwise).
// No Node imports (the browser module may use it too).

/** Resize's coordinate_transformation_mode values this computes (linear mode). */
export const LINEAR_RESIZE_MODES = ['align_corners', 'half_pixel', 'pytorch_half_pixel', 'asymmetric'] as const;
export type LinearResizeMode = typeof LINEAR_RESIZE_MODES[number];

const f32 = Math.fround;

/** Per output index along one axis: its two source indices and their weights (d2 weighs i1, d1 weighs i2). */
interface Axis { i1: Int32Array; i2: Int32Array; d1: Float32Array; d2: Float32Array }

/** The source coordinate of output index o, in float32 as ONNX Runtime computes it. */
function sourceCoordinate(o: number, inLen: number, outLen: number, mode: LinearResizeMode): number {
  const scale = f32(outLen / inLen); // Resize given sizes: scale = output / input
  if (scale === 1) return o;
  switch (mode) {
    case 'align_corners': return outLen === 1 ? 0 : f32(f32(o * (inLen - 1)) / (outLen - 1));
    case 'half_pixel': return f32(f32(f32(o + 0.5) / scale) - 0.5);
    case 'pytorch_half_pixel': return outLen > 1 ? f32(f32(f32(o + 0.5) / scale) - 0.5) : 0;
    case 'asymmetric': return f32(o / scale);
  }
}

function axis(inLen: number, outLen: number, mode: LinearResizeMode): Axis {
  const a: Axis = { i1: new Int32Array(outLen), i2: new Int32Array(outLen), d1: new Float32Array(outLen), d2: new Float32Array(outLen) };
  for (let o = 0; o < outLen; o++) {
    const v = Math.max(0, Math.min(sourceCoordinate(o, inLen, outLen, mode), inLen - 1));
    const i1 = Math.min(Math.trunc(v), inLen - 1), i2 = Math.min(i1 + 1, inLen - 1);
    a.i1[o] = i1; a.i2[o] = i2;
    if (i1 === i2) { a.d1[o] = 0.5; a.d2[o] = 0.5; } else { a.d1[o] = Math.abs(v - i1); a.d2[o] = Math.abs(v - i2); }
  }
  return a;
}

// NaN-blind (a NaN is never the larger or smaller): a NaN score never becomes a candidate.
const max2 = (a: number, b: number) => (b > a ? b : a);
const min2 = (a: number, b: number) => (b < a ? b : a);

/** Runs of consecutive output indices that share their two source indices: [start, end) pairs. */
function runs(a: Axis): number[] {
  const r: number[] = [];
  for (let o = 0; o < a.i1.length; o++) if (o === 0 || a.i1[o] !== a.i1[o - 1] || a.i2[o] !== a.i2[o - 1]) r.push(o);
  r.push(a.i1.length);
  return r;
}

/**
 * The label map [outH, outW] of image `i` of class scores [n, C, h, w] (C <= 256) resized to
 * outH x outW by ONNX Runtime's linear Resize in `mode`, then ArgMax over C.
 */
export function linearResizeArgmax(scores: Float32Array, i: number, C: number, h: number, w: number, outH: number, outW: number, mode: LinearResizeMode): Uint8Array {
  const px = h * w, base = i * C * px;
  const X = scores.subarray(base, base + C * px);
  // Per source pixel: its best class and the runner-up's score; the smallest score of all.
  const best = new Uint8Array(px), top = X.slice(0, px), second = new Float32Array(px).fill(-Infinity);
  let lo = Infinity, hi = -Infinity;
  for (let p = 0; p < px; p++) if (top[p] < lo) lo = top[p];
  for (let k = 1; k < C; k++) {
    const o = k * px;
    for (let p = 0; p < px; p++) {
      const v = X[o + p];
      if (v > top[p]) { second[p] = top[p]; top[p] = v; best[p] = k; } else {
        if (v > second[p]) second[p] = v;
        if (v < lo) lo = v;
      }
    }
  }
  for (let p = 0; p < px; p++) if (top[p] > hi) hi = top[p];
  // The rounding error of a float32 weighted mean of four scores is below 1e-6 of the largest
  // score's magnitude (seven roundings, weights >= 0 summing to 1); decisions are made only with a
  // margin above that. A NaN score never wins (no comparison with it holds).
  const tol = 1e-5 * Math.max(Math.abs(hi), Math.abs(lo));
  const sure = new Uint8Array(px);
  for (let p = 0; p < px; p++) sure[p] = top[p] - second[p] > tol ? 1 : 0;

  const ay = axis(h, outH, mode), ax = axis(w, outW, mode), ry = runs(ay), rx = runs(ax);
  const out = new Uint8Array(outH * outW), cand = new Int32Array(C);
  for (let by = 0; by + 1 < ry.length; by++) {
    const y0 = ry[by], y1 = ry[by + 1], r1 = ay.i1[y0] * w, r2 = ay.i2[y0] * w;
    for (let bx = 0; bx + 1 < rx.length; bx++) {
      const x0 = rx[bx], x1 = rx[bx + 1];
      const p11 = r1 + ax.i1[x0], p21 = r1 + ax.i2[x0], p12 = r2 + ax.i1[x0], p22 = r2 + ax.i2[x0];
      const a = best[p11];
      let n = 0;
      if (best[p21] === a && best[p12] === a && best[p22] === a && (sure[p11] & sure[p21] & sure[p12] & sure[p22])) {
        cand[n++] = a;
      } else {
        // A lower bound of the winning score anywhere in the cell: the best of the corners' own
        // classes at their weakest corner.
        const weakest = (c: number) => { const o = c * px; return min2(min2(X[o + p11], X[o + p21]), min2(X[o + p12], X[o + p22])); };
        const floor = max2(max2(weakest(a), weakest(best[p21])), max2(weakest(best[p12]), weakest(best[p22])));
        for (let k = 0; k < C; k++) {
          const o = k * px;
          if (max2(max2(X[o + p11], X[o + p21]), max2(X[o + p12], X[o + p22])) >= floor - tol) cand[n++] = k;
        }
        if (n === 0) for (let k = 0; k < C; k++) cand[n++] = k; // NaN scores at the corners: every class computed
      }
      if (n === 1) {
        const c = cand[0];
        for (let y = y0; y < y1; y++) for (let q = y * outW + x0, end = y * outW + x1; q < end; q++) out[q] = c; // short runs: a loop beats fill()
        continue;
      }
      for (let y = y0; y < y1; y++) {
        const dy1 = ay.d1[y], dy2 = ay.d2[y];
        for (let x = x0; x < x1; x++) {
          const dx1 = ax.d1[x], dx2 = ax.d2[x];
          const w11 = f32(dx2 * dy2), w21 = f32(dx1 * dy2), w12 = f32(dx2 * dy1), w22 = f32(dx1 * dy1);
          let bestK = cand[0], bestV = -Infinity;
          for (let j = 0; j < n; j++) {
            const o = cand[j] * px;
            const v = f32(f32(f32(f32(w11 * X[o + p11]) + f32(w21 * X[o + p21])) + f32(w12 * X[o + p12])) + f32(w22 * X[o + p22]));
            if (j === 0 || v > bestV) { bestV = v; bestK = cand[j]; }
          }
          out[y * outW + x] = bestK;
        }
      }
    }
  }
  return out;
}
