// Frames in, segmented frames out, in order: the inference stage of `pixelwise video`. Two batches
// (or more, one per extra worker) are in flight: while a threaded segmenter's workers run them,
// the calling thread resizes the next (the segmenter's image rules) and the caller draws the one
// before. Temporal smoothing, when asked, wraps the segmenter (inference/smoothing.ts).
import type { RgbImage } from '../data/image_io.js';
import type { Segmenter } from '../inference/segmenter.js';
import { probabilitiesOf } from '../inference/probabilities.js';
import { prefetch } from '../util/prefetch.js';

export interface SegmentedFrame { frame: RgbImage; index: number; labels: Uint8Array; prob8?: Uint8Array }

export interface StreamOptions {
  /** Frames per inference call. */
  batch: number;
  /** Batches in flight (default 2: one inferred while the next is prepared; one more per extra worker). */
  inFlight?: number;
  /** Run for class scores (smoothing, effects) rather than label maps only. */
  scores: boolean;
  /** Attach 8-bit class probabilities (soft-edged effects). */
  probabilities: boolean;
}

interface Inferred { frames: RgbImage[]; labels: Uint8Array[]; prob8?: Uint8Array[] }

export async function* segmentFrames(seg: Segmenter, frames: AsyncIterable<RgbImage>, o: StreamOptions): AsyncGenerator<SegmentedFrame> {
  const infer = async (batch: RgbImage[]): Promise<Inferred> => {
    if (o.probabilities) {
      const out = await probabilitiesOf(seg, batch);
      return { frames: batch, labels: out.map((r) => r.labels), prob8: out.map((r) => r.prob8) };
    }
    if (!o.scores) return { frames: batch, labels: await seg.predictBatch(batch) };
    return { frames: batch, labels: (await seg.scoresBatch(batch)).map((r) => r.labels) };
  };
  let index = 0;
  const finish = function* (r: Inferred): Generator<SegmentedFrame> {
    for (let i = 0; i < r.frames.length; i++) yield { frame: r.frames[i], index: index++, labels: r.labels[i], prob8: r.prob8?.[i] };
  };
  const inflight: Promise<Inferred>[] = [];
  const send = (batch: RgbImage[]) => {
    const p = infer(batch);
    p.catch(() => {}); // a failure surfaces where it is awaited, in order, not as an unhandled rejection
    inflight.push(p);
  };
  let batch: RgbImage[] = [];
  for await (const f of prefetch(frames, 4)) {
    batch.push(f);
    if (batch.length < o.batch) continue;
    send(batch);
    batch = [];
    if (inflight.length >= (o.inFlight ?? 2)) yield* finish(await inflight.shift()!);
  }
  if (batch.length) send(batch);
  while (inflight.length) yield* finish(await inflight.shift()!);
}

/**
 * Runs two grey batches per network of the stream's frame size through `seg` before it starts,
 * side by side: every network sees the input shape twice, so a worker pool builds and shares the
 * graph specialised to it (onnx_runtime.ts) while the model loads instead of during the first
 * frames, and the first frames do not pay ONNX Runtime's first-run costs.
 */
export async function warmUp(seg: Segmenter, width: number, height: number, o: { networks: number; batch: number; scores: boolean }): Promise<void> {
  const grey: RgbImage = { data: new Uint8Array(width * height * 3).fill(128), width, height };
  const batch = Array.from({ length: o.batch }, () => grey); // the stream's batches: the same input shape
  const once = () => (o.scores ? seg.scoresBatch(batch) : seg.predictBatch(batch));
  await Promise.all(Array.from({ length: 2 * o.networks }, once));
}
