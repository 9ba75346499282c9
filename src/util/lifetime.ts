// What a loaded model's calls and its dispose() agree on: dispose() waits for the calls in flight
// and then releases once (a second call gets the same promise); a call after it is refused by
// name. Runtimes differ without it: ONNX Runtime reopened its sessions, TF.js threw from its
// internals, and a dispose() during a call broke that call.
import { UserError } from './errors.js';

export class Lifetime {
  private readonly running = new Set<Promise<unknown>>();
  private readonly enders = new Map<Promise<void>, () => Promise<void>>();
  private closing: Promise<void> | null = null;

  /** `what`: how errors name the thing, e.g. "model voc". */
  constructor(private readonly what: string) {}

  get disposed(): boolean { return this.closing != null; }

  private refused(): UserError { return new UserError(`${this.what}: disposed; load() it again to use it`, 2, 'model'); }

  /** Runs `f` unless disposed (then rejects with a UserError naming the model). */
  run<T>(f: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(this.refused());
    const p = f();
    this.running.add(p);
    const done = () => { this.running.delete(p); };
    p.then(done, done);
    return p;
  }

  /**
   * A stream of results in flight until the returned function is called. dispose() ends it with
   * `end` (its consumer may never ask for the next result, so it cannot wait for the stream to
   * finish) and then counts it finished. Throws if disposed.
   */
  hold(end: () => Promise<void>): () => void {
    if (this.closing) throw this.refused();
    let release!: () => void;
    const p = new Promise<void>((resolve) => { release = resolve; });
    this.running.add(p);
    this.enders.set(p, async () => { await end().catch(() => {}); release(); });
    void p.then(() => { this.running.delete(p); this.enders.delete(p); });
    return release;
  }

  /** Once: the streams in flight ended, after the calls in flight have settled, `release`. */
  dispose(release: () => Promise<void>): Promise<void> {
    return this.closing ??= Promise.all([...this.enders.values()].map((end) => end()))
      .then(() => Promise.allSettled([...this.running])).then(release);
  }
}
