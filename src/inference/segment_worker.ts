// The worker side of a threaded segmenter (threaded.ts): opens one model's network (runtime, scales,
// tiles) and answers batches; the image rules around it run on the calling thread.
// ONNX Runtime's run blocks the thread that calls it, so inference lives here while the calling
// thread decodes, draws and encodes the frames around it.
import { parentPort, workerData } from 'node:worker_threads';
import type { Segmenter } from './segmenter.js';
import { openNetwork, type OpenOptions } from './open.js';
import { UserError } from '../util/errors.js';
import type { PoolMessage, SegmentReply, SegmentRequest } from './threaded.js';
import { offerSpecialisation, shareSpecialisations } from './onnx_runtime.js';

const { model, options } = workerData as { model: string | undefined; options: OpenOptions };
const port = parentPort!;
let seg: Segmenter;

// The pool builds each specialised graph once (onnx_runtime.ts): ask before building, publish after.
const asking = new Map<string, (build: boolean) => void>();
shareSpecialisations({
  request: (key) => new Promise<boolean>((resolve) => { asking.set(key, resolve); port.postMessage({ id: -2, ok: true, pool: { request: key } } satisfies SegmentReply); }),
  publish: (key, graph) => port.postMessage({ id: -2, ok: true, pool: { publish: key, graph } } satisfies SegmentReply),
});

async function answer(req: SegmentRequest): Promise<SegmentReply> {
  if (req.kind === 'labels') {
    const labels = await seg.predictBatch(req.images);
    return { id: req.id, ok: true, labels };
  }
  const scored = await seg.scoresBatch(req.images);
  return { id: req.id, ok: true, labels: scored.map((s) => s.labels), scores: scored.map((s) => s.scores) };
}

const failure = (id: number, e: unknown): SegmentReply => ({ id, ok: false, user: e instanceof UserError, argument: e instanceof UserError ? e.argument : undefined, message: (e as Error)?.message ?? String(e) });

try {
  seg = await openNetwork(model, { ...options, log: (l) => port.postMessage({ id: -1, ok: true, log: l }) });
  port.postMessage({ id: 0, ok: true, ready: { runtime: seg.runtime, card: seg.card, threshold: seg.threshold } });
} catch (e) {
  port.postMessage(failure(0, e));
  port.close();
}

port.on('message', (req: SegmentRequest | PoolMessage | 'close') => {
  if (req === 'close') { void seg.dispose().finally(() => port.close()); return; }
  if ('offer' in req) { offerSpecialisation(req.offer.key, req.offer.graph); return; }
  if ('build' in req) { asking.get(req.build.key)?.(req.build.yes); asking.delete(req.build.key); return; }
  answer(req).then((r) => {
    // Hand the results' memory over instead of copying it; memory that cannot move (a runtime's
    // own output buffers) is copied.
    const buffers = [...new Set([...(r.labels ?? []), ...(r.scores ?? [])].map((a) => a.buffer as ArrayBuffer))];
    try { port.postMessage(r, buffers); } catch { port.postMessage(r); }
  }, (e) => port.postMessage(failure(req.id, e)));
});

