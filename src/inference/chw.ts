// Class-score maps (CHW float planes) resized, with no Node dependencies (shared with the browser module).
import { wasmBase64 } from './simd/chw_resize_wasm.js';
import { lazyModule, layout, reserve, type OwnMemory } from '../util/wasm_module.js';
import { argmaxChw, type SimdOptions } from './label_map.js';

/** Per output index along one axis: the two source indices and the second one's weight (half-pixel centres, edges clamped). */
function taps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; a: Float64Array } {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), a = new Float64Array(outSize), scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const f = Math.max(0, (o + 0.5) * scale - 0.5), lo = Math.min(inSize - 1, Math.floor(f));
    i0[o] = lo; i1[o] = Math.min(inSize - 1, lo + 1); a[o] = f - lo;
  }
  return { i0, i1, a };
}

interface ResizeExports extends OwnMemory {
  resizePlane(src: number, w: number, dst: number, th: number, tw: number, cols: number, rows: number, bufs: number): void;
}

const resizeKernel = lazyModule<ResizeExports>(wasmBase64);

/** Taps as simd/chw_resize.wat reads them, 24 bytes each (i32 i0, i32 i1, f64 a, f64 1 - a), outputs from..to, indices less `shift`. */
function packTaps(t: { i0: Int32Array; i1: Int32Array; a: Float64Array }, from: number, to: number, shift: number, into: ArrayBuffer, at: number): void {
  const ints = new Int32Array(into, at, (to - from) * 6), floats = new Float64Array(into, at, (to - from) * 3);
  for (let o = from, j = 0; o < to; o++, j++) {
    ints[j * 6] = t.i0[o] - shift; ints[j * 6 + 1] = t.i1[o] - shift;
    floats[j * 3 + 1] = t.a[o]; floats[j * 3 + 2] = 1 - t.a[o];
  }
}

/** Output bytes per strip of rows (with the source rows they read: a cache's worth, whatever the image). */
const STRIP_BYTES = 1 << 20;

/**
 * resizeChw in WebAssembly (the same values), plane by plane and strip by strip of output rows,
 * each strip's source rows copied into the module; false where the module is unavailable.
 */
function resizeChwWasm(src: Float32Array, c: number, h: number, w: number, th: number, tw: number, from: number, to: number, out: Float32Array): boolean {
  const k = resizeKernel.get();
  if (!k) return false;
  // Source rows an output row adds to a strip: about h / th (two for the first).
  const rows = Math.max(1, Math.min(to - from, Math.floor(STRIP_BYTES / (tw * 4 + (Math.ceil(h / th) + 1) * w * 4))));
  const cols = taps(w, tw), rowTaps = taps(h, th);
  let span = 0;
  for (let y = from; y < to; y += rows) span = Math.max(span, rowTaps.i1[Math.min(to, y + rows) - 1] - rowTaps.i0[y] + 1);
  const { at: [srcAt, dstAt, colsAt, rowsAt, bufsAt], end } = layout([span * w * 4, rows * tw * 4, tw * 24, rows * 24, 2 * (tw + 2) * 8]);
  if (!reserve(k, end)) return false;
  packTaps(cols, 0, tw, 0, k.memory.buffer, colsAt);
  const heap = new Float32Array(k.memory.buffer);
  const outRows = to - from;
  for (let y = from; y < to; y += rows) {
    const n = Math.min(rows, to - y), first = rowTaps.i0[y], last = rowTaps.i1[y + n - 1];
    packTaps(rowTaps, y, y + n, first, k.memory.buffer, rowsAt);
    for (let p = 0; p < c; p++) {
      heap.set(src.subarray(p * h * w + first * w, p * h * w + (last + 1) * w), srcAt / 4);
      k.resizePlane(srcAt, w, dstAt, n, tw, colsAt, rowsAt, bufsAt);
      out.set(heap.subarray(dstAt / 4, dstAt / 4 + n * tw), (p * outRows + y - from) * tw);
    }
  }
  return true;
}

/**
 * Bilinear resize (half-pixel centres, as TF.js/sharp) of CHW float maps: in WebAssembly where the
 * engine has it (the same arithmetic, bit for bit), else in this loop (`opts.simd: false` takes it).
 */
