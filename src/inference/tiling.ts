// Images beyond what one forward pass should hold: sliding-window inference over overlapping tiles,
// their class scores blended with weights that ramp across the overlap (no seams), processed
// one row of tiles at a time so that memory grows with the tile size and the image's width, not
// its area. Multi-scale test-time augmentation (each tile at several scales, scores averaged)
// composes with it: tiling wraps whatever segmenter it is given.
import { channelsOf, isRgb8, resizeSamples, samplesLike, withSamples, type PixelImage } from '../data/pixels.js';
import { labelsFromScores, probabilities8 } from './label_map.js';
import { resizeChw, setRowsChw } from './chw.js';
import type { CallOptions, Probable, Scored, Segmenter } from './segmenter.js';
import { probabilitiesOf } from './probabilities.js';
import { pillowBilinear } from '../data/pillow_resize.js';
import { argumentError } from '../util/errors.js';

export interface TileOptions {
  /** Tile side in pixels; 0 = never tile. */
  tile: number;
  /** Share of a tile that overlaps its neighbour (0..0.9). */
  overlap: number;
  /** Images with more pixels than this are tiled even without `tile` (then at `autoTile`). */
  pixelBudget: number;
  autoTile: number;
  log?: (line: string) => void;
}

export const DEFAULT_TILING: TileOptions = { tile: 0, overlap: 0.25, pixelBudget: 4_000_000, autoTile: 1024 };

/** Tile origins along one axis: evenly stepped, the last flush with the far edge. */
export function tileStarts(size: number, tile: number, overlap: number): number[] {
  if (size <= tile) return [0];
  const step = Math.max(1, Math.floor(tile * (1 - overlap)));
  const starts: number[] = [];
  for (let s = 0; s + tile < size; s += step) starts.push(s);
  starts.push(size - tile);
  return starts;
}

/**
 * Blend weight along one axis of a tile. Across an overlap of L pixels with a neighbour the weight
 * is 0 for the quarter of the overlap nearest the tile's inner edge (where the network saw the
 * cut-off), then ramps linearly so that the two tiles' weights add up to 1; it is 1 elsewhere and at
 * the image's edges. A network whose receptive field reaches no further than L/4 thus gives exactly
 * the whole image's scores.
 */
function axisWeights(len: number, start: number, end: number): Float32Array {
  const ramp = (d: number, L: number) => { const m = Math.floor(L / 4); return Math.min(1, Math.max(0, (d - m + 0.5) / (L - 2 * m))); };
  const w = new Float32Array(len);
  for (let i = 0; i < len; i++) w[i] = Math.min(start > 0 ? ramp(i, start) : 1, end > 0 ? ramp(len - 1 - i, end) : 1);
  return w;
}

/** Overlap of tile i with its predecessor and successor along an axis. */
const overlaps = (starts: number[], i: number, len: number): [number, number] =>
  [i > 0 ? starts[i - 1] + len - starts[i] : 0, i < starts.length - 1 ? starts[i] + len - starts[i + 1] : 0];

function cropRgb(img: PixelImage, x0: number, y0: number, w: number, h: number): PixelImage {
  const c = channelsOf(img), out = samplesLike(img.data, w * h * c);
  for (let y = 0; y < h; y++) out.set(img.data.subarray(((y0 + y) * img.width + x0) * c, ((y0 + y) * img.width + x0 + w) * c), y * w * c);
  return withSamples(img, out, w, h);
}

/**
 * Labels of one image, tile row by tile row, and when asked the blended scores or their
 * probabilities8 (taken from each finished band of rows: one byte a class and pixel, the same
 * values as probabilities8 of the whole blended scores).
 */
export async function tiledScores(inner: Segmenter, img: PixelImage, tile: number, overlap: number, want: 'labels' | 'scores' | 'probabilities', signal?: AbortSignal): Promise<{ labels: Uint8Array; scores?: Float32Array; prob8?: Uint8Array }> {
  const { width: W, height: H } = img, C = inner.card.model.numClasses;
  const th = Math.min(tile, H), tw = Math.min(tile, W);
  const xs = tileStarts(W, tw, overlap), ys = tileStarts(H, th, overlap);
  const labels = new Uint8Array(W * H);
  const scores = want === 'scores' ? new Float32Array(C * W * H) : undefined;
  const prob8 = want === 'probabilities' ? new Uint8Array(C * W * H) : undefined;
  const acc = new Float32Array(C * th * W), wsum = new Float32Array(th * W);
  const wx = xs.map((_, i) => axisWeights(tw, ...overlaps(xs, i, tw)));
  for (let r = 0; r < ys.length; r++) {
    const y0 = ys[r];
    const wy = axisWeights(th, ...overlaps(ys, r, th));
    for (let i = 0; i < xs.length; i++) {
      const x0 = xs[i];
      signal?.throwIfAborted();
      const [{ scores: s }] = await inner.scoresBatch([cropRgb(img, x0, y0, tw, th)]);
      const w = wx[i];
      for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
        const k0 = y * W + x0 + x, wt = wy[y] * w[x];
        wsum[k0] += wt;
        for (let k = 0; k < C; k++) acc[k * th * W + k0] += wt * s[(k * th + y) * tw + x];
      }
    }
    // Rows above the next tile row's start are final.
    const done = r + 1 < ys.length ? ys[r + 1] - y0 : th;
    const part = new Float32Array(C * done * W);
    for (let k = 0; k < C; k++) for (let p = 0; p < done * W; p++) part[k * done * W + p] = acc[k * th * W + p] / (wsum[p] || 1);
    labels.set(labelsFromScores(part, C, inner.threshold), y0 * W);
    if (scores) setRowsChw(scores, part, C, y0, done, W, H);
    if (prob8) setRowsChw(prob8, probabilities8(part, C), C, y0, done, W, H);
    // Slide the band down by `done` rows.
    for (let k = 0; k < C; k++) {
      const plane = acc.subarray(k * th * W, (k + 1) * th * W);
      plane.copyWithin(0, done * W);
      plane.fill(0, (th - done) * W);
    }
    wsum.copyWithin(0, done * W);
    wsum.fill(0, (th - done) * W);
  }
  return { labels, scores, prob8 };
}

