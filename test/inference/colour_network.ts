// A network written in plain JS whose answer is known, for the tests of the processor, the segmenter
// factory and its wrappers: class k scores the pixel's normalised channel k.
import type { Network } from '../../src/inference/network.ts';
import type { RgbImage } from '../../src/data/image_io.ts';

/**
 * Scores [n, 3, h, w] = the input's channels (logits), their softmax (probabilities), or the argmax
 * (labels, [n, 1, h, w]). `pool` k > 1: logits [n, 3, h / k, w / k], each the mean of a k x k block
 * of the input's channel (a network whose output is smaller than its input).
 */
export class ColourNetwork implements Network {
  readonly runtime = 'tfjs' as const;
  readonly shapes: string[] = [];
  constructor(private readonly kind: 'logits' | 'probabilities' | 'labels' = 'logits', private readonly pool = 1) {}
  async run(x: Float32Array, dims: [number, number, number, number]): Promise<Float32Array> {
    const [n, , h, w] = dims, px = h * w;
    this.shapes.push(dims.join('x'));
    if (this.pool > 1) return pooled(x, n * 3, h, w, this.pool);
    if (this.kind === 'logits') return x.slice();
    const out = new Float32Array(this.kind === 'labels' ? n * px : x.length);
    for (let i = 0; i < n; i++) for (let p = 0; p < px; p++) {
      const v = [0, 1, 2].map((k) => x[(i * 3 + k) * px + p]);
      if (this.kind === 'labels') { out[i * px + p] = v.indexOf(Math.max(...v)); continue; }
      const e = v.map((a) => Math.exp(a)), z = e[0] + e[1] + e[2];
      for (let k = 0; k < 3; k++) out[(i * 3 + k) * px + p] = e[k] / z;
    }
    return out;
  }
  async dispose() {}
}

export function image(w: number, h: number, seed: number): RgbImage {
  let s = seed;
  const data = Uint8Array.from({ length: w * h * 3 }, () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s & 255; });
  return { data, width: w, height: h };
}
/** The argmax of each pixel's colour (first of equals), by hand. */
export const colourArgmax = (im: RgbImage) => Uint8Array.from({ length: im.width * im.height }, (_, p) => {
  const [r, g, b] = im.data.subarray(p * 3, p * 3 + 3);
  return r >= g && r >= b ? 0 : g >= b ? 1 : 2;
});


/** The mean of each k x k block of `planes` planes of h x w (h, w multiples of k). */
export function pooled(x: Float32Array, planes: number, h: number, w: number, k: number): Float32Array {
  const oh = h / k, ow = w / k, out = new Float32Array(planes * oh * ow);
  for (let c = 0; c < planes; c++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) {
    let sum = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sum += x[(c * h + y * k + i) * w + xx * k + j];
    out[(c * oh + y) * ow + xx] = sum / (k * k);
  }
  return out;
}
