// Starting a worker thread from this package's sources or its compiled form. From the TypeScript
// sources the one boot file (worker_boot.mjs) registers tsx in the new thread first and then loads
// the worker's module; from the compiled package (dist/) the worker's own .js file runs as it is.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** A worker running module `name` (beside `moduleUrl`, the caller's import.meta.url). */
export function startWorker(moduleUrl: string, name: string, o: WorkerOptions = {}): Worker {
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, moduleUrl), o);
  const workerData = { ...(o.workerData as object), __workerModule: new URL(`./${name}.ts`, moduleUrl).href };
  return new Worker(new URL('./worker_boot.mjs', import.meta.url), { ...o, workerData });
}