export function resizeChw(src: Float32Array, c: number, h: number, w: number, th: number, tw: number, opts: SimdOptions = {}): Float32Array {
  return resizeChwRows(src, c, h, w, th, tw, 0, th, opts);
}

/**
 * Rows from..to (of th) of resizeChw's result, as C planes of (to - from) x tw: the same values,
 * for work done strip by strip without the whole result.
 */
export function resizeChwRows(src: Float32Array, c: number, h: number, w: number, th: number, tw: number, from: number, to: number, opts: SimdOptions = {}): Float32Array {
  const n = to - from, out = new Float32Array(c * n * tw);
  if (opts.simd !== false && resizeChwWasm(src, c, h, w, th, tw, from, to, out)) return out;
  // Source columns and weights per output column, computed once; then row by row, plane by plane,
  // in memory order (the arithmetic per output value is unchanged).
  const { i0: x0s, i1: x1s, a: axs } = taps(w, tw), rows = taps(h, th);
  for (let y = from; y < to; y++) {
    const y0 = rows.i0[y], y1 = rows.i1[y], ay = rows.a[y];
    for (let k = 0; k < c; k++) {
      const r0 = k * h * w + y0 * w, r1 = k * h * w + y1 * w, o = (k * n + y - from) * tw;
      for (let x = 0; x < tw; x++) {
        const x0 = x0s[x], x1 = x1s[x], ax = axs[x];
        const top = src[r0 + x0] * (1 - ax) + src[r0 + x1] * ax;
        const bot = src[r1 + x0] * (1 - ax) + src[r1 + x1] * ax;
        out[o + x] = top * (1 - ay) + bot * ay;
      }
    }
  }
  return out;
}

/** Full-size class scores per strip of work done on resized scores (the strip's bytes, whatever the image). */
const SCORE_STRIP_BYTES = 4 << 20;

/** Output rows 0..th as strips [from, to) whose C float planes of width tw hold SCORE_STRIP_BYTES at most (one row at least). */
export function scoreStrips(c: number, th: number, tw: number): [number, number][] {
  const rows = Math.max(1, Math.floor(SCORE_STRIP_BYTES / (c * tw * 4))), strips: [number, number][] = [];
  for (let y = 0; y < th; y += rows) strips.push([y, Math.min(th, y + rows)]);
  return strips;
}

/** Rows y..y+n of C planes of w x h in `dst`, from `part`: C planes of n rows of w. */
export function setRowsChw<T extends Float32Array | Uint8Array>(dst: T, part: T, c: number, y: number, n: number, w: number, h: number): void {
  for (let k = 0; k < c; k++) dst.set(part.subarray(k * n * w, (k + 1) * n * w), (k * h + y) * w);
}

/**
 * The argmax over classes of resizeChw's result, without keeping it: strip by strip of rows,
 * resizeChwRows (WebAssembly) then argmaxChw (SIMD), or without them row by row in this loop, each
 * class's resized value (the same arithmetic, rounded to float32 as resizeChw stores it) against
 * the best so far; either way the labels are argmaxChw(resizeChw(...))'s and memory stays a strip.
 * The first of equal values wins; a NaN never does.
 */
export function resizeArgmaxChw(src: Float32Array, c: number, h: number, w: number, th: number, tw: number, opts: SimdOptions & { settle?: boolean } = {}): Uint8Array {
  // Enlarged to 16 times the pixels or more (a quarter-size output to the image): most output
  // pixels are settled from their four source pixels (settledResizeArgmax).
  if (opts.settle !== false && c <= 256 && th >= h && tw >= w && th * tw >= 16 * h * w) return settledResizeArgmax(src, c, h, w, th, tw);
  if (opts.simd !== false && c <= 256) {
    const out = new Uint8Array(th * tw);
    for (const [from, to] of scoreStrips(c, th, tw)) out.set(argmaxChw(resizeChwRows(src, c, h, w, th, tw, from, to), c), from * tw);
    return out;
  }
  const out = new Uint8Array(th * tw), best = new Float32Array(tw), plane = h * w;
  const { i0: x0s, i1: x1s, a: axs } = taps(w, tw), rows = taps(h, th);
  for (let y = 0; y < th; y++) {
    const y0 = rows.i0[y], y1 = rows.i1[y], ay = rows.a[y], o = y * tw;
    for (let k = 0; k < c; k++) {
      const r0 = k * plane + y0 * w, r1 = k * plane + y1 * w;
      for (let x = 0; x < tw; x++) {
        const x0 = x0s[x], x1 = x1s[x], ax = axs[x];
        const top = src[r0 + x0] * (1 - ax) + src[r0 + x1] * ax;
        const bot = src[r1 + x0] * (1 - ax) + src[r1 + x1] * ax;
        const v = Math.fround(top * (1 - ay) + bot * ay);
        if (k === 0 || v > best[x]) { best[x] = v; out[o + x] = k; }
      }
    }
  }
  return out;
}

