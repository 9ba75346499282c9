// The worker side of a threaded segmenter (threaded.ts): opens one model's network (runtime, scales,
// tiles) and answers batches; the image rules around it run on the calling thread.
// ONNX Runtime's run blocks the thread that calls it, so inference lives here while the calling
// thread decodes, draws and encodes the frames around it.
import { parentPort, workerData } from 'node:worker_threads';
import { openNetwork, type OpenOptions, type Segmenter } from './segmenter.js';
import { UserError } from '../util/errors.js';
import type { SegmentReply, SegmentRequest } from './threaded.js';

const { model, options } = workerData as { model: string | undefined; options: OpenOptions };
const port = parentPort!;
let seg: Segmenter;

async function answer(req: SegmentRequest): Promise<SegmentReply> {
  if (req.kind === 'labels') {
    const labels = await seg.predictBatch(req.images);
    return { id: req.id, ok: true, labels };
  }
  const scored = await seg.scoresBatch(req.images);
  return { id: req.id, ok: true, labels: scored.map((s) => s.labels), scores: scored.map((s) => s.scores) };
}

const failure = (id: number, e: unknown): SegmentReply => ({ id, ok: false, user: e instanceof UserError, message: (e as Error)?.message ?? String(e) });

try {
  seg = await openNetwork(model, { ...options, log: (l) => port.postMessage({ id: -1, ok: true, log: l }) });
  port.postMessage({ id: 0, ok: true, ready: { runtime: seg.runtime, card: seg.card, threshold: seg.threshold } });
} catch (e) {
  port.postMessage(failure(0, e));
  port.close();
}

port.on('message', (req: SegmentRequest | 'close') => {
  if (req === 'close') { void seg.dispose().finally(() => port.close()); return; }
  answer(req).then((r) => {
    // Hand the results' memory over instead of copying it; memory that cannot move (a runtime's
    // own output buffers) is copied.
    const buffers = [...new Set([...(r.labels ?? []), ...(r.scores ?? [])].map((a) => a.buffer as ArrayBuffer))];
    try { port.postMessage(r, buffers); } catch { port.postMessage(r); }
  }, (e) => port.postMessage(failure(req.id, e)));
});

