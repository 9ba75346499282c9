// Class-score maps (CHW float planes) resized, with no Node dependencies (shared with the browser module).

/** Bilinear resize (half-pixel centres, as TF.js/sharp) of CHW float maps. */
export function resizeChw(src: Float32Array, c: number, h: number, w: number, th: number, tw: number): Float32Array {
  const out = new Float32Array(c * th * tw);
  const sy = h / th, sx = w / tw;
  for (let y = 0; y < th; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5), y0 = Math.min(h - 1, Math.floor(fy)), y1 = Math.min(h - 1, y0 + 1), ay = fy - y0;
    for (let x = 0; x < tw; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5), x0 = Math.min(w - 1, Math.floor(fx)), x1 = Math.min(w - 1, x0 + 1), ax = fx - x0;
      for (let k = 0; k < c; k++) {
        const b = k * h * w;
        const top = src[b + y0 * w + x0] * (1 - ax) + src[b + y0 * w + x1] * ax;
        const bot = src[b + y1 * w + x0] * (1 - ax) + src[b + y1 * w + x1] * ax;
        out[k * th * tw + y * tw + x] = top * (1 - ay) + bot * ay;
      }
    }
  }
  return out;
}
