// Batch segmentation on BullMQ (Redis): the producer side. Jobs are added under ids that name
// their work (jobs.ts), so a second submit of the same work adds nothing and a submit after new
// images arrive adds only theirs; status, retry of failed jobs and drain read and edit the queue.
import path from 'node:path';
import { Queue, type Job } from 'bullmq';
import { collectInputs, outputNames } from '../data/image_list.js';
import { isDir, isInside } from '../util/fs.js';
import { outputOverInput } from '../inference/outputs.js';
import { argumentError, UserError } from '../util/errors.js';
import { isDone, jobId, markedOutputs, modelIdentity, type BatchJobData, type BatchOutputOptions, type JobImage } from './jobs.js';
import { checkedAlpha } from '../render/colorize.js';
import { refuseUnknownKeys } from '../util/call_options.js';

export const DEFAULT_QUEUE_NAME = 'pixelwise';
/** A job that fails this many times (a corrupt image, ...) goes to the failed set. */
export const DEFAULT_ATTEMPTS = 3;

/** A Redis URL (redis://host:port[/db], rediss:// for TLS) as BullMQ's connection options. */
export function connectionOf(url: string): { url: string; maxRetriesPerRequest: null } {
  let u: URL;
  try { u = new URL(url); } catch { throw argumentError('queue', url, 'expected a Redis URL such as redis://localhost:6379'); }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw argumentError('queue', url, 'expected a redis:// or rediss:// URL');
  // What follows the port is a database number (ioredis would send SELECT NaN, and crash on the answer).
  if (!/^\/?(\d+)?$/.test(u.pathname)) throw argumentError('queue', url, `${u.pathname.slice(1)} is not a database number; give one after the port, e.g. redis://localhost:6379/0`);
  // Workers block on Redis: their commands must wait out a reconnection rather than fail.
  return { url, maxRetriesPerRequest: null };
}

/** A queue name BullMQ can hold: not empty, without ':' (it joins its Redis keys with it). */
export function checkQueueName(name: string): void {
  if (!name.trim() || name.includes(':')) throw argumentError('name', name, "a queue name is a word without ':' (BullMQ joins its Redis keys with it), e.g. photos-2026");
}

/** The last connection error of each queue (BullMQ reports them as events; unheard, they print stacks). */
const lastError = new WeakMap<Queue<BatchJobData>, Error>();

export function openQueue(url: string, name = DEFAULT_QUEUE_NAME): Queue<BatchJobData> {
  checkQueueName(name);
  const q = new Queue<BatchJobData>(name, { connection: connectionOf(url) });
  q.on('error', (e) => { lastError.set(q, e); });
  return q;
}

export interface SubmitOptions extends BatchOutputOptions {
  /** Image files and folders. */
  images: string[];
  /** Folders: their subfolders' images too, their outputs in the same subfolders under `out`. */
  recursive?: boolean;
  model: string;
  out: string;
  /** Images per job (small images: fewer, larger jobs). */
  chunk?: number;
  attempts?: number;
}

export interface SubmitReport { images: number; jobs: number; added: number; done: number; queued: number; failed: number }

/** The model as a job names it: a shipped name stays a name (each worker has its own copy), a folder an absolute path. */
const jobModel = (model: string) => (isDir(model) ? path.resolve(model) : model);

/** Every key of SubmitOptions (the compiler holds this to the interface). */
const SUBMIT_KEYS: Record<keyof SubmitOptions, true> = { images: true, recursive: true, model: true, out: true, chunk: true, attempts: true, alpha: true };

export async function submit(queue: Queue<BatchJobData>, o: SubmitOptions): Promise<SubmitReport> {
  refuseUnknownKeys(o, SUBMIT_KEYS, 'submit()');
  const chunk = o.chunk ?? 1;
  if (!Number.isInteger(chunk) || chunk < 1) throw argumentError('chunk', chunk, 'expected images per job, 1 or more');
  // The outputs of finished jobs (an --out inside an image folder) are not images to predict.
  const marked = o.images.some((p) => isDir(p) && isInside(p, o.out)) ? markedOutputs(o.out) : new Set<string>();
  const given = collectInputs(o.images, { recursive: o.recursive, exclude: (f) => marked.has(path.resolve(f)) });
  const files = given.map((g) => g.file);
  const names = outputNames(given.map((g) => g.name));
  // Nor may an output land on an image (a photo named x_overlay.png beside x.png, with --out their folder).
  const clash = outputOverInput(files, names, o.out);
  if (clash) throw argumentError('out', o.out, `predicting would overwrite the image ${clash}; choose another output folder`);
  const model = jobModel(o.model);
  const identity = await modelIdentity(model);
  const out = path.resolve(o.out);
  const options: BatchOutputOptions = { alpha: checkedAlpha(o.alpha ?? 0.5) }; // refused here, not by every worker's every attempt
  const report: SubmitReport = { images: files.length, jobs: 0, added: 0, done: 0, queued: 0, failed: 0 };
  const toAdd: { name: string; data: BatchJobData; opts: { jobId: string } }[] = [];
  for (let i = 0; i < files.length; i += chunk) {
    const images: JobImage[] = files.slice(i, i + chunk).map((f, j) => ({ file: path.resolve(f), name: names[i + j] }));
    const id = jobId(images, identity, out, options);
    report.jobs++;
    if (isDone(out, id)) { report.done++; continue; }
    const existing = await queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state === 'failed') report.failed++;
      else if (state === 'completed') report.done++;
      else report.queued++;
      continue;
    }
    toAdd.push({ name: 'segment', data: { images, model, out, options }, opts: { jobId: id } });
  }
  const attempts = o.attempts ?? DEFAULT_ATTEMPTS;
  for (let i = 0; i < toAdd.length; i += 500) {
    await queue.addBulk(toAdd.slice(i, i + 500).map((j) => ({
      ...j,
      opts: {
        ...j.opts, attempts, backoff: { type: 'fixed', delay: 1000 },
        // Finished jobs leave markers beside their outputs; the queue keeps a window of them for status.
        removeOnComplete: { count: 1000 }, removeOnFail: false,
      },
    })));
  }
  report.added = toAdd.length;
  return report;
}