/** Network passes beyond which a tiling is said up front (minutes of work on a CPU). */
const MANY_PASSES = 2000;

/** Tiles images that exceed the tile size (given) or the pixel budget (automatic, said once). */
export function withTiling(inner: Segmenter, o: TileOptions): Segmenter {
  if (!(o.overlap >= 0 && o.overlap <= 0.9)) throw argumentError('overlap', o.overlap, 'must be between 0 and 0.9');
  if (o.tile !== 0 && o.tile < 32) throw argumentError('tile', o.tile, 'use at least 32 pixels');
  let told = false, toldPasses = false;
  /** A tiling of very many network passes (a small tile, a large overlap) is said before it starts, once. */
  const sayPasses = (im: PixelImage, t: number) => {
    const passes = tileStarts(im.width, t, o.overlap).length * tileStarts(im.height, t, o.overlap).length;
    if (passes > MANY_PASSES && !toldPasses) o.log?.(`note: ${im.width}x${im.height} in ${t}-pixel tiles with ${Math.round(o.overlap * 100)}% overlap is ${passes.toLocaleString('en-US')} network passes; a larger options.tiling.tile or a smaller options.tiling.overlap is faster`);
    toldPasses ||= passes > MANY_PASSES;
    return t;
  };
  const tileOf = (im: PixelImage): number => {
    if (o.tile > 0) return im.width > o.tile || im.height > o.tile ? sayPasses(im, o.tile) : 0;
    if (o.tile === 0 && o.pixelBudget > 0 && im.width * im.height > o.pixelBudget) {
      if (!told) o.log?.(`note: ${im.width}x${im.height} exceeds ${+(o.pixelBudget / 1e6).toFixed(1)} megapixels; segmenting in ${o.autoTile}-pixel tiles with ${Math.round(o.overlap * 100)}% overlap (options.tiling.tile N to choose, options.tiling.pixelBudget 0 to never tile)`);
      told = true;
      return o.autoTile;
    }
    return 0;
  };
  const each = async <T>(imgs: PixelImage[], whole: (x: PixelImage[]) => Promise<T[]>, tiled: (im: PixelImage, t: number) => Promise<T>): Promise<T[]> => {
    if (imgs.every((im) => !tileOf(im))) return whole(imgs);
    const out: T[] = [];
    for (const im of imgs) { const t = tileOf(im); out.push(t ? await tiled(im, t) : (await whole([im]))[0]); }
    return out;
  };
  return {
    runtime: inner.runtime, card: inner.card, threshold: inner.threshold,
    predictBatch: (imgs, c) => each(imgs, (x) => inner.predictBatch(x, c), async (im, t) => (await tiledScores(inner, im, t, o.overlap, 'labels', c?.signal)).labels),
    scoresBatch: (imgs, c) => each(imgs, (x) => inner.scoresBatch(x, c), async (im, t) => {
      const r = await tiledScores(inner, im, t, o.overlap, 'scores', c?.signal);
      return { labels: r.labels, scores: r.scores! } as Scored;
    }),
    probabilitiesBatch: (imgs, c) => each(imgs, (x) => probabilitiesOf(inner, x, c), async (im, t) => {
      const r = await tiledScores(inner, im, t, o.overlap, 'probabilities', c?.signal);
      return { labels: r.labels, prob8: r.prob8! } as Probable;
    }),
    dispose: () => inner.dispose(),
  };
}

/** Multi-scale test-time augmentation: scores at each scale, resized back and averaged. */
export function withScales(inner: Segmenter, scales: number[]): Segmenter {
  if (scales.length === 0 || (scales.length === 1 && scales[0] === 1)) return inner;
  for (const s of scales) if (!(s >= 0.25 && s <= 4)) throw argumentError('scales', s, 'use scales between 0.25 and 4');
  const C = inner.card.model.numClasses;
  // A network whose scores come at 1 / k of its input: each scaled image's sides multiples of k,
  // the scores averaged on the image's grid at 1 / k.
  const k = inner.card.output.scale ?? 1;
  const scoresOf = async (im: PixelImage, signal?: AbortSignal): Promise<Scored> => {
    const sum = new Float32Array(C * (im.width / k) * (im.height / k));
    for (const s of scales) {
      signal?.throwIfAborted();
      const w = Math.max(k, Math.round(im.width * s / k) * k), h = Math.max(k, Math.round(im.height * s / k) * k);
      const [r] = await inner.scoresBatch([s === 1 ? im : isRgb8(im) ? pillowBilinear(im, w, h) : resizeSamples(im, w, h)], { signal });
      const back = s === 1 ? r.scores : resizeChw(r.scores, C, h / k, w / k, im.height / k, im.width / k);
      for (let i = 0; i < sum.length; i++) sum[i] += back[i] / scales.length;
    }
    return { scores: sum, labels: labelsFromScores(sum, C, inner.threshold) };
  };
  const all = async (imgs: PixelImage[], c?: CallOptions) => { const out: Scored[] = []; for (const im of imgs) out.push(await scoresOf(im, c?.signal)); return out; };
  return {
    runtime: inner.runtime, card: inner.card, threshold: inner.threshold,
    predictBatch: async (imgs, c) => (await all(imgs, c)).map((r) => r.labels),
    scoresBatch: all,
    dispose: () => inner.dispose(),
  };
}