/** Runs of consecutive output indices that read the same two source indices: [start, end) bounds. */
function tapRuns(t: { i0: Int32Array; i1: Int32Array }): number[] {
  const r: number[] = [];
  for (let o = 0; o < t.i0.length; o++) if (o === 0 || t.i0[o] !== t.i0[o - 1] || t.i1[o] !== t.i1[o - 1]) r.push(o);
  r.push(t.i0.length);
  return r;
}

/**
 * Per source pixel, over the classes: the best score and its class, the second best (a tie: equal
 * to the best), the largest magnitude, and whether every score is finite.
 */
function topTwo(src: Float32Array, c: number, px: number): { idx: Uint8Array; best: Float32Array; second: Float32Array; mag: Float32Array; finite: Uint8Array } {
  const idx = new Uint8Array(px), best = src.slice(0, px), second = new Float32Array(px).fill(-Infinity), mag = new Float32Array(px), finite = new Uint8Array(px).fill(1);
  for (let k = 0; k < c; k++) {
    const o = k * px;
    for (let p = 0; p < px; p++) {
      const v = src[o + p];
      if (!(v > -Infinity && v < Infinity)) { finite[p] = 0; continue; } // NaN too
      const a = v < 0 ? -v : v;
      if (a > mag[p]) mag[p] = a;
      if (k === 0) continue;
      if (v > best[p]) { second[p] = best[p]; best[p] = v; idx[p] = k; } else if (v > second[p]) second[p] = v;
    }
  }
  return { idx, best, second, mag, finite };
}

/**
 * resizeArgmaxChw's labels where the scores are enlarged, mostly without resizing them. The output
 * pixels that read the same four source pixels (a cell) take weighted means of those four with
 * weights >= 0. Where one class is the best at all four, and its smallest score there beats the
 * largest second-best score there (so every other class's largest) by more than the rounding of
 * those means can move (EPS of the largest magnitude there: they are computed in double and
 * rounded to float32 as resizeChw stores them), it is the argmax at every pixel of the cell, which
 * is filled with it. In the other cells only the classes whose largest corner score comes within
 * that margin of the best smallest one can win, and those are computed pixel by pixel with
 * resizeChw's arithmetic, in class order, the first of equal values winning as argmaxChw's does; a
 * cell with a NaN or an infinity computes every class so (their arithmetic is their own). A band
 * of rows where that loop would compute more than a quarter of the values the kernels would
 * (scores that change from pixel to pixel) is computed by the kernels instead, as resizeArgmaxChw
 * does without settling.
 */
