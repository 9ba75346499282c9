// Runs the 8-bit softmax over classes (softmax.wat) in WebAssembly SIMD, strip by strip: each
// strip's pixels of every class plane are copied into the module's memory, small enough to stay in
// cache while the kernel reads them three times (maximum, exponentials, quotients). label_map.ts's
// JS loop stays as the fallback where the engine lacks SIMD.
import { wasmBase64 } from './softmax_wasm.js';
import { lazyModule, layout, reserve, type OwnMemory } from '../../util/wasm_module.js';

interface Exports extends OwnMemory {
  softmax8(src: number, stride: number, n: number, C: number, dst: number, dstStride: number): void;
}

const kernels = lazyModule<Exports>(wasmBase64);

/** Class planes copied per strip, in bytes (a cache's worth; 4 pixels is the least a strip holds). */
const STRIP_BYTES = 1 << 19;

/**
 * round(255 x softmax) per class and pixel of CHW class scores `map` (C planes), as
 * probabilities8 gives them (a value may differ by one where it lies within about 1e-4 of a
 * half); null where SIMD is unavailable or 4 pixels of every plane need more memory than the
 * module may take.
 */
export function simdProbabilities8(map: Float32Array, C: number): Uint8Array | null {
  const k = C >= 1 ? kernels.get() : null;
  if (!k) return null;
  const px = map.length / C;
  const pixels = Math.max(4, Math.min((px + 3) & ~3, Math.floor(STRIP_BYTES / (C * 16)) * 4));
  const { at: [planesAt, outAt], end } = layout([C * pixels * 4, C * pixels]);
  if (!reserve(k, end)) return null;
  const heap = new Float32Array(k.memory.buffer), bytes = new Uint8Array(k.memory.buffer);
  const out = new Uint8Array(map.length);
  for (let p0 = 0; p0 < px; p0 += pixels) {
    const n = Math.min(pixels, px - p0);
    for (let c = 0; c < C; c++) heap.set(map.subarray(c * px + p0, c * px + p0 + n), planesAt / 4 + c * pixels);
    k.softmax8(planesAt, pixels * 4, (n + 3) & ~3, C, outAt, pixels);
    for (let c = 0; c < C; c++) out.set(bytes.subarray(outAt + c * pixels, outAt + c * pixels + n), c * px + p0);
  }
  return out;
}
