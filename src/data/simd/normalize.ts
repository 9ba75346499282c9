// Runs the RGB normalisation (normalize.wat) in WebAssembly SIMD, strip by strip: each strip's
// bytes are copied into the module's memory and its three planes out, a strip small enough to stay
// in cache. The lookup loop of normalize.ts stays as the fallback where the engine lacks SIMD, and
// writes a strip's last pixels when they are not a whole 16.
import { wasmBase64 } from './normalize_wasm.js';
import { lazyModule, layout, reserve, type OwnMemory } from '../../util/wasm_module.js';

interface Exports extends OwnMemory {
  normalize(src: number, n: number, d0: number, d1: number, d2: number, m0: number, s0: number, m1: number, s1: number, m2: number, s2: number): void;
}

const kernels = lazyModule<Exports>(wasmBase64);

/** Pixels per strip (their bytes and floats: a cache's worth). */
const STRIP_PIXELS = 1 << 15;

/** Where and how one source channel (0, 1, 2 of the RGB bytes) goes: its plane's offset in the output, its mean and std, and its lookup table (the same values). */
export interface ChannelTarget { plane: number; mean: number; std: number; lut: Float32Array }

/**
 * Writes an RGB image (h rows of w pixels) normalised into `x`: source channel j into the plane at
 * targets[j].plane, rows pw floats apart. False, with nothing written, where SIMD is unavailable or
 * a strip needs more memory than the module may take.
 */
export function simdNormalizeRgb(rgb: Uint8Array, w: number, h: number, pw: number, x: Float32Array, targets: ChannelTarget[]): boolean {
  const k = kernels.get();
  if (!k) return false;
  const rows = Math.max(1, Math.floor(STRIP_PIXELS / w)), most = rows * w;
  const { at: [srcAt, ...planesAt], end } = layout([most * 3, most * 4, most * 4, most * 4]);
  if (!reserve(k, end)) return false;
  const bytes = new Uint8Array(k.memory.buffer), floats = new Float32Array(k.memory.buffer);
  for (let y0 = 0; y0 < h; y0 += rows) {
    const r = Math.min(rows, h - y0), n = r * w, whole = n & ~15, first = y0 * w;
    bytes.set(rgb.subarray(first * 3, (first + n) * 3), srcAt);
    const [t0, t1, t2] = targets;
    k.normalize(srcAt, whole, planesAt[0], planesAt[1], planesAt[2], t0.mean, t0.std, t1.mean, t1.std, t2.mean, t2.std);
    targets.forEach((t, j) => {
      const at = planesAt[j] / 4;
      for (let p = whole; p < n; p++) floats[at + p] = t.lut[rgb[(first + p) * 3 + j]];
      if (w === pw) x.set(floats.subarray(at, at + n), t.plane + y0 * pw);
      else for (let y = 0; y < r; y++) x.set(floats.subarray(at + y * w, at + (y + 1) * w), t.plane + (y0 + y) * pw);
    });
  }
  return true;
}
