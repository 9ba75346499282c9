// `pixelwise quantize`: a model package's ONNX graph as a static int8 QDQ graph (io/onnx_qdq.ts),
// its activation ranges calibrated on images the way the model sees them (the card's processor),
// and its accuracy against the float graph measured on the same images.
import { onnx } from '../formats/onnx_proto.js';
import { activationsToCalibrate, bypassConstantIdentities, foldBatchNorms, foldConstantAffines, preluPatterns, quantizeQdq, quantizableConvs, sumsToAdds } from '../io/onnx_qdq.js';
import type { ModelCard } from '../models/card.js';
import type { PixelImage } from '../data/pixels.js';
import { ImageProcessor, type ResizeFilters } from './processor.js';
import { defaultThreads, ort, OnnxNetwork } from './onnx_runtime.js';
import { createSegmenter, type Segmenter } from './segmenter.js';
import { UserError, argumentError } from '../util/errors.js';
import { expectArgs } from '../util/call_options.js';

export interface QuantizeOptions {
  /** Convolutions (ONNX node names) left in float. */
  keepFloat?: string[];
  filters?: ResizeFilters;
  onImage?: (done: number) => void;
}

export interface Quantized {
  bytes: Uint8Array;
  /** Convolutions quantised, and those of the graph in all. */
  quantized: number; convolutions: number;
  /** BatchNorms, and Mul or Add by per-channel constants, folded into convolutions. */
  batchNormsFolded: number;
}

/**
 * Per tensor, the mean over images of each image's minimum and maximum (ONNX Runtime's MinMax
 * calibration with its moving average): one image's outliers move a range by their share only.
 */
