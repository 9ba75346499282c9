// Runs the argmax over classes (argmax.wat) in WebAssembly SIMD, strip by strip: each strip's rows
// of every class plane are copied into the module's memory, small enough to stay in cache while the
// kernel reads them back. The JS loops of label_map.ts stay as the fallback where the engine lacks
// SIMD and for more than 256 classes (ids are bytes).
import { wasmBase64 } from './argmax_wasm.js';
import { lazyModule, layout, reserve, type OwnMemory } from '../../util/wasm_module.js';

interface Exports extends OwnMemory {
  argmax(src: number, stride: number, n: number, C: number, dst: number): void;
}

const kernels = lazyModule<Exports>(wasmBase64);

/** Class planes copied per strip, in bytes (a cache's worth; one row is the least a strip holds). */
const STRIP_BYTES = 1 << 20;

/**
 * The label map of image `i` of padded scores [n, C, ph, pw], cropped to its top-left w x h; null
 * where SIMD is unavailable, C is over 256, or one row of every plane needs more memory than the
 * module may take.
 */
export function simdArgmax(scores: Float32Array, i: number, C: number, ph: number, pw: number, w: number, h: number): Uint8Array | null {
  if (C < 1 || C > 256) return null;
  const k = kernels.get();
  if (!k) return null;
  // Uncropped rows are one run of pixels, cut anywhere; cropped ones are cut between rows.
  const [rowLen, rowCount, keep] = w === pw ? [1, w * h, 1] : [pw, h, w];
  const rows = Math.max(1, Math.min(rowCount, Math.floor(STRIP_BYTES / (C * rowLen * 4))));
  const stride = (rows * rowLen + 15) & ~15; // floats per plane in the module, a multiple of 16 pixels
  const { at: [planesAt, outAt], end } = layout([C * stride * 4, stride]);
  if (!reserve(k, end)) return null;
  const heap = new Float32Array(k.memory.buffer), bytes = new Uint8Array(k.memory.buffer);
  const out = new Uint8Array(w * h), plane = ph * pw;
  for (let y0 = 0; y0 < rowCount; y0 += rows) {
    const r = Math.min(rows, rowCount - y0), n = (r * rowLen + 15) & ~15;
    for (let c = 0; c < C; c++) {
      const from = (i * C + c) * plane + y0 * rowLen;
      heap.set(scores.subarray(from, from + r * rowLen), planesAt / 4 + c * stride);
    }
    k.argmax(planesAt, stride * 4, n, C, outAt);
    if (keep === rowLen) out.set(bytes.subarray(outAt, outAt + r * rowLen), y0 * rowLen);
    else for (let y = 0; y < r; y++) out.set(bytes.subarray(outAt + y * rowLen, outAt + y * rowLen + keep), (y0 + y) * keep);
  }
  return out;
}
