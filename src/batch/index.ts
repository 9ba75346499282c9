// `pixelwise/batch`: distributed batch segmentation on BullMQ and Redis, as a library. Its own entry
// point: BullMQ and its Redis client take ~150 ms to import, which `load()` users need not pay.
export { openQueue, submit, status, retryFailed, drain, connectionOf, DEFAULT_QUEUE_NAME, DEFAULT_ATTEMPTS, type SubmitOptions, type SubmitReport, type QueueStatus, type FailedJob } from './queue.js';
export { startWorker, type WorkerOptions, type RunningWorker } from './worker.js';
export { queueRegistry, serveMetrics } from './metrics.js';
export { jobId, modelIdentity, isDone, MARKERS, type BatchJobData, type BatchOutputOptions } from './jobs.js';
