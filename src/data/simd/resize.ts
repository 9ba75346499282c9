// Runs Pillow's BILINEAR passes (resize.wat) in WebAssembly SIMD: about six times faster than the
// JS loops of pillow_resize.ts, which stay as the fallback where the engine lacks SIMD (and for
// rows under 16 bytes or very large images). Each call copies the image into the module's memory
// as [coefficients | source | intermediate | result] and the result out.
import { wasmBase64 } from './resize_wasm.js';
import { lazyModule, layout, reserve, type OwnMemory } from '../../util/wasm_module.js';

interface Exports extends OwnMemory {
  hpass(src: number, w: number, rows: number, dst: number, ow: number, bounds: number, weights: number, taps: number): void;
  vpass(src: number, len: number, dst: number, oh: number, bounds: number, weights: number, taps: number): void;
}

const kernels = lazyModule<Exports>(wasmBase64);

/** One axis's coefficients (pillow_resize.ts): per output index [first, count], taps weights each. */
export interface AxisCoeffs { bounds: Int32Array; weights: Int32Array; taps: number }

/**
 * The resize of an RGB image (h rows of w pixels) to oh x ow: horizontal pass (if hx) into an 8-bit
 * intermediate, then vertical (if vy), as Pillow. Null when SIMD is unavailable, a row of the
 * vertical pass is under 16 bytes or the images need more than the module may take.
 */
export function simdResize(src: Uint8Array, w: number, h: number, ow: number, oh: number, hx: AxisCoeffs | null, vy: AxisCoeffs | null): Uint8Array | null {
  if (vy && ow * 3 < 16) return null;
  const k = kernels.get();
  const none = new Int32Array(0);
  const arrays = [hx?.bounds ?? none, hx?.weights ?? none, vy?.bounds ?? none, vy?.weights ?? none];
  const { at: [hb, hw, vb, vw, srcAt, midAt, dstAt], end } = layout([...arrays.map((a) => a.byteLength), src.length, hx ? ow * h * 3 : 0, ow * oh * 3]);
  if (!k || !reserve(k, end)) return null;
  const heap = new Uint8Array(k.memory.buffer);
  [hb, hw, vb, vw].forEach((p, i) => heap.set(new Uint8Array(arrays[i].buffer, arrays[i].byteOffset, arrays[i].byteLength), p));
  heap.set(src, srcAt);
  let from = srcAt;
  if (hx) { k.hpass(srcAt, w, h, midAt, ow, hb, hw, hx.taps); from = midAt; }
  if (vy) { k.vpass(from, ow * 3, dstAt, oh, vb, vw, vy.taps); from = dstAt; }
  return heap.slice(from, from + ow * oh * 3);
}
