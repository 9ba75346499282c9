// The one worker-thread entry for the TypeScript sources: registers tsx in the new thread (loader
// hooks do not carry over to workers), then loads the worker module named in workerData. The
// compiled package (dist/) starts its workers' .js files directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';
register();
await import(workerData.__workerModule);
