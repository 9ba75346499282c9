// Batch segmentation on BullMQ (Redis): the worker side. One segmenter per model stays loaded; a
// job writes its outputs as `predict` does (each file atomically: temp + rename, so a retried job
// rewrites the same bytes and nothing is left half-written), then its marker. A worker killed
// mid-job loses nothing: its lock on the job expires and another worker runs it again. A job that
// throws (a corrupt image) is retried, then lands in the failed set with its one-line message.
import os from 'node:os';
import path from 'node:path';
import { Worker, MetricsTime, type Job } from 'bullmq';
import { openSegmenter } from '../inference/open.js';
import type { Segmenter } from '../inference/segmenter.js';
import { writePredictionOutputs, writtenFiles } from '../inference/outputs.js';
import { readModelInput } from '../data/raster.js';
import { displayRgb } from '../data/display_bands.js';
import { DEFAULT_QUEUE_NAME, checkQueueName, connectionOf } from './queue.js';
import { isDone, markDone, type BatchJobData } from './jobs.js';
import { refuseUnknownKeys } from '../util/call_options.js';

export interface WorkerOptions {
  name?: string;
  /** Jobs run at once by this process (they share its segmenters). */
  concurrency?: number;
  /** ONNX Runtime threads per segmenter. */
  threads?: number;
  /** How long a job stays locked by a worker that stops answering (killed, hung) before another takes it. */
  lockSeconds?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Finishes the jobs running now, takes no more, and releases the models. */
  close(): Promise<void>;
  /** Resolves when the worker has closed. */
  closed: Promise<void>;
}

/** Every key of WorkerOptions (the compiler holds this to the interface). */
const WORKER_KEYS: Record<keyof WorkerOptions, true> = { name: true, concurrency: true, threads: true, lockSeconds: true, log: true };

export async function startWorker(url: string, o: WorkerOptions = {}): Promise<RunningWorker> {
  refuseUnknownKeys(o, WORKER_KEYS, 'startWorker()');
  const log = o.log ?? (() => {});
  const me = `${os.hostname()}:${process.pid}`;
  const segmenters = new Map<string, Promise<Segmenter>>();
  const segmenterFor = (model: string) => {
    let s = segmenters.get(model);
    if (!s) { s = openSegmenter(model, { threads: o.threads }); segmenters.set(model, s); s.catch(() => segmenters.delete(model)); }
    return s;
  };
  const run = async (job: Job<BatchJobData>) => {
    const { images, model, out, options } = job.data;
    // Finished before (its worker stopped before the queue heard): the outputs are there.
    if (isDone(out, job.id!)) return { skipped: true };
    const seg = await segmenterFor(model);
    const outputs: string[] = [];
    for (const im of images) {
      const input = await readModelInput(im.file, seg.card.input);
      const [labels] = await seg.predictBatch([input]);
      const w = await writePredictionOutputs(out, im.name, displayRgb(input), labels, seg.card.classes, options.alpha);
      outputs.push(...writtenFiles(w).map((f) => path.relative(out, f)));
    }
    markDone(out, { id: job.id!, images: images.map((im) => im.file), outputs, worker: me, finishedAt: new Date().toISOString() });
    return { images: images.length };
  };
  const lockMs = Math.round((o.lockSeconds ?? 30) * 1000);
  checkQueueName(o.name ?? DEFAULT_QUEUE_NAME);
  const worker = new Worker<BatchJobData>(o.name ?? DEFAULT_QUEUE_NAME, run, {
    connection: connectionOf(url), concurrency: o.concurrency ?? 1,
    lockDuration: lockMs, stalledInterval: lockMs,
    // A job whose worker is killed comes back as stalled; only repeated kills of the same job fail it.
    maxStalledCount: 10,
    // Per-minute completion counts, for `batch status`'s rate and ETA.
    metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
  });
  worker.on('completed', (job) => log(`completed ${job.id} (${job.data.images.map((im) => im.name).join(', ')})`));
  worker.on('failed', (job, err) => log(`failed ${job?.id} attempt ${job?.attemptsMade}: ${err.message.split('\n')[0]}`));
  worker.on('error', (err) => log(`queue error: ${err.message.split('\n')[0]}`));
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => { resolveClosed = r; });
  let closing: Promise<void> | null = null;
  return {
    closed,
    close: () => closing ??= (async () => {
      await worker.close();
      for (const s of segmenters.values()) await (await s.catch(() => null))?.dispose();
      resolveClosed();
    })(),
  };
}
