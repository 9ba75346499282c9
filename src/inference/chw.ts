// Class-score maps (CHW float planes) resized, with no Node dependencies (shared with the browser module).

/** Bilinear resize (half-pixel centres, as TF.js/sharp) of CHW float maps. */
export function resizeChw(src: Float32Array, c: number, h: number, w: number, th: number, tw: number): Float32Array {
  const out = new Float32Array(c * th * tw);
  const sy = h / th, sx = w / tw;
  // Source columns and weights per output column, computed once; then plane by plane, row by row,
  // in memory order (the arithmetic per output value is unchanged).
  const x0s = new Int32Array(tw), x1s = new Int32Array(tw), axs = new Float64Array(tw);
  for (let x = 0; x < tw; x++) {
    const fx = Math.max(0, (x + 0.5) * sx - 0.5), x0 = Math.min(w - 1, Math.floor(fx));
    x0s[x] = x0; x1s[x] = Math.min(w - 1, x0 + 1); axs[x] = fx - x0;
  }
  for (let y = 0; y < th; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5), y0 = Math.min(h - 1, Math.floor(fy)), y1 = Math.min(h - 1, y0 + 1), ay = fy - y0;
    for (let k = 0; k < c; k++) {
      const r0 = k * h * w + y0 * w, r1 = k * h * w + y1 * w, o = k * th * tw + y * tw;
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

/**
 * The argmax over classes of resizeChw's result, without keeping it: row by row, each class's
 * resized value (the same arithmetic, rounded to float32 as resizeChw stores it) against the best
 * so far, so the labels are argmaxChw(resizeChw(...))'s and memory stays one row. The first of
 * equal values wins; a NaN never does.
 */
export function resizeArgmaxChw(src: Float32Array, c: number, h: number, w: number, th: number, tw: number): Uint8Array {
  const out = new Uint8Array(th * tw), best = new Float32Array(tw);
  const sy = h / th, sx = w / tw, plane = h * w;
  const x0s = new Int32Array(tw), x1s = new Int32Array(tw), axs = new Float64Array(tw);
  for (let x = 0; x < tw; x++) {
    const fx = Math.max(0, (x + 0.5) * sx - 0.5), x0 = Math.min(w - 1, Math.floor(fx));
    x0s[x] = x0; x1s[x] = Math.min(w - 1, x0 + 1); axs[x] = fx - x0;
  }
  for (let y = 0; y < th; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5), y0 = Math.min(h - 1, Math.floor(fy)), y1 = Math.min(h - 1, y0 + 1), ay = fy - y0;
    const o = y * tw;
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
