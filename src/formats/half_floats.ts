// 16-bit floats as stored in weight files (safetensors, PyTorch, TensorFlow Lite), widened to numbers.

/** IEEE 754 half precision (float16) bits -> value. */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const widen = new DataView(new ArrayBuffer(4));
/** bfloat16 bits -> value (the high half of a float32). */
export function bf16ToF32(h: number): number {
  widen.setUint32(0, h << 16, true);
  return widen.getFloat32(0, true);
}
