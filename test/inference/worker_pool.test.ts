// The one worker pool (src/inference/worker_pool.ts) with real worker threads: least-busy routing,
// a bounded queue, a crashed worker replaced, a job past its time cancelled in its worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobTimeout, QueueFull, WorkerPool } from '../../src/inference/worker_pool.ts';
import type { TestJob } from './pool_worker.ts';

type Result = { thread: number; cancelled: boolean };
const pool = (o: { size: number; perWorker: number; queueLimit: number; timeoutMs?: number }) =>
  new WorkerPool<TestJob, Result, { thread: number }>({ moduleUrl: import.meta.url, name: 'pool_worker', workerData: {}, ...o });

test('worker pool: jobs spread over the least busy workers; a full queue refuses at once', async () => {
  const p = pool({ size: 2, perWorker: 1, queueLimit: 1 });
  await p.ready;
  const a = p.run({ ms: 300 }), b = p.run({ ms: 300 });
  assert.equal(p.running, 2);
  const c = p.run({ ms: 10 }); // waits: both workers busy
  assert.equal(p.depth, 1);
  assert.ok(p.full);
  await assert.rejects(p.run({ ms: 10 }), QueueFull);
  const [ra, rb, rc] = await Promise.all([a, b, c]);
  assert.notEqual(ra.thread, rb.thread, 'the two first jobs ran side by side');
  assert.ok([ra.thread, rb.thread].includes(rc.thread));
  await p.close();
});

test('worker pool: several jobs in flight per worker go to the one with fewest', async () => {
  const p = pool({ size: 2, perWorker: Infinity, queueLimit: Infinity });
  await p.ready;
  const threads = (await Promise.all([0, 1, 2, 3].map(() => p.run({ ms: 50 })))).map((r) => r.thread);
  assert.deepEqual([...new Set(threads)].length, 2);
  assert.equal(threads.filter((t) => t === threads[0]).length, 2, threads.join(' '));
  await p.close();
});

test('worker pool: a crashed or ended worker fails its job and is replaced', async () => {
  // No job timeout here: a replacement worker's start (seconds on a loaded machine) is waited for.
  const p = pool({ size: 1, perWorker: 1, queueLimit: 4 });
  try {
    const first = (await p.ready).thread;
    await assert.rejects(p.run({ ms: 200, crash: true }), /inference worker crashed \(worker bug\)/);
    const after = await p.run({ ms: 1 });
    assert.notEqual(after.thread, first, 'a new worker answers');
    await assert.rejects(p.run({ ms: 200, exit: true }), /inference worker crashed \(it exited with code 3\)/);
    const third = await p.run({ ms: 1 });
    assert.notEqual(third.thread, after.thread, 'a worker that ended without an error is replaced too');
  } finally {
    await p.close(); // a failed check must not leave a worker holding the test process open
  }
});

test('worker pool: a job past its time is cancelled in its worker, which takes the next job at once', async () => {
  const p = pool({ size: 1, perWorker: 1, queueLimit: 4, timeoutMs: 1000 });
  try {
    await p.ready;
    await assert.rejects(p.run({ ms: 60_000 }), JobTimeout);
    assert.equal(p.cancelled, 1);
    const t0 = Date.now();
    const next = await p.run({ ms: 1 });
    assert.equal(next.cancelled, false);
    assert.ok(Date.now() - t0 < 30_000, 'the cancelled job freed its worker long before its 60 s');
  } finally {
    await p.close();
  }
});

test('worker pool: close() with jobs running and waiting settles every one of them (none left pending)', async () => {
  const p = pool({ size: 1, perWorker: 1, queueLimit: Infinity });
  await p.ready;
  const settled: string[] = [];
  const jobs = [p.run({ ms: 200 }), p.run({ ms: 10 })].map((j, i) => j.then(() => { settled.push(`${i} done`); }, (e: Error) => { settled.push(`${i} ${e.message}`); }));
  await p.close();
  await new Promise((r) => setImmediate(r));
  // The waiting job fails at once; the running one's answer comes back, or it fails once its worker has ended.
  assert.equal(settled.length, 2, settled.join('; '));
  assert.ok(settled.includes('1 inference pool closing'), settled.join('; '));
  assert.ok(settled.some((s) => /^0 (done|inference pool closed)$/.test(s)), settled.join('; '));
  await Promise.all(jobs);
  await assert.rejects(p.run({ ms: 1 }), /inference pool closed/);
});
