// The one pool of inference worker threads, for video (threaded.ts: a pipeline of batches) and serve
// (serve/pool.ts: a bounded queue of requests). Each job goes to the worker with the fewest jobs in
// flight, up to `perWorker` each; beyond that jobs wait in a queue of at most `queueLimit` (more are
// refused with QueueFull at once). A job may time out (its worker is told to cancel it). A worker
// that crashes fails its jobs and is replaced. Workers talk to each other through `side` messages
// (the specialised graphs they share). The worker's half is `serveWorker` below.
import { parentPort, type Worker } from 'node:worker_threads';
import { startWorker } from '../util/worker_entry.js';
import { UserError } from '../util/errors.js';

export class QueueFull extends Error {}
export class JobTimeout extends Error {}

/** Why a job failed in its worker: a user error (with the argument it names) or an internal one. */
export interface Failure { user: boolean; message: string; argument?: string }

/** Worker -> pool: the answer to job `id` (id 0: the worker is ready, with its `result`), or a side message. */
export type FromWorker<R> = { id: number; ok: true; result: R } | { id: number; ok: false; failure: Failure } | { side: unknown };
/** Pool -> worker: a job, a cancellation, a side message, or 'close'. */
export type ToWorker<J> = { id: number; job: J } | { cancel: number } | { side: unknown } | 'close';

export interface PoolOptions {
  /** The worker module: beside `moduleUrl` (the caller's import.meta.url), named `name`. */
  moduleUrl: string; name: string; workerData: unknown;
  size: number;
  /** Jobs in flight per worker: 1 for requests that should each have a worker, more to keep a pipeline fed. */
  perWorker: number;
  /** Jobs that may wait for a worker (Infinity: no bound). */
  queueLimit: number;
  /** A job's time, waiting and running (none by default). */
  timeoutMs?: number;
  /** A worker's side message (ids are the workers' order of start). */
  onSide?: (from: number, message: unknown) => void;
}

interface Pending<J, R> { id: number; job: J; transfer?: ArrayBuffer[]; resolve: (r: R) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }
interface Member<R> { n: number; worker: Worker; ready: boolean; running: Map<number, Pending<unknown, R>> }

const failureError = (f: Failure) => (f.user ? new UserError(f.message, 2, f.argument) : new Error(`inference failed: ${f.message}`));

export class WorkerPool<J, R, Ready = unknown> {
  private readonly members: Member<R>[] = [];
  private readonly queue: Pending<J, R>[] = [];
  private nextId = 1;
  private started = 0;
  private closed = false;
  /** Running jobs cancelled at their timeout. */
  cancelled = 0;
  /** What the first worker said when it was ready. */
  readonly ready: Promise<Ready>;

  constructor(private readonly o: PoolOptions) {
    const first = Array.from({ length: Math.max(1, o.size) }, () => this.spawn());
    this.ready = Promise.all(first).then((r) => r[0]).catch(async (e) => { await this.close(); throw e; });
    this.ready.catch(() => {});
  }

  /** Jobs waiting for a worker (not counting those running). */
  get depth(): number { return this.queue.length; }
  get running(): number { return this.members.reduce((a, m) => a + m.running.size, 0); }
  get size(): number { return this.members.length; }
  /** No worker free and the queue at its bound: a new job would be refused. */
  get full(): boolean { return this.queue.length >= this.o.queueLimit && !this.free(); }

  run(job: J, transfer?: ArrayBuffer[]): Promise<R> {
    if (this.closed) return Promise.reject(new Error('inference pool closed'));
    if (this.full) return Promise.reject(new QueueFull('inference queue full'));
    return new Promise<R>((resolve, reject) => {
      const p: Pending<J, R> = { id: this.nextId++, job, transfer, resolve, reject };
      if (this.o.timeoutMs) p.timer = setTimeout(() => { this.drop(p); reject(new JobTimeout(`no result within ${this.o.timeoutMs! / 1000} s`)); }, this.o.timeoutMs);
      this.queue.push(p);
      this.dispatch();
    });
  }

  /** A side message to every worker but `except`. */
  broadcast(message: unknown, except?: number): void {
    for (const m of this.members) if (m.n !== except) m.worker.postMessage({ side: message } satisfies ToWorker<J>);
  }

  /** A side message to worker `n`. */
  tell(n: number, message: unknown): void {
    this.members.find((m) => m.n === n)?.worker.postMessage({ side: message } satisfies ToWorker<J>);
  }

  /** The ready worker with the fewest jobs in flight below `perWorker` (the first of equals). */
  private free(): Member<R> | undefined {
    let best: Member<R> | undefined;
    for (const m of this.members) if (m.ready && m.running.size < this.o.perWorker && (!best || m.running.size < best.running.size)) best = m;
    return best;
  }

  private dispatch(): void {
    for (let m = this.free(); m && this.queue.length; m = this.free()) {
      const p = this.queue.shift()!;
      m.running.set(p.id, p as Pending<unknown, R>);
      const message: ToWorker<J> = { id: p.id, job: p.job };
      try { m.worker.postMessage(message, p.transfer ?? []); } catch { m.worker.postMessage(message); }
    }
  }

