// A segmenter whose network runs in a worker thread. ONNX Runtime's run (and TF.js's kernels) block
// the thread that calls them; with the network in a worker, the calling thread keeps decoding,
// resizing (the image rules: Pillow resize, border padding), drawing and encoding while a batch is
// inferred (pixelwise video's pipeline).
import { Worker } from 'node:worker_threads';
import type { RgbImage } from '../data/image_io.js';
import type { ModelCard } from '../models/card.js';
import type { ClassThreshold } from './label_map.js';
import { imageSide, type Scored, type Segmenter } from './segmenter.js';
import { NODE_FILTERS } from './node_filters.js';
import type { OpenOptions } from './open.js';
import type { RuntimeKind } from './network.js';
import { UserError } from '../util/errors.js';
import { workerEntry } from '../util/worker_entry.js';
import { defaultThreads } from './onnx_runtime.js';

export interface SegmentRequest { id: number; kind: 'labels' | 'scores'; images: RgbImage[] }
export interface SegmentReply {
  id: number; ok: boolean; labels?: Uint8Array[]; scores?: Float32Array[];
  ready?: { runtime: RuntimeKind; card: ModelCard; threshold?: ClassThreshold };
  log?: string; user?: boolean; message?: string; argument?: string;
  /** A worker asks whether to build the graph specialised to an input shape, or publishes it. */
  pool?: { request: string } | { publish: string; graph: Uint8Array | null };
}
/** The pool's answers about specialised graphs: build it (or not), or take the one another worker built. */
export type PoolMessage = { build: { key: string; yes: boolean } } | { offer: { key: string; graph: Uint8Array } };

interface Remote {
  info: NonNullable<SegmentReply['ready']>;
  pending: () => number;
  ask(kind: SegmentRequest['kind'], images: RgbImage[]): Promise<SegmentReply>;
  /** The worker's messages about specialised graphs, and the pool's answers to it. */
  onPool(f: (m: NonNullable<SegmentReply['pool']>) => void): void;
  send(m: PoolMessage): void;
  close(): Promise<void>;
}

/**
 * Opens `model` in `workers` worker threads (default 1), each with an equal share of `threads`;
 * the same interface as openSegmenter's result. Each call goes to the worker with the fewest calls
 * pending, so the batches a caller keeps in flight run side by side. On 2 cores two single-thread
 * networks beat one network on two threads: ONNX Runtime's second thread shortens a run little
 * and costs much more CPU time (docs/benchmarks.md).
 */
export async function openThreadedSegmenter(model: string | undefined, o: OpenOptions & { workers?: number } = {}): Promise<Segmenter & { workers: number }> {
  const { workers = 1, ...rest } = o;
  const count = Math.max(1, Math.floor(workers));
  const threads = o.threads ?? defaultThreads();
  const options = count > 1 ? { ...rest, threads: Math.max(1, Math.floor(threads / count)) } : rest;
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startWorker(model, options, i === 0)));
  const pool = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) { await Promise.all(pool.map((w) => w.close())); throw failure.reason; }
  shareGraphs(pool);
  const ask = (kind: SegmentRequest['kind'], images: RgbImage[]) => leastBusy(pool).ask(kind, images);
  const seg = imageSide({
    ...pool[0].info,
    predictBatch: async (images) => (await ask('labels', images)).labels!,
    scoresBatch: async (images): Promise<Scored[]> => {
      const r = await ask('scores', images);
      return r.labels!.map((labels, i) => ({ labels, scores: r.scores![i] }));
    },
    dispose: async () => { await Promise.all(pool.map((w) => w.close())); },
  }, { filters: NODE_FILTERS, ...o });
  return Object.assign(seg, { workers: pool.length });
}

/**
 * Each input shape's specialised graph is built by the first worker that asks and handed to the
 * others (onnx_runtime.ts, SpecialisationExchange): one build instead of one per worker.
 */
function shareGraphs(pool: Remote[]): void {
  const claimed = new Set<string>();
  pool.forEach((w) => w.onPool((m) => {
    if ('request' in m) {
      w.send({ build: { key: m.request, yes: !claimed.has(m.request) } });
      claimed.add(m.request);
    } else if (m.graph) {
      for (const other of pool) if (other !== w) other.send({ offer: { key: m.publish, graph: m.graph } });
    }
  }));
}

/** The worker with the fewest calls pending (the first of equals). */
export function leastBusy<T extends { pending(): number }>(pool: T[]): T {
  return pool.reduce((best, w) => (w.pending() < best.pending() ? w : best));
}

/** One worker with the network open (its log lines come back to `o.log` when `logs`). */
async function startWorker(model: string | undefined, o: OpenOptions, logs: boolean): Promise<Remote> {
  const { log, ...options } = o; // functions do not cross threads; the worker's log lines come back as messages
  const worker = new Worker(workerEntry(import.meta.url, 'segment_worker'), { workerData: { model, options } });
  const pending = new Map<number, { resolve: (r: SegmentReply) => void; reject: (e: Error) => void }>();
  let next = 1, failed: Error | null = null;
  let poolHandler: (m: NonNullable<SegmentReply['pool']>) => void = () => {};
  const toError = (r: SegmentReply) => (r.user ? new UserError(r.message!, 2, r.argument) : new Error(`inference failed: ${r.message}`));
  const ready = new Promise<NonNullable<SegmentReply['ready']>>((resolve, reject) => {
    pending.set(0, { resolve: (r) => resolve(r.ready!), reject });
  });
  worker.on('message', (r: SegmentReply) => {
    if (r.log != null) { if (logs) log?.(r.log); return; }
    if (r.pool) { poolHandler(r.pool); return; }
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (r.ok) p?.resolve(r); else p?.reject(toError(r));
  });
  worker.on('error', (e) => {
    failed = new Error(`inference worker crashed (${e.message.split('\n')[0]})`);
    for (const p of pending.values()) p.reject(failed);
    pending.clear();
  });
  let info: NonNullable<SegmentReply['ready']>;
  try { info = await ready; } catch (e) { await worker.terminate(); throw e; }
  return {
    info,
    pending: () => pending.size,
    onPool: (f) => { poolHandler = f; },
    send: (m) => worker.postMessage(m),
    ask: (kind, images) => new Promise<SegmentReply>((resolve, reject) => {
      if (failed) { reject(failed); return; }
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, kind, images } satisfies SegmentRequest); // copied: the caller keeps drawing on its frames
    }),
    close: () => new Promise<void>((resolve) => {
      const kill = setTimeout(() => { void worker.terminate(); }, 10_000);
      worker.once('exit', () => { clearTimeout(kill); resolve(); });
      worker.postMessage('close');
    }),
  };
}
