// The worker side of a threaded segmenter (threaded.ts): opens one model's network side (runtime,
// scales, tiles) and answers batches; the image side around it runs on the calling thread.
import { workerData } from 'node:worker_threads';
import type { Segmenter } from './segmenter.js';
import { openNetwork, type OpenOptions } from './open.js';
import { sendSide, serveWorker } from './worker_pool.js';
import type { SegmentJob, SegmentReady, SegmentResult, SegmentSide } from './threaded.js';
import { offerSpecialisation, shareSpecialisations } from './onnx_runtime.js';

const { model, options } = workerData as { model: string | undefined; options: OpenOptions };
let seg: Segmenter;

// The pool builds each specialised graph once (onnx_runtime.ts): ask before building, publish after.
const asking = new Map<string, (build: boolean) => void>();
shareSpecialisations({
  request: (key) => new Promise<boolean>((resolve) => { asking.set(key, resolve); sendSide({ request: key } satisfies SegmentSide); }),
  publish: (key, graph) => sendSide({ publish: key, graph } satisfies SegmentSide),
});

serveWorker<SegmentJob, SegmentResult, SegmentReady>({
  async start() {
    seg = await openNetwork(model, { ...options, log: (l) => sendSide({ log: l } satisfies SegmentSide) });
    return { runtime: seg.runtime, card: seg.card, threshold: seg.threshold };
  },
  async run(job) {
    const result: SegmentResult = job.kind === 'labels' ? { labels: await seg.predictBatch(job.images) }
      : await seg.scoresBatch(job.images).then((s) => ({ labels: s.map((x) => x.labels), scores: s.map((x) => x.scores) }));
    // Hand the results' memory over instead of copying it (memory that cannot move is copied).
    return { result, transfer: [...new Set([...result.labels, ...(result.scores ?? [])].map((a) => a.buffer as ArrayBuffer))] };
  },
  side(m) {
    const s = m as SegmentSide;
    if ('offer' in s) offerSpecialisation(s.offer.key, s.offer.graph);
    else if ('build' in s) { asking.get(s.build.key)?.(s.build.yes); asking.delete(s.build.key); }
  },
  close: async () => { await seg?.dispose(); },
});
