// OpenCV's cv2.resize of 8-bit images, reproduced exactly: INTER_LINEAR for images and
// INTER_NEAREST for label maps, as image-segmentation-keras resizes every image it trains on and
// predicts, and its label maps back to the photo. OpenCV's INTER_LINEAR samples the two nearest
// source pixels whatever the downscale (no antialiasing: Pillow's bilinear averages them all), in
// 11-bit fixed point; its INTER_NEAREST takes floor(x * in / out), not the pixel centre Pillow
// takes. Reproduced from OpenCV 4's C++ (resize.cpp): the horizontal pass in exact integer sums,
// the vertical one in 16-bit products that drop low bits; an exact halving of both sides averages
// 2x2 blocks instead.
import type { RgbImage } from './image_io.js';

const COEF_BITS = 11, ONE = 1 << COEF_BITS;

/** C's (short)cvRound(v): round half to even, as the FPU rounds. */
function roundEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Per output index along one axis: the first source index and the two 11-bit weights (OpenCV
 * computes the offset in double, keeps it as a float, and rounds each weight on its own).
 * `clampStart`: the horizontal axis moves an offset before the first pixel onto it.
 */
function axis(inSize: number, outSize: number, clampStart: boolean): { src: Int32Array; w0: Int16Array; w1: Int16Array } {
  const scale = 1 / (outSize / inSize), f = Math.fround;
  const src = new Int32Array(outSize), w0 = new Int16Array(outSize), w1 = new Int16Array(outSize);
  for (let d = 0; d < outSize; d++) {
    let fx = f((d + 0.5) * scale - 0.5);
    let sx = Math.floor(fx);
    fx = f(fx - sx);
    if (clampStart && sx < 0) { fx = 0; sx = 0; }
    if (clampStart && sx >= inSize - 1) { fx = 0; sx = inSize - 1; }
    src[d] = sx;
    w0[d] = roundEven(f(1 - fx) * ONE);
    w1[d] = roundEven(fx * ONE);
  }
  return { src, w0, w1 };
}

/** cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR) of an 8-bit RGB image. */
export function opencvLinear(img: RgbImage, width: number, height: number): RgbImage {
  const { width: w, height: h, data } = img;
  if (w === width && h === height) return img;
  if (w === 2 * width && h === 2 * height) return halve(img);
  const cn = 3, len = width * cn;
  const xs = axis(w, width, true), ys = axis(h, height, false);
  // Horizontal pass into int rows (exact integer sums), one per source row as needed.
  const rowCache = new Map<number, Int32Array>();
  const hrow = (sy: number): Int32Array => {
    let r = rowCache.get(sy);
    if (r) return r;
    r = new Int32Array(len);
    const base = sy * w * cn;
    for (let dx = 0; dx < width; dx++) {
      const sx = xs.src[dx], a0 = xs.w0[dx], a1 = xs.w1[dx];
      const p = base + sx * cn, q = sx + 1 < w ? p + cn : p;
      // Past the last pixel OpenCV takes it alone at full weight (its weights are then 2048, 0).
      for (let k = 0; k < cn; k++) r[dx * cn + k] = sx + 1 < w ? data[p + k] * a0 + data[q + k] * a1 : data[p + k] * ONE;
    }
    if (rowCache.size > 4) rowCache.delete(rowCache.keys().next().value!);
    rowCache.set(sy, r);
    return r;
  };
  const out = new Uint8Array(len * height);
  const clipRow = (y: number) => (y < 0 ? 0 : y >= h ? h - 1 : y);
  for (let dy = 0; dy < height; dy++) {
    const sy = ys.src[dy], S0 = hrow(clipRow(sy)), S1 = hrow(clipRow(sy + 1));
    const b0 = ys.w0[dy], b1 = ys.w1[dy], o = dy * len;
    // OpenCV's 8-bit vertical pass (vector lanes and scalar tail alike): each sum >> 4, times
    // the weight, the high 16 bits kept; the two added and rounded off 2 more bits.
    for (let x = 0; x < len; x++) out[o + x] = ((((S0[x] >> 4) * b0) >> 16) + (((S1[x] >> 4) * b1) >> 16) + 2) >> 2;
  }
  return { data: out, width, height };
}

/** OpenCV's exact halving of both sides (INTER_LINEAR becomes INTER_AREA): each 2x2 block's rounded mean. */
function halve(img: RgbImage): RgbImage {
  const { width: w, data } = img, width = w / 2, height = img.height / 2, cn = 3;
  const out = new Uint8Array(width * height * cn);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let k = 0; k < cn; k++) {
    const p = ((2 * y) * w + 2 * x) * cn + k, q = p + w * cn;
    out[(y * width + x) * cn + k] = (data[p] + data[p + cn] + data[q] + data[q + cn] + 2) >> 2;
  }
  return { data: out, width, height };
}

/** cv2.resize(map, (width, height), interpolation=cv2.INTER_NEAREST) of a single-channel map (label maps). */
export function opencvNearest(src: Uint8Array, w: number, h: number, width: number, height: number): Uint8Array {
  if (w === width && h === height) return src;
  // OpenCV: the inverse of (out / in), in double, times the output index, floored.
  const ifx = 1 / (width / w), ify = 1 / (height / h);
  const xs = Int32Array.from({ length: width }, (_, x) => Math.min(Math.floor(x * ifx), w - 1));
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = Math.min(Math.floor(y * ify), h - 1) * w;
    for (let x = 0; x < width; x++) out[y * width + x] = src[row + xs[x]];
  }
  return out;
}
