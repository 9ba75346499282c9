// Worker-thread entry: register tsx in this thread (loader hooks do not carry over to workers),
// then load the TypeScript worker.
import { register } from 'tsx/esm/api';
register();
await import('./segment_worker.ts');