export interface FailedJob { id: string; images: string[]; attempts: number; reason: string }

export interface QueueStatus {
  waiting: number; active: number; delayed: number; failed: number;
  /** Jobs completed since the queue began (BullMQ's metrics, recorded by the workers). */
  completed: number;
  /** Jobs completed per second over the last few minutes, and the time left at that rate. */
  perSecond: number; etaSeconds: number | null;
  failures: FailedJob[];
}

const summarise = (j: Job<BatchJobData>): FailedJob => ({ id: j.id!, images: (j.data?.images ?? []).map((im) => im.file), attempts: j.attemptsMade, reason: (j.failedReason ?? '').split('\n')[0] });

/** Counts, rate (from the workers' per-minute metrics), ETA, and each failed job with its message. */
export async function status(queue: Queue<BatchJobData>, maxFailures = 100): Promise<QueueStatus> {
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children');
  const metrics = await queue.getMetrics('completed', 0, 0);
  // The rate: the jobs finished in the last five minutes, from the window of completed jobs the queue keeps.
  const recent = (await queue.getJobs(['completed'], 0, 499, false)).map((j) => j?.finishedOn ?? 0).filter((t) => t > Date.now() - 300_000).sort((a, b) => a - b);
  const perSecond = recent.length >= 2 && recent.at(-1)! > recent[0] ? (recent.length - 1) / ((recent.at(-1)! - recent[0]) / 1000) : 0;
  const left = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.active ?? 0) + (c.delayed ?? 0);
  const failed = maxFailures > 0 ? await queue.getJobs(['failed'], 0, maxFailures - 1, true) : [];
  return {
    waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0,
    completed: Number(metrics.meta.count ?? 0), perSecond, etaSeconds: left === 0 ? 0 : perSecond > 0 ? left / perSecond : null,
    failures: failed.filter((j): j is Job<BatchJobData> => !!j).map(summarise),
  };
}

/** Moves every failed job back to the queue (its attempts start again); returns how many. */
export async function retryFailed(queue: Queue<BatchJobData>): Promise<number> {
  // The failed set as it is now: a job that fails again while this runs waits for the next call.
  const jobs = (await queue.getJobs(['failed'], 0, -1, true)).filter((j): j is Job<BatchJobData> => !!j);
  for (const j of jobs) await j.retry('failed');
  return jobs.length;
}

/** Removes the jobs not yet started (waiting and delayed); running jobs finish. Returns how many went. */
export async function drain(queue: Queue<BatchJobData>): Promise<number> {
  const c = await queue.getJobCounts('waiting', 'delayed', 'prioritized');
  await queue.drain(true);
  return Object.values(c).reduce((a, b) => a + (b ?? 0), 0);
}

/** Refuses a Redis that cannot be reached, in one line (instead of retrying forever). */
export async function checkReachable(queue: Queue<BatchJobData>, url: string, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onError: ((e: Error) => void) | undefined;
  try {
    await Promise.race([
      queue.waitUntilReady().then(() => queue.getJobCounts('waiting')),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no answer')), ms); }),
      // The first connection error is the answer (ioredis would go on retrying).
      new Promise((_, reject) => { onError = reject; queue.once('error', onError); }),
    ]);
  } catch (e) {
    const why = (lastError.get(queue) ?? (e as Error)).message.split('\n')[0];
    // A reply error (a database it lacks, a password it refuses) comes from a Redis that was reached.
    if (/^(ERR|NOAUTH|WRONGPASS|NOPERM)\b/.test(why)) throw argumentError('queue', url, `Redis refused the connection's set-up (${why}); check the database number and the password in the URL`);
    throw argumentError('queue', url, `cannot reach Redis (${why}); start redis-server or give the right host and port`);
  } finally {
    clearTimeout(timer);
    if (onError) queue.off('error', onError);
  }
}
