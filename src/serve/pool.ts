// A fixed set of inference worker threads with a bounded queue. A job waits for an idle worker;
// when `queueLimit` jobs already wait, run() refuses at once (the server answers 503 + Retry-After)
// instead of letting latency grow without bound. A crashed worker fails its job and is replaced.
import { Worker } from 'node:worker_threads';
import type { Cancel, Job, JobResult } from './protocol.js';
import { workerEntry } from '../util/worker_entry.js';

export class QueueFull extends Error {}
export class JobTimeout extends Error {}

interface Pending { job: Job; resolve: (r: JobResult) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }

export class InferencePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size: number, private readonly threads: number | undefined, readonly queueLimit: number, private readonly timeoutMs: number) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  /** Jobs waiting for a worker (not counting those running). */
  get depth(): number { return this.queue.length; }
  get running(): number { return this.busy.size; }

  /** No worker idle and the queue at its bound: a new job would be refused. */
  get full(): boolean { return this.queue.length >= this.queueLimit && this.idle.length === 0; }

  run(job: Omit<Job, 'id'>): Promise<JobResult> {
    if (this.full) return Promise.reject(new QueueFull('inference queue full'));
    return new Promise<JobResult>((resolve, reject) => {
      const p: Pending = { job: { ...job, id: this.nextId++ }, resolve, reject };
      // The timeout covers waiting and running. A job that times out while running is cancelled in
      // its worker, which stops at its next pass (tile or scale) and is then free for the queue.
      p.timer = setTimeout(() => { this.drop(p); reject(new JobTimeout(`no result within ${this.timeoutMs / 1000} s`)); }, this.timeoutMs);
      this.queue.push(p);
      this.dispatch();
    });
  }

  private drop(p: Pending): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) this.queue.splice(i, 1);
    p.resolve = () => {}; p.reject = () => {};
    for (const [w, q] of this.busy) {
      if (q === p) { w.postMessage({ cancel: p.job.id } satisfies Cancel); this.cancelled++; }
    }
  }

  /** Running jobs cancelled at their timeout. */
  cancelled = 0;

  private spawn(): void {
    const w = new Worker(workerEntry(import.meta.url, 'worker'), { workerData: { threads: this.threads } });
    w.on('message', (r: JobResult) => {
      const p = this.busy.get(w);
      this.busy.delete(w);
      this.idle.push(w);
      if (p) { clearTimeout(p.timer); p.resolve(r); }
      this.dispatch();
    });
    w.on('error', (e) => {
      const p = this.busy.get(w);
      this.busy.delete(w);
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
      if (p) { clearTimeout(p.timer); p.reject(new Error(`inference worker crashed (${e.message.split('\n')[0]})`)); }
      if (!this.closed) { this.spawn(); this.dispatch(); }
    });
    this.idle.push(w);
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!, p = this.queue.shift()!;
      this.busy.set(w, p);
      w.postMessage(p.job);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) { clearTimeout(p.timer); p.reject(new Error('server closing')); }
    for (const p of this.busy.values()) clearTimeout(p.timer);
    // Each worker releases its sessions and ends; one that does not within 10 s is terminated.
    await Promise.all([...this.idle, ...this.busy.keys()].map((w) => new Promise<void>((resolve) => {
      const kill = setTimeout(() => { void w.terminate(); }, 10_000);
      w.once('exit', () => { clearTimeout(kill); resolve(); });
      w.postMessage('close');
    })));
  }
}