  /** A job past its time: out of the queue, or cancelled in its worker (which stops at its next pass). */
  private drop(p: Pending<J, R>): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) this.queue.splice(i, 1);
    p.resolve = () => {}; p.reject = () => {};
    for (const m of this.members) {
      if (m.running.has(p.id)) { m.worker.postMessage({ cancel: p.id } satisfies ToWorker<J>); this.cancelled++; }
    }
  }

  private spawn(): Promise<Ready> {
    const n = this.started++;
    const worker = startWorker(this.o.moduleUrl, this.o.name, { workerData: this.o.workerData });
    const member: Member<R> = { n, worker, ready: false, running: new Map() };
    this.members.push(member);
    return new Promise<Ready>((resolve, reject) => {
      worker.on('message', (r: FromWorker<R>) => {
        if ('side' in r) { this.o.onSide?.(n, r.side); return; }
        if (r.id === 0) {
          if (!r.ok) { this.remove(member); void worker.terminate(); reject(failureError(r.failure)); return; }
          member.ready = true;
          resolve(r.result as unknown as Ready);
          this.dispatch();
          return;
        }
        const p = member.running.get(r.id);
        member.running.delete(r.id);
        if (p) { clearTimeout(p.timer); if (r.ok) p.resolve(r.result); else p.reject(failureError(r.failure)); }
        this.dispatch();
      });
      const lost = (why: string) => {
        if (this.closed || !this.members.includes(member)) return; // closing (close() settles its jobs), or already counted (an error is followed by an exit)
        const failed = new Error(`inference worker crashed (${why})`);
        this.remove(member);
        for (const p of member.running.values()) { clearTimeout(p.timer); p.reject(failed); }
        if (!member.ready) { reject(failed); return; }
        // Replaced; the jobs waiting go to the others meanwhile.
        if (!this.closed) this.spawn().catch((err: Error) => { for (const p of this.queue.splice(0)) { clearTimeout(p.timer); p.reject(err); } });
        this.dispatch();
      };
      worker.on('error', (e) => lost(e.message.split('\n')[0]));
      worker.on('exit', (code) => lost(`it exited with code ${code}`));
    });
  }

  private remove(m: Member<R>): void {
    const i = this.members.indexOf(m);
    if (i >= 0) this.members.splice(i, 1);
  }

  /**
   * Fails the waiting jobs; each worker finishes the job it runs (side messages still answered),
   * releases its sessions and ends (terminated if it has not within 10 s); a job whose result did
   * not come back by then fails, so that nothing waits on it forever.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) { clearTimeout(p.timer); p.reject(new Error('inference pool closing')); }
    for (const m of this.members) for (const p of m.running.values()) clearTimeout(p.timer);
    const members = [...this.members];
    await Promise.all(members.map(({ worker }) => new Promise<void>((resolve) => {
      const kill = setTimeout(() => { void worker.terminate(); }, 10_000);
      worker.once('exit', () => { clearTimeout(kill); resolve(); });
      worker.postMessage('close' satisfies ToWorker<J>);
    })));
    this.members.splice(0);
    const closed = new Error('inference pool closed');
    for (const m of members) for (const p of m.running.values()) p.reject(closed);
  }
}

/** What a worker module gives serveWorker: its start, its jobs, its side messages, its end. */
export interface WorkerHandlers<J, R, Ready> {
  start(): Promise<Ready>;
  /** A job's result and the buffers to hand over instead of copying. */
  run(job: J, signal: AbortSignal): Promise<{ result: R; transfer?: ArrayBuffer[] }>;
  side?(message: unknown): void;
  close(): Promise<void>;
}

const failureOf = (e: unknown): Failure => ({ user: e instanceof UserError, message: (e as Error)?.message ?? String(e), argument: e instanceof UserError ? e.argument : undefined });

/** The worker's half of WorkerPool: answers `ready` (id 0), then each job, cancellations and side messages. */
export function serveWorker<J, R, Ready>(h: WorkerHandlers<J, R, Ready>): void {
  const port = parentPort!;
  const running = new Map<number, AbortController>();
  const post = (m: FromWorker<R>, transfer: ArrayBuffer[] = []) => { try { port.postMessage(m, transfer); } catch { port.postMessage(m); } };
  const started = h.start().then((ready) => { post({ id: 0, ok: true, result: ready as unknown as R }); return true; },
    (e) => { post({ id: 0, ok: false, failure: failureOf(e) }); port.close(); return false; });
  port.on('message', (m: ToWorker<J>) => {
    if (m === 'close') { void started.then(() => h.close()).finally(() => port.close()); return; }
    if ('side' in m) { h.side?.(m.side); return; }
    // A job past its time stops at its next pass (tile, scale): a thread running ONNX Runtime
    // cannot be terminated without taking the process down.
    if ('cancel' in m) { running.get(m.cancel)?.abort(); return; }
    const ctl = new AbortController();
    running.set(m.id, ctl);
    void started.then(() => h.run(m.job, ctl.signal)).finally(() => running.delete(m.id))
      .then((r) => post({ id: m.id, ok: true, result: r.result }, r.transfer), (e) => post({ id: m.id, ok: false, failure: failureOf(e) }));
  });
}

/** A side message from a worker to the pool. */
export function sendSide(message: unknown): void { parentPort!.postMessage({ side: message } satisfies FromWorker<never>); }
