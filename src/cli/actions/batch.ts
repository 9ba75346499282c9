// `pixelwise batch submit|worker|status|retry-failed|drain`.
import fs from 'node:fs';
import { checkReachable, drain, openQueue, retryFailed, status, submit } from '../../batch/queue.js';
import { queueRegistry, serveMetrics } from '../../batch/metrics.js';
import { startWorker } from '../../batch/worker.js';
import { UserError } from '../../util/errors.js';
import { asFlags } from '../flags.js';
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
  const r = await withQueue(o, (q) => submit(q, { images, recursive: o.recursive, model: o.model, out: o.out, alpha: o.alpha, chunk: o.chunk, attempts: o.attempts }));
  if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
  else process.stdout.write(`${r.images} images in ${r.jobs} jobs: ${r.added} added, ${r.done} already done, ${r.queued} already queued${r.failed ? `, ${r.failed} failed before (batch retry-failed)` : ''}\n`);
}

export async function workerAction(o: WorkerOpts): Promise<void> {
  if (!(o.lockSeconds > 0)) throw new UserError(`--lock-seconds ${o.lockSeconds}: expected seconds above 0 (how long a silent worker keeps its job)`);
  if (o.metricsPort != null && (o.metricsPort < 0 || o.metricsPort > 65535)) throw new UserError(`--metrics-port ${o.metricsPort}: expected a TCP port 0..65535 (0: any free port)`);
  const q = openQueue(o.queue, o.name);
  try { await checkReachable(q, o.queue); } catch (e) { await q.close().catch(() => {}); throw e; }
  const log = (l: string) => process.stderr.write(`${new Date().toISOString()} ${asFlags(l)}\n`);
  let metrics: Awaited<ReturnType<typeof serveMetrics>> | null = null;
  if (o.metricsPort != null) {
    try { metrics = await serveMetrics(queueRegistry(q, o.name), o.metricsPort); } catch (e) {
      await q.close().catch(() => {});
      throw new UserError(`--metrics-port ${o.metricsPort}: cannot listen (${(e as Error).message}); pick another port`);
    }
  }
  const w = await startWorker(o.queue, { name: o.name, concurrency: o.concurrency, threads: o.threads, lockSeconds: o.lockSeconds, log });
  log(`worker ${process.pid}: waiting for jobs on ${o.queue} (queue ${o.name})${metrics ? `; queue metrics on :${metrics.port}/metrics` : ''}`);
  const stop = (sig: string) => { log(`${sig}: finishing the current job, then stopping`); void w.close(); };
  process.once('SIGINT', () => stop('SIGINT')); process.once('SIGTERM', () => stop('SIGTERM'));
  await w.closed;
  metrics?.server.close();
  await q.close().catch(() => {});
  log(`worker ${process.pid}: stopped`);
}

export async function statusAction(o: StatusOpts): Promise<void> {
  if (o.metrics) { process.stdout.write(await withQueue(o, (q) => queueRegistry(q, o.name).metrics())); return; }
  const s = await withQueue(o, (q) => status(q));
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
