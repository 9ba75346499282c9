// A segmenter whose network runs in worker threads (the one worker pool, worker_pool.ts). ONNX
// Runtime's run (and TF.js's kernels) block the thread that calls them; with the network in a
// worker, the calling thread keeps decoding, resizing (the image side: input rule, border padding),
// drawing and encoding while a batch is inferred (pixelwise video's pipeline).
import type { PixelImage } from '../data/pixels.js';
import { variantCards, type ModelCard } from '../models/card.js';
import type { ClassThreshold } from './label_map.js';
import { byAspect, imageSide, type Scored, type Segmenter } from './segmenter.js';
import { NODE_FILTERS } from './node_filters.js';
import type { OpenOptions } from './open.js';
import type { RuntimeKind } from './network.js';
import { WorkerPool } from './worker_pool.js';
import { checkThreads, defaultThreads } from './onnx_runtime.js';

export interface SegmentJob { kind: 'labels' | 'scores'; images: PixelImage[] }
export interface SegmentResult { labels: Uint8Array[]; scores?: Float32Array[] }
export interface SegmentReady { runtime: RuntimeKind; card: ModelCard; threshold?: ClassThreshold }
/** Side messages: a worker's log line; a worker asks whether to build the graph specialised to a shape, or publishes it; the pool answers or offers it. */
export type SegmentSide = { log: string } | { request: string } | { publish: string; graph: Uint8Array | null } | { build: { key: string; yes: boolean } } | { offer: { key: string; graph: Uint8Array } };

/**
 * Opens `model` in `workers` worker threads (default 1), each with an equal share of `threads`;
 * the same interface as openSegmenter's result. Each call goes to the worker with the fewest calls
 * pending, so the batches a caller keeps in flight run side by side. On 2 cores two single-thread
 * networks beat one network on two threads: ONNX Runtime's second thread shortens a run little
 * and costs much more CPU time (docs/benchmarks.md).
 */
export async function openThreadedSegmenter(model: string | undefined, o: OpenOptions & { workers?: number } = {}): Promise<Segmenter & { workers: number }> {
  const { workers = 1, log, filters: _f, ...rest } = o; // functions do not cross threads; log lines come back as messages
  const count = Math.max(1, Math.floor(workers));
  checkThreads(o.threads);
  const threads = o.threads ?? defaultThreads();
  const options = count > 1 ? { ...rest, threads: Math.max(1, Math.floor(threads / count)) } : rest;
  // Each input shape's specialised graph is built by the first worker that asks and handed to the
  // others (onnx_runtime.ts, SpecialisationExchange): one build instead of one per worker.
  const claimed = new Set<string>();
  const pool: WorkerPool<SegmentJob, SegmentResult, SegmentReady> = new WorkerPool({
    moduleUrl: import.meta.url, name: 'segment_worker', workerData: { model, options }, size: count, perWorker: Infinity, queueLimit: Infinity,
    onSide: (from, m) => {
      const s = m as SegmentSide;
      if ('log' in s) { if (from === 0) log?.(s.log); } else if ('request' in s) {
        pool.tell(from, { build: { key: s.request, yes: !claimed.has(s.request) } } satisfies SegmentSide);
        claimed.add(s.request);
      } else if ('publish' in s && s.graph) pool.broadcast({ offer: { key: s.publish, graph: s.graph } } satisfies SegmentSide, from);
    },
  });
  const info = await pool.ready;
  // Images are copied to the worker: the caller keeps drawing on its frames.
  const remote = {
    ...info,
    predictBatch: async (images: PixelImage[]) => (await pool.run({ kind: 'labels', images })).labels,
    scoresBatch: async (images: PixelImage[]): Promise<Scored[]> => {
      const r = await pool.run({ kind: 'scores', images });
      return r.labels.map((labels, i) => ({ labels, scores: r.scores![i] }));
    },
    dispose: () => pool.close(),
  };
  // A card with variants: each image is resized here for the variant of its aspect; the worker's
  // segmenter sends it to that variant's network by the same rule.
  const parts = variantCards(info.card).map((card, i) => imageSide({ ...remote, card, dispose: i ? async () => {} : remote.dispose }, { filters: NODE_FILTERS, ...o }));
  return Object.assign(byAspect(parts, info.card), { workers: pool.size });
}
