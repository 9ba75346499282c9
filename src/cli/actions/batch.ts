// `pixelwise batch submit|worker|status|retry-failed|drain`.
import fs from 'node:fs';
import client from 'prom-client';
import { checkReachable, drain, openQueue, retryFailed, status, submit, type QueueStatus } from '../../batch/queue.js';
import { startWorker } from '../../batch/worker.js';
import { UserError } from '../../util/errors.js';
import { formatDuration } from '../../util/progress.js';
import type { QueueOpts, StatusOpts, SubmitOpts, WorkerOpts } from '../batch.js';

async function withQueue<T>(o: QueueOpts, f: (q: ReturnType<typeof openQueue>) => Promise<T>): Promise<T> {
  const q = openQueue(o.queue, o.name);
  try {
    await checkReachable(q, o.queue);
    return await f(q);
  } finally { await q.close().catch(() => {}); }
}

function listFile(file: string): string[] {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new UserError(`--list ${file}: cannot read (${(e as Error).message})`); }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (!lines.length) throw new UserError(`--list ${file}: no image paths in it (one per line)`);
  return lines;
}

export async function submitAction(o: SubmitOpts): Promise<void> {
  if ((o.images == null) === (o.list == null)) throw new UserError('batch submit: give --images DIR|FILES or --list FILE (one of them)');
  if (o.alpha < 0 || o.alpha > 1) throw new UserError(`--alpha ${o.alpha}: must be between 0 and 1`);
  const images = o.images ?? listFile(o.list!);
  const r = await withQueue(o, (q) => submit(q, { images, model: o.model, out: o.out, alpha: o.alpha, chunk: o.chunk, attempts: o.attempts }));
  if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
  else process.stdout.write(`${r.images} images in ${r.jobs} jobs: ${r.added} added, ${r.done} already done, ${r.queued} already queued${r.failed ? `, ${r.failed} failed before (batch retry-failed)` : ''}\n`);
}

export async function workerAction(o: WorkerOpts): Promise<void> {
  const q = openQueue(o.queue, o.name);
  try { await checkReachable(q, o.queue); } finally { await q.close().catch(() => {}); }
  const log = (l: string) => process.stderr.write(`${new Date().toISOString()} ${l}\n`);
  const w = await startWorker(o.queue, { name: o.name, concurrency: o.concurrency, threads: o.threads, lockSeconds: o.lockSeconds, log });
  log(`worker ${process.pid}: waiting for jobs on ${o.queue} (queue ${o.name})`);
  const stop = (sig: string) => { log(`${sig}: finishing the current job, then stopping`); void w.close(); };
  process.once('SIGINT', () => stop('SIGINT')); process.once('SIGTERM', () => stop('SIGTERM'));
  await w.closed;
  log(`worker ${process.pid}: stopped`);
}

function metricsText(s: QueueStatus, name: string): Promise<string> {
  const registry = new client.Registry();
  const jobs = new client.Gauge({ name: 'pixelwise_batch_jobs', help: 'Batch jobs by state', labelNames: ['queue', 'state'], registers: [registry] });
  for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) jobs.set({ queue: name, state }, s[state]);
  new client.Gauge({ name: 'pixelwise_batch_completed', help: 'Batch jobs completed since the queue began', labelNames: ['queue'], registers: [registry] }).set({ queue: name }, s.completed);
  new client.Gauge({ name: 'pixelwise_batch_jobs_per_second', help: 'Batch jobs completed per second over the last minutes', labelNames: ['queue'], registers: [registry] }).set({ queue: name }, s.perSecond);
  return registry.metrics();
}

export async function statusAction(o: StatusOpts): Promise<void> {
  const s = await withQueue(o, (q) => status(q));
  if (o.metrics) { process.stdout.write(await metricsText(s, o.name)); return; }
  if (o.json) { process.stdout.write(JSON.stringify(s, null, 1) + '\n'); return; }
  const eta = s.etaSeconds == null ? 'ETA unknown (no job finished in the last minutes)' : s.etaSeconds === 0 ? 'nothing left' : `ETA ${formatDuration(s.etaSeconds)}`;
  process.stdout.write(`queue ${o.name}: ${s.waiting} waiting, ${s.active} running, ${s.delayed} delayed (retrying), ${s.completed} completed, ${s.failed} failed; ${s.perSecond.toFixed(2)} jobs/s, ${eta}\n`);
  for (const f of s.failures) process.stdout.write(`failed ${f.id} (${f.images.join(', ')}) after ${f.attempts} attempts: ${f.reason}\n`);
}

export async function retryAction(o: QueueOpts): Promise<void> {
  const n = await withQueue(o, (q) => retryFailed(q));
  process.stdout.write(`${n} failed job${n === 1 ? '' : 's'} back in the queue\n`);
}

export async function drainAction(o: QueueOpts): Promise<void> {
  const n = await withQueue(o, (q) => drain(q));
  process.stdout.write(`${n} job${n === 1 ? '' : 's'} not started removed; running jobs finish\n`);
}
