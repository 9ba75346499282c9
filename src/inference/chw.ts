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
export function resizeArgmaxChw(src: Float32Array, c: number, h: number, w: number, th: number, tw: number, opts: SimdOptions = {}): Uint8Array {
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
