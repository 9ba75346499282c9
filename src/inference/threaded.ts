// A segmenter whose network runs in a worker thread. ONNX Runtime's run (and TF.js's kernels) block
// the thread that calls them; with the network in a worker, the calling thread keeps decoding,
// resizing (the image rules: Pillow resize, border padding), drawing and encoding while a batch is
// inferred (pixelwise video's pipeline).
import { Worker } from 'node:worker_threads';
import type { RgbImage } from '../data/image_io.js';
import type { ModelCard } from '../models/package.js';
import type { ClassThreshold } from './label_map.js';
import { withImageRules, type OpenOptions, type Scored, type Segmenter } from './segmenter.js';
import { UserError } from '../util/errors.js';
import { workerEntry } from '../util/worker_entry.js';

export interface SegmentRequest { id: number; kind: 'labels' | 'scores'; images: RgbImage[] }
export interface SegmentReply {
  id: number; ok: boolean; labels?: Uint8Array[]; scores?: Float32Array[];
  ready?: { runtime: 'tfjs' | 'onnx'; card: ModelCard; threshold?: ClassThreshold };
  log?: string; user?: boolean; message?: string;
}

/** Opens `model` in a worker thread; the same interface as openSegmenter's result. */
export async function openThreadedSegmenter(model: string | undefined, o: OpenOptions = {}): Promise<Segmenter> {
  const { log, ...options } = o; // functions do not cross threads; the worker's log lines come back as messages
  const worker = new Worker(workerEntry(import.meta.url, 'segment_worker'), { workerData: { model, options } });
  const pending = new Map<number, { resolve: (r: SegmentReply) => void; reject: (e: Error) => void }>();
  let next = 1, failed: Error | null = null;
  const toError = (r: SegmentReply) => (r.user ? new UserError(r.message!) : new Error(`inference failed: ${r.message}`));
  const ready = new Promise<NonNullable<SegmentReply['ready']>>((resolve, reject) => {
    pending.set(0, { resolve: (r) => resolve(r.ready!), reject });
  });
  worker.on('message', (r: SegmentReply) => {
    if (r.log != null) { log?.(r.log); return; }
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (r.ok) p?.resolve(r); else p?.reject(toError(r));
  });
  worker.on('error', (e) => {
    failed = new Error(`inference worker crashed (${e.message.split('\n')[0]})`);
    for (const p of pending.values()) p.reject(failed);
    pending.clear();
  });
  const ask = (kind: SegmentRequest['kind'], images: RgbImage[]) => new Promise<SegmentReply>((resolve, reject) => {
    if (failed) { reject(failed); return; }
    const id = next++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, kind, images } satisfies SegmentRequest); // copied: the caller keeps drawing on its frames
  });
  let info: NonNullable<SegmentReply['ready']>;
  try { info = await ready; } catch (e) { await worker.terminate(); throw e; }
  return withImageRules({
    ...info,
    predictBatch: async (images) => (await ask('labels', images)).labels!,
    scoresBatch: async (images): Promise<Scored[]> => {
      const r = await ask('scores', images);
      return r.labels!.map((labels, i) => ({ labels, scores: r.scores![i] }));
    },
    dispose: () => new Promise<void>((resolve) => {
      const kill = setTimeout(() => { void worker.terminate(); }, 10_000);
      worker.once('exit', () => { clearTimeout(kill); resolve(); });
      worker.postMessage('close');
    }),
  }, o);
}