export async function calibrateRanges(model: Uint8Array, names: string[], inputs: AsyncIterable<{ x: Float32Array; dims: number[] }>, onImage?: (done: number) => void): Promise<Map<string, [number, number]>> {
  expectArgs('calibrateRanges', [['model', model, 'bytes'], ['names', names, 'array'], ['inputs', inputs, 'object']]);
  const o = await ort();
  const probe = onnx.ModelProto.decode(model);
  const g = probe.graph!;
  const outputs = new Set((g.output ?? []).map((x) => x.name!));
  g.output = [...(g.output ?? []), ...names.filter((n) => !outputs.has(n)).map((name) => ({ name }))];
  const session = await o.InferenceSession.create(onnx.ModelProto.encode(probe).finish(), { graphOptimizationLevel: 'basic', logSeverityLevel: 3 });
  const sum = new Map<string, [number, number]>(names.map((n) => [n, [0, 0]]));
  let images = 0;
  try {
    for await (const { x, dims } of inputs) {
      const r = await session.run({ [session.inputNames[0]]: new o.Tensor('float32', x, dims) }, names);
      for (const n of names) {
        // Shape computations (Concat of sizes, ...) are integers: not activations to quantise.
        if (r[n].type !== 'float32') { sum.delete(n); continue; }
        const d = r[n].data as Float32Array;
        let lo = Infinity, hi = -Infinity;
        for (let i = 0; i < d.length; i++) { const v = d[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
        const s = sum.get(n);
        if (s) { s[0] += lo; s[1] += hi; }
      }
      images++;
      onImage?.(images);
    }
  } finally { await session.release(); }
  if (!images) throw new Error('calibration: no images');
  return new Map([...sum].map(([n, [lo, hi]]) => [n, [lo / images, hi / images]]));
}

/** A float graph made ready for 8 bits: BatchNorms folded, every candidate activation's range calibrated once. */
export interface Calibrated {
  folded: Uint8Array;
  ranges: Map<string, [number, number]>;
  /** The quantisable convolutions (ONNX node names), in graph order. */
  convolutions: string[];
  batchNormsFolded: number;
  images: number;
}

/** Folds the graph's BatchNorms and calibrates the ranges of every activation a quantised graph may need. */
export async function calibrate(model: Uint8Array, card: ModelCard, images: () => AsyncIterable<PixelImage>, o: Pick<QuantizeOptions, 'filters' | 'onImage'> = {}): Promise<Calibrated> {
  const m = onnx.ModelProto.decode(model);
  const g = m.graph!;
  bypassConstantIdentities(g);
  const batchNormsFolded = foldBatchNorms(g) + foldConstantAffines(g);
  sumsToAdds(g);
  preluPatterns(g);
  const folded = onnx.ModelProto.encode(m).finish();
  const proc = new ImageProcessor(card, o.filters);
  let n = 0;
  async function* encoded() {
    for await (const im of images()) {
      const [net] = await proc.toNetwork([im]);
      const e = proc.encode([net]);
      n++;
      yield { x: e.x, dims: e.dims };
    }
  }
  const ranges = await calibrateRanges(folded, activationsToCalibrate(g), encoded(), o.onImage);
  return { folded, ranges, convolutions: quantizableConvs(g).map((c) => c.name ?? ''), batchNormsFolded, images: n };
}

/** The calibrated graph in QDQ form, the convolutions in keepFloat left in float. */
export function buildInt8(c: Calibrated, keepFloat: Iterable<string> = []): Quantized {
  const keep = new Set(keepFloat);
  const known = new Set(c.convolutions);
  for (const k of keep) if (!known.has(k)) throw argumentError('keepFloat', k, `no convolution of that name in the graph (${c.convolutions.slice(0, 3).join(', ')}, ...)`);
  const m = onnx.ModelProto.decode(c.folded);
  const done = quantizeQdq(m.graph!, { ranges: c.ranges, keepFloat: keep });
  return { bytes: onnx.ModelProto.encode(m).finish(), quantized: done.length, convolutions: c.convolutions.length, batchNormsFolded: c.batchNormsFolded };
}

/** The float graph `model` of `card` quantised to int8, calibrated on `images`. */
export async function quantizeModel(model: Uint8Array, card: ModelCard, images: () => AsyncIterable<PixelImage>, o: QuantizeOptions = {}): Promise<Quantized> {
  // A JavaScript caller's options object in the graph's place failed deep in the protobuf reader ("illegal buffer").
  if (!(model instanceof Uint8Array)) throw new UserError('model: expected the float ONNX graph\'s bytes (a Uint8Array), e.g. fs.readFileSync(\'model.onnx\'); `pixelwise quantize` takes a model package', 2, 'model');
  if (typeof images !== 'function') throw new UserError('images: expected a function returning the calibration images (an async iterable of RGB images)', 2, 'images');
  return buildInt8(await calibrate(model, card, images, o), o.keepFloat ?? []);
}

/** A segmenter of one graph of `card` (float or 8-bit) on ONNX Runtime, whole images (no tiling), as quantize compares them. */
export async function graphSegmenter(bytes: Uint8Array, card: ModelCard, o: { filters?: ResizeFilters; threads?: number } = {}): Promise<Segmenter> {
  return createSegmenter(await OnnxNetwork.create(bytes, card.model.numClasses, o.threads), card, { filters: o.filters, tiling: { pixelBudget: 0 } });
}

/** Label maps of a graph of `card` (float or 8-bit) on images, with ONNX Runtime. */
async function labelMaps(bytes: Uint8Array, card: ModelCard, images: PixelImage[], o: GateOptions): Promise<Uint8Array[]> {
  const seg = await graphSegmenter(bytes, card, o);
  try { return await Promise.all(images.map(async (im) => (await seg.predictBatch([im]))[0])); } finally { await seg.dispose(); }
}

function agreement(a: Uint8Array[], b: Uint8Array[]): number {
  let same = 0, all = 0;
  for (let i = 0; i < a.length; i++) { all += a[i].length; for (let p = 0; p < a[i].length; p++) if (a[i][p] === b[i][p]) same++; }
  return all ? same / all : 1;
}

export interface GateOptions {
  filters?: ResizeFilters;
  threads?: number;
  /** Convolutions kept in float whatever the gate finds. */
  keepFloat?: string[];
  /** Least share of check pixels whose label must be the float graph's; below it, the most sensitive convolutions go back to float. */
  minAgreement?: number;
  /** Progress of the sensitivity pass: convolutions measured of all. */
  onSensitivity?: (done: number, of: number) => void;
}

export interface Gated extends Quantized {
  keptFloat: string[];
  /** Share of the check images' pixels with the float graph's label. */
  agreement: number;
  /** Per convolution quantised alone: the share of check pixels whose label it changes (measured when the gate ran). */
  sensitivity?: { name: string; changed: number }[];
}

/**
 * The 8-bit graph that keeps the float graph's labels on `check` (images held apart from
 * calibration) at least `minAgreement` of the time: everything quantised first; when that agrees
 * less, each convolution is quantised alone to measure the labels it changes (the sensitivity
 * pass), and the most sensitive ones go back to float, 1, 2, 4, ... of them, until the graph
 * agrees (or, when no such set does, the set that agreed best).
 */
export async function quantizeWithGate(float: Uint8Array, c: Calibrated, card: ModelCard, check: PixelImage[], o: GateOptions = {}): Promise<Gated> {
  const reference = await labelMaps(float, card, check, o);
  const tryKeep = async (keep: string[]) => {
    const q = buildInt8(c, keep);
    return { ...q, keptFloat: keep, agreement: agreement(reference, await labelMaps(q.bytes, card, check, o)) };
  };
  const asked = o.keepFloat ?? [];
  const first = await tryKeep(asked);
  if (o.minAgreement == null || first.agreement >= o.minAgreement) return first;
  const candidates = c.convolutions.filter((n) => !asked.includes(n));
  const sensitivity: { name: string; changed: number }[] = [];
  for (const [i, name] of candidates.entries()) {
    const q = buildInt8(c, c.convolutions.filter((n) => n !== name));
    sensitivity.push({ name, changed: 1 - agreement(reference, await labelMaps(q.bytes, card, check, o)) });
    o.onSensitivity?.(i + 1, candidates.length);
  }
  sensitivity.sort((a, b) => b.changed - a.changed);
  // The first set that reaches the target; failing that, the one that came closest.
  let best = first;
  for (let k = 1; k <= candidates.length; k *= 2) {
    const t = await tryKeep([...asked, ...sensitivity.slice(0, k).map((s) => s.name)]);
    if (t.agreement >= o.minAgreement) return { ...t, sensitivity };
    if (t.agreement > best.agreement) best = t;
  }
  return { ...best, sensitivity };
}

/** Median ms per image of the float and the 8-bit graph, end to end, on the same images and threads. */
export interface GraphTimes { floatMs: number; int8Ms: number; threads: number; images: number; rounds: number }

/**
 * Times both graphs on `images` (one call per image, after a first call each), alternating
 * which goes first round by round so that both see the same machine; the median of each graph's rounds. Whether 8
 * bits are faster depends on the network (ONNX Runtime's integer kernels favour dense
 * convolutions) and on the processor, so it is measured here rather than assumed.
 */
export async function timeGraphs(float: Uint8Array, int8: Uint8Array, card: ModelCard, images: PixelImage[], o: { filters?: ResizeFilters; threads?: number; rounds?: number } = {}): Promise<GraphTimes> {
  const threads = o.threads ?? defaultThreads(), rounds = o.rounds ?? 3;
  const segs = [await graphSegmenter(float, card, { ...o, threads }), await graphSegmenter(int8, card, { ...o, threads })];
  try {
    const ms: number[][] = [[], []];
    for (const s of segs) await s.predictBatch([images[0]]);
    for (let r = 0; r < rounds; r++) {
      for (const k of r % 2 ? [1, 0] : [0, 1]) {
        const t = performance.now();
        for (const im of images) await segs[k].predictBatch([im]);
        ms[k].push((performance.now() - t) / images.length);
      }
    }
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
    return { floatMs: median(ms[0]), int8Ms: median(ms[1]), threads, images: images.length, rounds };
  } finally {
    for (const s of segs) await s.dispose();
  }
}
