// `pixelwise quantize`: a model package's ONNX graph as a static int8 QDQ graph (io/onnx_qdq.ts),
// its activation ranges calibrated on images the way the model sees them (the card's processor),
// and its accuracy against the float graph measured on the same images.
import { onnx } from '../formats/onnx_proto.js';
import { activationsToCalibrate, foldBatchNorms, quantizeQdq, quantizableConvs, sumsToAdds } from '../io/onnx_qdq.js';
import type { ModelCard } from '../models/card.js';
import type { PixelImage } from '../data/pixels.js';
import { ImageProcessor, type ResizeFilters } from './processor.js';
import { ort } from './onnx_runtime.js';

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
  batchNormsFolded: number;
}

/**
 * Per tensor, the mean over images of each image's minimum and maximum (ONNX Runtime's MinMax
 * calibration with its moving average): one image's outliers move a range by their share only.
 */
export async function calibrateRanges(model: Uint8Array, names: string[], inputs: AsyncIterable<{ x: Float32Array; dims: number[] }>, onImage?: (done: number) => void): Promise<Map<string, [number, number]>> {
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

/** The float graph `model` of `card` quantised to int8, calibrated on `images`. */
export async function quantizeModel(model: Uint8Array, card: ModelCard, images: () => AsyncIterable<PixelImage>, o: QuantizeOptions = {}): Promise<Quantized> {
  const m = onnx.ModelProto.decode(model);
  const g = m.graph!;
  const batchNormsFolded = foldBatchNorms(g);
  sumsToAdds(g);
  const keep = new Set(o.keepFloat ?? []);
  const names = new Set(quantizableConvs(g).map((n) => n.name ?? ''));
  for (const k of keep) if (!names.has(k)) throw new Error(`keepFloat: no convolution named ${k} in the graph`);
  const folded = onnx.ModelProto.encode(m).finish();
  const proc = new ImageProcessor(card, o.filters);
  async function* encoded() {
    for await (const im of images()) {
      const [net] = await proc.toNetwork([im]);
      const e = proc.encode([net]);
      yield { x: e.x, dims: e.dims };
    }
  }
  const ranges = await calibrateRanges(folded, activationsToCalibrate(g, keep), encoded(), o.onImage);
  const done = quantizeQdq(g, { ranges, keepFloat: keep });
  return { bytes: onnx.ModelProto.encode(m).finish(), quantized: done.length, convolutions: names.size, batchNormsFolded };
}