function settledResizeArgmax(src: Float32Array, c: number, h: number, w: number, th: number, tw: number): Uint8Array {
  const EPS = 2 ** -20, JS_PER_KERNEL = 4;
  const out = new Uint8Array(th * tw), plane = h * w;
  const cols = taps(w, tw), rows = taps(h, th), colRuns = tapRuns(cols), rowRuns = tapRuns(rows);
  const top = topTwo(src, c, plane);
  const lo = new Float64Array(c), hi = new Float64Array(c), cand = new Int32Array(c);
  const cells = colRuns.length - 1, settled = new Int16Array(cells), work = new Int32Array(cells), kept = new Int32Array(cells * c);
  // Rows whose labels the kernels give, taken a strip at a time (bands of a few rows each would
  // pay the kernels' setup many times).
  let pending = -1;
  const stripRows = scoreStrips(c, th, tw)[0][1];
  const flush = (to: number) => {
    for (let y = pending; y < to; y += stripRows) {
      const end = Math.min(to, y + stripRows);
      out.set(argmaxChw(resizeChwRows(src, c, h, w, th, tw, y, end), c), y * tw);
    }
    pending = -1;
  };
  /** The cell's candidates (classes that may win somewhere in it) into cand; how many. */
  const candidates = (y0: number, y1: number, x0: number, x1: number): number => {
    let bestLo = -Infinity, mag = 0;
    for (let k = 0; k < c; k++) {
      const b = k * plane, p = src[b + y0 * w + x0], q = src[b + y0 * w + x1], r = src[b + y1 * w + x0], t = src[b + y1 * w + x1];
      let mn = p < q ? p : q, mx = p < q ? q : p;
      if (r < mn) mn = r; if (r > mx) mx = r;
      if (t < mn) mn = t; if (t > mx) mx = t;
      lo[k] = mn; hi[k] = mx;
      if (mn > bestLo) bestLo = mn;
      if (-mn > mag) mag = -mn;
      if (mx > mag) mag = mx;
    }
    const floor = bestLo - EPS * mag;
    let n = 0;
    for (let k = 0; k < c; k++) if (hi[k] >= floor) cand[n++] = k;
    return n;
  };
  for (let ry = 0; ry + 1 < rowRuns.length; ry++) {
    const ya = rowRuns[ry], yb = rowRuns[ry + 1], y0 = rows.i0[ya], y1 = rows.i1[ya];
    // Class values the pixel-by-pixel loop would compute in a row of the band, against the
    // kernels' c a pixel (several times faster each).
    let total = 0;
    const budget = (tw * c) / JS_PER_KERNEL;
    for (let rx = 0; rx < cells && total <= budget; rx++) {
      const x0 = cols.i0[colRuns[rx]], x1 = cols.i1[colRuns[rx]], width = colRuns[rx + 1] - colRuns[rx];
      const a = y0 * w + x0, b = y0 * w + x1, d = y1 * w + x0, e = y1 * w + x1;
      settled[rx] = -1;
      if (!(top.finite[a] & top.finite[b] & top.finite[d] & top.finite[e])) { settled[rx] = -2; work[rx] = c; total += c * width; continue; }
      const k = top.idx[a];
      if (top.idx[b] === k && top.idx[d] === k && top.idx[e] === k) {
        const least = Math.min(top.best[a], top.best[b], top.best[d], top.best[e]);
        const rival = Math.max(top.second[a], top.second[b], top.second[d], top.second[e]);
        const mag = Math.max(top.mag[a], top.mag[b], top.mag[d], top.mag[e]);
        if (least - rival > EPS * mag) { settled[rx] = k; continue; }
      }
      work[rx] = candidates(y0, y1, x0, x1);
      kept.set(cand.subarray(0, work[rx]), rx * c);
      total += work[rx] * width;
    }
    if (total > budget) {
      if (pending < 0) pending = ya;
      continue;
    }
    if (pending >= 0) flush(ya);
    for (let rx = 0; rx < cells; rx++) {
      const xa = colRuns[rx], xb = colRuns[rx + 1];
      if (settled[rx] >= 0) {
        for (let y = ya; y < yb; y++) out.fill(settled[rx], y * tw + xa, y * tw + xb);
        continue;
      }
      const x0 = cols.i0[xa], x1 = cols.i1[xa], n = work[rx];
      if (settled[rx] === -2) for (let k = 0; k < c; k++) cand[k] = k;
      else cand.set(kept.subarray(rx * c, rx * c + n));
      for (let y = ya; y < yb; y++) {
        const ay = rows.a[y];
        for (let x = xa; x < xb; x++) {
          const ax = cols.a[x];
          let arg = cand[0], best = -Infinity;
          for (let i = 0; i < n; i++) {
            const b = cand[i] * plane, r0 = b + y0 * w, r1 = b + y1 * w;
            const tv = src[r0 + x0] * (1 - ax) + src[r0 + x1] * ax;
            const bv = src[r1 + x0] * (1 - ax) + src[r1 + x1] * ax;
            const v = Math.fround(tv * (1 - ay) + bv * ay);
            if (i === 0 || v > best) { best = v; arg = cand[i]; }
          }
          out[y * tw + x] = arg;
        }
      }
    }
  }
  if (pending >= 0) flush(th);
  return out;
}
