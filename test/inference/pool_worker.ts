// A worker for the worker-pool test: each job waits `ms` (stopping early when cancelled), then
// answers with the thread's id; `crash` throws outside any job (an uncaught error ends the thread),
// `exit` ends the thread without an error.
import { threadId } from 'node:worker_threads';
import { serveWorker } from '../../src/inference/worker_pool.ts';

export interface TestJob { ms: number; crash?: boolean; exit?: boolean }
serveWorker<TestJob, { thread: number; cancelled: boolean }, { thread: number }>({
  start: async () => ({ thread: threadId }),
  run: (job, signal) => new Promise((resolve) => {
    if (job.crash) setTimeout(() => { throw new Error('worker bug'); }, 1);
    if (job.exit) setTimeout(() => process.exit(3), 1); // in a worker thread: ends the thread alone
    const t = setTimeout(() => resolve({ result: { thread: threadId, cancelled: false } }), job.ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve({ result: { thread: threadId, cancelled: true } }); });
  }),
  close: async () => {},
});
